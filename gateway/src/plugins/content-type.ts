/**
 * Routes declare the media types their body may have (`config.contentTypes`); anything else is a
 * 415 before the body is read. Without it a multipart body sent to a JSON route (or the reverse)
 * would be parsed and then fail validation with a confusing 400.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError } from '../errors/api-error';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Accepted body media types (without parameters), e.g. ['application/json']. */
    contentTypes?: readonly string[];
  }
}

export const contentTypePlugin = fp(
  async (app: FastifyInstance) => {
    app.addHook('onRequest', async (request) => {
      const accepted = request.routeOptions.config.contentTypes;
      if (!accepted) return;
      const raw = request.headers['content-type'];
      const hasBody = raw !== undefined || Number(request.headers['content-length'] ?? 0) > 0;
      if (!hasBody) return;
      const type = (raw ?? '').split(';')[0].trim().toLowerCase();
      if (!accepted.includes(type)) {
        throw new ApiError(
          'unsupported_media_type',
          `content type ${JSON.stringify(type || 'none')} is not accepted here; use ${accepted.join(' or ')}`,
        );
      }
    });
  },
  { name: 'content-type' },
);
