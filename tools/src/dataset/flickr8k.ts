/**
 * `pnpm dataset pull flickr8k`: downloads Flickr8k and lays it out like Kaggle's copy
 * (`captions.txt` + `Images/` + the split files), which is what the indexer reads by default.
 *
 * Source: the two archives of the original distribution (University of Illinois, Hodosh et al.
 * 2013), mirrored as GitHub release assets by Jason Brownlee:
 *   https://github.com/jbrownlee/Datasets/releases/tag/Flickr8k
 * Their MD5 sums are the ones the mlverse `torchvision` R package pins for the same URLs
 * (R/dataset-flickr.R). Flickr8k is licensed for research use only: the images belong to their
 * Flickr owners. It is downloaded to a folder outside version control (`.data/` by default).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { download, md5File } from './download';
import { tokenToKaggle } from './token-to-kaggle';
import { extractEntry, listZip, type ZipEntry } from './unzip';

export const FLICKR8K_MIRROR = 'https://github.com/jbrownlee/Datasets/releases/download/Flickr8k';

/** The archives, with the MD5 of the mirror's files. */
export const FLICKR8K_ARCHIVES = {
  text: { file: 'Flickr8k_text.zip', md5: 'bf6c1abcb8e4a833b7f922104de18627' },
  images: { file: 'Flickr8k_Dataset.zip', md5: 'f18a1e2920de5bd84dae7cf08ec78978' },
} as const;

/** What a complete copy holds after conversion (Kaggle's counts: the 5 captions of the missing image dropped). */
export const FLICKR8K_EXPECTED = { images: 8091, captions: 40455 };

const TEXT_FILES = ['Flickr8k.token.txt', 'Flickr_8k.trainImages.txt', 'Flickr_8k.devImages.txt', 'Flickr_8k.testImages.txt'];

export type PullEvent =
  | { kind: 'download'; file: string; received: number; total: number }
  | { kind: 'cached'; file: string }
  | { kind: 'verified'; file: string; md5: string }
  | { kind: 'extract'; file: string; done: number; total: number }
  | { kind: 'convert' }
  | { kind: 'present' };

export interface PullOptions {
  /** Base URL (or folder) holding both archives; the GitHub mirror when absent. */
  from?: string;
  /** Destination folder. */
  dest: string;
  /** Expected MD5 per archive file name; false skips the check (a re-packed mirror). */
  checksums?: Record<string, string> | false;
  /** Expected counts after conversion; false skips the check (tests, partial mirrors). */
  expected?: { images: number; captions: number } | false;
  /** Keep the downloaded archives in `<dest>/.download` (default: delete them). */
  keepArchives?: boolean;
  /** Re-download and convert even when the destination already holds the dataset. */
  force?: boolean;
  onEvent?: (e: PullEvent) => void;
  signal?: AbortSignal;
}

export interface PullResult {
  dest: string;
  images: number;
  captions: number;
  /** Captions dropped in conversion (image missing or unreadable row), with reasons. */
  skipped: number;
  notes: string[];
}

const DEFAULT_CHECKSUMS: Record<string, string> = Object.fromEntries(Object.values(FLICKR8K_ARCHIVES).map((a) => [a.file, a.md5]));

/**
 * Images in `Images/` and caption rows in `captions.txt` of a Kaggle-layout folder, or undefined
 * when either is missing. Rows are counted by line: the converter writes one line per caption.
 */
async function countKaggle(dest: string): Promise<{ images: number; captions: number } | undefined> {
  try {
    const [names, csv] = await Promise.all([fs.readdir(path.join(dest, 'Images')), fs.readFile(path.join(dest, 'captions.txt'), 'utf8')]);
    const rows = csv.split('\n').filter((l) => l.trim() !== '').length - 1;
    return { images: names.filter((n) => /\.jpe?g$/i.test(n)).length, captions: Math.max(0, rows) };
  } catch {
    return undefined;
  }
}

function joinUrl(base: string, file: string): string {
  if (/^https?:\/\//i.test(base) || base.startsWith('file://')) return `${base.replace(/\/+$/, '')}/${file}`;
  return path.join(base, file);
}

/** A file name inside an archive, without folders; dot files and macOS resource forks are not data. */
function dataName(e: ZipEntry): string | undefined {
  if (e.isDirectory || e.name.startsWith('__MACOSX/')) return undefined;
  const base = path.posix.basename(e.name);
  return base.startsWith('.') ? undefined : base;
}

async function fetchArchive(opts: PullOptions, dir: string, file: string): Promise<string> {
  const target = path.join(dir, file);
  const expected = opts.checksums === false ? undefined : (opts.checksums ?? DEFAULT_CHECKSUMS)[file];
  const emit = opts.onEvent ?? (() => undefined);
  // An archive kept by an earlier run (--keep-archives) is reused when it still verifies.
  if (await fs.stat(target).then((st) => st.isFile(), () => false)) {
    const md5 = await md5File(target);
    if (!expected || md5 === expected) {
      emit({ kind: 'cached', file });
      return target;
    }
  }
  const md5 = await download(
    joinUrl(opts.from ?? FLICKR8K_MIRROR, file),
    target,
    (p) => emit({ kind: 'download', file, received: p.received, total: p.total }),
    opts.signal,
  );
  if (expected && md5 !== expected) {
    await fs.rm(target, { force: true });
    throw new Error(
      `${file}: MD5 ${md5} does not match the expected ${expected}; the download is corrupt or the mirror serves another file ` +
        '(run again to retry, or pass --no-checksum for a mirror known to re-pack the archives)',
    );
  }
  emit({ kind: 'verified', file, md5 });
  return target;
}

/** Downloads, verifies, extracts and converts Flickr8k into `opts.dest` (see the module comment). */
export async function pullFlickr8k(opts: PullOptions): Promise<PullResult> {
  const dest = path.resolve(opts.dest);
  const emit = opts.onEvent ?? (() => undefined);
  const expected = opts.expected === false ? undefined : (opts.expected ?? FLICKR8K_EXPECTED);
  if (!opts.force) {
    const present = await countKaggle(dest);
    if (present && (!expected || (present.images === expected.images && present.captions === expected.captions))) {
      emit({ kind: 'present' });
      return { dest, ...present, skipped: 0, notes: ['already present; pass --force to pull again'] };
    }
  }
  const dl = path.join(dest, '.download');
  await fs.mkdir(path.join(dest, 'Images'), { recursive: true });
  await fs.mkdir(dl, { recursive: true });

  const textZip = await fetchArchive(opts, dl, FLICKR8K_ARCHIVES.text.file);
  const imagesZip = await fetchArchive(opts, dl, FLICKR8K_ARCHIVES.images.file);

  const textEntries = (await listZip(textZip)).filter((e) => TEXT_FILES.includes(dataName(e) ?? ''));
  if (!textEntries.some((e) => dataName(e) === 'Flickr8k.token.txt')) {
    throw new Error(`${FLICKR8K_ARCHIVES.text.file} holds no Flickr8k.token.txt`);
  }
  for (const e of textEntries) await extractEntry(textZip, e, path.join(dest, dataName(e) as string));

  const images = (await listZip(imagesZip)).filter((e) => /\.jpe?g$/i.test(dataName(e) ?? ''));
  for (let i = 0; i < images.length; i++) {
    // Only the base name is used, so no entry can write outside Images/ ("zip slip").
    await extractEntry(imagesZip, images[i], path.join(dest, 'Images', dataName(images[i]) as string));
    if (i % 50 === 0 || i === images.length - 1) emit({ kind: 'extract', file: FLICKR8K_ARCHIVES.images.file, done: i + 1, total: images.length });
  }

  emit({ kind: 'convert' });
  const token = await fs.readFile(path.join(dest, 'Flickr8k.token.txt'), 'utf8');
  const present = new Set(await fs.readdir(path.join(dest, 'Images')));
  const converted = tokenToKaggle(token, (file) => present.has(file));
  await fs.writeFile(path.join(dest, 'captions.txt.part'), converted.csv);
  await fs.rename(path.join(dest, 'captions.txt.part'), path.join(dest, 'captions.txt'));

  const check = (await countKaggle(dest)) ?? { images: 0, captions: 0 };
  if (expected && (check.images !== expected.images || check.captions !== expected.captions)) {
    throw new Error(
      `incomplete dataset: ${check.images} images and ${check.captions} captions, expected ${expected.images} and ${expected.captions}`,
    );
  }
  if (!opts.keepArchives) await fs.rm(dl, { recursive: true, force: true });
  return { dest, images: check.images, captions: check.captions, skipped: converted.skipped.length, notes: converted.notes };
}
