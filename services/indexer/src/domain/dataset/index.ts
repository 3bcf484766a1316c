export * from './types';
export { readDataset, detectFormat, type ReadOptions } from './read-dataset';
export { parseCsv } from './csv';
export { sha256File, sha256 } from './content-hash';
export { MAX_CAPTION_CHARS, MAX_CAPTION_FILE_BYTES } from './files';
