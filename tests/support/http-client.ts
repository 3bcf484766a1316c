/**
 * A small HTTP client over node:http for the end-to-end tests: raw bodies and headers (hostile
 * requests that fetch would refuse to send), a chosen local address (127.0.0.x: a distinct client
 * for the gateway's per-IP rate limits), keep-alive agents for load, and a one-line description of a
 * response ("415 unsupported_media_type") that the reliability table records.
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** Milliseconds from sending to the end of the response body. */
  ms: number;
  json(): Record<string, unknown>;
}

export interface RequestOptions {
  method?: string;
  headers?: http.OutgoingHttpHeaders;
  body?: Buffer | string;
  /** Source address on this machine (127.0.0.0/8), for per-client limits. */
  localAddress?: string;
  agent?: http.Agent;
  timeoutMs?: number;
}

/** One request; rejects only on transport errors (refused, reset, timeout), never on a status. */
export function request(url: string, opts: RequestOptions = {}): Promise<HttpResponse> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const body = typeof opts.body === 'string' ? Buffer.from(opts.body) : opts.body;
    const req = http.request(
      url,
      {
        method: opts.method ?? (body ? 'POST' : 'GET'),
        headers: { ...(body ? { 'content-length': body.length } : {}), ...opts.headers },
        ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
        agent: opts.agent ?? false,
        timeout: opts.timeoutMs ?? 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const buf = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: buf,
            ms: performance.now() - started,
            json: () => JSON.parse(buf.toString('utf8')) as Record<string, unknown>,
          });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout after ${opts.timeoutMs ?? 30_000} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** JSON POST. */
export function postJson(url: string, value: unknown, opts: RequestOptions = {}): Promise<HttpResponse> {
  const body = typeof value === 'string' ? value : JSON.stringify(value);
  return request(url, { ...opts, method: 'POST', body, headers: { 'content-type': 'application/json', ...opts.headers } });
}

export type Part = { name: string; value: string } | { name: string; filename: string; contentType: string; data: Buffer };

/** A multipart/form-data body built by hand (any number of parts, any bytes). */
export function multipart(parts: readonly Part[]): { body: Buffer; contentType: string } {
  const boundary = `----tit${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const head =
      'filename' in p
        ? `content-disposition: form-data; name="${p.name}"; filename="${p.filename}"\r\ncontent-type: ${p.contentType}\r\n\r\n`
        : `content-disposition: form-data; name="${p.name}"\r\n\r\n`;
    chunks.push(Buffer.from(`--${boundary}\r\n${head}`), 'filename' in p ? p.data : Buffer.from(p.value), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** Multipart POST. */
export function postForm(url: string, parts: readonly Part[], opts: RequestOptions = {}): Promise<HttpResponse> {
  const { body, contentType } = multipart(parts);
  return request(url, { ...opts, method: 'POST', body, headers: { 'content-type': contentType, ...opts.headers } });
}

/** An image file part. */
export const imagePart = (data: Buffer, filename = 'photo.jpg', contentType = 'image/jpeg'): Part => ({
  name: 'image',
  filename,
  contentType,
  data,
});

const PROBLEM_MEMBERS = ['type', 'title', 'status', 'detail', 'code', 'requestId'] as const;

/**
 * One line for the table: `200`, or for errors `<status> <code>` when the body is a complete
 * problem document (RFC 9457 members plus code and requestId, its status equal to the HTTP status),
 * with `, Retry-After` when that header is present; anything else says what was wrong.
 */
export function outcomeOf(res: HttpResponse): string {
  if (res.status < 400) return String(res.status);
  const retry = res.headers['retry-after'] !== undefined ? ', Retry-After' : '';
  const ct = String(res.headers['content-type'] ?? '');
  if (!ct.startsWith('application/problem+json')) return `${res.status} (not problem+json: ${ct || 'no content type'})${retry}`;
  let p: Record<string, unknown>;
  try {
    p = res.json();
  } catch {
    return `${res.status} (problem body is not JSON)${retry}`;
  }
  const missing = PROBLEM_MEMBERS.filter((m) => p[m] === undefined);
  if (missing.length > 0) return `${res.status} (problem without ${missing.join(', ')})${retry}`;
  if (p.status !== res.status) return `${res.status} (problem says status ${String(p.status)})${retry}`;
  return `${res.status} ${String(p.code)}${retry}`;
}

/** Polls `fn` until it returns true (or throws after `timeoutMs`, naming `what`). */
export async function waitFor(what: string, fn: () => Promise<boolean>, timeoutMs = 90_000, everyMs = 200): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if (await fn().catch(() => false)) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what}: not true after ${Math.round(timeoutMs / 1000)} s`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Resolves once the gateway's /readyz is 200 (services SERVING and a generation committed). */
export function waitReady(gatewayUrl: string, timeoutMs = 90_000): Promise<number> {
  return waitFor('gateway /readyz', async () => (await request(`${gatewayUrl}/readyz`, { timeoutMs: 3000 })).status === 200, timeoutMs);
}
