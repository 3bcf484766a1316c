/**
 * The five processes of the system, how to start each from source, and how to tell it is healthy.
 * One table, used by `pnpm start`, the end-to-end tests and the benchmarks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT, checkHealth } from '@tit/kit';
import { CAPTIONER_NODE_FLAGS } from '@tit/captioner/src/node-flags';

export type ProcessName = 'search' | 'embedder' | 'captioner' | 'indexer' | 'gateway';

export interface ProcessSpec {
  name: ProcessName;
  entry: string;
  /** Port variable in the child environment. */
  portVar: string;
  kind: 'grpc' | 'http';
  /** Node flags before the loader (the Docker image's CMD has the same). */
  nodeFlags?: readonly string[];
}

/** Start order: leaves first, so the gateway and indexer find their peers. */
export const PROCESSES: readonly ProcessSpec[] = [
  { name: 'search', entry: 'services/search/src/main.ts', portVar: 'SEARCH_PORT', kind: 'grpc' },
  { name: 'embedder', entry: 'services/embedder/src/main.ts', portVar: 'EMBEDDER_PORT', kind: 'grpc' },
  { name: 'captioner', entry: 'services/captioner/src/main.ts', portVar: 'CAPTIONER_PORT', kind: 'grpc', nodeFlags: CAPTIONER_NODE_FLAGS },
  { name: 'indexer', entry: 'services/indexer/src/main.ts', portVar: 'INDEXER_PORT', kind: 'grpc' },
  { name: 'gateway', entry: 'gateway/src/main.ts', portVar: 'GATEWAY_PORT', kind: 'http' },
];

/** Node's arguments for a process: its flags, tsx's loader, its entry file (absolute). */
export function nodeArgv(spec: ProcessSpec): string[] {
  return [...(spec.nodeFlags ?? []), '--import', 'tsx', path.join(REPO_ROOT, spec.entry)];
}

/**
 * Starts one process from source with tsx's loader (one node process, so signals reach it directly).
 * Each child gets its own process group: a Ctrl-C in the terminal then reaches only the runner,
 * which stops the children in order with one SIGTERM each (a second signal means "exit now").
 */
export function spawnProcess(spec: ProcessSpec, env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, nodeArgv(spec), {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  // Detached children would outlive a runner that dies abruptly; take them along.
  const reap = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', reap);
  child.once('exit', () => process.removeListener('exit', reap));
  return child;
}

/** True when the process answers its health check: grpc.health.v1 SERVING, or HTTP /healthz 200. */
export async function isHealthy(spec: ProcessSpec, env: NodeJS.ProcessEnv): Promise<boolean> {
  const port = env[spec.portVar];
  if (spec.kind === 'grpc') return (await checkHealth(`127.0.0.1:${port}`, '', 1000)) === 'SERVING';
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) });
    return res.ok;
  } catch {
    return false;
  }
}
