/**
 * Prometheus metrics of one gateway instance (own registry, so several apps in one test process do
 * not collide): request counts and latency per route, and per downstream gRPC call.
 * Labels use route templates (`/v1/images/:imageId`), never raw URLs, to keep cardinality bounded.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const LATENCY_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: 'gateway_http_requests_total',
    help: 'HTTP requests by route template, method and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'gateway_http_request_duration_seconds',
    help: 'HTTP request latency by route template, method and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: LATENCY_BUCKETS_S,
    registers: [this.registry],
  });
  readonly downstreamCalls = new Counter({
    name: 'gateway_downstream_calls_total',
    help: 'gRPC calls to the services by service, method and gRPC status name.',
    labelNames: ['service', 'method', 'code'] as const,
    registers: [this.registry],
  });
  readonly downstreamDuration = new Histogram({
    name: 'gateway_downstream_call_duration_seconds',
    help: 'gRPC call latency by service, method and gRPC status name.',
    labelNames: ['service', 'method', 'code'] as const,
    buckets: LATENCY_BUCKETS_S,
    registers: [this.registry],
  });

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'gateway_' });
  }

  /** Records one finished downstream call. */
  observeCall(service: string, method: string, code: string, seconds: number): void {
    this.downstreamCalls.inc({ service, method, code });
    this.downstreamDuration.observe({ service, method, code }, seconds);
  }
}

/** Counts every response and serves GET /metrics. */
export const metricsPlugin = fp<{ metrics: GatewayMetrics }>(
  async (app: FastifyInstance, { metrics }) => {
    app.addHook('onResponse', async (request, reply) => {
      const labels = {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: String(reply.statusCode),
      };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
    });
    app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
      const body = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(body);
    });
  },
  { name: 'metrics' },
);
