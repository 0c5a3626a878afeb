import { describe, it, expect } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { BAD_KINDS, DataError, loadQuotes, type BadKind, type DataReport, type LoadOptions } from '../../src/data/load.js';
import type { QuoteTable } from '../../src/data/quote-table.js';

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

function load(paths: string[], options: Partial<Omit<LoadOptions, 'instruments'>> & { instruments?: Instruments } = {}): { table: QuoteTable; report: DataReport } {
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

  it('a _minute_trade_ file is listed in report.ignoredFiles and not read', () => {
    const dir = tempDir();
    const quote = write('20131008_es_minute_quote_201312.csv', '68400000,1681,1682,1680.75,1681.5,5,1681.75,1682.5,1681.25,1682,19\n', { dir });
    const trade = write('20131008_es_minute_trade_201312.csv', '68400000,1681.5,1682,1681,1681.75,1234\nnot,a,quote\n', { dir });
    const { table, report } = load([dir], { instruments: ES });
    expect(report.ignoredFiles).toEqual([`${trade} (LEAN trade bars: quotes are read from the quote files)`]);
    expect(report.files).toEqual([{ path: quote, format: 'lean-minute-quote', rows: 1 }]);
    expect(report.rows).toBe(1);
    expect(report.bad).toEqual(bad());
    expect(table.length).toBe(1);
  });

  it('a line without 11 fields is malformed', () => {
    const path = write('20131008_es_minute_quote_201312.csv', '68400000,1681,1682,1680.75,1681.5,5\n');
    const { report } = load([path], { instruments: ES });
    expect(report.bad.malformed).toEqual({ count: 1, first: [`${path}:1: 6 fields, expected 11`] });
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
  itWithData(CME, 'CME ES calendar 2013-10 (tick 0.25, maxWidthTicks 20): the 2013-10-08 absurd ESH14 quotes are wide; 121 crossed/locked bars skipped; 13,327 of 13,452 bars used', () => {
    const instruments: Instruments = { ES201312: { tickSize: 0.25, maxWidthTicks: 20 }, ES201403: { tickSize: 0.25, maxWidthTicks: 20 } };
    const { table, report } = load([CME], { instruments });
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
    expect(report.files.map((f) => f.format)).toEqual(Array(12).fill('lean-minute-quote'));
    expect(report.ignoredFiles).toHaveLength(12);
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
    const path = write('neg.csv', 'ts,symbol,bid,bid_size,ask,ask_size\n1000,A,100,1,101,-1\n2000,A,100,-5,101,3\n');
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
    const path = write('hex.csv', 'ts,symbol,bid,bid_size,ask,ask_size\n1000,A,0x64,1,101,1\n');
    expect(load([path]).report.bad.malformed.first).toEqual([`${path}:2: bid is not a number`]);
  });

  it('a folder entry that is a directory named like a data file is passed over', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'x.csv'));
    const path = write('a.csv', 'ts,symbol,bid,bid_size,ask,ask_size\n1000,A,100,1,101,1\n', { dir });
    expect(load([dir]).report.files.map((f) => f.path)).toEqual([path]);
  });

  it('an unknown time zone is refused as an option, naming it', () => {
    const path = write('a.csv', 'ts,symbol,bid,bid_size,ask,ask_size\n1000,A,100,1,101,1\n');
    expect(() => load([path], { timeZone: 'Mars/Base' })).toThrow('timeZone: "Mars/Base" is not an IANA time zone');
  });
});

describe('loadQuotes: defects found by the data chaos fuzz (test/chaos/data.test.ts), each a DataError or a bad row now', () => {
  it('a truncated gzip is a DataError naming the file, not zlib\'s raw "unexpected end of file"', () => {
    const whole = gzipSync(Buffer.from(csv(`${T0},A,100,1,100.25,1`)));
    const path = write('cut.csv.gz', '');
    writeFileSync(path, whole.subarray(0, whole.length - 10));
    const e = thrown(() => load([path]));
    expect(e).toBeInstanceOf(DataError);
    expect((e as DataError).message).toBe(`${path}: not a readable gzip file: unexpected end of file`);
  });

  it('a corrupt gzip (the gzip magic, then junk) is a DataError too', () => {
    const path = write('junk.csv', '');
    writeFileSync(path, Buffer.from([0x1f, 0x8b, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09]));
    const e = thrown(() => load([path]));
    expect(e).toBeInstanceOf(DataError);
    expect((e as DataError).message).toBe(`${path}: not a readable gzip file: unknown compression method`);
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

  it('a time beyond ±8.64e15 ms (nanoseconds read as ms) is malformed, not a RangeError from toISOString; 8.64e15 itself is a time', () => {
    const path = write('ns.csv', csv('1381190400000000000,A,100,1,100.25,1', '8640000000000001,A,100,1,100.25,1', '-8640000000000001,A,100,1,100.25,1', '8640000000000000,A,100,1,100.25,1'));
    const { table, report } = load([path]);
    expect(badSeen(report)).toEqual({
      malformed: {
        count: 3,
        first: [
          `${path}:2: timestamp 1381190400000000000 ms is out of range (at most ±8.64e15 ms from 1970)`,
          `${path}:3: timestamp 8640000000000001 ms is out of range (at most ±8.64e15 ms from 1970)`,
          `${path}:4: timestamp -8640000000000001 ms is out of range (at most ±8.64e15 ms from 1970)`,
        ],
      },
    });
    expect(Array.from(table.ts.subarray(0, table.length))).toEqual([8.64e15]);
    expect(report.to).toBe('+275760-09-13T00:00:00.000Z');
  });

  it('the same in a LEAN file, where a huge ms of day put the bar past the Date range', () => {
    const path = write('20131008_es_minute_quote_201312.csv', '1381190400000000000,0,0,0,1675,1,0,0,0,1675.25,1\n');
    const { report } = load([path], { instruments: { ES201312: { tickSize: 0.25 } } });
    expect(report.bad.malformed).toEqual({ count: 1, first: [`${path}:1: timestamp ${Date.UTC(2013, 9, 8) + 1381190400000000000 + 60_000} ms is out of range (at most ±8.64e15 ms from 1970)`] });
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

  it('a one-sided price too big for a finite number of ticks (1e308 at 0.25) is offTick, not accepted through a NaN comparison', () => {
    const path = write('huge.csv', csv(`${T0},A,1e308,1,,`, `${T0},A,,,1.7976931348623157e308,1`, `${T0},A,1e300,1,,`));
    const { table, report } = load([path]);
    expect(badSeen(report)).toEqual({
      offTick: {
        count: 2,
        first: [`${path}:2: price not a multiple of the tick 0.25 (bid 1e+308, ask 0)`, `${path}:3: price not a multiple of the tick 0.25 (bid 0, ask 1.7976931348623157e+308)`],
      },
    });
    // 1e300 is 4e300 ticks: finite, so it stays (absurd, but not a non-finite value).
    expect(rows(table)).toEqual([q(T0, 'A', 1e300, 1, 0, 0)]);
  });
});
