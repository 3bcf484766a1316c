import { promises as fs } from 'node:fs';
import path from 'node:path';
import { InvalidInputError, TooLargeError } from '@tit/kit';

/** Largest caption or annotation file read into memory (Flickr8k's is 3.4 MB, COCO train 2017 is 92 MB). */
export const MAX_CAPTION_FILE_BYTES = 512 * 1024 * 1024;
/** Longest caption indexed; longer rows are counted as malformed (a runaway CSV quote, usually). */
export const MAX_CAPTION_CHARS = 2000;

/** True when `p` exists and is a regular file. */
export async function isFile(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isFile();
  } catch {
    return false;
  }
}

/** True when `p` exists and is a directory. */
export async function isDir(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** Reads a UTF-8 text file, refusing files over MAX_CAPTION_FILE_BYTES. */
export async function readTextFile(file: string): Promise<string> {
  let size: number;
  try {
    size = (await fs.stat(file)).size;
  } catch {
    throw new InvalidInputError(`${file} does not exist`);
  }
  if (size > MAX_CAPTION_FILE_BYTES) {
    throw new TooLargeError(`${file} is ${size} bytes; the limit for a captions file is ${MAX_CAPTION_FILE_BYTES} bytes`);
  }
  return fs.readFile(file, 'utf8');
}

/** Posix path of `abs` relative to `root`, as stored in the index. */
export function relPosix(root: string, abs: string): string {
  return path.relative(root, abs).split(path.sep).join('/');
}

/** The stable image id: the file name without its extension. */
export function imageIdOf(file: string): string {
  const base = path.posix.basename(file.split(path.sep).join('/'));
  const ext = path.posix.extname(base);
  return ext ? base.slice(0, -ext.length) : base;
}

/** Checks a caption's text; returns a reason when it cannot be indexed. */
export function captionProblem(text: string): string | undefined {
  if (text.trim() === '') return 'empty caption';
  if (text.length > MAX_CAPTION_CHARS) return `caption longer than ${MAX_CAPTION_CHARS} characters`;
  return undefined;
}
