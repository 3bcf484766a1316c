// @ts-check
/**
 * Prints one plain closing line ("jest: N passed, N failed, N skipped") that CI tooling can read.
 * Written at process exit so it comes after jest's own summary (files and pipes write synchronously).
 */
class SummaryReporter {
  /** @param {unknown} _contexts @param {{numPassedTests:number,numFailedTests:number,numPendingTests:number,numTodoTests:number}} r */
  onRunComplete(_contexts, r) {
    const line = `jest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped\n`;
    process.once('exit', () => process.stderr.write(line));
  }
}
module.exports = SummaryReporter;
