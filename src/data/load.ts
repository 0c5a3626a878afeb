import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DateTime, IANAZone } from 'luxon';
import { LegatoError } from '../domain/errors.js';
import { QuoteTable } from './quote-table.js';

/**
 * Recorded quotes → a time-ordered QuoteTable, with every bad row counted and located.
 *
 * Formats (gzip accepted for all, detected by content):
 * - **csv**: a header naming `ts`, `symbol`, `bid`, `bid_size`, `ask`, `ask_size` (and optionally `last`).
 * - **jsonl**: one object per line with `ts`, `symbol`, `bid`, `bidSize`, `ask`, `askSize` (and optionally `last`).
 *   `ts` is epoch milliseconds (a number) or ISO 8601; an ISO time without an offset is read in `timeZone`.
 *   An empty side (empty field or null) is a one-sided quote, not an error.
 * - **binance-bookticker**: Binance bookTicker CSVs (header `local_ts_ns,…`); rows are timed by the recorder's
 *   `local_ts_ns`; the symbol gets the market of the file name as a prefix (`spot:BTCUSDT`, `usdm:BTCUSDT`,
 *   `cm:BTCUSD_PERP`), because spot and perpetual share a symbol.
 * - **lean-minute-quote**: QuantConnect LEAN minute quote bars, files `YYYYMMDD_<root>_minute_quote_<contract>.csv[.gz]`
 *   (no header, ms since midnight UTC); the bar's closing bid and ask stand as a quote at the bar's end; the
 *   symbol is `<ROOT><contract>` (e.g. `ES201312`). LEAN trade files are listed and ignored.
 */

export type BadKind = 'malformed' | 'nan' | 'nonPositivePrice' | 'crossed' | 'outOfOrder' | 'unknownSymbol' | 'offTick' | 'wide';
export const BAD_KINDS: readonly BadKind[] = ['malformed', 'nan', 'nonPositivePrice', 'crossed', 'outOfOrder', 'unknownSymbol', 'offTick', 'wide'];

export interface DataReport {
  files: { path: string; format: string; rows: number }[];
  ignoredFiles: string[];
  rows: number;
  used: number;
  oneSided: number;
  from: string | null;
  to: string | null;
  /** Rows used per symbol. */
  symbols: Record<string, number>;
  /** Per kind of bad row: how many, and the first few as `file:line: reason`. */
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

interface Row {
  ts: number;
  symbol: string;
  bid: number;
  bidSize: number;
  ask: number;
  askSize: number;
}
/** A parsed row, or why it could not be parsed. */
type Parsed = Row | { bad: 'malformed' | 'nan'; reason: string };

const NAN = /^[+-]?nan$/i;
/** The largest time a Date holds, in ms from 1970 either way. */
const MAX_TIME = 8.64e15;
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

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

function side(px: ReturnType<typeof num>, size: ReturnType<typeof num>, name: string): { px: number; size: number } | { bad: 'malformed' | 'nan'; reason: string } {
  if (px === 'nan' || size === 'nan') return { bad: 'nan', reason: `${name} is NaN` };
  if (px === null || size === null) return { bad: 'malformed', reason: `${name} is not a number` };
  if (typeof size === 'number' && size < 0) return { bad: 'malformed', reason: `${name} size is negative (${size})` };
  if (px === undefined || size === undefined || size === 0) return { px: 0, size: 0 };
  return { px, size };
}

function row(ts: number, symbol: string, bid: ReturnType<typeof num>, bidSize: ReturnType<typeof num>, ask: ReturnType<typeof num>, askSize: ReturnType<typeof num>): Parsed {
  if (!Number.isFinite(ts)) return { bad: 'malformed', reason: 'timestamp is not a time' };
  // Beyond ±8.64e15 ms a Date cannot hold it (ns read as ms, say): refused here, not thrown by the report's toISOString.
  if (Math.abs(ts) > MAX_TIME) return { bad: 'malformed', reason: `timestamp ${ts} ms is out of range (at most ±8.64e15 ms from 1970)` };
  if (!symbol) return { bad: 'malformed', reason: 'symbol is empty' };
  const b = side(bid, bidSize, 'bid');
  if ('bad' in b) return b;
  const a = side(ask, askSize, 'ask');
  if ('bad' in a) return a;
  return { ts, symbol, bid: b.px, bidSize: b.size, ask: a.px, askSize: a.size };
}

function parseTs(v: unknown, zone: string): number {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return NaN;
  const t = v.trim();
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  const d = DateTime.fromISO(t, { zone });
  return d.isValid ? d.toMillis() : NaN;
}

interface Format {
  name: string;
  /** Parses one line (1-based number); undefined for a line to pass over (a header, a blank line). */
  parse(line: string, n: number): Parsed | undefined;
}

function csvFormat(header: string[], zone: string): Format | string {
  const col = (...names: string[]): number => header.findIndex((h) => names.includes(h.trim().toLowerCase()));
  const c = {
    ts: col('ts', 'timestamp', 'time'),
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
  return {
    name: 'csv',
    parse: (line, n) => {
      if (n === 1 || line.trim() === '') return undefined;
      const f = line.split(',');
      if (f.length < width) return { bad: 'malformed', reason: `${f.length} fields, expected ${width}` };
      return row(parseTs(f[c.ts], zone), f[c.symbol]!.trim(), num(f[c.bid]), num(f[c.bidSize]), num(f[c.ask]), num(f[c.askSize]));
    },
  };
}

const jsonlFormat = (zone: string): Format => ({
  name: 'jsonl',
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
    return row(parseTs(o.ts, zone), typeof o.symbol === 'string' ? o.symbol : '', n('bid'), n('bidSize'), n('ask'), n('askSize'));
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
    parse: (line, n) => {
      if (n === 1 || line.trim() === '') return undefined;
      const f = line.split(',');
      if (f.length !== header.length) return { bad: 'malformed', reason: `${f.length} fields, expected ${header.length}` };
      const symbol = f[sym]!.trim();
      const t = f[ts]!.trim();
      return row(/^\d+$/.test(t) ? Number(t) / 1e6 : NaN, market ? `${market}:${symbol}` : symbol, num(f[bid]), num(f[bq]), num(f[ask]), num(f[aq]));
    },
  };
}

const LEAN = /^(\d{4})(\d{2})(\d{2})_([a-z0-9]+)_minute_(quote|trade)_([a-z0-9]+)\.csv(\.gz)?$/i;

function leanFormat(file: string): Format {
  const m = LEAN.exec(basename(file))!;
  const day = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const symbol = `${m[4]!.toUpperCase()}${m[6]}`;
  return {
    name: 'lean-minute-quote',
    parse: (line) => {
      if (line.trim() === '') return undefined;
      const f = line.split(',');
      if (f.length !== 11) return { bad: 'malformed', reason: `${f.length} fields, expected 11` };
      const ms = /^\d+$/.test(f[0]!.trim()) ? Number(f[0]) : NaN;
      // The bar [ms, ms + 1 min) closes with these prices: the quote stands from the bar's end.
      return row(Number.isFinite(ms) ? day + ms + 60_000 : NaN, symbol, num(f[4]), num(f[5]), num(f[9]), num(f[10]));
    },
  };
}

function readText(path: string): string {
  const buf = readFileSync(path);
  if (!(buf[0] === 0x1f && buf[1] === 0x8b)) return buf.toString('utf8');
  let text: Buffer;
  try {
    text = gunzipSync(buf);
  } catch (e) {
    throw new DataError(`${path}: not a readable gzip file: ${(e as Error).message}`);
  }
  return text.toString('utf8');
}

/** Whether a folder's entry is a file; one that cannot be looked at (a broken link) is named, not passed over. */
function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
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
  return readdirSync(path)
    .filter((f) => /\.(csv|jsonl)(\.gz)?$/i.test(f) && isFile(join(path, f)))
    .sort()
    .map((f) => join(path, f));
}

export function loadQuotes(paths: readonly string[], options: LoadOptions): { table: QuoteTable; report: DataReport } {
  const keep = options.examples ?? 5;
  const report: DataReport = {
    files: [],
    ignoredFiles: [],
    rows: 0,
    used: 0,
    oneSided: 0,
    from: null,
    to: null,
    symbols: {},
    bad: Object.fromEntries(BAD_KINDS.map((k) => [k, { count: 0, first: [] as string[] }])) as DataReport['bad'],
    policy: options.badData,
  };
  if (!IANAZone.isValidZone(options.timeZone)) throw new DataError(`timeZone: "${options.timeZone}" is not an IANA time zone`);
  const table = new QuoteTable();
  const files = paths.flatMap(dataFiles);
  if (files.length === 0) throw new DataError(`no data files (.csv, .jsonl, optionally .gz) in ${paths.join(', ')}`);
  const flag = (kind: BadKind, where: string, reason: string): void => {
    const b = report.bad[kind];
    b.count++;
    if (b.first.length < keep) b.first.push(`${where}: ${reason}`);
    if (options.badData === 'stop') throw new DataError(`bad data at ${where}: ${reason} (${kind}); --bad-data skip would skip such rows`, report);
  };

  for (const file of files) {
    const lean = LEAN.exec(basename(file));
    if (lean && lean[5]!.toLowerCase() === 'trade') {
      report.ignoredFiles.push(`${file} (LEAN trade bars: quotes are read from the quote files)`);
      continue;
    }
    const text = readText(file);
    const lines = text.split(/\r?\n/);
    if (lines.at(-1) === '') lines.pop();
    const first = lines[0] ?? '';
    let f: Format | string;
    if (lean) f = leanFormat(file);
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
      if ('bad' in p) {
        flag(p.bad, where, p.reason);
        continue;
      }
      const inst = options.instruments.get(p.symbol);
      if (!inst) {
        flag('unknownSymbol', where, `symbol ${p.symbol} is not a leg of the config`);
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
      // Not `> 1e-6`: a price of more than ~1.8e308 ticks (1e308 at 0.25) gives Infinity - Infinity = NaN, which must not pass.
      const offTick = (px: number): boolean => !(Math.abs(px / inst.tickSize - Math.round(px / inst.tickSize)) <= 1e-6);
      if ((p.bidSize > 0 && offTick(p.bid)) || (p.askSize > 0 && offTick(p.ask))) {
        flag('offTick', where, `price not a multiple of the tick ${inst.tickSize} (bid ${p.bid}, ask ${p.ask})`);
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
    report.rows += rows;
    report.files.push({ path: file, format: format.name, rows });
  }
  const sorted = table.sorted();
  report.used = sorted.length;
  if (sorted.length > 0) {
    report.from = new Date(sorted.ts[0]!).toISOString();
    report.to = new Date(sorted.ts[sorted.length - 1]!).toISOString();
  }
  return { table: sorted, report };
}
