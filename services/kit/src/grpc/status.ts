import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { DomainError, type DomainErrorKind } from '../errors/domain-errors';

const CODES: Record<DomainErrorKind, status> = {
  invalid_input: status.INVALID_ARGUMENT,
  not_found: status.NOT_FOUND,
  failed_precondition: status.FAILED_PRECONDITION,
  overloaded: status.RESOURCE_EXHAUSTED,
  too_large: status.RESOURCE_EXHAUSTED,
  unavailable: status.UNAVAILABLE,
  deadline: status.DEADLINE_EXCEEDED,
  aborted: status.ABORTED,
};

/**
 * Longest status message sent, in UTF-8 bytes. Messages may quote client input (an unknown model
 * or generation id); unbounded, a 100 KB one overflows the client's metadata limit, and the call,
 * and every other call on that connection, hangs until its deadline.
 */
export const MAX_STATUS_MESSAGE_BYTES = 1024;

/** `message` cut to {@link MAX_STATUS_MESSAGE_BYTES} (whole characters, then an ellipsis). */
export function boundedMessage(message: string): string {
  if (Buffer.byteLength(message, 'utf8') <= MAX_STATUS_MESSAGE_BYTES) return message;
  let out = '';
  let bytes = 0;
  for (const ch of message) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (bytes + n > MAX_STATUS_MESSAGE_BYTES - 3) break;
    out += ch;
    bytes += n;
  }
  return `${out}…`;
}

/** A gRPC error with a code and a (bounded) message, ready for a callback or `call.emit('error')`. */
export function grpcError(code: status, message: string, metadata = new Metadata()): ServiceError {
  const details = boundedMessage(message);
  const err: ServiceError = Object.assign(new Error(details), { code, details, metadata });
  return err;
}

/**
 * The one mapping from thrown errors to gRPC statuses. Domain errors keep their message; anything
 * else becomes INTERNAL with a generic message while the real error is logged.
 */
export function toServiceError(err: unknown, log: Logger): ServiceError {
  if (err instanceof DomainError) {
    const md = new Metadata();
    md.set('x-error-kind', err.kind);
    return grpcError(CODES[err.kind], err.message, md);
  }
  if (isServiceError(err)) return err;
  log.error({ err }, 'unexpected error');
  return grpcError(status.INTERNAL, 'internal error');
}

export function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === 'number' && 'metadata' in err;
}
