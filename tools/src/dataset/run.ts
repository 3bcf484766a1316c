import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '@tit/kit';
import { ProgressLine, formatBytes, formatDuration, type ProgressOutput } from '../index-cli/progress-bar';
import { FLICKR8K_MIRROR, pullFlickr8k, type PullEvent } from './flickr8k';

export const USAGE = `Usage: pnpm dataset pull flickr8k [--from URL] [--dest DIR] [--force] [--no-checksum] [--keep-archives]

Downloads Flickr8k (about 1.1 GB) and converts it to the Kaggle layout the indexer reads:
DIR/captions.txt, DIR/Images/, DIR/Flickr_8k.{train,dev,test}Images.txt.

  --from URL        base URL or folder holding Flickr8k_Dataset.zip and Flickr8k_text.zip
                    (default ${FLICKR8K_MIRROR})
  --dest DIR        destination (default .data/datasets/flickr8k, outside version control)
  --force           pull again even when DIR already holds the dataset
  --no-checksum     accept archives whose MD5 differs from the known mirror files
  --keep-archives   keep the downloaded zips in DIR/.download

Flickr8k is for research use only; its images belong to their Flickr owners.`;

export interface CliIO {
  out: ProgressOutput;
  err: ProgressOutput;
  /** Directory relative paths start from (pnpm's INIT_CWD). */
  cwd: string;
  signal?: AbortSignal;
}

/** Runs `pnpm dataset ...`; resolves to the exit code. */
export async function runDatasetCli(argv: string[], io: CliIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        from: { type: 'string' },
        dest: { type: 'string' },
        force: { type: 'boolean' },
        'no-checksum': { type: 'boolean' },
        'keep-archives': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
    });
  } catch (err) {
    io.err.write(`${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { values: v, positionals } = parsed;
  if (v.help) {
    io.out.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals[0] !== 'pull' || positionals[1] !== 'flickr8k' || positionals.length !== 2) {
    io.err.write(`${USAGE}\n`);
    return 2;
  }
  const dest = path.resolve(io.cwd, v.dest ?? path.join(REPO_ROOT, '.data/datasets/flickr8k'));
  const from = v.from && !/^(https?|file):\/\//i.test(v.from) ? path.resolve(io.cwd, v.from) : v.from;
  const bar = new ProgressLine(io.err);
  const started = Date.now();
  const onEvent = (e: PullEvent): void => {
    switch (e.kind) {
      case 'download':
        bar.update('download', e.received, e.total, `${e.file} ${formatBytes(e.received)}${e.total ? ` of ${formatBytes(e.total)}` : ''}`);
        break;
      case 'cached':
        bar.finish();
        io.err.write(`${e.file}: already downloaded\n`);
        break;
      case 'verified':
        bar.finish();
        io.err.write(`${e.file}: downloaded, MD5 ${e.md5}\n`);
        break;
      case 'extract':
        bar.update('extract', e.done, e.total, `${e.done}/${e.total} images`);
        break;
      case 'convert':
        bar.finish();
        io.err.write('converting Flickr8k.token.txt to captions.txt\n');
        break;
      case 'present':
        break;
    }
  };
  try {
    const r = await pullFlickr8k({
      dest,
      ...(from ? { from } : {}),
      ...(v['no-checksum'] ? { checksums: false as const } : {}),
      ...(v['keep-archives'] ? { keepArchives: true } : {}),
      ...(v.force ? { force: true } : {}),
      onEvent,
      ...(io.signal ? { signal: io.signal } : {}),
    });
    bar.finish();
    const lines = [
      `Flickr8k in ${r.dest}: ${r.images} images, ${r.captions} captions (${formatDuration(Date.now() - started)})`,
      ...(r.skipped > 0 ? [`${r.skipped} captions left out:`] : []),
      ...r.notes.map((n) => `  - ${n}`),
      `Index it with: pnpm index --dataset ${r.dest}`,
    ];
    io.out.write(`${lines.join('\n')}\n`);
    return 0;
  } catch (err) {
    bar.finish();
    io.err.write(`pnpm dataset pull flickr8k: ${(err as Error).message}\n`);
    return 1;
  }
}
