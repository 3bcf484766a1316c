/**
 * Container health check: `node --import tsx tools/src/healthcheck/cli.ts <target> [--service NAME] [--timeout MS]`.
 * Exits 0 when the target is healthy (grpc.health.v1 SERVING, or HTTP 2xx for the gateway), 1
 * otherwise, printing one line either way. Docker's HEALTHCHECK and compose run it; Kubernetes uses
 * its native gRPC probes instead. It imports only the kit, so every image can carry it.
 */
import { ConfigError } from '@tit/kit';
import { probeFor, runProbe } from './probe';

const USAGE =
  'usage: healthcheck <embedder|search|captioner|indexer|gateway|host:port|dns:///host:port|http://…> [--service NAME] [--timeout MS]';

interface Args {
  target: string;
  service: string;
  timeoutMs: number;
}

function parseArgs(argv: readonly string[]): Args | string {
  let target: string | undefined;
  let service = '';
  let timeoutMs = 2000;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--service') service = argv[++i] ?? '';
    else if (a === '--timeout') {
      timeoutMs = Number(argv[++i]);
      if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 60_000)
        return '--timeout must be 1..60000 ms';
    } else if (a.startsWith('--')) return `unknown option ${a}`;
    else if (target === undefined) target = a;
    else return `unexpected argument ${a}`;
  }
  return target === undefined ? 'missing target' : { target, service, timeoutMs };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (typeof args === 'string') {
    console.error(`${args}\n${USAGE}`);
    return 1;
  }
  let probe;
  try {
    probe = probeFor(args.target, args.service);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  }
  const where =
    probe.kind === 'grpc' ? probe.target + (probe.service ? ` (${probe.service})` : '') : probe.url;
  const res = await runProbe(probe, args.timeoutMs);
  console.log(`${res.healthy ? 'healthy' : 'unhealthy'}: ${args.target} ${where} ${res.status}`);
  return res.healthy ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
