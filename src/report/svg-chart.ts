/**
 * A small SVG chart writer for the experiment reports: lines or points over linear or log axes.
 * Self-contained text, no fonts or scripts to load, so the pictures render anywhere.
 */
export interface Series {
  name: string;
  points: [number, number][];
  color: string;
  /** Draw a line through the points (default) or points only. */
  line?: boolean;
  /** A step line (the value holds until the next point). */
  step?: boolean;
  dashed?: boolean;
  /** Point radius; 0 draws no points. Default 3.5 (0 for lines with more than 60 points). */
  radius?: number;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  logX?: boolean;
  width?: number;
  height?: number;
  /** Keep 0 inside the y axis (default true); prices want false. */
  zero?: boolean;
  /** Keep 0 inside the x axis (default: as `zero`); times want false. */
  zeroX?: boolean;
  /** How x ticks are labelled (default: the number). */
  xFormat?: (v: number) => string;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function ticks(lo: number, hi: number, log: boolean): number[] {
  if (log) {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) out.push(10 ** e);
    return out.filter((t) => t >= lo * 0.999 && t <= hi * 1.001);
  }
  const span = hi - lo || 1;
  const step = 10 ** Math.floor(Math.log10(span / 5));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => span / s <= 6) ?? step * 10;
  const out: number[] = [];
  for (let t = Math.ceil(lo / nice) * nice; t <= hi + 1e-9; t += nice) out.push(Number(t.toPrecision(12)));
  return out;
}

function label(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1000) return `${v / 1000}k`;
  if (a < 0.01) return v.toExponential(0);
  return String(Number(v.toPrecision(3)));
}

export function chart(series: Series[], o: ChartOptions): string {
  const W = o.width ?? 720;
  const H = o.height ?? 420;
  const m = { l: 70, r: 160, t: 40, b: 55 };
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return `<svg xmlns="http://www.w3.org/2000/svg" width="${o.width ?? 720}" height="60"><text x="10" y="30" font-family="sans-serif">${esc(o.title)}: no data</text></svg>\n`;
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const zero = o.zero !== false;
  let [y0, y1] = [zero ? Math.min(0, ...ys) : Math.min(...ys), Math.max(...ys)];
  if (!o.logX && (o.zeroX ?? zero)) [x0, x1] = [Math.min(0, x0), x1];
  if (y1 === y0) y1 = y0 + 1;
  const pad = (y1 - y0) * 0.05;
  y1 += pad;
  if (!zero) y0 -= pad;
  if (x1 === x0) x1 = x0 + 1;
  const fx = (x: number): number => {
    const t = o.logX ? (Math.log10(x) - Math.log10(x0)) / (Math.log10(x1) - Math.log10(x0) || 1) : (x - x0) / (x1 - x0 || 1);
    return m.l + t * (W - m.l - m.r);
  };
  const fy = (y: number): number => H - m.b - ((y - y0) / (y1 - y0)) * (H - m.t - m.b);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  parts.push(`<text x="${W / 2 - m.r / 2}" y="22" text-anchor="middle" font-size="15">${esc(o.title)}</text>`);
  for (const t of ticks(x0, x1, o.logX === true)) {
    parts.push(`<line x1="${fx(t)}" x2="${fx(t)}" y1="${m.t}" y2="${H - m.b}" stroke="#eee"/>`);
    parts.push(`<text x="${fx(t)}" y="${H - m.b + 16}" text-anchor="middle">${esc(o.xFormat ? o.xFormat(t) : label(t))}</text>`);
  }
  for (const t of ticks(y0, y1, false)) {
    parts.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${fy(t)}" y2="${fy(t)}" stroke="#eee"/>`);
    parts.push(`<text x="${m.l - 6}" y="${fy(t) + 4}" text-anchor="end">${label(t)}</text>`);
  }
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#888"/>`);
  parts.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 12}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  parts.push(`<text x="16" y="${(m.t + H - m.b) / 2}" text-anchor="middle" transform="rotate(-90 16 ${(m.t + H - m.b) / 2})">${esc(o.yLabel)}</text>`);
  series.forEach((s, i) => {
    const pts = s.points.map(([x, y]) => `${fx(x).toFixed(1)},${fy(y).toFixed(1)}`);
    if (s.line !== false) {
      let line = pts;
      if (s.step) {
        line = [];
        s.points.forEach(([x, y], k) => {
          if (k > 0) line.push(`${fx(x).toFixed(1)},${fy(s.points[k - 1]![1]).toFixed(1)}`);
          line.push(`${fx(x).toFixed(1)},${fy(y).toFixed(1)}`);
        });
      }
      const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
      parts.push(`<polyline points="${line.join(' ')}" fill="none" stroke="${s.color}" stroke-width="${s.points.length > 200 ? 1 : 2}"${dash}/>`);
    }
    const r = s.radius ?? (s.line !== false && s.points.length > 60 ? 0 : 3.5);
    if (r > 0) {
      for (const p of pts) {
        const [cx, cy] = p.split(',');
        parts.push(`<circle cx="${cx}" cy="${cy}" r="${r}" fill="${s.color}"/>`);
      }
    }
    const ly = m.t + 10 + i * 18;
    parts.push(`<rect x="${W - m.r + 12}" y="${ly - 8}" width="12" height="12" fill="${s.color}"/>`);
    parts.push(`<text x="${W - m.r + 30}" y="${ly + 2}">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
