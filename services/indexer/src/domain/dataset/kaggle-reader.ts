import path from 'node:path';
import { InvalidInputError } from '@tit/kit';
import { parseCsv } from './csv';
import { captionProblem, isDir, readTextFile } from './files';
import type { CaptionEntry, CaptionSource, MalformedRow } from './types';

export const KAGGLE_CAPTIONS_FILE = 'captions.txt';

/**
 * Kaggle's Flickr8k layout: `captions.txt` (CSV, header `image,caption`, captions with commas
 * double-quoted) beside `Images/`. A row without exactly two fields, or with an empty image name
 * or caption, is skipped and counted; a file with no rows, a wrong header or an unclosed quote
 * cannot be indexed.
 */
export async function readKaggle(root: string): Promise<CaptionSource> {
  const file = path.join(root, KAGGLE_CAPTIONS_FILE);
  const records = parseCsv(await readTextFile(file), KAGGLE_CAPTIONS_FILE);
  if (records.length === 0) throw new InvalidInputError(`${KAGGLE_CAPTIONS_FILE} is empty: expected a header "image,caption" and caption rows`);
  const header = records[0].fields.map((f) => f.trim().toLowerCase());
  if (header.length !== 2 || header[0] !== 'image' || header[1] !== 'caption') {
    throw new InvalidInputError(
      `${KAGGLE_CAPTIONS_FILE} line ${records[0].line}: expected the header "image,caption", got "${records[0].fields.join(',').slice(0, 80)}"`,
    );
  }
  const entries: CaptionEntry[] = [];
  const malformed: MalformedRow[] = [];
  for (const { line, fields } of records.slice(1)) {
    const where = `${KAGGLE_CAPTIONS_FILE} line ${line}`;
    if (fields.length !== 2) {
      malformed.push({ where, reason: `expected 2 fields (image,caption), got ${fields.length}; quote captions that contain commas` });
      continue;
    }
    const imageFile = fields[0].trim();
    const text = fields[1].trim();
    if (imageFile === '') {
      malformed.push({ where, reason: 'empty image name' });
      continue;
    }
    const problem = captionProblem(text);
    if (problem) {
      malformed.push({ where, reason: problem });
      continue;
    }
    entries.push({ file: imageFile, text, where });
  }
  if (entries.length === 0 && malformed.length === 0) {
    throw new InvalidInputError(`${KAGGLE_CAPTIONS_FILE} has a header but no caption rows`);
  }
  const imagesDir = path.join(root, 'Images');
  return {
    format: 'flickr8k-kaggle',
    imageDir: (await isDir(imagesDir)) ? imagesDir : root,
    captionsFile: KAGGLE_CAPTIONS_FILE,
    entries,
    malformed,
    notes: [],
  };
}
