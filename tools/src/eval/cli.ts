/**
 * `pnpm eval --dataset DIR [--split test] [--modes dense,lexical,hybrid] [--out DIR] …`: measures
 * text → image and image → text retrieval, caption BLEU and the threshold's effect on a
 * Flickr8k-layout folder, and writes report.md, report.json and SVG charts. See docs/eval.md.
 */
import { ConfigError, InvalidInputError } from '@tit/kit';
import { parseArgs, USAGE, UsageError } from './args';
import { loadEvalConfig } from './config';
import { terminalProgress } from './progress';
import { writeReport } from './report';
import { runEval } from './run-eval';

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const args = parseArgs(argv);
  const config = loadEvalConfig();
  const say = (line: string): void => void process.stderr.write(`eval: ${line}\n`);
  const report = await runEval({ args, config, progress: terminalProgress(), say, command: `pnpm eval ${argv.join(' ')}` });
  for (const s of report.skipped) say(`not measured: ${s}`);
  const files = await writeReport(args.out, report);
  say(`wrote ${files.length} files to ${args.out}`);
  for (const [mode, r] of Object.entries(report.textToImage.modes)) {
    say(`text → image ${mode}: R@1 ${r.summary.recallAt1.toFixed(3)} R@5 ${r.summary.recallAt5.toFixed(3)} R@10 ${r.summary.recallAt10.toFixed(3)} MRR ${r.summary.mrr.toFixed(3)} nDCG@10 ${r.summary.ndcgAt10.toFixed(3)}`);
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`eval: ${err.message}\n${USAGE}`);
      process.exit(2);
    }
    if (err instanceof ConfigError || err instanceof InvalidInputError) console.error(`eval: ${err.message}`);
    else console.error(err);
    process.exit(1);
  },
);
