/**
 * Request logging: ONE line per request, at completion, with what an operator needs (request id,
 * method, path, route, status, time). The "incoming request" line moves to debug: it doubles the
 * log volume and its write syscall was a measurable share of the gateway's CPU per request.
 * Probes and scrapes are not logged at all.
 */
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

const PROBE_PATHS = new Set(['/healthz', '/readyz', '/metrics']);
const pathOf = (url: string): string => url.split('?')[0] ?? url;

export class GatewayLogController extends LogController {
  constructor() {
    super({
      requestIdLogLabel: 'requestId',
      disableRequestLogging: (request: FastifyRequest) => PROBE_PATHS.has(pathOf(request.url)),
    });
  }

  override incomingRequest(request: FastifyRequest): void {
    if (this.isLogDisabled(request)) return;
    request.log.debug({ method: request.method, path: pathOf(request.url) }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    const fields = {
      method: request.method,
      path: pathOf(request.url),
      route: request.routeOptions.url,
      statusCode: reply.statusCode,
      responseTime: +reply.elapsedTime.toFixed(2),
    };
    if (!error) reply.log.info(fields, 'request completed');
    // 503/504 are expected operational answers (not ready yet, a backend down, a deadline): one
    // warning line, no stack. Other 5xx are defects and get the full error.
    else if (reply.statusCode === 503 || reply.statusCode === 504 || reply.statusCode < 500)
      reply.log.warn({ ...fields, reason: error.message }, 'request failed');
    else reply.log.error({ ...fields, err: error }, 'request errored');
  }
}
