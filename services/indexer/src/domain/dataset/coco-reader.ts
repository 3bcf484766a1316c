import { promises as fs } from 'node:fs';
import path from 'node:path';
import { InvalidInputError } from '@tit/kit';
import { captionProblem, isDir, isFile, readTextFile } from './files';
import type { CaptionEntry, CaptionSource, MalformedRow } from './types';

/** Annotation files looked for, in order: `captions.json`, then `annotations/captions_*.json`. */
export async function findCocoFile(root: string, split?: string): Promise<string | undefined> {
  const direct = path.join(root, 'captions.json');
  if (await isFile(direct)) return direct;
  const dir = path.join(root, 'annotations');
  let names: string[];
  try {
    names = (await fs.readdir(dir)).filter((n) => /^captions_.*\.json$/i.test(n)).sort();
  } catch {
    return undefined;
  }
  if (names.length === 0) return undefined;
  const preferred = split ? names.find((n) => n.toLowerCase().startsWith(`captions_${split.toLowerCase()}`)) : undefined;
  return path.join(dir, preferred ?? names[0]);
}

interface CocoImage {
  id?: unknown;
  file_name?: unknown;
}
interface CocoAnnotation {
  image_id?: unknown;
  caption?: unknown;
}

/**
 * COCO-style captions: a JSON object with `images` ({id, file_name}) and `annotations`
 * ({image_id, caption}). Images are looked for in `Images/`, `images/`, the folder named after
 * the annotation file's split (`captions_val2017.json` -> `val2017/`), then the dataset root.
 * An annotation naming an unknown image, or without a caption, is skipped and counted; a file
 * that is not JSON or lacks either array cannot be indexed.
 */
export async function readCoco(root: string, file: string): Promise<CaptionSource> {
  const name = path.relative(root, file) || path.basename(file);
  let doc: unknown;
  try {
    doc = JSON.parse(await readTextFile(file));
  } catch (err) {
    if (err instanceof SyntaxError) throw new InvalidInputError(`${name} is not valid JSON: ${err.message}`);
    throw err;
  }
  const obj = doc as { images?: unknown; annotations?: unknown } | null;
  if (!obj || typeof obj !== 'object' || !Array.isArray(obj.images) || !Array.isArray(obj.annotations)) {
    throw new InvalidInputError(`${name}: expected a COCO captions object with "images" and "annotations" arrays`);
  }
  const files = new Map<string, string>();
  const malformed: MalformedRow[] = [];
  (obj.images as CocoImage[]).forEach((img, i) => {
    if (!img || (typeof img.id !== 'number' && typeof img.id !== 'string') || typeof img.file_name !== 'string' || img.file_name === '') {
      malformed.push({ where: `${name} images[${i}]`, reason: 'needs an id and a file_name' });
      return;
    }
    files.set(String(img.id), img.file_name);
  });
  const entries: CaptionEntry[] = [];
  (obj.annotations as CocoAnnotation[]).forEach((a, i) => {
    const where = `${name} annotations[${i}]`;
    const file = a && (typeof a.image_id === 'number' || typeof a.image_id === 'string') ? files.get(String(a.image_id)) : undefined;
    if (!file) {
      malformed.push({ where, reason: `image_id ${JSON.stringify(a?.image_id ?? null)} is not in "images"` });
      return;
    }
    const text = typeof a.caption === 'string' ? a.caption.trim() : '';
    const problem = typeof a.caption === 'string' ? captionProblem(text) : 'caption is not a string';
    if (problem) {
      malformed.push({ where, reason: problem });
      return;
    }
    entries.push({ file, text, where });
  });
  if (entries.length === 0 && malformed.length === 0) throw new InvalidInputError(`${name} has no annotations`);
  const split = /^captions_(.+)\.json$/i.exec(path.basename(file))?.[1];
  const candidates = ['Images', 'images', ...(split ? [split] : [])].map((d) => path.join(root, d));
  let imageDir = root;
  for (const dir of candidates) {
    if (await isDir(dir)) {
      imageDir = dir;
      break;
    }
  }
  return { format: 'coco', imageDir, captionsFile: name, entries, malformed, notes: [] };
}
