import { InvalidInputError } from '@tit/kit';

/** A parsed CSV record and the line it starts on (1-based). */
export interface CsvRecord {
  line: number;
  fields: string[];
}

/**
 * Parses RFC 4180 CSV: comma separated, fields optionally double-quoted, `""` inside quotes is a
 * quote, quoted fields may span lines, CRLF or LF line ends, a leading BOM is ignored. Blank lines
 * are dropped. A quoted field that is never closed makes the whole file unreadable (every later
 * row would be swallowed into it), so that throws; every other irregularity is left to the caller.
 * Text after a closing quote and before the next comma is kept, as most spreadsheet tools do.
 */
export function parseCsv(text: string, fileName: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  while (i < n) {
    const recordLine = line;
    const fields: string[] = [];
    let blank = true;
    // One record: fields until an unquoted line end or the end of the text.
    for (;;) {
      let value = '';
      if (text[i] === '"') {
        blank = false;
        const quoteLine = line;
        let j = i + 1;
        for (;;) {
          const q = text.indexOf('"', j);
          if (q < 0) {
            throw new InvalidInputError(
              `${fileName} line ${quoteLine}: a quoted field is never closed, so the rest of the file cannot be read`,
            );
          }
          const part = text.slice(j, q);
          value += part;
          line += countNewlines(part);
          if (text[q + 1] === '"') {
            value += '"';
            j = q + 2;
            continue;
          }
          i = q + 1;
          break;
        }
      }
      // Unquoted text (or what follows a closing quote) up to the next comma or line end.
      let k = i;
      while (k < n) {
        const c = text.charCodeAt(k);
        if (c === 44 /* , */ || c === 10 /* \n */ || c === 13 /* \r */) break;
        k++;
      }
      value += text.slice(i, k);
      if (k > i) blank = false;
      fields.push(value);
      i = k;
      if (i < n && text.charCodeAt(i) === 44) {
        blank = false;
        i++;
        continue;
      }
      if (i < n && text.charCodeAt(i) === 13) i++;
      if (i < n && text.charCodeAt(i) === 10) i++;
      line++;
      break;
    }
    if (!blank) records.push({ line: recordLine, fields });
  }
  return records;
}

function countNewlines(s: string): number {
  let count = 0;
  for (let p = s.indexOf('\n'); p >= 0; p = s.indexOf('\n', p + 1)) count++;
  return count;
}
