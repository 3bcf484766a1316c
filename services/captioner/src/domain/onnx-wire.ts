/**
 * Just enough of the protobuf wire format to take an ONNX model apart and put a modified one
 * together, without a schema and without copying tensor data: a message is read as a list of
 * fields that point into the original bytes, so untouched fields (initializers of hundreds of
 * megabytes, attributes, metadata) are written back byte for byte.
 *
 * Field numbers are ONNX's (onnx/onnx.proto3); only those the hoisting transform reads are named.
 */

/** One field of a message: its number, wire type, and where its bytes are. */
export interface WireField {
  readonly no: number;
  readonly wire: number;
  /** The whole field (key + payload), for copying it unchanged. */
  readonly raw: Uint8Array;
  /** Varint value (wire 0). */
  readonly int?: number;
  /** Payload of a length-delimited field (wire 2). */
  readonly bytes?: Uint8Array;
}

/** ONNX field numbers used here. */
export const F = {
  model: { graph: 7 },
  graph: { node: 1, name: 2, initializer: 5, input: 11, output: 12, valueInfo: 13, sparseInitializer: 15 },
  node: { input: 1, output: 2, name: 3, opType: 4, attribute: 5, domain: 7 },
  attribute: { g: 6, graphs: 11 },
  tensor: { dataType: 2, name: 8, externalData: 13, dataLocation: 14 },
  valueInfo: { name: 1, type: 2 },
} as const;

function readVarint(buf: Uint8Array, pos: number): [number, number] {
  let result = 0;
  let scale = 1;
  for (;;) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const b = buf[pos++];
    result += (b & 0x7f) * scale;
    if (b < 0x80) return [result, pos];
    scale *= 128;
    if (scale > 2 ** 63) throw new Error('varint too long');
  }
}

/** Reads every field of a message. */
export function readFields(buf: Uint8Array): WireField[] {
  const fields: WireField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const start = pos;
    const [key, p1] = readVarint(buf, pos);
    const no = Math.floor(key / 8);
    const wire = key & 7;
    pos = p1;
    switch (wire) {
      case 0: {
        const [v, p] = readVarint(buf, pos);
        pos = p;
        fields.push({ no, wire, raw: buf.subarray(start, pos), int: v });
        break;
      }
      case 1:
        pos += 8;
        fields.push({ no, wire, raw: buf.subarray(start, pos) });
        break;
      case 2: {
        const [len, p] = readVarint(buf, pos);
        const end = p + len;
        if (end > buf.length) throw new Error('truncated length-delimited field');
        fields.push({ no, wire, raw: buf.subarray(start, end), bytes: buf.subarray(p, end) });
        pos = end;
        break;
      }
      case 5:
        pos += 4;
        fields.push({ no, wire, raw: buf.subarray(start, pos) });
        break;
      default:
        throw new Error(`unsupported wire type ${wire}`);
    }
    if (pos > buf.length) throw new Error('truncated field');
  }
  return fields;
}

const decoder = new TextDecoder();

/** The first string value of field `no`, or undefined. */
export function stringField(fields: readonly WireField[], no: number): string | undefined {
  const f = fields.find((x) => x.no === no && x.bytes);
  return f?.bytes ? decoder.decode(f.bytes) : undefined;
}

/** Every string value of repeated field `no`. */
export function stringFields(fields: readonly WireField[], no: number): string[] {
  return fields.filter((x) => x.no === no && x.bytes).map((x) => decoder.decode(x.bytes as Uint8Array));
}

/** The first varint value of field `no`, or undefined. */
export function intField(fields: readonly WireField[], no: number): number | undefined {
  return fields.find((x) => x.no === no && x.wire === 0)?.int;
}

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/** A length-delimited field: key, length, payload. */
export function lenField(no: number, payload: Uint8Array): Uint8Array {
  return concat([lenHeader(no, payload.length), payload]);
}

/** The tag and length of a length-delimited field whose payload of `length` bytes follows. */
export function lenHeader(no: number, length: number): Uint8Array {
  return Uint8Array.from([...varint(no * 8 + 2), ...varint(length)]);
}

/** A varint field. */
export function intFieldBytes(no: number, value: number): Uint8Array {
  return Uint8Array.from([...varint(no * 8), ...varint(value)]);
}

/** A string field. */
export function stringFieldBytes(no: number, value: string): Uint8Array {
  return lenField(no, new TextEncoder().encode(value));
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** ValueInfoProto with a tensor type of `elemType` (ONNX TensorProto.DataType) and unknown shape. */
export function valueInfo(name: string, elemType: number): Uint8Array {
  const tensorType = intFieldBytes(1, elemType); // TypeProto.Tensor.elem_type
  const type = lenField(1, tensorType); // TypeProto.tensor_type
  return concat([stringFieldBytes(F.valueInfo.name, name), lenField(F.valueInfo.type, type)]);
}

/** ONNX TensorProto.DataType codes by onnxruntime type name. */
export const ELEM_TYPE: Readonly<Record<string, number>> = {
  float32: 1,
  uint8: 2,
  int8: 3,
  uint16: 4,
  int16: 5,
  int32: 6,
  int64: 7,
  string: 8,
  bool: 9,
  float16: 10,
  float64: 11,
  uint32: 12,
  uint64: 13,
};
