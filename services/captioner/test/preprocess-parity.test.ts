/**
 * Preprocessing parity with the Hugging Face image processors, against reference values written by
 * test/fixtures/make_reference.py (PIL + numpy; see that script for the exact steps it mirrors).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { decodeImage } from '../src/domain/image-decoder';
import { preprocess, type Resizer } from '../src/domain/preprocess';
import { parsePreprocessorConfig } from '../src/domain/preprocessor-config';
import type { AlphaMode } from '../src/domain/alpha';

interface Case {
  photo: string;
  model: 'blip' | 'vit';
  alpha: AlphaMode;
  shape: [number, number, number];
  resizedSha256: string;
  channelMean: number[];
  channelStd: number[];
  stride: number;
  samples: number[];
}

const FIXTURES = path.join(__dirname, 'fixtures');
const reference = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'reference.json'), 'utf8')) as { cases: Case[] };
const specs = {
  blip: parsePreprocessorConfig(JSON.parse(fs.readFileSync(path.join(FIXTURES, 'preprocessor/blip.json'), 'utf8'))),
  vit: parsePreprocessorConfig(JSON.parse(fs.readFileSync(path.join(FIXTURES, 'preprocessor/vit.json'), 'utf8'))),
};
const limits = { maxBytes: 1 << 20, maxPixels: 1 << 22 };

async function run(c: Case, resizer: Resizer) {
  const img = await decodeImage(fs.readFileSync(path.join(FIXTURES, 'photos', c.photo)), limits);
  return { img, out: await preprocess(img, specs[c.model], { alpha: c.alpha, resizer }) };
}

function stats(pixels: Float32Array, plane: number) {
  const mean: number[] = [];
  const std: number[] = [];
  for (let ch = 0; ch < 3; ch++) {
    let s = 0;
    for (let i = 0; i < plane; i++) s += pixels[ch * plane + i];
    const m = s / plane;
    let v = 0;
    for (let i = 0; i < plane; i++) v += (pixels[ch * plane + i] - m) ** 2;
    mean.push(m);
    std.push(Math.sqrt(v / plane));
  }
  return { mean, std };
}

function maxSampleDiff(c: Case, pixels: Float32Array): number {
  let worst = 0;
  c.samples.forEach((v, k) => (worst = Math.max(worst, Math.abs(pixels[k * c.stride] - v))));
  return worst;
}

describe('preprocessing parity with the HF image processors (PIL reference)', () => {
  it('has reference cases for both models, the EXIF-rotated JPEG and both alpha modes', () => {
    const keys = reference.cases.map((c) => `${c.photo}/${c.model}/${c.alpha}`);
    expect(keys).toEqual(
      expect.arrayContaining(['coffee-exif6.jpg/blip/drop', 'coffee-exif6.jpg/vit/drop', 'chelsea-alpha.png/blip/white', 'chelsea-alpha.png/vit/drop']),
    );
  });

  it.each(reference.cases.map((c) => [`${c.photo} ${c.model} alpha=${c.alpha}`, c] as const))(
    'pil resizer: %s is bit-identical',
    async (_name, c) => {
      const { out } = await run(c, 'pil');
      const [, h, w] = c.shape;
      expect(out.pixels.length).toBe(3 * h * w);
      // The resized 8-bit image is byte-identical to PIL's, so every float matches to float32 rounding
      // (the reference JSON keeps 6 decimals, hence the 1e-6 bound on samples).
      expect(createHash('sha256').update(out.resized).digest('hex')).toBe(c.resizedSha256);
      expect(maxSampleDiff(c, out.pixels)).toBeLessThanOrEqual(1e-6);
      const s = stats(out.pixels, h * w);
      for (let ch = 0; ch < 3; ch++) {
        expect(Math.abs(s.mean[ch] - c.channelMean[ch])).toBeLessThanOrEqual(1e-6);
        expect(Math.abs(s.std[ch] - c.channelStd[ch])).toBeLessThanOrEqual(1e-6);
      }
    },
  );

  it('applies EXIF orientation 6 (stored 600x400 sideways, decoded upright 600 wide)', async () => {
    const img = await decodeImage(fs.readFileSync(path.join(FIXTURES, 'photos/coffee-exif6.jpg')), limits);
    expect([img.width, img.height]).toEqual([600, 400]);
  });

  // The optional sharp resizer (CAPTIONER_RESIZE=sharp) is compared with the PIL port, which the
  // tests above prove identical to PIL. Tolerances are the ones documented in the README.
  it.each(reference.cases.map((c) => [`${c.photo} ${c.model} alpha=${c.alpha}`, c] as const))(
    'sharp resizer: %s stays within the documented tolerance',
    async (_name, c) => {
      const { img, out } = await run(c, 'sharp');
      const { out: pil } = await run(c, 'pil');
      let max = 0;
      let sum = 0;
      for (let i = 0; i < pil.resized.length; i++) {
        const d = Math.abs(pil.resized[i] - out.resized[i]);
        max = Math.max(max, d);
        sum += d;
      }
      const mean = sum / pil.resized.length;
      const [, h, w] = c.shape;
      if (img.width >= w && img.height >= h) {
        expect(max).toBeLessThanOrEqual(SHARP_DOWNSCALE_MAX_LEVELS);
        expect(mean).toBeLessThanOrEqual(SHARP_DOWNSCALE_MEAN_LEVELS);
      } else {
        // Upscaling: libvips centres pixels differently, a half-pixel shift; large at sharp edges.
        expect(mean).toBeLessThanOrEqual(SHARP_UPSCALE_MEAN_LEVELS);
      }
    },
  );
});

/** Largest and mean absolute difference, in 8-bit levels, of sharp's resize from PIL's when shrinking. */
const SHARP_DOWNSCALE_MAX_LEVELS = 12;
const SHARP_DOWNSCALE_MEAN_LEVELS = 0.5;
/** Mean absolute difference when enlarging (measured up to 5.1 levels on astronaut 320 -> 384). */
const SHARP_UPSCALE_MEAN_LEVELS = 8;
