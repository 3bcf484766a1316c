/**
 * A dependency-free progress line for the command-line tools. On a terminal it redraws one line
 * in place; in a log or CI it prints a line at every 10% step (and on every label change) so the
 * output stays readable without carriage returns.
 */

/** Where a progress line is written: stderr, or a test's buffer. */
export interface ProgressOutput {
  write(s: string): unknown;
  isTTY?: boolean;
}

/** `[########----------]  42.0%` for `done` of `total` (an empty bar while the total is unknown). */
export function formatBar(done: number, total: number, width = 24): string {
  if (total <= 0) return `[${'-'.repeat(width)}]    ?  `;
  const ratio = Math.max(0, Math.min(1, done / total));
  const filled = Math.round(ratio * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(ratio * 100).toFixed(1).padStart(5)}%`;
}

/** `1.2 GB`, `512 KB`: byte counts for download progress. */
export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

/** `2m 05s`, `850 ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

export class ProgressLine {
  private lastStep = -1;
  private lastLabel = '';
  private drawn = false;

  constructor(private readonly out: ProgressOutput) {}

  /** Shows `label bar detail`. */
  update(label: string, done: number, total: number, detail = ''): void {
    const text = `${label.padEnd(11)} ${formatBar(done, total)} ${detail}`.trimEnd();
    if (this.out.isTTY) {
      this.out.write(`\r${text}\x1b[K`);
      this.drawn = true;
      return;
    }
    const step = total > 0 ? Math.floor((done / total) * 10) : -1;
    if (step !== this.lastStep || label !== this.lastLabel) {
      this.out.write(`${text}\n`);
      this.lastStep = step;
      this.lastLabel = label;
    }
  }

  /** Ends the line so later output starts on a fresh one. */
  finish(): void {
    if (this.out.isTTY && this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}
