import fs from 'node:fs';
import path from 'node:path';
import { ModelFilesError, readModelSpec } from '../src/domain/model-files';
import { MINILM_MODEL_ID, tinyModelsDir, variantOf, writeJson } from './helpers/fixture-models';

describe('readModelSpec', () => {
  const fx = tinyModelsDir();
  afterAll(() => fx.cleanup());

  it('reads pooling, normalization, dimensions and max length from the model files', () => {
    const spec = readModelSpec(fx.modelsDir, MINILM_MODEL_ID, 'model.onnx');
    expect(spec).toMatchObject({ pooling: 'mean', normalize: true, dimensions: 32, maxTokens: 256 });
    expect(spec.onnxPath).toBe(path.join(fx.modelDir, 'onnx/model.onnx'));
  });

  it('fails in one line that names the missing files, the folder and the command to get them', () => {
    const err = (() => {
      try {
        readModelSpec(fx.modelsDir, 'sentence-transformers/nope', 'model.onnx');
      } catch (e) {
        return e as Error;
      }
      throw new Error('no error');
    })();
    expect(err).toBeInstanceOf(ModelFilesError);
    expect(err.message).not.toContain('\n');
    expect(err.message).toContain(path.join(fx.modelsDir, 'sentence-transformers/nope'));
    expect(err.message).toContain('onnx/model.onnx');
    expect(err.message).toContain('pnpm models pull sentence-transformers/nope');
    expect(err.message).toContain('pnpm fixtures');
  });

  it('looks for the configured ONNX variant', () => {
    expect(() => readModelSpec(fx.modelsDir, MINILM_MODEL_ID, 'model_quantized.onnx')).toThrow(/onnx\/model_quantized\.onnx/);
  });

  it('refuses ids that would leave MODELS_DIR', () => {
    expect(() => readModelSpec(fx.modelsDir, '../etc', 'model.onnx')).toThrow(/invalid model id/);
  });

  it('refuses pipelines with modules it cannot run', () => {
    variantOf(fx.modelDir, fx.modelsDir, 'test/dense', (dir) => {
      const modules = JSON.parse(fs.readFileSync(path.join(dir, 'modules.json'), 'utf8')) as object[];
      writeJson(path.join(dir, 'modules.json'), [...modules, { idx: 3, name: '3', path: '3_Dense', type: 'sentence_transformers.models.Dense' }]);
    });
    expect(() => readModelSpec(fx.modelsDir, 'test/dense', 'model.onnx')).toThrow(/Dense/);
  });

  it('uses the tokenizer limit, capped by the position table, without sentence_bert_config.json', () => {
    variantOf(fx.modelDir, fx.modelsDir, 'test/nostconfig', (dir) => {
      fs.rmSync(path.join(dir, 'sentence_bert_config.json'));
      writeJson(path.join(dir, 'tokenizer_config.json'), { model_max_length: 1000000000000000019884624838656 });
    });
    expect(readModelSpec(fx.modelsDir, 'test/nostconfig', 'model.onnx').maxTokens).toBe(512);
  });
});
