/**
 * A bit-exact port of Pillow's `Image.resize` for 8-bit RGB images (libImaging/Resample.c), so the
 * tensors the captioner feeds its models are the ones Hugging Face's image processors produce
 * (they resize with PIL). libvips' kernels (sharp's `resize`) are close but not identical: see the
 * README for the measured difference.
 *
 * Pillow resamples separably — a horizontal pass over the rows the vertical pass will read, then a
 * vertical pass — with filter support scaled by the downscale factor (antialiasing), coefficients
 * normalised to sum 1 and converted to 22-bit fixed point, and each pass rounded and clipped to
 * uint8. Every step below mirrors that arithmetic; JavaScript doubles match C doubles, and the
 * fixed-point sums stay below 2^31.
 */

/** PIL's resampling filters by their `Image.Resampling` code (0 NEAREST is not supported). */
export type PilFilter = 'lanczos' | 'bilinear' | 'bicubic' | 'box' | 'hamming';

/** `Image.Resampling` codes (as in preprocessor_config.json's `resample`) of the supported filters. */
export const PIL_FILTER_CODES: Readonly<Record<number, PilFilter>> = {
  1: 'lanczos',
  2: 'bilinear',
  3: 'bicubic',
  4: 'box',
  5: 'hamming',
};

interface Filter {
  fn(x: number): number;
  support: number;
}

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = x * Math.PI;
  return Math.sin(px) / px;
}

// 0.54f and 0.46f are C float literals promoted to double in Pillow's hamming filter.
const F054 = Math.fround(0.54);
const F046 = Math.fround(0.46);

const FILTERS: Readonly<Record<PilFilter, Filter>> = {
  box: { support: 0.5, fn: (x) => (x > -0.5 && x <= 0.5 ? 1 : 0) },
  bilinear: {
    support: 1,
    fn: (x) => {
      const a = Math.abs(x);
      return a < 1 ? 1 - a : 0;
    },
  },
  hamming: {
    support: 1,
    fn: (x) => {
      const a = Math.abs(x);
      if (a === 0) return 1;
      if (a >= 1) return 0;
      const px = a * Math.PI;
      return (Math.sin(px) / px) * (F054 + F046 * Math.cos(px));
    },
  },
  bicubic: {
    support: 2,
    fn: (x) => {
      const a = -0.5;
      const t = Math.abs(x);
      if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
      if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
      return 0;
    },
  },
  lanczos: { support: 3, fn: (x) => (x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0) },
};

const PRECISION_BITS = 32 - 8 - 2;
const ONE = 1 << PRECISION_BITS;
const HALF = 1 << (PRECISION_BITS - 1);

interface Coefficients {
  /** Taps per output pixel (the stride of `weights`). */
  ksize: number;
  /** First input index of each output pixel. */
  start: Int32Array;
  /** Number of input pixels each output pixel reads. */
  count: Int32Array;
  /** Fixed-point weights, `ksize` per output pixel. */
  weights: Int32Array;
}

/** Pillow's precompute_coeffs + normalize_coeffs_8bpc for resizing `inSize` to `outSize`. */
function coefficients(inSize: number, outSize: number, filter: Filter): Coefficients {
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = filter.support * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  const ss = 1 / filterscale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    // (int) casts truncate toward zero in C.
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const w = filter.fn((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < xmax; x++) {
      const w = ww !== 0 ? k[x] / ww : k[x];
      weights[xx * ksize + x] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
    }
    start[xx] = xmin;
    count[xx] = xmax;
  }
  return { ksize, start, count, weights };
}

function clip8(ss: number): number {
  const v = ss >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/**
 * Resizes packed RGB (3 bytes per pixel, row-major) from `width`×`height` to `outWidth`×`outHeight`
 * exactly as Pillow's `Image.resize((outWidth, outHeight), filter)` does for an "RGB" image.
 */
export function pilResizeRgb(
  src: Uint8Array,
  width: number,
  height: number,
  outWidth: number,
  outHeight: number,
  filterName: PilFilter,
): Uint8Array {
  if (src.length !== width * height * 3) throw new Error(`expected ${width * height * 3} bytes of RGB, got ${src.length}`);
  if (width === outWidth && height === outHeight) return src.slice();
  const filter = FILTERS[filterName];
  const vert = coefficients(height, outHeight, filter);
  // Only the rows the vertical pass reads are resampled horizontally (as in ImagingResampleInner).
  const yFirst = vert.start[0];
  const yLast = vert.start[outHeight - 1] + vert.count[outHeight - 1];

  let rows = src;
  let rowsWidth = width;
  let rowOffset = 0;
  if (outWidth !== width) {
    const hor = coefficients(width, outWidth, filter);
    const tempHeight = yLast - yFirst;
    const tmp = new Uint8Array(outWidth * tempHeight * 3);
    for (let y = 0; y < tempHeight; y++) {
      const inRow = (y + yFirst) * width * 3;
      const outRow = y * outWidth * 3;
      for (let xx = 0; xx < outWidth; xx++) {
        const xmin = hor.start[xx];
        const n = hor.count[xx];
        const kOff = xx * hor.ksize;
        let s0 = HALF;
        let s1 = HALF;
        let s2 = HALF;
        for (let x = 0; x < n; x++) {
          const w = hor.weights[kOff + x];
          const p = inRow + (x + xmin) * 3;
          // |0 keeps the sums in int32 registers; they never exceed 2^31 (see the module comment).
          s0 = (s0 + src[p] * w) | 0;
          s1 = (s1 + src[p + 1] * w) | 0;
          s2 = (s2 + src[p + 2] * w) | 0;
        }
        const o = outRow + xx * 3;
        tmp[o] = clip8(s0);
        tmp[o + 1] = clip8(s1);
        tmp[o + 2] = clip8(s2);
      }
    }
    rows = tmp;
    rowsWidth = outWidth;
    rowOffset = yFirst;
  }
  if (outHeight === height) return rows;

  const out = new Uint8Array(outWidth * outHeight * 3);
  const stride = rowsWidth * 3;
  for (let yy = 0; yy < outHeight; yy++) {
    const ymin = vert.start[yy] - rowOffset;
    const n = vert.count[yy];
    const kOff = yy * vert.ksize;
    const outRow = yy * stride;
    for (let xx = 0; xx < stride; xx += 3) {
      let s0 = HALF;
      let s1 = HALF;
      let s2 = HALF;
      for (let y = 0; y < n; y++) {
        const w = vert.weights[kOff + y];
        const p = (y + ymin) * stride + xx;
        s0 = (s0 + rows[p] * w) | 0;
        s1 = (s1 + rows[p + 1] * w) | 0;
        s2 = (s2 + rows[p + 2] * w) | 0;
      }
      out[outRow + xx] = clip8(s0);
      out[outRow + xx + 1] = clip8(s1);
      out[outRow + xx + 2] = clip8(s2);
    }
  }
  return out;
}
