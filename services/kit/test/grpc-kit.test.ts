import * as grpc from '@grpc/grpc-js';
import { Writable } from 'node:stream';
import {
  Health,
  InvalidInputError,
  OverloadedError,
  bindServer,
  checkHealth,
  createClient,
  createLogger,
  loadEmbedderProto,
  newServer,
  unary,
  unaryCall,
} from '../src';
import type { EmbedderServiceClient } from '../src/generated/embedder/v1/EmbedderService';

/** Request signals of answered calls (text "keep"), to check that nothing fires after the answer. */
const kept: AbortSignal[] = [];

/** A real server on port 0 whose Embed handler echoes, fails, or sleeps depending on the text. */
async function start(lines: string[]) {
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString().trim().split('\n'));
      cb();
    },
  });
  const log = createLogger('test', 'debug', sink);
  const server = newServer();
  const health = new Health(['embedder.v1.EmbedderService']);
  health.addToServer(server);
  const proto = loadEmbedderProto();
  server.addService(proto.embedder.v1.EmbedderService.service, {
    Embed: unary(log, 'Embed', async (req: { texts: string[] }, ctx) => {
      ctx.log.info('embedding');
      const t = req.texts[0] ?? '';
      if (t === 'bad') throw new InvalidInputError('texts[0] is bad');
      if (t === 'busy') throw new OverloadedError('queue is full (limit 1)');
      if (t === 'crash') throw new TypeError('secret internal detail');
      if (t === 'slow') await new Promise((r) => setTimeout(r, 500));
      if (t === 'keep') kept.push(ctx.signal);
      return { vectors: Buffer.alloc(0), count: 0, dimensions: 0, model: t };
    }),
  });
  const port = await bindServer(server, '127.0.0.1', 0);
  const client: EmbedderServiceClient = createClient(proto.embedder.v1.EmbedderService, `127.0.0.1:${port}`);
  return { server, health, port, client };
}

describe('kit gRPC helpers on a real server', () => {
  const lines: string[] = [];
  let s: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => {
    s = await start(lines);
  });
  afterAll(() => {
    s.client.close();
    s.server.forceShutdown();
  });

  it('answers health NOT_SERVING until set, then SERVING', async () => {
    expect(await checkHealth(`127.0.0.1:${s.port}`)).toBe('NOT_SERVING');
    s.health.set('SERVING');
    expect(await checkHealth(`127.0.0.1:${s.port}`, 'embedder.v1.EmbedderService')).toBe('SERVING');
    expect(await checkHealth('127.0.0.1:1', '', 300)).toBe('UNREACHABLE');
  });

  it('maps domain errors to status codes and hides unknown errors', async () => {
    const call = (text: string) => unaryCall(s.client, s.client.embed.bind(s.client), { texts: [text] }, { deadline: 2000 });
    await expect(call('ok')).resolves.toMatchObject({ model: 'ok' });
    await expect(call('bad')).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: 'texts[0] is bad' });
    await expect(call('busy')).rejects.toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED });
    await expect(call('crash')).rejects.toMatchObject({ code: grpc.status.INTERNAL, details: 'internal error' });
  });

  it('enforces the deadline of every call', async () => {
    await expect(unaryCall(s.client, s.client.embed.bind(s.client), { texts: ['slow'] }, { deadline: 100 })).rejects.toMatchObject({
      code: grpc.status.DEADLINE_EXCEEDED,
    });
  });

  it('disarms the deadline timer once a call is answered (an armed timer kept every context alive)', async () => {
    for (let i = 0; i < 20; i++) {
      await unaryCall(s.client, s.client.embed.bind(s.client), { texts: ['keep'] }, { deadline: 150 });
    }
    await new Promise((r) => setTimeout(r, 400));
    expect(kept).toHaveLength(20);
    expect(kept.filter((signal) => signal.aborted)).toHaveLength(0);
  });

  it('binds the caller request id into the handler log lines', async () => {
    await unaryCall(s.client, s.client.embed.bind(s.client), { texts: ['x'] }, { deadline: 2000, requestId: 'req-abc-123' });
    const line = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'embedding' && l.requestId === 'req-abc-123');
    expect(line).toMatchObject({ service: 'test', method: 'Embed' });
  });
});
