/**
 * `pnpm bench [--quick] [--only=a,b] [--skip=a,b] [--no-report]`: runs every benchmark of the
 * project one after another (they share the cores, so never in parallel), then collects their JSON
 * results from docs/bench/ into one markdown table, docs/bench/README.md, and rewrites
 * docs/performance.md (figures, ratios, targets, capacity model) from them. Each benchmark
 * measures its baseline in the same run and reports ratios; absolute times are machine-dependent
 * and shown for context.
 *
 * Suites that are not run (--only/--skip) keep their previous JSON, and the table says how old it
 * is. A failed or missing suite makes the exit code 1 after everything else ran.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '@tit/kit';
import { CAPTIONER_NODE_FLAGS } from '@tit/captioner/src/node-flags';
import { collectSuite, type CollectedSuite } from './collect';
import { figureTable, machineLine, OUT_DIR } from './figures';
import { writePerformanceReport } from './report';

/** The suite: each entry is a script that writes docs/bench/<name>.json and accepts --quick. */
export const SUITE: ReadonlyArray<{ name: string; script: string; what: string; nodeFlags?: readonly string[] }> = [
  { name: 'embedder', script: 'services/embedder/bench/embedder.bench.ts', what: 'embedder service vs raw onnxruntime-node and transformers.js' },
  { name: 'search', script: 'services/search/bench/search.bench.ts', what: 'exact search vs the memory-bandwidth floor; approximate index' },
  // The captioner bench runs the service in its own process, so with the service's node flags.
  { name: 'captioner', script: 'services/captioner/bench/captioner.bench.ts', what: 'captioner service vs its raw decoding loop; KV cache', nodeFlags: CAPTIONER_NODE_FLAGS },
  { name: 'indexer', script: 'services/indexer/bench/indexer.bench.ts', what: 're-index throughput vs raw batched embedding' },
  { name: 'gateway', script: 'gateway/bench/gateway.bench.ts', what: 'gateway vs direct gRPC calls' },
  { name: 'end-to-end', script: 'tools/src/bench/system/end-to-end.ts', what: 'text and image queries through the gateway vs in-process; the original approach' },
  { name: 'growth', script: 'tools/src/bench/system/growth.ts', what: 'search latency, memory and indexing time from 10k to 4M vectors' },
  { name: 'scale-out', script: 'tools/src/bench/system/scale-out.ts', what: '1 vs 2 embedder processes behind client-side round-robin' },
];

interface Ran {
  name: string;
  ok: boolean;
  seconds: number;
  why?: string;
}

const listArg = (name: string): string[] | undefined => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3).split(',').filter(Boolean) : undefined;
};

function age(date: string | null): string {
  if (!date) return 'unknown date';
  const h = (Date.now() - Date.parse(date)) / 3_600_000;
  return h < 1 ? `${Math.max(0, Math.round(h * 60))} min ago` : h < 48 ? `${h.toFixed(0)} h ago` : `${(h / 24).toFixed(0)} days ago`;
}

export function readmeLines(collected: readonly CollectedSuite[], ran: readonly Ran[], quick: boolean, startedAt: string): string[] {
  const lines = [
    '# Benchmark results',
    '',
    ran.length === 0
      ? `Collected ${startedAt} from each suite's latest results (no suite run by this command; see the suite table for when and how each ran).`
      : `Last command: \`pnpm bench${quick ? ' --quick' : ''}${process.argv.slice(2).filter((a) => a !== '--quick').map((a) => ` ${a}`).join('')}\` · started ${startedAt}`,
    `Machine: ${machineLine()}, Node ${process.version}.`,
    '',
    'Every figure is measured against a baseline in the same run; ratios are what to compare across machines.',
    'The machine is shared: the load each suite saw is in the suite table below. The written report is [../performance.md](../performance.md).',
    '',
    '## Figures',
    '',
    ...figureTable(collected.flatMap((c) => c.figures.map((f) => ({ ...f, metric: `${c.suite}: ${f.metric}` })))),
    '',
    '## Suites',
    '',
    '| suite | this run | seconds | results from | mode | load while measured | command |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const s of SUITE) {
    const r = ran.find((x) => x.name === s.name);
    const c = collected.find((x) => x.suite === s.name);
    lines.push(
      `| ${s.name} | ${r ? (r.ok ? 'ok' : `failed: ${r.why ?? ''}`) : 'not run'} | ${r ? r.seconds.toFixed(0) : ''} | ${
        c ? `${c.date ?? '?'} (${age(c.date)})` : 'no results'
      } | ${c?.quick === true ? 'quick' : c?.quick === false ? 'full' : ''} | ${c?.load ?? ''} | \`${c?.command ?? `npx tsx ${s.script}`}\` |`,
    );
  }
  const problems = collected.filter((c) => c.problem);
  if (problems.length > 0) lines.push('', ...problems.map((c) => `- ${c.suite}: ${c.problem}`));
  const notes = collected.flatMap((c) => c.notes.map((n) => `- ${c.suite}: ${n}`));
  if (notes.length > 0) lines.push('', '## Notes', '', ...notes);
  return lines;
}

function main(): void {
  const quick = process.argv.includes('--quick');
  const only = listArg('only');
  const skip = listArg('skip') ?? [];
  const unknown = [...(only ?? []), ...skip].filter((n) => !SUITE.some((s) => s.name === n));
  if (unknown.length > 0) {
    console.error(`unknown suite(s): ${unknown.join(', ')}; the suites are ${SUITE.map((s) => s.name).join(', ')}`);
    process.exit(2);
  }
  const startedAt = new Date().toISOString();
  const ran: Ran[] = [];
  for (const b of SUITE) {
    if ((only && !only.includes(b.name)) || skip.includes(b.name)) continue;
    if (!fs.existsSync(path.join(REPO_ROOT, b.script))) {
      console.log(`\n## ${b.name}: no benchmark script (${b.script})`);
      ran.push({ name: b.name, ok: false, seconds: 0, why: 'no script' });
      continue;
    }
    console.log(`\n## ${b.name}${quick ? ' (quick)' : ''}: ${b.what}`);
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [...(b.nodeFlags ?? []), '--import', 'tsx', b.script, ...(quick ? ['--quick'] : [])], {
      cwd: REPO_ROOT,
      stdio: 'inherit',
      // A hung suite must not hold the rest hostage.
      timeout: (quick ? 20 : 90) * 60_000,
      killSignal: 'SIGKILL',
    });
    const why = r.error ? r.error.message : r.status !== 0 ? `exit ${r.status ?? r.signal}` : undefined;
    ran.push({ name: b.name, ok: r.status === 0, seconds: (Date.now() - t0) / 1000, why });
  }

  const collected = SUITE.map((s) => ({ s, file: path.join(OUT_DIR, `${s.name}.json`) }))
    .filter(({ file }) => fs.existsSync(file))
    .map(({ s, file }) => collectSuite(s.name, file, `npx tsx ${s.script}`));
  const lines = readmeLines(collected, ran, quick, startedAt);
  fs.mkdirSync(OUT_DIR, { recursive: true });
  fs.writeFileSync(path.join(OUT_DIR, 'README.md'), `${lines.join('\n')}\n`);
  console.log(`\n${lines.join('\n')}\n\nwritten to docs/bench/README.md`);
  if (!process.argv.includes('--no-report')) {
    const out = writePerformanceReport(collected);
    console.log(`written to ${path.relative(REPO_ROOT, out)}`);
  }
  if (ran.some((r) => !r.ok)) process.exitCode = 1;
}

if (require.main === module) main();
