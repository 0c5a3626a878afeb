import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DateTime } from 'luxon';
import { LegatoError } from '../domain/errors.js';
import { FileReadError, readRegularFile } from '../io/read-file.js';
import { isTimeZone } from '../domain/session-calendar.js';
import { QuoteTable } from './quote-table.js';
import { TradeTable } from './trade-table.js';

/**
 * Recorded quotes → a time-ordered QuoteTable, and recorded trades → a time-ordered TradeTable, with every bad
 * row counted and located.
 *
 * Formats (gzip accepted for all, detected by content):
 * - **csv**: a header naming `ts` (or `ts_ms`), `symbol`, `bid`, `bid_size`, `ask`, `ask_size` (and optionally `last`).
 * - **jsonl**: one object per line with `ts` (or `ts_ms`), `symbol`, `bid`, `bidSize`, `ask`, `askSize` (and optionally `last`).
 *   `ts` is epoch milliseconds (a number) or ISO 8601; an ISO time without an offset is read in `timeZone`.
 *   An empty side (empty field or null) is a one-sided quote, not an error.
 * - **binance-bookticker**: Binance bookTicker CSVs (header `local_ts_ns,…`); rows are timed by the recorder's
 *   `local_ts_ns`; the symbol gets the market of the file name as a prefix (`spot:BTCUSDT`, `usdm:BTCUSDT`,
 *   `cm:BTCUSD_PERP`), because spot and perpetual share a symbol.
 * - **lean-minute-quote**: QuantConnect LEAN minute quote bars, files `YYYYMMDD_<root>_minute_quote_<contract>.csv[.gz]`
 *   (no header, ms since midnight UTC); the bar's closing bid and ask stand as a quote at the bar's end; the
 *   symbol is `<ROOT><contract>` (e.g. `ES201312`).
 * - **lean-minute-trade**: LEAN minute trade bars, `YYYYMMDD_<root>_minute_trade_<contract>.csv[.gz]` (no header:
 *   ms since midnight UTC of the bar's start, open, high, low, close, volume): a trade row (low, high, volume)
 *   at the bar's end, as the quote bars; read only for the symbols of `instruments` (the others are listed as
 *   ignored); a zero-volume bar is no trade and is passed over.
 *
 * Times that cannot be right refuse the whole load (a DataError naming file, line and the likely unit), whatever
 * `badData` says: an epoch time outside 1990-01-01 to 2100-01-01 (seconds, µs or ns in a millisecond column, ms in
 * Binance's nanoseconds), a negative time, a LEAN time outside the day or a LEAN file name that is not a date.
 */

export type BadKind = 'malformed' | 'nan' | 'nonPositivePrice' | 'crossed' | 'outOfOrder' | 'unknownSymbol' | 'offTick' | 'wide';
export const BAD_KINDS: readonly BadKind[] = ['malformed', 'nan', 'nonPositivePrice', 'crossed', 'outOfOrder', 'unknownSymbol', 'offTick', 'wide'];

export interface DataReport {
  files: { path: string; format: string; rows: number }[];
  ignoredFiles: string[];
  /** Quote rows read (bad or not). */
  rows: number;
  /** Quote rows used. */
  used: number;
  oneSided: number;
  /** The first and last quote used. */
  from: string | null;
  to: string | null;
  /** Quote rows used per symbol. */
  symbols: Record<string, number>;
  /**
   * Trade rows read (bad, zero-volume or not), used, and used per symbol. Always set by loadQuotes; optional only
   * so that reports built by hand before trades were loaded (bench/bench.ts) still type-check.
   */
  trades?: { rows: number; used: number; symbols: Record<string, number> };
  /** Per kind of bad row (quote or trade): how many, and the first few as `file:line: reason`. */
  bad: Record<BadKind, { count: number; first: string[] }>;
  /** What was done with bad rows. */
  policy: 'skip' | 'stop';
}

export interface LoadOptions {
  /** The symbols the run trades, with their tick size and an optional width limit (in ticks). */
  instruments: ReadonlyMap<string, { tickSize: number; maxWidthTicks?: number | undefined }>;
  /** Zone of ISO timestamps without an offset. */
  timeZone: string;
  badData: 'skip' | 'stop';
  /** How many located examples to keep per kind. Default 5. */
  examples?: number;
  /** Called before each data file is read (`index` of `files`, from 0): progress while a large data set loads. */
  onFile?: (index: number, files: number, file: string) => void;
}

export class DataError extends LegatoError {
  override name = 'DataError';
  constructor(
    message: string,
    readonly report?: DataReport,
  ) {
    super(message);
  }
}

/** Units of epoch times, by their digits after the second. */
type Unit = 'seconds' | 'milliseconds' | 'microseconds' | 'nanoseconds';
const DIGITS: Record<Unit, number> = { seconds: 0, milliseconds: 3, microseconds: 6, nanoseconds: 9 };
const UNITS = Object.keys(DIGITS) as Unit[];

interface QuoteRow {
  kind: 'quote';
  ts: number;
  symbol: string;
  bid: number;
  bidSize: number;
  ask: number;
  askSize: number;
  /** The unit of the epoch time the row was timed by (none for ISO and LEAN times). */
  epoch?: Unit | undefined;
}
interface TradeRow {
  kind: 'trade';
  ts: number;
  symbol: string;
  low: number;
  high: number;
  volume: number;
  epoch?: Unit | undefined;
}
type Bad = { bad: 'malformed' | 'nan'; reason: string };
/** A time that cannot be right: the whole load stops. `guess` is the likely unit of a time read in `unit`. */
type Fatal = { fatal: string; unit?: Unit; guess?: Unit };
/** A parsed row, or why it could not be parsed, or why the file cannot be read at all. */
type Parsed = QuoteRow | TradeRow | Bad | Fatal;

const NAN = /^[+-]?nan$/i;
/** The largest time a Date holds, in ms from 1970 either way. */
const MAX_TIME = 8.64e15;
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
/** Epoch times outside [FROM, TO) cannot be recorded market data: read in the wrong unit, most likely. */
const FROM = Date.UTC(1990, 0, 1);
const TO = Date.UTC(2100, 0, 1);
const DAY = 86_400_000;

/** A decimal field: undefined when empty (a missing side), NaN-marked when "NaN", null when not a number. */
function num(s: string | undefined | null | number): number | undefined | null | 'nan' {
  if (s === undefined || s === null) return undefined;
  // JSON reads 1e400 as Infinity: not a number, as the text "1e400" is not.
  if (typeof s === 'number') return Number.isNaN(s) ? 'nan' : Number.isFinite(s) ? s : null;
  const t = s.trim();
  if (t === '') return undefined;
  if (NAN.test(t)) return 'nan';
  if (!DECIMAL.test(t)) return null;
  const v = Number(t);
  return Number.isFinite(v) ? v : null;
}

function side(px: ReturnType<typeof num>, size: ReturnType<typeof num>, name: string): { px: number; size: number } | Bad {
  if (px === 'nan' || size === 'nan') return { bad: 'nan', reason: `${name} is NaN` };
  if (px === null || size === null) return { bad: 'malformed', reason: `${name} is not a number` };
  if (typeof size === 'number' && size < 0) return { bad: 'malformed', reason: `${name} size is negative (${size})` };
  if (px === undefined || size === undefined || size === 0) return { px: 0, size: 0 };
  return { px, size };
}

/** A time that is not a finite number (an unreadable field, JSON 1e400), or undefined when it is one. */
function badTime(ts: number): Bad | undefined {
  return Number.isFinite(ts) ? undefined : { bad: 'malformed', reason: 'timestamp is not a time' };
}

function row(ts: number, symbol: string, bid: ReturnType<typeof num>, bidSize: ReturnType<typeof num>, ask: ReturnType<typeof num>, askSize: ReturnType<typeof num>, epoch?: Unit): Parsed {
  const t = badTime(ts);
  if (t) return t;
  if (!symbol) return { bad: 'malformed', reason: 'symbol is empty' };
  const b = side(bid, bidSize, 'bid');
  if ('bad' in b) return b;
  const a = side(ask, askSize, 'ask');
  if ('bad' in a) return a;
  return { kind: 'quote', ts, symbol, bid: b.px, bidSize: b.size, ask: a.px, askSize: a.size, epoch };
}

/** `v` in `unit` as epoch milliseconds. */
function toMs(v: number, unit: Unit): number {
  const d = DIGITS.milliseconds - DIGITS[unit];
  return d >= 0 ? v * 10 ** d : v / 10 ** -d;
}
const plausible = (ms: number): boolean => ms >= FROM && ms < TO;
/** The day of an epoch time in ms, for a message. */
function dayOf(ms: number): string {
  if (ms > MAX_TIME) return 'past the year 275760';
  if (ms < -MAX_TIME) return 'before the year -271821';
  return new Date(ms).toISOString().split('T')[0]!;
}
/** What turns `guess` into `unit`: "multiply by 1000", "divide by 1000000". */
function conversion(guess: Unit, unit: Unit): string {
  const d = DIGITS[unit] - DIGITS[guess];
  return `${d > 0 ? 'multiply' : 'divide'} by 1${'0'.repeat(Math.abs(d))}`;
}

/**
 * An epoch time `v` (written `raw`) of the column `name` in `unit`, checked: undefined when it falls between
 * 1990 and 2100, else why it cannot be right, with the unit its magnitude suggests (seconds ≈ 1e9, ms ≈ 1e12,
 * µs ≈ 1e15, ns ≈ 1e18). `iso`: the column takes ISO 8601 times too.
 */
function implausible(v: number, raw: string, name: string, unit: Unit, iso: boolean): Fatal | undefined {
  const ms = toMs(v, unit);
  if (plausible(ms)) return undefined;
  const read = `${dayOf(ms)} if read as ${unit}`;
  const guess = UNITS.find((u) => plausible(toMs(Math.abs(v), u)));
  if (v < 0) return { fatal: `${name} ${raw} is negative, ${read}${guess ? `; without the minus sign it looks like ${guess}` : ''}` };
  if (!guess) return { fatal: `${name} ${raw} is ${read}, and no unit (seconds, milliseconds, microseconds, nanoseconds) puts it between 1990-01-01 and 2100-01-01` };
  const fix = `${conversion(guess, unit)}${iso ? ', or write ISO 8601 times' : ''}`;
  return { fatal: `${name} ${raw} is ${read}; it looks like ${guess} (${fix})`, unit, guess };
}

const INTEGER_OR_DECIMAL = /^-?\d+(\.\d+)?$/;

/**
 * A `ts` field: epoch ms (a number, or digits) checked for plausibility (a whole-file error), or ISO 8601 (read
 * in `zone` without an offset), where a time outside 1990-2100 is a bad row (its unit is not in doubt).
 */
function parseTs(v: unknown, zone: string, name: string): { ts: number; epoch?: Unit } | Fatal | Bad {
  let n: number;
  let raw: string;
  if (typeof v === 'number') {
    n = v;
    raw = String(v);
  } else if (typeof v === 'string' && INTEGER_OR_DECIMAL.test(v.trim())) {
    raw = v.trim();
    n = Number(raw);
  } else if (typeof v === 'string') {
    const d = DateTime.fromISO(v.trim(), { zone });
    if (!d.isValid) return { ts: NaN };
    const ms = d.toMillis();
    if (!plausible(ms)) return { bad: 'malformed', reason: `${name} ${v.trim()} is ${dayOf(ms)}, not between 1990-01-01 and 2100-01-01` };
    return { ts: ms };
  } else return { ts: NaN };
  // 1e400 (Infinity) and NaN are not times: a bad row, as an unreadable time is, not a unit to guess.
  if (!Number.isFinite(n)) return { ts: NaN };
  return implausible(n, raw, name, 'milliseconds', true) ?? { ts: n, epoch: 'milliseconds' };
}

interface Format {
  name: string;
  /** What the rows of the file are, for the report's counts (the rows themselves say, one by one). */
  carries: 'quote' | 'trade';
  /** Parses one line (1-based number); undefined for a line to pass over (a header, a blank line). */
  parse(line: string, n: number): Parsed | undefined;
}

function csvFormat(header: string[], zone: string): Format | string {
  const col = (...names: string[]): number => header.findIndex((h) => names.includes(h.trim().toLowerCase()));
  const c = {
    ts: col('ts', 'ts_ms', 'timestamp', 'time'),
    symbol: col('symbol'),
    bid: col('bid'),
    bidSize: col('bid_size', 'bidsize', 'bid_qty'),
    ask: col('ask'),
    askSize: col('ask_size', 'asksize', 'ask_qty'),
  };
  const names: Record<keyof typeof c, string> = { ts: 'ts', symbol: 'symbol', bid: 'bid', bidSize: 'bid_size', ask: 'ask', askSize: 'ask_size' };
  const missing = (Object.keys(c) as (keyof typeof c)[]).filter((k) => c[k] < 0).map((k) => names[k]);
  if (missing.length) return `the header lacks ${missing.join(', ')} (expected ts, symbol, bid, bid_size, ask, ask_size)`;
  const width = header.length;
  const tsName = header[c.ts]!.trim();
  return {
    name: 'csv',
    carries: 'quote',
    parse: (line, n) => {
      if (n === 1 || line.trim() === '') return undefined;
      const f = line.split(',');
      if (f.length < width) return { bad: 'malformed', reason: `${f.length} fields, expected ${width}` };
      const t = parseTs(f[c.ts], zone, tsName);
      if ('fatal' in t || 'bad' in t) return t;
      return row(t.ts, f[c.symbol]!.trim(), num(f[c.bid]), num(f[c.bidSize]), num(f[c.ask]), num(f[c.askSize]), t.epoch);
    },
  };
}

const jsonlFormat = (zone: string): Format => ({
  name: 'jsonl',
  carries: 'quote',
  parse: (line) => {
    if (line.trim() === '') return undefined;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return { bad: 'malformed', reason: 'not valid JSON' };
    }
    if (typeof o !== 'object' || o === null) return { bad: 'malformed', reason: 'not an object' };
    const n = (k: string): ReturnType<typeof num> => {
      const v = o[k];
      return typeof v === 'string' || typeof v === 'number' || v === null || v === undefined ? num(v) : null;
    };
    const tsKey = Object.hasOwn(o, 'ts') || !Object.hasOwn(o, 'ts_ms') ? 'ts' : 'ts_ms';
    const t = parseTs(o[tsKey], zone, tsKey);
    if ('fatal' in t || 'bad' in t) return t;
    return row(t.ts, typeof o.symbol === 'string' ? o.symbol : '', n('bid'), n('bidSize'), n('ask'), n('askSize'), t.epoch);
  },
});

function binanceFormat(file: string, header: string[]): Format | string {
  const market = /^(spot|usdm|cm)_/.exec(basename(file))?.[1];
  const i = (name: string): number => header.indexOf(name);
  const needed = ['local_ts_ns', 'symbol', 'bid_px', 'bid_qty', 'ask_px', 'ask_qty'];
  const missing = needed.filter((name) => i(name) < 0);
  if (missing.length) return `the bookTicker header lacks ${missing.join(', ')} (expected ${needed.join(', ')})`;
  const [ts, sym, bid, bq, ask, aq] = needed.map(i) as [number, number, number, number, number, number];
  return {
    name: 'binance-bookticker',
    carries: 'quote',
    parse: (line, n) => {
      if (n === 1 || line.trim() === '') return undefined;
      const f = line.split(',');
      if (f.length !== header.length) return { bad: 'malformed', reason: `${f.length} fields, expected ${header.length}` };
      const symbol = f[sym]!.trim();
      const t = f[ts]!.trim();
      const ns = /^-?\d+$/.test(t) ? Number(t) : NaN;
      if (Number.isFinite(ns)) {
        const no = implausible(ns, t, 'local_ts_ns', 'nanoseconds', false);
        if (no) return no;
      }
      return row(ns / 1e6, market ? `${market}:${symbol}` : symbol, num(f[bid]), num(f[bq]), num(f[ask]), num(f[aq]), 'nanoseconds');
    },
  };
}

const LEAN = /^(\d{4})(\d{2})(\d{2})_([a-z0-9]+)_minute_(quote|trade)_([a-z0-9]+)\.csv(\.gz)?$/i;

/** The LEAN file's day (from its name, checked) and symbol (`<ROOT><contract>`). */
function leanFile(file: string): { day: number; symbol: string; kind: 'quote' | 'trade' } {
  const m = LEAN.exec(basename(file))!;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const day = Date.UTC(y, mo - 1, d);
  const date = new Date(day);
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) {
    throw new DataError(`${file}: the date in the file name, ${m[1]}${m[2]}${m[3]}, is not a calendar date (LEAN names its files YYYYMMDD_…)`);
  }
  if (!plausible(day)) throw new DataError(`${file}: the date in the file name, ${dayOf(day)}, is not between 1990-01-01 and 2100-01-01`);
  return { day, symbol: `${m[4]!.toUpperCase()}${m[6]}`, kind: m[5]!.toLowerCase() as 'quote' | 'trade' };
}

/**
 * A LEAN bar's time field, ms since midnight UTC of the bar's start, as the bar's end (day + ms + 1 minute):
 * the bar [ms, ms + 1 min) is known when it closes. A time outside the day is a whole-file error.
 */
function leanTime(field: string, day: number): number | Fatal {
  const t = field.trim();
  if (!/^-?\d+$/.test(t)) return NaN;
  const ms = Number(t);
  const counts = 'a LEAN minute file counts milliseconds since midnight UTC, 0 to 86399999';
  if (ms < 0) return { fatal: `time ${t} is negative: ${counts}` };
  if (ms >= DAY) {
    const guess = UNITS.find((u) => plausible(toMs(ms, u)));
    return { fatal: `time ${t} is past the end of the day: ${counts}${guess ? `; it looks like an epoch time in ${guess}` : ''}` };
  }
  return day + ms + 60_000;
}

function leanQuoteFormat(file: string): Format {
  const { day, symbol } = leanFile(file);
  return {
    name: 'lean-minute-quote',
    carries: 'quote',
    parse: (line) => {
      if (line.trim() === '') return undefined;
      const f = line.split(',');
      if (f.length !== 11) return { bad: 'malformed', reason: `${f.length} fields, expected 11` };
      const ts = leanTime(f[0]!, day);
      if (typeof ts !== 'number') return ts;
      // The bar closes with these prices: the quote stands from the bar's end.
      return row(ts, symbol, num(f[4]), num(f[5]), num(f[9]), num(f[10]));
    },
  };
}

function leanTradeFormat(file: string): Format {
  const { day, symbol } = leanFile(file);
  return {
    name: 'lean-minute-trade',
    carries: 'trade',
    parse: (line) => {
      if (line.trim() === '') return undefined;
      const f = line.split(',');
      if (f.length !== 6) return { bad: 'malformed', reason: `${f.length} fields, expected 6` };
      const ts = leanTime(f[0]!, day);
      if (typeof ts !== 'number') return ts;
      const t = badTime(ts);
      if (t) return t;
      const volume = num(f[5]);
      if (volume === 'nan') return { bad: 'nan', reason: 'volume is NaN' };
      if (volume === null || volume === undefined) return { bad: 'malformed', reason: `volume is ${volume === null ? 'not a number' : 'empty'}` };
      if (volume < 0) return { bad: 'malformed', reason: `volume is negative (${volume})` };
      // No trade in the bar: nothing to check of its prices.
      if (volume === 0) return { kind: 'trade', ts, symbol, low: 0, high: 0, volume: 0 };
      const high = num(f[2]);
      const low = num(f[3]);
      for (const [name, v] of [
        ['high', high],
        ['low', low],
      ] as const) {
        if (v === 'nan') return { bad: 'nan', reason: `${name} is NaN` };
        if (v === null || v === undefined) return { bad: 'malformed', reason: `${name} is ${v === null ? 'not a number' : 'empty'}` };
      }
      return { kind: 'trade', ts, symbol, low: low as number, high: high as number, volume };
    },
  };
}

/**
 * The most one data file may hold, as read or once unzipped: a file is read whole into one string, and V8's strings
 * end near 512 MiB. A day of a liquid pair's quotes is tens of megabytes; split bigger files by day.
 */
export const MAX_DATA_FILE_BYTES = 256 * 1024 * 1024;

function readText(path: string): string {
  let buf: Buffer;
  try {
    // Only a regular file, checked on the descriptor read: a FIFO would block for ever, a device (/dev/zero) never end.
    buf = readRegularFile(path, MAX_DATA_FILE_BYTES);
  } catch (e) {
    const code = (e as FileReadError).code;
    if (code === 'EINVAL') throw new DataError(`${path}: not a regular file (a folder of data files, or a file, is expected)`);
    if (code === 'EFBIG') throw new DataError(`${path}: more than the ${megabytes(MAX_DATA_FILE_BYTES)} a data file may hold; split it (by day)`);
    throw new DataError(`${path}: cannot be read (${code})`);
  }
  if (!(buf[0] === 0x1f && buf[1] === 0x8b)) return buf.toString('utf8');
  let text: Buffer;
  try {
    text = gunzipSync(buf, { maxOutputLength: MAX_DATA_FILE_BYTES });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (code === 'ERR_BUFFER_TOO_LARGE') throw new DataError(`${path}: unzipped, more than the ${megabytes(MAX_DATA_FILE_BYTES)} a data file may hold; split it (by day)`);
    // zlib's own errors (Z_BUF_ERROR for a cut stream, Z_DATA_ERROR for a damaged one); anything else is named as it is.
    if (code.startsWith('Z_')) throw new DataError(`${path}: the gzip data is truncated or corrupt (${(e as Error).message})`);
    throw new DataError(`${path}: not a readable gzip file: ${(e as Error).message}`);
  }
  return text.toString('utf8');
}

const megabytes = (bytes: number): string => `${Math.round(bytes / (1024 * 1024))} MB`;

/**
 * Whether a folder's entry named like a data file is read: a file is, a folder is passed over (folders are not read
 * within folders). Anything else (a FIFO, a socket, a device) is kept, for its reading to refuse it by name: passed
 * over, it would leave out data its name says is there. One that cannot be looked at (a broken link) is named too.
 */
function isDataEntry(path: string): boolean {
  try {
    return !statSync(path).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new DataError(`${path}: listed in the folder but cannot be read (${code}${code === 'ENOENT' ? ': a broken link?' : ''})`);
  }
}

/** The data files of a path: the file itself, or a folder's .csv/.jsonl files (gzipped or not), by name. */
export function dataFiles(path: string): string[] {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new DataError(`${path}: no such file or folder`);
  }
  if (!st.isDirectory()) return [path];
  let names: string[];
  try {
    names = readdirSync(path);
  } catch (e) {
    throw new DataError(`${path}: the folder cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return names
    .filter((f) => /\.(csv|jsonl)(\.gz)?$/i.test(f) && isDataEntry(join(path, f)))
    .sort()
    .map((f) => join(path, f));
}

export function loadQuotes(paths: readonly string[], options: LoadOptions): { table: QuoteTable; trades: TradeTable; report: DataReport } {
  const keep = options.examples ?? 5;
  const tradeCounts = { rows: 0, used: 0, symbols: {} as Record<string, number> };
  const report: DataReport = {
    files: [],
    ignoredFiles: [],
    rows: 0,
    used: 0,
    oneSided: 0,
    from: null,
    to: null,
    symbols: {},
    trades: tradeCounts,
    bad: Object.fromEntries(BAD_KINDS.map((k) => [k, { count: 0, first: [] as string[] }])) as DataReport['bad'],
    policy: options.badData,
  };
  if (!isTimeZone(options.timeZone)) throw new DataError(`timeZone: ${JSON.stringify(String(options.timeZone).slice(0, 64))} is not an IANA time zone`);
  const table = new QuoteTable();
  const trades = new TradeTable();
  const files = paths.flatMap(dataFiles);
  if (files.length === 0) throw new DataError(`no data files (.csv, .jsonl, optionally .gz) in ${paths.join(', ')}`);
  const flag = (kind: BadKind, where: string, reason: string): void => {
    const b = report.bad[kind];
    b.count++;
    if (b.first.length < keep) b.first.push(`${where}: ${reason}`);
    if (options.badData === 'stop') throw new DataError(`bad data at ${where}: ${reason} (${kind}); --bad-data skip would skip such rows`, report);
  };
  /** The first row timed in each epoch unit, so a file in another unit can be told that the data mixes them. */
  const firstIn = new Map<Unit, string>();
  // Not `> 1e-6`: a price of more than ~1.8e308 ticks (1e308 at 0.25) gives Infinity - Infinity = NaN, which must not pass.
  // What keeps a price off the integer tick grid: not a multiple of the tick, or more ticks than a double holds
  // exactly (2^53: a price of 1e20 on a 0.25 tick), past which the engine's integer arithmetic is not exact.
  const gridProblem = (px: number, tick: number): string | undefined => {
    const t = px / tick;
    if (!(Math.abs(t) < 2 ** 53)) return 'past 2^53 ticks of';
    return Math.abs(t - Math.round(t)) <= 1e-6 ? undefined : 'not a multiple of';
  };

  for (const [index, file] of files.entries()) {
    options.onFile?.(index, files.length, file);
    const lean = LEAN.exec(basename(file)) ? leanFile(file) : undefined;
    if (lean?.kind === 'trade' && !options.instruments.has(lean.symbol)) {
      report.ignoredFiles.push(`${file} (LEAN trade bars of ${lean.symbol}, not an instrument of the config)`);
      continue;
    }
    const text = readText(file);
    const lines = text.split(/\r?\n/);
    if (lines.at(-1) === '') lines.pop();
    const first = lines[0] ?? '';
    let f: Format | string;
    if (lean) f = lean.kind === 'trade' ? leanTradeFormat(file) : leanQuoteFormat(file);
    else if (first.startsWith('local_ts_ns')) f = binanceFormat(file, first.split(',').map((h) => h.trim()));
    else if (first.trimStart().startsWith('{')) f = jsonlFormat(options.timeZone);
    else f = csvFormat(first.split(','), options.timeZone);
    if (typeof f === 'string') throw new DataError(`${file}: not a data file Legato knows: ${f}`);
    const format: Format = f;
    let rows = 0;
    let last = -Infinity;
    for (let n = 1; n <= lines.length; n++) {
      const p = format.parse(lines[n - 1]!, n);
      if (p === undefined) continue;
      rows++;
      const where = `${file}:${n}`;
      if ('fatal' in p) {
        const other = p.unit && p.guess ? firstIn.get(p.unit) : undefined;
        throw new DataError(`${where}: ${p.fatal}${other ? `; ${other} is in ${p.unit}: the data mixes units` : ''}`);
      }
      if ('bad' in p) {
        flag(p.bad, where, p.reason);
        continue;
      }
      if (p.epoch && !firstIn.has(p.epoch)) firstIn.set(p.epoch, where);
      const inst = options.instruments.get(p.symbol);
      if (!inst) {
        flag('unknownSymbol', where, `symbol ${p.symbol} is not a leg of the config`);
        continue;
      }
      if (p.kind === 'trade') {
        if (p.volume === 0) continue; // a bar without a trade: not one, and not bad
        if (p.low <= 0 || p.high <= 0) {
          flag('nonPositivePrice', where, `low ${p.low}, high ${p.high}`);
          continue;
        }
        if (p.low > p.high) {
          flag('malformed', where, `low ${p.low} > high ${p.high}`);
          continue;
        }
        const tradeOff = gridProblem(p.low, inst.tickSize) ?? gridProblem(p.high, inst.tickSize);
        if (tradeOff !== undefined) {
          flag('offTick', where, `price ${tradeOff} the tick ${inst.tickSize} (low ${p.low}, high ${p.high})`);
          continue;
        }
        if (p.ts < last) {
          flag('outOfOrder', where, `time ${new Date(p.ts).toISOString()} is before the previous row's ${new Date(last).toISOString()}`);
          continue;
        }
        last = p.ts;
        tradeCounts.symbols[p.symbol] = (tradeCounts.symbols[p.symbol] ?? 0) + 1;
        trades.push(p.ts, trades.symbolId(p.symbol), p.low, p.high, p.volume);
        continue;
      }
      const two = p.bidSize > 0 && p.askSize > 0;
      if ((p.bidSize > 0 && p.bid <= 0) || (p.askSize > 0 && p.ask <= 0)) {
        flag('nonPositivePrice', where, `bid ${p.bid}, ask ${p.ask}`);
        continue;
      }
      if (two && p.bid >= p.ask) {
        flag('crossed', where, `bid ${p.bid} ≥ ask ${p.ask}`);
        continue;
      }
      const quoteOff = (p.bidSize > 0 ? gridProblem(p.bid, inst.tickSize) : undefined) ?? (p.askSize > 0 ? gridProblem(p.ask, inst.tickSize) : undefined);
      if (quoteOff !== undefined) {
        flag('offTick', where, `price ${quoteOff} the tick ${inst.tickSize} (bid ${p.bid}, ask ${p.ask})`);
        continue;
      }
      if (two && inst.maxWidthTicks !== undefined && (p.ask - p.bid) / inst.tickSize > inst.maxWidthTicks + 1e-9) {
        flag('wide', where, `bid ${p.bid} / ask ${p.ask} is ${Math.round((p.ask - p.bid) / inst.tickSize)} ticks wide, more than maxWidthTicks ${inst.maxWidthTicks}`);
        continue;
      }
      if (p.ts < last) {
        flag('outOfOrder', where, `time ${new Date(p.ts).toISOString()} is before the previous row's ${new Date(last).toISOString()}`);
        continue;
      }
      last = p.ts;
      if (!two) report.oneSided++;
      report.symbols[p.symbol] = (report.symbols[p.symbol] ?? 0) + 1;
      table.push(p.ts, table.symbolId(p.symbol), p.bid, p.bidSize, p.ask, p.askSize);
    }
    if (format.carries === 'trade') tradeCounts.rows += rows;
    else report.rows += rows;
    report.files.push({ path: file, format: format.name, rows });
  }
  const sorted = table.sorted();
  report.used = sorted.length;
  tradeCounts.used = trades.length;
  if (sorted.length > 0) {
    report.from = new Date(sorted.ts[0]!).toISOString();
    report.to = new Date(sorted.ts[sorted.length - 1]!).toISOString();
  }
  return { table: sorted, trades: trades.sorted(), report };
}
