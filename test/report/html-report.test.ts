import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/backtest/run-backtest.js';
import type { SweepRow } from '../../src/backtest/sweep.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { htmlReport, type PageData } from '../../src/report/html-report.js';
import { heatmap, sweepHtmlReport } from '../../src/report/sweep-report.js';
import { scriptedConfig, scriptedFiles } from './scripted.js';

/** The JSON the page script draws from. */
export function pageData(html: string): PageData {
  const m = /<script type="application\/json" id="legato-data">(.*?)<\/script>/s.exec(html);
  return JSON.parse(m![1]!) as PageData;
}

describe('the HTML report of a backtest', async () => {
  const { data } = scriptedFiles();
  const r = await runBacktest(resolveConfig(scriptedConfig, 'ab'), { data: [data] });
  const html = htmlReport(r, 'UTC', 'scripted');
  const page = pageData(html);
  const chart = (id: string) => page.charts.find((c) => c.id === id)!;

  it('is one file that opens offline: the chart library inlined, nothing fetched', () => {
    const lib = join(dirname(createRequire(import.meta.url).resolve('lightweight-charts/package.json')), 'dist', 'lightweight-charts.standalone.production.js');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain(readFileSync(lib, 'utf8').slice(0, 2000)); // its licence header and the start of the code
    expect(html).not.toMatch(/<(script|img|link|iframe|source|video|audio)\b[^>]*\s(src|href)=/i);
    expect(html).not.toContain('@import');
    expect(html.match(/<script\b/g)).toHaveLength(3); // the library, the data, the page script
    expect(html).toContain('TradingView Lightweight Charts™');
  });

  it('draws every chart on one time grid of 1 s slots (linear in time)', () => {
    expect(page.zone).toBe('UTC');
    expect(page.grid).toEqual({ start: Date.UTC(2026, 0, 5, 9) / 1000, step: 1, slots: 8 });
    expect(page.charts.map((c) => c.id)).toEqual(['chart-equity', 'chart-drawdown', 'chart-spread-0', 'chart-position-0', 'chart-exposure-0']);
    for (const c of page.charts) expect(html).toContain(`<div class="chart" id="${c.id}"></div>`);
  });

  it('equity: the last value of each slot, the drawdown the deepest, the max drawdown’s peak, trough and recovery marked', () => {
    const e = chart('chart-equity');
    expect(e.series.map((s) => [s.title, s.data])).toEqual([['equity', [[0, 0], [1, -20], [2, -60], [3, 40], [4, 120], [5, 200], [6, 240], [7, 280]]]]);
    expect(e.markers).toEqual([
      { slot: 0, price: 0, shape: 'circle', color: '#2ca02c', id: 'dd-peak' },
      { slot: 2, price: -60, shape: 'circle', color: '#d62728', id: 'dd-trough' },
      { slot: 3, price: 0, shape: 'circle', color: '#1f77b4', id: 'dd-recovered' },
    ]);
    expect(e.tips).toEqual({
      0: ['max drawdown peak 0.00 at 2026-01-05 09:00:00.000'],
      2: ['max drawdown trough -60.00 at 2026-01-05 09:00:02.000'],
      3: ['recovered to 0.00 at 2026-01-05 09:00:03.000'],
    });
    expect(chart('chart-drawdown').series.map((s) => [s.kind, s.data])).toEqual([['area', [[0, 0], [1, -20], [2, -60], [3, 0], [4, -40], [5, 0], [6, -40], [7, 0]]]]);
  });

  it('spread: bid and ask, one line per trigger price naming every trigger at it, executions at their realized spread with the leg fills on hover', () => {
    const s = chart('chart-spread-0');
    expect(s.series.map((x) => [x.title, x.data])).toEqual([
      ['spread bid', [[0, 8], [1, 3], [2, 1], [3, 6], [4, 12], [5, 8], [6, 4], [7, 6]]],
      ['spread ask', [[0, 10], [1, 5], [2, 3], [3, 8], [4, 14], [5, 10], [6, 6], [7, 8]]],
    ]);
    expect(s.precision).toBe(0);
    expect(s.priceLines).toEqual([
      { price: 6, title: 'longEntry', color: '#2ca02c' },
      { price: 11, title: 'longExit = shortEntry', color: '#555' },
      { price: 7, title: 'shortExit', color: '#ff9896' },
    ]);
    // Two executions on one side at one price and moment share a mark that counts them.
    expect(s.markers).toEqual([
      { slot: 1, price: 5, shape: 'arrowUp', color: '#2ca02c', id: 'ab/1' },
      { slot: 4, price: 12, shape: 'arrowDown', color: '#555', id: 'ab/2 ab/3', text: '×2' },
      { slot: 6, price: 6, shape: 'arrowUp', color: '#555', id: 'ab/4 ab/5', text: '×2' },
    ]);
    expect(s.tips![1]).toEqual(['▲ ab/1 longEntry buy 2/2 at 5 (trigger 6, slippage -1)', '   A buy 2 @ 104  09:00:01.000 taker', '   B sell 2 @ 99  09:00:01.000 taker']);
    expect(s.tips![4]).toEqual([
      '▼ ab/2 longExit sell 2/2 at 12 (trigger 11, slippage -1)',
      '   A sell 2 @ 112  09:00:04.000 taker',
      '   B buy 2 @ 100  09:00:04.000 taker',
      '▼ ab/3 shortEntry sell 2/2 at 12 (trigger 11, slippage -1)',
      '   A sell 2 @ 112  09:00:04.000 taker',
      '   B buy 2 @ 100  09:00:04.000 taker',
    ]);
  });

  it('position: spread units and each leg’s lots, drawn to the end of the run', () => {
    expect(chart('chart-position-0').series.map((x) => [x.title, x.data])).toEqual([
      ['spread units', [[0, 0], [1, 2], [4, -2], [6, 2], [7, 2]]],
      ['A lots', [[0, 0], [1, 2], [4, -2], [6, 2], [7, 2]]],
      ['B lots', [[0, 0], [1, -2], [4, 2], [6, -2], [7, -2]]],
    ]);
  });

  it('has the figures a trader reads first, the round trips, the slippage distribution and the costs as tables', () => {
    expect(html).toContain('<span class="kpi">net PnL<b><span class="pos">280.00</span></b>');
    expect(html).toContain('<span class="kpi">max drawdown<b>60.00</b><small>3.0 s</small></span>');
    expect(html).toContain('<span class="kpi">hit rate<b>100.0%</b><small>2 won, 0 lost</small></span>');
    expect(html).toContain(
      '<p>Max drawdown <b>60.00</b>: from the peak 0.00 at 2026-01-05 09:00:00.000 to -60.00 at 2026-01-05 09:00:02.000, recovered at 2026-01-05 09:00:03.000: 3.0 s from peak to recovery.',
    );
    expect(html).toContain(
      '<tr><td class="l">long</td><td>2</td><td class="l">ab/5</td><td class="l">2026-01-05 09:00:06.000</td><td>6</td><td class="l">open</td><td class="l">marked at the end</td><td>-</td><td>1.0 s</td><td>0</td><td><span class="pos">20.00</span></td></tr>',
    );
    expect(html).toContain('<tr><td class="l">-1</td><td>4</td><td class="l"><span class="bar" style="width:300px"></span></td></tr>');
    expect(html).toContain('<tr><td class="l">0</td><td>1</td><td class="l"><span class="bar" style="width:75px"></span></td></tr>');
    expect(html).toContain('<tr><th class="l">net</th><th>280</th></tr>');
    expect(html).toContain('<h2>Executions (5)</h2>');
    expect(html.match(/<tr><td class="l">ab\/\d+<\/td><td class="l">taker<\/td>/g)).toHaveLength(5);
    expect(html).toContain('nonPositivePrice');
  });

  it('escapes what it prints and keeps the JSON safe inside its script element', async () => {
    const x = htmlReport({ ...r, summary: { ...r.summary, run: { ...r.summary.run, config: '</script><b>x' } } }, 'UTC', '<t>');
    expect(x).toContain('<title>&lt;t&gt;</title>');
    expect(x).toContain('&lt;/script&gt;&lt;b&gt;x');
    expect(x).not.toContain('</script><b>');
  });
});

describe('the HTML report of a sweep', () => {
  const axes = [
    { key: 'longEntry', values: ['3', '5'] },
    { key: 'longExit', values: ['11', '13'] },
  ];
  const row = (longEntry: string, longExit: string, pnl: string | null, notionalSeconds: string, error?: string): SweepRow => ({
    params: { longEntry, longExit },
    executions: 1,
    units: 2,
    pnl,
    maxNakedNotional: '2250.00',
    nakedNotionalSeconds: notionalSeconds,
    meanSlippage: '0',
    ...(error ? { error } : {}),
  });
  const rows = [row('3', '11', '180.00', '90.000'), row('3', '13', '-80.00', '0.000'), row('5', '11', '140.00', '45.000'), row('5', '13', null, '0', 'bad config')];

  it('a heatmap per metric over the two swept parameters: rows × columns, coloured by value', () => {
    expect(heatmap(rows, axes, 'pnl')).toBe(
      '<table class="heat" data-metric="pnl"><tr><th class="l">longEntry ↓ \\ longExit →</th><th>11</th><th>13</th></tr>' +
        '<tr><th>3</th><td data-y="3" data-x="11" style="background:rgba(26,127,55,0.90)" title="PnL 180.00">180.00</td>' +
        '<td data-y="3" data-x="13" style="background:rgba(207,34,46,0.47)" title="PnL -80.00">-80.00</td></tr>' +
        '<tr><th>5</th><td data-y="5" data-x="11" style="background:rgba(26,127,55,0.73)" title="PnL 140.00">140.00</td>' +
        '<td data-y="5" data-x="13" style="background:#ddd" title="bad config">error</td></tr></table>',
    );
    expect(heatmap(rows, axes, 'exposure')).toContain('<td data-y="5" data-x="11" style="background:rgba(255,127,14,0.51)" title="naked notional·s 45.000">45.000</td>');
    expect(heatmap(rows, axes, 'exposure')).toContain('<td data-y="3" data-x="13" style="background:#fff" title="naked notional·s 0.000">0.000</td>');
  });

  it('with a third parameter, each cell is the best run over it, and says which', () => {
    const three = [...axes, { key: 'payupTicks', values: ['0', '1'] }];
    const r3 = rows.flatMap((r) => [
      { ...r, params: { ...r.params, payupTicks: '0' } },
      { ...r, params: { ...r.params, payupTicks: '1' }, pnl: r.pnl === '180.00' ? '200.00' : r.pnl },
    ]);
    const h = heatmap(r3, three, 'pnl');
    expect(h).toContain('<td data-y="3" data-x="11" style="background:rgba(26,127,55,0.90)" title="best over payupTicks: payupTicks=1">200.00<br><small>1</small></td>');
    expect(h).toContain('<td data-y="5" data-x="11" style="background:rgba(26,127,55,0.67)" title="best over payupTicks: payupTicks=0">140.00<br><small>0</small></td>');
  });

  it('is a page with both heatmaps and the table of every run, no scripts', () => {
    const page = sweepHtmlReport(rows, axes, { config: 'ab.yaml', data: ['ab.csv'], sortedBy: 'pnl' });
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page).not.toContain('<script');
    expect(page.match(/<table class="heat" data-metric="(\w+)">/g)).toEqual(['<table class="heat" data-metric="pnl">', '<table class="heat" data-metric="exposure">']);
    expect(page).toContain('<p class="neg">1 of 4 runs failed (grey cells; the reason is in the table and on hover).</p>');
    expect(page).toContain('<tr><td>1</td><td>3</td><td>11</td><td>1</td><td>2</td><td>180.00</td><td>2250.00</td><td>90.000</td><td>0</td><td class="l"></td></tr>');
  });
});
