import { Metadata, type ServerUnaryCall, type ServerReadableStream, type sendUnaryData } from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { toServiceError } from './status';

/** Metadata key (and HTTP header) that carries the request id through every hop. */
export const REQUEST_ID_KEY = 'x-request-id';

/** What a handler gets besides the request: a logger bound to the request id, the id, the deadline. */
export interface RequestContext {
  readonly requestId: string;
  readonly log: Logger;
  /** Absolute deadline in ms since epoch, or Infinity when the caller set none. */
  readonly deadline: number;
  /** Aborted when the caller cancels or the deadline passes. */
  readonly signal: AbortSignal;
}

/** The request id from incoming metadata, or a new one when absent or malformed. */
export function requestIdOf(metadata: Metadata): string {
  const v = metadata.get(REQUEST_ID_KEY)[0];
  return typeof v === 'string' && /^[\w.:-]{1,128}$/.test(v) ? v : randomUUID();
}

/** Metadata carrying a request id, for outgoing calls. */
export function requestMetadata(requestId: string | undefined): Metadata {
  const md = new Metadata();
  if (requestId) md.set(REQUEST_ID_KEY, requestId);
  return md;
}

type Call = ServerUnaryCall<unknown, unknown> | ServerReadableStream<unknown, unknown>;

/**
 * The context of one call, and `end()`, which the adapters call when the call is answered: it
 * clears the deadline timer and the cancel listener. (A timer left armed keeps the context, its
 * logger and the call reachable until the deadline passes: with 30 s deadlines at a few hundred
 * calls per second that was hundreds of MB of heap, measured under load.)
 */
function contextOf(call: Call, log: Logger, method: string): { ctx: RequestContext; end: () => void } {
  const requestId = requestIdOf(call.metadata);
  const d = call.getDeadline();
  const deadline = d instanceof Date ? d.getTime() : d === Infinity || d === undefined ? Infinity : Number(d);
  const controller = new AbortController();
  const onCancelled = (): void => controller.abort(new Error('cancelled by the caller'));
  call.once('cancelled', onCancelled);
  const timer = Number.isFinite(deadline)
    ? setTimeout(() => controller.abort(new Error('deadline exceeded')), Math.max(0, deadline - Date.now()))
    : undefined;
  timer?.unref();
  // The child logger is made on first use: most calls log nothing at the default level, and a
  // pino child per call was a measurable share of a small call's CPU.
  let child: Logger | undefined;
  const ctx: RequestContext = {
    requestId,
    deadline,
    signal: controller.signal,
    get log() {
      return (child ??= log.child({ requestId, method }));
    },
  };
  return {
    ctx,
    end: () => {
      if (timer) clearTimeout(timer);
      call.removeListener('cancelled', onCancelled);
    },
  };
}

/**
 * Adapts an async function to a grpc-js unary handler: builds the request context, awaits the
 * result, and maps any thrown error through the one error mapping. The callback is called exactly once.
 */
export function unary<Req, Res>(
  log: Logger,
  method: string,
  fn: (req: Req, ctx: RequestContext) => Promise<Res>,
): (call: ServerUnaryCall<Req, Res>, cb: sendUnaryData<Res>) => void {
  return (call, cb) => {
    const { ctx, end } = contextOf(call, log, method);
    const started = performance.now();
    fn(call.request, ctx).then(
      (res) => {
        end();
        if (log.isLevelEnabled('debug')) ctx.log.debug({ ms: +(performance.now() - started).toFixed(2) }, 'ok');
        cb(null, res);
      },
      (err: unknown) => {
        end();
        const e = toServiceError(err, ctx.log);
        ctx.log.info({ code: e.code, msg: e.details, ms: +(performance.now() - started).toFixed(2) }, 'failed');
        cb(e);
      },
    );
  };
}

/** Adapts an async function consuming a client stream (for await over the call) to a handler. */
export function clientStream<Req, Res>(
  log: Logger,
  method: string,
  fn: (stream: AsyncIterable<Req>, ctx: RequestContext) => Promise<Res>,
): (call: ServerReadableStream<Req, Res>, cb: sendUnaryData<Res>) => void {
  return (call, cb) => {
    const { ctx, end } = contextOf(call, log, method);
    fn(call as AsyncIterable<Req>, ctx).then(
      (res) => {
        end();
        cb(null, res);
      },
      (err: unknown) => {
        end();
        const e = toServiceError(err, ctx.log);
        ctx.log.info({ code: e.code, msg: e.details }, 'failed');
        cb(e);
      },
    );
  };
}
