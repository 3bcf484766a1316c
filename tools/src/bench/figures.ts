/**
 * The result shape every benchmark of the suite writes to docs/bench/<name>.json, and helpers to
 * build, print and save it. Figures carry their baseline measured in the same run and the ratio to
 * it; absolute values are machine-dependent context.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '@tit/kit';

/** One measured figure. */
export interface Figure {
  /** What was measured, in words. */
  metric: string;
  value: number;
  unit: string;
  /** What it is compared with, in words (with its value when that helps the reader). */
  baseline?: string;
  /** The baseline's value in `unit`, when it has one. */
  baselineValue?: number;
  /** value / baseline (or the ratio the target is stated on). */
  ratio?: number;
  /** The target, e.g. `≥ 0.8`. */
  target?: string;
  met?: boolean;
}

/** A benchmark's JSON file. */
export interface BenchResult {
  suite: string;
  quick: boolean;
  command: string;
  machine: string;
  node: string;
  date: string;
  seconds: number;
  /** What else used the CPU while it ran (see load-monitor.ts). */
  load?: LoadSummary;
  figures: Figure[];
  /** Benchmark-specific details (tables behind the figures, settings, notes). */
  details?: Record<string, unknown>;
  /** What was not measured and why. */
  notes?: string[];
}

/** CPU use by other processes while a benchmark ran. */
export interface LoadSummary {
  /** One-minute load average at the start and at the end. */
  loadAverage: [number, number];
  /** Share of the machine's CPU time used by processes outside the benchmark (0..1). */
  foreignCpuShare: number | null;
}

export const OUT_DIR = path.join(REPO_ROOT, 'docs/bench');

export function machineLine(): string {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model.trim() ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.platform()} ${os.release()}`;
}

/** A comparison figure: `ratio = value / baselineValue` and `met` from the target. */
export function compare(
  metric: string,
  value: number,
  unit: string,
  baselineValue: number,
  baseline: string,
  target?: { op: '>=' | '<='; bound: number },
): Figure {
  const ratio = baselineValue === 0 ? Number.POSITIVE_INFINITY : value / baselineValue;
  const f: Figure = { metric, value, unit, baseline, baselineValue, ratio };
  if (target) {
    f.target = `${target.op === '>=' ? '≥' : '≤'} ${target.bound}`;
    f.met = target.op === '>=' ? ratio >= target.bound : ratio <= target.bound;
  }
  return f;
}

export const fmt = (v: unknown): string =>
  typeof v === 'number'
    ? !Number.isFinite(v)
      ? String(v)
      : v === 0
        ? '0'
        : Math.abs(v) >= 100
          ? v.toFixed(0)
          : Math.abs(v) >= 1
            ? v.toFixed(2)
            : v.toPrecision(3)
    : typeof v === 'string'
      ? v
      : v === undefined || v === null
        ? ''
        : JSON.stringify(v);

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The figures as a markdown table. */
export function figureTable(figures: readonly Figure[], suite?: string): string[] {
  const head = suite === undefined ? '' : '| suite ';
  const lines = [
    `${head}| figure | value | baseline | ratio | target | met |`,
    `${suite === undefined ? '' : '| --- '}| --- | --- | --- | --- | --- | --- |`,
  ];
  for (const f of figures) {
    lines.push(
      `${suite === undefined ? '' : `| ${suite} `}| ${cell(f.metric)} | ${fmt(f.value)} ${f.unit} | ${cell(f.baseline ?? '')} | ${
        f.ratio === undefined ? '' : fmt(f.ratio)
      } | ${f.target ?? ''} | ${f.met === undefined ? '' : f.met ? 'yes' : 'no'} |`,
    );
  }
  return lines;
}

/** Prints the table and writes docs/bench/<suite>.json (or `outFile`). */
export function saveResult(result: BenchResult, outFile = path.join(OUT_DIR, `${result.suite}.json`)): void {
  console.log(`\n${figureTable(result.figures).join('\n')}`);
  for (const n of result.notes ?? []) console.log(`note: ${n}`);
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nwrote ${path.relative(REPO_ROOT, outFile)}`);
}
