import { executionFees, fillsByAlgo, type RoundTrip } from '../backtest/analytics.js';
import type { BacktestResult } from '../backtest/run-backtest.js';
import type { SweepAxis, SweepRow } from '../backtest/sweep.js';
import type { FillRecord } from '../engine/records.js';

/**
 * CSV for a spreadsheet: a header row, one row per fill, execution, round trip or sweep run; decimals exactly
 * as the engine printed them (strings, never floats), times as ISO 8601 in UTC with milliseconds plus epoch
 * milliseconds. RFC 4180 quoting (a field with a comma, quote or line break is quoted); lines end with \r\n.
 */

type Cell = string | number | null | undefined;

const field = (v: Cell): string => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function csv(head: readonly string[], rows: readonly (readonly Cell[])[]): string {
  return [head, ...rows].map((r) => r.map(field).join(',')).join('\r\n') + '\r\n';
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Every fill of every strategy, in the order they happened. */
export function fillsCsv(r: BacktestResult): string {
  const purpose = new Map(r.summary.executions.map((e) => [e.algoId, e.purpose]));
  const fills: FillRecord[] = r.series.flatMap((s) => s.fills).sort((a, b) => a.at - b.at);
  return csv(
    ['time_utc', 'time_ms', 'strategy', 'algo_id', 'purpose', 'client_id', 'trade_id', 'symbol', 'side', 'qty', 'price', 'liquidity', 'fee'],
    fills.map((f) => [iso(f.at), f.at, f.strategy, f.algoId, purpose.get(f.algoId) ?? '', f.clientId, f.tradeId, f.symbol, f.side, f.qty, f.price, f.liquidity ?? '', f.fee]),
  );
}

/** The executions the summary kept (the latest 100,000 on very long runs), in order of ending; legs as columns. */
export function executionsCsv(r: BacktestResult): string {
  const fills = fillsByAlgo(r.series.flatMap((s) => s.fills));
  const legs = Math.max(0, ...r.summary.executions.map((e) => e.legs.length));
  const legHead = Array.from({ length: legs }, (_, i) => [`leg${i + 1}_symbol`, `leg${i + 1}_lots`, `leg${i + 1}_avg_price`]).flat();
  return csv(
    [
      'algo_id', 'strategy', 'purpose', 'kind', 'side', 'status', 'reason', 'qty', 'units', 'trigger', 'realized_spread', 'slippage', 'fees',
      'started_utc', 'started_ms', 'ended_utc', 'ended_ms', 'duration_ms', 'orders', 'reprices', 'rejects', 'ladder_steps',
      'naked_max_notional', 'naked_ms', 'naked_notional_seconds', ...legHead,
    ],
    r.summary.executions.map((e) => [
      e.algoId, e.strategy, e.purpose, e.kind, e.side, e.status, e.reason ?? '', e.qty, e.units, e.trigger ?? '', e.realizedSpread ?? '', e.slippage ?? '', executionFees(e, fills),
      iso(e.startedAt), e.startedAt, iso(e.endedAt), e.endedAt, e.durationMs, e.orders, e.reprices, e.rejects, e.ladderSteps,
      e.exposure.maxNotional, e.exposure.nakedMs, e.exposure.notionalSeconds,
      ...Array.from({ length: legs }, (_, i) => {
        const l = e.legs[i];
        return l ? [l.symbol, l.lots, l.avgPrice ?? ''] : ['', '', ''];
      }).flat(),
    ]),
  );
}

/** Round trips (entries and exits paired FIFO by spread units), open ones marked at the end. */
export function roundTripsCsv(trips: readonly RoundTrip[]): string {
  return csv(
    ['strategy', 'direction', 'units', 'entry_algo', 'entry_utc', 'entry_ms', 'entry_spread', 'exit_algo', 'exit_utc', 'exit_ms', 'exit_spread', 'open', 'pnl', 'fees', 'holding_ms'],
    trips.map((t) => [
      t.strategy, t.direction, t.units, t.entry.algoId, iso(t.entry.at), t.entry.at, t.entry.realizedSpread ?? '',
      t.exit?.algoId ?? '', t.exit ? iso(t.exit.at) : '', t.exit?.at ?? '', t.exit?.realizedSpread ?? '',
      t.open ? 'true' : 'false', t.pnl, t.fees, t.holdingMs,
    ]),
  );
}

/** The files `legato backtest --csv <dir>` writes: name and text. */
export function backtestCsvFiles(r: BacktestResult): { name: string; text: string }[] {
  return [
    { name: 'fills.csv', text: fillsCsv(r) },
    { name: 'executions.csv', text: executionsCsv(r) },
    { name: 'round-trips.csv', text: roundTripsCsv(r.analytics?.strategies.flatMap((s) => s.roundTrips) ?? []) },
  ];
}

/** A sweep's table: one column per swept parameter, then the results; in the order given. */
export function sweepCsv(rows: readonly SweepRow[], axes: readonly SweepAxis[]): string {
  return csv(
    [...axes.map((a) => a.key), 'executions', 'units', 'pnl', 'max_naked_notional', 'naked_notional_seconds', 'mean_slippage', 'error'],
    rows.map((r) => [...axes.map((a) => r.params[a.key] ?? ''), r.executions, r.units, r.pnl ?? '', r.maxNakedNotional, r.nakedNotionalSeconds, r.meanSlippage ?? '', r.error ?? '']),
  );
}
