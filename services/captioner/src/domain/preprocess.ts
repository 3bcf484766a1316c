import sharp from 'sharp';
import { rgbaToRgb, type AlphaMode } from './alpha';
import type { DecodedImage } from './image-decoder';
import { pilResizeRgb, type PilFilter } from './pil-resample';
import type { PreprocessSpec } from './preprocessor-config';

/**
 * Which resampler produces the model-size image:
 * - `pil` (default): {@link pilResizeRgb}, bit-identical to Pillow, hence to the HF processors;
 * - `sharp`: libvips' kernels (cubic / linear), faster on very large photos but not identical
 *   (see the README for the measured difference).
 */
export type Resizer = 'pil' | 'sharp';

/** Every resizer, for configuration parsing. */
export const RESIZERS: readonly Resizer[] = ['pil', 'sharp'];

/** How to turn a decoded image into model input. */
export interface PreprocessOptions {
  readonly alpha: AlphaMode;
  readonly resizer: Resizer;
}

/** The model input and the intermediate resized image. */
export interface Preprocessed {
  /** float32 pixel values, channels first (3 × height × width), batch dimension left to the caller. */
  readonly pixels: Float32Array;
  /** The resized 8-bit RGB image (height × width × 3) the pixel values were computed from. */
  readonly resized: Uint8Array;
}

const SHARP_KERNELS: Readonly<Record<PilFilter, keyof sharp.KernelEnum>> = {
  bicubic: 'cubic',
  bilinear: 'linear',
  lanczos: 'lanczos3',
  box: 'nearest',
  hamming: 'linear',
};

async function sharpResize(rgb: Uint8Array, img: DecodedImage, spec: PreprocessSpec): Promise<Uint8Array> {
  const out = await sharp(rgb, { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize(spec.width, spec.height, { fit: 'fill', kernel: SHARP_KERNELS[spec.resample] })
    .raw()
    .toBuffer();
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/**
 * The Hugging Face image processor's steps on a decoded image: RGB conversion (alpha per
 * `opts.alpha`), resize to the model size with the configured filter, rescale, normalize, CHW.
 *
 * Rescale and normalize reproduce numpy's float arithmetic: `(v * factor)` in float64 cast to
 * float32, then `(x - mean) / std` in float32 (Math.fround after each operation).
 */
export async function preprocess(img: DecodedImage, spec: PreprocessSpec, opts: PreprocessOptions): Promise<Preprocessed> {
  const rgb = img.channels === 4 ? rgbaToRgb(img.data, opts.alpha) : img.data;
  const resized =
    opts.resizer === 'sharp' && (img.width !== spec.width || img.height !== spec.height)
      ? await sharpResize(rgb, img, spec)
      : pilResizeRgb(rgb, img.width, img.height, spec.width, spec.height, spec.resample);
  return { pixels: normalize(resized, spec), resized };
}

/** Rescale + normalize + HWC→CHW of an 8-bit RGB image of the spec's size. */
export function normalize(resized: Uint8Array, spec: PreprocessSpec): Float32Array {
  const plane = spec.width * spec.height;
  const out = new Float32Array(plane * 3);
  // One lookup table per channel (an 8-bit input has only 256 possible outputs), laid end to end.
  const table = new Float32Array(256 * 3);
  for (let c = 0; c < 3; c++) {
    const mean = Math.fround(spec.mean[c]);
    const std = Math.fround(spec.std[c]);
    for (let v = 0; v < 256; v++) {
      let x = spec.doRescale ? Math.fround(v * spec.rescaleFactor) : v;
      if (spec.doNormalize) x = Math.fround(Math.fround(x - mean) / std);
      table[c * 256 + v] = x;
    }
  }
  for (let i = 0, p = 0; i < plane; i++, p += 3) {
    out[i] = table[resized[p]];
    out[plane + i] = table[256 + resized[p + 1]];
    out[2 * plane + i] = table[512 + resized[p + 2]];
  }
  return out;
}
