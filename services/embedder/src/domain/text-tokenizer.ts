import { Tokenizer } from '@huggingface/tokenizers';

/**
 * A Hugging Face tokenizer (tokenizer.json, read by @huggingface/tokenizers) with
 * sentence-transformers' truncation: texts longer than `maxTokens` word pieces (special tokens
 * included) lose their tail, and the special tokens stay. Padding is per batch (see `padBatch`).
 */
export class TextTokenizer {
  private readonly tokenizer: Tokenizer;
  /** Special tokens the post-processor puts before and after a single sequence ([CLS] and [SEP] for BERT). */
  private readonly prefix: number;
  private readonly suffix: number;
  readonly padId: number;

  constructor(
    tokenizerJson: object,
    tokenizerConfig: object,
    readonly maxTokens: number,
  ) {
    this.tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
    // Learn the template from the tokenizer itself instead of assuming BERT's [CLS] x [SEP]:
    // find where the bare ids of a probe sit inside the ids with special tokens.
    const bare = this.tokenizer.encode('a', { add_special_tokens: false }).ids;
    const full = this.tokenizer.encode('a', { add_special_tokens: true }).ids;
    const at = indexOfSeq(full, bare);
    this.prefix = at < 0 ? 0 : at;
    this.suffix = at < 0 ? 0 : full.length - at - bare.length;
    if (maxTokens < this.prefix + this.suffix + 1) {
      throw new Error(`max tokens ${maxTokens} leaves no room for text between the special tokens`);
    }
    const padToken = pickPadToken(tokenizerJson, tokenizerConfig);
    this.padId = (padToken === undefined ? undefined : this.tokenizer.token_to_id(padToken)) ?? 0;
  }

  /** Token ids of one text, special tokens included, truncated to `maxTokens`. */
  encode(text: string): number[] {
    const ids = this.tokenizer.encode(text, { add_special_tokens: true }).ids;
    if (ids.length <= this.maxTokens) return ids;
    const keep = this.maxTokens - this.suffix;
    return [...ids.slice(0, keep), ...ids.slice(ids.length - this.suffix)];
  }

  /** The word pieces of `ids` (for tests and debugging). */
  tokens(ids: readonly number[]): string[] {
    return ids.map((id) => this.tokenizer.id_to_token(id) ?? '[?]');
  }
}

function indexOfSeq(hay: readonly number[], needle: readonly number[]): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function pickPadToken(tokenizerJson: object, tokenizerConfig: object): string | undefined {
  const fromConfig = (tokenizerConfig as { pad_token?: unknown }).pad_token;
  if (typeof fromConfig === 'string') return fromConfig;
  if (fromConfig && typeof fromConfig === 'object' && typeof (fromConfig as { content?: unknown }).content === 'string')
    return (fromConfig as { content: string }).content;
  const padding = (tokenizerJson as { padding?: { pad_token?: unknown } }).padding;
  return typeof padding?.pad_token === 'string' ? padding.pad_token : undefined;
}

/** A padded batch: row-major `batch x seqLen` ids and attention mask. */
export interface PaddedBatch {
  readonly batch: number;
  readonly seqLen: number;
  readonly ids: BigInt64Array;
  readonly mask: Uint8Array;
}

/** Pads token id lists to the longest one in the batch (right padding, as sentence-transformers). */
export function padBatch(rows: readonly (readonly number[])[], padId: number): PaddedBatch {
  const seqLen = rows.reduce((m, r) => Math.max(m, r.length), 0);
  const ids = new BigInt64Array(rows.length * seqLen).fill(BigInt(padId));
  const mask = new Uint8Array(rows.length * seqLen);
  rows.forEach((r, b) => {
    const off = b * seqLen;
    for (let s = 0; s < r.length; s++) {
      ids[off + s] = BigInt(r[s]);
      mask[off + s] = 1;
    }
  });
  return { batch: rows.length, seqLen, ids, mask };
}
