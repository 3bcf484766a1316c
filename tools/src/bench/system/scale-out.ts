/**
 * Scaling out the embedder: throughput with 1 and 2 embedder processes behind the client-side
 * round-robin balancing every client of the system uses (kit `createClient`, an
 * `ipv4:127.0.0.1:p1,127.0.0.1:p2` target: the addresses a Kubernetes headless Service's DNS
 * returns), 16 callers sending one text per call, as the gateway does.
 *
 * Two pairs of processes: in the default layout (sessions and threads planned for every core:
 * each process alone would use the whole machine) and planned for one CPU each (EMBEDDER_CPUS=1:
 * one single-threaded session, as a pod with a 1-CPU limit). The CPU time of each process during
 * a slice shows how the balancer split the work. Configurations are interleaved across rounds so drifting load hits them alike.
 *
 * Usage: npx tsx tools/src/bench/system/scale-out.ts [--quick]; writes docs/bench/scale-out.json.
 */
import os from 'node:os';
import path from 'node:path';
import { createClient, loadEmbedderProto, REPO_ROOT, unaryCall } from '@tit/kit';
import type { EmbedderServiceClient } from '@tit/kit/src/generated/embedder/v1/EmbedderService';
import type { EmbedResponse__Output } from '@tit/kit/src/generated/embedder/v1/EmbedResponse';
import { ensureFixtureModels, MINILM_MODEL_ID } from '../../fixtures';
import { compare, machineLine, saveResult, type Figure, type LoadSummary } from '../figures';
import { LoadMonitor, processTicks } from '../load-monitor';
import { median, round } from '../stats';
import { loadCaptions, sampleTexts } from './dataset';
import { closedLoop, type LoadResult } from './load';
import { startBenchSystem, type BenchSystem } from './run-system';

export interface ScaleConfig {
  name: string;
  processes: number;
  threads: 'default' | 1;
}

export interface ScaleRow extends ScaleConfig {
  runs: LoadResult[];
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Share of the embedder CPU time each process used (round-robin: about 1/n each). */
  cpuShares: number[];
  /** Cores the embedder processes used on average during the slices. */
  coresUsed: number;
  /** Embedder CPU ms per text (all processes of the configuration). */
  cpuMsPerText: number;
}

export interface ScaleOutOptions {
  modelsDir: string;
  seconds: number;
  rounds: number;
  concurrency: number;
  /** Leave out the default-thread pair (the regression test does). */
  only?: Array<'default' | 1>;
  log?: (line: string) => void;
}

export const SCALE_CONFIGS: readonly ScaleConfig[] = [
  { name: '1 process, default layout', processes: 1, threads: 'default' },
  { name: '2 processes, default layout each', processes: 2, threads: 'default' },
  { name: '1 process, planned for 1 CPU', processes: 1, threads: 1 },
  { name: '2 processes, planned for 1 CPU each', processes: 2, threads: 1 },
];

export async function runScaleOut(o: ScaleOutOptions): Promise<{ rows: ScaleRow[]; figures: Figure[]; notes: string[]; load: LoadSummary }> {
  const log = o.log ?? ((l: string) => console.log(l));
  const kinds = o.only ?? ['default', 1];
  const texts = sampleTexts(loadCaptions(), 400);
  const procs = new Map<string, BenchSystem[]>();
  const figures: Figure[] = [];
  const notes: string[] = [];
  try {
    for (const kind of kinds) {
      log(`starting 2 embedder processes (${kind === 'default' ? 'default layout' : 'EMBEDDER_CPUS=1'})...`);
      const env = kind === 'default' ? {} : { EMBEDDER_CPUS: '1' };
      procs.set(String(kind), await Promise.all([0, 1].map(() => startBenchSystem({ only: ['embedder'], modelsDir: o.modelsDir, env }))));
    }
    const monitor = new LoadMonitor(() => [...procs.values()].flat().flatMap((s) => s.pids()));
    const configs = SCALE_CONFIGS.filter((c) => kinds.includes(c.threads));
    const rows: ScaleRow[] = configs.map((c) => ({ ...c, runs: [], perSecond: 0, p50Ms: 0, p99Ms: 0, cpuShares: [], coresUsed: 0, cpuMsPerText: 0 }));
    const clients = new Map<ScaleRow, { client: EmbedderServiceClient; pids: number[] }>();
    for (const row of rows) {
      const pair = procs.get(String(row.threads))!.slice(0, row.processes);
      const addrs = pair.map((s) => s.env.EMBEDDER_ADDR!);
      const target = addrs.length === 1 ? addrs[0] : `ipv4:${addrs.join(',')}`;
      clients.set(row, { client: createClient(loadEmbedderProto().embedder.v1.EmbedderService, target), pids: pair.flatMap((s) => s.pids()) });
    }
    const slice = async (row: ScaleRow, seconds: number): Promise<{ r: LoadResult; ticks: number[] }> => {
      const { client, pids } = clients.get(row)!;
      const before = pids.map((p) => processTicks(p) ?? 0);
      const r = await closedLoop({
        concurrency: o.concurrency,
        seconds,
        op: (i) => unaryCall<object, EmbedResponse__Output>(client, client.embed.bind(client), { texts: [texts[i % texts.length]] }, { deadline: 60_000 }),
      });
      return { r, ticks: pids.map((p, k) => (processTicks(p) ?? 0) - before[k]) };
    };
    // Warm-up: connections to every address, JIT, ORT arenas.
    for (const row of rows) await slice(row, 1);
    const ticks = new Map<ScaleRow, number[]>(rows.map((r) => [r, new Array<number>(r.processes).fill(0)]));
    for (let round_ = 0; round_ < o.rounds; round_++) {
      const order = round_ % 2 === 0 ? rows : [...rows].reverse();
      for (const row of order) {
        const { r, ticks: t } = await slice(row, o.seconds);
        row.runs.push(r);
        t.forEach((x, k) => (ticks.get(row)![k] += x));
        if (r.errors > 0) notes.push(`${row.name}: ${r.errors} failed calls in one slice`);
      }
    }
    for (const row of rows) {
      row.perSecond = median(row.runs.map((r) => r.perSecond));
      row.p50Ms = median(row.runs.map((r) => r.p50Ms));
      row.p99Ms = median(row.runs.map((r) => r.p99Ms));
      const t = ticks.get(row)!;
      const total = t.reduce((a, b) => a + b, 0);
      row.cpuShares = t.map((x) => round(total > 0 ? x / total : 0, 3));
      const seconds = row.runs.reduce((a, r) => a + r.seconds, 0);
      const done = row.runs.reduce((a, r) => a + r.completed, 0);
      row.coresUsed = round(total / 100 / seconds, 3);
      row.cpuMsPerText = round((total * 10) / Math.max(1, done), 3);
      log(
        `${row.name}: ${row.perSecond.toFixed(1)} texts/s, p50 ${row.p50Ms.toFixed(1)} ms, CPU split ${row.cpuShares.join(' / ')}, ` +
          `${row.coresUsed.toFixed(2)} cores used, ${row.cpuMsPerText.toFixed(1)} CPU ms per text`,
      );
    }
    for (const c of clients.values()) c.client.close();
    const load = monitor.stop();
    const find = (p: number, t: 'default' | 1): ScaleRow | undefined => rows.find((r) => r.processes === p && r.threads === t);
    for (const t of kinds) {
      const one = find(1, t);
      const two = find(2, t);
      if (!one || !two) continue;
      const label = t === 'default' ? 'default layout' : 'planned for 1 CPU each';
      figures.push(
        compare(
          `embedder throughput, 2 processes behind client-side round-robin vs 1 (${label}, ${o.concurrency} callers × 1 text)`,
          round(two.perSecond, 2),
          'texts/s',
          round(one.perSecond, 2),
          `1 process ${one.perSecond.toFixed(1)} texts/s`,
        ),
        compare(
          `cores the embedders got, 2 processes vs 1 (${label})`,
          two.coresUsed,
          'cores',
          one.coresUsed,
          `1 process ${one.coresUsed.toFixed(2)} cores`,
        ),
        compare(`embedder CPU per text, 2 processes vs 1 (${label})`, two.cpuMsPerText, 'CPU ms', one.cpuMsPerText, `1 process ${one.cpuMsPerText.toFixed(1)} ms`),
        {
          metric: `round-robin split of the work (${label}): smaller process's share of the embedders' CPU time`,
          value: Math.min(...two.cpuShares),
          unit: '',
          target: '≥ 0.4',
          met: Math.min(...two.cpuShares) >= 0.4,
        },
      );
    }
    return { rows, figures, notes, load };
  } finally {
    await Promise.all([...procs.values()].flat().map((s) => s.stop()));
  }
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const started = Date.now();
  const modelsDir = path.join(REPO_ROOT, '.models/fixtures-full');
  await ensureFixtureModels(modelsDir, 'full', { models: [MINILM_MODEL_ID] });
  const r = await runScaleOut({ modelsDir, seconds: quick ? 3 : 6, rounds: quick ? 1 : 3, concurrency: 16 });
  const cores = os.cpus().length;
  r.notes.push(
    `this machine has ${cores} cores shared with other work (load in the suite table): a second process brings no new cores, ` +
      `so compare the cores the embedders got and the CPU per text, not only texts/s.`,
  );
  saveResult({
    suite: 'scale-out',
    quick,
    command: `pnpm bench --only=scale-out${quick ? ' --quick' : ''} (npx tsx tools/src/bench/system/scale-out.ts${quick ? ' --quick' : ''})`,
    machine: machineLine(),
    node: process.version,
    date: new Date().toISOString(),
    seconds: Math.round((Date.now() - started) / 1000),
    load: r.load,
    figures: r.figures,
    notes: r.notes,
    details: { rows: r.rows },
  });
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
