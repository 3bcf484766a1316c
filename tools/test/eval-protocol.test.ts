/**
 * The evaluation's protocol on a hand-made dataset whose lexical rankings can be worked out by hand,
 * plus the threshold analysis, argument parsing, caption scoring, progress output and report files.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { corpusBleu, sentenceBleu } from '@tit/kit';
import { parseArgs, UsageError } from '../src/eval/args';
import { loadEvalConfig } from '../src/eval/config';
import { silentProgress, terminalProgress } from '../src/eval/progress';
import { renderCharts, renderMarkdown, writeReport } from '../src/eval/report';
import { runEval, scoreCaptions, type EvalReport } from '../src/eval/run-eval';
import { DEFAULT_THRESHOLDS, ThresholdAccumulator } from '../src/eval/threshold';

/** Writes a Kaggle-layout dataset (empty image files: nothing decodes them in lexical runs). */
function writeDataset(dir: string, captions: Record<string, string[]>, test: string[]): void {
  fs.mkdirSync(path.join(dir, 'Images'), { recursive: true });
  const rows = ['image,caption'];
  for (const [file, caps] of Object.entries(captions)) {
    fs.writeFileSync(path.join(dir, 'Images', file), '');
    for (const c of caps) rows.push(`${file},${c}`);
  }
  fs.writeFileSync(path.join(dir, 'captions.txt'), `${rows.join('\n')}\n`);
  fs.writeFileSync(path.join(dir, 'Flickr_8k.testImages.txt'), `${test.join('\n')}\n`);
}

describe('text → image protocol (lexical, hand-computed)', () => {
  let tmp: string;
  let report: EvalReport;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eval-protocol-'));
    // Each caption is one word, so BM25 scores are equal for equal words and 0 otherwise.
    //  A: zebra, zebra  -> h=0 and h=1: the other "zebra" is A's                  -> rank 1, rank 1
    //  B: kite, moon    -> h=0 "kite": index has A zebra, B moon, C kite           -> B unranked
    //                      h=1 "moon": index has A zebra, B kite, C kite           -> nothing matches
    //  C: kite, kite    -> h=0 "kite": index has A zebra, B moon, C kite           -> rank 1
    //                      h=1 "kite": index has A zebra, B kite, C kite, tie      -> B first (earlier image), C rank 2
    //  D is not in the test split and must never be ranked.
    writeDataset(
      tmp,
      { 'a.jpg': ['zebra', 'zebra'], 'b.jpg': ['kite', 'moon'], 'c.jpg': ['kite', 'kite'], 'd.jpg': ['moon', 'moon'] },
      ['a.jpg', 'b.jpg', 'c.jpg'],
    );
    report = await runEval({
      args: { dataset: tmp, split: 'test', modes: ['lexical'], out: path.join(tmp, 'out'), captionerModels: [] },
      config: loadEvalConfig({}),
      progress: silentProgress,
      say: () => undefined,
      command: 'test',
    });
  });

  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('holds out caption h of every image and averages over every (image, h) query', () => {
    expect(report.dataset).toMatchObject({ images: 3, captions: 6, split: 'test' });
    expect(report.method.heldOutChoices).toBe(2);
    expect(report.textToImage.queries).toBe(6);
    const lex = report.textToImage.modes.lexical!;
    // Ranks: A 1, 1; B miss, miss; C 1, 2.
    expect(lex.summary.queries).toBe(6);
    expect(lex.summary.recallAt1).toBeCloseTo(3 / 6, 12);
    expect(lex.summary.recallAt5).toBeCloseTo(4 / 6, 12);
    expect(lex.summary.recallAt10).toBeCloseTo(4 / 6, 12);
    expect(lex.summary.mrr).toBeCloseTo(3.5 / 6, 12);
    expect(lex.summary.ndcgAt10).toBeCloseTo((3 + 1 / Math.log2(3)) / 6, 12);
    // Per held-out choice: h=0 ranks A 1, B miss, C 1; h=1 ranks A 1, B miss, C 2.
    expect(lex.perChoice.map((p) => p.recallAt1)).toEqual([2 / 3, 1 / 3]);
    expect(lex.perChoice[1].mrr).toBeCloseTo(1.5 / 3, 12);
  });

  it('records what was skipped and why, and no threshold analysis without dense mode', () => {
    expect(report.threshold).toBeNull();
    expect(report.captioning).toEqual([]);
    expect(report.imageToText).toEqual([]);
    expect(report.skipped.join('\n')).toMatch(/no captioning model asked for/);
    expect(report.models).toEqual([]);
    expect(report.timingsMs.total).toBeGreaterThanOrEqual(0);
  });

  it('skips dense and hybrid with the model loader message when the embedding model is missing', async () => {
    const r = await runEval({
      args: { dataset: tmp, split: 'test', modes: ['dense', 'lexical', 'hybrid'], out: tmp, modelsDir: path.join(tmp, 'no-models'), captionerModels: [] },
      config: loadEvalConfig({}),
      progress: silentProgress,
      say: () => undefined,
      command: 'test',
    });
    expect(Object.keys(r.textToImage.modes)).toEqual(['lexical']);
    expect(r.method.modes).toEqual(['lexical']);
    expect(r.skipped[0]).toMatch(/^dense and hybrid mode: embedding model unavailable — model sentence-transformers\/all-MiniLM-L6-v2 is missing/);
    expect(r.models).toEqual([expect.objectContaining({ role: 'embedder', available: false })]);
    expect(r.textToImage.modes.lexical!.summary).toEqual(report.textToImage.modes.lexical!.summary);
  });

  it('reports missing captioning models as skipped, not as failures', async () => {
    const r = await runEval({
      args: { dataset: tmp, split: 'test', modes: ['lexical'], out: tmp, modelsDir: path.join(tmp, 'no-models'), captionerModels: ['org/captioner'] },
      config: loadEvalConfig({}),
      progress: silentProgress,
      say: () => undefined,
      command: 'test',
    });
    expect(r.skipped).toEqual([expect.stringMatching(/^captioning and image → text with org\/captioner: model unavailable — model org\/captioner: folder .* not found/)]);
    expect(r.captioning).toEqual([]);
  });

  it('writes report.md, report.json and a chart', async () => {
    const out = path.join(tmp, 'report');
    const files = await writeReport(out, report);
    expect(files.map((f) => path.basename(f)).sort()).toEqual(['report.json', 'report.md', 'text-to-image.svg']);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(report)));
    const md = fs.readFileSync(path.join(out, 'report.md'), 'utf8');
    expect(md).toContain('| lexical | 0.500 (0.333–0.667) | 0.667 (0.667–0.667) |');
    expect(md).toContain('![text to image](text-to-image.svg)');
    expect(fs.readFileSync(path.join(out, 'text-to-image.svg'), 'utf8')).toMatch(/^<svg /);
  });
});

describe('threshold analysis (hand-computed)', () => {
  it('counts images at or above each threshold and queries whose image is among them', () => {
    const acc = new ThresholdAccumulator([0, 0.5, 0.9]);
    acc.add([0.95, 0.6, 0.5, 0.1], 0.6); // relevant at 0.6
    acc.add([0.7, 0.4], 0.4); // relevant at 0.4
    acc.add([0.3], undefined); // relevant not ranked
    const [t0, t5, t9] = acc.points();
    // t = 0: 7 images, 2 relevant; recall 2/3.
    expect(t0).toEqual({ threshold: 0, precision: 2 / 7, recall: 2 / 3, meanImagesAbove: 7 / 3 });
    // t = 0.5: 0.95, 0.6, 0.5 (equal counts, as the service keeps it), 0.7 -> 4 images, 1 relevant.
    expect(t5).toEqual({ threshold: 0.5, precision: 1 / 4, recall: 1 / 3, meanImagesAbove: 4 / 3 });
    // t = 0.9: only 0.95, not relevant.
    expect(t9).toEqual({ threshold: 0.9, precision: 0, recall: 0, meanImagesAbove: 1 / 3 });
  });

  it('has no precision where nothing passes, and steps by 0.05 by default', () => {
    const acc = new ThresholdAccumulator([0.99]);
    acc.add([0.5], 0.5);
    expect(acc.points()[0]).toEqual({ threshold: 0.99, precision: null, recall: 0, meanImagesAbove: 0 });
    expect(DEFAULT_THRESHOLDS).toHaveLength(21);
    expect(DEFAULT_THRESHOLDS[10]).toBe(0.5);
    expect(DEFAULT_THRESHOLDS[20]).toBe(1);
  });
});

describe('caption scoring', () => {
  it('is corpus BLEU without smoothing plus the mean method1 sentence BLEU-4', () => {
    const images = [
      { id: 'x', relPath: 'x.jpg', absPath: '/x.jpg', captions: ['a b c d', 'a b'] },
      { id: 'y', relPath: 'y.jpg', absPath: '/y.jpg', captions: ['a b c d'] },
    ];
    const r = scoreCaptions('m', true, images, ['a b c', 'a b c d e'], 20);
    // Closest reference lengths: 2 (tie 2/4 with c = 3 -> shorter) and 4; see the kit's BLEU tests for the rest.
    expect(r.corpus).toEqual(corpusBleu([
      { references: ['a b c d', 'a b'], hypothesis: 'a b c' },
      { references: ['a b c d'], hypothesis: 'a b c d e' },
    ]));
    expect(r.corpus.referenceLength).toBe(6);
    expect(r.corpus.bleu[0]).toBeCloseTo(7 / 8, 12);
    expect(r.meanSentenceBleu4).toBeCloseTo((sentenceBleu(['a b c d', 'a b'], 'a b c') + sentenceBleu(['a b c d'], 'a b c d e')) / 2, 12);
    expect(r.msPerImage).toBe(10);
    expect(r.examples[0]).toEqual({ imageId: 'x', caption: 'a b c', reference: 'a b c d' });
  });
});

describe('arguments', () => {
  it('parses every option, resolves paths and keeps the canonical mode order', () => {
    expect(parseArgs(['--dataset', 'd', '--modes', 'hybrid,lexical', '--out=o', '--limit', '3', '--captioner-models', 'none'], '/w')).toEqual({
      dataset: '/w/d',
      split: 'test',
      modes: ['lexical', 'hybrid'],
      out: '/w/o',
      captionerModels: [],
      limit: 3,
    });
    expect(parseArgs(['--dataset', 'd'], '/w')).toMatchObject({ modes: ['dense', 'lexical', 'hybrid'], out: '/w/.data/eval' });
  });

  const bad: string[][] = [[], ['--dataset'], ['--dataset', 'd', '--modes', 'fuzzy'], ['--dataset', 'd', '--limit', '0'], ['--dataset', 'd', '--bogus', '1']];
  it.each(bad.map((argv) => [argv]))('rejects %j', (argv) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
  });
});

describe('progress', () => {
  it('writes plain start and end lines when not a terminal', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (b: Buffer) => (text += b.toString()));
    const bar = terminalProgress(out)('phase', 3);
    bar.tick();
    bar.tick(2);
    bar.done();
    expect(text).toMatch(/^phase: 0\/3\n/);
    expect(text).toMatch(/phase: 3\/3 done in \d+\.\d s\n$/);
    expect(text).not.toContain('\r');
  });

  it('redraws one line in place on a terminal', () => {
    const out = Object.assign(new PassThrough(), { isTTY: true });
    let text = '';
    out.on('data', (b: Buffer) => (text += b.toString()));
    const bar = terminalProgress(out)('phase', 2);
    bar.tick(2);
    bar.done('ok');
    expect(text).toMatch(/\rphase \[#{24}\] 2\/2 100% \d+\.\d s ok\n$/);
    expect(text.split('\n')).toHaveLength(2);
  });
});

describe('report rendering', () => {
  it('marks the default threshold and draws the threshold chart', () => {
    const base = {
      schemaVersion: 1,
      generatedAt: 'now',
      command: 'c',
      dataset: { path: '/d', format: 'flickr8k-kaggle', split: 'test', images: 1, captions: 5, excluded: { fewCaptions: 0, overLimit: 0 }, warnings: [], limited: false },
      machine: { cpus: 1, cpuModel: 'cpu', memoryBytes: 2 ** 30, node: 'v20', platform: 'linux', arch: 'x64' },
      method: { execution: 'e', modes: [], heldOutChoices: 5, k: 1, aggregation: 'max', ranking: { bm25: { k1: 1.2, b: 0.75 }, hybridDenseWeight: 0.7, annCandidates: 100 }, bleu: 'b', thresholdRule: 'r' },
      models: [],
      textToImage: { queries: 0, modes: {} },
      imageToText: [],
      captioning: [],
      threshold: { mode: 'dense', defaultThreshold: 0.5, points: [{ threshold: 0.5, precision: 0.25, recall: 1, meanImagesAbove: 4 }] },
      skipped: [],
      notes: [],
      timingsMs: { total: 1 },
    } satisfies EvalReport;
    const charts = renderCharts(base);
    expect(Object.keys(charts)).toEqual(['threshold.svg']);
    const md = renderMarkdown(base, Object.keys(charts));
    expect(md).toContain('| **0.50 (default)** | **0.250** | **1.000** | **4.000** |');
    expect(md).toContain('![threshold](threshold.svg)');
  });
});
