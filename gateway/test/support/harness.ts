/**
 * Builds the real gateway app (buildApp) around the fake gRPC servers, a temporary dataset and,
 * when asked, a BullMQ queue on the local Redis under a unique prefix.
 */
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { REINDEX_QUEUE, createLogger, processEnv, type ReindexJobData, type ReindexResult } from '@tit/kit';
import { buildApp, type GatewayApp } from '../../src/app';
import { loadGatewayConfig, type GatewayConfig } from '../../src/config';
import { createGrpcClients } from '../../src/downstream/clients';
import { queueReindexer, type ReindexQueue } from '../../src/downstream/reindex';
import { ThumbnailCache } from '../../src/domain/thumbnails';
import { GatewayMetrics } from '../../src/plugins/metrics';
import { FakeBackends } from './fake-backends';
import { makeDataset, type TestDataset } from './dataset';

export const REDIS_URL = processEnv().REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface Harness {
  app: GatewayApp;
  fakes: FakeBackends;
  dataset: TestDataset;
  config: GatewayConfig;
  metrics: GatewayMetrics;
  thumbnails: ThumbnailCache;
  queue?: ReindexQueue;
  close(): Promise<void>;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  /** Attach a BullMQ queue (unique prefix) on REDIS_URL. */
  queue?: boolean;
  /** Reuse fakes and dataset (several apps over one backend). */
  shared?: { fakes: FakeBackends; dataset: TestDataset };
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const dataset = opts.shared?.dataset ?? (await makeDataset());
  const fakes = opts.shared?.fakes ?? (await FakeBackends.start(dataset.dir, dataset.images));
  const config = loadGatewayConfig({
    LOG_LEVEL: 'silent',
    EMBEDDER_ADDR: fakes.addrs.embedder,
    SEARCH_ADDR: fakes.addrs.search,
    CAPTIONER_ADDR: fakes.addrs.captioner,
    DATASET_DIR: dataset.dir,
    DATASETS_ROOT: dataset.root,
    RATE_LIMIT_MAX: '0',
    REQUEST_TIMEOUT_MS: '5000',
    ...opts.env,
  });
  const log = createLogger('gateway-test', config.LOG_LEVEL);
  const metrics = new GatewayMetrics({ defaultMetrics: false });
  const thumbnails = await ThumbnailCache.create({ memoryBytes: config.THUMBNAIL_CACHE_BYTES });
  let queue: ReindexQueue | undefined;
  let connection: IORedis | undefined;
  if (opts.queue) {
    connection = new IORedis(REDIS_URL, { maxRetriesPerRequest: null });
    queue = new Queue<ReindexJobData, ReindexResult>(REINDEX_QUEUE, { connection, prefix: `gwtest-${randomUUID()}` });
  }
  const clients = createGrpcClients({ captioner: config.CAPTIONER_ADDR, embedder: config.EMBEDDER_ADDR, search: config.SEARCH_ADDR });
  const app = await buildApp({
    config,
    log,
    clients,
    metrics,
    thumbnails,
    reindexer: queue ? queueReindexer(queue, { timeoutMs: 3000 }) : undefined,
  });
  await app.ready();
  return {
    app,
    fakes,
    dataset,
    config,
    metrics,
    thumbnails,
    queue,
    async close() {
      if (queue) await queue.obliterate({ force: true }).catch(() => undefined);
      await app.close();
      connection?.disconnect();
      if (!opts.shared) {
        await fakes.stop();
        await dataset.cleanup();
      }
    },
  };
}

/** A multipart body built by hand (what a browser or curl -F sends). */
export function multipart(
  parts: { name: string; value: string | Buffer; filename?: string; contentType?: string }[],
): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----gwtest${randomUUID().replace(/-/g, '')}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"`;
    if (p.filename !== undefined) head += `; filename="${p.filename}"`;
    head += '\r\n';
    if (p.contentType) head += `Content-Type: ${p.contentType}\r\n`;
    chunks.push(Buffer.from(`${head}\r\n`), Buffer.isBuffer(p.value) ? p.value : Buffer.from(p.value), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** A multipart body with an image in field `image` and optional text fields. */
export function imageForm(image: Buffer, fields: Record<string, string> = {}, filename = 'photo.jpg') {
  return multipart([
    { name: 'image', value: image, filename, contentType: 'image/jpeg' },
    ...Object.entries(fields).map(([name, value]) => ({ name, value })),
  ]);
}
