import os from 'node:os';
import path from 'node:path';
import { env } from './load-config';

/** The repository root, for defaults of MODELS_DIR and DATASET_DIR when running from a checkout. */
export const REPO_ROOT = path.resolve(__dirname, '../../../..');

/** Variables every process understands. */
export const commonSchema = {
  LOG_LEVEL: env.logLevel(),
  /** How long SIGTERM waits for in-flight work before forcing close. */
  SHUTDOWN_GRACE_MS: env.int(8000, 0, 600_000),
};

/** Default addresses of the services; one table so pnpm start, compose and k8s agree. */
export const DEFAULT_PORTS = {
  gateway: 8080,
  embedder: 50051,
  search: 50052,
  captioner: 50053,
  indexer: 50054,
} as const;

/**
 * ONNX Runtime intra-op threads for a configured count: the count itself, or for 0 one thread per
 * CPU this process may use. Explicit because ORT's own default can be a single thread: on a 2-vCPU
 * VM it ran MiniLM on one core (about 0.8 of the throughput of two threads, measured).
 */
export function intraOpThreads(configured: number): number {
  return configured > 0 ? configured : os.availableParallelism();
}
