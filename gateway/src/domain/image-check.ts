/**
 * Checks an upload before it is sent to the captioner: the bytes must start like an image format
 * the captioner reads (else 415), and its header must parse (else 422). Full decoding happens once,
 * in the captioner; a body that fails there is also reported as 422 (see errors/grpc-status.ts).
 */
import sharp from 'sharp';

/** Formats accepted for upload (what the captioner decodes). */
export const ACCEPTED_FORMATS = ['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif'] as const;
export type ImageFormat = (typeof ACCEPTED_FORMATS)[number];

export type ImageCheck =
  | { ok: true; format: ImageFormat; width: number; height: number }
  | { ok: false; reason: 'unsupported' | 'undecodable'; format?: ImageFormat };

const ascii = (buf: Buffer, start: number, end: number): string => buf.subarray(start, end).toString('latin1');

/** The image format announced by the first bytes (magic numbers), if it is an accepted one. */
export function sniffFormat(buf: Buffer): ImageFormat | undefined {
  if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return 'jpeg';
  if (buf.length >= 8 && buf.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return 'png';
  if (buf.length >= 6 && (ascii(buf, 0, 6) === 'GIF87a' || ascii(buf, 0, 6) === 'GIF89a')) return 'gif';
  if (buf.length >= 12 && ascii(buf, 0, 4) === 'RIFF' && ascii(buf, 8, 12) === 'WEBP') return 'webp';
  if (buf.length >= 4 && (ascii(buf, 0, 4) === 'II*\0' || ascii(buf, 0, 4) === 'MM\0*')) return 'tiff';
  if (buf.length >= 12 && ascii(buf, 4, 8) === 'ftyp' && ['avif', 'avis'].includes(ascii(buf, 8, 12))) return 'avif';
  return undefined;
}

/** Sniffs the format and parses the header (no pixel decoding). */
export async function inspectImage(buf: Buffer): Promise<ImageCheck> {
  const format = sniffFormat(buf);
  if (!format) return { ok: false, reason: 'unsupported' };
  try {
    // Header only, so no pixel limit here: the caller checks width x height against its own limit
    // (a 413 that names it); sharp's default limit would misreport a decompression bomb as undecodable.
    const meta = await sharp(buf, { failOn: 'error', limitInputPixels: false }).metadata();
    if (!meta.width || !meta.height) return { ok: false, reason: 'undecodable', format };
    return { ok: true, format, width: meta.width, height: meta.height };
  } catch {
    return { ok: false, reason: 'undecodable', format };
  }
}
