/**
 * Errors that domain code throws. They carry no gRPC or HTTP knowledge: the gRPC edge
 * (`grpc/status.ts`) maps each kind to a status code in one place, and the gateway maps status
 * codes to HTTP once.
 */
export type DomainErrorKind =
  | 'invalid_input'
  | 'not_found'
  | 'failed_precondition'
  | 'overloaded'
  | 'too_large'
  | 'unavailable'
  | 'deadline'
  | 'aborted';

export abstract class DomainError extends Error {
  abstract readonly kind: DomainErrorKind;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The caller sent something the service refuses; retrying the same input will fail again. */
export class InvalidInputError extends DomainError {
  readonly kind = 'invalid_input';
}
/** The named thing does not exist. */
export class NotFoundError extends DomainError {
  readonly kind = 'not_found';
}
/** The system is not in the state the call needs (wrong model for the index, nothing committed). */
export class FailedPreconditionError extends DomainError {
  readonly kind = 'failed_precondition';
}
/** Too much work queued; the caller should back off and retry. */
export class OverloadedError extends DomainError {
  readonly kind = 'overloaded';
}
/** An input exceeds a size limit (bytes, pixels). */
export class TooLargeError extends DomainError {
  readonly kind = 'too_large';
}
/** The service cannot work right now (model loading, draining); retry elsewhere or later. */
export class UnavailableError extends DomainError {
  readonly kind = 'unavailable';
}
/** The work did not finish within the caller's deadline. */
export class DeadlineError extends DomainError {
  readonly kind = 'deadline';
}
/** A concurrent change won (the generation was committed or aborted meanwhile). */
export class ConflictError extends DomainError {
  readonly kind = 'aborted';
}
