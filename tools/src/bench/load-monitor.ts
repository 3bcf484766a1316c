/**
 * How much of the machine other processes used while a benchmark ran. The machine is shared (other
 * engineers run tests on the same 2 cores), so every result records it: the busy CPU time of the
 * whole machine (/proc/stat) minus that of the benchmark's own processes (/proc/<pid>/stat), as a
 * share of the cores' time. Linux only; elsewhere the share is null.
 */
import fs from 'node:fs';
import os from 'node:os';
import type { LoadSummary } from './figures';

function machineBusyTicks(): number | null {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal ...: busy = all but idle and iowait.
    return f.reduce((a, b) => a + b, 0) - (f[3] ?? 0) - (f[4] ?? 0);
  } catch {
    return null;
  }
}

/** utime + stime of a process (all its threads), in clock ticks; null when it is gone. */
export function processTicks(pid: number): number | null {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces: fields start after the closing parenthesis.
    const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return Number(rest[11]) + Number(rest[12]);
  } catch {
    return null;
  }
}

export class LoadMonitor {
  private readonly startBusy = machineBusyTicks();
  private readonly startLoad = os.loadavg()[0];
  private readonly startedAt = Date.now();
  /** pid → [ticks at first sight, last ticks seen]. */
  private readonly own = new Map<number, [number, number]>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pids: () => Iterable<number> = () => []) {
    this.sample(true);
    this.timer = setInterval(() => this.sample(false), 1000);
    this.timer.unref();
  }

  private sample(initial: boolean): void {
    for (const pid of [process.pid, ...this.pids()]) {
      const t = processTicks(pid);
      if (t === null) continue;
      const seen = this.own.get(pid);
      if (seen) seen[1] = t;
      // A process first seen after the start began during the run: count all of its time.
      else this.own.set(pid, [initial ? t : 0, t]);
    }
  }

  /** Stops sampling and summarizes. */
  stop(): LoadSummary {
    this.sample(false);
    clearInterval(this.timer);
    const endBusy = machineBusyTicks();
    const seconds = (Date.now() - this.startedAt) / 1000;
    let share: number | null = null;
    if (this.startBusy !== null && endBusy !== null && seconds > 0) {
      let ours = 0;
      for (const [first, last] of this.own.values()) ours += last - first;
      const ticksPerSecond = 100; // USER_HZ on every Linux that matters
      share = Math.max(0, Math.min(1, (endBusy - this.startBusy - ours) / (seconds * ticksPerSecond * os.cpus().length)));
      share = Math.round(share * 1000) / 1000;
    }
    return { loadAverage: [+this.startLoad.toFixed(2), +os.loadavg()[0].toFixed(2)], foreignCpuShare: share };
  }
}
