/**
 * Image inputs for the reliability tests, made at test time (no binary fixtures): valid ones from the
 * shipped sample dataset, and hostile or unusual ones (empty, truncated, corrupt, a decompression
 * bomb, animated, CMYK, 16-bit, SVG, text). sharp is the one the gateway uses, loaded from there
 * so the e2e package needs no dependency of its own.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import zlib from 'node:zlib';
import { REPO_ROOT } from '@tit/kit';

/** The part of sharp's API these generators use. */
interface SharpImage {
  jpeg(o?: Record<string, unknown>): SharpImage;
  png(o?: Record<string, unknown>): SharpImage;
  gif(o?: Record<string, unknown>): SharpImage;
  resize(w: number, h?: number): SharpImage;
  toColourspace(c: string): SharpImage;
  toBuffer(): Promise<Buffer>;
  metadata(): Promise<{ format?: string; width?: number; height?: number; pages?: number; space?: string; depth?: string }>;
}
type Sharp = (input?: Buffer | string, opts?: Record<string, unknown>) => SharpImage;

/** sharp as the gateway resolves it. */
export const sharp = createRequire(path.join(REPO_ROOT, 'gateway/package.json'))('sharp') as Sharp;

export const SAMPLE_DIR = path.join(REPO_ROOT, 'tools/datasets/sample');

/** A photo of the sample dataset (JPEG bytes). */
export function samplePhoto(name = 'chelsea.jpg'): Buffer {
  return fs.readFileSync(path.join(SAMPLE_DIR, 'Images', name));
}

/** The same picture with `salt` appended after the JPEG end marker: decodes identically, hashes differently. */
export function saltedPhoto(salt: string, name = 'chelsea.jpg'): Buffer {
  return Buffer.concat([samplePhoto(name), Buffer.from(salt)]);
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/**
 * A decompression bomb: a valid, all-black 1-bit greyscale PNG of `width` x `height` pixels whose
 * file is a few hundred KB (30000 x 30000 inflates to 900 M pixels, 2.7 GB as RGB).
 */
export function pngBomb(width = 30_000, height = 30_000): Buffer {
  const key = `${width}x${height}`;
  const cached = bombs.get(key);
  if (cached) return cached;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // greyscale
  const rowBytes = 1 + Math.ceil(width / 8); // filter byte + packed pixels
  // Rows of zeros, compressed piece by piece so the raw image never sits in memory at once: raw
  // deflate blocks of each piece (all but the last left open with a sync flush) inside one
  // hand-written zlib wrapper (header, Adler-32 of the whole data).
  const rowsPerPiece = Math.max(1, Math.floor((4 * 1024 * 1024) / rowBytes));
  const piece = Buffer.alloc(rowsPerPiece * rowBytes);
  const chunks: Buffer[] = [];
  let adlerA = 1;
  let adlerB = 0;
  const adler = (buf: Buffer, n: number) => {
    for (let i = 0; i < n; i++) {
      adlerA = (adlerA + buf[i]) % 65521;
      adlerB = (adlerB + adlerA) % 65521;
    }
  };
  let rows = height;
  while (rows > 0) {
    const n = Math.min(rows, rowsPerPiece);
    const last = rows - n === 0;
    const len = n * rowBytes;
    adler(piece, len);
    chunks.push(zlib.deflateRawSync(piece.subarray(0, len), { level: 9, finishFlush: last ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH }));
    rows -= n;
  }
  const trailer = Buffer.alloc(4);
  trailer.writeUInt32BE(((adlerB << 16) | adlerA) >>> 0);
  const idat = Buffer.concat([Buffer.from([0x78, 0xda]), ...chunks, trailer]);
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', idat),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
  bombs.set(key, png);
  return png;
}
const bombs = new Map<string, Buffer>();

/** A two-frame animated GIF (red then blue), 64 x 48. */
export async function animatedGif(): Promise<Buffer> {
  const w = 64;
  const h = 48;
  const raw = Buffer.alloc(w * h * 2 * 3);
  for (let i = 0; i < w * h; i++) raw.set([220, 30, 30], i * 3);
  for (let i = w * h; i < 2 * w * h; i++) raw.set([30, 30, 220], i * 3);
  return sharp(raw, { raw: { width: w, height: h * 2, channels: 3, pageHeight: h } })
    .gif({ loop: 0, delay: [200, 200] })
    .toBuffer();
}

/** The sample photo re-encoded as a CMYK JPEG. */
export async function cmykJpeg(): Promise<Buffer> {
  return sharp(samplePhoto()).resize(160).toColourspace('cmyk').jpeg({ quality: 85 }).toBuffer();
}

/** The sample photo as a 16-bit-per-channel PNG. */
export async function png16(): Promise<Buffer> {
  return sharp(samplePhoto()).resize(160).toColourspace('rgb16').png().toBuffer();
}

export const SVG = Buffer.from(
  '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">' +
    '<rect width="64" height="64" fill="red"/><script>alert(1)</script></svg>',
);

/** SOI immediately followed by EOI: a JPEG with nothing in it. */
export const EMPTY_JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xd9]);

export const TEXT_AS_JPEG = Buffer.from('This is a plain text file that someone named photo.jpg.\n'.repeat(20));

/** The first 40 % of a sample photo: a valid header, then the data stops. */
export function truncatedJpeg(): Buffer {
  const b = samplePhoto();
  return b.subarray(0, Math.floor(b.length * 0.4));
}

/**
 * A sample photo whose Huffman tables are overwritten with garbage: the header (size, components)
 * still parses, the entropy-coded data cannot be decoded.
 */
export function corruptJpeg(): Buffer {
  const b = Buffer.from(samplePhoto());
  let i = 2;
  let hit = 0;
  while (i + 4 < b.length) {
    if (b[i] !== 0xff) break;
    const marker = b[i + 1];
    const len = b.readUInt16BE(i + 2);
    if (marker === 0xc4) {
      // DHT: keep the length, scramble the table (deterministically).
      for (let j = i + 4; j < i + 2 + len; j++) b[j] = (j * 73 + 41) & 0xff;
      hit++;
    }
    if (marker === 0xda) break; // start of scan: stop at the entropy-coded data
    i += 2 + len;
  }
  if (hit === 0) throw new Error('sample photo has no Huffman table to corrupt');
  return b;
}
