/**
 * Minimal dependency-free SVG charts for reports: grouped bars and lines. Enough for a handful of
 * series; values are expected in [0, 1] unless `yMax` says otherwise.
 */

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2'];
const W = 640;
const H = 360;
const PAD = { l: 50, r: 20, t: 40, b: 60 };

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function frame(title: string, yMax: number, body: string, legend: string[]): string {
  const ph = H - PAD.t - PAD.b;
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map((f) => {
      const y = PAD.t + ph * (1 - f);
      return `<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${y}" y2="${y}" stroke="#e5e7eb"/><text x="${PAD.l - 6}" y="${y + 4}" text-anchor="end" font-size="11">${+(f * yMax).toFixed(2)}</text>`;
    })
    .join('');
  const leg = legend
    .map((name, i) => `<rect x="${PAD.l + i * 120}" y="${H - 22}" width="10" height="10" fill="${PALETTE[i % PALETTE.length]}"/><text x="${PAD.l + i * 120 + 14}" y="${H - 13}" font-size="11">${esc(name)}</text>`)
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/><text x="${W / 2}" y="22" text-anchor="middle" font-size="14">${esc(title)}</text>${ticks}${body}${leg}</svg>\n`;
}

/** Grouped bar chart: one group per category, one bar per series. */
export function barChart(title: string, categories: string[], series: Array<{ name: string; values: number[] }>, yMax = 1): string {
  const pw = W - PAD.l - PAD.r;
  const ph = H - PAD.t - PAD.b;
  const gw = pw / Math.max(1, categories.length);
  const bw = (gw * 0.8) / Math.max(1, series.length);
  let body = '';
  categories.forEach((c, ci) => {
    series.forEach((s, si) => {
      const v = Math.max(0, Math.min(yMax, s.values[ci] ?? 0));
      const h = (v / yMax) * ph;
      const x = PAD.l + ci * gw + gw * 0.1 + si * bw;
      body += `<rect x="${x.toFixed(1)}" y="${(PAD.t + ph - h).toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${PALETTE[si % PALETTE.length]}"><title>${esc(`${s.name} ${c}: ${v.toFixed(3)}`)}</title></rect>`;
    });
    body += `<text x="${(PAD.l + ci * gw + gw / 2).toFixed(1)}" y="${H - PAD.b + 16}" text-anchor="middle" font-size="11">${esc(c)}</text>`;
  });
  return frame(title, yMax, body, series.map((s) => s.name));
}

/** Line chart over a shared x axis. */
export function lineChart(title: string, xs: number[], series: Array<{ name: string; values: number[] }>, yMax = 1): string {
  const pw = W - PAD.l - PAD.r;
  const ph = H - PAD.t - PAD.b;
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs);
  const px = (x: number): number => PAD.l + ((x - x0) / (x1 - x0 || 1)) * pw;
  const py = (y: number): number => PAD.t + ph * (1 - Math.max(0, Math.min(yMax, y)) / yMax);
  let body = series
    .map((s, si) => `<polyline fill="none" stroke="${PALETTE[si % PALETTE.length]}" stroke-width="2" points="${xs.map((x, i) => `${px(x).toFixed(1)},${py(s.values[i] ?? 0).toFixed(1)}`).join(' ')}"/>`)
    .join('');
  for (const x of [x0, (x0 + x1) / 2, x1]) body += `<text x="${px(x).toFixed(1)}" y="${H - PAD.b + 16}" text-anchor="middle" font-size="11">${+x.toFixed(2)}</text>`;
  return frame(title, yMax, body, series.map((s) => s.name));
}
