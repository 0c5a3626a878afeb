import { describe, it, expect } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { BAD_KINDS, DataError, loadQuotes, type BadKind, type DataReport, type LoadOptions } from '../../src/data/load.js';
import type { QuoteTable } from '../../src/data/quote-table.js';
import type { TradeTable } from '../../src/data/trade-table.js';

const HEADER = 'ts,symbol,bid,bid_size,ask,ask_size';

/** A fresh temporary folder for one test. */
const tempDir = (): string => mkdtempSync(join(tmpdir(), 'legato-data-'));

/** Writes `text` (gzipped when asked) as `name` in `dir` (a fresh folder by default) and returns its path. */
function write(name: string, text: string, { dir = tempDir(), gzip = false }: { dir?: string; gzip?: boolean } = {}): string {
  const path = join(dir, name);
  writeFileSync(path, gzip ? gzipSync(Buffer.from(text, 'utf8')) : text);
  return path;
}

/** A generic CSV file: the header, then one line per row. */
const csv = (...rows: string[]): string => [HEADER, ...rows].join('\n') + '\n';

type Instruments = Record<string, { tickSize: number; maxWidthTicks?: number }>;
/** A: tick 0.25, B: tick 0.5, no width limit. */
const AB: Instruments = { A: { tickSize: 0.25 }, B: { tickSize: 0.5 } };

function load(paths: string[], options: Partial<Omit<LoadOptions, 'instruments'>> & { instruments?: Instruments } = {}): { table: QuoteTable; trades: TradeTable; report: DataReport } {
  const { instruments = AB, ...rest } = options;
  return loadQuotes(paths, { timeZone: 'UTC', badData: 'skip', ...rest, instruments: new Map(Object.entries(instruments)) });
}

interface Quote {
  ts: number;
  symbol: string;
  bid: number;
  bidSize: number;
  ask: number;
  askSize: number;
}
const q = (ts: number, symbol: string, bid: number, bidSize: number, ask: number, askSize: number): Quote => ({ ts, symbol, bid, bidSize, ask, askSize });

/** The table's rows as plain objects, in table order. */
function rows(table: QuoteTable): Quote[] {
  return Array.from({ length: table.length }, (_, i) => q(table.ts[i]!, table.symbols[table.sym[i]!]!, table.bid[i]!, table.bidSize[i]!, table.ask[i]!, table.askSize[i]!));
}

interface Trade {
  ts: number;
  symbol: string;
  low: number;
  high: number;
  volume: number;
}
const tr = (ts: number, symbol: string, low: number, high: number, volume: number): Trade => ({ ts, symbol, low, high, volume });

/** The trade table's rows as plain objects, in table order. */
function tradeRows(trades: TradeTable): Trade[] {
  return Array.from({ length: trades.length }, (_, i) => tr(trades.ts[i]!, trades.symbols[trades.sym[i]!]!, trades.low[i]!, trades.high[i]!, trades.volume[i]!));
}

/** report.bad with every kind at zero, except the kinds given. */
function bad(kinds: Partial<Record<BadKind, { count: number; first: string[] }>> = {}): DataReport['bad'] {
  return Object.fromEntries(BAD_KINDS.map((k) => [k, kinds[k] ?? { count: 0, first: [] }])) as DataReport['bad'];
}

/** Only the kinds with a count, for compact assertions. */
const badSeen = (report: DataReport): Partial<DataReport['bad']> => Object.fromEntries(Object.entries(report.bad).filter(([, b]) => b.count > 0));

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

/** The message of the DataError `f` throws (anything else fails the test). */
function message(f: () => unknown): string {
  const e = thrown(f);
  expect(e).toBeInstanceOf(DataError);
  return (e as DataError).message;
}

const T0 = Date.UTC(2026, 10, 24, 1, 0, 0); // 2026-11-24T01:00:00Z

describe('loadQuotes: generic CSV (ts, symbol, bid, bid_size, ask, ask_size)', () => {
  it('reads epoch-ms timestamps, symbols, prices and sizes; the report lists the file as csv with its row count', () => {
    const path = write('quotes.csv', csv(`${T0},A,100,7,100.25,9`, `${T0 + 500},B,50,4,50.5,12`, `${T0 + 1000},A,100.25,1,100.5,2`));
    const { table, report } = load([path]);
    expect(rows(table)).toEqual([q(T0, 'A', 100, 7, 100.25, 9), q(T0 + 500, 'B', 50, 4, 50.5, 12), q(T0 + 1000, 'A', 100.25, 1, 100.5, 2)]);
    expect(report).toEqual({
      files: [{ path, format: 'csv', rows: 3 }],
      ignoredFiles: [],
      rows: 3,
      used: 3,
      oneSided: 0,
      from: '2026-11-24T01:00:00.000Z',
      to: '2026-11-24T01:00:01.000Z',
      symbols: { A: 2, B: 1 },
      trades: { rows: 0, used: 0, symbols: {} },
      bad: bad(),
      policy: 'skip',
    });
  });

  it('an ISO timestamp with an offset (+08:00 or Z) is taken as written, whatever timeZone says', () => {
    const path = write('iso.csv', csv('2026-11-24T09:00:00+08:00,A,100,1,100.25,1', '2026-11-24T01:00:00.250Z,A,100,1,100.25,1'));
    const { table } = load([path], { timeZone: 'America/New_York' });
    expect(Array.from(table.ts.subarray(0, table.length))).toEqual([T0, T0 + 250]);
  });

  it("an ISO timestamp without an offset is read in timeZone: '2026-11-24T09:00:00' in Asia/Shanghai is 2026-11-24T01:00:00Z", () => {
    const path = write('local.csv', csv('2026-11-24T09:00:00,A,100,1,100.25,1'));
    const { table, report } = load([path], { timeZone: 'Asia/Shanghai' });
    expect(table.ts[0]).toBe(T0);
    expect(report.from).toBe('2026-11-24T01:00:00.000Z');
  });

  it('an ISO timestamp without an offset follows daylight saving in timeZone: 09:30 New York is 13:30Z in July, 14:30Z in December', () => {
    const path = write('dst.csv', csv('2026-07-01T09:30:00,A,100,1,100.25,1', '2026-12-01T09:30:00,A,100,1,100.25,1'));
    const { table } = load([path], { timeZone: 'America/New_York' });
    expect(Array.from(table.ts.subarray(0, table.length))).toEqual([Date.UTC(2026, 6, 1, 13, 30), Date.UTC(2026, 11, 1, 14, 30)]);
  });

  it('CRLF line endings read like LF: the last field is a number, not "3\\r"', () => {
    const path = write('crlf.csv', [HEADER, `${T0},A,100,7,100.25,3`, `${T0 + 1},B,50,4,50.5,12`].join('\r\n') + '\r\n');
    const { table, report } = load([path]);
    expect(rows(table)).toEqual([q(T0, 'A', 100, 7, 100.25, 3), q(T0 + 1, 'B', 50, 4, 50.5, 12)]);
    expect(report.rows).toBe(2);
    expect(report.bad).toEqual(bad());
  });

  it('gzip is detected by its magic bytes: a gzipped file named .csv and one named .csv.gz both read', () => {
    const dir = tempDir();
    const plainName = write('a.csv', csv(`${T0},A,100,1,100.25,2`), { dir, gzip: true });
    const gzName = write('b.csv.gz', csv(`${T0 + 1},B,50,3,50.5,4`), { dir, gzip: true });
    const { table, report } = load([plainName, gzName]);
    expect(rows(table)).toEqual([q(T0, 'A', 100, 1, 100.25, 2), q(T0 + 1, 'B', 50, 3, 50.5, 4)]);
    expect(report.files).toEqual([
      { path: plainName, format: 'csv', rows: 1 },
      { path: gzName, format: 'csv', rows: 1 },
    ]);
  });

  it('an empty side (empty price and size, or size 0) is a one-sided quote with price and size 0, counted in oneSided, not bad', () => {
    const path = write('one-sided.csv', csv(`${T0},A,,,100.25,3`, `${T0 + 1},A,100,5,,`, `${T0 + 2},A,100,0,100.25,3`, `${T0 + 3},A,100,5,100.25,3`));
    const { table, report } = load([path]);
    expect(rows(table)).toEqual([
      q(T0, 'A', 0, 0, 100.25, 3),
      q(T0 + 1, 'A', 100, 5, 0, 0),
      q(T0 + 2, 'A', 0, 0, 100.25, 3),
      q(T0 + 3, 'A', 100, 5, 100.25, 3),
    ]);
    expect(report.oneSided).toBe(3);
    expect(report.used).toBe(4);
    expect(report.bad).toEqual(bad());
  });

  it('a header missing columns is a DataError naming the file and the missing columns', () => {
    const path = write('no-sizes.csv', 'ts,symbol,bid,ask\n1000,A,100,100.25\n');
    const e = thrown(() => load([path]));
    expect(e).toBeInstanceOf(DataError);
    expect((e as DataError).message).toBe(`${path}: not a data file Legato knows: the header lacks bid_size, ask_size (expected ts, symbol, bid, bid_size, ask, ask_size)`);
  });
});

describe('loadQuotes: JSONL (ts, symbol, bid, bidSize, ask, askSize)', () => {
  it('reads one object per line, ts as epoch ms or ISO; a null side is one-sided; the report lists the file as jsonl', () => {
    const path = write(
      'quotes.jsonl',
      [
        JSON.stringify({ ts: T0, symbol: 'A', bid: 100, bidSize: 7, ask: 100.25, askSize: 9 }),
        JSON.stringify({ ts: '2026-11-24T09:00:01', symbol: 'B', bid: '50', bidSize: '4', ask: '50.5', askSize: '12' }),
        JSON.stringify({ ts: T0 + 2000, symbol: 'A', bid: null, bidSize: null, ask: 100.5, askSize: 2 }),
      ].join('\n') + '\n',
    );
    const { table, report } = load([path], { timeZone: 'Asia/Shanghai' });
    expect(rows(table)).toEqual([q(T0, 'A', 100, 7, 100.25, 9), q(T0 + 1000, 'B', 50, 4, 50.5, 12), q(T0 + 2000, 'A', 0, 0, 100.5, 2)]);
    expect(report.files).toEqual([{ path, format: 'jsonl', rows: 3 }]);
    expect(report.oneSided).toBe(1);
    expect(report.symbols).toEqual({ A: 2, B: 1 });
  });

  it('a line that is not JSON is malformed at its line number (blank lines count) and the other lines are read', () => {
    const good = (ts: number): string => JSON.stringify({ ts, symbol: 'A', bid: 100, bidSize: 1, ask: 100.25, askSize: 1 });
    const path = write('broken.jsonl', [good(T0), '', '{"ts": 1, "symbol": "A", bid', good(T0 + 1)].join('\n') + '\n');
    const { table, report } = load([path]);
    expect(Array.from(table.ts.subarray(0, table.length))).toEqual([T0, T0 + 1]);
    expect(report.rows).toBe(3);
    expect(report.used).toBe(2);
    expect(report.bad).toEqual(bad({ malformed: { count: 1, first: [`${path}:3: not valid JSON`] } }));
  });
});

describe('loadQuotes: Binance bookTicker', () => {
  const BOOK = 'local_ts_ns,exch_event_ts_ms,exch_txn_ts_ms,update_id,symbol,bid_px,bid_qty,ask_px,ask_qty';
  const instruments: Instruments = { 'spot:BTCUSDT': { tickSize: 0.01 }, 'usdm:BTCUSDT': { tickSize: 0.1 }, 'cm:BTCUSD_PERP': { tickSize: 0.1 } };

  it('prefixes the symbol with the market of the file name (spot:, usdm:, cm:) and times rows by local_ts_ns / 1e6', () => {
    const dir = tempDir();
    const spot = write('spot_btcusdt_20240808_bookTicker.csv', `${BOOK}\n1723161254087891268,,,50093239212,BTCUSDT,61837.63000000,3.78826000,61837.64000000,1.54698000\n`, { dir });
    const usdm = write('usdm_btcusdt_20240808_bookTicker.csv', `${BOOK}\n1723161255088169167,1723161256313,1723161256313,5123107839020,BTCUSDT,61800.20,2.507,61800.30,2.510\n`, { dir });
    const cm = write('cm_btcusd_perp_20240808_bookTicker.csv.gz', `${BOOK}\n1723161256207640365,1723161257476,1723161257465,1007198632021,BTCUSD_PERP,61804.7,35,61804.8,1645\n`, { dir, gzip: true });
    const { table, report } = load([dir], { instruments });
    expect(rows(table)).toEqual([
      q(Number('1723161254087891268') / 1e6, 'spot:BTCUSDT', 61837.63, 3.78826, 61837.64, 1.54698),
      q(Number('1723161255088169167') / 1e6, 'usdm:BTCUSDT', 61800.2, 2.507, 61800.3, 2.51),
      q(Number('1723161256207640365') / 1e6, 'cm:BTCUSD_PERP', 61804.7, 35, 61804.8, 1645),
    ]);
    expect(report.files).toEqual([
      { path: cm, format: 'binance-bookticker', rows: 1 },
      { path: spot, format: 'binance-bookticker', rows: 1 },
      { path: usdm, format: 'binance-bookticker', rows: 1 },
    ]);
    expect(report.from).toBe('2024-08-08T23:54:14.087Z');
    expect(report.to).toBe('2024-08-08T23:54:16.207Z');
    expect(report.symbols).toEqual({ 'cm:BTCUSD_PERP': 1, 'spot:BTCUSDT': 1, 'usdm:BTCUSDT': 1 });
  });
});

describe('loadQuotes: LEAN minute quote bars', () => {
  const ES: Instruments = { ES201312: { tickSize: 0.25 } };
  const DAY = Date.UTC(2013, 9, 8);

  it('symbol is ROOT + contract (ES201312); the quote is the bar close (bid C, last bid size, ask C, last ask size) at day + ms + 1 minute', () => {
    const path = write(
      '20131008_es_minute_quote_201312.csv',
      ['68400000,1681,1682,1680.75,1681.5,5,1681.75,1682.5,1681.25,1682,19', '79140000,,,,,0,1647,1655.75,1642.75,1642.75,370'].join('\n') + '\n',
    );
    const { table, report } = load([path], { instruments: ES });
    expect(rows(table)).toEqual([q(DAY + 68_400_000 + 60_000, 'ES201312', 1681.5, 5, 1682, 19), q(DAY + 79_140_000 + 60_000, 'ES201312', 0, 0, 1642.75, 370)]);
    expect(new Date(table.ts[0]!).toISOString()).toBe('2013-10-08T19:01:00.000Z');
    expect(report.files).toEqual([{ path, format: 'lean-minute-quote', rows: 2 }]);
    expect(report.oneSided).toBe(1);
  });

  it('a gzipped .csv.gz quote file reads the same', () => {
    const path = write('20131008_es_minute_quote_201312.csv.gz', '68400000,1681,1682,1680.75,1681.5,5,1681.75,1682.5,1681.25,1682,19\n', { gzip: true });
    const { table } = load([path], { instruments: ES });
    expect(rows(table)).toEqual([q(DAY + 68_460_000, 'ES201312', 1681.5, 5, 1682, 19)]);
  });

  it('a line without 11 fields is malformed', () => {
    const path = write('20131008_es_minute_quote_201312.csv', '68400000,1681,1682,1680.75,1681.5,5\n');
    const { report } = load([path], { instruments: ES });
    expect(report.bad.malformed).toEqual({ count: 1, first: [`${path}:1: 6 fields, expected 11`] });
  });
});

describe('loadQuotes: LEAN minute trade bars (issue 13)', () => {
  const ES: Instruments = { ES201312: { tickSize: 0.25 }, ES201403: { tickSize: 0.25 } };
  const DAY = Date.UTC(2013, 9, 8);
  /** The bar starting at 19:mm UTC on 2013-10-08, as its end time (the time the loader gives it). */
  const end = (mm: number): number => DAY + (19 * 60 + mm + 1) * 60_000;

  it('a trade bar is a trade row at the bar end (day + ms + 1 minute) with its low, high and volume; a zero-volume bar is passed over; files merge by time, stably', () => {
    const dir = tempDir();
    const quote = write('20131008_es_minute_quote_201312.csv', '68400000,1681,1682,1680.75,1681.5,5,1681.75,1682.5,1681.25,1682,19\n', { dir });
    const z3 = write('20131008_es_minute_trade_201312.csv', ['68400000,1681.5,1682,1681,1681.75,1234', '68460000,1681.75,1681.75,1681.75,1681.75,0', '68520000,1681.75,1681.75,1681.75,1681.75,3'].join('\n') + '\n', { dir });
    const h4 = write('20131008_es_minute_trade_201403.csv.gz', '68400000,1686,1686.25,1685.75,1686,7\n', { dir, gzip: true });
    const m4 = write('20131008_es_minute_trade_201406.csv', '68400000,1690,1690,1690,1690,1\n', { dir });
    const { table, trades, report } = load([dir], { instruments: ES });
    expect(tradeRows(trades)).toEqual([tr(end(0), 'ES201312', 1681, 1682, 1234), tr(end(0), 'ES201403', 1685.75, 1686.25, 7), tr(end(2), 'ES201312', 1681.75, 1681.75, 3)]);
    expect(new Date(trades.ts[0]!).toISOString()).toBe('2013-10-08T19:01:00.000Z');
    // The quote bar of the same minute stands from the same time.
    expect(table.ts[0]).toBe(trades.ts[0]);
    expect(report.files).toEqual([
      { path: quote, format: 'lean-minute-quote', rows: 1 },
      { path: z3, format: 'lean-minute-trade', rows: 3 },
      { path: h4, format: 'lean-minute-trade', rows: 1 },
    ]);
    expect(report.ignoredFiles).toEqual([`${m4} (LEAN trade bars of ES201406, not an instrument of the config)`]);
    expect(report.trades).toEqual({ rows: 4, used: 3, symbols: { ES201312: 2, ES201403: 1 } });
    expect(report.rows).toBe(1);
    expect(report.used).toBe(1);
    expect(report.bad).toEqual(bad());
  });

  it('bad trade rows are counted and located as quote rows are: fields, volume, off-tick, non-positive, low > high, NaN, empty, out of order', () => {
    const path = write(
      '20131008_es_minute_trade_201312.csv',
      [
        '68400000,1681.5,1682,1681,1681.75', // 1 five fields
        '68460000,1681.5,1682,1681,1681.75,-3', // 2 negative volume
        '68520000,1681.5,1682,1681.1,1681.75,5', // 3 off the tick
        '68580000,0,0,0,0,5', // 4 zero prices
        '68640000,1681.5,1681,1682,1681.75,5', // 5 low above high
        '68700000,1681.5,NaN,1681,1681.75,5', // 6 NaN
        '68760000,1681.5,1682,,1681.75,5', // 7 empty low
        '68820000,1681.5,1682,1681,1681.75,x', // 8 volume not a number
        '68880000,1681.5,1682,1681,1681.75,2', // 9 good: 19:08 to 19:09
        '68400000,1681.5,1682,1681,1681.75,2', // 10 before line 9
        '68940000,,,,,0', // 11 no trade (zero volume): not bad, whatever its prices
        '',
      ].join('\n'),
    );
    const { trades, report } = load([path], { instruments: ES });
    expect(tradeRows(trades)).toEqual([tr(end(8), 'ES201312', 1681, 1682, 2)]);
    expect(report.trades).toEqual({ rows: 11, used: 1, symbols: { ES201312: 1 } });
    expect(badSeen(report)).toEqual({
      malformed: {
        count: 5,
        first: [`${path}:1: 5 fields, expected 6`, `${path}:2: volume is negative (-3)`, `${path}:5: low 1682 > high 1681`, `${path}:7: low is empty`, `${path}:8: volume is not a number`],
      },
      nan: { count: 1, first: [`${path}:6: high is NaN`] },
      nonPositivePrice: { count: 1, first: [`${path}:4: low 0, high 0`] },
      offTick: { count: 1, first: [`${path}:3: price not a multiple of the tick 0.25 (low 1681.1, high 1682)`] },
      outOfOrder: { count: 1, first: [`${path}:10: time 2013-10-08T19:01:00.000Z is before the previous row's 2013-10-08T19:09:00.000Z`] },
    });
    expect(report.rows).toBe(0);
    // --bad-data stop stops at the first, as for quotes.
    expect(message(() => load([path], { instruments: ES, badData: 'stop' }))).toBe(`bad data at ${path}:1: 5 fields, expected 6 (malformed); --bad-data skip would skip such rows`);
  });

  it('a generic CSV or JSONL file carries no trades (an empty trade table)', () => {
    const { trades, report } = load([write('q.csv', csv(`${T0},A,100,1,100.25,1`))]);
    expect(trades.length).toBe(0);
    expect(report.trades).toEqual({ rows: 0, used: 0, symbols: {} });
  });
});

describe('loadQuotes: times that cannot be right refuse the whole load, whatever the bad-data policy (issue 13)', () => {
  const SECONDS = 1723161254; // 2024-08-08T23:54:14Z in seconds
  const MS = 1723161254087;
  /** A CSV with the given ts fields (one row each, symbol A). */
  const times = (name: string, ...ts: (string | number)[]): string => write(name, csv(...ts.map((t, i) => `${t},A,${100 + i * 0.25},1,${100.25 + i * 0.25},1`)));

  it('seconds read as milliseconds: the file, the line, the 1970 date and the likely unit; under skip and stop alike, with no report attached', () => {
    const path = times('s.csv', SECONDS);
    const text = `${path}:2: ts 1723161254 is 1970-01-20 if read as milliseconds; it looks like seconds (multiply by 1000, or write ISO 8601 times)`;
    for (const badData of ['skip', 'stop'] as const) {
      const e = thrown(() => load([path], { badData }));
      expect(e).toBeInstanceOf(DataError);
      expect((e as DataError).message).toBe(text);
      expect((e as DataError).report).toBeUndefined();
    }
  });

  it('microseconds and nanoseconds in a millisecond column', () => {
    const us = times('us.csv', 1723161254087891);
    expect(message(() => load([us]))).toBe(`${us}:2: ts 1723161254087891 is +056574-10-21 if read as milliseconds; it looks like microseconds (divide by 1000, or write ISO 8601 times)`);
    const ns = times('ns.csv', '1723161254087891268');
    expect(message(() => load([ns]))).toBe(`${ns}:2: ts 1723161254087891268 is past the year 275760 if read as milliseconds; it looks like nanoseconds (divide by 1000000, or write ISO 8601 times)`);
  });

  it('a negative time, with the unit it would have without the sign', () => {
    const neg = times('neg.csv', MS, -MS);
    expect(message(() => load([neg]))).toBe(`${neg}:3: ts -1723161254087 is negative, 1915-05-26 if read as milliseconds; without the minus sign it looks like milliseconds`);
    const small = times('small.csv', -60000);
    expect(message(() => load([small]))).toBe(`${small}:2: ts -60000 is negative, 1969-12-31 if read as milliseconds`);
  });

  it('a time no unit makes plausible (0, 1.5) names the window; the window is 1990-01-01 (in) to 2100-01-01 (out)', () => {
    const zero = times('zero.csv', 0);
    expect(message(() => load([zero]))).toBe(`${zero}:2: ts 0 is 1970-01-01 if read as milliseconds, and no unit (seconds, milliseconds, microseconds, nanoseconds) puts it between 1990-01-01 and 2100-01-01`);
    const frac = times('frac.csv', '1.5');
    expect(message(() => load([frac]))).toBe(`${frac}:2: ts 1.5 is 1970-01-01 if read as milliseconds, and no unit (seconds, milliseconds, microseconds, nanoseconds) puts it between 1990-01-01 and 2100-01-01`);
    const edges = times('edges.csv', Date.UTC(1990, 0, 1), Date.UTC(2100, 0, 1) - 1);
    expect(Array.from(load([edges]).table.ts.subarray(0, 2))).toEqual([631_152_000_000, 4_102_444_799_999]);
    const early = times('early.csv', Date.UTC(1990, 0, 1) - 1);
    expect(message(() => load([early]))).toBe(`${early}:2: ts 631151999999 is 1989-12-31 if read as milliseconds, and no unit (seconds, milliseconds, microseconds, nanoseconds) puts it between 1990-01-01 and 2100-01-01`);
    const late = times('late.csv', Date.UTC(2100, 0, 1));
    expect(message(() => load([late]))).toBe(`${late}:2: ts 4102444800000 is 2100-01-01 if read as milliseconds, and no unit (seconds, milliseconds, microseconds, nanoseconds) puts it between 1990-01-01 and 2100-01-01`);
  });

  it('one file in milliseconds and the next in seconds: the error names the file in milliseconds too; so does a unit that changes within a file', () => {
    const dir = tempDir();
    const a = write('a.csv', csv(`${MS},A,100,1,100.25,1`), { dir });
    const b = write('b.csv', csv(`${SECONDS},A,100,1,100.25,1`), { dir });
    expect(message(() => load([dir]))).toBe(
      `${b}:2: ts 1723161254 is 1970-01-20 if read as milliseconds; it looks like seconds (multiply by 1000, or write ISO 8601 times); ${a}:2 is in milliseconds: the data mixes units`,
    );
    // Seconds first: refused at the first file, which is all it can tell.
    expect(message(() => load([b, a]))).toBe(`${b}:2: ts 1723161254 is 1970-01-20 if read as milliseconds; it looks like seconds (multiply by 1000, or write ISO 8601 times)`);
    const mixed = times('mixed.csv', MS, MS + 1, SECONDS + 2);
    expect(message(() => load([mixed]))).toBe(
      `${mixed}:4: ts 1723161256 is 1970-01-20 if read as milliseconds; it looks like seconds (multiply by 1000, or write ISO 8601 times); ${mixed}:2 is in milliseconds: the data mixes units`,
    );
  });

  it('JSONL: the same checks, named by the key (ts or ts_ms)', () => {
    const line = (o: Record<string, unknown>): string => JSON.stringify({ symbol: 'A', bid: 100, bidSize: 1, ask: 100.25, askSize: 1, ...o });
    const s = write('s.jsonl', `${line({ ts: SECONDS })}\n`);
    expect(message(() => load([s]))).toBe(`${s}:1: ts 1723161254 is 1970-01-20 if read as milliseconds; it looks like seconds (multiply by 1000, or write ISO 8601 times)`);
    const us = write('us.jsonl', `${line({ ts_ms: String(MS * 1000) })}\n`);
    expect(message(() => load([us]))).toBe(`${us}:1: ts_ms 1723161254087000 is +056574-10-21 if read as milliseconds; it looks like microseconds (divide by 1000, or write ISO 8601 times)`);
  });

  it('a `ts_ms` column (CSV) or key (JSONL) is read as `ts`', () => {
    const c = write('alias.csv', `ts_ms,symbol,bid,bid_size,ask,ask_size\n${MS},A,100,1,100.25,2\n`);
    const j = write('alias.jsonl', `${JSON.stringify({ ts_ms: MS + 1, symbol: 'B', bid: 50, bidSize: 3, ask: 50.5, askSize: 4 })}\n`);
    const { table, report } = load([c, j]);
    expect(rows(table)).toEqual([q(MS, 'A', 100, 1, 100.25, 2), q(MS + 1, 'B', 50, 3, 50.5, 4)]);
    expect(report.bad).toEqual(bad());
  });

  it('an ISO time outside the window is a bad row (its unit is not in doubt), not a whole-file error', () => {
    const path = write('iso.csv', csv('1969-07-20T20:17:00Z,A,100,1,100.25,1', '+275760-09-13T00:00:00Z,A,100,1,100.25,1', `${MS},A,100,1,100.25,1`));
    const { table, report } = load([path]);
    expect(badSeen(report)).toEqual({
      malformed: {
        count: 2,
        first: [`${path}:2: ts 1969-07-20T20:17:00Z is 1969-07-20, not between 1990-01-01 and 2100-01-01`, `${path}:3: ts +275760-09-13T00:00:00Z is +275760-09-13, not between 1990-01-01 and 2100-01-01`],
      },
    });
    expect(table.length).toBe(1);
  });

  it('JSONL ts 1e400 (read as Infinity) is a malformed row, as the CSV text "1e400" is', () => {
    const j = write('inf.jsonl', `{"ts":1e400,"symbol":"A","bid":100,"bidSize":1,"ask":100.25,"askSize":1}\n{"ts":${MS},"symbol":"A","bid":100,"bidSize":1,"ask":100.25,"askSize":1}\n`);
    const c = write('inf.csv', csv('1e400,A,100,1,100.25,1', `${MS},A,100,1,100.25,1`));
    expect(load([j]).report.bad.malformed).toEqual({ count: 1, first: [`${j}:1: timestamp is not a time`] });
    expect(load([c]).report.bad.malformed).toEqual({ count: 1, first: [`${c}:2: timestamp is not a time`] });
  });

  it('Binance local_ts_ns is nanoseconds: milliseconds or seconds there are refused, naming the column', () => {
    const BOOK = 'local_ts_ns,exch_event_ts_ms,exch_txn_ts_ms,update_id,symbol,bid_px,bid_qty,ask_px,ask_qty';
    const instruments: Instruments = { 'spot:BTCUSDT': { tickSize: 0.01 } };
    const ms = write('spot_btcusdt_20240808_bookTicker.csv', `${BOOK}\n${MS},,,1,BTCUSDT,61837.63,1,61837.64,1\n`);
    expect(message(() => load([ms], { instruments }))).toBe(`${ms}:2: local_ts_ns 1723161254087 is 1970-01-01 if read as nanoseconds; it looks like milliseconds (multiply by 1000000)`);
    const neg = write('spot_btcusdt_20240808_bookTicker.csv', `${BOOK}\n-1723161254087891268,,,1,BTCUSDT,61837.63,1,61837.64,1\n`);
    expect(message(() => load([neg], { instruments }))).toBe(`${neg}:2: local_ts_ns -1723161254087891268 is negative, 1915-05-26 if read as nanoseconds; without the minus sign it looks like nanoseconds`);
  });

  it('LEAN: a time outside the day (negative, 86400000 or more) and a file name that is not a date in the window', () => {
    const ES: Instruments = { ES201312: { tickSize: 0.25 } };
    const bar = (ms: number | string): string => `${ms},1681,1682,1680.75,1681.5,5,1681.75,1682.5,1681.25,1682,19\n`;
    const neg = write('20131008_es_minute_quote_201312.csv', bar(-60000));
    expect(message(() => load([neg], { instruments: ES }))).toBe(`${neg}:1: time -60000 is negative: a LEAN minute file counts milliseconds since midnight UTC, 0 to 86399999`);
    const day = write('20131008_es_minute_trade_201312.csv', '86400000,1681,1682,1681,1681.5,5\n');
    expect(message(() => load([day], { instruments: ES }))).toBe(`${day}:1: time 86400000 is past the end of the day: a LEAN minute file counts milliseconds since midnight UTC, 0 to 86399999`);
    const epoch = write('20131008_es_minute_quote_201312.csv', bar(Date.UTC(2013, 9, 8, 19)));
    expect(message(() => load([epoch], { instruments: ES }))).toBe(
      `${epoch}:1: time 1381258800000 is past the end of the day: a LEAN minute file counts milliseconds since midnight UTC, 0 to 86399999; it looks like an epoch time in milliseconds`,
    );
    const last = write('20131008_es_minute_quote_201312.csv', bar(86_399_999));
    expect(load([last], { instruments: ES }).table.ts[0]).toBe(Date.UTC(2013, 9, 8) + 86_399_999 + 60_000);
    const notDate = write('20131332_es_minute_quote_201312.csv', bar(0));
    expect(message(() => load([notDate], { instruments: ES }))).toBe(`${notDate}: the date in the file name, 20131332, is not a calendar date (LEAN names its files YYYYMMDD_…)`);
    const old = write('19891231_es_minute_quote_201312.csv', bar(0));
    expect(message(() => load([old], { instruments: ES }))).toBe(`${old}: the date in the file name, 1989-12-31, is not between 1990-01-01 and 2100-01-01`);
  });
});

describe('loadQuotes: a folder', () => {
  it('reads its data files in name order, merges them by time (file order for equal times) and lists each with its format and rows', () => {
    const dir = tempDir();
    // Written in reverse name order, so only sorting by name puts a.jsonl first.
    const b = write('b.csv', csv(`${T0},B,50,1,50.5,1`, `${T0 + 2000},B,51,1,51.5,1`), { dir });
    const a = write('a.jsonl', [JSON.stringify({ ts: T0, symbol: 'A', bid: 100, bidSize: 1, ask: 100.25, askSize: 1 }), JSON.stringify({ ts: T0 + 3000, symbol: 'A', bid: 101, bidSize: 1, ask: 101.25, askSize: 1 })].join('\n'), { dir });
    write('notes.txt', 'not data', { dir });
    const { table, report } = load([dir]);
    expect(rows(table)).toEqual([q(T0, 'A', 100, 1, 100.25, 1), q(T0, 'B', 50, 1, 50.5, 1), q(T0 + 2000, 'B', 51, 1, 51.5, 1), q(T0 + 3000, 'A', 101, 1, 101.25, 1)]);
    expect(report.files).toEqual([
      { path: a, format: 'jsonl', rows: 2 },
      { path: b, format: 'csv', rows: 2 },
    ]);
    expect(report.from).toBe('2026-11-24T01:00:00.000Z');
    expect(report.to).toBe('2026-11-24T01:00:03.000Z');
    expect(report.symbols).toEqual({ A: 2, B: 2 });
  });

  it('rows with equal times keep the order of their files, not of their symbols', () => {
    const dir = tempDir();
    write('1.csv', csv(`${T0},B,50,1,50.5,1`), { dir });
    write('2.csv', csv(`${T0},A,100,1,100.25,1`, `${T0},B,49.5,1,50,1`), { dir });
    const { table } = load([dir]);
    expect(rows(table)).toEqual([q(T0, 'B', 50, 1, 50.5, 1), q(T0, 'A', 100, 1, 100.25, 1), q(T0, 'B', 49.5, 1, 50, 1)]);
  });
});

describe('loadQuotes: bad rows, each counted and located as file:line: reason', () => {
  it('malformed: too few fields, a non-numeric price or size, a timestamp that is not a time, an empty symbol', () => {
    const path = write('malformed.csv', csv(`${T0},A,100,1,100.25`, `${T0},A,abc,1,100.25,1`, `${T0},A,100,1,100.25,x`, `yesterday,A,100,1,100.25,1`, `${T0},,100,1,100.25,1`));
    const { report } = load([path]);
    expect(report.bad).toEqual(
      bad({
        malformed: {
          count: 5,
          first: [`${path}:2: 5 fields, expected 6`, `${path}:3: bid is not a number`, `${path}:4: ask is not a number`, `${path}:5: timestamp is not a time`, `${path}:6: symbol is empty`],
        },
      }),
    );
    expect(report.used).toBe(0);
  });

  it("nan: a 'NaN' price or size", () => {
    const path = write('nan.csv', csv(`${T0},A,NaN,1,100.25,1`, `${T0},A,100,1,100.25,nan`));
    const { report } = load([path]);
    expect(badSeen(report)).toEqual({ nan: { count: 2, first: [`${path}:2: bid is NaN`, `${path}:3: ask is NaN`] } });
  });

  it('nonPositivePrice: a price of 0 or below on a side with size', () => {
    const path = write('nonpositive.csv', csv(`${T0},A,0,1,100.25,1`, `${T0},A,100,1,-100.25,1`));
    const { report } = load([path]);
    expect(badSeen(report)).toEqual({ nonPositivePrice: { count: 2, first: [`${path}:2: bid 0, ask 100.25`, `${path}:3: bid 100, ask -100.25`] } });
  });

  it('crossed: bid above ask, and a locked book (bid = ask)', () => {
    const path = write('crossed.csv', csv(`${T0},A,100.25,1,100,1`, `${T0},A,100,1,100,1`, `${T0},A,100,1,100.25,1`));
    const { report } = load([path]);
    expect(badSeen(report)).toEqual({ crossed: { count: 2, first: [`${path}:2: bid 100.25 ≥ ask 100`, `${path}:3: bid 100 ≥ ask 100`] } });
    expect(report.used).toBe(1);
  });

  it('a one-sided row is never crossed', () => {
    const path = write('one-sided-high-bid.csv', csv(`${T0},A,100.25,1,100,0`));
    const { report } = load([path]);
    expect(report.bad).toEqual(bad());
    expect(report.oneSided).toBe(1);
  });

  it('outOfOrder: a time earlier than the previous used row of the same file (equal times are in order; a bad row does not move the clock; each file starts afresh)', () => {
    const dir = tempDir();
    const path = write(
      'a.csv',
      csv(
        `${T0 + 2000},A,100,1,100.25,1`, // line 2: used
        `${T0 + 1000},A,100,1,100.25,1`, // line 3: out of order
        `${T0 + 2000},B,50,1,50.5,1`, // line 4: equal time, used
        `${T0 + 9000},A,100.5,1,100.25,1`, // line 5: crossed, not used
        `${T0 + 3000},A,100,1,100.25,1`, // line 6: after line 4, used
      ),
      { dir },
    );
    write('b.csv', csv(`${T0},B,50,1,50.5,1`), { dir }); // earlier than a.csv's rows, but a new file
    const { table, report } = load([dir]);
    expect(badSeen(report)).toEqual({
      outOfOrder: { count: 1, first: [`${path}:3: time 2026-11-24T01:00:01.000Z is before the previous row's 2026-11-24T01:00:02.000Z`] },
      crossed: { count: 1, first: [`${path}:5: bid 100.5 ≥ ask 100.25`] },
    });
    expect(Array.from(table.ts.subarray(0, table.length))).toEqual([T0, T0 + 2000, T0 + 2000, T0 + 3000]);
  });

  it('unknownSymbol: a symbol that is not in instruments', () => {
    const path = write('unknown.csv', csv(`${T0},Z,100,1,100.25,1`, `${T0},A,100,1,100.25,1`));
    const { report } = load([path]);
    expect(badSeen(report)).toEqual({ unknownSymbol: { count: 1, first: [`${path}:2: symbol Z is not a leg of the config`] } });
    expect(report.symbols).toEqual({ A: 1 });
  });

  it('offTick: a price that is not a multiple of the tick size (an empty side is not checked)', () => {
    const path = write('offtick.csv', csv(`${T0},A,100.1,1,100.25,1`, `${T0},A,100,1,100.3,1`, `${T0},B,50.5,1,,`, `${T0},B,50.25,1,,`));
    const { report } = load([path]);
    expect(badSeen(report)).toEqual({
      offTick: {
        count: 3,
        first: [
          `${path}:2: price not a multiple of the tick 0.25 (bid 100.1, ask 100.25)`,
          `${path}:3: price not a multiple of the tick 0.25 (bid 100, ask 100.3)`,
          `${path}:5: price not a multiple of the tick 0.5 (bid 50.25, ask 0)`,
        ],
      },
    });
    expect(report.used).toBe(1);
  });

  it('wide: more than maxWidthTicks between bid and ask (exactly maxWidthTicks is fine); not checked when maxWidthTicks is unset', () => {
    const path = write('wide.csv', csv(`${T0},A,100,1,101,1`, `${T0 + 1},A,100,1,101.25,1`, `${T0 + 2},B,50,1,500,1`));
    const { report } = load([path], { instruments: { A: { tickSize: 0.25, maxWidthTicks: 4 }, B: { tickSize: 0.5 } } });
    expect(badSeen(report)).toEqual({ wide: { count: 1, first: [`${path}:3: bid 100 / ask 101.25 is 5 ticks wide, more than maxWidthTicks 4`] } });
    expect(report.symbols).toEqual({ A: 1, B: 1 });
  });

  it('keeps the first 5 examples per kind by default and counts them all; `examples` changes how many', () => {
    const path = write('many.csv', csv(...Array.from({ length: 7 }, (_, i) => `${T0 + i},Z${i},100,1,100.25,1`)));
    expect(load([path]).report.bad.unknownSymbol).toEqual({ count: 7, first: [2, 3, 4, 5, 6].map((n) => `${path}:${n}: symbol Z${n - 2} is not a leg of the config`) });
    expect(load([path], { examples: 2 }).report.bad.unknownSymbol).toEqual({ count: 7, first: [`${path}:2: symbol Z0 is not a leg of the config`, `${path}:3: symbol Z1 is not a leg of the config`] });
  });
});

describe('loadQuotes: badData policy', () => {
  const mixed = (): string =>
    write(
      'mixed.csv',
      csv(
        `${T0},A,100,1,100.25,1`, // 2 good
        `${T0 + 1},A,100.25,1,100,1`, // 3 crossed
        `${T0 + 2},B,50,1,50.5,1`, // 4 good
        `${T0 + 3},A,oops,1,100.25,1`, // 5 malformed
        `${T0 + 4},Q,100,1,100.25,1`, // 6 unknownSymbol
        `${T0 + 5},A,100.5,1,100.75,1`, // 7 good
      ),
    );

  it("'skip' skips the bad rows and keeps going: rows counts every parsed row, used only the good ones", () => {
    const path = mixed();
    const { table, report } = load([path], { badData: 'skip' });
    expect(rows(table)).toEqual([q(T0, 'A', 100, 1, 100.25, 1), q(T0 + 2, 'B', 50, 1, 50.5, 1), q(T0 + 5, 'A', 100.5, 1, 100.75, 1)]);
    expect(report.rows).toBe(6);
    expect(report.used).toBe(3);
    expect(report.policy).toBe('skip');
    expect(badSeen(report)).toEqual({
      malformed: { count: 1, first: [`${path}:5: bid is not a number`] },
      crossed: { count: 1, first: [`${path}:3: bid 100.25 ≥ ask 100`] },
      unknownSymbol: { count: 1, first: [`${path}:6: symbol Q is not a leg of the config`] },
    });
  });

  it("'stop' throws a DataError at the first bad row, naming file:line, with the report so far attached", () => {
    const path = mixed();
    const e = thrown(() => load([path], { badData: 'stop' }));
    expect(e).toBeInstanceOf(DataError);
    const err = e as DataError;
    expect(err.name).toBe('DataError');
    expect(err.message).toBe(`bad data at ${path}:3: bid 100.25 ≥ ask 100 (crossed); --bad-data skip would skip such rows`);
    expect(err.report?.policy).toBe('stop');
    expect(err.report?.bad).toEqual(bad({ crossed: { count: 1, first: [`${path}:3: bid 100.25 ≥ ask 100`] } }));
  });
});

describe('loadQuotes: the report and the paths', () => {
  it('from and to are null when no row is used', () => {
    const path = write('header-only.csv', csv());
    const { table, report } = load([path]);
    expect(table.length).toBe(0);
    expect(report).toMatchObject({ rows: 0, used: 0, from: null, to: null, symbols: {}, files: [{ path, format: 'csv', rows: 0 }] });
  });

  it("a path that does not exist is a DataError '<path>: no such file or folder'", () => {
    const path = join(tempDir(), 'missing.csv');
    const e = thrown(() => load([path]));
    expect(e).toBeInstanceOf(DataError);
    expect((e as DataError).message).toBe(`${path}: no such file or folder`);
  });

  it('a folder with no .csv/.jsonl files (gzipped or not) is a DataError naming the folder', () => {
    const dir = tempDir();
    write('readme.txt', 'nothing here', { dir });
    mkdirSync(join(dir, 'nested'));
    const e = thrown(() => load([dir]));
    expect(e).toBeInstanceOf(DataError);
    expect((e as DataError).message).toBe(`no data files (.csv, .jsonl, optionally .gz) in ${dir}`);
  });
});

const SHARED = fileURLToPath(new URL('../../../shared/data/', import.meta.url));
const CME = join(SHARED, 'cme-es-calendar-2013-10');
const BINANCE_SPOT = join(SHARED, 'binance-btc-2024-08', 'spot_btcusdt_20240808_bookTicker.csv.gz');
/** A test that runs only when the shared data at `path` is present, and says so in its title when skipped. */
function itWithData(path: string, title: string, fn: () => void): void {
  if (existsSync(path)) it(title, fn);
  else it.skip(`${title} (skipped: ${path} is absent)`, fn);
}

describe('loadQuotes: the shared real data', () => {
  itWithData(CME, 'CME ES calendar 2013-10 (tick 0.25, maxWidthTicks 20): the 2013-10-08 absurd ESH14 quotes are wide; 121 crossed/locked bars skipped; 13,327 of 13,452 bars used; 8,477 of 8,515 trade bars (ES201312 6,826, ES201403 1,651)', () => {
    const instruments: Instruments = { ES201312: { tickSize: 0.25, maxWidthTicks: 20 }, ES201403: { tickSize: 0.25, maxWidthTicks: 20 } };
    const { table, trades, report } = load([CME], { instruments });
    const at = (name: string, line: number): string => `${join(CME, name)}:${line}`;
    expect(report.bad.wide).toEqual({
      count: 4,
      first: [
        `${at('20131006_es_minute_quote_201403.csv.gz', 1)}: bid 1662.25 / ask 1680.25 is 72 ticks wide, more than maxWidthTicks 20`,
        `${at('20131007_es_minute_quote_201403.csv.gz', 1137)}: bid 1655 / ask 1666 is 44 ticks wide, more than maxWidthTicks 20`,
        `${at('20131008_es_minute_quote_201403.csv.gz', 1203)}: bid 1638.5 / ask 1650.25 is 47 ticks wide, more than maxWidthTicks 20`,
        `${at('20131008_es_minute_quote_201403.csv.gz', 1204)}: bid 1637.5 / ask 1655.75 is 73 ticks wide, more than maxWidthTicks 20`,
      ],
    });
    expect(report.bad.crossed.count).toBe(121);
    expect(report.bad.crossed.first).toEqual([
      `${at('20131006_es_minute_quote_201312.csv.gz', 16)}: bid 1680.5 ≥ ask 1680.5`,
      `${at('20131006_es_minute_quote_201312.csv.gz', 24)}: bid 1681.5 ≥ ask 1681.5`,
      `${at('20131006_es_minute_quote_201312.csv.gz', 30)}: bid 1681.5 ≥ ask 1681.25`,
      `${at('20131006_es_minute_quote_201403.csv.gz', 77)}: bid 1669.75 ≥ ask 1669.75`,
      `${at('20131006_es_minute_quote_201403.csv.gz', 89)}: bid 1669.75 ≥ ask 1669.75`,
    ]);
    for (const k of ['malformed', 'nan', 'nonPositivePrice', 'outOfOrder', 'unknownSymbol', 'offTick'] as const) expect(report.bad[k].count, k).toBe(0);
    expect(report.rows).toBe(13_452);
    expect(report.used).toBe(13_327);
    expect(report.oneSided).toBe(610);
    expect(report.symbols).toEqual({ ES201312: 7029, ES201403: 6298 });
    expect(report.from).toBe('2013-10-06T19:01:00.000Z');
    expect(report.to).toBe('2013-10-11T21:16:00.000Z');
    // By name, each day: the two quote files, then the two trade files.
    expect(report.files.map((f) => f.format)).toEqual(Array(6).fill(['lean-minute-quote', 'lean-minute-quote', 'lean-minute-trade', 'lean-minute-trade']).flat());
    expect(report.ignoredFiles).toEqual([]);
    // Trade bars: 6,826 of ESZ13 and 1,689 of ESH14, 38 of those with volume 0 (no trade), none bad (the bad counts above are all quotes).
    expect(report.trades).toEqual({ rows: 8515, used: 8477, symbols: { ES201312: 6826, ES201403: 1651 } });
    expect(report.files.filter((f) => f.format === 'lean-minute-trade').map((f) => f.rows)).toEqual([118, 10, 1344, 325, 1372, 342, 1371, 367, 1368, 393, 1253, 252]);
    // The first trade bars: 2013-10-06 22:00 UTC (ms 79200000) on both legs, stamped at 22:01, ESZ13 first (by file name).
    expect(tradeRows(trades).slice(0, 2)).toEqual([tr(Date.UTC(2013, 9, 6, 22, 1), 'ES201312', 1673.5, 1677.25, 1884), tr(Date.UTC(2013, 9, 6, 22, 1), 'ES201403', 1667.5, 1669, 5)]);
    expect(tradeRows(trades).at(-1)).toEqual(tr(Date.UTC(2013, 9, 11, 21, 15), 'ES201312', 1699.5, 1700.25, 678));
    expect(trades.ts.subarray(0, trades.length).every((t, i, a) => i === 0 || a[i - 1]! <= t)).toBe(true);
    // The first bar: 20131006 ESZ13 68400000 (19:00 UTC), bid close 1681.5 × 5, ask close 1682 × 19, standing from 19:01.
    expect(rows(table)[0]).toEqual(q(Date.UTC(2013, 9, 6, 19, 1), 'ES201312', 1681.5, 5, 1682, 19));
    // The ESH14 bars of 2013-10-08 21:14 and 21:15 UTC (ends 21:15 and 21:16) are gone; the one before them stays.
    const esh14 = rows(table).filter((r) => r.symbol === 'ES201403');
    const times = new Set(esh14.map((r) => r.ts));
    expect(times.has(Date.UTC(2013, 9, 8, 21, 14))).toBe(true);
    expect(times.has(Date.UTC(2013, 9, 8, 21, 15))).toBe(false);
    expect(times.has(Date.UTC(2013, 9, 8, 21, 16))).toBe(false);
  });
  itWithData(BINANCE_SPOT, 'Binance spot BTCUSDT 2024-08-08: 28,040 clean rows as spot:BTCUSDT from 23:54:14.087Z to 23:59:59.999Z', () => {
    const { table, report } = load([BINANCE_SPOT], { instruments: { 'spot:BTCUSDT': { tickSize: 0.01 } } });
    expect(report.files).toEqual([{ path: BINANCE_SPOT, format: 'binance-bookticker', rows: 28_040 }]);
    expect(report.used).toBe(28_040);
    expect(report.bad).toEqual(bad());
    expect(report.from).toBe('2024-08-08T23:54:14.087Z');
    expect(report.to).toBe('2024-08-08T23:59:59.999Z');
    expect(rows(table)[0]).toEqual(q(Number('1723161254087891268') / 1e6, 'spot:BTCUSDT', 61837.63, 3.78826, 61837.64, 1.54698));
  });
});

describe('loadQuotes: rows that only look like numbers and times', () => {
  it('a negative size is malformed, not a one-sided quote', () => {
    const path = write('neg.csv', `${HEADER}\n${T0},A,100,1,101,-1\n${T0 + 1},A,100,-5,101,3\n`);
    const { report } = load([path]);
    expect(report.bad.malformed).toEqual({ count: 2, first: [`${path}:2: ask size is negative (-1)`, `${path}:3: bid size is negative (-5)`] });
    expect(report.used).toBe(0);
  });

  it('an empty timestamp is malformed in the Binance and LEAN formats too', () => {
    const dir = tempDir();
    const bn = write('spot_btcusdt_20240808_bookTicker.csv', 'local_ts_ns,exch_event_ts_ms,exch_txn_ts_ms,update_id,symbol,bid_px,bid_qty,ask_px,ask_qty\n,,,1,BTCUSDT,100,1,101,1\n', { dir });
    const lean = write('20131008_es_minute_quote_201312.csv', ',1,1,1,100,1,1,1,1,100.25,1\n', { dir });
    const { report } = load([bn, lean], { instruments: { 'spot:BTCUSDT': { tickSize: 0.01 }, ES201312: { tickSize: 0.25 } } });
    expect(report.bad.malformed.first).toEqual([`${bn}:2: timestamp is not a time`, `${lean}:1: timestamp is not a time`]);
  });

  it('a hexadecimal price is not a decimal', () => {
    const path = write('hex.csv', `${HEADER}\n${T0},A,0x64,1,101,1\n`);
    expect(load([path]).report.bad.malformed.first).toEqual([`${path}:2: bid is not a number`]);
  });

  it('a folder entry that is a directory named like a data file is passed over', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'x.csv'));
    const path = write('a.csv', csv(`${T0},A,100,1,101,1`), { dir });
    expect(load([dir]).report.files.map((f) => f.path)).toEqual([path]);
  });

  it('an unknown time zone is refused as an option, naming it', () => {
    const path = write('a.csv', csv(`${T0},A,100,1,101,1`));
    expect(() => load([path], { timeZone: 'Mars/Base' })).toThrow('timeZone: "Mars/Base" is not an IANA time zone');
  });
});

describe('loadQuotes: defects found by the data chaos fuzz (test/chaos/data.test.ts), each a DataError or a bad row now', () => {
  it('a truncated gzip is a DataError naming the file and zlib\'s reason, not zlib\'s raw "unexpected end of file"', () => {
    const whole = gzipSync(Buffer.from(csv(`${T0},A,100,1,100.25,1`)));
    const path = write('cut.csv.gz', '');
    writeFileSync(path, whole.subarray(0, whole.length - 10));
    const e = thrown(() => load([path]));
    expect(e).toBeInstanceOf(DataError);
    expect((e as DataError).message).toBe(`${path}: the gzip data is truncated or corrupt (unexpected end of file)`);
  });

  it('a corrupt gzip (the gzip magic, then junk) is a DataError too', () => {
    const path = write('junk.csv', '');
    writeFileSync(path, Buffer.from([0x1f, 0x8b, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09]));
    const e = thrown(() => load([path]));
    expect(e).toBeInstanceOf(DataError);
    expect((e as DataError).message).toBe(`${path}: the gzip data is truncated or corrupt (unknown compression method)`);
  });

  it('a broken link named like a data file in a folder is a DataError naming it, not a raw ENOENT from stat', () => {
    const dir = tempDir();
    write('a.csv', csv(`${T0},A,100,1,100.25,1`), { dir });
    const link = join(dir, 'gone.csv');
    symlinkSync(join(dir, 'nowhere'), link);
    const e = thrown(() => load([dir]));
    expect(e).toBeInstanceOf(DataError);
    expect((e as DataError).message).toBe(`${link}: listed in the folder but cannot be read (ENOENT: a broken link?)`);
  });

  it('a bookTicker header (local_ts_ns…) without the columns it needs is a DataError naming them, not a TypeError', () => {
    const path = write('spot_btcusdt_20240808_bookTicker.csv', 'local_ts_ns,symbol,bid_px\n1723161254087891268,BTCUSDT,61837.63\n');
    const e = thrown(() => load([path], { instruments: { 'spot:BTCUSDT': { tickSize: 0.01 } } }));
    expect(e).toBeInstanceOf(DataError);
    expect((e as DataError).message).toBe(
      `${path}: not a data file Legato knows: the bookTicker header lacks bid_qty, ask_px, ask_qty (expected local_ts_ns, symbol, bid_px, bid_qty, ask_px, ask_qty)`,
    );
  });

  it('a time beyond ±8.64e15 ms (nanoseconds read as ms) is a DataError naming its likely unit, not a RangeError from toISOString (now refused whole, issue 13)', () => {
    const ns = write('ns.csv', csv('1381190400000000000,A,100,1,100.25,1'));
    expect(message(() => load([ns]))).toBe(`${ns}:2: ts 1381190400000000000 is past the year 275760 if read as milliseconds; it looks like nanoseconds (divide by 1000000, or write ISO 8601 times)`);
    const past = write('past.csv', csv('8640000000000001,A,100,1,100.25,1'));
    expect(message(() => load([past]))).toBe(
      `${past}:2: ts 8640000000000001 is past the year 275760 if read as milliseconds, and no unit (seconds, milliseconds, microseconds, nanoseconds) puts it between 1990-01-01 and 2100-01-01`,
    );
    const before = write('before.csv', csv('-8640000000000001,A,100,1,100.25,1'));
    expect(message(() => load([before]))).toBe(`${before}:2: ts -8640000000000001 is negative, before the year -271821 if read as milliseconds`);
  });

  it('the same in a LEAN file, where a huge ms of day put the bar past the Date range: a DataError, the time is not ms of a day', () => {
    const path = write('20131008_es_minute_quote_201312.csv', '1381190400000000000,0,0,0,1675,1,0,0,0,1675.25,1\n');
    expect(message(() => load([path], { instruments: { ES201312: { tickSize: 0.25 } } }))).toBe(
      `${path}:1: time 1381190400000000000 is past the end of the day: a LEAN minute file counts milliseconds since midnight UTC, 0 to 86399999; it looks like an epoch time in nanoseconds`,
    );
  });

  it('a JSON number 1e400 (read as Infinity) as a price or size is malformed, as the text "1e400" is, not an Infinity in the table', () => {
    const path = write(
      'inf.jsonl',
      [`{"ts":${T0},"symbol":"A","bid":null,"bidSize":null,"ask":1e400,"askSize":1}`, `{"ts":${T0},"symbol":"A","bid":100,"bidSize":1e400,"ask":null,"askSize":null}`, `{"ts":${T0},"symbol":"A","bid":-1e400,"bidSize":1,"ask":100.25,"askSize":1}`].join('\n') + '\n',
    );
    const { table, report } = load([path]);
    expect(badSeen(report)).toEqual({ malformed: { count: 3, first: [`${path}:1: ask is not a number`, `${path}:2: bid is not a number`, `${path}:3: bid is not a number`] } });
    expect(table.length).toBe(0);
  });

  it('a price of more ticks than a double holds exactly (2^53) is offTick: 1e308, 1e300 and 1e20 at 0.25, not 2^50', () => {
    const path = write('huge.csv', csv(`${T0},A,1e308,1,,`, `${T0},A,,,1.7976931348623157e308,1`, `${T0},A,1e300,1,,`, `${T0},A,1e20,1,,`, `${T0},A,${2 ** 50 / 4},1,,`));
    const { table, report } = load([path]);
    expect(badSeen(report)).toEqual({
      offTick: {
        count: 4,
        first: [
          `${path}:2: price past 2^53 ticks of the tick 0.25 (bid 1e+308, ask 0)`,
          `${path}:3: price past 2^53 ticks of the tick 0.25 (bid 0, ask 1.7976931348623157e+308)`,
          `${path}:4: price past 2^53 ticks of the tick 0.25 (bid 1e+300, ask 0)`,
          `${path}:5: price past 2^53 ticks of the tick 0.25 (bid 100000000000000000000, ask 0)`,
        ],
      },
    });
    // 2^50 ticks is exact: it stays.
    expect(rows(table)).toEqual([q(T0, 'A', 2 ** 50 / 4, 1, 0, 0)]);
  });
});
