/**
 * 500×375 JPEGs (Flickr8k's most common size) generated with sharp: smooth colour fields, a few
 * shapes and mild noise, different for every seed so that each request is a cache miss and has its
 * own content hash. Quality 90, like a camera export; about the byte size of a Flickr8k photo.
 */
import sharp from 'sharp';
import { prng } from '../stats';

export const JPEG_WIDTH = 500;
export const JPEG_HEIGHT = 375;

export async function makeJpeg(seed: number): Promise<Buffer> {
  const r = prng(seed + 17);
  const w = JPEG_WIDTH;
  const h = JPEG_HEIGHT;
  const px = Buffer.alloc(w * h * 3);
  const waves = Array.from({ length: 3 }, () => ({ fx: 0.5 + r() * 6, fy: 0.5 + r() * 6, p: r() * 6.28, c: [r(), r(), r()] }));
  const blobs = Array.from({ length: 6 }, () => ({ x: r() * w, y: r() * h, rad: 20 + r() * 80, c: [r() * 255, r() * 255, r() * 255] }));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const at = (y * w + x) * 3;
      for (let ch = 0; ch < 3; ch++) {
        let v = 60;
        for (const wv of waves) v += 60 * wv.c[ch] * (1 + Math.sin((wv.fx * x) / w * 6.28 + (wv.fy * y) / h * 6.28 + wv.p));
        for (const b of blobs) if ((x - b.x) ** 2 + (y - b.y) ** 2 < b.rad ** 2) v = 0.4 * v + 0.6 * b.c[ch];
        v += (r() - 0.5) * 24;
        px[at + ch] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  return sharp(px, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

export async function makeJpegs(n: number, seed = 1): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) out.push(await makeJpeg(seed * 1000 + i));
  return out;
}
