/**
 * Caption tokenization for BM25, applied identically to captions and query text:
 * 1. Unicode NFKD, combining marks removed (café -> cafe), lower case;
 * 2. split on every character that is not a letter or a digit (\p{L}, \p{N});
 * 3. English stop words dropped (the short list below: articles, auxiliaries, prepositions), and
 *    single letters (possessive debris such as the "s" of "dog's");
 * 4. Harman's "S" stemmer folds plurals: -ies -> -y, -es -> -e, -s -> "" (not after u/s),
 *    only for tokens longer than 3 characters.
 */

/** Words too common in captions to carry meaning. Kept short: BM25's IDF already discounts the rest. */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'a an and are as at be been being by for from has have in into is it its of on onto or ' +
    'that the their them there these they this those to was were with'
  ).split(' '),
);

/** Harman's S-stemmer (1991): plural folding without a dictionary. */
export function sStem(word: string): string {
  if (word.length <= 3) return word;
  if (word.endsWith('ies') && !word.endsWith('eies') && !word.endsWith('aies')) return `${word.slice(0, -3)}y`;
  if (word.endsWith('es') && !word.endsWith('aes') && !word.endsWith('ees') && !word.endsWith('oes')) {
    return word.slice(0, -1);
  }
  if (word.endsWith('s') && !word.endsWith('us') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

const SPLIT = /[^\p{L}\p{N}]+/u;
const MARKS = /\p{M}+/gu;

/** The BM25 terms of a text, in order, duplicates kept. */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.normalize('NFKD').replace(MARKS, '').toLowerCase().split(SPLIT)) {
    // Single letters are mostly possessive or contraction debris ("dog's" -> "dog", "s").
    if (raw.length === 0 || STOP_WORDS.has(raw) || (raw.length === 1 && !/\d/.test(raw))) continue;
    out.push(sStem(raw));
  }
  return out;
}
