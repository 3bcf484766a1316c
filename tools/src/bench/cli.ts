/**
 * `pnpm bench [--quick] [--only a,b]`: runs every benchmark of the project one after another (they
 * share 2 cores, so never in parallel), then collects their JSON results from docs/bench/ into one
 * markdown table, docs/bench/README.md. Each benchmark measures its baseline in the same run and
 * reports ratios; absolute times are machine-dependent and only shown for context.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '@tit/kit';

/** The suite: each entry is a script that writes docs/bench/<name>.json. */
const SUITE: ReadonlyArray<{ name: string; script: string }> = [
  { name: 'embedder', script: 'services/embedder/bench/embedder.bench.ts' },
  { name: 'search', script: 'services/search/bench/search.bench.ts' },
  { name: 'captioner', script: 'services/captioner/bench/captioner.bench.ts' },
  { name: 'indexer', script: 'services/indexer/bench/indexer.bench.ts' },
  { name: 'gateway', script: 'gateway/bench/gateway.bench.ts' },
];

const OUT_DIR = path.join(REPO_ROOT, 'docs/bench');

interface Figure {
  metric?: string;
  name?: string;
  value?: number | string;
  unit?: string;
  baseline?: string | number;
  ratio?: number;
  target?: string;
  met?: boolean;
}

function figuresOf(json: unknown): Figure[] {
  if (!json || typeof json !== 'object') return [];
  const o = json as Record<string, unknown>;
  for (const key of ['figures', 'results', 'rows']) if (Array.isArray(o[key])) return o[key] as Figure[];
  return [];
}

const fmt = (v: unknown): string =>
  typeof v === 'number' ? (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(3)) : typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v);

function main(): void {
  const quick = process.argv.includes('--quick');
  const onlyArg = process.argv.find((a) => a.startsWith('--only='));
  const only = onlyArg ? onlyArg.slice('--only='.length).split(',') : undefined;
  const ran: Array<{ name: string; ok: boolean; seconds: number }> = [];
  for (const b of SUITE) {
    if (only && !only.includes(b.name)) continue;
    if (!fs.existsSync(path.join(REPO_ROOT, b.script))) {
      console.log(`\n## ${b.name}: no benchmark script (${b.script})`);
      ran.push({ name: b.name, ok: false, seconds: 0 });
      continue;
    }
    console.log(`\n## ${b.name}${quick ? ' (quick)' : ''}`);
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ['--import', 'tsx', b.script, ...(quick ? ['--quick'] : [])], {
      cwd: REPO_ROOT,
      stdio: 'inherit',
    });
    ran.push({ name: b.name, ok: r.status === 0, seconds: (Date.now() - t0) / 1000 });
  }

  const lines = [
    '# Benchmark results',
    '',
    `Command: \`pnpm bench${quick ? ' --quick' : ''}\` · machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ` +
      `${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version} · ${new Date().toISOString()}`,
    '',
    '| suite | figure | value | baseline | ratio | target | met |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const b of SUITE) {
    const file = path.join(OUT_DIR, `${b.name}.json`);
    if (!fs.existsSync(file)) continue;
    for (const f of figuresOf(JSON.parse(fs.readFileSync(file, 'utf8')))) {
      lines.push(
        `| ${b.name} | ${f.metric ?? f.name ?? ''} | ${fmt(f.value)} ${f.unit ?? ''} | ${fmt(f.baseline)} | ${fmt(f.ratio)} | ${f.target ?? ''} | ${f.met === undefined ? '' : f.met ? 'yes' : 'no'} |`,
      );
    }
  }
  lines.push('', '| suite | ran | seconds |', '| --- | --- | --- |', ...ran.map((r) => `| ${r.name} | ${r.ok ? 'ok' : 'failed or missing'} | ${r.seconds.toFixed(0)} |`));
  fs.mkdirSync(OUT_DIR, { recursive: true });
  fs.writeFileSync(path.join(OUT_DIR, 'README.md'), `${lines.join('\n')}\n`);
  console.log(`\n${lines.join('\n')}\n\nwritten to docs/bench/README.md`);
  if (ran.some((r) => !r.ok)) process.exitCode = 1;
}

main();
