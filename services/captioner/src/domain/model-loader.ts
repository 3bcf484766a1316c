import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { intraOpThreads } from '@tit/kit';
import { CaptionTokenizer } from './caption-tokenizer';
import { checkSeparatePair, readDecoderSignature, type DecoderLayout, type DecoderSignature, type HeadFallback } from './decoder-signature';
import { readGenerationDefaults, type GenerationDefaults } from './generation-config';
import { planHoist, type HoistPlan } from './hoist';
import { OnnxTextDecoder, type DecoderGraph } from './onnx-decoder';
import { ELEM_TYPE } from './onnx-wire';
import { parsePreprocessorConfig, type PreprocessSpec } from './preprocessor-config';
import { OnnxVisionEncoder } from './vision-encoder';

/** The files a captioning model folder must hold, for messages. */
export const EXPECTED_FILES =
  'onnx/encoder_model.onnx, onnx/decoder_model_merged.onnx (or onnx/decoder_model.onnx with or without ' +
  'onnx/decoder_with_past_model.onnx), tokenizer.json, config.json, preprocessor_config.json ' +
  '(generation_config.json and tokenizer_config.json optional)';

const HOW_TO_GET =
  "get the real models with 'pnpm models pull' (BLIP: services/captioner/export/export_blip.py) or fixtures with 'pnpm fixtures'";

/** A configured model's folder is missing or incomplete. */
export class ModelFilesError extends Error {}

/** Where one model's files are. */
export interface ModelFiles {
  readonly id: string;
  readonly dir: string;
  readonly encoder: string;
  /** decoder_model_merged.onnx, or decoder_model.onnx (+ decoder_with_past_model.onnx). */
  readonly decoders: { readonly merged?: string; readonly first?: string; readonly withPast?: string };
}

/**
 * Finds a model's files under `modelsDir/<id>/` without opening them, so start-up fails with one
 * clear line (naming the expected files and how to get them) before anything slow happens.
 */
export function locateModelFiles(modelsDir: string, id: string): ModelFiles {
  const dir = path.join(modelsDir, ...id.split('/'));
  if (!fs.existsSync(dir)) {
    throw new ModelFilesError(`model ${id}: folder ${dir} not found; expected ${EXPECTED_FILES}; ${HOW_TO_GET}`);
  }
  const at = (rel: string): string | undefined => (fs.existsSync(path.join(dir, rel)) ? path.join(dir, rel) : undefined);
  const decoders = {
    merged: at('onnx/decoder_model_merged.onnx'),
    first: at('onnx/decoder_model.onnx'),
    withPast: at('onnx/decoder_with_past_model.onnx'),
  };
  const missing = ['onnx/encoder_model.onnx', 'tokenizer.json', 'config.json', 'preprocessor_config.json'].filter((f) => !at(f));
  if (!decoders.merged && !decoders.first) missing.push('onnx/decoder_model_merged.onnx');
  if (missing.length > 0) {
    throw new ModelFilesError(`model ${id}: ${dir} lacks ${missing.join(', ')}; expected ${EXPECTED_FILES}; ${HOW_TO_GET}`);
  }
  return { id, dir, encoder: path.join(dir, 'onnx/encoder_model.onnx'), decoders };
}

/** A loaded captioning model: sessions, tokenizer and configs. */
export interface CaptionModel {
  readonly id: string;
  readonly preprocess: PreprocessSpec;
  readonly defaults: GenerationDefaults;
  readonly encoder: OnnxVisionEncoder;
  readonly decoder: OnnxTextDecoder;
  readonly tokenizer: CaptionTokenizer;
  readonly layout: DecoderLayout;
  /** Whether the per-step decoder graph had its image-only part hoisted out (see hoist.ts). */
  readonly hoisted: boolean;
  /** Releases the ONNX Runtime sessions. */
  close(): Promise<void>;
}

/** ONNX Runtime threading. */
export interface RuntimeOptions {
  /** Intra-op threads per session; 0 = one per CPU this process may use. */
  readonly intraOpThreads: number;
  /** Inter-op threads; 0 = onnxruntime's default. */
  readonly interOpThreads: number;
  /**
   * Whether idle intra-op threads spin-wait for the next run (onnxruntime's default). Off unless
   * set: between decoding steps the Node thread needs the core a spinning worker would burn.
   */
  readonly spinning?: boolean;
  /**
   * Split the image-only part (cross-attention keys/values) off the decoder graphs that run every
   * step, so it runs once per image (see hoist.ts). Default true.
   */
  readonly hoist?: boolean;
}

/** The model folder has a file the captioner cannot use (bad JSON, unknown layout, …). */
export class ModelLoadError extends Error {}

type Json = Record<string, unknown>;

function readJson(file: string, optional = false): Json | undefined {
  if (optional && !fs.existsSync(file)) return undefined;
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
  } catch (err) {
    throw new ModelLoadError(`${file}: ${(err as Error).message}`);
  }
}

const int = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined);

/** Heads / head size / vocabulary from config.json, for graphs that leave them symbolic. */
function decoderNumbers(config: Json): HeadFallback & { vocab?: number } {
  const sub = [config.decoder, config.text_config, config].find((c) => typeof c === 'object' && c !== null) as Json;
  const heads = int(sub.n_head) ?? int(sub.num_attention_heads) ?? int(sub.num_heads);
  const hidden = int(sub.n_embd) ?? int(sub.hidden_size) ?? int(sub.d_model);
  const headDim = int(sub.d_kv) ?? (heads && hidden ? hidden / heads : undefined);
  return { heads, headDim, vocab: int(sub.vocab_size) };
}

async function session(file: string | Uint8Array, rt: RuntimeOptions, name = String(file)): Promise<ort.InferenceSession> {
  // Severity 3 (errors): ORT's load-time warnings (e.g. unused initializers) are noise in the logs.
  const opts: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    logSeverityLevel: 3,
    intraOpNumThreads: intraOpThreads(rt.intraOpThreads),
    extra: { session: { intra_op: { allow_spinning: rt.spinning ? '1' : '0' } } },
  };
  if (rt.interOpThreads > 0) opts.interOpNumThreads = rt.interOpThreads;
  try {
    // Two calls because create's path and bytes overloads do not accept the union.
    return typeof file === 'string' ? await ort.InferenceSession.create(file, opts) : await ort.InferenceSession.create(file, opts);
  } catch (err) {
    throw new ModelLoadError(`${name}: onnxruntime cannot load it: ${(err as Error).message}`);
  }
}

const info = (m: ort.InferenceSession.ValueMetadata) => ({ name: m.name, shape: m.isTensor ? m.shape : undefined });

function signature(file: string, s: ort.InferenceSession, fallback: HeadFallback): DecoderSignature {
  return readDecoderSignature(path.basename(file), s.inputMetadata.map(info), s.outputMetadata.map(info), fallback);
}

/** A decoder file read and planned for hoisting (planning is cheap; reading hundreds of MB is not). */
interface PlannedGraph {
  readonly bytes: Uint8Array;
  readonly plan: HoistPlan | undefined;
}

function planGraph(file: string): PlannedGraph {
  const bytes = fs.readFileSync(file);
  return { bytes, plan: planHoist(bytes) };
}

/** Holds a planned read until the loader lets go of it (so its hundreds of MB can be collected). */
interface PlannedHolder {
  graph?: PlannedGraph;
}

/**
 * Collects garbage now, when the process allows it (the captioner runs with `--expose-gc`, see
 * node-flags.ts). A decoder file read for splitting is hundreds of MB the loader stops
 * referencing once the split parts are built; nothing else would collect it before ONNX Runtime
 * allocates the next session's copies in native memory V8 does not see, so it would count twice
 * towards the start-up peak (ViT-GPT2 replica: 3.2 GB without this, 2.5 GB with it).
 */
function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/**
 * Opens a decoder graph. With `hoist` (or an already `planned` read of the file), the graph is
 * split (hoist.ts) when it has an image-only part worth moving; otherwise, or when the split is
 * not possible, it is opened as it is.
 */
async function openGraph(
  file: string,
  rt: RuntimeOptions,
  fallback: HeadFallback,
  hoist: boolean,
  track: (s: ort.InferenceSession) => void,
  planned?: PlannedHolder,
): Promise<DecoderGraph> {
  if (hoist) {
    const holder = planned ?? { graph: planGraph(file) };
    let plan = holder.graph?.plan;
    if (plan) {
      const st = await session(plan.staticModel, rt, `${file} (image-only part)`);
      track(st);
      const types: Record<string, number> = {};
      for (const m of st.outputMetadata) if (m.isTensor && ELEM_TYPE[m.type] !== undefined) types[m.name] = ELEM_TYPE[m.type];
      if (plan.boundary.every((b) => types[b] !== undefined)) {
        const { boundary: boundaryNames, dynamicUsesEncoder: usesEncoder } = plan;
        const dynamicModel = plan.dynamicModel(types);
        // The file's bytes are not needed any more: let them go before ORT copies the dynamic part.
        plan = undefined;
        holder.graph = undefined;
        collectGarbage();
        const dyn = await session(dynamicModel, rt, file);
        track(dyn);
        const boundary = new Set(boundaryNames);
        // The signature of the original graph: the per-step inputs plus encoder_hidden_states.
        const inputs = [...dyn.inputMetadata.filter((m) => !boundary.has(m.name)), ...st.inputMetadata.filter((m) => !dyn.inputNames.includes(m.name))];
        const sig = readDecoderSignature(path.basename(file), inputs.map(info), dyn.outputMetadata.map(info), fallback);
        return { session: dyn, sig, hoisted: { session: st, boundary: boundaryNames, usesEncoder } };
      }
    }
    const s = await session((holder.graph as PlannedGraph).bytes, rt, file);
    holder.graph = undefined;
    track(s);
    return { session: s, sig: signature(file, s, fallback) };
  }
  const s = await session(file, rt);
  track(s);
  return { session: s, sig: signature(file, s, fallback) };
}

/**
 * Opens a model folder: configs, tokenizer, encoder session, and the decoder graphs, whose
 * input/output names decide the layout (see {@link DecoderLayout}). An unknown layout, a
 * preprocessor step the captioner does not implement, or a size mismatch between the
 * preprocessor config and the encoder fails here, at start-up, with the file named.
 */
export async function loadCaptionModel(files: ModelFiles, rt: RuntimeOptions): Promise<CaptionModel> {
  const { dir } = files;
  const config = readJson(path.join(dir, 'config.json')) as Json;
  const preprocess = parsePreprocessorConfig(readJson(path.join(dir, 'preprocessor_config.json')), path.join(dir, 'preprocessor_config.json'));
  const defaults = readGenerationDefaults(readJson(path.join(dir, 'generation_config.json'), true), config, path.join(dir, 'generation_config.json'));
  const tokenizer = new CaptionTokenizer(
    readJson(path.join(dir, 'tokenizer.json')) as Json,
    readJson(path.join(dir, 'tokenizer_config.json'), true) ?? {},
  );
  const numbers = decoderNumbers(config);

  const sessions: ort.InferenceSession[] = [];
  try {
    const encoderSession = await session(files.encoder, rt);
    sessions.push(encoderSession);
    const encoder = new OnnxVisionEncoder(encoderSession, path.basename(files.encoder));
    const pixelMeta = encoderSession.inputMetadata.find((m) => m.name === 'pixel_values');
    if (pixelMeta?.isTensor) {
      const [, , h, w] = pixelMeta.shape;
      if ((typeof h === 'number' && h !== preprocess.height) || (typeof w === 'number' && w !== preprocess.width)) {
        throw new ModelLoadError(`${files.encoder}: takes ${h}x${w} images but preprocessor_config.json resizes to ${preprocess.height}x${preprocess.width}`);
      }
    }
    // Graphs with symbolic sizes may still fix them internally (a position table): one run tells.
    try {
      await encoder.encode([new Float32Array(3 * preprocess.height * preprocess.width)], preprocess.height, preprocess.width);
    } catch (err) {
      throw new ModelLoadError(
        `${files.encoder}: cannot encode a ${preprocess.height}x${preprocess.width} image (the preprocessor_config.json size): ${(err as Error).message}`,
      );
    }

    let layout: DecoderLayout;
    let first: DecoderGraph;
    let next: DecoderGraph | undefined;
    const hoist = rt.hoist !== false;
    const track = (s: ort.InferenceSession): void => {
      sessions.push(s);
    };
    const { first: firstFile, withPast } = files.decoders;
    let merged = files.decoders.merged;
    // Optimum's merged graphs switch branches with an If node, which hoisting cannot split; when the
    // separate files are there too, they decode faster (each step skips the cross-attention projections).
    const mergedPlan: PlannedHolder = { graph: merged && hoist ? planGraph(merged) : undefined };
    if (mergedPlan.graph && !mergedPlan.graph.plan && firstFile && withPast) {
      merged = undefined;
      mergedPlan.graph = undefined;
    }
    if (merged || (firstFile && !withPast)) {
      // One graph for every step (merged, a single with-past graph, or no past at all).
      const file = (merged ?? firstFile) as string;
      first = await openGraph(file, rt, numbers, hoist, track, merged && mergedPlan.graph ? mergedPlan : undefined);
      next = first.sig.past.length > 0 ? first : undefined;
      layout = first.sig.past.length === 0 ? 'no-past' : first.sig.useCacheBranch ? 'merged-with-past' : 'with-past';
    } else {
      // The first step runs once per image: only the with-past graph is worth splitting.
      first = await openGraph(firstFile as string, rt, numbers, false, track);
      next = await openGraph(withPast as string, rt, numbers, hoist, track);
      if (next.sig.past.length === 0) throw new ModelLoadError(`${withPast}: has no past_key_values inputs`);
      checkSeparatePair(path.basename(firstFile as string), first.sig, next.sig);
      layout = 'separate-with-past';
    }

    const logitsMeta = first.session.outputMetadata.find((m) => m.name === 'logits');
    const metaVocab = logitsMeta?.isTensor ? logitsMeta.shape[2] : undefined;
    const vocabSize = typeof metaVocab === 'number' ? metaVocab : numbers.vocab;
    if (vocabSize === undefined) throw new ModelLoadError(`${dir}: vocabulary size unknown (symbolic logits and no vocab_size in config.json)`);

    const decoder = new OnnxTextDecoder({ layout, first, next, vocabSize });
    return {
      id: files.id,
      preprocess,
      defaults,
      encoder,
      decoder,
      tokenizer,
      layout,
      hoisted: Boolean(first.hoisted ?? next?.hoisted),
      close: async () => {
        await Promise.all(sessions.map((s) => s.release()));
      },
    };
  } catch (err) {
    await Promise.all(sessions.map((s) => s.release()));
    throw err;
  }
}
