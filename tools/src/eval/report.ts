/** Writes an evaluation report: report.json (everything), report.md (tables) and SVG charts. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Mode } from '@tit/search/src/domain/types';
import type { EvalReport, ModeResult } from './run-eval';
import { barChart, lineChart } from './svg-chart';

const f3 = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : v.toFixed(3));
/** Milliseconds, as seconds past 10 s. */
const ms = (v: number): string => (v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`);
const gib = (b: number): string => `${(b / 2 ** 30).toFixed(1)} GiB`;

function table(head: string[], rows: string[][]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** Spread of a metric over the held-out choices, e.g. "0.412 (0.401–0.423)". */
function withSpread(r: ModeResult, key: 'recallAt1' | 'recallAt5' | 'recallAt10' | 'mrr' | 'ndcgAt10'): string {
  if (r.perChoice.length < 2) return f3(r.summary[key]);
  const vs = r.perChoice.map((p) => p[key]);
  return `${f3(r.summary[key])} (${f3(Math.min(...vs))}–${f3(Math.max(...vs))})`;
}

const modelLabel = (id: string, fixture: boolean): string => `${id}${fixture ? ' (fixture)' : ''}`;

/** The charts, by file name. */
export function renderCharts(r: EvalReport): Record<string, string> {
  const charts: Record<string, string> = {};
  const modes = Object.keys(r.textToImage.modes) as Mode[];
  if (modes.length > 0) {
    charts['text-to-image.svg'] = barChart(
      `Text → image, ${r.dataset.split} split (${r.dataset.images} images)`,
      ['R@1', 'R@5', 'R@10', 'MRR', 'nDCG@10'],
      modes.map((m) => {
        const s = r.textToImage.modes[m]!.summary;
        return { name: m, values: [s.recallAt1, s.recallAt5, s.recallAt10, s.mrr, s.ndcgAt10] };
      }),
    );
  }
  const i2t = r.imageToText.flatMap((e) =>
    (Object.keys(e.modes) as Mode[]).map((m) => {
      const s = e.modes[m]!.summary;
      return { name: `${e.model.split('/').pop()} ${m}`, values: [s.recallAt1, s.recallAt5, s.recallAt10, s.mrr] };
    }),
  );
  if (i2t.length > 0) charts['image-to-text.svg'] = barChart('Image → text (generated caption as query)', ['R@1', 'R@5', 'R@10', 'MRR'], i2t);
  if (r.captioning.length > 0) {
    charts['captioning-bleu.svg'] = barChart(
      'Corpus BLEU against the five references',
      ['BLEU-1', 'BLEU-2', 'BLEU-3', 'BLEU-4'],
      r.captioning.map((c) => ({ name: c.model.split('/').pop() ?? c.model, values: c.corpus.bleu })),
    );
  }
  if (r.threshold) {
    const pts = r.threshold.points;
    charts['threshold.svg'] = lineChart(
      `Dense text → image: precision and recall by threshold (default ${r.threshold.defaultThreshold})`,
      pts.map((p) => p.threshold),
      [
        { name: 'precision', values: pts.map((p) => p.precision ?? 0) },
        { name: 'recall', values: pts.map((p) => p.recall) },
      ],
    );
  }
  return charts;
}

export function renderMarkdown(r: EvalReport, charts: readonly string[]): string {
  const out: string[] = [];
  out.push(`# Evaluation report`, '');
  out.push(`Generated ${r.generatedAt} by \`${r.command}\`.`, '');
  if (r.notes.length > 0) out.push(...r.notes.map((n) => `> ${n}`), '');

  out.push('## Run', '');
  const models = r.models.map((m) => `${m.role} \`${m.id}\`: ${m.available ? (m.fixture ? `fixture (${m.fixtureSize}, random weights)` : 'real weights') : 'unavailable'}`);
  out.push(
    table(
      ['what', 'value'],
      [
        ['dataset', `\`${r.dataset.path}\` (${r.dataset.format})`],
        ['split', `${r.dataset.split}: ${r.dataset.images} images, ${r.dataset.captions} captions${r.dataset.limited ? ' (limited with --limit)' : ''}`],
        ['models', models.length > 0 ? models.join('<br>') : 'none (lexical only)'],
        ['machine', `${r.machine.cpus} × ${r.machine.cpuModel}, ${gib(r.machine.memoryBytes)} RAM, Node ${r.machine.node} (${r.machine.platform}/${r.machine.arch})`],
        ['execution', r.method.execution],
        ['ranking', `k = ${r.method.k} (every image), aggregation ${r.method.aggregation}, BM25 k1 ${r.method.ranking.bm25.k1} b ${r.method.ranking.bm25.b}, hybrid dense weight ${r.method.ranking.hybridDenseWeight}`],
      ],
    ),
    '',
  );
  if (r.skipped.length > 0) out.push('**Not measured:**', '', ...r.skipped.map((s) => `- ${s}`), '');

  const modes = Object.keys(r.textToImage.modes) as Mode[];
  out.push('## Text → image', '');
  out.push(
    `For each image, caption h (h = 0..${r.method.heldOutChoices - 1}) is the query and the index holds every other caption of every ` +
      `image of the split (caption h of each image held out); the image the caption describes is the one relevant result. ` +
      `Means over all ${r.textToImage.queries} queries per mode; in brackets the lowest and highest of the ${r.method.heldOutChoices} per-choice means.`,
    '',
  );
  if (modes.length === 0) out.push('No mode could be measured.', '');
  else {
    out.push(
      table(
        ['mode', 'R@1', 'R@5', 'R@10', 'MRR', 'nDCG@10', 'ms / query'],
        modes.map((m) => {
          const x = r.textToImage.modes[m]!;
          return [m, withSpread(x, 'recallAt1'), withSpread(x, 'recallAt5'), withSpread(x, 'recallAt10'), withSpread(x, 'mrr'), withSpread(x, 'ndcgAt10'), x.msPerQuery.toFixed(2)];
        }),
      ),
      '',
    );
    if (charts.includes('text-to-image.svg')) out.push('![text to image](text-to-image.svg)', '');
  }

  out.push('## Image → text', '');
  if (r.imageToText.length === 0) out.push('Not measured (no captioning model or no mode available).', '');
  else {
    out.push(
      'Each image is captioned; the generated caption is the query against an index of every human caption of the split ' +
        '(generated captions never enter it); the image whose five captions are the targets is the relevant result.',
      '',
    );
    const rows: string[][] = [];
    for (const e of r.imageToText) {
      for (const m of Object.keys(e.modes) as Mode[]) {
        const s = e.modes[m]!.summary;
        rows.push([modelLabel(e.model, e.fixture), m, f3(s.recallAt1), f3(s.recallAt5), f3(s.recallAt10), f3(s.mrr)]);
      }
    }
    out.push(table(['captioner', 'mode', 'R@1', 'R@5', 'R@10', 'MRR'], rows), '');
    if (charts.includes('image-to-text.svg')) out.push('![image to text](image-to-text.svg)', '');
  }

  out.push('## Captioning', '');
  if (r.captioning.length === 0) out.push('Not measured (no captioning model available).', '');
  else {
    out.push(`${r.method.bleu}.`, '');
    out.push(
      'METEOR and CIDEr are not reported: there is no maintained JavaScript implementation of either (the reference ones, ' +
        'pycocoevalcap, are Python and Java), and an in-house re-implementation would not be comparable with published numbers.',
      '',
    );
    out.push(
      table(
        ['captioner', 'images', 'BLEU-1', 'BLEU-2', 'BLEU-3', 'BLEU-4', 'BP', 'mean sentence BLEU-4', 'ms / image'],
        r.captioning.map((c) => [
          modelLabel(c.model, c.fixture),
          String(c.images),
          ...c.corpus.bleu.map(f3),
          f3(c.corpus.brevityPenalty),
          f3(c.meanSentenceBleu4),
          Math.round(c.msPerImage).toString(),
        ]),
      ),
      '',
    );
    if (charts.includes('captioning-bleu.svg')) out.push('![captioning BLEU](captioning-bleu.svg)', '');
    for (const c of r.captioning) {
      out.push(`Examples (${c.model}):`, '');
      out.push(table(['image', 'generated', 'first reference'], c.examples.map((e) => [e.imageId, e.caption.replace(/\|/g, '\\|'), e.reference.replace(/\|/g, '\\|')])), '');
    }
  }

  out.push('## Threshold', '');
  if (!r.threshold) out.push('Not measured: the threshold applies to dense scores, and dense mode was not measured.', '');
  else {
    out.push(`Dense text → image queries (as above). ${r.method.thresholdRule}. The default threshold is marked.`, '');
    out.push(
      table(
        ['threshold', 'precision', 'recall', 'images returned / query'],
        r.threshold.points.map((p) => {
          const mark = p.threshold === r.threshold!.defaultThreshold;
          const cells = [p.threshold.toFixed(2), f3(p.precision), f3(p.recall), p.meanImagesAbove >= 10 ? p.meanImagesAbove.toFixed(1) : p.meanImagesAbove.toFixed(3)];
          return mark ? cells.map((c, i) => (i === 0 ? `**${c} (default)**` : `**${c}**`)) : cells;
        }),
      ),
      '',
    );
    if (charts.includes('threshold.svg')) out.push('![threshold](threshold.svg)', '');
  }

  out.push('## Timings', '');
  out.push(table(['phase', 'time'], Object.entries(r.timingsMs).map(([k, v]) => [k, ms(v)])), '');
  if (r.dataset.warnings.length > 0) out.push('## Dataset warnings', '', ...r.dataset.warnings.map((w) => `- ${w}`), '');
  return `${out.join('\n')}\n`;
}

/** Writes report.json, report.md and the charts into `outDir`; returns the written paths. */
export async function writeReport(outDir: string, r: EvalReport): Promise<string[]> {
  await fs.mkdir(outDir, { recursive: true });
  const charts = renderCharts(r);
  const written: string[] = [];
  const write = async (name: string, content: string): Promise<void> => {
    const file = path.join(outDir, name);
    await fs.writeFile(file, content);
    written.push(file);
  };
  await write('report.json', `${JSON.stringify(r, null, 2)}\n`);
  for (const [name, svg] of Object.entries(charts)) await write(name, svg);
  await write('report.md', renderMarkdown(r, Object.keys(charts)));
  return written;
}
