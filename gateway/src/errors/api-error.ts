/**
 * The one registry of the gateway's error codes. Every error a client can see has a code here, an
 * HTTP status and a stable title; the error handler turns an ApiError into an RFC 9457
 * `application/problem+json` body whose `type` is `PROBLEM_TYPE_PREFIX + code`.
 */
export const ERROR_CODES = {
  invalid_request: { status: 400, title: 'The request is invalid' },
  unauthorized: { status: 401, title: 'A valid admin API key is required' },
  not_found: { status: 404, title: 'Not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  conflict: { status: 409, title: 'Conflict' },
  payload_too_large: { status: 413, title: 'The request is too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  undecodable_image: { status: 422, title: 'The image cannot be decoded' },
  rate_limited: { status: 429, title: 'Too many requests' },
  overloaded: { status: 429, title: 'The service is overloaded' },
  internal: { status: 500, title: 'Internal error' },
  not_ready: { status: 503, title: 'The service is not ready' },
  unavailable: { status: 503, title: 'A backend service is unavailable' },
  deadline_exceeded: { status: 504, title: 'The request took longer than its deadline' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Prefix of every problem `type` URI (a URN: stable, not meant to be dereferenced). */
export const PROBLEM_TYPE_PREFIX = 'urn:text-image-text:problem:';

/** One invalid field of a request. */
export interface FieldProblem {
  /** JSON pointer-ish path of the field (`/k`, `/image`), or `''` for the whole body. */
  field: string;
  message: string;
}

export interface ApiErrorOptions {
  /** Seconds the client should wait before retrying (Retry-After). */
  retryAfterS?: number;
  /** Invalid fields, for 400s. */
  errors?: FieldProblem[];
  /** Extra problem members (RFC 9457 extensions), e.g. readiness details. */
  extra?: Record<string, unknown>;
  cause?: unknown;
}

/** An error with a registered code; the only kind of error the error handler shows in detail. */
export class ApiError extends Error {
  readonly retryAfterS?: number;
  readonly errors?: FieldProblem[];
  readonly extra?: Record<string, unknown>;

  constructor(
    readonly code: ErrorCode,
    /** Human-readable detail. For 5xx codes it must not reveal internals. */
    readonly detail: string,
    opts: ApiErrorOptions = {},
  ) {
    super(detail, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ApiError';
    this.retryAfterS = opts.retryAfterS;
    this.errors = opts.errors;
    this.extra = opts.extra;
  }

  get statusCode(): number {
    return ERROR_CODES[this.code].status;
  }

  get title(): string {
    return ERROR_CODES[this.code].title;
  }
}
