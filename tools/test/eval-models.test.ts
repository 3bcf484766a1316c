/**
 * The evaluation with models, in-process: the tiny fixture embedder and BLIP captioner on a small
 * dataset with one undecodable image. Checks the dense path (threshold analysis included) and that a
 * caption failure is reported instead of ending the run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '@tit/kit';
import { ensureFixtureModels, BLIP_MODEL_ID, MINILM_MODEL_ID } from '../src/fixtures';
import { loadEvalConfig } from '../src/eval/config';
import { silentProgress } from '../src/eval/progress';
import { runEval, type EvalReport } from '../src/eval/run-eval';

const SAMPLE = path.join(REPO_ROOT, 'tools/datasets/sample');

describe('eval with fixture models (in-process)', () => {
  let tmp: string;
  let report: EvalReport;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eval-models-'));
    const models = path.join(tmp, 'models');
    await ensureFixtureModels(models, 'tiny', { models: [MINILM_MODEL_ID, BLIP_MODEL_ID] });
    fs.mkdirSync(path.join(tmp, 'data/Images'), { recursive: true });
    fs.copyFileSync(path.join(SAMPLE, 'Images/coffee.jpg'), path.join(tmp, 'data/Images/coffee.jpg'));
    fs.copyFileSync(path.join(SAMPLE, 'Images/horse.jpg'), path.join(tmp, 'data/Images/horse.jpg'));
    fs.writeFileSync(path.join(tmp, 'data/Images/broken.jpg'), 'not an image');
    fs.writeFileSync(
      path.join(tmp, 'data/captions.txt'),
      [
        'image,caption',
        'coffee.jpg,A cup of espresso on a red saucer .',
        'coffee.jpg,Coffee in a small cup on a table .',
        'horse.jpg,A black silhouette of a horse .',
        'horse.jpg,The outline of a horse on white .',
        'broken.jpg,A picture that cannot be opened .',
        'broken.jpg,A broken picture file .',
      ].join('\n'),
    );
    fs.writeFileSync(path.join(tmp, 'data/Flickr_8k.testImages.txt'), 'coffee.jpg\nhorse.jpg\nbroken.jpg\n');
    report = await runEval({
      args: { dataset: path.join(tmp, 'data'), split: 'test', modes: ['dense', 'lexical', 'hybrid'], out: tmp, modelsDir: models, captionerModels: [BLIP_MODEL_ID] },
      config: loadEvalConfig({}),
      progress: silentProgress,
      say: () => undefined,
      command: 'test',
    });
  }, 120_000);

  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('measures dense and hybrid with the embedder and the threshold on dense scores', () => {
    expect(report.models.map((m) => [m.id, m.available, m.fixture, m.fixtureSize])).toEqual([
      [MINILM_MODEL_ID, true, true, 'tiny'],
      [BLIP_MODEL_ID, true, true, 'tiny'],
    ]);
    expect(Object.keys(report.textToImage.modes)).toEqual(['dense', 'lexical', 'hybrid']);
    // Dense ranks every image (cosine is defined for all), so with 3 images the relevant one is always in the top 5.
    expect(report.textToImage.modes.dense!.summary).toMatchObject({ queries: 6, recallAt5: 1 });
    const points = report.threshold!.points;
    // At t = 0 nothing is cut unless a cosine is negative: each query returns at most 3 images.
    expect(points[0].meanImagesAbove).toBeLessThanOrEqual(3);
    expect(points[0].precision).toBeGreaterThanOrEqual(1 / 3);
    expect(points.every((p) => p.recall <= points[0].recall)).toBe(true);
  });

  it('scores a failed caption as empty and says so', () => {
    expect(report.notes.join('\n')).toMatch(/Salesforce\/blip-image-captioning-base could not caption 1 images .*first: Images\/broken\.jpg: /);
    const blip = report.captioning[0];
    expect(blip.images).toBe(3);
    expect(blip.examples.find((e) => e.imageId === 'broken')?.caption).toBe('');
    expect(blip.examples.find((e) => e.imageId === 'coffee')?.caption).not.toBe('');
    expect(report.imageToText[0].modes.lexical!.summary.queries).toBe(3);
  });
});
