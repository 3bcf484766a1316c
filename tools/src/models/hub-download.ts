import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { downloadFile, fileDownloadInfo, HubApiError, type FileDownloadInfoOutput } from '@huggingface/hub';
import type { ProgressFactory } from './progress';

/** Where and as whom to reach the Hub. */
export interface HubOptions {
  /** HF_ENDPOINT, e.g. https://huggingface.co or a mirror. */
  readonly hubUrl: string;
  /** HF_TOKEN, for gated or private repos. */
  readonly token?: string;
  /** For tests and proxies. */
  readonly fetch?: typeof fetch;
}

/** One file to fetch from a Hub repo into `dest`. */
export interface HubFileRequest {
  readonly repo: string;
  readonly revision: string;
  readonly path: string;
  readonly dest: string;
}

/** What happened to one file. */
export type FileOutcome = 'downloaded' | 'resumed' | 'up-to-date' | 'not-in-repo';

/** The Hub could not be reached at all (offline, DNS, refused). */
export class HubUnreachableError extends Error {}

/** A download failed verification (size or checksum). */
export class VerificationError extends Error {}

/** The remote identity of a file, recorded beside a partial download and in the folder manifest. */
export interface RemoteFile {
  readonly etag: string;
  readonly size: number;
}

/** How a file's content can be checked against its ETag, when the ETag is a content hash. */
type Digest = { readonly kind: 'sha256' | 'git-sha1'; readonly hex: string };

/**
 * The Hub's ETags are content hashes: the sha256 of the bytes for LFS / Xet files (64 hex digits),
 * the git blob sha1 (`sha1("blob <size>\0" + bytes)`, 40 hex digits) for files in git. Anything
 * else (a CDN's own ETag) allows a size check only.
 */
export function digestOf(etag: string): Digest | undefined {
  const v = etag.replace(/^W\//, '').replace(/"/g, '').toLowerCase();
  if (/^[0-9a-f]{64}$/.test(v)) return { kind: 'sha256', hex: v };
  if (/^[0-9a-f]{40}$/.test(v)) return { kind: 'git-sha1', hex: v };
  return undefined;
}

function newHasher(d: Digest | undefined, size: number): Hash | undefined {
  if (!d) return undefined;
  if (d.kind === 'sha256') return createHash('sha256');
  return createHash('sha1').update(`blob ${size}\0`);
}

/** Asks the Hub for a file's size and ETag; undefined when the repo has no such file. */
export async function remoteFile(req: HubFileRequest, hub: HubOptions): Promise<FileDownloadInfoOutput | undefined> {
  try {
    const info = await fileDownloadInfo({
      repo: req.repo,
      path: req.path,
      revision: req.revision,
      hubUrl: hub.hubUrl,
      fetch: hub.fetch,
      ...(hub.token && { accessToken: hub.token }),
    });
    return info ?? undefined;
  } catch (err) {
    throw describe(err, req, hub);
  }
}

/**
 * Downloads one file into `dest` with resume and verification. Bytes go to `dest.part` (with
 * `dest.part.json` naming the remote ETag); an interrupted download of the same ETag resumes with
 * a Range request, a changed remote file starts over. The finished file must have the announced
 * size and, when the ETag is a content hash, that hash; only then is it renamed into place.
 */
export async function downloadHubFile(
  req: HubFileRequest,
  info: FileDownloadInfoOutput,
  hub: HubOptions,
  progress: ProgressFactory,
  label: string,
): Promise<'downloaded' | 'resumed'> {
  const part = `${req.dest}.part`;
  const partMeta = `${part}.json`;
  fs.mkdirSync(path.dirname(req.dest), { recursive: true });
  const digest = digestOf(info.etag);

  let offset = 0;
  const previous = readJson<RemoteFile>(partMeta);
  if (previous?.etag === info.etag && previous.size === info.size && fs.existsSync(part)) {
    offset = fs.statSync(part).size;
    if (offset > info.size) offset = 0;
  }
  if (offset === 0) {
    fs.rmSync(part, { force: true });
    fs.writeFileSync(partMeta, JSON.stringify({ etag: info.etag, size: info.size } satisfies RemoteFile));
  }
  let hasher = newHasher(digest, info.size);
  if (hasher && offset > 0) await hashFile(part, hasher);
  const resumed = offset > 0;

  // The hub client streams the body; this wrapper lets us see whether a Range request was honoured.
  let lastStatus = 0;
  const baseFetch = hub.fetch ?? fetch;
  const trackingFetch: typeof fetch = async (input, init) => {
    const res = await baseFetch(input, init);
    lastStatus = res.status;
    return res;
  };

  const bar = progress(label, info.size, offset);
  const file = await fs.promises.open(part, offset > 0 ? 'a' : 'w');
  try {
    if (offset < info.size) {
      const blob = await downloadFile({
        repo: req.repo,
        path: req.path,
        revision: req.revision,
        hubUrl: hub.hubUrl,
        fetch: trackingFetch,
        downloadInfo: info,
        xet: false,
        ...(hub.token && { accessToken: hub.token }),
      });
      if (!blob) throw new Error(`${req.repo}/${req.path} disappeared from the Hub`);
      const reader = (offset > 0 ? blob.slice(offset) : blob).stream().getReader();
      let first = true;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (first && offset > 0 && lastStatus === 200) {
          // The server ignored the Range header and sent the whole file: start over.
          await file.truncate(0);
          offset = 0;
          hasher = newHasher(digest, info.size);
        }
        first = false;
        await file.write(value, 0, value.length, null);
        hasher?.update(value);
        bar.advance(value.length);
      }
    }
  } catch (err) {
    bar.finish('interrupted (run again to resume)');
    throw describe(err, req, hub);
  } finally {
    await file.close();
  }

  const size = fs.statSync(part).size;
  if (size !== info.size) {
    bar.finish('size mismatch');
    if (size > info.size) fs.rmSync(part, { force: true });
    throw new VerificationError(
      `${req.repo}/${req.path}: got ${size} bytes, the Hub announced ${info.size}` +
        (size < info.size ? ' (run again to resume)' : ''),
    );
  }
  if (hasher && digest) {
    const got = hasher.digest('hex');
    if (got !== digest.hex) {
      bar.finish('checksum mismatch');
      fs.rmSync(part, { force: true });
      fs.rmSync(partMeta, { force: true });
      throw new VerificationError(`${req.repo}/${req.path}: ${digest.kind} is ${got}, the Hub says ${digest.hex}; the download was discarded`);
    }
  }
  fs.renameSync(part, req.dest);
  fs.rmSync(partMeta, { force: true });
  bar.finish(digest ? `ok (${digest.kind} verified)` : 'ok (size verified)');
  return resumed ? 'resumed' : 'downloaded';
}

async function hashFile(file: string, hasher: Hash): Promise<void> {
  for await (const chunk of fs.createReadStream(file)) hasher.update(chunk as Buffer);
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Turns transport and Hub errors into one-line messages that say what failed. */
function describe(err: unknown, req: HubFileRequest, hub: HubOptions): Error {
  if (err instanceof VerificationError || err instanceof HubUnreachableError) return err;
  if (err instanceof HubApiError) {
    const hint =
      err.statusCode === 401 || err.statusCode === 403
        ? ' (a gated or private repo: set HF_TOKEN to a token with access)'
        : err.statusCode === 404
          ? ' (no such repo or revision)'
          : '';
    return new Error(`${hub.hubUrl}/${req.repo} ${req.path}: HTTP ${err.statusCode}${hint}`);
  }
  // By name, not instanceof: fetch's TypeError may come from another realm (test runners' VMs).
  if (isErrorLike(err) && err.name === 'TypeError' && /fetch failed/i.test(err.message)) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return new HubUnreachableError(`cannot reach ${hub.hubUrl} (${cause?.code ?? cause?.message ?? 'fetch failed'})`);
  }
  return isErrorLike(err) ? err : new Error(String(err));
}

function isErrorLike(err: unknown): err is Error {
  return typeof err === 'object' && err !== null && typeof (err as Error).message === 'string';
}
