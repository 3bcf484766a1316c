/**
 * The models the services load by default, with the Hub repositories and files `pnpm models pull`
 * downloads for each. One list, so the pull CLI, `pnpm start` and the services' "model missing"
 * messages agree. Each model lives in `MODELS_DIR/<id>/`, files at their Hub paths.
 */

/** One file of a model folder, at its path in the Hub repository and in the folder. */
export interface ModelFile {
  readonly path: string;
  /** Repos differ in which tokenizer extras they ship; a missing optional file is skipped. */
  readonly optional?: boolean;
}

/** A default model of one of the services. */
export interface DefaultModel {
  /** Folder under MODELS_DIR and the id the service is configured with. */
  readonly id: string;
  /** Short name accepted by `pnpm models pull`. */
  readonly alias: string;
  readonly service: 'embedder' | 'captioner';
  /**
   * Hub repository that holds the files in this layout; undefined when no public repo does (the
   * user must export the model, or configure a converted repo).
   */
  readonly repo: string | undefined;
  readonly revision: string;
  readonly files: readonly ModelFile[];
  /** Why the files come from another repo than `id`, or how to get them when `repo` is undefined. */
  readonly note?: string;
}

/** The embedder's default model: official sentence-transformers repo, which ships its ONNX export. */
export const MINILM_ID = 'sentence-transformers/all-MiniLM-L6-v2';
/** The captioner's default model: no official ONNX export; the captioner ships an export script. */
export const BLIP_ID = 'Salesforce/blip-image-captioning-base';
/** The captioner's second model; its Optimum export lives in a community repo. */
export const VIT_GPT2_ID = 'nlpconnect/vit-gpt2-image-captioning';

/** Files of a sentence-transformers model folder; `onnxFile` is EMBEDDER_ONNX_FILE. */
export function embedderFiles(onnxFile = 'model.onnx'): ModelFile[] {
  return [
    { path: onnxFile.includes('/') ? onnxFile : `onnx/${onnxFile}` },
    { path: 'tokenizer.json' },
    { path: 'tokenizer_config.json' },
    { path: 'config.json' },
    { path: 'modules.json' },
    { path: '1_Pooling/config.json' },
    { path: 'sentence_bert_config.json' },
    { path: 'special_tokens_map.json', optional: true },
    { path: 'vocab.txt', optional: true },
    { path: 'config_sentence_transformers.json', optional: true },
  ];
}

/**
 * Files of an encoder-decoder captioning export (Optimum layout: vision encoder plus merged
 * decoder with `use_cache_branch`), shared by ViT-GPT2 and the captioner's BLIP export.
 */
export const CAPTIONER_FILES: readonly ModelFile[] = [
  { path: 'onnx/encoder_model.onnx' },
  { path: 'onnx/decoder_model_merged.onnx' },
  { path: 'tokenizer.json' },
  { path: 'tokenizer_config.json', optional: true },
  { path: 'special_tokens_map.json', optional: true },
  { path: 'config.json' },
  { path: 'generation_config.json' },
  { path: 'preprocessor_config.json' },
];

/** Options that change where or what the defaults download. */
export interface DefaultModelOptions {
  /** EMBEDDER_ONNX_FILE: which ONNX file of the embedder model (model.onnx, model_quantized.onnx...). */
  readonly embedderOnnxFile?: string;
  /** BLIP_ONNX_REPO: a Hub repo holding BLIP already converted to the captioner's export layout. */
  readonly blipRepo?: string;
}

/** Every default model, in the order `pnpm models pull` fetches them. */
export function defaultModels(opts: DefaultModelOptions = {}): DefaultModel[] {
  return [
    {
      id: MINILM_ID,
      alias: 'minilm',
      service: 'embedder',
      repo: MINILM_ID,
      revision: 'main',
      files: embedderFiles(opts.embedderOnnxFile),
    },
    {
      id: BLIP_ID,
      alias: 'blip',
      service: 'captioner',
      repo: opts.blipRepo,
      revision: 'main',
      files: CAPTIONER_FILES,
      note: opts.blipRepo
        ? `converted export from ${opts.blipRepo} (BLIP_ONNX_REPO)`
        : `${BLIP_ID} has no official ONNX export: run the captioner's BLIP export script once (Python with ` +
          `transformers and torch; see services/captioner/README.md) to write it into this folder, or set ` +
          `BLIP_ONNX_REPO to a Hub repo that holds that export`,
    },
    {
      id: VIT_GPT2_ID,
      alias: 'vit-gpt2',
      service: 'captioner',
      repo: 'Xenova/vit-gpt2-image-captioning',
      revision: 'main',
      files: CAPTIONER_FILES,
      note: `the ONNX export of ${VIT_GPT2_ID} is published in the community repo Xenova/vit-gpt2-image-captioning`,
    },
  ];
}

/** Finds default models by id or alias; throws listing the known names for an unknown one. */
export function selectModels(names: readonly string[], all: readonly DefaultModel[]): DefaultModel[] {
  if (names.length === 0) return [...all];
  return names.map((n) => {
    const m = all.find((d) => d.id === n || d.alias === n);
    if (!m) throw new Error(`unknown model ${JSON.stringify(n)}; known: ${all.map((d) => `${d.id} (${d.alias})`).join(', ')}`);
    return m;
  });
}
