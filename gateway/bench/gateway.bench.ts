/**
 * The gateway's own overhead: throughput and latency of `POST /v1/search/text` against the same
 * embed + search gRPC calls made directly by one client process, measured in the same run.
 *
 *   npx tsx gateway/bench/gateway.bench.ts [--quick] [--seconds=N] [--concurrency=N] [--images=N]
 *                                          [--embedder=host:port --search=host:port] [--profile=DIR]
 *
 * Processes: the backends (by default the test fakes over a synthetic index, in a child process;
 * or real services given by address), the gateway (its real main.ts, in a child process), and
 * this load generator. Two scenarios, each run direct/gateway/direct/gateway alternately so drift
 * from other work on the machine hits both sides:
 *   - concurrency 1: latency; the added p50 is the gateway's cost per request (target ≤ 2 ms);
 *   - concurrency N: throughput; the gateway's req/s as a share of direct calls (target ≥ 0.8).
 * Prints a markdown table and writes docs/bench/gateway.json.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import readline from 'node:readline';
import { REPO_ROOT, createClient, loadEmbedderProto, loadSearchProto, unaryCall } from '@tit/kit';
import { compare, machineLine, saveResult, type Figure } from '@tit/tools/src/bench/figures';
import { LoadMonitor, processTicks } from '@tit/tools/src/bench/load-monitor';
import { percentile } from '@tit/tools/src/bench/stats';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const QUICK = args.includes('--quick');
const SECONDS = Number(flag('seconds') ?? (QUICK ? 2 : 6));
const CONCURRENCY = Number(flag('concurrency') ?? 8);
const IMAGES = Number(flag('images') ?? 200);
const ROUNDS = QUICK ? 1 : 2;
const QUERIES = ['a dog runs on the grass', 'two children play in the snow', 'a man rides a bike on the street', 'a black cat sits on a wall'];

const children: ChildProcess[] = [];
function cleanup(): void {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

async function startBackends(): Promise<{ embedder: string; search: string; captioner: string; external: boolean }> {
  const embedder = flag('embedder');
  const search = flag('search');
  if (embedder && search) return { embedder, search, captioner: flag('captioner') ?? '127.0.0.1:1', external: true };
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fake-backend.ts'), `--images=${IMAGES}`], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const line = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`fake backend exited with ${code}`)));
  });
  pids.backend = child.pid ?? 0;
  return { ...(JSON.parse(line) as { embedder: string; search: string; captioner: string }), external: false };
}

async function startGateway(addrs: { embedder: string; search: string; captioner: string }): Promise<number> {
  const port = 18000 + Math.floor(Math.random() * 2000);
  // --profile=DIR: the gateway writes a V8 CPU profile there on exit (for finding its hot spots).
  const profile = flag('profile') ? ['--cpu-prof', `--cpu-prof-dir=${flag('profile')}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', path.join(REPO_ROOT, 'gateway/src/main.ts')], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_PORT: String(port),
      EMBEDDER_ADDR: addrs.embedder,
      SEARCH_ADDR: addrs.search,
      CAPTIONER_ADDR: addrs.captioner,
      RATE_LIMIT_MAX: '0',
      // Request logs are part of the gateway's real cost, so they stay on (to /dev/null).
      LOG_LEVEL: 'info',
    },
  });
  children.push(child);
  pids.gateway = child.pid ?? 0;
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) =>
      http.get({ host: '127.0.0.1', port, path: '/healthz' }, (res) => resolve(res.statusCode === 200)).on('error', () => resolve(false)),
    );
    if (ok) return port;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('gateway did not start');
}

type Call = (query: string) => Promise<void>;

/** Runs `concurrency` loops of `call` for `seconds`; returns latencies (ms) and the wall time. */
async function load(call: Call, concurrency: number, seconds: number): Promise<{ latencies: number[]; wallS: number; errors: number }> {
  const latencies: number[] = [];
  let errors = 0;
  const t0 = performance.now();
  const until = t0 + seconds * 1000;
  let n = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const q = QUERIES[n++ % QUERIES.length];
        const s = performance.now();
        try {
          await call(q);
          latencies.push(performance.now() - s);
        } catch {
          errors++;
        }
      }
    }),
  );
  return { latencies, wallS: (performance.now() - t0) / 1000, errors };
}

function directCaller(addrs: { embedder: string; search: string }): Call {
  const embedder = createClient(loadEmbedderProto().embedder.v1.EmbedderService, addrs.embedder);
  const search = createClient(loadSearchProto().search.v1.SearchService, addrs.search);
  let id = 0;
  return async (query) => {
    const requestId = `bench-direct-${id++}`;
    const e = await unaryCall(embedder, embedder.embed.bind(embedder), { texts: [query] }, { deadline: 15_000, requestId });
    const vector = e.vectors.subarray(0, e.dimensions * 4);
    await unaryCall(search, search.query.bind(search), { vector, model: e.model, text: query, k: 5, threshold: 0.5, mode: 'MODE_DENSE' }, { deadline: 15_000, requestId });
  };
}

function gatewayCaller(port: number, concurrency: number): Call {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  return (query) =>
    new Promise<void>((resolve, reject) => {
      const body = JSON.stringify({ query, k: 5, threshold: 0.5 });
      const req = http.request(
        { host: '127.0.0.1', port, path: '/v1/search/text', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
}

interface Side {
  latencies: number[];
  seconds: number;
  errors: number;
  /** CPU clock ticks (1/100 s) used by each process while this side ran. */
  ticks: { client: number; gateway: number; backend: number };
}

/** The processes whose CPU time is attributed: this one, the gateway, the fake backends. */
const pids = { client: process.pid, gateway: 0, backend: 0 };
const ticksNow = () => ({
  client: processTicks(pids.client) ?? 0,
  gateway: pids.gateway ? (processTicks(pids.gateway) ?? 0) : 0,
  backend: pids.backend ? (processTicks(pids.backend) ?? 0) : 0,
});
const cpuMs = (ticks: number, requests: number) => (requests ? (ticks * 10) / requests : Number.NaN);
const summary = (s: Side) => ({
  requests: s.latencies.length,
  errors: s.errors,
  rps: s.latencies.length / s.seconds,
  p50: percentile(s.latencies, 50),
  p95: percentile(s.latencies, 95),
  p99: percentile(s.latencies, 99),
  cpuMsPerRequest: {
    client: cpuMs(s.ticks.client, s.latencies.length),
    gateway: cpuMs(s.ticks.gateway, s.latencies.length),
    backend: cpuMs(s.ticks.backend, s.latencies.length),
  },
});

async function scenario(direct: Call, gateway: Call, concurrency: number): Promise<{ direct: Side; gateway: Side }> {
  const side = (): Side => ({ latencies: [], seconds: 0, errors: 0, ticks: { client: 0, gateway: 0, backend: 0 } });
  const out = { direct: side(), gateway: side() };
  // Warm-up: connections, JIT, caches on both paths.
  await load(direct, concurrency, 0.5);
  await load(gateway, concurrency, 0.5);
  for (let r = 0; r < ROUNDS; r++) {
    for (const side of ['direct', 'gateway'] as const) {
      const before = ticksNow();
      const res = await load(side === 'direct' ? direct : gateway, concurrency, SECONDS);
      const after = ticksNow();
      for (const k of ['client', 'gateway', 'backend'] as const) out[side].ticks[k] += after[k] - before[k];
      out[side].latencies.push(...res.latencies);
      out[side].seconds += res.wallS;
      out[side].errors += res.errors;
    }
  }
  return out;
}

async function main(): Promise<void> {
  const started = Date.now();
  const backends = await startBackends();
  const port = await startGateway(backends);
  const monitor = new LoadMonitor(() => children.map((c) => c.pid ?? 0).filter(Boolean));
  const direct = directCaller(backends);
  const gateway = gatewayCaller(port, CONCURRENCY);

  const c1 = await scenario(direct, gateway, 1);
  const cN = await scenario(direct, gateway, CONCURRENCY);
  const load = monitor.stop();
  console.log(`machine load while measuring: load average ${load.loadAverage.join(' -> ')}, other processes used ${load.foreignCpuShare === null ? '?' : Math.round(load.foreignCpuShare * 100)}% of the CPU`);

  const rows: string[] = [
    '| concurrency | path | requests | errors | req/s | p50 ms | p95 ms | p99 ms | CPU ms/req: client | gateway | backends |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '–');
  const table: Record<string, unknown> = {};
  for (const [c, s] of [
    [1, c1],
    [CONCURRENCY, cN],
  ] as const) {
    for (const side of ['direct', 'gateway'] as const) {
      const m = summary(s[side]);
      table[`c${c}-${side}`] = m;
      rows.push(`| ${c} | ${side === 'direct' ? 'direct gRPC (embed + query)' : 'gateway POST /v1/search/text'} | ${m.requests} | ${m.errors} | ${m.rps.toFixed(0)} | ${m.p50.toFixed(2)} | ${m.p95.toFixed(2)} | ${m.p99.toFixed(2)} | ${f2(m.cpuMsPerRequest.client)} | ${side === 'direct' ? '–' : f2(m.cpuMsPerRequest.gateway)} | ${f2(m.cpuMsPerRequest.backend)} |`);
    }
  }
  console.log(`\n${rows.join('\n')}`);

  const d1 = summary(c1.direct);
  const g1 = summary(c1.gateway);
  const dN = summary(cN.direct);
  const gN = summary(cN.gateway);
  const addedP50 = g1.p50 - d1.p50;
  const figures: Figure[] = [
    compare(`gateway throughput at concurrency ${CONCURRENCY}`, gN.rps, 'req/s', dN.rps, `direct embed + query calls, ${dN.rps.toFixed(0)} req/s`, { op: '>=', bound: 0.8 }),
    {
      metric: 'p50 added by the gateway at concurrency 1',
      value: addedP50,
      unit: 'ms',
      baseline: `direct p50 ${d1.p50.toFixed(2)} ms, gateway p50 ${g1.p50.toFixed(2)} ms`,
      baselineValue: d1.p50,
      target: '≤ 2 ms',
      met: addedP50 <= 2,
    },
    compare(`gateway p50 at concurrency ${CONCURRENCY}`, gN.p50, 'ms', dN.p50, `direct p50 ${dN.p50.toFixed(2)} ms`),
    // CPU time is far less sensitive than latency to other work on a shared machine.
    {
      metric: `gateway process CPU per request (concurrency ${CONCURRENCY})`,
      value: gN.cpuMsPerRequest.gateway,
      unit: 'ms',
      baseline: `backends' CPU per request ${gN.cpuMsPerRequest.backend.toFixed(2)} ms`,
      baselineValue: gN.cpuMsPerRequest.backend,
      ratio: gN.cpuMsPerRequest.gateway / gN.cpuMsPerRequest.backend,
    },
  ];
  const notes = [
    backends.external
      ? `backends: the services at ${backends.embedder} and ${backends.search}`
      : `backends: the test fakes (hashed bag-of-words embedder, brute-force search over ${IMAGES * 5} captions) in one child process — cheap calls, so the gateway's share of the work is larger than with the real models`,
    'the load generator, the gateway and the backends share the machine\'s cores; the gateway side runs one more busy process than the direct side',
  ];
  if (c1.direct.errors + c1.gateway.errors + cN.direct.errors + cN.gateway.errors > 0) notes.push('some requests failed (see errors column)');
  saveResult({
    suite: 'gateway',
    quick: QUICK,
    command: `npx tsx gateway/bench/gateway.bench.ts${args.length ? ` ${args.join(' ')}` : ''}`,
    machine: machineLine(),
    node: process.version,
    date: new Date().toISOString(),
    seconds: Math.round((Date.now() - started) / 1000),
    load,
    figures,
    details: { seconds: SECONDS, rounds: ROUNDS, concurrency: CONCURRENCY, images: IMAGES, table },
    notes,
  });
  cleanup();
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  cleanup();
  process.exit(1);
});
