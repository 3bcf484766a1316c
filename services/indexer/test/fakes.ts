/**
 * Minimal fake collaborators for worker tests: real gRPC servers on 127.0.0.1:0 implementing just
 * enough of the embedder, search and captioner protos, with grpc.health.v1 and failure injection.
 * They run in the test process, so a test can assert every call the worker made.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Health, bindServer, loadCaptionerProto, loadEmbedderProto, loadSearchProto, newServer } from '@tit/kit';
import type { Item__Output } from '@tit/kit/src/generated/search/v1/Item';

export const DIMS = 8;
export const MODEL = 'fake/minilm';

/** A failure to inject: the next `times` calls fail with `code` (after `delayMs`, when set). */
export interface Fault {
  code: grpc.status;
  times: number;
  delayMs?: number;
}

function takeFault(faults: Fault[]): Fault | undefined {
  const f = faults[0];
  if (!f) return undefined;
  f.times--;
  if (f.times <= 0) faults.shift();
  return f;
}

function error(code: grpc.status, details: string): grpc.ServiceError {
  return Object.assign(new Error(details), { code, details, metadata: new grpc.Metadata() });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Deterministic unit vector of a text. */
export function fakeVector(text: string): Buffer {
  const h = createHash('sha256').update(text).digest();
  const v = new Float32Array(DIMS);
  for (let i = 0; i < DIMS; i++) v[i] = h[i] / 255 - 0.5;
  const norm = Math.hypot(...v) || 1;
  for (let i = 0; i < DIMS; i++) v[i] /= norm;
  return Buffer.from(v.buffer);
}

abstract class FakeServer {
  readonly server = newServer();
  readonly health = new Health([]);
  address = '';

  constructor() {
    this.health.addToServer(this.server);
  }

  async start(): Promise<this> {
    const port = await bindServer(this.server, '127.0.0.1', 0);
    this.address = `127.0.0.1:${port}`;
    this.health.set('SERVING');
    return this;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.server.forceShutdown();
      resolve();
    });
  }
}

export class FakeEmbedder extends FakeServer {
  readonly faults: Fault[] = [];
  calls = 0;
  texts = 0;
  /** When set, Embed fails with INVALID_ARGUMENT for texts containing it. */
  rejectText?: string;

  constructor() {
    super();
    this.server.addService(loadEmbedderProto().embedder.v1.EmbedderService.service, {
      GetModelInfo: (_call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) =>
        cb(null, { id: MODEL, dimensions: DIMS, maxTokens: 128, pooling: 'mean', normalized: true, isDefault: true }),
      Embed: (call: grpc.ServerUnaryCall<{ texts: string[]; model: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        void (async () => {
          this.calls++;
          const fault = takeFault(this.faults);
          if (fault) {
            if (fault.delayMs) await sleep(fault.delayMs);
            return cb(error(fault.code, 'injected embedder fault'));
          }
          const { texts } = call.request;
          if (this.rejectText && texts.some((t) => t.includes(this.rejectText as string))) {
            return cb(error(grpc.status.INVALID_ARGUMENT, `texts must be at most 10 characters (limit 10)`));
          }
          this.texts += texts.length;
          cb(null, { vectors: Buffer.concat(texts.map(fakeVector)), count: texts.length, dimensions: DIMS, model: MODEL, tokenCounts: [] });
        })();
      },
      ListModels: (_call: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, { models: [] }),
    });
  }
}

export interface FakeGeneration {
  id: string;
  state: 'GENERATION_STATE_BUILDING' | 'GENERATION_STATE_SERVING' | 'GENERATION_STATE_PREVIOUS' | 'GENERATION_STATE_ABORTED';
  buildKey: string;
  model: string;
  dimensions: number;
  dataset: string;
  items: Map<string, Item__Output>;
}

export class FakeSearch extends FakeServer {
  readonly generations = new Map<string, FakeGeneration>();
  servingId?: string;
  /** Every call in order: "begin <id>", "upsert <id> <n>", "commit <id>", "abort <id>". */
  readonly events: string[] = [];
  readonly upsertFaults: Fault[] = [];
  /** Items received over all upserts, re-sent ones included. */
  received = 0;
  /** Called after each successful upsert with the count of upserts so far; may block. */
  afterUpsert?: (n: number) => Promise<void> | void;
  upserts = 0;
  private seq = 0;

  constructor() {
    super();
    this.server.addService(loadSearchProto().search.v1.SearchService.service, {
      GetStats: (_c: unknown, cb: grpc.sendUnaryData<unknown>) => {
        const serving = this.servingId ? this.info(this.generations.get(this.servingId) as FakeGeneration) : undefined;
        const building = [...this.generations.values()].filter((g) => g.state === 'GENERATION_STATE_BUILDING').map((g) => this.info(g));
        cb(null, { ...(serving ? { serving } : {}), building, vectorBytes: 0, rssBytes: 0, approximate: false });
      },
      BeginGeneration: (call: grpc.ServerUnaryCall<{ model: string; dimensions: number; dataset: string; buildKey: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        const r = call.request;
        let g = [...this.generations.values()].find((x) => x.state === 'GENERATION_STATE_BUILDING' && r.buildKey && x.buildKey === r.buildKey);
        if (!g) {
          g = { id: `g${++this.seq}`, state: 'GENERATION_STATE_BUILDING', buildKey: r.buildKey, model: r.model, dimensions: r.dimensions, dataset: r.dataset, items: new Map() };
          this.generations.set(g.id, g);
        }
        this.events.push(`begin ${g.id}`);
        cb(null, this.info(g));
      },
      Upsert: (call: grpc.ServerReadableStream<{ generationId: string; items: Item__Output[] }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        const batches: Array<{ generationId: string; items: Item__Output[] }> = [];
        call.on('data', (m: { generationId: string; items: Item__Output[] }) => batches.push(m));
        call.on('end', () => {
          void (async () => {
            const fault = takeFault(this.upsertFaults);
            if (fault) {
              if (fault.delayMs) await sleep(fault.delayMs);
              return cb(error(fault.code, 'injected search fault'));
            }
            const id = batches[0]?.generationId ?? '';
            const g = this.generations.get(id);
            if (!g || g.state !== 'GENERATION_STATE_BUILDING') return cb(error(grpc.status.FAILED_PRECONDITION, `generation ${id} is not building`));
            let n = 0;
            for (const b of batches) {
              for (const it of b.items) {
                if (it.vector.length !== g.dimensions * 4) return cb(error(grpc.status.INVALID_ARGUMENT, 'bad vector length'));
                g.items.set(it.id, it);
                n++;
              }
            }
            this.received += n;
            this.upserts++;
            this.events.push(`upsert ${id} ${n}`);
            await this.afterUpsert?.(this.upserts);
            cb(null, { generationId: id, received: n, captionCount: g.items.size });
          })();
        });
      },
      Commit: (call: grpc.ServerUnaryCall<{ generationId: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        const g = this.generations.get(call.request.generationId);
        if (!g || g.state !== 'GENERATION_STATE_BUILDING') return cb(error(grpc.status.FAILED_PRECONDITION, 'not building'));
        if (this.servingId) (this.generations.get(this.servingId) as FakeGeneration).state = 'GENERATION_STATE_PREVIOUS';
        g.state = 'GENERATION_STATE_SERVING';
        this.servingId = g.id;
        this.events.push(`commit ${g.id}`);
        cb(null, this.info(g));
      },
      Abort: (call: grpc.ServerUnaryCall<{ generationId: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        const g = this.generations.get(call.request.generationId);
        if (!g || g.state !== 'GENERATION_STATE_BUILDING') return cb(error(grpc.status.FAILED_PRECONDITION, 'not building'));
        g.state = 'GENERATION_STATE_ABORTED';
        this.events.push(`abort ${g.id}`);
        cb(null, this.info(g));
      },
    });
  }

  info(g: FakeGeneration) {
    return {
      id: g.id,
      state: g.state,
      model: g.model,
      dimensions: g.dimensions,
      captionCount: g.items.size,
      imageCount: new Set([...g.items.values()].map((i) => i.imageId)).size,
      dataset: g.dataset,
      createdAtMs: 0,
      committedAtMs: 0,
      buildKey: g.buildKey,
    };
  }

  serving(): FakeGeneration | undefined {
    return this.servingId ? this.generations.get(this.servingId) : undefined;
  }
}

export class FakeCaptioner extends FakeServer {
  calls = 0;
  constructor() {
    super();
    this.server.addService(loadCaptionerProto().captioner.v1.CaptionerService.service, {
      Caption: (call: grpc.ServerUnaryCall<{ image: Buffer }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        this.calls++;
        const hash = createHash('sha256').update(call.request.image).digest('hex');
        cb(null, { caption: `a photo numbered ${hash.slice(0, 6)}`, model: 'fake/blip', tokenCount: 4, contentHash: hash, cached: false });
      },
    });
  }
}

/** A temporary Kaggle-layout dataset with `images` images of `perImage` captions (and tiny fake JPEG bytes). */
export function makeKaggleDataset(images: number, perImage = 5): { dir: string; captions: number } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'indexer-ds-'));
  mkdirSync(path.join(dir, 'Images'));
  const rows = ['image,caption'];
  for (let i = 0; i < images; i++) {
    const name = `img${String(i).padStart(4, '0')}.jpg`;
    writeFileSync(path.join(dir, 'Images', name), Buffer.from(`fake jpeg ${i}`));
    for (let n = 0; n < perImage; n++) rows.push(`${name},"caption ${n} of image ${i}, with a comma"`);
  }
  writeFileSync(path.join(dir, 'captions.txt'), rows.join('\n') + '\n');
  return { dir, captions: images * perImage };
}
