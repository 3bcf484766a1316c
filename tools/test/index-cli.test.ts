/**
 * `pnpm index` against real Redis and the real indexer worker, whose gRPC collaborators are the
 * indexer tests' fakes (real servers on port 0).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getReindexJob } from '@tit/kit';
import { makeKaggleDataset } from '../../services/indexer/test/fakes';
import { harness, REDIS_URL, type Harness } from '../../services/indexer/test/harness';
import { ProgressLine, formatBar, formatDuration } from '../src/index-cli/progress-bar';
import { runIndexCli } from '../src/index-cli/run';

jest.setTimeout(30000);

function io(h: Harness, isTTY = false) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      out: { write: (s: string) => out.push(s) },
      err: { write: (s: string) => err.push(s), isTTY },
      env: { REDIS_URL, INDEXER_QUEUE: h.queueName },
    },
  };
}

describe('pnpm index', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(() => h.close());

  it('enqueues, shows progress until the job ends, then prints counts and time', async () => {
    const { dir } = makeKaggleDataset(12);
    h.startWorker();
    const t = io(h);
    const code = await runIndexCli(['--dataset', dir, '--poll-ms', '20'], t.io);
    expect(code).toBe(0);
    expect(t.out.join('')).toMatch(/^Enqueued re-index job \S+ for /);
    expect(t.out.join('')).toMatch(/Indexed 60 captions of 12 images into generation g\d+ in [\d.]+ (ms|s) \(flickr8k-kaggle\)/);
    expect(t.err.join('')).toMatch(/embedding +\[[#-]+\] +\d+\.\d% \d+\/60 captions/);
    expect(h.search.serving()?.items.size).toBe(60);
  });

  it('indexes only the chosen split and reports skipped captions', async () => {
    const { dir } = makeKaggleDataset(4);
    writeFileSync(path.join(dir, 'Flickr_8k.testImages.txt'), 'img0001.jpg\nimg0002.jpg\nimg0404.jpg\n');
    writeFileSync(path.join(dir, 'captions.txt'), 'image,caption\nimg0001.jpg,one\nimg0002.jpg,two\nimg0404.jpg,gone\nimg0003.jpg,not in split\n');
    h.startWorker();
    const t = io(h);
    expect(await runIndexCli(['--dataset', dir, '--split', 'test', '--poll-ms', '20'], t.io)).toBe(0);
    expect(t.out.join('')).toMatch(/Indexed 2 captions of 2 images/);
    expect(t.out.join('')).toMatch(/Skipped 1 captions: 1 with a missing image file, 0 unreadable rows/);
  });

  it('exits 1 with the reason when the job fails', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'index-cli-'));
    writeFileSync(path.join(dir, 'captions.txt'), 'image,caption\n"never closed\n');
    h.startWorker();
    const t = io(h);
    expect(await runIndexCli(['--dataset', dir, '--poll-ms', '20'], t.io)).toBe(1);
    expect(t.err.join('')).toMatch(/re-index failed after 1 attempt\(s\): captions\.txt line 2: a quoted field is never closed/);
  });

  it('follows the running job when one for the dataset exists, and --detach only enqueues', async () => {
    const { dir } = makeKaggleDataset(2);
    const a = io(h);
    expect(await runIndexCli(['--dataset', dir, '--detach'], a.io)).toBe(0);
    const jobId = /job (\S+) for/.exec(a.out.join(''))?.[1] as string;
    expect((await getReindexJob(h.queue, jobId))?.state).toBe('waiting');
    h.startWorker();
    const b = io(h);
    expect(await runIndexCli(['--dataset', dir, '--poll-ms', '20'], b.io)).toBe(0);
    expect(b.out.join('')).toContain(`already queued or running: following job ${jobId}`);
  });

  it('rejects unknown options and formats with exit code 2', async () => {
    const t = io(h);
    expect(await runIndexCli(['--bogus'], t.io)).toBe(2);
    expect(await runIndexCli(['--format', 'xml'], t.io)).toBe(2);
    expect(t.err.join('')).toMatch(/--format must be one of auto, flickr8k-kaggle/);
  });
});

describe('progress rendering', () => {
  it('draws a bar with a percentage, and an empty one while the total is unknown', () => {
    expect(formatBar(5, 10, 10)).toBe('[#####-----]  50.0%');
    expect(formatBar(0, 0, 4)).toBe('[----]    ?  ');
    expect(formatBar(12, 10, 4)).toBe('[####] 100.0%');
  });

  it('redraws one line on a terminal and prints 10% steps elsewhere', () => {
    const tty: string[] = [];
    const a = new ProgressLine({ write: (s: string) => tty.push(s), isTTY: true });
    a.update('embedding', 1, 100);
    a.update('embedding', 2, 100);
    a.finish();
    expect(tty[0].startsWith('\r')).toBe(true);
    expect(tty).toHaveLength(3);
    const log: string[] = [];
    const b = new ProgressLine({ write: (s: string) => log.push(s) });
    for (let i = 0; i <= 100; i++) b.update('embedding', i, 100);
    b.update('committing', 100, 100);
    expect(log).toHaveLength(12);
    expect(log.every((l) => l.endsWith('\n'))).toBe(true);
  });

  it('formats durations', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(12_300)).toBe('12.3 s');
    expect(formatDuration(125_000)).toBe('2m 05s');
  });
});
