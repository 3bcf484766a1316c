import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildEmbedderFixture, MINILM_MODEL_ID } from '@tit/tools/src/fixtures';

export { MINILM_MODEL_ID };

/**
 * A temporary MODELS_DIR holding the tiny all-MiniLM-L6-v2 fixture (real bert-base-uncased
 * tokenizer, random 2-layer encoder). Call `cleanup` in afterAll.
 */
export function tinyModelsDir(seed = 7): { modelsDir: string; modelDir: string; cleanup: () => void } {
  const modelsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'embedder-test-'));
  const modelDir = path.join(modelsDir, MINILM_MODEL_ID);
  buildEmbedderFixture(modelDir, { size: 'tiny', seed });
  return { modelsDir, modelDir, cleanup: () => fs.rmSync(modelsDir, { recursive: true, force: true }) };
}

/** Copies the model folder at `from` to `modelsDir/<id>` and lets `edit` change its files. */
export function variantOf(from: string, modelsDir: string, id: string, edit: (dir: string) => void): string {
  const dir = path.join(modelsDir, id);
  fs.cpSync(from, dir, { recursive: true });
  edit(dir);
  return dir;
}

export function writeJson(file: string, value: unknown): void {
  fs.writeFileSync(file, JSON.stringify(value, null, 2));
}
