/**
 * The summary reporter's closing line, and its guard against a finished run that never exits
 * (a handle left open by a test would otherwise hold jest until CI's timeout).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

const REPORTER = path.join(__dirname, '../src/testing/summary-reporter.js');

function runScript(script: string): Promise<{ code: number | null; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stderr, ms: Date.now() - started }));
  });
}

const complete = (failed: number) =>
  `const R = require(${JSON.stringify(REPORTER)}); new R().onRunComplete(null, ` +
  `{ numPassedTests: 3, numFailedTests: ${failed}, numPendingTests: 1, numTodoTests: 0 });`;

describe('summary reporter', () => {
  it('prints the closing line and lets a clean run exit at once', async () => {
    const r = await runScript(complete(0));
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('jest: 3 passed, 0 failed, 1 skipped\n');
    expect(r.ms).toBeLessThan(8_000);
  });

  it('ends a run held open by a leaked server, names the handle, and keeps the failure code', async () => {
    const script =
      `require('node:net').createServer().listen(0); process.exitCode = 1; ${complete(2)}`;
    const r = await runScript(script);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/still held open by 1 Server/);
    expect(r.stderr).toMatch(/jest: 3 passed, 2 failed, 1 skipped\n$/);
  }, 30_000);
});
