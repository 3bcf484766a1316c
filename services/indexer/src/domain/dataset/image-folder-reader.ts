import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isDir, relPosix } from './files';
import { isImageFile, type CaptionSource } from './types';

/** Deepest sub-folder level walked, so a symlink loop or a home directory cannot run forever. */
const MAX_DEPTH = 8;

async function walk(dir: string, depth: number, out: string[]): Promise<void> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory() && depth < MAX_DEPTH) await walk(p, depth + 1, out);
    else if (e.isFile() && isImageFile(e.name)) out.push(p);
  }
}

/**
 * A folder of photos with no captions: every image file under `Images/` (or the root when there
 * is no `Images/`), sub-folders included, sorted by path. The captioner writes their captions.
 */
export async function readImageFolder(root: string): Promise<CaptionSource> {
  const imagesDir = path.join(root, 'Images');
  const imageDir = (await isDir(imagesDir)) ? imagesDir : root;
  const files: string[] = [];
  await walk(imageDir, 0, files);
  return {
    format: 'images',
    imageDir,
    entries: [],
    imageFiles: files.map((f) => relPosix(imageDir, f)),
    malformed: [],
    notes: [],
  };
}
