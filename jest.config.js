// One jest run over every workspace package; each package is a jest "project" so tests run
// with their own rootDir but share one transform (swc: fast, no type checking; `pnpm check` types).
const transform = { '^.+\\.tsx?$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }] };
const project = (name, roots) => ({
  displayName: name,
  roots,
  transform,
  testEnvironment: 'node',
  // onnxruntime-node's native outputs must pass instanceof checks inside jest's sandbox.
  setupFiles: ['<rootDir>/tools/src/testing/typed-array-realm.ts'],
  setupFilesAfterEnv: ['<rootDir>/tools/src/testing/retry-timing-sensitive.ts'],
  testMatch: ['**/?(*.)test.ts'],
  moduleFileExtensions: ['ts', 'js', 'json'],
});
module.exports = {
  testTimeout: 30000,
  globalSetup: '<rootDir>/tools/src/testing/jest-global-setup.js',
  reporters: ['default', '<rootDir>/tools/src/testing/summary-reporter.js'],
  globalTeardown: '<rootDir>/tools/src/testing/jest-global-teardown.js',
  projects: [
    project('kit', ['<rootDir>/services/kit']),
    project('embedder', ['<rootDir>/services/embedder']),
    project('search', ['<rootDir>/services/search']),
    project('captioner', ['<rootDir>/services/captioner']),
    project('indexer', ['<rootDir>/services/indexer']),
    project('gateway', ['<rootDir>/gateway']),
    project('tools', ['<rootDir>/tools']),
    project('e2e', ['<rootDir>/tests']),
  ],
};
