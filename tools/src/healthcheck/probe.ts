import { checkHealth } from '@tit/kit';
import { NAMED_TARGETS, isTargetName, loadPort } from './config';

/** What to probe: a grpc.health.v1 target (host:port or a grpc-js URI) or an HTTP URL. */
export type Probe = { kind: 'grpc'; target: string; service: string } | { kind: 'http'; url: string };

/** Outcome of one probe; `healthy` is what the exit code reports. */
export interface ProbeResult {
  healthy: boolean;
  /** SERVING / NOT_SERVING / UNREACHABLE … for gRPC, the HTTP status or the error for HTTP. */
  status: string;
}

/** The gateway's readiness route: 200 only when its backends serve and an index generation is committed. */
export const GATEWAY_READY_PATH = '/readyz';

/**
 * Turns a command-line target into a probe. A process name (`embedder`, `search`, `captioner`,
 * `indexer`, `gateway`) means that process on 127.0.0.1 at the port its own variable sets;
 * `http://…`/`https://…` is an HTTP check; anything else is a gRPC target.
 */
export function probeFor(target: string, service = '', e?: NodeJS.ProcessEnv): Probe {
  if (isTargetName(target)) {
    const port = loadPort(target, e);
    return NAMED_TARGETS[target].kind === 'http'
      ? { kind: 'http', url: `http://127.0.0.1:${port}${GATEWAY_READY_PATH}` }
      : { kind: 'grpc', target: `127.0.0.1:${port}`, service };
  }
  if (/^https?:\/\//.test(target)) return { kind: 'http', url: target };
  return { kind: 'grpc', target, service };
}

/** Runs one probe with a deadline; never throws. Healthy means SERVING (gRPC) or a 2xx answer (HTTP). */
export async function runProbe(probe: Probe, timeoutMs: number): Promise<ProbeResult> {
  if (probe.kind === 'grpc') {
    const status = await checkHealth(probe.target, probe.service, timeoutMs);
    return { healthy: status === 'SERVING', status };
  }
  try {
    const res = await fetch(probe.url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    return { healthy: res.ok, status: `HTTP ${res.status}` };
  } catch (err) {
    return { healthy: false, status: err instanceof Error ? err.message : String(err) };
  }
}
