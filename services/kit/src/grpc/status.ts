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

/** A gRPC error with a code and a message, ready for a callback or `call.emit('error')`. */
export function grpcError(code: status, message: string, metadata = new Metadata()): ServiceError {
  const err: ServiceError = Object.assign(new Error(message), { code, details: message, metadata });
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
