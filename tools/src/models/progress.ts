import type { Writable } from 'node:stream';

/** Receives the progress of one file download. */
export interface FileProgress {
  /** Bytes arrived (after `start`). */
  advance(bytes: number): void;
  /** The file is done (or failed); `note` is shown at the end of its line. */
  finish(note: string): void;
}

/** Starts a progress display for one file of `total` bytes, `done` of which are already there (resume). */
export type ProgressFactory = (label: string, total: number, done: number) => FileProgress;

const mb = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;

/**
 * A progress bar on a terminal (redrawn in place at most every 100 ms), or, when the stream is
 * not a TTY (CI logs, pipes), one line when a file starts and one when it ends.
 */
export function terminalProgress(out: Writable & { isTTY?: boolean; columns?: number } = process.stderr): ProgressFactory {
  return (label, total, done) => {
    const started = performance.now();
    const resumedFrom = done;
    let lastDraw = 0;
    const line = (): string => {
      const frac = total > 0 ? Math.min(1, done / total) : 1;
      const width = 24;
      const filled = Math.round(frac * width);
      const secs = (performance.now() - started) / 1000;
      const rate = secs > 0 ? (done - resumedFrom) / secs : 0;
      return (
        `${label} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ` +
        `${mb(done)}/${mb(total)} ${mb(rate)}/s`
      );
    };
    if (out.isTTY) out.write(line());
    else out.write(`${label}: ${mb(total)}${resumedFrom > 0 ? `, resuming at ${mb(resumedFrom)}` : ''}\n`);
    return {
      advance(bytes) {
        done += bytes;
        const now = performance.now();
        if (out.isTTY && now - lastDraw > 100) {
          lastDraw = now;
          out.write(`\r${line()}`);
        }
      },
      finish(note) {
        if (out.isTTY) out.write(`\r${line()} ${note}\n`);
        else out.write(`${label}: ${note}\n`);
      },
    };
  };
}

/** A progress factory that shows nothing (tests, quiet callers). */
export const silentProgress: ProgressFactory = () => ({ advance: () => undefined, finish: () => undefined });
