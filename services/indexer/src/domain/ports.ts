/**
 * What the re-index job needs from the outside world. The gRPC clients in `src/clients/`
 * implement these and translate status codes into kit domain errors, so the job logic is tested
 * without a network and never imports @grpc/grpc-js.
 */

/** The dependencies whose health the worker waits for. */
export type Dependency = 'embedder' | 'search' | 'captioner';

/** Options of one outgoing call. */
export interface CallOpts {
  requestId?: string;
  signal?: AbortSignal;
}

export interface EmbedModel {
  id: string;
  dimensions: number;
}

export interface Embeddings {
  /** count x dimensions little-endian float32, row-major (the embedder's wire format). */
  vectors: Buffer;
  count: number;
  dimensions: number;
  model: string;
}

export interface EmbedderPort {
  /** The model `model` names ('' = the embedder's default). */
  modelInfo(model: string, opts?: CallOpts): Promise<EmbedModel>;
  /** Embeds a batch; vectors come back in request order. */
  embed(texts: string[], model: string, opts?: CallOpts): Promise<Embeddings>;
}

/** A generation as the search service describes it. */
export interface GenerationView {
  id: string;
  state: string;
  model: string;
  dimensions: number;
  captionCount: number;
  imageCount: number;
  dataset: string;
  buildKey: string;
}

/** One caption with its vector, as stored in a generation. */
export interface IndexItem {
  id: string;
  imageId: string;
  caption: string;
  /** dimensions little-endian float32 values. */
  vector: Buffer;
  imagePath: string;
  contentHash: string;
  generated: boolean;
}

export interface IndexWriterPort {
  /** The served and building generations. */
  stats(opts?: CallOpts): Promise<{ serving?: GenerationView; building: GenerationView[] }>;
  /** Starts a building generation, or returns the building one begun with `buildKey`. */
  begin(req: { model: string; dimensions: number; dataset: string; buildKey: string }, opts?: CallOpts): Promise<GenerationView>;
  /** Streams items into a building generation; resolves to the distinct items it now holds. */
  upsert(generationId: string, items: IndexItem[], opts?: CallOpts): Promise<{ captionCount: number }>;
  commit(generationId: string, opts?: CallOpts): Promise<GenerationView>;
  abort(generationId: string, opts?: CallOpts): Promise<void>;
}

export interface CaptionerPort {
  caption(image: Buffer, opts?: CallOpts): Promise<{ caption: string; model: string }>;
}

export interface HealthPort {
  /**
   * Resolves once `dep` reports SERVING. Waits (polling) while it is NOT_SERVING or unreachable;
   * rejects with the signal's reason when `signal` aborts.
   */
  waitUntilServing(dep: Dependency, signal?: AbortSignal): Promise<void>;
}
