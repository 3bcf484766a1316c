import { DeadlineError, OverloadedError, UnavailableError } from '@tit/kit';
import { DynamicBatcher, type BatcherLimits } from '../src/domain/dynamic-batcher';

const limits: BatcherLimits = { maxBatch: 4, maxBatchTokens: 1000, maxWaitMs: 20, queueLimit: 16 };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A runner that records batches and finishes each run when the test says so (or at once). */
function recorder(auto = true) {
  const batches: string[][] = [];
  const release: (() => void)[] = [];
  const run = async (items: string[]): Promise<string[]> => {
    batches.push(items);
    if (!auto) await new Promise<void>((r) => release.push(r));
    return items.map((i) => i.toUpperCase());
  };
  return { batches, release, run };
}

describe('DynamicBatcher', () => {
  it('returns each caller its own results in order', async () => {
    const r = recorder();
    const b = new DynamicBatcher(limits, r.run);
    const [x, y] = await Promise.all([b.submit(['a', 'b'], [1, 1]), b.submit(['c'], [1])]);
    expect(x).toEqual(['A', 'B']);
    expect(y).toEqual(['C']);
  });

  it('runs a lone caller at once, without waiting for batch-mates', async () => {
    const r = recorder();
    const b = new DynamicBatcher({ ...limits, maxWaitMs: 5000 }, r.run);
    const t0 = performance.now();
    await b.submit(['a'], [1]);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('merges callers that arrive while a run is in progress into the next run', async () => {
    const r = recorder(false);
    const b = new DynamicBatcher(limits, r.run);
    const first = b.submit(['a'], [1]);
    await sleep(5);
    const rest = [b.submit(['b'], [1]), b.submit(['c', 'd'], [1, 1])];
    await sleep(5);
    expect(r.batches).toEqual([['a']]);
    r.release.shift()!();
    await first;
    await sleep(5);
    expect(r.batches).toEqual([['a'], ['b', 'c', 'd']]);
    r.release.shift()!();
    expect(await Promise.all(rest)).toEqual([['B'], ['C', 'D']]);
  });

  it('caps runs at maxBatch items and splits a large call over several runs', async () => {
    const r = recorder();
    const b = new DynamicBatcher(limits, r.run);
    const out = await b.submit(['a', 'b', 'c', 'd', 'e', 'f'], [1, 1, 1, 1, 1, 1]);
    expect(out).toEqual(['A', 'B', 'C', 'D', 'E', 'F']);
    expect(r.batches).toEqual([['a', 'b', 'c', 'd'], ['e', 'f']]);
  });

  it('caps runs at the padded token budget (items x longest) but runs an oversized item alone', async () => {
    const r = recorder();
    const b = new DynamicBatcher({ ...limits, maxBatchTokens: 100 }, r.run);
    // 30+30+30 = 3x30 = 90 fits; adding 40 would make 4x40 = 160.
    await b.submit(['a', 'b', 'c', 'd', 'huge', 'e'], [30, 30, 30, 40, 500, 10]);
    expect(r.batches).toEqual([['a', 'b', 'c'], ['d'], ['huge'], ['e']]);
  });

  it('waits at most maxWaitMs for batch-mates, once recent runs were bigger', async () => {
    const r = recorder();
    const b = new DynamicBatcher({ ...limits, maxWaitMs: 60 }, r.run);
    await b.submit(['a', 'b', 'c'], [1, 1, 1]); // last batch had 3 items
    const t0 = performance.now();
    const p1 = b.submit(['x'], [1]);
    await sleep(20);
    const p2 = b.submit(['y'], [1]);
    await Promise.all([p1, p2]);
    const waited = performance.now() - t0;
    expect(r.batches[1]).toEqual(['x', 'y']); // x waited for y instead of running alone
    expect(waited).toBeGreaterThanOrEqual(55);
    expect(waited).toBeLessThan(1000);
  });

  it('runs a full batch at once instead of waiting for the timer', async () => {
    const r = recorder();
    const b = new DynamicBatcher({ ...limits, maxWaitMs: 10_000 }, r.run);
    await b.submit(['a', 'b', 'c', 'd'], [1, 1, 1, 1]);
    const t0 = performance.now();
    await Promise.all([b.submit(['e', 'f'], [1, 1]), b.submit(['g', 'h'], [1, 1])]);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(r.batches.slice(1)).toEqual([['e', 'f', 'g', 'h']]);
  });

  it('fails fast with OverloadedError when the queue is full, naming the limit', async () => {
    const r = recorder(false);
    const b = new DynamicBatcher({ ...limits, maxBatch: 8, queueLimit: 5 }, r.run);
    const running = b.submit(['a'], [1]);
    await sleep(5); // 'a' is running; the queue is empty
    const queued = b.submit(['b', 'c', 'd'], [1, 1, 1]);
    await expect(b.submit(['e', 'f', 'g'], [1, 1, 1])).rejects.toThrow(OverloadedError);
    await expect(b.submit(['e', 'f', 'g'], [1, 1, 1])).rejects.toThrow(/EMBEDDER_QUEUE_LIMIT/);
    expect(b.stats().rejected).toBe(2);
    const fits = b.submit(['e', 'f'], [1, 1]);
    r.release.shift()!();
    await sleep(5);
    expect(r.batches).toEqual([['a'], ['b', 'c', 'd', 'e', 'f']]);
    r.release.shift()!();
    await expect(Promise.all([running, queued, fits])).resolves.toEqual([['A'], ['B', 'C', 'D'], ['E', 'F']]);
  });

  it('drops the queued texts of a caller that gives up', async () => {
    const r = recorder(false);
    const b = new DynamicBatcher(limits, r.run);
    const running = b.submit(['a'], [1]);
    await sleep(5);
    const ac = new AbortController();
    const gone = b.submit(['b', 'c'], [1, 1], ac.signal);
    const stays = b.submit(['d'], [1]);
    ac.abort(new Error('deadline exceeded'));
    await expect(gone).rejects.toThrow(DeadlineError);
    expect(b.queued).toBe(1);
    r.release.shift()!();
    await sleep(5);
    r.release.shift()!();
    await Promise.all([running, stays]);
    expect(r.batches).toEqual([['a'], ['d']]);
  });

  it('fails every caller of a batch whose run fails, and keeps serving', async () => {
    let fail = true;
    const b = new DynamicBatcher(limits, async (items: string[]) => {
      if (fail) throw new Error('boom');
      return items;
    });
    await expect(Promise.all([b.submit(['a'], [1]), b.submit(['b'], [1])])).rejects.toThrow('boom');
    fail = false;
    await expect(b.submit(['c'], [1])).resolves.toEqual(['c']);
  });

  it('splits a batch into the planned runs and answers each run\'s callers as soon as it ends', async () => {
    const r = recorder(false);
    // Plan: the long items run after the short ones.
    const plan = (costs: readonly number[]): number[][] => [costs.flatMap((c, i) => (c < 10 ? [i] : [])), costs.flatMap((c, i) => (c >= 10 ? [i] : []))];
    const b = new DynamicBatcher({ ...limits, maxWaitMs: 0 }, r.run, plan);
    const short = b.submit(['a'], [1]);
    const long = b.submit(['b'], [50]);
    const mixed = b.submit(['c', 'd'], [2, 60]);
    await sleep(5);
    // Both runs are handed over at once.
    expect(r.batches).toEqual([['a', 'c'], ['b', 'd']]);
    r.release.shift()!();
    await expect(short).resolves.toEqual(['A']);
    let longDone = false;
    void long.then(() => (longDone = true));
    await sleep(5);
    expect(longDone).toBe(false);
    r.release.shift()!();
    expect(await Promise.all([long, mixed])).toEqual([['B'], ['C', 'D']]);
  });

  it('fails the jobs of a failed run and of later runs, not those already answered', async () => {
    const plan = (costs: readonly number[]): number[][] => costs.map((_, i) => [i]);
    const b = new DynamicBatcher({ ...limits, maxWaitMs: 0 }, async (items: string[]) => {
      if (items[0] === 'b') throw new Error('boom');
      return items;
    }, plan);
    const [a, bc, d] = [b.submit(['a'], [1]), b.submit(['b', 'c'], [1, 1]), b.submit(['d'], [1])];
    await expect(a).resolves.toEqual(['a']);
    await expect(bc).rejects.toThrow('boom');
    await expect(d).rejects.toThrow('boom');
    await expect(b.submit(['e'], [1])).resolves.toEqual(['e']);
  });

  it('fails a batch whose plan does not cover every item once', async () => {
    const b = new DynamicBatcher(limits, async (items: string[]) => items, () => [[0]]);
    await expect(Promise.all([b.submit(['a'], [1]), b.submit(['b'], [1])])).rejects.toThrow('the run plan covers 1 of 2 items');
  });

  it('hands the next batch over while one is running when maxInFlight is 2, never a third', async () => {
    const r = recorder(false);
    const b = new DynamicBatcher({ ...limits, maxWaitMs: 0 }, r.run, undefined, 2);
    const first = b.submit(['a'], [1]);
    await sleep(5);
    const second = b.submit(['b'], [1]);
    await sleep(5);
    const third = b.submit(['c'], [1]);
    await sleep(5);
    expect(r.batches).toEqual([['a'], ['b']]);
    r.release.shift()!();
    await first;
    await sleep(5);
    expect(r.batches).toEqual([['a'], ['b'], ['c']]);
    r.release.shift()!();
    r.release.shift()!();
    expect(await Promise.all([second, third])).toEqual([['B'], ['C']]);
  });

  it('refuses work after close and fails what was queued', async () => {
    const r = recorder(false);
    const b = new DynamicBatcher(limits, r.run);
    const running = b.submit(['a'], [1]);
    await sleep(5);
    const queued = b.submit(['b'], [1]);
    const closing = b.close();
    await expect(queued).rejects.toThrow(UnavailableError);
    await expect(b.submit(['c'], [1])).rejects.toThrow(UnavailableError);
    r.release.shift()!();
    await closing;
    await expect(running).resolves.toEqual(['A']);
  });
});
