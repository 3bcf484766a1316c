/** `pnpm index`: enqueue a re-index and follow it. See run.ts for the options. */
import { processEnv } from '@tit/kit';
import { runIndexCli } from './run';

const stop = new AbortController();
process.once('SIGINT', () => stop.abort());
runIndexCli(process.argv.slice(2), { out: process.stdout, err: process.stderr, env: processEnv(), signal: stop.signal }).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
