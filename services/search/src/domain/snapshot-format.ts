import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Generation, GenerationContent, GenerationMeta } from './generation';
import { VectorStore } from './vector-store';
import { assertLittleEndianHost } from './vectors';

/**
 * The snapshot file of one committed generation (little-endian throughout):
 *
 *   offset  size  field
 *   0       8     magic "TITSNAP\0"
 *   8       4     format version (u32) = 1
 *   12      4     M = byte length of the meta JSON (u32)
 *   16      32    SHA-256 of every byte from offset 48 to the end of the file
 *   48      M     meta JSON: generation meta, counts, section sizes
 *   48+M    V     vectors: captionCount × dimensions raw float32, caption order (grouped by image)
 *   ...     S     strings: per image  str id, str path, str hash, u32 caption count;
 *                          per caption str id, str text, u8 generated
 *                 where str = u32 byte length + UTF-8 bytes
 *
 * Vectors are never JSON-encoded: they are copied between the file and the store in large chunks.
 * The checksum covers the meta and both sections, so truncation, a flipped bit or a torn write is
 * detected before anything is served. Files are written to a temporary name, fsynced and renamed.
 */

const MAGIC = Buffer.from('TITSNAP\0', 'latin1');
const VERSION = 1;
const HEADER = 48;
/** Copy granularity between file and store. */
const CHUNK = 8 << 20;

/** A snapshot that cannot be served (corrupt, partial, unknown format). */
export class SnapshotError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'SnapshotError';
  }
}

interface SnapshotMeta extends GenerationMeta {
  captionCount: number;
  imageCount: number;
  vectorBytes: number;
  stringBytes: number;
}

/** What a read returns: everything needed to assemble the Generation. */
export interface LoadedSnapshot {
  meta: GenerationMeta;
  content: GenerationContent;
  store: VectorStore;
}

function encodeStrings(content: GenerationContent): Buffer {
  const parts: Buffer[] = [];
  const u32 = (n: number): Buffer => {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32LE(n, 0);
    return b;
  };
  const str = (s: string): void => {
    const b = Buffer.from(s, 'utf8');
    parts.push(u32(b.length), b);
  };
  const n = content.imageIds.length;
  for (let i = 0; i < n; i++) {
    str(content.imageIds[i]);
    str(content.imagePaths[i]);
    str(content.contentHashes[i]);
    parts.push(u32(content.imageStart[i + 1] - content.imageStart[i]));
  }
  for (let c = 0; c < content.captionIds.length; c++) {
    str(content.captionIds[c]);
    str(content.captions[c]);
    parts.push(Buffer.of(content.generated[c]));
  }
  return Buffer.concat(parts);
}

function decodeStrings(file: string, buf: Buffer, imageCount: number, captionCount: number): GenerationContent {
  let at = 0;
  const need = (n: number): void => {
    if (at + n > buf.length) throw new SnapshotError(file, 'string section ends early');
  };
  const u32 = (): number => {
    need(4);
    const v = buf.readUInt32LE(at);
    at += 4;
    return v;
  };
  const str = (): string => {
    const len = u32();
    need(len);
    const s = buf.toString('utf8', at, at + len);
    at += len;
    return s;
  };
  const content: GenerationContent = {
    imageIds: new Array<string>(imageCount),
    imagePaths: new Array<string>(imageCount),
    contentHashes: new Array<string>(imageCount),
    imageStart: new Int32Array(imageCount + 1),
    captionIds: new Array<string>(captionCount),
    captions: new Array<string>(captionCount),
    generated: new Uint8Array(captionCount),
  };
  for (let i = 0; i < imageCount; i++) {
    content.imageIds[i] = str();
    content.imagePaths[i] = str();
    content.contentHashes[i] = str();
    const n = u32();
    if (n === 0) throw new SnapshotError(file, `image ${i} has no captions`);
    content.imageStart[i + 1] = content.imageStart[i] + n;
  }
  if (content.imageStart[imageCount] !== captionCount) {
    throw new SnapshotError(file, 'image caption counts do not add up to the caption count');
  }
  for (let c = 0; c < captionCount; c++) {
    content.captionIds[c] = str();
    content.captions[c] = str();
    need(1);
    content.generated[c] = buf[at++]!;
  }
  if (at !== buf.length) throw new SnapshotError(file, 'trailing bytes after the string section');
  return content;
}

/** Writes `gen` to `file` atomically: temporary file, fsync, rename, fsync of the directory. */
export async function writeSnapshot(gen: Generation, file: string): Promise<void> {
  assertLittleEndianHost();
  const { store, content } = gen;
  const strings = encodeStrings(content);
  const meta: SnapshotMeta = {
    ...gen.meta,
    captionCount: store.count,
    imageCount: content.imageIds.length,
    vectorBytes: store.rawBytes,
    stringBytes: strings.length,
  };
  const metaBuf = Buffer.from(JSON.stringify(meta), 'utf8');
  const header = Buffer.alloc(HEADER);
  MAGIC.copy(header, 0);
  header.writeUInt32LE(VERSION, 8);
  header.writeUInt32LE(metaBuf.length, 12);

  const dir = path.dirname(file);
  const tmp = path.join(dir, `.tmp-${gen.id}-${process.pid}-${Date.now()}.snap`);
  const hash = createHash('sha256');
  const fh = await fs.open(tmp, 'w');
  try {
    let pos = 0;
    const write = async (b: Uint8Array, hashed = true): Promise<void> => {
      if (hashed) hash.update(b);
      let off = 0;
      while (off < b.byteLength) {
        const { bytesWritten } = await fh.write(b, off, b.byteLength - off, pos);
        off += bytesWritten;
        pos += bytesWritten;
      }
    };
    await write(header, false);
    await write(metaBuf);
    const bytes = new Uint8Array(store.buffer, store.vectorsPtr, store.count * store.stride * 4);
    if (store.stride === store.dimensions) {
      for (let off = 0; off < bytes.byteLength; off += CHUNK) {
        // Copy out of the shared memory first: fs and crypto want ordinary buffers.
        await write(Buffer.from(bytes.subarray(off, Math.min(off + CHUNK, bytes.byteLength))));
      }
    } else {
      const rowsPerChunk = Math.max(1, Math.floor(CHUNK / (store.dimensions * 4)));
      for (let r = 0; r < store.count; r += rowsPerChunk) {
        const n = Math.min(rowsPerChunk, store.count - r);
        const out = new Float32Array(n * store.dimensions);
        for (let i = 0; i < n; i++) out.set(store.row(r + i), i * store.dimensions);
        await write(new Uint8Array(out.buffer));
      }
    }
    await write(strings);
    await fh.write(hash.digest(), 0, 32, 16);
    await fh.sync();
  } catch (err) {
    await fh.close().catch(() => undefined);
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  await fs.rename(tmp, file);
  const dh = await fs.open(dir, 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}

async function readExactly(fh: fs.FileHandle, into: Uint8Array, position: number, file: string): Promise<void> {
  let off = 0;
  while (off < into.byteLength) {
    const { bytesRead } = await fh.read(into, off, into.byteLength - off, position + off);
    if (bytesRead === 0) throw new SnapshotError(file, 'truncated');
    off += bytesRead;
  }
}

function checkMeta(file: string, m: unknown): SnapshotMeta {
  const o = m as Partial<SnapshotMeta> | null;
  const isStr = (v: unknown): v is string => typeof v === 'string';
  const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (
    !o ||
    !isStr(o.id) ||
    !isStr(o.model) ||
    !isStr(o.dataset) ||
    !isStr(o.buildKey) ||
    !isInt(o.dimensions) ||
    o.dimensions === 0 ||
    !isInt(o.captionCount) ||
    !isInt(o.imageCount) ||
    !isInt(o.vectorBytes) ||
    !isInt(o.stringBytes) ||
    typeof o.createdAtMs !== 'number' ||
    typeof o.committedAtMs !== 'number'
  ) {
    throw new SnapshotError(file, 'meta is missing fields');
  }
  if (o.vectorBytes !== o.captionCount * o.dimensions * 4) throw new SnapshotError(file, 'vector section size is inconsistent');
  return o as SnapshotMeta;
}

/** Reads only the meta of a snapshot (no checksum verification): for choosing among files. */
export async function readSnapshotMeta(file: string): Promise<GenerationMeta> {
  const fh = await fs.open(file, 'r');
  try {
    const header = Buffer.alloc(HEADER);
    await readExactly(fh, header, 0, file);
    if (!header.subarray(0, 8).equals(MAGIC)) throw new SnapshotError(file, 'not a snapshot (bad magic)');
    const metaBuf = Buffer.alloc(header.readUInt32LE(12));
    await readExactly(fh, metaBuf, HEADER, file);
    try {
      return checkMeta(file, JSON.parse(metaBuf.toString('utf8')));
    } catch (err) {
      if (err instanceof SnapshotError) throw err;
      throw new SnapshotError(file, 'meta is not valid JSON');
    }
  } finally {
    await fh.close();
  }
}

/**
 * Reads and verifies a snapshot: size, checksum and structure. Vectors are read straight into a new
 * store. Throws SnapshotError for anything that is not a complete, intact snapshot.
 */
export async function readSnapshot(file: string): Promise<LoadedSnapshot> {
  assertLittleEndianHost();
  const fh = await fs.open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    if (size < HEADER) throw new SnapshotError(file, `truncated: ${size} bytes, shorter than the header`);
    const header = Buffer.alloc(HEADER);
    await readExactly(fh, header, 0, file);
    if (!header.subarray(0, 8).equals(MAGIC)) throw new SnapshotError(file, 'not a snapshot (bad magic)');
    const version = header.readUInt32LE(8);
    if (version !== VERSION) throw new SnapshotError(file, `unsupported format version ${version}`);
    const metaLen = header.readUInt32LE(12);
    if (HEADER + metaLen > size) throw new SnapshotError(file, 'truncated inside the meta');
    const metaBuf = Buffer.alloc(metaLen);
    await readExactly(fh, metaBuf, HEADER, file);
    const hash = createHash('sha256').update(metaBuf);
    let meta: SnapshotMeta;
    try {
      meta = checkMeta(file, JSON.parse(metaBuf.toString('utf8')));
    } catch (err) {
      if (err instanceof SnapshotError) throw err;
      throw new SnapshotError(file, 'meta is not valid JSON (corrupt)');
    }
    const expected = HEADER + metaLen + meta.vectorBytes + meta.stringBytes;
    if (size !== expected) {
      throw new SnapshotError(file, `${size < expected ? 'truncated' : 'oversized'}: ${size} bytes, expected ${expected}`);
    }
    let store: VectorStore;
    try {
      store = new VectorStore(meta.captionCount, meta.dimensions);
    } catch (err) {
      throw new SnapshotError(file, (err as Error).message);
    }
    let pos = HEADER + metaLen;
    // Own ArrayBuffer (not the pool), so the float view below is aligned.
    const chunk = Buffer.allocUnsafeSlow(Math.min(CHUNK, Math.max(meta.vectorBytes, 4)));
    const rowBytes = meta.dimensions * 4;
    const rowsPerChunk = Math.max(1, Math.floor(chunk.length / rowBytes));
    const asFloats = new Float32Array(chunk.buffer, chunk.byteOffset, Math.floor(chunk.length / 4));
    for (let r = 0; r < meta.captionCount; r += rowsPerChunk) {
      const n = Math.min(rowsPerChunk, meta.captionCount - r);
      const part = chunk.subarray(0, n * rowBytes);
      await readExactly(fh, part, pos, file);
      pos += part.length;
      hash.update(part);
      if (store.stride === meta.dimensions) {
        store.vectors.set(asFloats.subarray(0, n * meta.dimensions), r * store.stride);
      } else {
        const floats = asFloats;
        for (let i = 0; i < n; i++) store.vectors.set(floats.subarray(i * meta.dimensions, (i + 1) * meta.dimensions), (r + i) * store.stride);
      }
    }
    const strings = Buffer.alloc(meta.stringBytes);
    await readExactly(fh, strings, pos, file);
    hash.update(strings);
    if (!hash.digest().equals(header.subarray(16, 48))) throw new SnapshotError(file, 'checksum mismatch (corrupt)');
    const content = decodeStrings(file, strings, meta.imageCount, meta.captionCount);
    const { captionCount: _c, imageCount: _i, vectorBytes: _v, stringBytes: _s, ...generationMeta } = meta;
    return { meta: generationMeta, content, store };
  } finally {
    await fh.close();
  }
}
