import { DateTime } from 'luxon';
import type { BacktestResult } from '../backtest/run-backtest.js';
import { BAD_KINDS } from '../data/load.js';
import { nakedQuantities } from '../engine/summary.js';
import { chart, type Series } from './svg-chart.js';

const esc = (s: unknown): string => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * A self-contained HTML report of a backtest: one file, no scripts, no fonts or images to fetch, so it
 * opens offline. The charts are inline SVG.
 */
export function htmlReport(r: BacktestResult, zone: string, title = 'Legato backtest'): string {
  const s = r.summary;
  const t = (ms: number): string => DateTime.fromMillis(ms, { zone }).toFormat('yyyy-MM-dd HH:mm:ss');
  const hhmm = (ms: number): string => DateTime.fromMillis(ms, { zone }).toFormat('MM-dd HH:mm');
  const parts: string[] = [];
  parts.push(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
table{border-collapse:collapse;margin:8px 0 20px;font-size:13px}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}
th{background:#f3f3f3}
td.l,th.l{text-align:left}
h2{margin-top:28px}
.kpi{display:inline-block;margin:0 24px 12px 0}
.kpi b{display:block;font-size:20px}
</style></head><body>`);
  parts.push(`<h1>${esc(title)}</h1>`);
  parts.push(`<p>${esc(s.run.config)} · data ${esc(r.data.from ?? '-')} → ${esc(r.data.to ?? '-')} · times in ${esc(zone)}</p>`);
  const kpi = (label: string, value: unknown): string => `<span class="kpi">${esc(label)}<b>${esc(value)}</b></span>`;
  parts.push(
    '<div>' +
      kpi('PnL', s.pnl ?? 'n/a') +
      kpi('executions', s.executions.length) +
      kpi('orders / fills', `${s.counts.orders} / ${s.counts.fills}`) +
      kpi('max naked notional', s.exposure.maxNakedNotional) +
      kpi('longest naked', `${s.exposure.longestNakedMs} ms`) +
      kpi('naked notional·s', s.exposure.nakedNotionalSeconds) +
      kpi('quotes replayed', r.data.used) +
      '</div>',
  );

  for (const series of r.series) {
    parts.push(`<h2>${esc(series.strategy)}: spread, triggers and fills</h2>`);
    const bid = series.spread.filter((p) => p[1] !== null).map((p) => [p[0], p[1]!] as [number, number]);
    const ask = series.spread.filter((p) => p[2] !== null).map((p) => [p[0], p[2]!] as [number, number]);
    const x0 = series.spread[0]?.[0] ?? 0;
    const x1 = series.spread.at(-1)?.[0] ?? 1;
    const lines: Series[] = [
      { name: 'spread bid', color: '#1f77b4', points: bid, step: true },
      { name: 'spread ask', color: '#ff7f0e', points: ask, step: true },
    ];
    const colors: Record<string, string> = { longEntry: '#2ca02c', longExit: '#98df8a', shortEntry: '#d62728', shortExit: '#ff9896' };
    for (const [k, v] of Object.entries(series.triggers)) {
      if (v !== null) lines.push({ name: k, color: colors[k] ?? '#999', points: [[x0, v], [x1, v]], dashed: true, radius: 0 });
    }
    const mid = (at: number): number | undefined => {
      let last: number | undefined;
      for (const p of series.spread) {
        if (p[0] > at) break;
        if (p[1] !== null && p[2] !== null) last = (p[1] + p[2]) / 2;
      }
      return last;
    };
    const marks = (ts: number[]): [number, number][] => ts.flatMap((at) => (mid(at) === undefined ? [] : [[at, mid(at)!] as [number, number]]));
    lines.push({ name: 'fills', color: '#222', points: marks(series.fills.map((f) => f.at)), line: false, radius: 2 });
    lines.push({ name: 'algo start', color: '#9467bd', points: marks(series.algos.map((a) => a.start)), line: false, radius: 4 });
    lines.push({ name: 'algo end', color: '#8c564b', points: marks(series.algos.map((a) => a.end)), line: false, radius: 3 });
    parts.push(chart(lines, { title: `${series.strategy} spread`, xLabel: 'time', yLabel: 'spread price', zero: false, width: 1100, height: 460, xFormat: hhmm }));
    parts.push(
      `<h2>${esc(series.strategy)}: naked exposure over time</h2><p>Notional of the strategy's legs away from the nearest balanced position ` +
        `(whole spread units), each leg valued at its last fill price, after each fill.</p>`,
    );
    const legs = s.exposure.legs[series.strategy] ?? [];
    if (legs.length) {
      parts.push('<table><tr><th class="l">leg</th><th>max naked qty</th><th>max naked lots</th><th>max naked notional</th></tr>');
      for (const l of legs) parts.push(`<tr><td class="l">${esc(l.symbol)}</td><td>${esc(l.maxQty)}</td><td>${l.maxLots}</td><td>${esc(l.maxNotional)}</td></tr>`);
      parts.push('</table>');
    }
    const exp: [number, number][] = series.exposure.length ? [[x0, 0], ...series.exposure, [x1, series.exposure.at(-1)![1]]] : [];
    parts.push(chart([{ name: 'naked notional', color: '#d62728', points: exp, step: true, radius: 0 }], { title: 'naked notional after each fill', xLabel: 'time', yLabel: 'notional', width: 1100, height: 260, xFormat: hhmm, zeroX: false }));
    parts.push(`<p>${series.fills.length} fills.</p>`);
  }

  parts.push('<h2>Executions</h2><table><tr>');
  const head = ['algo', 'kind', 'purpose', 'side', 'status', 'reason', 'units', 'trigger', 'realized', 'slippage', 'naked max notional', 'naked max qty', 'naked ms', 'notional·s', 'took ms', 're-prices', 'ladder', 'started'];
  parts.push(head.map((h, i) => `<th${i < 6 ? ' class="l"' : ''}>${esc(h)}</th>`).join('') + '</tr>');
  for (const e of s.executions) {
    const cells = [e.algoId, e.kind, e.purpose, e.side, e.status, e.reason ?? '', `${e.units}/${e.qty}`, e.trigger ?? '-', e.realizedSpread ?? '-', e.slippage ?? '-', e.exposure.maxNotional, nakedQuantities(s, e).join('/'), e.exposure.nakedMs, e.exposure.notionalSeconds, e.durationMs, e.reprices, e.ladderSteps, t(e.startedAt)];
    parts.push('<tr>' + cells.map((c, i) => `<td${i < 6 ? ' class="l"' : ''}>${esc(c)}</td>`).join('') + '</tr>');
  }
  parts.push('</table>');

  parts.push('<h2>Data</h2><table><tr><th class="l">file</th><th class="l">format</th><th>rows</th></tr>');
  for (const f of r.data.files) parts.push(`<tr><td class="l">${esc(f.path)}</td><td class="l">${esc(f.format)}</td><td>${f.rows}</td></tr>`);
  parts.push('</table>');
  parts.push(`<p>${r.data.rows} rows read, ${r.data.used} used, ${r.data.oneSided} one-sided; bad rows were ${r.data.policy === 'skip' ? 'skipped' : 'set to stop the run'}.</p>`);
  parts.push('<table><tr><th class="l">bad rows</th><th>count</th><th class="l">first ones</th></tr>');
  for (const k of BAD_KINDS) {
    const b = r.data.bad[k];
    parts.push(`<tr><td class="l">${esc(k)}</td><td>${b.count}</td><td class="l">${b.first.map(esc).join('<br>')}</td></tr>`);
  }
  parts.push('</table>');
  if (r.data.ignoredFiles.length) parts.push(`<p>Ignored files: ${r.data.ignoredFiles.map(esc).join('<br>')}</p>`);
  parts.push('</body></html>\n');
  return parts.join('\n');
}
