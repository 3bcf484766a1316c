/**
 * Per-request context: the request id (accepted from `x-request-id` when well formed, otherwise a
 * new UUID — see `requestIdFrom`), echoed on every response; the request's deadline (its time
 * budget); and an AbortSignal that fires when the client goes away, so downstream calls stop too.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { REQUEST_ID_KEY } from '@tit/kit';

/** Same rule as the kit's gRPC side, so an accepted id is also accepted by every hop. */
export const REQUEST_ID_PATTERN = /^[\w.:-]{1,128}$/;

/** Fastify `genReqId`: the caller's `x-request-id` when valid, else a new UUID. */
export function requestIdFrom(req: IncomingMessage): string {
  const v = req.headers[REQUEST_ID_KEY];
  return typeof v === 'string' && REQUEST_ID_PATTERN.test(v) ? v : randomUUID();
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Absolute deadline (ms since epoch) of this request; downstream calls get what remains. */
    deadlineAt: number;
    /** Aborted when the client disconnects before the response is sent. */
    abortSignal: AbortSignal;
  }
}

export interface RequestContextOptions {
  /** Budget of one request in ms. */
  timeoutMs: number;
}

export const requestContextPlugin = fp<RequestContextOptions>(
  async (app: FastifyInstance, opts) => {
    app.decorateRequest('deadlineAt', 0);
    app.decorateRequest('abortSignal', null as unknown as AbortSignal);
    app.addHook('onRequest', async (request, reply) => {
      request.deadlineAt = Date.now() + opts.timeoutMs;
      const controller = new AbortController();
      request.abortSignal = controller.signal;
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) controller.abort(new Error('client disconnected'));
      });
      void reply.header(REQUEST_ID_KEY, request.id);
      // Responses are JSON, images or the UI's static files: never let a browser sniff another type.
      void reply.header('x-content-type-options', 'nosniff');
    });
  },
  { name: 'request-context' },
);
