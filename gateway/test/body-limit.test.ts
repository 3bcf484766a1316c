/**
 * A body over the limit, over a real socket: the client must receive the 413 it was sent, not a
 * reset connection, however far it got with writing the body (lingering close, see error-handler.ts).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startHarness, type Harness } from './support/harness';

let h: Harness;
let port: number;
beforeAll(async () => {
  h = await startHarness();
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  port = (h.app.server.address() as AddressInfo).port;
});
afterAll(async () => h.close());

/** POSTs `bytes` of JSON in 64 KiB writes; resolves to the status, or to the socket error's code. */
function postLarge(bytes: number, agent: http.Agent | false): Promise<string> {
  const body = Buffer.from(JSON.stringify({ query: 'a dog', pad: 'x'.repeat(bytes) }));
  return new Promise((resolve) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: '/v1/search/text', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(String(res.statusCode)));
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    let off = 0;
    const writeMore = (): void => {
      while (off < body.length) {
        const ok = req.write(body.subarray(off, (off += 65536)));
        if (!ok) return void req.once('drain', writeMore);
      }
      req.end();
    };
    writeMore();
  });
}

test('a 4 MB JSON body gets its 413 on fresh and kept-alive connections, every time', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const seen: string[] = [];
  for (let i = 0; i < 10; i++) {
    seen.push(await postLarge(4 << 20, false));
    seen.push(await postLarge(4 << 20, agent));
  }
  agent.destroy();
  expect(seen).toEqual(Array.from({ length: 20 }, () => '413'));
  // The server still answers normally afterwards.
  expect((await h.app.inject({ method: 'POST', url: '/v1/search/text', payload: { query: 'red ball' } })).statusCode).toBe(200);
});
