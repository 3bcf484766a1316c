/**
 * `pnpm eval` end to end: the CLI as a child process, on the sample Flickr8k-layout dataset, with
 * the tiny fixture models. Checks the report's files and structure, and that lexical numbers are
 * exactly the same from one run to the next.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '@tit/kit';
import { ensureFixtureModels } from '@tit/tools/src/fixtures';
import type { EvalReport } from '@tit/tools/src/eval/run-eval';

const run = promisify(execFile);
const SAMPLE = path.join(REPO_ROOT, 'tools/datasets/sample');
const MODELS = path.join(REPO_ROOT, '.models/fixtures-tiny');

async function evalCli(args: string[]): Promise<{ report: EvalReport; stderr: string; out: string }> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'eval-e2e-out-'));
  const { stderr } = await run(process.execPath, ['--import', 'tsx', 'tools/src/eval/cli.ts', ...args, '--out', out], {
    cwd: REPO_ROOT,
    // Only MODELS_DIR is set by the test; a developer's eval variables must not leak in.
    env: { PATH: process.env.PATH, HOME: process.env.HOME, MODELS_DIR: MODELS },
    maxBuffer: 16 * 1024 * 1024,
  });
  return { report: JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')) as EvalReport, stderr, out };
}

/** The lexical numbers without the timing (which is the one thing allowed to differ). */
const lexicalNumbers = (r: EvalReport): unknown => {
  const lex = r.textToImage.modes.lexical!;
  return { summary: lex.summary, perChoice: lex.perChoice };
};

describe('pnpm eval (fixture models, sample dataset)', () => {
  let tmp: string;
  let all: Awaited<ReturnType<typeof evalCli>>;

  beforeAll(async () => {
    await ensureFixtureModels(MODELS, 'tiny');
    // Every sample image in one split: 14 images give lexical numbers that are not all 1.
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eval-e2e-data-'));
    fs.symlinkSync(path.join(SAMPLE, 'Images'), path.join(tmp, 'Images'));
    fs.copyFileSync(path.join(SAMPLE, 'captions.txt'), path.join(tmp, 'captions.txt'));
    const names = ['train', 'dev', 'test'].flatMap((s) => fs.readFileSync(path.join(SAMPLE, `Flickr_8k.${s}Images.txt`), 'utf8').split('\n').filter(Boolean));
    fs.writeFileSync(path.join(tmp, 'Flickr_8k.allImages.txt'), `${names.join('\n')}\n`);
    all = await evalCli(['--dataset', SAMPLE, '--split', 'test']);
  }, 180_000);

  afterAll(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    if (all) fs.rmSync(all.out, { recursive: true, force: true });
  });

  it('writes report.md, report.json and one chart per part', () => {
    expect(fs.readdirSync(all.out).sort()).toEqual([
      'captioning-bleu.svg',
      'image-to-text.svg',
      'report.json',
      'report.md',
      'text-to-image.svg',
      'threshold.svg',
    ]);
    for (const svg of fs.readdirSync(all.out).filter((f) => f.endsWith('.svg'))) {
      expect(fs.readFileSync(path.join(all.out, svg), 'utf8')).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[\s\S]*<\/svg>\n$/);
    }
    const md = fs.readFileSync(path.join(all.out, 'report.md'), 'utf8');
    for (const h of ['## Run', '## Text → image', '## Image → text', '## Captioning', '## Threshold', '## Timings']) expect(md).toContain(h);
    expect(md).toMatch(/\| \*\*0\.50 \(default\)\*\* \|/);
    expect(md).toContain('Fixture models (random weights)');
  });

  it('measures every mode, both captioners, BLEU and the threshold, and records the run', () => {
    const r = all.report;
    expect(r.dataset).toMatchObject({ path: SAMPLE, format: 'flickr8k-kaggle', split: 'test', images: 4, captions: 20, limited: false });
    expect(r.machine.cpus).toBeGreaterThan(0);
    expect(r.machine.node).toBe(process.version);
    expect(r.method).toMatchObject({ modes: ['dense', 'lexical', 'hybrid'], heldOutChoices: 5, k: 4, aggregation: 'max' });
    expect(r.method.execution).toMatch(/^in-process/);
    expect(r.models.map((m) => [m.role, m.id, m.available, m.fixture])).toEqual([
      ['embedder', 'sentence-transformers/all-MiniLM-L6-v2', true, true],
      ['captioner', 'Salesforce/blip-image-captioning-base', true, true],
      ['captioner', 'nlpconnect/vit-gpt2-image-captioning', true, true],
    ]);
    expect(r.skipped).toEqual([]);
    expect(r.textToImage.queries).toBe(20);
    for (const mode of ['dense', 'lexical', 'hybrid'] as const) {
      const m = r.textToImage.modes[mode]!;
      expect(m.summary.queries).toBe(20);
      expect(m.perChoice).toHaveLength(5);
      const s = m.summary;
      expect(s.recallAt1).toBeLessThanOrEqual(s.recallAt5);
      expect(s.recallAt5).toBeLessThanOrEqual(s.recallAt10);
      expect(s.mrr).toBeGreaterThanOrEqual(s.recallAt1);
      // With every image ranked (k = 4 images), the relevant image is always found: R@5 = 1 in dense mode.
      if (mode === 'dense') expect(s.recallAt5).toBe(1);
    }
    expect(r.imageToText.map((e) => [e.model, Object.keys(e.modes)])).toEqual([
      ['Salesforce/blip-image-captioning-base', ['dense', 'lexical', 'hybrid']],
      ['nlpconnect/vit-gpt2-image-captioning', ['dense', 'lexical', 'hybrid']],
    ]);
    expect(r.imageToText[0].modes.dense!.summary.queries).toBe(4);
    expect(r.captioning.map((c) => [c.model, c.images, c.corpus.bleu.length, c.examples.length])).toEqual([
      ['Salesforce/blip-image-captioning-base', 4, 4, 4],
      ['nlpconnect/vit-gpt2-image-captioning', 4, 4, 4],
    ]);
    for (const c of r.captioning) for (const b of [...c.corpus.bleu, c.meanSentenceBleu4]) expect(b).toBeGreaterThanOrEqual(0);
    expect(r.threshold!.defaultThreshold).toBe(0.5);
    expect(r.threshold!.points.map((p) => p.threshold)).toEqual(Array.from({ length: 21 }, (_, i) => Math.round(i * 5) / 100));
    // Recall can only fall as the threshold rises.
    const recalls = r.threshold!.points.map((p) => p.recall);
    expect([...recalls].sort((a, b) => b - a)).toEqual(recalls);
    for (const phase of ['read dataset', 'load embedder', 'embed captions', 'build indexes', 'load captioners', 'total']) {
      expect(r.timingsMs[phase]).toBeGreaterThanOrEqual(0);
    }
    expect(all.stderr).toMatch(/text → image: 60\/60 done in/);
  });

  it('gives exactly the same lexical numbers in two runs (no model needed)', async () => {
    const args = ['--dataset', tmp, '--split', 'all', '--modes', 'lexical', '--captioner-models', 'none'];
    const [a, b] = await Promise.all([evalCli(args), evalCli(args)]);
    try {
      expect(a.report.dataset.images).toBe(14);
      expect(a.report.models).toEqual([]);
      expect(lexicalNumbers(a.report)).toEqual(lexicalNumbers(b.report));
      // Not a degenerate case: some held-out captions do not find their image first.
      const s = a.report.textToImage.modes.lexical!.summary;
      expect(s.queries).toBe(70);
      expect(s.recallAt1).toBeGreaterThan(0);
      expect(s.recallAt1).toBeLessThan(1);
    } finally {
      fs.rmSync(a.out, { recursive: true, force: true });
      fs.rmSync(b.out, { recursive: true, force: true });
    }
  }, 120_000);
});
