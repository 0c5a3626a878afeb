import type { SweepAxis, SweepRow } from '../backtest/sweep.js';
import { Decimal } from '../domain/decimal.js';
import { esc, STYLE } from './html-parts.js';

export interface SweepReportOptions {
  title?: string;
  /** The base config file and the data, for the header. */
  config: string;
  data: readonly string[];
  sortedBy: 'pnl' | 'exposure';
}

type Metric = 'pnl' | 'exposure';

/** The value a heatmap shows for a row; null when the run failed or has none. */
function value(r: SweepRow, metric: Metric): Decimal | null {
  if (r.error) return null;
  const v = metric === 'pnl' ? r.pnl : r.nakedNotionalSeconds;
  return v === null ? null : new Decimal(v);
}

/** The better of two rows for a metric: more PnL, or fewer naked notional-seconds. */
function better(a: SweepRow, b: SweepRow, metric: Metric): SweepRow {
  const x = value(a, metric);
  const y = value(b, metric);
  if (x === null) return b;
  if (y === null) return a;
  return (metric === 'pnl' ? y.gt(x) : y.lt(x)) ? b : a;
}

/**
 * A heatmap of one metric over the first two swept parameters (rows × columns; one column when only one is
 * swept). With more than two, each cell shows the best run over the other parameters' values and names it.
 */
export function heatmap(rows: readonly SweepRow[], axes: readonly SweepAxis[], metric: Metric): string {
  const [ya, xa] = [axes[0]!, axes[1]];
  const xs = xa?.values ?? [''];
  const cells = new Map<string, SweepRow>();
  for (const r of rows) {
    const key = `${r.params[ya.key]}\u0000${xa ? r.params[xa.key] : ''}`;
    const had = cells.get(key);
    cells.set(key, had ? better(had, r, metric) : r);
  }
  const values = [...cells.values()].map((r) => value(r, metric)).filter((v): v is Decimal => v !== null);
  const scale = values.reduce((m, v) => Decimal.max(m, v.abs()), new Decimal(0));
  const colour = (v: Decimal | null): string => {
    if (v === null) return '#ddd';
    if (scale.isZero() || v.isZero()) return '#fff';
    const alpha = (0.12 + 0.78 * v.abs().div(scale).toNumber()).toFixed(2);
    if (metric === 'exposure') return `rgba(255,127,14,${alpha})`;
    return v.gt(0) ? `rgba(26,127,55,${alpha})` : `rgba(207,34,46,${alpha})`;
  };
  const rest = axes.slice(2);
  const label = metric === 'pnl' ? 'PnL' : 'naked notional·s';
  const out: string[] = [];
  out.push(`<table class="heat" data-metric="${metric}"><tr><th class="l">${esc(ya.key)}${xa ? ` ↓ \\ ${esc(xa.key)} →` : ''}</th>${xs.map((x) => `<th>${esc(x)}</th>`).join('')}</tr>`);
  for (const y of ya.values) {
    out.push(`<tr><th>${esc(y)}</th>`);
    for (const x of xs) {
      const r = cells.get(`${y}\u0000${x}`);
      const v = r ? value(r, metric) : null;
      const text = !r ? '' : r.error ? 'error' : v === null ? 'n/a' : metric === 'pnl' ? v.toFixed(2) : v.toFixed(3);
      const why = r?.error ? r.error : rest.length && r ? `best over ${rest.map((a) => a.key).join(', ')}: ${rest.map((a) => `${a.key}=${r.params[a.key]}`).join(', ')}` : `${label} ${text}`;
      out.push(`<td data-y="${esc(y)}" data-x="${esc(x)}" style="background:${colour(v)}" title="${esc(why)}">${esc(text)}${rest.length && r && !r.error ? `<br><small>${esc(rest.map((a) => r.params[a.key]).join(', '))}</small>` : ''}</td>`);
    }
    out.push('</tr>');
  }
  out.push('</table>');
  return out.join('');
}

/** A self-contained HTML page of a sweep: a PnL and an exposure heatmap, and the table of every run. No scripts. */
export function sweepHtmlReport(rows: readonly SweepRow[], axes: readonly SweepAxis[], o: SweepReportOptions): string {
  const title = o.title ?? 'Legato sweep';
  const out: string[] = [];
  out.push(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>${STYLE}</style></head><body>`);
  out.push(`<h1>${esc(title)}</h1>`);
  out.push(`<p>${esc(o.config)} · data ${esc(o.data.join(', '))} · ${rows.length} runs over ${axes.map((a) => `${esc(a.key)} (${a.values.length})`).join(' × ')}</p>`);
  const failed = rows.filter((r) => r.error).length;
  if (failed) out.push(`<p class="neg">${failed} of ${rows.length} runs failed (grey cells; the reason is in the table and on hover).</p>`);
  const what = axes.length > 2 ? ` Each cell is the best run over ${axes.slice(2).map((a) => esc(a.key)).join(', ')} (their values under the figure).` : '';
  out.push('<h2>PnL</h2>');
  out.push(`<p class="note">Net PnL of each run (open positions marked at the last mids); green a profit, red a loss, the deeper the larger.${what}</p>`);
  out.push(heatmap(rows, axes, 'pnl'));
  out.push('<h2>Naked exposure</h2>');
  out.push(`<p class="note">∫ naked notional dt over the run (currency·seconds): how much and how long legs were unhedged; the deeper, the more.${axes.length > 2 ? ` Each cell is the run with the least over ${axes.slice(2).map((a) => esc(a.key)).join(', ')}.` : ''}</p>`);
  out.push(heatmap(rows, axes, 'exposure'));
  out.push(`<h2>Every run, by ${o.sortedBy === 'pnl' ? 'PnL (highest first)' : 'exposure (least first)'}</h2>`);
  const head = ['#', ...axes.map((a) => a.key), 'executions', 'units', 'PnL', 'max naked notional', 'naked notional·s', 'mean slippage', 'error'];
  out.push(`<table class="runs"><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>`);
  rows.forEach((r, i) => {
    const cells = [i + 1, ...axes.map((a) => r.params[a.key] ?? ''), r.executions, r.units, r.pnl ?? '-', r.maxNakedNotional, r.nakedNotionalSeconds, r.meanSlippage ?? '-'];
    out.push(`<tr>${cells.map((c) => `<td>${esc(c)}</td>`).join('')}<td class="l">${esc(r.error ?? '')}</td></tr>`);
  });
  out.push('</table>');
  out.push('</body></html>\n');
  return out.join('\n');
}
