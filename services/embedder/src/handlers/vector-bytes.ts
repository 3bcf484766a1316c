import os from 'node:os';

const LITTLE_ENDIAN = os.endianness() === 'LE';

/** Packs equal-length vectors row-major into little-endian float32 bytes (EmbedResponse.vectors). */
export function packVectors(vectors: readonly Float32Array[], dimensions: number): Buffer {
  const flat = new Float32Array(vectors.length * dimensions);
  vectors.forEach((v, i) => flat.set(v, i * dimensions));
  const bytes = Buffer.from(flat.buffer, flat.byteOffset, flat.byteLength);
  // The wire format is little-endian whatever the host is.
  return LITTLE_ENDIAN ? bytes : bytes.swap32();
}
