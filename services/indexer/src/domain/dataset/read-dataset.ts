import { promises as fs } from 'node:fs';
import path from 'node:path';
import { InvalidInputError, type DatasetFormat } from '@tit/kit';
import { findCocoFile, readCoco } from './coco-reader';
import { imageIdOf, isDir, isFile, relPosix } from './files';
import { readImageFolder } from './image-folder-reader';
import { KAGGLE_CAPTIONS_FILE, readKaggle } from './kaggle-reader';
import { loadSplit } from './splits';
import { TOKEN_FILE, readToken } from './token-reader';
import type { CaptionSource, Dataset, DatasetCaption, DatasetImage } from './types';

export interface ReadOptions {
  format?: 'auto' | DatasetFormat;
  split?: string;
}

/** Notes kept in a job's report; the counts stay exact, the list stays readable. */
const MAX_WARNINGS = 20;

/**
 * Picks the reader by the files present: `captions.txt` (Kaggle), `Flickr8k.token.txt`
 * (original), `captions.json` or `annotations/captions_*.json` (COCO), else an image folder.
 */
export async function detectFormat(root: string, split?: string): Promise<DatasetFormat> {
  if (await isFile(path.join(root, KAGGLE_CAPTIONS_FILE))) return 'flickr8k-kaggle';
  if (await isFile(path.join(root, TOKEN_FILE))) return 'flickr8k-token';
  if (await findCocoFile(root, split)) return 'coco';
  return 'images';
}

async function readSource(root: string, format: DatasetFormat, split?: string): Promise<CaptionSource> {
  switch (format) {
    case 'flickr8k-kaggle':
      return readKaggle(root);
    case 'flickr8k-token':
      return readToken(root);
    case 'coco': {
      const file = await findCocoFile(root, split);
      if (!file) throw new InvalidInputError(`no COCO captions file in ${root}: looked for captions.json and annotations/captions_*.json`);
      return readCoco(root, file);
    }
    case 'images':
      return readImageFolder(root);
  }
}

/** Existing files among `files` (relative to `dir`), checked with one readdir per folder. */
async function existingFiles(dir: string, files: Iterable<string>): Promise<Set<string>> {
  const byFolder = new Map<string, string[]>();
  for (const f of files) {
    const folder = path.posix.dirname(f);
    const list = byFolder.get(folder) ?? [];
    list.push(f);
    byFolder.set(folder, list);
  }
  const found = new Set<string>();
  for (const [folder, list] of byFolder) {
    let names: Set<string>;
    try {
      const entries = await fs.readdir(path.join(dir, folder), { withFileTypes: true });
      names = new Set(entries.filter((e) => e.isFile() || e.isSymbolicLink()).map((e) => e.name));
    } catch {
      continue;
    }
    for (const f of list) if (names.has(path.posix.basename(f))) found.add(f);
  }
  return found;
}

/**
 * Reads a dataset folder into the images and captions to index. Captions of missing image files
 * and unreadable rows are skipped and counted; a dataset with nothing left to index, an unknown
 * split or a missing folder throws InvalidInputError (bad data: retrying cannot help).
 */
export async function readDataset(rootIn: string, opts: ReadOptions = {}): Promise<Dataset> {
  const root = path.resolve(rootIn);
  if (!(await isDir(root))) throw new InvalidInputError(`dataset folder ${root} does not exist`);
  const format = !opts.format || opts.format === 'auto' ? await detectFormat(root, opts.split) : opts.format;
  const source = await readSource(root, format, opts.split);
  const inSplit = opts.split ? await loadSplit(root, opts.split) : () => true;
  const warnings: string[] = [...source.notes];
  const warn = (msg: string): void => {
    if (warnings.length < MAX_WARNINGS) warnings.push(msg);
  };
  for (const m of source.malformed.slice(0, 10)) warn(`skipped ${m.where}: ${m.reason}`);

  const images: DatasetImage[] = [];
  const captions: DatasetCaption[] = [];
  // Two files with one id (a.jpg and a.png) would overwrite each other's items: the first wins.
  const fileOfId = new Map<string, string>();
  const imageById = new Map<string, DatasetImage>();
  const imageOf = (file: string): DatasetImage | undefined => {
    const id = imageIdOf(file);
    const owner = fileOfId.get(id);
    if (owner !== undefined) return owner === file ? imageById.get(id) : undefined;
    fileOfId.set(id, file);
    const absPath = path.join(source.imageDir, file);
    const image = { id, relPath: relPosix(root, absPath), absPath };
    images.push(image);
    imageById.set(id, image);
    return image;
  };

  let skippedMissingImage = 0;
  let missingImages = 0;
  let duplicateIds = 0;
  if (source.imageFiles) {
    for (const f of source.imageFiles.filter(inSplit)) {
      if (!imageOf(f)) {
        duplicateIds++;
        warn(`skipped image ${f}: id "${imageIdOf(f)}" is already used by ${fileOfId.get(imageIdOf(f))}`);
      }
    }
    if (images.length === 0) {
      throw new InvalidInputError(
        opts.split
          ? `no images of split "${opts.split}" in ${source.imageDir}`
          : `${root} holds no captions file (${KAGGLE_CAPTIONS_FILE}, ${TOKEN_FILE}, captions.json) and no images`,
      );
    }
  } else {
    const wanted = source.entries.filter((e) => inSplit(e.file));
    const present = await existingFiles(source.imageDir, new Set(wanted.map((e) => e.file)));
    const missingSeen = new Set<string>();
    const counts = new Map<string, number>();
    for (const e of wanted) {
      if (!present.has(e.file)) {
        skippedMissingImage++;
        if (!missingSeen.has(e.file)) {
          missingSeen.add(e.file);
          warn(`skipped captions of ${e.file}: image file missing in ${relPosix(root, source.imageDir) || '.'}`);
        }
        continue;
      }
      const image = imageOf(e.file);
      if (!image) {
        duplicateIds++;
        warn(`skipped ${e.where}: id "${imageIdOf(e.file)}" is already used by ${fileOfId.get(imageIdOf(e.file))}`);
        continue;
      }
      const n = counts.get(image.id) ?? 0;
      counts.set(image.id, n + 1);
      captions.push({ itemId: `${image.id}#${n}`, imageId: image.id, text: e.text });
    }
    missingImages = missingSeen.size;
    if (captions.length === 0) {
      const why = [
        wanted.length === 0 && opts.split ? `no caption belongs to split "${opts.split}"` : '',
        skippedMissingImage > 0 ? `${skippedMissingImage} captions name missing image files` : '',
        source.malformed.length > 0 ? `${source.malformed.length} rows are malformed (first: ${source.malformed[0].where}: ${source.malformed[0].reason})` : '',
      ].filter(Boolean);
      throw new InvalidInputError(`${source.captionsFile ?? root} has no caption to index${why.length ? `: ${why.join('; ')}` : ''}`);
    }
  }
  return {
    root,
    format,
    ...(opts.split ? { split: opts.split } : {}),
    images,
    captions,
    needsCaptions: source.imageFiles !== undefined,
    skippedMissingImage,
    missingImages,
    skippedMalformed: source.malformed.length + duplicateIds,
    warnings,
  };
}
