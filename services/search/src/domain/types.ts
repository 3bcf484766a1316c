/** Domain types of the search service (no gRPC types: handlers translate). */

export type Mode = 'dense' | 'lexical' | 'hybrid';
export type Aggregation = 'max' | 'mean';
export type GenerationStateName = 'building' | 'serving' | 'previous' | 'aborted';

/** Description of one generation, as the API reports it. */
export interface GenerationInfo {
  id: string;
  state: GenerationStateName;
  model: string;
  dimensions: number;
  captionCount: number;
  imageCount: number;
  dataset: string;
  createdAtMs: number;
  /** 0 while building. */
  committedAtMs: number;
  buildKey: string;
}

/** One caption item to upsert into a building generation. */
export interface ItemInput {
  id: string;
  imageId: string;
  caption: string;
  /** Little-endian float32 bytes. */
  vector: Uint8Array;
  imagePath: string;
  contentHash: string;
  generated: boolean;
}

/** A query as the domain sees it (bytes still undecoded: the generation knows the dimensions). */
export interface QueryInput {
  vector: Uint8Array;
  model: string;
  text: string;
  k: number;
  threshold?: number;
  mode: Mode;
  aggregation: Aggregation;
  excludeImageIds: readonly string[];
  excludeContentHashes: readonly string[];
  /** Skip the approximate index even when it is built (benchmarks and tests compare both). */
  exact?: boolean;
}

export interface ImageHit {
  imageId: string;
  score: number;
  caption: string;
  captions: string[];
  contentHash: string;
  imagePath: string;
}

export interface QueryResult {
  hits: ImageHit[];
  generationId: string;
  model: string;
  /** Whether the approximate index chose the candidates. */
  approximate: boolean;
}

export interface ImageRecord {
  imageId: string;
  imagePath: string;
  dataset: string;
  contentHash: string;
  captions: string[];
}

export interface IndexStats {
  serving: GenerationInfo | null;
  previous: GenerationInfo | null;
  building: GenerationInfo[];
  vectorBytes: number;
  rssBytes: number;
  approximate: boolean;
  snapshotProblems: string[];
}
