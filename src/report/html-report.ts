import { DateTime } from 'luxon';
import { executionFees, fillsByAlgo, summaryCosts, type BacktestAnalytics, type EquityCurve, type SlippageStats, type StrategyAnalytics, type TripStats } from '../backtest/analytics.js';
import type { BacktestResult, BacktestSeries } from '../backtest/run-backtest.js';
import { BAD_KINDS } from '../data/load.js';
import { Decimal } from '../domain/decimal.js';
import type { Execution, FillRecord } from '../engine/records.js';
import { nakedQuantities, type Summary } from '../engine/summary.js';
import { ATTRIBUTION, chartLibrary, esc, scriptJson, signed, STYLE } from './html-parts.js';
import { PAGE_SCRIPT } from './page-script.js';
import { slotOf, stepText, timeGrid, toSlots, type TimeGrid } from './timeline.js';

/** One series of a chart on the page: values per slot of the time grid (null: a gap). */
export interface PageSeries {
  kind: 'line' | 'area' | 'histogram';
  title: string;
  color: string;
  width?: number;
  step?: boolean;
  invert?: boolean;
  /** lightweight-charts LineStyle: 0 solid (default), 1 dotted, 2 dashed. */
  style?: number;
  /** A level that holds between points: the hover shows the last value in a slot without one. */
  hold?: boolean;
  data: [number, number | null][];
}

export interface PageMarker {
  slot: number;
  price: number;
  shape: 'arrowUp' | 'arrowDown' | 'circle' | 'square';
  color: string;
  id: string;
  size?: number;
  /** Only for marks that stand for several executions at one place: how many. */
  text?: string;
}

export interface PageChart {
  id: string;
  height: number;
  /** Decimals of the price axis. */
  precision: number;
  series: PageSeries[];
  /** Horizontal lines on the first series (triggers): one per distinct price, naming every trigger at it. */
  priceLines?: { price: number; title: string; color: string }[];
  /** Marks on the first series at an exact price (fills at their realized spread, drawdown peak and trough). */
  markers?: PageMarker[];
  /** Hover text per slot: what happened in it. */
  tips?: Record<number, string[]>;
}

/** What the page script reads (the JSON in #legato-data). */
export interface PageData {
  zone: string;
  grid: TimeGrid;
  charts: PageChart[];
}

const TRIGGER_COLORS: Record<string, string> = { longEntry: '#2ca02c', longExit: '#98df8a', shortEntry: '#d62728', shortExit: '#ff9896' };
const LEG_COLORS = ['#1f77b4', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

/** Decimals needed to print every value (at most 8). */
function decimalsOf(values: Iterable<number | string | null | undefined>): number {
  let d = 0;
  for (const v of values) {
    if (v === null || v === undefined) continue;
    const s = typeof v === 'number' ? String(Number(v.toPrecision(12))) : v;
    const i = s.indexOf('.');
    if (i >= 0 && !s.includes('e')) d = Math.max(d, s.length - i - 1);
  }
  return Math.min(8, d);
}

/** 850 ms, 3.0 s, 4 min 10 s, 2 h 5 min, 3 d 4 h */
export function durationText(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

const pct = (fraction: string | null): string => (fraction === null ? 'n/a' : `${new Decimal(fraction).times(100).toFixed(1)}%`);

/**
 * A self-contained HTML report of a backtest: one file that opens offline. The charts are drawn by
 * TradingView's Lightweight Charts, whose standalone build is inlined with the data and a small script; the
 * tables are plain HTML. See docs/report.md for what each part shows.
 */
export function htmlReport(r: BacktestResult, zone: string, title = 'Legato backtest'): string {
  const s = r.summary;
  const a = r.analytics;
  const ms = (t: number): string => DateTime.fromMillis(t, { zone }).toFormat('yyyy-MM-dd HH:mm:ss.SSS');
  const clock = (t: number): string => DateTime.fromMillis(t, { zone }).toFormat('HH:mm:ss.SSS');
  const from = a?.from ?? Date.parse(s.run.from);
  const to = a?.to ?? Date.parse(s.run.to);
  const grid = a?.grid ?? timeGrid(from, to);
  const charts: PageChart[] = [];
  const parts: string[] = [];
  parts.push(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)}</title><style>${STYLE}</style></head><body>`);
  parts.push(`<h1>${esc(title)}</h1>`);
  parts.push(
    `<p>${esc(s.run.config)} · data ${esc(r.data.from ?? '-')} → ${esc(r.data.to ?? '-')} · times in ${esc(zone)} · ` +
      `charts on a time axis of ${esc(stepText(grid.step))} slots, linear in time (hover for values; drag and scroll to zoom, every chart follows)</p>`,
  );
  parts.push('<noscript><p><b>The charts need JavaScript; the tables below do not.</b></p></noscript>');
  parts.push(kpis(r, a));

  if (a) {
    parts.push('<h2>Equity and drawdown</h2>');
    parts.push(
      `<p class="note">Equity is the PnL so far: cash from the fills, open legs marked at their mids (the last two-sided quote), ` +
        `minus fees and funding as they occur. Drawdown is equity minus its running peak. Sampled at every fill and funding ` +
        `payment and from quotes (${a.equity.points.length} of ${a.equity.evaluated} points kept, every peak and trough a drawdown refers to among them); ` +
        `in each time slot the equity line shows the last value and the drawdown the deepest.</p>`,
    );
    parts.push(drawdownText(a.equity, ms));
    parts.push('<div class="chart" id="chart-equity"></div><div class="chart" id="chart-drawdown"></div>');
    charts.push(...equityCharts(a, grid, ms));
  } else {
    parts.push('<p>This run kept no series (<code>series: false</code>): no equity curve, round trips or charts.</p>');
  }

  r.series.forEach((series, i) => {
    const sa = a?.strategies.find((x) => x.strategy === series.strategy);
    parts.push(`<h2>${esc(series.strategy)}</h2>`);
    if (sa) parts.push(`<p>Net ${signed(sa.net)} · gross ${signed(sa.gross)} · fees ${esc(money(sa.costs.fees))} · funding ${esc(money(sa.costs.funding))} · legs ${esc(sa.legs.join(', '))}</p>`);
    parts.push('<h3>Spread, triggers and executions</h3>');
    const spread = spreadChart(`chart-spread-${i}`, series, s, grid, clock);
    charts.push(spread.chart);
    parts.push(`<div class="chart" id="chart-spread-${i}"></div>`);
    parts.push(`<div class="legend">${spread.legend}</div>`);
    if (sa) {
      parts.push('<h3>Position</h3><div class="chart" id="chart-position-' + i + '"></div>');
      charts.push(positionChart(`chart-position-${i}`, sa, grid, to));
      parts.push(`<p class="note">Hedged spread units (thick) and each leg's lots, after the fills of each moment.</p>`);
    }
    parts.push('<h3>Naked exposure</h3>');
    parts.push(`<p class="note">Notional of the legs away from the nearest balanced position (whole spread units), each leg valued at its last fill price, after each fill.</p>`);
    parts.push(`<div class="chart" id="chart-exposure-${i}"></div>`);
    // A level holds until the run ends: the last value is drawn to the end.
    const exposure: [number, number][] = [[from, 0], ...series.exposure, [to, series.exposure.at(-1)?.[1] ?? 0]];
    charts.push({ id: `chart-exposure-${i}`, height: 200, precision: 2, series: [{ kind: 'line', title: 'naked notional', color: '#d62728', step: true, hold: true, data: toSlots(grid, exposure) }] });
    const legs = s.exposure.legs[series.strategy] ?? [];
    if (legs.length) {
      parts.push('<table><tr><th class="l">leg</th><th>max naked qty</th><th>max naked lots</th><th>max naked notional</th></tr>');
      for (const l of legs) parts.push(`<tr><td class="l">${esc(l.symbol)}</td><td>${esc(l.maxQty)}</td><td>${l.maxLots}</td><td>${esc(l.maxNotional)}</td></tr>`);
      parts.push('</table>');
    }
    if (sa) {
      parts.push('<h3>Round trips</h3>');
      parts.push(tripsSection(sa, ms));
      parts.push('<h3>Slippage per execution</h3>');
      parts.push(slippageSection(sa.slippage));
      parts.push('<h3>Costs</h3>');
      parts.push(costsTable(sa));
    }
    parts.push(`<p>${series.fills.length} fills.</p>`);
  });

  parts.push(`<h2>Executions (${s.executions.length})</h2><table><tr>`);
  const head = ['algo', 'kind', 'purpose', 'side', 'status', 'reason', 'units', 'trigger', 'realized', 'slippage', 'fees', 'naked max notional', 'naked max qty', 'naked ms', 'notional·s', 'took ms', 're-prices', 'ladder', 'started', 'ended'];
  parts.push(head.map((h, i) => `<th${i < 6 ? ' class="l"' : ''}>${esc(h)}</th>`).join('') + '</tr>');
  const fills = fillsByAlgo(r.series.flatMap((x) => x.fills));
  for (const e of s.executions) {
    const cells = [e.algoId, e.kind, e.purpose, e.side, e.status, e.reason ?? '', `${e.units}/${e.qty}`, e.trigger ?? '-', e.realizedSpread ?? '-', e.slippage ?? '-', executionFees(e, fills), e.exposure.maxNotional, nakedQuantities(s, e).join('/'), e.exposure.nakedMs, e.exposure.notionalSeconds, e.durationMs, e.reprices, e.ladderSteps, ms(e.startedAt), ms(e.endedAt)];
    parts.push('<tr>' + cells.map((c, i) => `<td${i < 6 ? ' class="l"' : ''}>${esc(c)}</td>`).join('') + '</tr>');
  }
  parts.push('</table>');

  parts.push(dataSection(r));
  parts.push(`<footer><p>${esc(ATTRIBUTION)}</p></footer>`);
  const page: PageData = { zone, grid, charts };
  parts.push(`<script>${chartLibrary()}</script>`);
  parts.push(`<script type="application/json" id="legato-data">${scriptJson(page)}</script>`);
  parts.push(`<script>${PAGE_SCRIPT}</script>`);
  parts.push('</body></html>\n');
  return parts.join('\n');
}

const money = (v: string | null): string => (v === null || v === 'n/a' ? 'n/a' : new Decimal(v).toFixed(2));

function kpis(r: BacktestResult, a: BacktestAnalytics | null): string {
  const s = r.summary;
  const k = (label: string, value: string, small = ''): string => `<span class="kpi">${esc(label)}<b>${value}</b>${small ? `<small>${esc(small)}</small>` : ''}</span>`;
  const out: string[] = ['<div>'];
  if (a) {
    const dd = a.equity.maxDrawdown;
    out.push(k('net PnL', signed(a.net), 'marked at mids, after costs'));
    out.push(k('gross', signed(a.gross)));
    out.push(k('fees', esc(money(a.costs.fees))));
    out.push(k('funding', esc(money(a.costs.funding))));
    out.push(k('max drawdown', esc(money(dd.amount)), dd.peakAt === null ? 'never below a peak' : `${durationText(dd.durationMs)}${dd.recoveredAt === null ? ', not recovered' : ''}`));
    out.push(k('round trips', esc(`${a.trips.closed} closed, ${a.trips.open} open`)));
    out.push(k('hit rate', esc(pct(a.trips.hitRate)), `${a.trips.wins} won, ${a.trips.losses} lost`));
    out.push(k('average win / loss', `${signed(a.trips.averageWin)} / ${signed(a.trips.averageLoss)}`));
  } else out.push(k('PnL', signed(s.pnl)));
  out.push(k('executions', esc(s.executions.length)));
  out.push(k('orders / fills', esc(`${s.counts.orders} / ${s.counts.fills}`)));
  out.push(k('max naked notional', esc(s.exposure.maxNakedNotional)));
  out.push(k('longest naked', esc(durationText(s.exposure.longestNakedMs))));
  out.push(k('quotes replayed', esc(r.data.used)));
  out.push('</div>');
  return out.join('');
}

function drawdownText(e: EquityCurve, ms: (t: number) => string): string {
  const d = e.maxDrawdown;
  if (d.peakAt === null) return '<p>Max drawdown: none (equity never fell below a peak).</p>';
  return (
    `<p>Max drawdown <b>${esc(money(d.amount))}</b>: from the peak ${esc(money(d.peak))} at ${esc(ms(d.peakAt))} to ${esc(money(d.trough))} at ${esc(ms(d.troughAt!))}, ` +
    (d.recoveredAt === null ? `not recovered by the end of the run (${esc(durationText(d.durationMs))} since the peak).` : `recovered at ${esc(ms(d.recoveredAt))}: ${esc(durationText(d.durationMs))} from peak to recovery.`) +
    ' ● green: the peak, ● red: the trough, ● blue: the recovery.</p>'
  );
}

function equityCharts(a: BacktestAnalytics, grid: TimeGrid, ms: (t: number) => string): PageChart[] {
  const line = (curve: EquityCurve, title: string, color: string, width = 2): PageSeries => ({
    kind: 'line',
    title,
    color,
    width,
    step: true,
    hold: true,
    data: toSlots(grid, curve.points.map((p) => [p.at, Number(p.equity)] as const)),
  });
  const series: PageSeries[] = [line(a.equity, a.strategies.length > 1 ? 'equity (all)' : 'equity', '#222')];
  if (a.strategies.length > 1) a.strategies.forEach((s, i) => series.push(line(s.equity, s.strategy, LEG_COLORS[i % LEG_COLORS.length]!, 1)));
  const d = a.equity.maxDrawdown;
  const markers: PageMarker[] = [];
  const tips: Record<number, string[]> = {};
  const mark = (at: number | null, value: string | null, color: string, id: string, text: string): void => {
    if (at === null || value === null) return;
    const slot = slotOf(grid, at);
    markers.push({ slot, price: Number(value), shape: 'circle', color, id });
    (tips[slot] ??= []).push(`${text} ${money(value)} at ${ms(at)}`);
  };
  mark(d.peakAt, d.peak, '#2ca02c', 'dd-peak', 'max drawdown peak');
  mark(d.troughAt, d.trough, '#d62728', 'dd-trough', 'max drawdown trough');
  if (d.recoveredAt !== null) mark(d.recoveredAt, d.peak, '#1f77b4', 'dd-recovered', 'recovered to');
  markers.sort((x, y) => x.slot - y.slot);
  return [
    { id: 'chart-equity', height: 320, precision: 2, series, markers, tips },
    {
      id: 'chart-drawdown',
      height: 180,
      precision: 2,
      series: [{ kind: 'area', title: 'drawdown', color: '#d62728', step: true, invert: true, data: toSlots(grid, a.equity.points.map((p) => [p.at, Number(p.drawdown)] as const), 'min') }],
    },
  ];
}

/** The time of an execution's last fill (where its mark goes), else its end. */
function markTime(e: Execution, fills: ReadonlyMap<string, FillRecord[]>): number {
  return fills.get(e.algoId)?.at(-1)?.at ?? e.endedAt;
}

function spreadChart(id: string, series: BacktestSeries, s: Summary, grid: TimeGrid, clock: (t: number) => string): { chart: PageChart; legend: string } {
  // Per slot: the last bid and ask (the lines), and the highest bid and lowest ask within it (faint), from
  // every change of the spread quote; without slots (no analytics), the sampled changes.
  let rows: BacktestSeries['spreadSlots'] = series.spreadSlots;
  if (rows.length === 0 && series.spread.length > 0) {
    const asks = toSlots(grid, series.spread.map((p) => [p[0], p[2]] as const));
    rows = toSlots(grid, series.spread.map((p) => [p[0], p[1]] as const)).map(([k, b], i) => [k, b, asks[i]![1], b, asks[i]![1]]);
  }
  const bid = rows.map((r): [number, number | null] => [r[0], r[1]]);
  const ask = rows.map((r): [number, number | null] => [r[0], r[2]]);
  const ranged = series.spreadSlots.some((r) => r[3] !== r[1] || r[4] !== r[2]);
  const executions = s.executions.filter((e) => e.strategy === series.strategy);
  // Triggers at one price make one line naming them all, so neither hides the other.
  const byPrice = new Map<number, string[]>();
  for (const [k, v] of Object.entries(series.triggers)) if (v !== null) byPrice.set(v, [...(byPrice.get(v) ?? []), k]);
  const priceLines = [...byPrice].map(([price, names]) => ({ price, title: names.join(' = '), color: names.length > 1 ? '#555' : (TRIGGER_COLORS[names[0]!] ?? '#999') }));
  const fills = fillsByAlgo(series.fills);
  const markers: PageMarker[] = [];
  const byPlace = new Map<string, PageMarker>();
  const tips: Record<number, string[]> = {};
  for (const e of executions) {
    const at = markTime(e, fills);
    const slot = slotOf(grid, at);
    const entry = e.purpose === 'longEntry' || e.purpose === 'shortEntry';
    const color = e.purpose === 'flatten' ? '#555' : entry ? '#2ca02c' : '#d62728';
    if (e.realizedSpread !== null) {
      // Executions on one side at one price in one slot share a mark that says how many (and in which colour
      // when they differ: grey), so none hides another.
      const price = Number(e.realizedSpread);
      const shape = e.side === 'buy' ? 'arrowUp' : 'arrowDown';
      const key = `${slot}|${price}|${shape}`;
      const same = byPlace.get(key);
      if (same) {
        same.text = `×${Number((same.text ?? '×1').slice(1)) + 1}`;
        same.id += ` ${e.algoId}`;
        if (same.color !== color) same.color = '#555';
      } else {
        const m: PageMarker = { slot, price, shape, color, id: e.algoId };
        byPlace.set(key, m);
        markers.push(m);
      }
    }
    const lines = (tips[slot] ??= []);
    lines.push(
      `${e.side === 'buy' ? '▲' : '▼'} ${e.algoId} ${e.purpose} ${e.side} ${e.units}/${e.qty} at ${e.realizedSpread ?? '-'}` +
        (e.trigger !== null ? ` (trigger ${e.trigger}, slippage ${e.slippage ?? '-'})` : '') +
        (e.status !== 'completed' || (e.reason && e.reason !== 'filled') ? ` ${e.status}${e.reason ? ` (${e.reason})` : ''}` : ''),
    );
    const legFills = fills.get(e.algoId) ?? [];
    for (const f of legFills.slice(0, 8)) lines.push(`   ${f.symbol} ${f.side} ${f.qty} @ ${f.price}  ${clock(f.at)}${f.liquidity ? ` ${f.liquidity}` : ''}${f.fee !== '0' ? ` fee ${f.fee}` : ''}`);
    if (legFills.length > 8) lines.push(`   … ${legFills.length - 8} more fills (see the CSV export)`);
  }
  markers.sort((x, y) => x.slot - y.slot);
  // The axis prints as many decimals as quotes and triggers have (a realized spread, an average over fills,
  // may have more: its hover text gives it exactly).
  const precision = decimalsOf([...rows.flatMap((r) => [r[1], r[2], r[3], r[4]]), ...Object.values(series.triggers)]);
  const chart: PageChart = {
    id,
    height: 420,
    precision,
    series: [
      { kind: 'line', title: 'spread bid', color: '#1f77b4', width: 2, step: true, hold: true, data: bid },
      { kind: 'line', title: 'spread ask', color: '#ff7f0e', width: 2, step: true, hold: true, data: ask },
      ...(ranged
        ? ([
            { kind: 'line', title: 'highest bid in slot', color: 'rgba(31,119,180,0.45)', width: 1, step: true, style: 1, data: series.spreadSlots.map((r) => [r[0], r[3]]) },
            { kind: 'line', title: 'lowest ask in slot', color: 'rgba(255,127,14,0.5)', width: 1, step: true, style: 1, data: series.spreadSlots.map((r) => [r[0], r[4]]) },
          ] satisfies PageSeries[])
        : []),
    ],
    priceLines,
    markers,
    tips,
  };
  const sw = (c: string, dashed = false): string => `<span class="sw" style="background:${dashed ? `repeating-linear-gradient(90deg,${c} 0 5px,transparent 5px 8px)` : c}"></span>`;
  const legend = [
    `<span>${sw('#1f77b4')}spread bid</span>`,
    `<span>${sw('#ff7f0e')}spread ask</span>`,
    ...(ranged ? [`<span>${sw('rgba(31,119,180,0.45)', true)}${sw('rgba(255,127,14,0.5)', true)}highest bid and lowest ask within each slot (the lines are the last)</span>`] : []),
    ...priceLines.map((p) => `<span>${sw(p.color, true)}${esc(p.title)} ${esc(p.price)}</span>`),
    `<span><b style="color:#2ca02c">▲▼</b> entries, <b style="color:#d62728">▲▼</b> exits${executions.some((e) => e.purpose === 'flatten') ? ', <b style="color:#555">▲▼</b> flatten' : ''}: ▲ bought, ▼ sold the spread, each at the spread price it realized (hover for the leg fills)</span>`,
  ].join('');
  return { chart, legend };
}

function positionChart(id: string, sa: StrategyAnalytics, grid: TimeGrid, to: number): PageChart {
  const points = [...sa.position, { ...sa.position.at(-1)!, at: Math.max(to, sa.position.at(-1)!.at) }];
  const series: PageSeries[] = [{ kind: 'line', title: 'spread units', color: '#222', width: 3, step: true, hold: true, data: toSlots(grid, points.map((p) => [p.at, p.units] as const)) }];
  sa.legs.forEach((symbol, i) => series.push({ kind: 'line', title: `${symbol} lots`, color: LEG_COLORS[i % LEG_COLORS.length]!, width: 1, step: true, hold: true, data: toSlots(grid, points.map((p) => [p.at, p.lots[i]!] as const)) }));
  return { id, height: 200, precision: 0, series };
}

function tripsSection(sa: StrategyAnalytics, ms: (t: number) => string): string {
  const t: TripStats = sa.trips;
  const out: string[] = [];
  out.push(
    `<p>${t.closed} closed (${t.wins} won, ${t.losses} lost; hit rate ${esc(pct(t.hitRate))}; average win ${signed(t.averageWin)}, average loss ${signed(t.averageLoss)}; Σ ${signed(t.closedPnl)}), ` +
      `${t.open} open at the end (marked at the last mids: ${signed(t.openPnl)}); outside round trips ${signed(t.otherPnl)}.</p>`,
  );
  if (sa.roundTrips.length === 0) return out.join('') + '<p>No round trips.</p>';
  out.push('<table><tr><th class="l">direction</th><th>units</th><th class="l">entry</th><th class="l">entered</th><th>at</th><th class="l">exit</th><th class="l">exited</th><th>at</th><th>held</th><th>fees</th><th>PnL</th></tr>');
  for (const r of sa.roundTrips) {
    out.push(
      `<tr><td class="l">${esc(r.direction)}</td><td>${r.units}</td><td class="l">${esc(r.entry.algoId)}</td><td class="l">${esc(ms(r.entry.at))}</td><td>${esc(r.entry.realizedSpread ?? '-')}</td>` +
        `<td class="l">${esc(r.exit?.algoId ?? 'open')}</td><td class="l">${esc(r.exit ? ms(r.exit.at) : 'marked at the end')}</td><td>${esc(r.exit?.realizedSpread ?? '-')}</td>` +
        `<td>${esc(durationText(r.holdingMs))}</td><td>${esc(r.fees)}</td><td>${signed(r.pnl)}</td></tr>`,
    );
  }
  out.push('</table>');
  return out.join('');
}

function slippageSection(x: SlippageStats): string {
  if (x.count === 0) return '<p>No execution with a slippage (none realized a spread against a trigger).</p>';
  const out: string[] = [];
  out.push(`<p>Realized spread against the trigger, in spread points (positive: worse). ${x.count} executions; mean ${esc(x.mean)}, median ${esc(x.median)}, best ${esc(x.best)}, worst ${esc(x.worst)}.</p>`);
  const max = Math.max(...x.buckets.map((b) => b.count));
  out.push('<table><tr><th class="l">slippage</th><th>executions</th><th class="l"></th></tr>');
  for (const b of x.buckets) {
    const label = b.from === b.to ? b.from : `${b.from} to < ${b.to}`;
    out.push(`<tr><td class="l">${esc(label)}</td><td>${b.count}</td><td class="l"><span class="bar" style="width:${Math.round((b.count / max) * 300)}px"></span></td></tr>`);
  }
  out.push('</table>');
  return out.join('');
}

function costsTable(sa: StrategyAnalytics): string {
  const c = sa.costs;
  return (
    '<table><tr><th class="l"></th><th>currency</th></tr>' +
    `<tr><td class="l">gross (fills, open legs marked)</td><td>${esc(sa.gross)}</td></tr>` +
    `<tr><td class="l">fees: maker</td><td>${esc(c.feesMaker)}</td></tr>` +
    `<tr><td class="l">fees: taker</td><td>${esc(c.feesTaker)}</td></tr>` +
    (c.feesUnknown !== '0' ? `<tr><td class="l">fees: liquidity not given</td><td>${esc(c.feesUnknown)}</td></tr>` : '') +
    `<tr><td class="l">funding</td><td>${esc(c.funding)}</td></tr>` +
    `<tr><th class="l">net</th><th>${esc(sa.net)}</th></tr></table>`
  );
}

function dataSection(r: BacktestResult): string {
  const out: string[] = [];
  const costs = summaryCosts(r.summary);
  if (costs.net !== null && r.analytics && !new Decimal(costs.net).eq(r.analytics.net)) out.push(`<p class="note">The engine's summary says net ${esc(costs.net)}; these analytics ${esc(r.analytics.net)}.</p>`);
  out.push('<h2>Data</h2><table><tr><th class="l">file</th><th class="l">format</th><th>rows</th></tr>');
  for (const f of r.data.files) out.push(`<tr><td class="l">${esc(f.path)}</td><td class="l">${esc(f.format)}</td><td>${f.rows}</td></tr>`);
  out.push('</table>');
  out.push(`<p>${r.data.rows} rows read, ${r.data.used} used, ${r.data.oneSided} one-sided; bad rows were ${r.data.policy === 'skip' ? 'skipped' : 'set to stop the run'}.${r.data.trades && r.data.trades.rows > 0 ? ` Trades (used for resting fills): ${r.data.trades.rows} rows read, ${r.data.trades.used} used.` : ''}</p>`);
  out.push('<table><tr><th class="l">bad rows</th><th>count</th><th class="l">first ones</th></tr>');
  for (const k of BAD_KINDS) {
    const b = r.data.bad[k];
    out.push(`<tr><td class="l">${esc(k)}</td><td>${b.count}</td><td class="l">${b.first.map(esc).join('<br>')}</td></tr>`);
  }
  out.push('</table>');
  if (r.data.ignoredFiles.length) out.push(`<p>Ignored files: ${r.data.ignoredFiles.map(esc).join('<br>')}</p>`);
  return out.join('\n');
}
