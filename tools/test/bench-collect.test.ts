/**
 * The suite runner's collector and the capacity model: every JSON shape the service benchmarks
 * write is read into one figure shape, broken files become problems instead of crashes, and the
 * capacity model's pod counts follow from the costs as its formulas say.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_POD, fitLine, plan, searchDomainMs, type CapacityCosts } from '../src/bench/capacity';
import { collectSuite, normalizeFigure, parseTarget } from '../src/bench/collect';
import { compare, figureTable } from '../src/bench/figures';
import { percentile } from '../src/bench/stats';

describe('collector', () => {
  let dir: string;
  beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tit-bench-collect-'))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, body: unknown): string => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, typeof body === 'string' ? body : JSON.stringify(body));
    return f;
  };

  it('parses targets written in the styles the scripts use', () => {
    expect(parseTarget('>= 0.8')).toEqual({ op: '>=', bound: 0.8 });
    expect(parseTarget('≥ 0.95')).toEqual({ op: '>=', bound: 0.95 });
    expect(parseTarget('<= 1.1')).toEqual({ op: '<=', bound: 1.1 });
    expect(parseTarget('≤ 2×')).toEqual({ op: '<=', bound: 2 });
    expect(parseTarget('>= 3x faster')).toEqual({ op: '>=', bound: 3 });
    expect(parseTarget('≤ 5 ms')).toEqual({ op: '<=', bound: 5 });
    expect(parseTarget('fast')).toBeUndefined();
  });

  it('keeps the agreed shape as it is', () => {
    const f = { metric: 'm', value: 2, unit: 'ms', baseline: '4 ms raw', baselineValue: 4, ratio: 0.5, target: '<= 1.1', met: true };
    expect(normalizeFigure(f)).toEqual(f);
  });

  it('fills in what older shapes leave out: name for metric, numeric baselines, met from the target', () => {
    expect(normalizeFigure({ name: 'x', value: '3.5', unit: 'req/s', baseline: 5, target: '>= 0.8', ratio: 0.7 })).toEqual({
      metric: 'x',
      value: 3.5,
      unit: 'req/s',
      baseline: '5 req/s',
      baselineValue: 5,
      ratio: 0.7,
      target: '>= 0.8',
      met: false,
    });
    // met from the value when there is no ratio (e.g. "≤ 5 ms" on a latency)
    expect(normalizeFigure({ metric: 'p50', value: 4, unit: 'ms', target: '≤ 5 ms' })?.met).toBe(true);
    // an explicit met wins over the computed one
    expect(normalizeFigure({ metric: 'm', value: 1, ratio: 1, target: '>= 3', met: true })?.met).toBe(true);
    expect(normalizeFigure({ metric: 'no value' })).toBeNull();
    expect(normalizeFigure('text')).toBeNull();
  });

  it('reads figures under figures, results or rows, and one level down', () => {
    for (const [key, nest] of [['figures', false], ['results', false], ['rows', false], ['figures', true]] as const) {
      const figs = [{ metric: 'a', value: 1, unit: 's' }];
      const file = write(`${key}-${nest}.json`, nest ? { summary: { [key]: figs } } : { [key]: figs, command: 'cmd', machine: 'box', date: '2026-01-01T00:00:00Z' });
      const c = collectSuite('s', file, 'default');
      expect(c.figures).toEqual([{ metric: 'a', value: 1, unit: 's' }]);
      expect(c.problem).toBeUndefined();
      expect(c.command).toBe(nest ? 'default' : 'cmd');
    }
  });

  it('reports machine, mode and load from either shape', () => {
    const a = collectSuite('a', write('a.json', { figures: [], quick: true, load: { loadAverage: [3, 4], foreignCpuShare: 0.25 } }), 'c');
    expect(a.quick).toBe(true);
    expect(a.load).toBe('load 3.0 → 4.0, other processes 25% of the CPU');
    const b = collectSuite('b', write('b.json', { figures: [], command: 'x --quick', loadAverage: [1.5, 2] }), 'c');
    expect(b.quick).toBe(true);
    expect(b.load).toBe('load 1.5, 2.0');
  });

  it('turns unreadable or empty results into problems, not crashes', () => {
    expect(collectSuite('x', write('bad.json', '{ not json'), 'c').problem).toMatch(/cannot read/);
    expect(collectSuite('x', write('arr.json', [1, 2]), 'c').problem).toMatch(/not hold a JSON object/);
    expect(collectSuite('x', write('none.json', { figures: [] }), 'c').problem).toBe('no figures found');
    expect(collectSuite('x', path.join(dir, 'missing.json'), 'c').problem).toMatch(/cannot read/);
    const partial = collectSuite('x', write('partial.json', { figures: [{ metric: 'ok', value: 1 }, { metric: 'no value' }] }), 'c');
    expect(partial.figures).toHaveLength(1);
    expect(partial.problem).toMatch(/1 entries/);
  });

  it('prints figures as a table with escaped cells', () => {
    const lines = figureTable([compare('a | b', 8, 'req/s', 10, 'in-process', { op: '>=', bound: 0.8 })]);
    expect(lines[2]).toBe('| a \\| b | 8.00 req/s | in-process | 0.800 | ≥ 0.8 | yes |');
  });
});

describe('capacity model', () => {
  const costs: CapacityCosts = {
    text: { gateway: 0.002, embedder: 0.02, search: 0.004 },
    image: { gateway: 0.005, captioner: 2, embedder: 0.02, search: 0.004 },
    measuredAtVectors: 40_000,
    exactMs: { intercept: 0.2, perVector: 0.00005 },
    approximateMs: 1.5,
    bytesPerVector: { exact: 1700, approximate: 2200 },
    indexingCaptionsPerSecondPerPod: 100,
  };

  it('sizes each service from its CPU cost at the planned utilization', () => {
    const p = plan({ textPerSecond: 120, imagesPerSecond: 6, vectors: 40_000 }, costs);
    // embedder: (120 + 6) × 0.02 = 2.52 CPU-s/s over 2 cores × 0.6 = 1.2 → 3 pods
    expect(p.embedder).toBe(3);
    // captioner: 6 × 2 = 12 CPU-s/s / 1.2 → 10 pods
    expect(p.captioner).toBe(10);
    // gateway: 120 × 0.002 + 6 × 0.005 = 0.27 → 1 pod
    expect(p.gateway).toBe(1);
    expect(p.search.shards).toBe(1);
    expect(p.search.approximate).toBe(false);
    // search: overhead (4 ms − domain 2.2 ms at 40k) + 2.2 ms = 4 ms per query; 126 q/s → 0.504 CPU-s/s → 1 pod
    expect(p.searchCpuMsPerQuery).toBeCloseTo(4, 6);
    expect(p.search.pods).toBe(1);
    expect(p.reindexHoursOnePod).toBeCloseTo(40_000 / 100 / 3600, 9);
  });

  it('needs no captioner without image traffic and at least one of everything else', () => {
    const p = plan({ textPerSecond: 0, imagesPerSecond: 0, vectors: 10 }, costs);
    expect(p).toMatchObject({ gateway: 1, captioner: 0, embedder: 1, search: { shards: 1, replicasPerShard: 1 } });
  });

  it('shards past one generation and switches to the approximate index past its threshold', () => {
    const p = plan({ textPerSecond: 100, imagesPerSecond: 0, vectors: 10_000_000 }, costs);
    expect(p.search.shards).toBe(5);
    expect(p.search.vectorsPerShard).toBe(2_000_000);
    expect(p.search.approximate).toBe(true);
    expect(p.search.memoryPerPodBytes).toBe(DEFAULT_POD.searchBaseBytes + 2_000_000 * 2200);
    expect(searchDomainMs(costs, 2_000_000)).toBe(1.5);
    // Smaller pods hold fewer vectors: memory, not the store limit, sets the shard count.
    const small = plan({ textPerSecond: 100, imagesPerSecond: 0, vectors: 10_000_000 }, costs, { ...DEFAULT_POD, memoryBytes: 2 * 2 ** 30 });
    expect(small.search.shards).toBeGreaterThan(5);
    expect(small.search.memoryPerPodBytes).toBeLessThanOrEqual(2 * 2 ** 30);
  });

  it('adds replicas of every shard when the query rate needs them', () => {
    const one = plan({ textPerSecond: 100, imagesPerSecond: 0, vectors: 150_000 }, costs);
    const many = plan({ textPerSecond: 2000, imagesPerSecond: 0, vectors: 150_000 }, costs);
    expect(many.search.replicasPerShard).toBeGreaterThan(one.search.replicasPerShard);
    expect(many.search.pods).toBe(many.search.shards * many.search.replicasPerShard);
  });

  it('fits a line through the growth points', () => {
    const f = fitLine([
      [10_000, 1.5],
      [100_000, 6],
      [1_000_000, 51],
    ]);
    expect(f.slope).toBeCloseTo(0.00005, 8);
    expect(f.intercept).toBeCloseTo(1, 6);
    expect(fitLine([[10, 5]])).toEqual({ intercept: 0, slope: 0.5 });
  });

  it('takes nearest-rank percentiles', () => {
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4], 99)).toBe(4);
    expect(percentile([], 50)).toBeNaN();
  });
});
