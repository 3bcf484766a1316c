// @ts-check
/** Prints one plain closing line ("jest: N passed, N failed, N skipped") that CI tooling can read. */
class SummaryReporter {
  /** @param {unknown} _contexts @param {{numPassedTests:number,numFailedTests:number,numPendingTests:number,numTodoTests:number}} r */
  onRunComplete(_contexts, r) {
    process.stderr.write(`\njest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped\n`);
  }
}
module.exports = SummaryReporter;
