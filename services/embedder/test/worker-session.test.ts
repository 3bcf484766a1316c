import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readModelSpec } from '../src/domain/model-files';
import { sessionOptions } from '../src/domain/onnx-encoder';
import { WorkerSession } from '../src/domain/worker-session';
import { MINILM_MODEL_ID, tinyModelsDir } from './helpers/fixture-models';

const opts = sessionOptions({ intraOp: 1, interOp: 1 });
const ints = (xs: number[]) => ({ type: 'int64' as const, data: BigInt64Array.from(xs.map(BigInt)), dims: [1, xs.length] });

describe('WorkerSession (onnxruntime in a worker thread)', () => {
  const fx = tinyModelsDir();
  const spec = readModelSpec(fx.modelsDir, MINILM_MODEL_ID, 'model.onnx');
  afterAll(() => fx.cleanup());

  it('reads the signature, runs, survives a failed run, and ends its worker on release', async () => {
    const s = await WorkerSession.create(spec.onnxPath, opts);
    expect(s.signature.inputNames).toEqual(expect.arrayContaining(['input_ids', 'attention_mask']));
    expect(s.signature.inputTypes.input_ids).toBe('int64');
    const feeds = () => ({ input_ids: ints([101, 1037, 102]), attention_mask: ints([1, 1, 1]), token_type_ids: ints([0, 0, 0]) });
    const out = await s.run(feeds(), ['last_hidden_state']);
    expect(out.last_hidden_state.dims).toEqual([1, 3, 32]);
    expect(out.last_hidden_state.data).toBeInstanceOf(Float32Array);
    // A run ORT refuses (missing input) fails with its message; the session keeps working.
    await expect(s.run({ input_ids: ints([101]) }, ['last_hidden_state'])).rejects.toThrow(/onnxruntime failed/);
    const again = await s.run(feeds(), ['last_hidden_state']);
    expect(Array.from(again.last_hidden_state.data as Float32Array)).toEqual(Array.from(out.last_hidden_state.data as Float32Array));
    await s.release();
    await expect(s.run(feeds(), ['last_hidden_state'])).rejects.toThrow(/worker stopped/);
  });

  it('rejects with onnxruntime\'s message when the file is not a model', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tit-worker-'));
    const bad = path.join(dir, 'model.onnx');
    fs.writeFileSync(bad, 'not a model');
    try {
      await expect(WorkerSession.create(bad, opts)).rejects.toThrow(/.+/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
