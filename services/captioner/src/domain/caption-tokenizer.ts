import { Tokenizer } from '@huggingface/tokenizers';

/**
 * Token ids → caption text, as `tokenizer.decode(ids, skip_special_tokens=True)` does in
 * transformers: special tokens dropped, the model's decoder (WordPiece `##` joining, GPT-2 byte
 * level), then `clean_up_tokenization_spaces` (" ." → ".", " 's" → "'s", …) when the tokenizer
 * config asks for it, which BERT-based tokenizers (BLIP) do. The result is trimmed, as the
 * ViT-GPT2 model card's example does (GPT-2 captions may start with a space).
 */
export class CaptionTokenizer {
  private readonly tokenizer: Tokenizer;

  constructor(tokenizerJson: object, tokenizerConfig: object = {}) {
    this.tokenizer = new Tokenizer(tokenizerJson, withCleanupDefault(tokenizerJson, tokenizerConfig));
  }

  /** The caption for generated ids (start and end tokens may be included: they are special). */
  decode(ids: readonly number[]): string {
    if (ids.length === 0) return '';
    return this.tokenizer.decode([...ids], { skip_special_tokens: true }).trim();
  }

  /** Ids of a text without special tokens (for prompts and tests). */
  encode(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids;
  }

  /** Id of one token string, if in the vocabulary. */
  tokenId(token: string): number | undefined {
    return this.tokenizer.token_to_id(token);
  }
}

/**
 * transformers' default for `clean_up_tokenization_spaces` when tokenizer_config.json does not set
 * it: BertTokenizer(Fast) passes True, GPT2Tokenizer(Fast) and the base class False (transformers
 * 4.45+). tokenizers.js defaults to true for everything, so the default is made explicit here.
 */
function withCleanupDefault(tokenizerJson: object, config: object): object {
  if ('clean_up_tokenization_spaces' in config) return config;
  const model = (tokenizerJson as { model?: { type?: unknown } }).model;
  return { ...config, clean_up_tokenization_spaces: model?.type === 'WordPiece' };
}
