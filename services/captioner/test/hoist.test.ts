import * as ort from 'onnxruntime-node';
import { onnx } from '@tit/tools/src/fixtures';
import { planHoist } from '../src/domain/hoist';
import { concat, ELEM_TYPE, F, intFieldBytes, lenField, readFields, stringFieldBytes } from '../src/domain/onnx-wire';

/**
 * y = softmax-free "attention" of x over enc: (x @ Wq) @ (enc @ Wk)^T, with a reshape whose
 * target shape is computed from Shape(enc) — an image-only value that embeds the batch size.
 */
function graph(): onnx.GraphBuilder {
  const g = new onnx.GraphBuilder('toy');
  const x = g.input('input_ids_f', 'float32', ['b', 's', 4]);
  const enc = g.input('encoder_hidden_states', 'float32', ['b', 'e', 4]);
  const wq = g.initializer('wq', onnx.f32(Array.from({ length: 16 }, (_, i) => Math.sin(i)), [4, 4]));
  const wk = g.initializer('wk', onnx.f32(Array.from({ length: 16 }, (_, i) => Math.cos(i)), [4, 4]));
  const k = g.op('MatMul', [enc, wk]);
  const shape = g.op('Shape', [enc]);
  const kr = g.op('Reshape', [k, shape]);
  const kt = g.op('Transpose', [kr], { perm: [0, 2, 1] });
  const q = g.op('MatMul', [x, wq]);
  g.output('y', 'float32', ['b', 's', 'e'], g.op('MatMul', [q, kt]));
  return g;
}

describe('hoisting the image-only part of a graph', () => {
  it('splits it into a static and a dynamic graph that together compute the same outputs', async () => {
    const bytes = graph().encode();
    const plan = planHoist(bytes);
    expect(plan).toBeDefined();
    if (!plan) return;
    expect(plan.hoistedMatMuls).toBe(1);
    expect(plan.dynamicUsesEncoder).toBe(false);
    const st = await ort.InferenceSession.create(plan.staticModel);
    const types = Object.fromEntries(st.outputMetadata.map((m) => [m.name, m.isTensor ? ELEM_TYPE[m.type] : -1]));
    const dyn = await ort.InferenceSession.create(plan.dynamicModel(types));
    const orig = await ort.InferenceSession.create(bytes);
    expect(dyn.inputNames).not.toContain('encoder_hidden_states');

    for (const b of [1, 3]) {
      const x = new ort.Tensor('float32', Float32Array.from({ length: b * 2 * 4 }, (_, i) => i / 7), [b, 2, 4]);
      const enc = new ort.Tensor('float32', Float32Array.from({ length: b * 5 * 4 }, (_, i) => Math.sin(i / 3)), [b, 5, 4]);
      const want = (await orig.run({ input_ids_f: x, encoder_hidden_states: enc })).y;
      const hoisted = await st.run({ encoder_hidden_states: enc });
      const got = (await dyn.run({ input_ids_f: x, ...Object.fromEntries(plan.boundary.map((n) => [n, hoisted[n]])) })).y;
      expect(got.dims).toEqual(want.dims);
      expect(Array.from(got.data as Float32Array)).toEqual(Array.from(want.data as Float32Array));
    }
  });

  it('leaves graphs without image-only matrix products alone', () => {
    const g = new onnx.GraphBuilder('plain');
    const x = g.input('x', 'float32', [2]);
    g.input('encoder_hidden_states', 'float32', [2]);
    g.output('y', 'float32', [2], g.op('Relu', [x]));
    expect(planHoist(g.encode())).toBeUndefined();
  });
});

describe('graphs with subgraphs (Optimum merged decoders)', () => {
  it('are not split', () => {
    const g = graph();
    // Splice an If node with a then_branch subgraph attribute into the toy graph's node list.
    const model = readFields(g.encode());
    const graphField = model.find((f) => f.no === F.model.graph);
    const attr = concat([stringFieldBytes(1, 'then_branch'), intFieldBytes(20, 5), lenField(F.attribute.g, stringFieldBytes(F.graph.name, 'then'))]);
    const ifNode = lenField(F.graph.node, concat([stringFieldBytes(F.node.input, 'input_ids_f'), stringFieldBytes(F.node.output, 'z'), stringFieldBytes(F.node.opType, 'If'), lenField(F.node.attribute, attr)]));
    const patched = concat(model.map((f) => (f === graphField ? lenField(F.model.graph, concat([f.bytes as Uint8Array, ifNode])) : f.raw)));
    expect(planHoist(graph().encode())).toBeDefined();
    expect(planHoist(patched)).toBeUndefined();
  });
});
