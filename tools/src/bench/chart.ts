/**
 * A dependency-free SVG line chart with logarithmic axes, for quantities that span decades
 * (collection sizes 10k…4M, latencies from microseconds to seconds). Each series has its own
 * points, so a series measured at fewer sizes simply stops. (tools/src/eval/svg-chart.ts has the
 * linear charts of the eval.)
 */
const W = 640;
const H = 380;
const PAD = { l: 70, r: 170, t: 40, b: 50 };
const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export interface Series {
  name: string;
  points: Array<[number, number]>;
  dashed?: boolean;
}

function label(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e3) return `${+(v / 1e3).toPrecision(3)}k`;
  return `${+v.toPrecision(3)}`;
}

/** Log–log line chart; points with non-positive coordinates are left out. */
export function logLogChart(title: string, xLabel: string, yLabel: string, series: readonly Series[]): string {
  const pts = series.flatMap((s) => s.points).filter(([x, y]) => x > 0 && y > 0);
  if (pts.length === 0) return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="60"><text x="10" y="30">${esc(title)}: no data</text></svg>\n`;
  const lx0 = Math.floor(Math.log10(Math.min(...pts.map((p) => p[0]))));
  const lx1 = Math.ceil(Math.log10(Math.max(...pts.map((p) => p[0]))));
  const ly0 = Math.floor(Math.log10(Math.min(...pts.map((p) => p[1]))));
  const ly1 = Math.max(ly0 + 1, Math.ceil(Math.log10(Math.max(...pts.map((p) => p[1])))));
  const pw = W - PAD.l - PAD.r;
  const ph = H - PAD.t - PAD.b;
  const px = (x: number): number => PAD.l + ((Math.log10(x) - lx0) / Math.max(1, lx1 - lx0)) * pw;
  const py = (y: number): number => PAD.t + ph * (1 - (Math.log10(y) - ly0) / (ly1 - ly0));
  let body = `<rect x="${PAD.l}" y="${PAD.t}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`;
  for (let e = lx0; e <= lx1; e++) {
    const x = px(10 ** e).toFixed(1);
    body += `<line x1="${x}" y1="${PAD.t}" x2="${x}" y2="${PAD.t + ph}" stroke="#eee"/><text x="${x}" y="${PAD.t + ph + 16}" text-anchor="middle" font-size="11">${label(10 ** e)}</text>`;
  }
  for (let e = ly0; e <= ly1; e++) {
    const y = py(10 ** e).toFixed(1);
    body += `<line x1="${PAD.l}" y1="${y}" x2="${PAD.l + pw}" y2="${y}" stroke="#eee"/><text x="${PAD.l - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" font-size="11">${label(10 ** e)}</text>`;
  }
  series.forEach((s, i) => {
    const colour = PALETTE[i % PALETTE.length];
    const ps = s.points.filter(([x, y]) => x > 0 && y > 0);
    body += `<polyline fill="none" stroke="${colour}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''} points="${ps.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')}"/>`;
    for (const [x, y] of ps) body += `<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${colour}"><title>${esc(`${s.name}: ${label(x)} → ${+y.toPrecision(4)}`)}</title></circle>`;
    const ly = PAD.t + 10 + i * 18;
    body += `<line x1="${W - PAD.r + 10}" y1="${ly}" x2="${W - PAD.r + 30}" y2="${ly}" stroke="${colour}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/><text x="${W - PAD.r + 35}" y="${ly}" dominant-baseline="middle" font-size="11">${esc(s.name)}</text>`;
  });
  body += `<text x="${PAD.l + pw / 2}" y="${H - 10}" text-anchor="middle" font-size="12">${esc(xLabel)}</text>`;
  body += `<text transform="translate(16 ${PAD.t + ph / 2}) rotate(-90)" text-anchor="middle" font-size="12">${esc(yLabel)}</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif"><rect width="${W}" height="${H}" fill="white"/><text x="${W / 2}" y="22" text-anchor="middle" font-size="14">${esc(title)}</text>${body}</svg>\n`;
}
