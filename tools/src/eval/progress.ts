import type { Writable } from 'node:stream';

/** Progress of one counted phase. */
export interface Progress {
  /** `n` more items are done. */
  tick(n?: number): void;
  /** The phase ended; prints the final line with the elapsed time. */
  done(note?: string): void;
}

export type ProgressFactory = (label: string, total: number) => Progress;

type Out = Writable & { isTTY?: boolean };

/**
 * A bar redrawn in place (at most every 100 ms) on a terminal; on anything else (CI logs, pipes)
 * plain lines: one at the start, one per further 10 % (at most one a second) and one at the end.
 */
export function terminalProgress(out: Out = process.stderr): ProgressFactory {
  return (label, total) => {
    const started = performance.now();
    let count = 0;
    let lastDraw = 0;
    let lastDecile = 0;
    let lastLine = started;
    const secs = (): string => `${((performance.now() - started) / 1000).toFixed(1)} s`;
    const line = (): string => {
      const frac = total > 0 ? Math.min(1, count / total) : 1;
      const width = 24;
      const filled = Math.round(frac * width);
      return `${label} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${count}/${total} ${(frac * 100).toFixed(0).padStart(3)}% ${secs()}`;
    };
    if (out.isTTY) out.write(line());
    else out.write(`${label}: 0/${total}\n`);
    return {
      tick(n = 1) {
        count += n;
        if (out.isTTY) {
          const now = performance.now();
          if (now - lastDraw > 100) {
            lastDraw = now;
            out.write(`\r${line()}`);
          }
        } else if (total > 0) {
          const decile = Math.floor((Math.min(count, total) / total) * 10);
          const now = performance.now();
          // At most one line per decile and per second: periodic, but short in logs.
          if (decile > lastDecile && decile < 10 && now - lastLine >= 1000) {
            lastDecile = decile;
            lastLine = now;
            out.write(`${label}: ${count}/${total} (${decile * 10}%) ${secs()}\n`);
          }
        }
      },
      done(note = '') {
        if (out.isTTY) out.write(`\r${line()}${note ? ` ${note}` : ''}\n`);
        else out.write(`${label}: ${count}/${total} done in ${secs()}${note ? ` ${note}` : ''}\n`);
      },
    };
  };
}

/** Shows nothing (unit tests). */
export const silentProgress: ProgressFactory = () => ({ tick: () => undefined, done: () => undefined });
