/** `pnpm dataset pull flickr8k [--from URL]`. See run.ts for the options. */
import { loadDatasetCliConfig } from './config';
import { runDatasetCli } from './run';

const stop = new AbortController();
process.once('SIGINT', () => stop.abort());
const cfg = loadDatasetCliConfig();
runDatasetCli(process.argv.slice(2), { out: process.stdout, err: process.stderr, cwd: cfg.INIT_CWD ?? process.cwd(), signal: stop.signal }).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
