/**
 * The client-side balancing every deployment relies on (kit `createClient`: grpc-js round_robin over
 * every address its target resolves to), against two REAL embedder processes
 * (services/embedder/src/main.ts on tiny fixture models) on different ports. Which process served a
 * call is read from that process's own debug log line for the call's request id.
 *
 * In Kubernetes the addresses come from a headless Service's DNS answer (`dns:///embedder-headless:50051`);
 * here the same policy gets them from an `ipv4:` list, because this machine has no DNS name with
 * several addresses.
 */
import { CLIENT_CHANNEL_OPTIONS, createClient, loadEmbedderProto, unaryCall } from '@tit/kit';
import type { EmbedderServiceClient } from '@tit/kit/src/generated/embedder/v1/EmbedderService';
import type { EmbedResponse__Output } from '@tit/kit/src/generated/embedder/v1/EmbedResponse';
import { fixtureModelsDir, freePort } from '../support/test-system';
import { ServiceProcess } from './support/service-process';

const ENTRY = 'services/embedder/src/main.ts';

// Each test builds on the processes the previous one left (stopped, killed, restarted): a retry would
// replay a step against the wrong state, so none retries.
jest.retryTimes(0);

describe('client-side round-robin over two embedder processes', () => {
  const procs: ServiceProcess[] = [];
  const ports: number[] = [];
  let client: EmbedderServiceClient;
  let seq = 0;

  const start = async (i: number): Promise<ServiceProcess> => {
    const p = new ServiceProcess(`embedder-${i}`, ENTRY, {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GRPC_HOST: '127.0.0.1',
      EMBEDDER_PORT: String(ports[i]),
      MODELS_DIR: await fixtureModelsDir(),
      EMBEDDER_CPUS: '1',
      LOG_LEVEL: 'debug',
      SHUTDOWN_GRACE_MS: '3000',
    });
    procs[i] = p;
    await p.waitServing(`127.0.0.1:${ports[i]}`);
    return p;
  };

  /** One Embed call with a fresh request id; resolves to the id and the outcome. */
  const embed = async (): Promise<{
    id: string;
    res?: EmbedResponse__Output;
    err?: Error & { code?: number };
  }> => {
    const id = `lb-${process.pid}-${++seq}`;
    try {
      const res = await unaryCall<{ texts: string[] }, EmbedResponse__Output>(
        client,
        client.embed.bind(client),
        { texts: [`a dog runs ${seq}`] },
        {
          deadline: 5000,
          requestId: id,
        },
      );
      return { id, res };
    } catch (err) {
      return { id, err: err as Error & { code?: number } };
    }
  };

  /** Request ids each process logged as served ("ok" lines of the Embed handler). */
  const servedBy = (p: ServiceProcess, ids: ReadonlySet<string>): number =>
    p.logs.filter(
      (l) =>
        l.method === 'Embed' && l.msg === 'ok' && typeof l.requestId === 'string' && ids.has(l.requestId),
    ).length;

  const settleLogs = () => new Promise((r) => setTimeout(r, 300));

  beforeAll(async () => {
    ports.push(await freePort(), await freePort());
    await Promise.all([start(0), start(1)]);
    const { EmbedderService } = loadEmbedderProto().embedder.v1;
    client = createClient(EmbedderService, `ipv4:127.0.0.1:${ports[0]},127.0.0.1:${ports[1]}`);
  }, 120_000);

  afterAll(async () => {
    client?.close();
    await Promise.all(procs.map((p) => p.stop('SIGKILL')));
  });

  it('uses round_robin, as every client of the project does', () => {
    expect(JSON.parse(CLIENT_CHANNEL_OPTIONS['grpc.service_config'] as string)).toEqual({
      loadBalancingConfig: [{ round_robin: {} }],
    });
  });

  it('spreads calls over both processes', async () => {
    // The first call connects every subchannel; round_robin then alternates over the READY ones.
    // Warm up until both processes have answered once, so a slow first connection does not skew the count.
    const warm = new Set<string>();
    for (let i = 0; i < 50 && procs.some((p) => servedBy(p, warm) === 0); i++) {
      const r = await embed();
      expect(r.res?.count).toBe(1);
      warm.add(r.id);
      await new Promise((res) => setTimeout(res, 20));
    }
    expect(procs.map((p) => servedBy(p, warm) > 0)).toEqual([true, true]);
    const results = [];
    for (let i = 0; i < 40; i++) results.push(await embed());
    expect(results.filter((r) => r.err).map((r) => r.err?.message)).toEqual([]);
    await settleLogs();
    const ids = new Set(results.map((r) => r.id));
    const counts = procs.map((p) => servedBy(p, ids));
    expect(counts[0] + counts[1]).toBe(40);
    // round_robin over two READY connections alternates: 20/20.
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(18);
  });

  it('keeps every call succeeding while one process stops (SIGTERM, as a rolling update or scale-down sends)', async () => {
    const results: Array<Awaited<ReturnType<typeof embed>> & { at: number }> = [];
    let done = false;
    // Four concurrent callers keep calls in flight before, during and after the stop.
    const callers = Array.from({ length: 4 }, async () => {
      while (!done) results.push({ ...(await embed()), at: Date.now() });
    });
    await new Promise((r) => setTimeout(r, 300));
    const exit = await procs[0].stop('SIGTERM');
    const exitedAt = Date.now();
    await new Promise((r) => setTimeout(r, 500));
    done = true;
    await Promise.all(callers);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(results.filter((r) => r.at > exitedAt).length).toBeGreaterThan(10);
    expect(results.filter((r) => r.err).map((r) => `${r.err?.code}: ${r.err?.message}`)).toEqual([]);
    // After the stop, the survivor serves everything.
    const after = [];
    for (let i = 0; i < 20; i++) after.push(await embed());
    expect(after.filter((r) => r.err)).toEqual([]);
    await settleLogs();
    const ids = new Set(after.map((r) => r.id));
    expect([servedBy(procs[0], ids), servedBy(procs[1], ids)]).toEqual([0, 20]);
  });

  it('survives a crash (SIGKILL) of the other process and uses a replacement once it is SERVING', async () => {
    // Bring process 0 back on its port, as a replacement pod would come up.
    await start(0);
    let joined = false;
    for (let i = 0; i < 100 && !joined; i++) {
      const r = await embed();
      await settleLogs();
      joined = servedBy(procs[0], new Set([r.id])) === 1;
    }
    expect(joined).toBe(true);
    // Now kill process 1 without warning: only calls already on its connection may fail.
    // Callers run on for a while after the kill (a fixed number of calls could all finish around it on a
    // quiet machine, leaving no calls after the broken connection was noticed).
    const results: Array<Awaited<ReturnType<typeof embed>>> = [];
    let done = false;
    const callers = Array.from({ length: 4 }, async () => {
      while (!done) results.push(await embed());
    });
    await new Promise((r) => setTimeout(r, 100));
    await procs[1].stop('SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    done = true;
    await Promise.all(callers);
    const failed = results.filter((r) => r.err);
    expect(failed.length).toBeLessThanOrEqual(4);
    for (const f of failed) expect(f.err?.code).toBe(14); // UNAVAILABLE: a retryable status for callers
    // Once the broken connection is noticed, every call succeeds on the survivor.
    const last = results.slice(-20);
    expect(last.filter((r) => r.err)).toEqual([]);
  });
});
