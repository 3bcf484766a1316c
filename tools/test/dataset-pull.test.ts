import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { readDataset } from '../../services/indexer/src/domain/dataset';
import { download } from '../src/dataset/download';
import { FLICKR8K_ARCHIVES, pullFlickr8k } from '../src/dataset/flickr8k';
import { csvField, tokenToKaggle } from '../src/dataset/token-to-kaggle';
import { runDatasetCli } from '../src/dataset/run';
import { listZip } from '../src/dataset/unzip';

/** Builds a ZIP in memory: deflated entries unless `stored`, with correct CRCs and a central directory. */
function zip(files: Array<{ name: string; data: Buffer | string; stored?: boolean }>): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const f of files) {
    const data = Buffer.from(f.data);
    const body = f.stored ? data : zlib.deflateRawSync(data);
    const name = Buffer.from(f.name);
    const crc = zlib.crc32(data);
    const loc = Buffer.alloc(30);
    loc.writeUInt32LE(0x04034b50, 0);
    loc.writeUInt16LE(20, 4);
    loc.writeUInt16LE(f.stored ? 0 : 8, 8);
    loc.writeUInt32LE(crc, 14);
    loc.writeUInt32LE(body.length, 18);
    loc.writeUInt32LE(data.length, 22);
    loc.writeUInt16LE(name.length, 26);
    const cen = Buffer.alloc(46);
    cen.writeUInt32LE(0x02014b50, 0);
    cen.writeUInt16LE(20, 4);
    cen.writeUInt16LE(20, 6);
    cen.writeUInt16LE(f.stored ? 0 : 8, 10);
    cen.writeUInt32LE(crc, 16);
    cen.writeUInt32LE(body.length, 20);
    cen.writeUInt32LE(data.length, 24);
    cen.writeUInt16LE(name.length, 28);
    cen.writeUInt32LE(offset, 42);
    locals.push(loc, name, body);
    central.push(cen, name);
    offset += loc.length + name.length + body.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

/** `n` incompressible but deterministic bytes, like a JPEG. */
function noise(seed: string, n: number): Buffer {
  const parts: Buffer[] = [];
  let h = createHash('sha256').update(seed).digest();
  for (let len = 0; len < n; len += h.length) {
    parts.push(h);
    h = createHash('sha256').update(h).digest();
  }
  return Buffer.concat(parts).subarray(0, n);
}

/** A tiny Flickr8k in the original distribution's two archives. */
function archives() {
  const ids = ['1000_aa', '1001_bb', '1002_cc'];
  const token = [
    ...ids.flatMap((id, i) => [0, 1, 2, 3, 4].map((n) => `${id}.jpg#${n}\t${n === 1 ? `A dog, number ${i}, says "hi" .` : `caption ${n} of ${id}`}`)),
    '9999_zz.jpg.1#0\tthe bogus key of the original file',
    '',
  ].join('\n');
  const text = zip([
    { name: 'Flickr8k.token.txt', data: token },
    { name: 'Flickr_8k.trainImages.txt', data: '1000_aa.jpg\n1001_bb.jpg\n' },
    { name: 'Flickr_8k.devImages.txt', data: '' },
    { name: 'Flickr_8k.testImages.txt', data: '1002_cc.jpg\n', stored: true },
    { name: 'readme.txt', data: 'research use only' },
    { name: '__MACOSX/._Flickr8k.token.txt', data: 'junk' },
  ]);
  const images = zip([
    ...ids.map((id) => ({ name: `Flicker8k_Dataset/${id}.jpg`, data: noise(id, 20000) })),
    { name: '__MACOSX/Flicker8k_Dataset/._1000_aa.jpg', data: 'junk' },
    { name: 'Flicker8k_Dataset/', data: '', stored: true },
  ]);
  return { text, images };
}

interface Served {
  url: string;
  requests: Array<{ path: string; range?: string }>;
  /** Files served; replace to serve something else. */
  files: Record<string, Buffer>;
  /** Bytes after which the next response is cut off (once). */
  cutAfter?: number;
  close(): Promise<void>;
}

async function serve(files: Record<string, Buffer>): Promise<Served> {
  const s: Served = { url: '', requests: [], files, close: async () => undefined };
  const server = http.createServer((req, res) => {
    const name = path.basename(req.url ?? '');
    s.requests.push({ path: req.url ?? '', ...(req.headers.range ? { range: req.headers.range } : {}) });
    const body = s.files[name];
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = m ? Number(m[1]) : 0;
    const part = body.subarray(start);
    res.writeHead(m ? 206 : 200, { 'content-length': part.length, ...(m ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}) });
    if (s.cutAfter !== undefined) {
      const cut = s.cutAfter;
      s.cutAfter = undefined;
      res.write(part.subarray(0, cut), () => res.destroy());
      return;
    }
    res.end(part);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  s.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mirror`;
  s.close = () => new Promise((r) => server.close(() => r()));
  return s;
}

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'dataset-pull-'));

describe('pnpm dataset pull flickr8k', () => {
  const { text, images } = archives();
  const checksums = { [FLICKR8K_ARCHIVES.text.file]: md5(text), [FLICKR8K_ARCHIVES.images.file]: md5(images) };
  let server: Served;
  beforeEach(async () => {
    server = await serve({ [FLICKR8K_ARCHIVES.text.file]: text, [FLICKR8K_ARCHIVES.images.file]: images });
  });
  afterEach(() => server.close());

  it('downloads, verifies and converts the archives into the Kaggle layout the indexer reads', async () => {
    const dest = tmp();
    const events: string[] = [];
    const r = await pullFlickr8k({ from: server.url, dest, checksums, expected: { images: 3, captions: 15 }, onEvent: (e) => events.push(e.kind) });
    expect(r).toMatchObject({ images: 3, captions: 15, skipped: 1 });
    expect(r.notes).toEqual(['malformed key 9999_zz.jpg.1 -> 9999_zz.jpg', 'captions of 9999_zz.jpg dropped: the image is not in the archive']);
    expect(readdirSync(path.join(dest, 'Images')).sort()).toEqual(['1000_aa.jpg', '1001_bb.jpg', '1002_cc.jpg']);
    expect(readFileSync(path.join(dest, 'Images', '1001_bb.jpg'))).toEqual(noise('1001_bb', 20000));
    const csv = readFileSync(path.join(dest, 'captions.txt'), 'utf8').split('\n');
    expect(csv[0]).toBe('image,caption');
    expect(csv[1]).toBe('1000_aa.jpg,caption 0 of 1000_aa');
    expect(csv[2]).toBe('1000_aa.jpg,"A dog, number 0, says ""hi"" ."');
    expect(existsSync(path.join(dest, 'Flickr_8k.testImages.txt'))).toBe(true);
    expect(existsSync(path.join(dest, '.download'))).toBe(false);
    expect(events).toEqual(expect.arrayContaining(['download', 'verified', 'extract', 'convert']));
    // What the indexer will see: the Kaggle reader, 15 captions, the test split.
    const ds = await readDataset(dest);
    expect(ds.format).toBe('flickr8k-kaggle');
    expect(ds.captions).toHaveLength(15);
    expect(ds.captions[1].text).toBe('A dog, number 0, says "hi" .');
    expect((await readDataset(dest, { split: 'test' })).images.map((i) => i.id)).toEqual(['1002_cc']);

    // A second pull finds it in place and downloads nothing.
    const before = server.requests.length;
    const again = await pullFlickr8k({ from: server.url, dest, checksums, expected: { images: 3, captions: 15 } });
    expect(again.notes).toEqual(['already present; pass --force to pull again']);
    expect(server.requests.length).toBe(before);
  });

  it('refuses an archive whose checksum does not match, and converts nothing', async () => {
    const dest = tmp();
    await expect(
      pullFlickr8k({ from: server.url, dest, checksums: { ...checksums, [FLICKR8K_ARCHIVES.images.file]: '0'.repeat(32) }, expected: false }),
    ).rejects.toThrow(/Flickr8k_Dataset\.zip: MD5 [0-9a-f]{32} does not match the expected 0{32}/);
    expect(existsSync(path.join(dest, 'captions.txt'))).toBe(false);
    expect(existsSync(path.join(dest, '.download', FLICKR8K_ARCHIVES.images.file))).toBe(false);
  });

  it('detects a corrupt entry by its CRC-32 even without a checksum', async () => {
    const bad = Buffer.from(images);
    bad[30 + 'Flicker8k_Dataset/1000_aa.jpg'.length + 100] ^= 0xff; // inside the first entry's data
    server.files[FLICKR8K_ARCHIVES.images.file] = bad;
    await expect(pullFlickr8k({ from: server.url, dest: tmp(), checksums: false, expected: false })).rejects.toThrow(
      /Flickr8k_Dataset\.zip: Flicker8k_Dataset\/1000_aa\.jpg is corrupt/,
    );
  });

  it('fails on a cut-off response and resumes from the partial file with a Range request', async () => {
    const dest = path.join(tmp(), 'images.zip');
    server.cutAfter = 1000;
    await expect(download(`${server.url}/${FLICKR8K_ARCHIVES.images.file}`, dest)).rejects.toThrow();
    expect(existsSync(dest)).toBe(false);
    // Whatever reached the disk before the cut is kept; simulate a longer first run.
    writeFileSync(`${dest}.part`, images.subarray(0, 5000));
    const sum = await download(`${server.url}/${FLICKR8K_ARCHIVES.images.file}`, dest);
    expect(sum).toBe(md5(images));
    expect(readFileSync(dest)).toEqual(images);
    expect(server.requests.at(-1)?.range).toBe('bytes=5000-');
    expect(existsSync(`${dest}.part`)).toBe(false);
  });

  it('lists only real entries of the archive', async () => {
    const dir = tmp();
    await download(`${server.url}/${FLICKR8K_ARCHIVES.text.file}`, path.join(dir, 't.zip'));
    const names = (await listZip(path.join(dir, 't.zip'))).map((e) => e.name);
    expect(names).toContain('Flickr8k.token.txt');
    expect(names).toContain('__MACOSX/._Flickr8k.token.txt');
  });

  it('the CLI shows progress and refuses a copy smaller than Flickr8k', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: { write: (s: string) => out.push(s) }, err: { write: (s: string) => err.push(s) }, cwd: tmp() };
    const code = await runDatasetCli(['pull', 'flickr8k', '--from', server.url, '--dest', 'flickr8k', '--no-checksum'], io);
    expect(code).toBe(1);
    expect(err.join('')).toMatch(/download +\[#+\] 100\.0% Flickr8k_text\.zip/);
    expect(err.join('')).toMatch(/incomplete dataset: 3 images and 15 captions, expected 8091 and 40455/);
    expect(await runDatasetCli(['pull', 'coco'], io)).toBe(2);
  });

  it('converts token lines the way the indexer reads them (spaces for tabs, malformed keys, empty captions)', () => {
    const token = ['a.jpg#0\tone', 'a.jpg#1 two, spaced', 'b.jpg.1#0\tthree', 'c.jpg#0\t', 'junk line', 'gone.jpg#0\tfour', ''].join('\n');
    const r = tokenToKaggle(token, (f) => f !== 'gone.jpg');
    expect(r.csv).toBe('image,caption\na.jpg,one\na.jpg,"two, spaced"\nb.jpg,three\n');
    expect(r.skipped).toEqual(['line 4: empty caption', 'line 5: not "<image>#<n><TAB><caption>"', 'line 6: image gone.jpg is missing']);
  });

  it('quotes CSV fields only when needed', () => {
    expect(csvField('plain caption .')).toBe('plain caption .');
    expect(csvField('a, b')).toBe('"a, b"');
    expect(csvField('say "x"')).toBe('"say ""x"""');
  });
});
