/**
 * Merges the children's JSON log lines into one human-readable stream, each line prefixed with its
 * process name. Lines that are not JSON (a crash trace) pass through unchanged.
 */
import readline from 'node:readline';
import type { Readable } from 'node:stream';

const COLORS = [36, 32, 35, 33, 34, 31];
const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const HIDDEN = new Set(['level', 'time', 'pid', 'hostname', 'service', 'msg', 'v']);

export function formatLine(line: string): string {
  if (!line.startsWith('{')) return line;
  try {
    const rec = JSON.parse(line) as Record<string, unknown>;
    const time = typeof rec.time === 'string' ? rec.time.slice(11, 19) : '';
    const level = LEVELS[Number(rec.level)] ?? String(rec.level);
    const extra = Object.entries(rec)
      .filter(([k]) => !HIDDEN.has(k))
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    return `${time} ${level} ${typeof rec.msg === 'string' ? rec.msg : ''}${extra ? `  ${extra}` : ''}`;
  } catch {
    return line;
  }
}

export function pipeWithPrefix(name: string, index: number, streams: Readable[], out: NodeJS.WritableStream): void {
  const color = process.stdout.isTTY ? COLORS[index % COLORS.length] : undefined;
  const prefix = color ? `\x1b[${color}m${name.padEnd(9)}|\x1b[0m ` : `${name.padEnd(9)}| `;
  for (const s of streams) {
    readline.createInterface({ input: s }).on('line', (line) => out.write(`${prefix}${formatLine(line)}\n`));
  }
}
