/**
 * `pnpm models pull` against a local server that answers like the Hugging Face Hub:
 * `/<repo>/resolve/<rev>/<path>` with ETag (git blob sha1 for small files, X-Linked-ETag sha256 for
 * LFS files), X-Linked-Size, Accept-Ranges and 206 partial content, 404 + X-Error-Code for
 * missing entries.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import {
  BLIP_ID,
  defaultModels,
  digestOf,
  MINILM_ID,
  missingModels,
  pullModels,
  PullError,
  terminalProgress,
  VIT_GPT2_ID,
  type PullOptions,
} from '../src/models';

interface Served {
  body: Buffer;
  lfs: boolean;
}

const LFS_THRESHOLD = 10_000;

/** Deterministic content for a repo file; ONNX files are "large" (LFS). */
function contentOf(repo: string, file: string): Buffer {
  const size = file.endsWith('.onnx') ? 200_000 + file.length : 200 + file.length;
  const seed = createHash('sha256').update(`${repo}/${file}`).digest();
  return Buffer.from(Array.from({ length: size }, (_, i) => seed[i % 32] ^ (i & 0xff)));
}

interface Request {
  url: string;
  range?: string;
  auth?: string;
}

class FakeHub {
  readonly files = new Map<string, Served>();
  readonly requests: Request[] = [];
  /** Bytes of file bodies sent (not counting the 1-byte probes). */
  bodyBytes = 0;
  /** Cut the connection after this many body bytes of the next full download. */
  cutAfter: number | undefined;
  /** Serve these bytes instead of the real ones (a corrupted mirror). */
  corrupt = new Set<string>();
  /** Honour only the 1-byte metadata probe, like a CDN without range support behind the Hub. */
  ignoreRanges = false;
  private server = http.createServer((req, res) => this.handle(req, res));
  url = '';

  add(repo: string, files: string[], rev = 'main'): void {
    for (const f of files) {
      const body = contentOf(repo, f);
      this.files.set(`/${repo}/resolve/${rev}/${f}`, { body, lfs: body.length > LFS_THRESHOLD });
    }
  }

  body(repo: string, file: string, rev = 'main'): Buffer {
    return this.files.get(`/${repo}/resolve/${rev}/${file}`)!.body;
  }

  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = decodeURIComponent((req.url ?? '').split('?')[0]);
    this.requests.push({ url, range: req.headers.range, auth: req.headers.authorization });
    const f = this.files.get(url);
    if (!f) {
      res.writeHead(404, { 'X-Error-Code': 'EntryNotFound', 'Content-Type': 'text/plain' }).end('Entry not found');
      return;
    }
    let body = f.body;
    if (this.corrupt.has(url)) body = Buffer.from(body.map((b) => b ^ 1));
    const gitSha1 = createHash('sha1').update(`blob ${f.body.length}\0`).update(f.body).digest('hex');
    const sha256 = createHash('sha256').update(f.body).digest('hex');
    const headers: http.OutgoingHttpHeaders = {
      'Accept-Ranges': 'bytes',
      'Content-Type': 'application/octet-stream',
      ETag: `"${f.lfs ? sha256 : gitSha1}"`,
      ...(f.lfs && { 'X-Linked-ETag': `"${sha256}"`, 'X-Linked-Size': String(f.body.length) }),
    };
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (m && !(this.ignoreRanges && req.headers.range !== 'bytes=0-0')) {
      const start = Number(m[1]);
      const end = m[2] ? Math.min(Number(m[2]), body.length - 1) : body.length - 1;
      const chunk = body.subarray(start, end + 1);
      if (chunk.length > 1) this.bodyBytes += chunk.length;
      res.writeHead(206, { ...headers, 'Content-Range': `bytes ${start}-${end}/${body.length}`, 'Content-Length': chunk.length });
      res.end(chunk);
      return;
    }
    this.bodyBytes += body.length;
    res.writeHead(200, { ...headers, 'Content-Length': body.length });
    if (this.cutAfter !== undefined && body.length > this.cutAfter) {
      const n = this.cutAfter;
      this.cutAfter = undefined;
      res.write(body.subarray(0, n), () => res.destroy());
      return;
    }
    res.end(body);
  }
}

const MINILM_FILES = defaultModels().find((m) => m.id === MINILM_ID)!.files.map((f) => f.path);
const CAPTION_FILES = defaultModels().find((m) => m.id === VIT_GPT2_ID)!.files.map((f) => f.path);

describe('pnpm models pull against a Hub-like server', () => {
  let hub: FakeHub;
  let root: string;
  let modelsDir: string;
  const opts = (extra: Partial<PullOptions> = {}): PullOptions => ({ modelsDir, hubUrl: hub.url, ...extra });
  const fileIn = (id: string, f: string): string => path.join(modelsDir, id, f);

  beforeEach(async () => {
    hub = new FakeHub();
    // The official MiniLM repo lacks config_sentence_transformers.json here (an optional file).
    hub.add(MINILM_ID, MINILM_FILES.filter((f) => f !== 'config_sentence_transformers.json'));
    hub.add('Xenova/vit-gpt2-image-captioning', CAPTION_FILES);
    await hub.start();
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'models-pull-'));
    modelsDir = path.join(root, 'models');
  });
  afterEach(async () => {
    await hub.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('downloads every default model with a public export into MODELS_DIR/<id>/ and verifies it', async () => {
    const lines: string[] = [];
    const results = await pullModels(opts({ say: (l) => lines.push(l) }));
    expect(results.map((r) => [r.id, r.status])).toEqual([
      [MINILM_ID, 'pulled'],
      [BLIP_ID, 'needs-export'],
      [VIT_GPT2_ID, 'pulled'],
    ]);
    for (const f of MINILM_FILES.filter((f) => f !== 'config_sentence_transformers.json')) {
      expect(fs.readFileSync(fileIn(MINILM_ID, f)).equals(hub.body(MINILM_ID, f))).toBe(true);
    }
    // ViT-GPT2's ONNX export comes from the community repo, into the folder of the model id.
    expect(fs.readFileSync(fileIn(VIT_GPT2_ID, 'onnx/decoder_model_merged.onnx')).equals(
      hub.body('Xenova/vit-gpt2-image-captioning', 'onnx/decoder_model_merged.onnx'),
    )).toBe(true);
    expect(results[0].files).toContainEqual({ path: 'config_sentence_transformers.json', outcome: 'not-in-repo' });
    // BLIP: explained, not failed.
    expect(lines.join('\n')).toMatch(/blip-image-captioning-base: skipped: .*no official ONNX export.*export script.*BLIP_ONNX_REPO/);
    expect(fs.readdirSync(path.join(modelsDir, MINILM_ID, 'onnx'))).toEqual(['model.onnx']); // no .part left
    expect(missingModels(modelsDir).map((m) => m.id)).toEqual([BLIP_ID]);
  });

  it('does not download again what is up to date', async () => {
    await pullModels(opts({ names: ['minilm'] }));
    const before = hub.bodyBytes;
    const [again] = await pullModels(opts({ names: ['minilm'] }));
    expect(again.status).toBe('up-to-date');
    expect(hub.bodyBytes).toBe(before);
    // A local file that was changed on disk is fetched again.
    fs.writeFileSync(fileIn(MINILM_ID, 'tokenizer.json'), 'oops');
    const [fixed] = await pullModels(opts({ names: ['minilm'] }));
    expect(fixed.files).toContainEqual({ path: 'tokenizer.json', outcome: 'downloaded' });
    expect(fs.readFileSync(fileIn(MINILM_ID, 'tokenizer.json')).equals(hub.body(MINILM_ID, 'tokenizer.json'))).toBe(true);
  });

  it('resumes an interrupted download with a Range request', async () => {
    const onnx = hub.body(MINILM_ID, 'onnx/model.onnx');
    hub.cutAfter = 80_000;
    await expect(pullModels(opts({ names: [MINILM_ID] }))).rejects.toThrow(PullError);
    const part = `${fileIn(MINILM_ID, 'onnx/model.onnx')}.part`;
    const kept = fs.statSync(part).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(onnx.length);
    hub.requests.length = 0;
    const bytesBefore = hub.bodyBytes;
    const [r] = await pullModels(opts({ names: [MINILM_ID] }));
    expect(r.files).toContainEqual({ path: 'onnx/model.onnx', outcome: 'resumed' });
    expect(hub.requests).toContainEqual(expect.objectContaining({ url: `/${MINILM_ID}/resolve/main/onnx/model.onnx`, range: `bytes=${kept}-${onnx.length - 1}` }));
    expect(hub.bodyBytes - bytesBefore).toBeLessThan(onnx.length);
    expect(fs.readFileSync(fileIn(MINILM_ID, 'onnx/model.onnx')).equals(onnx)).toBe(true);
  });

  it('starts over when the server ignores the Range header', async () => {
    hub.cutAfter = 50_000;
    await expect(pullModels(opts({ names: [MINILM_ID] }))).rejects.toThrow();
    hub.ignoreRanges = true;
    await pullModels(opts({ names: [MINILM_ID] }));
    expect(fs.readFileSync(fileIn(MINILM_ID, 'onnx/model.onnx')).equals(hub.body(MINILM_ID, 'onnx/model.onnx'))).toBe(true);
  });

  it('rejects and discards a download whose checksum does not match its ETag', async () => {
    hub.corrupt.add(`/${MINILM_ID}/resolve/main/onnx/model.onnx`);
    await expect(pullModels(opts({ names: [MINILM_ID] }))).rejects.toThrow(/onnx\/model\.onnx: sha256 is [0-9a-f]{64}, the Hub says/);
    expect(fs.existsSync(fileIn(MINILM_ID, 'onnx/model.onnx'))).toBe(false);
    expect(fs.existsSync(`${fileIn(MINILM_ID, 'onnx/model.onnx')}.part`)).toBe(false);
    // Small (git) files are checked against their git blob sha1.
    hub.corrupt.clear();
    hub.corrupt.add(`/${MINILM_ID}/resolve/main/tokenizer.json`);
    await expect(pullModels(opts({ names: [MINILM_ID] }))).rejects.toThrow(/tokenizer\.json: git-sha1 is/);
  });

  it('fails in one line naming the missing file when a required file is not in the repo', async () => {
    hub.files.delete(`/${MINILM_ID}/resolve/main/modules.json`);
    await expect(pullModels(opts({ names: ['minilm'] }))).rejects.toThrow(/has no modules\.json, which sentence-transformers\/all-MiniLM-L6-v2 needs/);
  });

  it('sends HF_TOKEN as a bearer token', async () => {
    await pullModels(opts({ names: ['minilm'], token: 'hf_test123' }));
    expect(hub.requests.length).toBeGreaterThan(0);
    expect(hub.requests.every((r) => r.auth === 'Bearer hf_test123')).toBe(true);
  });

  it('pulls the embedder ONNX variant named by EMBEDDER_ONNX_FILE', async () => {
    hub.add(MINILM_ID, ['onnx/model_quantized.onnx']);
    await pullModels(opts({ names: ['minilm'], embedderOnnxFile: 'model_quantized.onnx' }));
    expect(fs.existsSync(fileIn(MINILM_ID, 'onnx/model_quantized.onnx'))).toBe(true);
    expect(fs.existsSync(fileIn(MINILM_ID, 'onnx/model.onnx'))).toBe(false);
  });

  it('explains how to get BLIP when asked for it, and pulls it from BLIP_ONNX_REPO when set', async () => {
    await expect(pullModels(opts({ names: ['blip'] }))).rejects.toThrow(/no official ONNX export.*export script.*BLIP_ONNX_REPO/);
    hub.add('someone/blip-onnx', CAPTION_FILES);
    const [r] = await pullModels(opts({ names: ['blip'], blipRepo: 'someone/blip-onnx' }));
    expect(r.status).toBe('pulled');
    expect(fs.existsSync(fileIn(BLIP_ID, 'onnx/encoder_model.onnx'))).toBe(true);
  });

  it('with onlyMissing, makes no request for models already present', async () => {
    await pullModels(opts({ names: ['minilm'] }));
    hub.requests.length = 0;
    const [r] = await pullModels(opts({ names: ['minilm'], onlyMissing: true }));
    expect(r.status).toBe('present');
    expect(hub.requests).toEqual([]);
  });

  it('offline, fails in one line saying what to download and where to put it', async () => {
    await hub.stop();
    const err = await pullModels(opts({ names: ['minilm'] })).then(
      () => new Error('no error'),
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(PullError);
    expect(err.message).not.toContain('\n');
    expect(err.message).toMatch(/^cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\): download onnx\/model\.onnx, tokenizer\.json/);
    expect(err.message).toContain(`into ${path.join(modelsDir, MINILM_ID)}`);
    hub = new FakeHub(); // afterEach stops it
    await hub.start();
  });

  it('refuses unknown names, listing the known ones', async () => {
    await expect(pullModels(opts({ names: ['gpt-5'] }))).rejects.toThrow(/unknown model "gpt-5"; known: .*minilm/);
  });

  it('draws a progress bar on a terminal', async () => {
    let out = '';
    const tty = Object.assign(
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          out += chunk.toString();
          cb();
        },
      }),
      { isTTY: true },
    );
    await pullModels(opts({ names: ['minilm'], progress: terminalProgress(tty) }));
    expect(out).toMatch(/sentence-transformers\/all-MiniLM-L6-v2 onnx\/model\.onnx \[#{24}\] 100% 0\.2 MB\/0\.2 MB .* ok \(sha256 verified\)/);
  });
});

describe('digestOf', () => {
  it('reads sha256 and git sha1 ETags and ignores others', () => {
    expect(digestOf(`"${'a'.repeat(64)}"`)).toEqual({ kind: 'sha256', hex: 'a'.repeat(64) });
    expect(digestOf(`W/"${'B'.repeat(40)}"`)).toEqual({ kind: 'git-sha1', hex: 'b'.repeat(40) });
    expect(digestOf('"abc-3"')).toBeUndefined();
  });
});
