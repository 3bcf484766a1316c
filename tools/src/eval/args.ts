/** Command-line arguments of `pnpm eval`. */
import path from 'node:path';
import type { Mode } from '@tit/search/src/domain/types';

export const MODES: readonly Mode[] = ['dense', 'lexical', 'hybrid'];

export const USAGE = `usage: pnpm eval --dataset DIR [--split test] [--modes dense,lexical,hybrid] [--out DIR]
                 [--models-dir DIR] [--embedder-model ID] [--captioner-models ID,ID|none] [--limit N]

  --dataset DIR          Flickr8k-layout folder (captions.txt or Flickr8k.token.txt, split files, images)
  --split NAME           split file to evaluate (Flickr_8k.<NAME>Images.txt, <NAME>.txt); default test
  --modes LIST           retrieval modes, comma-separated; default dense,lexical,hybrid
  --out DIR              where report.md, report.json and the charts go; default .data/eval
  --models-dir DIR       model folders (default MODELS_DIR, else <repo>/.models)
  --embedder-model ID    embedding model (default: first of EMBEDDER_MODELS)
  --captioner-models L   captioning models, comma-separated, or none (default CAPTIONER_MODELS)
  --limit N              only the first N images of the split (quick runs; the report says so)`;

export interface EvalArgs {
  dataset: string;
  split: string;
  modes: Mode[];
  out: string;
  modelsDir?: string;
  embedderModel?: string;
  /** Undefined: the configured list; empty: captioning skipped. */
  captionerModels?: string[];
  limit?: number;
}

/** A bad command line; the message is shown with the usage. */
export class UsageError extends Error {}

const list = (v: string): string[] =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** Parses `argv` (without node and the script). Throws UsageError. */
export function parseArgs(argv: readonly string[], cwd = process.cwd()): EvalArgs {
  const values = new Map<string, string>();
  const known = ['--dataset', '--split', '--modes', '--out', '--models-dir', '--embedder-model', '--captioner-models', '--limit'];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (!known.includes(name)) throw new UsageError(`unknown argument ${JSON.stringify(arg)}`);
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '') throw new UsageError(`${name} needs a value`);
    values.set(name, value);
  }
  const dataset = values.get('--dataset');
  if (!dataset) throw new UsageError('--dataset is required');
  const modes = list(values.get('--modes') ?? MODES.join(','));
  const bad = modes.filter((m) => !(MODES as readonly string[]).includes(m));
  if (bad.length > 0 || modes.length === 0) throw new UsageError(`--modes takes ${MODES.join(', ')}; got ${JSON.stringify(values.get('--modes'))}`);
  let limit: number | undefined;
  if (values.has('--limit')) {
    limit = Number(values.get('--limit'));
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a positive integer');
  }
  const captioners = values.get('--captioner-models');
  const modelsDir = values.get('--models-dir');
  return {
    dataset: path.resolve(cwd, dataset),
    split: values.get('--split') ?? 'test',
    // Keep the canonical order whatever the command line's order, so reports compare.
    modes: MODES.filter((m) => modes.includes(m)),
    out: path.resolve(cwd, values.get('--out') ?? '.data/eval'),
    ...(modelsDir ? { modelsDir: path.resolve(cwd, modelsDir) } : {}),
    ...(values.has('--embedder-model') ? { embedderModel: values.get('--embedder-model') } : {}),
    ...(captioners !== undefined ? { captionerModels: captioners === 'none' ? [] : list(captioners) } : {}),
    ...(limit !== undefined ? { limit } : {}),
  };
}
