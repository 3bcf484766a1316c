/**
 * What the gateway's domain needs from the services, in domain terms. The gRPC adapter
 * (`downstream/hops.ts`) implements it; tests may implement it directly.
 */

/** Similarity mode of a search (see README "Scores"). */
export type SearchMode = 'dense' | 'lexical' | 'hybrid';

export const SEARCH_MODES: readonly SearchMode[] = ['dense', 'lexical', 'hybrid'];

/** Per-stage time of one caption inside the captioner, ms (all 0 when it came from its cache). */
export interface CaptionStageTimings {
  decodeMs: number;
  preprocessMs: number;
  encodeMs: number;
  generateMs: number;
}

export interface CaptionResult {
  caption: string;
  model: string;
  /** SHA-256 of the image bytes, hex. */
  contentHash: string;
  cached: boolean;
  tokenCount: number;
  timings: CaptionStageTimings;
}

export interface TextEmbedding {
  /** Little-endian float32 vector, as the search service takes it. */
  vector: Buffer;
  model: string;
  dimensions: number;
}

export interface SearchQuery {
  /** Required for dense and hybrid. */
  embedding?: TextEmbedding;
  text: string;
  k: number;
  /** Undefined keeps every score. */
  threshold?: number;
  mode: SearchMode;
  excludeContentHashes?: string[];
}

export interface SearchHit {
  imageId: string;
  score: number;
  caption: string;
  captions: string[];
  contentHash: string;
  imagePath: string;
}

export interface SearchResult {
  hits: SearchHit[];
  generationId: string;
  model: string;
}

export interface ImageLocation {
  imageId: string;
  /** Relative to `dataset`. */
  imagePath: string;
  /** Dataset root of the served generation. */
  dataset: string;
  contentHash: string;
}

export interface GenerationSummary {
  id: string;
  state: string;
  model: string;
  dimensions: number;
  captionCount: number;
  imageCount: number;
  dataset: string;
  createdAt: string | null;
  committedAt: string | null;
}

export interface IndexStats {
  serving: GenerationSummary | null;
  previous: GenerationSummary | null;
  building: GenerationSummary[];
  approximate: boolean;
}

/** The services, as the gateway's domain sees them. */
export interface Backends {
  caption(image: Buffer, model?: string): Promise<CaptionResult>;
  embed(text: string): Promise<TextEmbedding>;
  query(q: SearchQuery): Promise<SearchResult>;
  getImage(imageId: string): Promise<ImageLocation>;
  getStats(): Promise<IndexStats>;
}
