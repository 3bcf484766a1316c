/** The evaluation's view of a dataset split: images with their human captions, in file order. */
import { readDataset } from '@tit/indexer/src/domain/dataset';

/** One image of the split and its reference captions (in caption-file order). */
export interface EvalImage {
  id: string;
  /** Path relative to the dataset root (posix), as the indexer stores it. */
  relPath: string;
  absPath: string;
  captions: string[];
}

export interface EvalDataset {
  root: string;
  format: string;
  split: string;
  images: EvalImage[];
  captionCount: number;
  /** Images of the split left out: fewer than two captions (nothing to retrieve them by), or past --limit. */
  excluded: { fewCaptions: number; overLimit: number };
  /** The reader's warnings (missing files, malformed rows). */
  warnings: string[];
}

/**
 * Reads `root` with the indexer's dataset readers (Kaggle `captions.txt`, original
 * `Flickr8k.token.txt`, split files) and groups the captions by image. `limit` keeps the first
 * images of the split (in caption-file order).
 */
export async function loadEvalDataset(root: string, split: string, limit?: number): Promise<EvalDataset> {
  const ds = await readDataset(root, { split });
  const byId = new Map<string, EvalImage>();
  for (const img of ds.images) byId.set(img.id, { id: img.id, relPath: img.relPath, absPath: img.absPath, captions: [] });
  for (const c of ds.captions) byId.get(c.imageId)?.captions.push(c.text);
  const all = [...byId.values()];
  const usable = all.filter((i) => i.captions.length >= 2);
  const images = limit === undefined ? usable : usable.slice(0, limit);
  return {
    root: ds.root,
    format: ds.format,
    split,
    images,
    captionCount: images.reduce((s, i) => s + i.captions.length, 0),
    excluded: { fewCaptions: all.length - usable.length, overLimit: usable.length - images.length },
    warnings: ds.warnings,
  };
}
