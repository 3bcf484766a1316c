/**
 * The real process (src/main.ts): start-up refuses a missing model folder with one clear line;
 * a healthy start binds, warms up, turns SERVING, captions, and exits 0 on SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { checkHealth, createClient, loadCaptionerProto, REPO_ROOT, unaryCall } from '@tit/kit';
import { CAPTIONER_NODE_FLAGS } from '../src/node-flags';
import { CAPTIONER_SERVICE } from '../src/server';
import { GREEDY_CAPTION, buildTableModel, removeDir, tempDir } from './support/models';
import fs from 'node:fs';

const MAIN = path.join(__dirname, '../src/main.ts');

function start(
  env: Record<string, string>,
  nodeFlags: readonly string[] = CAPTIONER_NODE_FLAGS,
): { child: ChildProcess; lines: string[]; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', MAIN], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', GRPC_HOST: '127.0.0.1', CAPTIONER_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let buf = '';
  child.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop() ?? '';
    lines.push(...parts.filter(Boolean));
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, lines, exited };
}

async function waitFor<T>(fn: () => T | undefined, ms: number): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('captioner process', () => {
  let root: string;
  beforeAll(() => {
    root = tempDir('main');
    buildTableModel(path.join(root, 'test/table'), ['merged']);
  });
  afterAll(() => removeDir(root));

  it('fails start-up with one line naming the expected files and how to get them (and warns of missing node flags)', async () => {
    const p = start({ MODELS_DIR: path.join(root, 'empty'), CAPTIONER_MODELS: 'Salesforce/blip-image-captioning-base' }, []);
    expect(await p.exited).toBe(1);
    const logged = p.lines.map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(logged.filter((l) => l.level === 40).map((l) => l.msg)).toEqual([expect.stringContaining('started without --single-threaded-gc')]);
    const fatal = logged.filter((l) => l.level === 60);
    expect(fatal).toHaveLength(1);
    expect(fatal[0].msg).toMatch(/model Salesforce\/blip-image-captioning-base: folder .* not found; expected onnx\/encoder_model\.onnx, onnx\/decoder_model_merged\.onnx/);
    expect(fatal[0].msg).toContain("'pnpm models pull'");
    expect(fatal[0].msg).toContain("'pnpm fixtures'");
  }, 60_000);

  it('loads, warms up, serves captions and exits 0 on SIGTERM', async () => {
    fs.mkdirSync(path.join(root, 'test'), { recursive: true });
    const p = start({ MODELS_DIR: root, CAPTIONER_MODELS: 'test/table', LOG_LEVEL: 'info' });
    try {
      const port = await waitFor(() => {
        const line = p.lines.map((l) => JSON.parse(l) as { msg: string; port?: number }).find((l) => l.msg === 'serving');
        return line?.port;
      }, 45_000);
      expect(await checkHealth(`127.0.0.1:${port}`, CAPTIONER_SERVICE)).toBe('SERVING');
      const client = createClient(loadCaptionerProto().captioner.v1.CaptionerService, `127.0.0.1:${port}`);
      const image = fs.readFileSync(path.join(__dirname, 'fixtures/photos/astronaut.jpg'));
      const res = await unaryCall(client, client.caption.bind(client), { image }, { deadline: 10_000 });
      client.close();
      expect(res.caption).toBe(GREEDY_CAPTION);
      // Started as pnpm start and the image start it: no warning about node flags.
      expect(p.lines.filter((l) => l.includes('started without'))).toEqual([]);
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
    } finally {
      if (p.child.exitCode === null) p.child.kill('SIGKILL');
    }
  }, 60_000);
});
