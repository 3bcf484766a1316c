/**
 * Jest environment for tests that run onnxruntime-node. Jest runs each test file in its own VM
 * realm, whose typed-array constructors differ from the main realm's; onnxruntime-node's native
 * binding creates output tensors in the main realm, so onnxruntime-common's
 * `data instanceof Float32Array` check fails ("A float32 tensor's data must be type of function
 * Float32Array()", microsoft/onnxruntime#16622). Sharing the main realm's typed arrays fixes it.
 *
 * Use with a docblock at the top of a test file (the path is relative to the jest rootDir, the repo):
 * `/** @jest-environment ./services/embedder/test/helpers/ort-environment.js *\/`.
 */
const fs = require('node:fs');
const path = require('node:path');

// pnpm keeps jest's own dependencies out of the packages' node_modules; resolve from jest itself.
const jestDir = fs.realpathSync(path.dirname(require.resolve('jest/package.json', { paths: [__dirname] })));
const { TestEnvironment } = require(require.resolve('jest-environment-node', { paths: [jestDir] }));

const SHARED = [
  'ArrayBuffer', 'SharedArrayBuffer', 'DataView',
  'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array',
  'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
];

class OrtEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}

module.exports = OrtEnvironment;
