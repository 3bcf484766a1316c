/**
 * The per-request gRPC adapter's budget check, with a fake client: a hop whose request has no
 * budget left is a 504 without any call, and a hop with budget left passes its deadline on.
 */
import { ApiError } from '../src/errors/api-error';
import { Hops } from '../src/downstream/hops';
import type { GrpcClients } from '../src/downstream/clients';
import type { GatewayMetrics } from '../src/plugins/metrics';

function fakeSearch() {
  const calls: Array<{ deadline: unknown }> = [];
  const query = (req: unknown, _metadata: unknown, options: { deadline?: unknown }, cb: (e: unknown, r?: unknown) => void) => {
    calls.push({ deadline: options?.deadline });
    cb(null, { generationId: 'g1', model: 'm', hits: [], approximate: false });
  };
  return { calls, client: { query } };
}

function hops(deadlineAt: number, search: unknown): Hops {
  const metrics = { observeCall: () => undefined } as unknown as GatewayMetrics;
  return new Hops({ clients: { search } as unknown as GrpcClients, metrics, requestId: 'r1', deadlineAt });
}

const QUERY = { text: 'a dog', k: 5, mode: 'dense' as const };

describe('Hops budget', () => {
  it('does not call a hop when the request has no budget left, and answers deadline_exceeded', async () => {
    const s = fakeSearch();
    const err = await hops(Date.now() - 1, s.client).query(QUERY).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('deadline_exceeded');
    expect(s.calls).toEqual([]);
  });

  it('calls a hop with budget left, passing the request deadline on', async () => {
    const s = fakeSearch();
    const deadlineAt = Date.now() + 5_000;
    const res = await hops(deadlineAt, s.client).query(QUERY);
    expect(res.generationId).toBe('g1');
    expect(s.calls).toHaveLength(1);
    expect((s.calls[0].deadline as Date).getTime()).toBe(deadlineAt);
  });
});
