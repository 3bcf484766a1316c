// scratch (not committed): lone latency and throughput of session layouts
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { REPO_ROOT } from '@tit/kit';
import { readModelSpec } from '../services/embedder/src/domain/model-files';
import { sessionOptions } from '../services/embedder/src/domain/onnx-encoder';
import { WorkerSession, type WireTensor } from '../services/embedder/src/domain/worker-session';
import { padBatch, TextTokenizer } from '../services/embedder/src/domain/text-tokenizer';
const MODELS_DIR = path.join(REPO_ROOT, '.models', 'fixtures-full');
const spec = readModelSpec(MODELS_DIR, 'sentence-transformers/all-MiniLM-L6-v2', 'model.onnx');
const tok = new TextTokenizer(spec.tokenizerJson, spec.tokenizerConfig, spec.maxTokens);
const lines = fs.readFileSync(path.resolve(REPO_ROOT, '../shared/datasets/flickr8k-full/captions.txt'), 'utf8').split('\n').slice(1).filter(Boolean);
const texts = Array.from({ length: 1024 }, (_, i) => lines[(i * 7) % lines.length].slice(lines[(i*7)%lines.length].indexOf(',') + 1));
const rows = texts.map((t) => tok.encode(t));
function feeds(rs: number[][]): Record<string, WireTensor> {
  const b = padBatch(rs, tok.padId);
  const dims = [b.batch, b.seqLen];
  return { input_ids: { type: 'int64', data: b.ids, dims }, attention_mask: { type: 'int64', data: BigInt64Array.from(b.mask, (m) => BigInt(m)), dims }, token_type_ids: { type: 'int64', data: new BigInt64Array(b.batch * b.seqLen), dims } };
}
async function main() {
  const layouts = (process.env.LAYOUTS ?? '1x2,2x1,2x2').split(',');
  const bs = Number(process.env.BS ?? 8);
  const res: Record<string, { lone: number; tput: number; cpu: number }> = {};
  const pools: Record<string, WorkerSession[]> = {};
  for (const l of layouts) {
    if (l === 'hyb') { pools[l] = await Promise.all([2,1,1].map((t) => WorkerSession.create(spec.onnxPath, sessionOptions({ intraOp: t, interOp: 0 })))); continue; }
    const [n, t] = l.split('x').map(Number);
    pools[l] = await Promise.all(Array.from({ length: n }, () => WorkerSession.create(spec.onnxPath, sessionOptions({ intraOp: t, interOp: 0, spinning: process.env.SPIN === '1' }))));
  }
  for (let round = 0; round < 3; round++) for (const l of layouts) {
    const ws = pools[l];
    // lone latency
    const lat: number[] = [];
    for (let i = 0; i < 60; i++) { const t0 = performance.now(); await ws[0].run(feeds([rows[i]]), ['last_hidden_state']); lat.push(performance.now() - t0); }
    lat.sort((a, b) => a - b);
    const batches = Array.from({ length: rows.length / bs }, (_, i) => rows.slice(i * bs, i * bs + bs).sort((a,b)=>a.length-b.length));
    let next = 0;
    const c0 = process.cpuUsage(); const t0 = performance.now();
    let wideRuns = 0;
    const pick = (): WorkerSession => {
      if (l !== 'hyb') return ws.reduce((b, s) => (s.inFlight < b.inFlight ? s : b));
      if (ws.every((s) => s.inFlight === 0)) { wideRuns++; return ws[0]; }
      return ws.slice(1).reduce((b, s) => (s.inFlight < b.inFlight ? s : b));
    };
    const nCallers = l === 'hyb' ? 4 : ws.length * 2;
    await Promise.all(Array.from({ length: nCallers }, async () => { for (let i = next++; i < batches.length; i = next++) await pick().run(feeds(batches[i]), ['last_hidden_state']); }));
    if (l === 'hyb') console.log('wide runs', wideRuns, 'of', batches.length);
    const ms = performance.now() - t0; const c = process.cpuUsage(c0);
    const r = { lone: lat[30], tput: (rows.length / ms) * 1000, cpu: (c.user + c.system) / 1000 / rows.length };
    console.log(round, l, `lone p50 ${r.lone.toFixed(2)} ms, ${r.tput.toFixed(0)} texts/s, ${r.cpu.toFixed(2)} CPU ms/text`);
  }
  for (const ws of Object.values(pools)) for (const w of ws) await w.release();
}
main();
