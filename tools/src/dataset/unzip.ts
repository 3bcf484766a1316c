/**
 * A small streaming ZIP reader (stored and deflated entries), enough for dataset archives: it reads
 * the central directory, then inflates each wanted entry straight from the file to disk, checking
 * its CRC-32 and size. Nothing is held in memory but one chunk, so a 1 GB archive is fine.
 * ZIP64 archives (over 4 GB or 65,535 entries) and encrypted entries are refused with a message.
 */
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';

export interface ZipEntry {
  name: string;
  method: number;
  crc32: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
  encrypted: boolean;
  isDirectory: boolean;
}

export class ZipError extends Error {
  constructor(file: string, message: string) {
    super(`${path.basename(file)}: ${message}`);
    this.name = 'ZipError';
  }
}

const EOCD_SIG = 0x06054b50;
const CEN_SIG = 0x02014b50;
const LOC_SIG = 0x04034b50;

async function readAt(fh: fs.FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, position);
  return buf.subarray(0, bytesRead);
}

/** Lists the entries of a ZIP file from its central directory. */
export async function listZip(file: string): Promise<ZipEntry[]> {
  const fh = await fs.open(file, 'r');
  try {
    const { size } = await fh.stat();
    // The end record is 22 bytes plus a comment of at most 65,535 bytes.
    const tailLen = Math.min(size, 22 + 0xffff);
    const tail = await readAt(fh, size - tailLen, tailLen);
    let eocd = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === EOCD_SIG) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new ZipError(file, 'not a ZIP archive (no end of central directory record); the download may be truncated');
    const count = tail.readUInt16LE(eocd + 10);
    const cdSize = tail.readUInt32LE(eocd + 12);
    const cdOffset = tail.readUInt32LE(eocd + 16);
    if (count === 0xffff || cdOffset === 0xffffffff || cdSize === 0xffffffff) throw new ZipError(file, 'ZIP64 archives are not supported');
    if (cdOffset + cdSize > size) throw new ZipError(file, 'central directory lies past the end of the file; the download is truncated');
    const cd = await readAt(fh, cdOffset, cdSize);
    const entries: ZipEntry[] = [];
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== CEN_SIG) throw new ZipError(file, `central directory entry ${i} is corrupt`);
      const flags = cd.readUInt16LE(p + 8);
      const nameLen = cd.readUInt16LE(p + 28);
      const extraLen = cd.readUInt16LE(p + 30);
      const commentLen = cd.readUInt16LE(p + 32);
      // Bit 11: the name is UTF-8; otherwise CP437, which for dataset file names is ASCII anyway.
      const name = cd.toString(flags & 0x800 ? 'utf8' : 'latin1', p + 46, p + 46 + nameLen);
      entries.push({
        name,
        method: cd.readUInt16LE(p + 10),
        crc32: cd.readUInt32LE(p + 16),
        compressedSize: cd.readUInt32LE(p + 20),
        size: cd.readUInt32LE(p + 24),
        localHeaderOffset: cd.readUInt32LE(p + 42),
        encrypted: (flags & 1) === 1,
        isDirectory: name.endsWith('/'),
      });
      p += 46 + nameLen + extraLen + commentLen;
    }
    return entries;
  } finally {
    await fh.close();
  }
}

/** Counts bytes and computes the CRC-32 of what flows through. */
class Checker extends Transform {
  crc = 0;
  bytes = 0;
  _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.crc = zlib.crc32(chunk, this.crc);
    this.bytes += chunk.length;
    cb(null, chunk);
  }
}

/** Extracts one entry to `dest`, verifying its CRC-32 and size. */
export async function extractEntry(file: string, entry: ZipEntry, dest: string): Promise<void> {
  if (entry.encrypted) throw new ZipError(file, `${entry.name} is encrypted`);
  if (entry.method !== 0 && entry.method !== 8) throw new ZipError(file, `${entry.name} uses compression method ${entry.method}; only stored and deflate are supported`);
  const fh = await fs.open(file, 'r');
  let start: number;
  try {
    const loc = await readAt(fh, entry.localHeaderOffset, 30);
    if (loc.length < 30 || loc.readUInt32LE(0) !== LOC_SIG) throw new ZipError(file, `local header of ${entry.name} is corrupt`);
    start = entry.localHeaderOffset + 30 + loc.readUInt16LE(26) + loc.readUInt16LE(28);
  } finally {
    await fh.close();
  }
  await fs.mkdir(path.dirname(dest), { recursive: true });
  const checker = new Checker();
  const source = createReadStream(file, { start, end: start + entry.compressedSize - 1 });
  const tmp = `${dest}.part`;
  try {
    if (entry.compressedSize === 0) {
      source.destroy();
      await fs.writeFile(tmp, Buffer.alloc(0));
    } else if (entry.method === 8) {
      await pipeline(source, zlib.createInflateRaw(), checker, createWriteStream(tmp));
    } else {
      await pipeline(source, checker, createWriteStream(tmp));
    }
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw new ZipError(file, `${entry.name} is corrupt (${(err as Error).message})`);
  }
  if (checker.bytes !== entry.size || (checker.crc >>> 0) !== entry.crc32) {
    await fs.rm(tmp, { force: true });
    throw new ZipError(file, `${entry.name} is corrupt (CRC-32 or size mismatch)`);
  }
  await fs.rename(tmp, dest);
}
