/**
 * Turns every error into an RFC 9457 `application/problem+json` response carrying the request id.
 * ApiErrors keep their code and detail; Fastify's own 4xx errors (validation, body limits, multipart
 * limits, media types) are translated to registered codes; anything else is a 500 whose body says
 * nothing about the cause (the cause is logged with the request id).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Socket } from 'node:net';
import { ApiError, ERROR_CODES, PROBLEM_TYPE_PREFIX, type ErrorCode, type FieldProblem } from './api-error';

/** The problem document (RFC 9457) plus this API's members `code`, `requestId` and `errors`. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: ErrorCode;
  requestId: string;
  errors?: FieldProblem[];
  [extension: string]: unknown;
}

/** JSON schema of a problem, used in route response schemas (so /docs shows it). */
export const problemSchema = {
  $id: 'Problem',
  type: 'object',
  description: 'An RFC 9457 problem document.',
  required: ['type', 'title', 'status', 'detail', 'code', 'requestId'],
  additionalProperties: true,
  properties: {
    type: { type: 'string', description: `\`${PROBLEM_TYPE_PREFIX}<code>\`` },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string', description: 'The request path.' },
    code: { type: 'string', enum: Object.keys(ERROR_CODES) },
    requestId: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        properties: { field: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
} as const;

/** Build the problem document of an ApiError for a request. */
export function toProblem(err: ApiError, request: FastifyRequest): Problem {
  return {
    ...err.extra,
    type: `${PROBLEM_TYPE_PREFIX}${err.code}`,
    title: err.title,
    status: err.statusCode,
    detail: err.detail,
    instance: request.url.split('?')[0] ?? request.url,
    code: err.code,
    requestId: request.id,
    ...(err.errors ? { errors: err.errors } : {}),
  };
}

/** Sends an ApiError as problem+json (also used by routes that answer errors without throwing). */
export function sendProblem(reply: FastifyReply, err: ApiError): FastifyReply {
  if (err.retryAfterS !== undefined) void reply.header('retry-after', String(Math.max(1, Math.ceil(err.retryAfterS))));
  return reply
    .code(err.statusCode)
    .type('application/problem+json; charset=utf-8')
    .send(JSON.stringify(toProblem(err, reply.request)));
}

interface ValidationItem {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

function fieldProblems(validation: readonly ValidationItem[]): FieldProblem[] {
  return validation.map((v) => {
    const missing = v.params?.missingProperty;
    const extra = v.params?.additionalProperty;
    const base = v.instancePath ?? '';
    if (typeof missing === 'string') return { field: `${base}/${missing}`, message: 'is required' };
    if (typeof extra === 'string') return { field: `${base}/${extra}`, message: 'is not an allowed field' };
    return { field: base, message: v.message ?? 'is invalid' };
  });
}

const BY_FASTIFY_CODE: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_REQ_FILE_TOO_LARGE: 'payload_too_large',
  FST_PARTS_LIMIT: 'payload_too_large',
  FST_FILES_LIMIT: 'payload_too_large',
  FST_FIELDS_LIMIT: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'unsupported_media_type',
  FST_INVALID_JSON_FIELD_ERROR: 'invalid_request',
  FST_PROTO_VIOLATION: 'invalid_request',
};

const BY_STATUS: Record<number, ErrorCode> = {
  401: 'unauthorized',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'unsupported_media_type',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

/** Friendlier details for limit errors whose Fastify messages do not name the limit. */
export interface LimitDetails {
  maxUploadBytes: number;
  maxJsonBytes: number;
}

function isMultipart(request: FastifyRequest): boolean {
  return (request.headers['content-type'] ?? '').toLowerCase().startsWith('multipart/');
}

/** Classifies any thrown value as an ApiError. Exported for tests. */
export function classify(err: unknown, request: FastifyRequest, limits: LimitDetails): ApiError {
  if (err instanceof ApiError) return err;
  const e = err as Partial<FastifyError> & { validation?: ValidationItem[] };
  if (Array.isArray(e.validation)) {
    const errors = fieldProblems(e.validation);
    const detail = errors.map((p) => `${p.field || 'body'} ${p.message}`).join('; ');
    return new ApiError('invalid_request', detail, { errors, cause: err });
  }
  const code = e.code ? BY_FASTIFY_CODE[e.code] : undefined;
  if (e.code === 'FST_REQ_FILE_TOO_LARGE')
    return new ApiError('payload_too_large', `the image exceeds the upload limit of ${limits.maxUploadBytes} bytes`);
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return new ApiError('payload_too_large', `the body exceeds the limit of ${limits.maxJsonBytes} bytes`);
  if (code === 'payload_too_large')
    return new ApiError(code, `the multipart body has too many parts, files or fields (${e.message ?? ''})`);
  if (code) return new ApiError(code, e.message ?? ERROR_CODES[code].title);
  const statusCode = typeof e.statusCode === 'number' ? e.statusCode : 500;
  if (statusCode >= 400 && statusCode < 500) {
    return new ApiError(BY_STATUS[statusCode] ?? 'invalid_request', e.message ?? 'invalid request', { cause: err });
  }
  // Busboy reports malformed multipart bodies with plain Errors while the body is parsed, before
  // any handler runs: the client sent bad bytes, which is a 400, not a server fault.
  if (isMultipart(request) && !request.handlerStarted) {
    return new ApiError('invalid_request', 'the multipart body is malformed', { cause: err });
  }
  return new ApiError('internal', 'internal error', { cause: err });
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when the route handler begins; errors before it come from parsing or validation. */
    handlerStarted: boolean;
  }
}

/** How long, and how many more body bytes, a refused request's unread body is read and dropped. */
const LINGER_MS = 5000;
const LINGER_BYTES = 64 * 2 ** 20;

/**
 * Lingering close for a request refused before its body was read (a body over the limit, a bad
 * multipart stream). Fastify answers it with `connection: close`, and Node then closes the socket
 * as soon as the answer is written; if the client is still sending, the server's kernel resets the
 * connection and the client sees EPIPE/ECONNRESET instead of the 413 it was sent (seen in the
 * bad-input tests). Here only the sending side is shut once the answer is out: the rest of the
 * body is read and dropped until it ends, bounded in time and bytes (nginx's lingering close),
 * and then the socket is closed.
 */
function lingerOnUnreadBody(request: FastifyRequest): void {
  const req = request.raw;
  const socket = req.socket as (Socket & { destroySoon?: () => void }) | null;
  // Only real connections (light-my-request's injected requests have a stand-in socket).
  if (req.complete || req.destroyed || !(socket instanceof Socket) || socket.destroyed) return;
  let dropped = 0;
  const close = (): void => {
    clearTimeout(timer);
    socket.destroy();
  };
  const timer = setTimeout(close, LINGER_MS);
  timer.unref();
  // Node's server calls destroySoon() after writing a `connection: close` answer; end() sends FIN
  // and keeps the socket readable (HTTP server sockets allow half-open connections).
  socket.destroySoon = () => {
    socket.end();
    if (req.complete) close();
  };
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > LINGER_BYTES) close();
  });
  req.once('end', () => {
    clearTimeout(timer);
    if (socket.writableEnded) socket.destroy();
  });
  socket.once('close', () => clearTimeout(timer));
  req.resume();
}

/** Registers the error and not-found handlers on the root instance. */
export const errorHandlerPlugin = fp<LimitDetails>(
  async (app: FastifyInstance, limits) => {
    app.decorateRequest('handlerStarted', false);
    app.addHook('preHandler', async (request) => {
      request.handlerStarted = true;
    });
    app.setErrorHandler(async (err, request, reply) => {
      const apiError = classify(err, request, limits);
      if (apiError.statusCode >= 500) {
        request.log.error({ err: apiError.cause ?? err, code: apiError.code }, 'request failed');
      } else {
        request.log.info({ code: apiError.code, detail: apiError.detail }, 'request refused');
      }
      lingerOnUnreadBody(request);
      return sendProblem(reply, apiError);
    });
    app.setNotFoundHandler(async (request, reply) =>
      sendProblem(reply, new ApiError('not_found', `no route ${request.method} ${request.url.split('?')[0] ?? ''}`)),
    );
  },
  { name: 'error-handler' },
);
