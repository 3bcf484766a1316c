/**
 * The Kubernetes path of the client-side balancing: a `dns:///` target whose name resolves to several
 * addresses, as a headless Service's does (one A record per ready pod, all on the same port). A tiny
 * DNS server (support/tiny-dns.ts) plays the cluster DNS; REAL embedder processes listen on
 * 127.0.0.1 … 127.0.0.4 at the same port, as pods do. The client is the kit's `createClient`
 * (round_robin), as in the gateway and the indexer. A rolling replacement of both pods in the order
 * the Deployments' strategy gives (maxSurge 1, maxUnavailable 0: a new pod is ready before an old one
 * stops), with the DNS answer following the pods' readiness, must not fail a single call.
 */
import './support/alternative-resolver'; // before @tit/kit: grpc-js reads the switch when it loads
import { createClient, loadEmbedderProto, unaryCall } from '@tit/kit';
import type { EmbedderServiceClient } from '@tit/kit/src/generated/embedder/v1/EmbedderService';
import type { EmbedResponse__Output } from '@tit/kit/src/generated/embedder/v1/EmbedResponse';
import { fixtureModelsDir, freePort } from '../support/test-system';
import { ServiceProcess } from './support/service-process';
import { TinyDns } from './support/tiny-dns';

const NAME = 'embedder-headless.tit.svc.cluster.local';
const PODS = ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'];
/** The manifests' minReadySeconds: the least time between two old pods stopping in a rollout. */
const MIN_READY_MS = 10_000;

// The second test builds on the pods the first one left: a retry would replay the rollout against
// pods already replaced, so neither test retries.
jest.retryTimes(0);

describe('round_robin over a DNS name with one address per pod (headless Service), during a rolling replacement', () => {
  const dns = new TinyDns(NAME);
  const pods = new Map<string, ServiceProcess>();
  let port = 0;
  let client: EmbedderServiceClient;
  let seq = 0;

  const startPod = async (ip: string): Promise<void> => {
    await pods.get(ip)?.stop('SIGKILL');
    const p = new ServiceProcess(`embedder@${ip}`, 'services/embedder/src/main.ts', {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GRPC_HOST: ip,
      EMBEDDER_PORT: String(port),
      MODELS_DIR: await fixtureModelsDir(),
      EMBEDDER_CPUS: '1',
      LOG_LEVEL: 'debug',
      SHUTDOWN_GRACE_MS: '3000',
    });
    pods.set(ip, p);
    await p.waitServing(`${ip}:${port}`);
  };

  const embed = async () => {
    const id = `dns-${process.pid}-${++seq}`;
    try {
      await unaryCall<{ texts: string[] }, EmbedResponse__Output>(
        client,
        client.embed.bind(client),
        { texts: ['a cat on a mat'] },
        { deadline: 5000, requestId: id },
      );
      return { id, ok: true as const };
    } catch (err) {
      return {
        id,
        ok: false as const,
        error: `${(err as { code?: number }).code}: ${(err as Error).message}`,
      };
    }
  };

  /** How many of `ids` each pod logged as served. */
  const servedBy = (ids: ReadonlySet<string>): Record<string, number> =>
    Object.fromEntries(
      PODS.map((ip) => [
        ip,
        (pods.get(ip)?.logs ?? []).filter(
          (l) => l.method === 'Embed' && l.msg === 'ok' && ids.has(String(l.requestId)),
        ).length,
      ]),
    );

  beforeAll(async () => {
    port = await freePort();
    const dnsPort = await dns.start();
    await Promise.all([startPod(PODS[0]), startPod(PODS[1])]);
    dns.addresses = [PODS[0], PODS[1]];
    // The same kind of target as `dns:///embedder-headless:50051` in the ConfigMap, with an explicit DNS server.
    client = createClient(
      loadEmbedderProto().embedder.v1.EmbedderService,
      `dns://127.0.0.1:${dnsPort}/${NAME}:${port}`,
    );
  }, 120_000);

  afterAll(async () => {
    client?.close();
    await Promise.all([...pods.values()].map((p) => p.stop('SIGKILL')));
    await dns.close();
    delete process.env.GRPC_NODE_USE_ALTERNATIVE_RESOLVER;
  });

  it('spreads calls over every address of the name', async () => {
    // Warm up until both pods have answered once (both connections READY).
    const warm = new Set<string>();
    const served = () => servedBy(warm);
    for (let i = 0; i < 50 && (served()[PODS[0]] === 0 || served()[PODS[1]] === 0); i++) {
      const r = await embed();
      expect(r.ok).toBe(true);
      warm.add(r.id);
      await new Promise((res) => setTimeout(res, 20));
    }
    expect([served()[PODS[0]] > 0, served()[PODS[1]] > 0]).toEqual([true, true]);
    const results = [];
    for (let i = 0; i < 40; i++) results.push(await embed());
    expect(results.filter((r) => !r.ok)).toEqual([]);
    await new Promise((r) => setTimeout(r, 300));
    const counts = servedBy(new Set(results.map((r) => r.id)));
    expect(counts[PODS[0]] + counts[PODS[1]]).toBe(40);
    expect(Math.min(counts[PODS[0]], counts[PODS[1]])).toBeGreaterThanOrEqual(18);
    expect(dns.aQueries).toBeGreaterThanOrEqual(1);
  });

  it('fails no call while both pods are replaced one by one (surge first), and ends spread over the new pods', async () => {
    const results: Array<Awaited<ReturnType<typeof embed>>> = [];
    let done = false;
    const callers = Array.from({ length: 4 }, async () => {
      while (!done) results.push(await embed());
    });
    const queriesBefore = dns.aQueries;
    const [old1, old2, new1, new2] = PODS;
    await new Promise((r) => setTimeout(r, 300));
    // For each old pod: a new pod starts and joins the answer once SERVING (ready); then the old pod
    // leaves the answer (not ready) and gets SIGTERM, drains and exits. As with minReadySeconds, the
    // next old pod stops no sooner than MIN_READY_MS after the previous one; the client re-resolves
    // within that time (checked), which is what keeps a live pod in its list.
    let lastStop = 0;
    for (const [fresh, old] of [
      [new1, old1],
      [new2, old2],
    ]) {
      await startPod(fresh);
      dns.addresses = [...dns.addresses, fresh];
      await new Promise((r) => setTimeout(r, Math.max(300, lastStop + MIN_READY_MS - Date.now())));
      dns.addresses = dns.addresses.filter((a) => a !== old);
      const queriesAtStop = dns.aQueries;
      expect(await pods.get(old)!.stop('SIGTERM')).toEqual({ code: 0, signal: null });
      lastStop = Date.now();
      while (dns.aQueries === queriesAtStop && Date.now() - lastStop < MIN_READY_MS) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(dns.aQueries).toBeGreaterThan(queriesAtStop);
    }
    await new Promise((r) => setTimeout(r, 500));
    done = true;
    await Promise.all(callers);
    expect(results.length).toBeGreaterThan(40);
    expect(results.filter((r) => !r.ok).map((r) => r.error)).toEqual([]);
    // The client re-resolved when connections closed (at most every 5 s, the kit's
    // grpc.dns_min_time_between_resolutions_ms) and ends up using both new pods.
    expect(dns.aQueries).toBeGreaterThan(queriesBefore);
    const after = new Set<string>();
    const until = Date.now() + 15_000;
    let counts = servedBy(after);
    while (Date.now() < until && (counts[new1] === 0 || counts[new2] === 0)) {
      const r = await embed();
      expect(r.ok).toBe(true);
      after.add(r.id);
      await new Promise((res) => setTimeout(res, 50));
      counts = servedBy(after);
    }
    expect({ old: counts[old1] + counts[old2], new1: counts[new1] > 0, new2: counts[new2] > 0 }).toEqual({
      old: 0,
      new1: true,
      new2: true,
    });
  }, 180_000);
});
