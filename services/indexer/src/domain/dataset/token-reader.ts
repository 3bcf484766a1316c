import path from 'node:path';
import { InvalidInputError } from '@tit/kit';
import { captionProblem, isDir, readTextFile } from './files';
import { IMAGE_EXTENSIONS, type CaptionEntry, type CaptionSource, type MalformedRow } from './types';

export const TOKEN_FILE = 'Flickr8k.token.txt';
/** Image folders of the original distribution (its zip really spells it "Flicker8k_Dataset"). */
export const TOKEN_IMAGE_DIRS = ['Flicker8k_Dataset', 'Flickr8k_Dataset', 'Images'] as const;

const KEY = /^(.+)#(\d+)$/;
const SPACED_KEY = /^(\S+#\d+) +(.*)$/;
// "<name>.jpg.1": a copy number appended after the extension. The one known case in Flickr8k is
// 2258277193_586949ec62.jpg.1#0..4, whose image is in no published copy of the dataset.
const EXTRA_SUFFIX = new RegExp(`^(.+(?:${IMAGE_EXTENSIONS.map((e) => e.replace('.', '\\.')).join('|')}))\\.\\d+$`, 'i');

/**
 * The original Flickr8k caption file: `<image>#<n><TAB><caption>` per line.
 *
 * Malformed keys: a key like `2258277193_586949ec62.jpg.1#0` (an extra ".<digits>" after the
 * image extension) is normalized to its image file `2258277193_586949ec62.jpg` and noted. Its
 * captions are then indexed if that image exists and otherwise skipped as "image missing", like
 * any caption of a missing image. In every published copy that image is absent, so the 5 captions
 * are skipped and counted and the result matches Kaggle's cleaned 40,455-caption file. A line
 * whose key is followed by spaces instead of a tab is read (the key cannot contain spaces); a
 * line with no key-caption separator, or whose key has no `#<n>`, is skipped and counted.
 */
export async function readToken(root: string, file = path.join(root, TOKEN_FILE)): Promise<CaptionSource> {
  const name = path.basename(file);
  const text = await readTextFile(file);
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const entries: CaptionEntry[] = [];
  const malformed: MalformedRow[] = [];
  const notes: string[] = [];
  const normalized = new Map<string, string>();
  let spaceSeparated = 0;
  lines.forEach((raw, i) => {
    if (raw.trim() === '') return;
    const where = `${name} line ${i + 1}`;
    let key: string;
    let caption: string;
    const tab = raw.indexOf('\t');
    if (tab >= 0) {
      key = raw.slice(0, tab).trim();
      caption = raw.slice(tab + 1).trim();
    } else {
      // Some copies have a space instead of the tab on a few lines; the key is still unambiguous.
      const spaced = SPACED_KEY.exec(raw);
      if (!spaced) {
        malformed.push({ where, reason: 'no tab between key and caption' });
        return;
      }
      key = spaced[1];
      caption = spaced[2].trim();
      spaceSeparated++;
    }
    const m = KEY.exec(key);
    if (!m) {
      malformed.push({ where, reason: `key "${key.slice(0, 80)}" is not <image>#<n>` });
      return;
    }
    let imageFile = m[1];
    const extra = EXTRA_SUFFIX.exec(imageFile);
    if (extra) {
      normalized.set(imageFile, extra[1]);
      imageFile = extra[1];
    }
    const problem = captionProblem(caption);
    if (problem) {
      malformed.push({ where, reason: problem });
      return;
    }
    entries.push({ file: imageFile, text: caption, where });
  });
  if (spaceSeparated > 0) notes.push(`${name}: ${spaceSeparated} lines separate key and caption with spaces instead of a tab; read anyway`);
  for (const [from, to] of normalized) notes.push(`${name}: malformed key "${from}" read as image "${to}"`);
  if (entries.length === 0 && malformed.length === 0) throw new InvalidInputError(`${name} is empty: expected lines "<image>#<n><TAB><caption>"`);
  let imageDir = root;
  for (const dir of TOKEN_IMAGE_DIRS) {
    if (await isDir(path.join(root, dir))) {
      imageDir = path.join(root, dir);
      break;
    }
  }
  return { format: 'flickr8k-token', imageDir, captionsFile: name, entries, malformed, notes };
}
