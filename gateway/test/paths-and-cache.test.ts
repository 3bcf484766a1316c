/** Unit tests: dataset path safety, the LRU cache and the two-tier thumbnail cache. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isInside, resolveDatasetDir, resolveDatasetFile, resolveRoots } from '../src/domain/dataset-paths';
import { LruCache } from '../src/domain/lru-cache';
import { ThumbnailCache } from '../src/domain/thumbnails';
import { sniffFormat, inspectImage } from '../src/domain/image-check';
import { colourImage, makeDataset, type TestDataset } from './support/dataset';

let ds: TestDataset;
let roots: string[];
beforeAll(async () => {
  ds = await makeDataset();
  roots = await resolveRoots([ds.dir, ds.root]);
});
afterAll(async () => ds.cleanup());

describe('isInside', () => {
  test.each([
    ['/data', '/data', true],
    ['/data', '/data/a/b', true],
    ['/data', '/data/..hidden', true],
    ['/data', '/database', false],
    ['/data', '/', false],
    ['/data', '/data/../etc', false],
  ])('%s contains %s: %s', (root, p, expected) => expect(isInside(root, path.resolve(p))).toBe(expected));
});

describe('resolveDatasetFile', () => {
  test('resolves files inside the dataset root', async () => {
    expect(await resolveDatasetFile(roots, ds.dir, 'Images/red_1.jpg')).toBe(path.join(ds.dir, 'Images/red_1.jpg'));
    expect(await resolveDatasetFile(roots, ds.dir, './Images/../Images/red_1.jpg')).toBe(path.join(ds.dir, 'Images/red_1.jpg'));
  });

  test.each([
    ['../../outside/secret.txt'],
    ['Images/../../../outside/secret.txt'],
    ['Images/link.jpg'],
    ['Images/missing.jpg'],
    ['Images'],
    [''],
    ['Images/red_1.jpg\0.png'],
  ])('refuses %j', async (rel) => {
    expect(await resolveDatasetFile(roots, ds.dir, rel)).toBeUndefined();
  });

  test('refuses absolute paths and dataset roots outside the allowed roots', async () => {
    expect(await resolveDatasetFile(roots, ds.dir, path.join(ds.dir, 'Images/red_1.jpg'))).toBeUndefined();
    expect(await resolveDatasetFile(roots, ds.outside, 'secret.txt')).toBeUndefined();
    expect(await resolveDatasetFile(await resolveRoots([ds.other]), ds.dir, 'Images/red_1.jpg')).toBeUndefined();
  });
});

describe('resolveDatasetDir', () => {
  test('absolute folders inside a root, or names relative to DATASETS_ROOT', async () => {
    expect(await resolveDatasetDir(roots, ds.root, ds.dir)).toEqual({ ok: true, dir: ds.dir });
    expect(await resolveDatasetDir(roots, ds.root, 'other')).toEqual({ ok: true, dir: ds.other });
  });

  test.each([['../outside'], ['/etc'], ['nope'], ['flickr-mini/Images/red_1.jpg']])('refuses %j', async (p) => {
    expect((await resolveDatasetDir(roots, ds.root, p)).ok).toBe(false);
  });

  test('relative names need DATASETS_ROOT', async () => {
    expect(await resolveDatasetDir(roots, undefined, 'other')).toMatchObject({ ok: false });
  });
});

describe('LruCache', () => {
  test('evicts least recently used entries to stay within its byte budget', () => {
    const evicted: string[] = [];
    const c = new LruCache<Buffer>(10, (b) => b.length, (k) => evicted.push(k));
    c.set('a', Buffer.alloc(4));
    c.set('b', Buffer.alloc(4));
    c.get('a');
    c.set('c', Buffer.alloc(4));
    expect(evicted).toEqual(['b']);
    expect(c.has('a') && c.has('c')).toBe(true);
    expect(c.bytes).toBe(8);
    c.set('huge', Buffer.alloc(11));
    expect(c.has('huge')).toBe(false);
    expect(c.bytes).toBe(8);
    c.set('a', Buffer.alloc(2));
    expect(c.bytes).toBe(6);
  });
});

describe('ThumbnailCache', () => {
  test('memory tier, shared in-flight renders, and a bounded disk tier that survives restarts', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gw-thumbs-'));
    try {
      let renders = 0;
      const render = async (_file: string, size: number) => {
        renders++;
        await new Promise((r) => setTimeout(r, 10));
        return Buffer.alloc(size, 1);
      };
      const c1 = await ThumbnailCache.create({ memoryBytes: 100, dir, diskBytes: 150, render });
      const [a, b] = await Promise.all([c1.get('img-a', '/x', 60), c1.get('img-a', '/x', 60)]);
      expect(a).toBe(b);
      expect(renders).toBe(1);
      await c1.get('img-a', '/x', 60);
      expect(c1.stats.memoryHits).toBe(1);
      await c1.get('img-b', '/x', 60);
      await c1.get('img-c', '/x', 60);
      // 3 x 60 bytes > 150: the oldest file was deleted.
      const files = (await fs.readdir(dir)).filter((f) => f.endsWith('.jpg'));
      expect(files).toHaveLength(2);
      expect(files).not.toContain(`${ThumbnailCache.key('img-a', 60)}.jpg`);
      // A new process finds the files on disk.
      const c2 = await ThumbnailCache.create({ memoryBytes: 100, dir, diskBytes: 150, render });
      const before = renders;
      await c2.get('img-c', '/x', 60);
      expect(renders).toBe(before);
      expect(c2.stats.diskHits).toBe(1);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('image checks', () => {
  test('sniffs accepted formats by their magic bytes', async () => {
    expect(sniffFormat(await colourImage([1, 2, 3]))).toBe('jpeg');
    expect(sniffFormat(await colourImage([1, 2, 3], 'png'))).toBe('png');
    expect(sniffFormat(Buffer.from('GIF89a......'))).toBe('gif');
    expect(sniffFormat(Buffer.from('RIFF\0\0\0\0WEBPVP8 '))).toBe('webp');
    expect(sniffFormat(Buffer.from('<svg></svg>'))).toBeUndefined();
    expect(sniffFormat(Buffer.alloc(0))).toBeUndefined();
  });

  test('inspects the header', async () => {
    expect(await inspectImage(await colourImage([1, 2, 3], 'png', 10, 7))).toEqual({ ok: true, format: 'png', width: 10, height: 7 });
    expect(await inspectImage(Buffer.from([0xff, 0xd8, 0xff, 0, 1, 2]))).toEqual({ ok: false, reason: 'undecodable', format: 'jpeg' });
    expect(await inspectImage(Buffer.from('hello'))).toEqual({ ok: false, reason: 'unsupported' });
  });
});
