/**
 * main.ts wiring, as a real process: it starts from the environment, serves, logs JSON lines with
 * the request id, drains on SIGTERM and exits 0; a bad configuration exits 1 naming every problem.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { REPO_ROOT, processEnv } from '@tit/kit';
import { FakeBackends } from './support/fake-backends';
import { makeDataset, type TestDataset } from './support/dataset';

const MAIN = path.join(REPO_ROOT, 'gateway/src/main.ts');
let ds: TestDataset;
let fakes: FakeBackends;
beforeAll(async () => {
  ds = await makeDataset();
  fakes = await FakeBackends.start(ds.dir, ds.images);
});
afterAll(async () => {
  await fakes.stop();
  await ds.cleanup();
});

function run(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: REPO_ROOT,
    env: { PATH: processEnv().PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  readline.createInterface({ input: child.stdout }).on('line', (l) => {
    try {
      lines.push(JSON.parse(l) as Record<string, unknown>);
    } catch {
      // not a log line
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, lines, exited, stderr: () => stderr };
}

async function waitFor<T>(fn: () => T | undefined, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('starts, serves with request-id-bound logs, drains on SIGTERM and exits 0', async () => {
  const p = run({
    GATEWAY_HOST: '127.0.0.1',
    GATEWAY_PORT: '0',
    EMBEDDER_ADDR: fakes.addrs.embedder,
    SEARCH_ADDR: fakes.addrs.search,
    CAPTIONER_ADDR: fakes.addrs.captioner,
    DATASET_DIR: ds.dir,
    REDIS_URL: 'redis://127.0.0.1:6379',
    ADMIN_API_KEY: 'the-secret-key',
  });
  const listening = await waitFor(() => p.lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('Server listening at')));
  const url = /http:\/\/127\.0\.0\.1:\d+/.exec(listening.msg as string)![0];
  const res = await fetch(`${url}/v1/search/text`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': 'main-test-1' },
    body: JSON.stringify({ query: 'red ball' }),
  });
  expect(res.status).toBe(200);
  await fetch(`${url}/v1/index`, { method: 'POST', headers: { 'x-api-key': 'wrong' } });
  const completed = await waitFor(() => p.lines.find((l) => l.requestId === 'main-test-1' && l.msg === 'request completed'));
  expect(completed).toMatchObject({ service: 'gateway', level: 30, method: 'POST', route: '/v1/search/text', statusCode: 200 });
  expect(fakes.calls.some((c) => c.requestId === 'main-test-1')).toBe(true);
  p.child.kill('SIGTERM');
  expect(await p.exited).toBe(0);
  expect(p.lines.some((l) => l.msg === 'stopped')).toBe(true);
  expect(JSON.stringify(p.lines)).not.toContain('the-secret-key');
  expect(JSON.stringify(p.lines)).not.toContain('"wrong"');
}, 40_000);

test('a bad configuration exits 1 and names every problem', async () => {
  const p = run({ GATEWAY_PORT: 'eighty', SEARCH_ADDR: 'nowhere', REQUEST_TIMEOUT_MS: '5' });
  expect(await p.exited).toBe(1);
  // One fatal log line (as every service writes it) that lists every bad variable.
  const fatal = p.lines.filter((l) => l.level === 60);
  expect(fatal).toHaveLength(1);
  for (const v of ['GATEWAY_PORT', 'SEARCH_ADDR', 'REQUEST_TIMEOUT_MS']) expect(String(fatal[0].msg)).toContain(v);
}, 40_000);
