/**
 * Downloads one file with progress, resuming a `.part` left by an interrupted run when the server
 * honours Range requests, and computing its MD5 on the way for verification.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface DownloadProgress {
  received: number;
  /** Total bytes, 0 when the server did not say. */
  total: number;
}

async function md5OfFile(file: string): Promise<ReturnType<typeof createHash>> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash;
}

/** MD5 of a file, hex. */
export async function md5File(file: string): Promise<string> {
  return (await md5OfFile(file)).digest('hex');
}

/**
 * Downloads `url` to `dest` (written as `dest.part`, renamed when complete) and resolves to the
 * file's MD5 (hex). `file://` URLs and plain paths are copied, so an offline mirror works too.
 */
export async function download(
  url: string,
  dest: string,
  onProgress: (p: DownloadProgress) => void = () => undefined,
  signal?: AbortSignal,
): Promise<string> {
  const part = `${dest}.part`;
  let have = 0;
  try {
    have = (await fs.stat(part)).size;
  } catch {
    have = 0;
  }
  let body: Readable;
  let total = 0;
  let append = false;
  if (/^https?:\/\//i.test(url)) {
    const res = await fetch(url, { headers: have > 0 ? { Range: `bytes=${have}-` } : {}, redirect: 'follow', ...(signal ? { signal } : {}) });
    if (res.status === 416 && have > 0) {
      // The part file is already complete (or longer than the file): start over to be safe.
      await fs.rm(part, { force: true });
      return download(url, dest, onProgress, signal);
    }
    if (!res.ok || !res.body) throw new Error(`GET ${url}: HTTP ${res.status} ${res.statusText}`);
    append = res.status === 206 && have > 0;
    const length = Number(res.headers.get('content-length') ?? 0);
    total = length > 0 ? length + (append ? have : 0) : 0;
    body = Readable.fromWeb(res.body);
  } else {
    const file = url.startsWith('file://') ? new URL(url) : url;
    total = (await fs.stat(file)).size;
    body = createReadStream(file);
  }
  const hash = append ? await md5OfFile(part) : createHash('md5');
  let received = append ? have : 0;
  let last = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      hash.update(chunk);
      received += chunk.length;
      const now = Date.now();
      if (now - last > 100) {
        last = now;
        onProgress({ received, total });
      }
      cb(null, chunk);
    },
  });
  await pipeline(body, meter, createWriteStream(part, { flags: append ? 'a' : 'w' }), ...(signal ? [{ signal }] : []));
  onProgress({ received, total: total || received });
  if (total > 0 && received !== total) throw new Error(`${url}: received ${received} of ${total} bytes`);
  await fs.rename(part, dest);
  return hash.digest('hex');
}
