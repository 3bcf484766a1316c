/**
 * The hot loop of exact search: dot products of one query against every stored vector, in
 * WebAssembly SIMD (128-bit lanes, four independent accumulators so the adds pipeline). A plain
 * JavaScript loop runs about 10x slower than the memory-bandwidth floor on 40k x 384 vectors; this
 * kernel is memory-bound, within a small factor of a native `-O3 -march=native` reduction.
 *
 * The module is assembled here from its instruction list (no toolchain, no binary blob in the
 * repository). It imports its memory, so each generation owns one `WebAssembly.Memory` that holds
 * its vectors, the query and the score output, and the JavaScript side reads and writes the same
 * bytes through typed-array views without copying.
 *
 * Layout contract: vectors are `stride` float32s apart with `stride % 4 === 0` (zero padded),
 * all pointers are byte offsets aligned to 16, the memory is shared (`shared: true`).
 */

/** Unsigned LEB128. */
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (i32 constants). */
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => vec([...Buffer.from(s, 'utf8')].map((b) => [b]));

const I32 = 0x7f;
const V128 = 0x7b;

// Opcodes used below (core and SIMD proposals, both standard since 2021).
const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (d: number) => [0x0c, ...uleb(d)],
  brIf: (d: number) => [0x0d, ...uleb(d)],
  get: (l: number) => [0x20, ...uleb(l)],
  set: (l: number) => [0x21, ...uleb(l)],
  i32: (v: number) => [0x41, ...sleb(v)],
  i32Eqz: [0x45],
  i32GeU: [0x4f],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32And: [0x71],
  i32Shl: [0x74],
  f32Add: [0x92],
  f32Store: (offset: number) => [0x38, 2, ...uleb(offset)],
  v128Load: (offset: number) => [0xfd, ...uleb(0x00), 4, ...uleb(offset)],
  v128Zero: [0xfd, ...uleb(0x0c), ...new Array<number>(16).fill(0)],
  f32x4Lane: (lane: number) => [0xfd, ...uleb(0x1f), lane],
  f32x4Add: [0xfd, ...uleb(0xe4)],
  f32x4Mul: [0xfd, ...uleb(0xe6)],
};

// Parameters and locals of `dots(vec, n, stride, q, out)`.
const VEC = 0,
  N = 1,
  STRIDE = 2,
  Q = 3,
  OUT = 4,
  P = 5,
  QP = 6,
  END16 = 7,
  END4 = 8,
  A0 = 9,
  A1 = 10,
  A2 = 11,
  A3 = 12;

/** acc += v128(p + offset) * v128(qp + offset) */
const fma = (acc: number, offset: number): number[] => [
  ...op.get(acc),
  ...op.get(P),
  ...op.v128Load(offset),
  ...op.get(QP),
  ...op.v128Load(offset),
  ...op.f32x4Mul,
  ...op.f32x4Add,
  ...op.set(acc),
];
const advance = (bytes: number): number[] => [
  ...op.get(P),
  ...op.i32(bytes),
  ...op.i32Add,
  ...op.set(P),
  ...op.get(QP),
  ...op.i32(bytes),
  ...op.i32Add,
  ...op.set(QP),
];
const sum = (a: number, b: number): number[] => [...op.get(a), ...op.get(b), ...op.f32x4Add, ...op.set(a)];

const dotsBody: number[] = [
  ...op.block,
  ...op.loop,
  // while (n !== 0)
  ...op.get(N),
  ...op.i32Eqz,
  ...op.brIf(1),
  ...op.v128Zero,
  ...op.set(A0),
  ...op.v128Zero,
  ...op.set(A1),
  ...op.v128Zero,
  ...op.set(A2),
  ...op.v128Zero,
  ...op.set(A3),
  ...op.get(VEC),
  ...op.set(P),
  ...op.get(Q),
  ...op.set(QP),
  // end16 = vec + (stride & ~15) * 4; end4 = vec + stride * 4
  ...op.get(VEC),
  ...op.get(STRIDE),
  ...op.i32(-16),
  ...op.i32And,
  ...op.i32(2),
  ...op.i32Shl,
  ...op.i32Add,
  ...op.set(END16),
  ...op.get(VEC),
  ...op.get(STRIDE),
  ...op.i32(2),
  ...op.i32Shl,
  ...op.i32Add,
  ...op.set(END4),
  // 16 floats per step, four independent accumulators
  ...op.block,
  ...op.loop,
  ...op.get(P),
  ...op.get(END16),
  ...op.i32GeU,
  ...op.brIf(1),
  ...fma(A0, 0),
  ...fma(A1, 16),
  ...fma(A2, 32),
  ...fma(A3, 48),
  ...advance(64),
  ...op.br(0),
  ...op.end,
  ...op.end,
  // the remaining groups of 4
  ...op.block,
  ...op.loop,
  ...op.get(P),
  ...op.get(END4),
  ...op.i32GeU,
  ...op.brIf(1),
  ...fma(A0, 0),
  ...advance(16),
  ...op.br(0),
  ...op.end,
  ...op.end,
  ...sum(A0, A1),
  ...sum(A2, A3),
  ...sum(A0, A2),
  // out[0] = (l0 + l1) + (l2 + l3)
  ...op.get(OUT),
  ...op.get(A0),
  ...op.f32x4Lane(0),
  ...op.get(A0),
  ...op.f32x4Lane(1),
  ...op.f32Add,
  ...op.get(A0),
  ...op.f32x4Lane(2),
  ...op.get(A0),
  ...op.f32x4Lane(3),
  ...op.f32Add,
  ...op.f32Add,
  ...op.f32Store(0),
  ...op.get(OUT),
  ...op.i32(4),
  ...op.i32Add,
  ...op.set(OUT),
  ...op.get(VEC),
  ...op.get(STRIDE),
  ...op.i32(2),
  ...op.i32Shl,
  ...op.i32Add,
  ...op.set(VEC),
  ...op.get(N),
  ...op.i32(1),
  ...op.i32Sub,
  ...op.set(N),
  ...op.br(0),
  ...op.end,
  ...op.end,
];

function assemble(): Uint8Array {
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    // type 0: (i32 i32 i32 i32 i32) -> ()
    ...section(1, vec([[0x60, ...vec([[I32], [I32], [I32], [I32], [I32]]), ...vec([])]])),
    // import env.mem: shared memory, 1 to 65536 pages (shared so the approximate index's worker
    // thread can read the same vectors without a copy)
    ...section(2, vec([[...name('env'), ...name('mem'), 0x02, 0x03, ...uleb(1), ...uleb(65536)]])),
    ...section(3, vec([[0]])),
    ...section(7, vec([[...name('dots'), 0x00, 0]])),
    ...section(
      10,
      vec([
        (() => {
          const body = [...vec([[...uleb(4), I32], [...uleb(4), V128]]), ...dotsBody, ...op.end];
          return [...uleb(body.length), ...body];
        })(),
      ]),
    ),
  ];
  return Uint8Array.from(bytes);
}

/**
 * The slice of the WebAssembly JS API used here. The project compiles without the DOM library
 * (where TypeScript declares WebAssembly), so it is typed locally rather than globally.
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}
interface WasmModule {
  readonly __brand?: 'module';
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (mod: WasmModule, imports: object) => { exports: Record<string, unknown> };
  Memory: new (desc: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
}

/** The runtime's WebAssembly API. */
export const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let compiled: WasmModule | null | undefined;

/** The compiled kernel module, or null when this runtime lacks WebAssembly SIMD. */
export function dotKernelModule(): WasmModule | null {
  if (compiled === undefined) {
    try {
      compiled = new wasm.Module(assemble());
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** `dots(vecPtr, n, stride, queryPtr, outPtr)`: out[i] = <vec[i], query> for i < n; byte pointers. */
export type DotsFn = (vecPtr: number, n: number, stride: number, queryPtr: number, outPtr: number) => void;

/** Instantiates the kernel over `memory`, or returns null when WebAssembly SIMD is unavailable. */
export function instantiateDotKernel(memory: WasmMemory): DotsFn | null {
  const mod = dotKernelModule();
  if (!mod) return null;
  const inst = new wasm.Instance(mod, { env: { mem: memory } });
  return inst.exports.dots as DotsFn;
}
