import path from 'node:path';
import { ConfigError, REPO_ROOT } from '@tit/kit';
import { loadServiceConfig } from '../src/config';
import { ortThreadsOf } from '../src/create-embedder';
import { sessionLayout } from '../src/domain/onnx-encoder';

describe('embedder config', () => {
  it('has working defaults', () => {
    const c = loadServiceConfig({});
    expect(c).toMatchObject({
      EMBEDDER_PORT: 50051,
      MODELS_DIR: path.join(REPO_ROOT, '.models'),
      EMBEDDER_MODELS: ['sentence-transformers/all-MiniLM-L6-v2'],
      EMBEDDER_ONNX_FILE: 'model.onnx',
      EMBEDDER_SESSIONS: 0,
      EMBEDDER_LONE_SESSION: true,
    });
  });

  it('takes a session count (0 = one per CPU) and the lone-query session switch', () => {
    expect(loadServiceConfig({ EMBEDDER_SESSIONS: '2' }).EMBEDDER_SESSIONS).toBe(2);
    expect(() => loadServiceConfig({ EMBEDDER_SESSIONS: '-1' })).toThrow(/EMBEDDER_SESSIONS/);
    expect(() => loadServiceConfig({ EMBEDDER_SESSIONS: '65' })).toThrow(/EMBEDDER_SESSIONS/);
    expect(loadServiceConfig({ EMBEDDER_LONE_SESSION: 'false' }).EMBEDDER_LONE_SESSION).toBe(false);
  });

  it('plans the sessions for EMBEDDER_CPUS when set (a container whose CPU limit the process cannot see)', () => {
    expect(sessionLayout(ortThreadsOf(loadServiceConfig({ EMBEDDER_CPUS: '4' })))).toEqual({ parallel: 4, threadsEach: 1, loneThreads: 4 });
    expect(sessionLayout(ortThreadsOf(loadServiceConfig({ EMBEDDER_CPUS: '1' })))).toEqual({ parallel: 1, threadsEach: 1, loneThreads: 0 });
    expect(sessionLayout(ortThreadsOf(loadServiceConfig({ EMBEDDER_CPUS: '4', EMBEDDER_SESSIONS: '1' })))).toEqual({ parallel: 1, threadsEach: 4, loneThreads: 0 });
    expect(ortThreadsOf(loadServiceConfig({})).cpus).toBeUndefined();
  });

  it('reads a model list whose first entry is the default', () => {
    const c = loadServiceConfig({ EMBEDDER_MODELS: 'a/b, c/d', EMBEDDER_ONNX_FILE: 'model_quantized.onnx' });
    expect(c.EMBEDDER_MODELS).toEqual(['a/b', 'c/d']);
    expect(c.EMBEDDER_ONNX_FILE).toBe('model_quantized.onnx');
  });

  it('lists every problem at once', () => {
    try {
      loadServiceConfig({ EMBEDDER_MAX_BATCH: '0', EMBEDDER_MAX_WAIT_MS: 'soon', EMBEDDER_PORT: '70000' });
      throw new Error('no error');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toHaveLength(3);
    }
  });

  it('refuses a queue smaller than one call and an empty or repeated model list', () => {
    expect(() => loadServiceConfig({ EMBEDDER_QUEUE_LIMIT: '10', EMBEDDER_MAX_TEXTS: '20' })).toThrow(/EMBEDDER_QUEUE_LIMIT/);
    expect(() => loadServiceConfig({ EMBEDDER_MODELS: ' , ' })).toThrow(/at least one model/);
    expect(() => loadServiceConfig({ EMBEDDER_MODELS: 'a/b,a/b' })).toThrow(/twice/);
  });
});
