import { status, type ServiceError } from '@grpc/grpc-js';
import {
  ConflictError,
  DeadlineError,
  FailedPreconditionError,
  InvalidInputError,
  NotFoundError,
  OverloadedError,
  TooLargeError,
  UnavailableError,
  isServiceError,
} from '@tit/kit';

type Make = (message: string, err: ServiceError) => Error;

/** Codes with a domain meaning; the rest stay plain errors. */
const BY_CODE: Partial<Record<status, Make>> = {
  [status.UNAVAILABLE]: (m) => new UnavailableError(m),
  // The peer went away mid-call (a server's forced shutdown cancels streams): transient too.
  [status.CANCELLED]: (m) => new UnavailableError(m),
  [status.DEADLINE_EXCEEDED]: (m) => new DeadlineError(m),
  // The kit maps both overloaded and too-large to RESOURCE_EXHAUSTED; x-error-kind tells them apart.
  [status.RESOURCE_EXHAUSTED]: (m, err) =>
    err.metadata?.get('x-error-kind')[0] === 'too_large' ? new TooLargeError(m) : new OverloadedError(m),
  [status.INVALID_ARGUMENT]: (m) => new InvalidInputError(m),
  [status.OUT_OF_RANGE]: (m) => new InvalidInputError(m),
  [status.NOT_FOUND]: (m) => new NotFoundError(m),
  [status.FAILED_PRECONDITION]: (m) => new FailedPreconditionError(m),
  [status.ABORTED]: (m) => new ConflictError(m),
};

/**
 * Turns a failed outgoing call into a kit domain error, so the job logic decides on retries by
 * kind without knowing gRPC. The message names the peer and the method. Codes with no domain
 * meaning (INTERNAL, UNKNOWN, DATA_LOSS...) stay plain errors: BullMQ retries the job attempt.
 */
export function fromGrpcError(err: unknown, peer: string, method: string): Error {
  if (!isServiceError(err)) return err instanceof Error ? err : new Error(String(err));
  const message = `${peer} ${method}: ${err.details || err.message}`;
  const make = BY_CODE[err.code];
  if (make) return make(message, err);
  return new Error(message);
}
