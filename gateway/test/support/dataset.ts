/**
 * A tiny dataset written to a temporary folder: four coloured images with captions, plus hostile
 * index records (path traversal, absolute path, symlink out of the root, missing file) and a
 * secret file outside the dataset root that must never be served.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { FakeImage } from './fake-backends';

export interface TestDataset {
  /** Parent folder (DATASETS_ROOT in tests); holds `flickr-mini/` and `other/`. */
  root: string;
  /** The served dataset (DATASET_DIR). */
  dir: string;
  /** A sibling dataset folder, allowed through DATASETS_ROOT. */
  other: string;
  /** A folder outside every allowed root. */
  outside: string;
  images: FakeImage[];
  cleanup(): Promise<void>;
}

/** A solid-colour image (with a little gradient so JPEG has something to encode). */
export async function colourImage(
  rgb: [number, number, number],
  format: 'jpeg' | 'png' = 'jpeg',
  width = 96,
  height = 64,
): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      raw[o] = Math.min(255, rgb[0] + (x % 8));
      raw[o + 1] = Math.min(255, rgb[1] + (y % 8));
      raw[o + 2] = rgb[2];
    }
  const img = sharp(raw, { raw: { width, height, channels: 3 } });
  return format === 'png' ? img.png().toBuffer() : img.jpeg({ quality: 90 }).toBuffer();
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

export async function makeDataset(): Promise<TestDataset> {
  const base = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'gw-test-')));
  const root = path.join(base, 'datasets');
  const dir = path.join(root, 'flickr-mini');
  const other = path.join(root, 'other');
  const outside = path.join(base, 'outside');
  for (const d of [path.join(dir, 'Images'), other, outside]) await fs.mkdir(d, { recursive: true });
  await fs.writeFile(path.join(outside, 'secret.txt'), 'top secret');
  await fs.symlink(path.join(outside, 'secret.txt'), path.join(dir, 'Images', 'link.jpg'));

  const specs: { id: string; rgb: [number, number, number]; format: 'jpeg' | 'png'; captions: string[] }[] = [
    { id: 'red_1', rgb: [220, 20, 20], format: 'jpeg', captions: ['A red ball on the grass .', 'A child kicks a red ball .'] },
    { id: 'red_2', rgb: [200, 40, 30], format: 'jpeg', captions: ['A red car parked on the street .', 'A shiny red car .'] },
    { id: 'green_1', rgb: [20, 200, 40], format: 'png', captions: ['A green field with a dog running .', 'Dog running through the green grass .'] },
    { id: 'blue_1', rgb: [20, 40, 220], format: 'jpeg', captions: ['A boy swims in the blue sea .', 'A swimmer in blue water .'] },
  ];
  const images: FakeImage[] = [];
  for (const s of specs) {
    const bytes = await colourImage(s.rgb, s.format);
    const rel = `Images/${s.id}.${s.format === 'png' ? 'png' : 'jpg'}`;
    await fs.writeFile(path.join(dir, rel), bytes);
    images.push({ imageId: s.id, imagePath: rel, captions: s.captions, contentHash: sha(bytes) });
  }
  const hostile = (imageId: string, imagePath: string): FakeImage => ({
    imageId,
    imagePath,
    captions: ['nothing to see'],
    contentHash: sha(Buffer.from(imageId)),
  });
  images.push(
    hostile('traversal', '../../outside/secret.txt'),
    hostile('absolute', path.join(outside, 'secret.txt')),
    hostile('symlink', 'Images/link.jpg'),
    hostile('missing', 'Images/missing.jpg'),
  );
  return { root, dir, other, outside, images, cleanup: () => fs.rm(base, { recursive: true, force: true }) };
}
