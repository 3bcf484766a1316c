/**
 * Loaded by jest (setupFiles) before every test file, so onnxruntime-node works under jest.
 *
 * jest runs each test file in a vm sandbox with its own typed-array constructors, but
 * onnxruntime-node's native addon creates output arrays in Node's main realm, so
 * onnxruntime-common's `data instanceof Float32Array` check rejects every float output ("A
 * float32 tensor's data must be type of function Float32Array()"). Pointing the sandbox's
 * typed-array globals at the main realm's constructors makes both sides agree. (jest itself
 * already does this for Uint8Array/ArrayBuffer because of Buffer.)
 */
import vm from 'node:vm';

const NAMES = [
  'Float32Array',
  'Float64Array',
  'Int8Array',
  'Int16Array',
  'Int32Array',
  'Uint8Array',
  'Uint16Array',
  'Uint32Array',
  'BigInt64Array',
  'BigUint64Array',
] as const;

for (const name of NAMES) {
  const main: unknown = vm.runInThisContext(name);
  if ((globalThis as Record<string, unknown>)[name] !== main) (globalThis as Record<string, unknown>)[name] = main;
}
