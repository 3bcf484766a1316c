/**
 * Hoisting the image-only part out of a text decoder graph.
 *
 * GPT-2 and BLIP decoders (and so their Optimum / this project's exports) keep only
 * self-attention keys/values in their past; every step recomputes the cross-attention keys and
 * values from `encoder_hidden_states` — 2 × layers × encoder_length × hidden² multiply-adds, which
 * dwarfs the rest of a one-token step (≈ 2.8 G for ViT-GPT2's 197 image tokens, 8.2 G for BLIP's
 * 577). Those values depend on the image only, so this transform splits the graph in two:
 *
 * - the *static* graph: every node that depends on `encoder_hidden_states` and on nothing that
 *   changes per step (plus the constants they need); its outputs are the boundary values;
 * - the *dynamic* graph: the rest, taking the boundary values as inputs.
 *
 * The decoder runs the static graph once per image (per beam count) and the dynamic graph per step.
 * Results are identical: the same nodes compute the same values, only at a different time. Graphs
 * with subgraphs (If/Loop), external data or sparse initializers are left alone (undefined).
 */
import { concat, F, intField, lenField, lenHeader, readFields, stringField, stringFields, valueInfo, type WireField } from './onnx-wire';

/** The two halves of a decoder graph. */
export interface HoistPlan {
  /** Serialized ModelProto: input `encoder_hidden_states`, outputs the boundary values (untyped: ORT infers them). */
  readonly staticModel: Uint8Array;
  /** The boundary values, in output order. */
  readonly boundary: readonly string[];
  /** Whether the dynamic graph still reads `encoder_hidden_states` itself. */
  readonly dynamicUsesEncoder: boolean;
  /** Serialized dynamic ModelProto, given the boundary values' element types (ONNX data type codes). */
  dynamicModel(types: Readonly<Record<string, number>>): Uint8Array;
  /** Multiply-accumulate ops (MatMul, Gemm, Conv…) moved to the static graph, for logs. */
  readonly hoistedMatMuls: number;
}

interface Node {
  readonly raw: Uint8Array;
  readonly inputs: string[];
  readonly outputs: string[];
  readonly op: string;
  kind: 'enc' | 'const' | 'dyn';
}

const NONDETERMINISTIC = new Set(['RandomNormal', 'RandomUniform', 'RandomNormalLike', 'RandomUniformLike', 'Multinomial', 'Bernoulli']);
const HEAVY = new Set(['MatMul', 'Gemm', 'Conv', 'MatMulInteger', 'QLinearMatMul', 'FusedMatMul', 'Einsum']);

/**
 * Plans the split of a decoder ModelProto. Returns undefined when there is nothing worth hoisting
 * or the graph has features this transform does not handle.
 */
export function planHoist(model: Uint8Array, encoderInput = 'encoder_hidden_states'): HoistPlan | undefined {
  const modelFields = readFields(model);
  const graphField = modelFields.find((f) => f.no === F.model.graph && f.bytes);
  if (!graphField?.bytes) return undefined;
  const graph = readFields(graphField.bytes);

  const initializers = new Map<string, WireField>();
  for (const f of graph) {
    if (f.no === F.graph.sparseInitializer) return undefined;
    if (f.no !== F.graph.initializer || !f.bytes) continue;
    const t = readFields(f.bytes);
    if (intField(t, F.tensor.dataLocation) === 1 || t.some((x) => x.no === F.tensor.externalData)) return undefined;
    initializers.set(stringField(t, F.tensor.name) ?? '', f);
  }
  const inputs = graph.filter((f) => f.no === F.graph.input && f.bytes);
  const inputName = (f: WireField): string => stringField(readFields(f.bytes as Uint8Array), F.valueInfo.name) ?? '';
  const inputNames = inputs.map(inputName);
  if (!inputNames.includes(encoderInput)) return undefined;
  const outputs = graph.filter((f) => f.no === F.graph.output && f.bytes);
  const outputNames = new Set(outputs.map(inputName));

  const kindOf = new Map<string, Node['kind']>();
  for (const n of inputNames) kindOf.set(n, n === encoderInput ? 'enc' : 'dyn');
  for (const n of initializers.keys()) if (!kindOf.has(n)) kindOf.set(n, 'const');

  const nodes: Node[] = [];
  for (const f of graph) {
    if (f.no !== F.graph.node || !f.bytes) continue;
    const nf = readFields(f.bytes);
    for (const a of nf.filter((x) => x.no === F.node.attribute && x.bytes)) {
      if (readFields(a.bytes as Uint8Array).some((x) => x.no === F.attribute.g || x.no === F.attribute.graphs)) return undefined;
    }
    const node: Node = {
      raw: f.raw,
      inputs: stringFields(nf, F.node.input),
      outputs: stringFields(nf, F.node.output),
      op: stringField(nf, F.node.opType) ?? '',
      kind: 'const',
    };
    const kinds = node.inputs.filter((i) => i !== '').map((i) => kindOf.get(i) ?? 'dyn');
    node.kind = NONDETERMINISTIC.has(node.op) || kinds.includes('dyn') ? 'dyn' : kinds.includes('enc') ? 'enc' : 'const';
    for (const o of node.outputs) if (o !== '') kindOf.set(o, node.kind);
    nodes.push(node);
  }

  const enc = nodes.filter((n) => n.kind === 'enc');
  const hoistedMatMuls = enc.filter((n) => HEAVY.has(n.op)).length;
  if (hoistedMatMuls === 0) return undefined;

  const producer = new Map<string, Node>();
  for (const n of nodes) for (const o of n.outputs) producer.set(o, n);
  /** The nodes in `roots` plus every constant node they transitively read. */
  const withConstants = (roots: readonly Node[]): Set<Node> => {
    const keep = new Set(roots);
    const stack = [...roots];
    while (stack.length > 0) {
      const n = stack.pop() as Node;
      for (const i of n.inputs) {
        const p = producer.get(i);
        if (p && p.kind === 'const' && !keep.has(p)) {
          keep.add(p);
          stack.push(p);
        }
      }
    }
    return keep;
  };
  const dynRoots = nodes.filter((n) => n.kind === 'dyn' || (n.kind === 'const' && n.outputs.some((o) => outputNames.has(o))));
  const staticNodes = withConstants(enc);
  const dynamicNodes = withConstants(dynRoots);

  const dynReads = new Set<string>();
  for (const n of dynamicNodes) for (const i of n.inputs) dynReads.add(i);
  const boundary: string[] = [];
  for (const n of enc) for (const o of n.outputs) if (o !== '' && (dynReads.has(o) || outputNames.has(o))) boundary.push(o);
  const dynamicUsesEncoder = dynReads.has(encoderInput) || outputNames.has(encoderInput);

  const used = (ns: Iterable<Node>): Set<string> => {
    const s = new Set<string>();
    for (const n of ns) for (const i of n.inputs) s.add(i);
    return s;
  };
  const pick = (names: Set<string>): Uint8Array[] => [...initializers].filter(([name]) => names.has(name)).map(([, f]) => f.raw);
  const keepOthers = (no: number): boolean => ![F.graph.node, F.graph.initializer, F.graph.input, F.graph.output, F.graph.valueInfo].includes(no as never);
  const otherGraphFields = graph.filter((f) => keepOthers(f.no)).map((f) => f.raw);
  // The model with its graph made of `graphParts`, in one allocation: a decoder's weights are
  // hundreds of MB, and each intermediate copy costs seconds of page faults at load time.
  const modelWith = (graphParts: readonly Uint8Array[]): Uint8Array => {
    const graphLength = graphParts.reduce((n, p) => n + p.length, 0);
    return concat(modelFields.flatMap((f) => (f.no === F.model.graph ? [lenHeader(F.model.graph, graphLength), ...graphParts] : [f.raw])));
  };
  const inOrder = (set: Set<Node>): Uint8Array[] => nodes.filter((n) => set.has(n)).map((n) => n.raw);
  const encInput = inputs[inputNames.indexOf(encoderInput)].raw;
  const outputOnly = (name: string): Uint8Array => lenField(F.graph.output, lenField(F.valueInfo.name, new TextEncoder().encode(name)));

  const staticGraph = [
    ...otherGraphFields,
    ...inOrder(staticNodes),
    ...pick(used(staticNodes)),
    encInput,
    ...boundary.map((b) => outputOnly(b)),
  ];

  return {
    staticModel: modelWith(staticGraph),
    boundary,
    dynamicUsesEncoder,
    hoistedMatMuls,
    dynamicModel(types) {
      const boundaryInputs = boundary.map((b) => {
        const t = types[b];
        if (t === undefined) throw new Error(`no element type for hoisted value ${b}`);
        return lenField(F.graph.input, valueInfo(b, t));
      });
      const keptInputs = inputs.filter((f, i) => inputNames[i] !== encoderInput || dynamicUsesEncoder).map((f) => f.raw);
      return modelWith([
        ...otherGraphFields,
        ...inOrder(dynamicNodes),
        ...pick(used(dynamicNodes)),
        ...keptInputs,
        ...boundaryInputs,
        ...outputs.map((f) => f.raw),
      ]);
    },
  };
}
