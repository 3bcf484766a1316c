/**
 * Loaded by jest (setupFilesAfterEnv) for every test file. The end-to-end, fault and load tests run
 * real processes on a 2-core machine and assert on timing-dependent outcomes (a kill landing mid-job,
 * a DNS re-resolution, memory over a load run); a test that fails is retried up to twice and every
 * failed attempt is logged, so a real regression still fails and a slow moment does not.
 */
// The reliability suite is stateful (a test kills or stops a process and the next one builds on it):
// a retry would run against the state the failed attempt left, so it never retries.
if (!/[\\/]tests[\\/]reliability[\\/]/.test(expect.getState().testPath ?? '')) {
  jest.retryTimes(2, { logErrorsBeforeRetry: true });
}
