import path from 'node:path';
import { env, loadConfig, processEnv, REPO_ROOT, type ConfigOf } from '@tit/kit';

/** Environment of `pnpm models`. */
export const schema = {
  MODELS_DIR: env.string(path.join(REPO_ROOT, '.models')),
  /** The Hub or a mirror (same variable as the huggingface_hub Python client). */
  HF_ENDPOINT: env.url('https://huggingface.co', ['https:', 'http:']),
  /** Access token for gated or private repos. */
  HF_TOKEN: env.optionalString(),
  /** Which ONNX file of the embedder model to pull (the embedder reads the same variable). */
  EMBEDDER_ONNX_FILE: env.string('model.onnx'),
  /** A Hub repo holding BLIP already converted to the captioner's export layout. */
  BLIP_ONNX_REPO: env.optionalString(),
};

export type ModelsConfig = ConfigOf<typeof schema>;

export const loadModelsConfig = (e = processEnv()): ModelsConfig => loadConfig('models', schema, e);
