/**
 * buildApp(deps): the gateway's Fastify instance with every plugin and route registered, not
 * listening (main.ts listens; tests use `app.inject()` or listen on port 0).
 */
import Fastify from 'fastify';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { closeDeps, routeContext, type GatewayDeps } from './deps';
import { ApiError } from './errors/api-error';
import { errorHandlerPlugin, problemSchema } from './errors/error-handler';
import { RETRY_AFTER_S } from './errors/grpc-status';
import { resolveRoots } from './domain/dataset-paths';
import { contentTypePlugin } from './plugins/content-type';
import { GatewayLogController } from './plugins/log-controller';
import { GatewayMetrics, metricsPlugin } from './plugins/metrics';
import { requestContextPlugin, requestIdFrom } from './plugins/request-context';
import { validatorCompiler } from './plugins/validation';
import { captionRoutes } from './routes/captions.routes';
import { healthRoutes } from './routes/health.routes';
import { imageRoutes } from './routes/images.routes';
import { indexRoutes } from './routes/index.routes';
import { searchRoutes } from './routes/search.routes';
import { uiRoutes } from './routes/ui.routes';
import { BLEU_DESCRIPTION, SCORE_DESCRIPTION } from './schemas/common';

export interface BuildOptions {
  /** Close the deps (gRPC channels, queue) when the app closes. Default true. */
  closeDeps?: boolean;
  /** Folder of the web UI; default gateway/public. */
  publicDir?: string;
}

/** Replaces the `isFile` marker of upload fields with the OpenAPI binary string type. */
function documentFileFields(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(documentFileFields);
  if (!schema || typeof schema !== 'object') return schema;
  const s = schema as Record<string, unknown>;
  if (s.isFile === true) {
    const { isFile: _isFile, ...rest } = s;
    return { ...rest, type: 'string', format: 'binary' };
  }
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, documentFileFields(v)]));
}

export async function buildApp(deps: GatewayDeps, opts: BuildOptions = {}) {
  const { config } = deps;
  const metrics = deps.metrics ?? new GatewayMetrics();
  const allowedRoots = await resolveRoots([config.DATASET_DIR, config.DATASETS_ROOT]);
  const app = Fastify({
    loggerInstance: deps.log,
    genReqId: requestIdFrom,
    logController: new GatewayLogController(),
    trustProxy: config.TRUST_PROXY,
    bodyLimit: config.MAX_JSON_BYTES,
    // Slow clients cannot hold a request open much longer than its budget.
    requestTimeout: config.REQUEST_TIMEOUT_MS * 2,
    // Requests arriving while the app closes get a problem+json 503 from the hook below instead.
    return503OnClosing: false,
    // Image ids may have 200 characters (the default limit of 100 would answer 414).
    routerOptions: { maxParamLength: 256 },
  });
  app.setValidatorCompiler(validatorCompiler);
  // Fastify's JSON parser (prototype-poisoning protection kept), except that an empty body is no
  // body: `POST /v1/index` with `content-type: application/json` and nothing else is a valid request.
  const jsonParser = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) =>
    body.length === 0 ? done(null, undefined) : jsonParser(request, body.toString(), done),
  );
  app.addSchema(problemSchema);

  await app.register(errorHandlerPlugin, { maxUploadBytes: config.MAX_UPLOAD_BYTES, maxJsonBytes: config.MAX_JSON_BYTES });
  await app.register(requestContextPlugin, { timeoutMs: config.REQUEST_TIMEOUT_MS });
  // While closing, requests still arriving on kept-alive connections get a problem+json 503 with
  // Retry-After and `connection: close` (Fastify's return503OnClosing answers plain JSON without
  // Retry-After, outside the error handler); in-flight requests finish.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (_request, reply) => {
    if (!closing) return;
    void reply.header('connection', 'close');
    throw new ApiError('unavailable', 'the gateway is shutting down; retry later', { retryAfterS: RETRY_AFTER_S.unavailable });
  });
  await app.register(contentTypePlugin);
  await app.register(metricsPlugin, { metrics });
  if (config.CORS_ORIGINS.length > 0) {
    await app.register(cors, {
      origin: config.CORS_ORIGINS.includes('*') ? '*' : config.CORS_ORIGINS,
      methods: ['GET', 'POST', 'OPTIONS'],
      allowedHeaders: ['content-type', 'x-request-id', 'x-api-key', 'authorization'],
      exposedHeaders: ['x-request-id', 'retry-after'],
      maxAge: 600,
    });
  }
  if (config.RATE_LIMIT_MAX > 0) {
    await app.register(rateLimit, {
      global: false,
      max: config.RATE_LIMIT_MAX,
      timeWindow: config.RATE_LIMIT_WINDOW_MS,
      errorResponseBuilder: (_request, context) =>
        new ApiError('rate_limited', `more than ${context.max} requests in ${config.RATE_LIMIT_WINDOW_MS} ms; retry in ${context.after}`, {
          retryAfterS: Math.ceil(context.ttl / 1000),
        }),
    });
  }
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Text-Image-Text gateway',
        version: '1.0.0',
        description:
          'Image <-> text retrieval over Flickr8k-style captions. Errors are application/problem+json (RFC 9457) ' +
          'with a `code` and the `requestId`.\n\n' +
          `**score**: ${SCORE_DESCRIPTION}\n\n**bleu**: ${BLEU_DESCRIPTION}`,
      },
      tags: [
        { name: 'search', description: 'Text -> image and image -> text search' },
        { name: 'captions', description: 'Image captioning' },
        { name: 'images', description: 'Dataset images and thumbnails' },
        { name: 'index', description: 'Re-indexing and the served generation' },
        { name: 'health', description: 'Liveness and readiness' },
      ],
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    transform: ({ schema, url }) => ({ schema: documentFileFields(schema) as typeof schema, url }),
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: true } });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  const ctx = routeContext(deps, metrics, allowedRoots);
  await app.register(healthRoutes, ctx);
  await app.register(searchRoutes, ctx);
  await app.register(captionRoutes, ctx);
  await app.register(imageRoutes, ctx);
  await app.register(indexRoutes, ctx);
  if (config.SERVE_UI) await app.register(uiRoutes, { root: opts.publicDir });

  if (opts.closeDeps ?? true) app.addHook('onClose', async () => closeDeps(deps));
  return app;
}

/** The app type buildApp returns (its logger is the kit's pino Logger). */
export type GatewayApp = Awaited<ReturnType<typeof buildApp>>;
