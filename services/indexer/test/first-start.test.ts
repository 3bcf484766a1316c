import { Writable } from 'node:stream';
import { createLogger, listActiveReindexJobs } from '@tit/kit';
import { GrpcSearchWriter } from '../src/clients/search-writer.client';
import { HealthWaiter } from '../src/clients/health-waiter';
import { indexOnFirstStart } from '../src/first-start';
import { harness, type Harness } from './harness';

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h.close();
});

function deps(h: Harness) {
  const log = createLogger('t', 'silent', new Writable({ write: (_c, _e, cb) => cb() }));
  const reader = new GrpcSearchWriter(h.search.address, { controlMs: 2000, upsertMs: 2000, commitMs: 2000 });
  const health = new HealthWaiter({ embedder: h.embedder.address, search: h.search.address, captioner: h.captioner.address }, log, 50);
  return {
    deps: { queue: h.queue, serving: async () => (await reader.stats()).serving, health, dataset: '/data/sample', log },
    close: () => {
      reader.close();
      health.close();
    },
  };
}

describe('first start', () => {
  it('enqueues the default dataset once when search serves no generation', async () => {
    const d = deps(h);
    const a = await indexOnFirstStart(d.deps);
    const b = await indexOnFirstStart(d.deps); // a second replica starting at the same time
    d.close();
    expect(a).toMatchObject({ existing: false });
    expect(b).toEqual({ jobId: a.jobId, existing: true });
    const jobs = await listActiveReindexJobs(h.queue);
    expect(jobs.map((j) => j.data)).toEqual([{ dataset: '/data/sample', requestedBy: 'first-start' }]);
  });

  it('does nothing when a generation is served', async () => {
    h.search.generations.set('g', { id: 'g', state: 'GENERATION_STATE_SERVING', buildKey: '', model: 'm', dimensions: 8, dataset: '/d', items: new Map() });
    h.search.servingId = 'g';
    const d = deps(h);
    expect(await indexOnFirstStart(d.deps)).toEqual({});
    d.close();
    expect(await listActiveReindexJobs(h.queue)).toEqual([]);
  });

  it('waits for search to be SERVING before deciding', async () => {
    h.search.health.set('NOT_SERVING');
    const d = deps(h);
    let settled = false;
    const run = indexOnFirstStart(d.deps).finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(settled).toBe(false);
    h.search.health.set('SERVING');
    expect((await run).existing).toBe(false);
    d.close();
  });
});
