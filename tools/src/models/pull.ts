import fs from 'node:fs';
import path from 'node:path';
import { defaultModels, selectModels, type DefaultModel, type DefaultModelOptions } from './default-models';
import { downloadHubFile, HubUnreachableError, remoteFile, type FileOutcome, type HubOptions, type RemoteFile } from './hub-download';
import { silentProgress, type ProgressFactory } from './progress';

/** Options of {@link pullModels}. */
export interface PullOptions extends HubOptions, DefaultModelOptions {
  /** MODELS_DIR: each model goes to `<modelsDir>/<id>/`. */
  readonly modelsDir: string;
  /** Ids or aliases; empty or absent: every default model. */
  readonly names?: readonly string[];
  /** Only models whose required files are not all present locally (no Hub call for the others): `pnpm start`. */
  readonly onlyMissing?: boolean;
  readonly progress?: ProgressFactory;
  /** One line per event for the user (default: nothing). */
  readonly say?: (line: string) => void;
}

/** What happened to one model. */
export interface PullResult {
  readonly id: string;
  readonly dir: string;
  /** `pulled` (something downloaded), `up-to-date`, `present` (skipped by onlyMissing), `needs-export`. */
  readonly status: 'pulled' | 'up-to-date' | 'present' | 'needs-export';
  readonly files: readonly { path: string; outcome: FileOutcome }[];
  readonly note?: string;
}

/** A pull failed; the message is one line that says what to download and where to put it. */
export class PullError extends Error {}

/** `.pull.json` in a model folder: where its files came from and their ETags, for up-to-date checks. */
const MANIFEST = '.pull.json';
interface Manifest {
  repo: string;
  revision: string;
  files: Record<string, RemoteFile>;
}

/** The folder of model `id` under `modelsDir`. */
export const modelDir = (modelsDir: string, id: string): string => path.join(modelsDir, ...id.split('/'));

/** Whether every required file of `model` exists in its folder. */
export function isPresent(modelsDir: string, model: DefaultModel): boolean {
  const dir = modelDir(modelsDir, model.id);
  return model.files.every((f) => f.optional || fs.existsSync(path.join(dir, f.path)));
}

/** Default models (or those named) whose required files are missing under `modelsDir`. */
export function missingModels(modelsDir: string, opts: DefaultModelOptions & { names?: readonly string[] } = {}): DefaultModel[] {
  return selectModels(opts.names ?? [], defaultModels(opts)).filter((m) => !isPresent(modelsDir, m));
}

/**
 * Downloads the default models (or the named ones) from the Hub into MODELS_DIR, file by file,
 * with progress, resume and verification. Files whose ETag matches the last pull are not fetched
 * again. A model without a public ONNX export in the expected layout (BLIP, unless BLIP_ONNX_REPO
 * is set) is reported as `needs-export` with instructions; it fails the pull only when named.
 */
export async function pullModels(opts: PullOptions): Promise<PullResult[]> {
  const all = defaultModels(opts);
  const wanted = selectModels(opts.names ?? [], all);
  const explicit = new Set((opts.names ?? []).map((n) => selectModels([n], all)[0].id));
  const say = opts.say ?? (() => undefined);
  const results: PullResult[] = [];
  for (const model of wanted) {
    const dir = modelDir(opts.modelsDir, model.id);
    if (opts.onlyMissing && isPresent(opts.modelsDir, model)) {
      results.push({ id: model.id, dir, status: 'present', files: [] });
      continue;
    }
    if (!model.repo) {
      if (isPresent(opts.modelsDir, model)) {
        results.push({ id: model.id, dir, status: 'up-to-date', files: [], note: 'exported locally' });
        continue;
      }
      const note = `${model.note ?? 'no Hub repo holds this model in the expected layout'}; expected files in ${dir}`;
      if (explicit.has(model.id)) throw new PullError(note);
      say(`${model.id}: skipped: ${note}`);
      results.push({ id: model.id, dir, status: 'needs-export', files: [], note });
      continue;
    }
    results.push(await pullOne(model, model.repo, dir, opts, say));
  }
  return results;
}

async function pullOne(
  model: DefaultModel,
  repo: string,
  dir: string,
  opts: PullOptions,
  say: (line: string) => void,
): Promise<PullResult> {
  const progress = opts.progress ?? silentProgress;
  say(`${model.id}: from ${opts.hubUrl}/${repo} (${model.revision})${model.note && repo !== model.id ? `; ${model.note}` : ''}`);
  const manifestFile = path.join(dir, MANIFEST);
  const manifest = readManifest(manifestFile, repo, model.revision);
  const files: { path: string; outcome: FileOutcome }[] = [];
  try {
    for (const f of model.files) {
      const dest = path.join(dir, f.path);
      const req = { repo, revision: model.revision, path: f.path, dest };
      const info = await remoteFile(req, opts);
      if (!info) {
        if (f.optional) {
          files.push({ path: f.path, outcome: 'not-in-repo' });
          continue;
        }
        throw new PullError(`${opts.hubUrl}/${repo} (${model.revision}) has no ${f.path}, which ${model.id} needs`);
      }
      const known = manifest.files[f.path];
      if (known?.etag === info.etag && known.size === info.size && sizeOf(dest) === info.size) {
        files.push({ path: f.path, outcome: 'up-to-date' });
        continue;
      }
      const outcome = await downloadHubFile(req, info, opts, progress, `${model.id} ${f.path}`);
      manifest.files[f.path] = { etag: info.etag, size: info.size };
      writeManifest(manifestFile, manifest);
      files.push({ path: f.path, outcome });
    }
  } catch (err) {
    if (err instanceof HubUnreachableError) {
      const needed = model.files.filter((f) => !f.optional && sizeOf(path.join(dir, f.path)) === undefined).map((f) => f.path);
      throw new PullError(
        `${err.message}: download ${needed.join(', ')} from ${opts.hubUrl}/${repo} (revision ${model.revision}) ` +
          `into ${dir} by hand (or try the system on random-weight fixtures: \`pnpm start:fixtures\`)`,
      );
    }
    throw err instanceof PullError ? err : new PullError(`${model.id}: ${(err as Error).message}`);
  }
  const changed = files.some((f) => f.outcome === 'downloaded' || f.outcome === 'resumed');
  return { id: model.id, dir, status: changed ? 'pulled' : 'up-to-date', files };
}

function sizeOf(file: string): number | undefined {
  try {
    return fs.statSync(file).size;
  } catch {
    return undefined;
  }
}

function readManifest(file: string, repo: string, revision: string): Manifest {
  try {
    const m = JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
    if (m.repo === repo && m.revision === revision && m.files && typeof m.files === 'object') return m;
  } catch {
    // no manifest yet, or unreadable: every file is checked against the Hub
  }
  return { repo, revision, files: {} };
}

function writeManifest(file: string, m: Manifest): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(m, null, 2)}\n`);
}
