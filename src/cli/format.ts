import { DateTime } from 'luxon';
import { BAD_KINDS, nakedQuantities, type DataReport, type Summary } from '../index.js';

/** Left-aligned text columns; numbers are right-aligned. */
export function table(head: string[], rows: (string | number)[][]): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, c) => Math.max(...cells.map((r) => r[c]!.length)));
  const numeric = head.map((_, c) => rows.length > 0 && rows.every((r) => typeof r[c] === 'number' || /^-?[\d.,]+( ms| s| min| lots?)?$/.test(String(r[c]))));
  return cells
    .map((r) => r.map((v, c) => (numeric[c] ? v.padStart(widths[c]!) : v.padEnd(widths[c]!))).join('  ').trimEnd())
    .join('\n');
}

export function time(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toFormat('yyyy-MM-dd HH:mm:ss');
}

export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

/** The human summary printed at the end of a run. */
export function formatSummary(s: Summary, zone: string): string {
  const out: string[] = [];
  const from = Date.parse(s.run.from);
  const to = Date.parse(s.run.to);
  out.push(`Legato run on the ${s.run.venue} venue, seed ${s.run.seed}: ${time(from, zone)} to ${time(to, zone)} (${zone})`);
  const c = s.counts;
  out.push(
    `quotes ${c.quotes}, market updates to strategies ${c.views}, orders ${c.orders}, fills ${c.fills}, rejects ${c.rejects}` +
      (c.refused ? `, refused by pre-trade risk ${c.refused}` : '') +
      (c.throttled ? `, throttled by the order rate ${c.throttled}` : '') +
      (c.duplicateFills ? `, duplicate fills ignored ${c.duplicateFills}` : '') +
      (c.unrouted ? `, reports for finished orders ${c.unrouted}` : '') +
      (c.disconnects ? `, disconnects ${c.disconnects}` : '') +
      (c.unanswered ? `, venue silences chased ${c.unanswered}` : ''),
  );
  out.push('');
  // Costs (fees, funding) are shown when the config models any; --json always has them.
  const costs = s.costs.configured;
  // A run over more than one local date shows each execution's date too (09:00 is the next morning's).
  const multiDay = time(from, zone).slice(0, 10) !== time(to, zone).slice(0, 10);
  out.push(`Executions (${s.executions.length})`);
  if (s.executions.length === 0) out.push('  none');
  else {
    out.push(
      table(
        ['algo', 'start', 'purpose', 'side', 'status', 'units', 'trigger', 'realized', 'slippage', ...(costs ? ['fees'] : []), 'naked notional', 'naked qty', 'naked for', 'notional·s', 'took', 're-prices', 'ladder'],
        s.executions.map((e) => [
          e.algoId,
          multiDay ? time(e.startedAt, zone) : time(e.startedAt, zone).slice(11),
          e.purpose,
          e.side,
          e.reason && e.reason !== 'filled' ? `${e.status} (${e.reason})` : e.status,
          `${e.units}/${e.qty}`,
          e.trigger ?? '-',
          e.realizedSpread ?? '-',
          e.slippage ?? '-',
          ...(costs ? [e.fees] : []),
          e.exposure.maxNotional,
          // Quantities, not lots: the legs of a spread usually trade one underlying in lots of different
          // sizes (0.05/0 BTC reads at once; 50/0 lots of 0.001 and 0.00001 BTC does not).
          nakedQuantities(s, e).join('/'),
          duration(e.exposure.nakedMs),
          e.exposure.notionalSeconds,
          duration(e.durationMs),
          e.reprices,
          e.ladderSteps,
        ]),
      )
        .split('\n')
        .map((l) => `  ${l}`)
        .join('\n'),
    );
  }
  out.push('');
  const x = s.exposure;
  out.push(
    `Naked exposure: max notional ${x.maxNakedNotional}; longest ${duration(x.longestNakedMs)}` +
      `${x.longestNakedAlgo ? ` (${x.longestNakedAlgo})` : ''}; total ${duration(x.totalNakedMs)}; ${x.nakedNotionalSeconds} notional-seconds`,
  );
  // Per leg, the largest distance from the nearest balanced position: quantity (lots × lot size; the lots too
  // when a lot is not one unit), notional.
  const lots = (n: number): string => `${n} lot${n === 1 ? '' : 's'}`;
  for (const [name, legs] of Object.entries(x.legs)) {
    const leg = (l: (typeof legs)[number]): string => `${l.symbol} max ${l.lotSize === '1' ? lots(l.maxLots) : `${l.maxQty} (${lots(l.maxLots)})`}, notional ${l.maxNotional}`;
    out.push(`  ${name}: ${legs.map(leg).join('; ')}`);
  }
  const l = s.ladder;
  out.push(`Hedge ladder steps: resting ${l.resting}, crossing ${l.crossing}, unwinding ${l.unwinding}, paused ${l.paused}, failed ${l.failed}`);
  out.push('');
  out.push('Positions');
  for (const st of s.strategies) {
    const legs = st.legs.map((l) => `${l.symbol} ${l.lots >= 0 ? '+' : ''}${l.lots} lots${l.nakedLots !== 0 ? ` (naked ${l.nakedLots})` : ''}`).join(', ');
    const pnl = costs ? `PnL ${st.pnl ?? 'n/a'} net (gross ${st.gross ?? 'n/a'}, fees ${st.fees}, funding ${st.funding})` : `PnL ${st.pnl ?? 'n/a'}`;
    out.push(`  ${st.name}: spread ${st.spreadPosition >= 0 ? '+' : ''}${st.spreadPosition} units; ${legs}; state ${st.state}; ${pnl}`);
  }
  out.push('');
  if (costs) {
    // Exact figures; the net to the cent is the PnL.
    out.push(`PnL (fills, open legs marked at mid): gross ${s.gross ?? 'n/a'} − fees ${s.costs.fees} − funding ${s.costs.funding} = net ${s.net ?? 'n/a'} (${s.pnl ?? 'n/a'})`);
  } else out.push(`PnL (fills, open legs marked at mid): ${s.pnl ?? 'n/a'}`);
  if (s.errors.length > 0) {
    out.push('');
    out.push('Errors');
    for (const e of s.errors) out.push(`  ${e}`);
  }
  return out.join('\n');
}

/**
 * `[#####.....]  45%  120,000/260,000 rows  150,000 rows/s  ETA 1s`, in any unit (`runs` of a sweep, `files` while
 * data loads). Rates below 10 a second keep a decimal (a sweep makes 0.4 runs/s); before anything is done, no ETA.
 */
export function progressBar(done: number, total: number, seconds: number, unit = 'rows'): string {
  const width = 30;
  const frac = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(frac * width);
  const rate = seconds > 0 ? done / seconds : 0;
  const eta = rate > 0 ? (total - done) / rate : undefined;
  const n = (x: number): string => Math.round(x).toLocaleString('en-US');
  const r = rate > 0 && rate < 10 ? rate.toFixed(1) : n(rate);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(frac * 100)).padStart(3)}%  ${n(done)}/${n(total)} ${unit}  ${r} ${unit}/s  ETA ${eta === undefined ? '-' : eta < 1 ? '<1s' : `${Math.round(eta)}s`}`;
}

/** What was read, what was used, and every kind of bad row with the first few places. */
export function formatDataReport(d: DataReport): string {
  const out: string[] = [];
  out.push(`Data: ${d.files.length} file(s), ${d.rows} rows read, ${d.used} used (${d.oneSided} one-sided), ${d.from ?? '-'} to ${d.to ?? '-'}`);
  for (const [symbol, n] of Object.entries(d.symbols)) out.push(`  ${printable(symbol)}: ${n} rows`);
  const t = d.trades;
  if (t && t.rows > 0) {
    const per = Object.entries(t.symbols).map(([symbol, n]) => `${printable(symbol)} ${n}`).join(', ');
    out.push(`Trades (used for resting fills, docs/fill-model.md): ${t.rows} rows read, ${t.used} used${per ? ` (${per})` : ''}`);
  }
  const bad = BAD_KINDS.filter((k) => d.bad[k].count > 0);
  if (bad.length === 0) out.push('Bad rows: none');
  else {
    out.push(`Bad rows (${d.policy === 'skip' ? 'skipped' : 'the run stopped at the first'}):`);
    for (const k of bad) {
      out.push(`  ${k}: ${d.bad[k].count}`);
      for (const f of d.bad[k].first) out.push(`    ${printable(f)}`);
    }
  }
  if (d.ignoredFiles.length) out.push(`Ignored files: ${d.ignoredFiles.length} (${printable(d.ignoredFiles[0]!)}${d.ignoredFiles.length > 1 ? ', …' : ''})`);
  return `${out.join('\n')}\n`;
}

/** Characters a terminal acts on or shows misleadingly: C0 and C1 controls, line separators, direction overrides. */
export const UNPRINTABLE_ALL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** What a progress line writes first: back to the line's start, and clear it (the one control the CLI itself writes). */
const CLEAR_LINE = '\r\x1b[2K';
/** As UNPRINTABLE_ALL, but for line breaks and tabs: what a message to stderr may not carry to the terminal. */
const UNPRINTABLE_IN_MESSAGE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** A message as the terminal may show it: its control characters written as \uXXXX, but a progress line's own clear. */
export function terminalSafe(text: string): string {
  const clear = text.startsWith(CLEAR_LINE);
  const body = (clear ? text.slice(CLEAR_LINE.length) : text).replace(UNPRINTABLE_IN_MESSAGE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return clear ? CLEAR_LINE + body : body;
}

/**
 * The CLI's stderr: every text written to it passes `terminalSafe`, so a value typed into an argument (an escape
 * sequence that recolours or clears the terminal) is shown, not acted on, wherever a message echoes it. The rest of
 * the stream (isTTY, columns, its events) is the stream's own.
 */
export function terminalSafeStream<T extends NodeJS.WritableStream>(stream: T): T {
  const write = (chunk: unknown, ...rest: unknown[]): boolean =>
    (stream.write as (...a: unknown[]) => boolean).call(stream, typeof chunk === 'string' ? terminalSafe(chunk) : chunk, ...rest);
  return new Proxy(stream, {
    get(target, key) {
      if (key === 'write') return write;
      const v = Reflect.get(target, key, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/**
 * Text from a data file as a terminal may show it: control characters (an escape sequence that clears the screen
 * or retitles the window) written as \uXXXX, and at most 200 characters.
 */
function printable(text: string): string {
  const s = text.replace(UNPRINTABLE_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return s.length > 200 ? `${s.slice(0, 200)}… (${s.length} characters)` : s;
}
