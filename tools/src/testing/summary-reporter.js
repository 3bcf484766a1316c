// @ts-check
/**
 * Prints one plain closing line ("jest: N passed, N failed, N skipped") that CI tooling can read.
 * Written at process exit so it comes after jest's own summary (files and pipes write synchronously).
 *
 * It also keeps a finished run from hanging. On a 2-core machine jest runs every file in its own
 * process (maxWorkers 1 means "in band"), so one handle a test failed to close (a server, a socket,
 * a child process left by a failed attempt) keeps jest alive after the summary, until CI's timeout.
 * When the process is still alive EXIT_GRACE_MS after the run, this names what holds it open (so the
 * leak can be fixed) and exits with jest's own exit code; a clean run exits before the timer fires
 * (the timer is unref'd and never holds the process itself).
 */
const EXIT_GRACE_MS = 10_000;

/** @param {unknown[]} handles */
function describeHandles(handles) {
  /** @type {Record<string, number>} */
  const counts = {};
  for (const h of handles) {
    const name = /** @type {any} */ (h)?.constructor?.name ?? typeof h;
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return Object.entries(counts)
    .map(([name, n]) => `${n} ${name}`)
    .join(', ');
}

class SummaryReporter {
  /** @param {unknown} _contexts @param {{numPassedTests:number,numFailedTests:number,numPendingTests:number,numTodoTests:number}} r */
  onRunComplete(_contexts, r) {
    const line = `jest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped\n`;
    process.once('exit', () => process.stderr.write(line));
    setTimeout(() => {
      const handles = /** @type {any} */ (process)._getActiveHandles?.() ?? [];
      process.stderr.write(
        `jest: the run finished ${EXIT_GRACE_MS / 1000} s ago but the process is still held open by ` +
          `${describeHandles(handles) || 'unknown handles'} (a test left them open); exiting.\n`,
      );
      // jest has set process.exitCode (its failure code) by now; a failed run stays failed.
      if (process.exitCode === undefined && r.numFailedTests > 0) process.exitCode = 1;
      process.exit();
    }, EXIT_GRACE_MS).unref();
  }
}
module.exports = SummaryReporter;
