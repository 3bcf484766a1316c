import { DEFAULT_PORTS, env, loadConfig, processEnv } from '@tit/kit';

/** The processes the health check knows by name, and how each one is probed. */
export const NAMED_TARGETS = {
  embedder: { kind: 'grpc', portVar: 'EMBEDDER_PORT', defaultPort: DEFAULT_PORTS.embedder },
  search: { kind: 'grpc', portVar: 'SEARCH_PORT', defaultPort: DEFAULT_PORTS.search },
  captioner: { kind: 'grpc', portVar: 'CAPTIONER_PORT', defaultPort: DEFAULT_PORTS.captioner },
  indexer: { kind: 'grpc', portVar: 'INDEXER_PORT', defaultPort: DEFAULT_PORTS.indexer },
  gateway: { kind: 'http', portVar: 'GATEWAY_PORT', defaultPort: DEFAULT_PORTS.gateway },
} as const;

export type TargetName = keyof typeof NAMED_TARGETS;

export const isTargetName = (s: string): s is TargetName =>
  Object.prototype.hasOwnProperty.call(NAMED_TARGETS, s);

/**
 * Reads only the port variable of the one process being checked: in a container the health check
 * runs with that process's environment, so it follows a changed port without its own setting, and
 * unrelated variables (Kubernetes service links such as GATEWAY_PORT=tcp://…) cannot break it.
 */
export function loadPort(name: TargetName, e: NodeJS.ProcessEnv = processEnv()): number {
  const { portVar, defaultPort } = NAMED_TARGETS[name];
  const cfg = loadConfig('healthcheck', { [portVar]: env.port(defaultPort) }, e);
  return cfg[portVar];
}
