import os from 'node:os';
import { InvalidInputError } from '@tit/kit';

/** Vectors travel as little-endian float32; typed arrays use the host's order, so require LE. */
export function assertLittleEndianHost(): void {
  if (os.endianness() !== 'LE') throw new Error('the search service needs a little-endian host');
}

/**
 * Decodes a little-endian float32 vector from bytes (copied: gRPC buffers may be unaligned).
 * `what` names the vector in error messages.
 */
export function decodeVector(bytes: Uint8Array, dimensions: number, what: string): Float32Array {
  if (bytes.byteLength !== dimensions * 4) {
    throw new InvalidInputError(
      `${what} has ${bytes.byteLength} bytes; ${dimensions} dimensions need exactly ${dimensions * 4} (float32)`,
    );
  }
  const v = new Float32Array(dimensions);
  new Uint8Array(v.buffer).set(bytes);
  return v;
}

/**
 * Scales `v` to unit length in place so that dot products are cosine similarities.
 * Throws InvalidInputError for non-finite values or a zero vector, which have no direction.
 */
export function normalizeInPlace(v: Float32Array, what: string): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (!Number.isFinite(x)) throw new InvalidInputError(`${what} has a non-finite value at index ${i}`);
    sum += x * x;
  }
  if (sum === 0) throw new InvalidInputError(`${what} is all zeros and has no direction`);
  const inv = 1 / Math.sqrt(sum);
  for (let i = 0; i < v.length; i++) v[i] = v[i] * inv;
  return v;
}
