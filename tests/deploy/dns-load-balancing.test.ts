/**
 * The Kubernetes path of the client-side balancing: a `dns:///` target whose name resolves to several
 * addresses, as a headless Service's does (one A record per ready pod, all on the same port). A tiny
 * DNS server (support/tiny-dns.ts) plays the cluster DNS; three REAL embedder processes listen on
 * 127.0.0.1, 127.0.0.2 and 127.0.0.3 at the same port, as pods do. The client is the kit's
 * `createClient` (round_robin), as in the gateway and the indexer. A rolling replacement of every
 * pod, with the DNS answer following the pods' readiness, must not fail a single call.
 */
import './support/alternative-resolver'; // before @tit/kit: grpc-js reads the switch when it loads
import { createClient, loadEmbedderProto, unaryCall } from '@tit/kit';
import type { EmbedderServiceClient } from '@tit/kit/src/generated/embedder/v1/EmbedderService';
import type { EmbedResponse__Output } from '@tit/kit/src/generated/embedder/v1/EmbedResponse';
import { fixtureModelsDir, freePort } from '../support/test-system';
import { ServiceProcess } from './support/service-process';
import { TinyDns } from './support/tiny-dns';

const NAME = 'embedder-headless.tit.svc.cluster.local';
const PODS = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];

describe('round_robin over a DNS name with one address per pod (headless Service), during a rolling replacement', () => {
  const dns = new TinyDns(NAME);
  const pods = new Map<string, ServiceProcess>();
  let port = 0;
  let client: EmbedderServiceClient;
  let seq = 0;

  const startPod = async (ip: string): Promise<void> => {
    const p = new ServiceProcess(`embedder@${ip}`, 'services/embedder/src/main.ts', {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GRPC_HOST: ip,
      EMBEDDER_PORT: String(port),
      MODELS_DIR: await fixtureModelsDir(),
      EMBEDDER_INTRA_OP_THREADS: '1',
      LOG_LEVEL: 'debug',
      SHUTDOWN_GRACE_MS: '3000',
    });
    pods.set(ip, p);
    await p.waitServing(`${ip}:${port}`);
  };

  const embed = async () => {
    const id = `dns-${process.pid}-${++seq}`;
    try {
      await unaryCall<{ texts: string[] }, EmbedResponse__Output>(client, client.embed.bind(client), { texts: ['a cat on a mat'] }, { deadline: 5000, requestId: id });
      return { id, ok: true as const };
    } catch (err) {
      return { id, ok: false as const, error: `${(err as { code?: number }).code}: ${(err as Error).message}` };
    }
  };

  /** How many of `ids` each pod logged as served. */
  const servedBy = (ids: ReadonlySet<string>): Record<string, number> =>
    Object.fromEntries(
      PODS.map((ip) => [
        ip,
        (pods.get(ip)?.logs ?? []).filter((l) => l.method === 'Embed' && l.msg === 'ok' && ids.has(String(l.requestId))).length,
      ]),
    );

  beforeAll(async () => {
    port = await freePort();
    const dnsPort = await dns.start();
    await Promise.all([startPod(PODS[0]), startPod(PODS[1])]);
    dns.addresses = [PODS[0], PODS[1]];
    // The same kind of target as `dns:///embedder-headless:50051` in the ConfigMap, with an explicit DNS server.
    client = createClient(loadEmbedderProto().embedder.v1.EmbedderService, `dns://127.0.0.1:${dnsPort}/${NAME}:${port}`);
  }, 120_000);

  afterAll(async () => {
    client?.close();
    await Promise.all([...pods.values()].map((p) => p.stop('SIGKILL')));
    await dns.close();
    delete process.env.GRPC_NODE_USE_ALTERNATIVE_RESOLVER;
  });

  it('spreads calls over every address of the name', async () => {
    expect((await embed()).ok).toBe(true);
    const results = [];
    for (let i = 0; i < 40; i++) results.push(await embed());
    expect(results.filter((r) => !r.ok)).toEqual([]);
    await new Promise((r) => setTimeout(r, 300));
    const counts = servedBy(new Set(results.map((r) => r.id)));
    expect(counts[PODS[0]] + counts[PODS[1]]).toBe(40);
    expect(Math.min(counts[PODS[0]], counts[PODS[1]])).toBeGreaterThanOrEqual(15);
    expect(dns.aQueries).toBeGreaterThanOrEqual(1);
  });

  it('fails no call while every pod is replaced one by one, and ends on the new pods only', async () => {
    const results: Array<Awaited<ReturnType<typeof embed>>> = [];
    let done = false;
    const callers = Array.from({ length: 4 }, async () => {
      while (!done) results.push(await embed());
    });
    const queriesBefore = dns.aQueries;
    // Kubernetes order for each old pod: it turns NOT_SERVING and leaves the DNS answer, then exits.
    await new Promise((r) => setTimeout(r, 300));
    dns.addresses = [PODS[1]];
    expect(await pods.get(PODS[0])!.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    await startPod(PODS[2]);
    dns.addresses = [PODS[1], PODS[2]];
    await new Promise((r) => setTimeout(r, 300));
    dns.addresses = [PODS[2]];
    expect(await pods.get(PODS[1])!.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    await new Promise((r) => setTimeout(r, 500));
    done = true;
    await Promise.all(callers);
    expect(results.length).toBeGreaterThan(40);
    expect(results.filter((r) => !r.ok).map((r) => r.error)).toEqual([]);
    // The client re-resolved when connections closed, found the new pod and now uses it alone.
    expect(dns.aQueries).toBeGreaterThan(queriesBefore);
    const after = [];
    for (let i = 0; i < 10; i++) after.push(await embed());
    expect(after.filter((r) => !r.ok)).toEqual([]);
    await new Promise((r) => setTimeout(r, 300));
    expect(servedBy(new Set(after.map((r) => r.id)))).toEqual({ [PODS[0]]: 0, [PODS[1]]: 0, [PODS[2]]: 10 });
  }, 120_000);
});
