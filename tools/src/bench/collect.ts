/**
 * Reads the benchmarks' JSON results into one shape. The agreed shape is {@link BenchResult}
 * (`{ figures: [{ metric, value, unit, baseline, baselineValue?, ratio, target, met }], command,
 * machine }`), but each service's script was written on its own, so this accepts the variations
 * seen: figures under `figures`, `results` or `rows`; `name` for `metric`; numeric baselines;
 * targets as text (`>= 0.8`, `≥ 0.9`, `<= 1.1`, `>= 3x faster`) with `met` missing; machine or
 * load under other names. A file that cannot be read becomes a problem line, never a crash.
 */
import fs from 'node:fs';
import type { Figure } from './figures';

export interface CollectedSuite {
  suite: string;
  file: string;
  command: string;
  machine: string;
  date: string | null;
  quick: boolean | null;
  /** One-minute load average(s) or the foreign CPU share, as text. */
  load: string;
  figures: Figure[];
  notes: string[];
  problem?: string;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

const num = (x: unknown): number | undefined => {
  if (typeof x === 'number' && !Number.isNaN(x)) return x;
  if (typeof x === 'string' && x.trim() !== '' && !Number.isNaN(Number(x))) return Number(x);
  return undefined;
};

/** `>= 0.8`, `≥0.8`, `<= 1.1 ×`, `>= 3x faster` → comparison; undefined when not of that form. */
export function parseTarget(target: string): { op: '>=' | '<='; bound: number } | undefined {
  const m = /^\s*(>=|≥|<=|≤|>|<)\s*([0-9]*\.?[0-9]+)/.exec(target);
  if (!m) return undefined;
  const op = m[1] === '>=' || m[1] === '≥' || m[1] === '>' ? '>=' : '<=';
  return { op, bound: Number(m[2]) };
}

const looksLikeFigure = (x: unknown): boolean => isObject(x) && (typeof x.metric === 'string' || typeof x.name === 'string') && 'value' in x;

function figureArray(json: Record<string, unknown>): unknown[] {
  for (const key of ['figures', 'results', 'rows']) {
    const v = json[key];
    if (Array.isArray(v) && (v.length === 0 || v.some(looksLikeFigure))) return v;
  }
  // One level down (e.g. { summary: { figures: [...] } }).
  for (const v of Object.values(json)) {
    if (isObject(v)) for (const key of ['figures', 'results']) if (Array.isArray(v[key]) && (v[key] as unknown[]).some(looksLikeFigure)) return v[key] as unknown[];
  }
  return [];
}

/** One figure in the agreed shape, or null when the entry has no name or value. */
export function normalizeFigure(raw: unknown): Figure | null {
  if (!isObject(raw)) return null;
  const metric = [raw.metric, raw.name, raw.label, raw.figure].find((x): x is string => typeof x === 'string');
  const value = num(raw.value);
  if (!metric || value === undefined) return null;
  const f: Figure = { metric, value, unit: typeof raw.unit === 'string' ? raw.unit : '' };
  const baselineValue = num(raw.baselineValue) ?? (typeof raw.baseline === 'number' ? raw.baseline : undefined);
  if (typeof raw.baseline === 'string') f.baseline = raw.baseline;
  else if (baselineValue !== undefined) f.baseline = `${baselineValue} ${f.unit}`.trim();
  if (baselineValue !== undefined) f.baselineValue = baselineValue;
  const ratio = num(raw.ratio);
  if (ratio !== undefined) f.ratio = ratio;
  else if (baselineValue !== undefined && baselineValue !== 0 && raw.baselineValue !== undefined) f.ratio = value / baselineValue;
  if (typeof raw.target === 'string' || typeof raw.target === 'number') f.target = String(raw.target);
  if (typeof raw.met === 'boolean') f.met = raw.met;
  else if (f.target) {
    const t = parseTarget(f.target);
    const x = f.ratio ?? f.value;
    if (t) f.met = t.op === '>=' ? x >= t.bound : x <= t.bound;
  }
  return f;
}

function loadText(json: Record<string, unknown>): string {
  const load = json.load;
  if (isObject(load)) {
    const la = Array.isArray(load.loadAverage) ? (load.loadAverage as unknown[]).map((x) => num(x)?.toFixed(1)).join(' → ') : '';
    const share = num(load.foreignCpuShare);
    return [la && `load ${la}`, share !== undefined && `other processes ${(share * 100).toFixed(0)}% of the CPU`].filter(Boolean).join(', ');
  }
  const la = json.loadAverage;
  if (Array.isArray(la)) return `load ${la.map((x) => num(x)?.toFixed(1) ?? '?').join(', ')}`;
  return '';
}

/** Reads and normalizes one benchmark's JSON. */
export function collectSuite(suite: string, file: string, defaultCommand: string): CollectedSuite {
  const base: CollectedSuite = { suite, file, command: defaultCommand, machine: '', date: null, quick: null, load: '', figures: [], notes: [] };
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    return { ...base, problem: `cannot read ${file}: ${(err as Error).message.split('\n')[0]}` };
  }
  if (!isObject(json)) return { ...base, problem: `${file} does not hold a JSON object` };
  const raw = figureArray(json);
  const figures = raw.map(normalizeFigure).filter((f): f is Figure => f !== null);
  const dropped = raw.length - figures.length;
  const machine = typeof json.machine === 'string' ? json.machine : isObject(json.machine) ? JSON.stringify(json.machine) : '';
  const command = typeof json.command === 'string' ? json.command : defaultCommand;
  const quick = typeof json.quick === 'boolean' ? json.quick : /--quick/.test(command) ? true : null;
  const notes = Array.isArray(json.notes) ? json.notes.filter((n): n is string => typeof n === 'string') : [];
  return {
    ...base,
    command,
    machine,
    date: typeof json.date === 'string' ? json.date : null,
    quick,
    load: loadText(json),
    figures,
    notes,
    ...(figures.length === 0 ? { problem: 'no figures found' } : dropped > 0 ? { problem: `${dropped} entries without a name or value were left out` } : {}),
  };
}
