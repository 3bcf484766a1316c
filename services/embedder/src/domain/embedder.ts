import { InvalidInputError, NotFoundError, UnavailableError } from '@tit/kit';
import type { BatcherLimits } from './dynamic-batcher';
import { EmbeddingModel, type Embeddings, type ModelDescription } from './embedding-model';
import type { ModelSpec } from './model-files';
import type { OrtThreads } from './onnx-encoder';

/** Limits on one call, checked before any work. */
export interface CallLimits {
  /** Most texts in one call (EMBEDDER_MAX_TEXTS). */
  readonly maxTexts: number;
  /** Most characters in one text (EMBEDDER_MAX_CHARS). */
  readonly maxChars: number;
}

/** A served model's description, with whether it is the default. */
export interface ServedModel extends ModelDescription {
  readonly isDefault: boolean;
}

/** The result of one Embed call. */
export interface EmbedResult extends Embeddings {
  readonly model: ModelDescription;
}

/**
 * The embedder's models, served side by side and chosen per call by id (the first is the
 * default). Created with the specs read at start-up; `start` creates the sessions and warms them
 * up, and calls before it ends fail with UnavailableError.
 */
export class Embedder {
  private models = new Map<string, EmbeddingModel>();
  private ready = false;

  constructor(
    private readonly specs: readonly ModelSpec[],
    private readonly limits: CallLimits,
    private readonly batching: BatcherLimits,
    private readonly threads: OrtThreads,
  ) {
    if (specs.length === 0) throw new Error('the embedder needs at least one model');
  }

  /** Creates every session and warms each up. Health may turn SERVING after it resolves. */
  async start(): Promise<void> {
    for (const spec of this.specs) {
      const model = await EmbeddingModel.load(spec, this.threads, this.batching);
      this.models.set(spec.id, model);
      await model.warmUp(this.batching.maxBatch);
    }
    this.ready = true;
  }

  get defaultModelId(): string {
    return this.specs[0].id;
  }

  /** Embeds `texts` with `modelId` (empty: the default model), after checking the call limits. */
  async embed(texts: readonly string[], modelId: string, signal?: AbortSignal): Promise<EmbedResult> {
    if (texts.length > this.limits.maxTexts) {
      throw new InvalidInputError(
        `too many texts: ${texts.length} in one call, the limit is ${this.limits.maxTexts} (EMBEDDER_MAX_TEXTS)`,
      );
    }
    const long = texts.findIndex((t) => t.length > this.limits.maxChars);
    if (long >= 0) {
      throw new InvalidInputError(
        `text ${long} is too long: ${texts[long].length} characters, the limit is ${this.limits.maxChars} ` +
          `characters per text (EMBEDDER_MAX_CHARS)`,
      );
    }
    const model = this.model(modelId);
    const out = await model.embed(texts, signal);
    return { ...out, model: model.description };
  }

  /** Describes one model (empty id: the default). */
  info(modelId: string): ServedModel {
    const model = this.model(modelId);
    return { ...model.description, isDefault: model.description.id === this.defaultModelId };
  }

  /** Every served model, the default first. */
  list(): ServedModel[] {
    return this.specs.map((s) => this.info(s.id));
  }

  /** Batching counters per model, for benchmarks and diagnostics. */
  stats(): Record<string, ReturnType<EmbeddingModel['stats']>> {
    return Object.fromEntries([...this.models].map(([id, m]) => [id, m.stats()]));
  }

  async close(): Promise<void> {
    this.ready = false;
    for (const m of this.models.values()) await m.close();
    this.models.clear();
  }

  private model(modelId: string): EmbeddingModel {
    if (!this.ready) throw new UnavailableError('the embedder is loading its models');
    const id = modelId || this.defaultModelId;
    const model = this.models.get(id);
    if (!model) {
      throw new NotFoundError(`model ${JSON.stringify(id)} is not served here; served: ${[...this.models.keys()].join(', ')}`);
    }
    return model;
  }
}
