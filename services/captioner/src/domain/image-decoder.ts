import sharp from 'sharp';
import { InvalidInputError, TooLargeError } from '@tit/kit';

/** The image formats the captioner accepts, as sharp names them (AVIF is sharp's `heif` with AV1). */
export const ACCEPTED_FORMATS = ['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif'] as const;
export type AcceptedFormat = (typeof ACCEPTED_FORMATS)[number];

/** Human-readable list for error messages. */
export const ACCEPTED_FORMATS_TEXT = 'JPEG, PNG, WebP, GIF (first frame), TIFF, AVIF';

/** Upload limits, both checked before any pixel is decoded. */
export interface ImageLimits {
  /** Most encoded bytes (CAPTIONER_MAX_BYTES). */
  readonly maxBytes: number;
  /** Most decoded pixels, width × height of the first frame (CAPTIONER_MAX_PIXELS). */
  readonly maxPixels: number;
}

/** Decoded pixels, upright and in sRGB, 8 bits per channel, packed row-major. */
export interface DecodedImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
  /** 3 (RGB) or 4 (RGBA, straight alpha). */
  readonly channels: 3 | 4;
  readonly format: AcceptedFormat;
}

const DIRECT: ReadonlySet<string> = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff']);

function acceptedFormat(meta: sharp.Metadata): AcceptedFormat | undefined {
  const f = meta.format as string | undefined;
  if (f !== undefined && DIRECT.has(f)) return f as AcceptedFormat;
  // sharp reads AVIF through libheif; HEIC (HEVC) is a different codec and not accepted.
  if (f === 'heif' && meta.compression === 'av1') return 'avif';
  return undefined;
}

/**
 * Reads only the header of `bytes` and enforces the limits and the format allow-list, so a
 * decompression bomb or an unsupported format is refused before any pixel is decoded.
 * @returns the format and the first frame's size (before EXIF rotation)
 */
export async function inspectImage(
  bytes: Uint8Array,
  limits: ImageLimits,
): Promise<{ format: AcceptedFormat; width: number; height: number }> {
  if (bytes.length === 0) throw new InvalidInputError('image is empty');
  if (bytes.length > limits.maxBytes) {
    throw new TooLargeError(`image is ${bytes.length} bytes; the limit (CAPTIONER_MAX_BYTES) is ${limits.maxBytes} bytes`);
  }
  let meta: sharp.Metadata;
  try {
    // metadata() parses the header only; limitInputPixels is off here because the check below
    // reports the configured limit by name instead of libvips' generic message.
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch {
    throw new InvalidInputError(`image format not recognised; accepted formats: ${ACCEPTED_FORMATS_TEXT}`);
  }
  const format = acceptedFormat(meta);
  if (!format) {
    const name = meta.format === 'heif' ? `heif (${meta.compression ?? 'unknown'} compression)` : String(meta.format);
    throw new InvalidInputError(`unsupported image format ${name}; accepted formats: ${ACCEPTED_FORMATS_TEXT}`);
  }
  const width = meta.width ?? 0;
  // For animated GIF/WebP and multi-page TIFF only the first frame/page is decoded.
  const height = meta.pageHeight ?? meta.height ?? 0;
  if (width <= 0 || height <= 0) throw new InvalidInputError('image has no width or height');
  const pixels = width * height;
  if (pixels > limits.maxPixels) {
    throw new TooLargeError(
      `image is ${width}x${height} = ${pixels} pixels; the limit (CAPTIONER_MAX_PIXELS) is ${limits.maxPixels} pixels`,
    );
  }
  return { format, width, height };
}

/**
 * Decodes the first frame of `bytes`: header checks first ({@link inspectImage}), then EXIF
 * orientation applied, converted to sRGB (embedded ICC profiles honoured, CMYK and greyscale
 * expanded), 8 bits per channel, alpha kept when present (see alpha.ts for how it is removed).
 */
export async function decodeImage(bytes: Uint8Array, limits: ImageLimits): Promise<DecodedImage> {
  const { format } = await inspectImage(bytes, limits);
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: limits.maxPixels, pages: 1, page: 0, failOn: 'error' })
      .rotate()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels === 3 || info.channels === 4) {
      return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height, channels: info.channels, format };
    }
    throw new InvalidInputError(`image decoded to ${info.channels} channels; expected RGB or RGBA`);
  } catch (err) {
    if (err instanceof InvalidInputError) throw err;
    throw new InvalidInputError(`image data is corrupt or truncated (${format})`);
  }
}
