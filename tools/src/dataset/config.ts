import { env, loadConfig, processEnv } from '@tit/kit';

export const schema = {
  /** Set by pnpm to the directory the command was typed in: relative paths start there. */
  INIT_CWD: env.optionalString(),
};

export const loadDatasetCliConfig = (e = processEnv()) => loadConfig('dataset', schema, e);
