import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvalidInputError, REPO_ROOT } from '@tit/kit';
import { parseCsv, readDataset, sha256File } from '../src/domain/dataset';

/** Writes a dataset folder: `files` maps relative paths to contents; images get small fake bytes. */
function dataset(files: Record<string, string>, images: string[] = []): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'indexer-readers-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  for (const rel of images) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), `bytes of ${rel}`);
  }
  return dir;
}

describe('parseCsv', () => {
  it('reads quoted commas, doubled quotes, multi-line fields, CRLF and a BOM, keeping line numbers', () => {
    const text = '\uFEFFimage,caption\r\na.jpg,"A dog, a cat."\r\nb.jpg,"He said ""hi"""\n\nc.jpg,"two\nlines"\nd.jpg,plain\n';
    expect(parseCsv(text, 'x.csv')).toEqual([
      { line: 1, fields: ['image', 'caption'] },
      { line: 2, fields: ['a.jpg', 'A dog, a cat.'] },
      { line: 3, fields: ['b.jpg', 'He said "hi"'] },
      { line: 5, fields: ['c.jpg', 'two\nlines'] },
      { line: 7, fields: ['d.jpg', 'plain'] },
    ]);
  });

  it('rejects a quoted field that is never closed, naming its line', () => {
    expect(() => parseCsv('image,caption\na.jpg,ok\nb.jpg,"never closed\nc.jpg,x\n', 'captions.txt')).toThrow(
      /captions\.txt line 3: a quoted field is never closed/,
    );
  });
});

describe('Kaggle Flickr8k reader', () => {
  it('reads captions with quoted commas under stable ids and hashes', async () => {
    const dir = dataset(
      { 'captions.txt': 'image,caption\n1_a.jpg,A dog runs .\n1_a.jpg,"A dog, brown, runs ."\n2_b.jpg,A cat .\n' },
      ['Images/1_a.jpg', 'Images/2_b.jpg'],
    );
    const ds = await readDataset(dir);
    expect(ds.format).toBe('flickr8k-kaggle');
    expect(ds.captions).toEqual([
      { itemId: '1_a#0', imageId: '1_a', text: 'A dog runs .' },
      { itemId: '1_a#1', imageId: '1_a', text: 'A dog, brown, runs .' },
      { itemId: '2_b#0', imageId: '2_b', text: 'A cat .' },
    ]);
    expect(ds.images.map((i) => [i.id, i.relPath])).toEqual([
      ['1_a', 'Images/1_a.jpg'],
      ['2_b', 'Images/2_b.jpg'],
    ]);
    const expected = createHash('sha256').update(readFileSync(path.join(dir, 'Images/1_a.jpg'))).digest('hex');
    expect(await sha256File(ds.images[0].absPath)).toBe(expected);
    expect(ds).toMatchObject({ skippedMissingImage: 0, skippedMalformed: 0, needsCaptions: false });
  });

  it('skips and counts captions whose image is missing', async () => {
    const dir = dataset({ 'captions.txt': 'image,caption\na.jpg,one\nghost.jpg,two\nghost.jpg,three\na.jpg,four\n' }, ['Images/a.jpg']);
    const ds = await readDataset(dir);
    expect(ds.captions.map((c) => c.itemId)).toEqual(['a#0', 'a#1']);
    expect(ds).toMatchObject({ skippedMissingImage: 2, missingImages: 1 });
    expect(ds.warnings).toContain('skipped captions of ghost.jpg: image file missing in Images');
  });

  it('skips and counts a broken row (unquoted comma, missing caption) and names its line', async () => {
    const dir = dataset(
      { 'captions.txt': 'image,caption\na.jpg,fine\na.jpg,a dog, unquoted\nb.jpg\n,no image\nb.jpg,also fine\n' },
      ['Images/a.jpg', 'Images/b.jpg'],
    );
    const ds = await readDataset(dir);
    expect(ds.captions.map((c) => c.text)).toEqual(['fine', 'also fine']);
    expect(ds.skippedMalformed).toBe(3);
    expect(ds.warnings[0]).toMatch(/captions\.txt line 3: expected 2 fields \(image,caption\), got 3/);
    expect(ds.warnings[1]).toMatch(/line 4: expected 2 fields/);
    expect(ds.warnings[2]).toMatch(/line 5: empty image name/);
  });

  it('refuses an empty file, a header-only file and a wrong header', async () => {
    await expect(readDataset(dataset({ 'captions.txt': '' }))).rejects.toThrow(/captions\.txt is empty/);
    await expect(readDataset(dataset({ 'captions.txt': 'image,caption\n' }))).rejects.toThrow(/header but no caption rows/);
    await expect(readDataset(dataset({ 'captions.txt': 'file;text\na;b\n' }))).rejects.toThrow(/expected the header "image,caption"/);
    await expect(readDataset(dataset({ 'captions.txt': '' }))).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('refuses a file where every row is broken or names a missing image, saying why', async () => {
    const dir = dataset({ 'captions.txt': 'image,caption\na.jpg,x,y\nghost.jpg,z\n' }, ['Images/a.jpg']);
    await expect(readDataset(dir)).rejects.toThrow(/no caption to index: 1 captions name missing image files; 1 rows are malformed \(first: captions\.txt line 2/);
  });
});

describe('original Flickr8k token reader', () => {
  const token = [
    '1_a.jpg#0\tA dog .',
    '1_a.jpg#1\tA brown dog .',
    '2258277193_586949ec62.jpg.1#0\tpeople waiting for the subway',
    '2258277193_586949ec62.jpg.1#1\tThree people standing at a station .',
    '2_b.jpg#0 A cat separated by a space .',
    'no key here',
    '3_c.jpg\tkey without a number',
    '',
  ].join('\n');

  it('normalizes the malformed "<name>.jpg.1#N" key and skips its captions when that image is missing', async () => {
    const dir = dataset({ 'Flickr8k.token.txt': token }, ['Flicker8k_Dataset/1_a.jpg', 'Flicker8k_Dataset/2_b.jpg']);
    const ds = await readDataset(dir);
    expect(ds.format).toBe('flickr8k-token');
    expect(ds.captions.map((c) => [c.itemId, c.text])).toEqual([
      ['1_a#0', 'A dog .'],
      ['1_a#1', 'A brown dog .'],
      ['2_b#0', 'A cat separated by a space .'],
    ]);
    expect(ds.images[0].relPath).toBe('Flicker8k_Dataset/1_a.jpg');
    expect(ds).toMatchObject({ skippedMissingImage: 2, missingImages: 1, skippedMalformed: 2 });
    expect(ds.warnings).toEqual(
      expect.arrayContaining([
        'Flickr8k.token.txt: malformed key "2258277193_586949ec62.jpg.1" read as image "2258277193_586949ec62.jpg"',
        'skipped Flickr8k.token.txt line 6: no tab between key and caption',
        'skipped Flickr8k.token.txt line 7: key "3_c.jpg" is not <image>#<n>',
      ]),
    );
  });

  it('indexes the normalized key when the image does exist', async () => {
    const dir = dataset({ 'Flickr8k.token.txt': token }, ['Images/1_a.jpg', 'Images/2_b.jpg', 'Images/2258277193_586949ec62.jpg']);
    const ds = await readDataset(dir);
    expect(ds.captions.filter((c) => c.imageId === '2258277193_586949ec62').map((c) => c.itemId)).toEqual([
      '2258277193_586949ec62#0',
      '2258277193_586949ec62#1',
    ]);
    expect(ds.skippedMissingImage).toBe(0);
  });

  it('refuses an empty token file', async () => {
    await expect(readDataset(dataset({ 'Flickr8k.token.txt': '\n' }))).rejects.toThrow(/Flickr8k\.token\.txt is empty/);
  });
});

describe('COCO captions reader', () => {
  const coco = {
    images: [
      { id: 1, file_name: 'COCO_1.jpg' },
      { id: 2, file_name: 'COCO_2.jpg' },
      { id: 3, file_name: 'COCO_3_missing.jpg' },
    ],
    annotations: [
      { id: 10, image_id: 1, caption: 'A train at a station.' },
      { id: 11, image_id: 2, caption: 'Two zebras, side by side.' },
      { id: 12, image_id: 1, caption: 'A red train.' },
      { id: 13, image_id: 99, caption: 'No such image.' },
      { id: 14, image_id: 2, caption: '   ' },
      { id: 15, image_id: 3, caption: 'Its file is missing.' },
    ],
  };

  it('reads annotations/captions_<split>.json with images in the <split> folder', async () => {
    const dir = dataset({ 'annotations/captions_val2017.json': JSON.stringify(coco) }, ['val2017/COCO_1.jpg', 'val2017/COCO_2.jpg']);
    const ds = await readDataset(dir);
    expect(ds.format).toBe('coco');
    expect(ds.captions.map((c) => [c.itemId, c.text])).toEqual([
      ['COCO_1#0', 'A train at a station.'],
      ['COCO_2#0', 'Two zebras, side by side.'],
      ['COCO_1#1', 'A red train.'],
    ]);
    expect(ds.images.map((i) => i.relPath)).toEqual(['val2017/COCO_1.jpg', 'val2017/COCO_2.jpg']);
    expect(ds).toMatchObject({ skippedMalformed: 2, skippedMissingImage: 1 });
    expect(ds.warnings).toEqual(
      expect.arrayContaining([
        'skipped annotations/captions_val2017.json annotations[3]: image_id 99 is not in "images"',
        'skipped annotations/captions_val2017.json annotations[4]: empty caption',
      ]),
    );
  });

  it('refuses JSON that is not a COCO captions object', async () => {
    await expect(readDataset(dataset({ 'captions.json': '{"images": [' }))).rejects.toThrow(/captions\.json is not valid JSON/);
    await expect(readDataset(dataset({ 'captions.json': '{"images": []}' }))).rejects.toThrow(/"images" and "annotations" arrays/);
    await expect(readDataset(dataset({ 'captions.json': '{"images": [], "annotations": []}' }))).rejects.toThrow(/has no annotations/);
  });
});

describe('caption-less image folder reader', () => {
  it('lists images recursively, ignores other files, and keeps the first of two files with one id', async () => {
    const dir = dataset({ 'notes.txt': 'hello' }, ['b.png', 'a.jpg', 'trip/c.JPEG', 'trip/a.webp', '.hidden/x.jpg']);
    const ds = await readDataset(dir);
    expect(ds.format).toBe('images');
    expect(ds.needsCaptions).toBe(true);
    expect(ds.captions).toEqual([]);
    expect(ds.images.map((i) => [i.id, i.relPath])).toEqual([
      ['a', 'a.jpg'],
      ['b', 'b.png'],
      ['c', 'trip/c.JPEG'],
    ]);
    expect(ds.skippedMalformed).toBe(1);
    expect(ds.warnings[0]).toMatch(/skipped image trip\/a\.webp: id "a" is already used by a\.jpg/);
  });

  it('refuses a folder with neither captions nor images, and a missing folder', async () => {
    await expect(readDataset(dataset({ 'readme.md': 'x' }))).rejects.toThrow(/holds no captions file .* and no images/);
    await expect(readDataset('/nonexistent/dataset/dir')).rejects.toThrow(/dataset folder \/nonexistent\/dataset\/dir does not exist/);
  });

  it('honours an explicit format when the files would suggest another', async () => {
    const dir = dataset({ 'captions.txt': 'image,caption\na.jpg,x\n' }, ['Images/a.jpg', 'Images/b.jpg']);
    const ds = await readDataset(dir, { format: 'images' });
    expect(ds.images.map((i) => i.id)).toEqual(['a', 'b']);
    await expect(readDataset(dir, { format: 'coco' })).rejects.toThrow(/no COCO captions file/);
  });
});

describe('split selection', () => {
  const files = {
    'captions.txt': 'image,caption\na.jpg,A\nb.jpg,B\nc.jpg,C\nd.jpg,D\n',
    'Flickr_8k.trainImages.txt': 'a.jpg\nb.jpg\n',
    'Flickr_8k.testImages.txt': 'c.jpg\n',
  };
  const images = ['Images/a.jpg', 'Images/b.jpg', 'Images/c.jpg', 'Images/d.jpg'];

  it('indexes only the images of the chosen split', async () => {
    const dir = dataset(files, images);
    expect((await readDataset(dir, { split: 'test' })).captions.map((c) => c.itemId)).toEqual(['c#0']);
    expect((await readDataset(dir, { split: 'train' })).images.map((i) => i.id)).toEqual(['a', 'b']);
  });

  it('treats dev as everything outside train and test when there is no dev list', async () => {
    const dir = dataset(files, images);
    expect((await readDataset(dir, { split: 'dev' })).images.map((i) => i.id)).toEqual(['d']);
  });

  it('refuses an unknown split, listing the files it looked for', async () => {
    const dir = dataset(files, images);
    await expect(readDataset(dir, { split: 'holdout' })).rejects.toThrow(
      /no file for split "holdout" .*: looked for Flickr_8k\.holdoutImages\.txt, holdout\.txt, splits\/holdout\.txt/,
    );
    await expect(readDataset(dir, { split: '../etc' })).rejects.toThrow(/must be 1-32 letters/);
  });
});

describe('the sample dataset shipped in the repository', () => {
  const sample = path.join(REPO_ROOT, 'tools/datasets/sample');

  it('has 14 images with five captions each and no skipped rows', async () => {
    const ds = await readDataset(sample);
    expect(ds.format).toBe('flickr8k-kaggle');
    expect(ds.images).toHaveLength(14);
    expect(ds.captions).toHaveLength(70);
    const perImage = new Map<string, number>();
    for (const c of ds.captions) perImage.set(c.imageId, (perImage.get(c.imageId) ?? 0) + 1);
    expect([...perImage.values()].every((n) => n === 5)).toBe(true);
    expect(ds.captions.some((c) => c.text.includes(','))).toBe(true);
    expect(ds).toMatchObject({ skippedMissingImage: 0, skippedMalformed: 0 });
  });

  it('selects its test split', async () => {
    const ds = await readDataset(sample, { split: 'test' });
    expect(ds.images.map((i) => i.id).sort()).toEqual(['astronaut', 'coffee', 'horse', 'rocket']);
  });
});
