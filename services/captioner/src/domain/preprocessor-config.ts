import { PIL_FILTER_CODES, type PilFilter } from './pil-resample';

/** What preprocessor_config.json asks for, resolved with the Hugging Face defaults. */
export interface PreprocessSpec {
  /** Target size in pixels (the model's square input for both BLIP and ViT). */
  readonly width: number;
  readonly height: number;
  readonly resample: PilFilter;
  readonly doRescale: boolean;
  readonly rescaleFactor: number;
  readonly doNormalize: boolean;
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
}

/** preprocessor_config.json is missing something the captioner needs, or asks for an unsupported step. */
export class PreprocessorConfigError extends Error {}

type Json = Record<string, unknown>;

function triple(v: unknown, key: string, source: string): [number, number, number] {
  if (typeof v === 'number') return [v, v, v];
  if (Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    return [v[0] as number, v[1] as number, v[2] as number];
  }
  throw new PreprocessorConfigError(`${source}: ${key} must be a number or three numbers`);
}

function sizeOf(size: unknown, source: string): { width: number; height: number } {
  const positive = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n > 0;
  if (positive(size)) return { width: size, height: size };
  if (typeof size === 'object' && size !== null) {
    const s = size as Json;
    if (positive(s.height) && positive(s.width)) return { width: s.width, height: s.height };
  }
  throw new PreprocessorConfigError(
    `${source}: size ${JSON.stringify(size)} is not supported (expected an integer or {"height","width"})`,
  );
}

/**
 * Parses a Hugging Face image processor config (BlipImageProcessor, ViTImageProcessor or the older
 * ViTFeatureExtractor). Defaults are the transformers ones: rescale by 1/255, resize and normalize
 * on. Steps the captioner does not implement (center crop, padding, shortest-edge resizing) are
 * refused here, at start-up, rather than silently skipped.
 */
export function parsePreprocessorConfig(raw: unknown, source = 'preprocessor_config.json'): PreprocessSpec {
  if (typeof raw !== 'object' || raw === null) throw new PreprocessorConfigError(`${source}: not a JSON object`);
  const c = raw as Json;
  for (const unsupported of ['do_center_crop', 'do_pad', 'do_resize_to_shortest_edge']) {
    if (c[unsupported] === true) throw new PreprocessorConfigError(`${source}: ${unsupported} is not supported`);
  }
  // The encoders take a fixed input size, so an image processor that does not resize cannot feed them.
  if (c.do_resize === false) throw new PreprocessorConfigError(`${source}: do_resize false is not supported`);
  const { width, height } = sizeOf(c.size ?? { height: 224, width: 224 }, source);
  const code = c.resample ?? 2;
  const resample = typeof code === 'number' ? PIL_FILTER_CODES[code] : undefined;
  if (!resample) {
    throw new PreprocessorConfigError(`${source}: resample ${JSON.stringify(code)} is not supported (1-5: lanczos, bilinear, bicubic, box, hamming)`);
  }
  const rescaleFactor = c.rescale_factor ?? 1 / 255;
  if (typeof rescaleFactor !== 'number' || !(rescaleFactor > 0)) {
    throw new PreprocessorConfigError(`${source}: rescale_factor must be a positive number`);
  }
  const doNormalize = c.do_normalize !== false;
  const mean = triple(c.image_mean ?? [0.5, 0.5, 0.5], 'image_mean', source);
  const std = triple(c.image_std ?? [0.5, 0.5, 0.5], 'image_std', source);
  if (std.some((s) => s === 0)) throw new PreprocessorConfigError(`${source}: image_std contains 0`);
  return { width, height, resample, doRescale: c.do_rescale !== false, rescaleFactor, doNormalize, mean, std };
}
