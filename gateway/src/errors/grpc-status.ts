/**
 * The ONE mapping from downstream gRPC statuses to the gateway's HTTP errors.
 *
 * | gRPC status          | HTTP | code                   | why                                              |
 * |----------------------|------|------------------------|--------------------------------------------------|
 * | INVALID_ARGUMENT     | 400  | invalid_request        | the input was refused (422 for a captioned image) |
 * | NOT_FOUND            | 404  | not_found              |                                                  |
 * | RESOURCE_EXHAUSTED   | 429  | overloaded + Retry-After (413 when the service says the input is too large) |
 * | UNAVAILABLE          | 503  | unavailable + Retry-After                                                 |
 * | DEADLINE_EXCEEDED    | 504  | deadline_exceeded      |                                                  |
 * | FAILED_PRECONDITION  | 503  | not_ready + Retry-After | the index serves no generation yet, or one built |
 * |                      |      |                        | with another model: server state that a re-index |
 * |                      |      |                        | fixes, not something the client can change (so   |
 * |                      |      |                        | not 409)                                         |
 * | ABORTED              | 409  | conflict               | a concurrent change won                          |
 * | anything else        | 500  | internal               | message replaced, details only in the log        |
 */
import { status, type ServiceError } from '@grpc/grpc-js';
import { isServiceError } from '@tit/kit';
import { ApiError } from './api-error';

/** Which hop failed; `image` marks calls whose INVALID_ARGUMENT means "this image cannot be used". */
export interface HopInfo {
  service: 'captioner' | 'embedder' | 'search';
  method: string;
  input?: 'image';
}

/** Retry-After hints in seconds. */
export const RETRY_AFTER_S = { overloaded: 1, unavailable: 2, notReady: 5 } as const;

function errorKind(err: ServiceError): string | undefined {
  const v = err.metadata?.get('x-error-kind')[0];
  return typeof v === 'string' ? v : undefined;
}

/** Translates an error thrown by a gRPC call into an ApiError. Non-gRPC errors become internal. */
export function fromGrpcError(err: unknown, hop: HopInfo): ApiError {
  if (err instanceof ApiError) return err;
  if (!isServiceError(err)) return new ApiError('internal', 'internal error', { cause: err });
  // 4xx details come from the services' domain errors, which name the violated limit for the caller.
  const details = err.details || err.message;
  switch (err.code) {
    case status.INVALID_ARGUMENT:
      return hop.input === 'image'
        ? new ApiError('undecodable_image', details, { cause: err })
        : new ApiError('invalid_request', details, { cause: err });
    case status.NOT_FOUND:
      return new ApiError('not_found', details, { cause: err });
    case status.RESOURCE_EXHAUSTED:
      return errorKind(err) === 'too_large'
        ? new ApiError('payload_too_large', details, { cause: err })
        : new ApiError('overloaded', `the ${hop.service} service is overloaded; retry later`, {
            retryAfterS: RETRY_AFTER_S.overloaded,
            cause: err,
          });
    case status.UNAVAILABLE:
    case status.CANCELLED:
      return new ApiError('unavailable', `the ${hop.service} service is unavailable; retry later`, {
        retryAfterS: RETRY_AFTER_S.unavailable,
        cause: err,
      });
    case status.DEADLINE_EXCEEDED:
      return new ApiError('deadline_exceeded', 'the request did not finish within its deadline', { cause: err });
    case status.FAILED_PRECONDITION:
      return new ApiError('not_ready', 'the index is not ready (nothing is served yet, or a re-index is needed)', {
        retryAfterS: RETRY_AFTER_S.notReady,
        cause: err,
      });
    case status.ABORTED:
      return new ApiError('conflict', details, { cause: err });
    case status.OK:
    case status.UNKNOWN:
    case status.ALREADY_EXISTS:
    case status.PERMISSION_DENIED:
    case status.OUT_OF_RANGE:
    case status.UNIMPLEMENTED:
    case status.INTERNAL:
    case status.DATA_LOSS:
    case status.UNAUTHENTICATED:
    default:
      return new ApiError('internal', 'internal error', { cause: err });
  }
}
