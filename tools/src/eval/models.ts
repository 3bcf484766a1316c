/**
 * Loads the embedder and captioner domains in-process, from the same model folders and with the
 * same settings the services use. A model whose folder is missing or incomplete is reported as
 * unavailable (with the services' own one-line message) instead of failing the run.
 */
import { Embedder } from '@tit/embedder/src/domain/embedder';
import { readModelSpec, type ModelSpec } from '@tit/embedder/src/domain/model-files';
import { Captioner } from '@tit/captioner/src/domain/captioner';
import { locateModelFiles, type ModelFiles } from '@tit/captioner/src/domain/model-loader';
import { readFixtureMarker } from '../fixtures/common';
import type { EvalConfig } from './config';
import type { ProgressFactory } from './progress';

/** A model as the report records it. */
export interface ModelRecord {
  id: string;
  role: 'embedder' | 'captioner';
  dir?: string;
  available: boolean;
  /** True for random-weight fixture models (numbers then mean nothing about quality). */
  fixture: boolean;
  fixtureSize?: string;
  /** Why it is unavailable. */
  note?: string;
}

function fixtureInfo(dir: string): Pick<ModelRecord, 'fixture' | 'fixtureSize'> {
  const marker = readFixtureMarker(dir);
  return marker ? { fixture: true, fixtureSize: marker.size } : { fixture: false };
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Finds the embedding model; the Embedder is created but not started. */
export function locateEmbedder(config: EvalConfig, modelsDir: string, id: string): { record: ModelRecord; spec?: ModelSpec } {
  try {
    const spec = readModelSpec(modelsDir, id, config.EMBEDDER_ONNX_FILE);
    return { record: { id, role: 'embedder', dir: spec.dir, available: true, ...fixtureInfo(spec.dir) }, spec };
  } catch (err) {
    return { record: { id, role: 'embedder', available: false, fixture: false, note: message(err) } };
  }
}

export async function startEmbedder(config: EvalConfig, spec: ModelSpec): Promise<Embedder> {
  const embedder = new Embedder(
    [spec],
    { maxTexts: 100_000, maxChars: 1_000_000 },
    { maxBatch: config.EMBEDDER_MAX_BATCH, maxBatchTokens: config.EMBEDDER_MAX_BATCH_TOKENS, maxWaitMs: 0, queueLimit: 1_000_000 },
    { intraOp: config.EMBEDDER_INTRA_OP_THREADS, interOp: 0 },
  );
  await embedder.start();
  return embedder;
}

/** Embeds `texts` in calls of `chunk` texts; the vectors come back in input order. */
export async function embedAll(
  embedder: Embedder,
  modelId: string,
  texts: readonly string[],
  progress: ProgressFactory,
  label: string,
  chunk = 256,
): Promise<Float32Array[]> {
  const bar = progress(label, texts.length);
  const out: Float32Array[] = [];
  for (let i = 0; i < texts.length; i += chunk) {
    const part = texts.slice(i, i + chunk);
    const { vectors } = await embedder.embed(part, modelId);
    out.push(...vectors);
    bar.tick(part.length);
  }
  bar.done();
  return out;
}

/** Finds each captioning model's files. */
export function locateCaptioners(modelsDir: string, ids: readonly string[]): { records: ModelRecord[]; files: ModelFiles[] } {
  const records: ModelRecord[] = [];
  const files: ModelFiles[] = [];
  for (const id of ids) {
    try {
      const f = locateModelFiles(modelsDir, id);
      files.push(f);
      records.push({ id, role: 'captioner', dir: f.dir, available: true, ...fixtureInfo(f.dir) });
    } catch (err) {
      records.push({ id, role: 'captioner', available: false, fixture: false, note: message(err) });
    }
  }
  return { records, files };
}

/** A Captioner over the available models, configured as the service would be (no cache). */
export async function startCaptioner(config: EvalConfig, files: readonly ModelFiles[], concurrency: number): Promise<Captioner> {
  const captioner = new Captioner(files, {
    limits: { maxBytes: config.CAPTIONER_MAX_BYTES, maxPixels: config.CAPTIONER_MAX_PIXELS },
    generation: { maxNewTokens: config.CAPTIONER_MAX_NEW_TOKENS, maxBeams: config.CAPTIONER_MAX_BEAMS },
    cacheSize: 0,
    queueLimit: 1_000_000,
    decodeConcurrency: concurrency,
    batch: { maxBatch: config.CAPTIONER_MAX_BATCH, maxWaitMs: 2 },
    preprocess: { alpha: config.CAPTIONER_ALPHA, resizer: config.CAPTIONER_RESIZE },
    runtime: { intraOpThreads: config.CAPTIONER_INTRA_OP_THREADS, interOpThreads: 0 },
  });
  await captioner.start();
  return captioner;
}
