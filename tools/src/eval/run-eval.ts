/**
 * The evaluation itself: text → image retrieval with held-out captions, image → text retrieval
 * with generated captions, caption BLEU, and the threshold analysis. Runs the services' domain
 * code in-process (see eval-index.ts and models.ts); writes nothing.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import { corpusBleu, sentenceBleu, type CorpusBleu } from '@tit/kit';
import type { RankingOptions } from '@tit/search/src/domain/generation';
import type { Mode } from '@tit/search/src/domain/types';
import type { Embedder } from '@tit/embedder/src/domain/embedder';
import type { Captioner } from '@tit/captioner/src/domain/captioner';
import type { EvalArgs } from './args';
import type { EvalConfig } from './config';
import { loadEvalDataset, type EvalDataset, type EvalImage } from './eval-dataset';
import { buildEvalGeneration, rankImages, type CaptionVectors } from './eval-index';
import { embedAll, locateCaptioners, locateEmbedder, startCaptioner, startEmbedder, type ModelRecord } from './models';
import type { ProgressFactory } from './progress';
import { RankingAccumulator, type RankingSummary } from './retrieval-metrics';
import { ThresholdAccumulator, type ThresholdPoint } from './threshold';

/** Held-out caption choices: Flickr8k images have five captions each. */
export const HELD_OUT_CHOICES = 5;
/** The default threshold of text → image search (gateway `threshold` default). */
export const DEFAULT_THRESHOLD = 0.5;
/** Captions generated at once (the captioner batches their encoder runs). */
const CAPTION_CONCURRENCY = 4;

export interface ModeResult {
  /** Mean over every (image, held-out choice) query. */
  summary: RankingSummary;
  /** One summary per held-out choice h (query = caption h of each image). */
  perChoice: RankingSummary[];
  /** Mean wall-clock milliseconds of one query (ranking only). */
  msPerQuery: number;
}

export interface CaptioningResult {
  model: string;
  fixture: boolean;
  images: number;
  /** Corpus BLEU-1..4 without smoothing, against every reference caption of the image. */
  corpus: CorpusBleu;
  /** Mean sentence BLEU-4 with method1 smoothing (the score the API shows per caption). */
  meanSentenceBleu4: number;
  msPerImage: number;
  /** The first few captions, for a look. */
  examples: Array<{ imageId: string; caption: string; reference: string }>;
}

export interface EvalReport {
  schemaVersion: 1;
  generatedAt: string;
  command: string;
  dataset: {
    path: string;
    format: string;
    split: string;
    images: number;
    captions: number;
    excluded: EvalDataset['excluded'];
    warnings: string[];
    limited: boolean;
  };
  machine: { cpus: number; cpuModel: string; memoryBytes: number; node: string; platform: string; arch: string };
  method: {
    execution: string;
    modes: Mode[];
    heldOutChoices: number;
    k: number;
    aggregation: 'max';
    ranking: RankingOptions;
    bleu: string;
    thresholdRule: string;
  };
  models: ModelRecord[];
  textToImage: { queries: number; modes: Partial<Record<Mode, ModeResult>> };
  imageToText: Array<{ model: string; fixture: boolean; modes: Partial<Record<Mode, ModeResult>> }>;
  captioning: CaptioningResult[];
  threshold: { mode: 'dense'; defaultThreshold: number; points: ThresholdPoint[] } | null;
  /** Why a mode or a part was not measured. */
  skipped: string[];
  notes: string[];
  timingsMs: Record<string, number>;
}

/** Times phases (wall clock, ms, summed when a phase repeats). */
class Timings {
  readonly ms: Record<string, number> = {};
  async time<T>(phase: string, fn: () => Promise<T>): Promise<T> {
    const t = performance.now();
    try {
      return await fn();
    } finally {
      this.add(phase, performance.now() - t);
    }
  }
  add(phase: string, ms: number): void {
    this.ms[phase] = Math.round((this.ms[phase] ?? 0) + ms);
  }
}

/** Flat caption index ↔ (image, caption) of a dataset. */
function captionTable(images: readonly EvalImage[]): { texts: string[]; start: number[] } {
  const texts: string[] = [];
  const start: number[] = [];
  for (const img of images) {
    start.push(texts.length);
    texts.push(...img.captions);
  }
  return { texts, start };
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export interface RunContext {
  args: EvalArgs;
  config: EvalConfig;
  progress: ProgressFactory;
  /** One line of news for the user (stderr in the CLI). */
  say: (line: string) => void;
  command: string;
}

export async function runEval({ args, config, progress, say, command }: RunContext): Promise<EvalReport> {
  const timings = new Timings();
  const started = performance.now();
  const skipped: string[] = [];
  const notes: string[] = [];
  const ranking: RankingOptions = {
    bm25: { k1: config.SEARCH_BM25_K1, b: config.SEARCH_BM25_B },
    hybridDenseWeight: config.SEARCH_HYBRID_DENSE_WEIGHT,
    annCandidates: 100, // unused: evaluation generations have no approximate index (exact scan)
  };
  const modelsDir = args.modelsDir ?? config.MODELS_DIR;

  const data = await timings.time('read dataset', () => loadEvalDataset(args.dataset, args.split, args.limit));
  const { images } = data;
  say(`dataset ${data.root} (${data.format}), split ${data.split}: ${images.length} images, ${data.captionCount} captions`);
  if (data.excluded.fewCaptions > 0) notes.push(`${data.excluded.fewCaptions} images of the split have fewer than 2 captions and were left out.`);
  if (args.limit !== undefined) notes.push(`--limit ${args.limit}: only the first ${images.length} images of the split were evaluated; numbers are not comparable with full-split ones.`);
  const k = images.length;
  const { texts, start } = captionTable(images);

  // Dense and hybrid need the embedding model; lexical needs nothing.
  const models: ModelRecord[] = [];
  let modes = [...args.modes];
  let embedder: Embedder | null = null;
  let vectors: CaptionVectors | null = null;
  const embedderId = args.embedderModel ?? config.EMBEDDER_MODELS[0];
  const vectorModes = modes.filter((m) => m !== 'lexical');
  if (vectorModes.length > 0) {
    const { record, spec } = locateEmbedder(config, modelsDir, embedderId);
    models.push(record);
    if (spec) {
      embedder = await timings.time('load embedder', () => startEmbedder(config, spec));
      const flat = await timings.time('embed captions', () => embedAll(embedder!, spec.id, texts, progress, 'embed captions'));
      vectors = { model: spec.id, dimensions: spec.dimensions, of: (i, j) => flat[start[i] + j] };
    } else {
      modes = modes.filter((m) => m === 'lexical');
      skipped.push(`${vectorModes.join(' and ')} mode: embedding model unavailable — ${record.note}`);
    }
  }

  try {
    // Text → image.
    const t2i: Partial<Record<Mode, { all: RankingAccumulator; per: RankingAccumulator[]; ms: number }>> = {};
    for (const m of modes) t2i[m] = { all: new RankingAccumulator(), per: [], ms: 0 };
    const threshold = modes.includes('dense') ? new ThresholdAccumulator() : null;
    const choices = Math.min(HELD_OUT_CHOICES, Math.max(0, ...images.map((i) => i.captions.length)));
    const queriesPerMode = images.reduce((s, i) => s + Math.min(choices, i.captions.length), 0);
    if (modes.length > 0) {
      const bar = progress('text → image', queriesPerMode * modes.length);
      for (let h = 0; h < choices; h++) {
        const gen = await timings.time('build indexes', () => buildEvalGeneration(images, { heldOut: h, vectors, ranking, dataset: data.root }));
        for (const m of modes) {
          const acc = new RankingAccumulator();
          const slot = t2i[m]!;
          const t = performance.now();
          for (const [i, img] of images.entries()) {
            if (h >= img.captions.length) continue;
            const ranked = rankImages(gen, { mode: m, text: img.captions[h], vector: vectors?.of(i, h) ?? null, k });
            const ids = ranked.map((r) => r.imageId);
            const rel = new Set([img.id]);
            acc.add(ids, rel);
            slot.all.add(ids, rel);
            if (m === 'dense' && threshold) {
              threshold.add(
                ranked.map((r) => r.score),
                ranked.find((r) => r.imageId === img.id)?.score,
              );
            }
            bar.tick();
          }
          slot.ms += performance.now() - t;
          slot.per.push(acc);
        }
        gen.dispose();
      }
      bar.done();
      for (const m of modes) timings.add(`text → image queries (${m})`, t2i[m]!.ms);
    }

    // Captioning.
    const captionerIds = args.captionerModels ?? config.CAPTIONER_MODELS;
    const generated = new Map<string, string[]>();
    const captioning: CaptioningResult[] = [];
    if (captionerIds.length === 0) {
      skipped.push('captioning and image → text: no captioning model asked for (--captioner-models none)');
    } else {
      const { records, files } = locateCaptioners(modelsDir, captionerIds);
      models.push(...records);
      for (const r of records) if (!r.available) skipped.push(`captioning and image → text with ${r.id}: model unavailable — ${r.note}`);
      if (files.length > 0) {
        const captioner: Captioner = await timings.time('load captioners', () => startCaptioner(config, files, CAPTION_CONCURRENCY));
        try {
          for (const f of files) {
            const bar = progress(`caption (${f.id})`, images.length);
            const t = performance.now();
            const failures: string[] = [];
            const captions = await mapLimit(images, CAPTION_CONCURRENCY, async (img) => {
              try {
                const bytes = await fs.readFile(img.absPath);
                return (await captioner.caption({ image: bytes, model: f.id })).caption;
              } catch (err) {
                // One unreadable image must not void the run: it scores as an empty caption.
                failures.push(`${img.relPath}: ${err instanceof Error ? err.message : String(err)}`);
                return '';
              } finally {
                bar.tick();
              }
            });
            if (failures.length > 0) {
              notes.push(`${f.id} could not caption ${failures.length} images (scored as empty captions); first: ${failures[0]}`);
            }
            const ms = performance.now() - t;
            bar.done();
            timings.add(`caption (${f.id})`, ms);
            generated.set(f.id, captions);
            captioning.push(scoreCaptions(f.id, records.find((r) => r.id === f.id)!.fixture, images, captions, ms));
          }
        } finally {
          await captioner.close();
        }
      }
    }

    // Image → text: generated caption as the query, every human caption in the index.
    const imageToText: EvalReport['imageToText'] = [];
    if (generated.size > 0 && modes.length > 0) {
      const gen = await timings.time('build indexes', () => buildEvalGeneration(images, { heldOut: null, vectors, ranking, dataset: data.root }));
      for (const [model, captions] of generated) {
        let queryVectors: Float32Array[] | null = null;
        if (vectors && embedder) {
          const e = embedder;
          const v = vectors;
          queryVectors = await timings.time('embed captions', () => embedAll(e, v.model, captions, progress, `embed captions (${model})`));
        }
        const out: Partial<Record<Mode, ModeResult>> = {};
        const bar = progress(`image → text (${model})`, images.length * modes.length);
        for (const m of modes) {
          const acc = new RankingAccumulator();
          const t = performance.now();
          for (const [i, img] of images.entries()) {
            const ranked = rankImages(gen, { mode: m, text: captions[i], vector: queryVectors?.[i] ?? null, k });
            acc.add(
              ranked.map((r) => r.imageId),
              new Set([img.id]),
            );
            bar.tick();
          }
          const ms = performance.now() - t;
          timings.add(`image → text queries (${m})`, ms);
          out[m] = { summary: acc.summary(), perChoice: [], msPerQuery: ms / Math.max(1, images.length) };
        }
        bar.done();
        imageToText.push({ model, fixture: models.find((r) => r.id === model)?.fixture ?? false, modes: out });
      }
      gen.dispose();
    }

    if (models.some((m) => m.available && m.fixture)) {
      notes.push('Fixture models (random weights) were used: their numbers test the pipeline, not model quality.');
    }
    timings.add('total', performance.now() - started);
    const textToImageModes: Partial<Record<Mode, ModeResult>> = {};
    for (const m of modes) {
      const slot = t2i[m]!;
      textToImageModes[m] = {
        summary: slot.all.summary(),
        perChoice: slot.per.map((a) => a.summary()),
        msPerQuery: slot.ms / Math.max(1, queriesPerMode),
      };
    }
    return {
      schemaVersion: 1,
      generatedAt: new Date().toISOString(),
      command,
      dataset: {
        path: data.root,
        format: data.format,
        split: data.split,
        images: images.length,
        captions: data.captionCount,
        excluded: data.excluded,
        warnings: data.warnings,
        limited: args.limit !== undefined,
      },
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? 'unknown',
        memoryBytes: os.totalmem(),
        node: process.version,
        platform: os.platform(),
        arch: os.arch(),
      },
      method: {
        execution:
          'in-process: the search, embedder, captioner and indexer domain code (the code the services run), ' +
          'with index generations built in this process only; no running service or served generation is touched',
        modes,
        heldOutChoices: choices,
        k,
        aggregation: 'max',
        ranking,
        bleu:
          'tokens: lower case, punctuation split off (kit tokenize); corpus BLEU-n (n = 1..4, uniform weights) sums clipped ' +
          'n-gram counts and closest-reference lengths over the corpus (NLTK corpus_bleu), no smoothing; mean sentence BLEU-4 ' +
          'uses Chen & Cherry method 1 (epsilon 0.1), as the API',
        thresholdRule: 'precision = relevant images scoring >= t / images scoring >= t over all queries; recall = queries whose image scores >= t / queries',
      },
      models,
      textToImage: { queries: queriesPerMode, modes: textToImageModes },
      imageToText,
      captioning,
      threshold: threshold ? { mode: 'dense', defaultThreshold: DEFAULT_THRESHOLD, points: threshold.points() } : null,
      skipped,
      notes,
      timingsMs: timings.ms,
    };
  } finally {
    await embedder?.close();
  }
}

/** BLEU of one captioner's captions against each image's human captions. */
export function scoreCaptions(model: string, fixture: boolean, images: readonly EvalImage[], captions: readonly string[], ms: number): CaptioningResult {
  const items = images.map((img, i) => ({ references: img.captions, hypothesis: captions[i] }));
  const corpus = corpusBleu(items, { smoothing: 'none' });
  const sentence = items.reduce((s, it) => s + sentenceBleu(it.references, it.hypothesis), 0) / Math.max(1, items.length);
  return {
    model,
    fixture,
    images: images.length,
    corpus,
    meanSentenceBleu4: sentence,
    msPerImage: ms / Math.max(1, images.length),
    examples: images.slice(0, 5).map((img, i) => ({ imageId: img.id, caption: captions[i], reference: img.captions[0] })),
  };
}
