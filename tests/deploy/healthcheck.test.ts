/**
 * tools/src/healthcheck: the script every image's HEALTHCHECK runs. Exit 0 only for SERVING (gRPC) or
 * 2xx (the gateway's /readyz), 1 for everything else, one line of output either way.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Health, REPO_ROOT, bindServer, newServer } from '@tit/kit';
import { freePort } from '../support/test-system';

const CLI = path.join(REPO_ROOT, 'tools/src/healthcheck/cli.ts');

function runCheck(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => resolve({ code, out: out.trim() }));
  });
}

describe('healthcheck cli (grpc.health.v1)', () => {
  const server = newServer();
  const health = new Health(['embedder.v1.EmbedderService']);
  let port = 0;

  beforeAll(async () => {
    health.addToServer(server);
    port = await bindServer(server, '127.0.0.1', 0);
  });
  afterAll(() => server.forceShutdown());

  it('fails while the process is NOT_SERVING (loading or draining) and passes once it is SERVING', async () => {
    health.set('NOT_SERVING');
    const [a, b] = await Promise.all([
      runCheck([`127.0.0.1:${port}`]),
      runCheck(['embedder'], { EMBEDDER_PORT: String(port) }),
    ]);
    expect(a).toEqual({ code: 1, out: `unhealthy: 127.0.0.1:${port} 127.0.0.1:${port} NOT_SERVING` });
    expect(b).toEqual({ code: 1, out: `unhealthy: embedder 127.0.0.1:${port} NOT_SERVING` });
    health.set('SERVING');
    const [c, d, e] = await Promise.all([
      runCheck([`127.0.0.1:${port}`]),
      // By name: the port comes from the process's own variable, as inside its container.
      runCheck(['embedder'], { EMBEDDER_PORT: String(port) }),
      runCheck([`dns:///localhost:${port}`, '--service', 'embedder.v1.EmbedderService']),
    ]);
    expect(c.code).toBe(0);
    expect(d).toEqual({ code: 0, out: `healthy: embedder 127.0.0.1:${port} SERVING` });
    expect(e).toEqual({
      code: 0,
      out: `healthy: dns:///localhost:${port} dns:///localhost:${port} (embedder.v1.EmbedderService) SERVING`,
    });
  }, 60_000);

  it('fails for an unknown service name, a closed port, a bad port variable and bad arguments (never exit 2, which Docker reserves)', async () => {
    health.set('SERVING');
    const closed = await freePort();
    const results = await Promise.all([
      runCheck([`127.0.0.1:${port}`, '--service', 'no.such.Service']),
      runCheck([`127.0.0.1:${closed}`, '--timeout', '500']),
      runCheck(['search'], { SEARCH_PORT: 'tcp://10.0.0.1:50052' }),
      runCheck([]),
      runCheck(['a:1', 'b:2']),
    ]);
    expect(results.map((r) => r.code)).toEqual([1, 1, 1, 1, 1]);
    expect(results[0].out).toMatch(/^unhealthy: .* (UNREACHABLE|SERVICE_UNKNOWN|UNKNOWN)$/);
    expect(results[1].out).toBe(`unhealthy: 127.0.0.1:${closed} 127.0.0.1:${closed} UNREACHABLE`);
    expect(results[2].out).toContain('SEARCH_PORT: must be an integer');
    expect(results[3].out).toContain('missing target');
    expect(results[4].out).toContain('unexpected argument b:2');
  }, 60_000);

  it('checks the gateway over HTTP at /readyz: 200 passes, 503 fails', async () => {
    let status = 503;
    const paths: string[] = [];
    const web = http.createServer((req, res) => {
      paths.push(req.url ?? '');
      res.writeHead(status).end();
    });
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    const gw = (web.address() as AddressInfo).port;
    try {
      expect(await runCheck(['gateway'], { GATEWAY_PORT: String(gw) })).toEqual({
        code: 1,
        out: `unhealthy: gateway http://127.0.0.1:${gw}/readyz HTTP 503`,
      });
      status = 200;
      expect((await runCheck(['gateway'], { GATEWAY_PORT: String(gw) })).code).toBe(0);
      expect(paths).toEqual(['/readyz', '/readyz']);
    } finally {
      web.close();
    }
  }, 60_000);
});
