/**
 * Model pull: the default models of every service and a Hub downloader with progress, resume and
 * verification. `pnpm models pull` is the CLI (cli.ts); `pnpm start` calls {@link pullModels} with
 * `onlyMissing`.
 */
export * from './default-models';
export { pullModels, missingModels, isPresent, modelDir, PullError, type PullOptions, type PullResult } from './pull';
export { digestOf, HubUnreachableError, VerificationError, type HubOptions } from './hub-download';
export { terminalProgress, silentProgress, type ProgressFactory, type FileProgress } from './progress';
export { loadModelsConfig, type ModelsConfig } from './config';
