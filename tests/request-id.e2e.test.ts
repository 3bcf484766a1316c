import { startTestSystem, type TestSystem } from './support/test-system';

/** The request id a client sends to the gateway reaches the logs of every service on the path. */
describe('request id propagation (real processes)', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem({ only: ['search', 'embedder', 'gateway'] });
  }, 120_000);
  afterAll(async () => {
    await sys?.stop();
  });

  it('appears in the embedder and search log lines of that request and is echoed', async () => {
    const id = `e2e-${Date.now().toString(36)}`;
    const res = await fetch(`${sys.gatewayUrl}/v1/search/text`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': id },
      body: JSON.stringify({ query: 'a dog runs on the beach' }),
    });
    expect(res.headers.get('x-request-id')).toBe(id);
    await new Promise((r) => setTimeout(r, 300));
    expect(sys.logs.embedder.some((l) => l.requestId === id)).toBe(true);
    expect(sys.logs.search.some((l) => l.requestId === id)).toBe(true);
    expect(sys.logs.gateway.some((l) => JSON.stringify(l).includes(id))).toBe(true);
    // Another request's lines do not carry this id.
    expect(sys.logs.embedder.filter((l) => l.requestId === id).every((l) => l.service === 'embedder')).toBe(true);
  });

  it('shuts every process down cleanly on SIGTERM within 10 s', async () => {
    const started = Date.now();
    const results = await sys.system.stop(10_000);
    expect(Date.now() - started).toBeLessThan(10_000);
    for (const r of results) expect({ name: r.name, code: r.code }).toEqual({ name: r.name, code: 0 });
  });
});
