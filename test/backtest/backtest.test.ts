import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/backtest/run-backtest.js';
import { main } from '../../src/cli/main.js';
import { loadConfigFile, resolveConfig } from '../../src/config/resolve.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { demoConfig } from '../../src/config/demo.js';
import { DataError } from '../../src/data/load.js';
import { ConfigErrors } from '../../src/domain/errors.js';
import { htmlReport } from '../../src/report/html-report.js';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

/** A replay config: S = A − B, buy at 6 or below, sell at 11 or above, 2 units. */
const replayConfig: ConfigInput = {
  venue: {
    kind: 'replay',
    latencyMs: 0,
    instruments: [
      { symbol: 'A', tickSize: '1', lotSize: '1' },
      { symbol: 'B', tickSize: '1', lotSize: '1' },
    ],
  },
  strategies: [
    {
      name: 'ab',
      legs: [
        { symbol: 'A', tickSize: '1', lotSize: '1', priceMultiplier: '1', tradingMultiplier: 1, contractMultiplier: '10' },
        { symbol: 'B', tickSize: '1', lotSize: '1', priceMultiplier: '-1', tradingMultiplier: -1, contractMultiplier: '10' },
      ],
      triggers: { longEntry: '6', longExit: '11' },
      target: 2,
      session: { closingLeadSeconds: 0 },
    },
  ],
};

/**
 * One row per leg per second: B stays at 99/100; A moves so that the spread (A − B) is bid/ask
 * 8/10, 3/5 (buy at 5), 6/8, 12/14 (sell at 12), 8/10.
 */
function writeData(dir: string, extra = ''): string {
  const file = join(dir, 'ab.csv');
  const asks = [109, 104, 107, 113, 109];
  const lines = ['ts,symbol,bid,bid_size,ask,ask_size'];
  asks.forEach((ask, i) => {
    const t = T0 + i * 1000;
    lines.push(`${t},B,99,50,100,50`);
    lines.push(`${t},A,${ask - 1},50,${ask},50`);
  });
  writeFileSync(file, lines.join('\n') + '\n' + extra);
  return file;
}

describe('backtest: the same engine over recorded quotes', () => {
  it('buys the spread when its ask reaches the long entry and sells at the long exit, filling each leg against its recorded book', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'legato-bt-'));
    const r = await runBacktest(resolveConfig(replayConfig, 'ab'), { data: [writeData(dir)] });
    expect(r.summary.executions.map((e) => [e.purpose, e.status, e.units, e.realizedSpread, e.legs.map((l) => `${l.lots}@${l.avgPrice}`).join(' ')])).toEqual([
      ['longEntry', 'completed', 2, '5', '2@104 -2@99'],
      ['longExit', 'completed', 2, '12', '-2@112 2@100'],
    ]);
    // (12 − 5) spread points × 2 units × 10 per point.
    expect(r.summary.pnl).toBe('140.00');
    expect(r.summary.strategies[0]!.spreadPosition).toBe(0);
    expect(r.data).toMatchObject({ rows: 10, used: 10, from: new Date(T0).toISOString(), to: new Date(T0 + 4000).toISOString() });
    expect(r.series[0]!.fills).toHaveLength(4);
    // B and A are stamped alike: the first view comes once both rows of T0 are applied (8/10), never B alone.
    expect(r.series[0]!.spread.slice(0, 2)).toEqual([
      [T0, 8, 10],
      [T0 + 1000, 3, 5],
    ]);
  });

  it('applies the rows of one timestamp together: a spread that existed only between two legs’ rows stamped alike is never acted on', async () => {
    // At T0 + 1 s both legs move by 5: A alone against the old B would ask 104 − 99 = 5 (a buy at the long
    // entry, 6); after both rows the spread is still 8/10. Moved 1 ms apart, the 5 is real for 1 ms and is bought.
    const rows = (bAt: number) =>
      ['ts,symbol,bid,bid_size,ask,ask_size', `${T0},B,99,50,100,50`, `${T0},A,108,50,109,50`, `${T0 + 1000},A,103,50,104,50`, `${T0 + bAt},B,94,50,95,50`, `${T0 + 5000},A,103,50,104,50`].join('\n') + '\n';
    const dir = mkdtempSync(join(tmpdir(), 'legato-bt-'));
    writeFileSync(join(dir, 'alike.csv'), rows(1000));
    writeFileSync(join(dir, 'apart.csv'), rows(1001));
    const alike = await runBacktest(resolveConfig(replayConfig, 'ab'), { data: [join(dir, 'alike.csv')] });
    expect(alike.summary.executions).toEqual([]);
    expect(alike.summary.counts.orders).toBe(0);
    expect(alike.series[0]!.spread).toEqual([[T0, 8, 10]]);
    const apart = await runBacktest(resolveConfig(replayConfig, 'ab'), { data: [join(dir, 'apart.csv')] });
    expect(apart.summary.executions.map((e) => [e.purpose, e.startedAt - T0])).toEqual([['longEntry', 1000]]);
  });

  it('is deterministic: the same data and config give the same summary', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'legato-bt-'));
    const file = writeData(dir);
    const a = await runBacktest(resolveConfig(replayConfig, 'ab'), { data: [file] });
    const b = await runBacktest(resolveConfig(replayConfig, 'ab'), { data: [file] });
    expect(JSON.stringify(b.summary)).toBe(JSON.stringify(a.summary));
  });

  it('skips bad rows and reports them, or stops at the first with --bad-data stop', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'legato-bt-'));
    const file = writeData(dir, `${T0 + 5000},A,NaN,1,110,1\n${T0 + 6000},A,0,1,110,1\n${T0 + 7000},C,1,1,2,1\n`);
    const r = await runBacktest(resolveConfig(replayConfig, 'ab'), { data: [file] });
    expect([r.data.bad.nan.count, r.data.bad.nonPositivePrice.count, r.data.bad.unknownSymbol.count]).toEqual([1, 1, 1]);
    expect(r.data.bad.nan.first).toEqual([`${file}:12: bid is NaN`]);
    expect(r.summary.executions).toHaveLength(2);
    const stop = await runBacktest(resolveConfig(replayConfig, 'ab'), { data: [file], badData: 'stop' }).catch((e: unknown) => e);
    expect(stop).toBeInstanceOf(DataError);
    expect((stop as DataError).message).toBe(`bad data at ${file}:12: bid is NaN (nan); --bad-data skip would skip such rows`);
  });

  it('refuses a config whose venue is not a replay', async () => {
    const e = await runBacktest(resolveConfig(demoConfig, 'demo'), { data: ['/nowhere'] }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConfigErrors);
    expect((e as ConfigErrors).errors[0]!.message).toBe('venue.kind: must be "replay" for a backtest (the recorded quotes replace the simulated market) (got "simulated")');
  });

  it('writes a self-contained HTML report: the charting library inline, the executions and the data report, nothing to fetch', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'legato-bt-'));
    const r = await runBacktest(resolveConfig(replayConfig, 'ab'), { data: [writeData(dir)] });
    const html = htmlReport(r, 'UTC');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    // Nothing is loaded from anywhere: every script is inline, no source or link points out.
    expect(html).not.toMatch(/\s(src|href)=["']?(https?:|\/\/|[\w.-]+\.(js|css))/);
    expect(html).not.toMatch(/<script[^>]*\ssrc=/);
    expect(html).toContain('<h2>Executions (2)</h2>');
    const executions = html.slice(html.indexOf('<h2>Executions (2)</h2>'), html.indexOf('<h2>', html.indexOf('<h2>Executions (2)</h2>') + 4));
    expect(executions.match(/<td class="l">ab\/\d+<\/td>/g)).toEqual(['<td class="l">ab/1</td>', '<td class="l">ab/2</td>']);
    expect(html).toContain('longEntry');
    expect(html).toContain('nonPositivePrice');
  });

  it('the CLI prints the report, writes HTML, and exits 2 on bad input', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'legato-bt-'));
    const data = writeData(dir);
    const cfg = join(dir, 'ab.json');
    writeFileSync(cfg, JSON.stringify(replayConfig));
    const html = join(dir, 'report.html');
    const run = async (args: string[]) => {
      let out = '';
      let err = '';
      const sink = (f: (s: string) => void) => new Writable({ write: (c, _e, cb) => (f(String(c)), cb()) });
      const code = await main(args, { out: sink((s) => (out += s)), err: sink((s) => (err += s)) });
      return { code, out, err };
    };
    const ok = await run(['backtest', '--config', cfg, '--data', data, '--json', '--html', html]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out).summary.pnl).toBe('140.00');
    expect(existsSync(html)).toBe(true);
    expect(ok.err).toContain(`legato: wrote ${html}`);
    expect(ok.err).not.toContain('['); // no progress bar when stderr is not a terminal
    const human = await run(['backtest', '--config', cfg, '--data', data]);
    expect(human.out).toContain('Executions (2)');
    expect(human.out).toContain('Data: 1 file(s), 10 rows read, 10 used (0 one-sided)');
    expect((await run(['backtest', '--config', cfg])).code).toBe(2);
    expect((await run(['backtest', '--config', cfg, '--data', join(dir, 'missing.csv')])).err).toContain('no such file or folder');
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, `ts,symbol,bid,bid_size,ask,ask_size\n${T0},A,5,1,4,1\n`);
    const stopped = await run(['backtest', '--config', cfg, '--data', bad, '--bad-data', 'stop']);
    expect(stopped.code).toBe(2);
    expect(stopped.err).toContain(`bad data at ${bad}:2: bid 5 ≥ ask 4 (crossed)`);
  });
});

const shared = '../shared/data';
describe.skipIf(!existsSync(shared))('backtests over the real recorded data in ../shared/data (skipped, saying so, when that folder is absent)', () => {
  it('the CME E-mini calendar spread: the absurd 2013-10-08 back-month quotes are skipped as too wide, and the run is pinned', async () => {
    const r = await runBacktest(loadConfigFile('examples/backtest-cme-calendar.yaml'), { data: [`${shared}/cme-es-calendar-2013-10`] });
    expect(r.data.bad.wide.count).toBe(4);
    expect(r.data.bad.wide.first.filter((f) => f.includes('20131008_es_minute_quote_201403.csv.gz:120'))).toEqual([
      `${shared}/cme-es-calendar-2013-10/20131008_es_minute_quote_201403.csv.gz:1203: bid 1638.5 / ask 1650.25 is 47 ticks wide, more than maxWidthTicks 20`,
      `${shared}/cme-es-calendar-2013-10/20131008_es_minute_quote_201403.csv.gz:1204: bid 1637.5 / ask 1655.75 is 73 ticks wide, more than maxWidthTicks 20`,
    ]);
    expect(r.data.used).toBe(13327);
    // Both legs' bars are stamped alike. Applied together, no instant of the six days shows a spread ask below
    // 6.25, so neither the short exit (5) nor the long entry (3.5) is ever reached: the short entered on the
    // first bid at 6.5 is held to the end. (It made 14 executions, every short exit at 6.75-7, when the engine
    // decided between the front month's new bar and the back month's old one.) The hedge buy rests at 1671
    // inside the 1670.75/1671.25 book and fills when the next bar's ask comes down to 1670.75.
    expect(r.summary.executions.map((e) => [e.purpose, e.status, e.units, e.realizedSpread, e.legs.map((l) => `${l.lots}@${l.avgPrice}`).join(' ')])).toEqual([
      ['shortEntry', 'completed', 2, '6.75', '-2@1677.75 2@1671'],
    ]);
    for (const e of r.summary.executions) expect(e.residualLots).toEqual([0, 0]);
    // Marked at the last mids: (6.75 − 6.875) × 2 × 50 = −12.50, less 9.00 of fees.
    expect(r.summary.pnl).toBe('-21.50');
  });

  it('the Binance BTC basis (USD-M perpetual − spot): both markets are told apart and every execution ends balanced', async () => {
    const r = await runBacktest(loadConfigFile('examples/backtest-binance-basis.yaml'), { data: [`${shared}/binance-btc-2024-08`] });
    expect(r.data.symbols).toEqual({ 'spot:BTCUSDT': 73174, 'usdm:BTCUSDT': 66089 });
    expect(r.data.bad.unknownSymbol.count).toBe(48355); // the coin-margined perpetual is not traded here
    expect(r.summary.executions.length).toBeGreaterThan(20);
    for (const e of r.summary.executions) expect(e.residualLots).toEqual([0, 0]);
    expect(r.summary.errors).toEqual([]);
  });
});

describe('sweeps', () => {
  it('parses ranges and lists, and names a bad argument', async () => {
    const { parseSweep } = await import('../../src/backtest/sweep.js');
    expect(parseSweep(['longEntry=4:6:0.5', 'hedge.crossAfterMs=500,2000'])).toEqual([
      { key: 'longEntry', values: ['4', '4.5', '5', '5.5', '6'] },
      { key: 'hedge.crossAfterMs', values: ['500', '2000'] },
    ]);
    expect(() => parseSweep(['entry=1,2'])).toThrow(/^--sweep\[0\]: unknown parameter entry; one of longEntry/);
    expect(() => parseSweep(['payupTicks=0.5'])).toThrow('--sweep[0]: payupTicks takes whole numbers (got "0.5")');
    expect(() => parseSweep(['longEntry=6:4:1'])).toThrow('--sweep[0]: the range must not run backwards (got "longEntry=6:4:1")');
  });

  it('runs every combination, in this thread or on worker threads with the same results, and sorts them', async () => {
    const { runSweep, parseSweep, sortRows } = await import('../../src/backtest/sweep.js');
    const dir = mkdtempSync(join(tmpdir(), 'legato-sweep-'));
    const data = writeData(dir);
    const axes = parseSweep(['longEntry=4,5,6', 'longExit=12,13']);
    const inline = await runSweep(replayConfig, 'ab', axes, { data: [data], workers: 0 });
    const threads = await runSweep(replayConfig, 'ab', axes, { data: [data], workers: 2 });
    expect(threads).toEqual(inline);
    // Buying needs a spread ask ≤ the entry (5 is the lowest ask); selling needs a bid ≥ the exit (12 is the
    // highest bid). With an exit at 13 the position is still open at the end, marked at the last mid (9): +80.
    expect(inline.map((r) => `${r.params.longEntry}/${r.params.longExit}: ${r.executions} ${r.pnl}`)).toEqual([
      '4/12: 0 0.00',
      '4/13: 0 0.00',
      '5/12: 2 140.00',
      '5/13: 1 80.00',
      '6/12: 2 140.00',
      '6/13: 1 80.00',
    ]);
    expect(sortRows(inline, 'pnl').map((r) => r.pnl)).toEqual(['140.00', '140.00', '80.00', '80.00', '0.00', '0.00']);
    expect(sortRows(inline, 'exposure').map((r) => r.nakedNotionalSeconds)).toEqual(['0.000', '0.000', '0.000', '0.000', '0.000', '0.000']);
  });
});

describe('venue capability checks: every leg has quotes in the data before the run starts', () => {
  /** The replay config with leg 1 on C: the venue lists C, but the data (writeData) has only A and B. */
  const noDataConfig: ConfigInput = {
    ...replayConfig,
    venue: { ...replayConfig.venue, instruments: [...replayConfig.venue.instruments, { symbol: 'C', tickSize: '1', lotSize: '1' }] },
    strategies: [{ ...replayConfig.strategies[0]!, legs: [replayConfig.strategies[0]!.legs[0]!, { ...replayConfig.strategies[0]!.legs[1]!, symbol: 'C' }] }],
  };

  it('runBacktest refuses a leg without quotes, naming the strategy, the leg, the symbol and the data', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'legato-bt-'));
    const file = writeData(dir);
    const e = await runBacktest(resolveConfig(noDataConfig, 'nodata.yaml'), { data: [file] }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConfigErrors);
    expect((e as ConfigErrors).errors.map((x) => x.path)).toEqual(['strategies[0].legs[1].symbol']);
    expect((e as ConfigErrors).message).toBe(`invalid configuration in nodata.yaml:\n  - strategies[0].legs[1].symbol: leg 1 of strategy "ab": C has no quotes in the data (${file})`);
  });

  it('a sweep refuses every combination with the same error', async () => {
    const { runSweep, parseSweep } = await import('../../src/backtest/sweep.js');
    const dir = mkdtempSync(join(tmpdir(), 'legato-sweep-'));
    const file = writeData(dir);
    const rows = await runSweep(noDataConfig, 'nodata.yaml', parseSweep(['longEntry=5,6']), { data: [file], workers: 0 });
    expect(rows.map((r) => [r.params.longEntry, r.executions, r.error])).toEqual([
      ['5', 0, `strategies[0].legs[1].symbol: leg 1 of strategy "ab": C has no quotes in the data (${file})`],
      ['6', 0, `strategies[0].legs[1].symbol: leg 1 of strategy "ab": C has no quotes in the data (${file})`],
    ]);
  });

  it('`legato backtest` prints the named error without a stack trace and exits 2, before anything runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'legato-bt-'));
    writeData(dir);
    const cfg = join(dir, 'nodata.json');
    writeFileSync(cfg, JSON.stringify(noDataConfig));
    let out = '';
    let err = '';
    const sink = (f: (s: string) => void) => new Writable({ write: (c, _e, cb) => (f(String(c)), cb()) });
    const code = await main(['backtest', '--config', cfg, '--data', dir], { out: sink((s) => (out += s)), err: sink((s) => (err += s)) });
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe(`legato: invalid configuration in ${cfg}:\n  - strategies[0].legs[1].symbol: leg 1 of strategy "ab": C has no quotes in the data (${dir})\n`);
  });
});
