import fs from 'node:fs';
import path from 'node:path';
import { FailedPreconditionError } from '@tit/kit';
import { parsePooling, type PoolingMode } from './pooling';

/** The default sentence-transformers model served when EMBEDDER_MODELS is unset. */
export const DEFAULT_EMBEDDER_MODEL = 'sentence-transformers/all-MiniLM-L6-v2';

/**
 * Everything the embedder needs to know about one model folder, read from the model's own files
 * (Hugging Face + sentence-transformers layout), never from constants.
 */
export interface ModelSpec {
  /** Model id as requested (`org/name`), also its folder under MODELS_DIR. */
  readonly id: string;
  readonly dir: string;
  readonly onnxPath: string;
  /** Parsed `tokenizer.json`. */
  readonly tokenizerJson: object;
  /** Parsed `tokenizer_config.json` (an empty object when the model has none). */
  readonly tokenizerConfig: object;
  /** Longest input in word pieces, special tokens included. */
  readonly maxTokens: number;
  readonly pooling: PoolingMode;
  readonly normalize: boolean;
  /** Length of the output vectors. */
  readonly dimensions: number;
}

/** A model folder that is missing or unusable; the message is one line an operator can act on. */
export class ModelFilesError extends FailedPreconditionError {}

const MODEL_ID = /^[A-Za-z0-9][\w.-]*(\/[A-Za-z0-9][\w.-]*)?$/;

const ST_TRANSFORMER = 'sentence_transformers.models.Transformer';
const ST_POOLING = 'sentence_transformers.models.Pooling';
const ST_NORMALIZE = 'sentence_transformers.models.Normalize';

interface StModule {
  idx?: number;
  name?: string;
  path?: string;
  type?: string;
}

function readJson(file: string, id: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  } catch (err) {
    throw new ModelFilesError(`model ${id}: cannot read ${file}: ${(err as Error).message}`);
  }
}

function readJsonIfExists(file: string, id: string): Record<string, unknown> | undefined {
  return fs.existsSync(file) ? (readJson(file, id) as Record<string, unknown>) : undefined;
}

/** Where the ONNX file of a model is: EMBEDDER_ONNX_FILE names a file in `onnx/`, or a path inside the model folder. */
export function onnxPathOf(dir: string, onnxFile: string): string {
  return onnxFile.includes('/') ? path.join(dir, onnxFile) : path.join(dir, 'onnx', onnxFile);
}

/** The files a model folder must hold, relative to the folder; used by error messages and by `readModelSpec`. */
export function requiredFiles(onnxFile: string): string[] {
  const onnx = onnxFile.includes('/') ? onnxFile : `onnx/${onnxFile}`;
  return [onnx, 'tokenizer.json', 'config.json', 'modules.json', '1_Pooling/config.json'];
}

/**
 * Reads and validates the folder `MODELS_DIR/<id>`. Throws a ModelFilesError whose message says
 * which files are missing, where they were expected, and how to get them.
 */
export function readModelSpec(modelsDir: string, id: string, onnxFile: string): ModelSpec {
  if (!MODEL_ID.test(id) || id.includes('..')) throw new ModelFilesError(`invalid model id ${JSON.stringify(id)}`);
  const dir = path.join(modelsDir, id);
  const missing = requiredFiles(onnxFile).filter((f) => !fs.existsSync(path.join(dir, f)));
  if (missing.length > 0) {
    throw new ModelFilesError(
      `model ${id} is missing ${missing.join(', ')} in ${dir}: run \`pnpm models pull ${id}\`, ` +
        `or set MODELS_DIR to the folder that holds ${id}/ (\`pnpm fixtures\` builds random-weight test models ` +
        `in .models/fixtures-tiny)`,
    );
  }
  const modules = readJson(path.join(dir, 'modules.json'), id);
  if (!Array.isArray(modules)) throw new ModelFilesError(`model ${id}: modules.json is not a list of modules`);
  const mods = (modules as StModule[]).slice().sort((a, b) => (a.idx ?? 0) - (b.idx ?? 0));
  const unsupported = mods.filter((m) => ![ST_TRANSFORMER, ST_POOLING, ST_NORMALIZE].includes(m.type ?? ''));
  if (unsupported.length > 0) {
    throw new ModelFilesError(
      `model ${id}: modules.json has modules the embedder cannot run: ${unsupported.map((m) => m.type).join(', ')} ` +
        `(supported: Transformer, Pooling, Normalize)`,
    );
  }
  const poolingModule = mods.find((m) => m.type === ST_POOLING);
  if (!poolingModule) throw new ModelFilesError(`model ${id}: modules.json has no Pooling module`);
  const poolingDir = path.join(dir, poolingModule.path ?? '1_Pooling');
  const poolingConfig = readJson(path.join(poolingDir, 'config.json'), id) as Record<string, unknown>;
  let pooling: PoolingMode;
  try {
    pooling = parsePooling(poolingConfig);
  } catch (err) {
    throw new ModelFilesError(`model ${id}: ${(err as Error).message}`);
  }
  // Normalization is a module of the pipeline, applied after pooling only when listed.
  const normalize = mods.some((m) => m.type === ST_NORMALIZE);

  const config = readJson(path.join(dir, 'config.json'), id) as Record<string, unknown>;
  const stConfig = readJsonIfExists(path.join(dir, 'sentence_bert_config.json'), id);
  const tokenizerConfig = readJsonIfExists(path.join(dir, 'tokenizer_config.json'), id) ?? {};
  const positions = positiveInt(config.max_position_embeddings);
  // sentence-transformers truncates at max_seq_length (256 for MiniLM) although the tokenizer
  // allows 512; without it, the tokenizer's model_max_length applies, capped by the position table.
  const declared = positiveInt(stConfig?.max_seq_length) ?? positiveInt(tokenizerConfig.model_max_length);
  const maxTokens = Math.min(declared ?? positions ?? 512, positions ?? Infinity);
  const dimensions = positiveInt(poolingConfig.word_embedding_dimension) ?? positiveInt(config.hidden_size);
  if (dimensions === undefined) {
    throw new ModelFilesError(`model ${id}: neither 1_Pooling/config.json nor config.json gives the embedding size`);
  }
  return {
    id,
    dir,
    onnxPath: onnxPathOf(dir, onnxFile),
    tokenizerJson: readJson(path.join(dir, 'tokenizer.json'), id) as object,
    tokenizerConfig,
    maxTokens,
    pooling,
    normalize,
    dimensions,
  };
}

function positiveInt(v: unknown): number | undefined {
  // Some tokenizer configs hold 1e30 as "no limit"; treat anything absurd as unset.
  return typeof v === 'number' && Number.isInteger(v) && v > 0 && v < 1_000_000 ? v : undefined;
}
