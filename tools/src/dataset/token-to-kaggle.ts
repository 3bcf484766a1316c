/**
 * Converts the original `Flickr8k.token.txt` (`<image>#<n><TAB><caption>`) into Kaggle's
 * `captions.txt` (CSV, header `image,caption`, captions with commas or quotes double-quoted),
 * dropping what Kaggle's copy drops.
 *
 * The key rules are the indexer's token reader's (services/indexer/src/domain/dataset/token-reader.ts),
 * kept here in a few lines because the tools image does not carry the indexer package; the tools
 * tests read the converted file back with the indexer's reader to keep the two in step:
 * - `2258277193_586949ec62.jpg.1#0`: an extra ".<digits>" after the extension is removed; that
 *   image is in no published copy, so its 5 captions are then dropped as "image missing";
 * - a key followed by spaces instead of a tab is still read;
 * - lines without a `<image>#<n>` key or with an empty caption are dropped.
 */

export interface Converted {
  csv: string;
  rows: number;
  /** Dropped lines: "line N: reason". */
  skipped: string[];
  /** Choices made, for the report. */
  notes: string[];
}

const LINE = /^(\S+)#(\d+)(?:\t| +)(.*)$/;
const EXTRA_SUFFIX = /^(.+\.(?:jpe?g|png))\.\d+$/i;

/** A caption CSV field, quoted when it holds a comma, quote or line break (as Kaggle's file does). */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function tokenToKaggle(token: string, imageExists: (file: string) => boolean): Converted {
  const rows = ['image,caption'];
  const skipped: string[] = [];
  const renamed = new Set<string>();
  const missing = new Set<string>();
  token
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((line, i) => {
      if (line.trim() === '') return;
      const m = LINE.exec(line);
      if (!m) return void skipped.push(`line ${i + 1}: not "<image>#<n><TAB><caption>"`);
      let file = m[1];
      const extra = EXTRA_SUFFIX.exec(file);
      if (extra) {
        renamed.add(`${file} -> ${extra[1]}`);
        file = extra[1];
      }
      const caption = m[3].trim();
      if (caption === '') return void skipped.push(`line ${i + 1}: empty caption`);
      if (!imageExists(file)) {
        missing.add(file);
        return void skipped.push(`line ${i + 1}: image ${file} is missing`);
      }
      rows.push(`${file},${csvField(caption)}`);
    });
  const notes = [
    ...[...renamed].map((r) => `malformed key ${r}`),
    ...[...missing].map((f) => `captions of ${f} dropped: the image is not in the archive`),
    ...(skipped.length > missing.size ? [`${skipped.length} lines dropped in all (first: ${skipped[0]})`] : []),
  ];
  return { csv: `${rows.join('\n')}\n`, rows: rows.length - 1, skipped, notes };
}
