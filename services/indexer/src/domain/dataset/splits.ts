import path from 'node:path';
import { InvalidInputError } from '@tit/kit';
import { isFile, readTextFile } from './files';

const SPLIT_NAME = /^[A-Za-z0-9_-]{1,32}$/;

/** Split files looked for, in order, for split `s`. */
export function splitFileCandidates(root: string, s: string): string[] {
  return [path.join(root, `Flickr_8k.${s}Images.txt`), path.join(root, `${s}.txt`), path.join(root, 'splits', `${s}.txt`)];
}

async function readSplitFile(root: string, s: string): Promise<Set<string> | undefined> {
  for (const file of splitFileCandidates(root, s)) {
    if (!(await isFile(file))) continue;
    const names = (await readTextFile(file))
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l !== '');
    return new Set(names.map((n) => path.posix.basename(n)));
  }
  return undefined;
}

/**
 * The image file names (base names) of split `split`. Split files hold one image file name per
 * line (Flickr8k's `Flickr_8k.testImages.txt`, or `<split>.txt`). Flickr8k copies that ship only
 * the train and test lists define dev as every other image: `dev` then returns a predicate.
 */
export async function loadSplit(root: string, split: string): Promise<(fileName: string) => boolean> {
  if (!SPLIT_NAME.test(split)) throw new InvalidInputError(`split "${split.slice(0, 40)}" must be 1-32 letters, digits, - or _`);
  const own = await readSplitFile(root, split);
  if (own) return (f) => own.has(path.posix.basename(f));
  if (split === 'dev') {
    const [train, test] = await Promise.all([readSplitFile(root, 'train'), readSplitFile(root, 'test')]);
    if (train && test) return (f) => !train.has(path.posix.basename(f)) && !test.has(path.posix.basename(f));
  }
  throw new InvalidInputError(
    `no file for split "${split}" in ${root}: looked for ${splitFileCandidates(root, split)
      .map((f) => path.relative(root, f))
      .join(', ')}`,
  );
}
