/**
 * Environment of `pnpm eval`. The ranking, embedder and captioner settings reuse the services' own
 * variables and parsers (same names, same defaults), so the evaluation measures what the services
 * would serve with the same environment.
 */
import path from 'node:path';
import { env, loadConfig, processEnv, REPO_ROOT, type ConfigOf } from '@tit/kit';
import { schema as searchSchema } from '@tit/search/src/config';
import { schema as embedderSchema } from '@tit/embedder/src/config';
import { schema as captionerSchema } from '@tit/captioner/src/config';

export const schema = {
  MODELS_DIR: env.string(path.join(REPO_ROOT, '.models')),
  /** First model of EMBEDDER_MODELS is the one evaluated (the service's default). */
  EMBEDDER_MODELS: embedderSchema.EMBEDDER_MODELS,
  EMBEDDER_ONNX_FILE: embedderSchema.EMBEDDER_ONNX_FILE,
  EMBEDDER_INTRA_OP_THREADS: embedderSchema.EMBEDDER_INTRA_OP_THREADS,
  EMBEDDER_MAX_BATCH: embedderSchema.EMBEDDER_MAX_BATCH,
  EMBEDDER_MAX_BATCH_TOKENS: embedderSchema.EMBEDDER_MAX_BATCH_TOKENS,
  /** Every model of CAPTIONER_MODELS is evaluated. */
  CAPTIONER_MODELS: captionerSchema.CAPTIONER_MODELS,
  CAPTIONER_INTRA_OP_THREADS: captionerSchema.CAPTIONER_INTRA_OP_THREADS,
  CAPTIONER_MAX_BATCH: captionerSchema.CAPTIONER_MAX_BATCH,
  CAPTIONER_MAX_NEW_TOKENS: captionerSchema.CAPTIONER_MAX_NEW_TOKENS,
  CAPTIONER_MAX_BEAMS: captionerSchema.CAPTIONER_MAX_BEAMS,
  CAPTIONER_MAX_BYTES: captionerSchema.CAPTIONER_MAX_BYTES,
  CAPTIONER_MAX_PIXELS: captionerSchema.CAPTIONER_MAX_PIXELS,
  CAPTIONER_ALPHA: captionerSchema.CAPTIONER_ALPHA,
  CAPTIONER_RESIZE: captionerSchema.CAPTIONER_RESIZE,
  SEARCH_BM25_K1: searchSchema.SEARCH_BM25_K1,
  SEARCH_BM25_B: searchSchema.SEARCH_BM25_B,
  SEARCH_HYBRID_DENSE_WEIGHT: searchSchema.SEARCH_HYBRID_DENSE_WEIGHT,
};

export type EvalConfig = ConfigOf<typeof schema>;

export const loadEvalConfig = (e = processEnv()): EvalConfig => loadConfig('eval', schema, e);
