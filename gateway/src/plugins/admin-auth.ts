/**
 * The admin key guard of index mutations. When ADMIN_API_KEY is set, a request must carry it as
 * `x-api-key: <key>` or `Authorization: Bearer <key>`. Keys are compared in constant time (both
 * sides hashed first, so neither the content nor the length leaks through timing).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { ApiError } from '../errors/api-error';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Constant-time equality of two secrets. */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string') return header;
  const auth = request.headers.authorization;
  const m = typeof auth === 'string' ? /^Bearer\s+(.+)$/i.exec(auth) : null;
  return m?.[1];
}

/** An onRequest hook that refuses the request unless it carries `adminKey` (a no-op when unset). */
export function adminGuard(adminKey: string | undefined): onRequestAsyncHookHandler {
  return async (request, reply) => {
    if (!adminKey) return;
    const key = presentedKey(request);
    if (key === undefined || !safeEqual(key, adminKey)) {
      void reply.header('www-authenticate', 'Bearer realm="index"');
      throw new ApiError('unauthorized', 'this endpoint needs the admin API key (x-api-key or Authorization: Bearer)');
    }
  };
}
