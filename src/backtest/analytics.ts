import type { EngineConfig } from '../config/resolve.js';
import { Decimal, str } from '../domain/decimal.js';
import { hedgedUnits } from '../domain/position.js';
import type { LegQuote } from '../domain/quote.js';
import type { Execution, FillRecord, FundingRecord } from '../engine/records.js';
import type { Summary } from '../engine/summary.js';
import { extendGrid, timeGrid, type TimeGrid } from './time-grid.js';
import { EquityTrace, type EquityCurve, type TraceLeg } from './equity-trace.js';
import { roundTrips, slippageStats, tripStats, type RoundTrip, type SlippageStats, type TripExecution, type TripStats } from './round-trips.js';

/**
 * What a trader reads first about a backtest: the equity curve marked to market and its drawdown, round
 * trips and their PnL, the position over time, slippage per execution and costs. Recorded while the run
 * goes (quotes, fills, funding, executions) by an `AnalyticsRecorder`, summed up once it has ended.
 *
 * Money is exact: the recorder keeps cash, fees and funding as decimals and marks positions at the legs'
 * mids (the last two-sided quote, as the summary does), so every figure it prints is a decimal string. A
 * float copy of each equity value only chooses which points to keep (see `EquityTrace`).
 *
 * The time axis is time-grid.ts, the equity curve equity-trace.ts, round trips and slippage round-trips.ts.
 */

// The parts in files of their own, exported from here as before (the report, the library's types, the tests).
export { extendGrid, slotOf, SpreadSlots, timeGrid, toSlots, type TimeGrid } from './time-grid.js';
export { EquityTrace, type EquityCurve, type EquityPoint, type MaxDrawdown } from './equity-trace.js';
export { roundTrips, slippageStats, tripStats, type RoundTrip, type SlippageBucket, type SlippageStats, type TripExecution, type TripStats } from './round-trips.js';

export interface Costs {
  /** Σ fill fees (positive = paid), by liquidity. */
  fees: string;
  feesMaker: string;
  feesTaker: string;
  /** Fills whose venue did not say maker or taker. */
  feesUnknown: string;
  /** Σ funding amounts (positive = paid). */
  funding: string;
  total: string;
}

export interface PositionPoint {
  at: number;
  /** Hedged spread units (signed) and each leg's lots (signed), after the fills at this time. */
  units: number;
  lots: number[];
}

export interface StrategyAnalytics {
  strategy: string;
  legs: string[];
  equity: EquityCurve;
  /** Net PnL + costs: what the fills and marks made before fees and funding. */
  gross: string;
  net: string;
  costs: Costs;
  roundTrips: RoundTrip[];
  trips: TripStats;
  slippage: SlippageStats;
  /** After every fill (the first point is flat at the start). */
  position: PositionPoint[];
  /** Fills whose algo has no execution record (it never ended). */
  unattributedFills: number;
  /** Points the curve could not mark: a leg held a position before any two-sided quote of it. */
  unmarked: number;
}

export interface BacktestAnalytics {
  from: number;
  to: number;
  /** The charts' time axis: from the first quote to the end of the run. */
  grid: TimeGrid;
  /** The whole run: every strategy together. */
  equity: EquityCurve;
  gross: string;
  net: string;
  costs: Costs;
  trips: TripStats;
  strategies: StrategyAnalytics[];
}

const ZERO = new Decimal(0);

interface StrategyBook {
  name: string;
  legs: EngineConfig['strategies'][number]['definition']['legs'];
  trace: EquityTrace;
  fills: FillRecord[];
  executions: TripExecution[];
  algoCash: Map<string, { cash: Decimal; fees: Decimal }>;
  fees: { maker: Decimal; taker: Decimal; unknown: Decimal };
  lots: number[];
  position: PositionPoint[];
}

/**
 * Collects what the analytics need while a backtest runs: feed it the venue's quotes and the engine's
 * fills, funding and executions (in the order they happen), then `finish` once the run has ended.
 */
export class AnalyticsRecorder {
  private readonly books: StrategyBook[];
  /** The run as a whole (every strategy's legs); the one strategy's own trace when there is one. */
  private readonly total: EquityTrace;
  private readonly bySymbol = new Map<string, { trace: EquityTrace; leg: number }[]>();
  private readonly byStrategy = new Map<string, { book: StrategyBook; totalOffset: number }>();
  /** The charts' time axis over the quotes (the end of the run may stretch it, see `finish`). */
  readonly grid: TimeGrid;

  constructor(
    config: EngineConfig,
    private readonly from: number,
    private readonly to: number,
    buckets = 2000,
  ) {
    this.grid = timeGrid(from, to);
    const traceLegs = (legs: StrategyBook['legs']): TraceLeg[] => legs.map((l) => ({ symbol: l.symbol, value: l.tickSize.times(l.lotSize).times(l.contractMultiplier) }));
    this.books = config.strategies.map((s) => {
      const legs = s.definition.legs;
      return {
        name: s.spec.name,
        legs,
        trace: new EquityTrace(traceLegs(legs), from, to, buckets),
        fills: [],
        executions: [],
        algoCash: new Map(),
        fees: { maker: ZERO, taker: ZERO, unknown: ZERO },
        lots: legs.map(() => 0),
        position: [{ at: from, units: 0, lots: legs.map(() => 0) }],
      };
    });
    this.total = this.books.length === 1 ? this.books[0]!.trace : new EquityTrace(this.books.flatMap((b) => traceLegs(b.legs)), from, to, buckets);
    let offset = 0;
    for (const b of this.books) {
      this.byStrategy.set(b.name, { book: b, totalOffset: offset });
      b.legs.forEach((l, i) => {
        const at = this.bySymbol.get(l.symbol) ?? [];
        at.push({ trace: b.trace, leg: i });
        if (this.total !== b.trace) at.push({ trace: this.total, leg: offset + i });
        this.bySymbol.set(l.symbol, at);
      });
      offset += b.legs.length;
    }
  }

  /** Traces with a point waiting for the end of an instant not yet complete (`more`): a held leg's mark moved. */
  private readonly unsettled = new Set<EquityTrace>();

  /** A leg quote (integer ticks): its mid, in ticks (a whole or half number), marks the legs on its symbol. */
  quote(q: LegQuote): void {
    const targets = this.bySymbol.get(q.symbol);
    // A one-sided quote has no mid: it moves no mark (as in the summary).
    if (targets && q.bidSize > 0 && q.askSize > 0) {
      const mid = (q.bid + q.ask) / 2;
      // Every leg on this symbol first (the run's trace holds it once per strategy), then one point each.
      for (const t of targets) if (t.trace.mark(t.leg, mid, q.ts, true)) this.unsettled.add(t.trace);
    }
    if (!q.more && this.unsettled.size > 0) {
      for (const t of this.unsettled) t.settle(q.ts);
      this.unsettled.clear();
    }
  }

  fill(f: FillRecord): void {
    const s = this.byStrategy.get(f.strategy);
    if (!s) return;
    const { book } = s;
    const i = book.legs.findIndex((l) => l.symbol === f.symbol);
    if (i < 0) return;
    const leg = book.legs[i]!;
    const sign = f.side === 'buy' ? 1 : -1;
    const lots = sign * new Decimal(f.qty).div(leg.lotSize).round().toNumber();
    const cash = new Decimal(f.qty).times(f.price).times(leg.contractMultiplier).times(-sign);
    const fee = new Decimal(f.fee);
    book.fills.push(f);
    const c = book.algoCash.get(f.algoId) ?? { cash: ZERO, fees: ZERO };
    book.algoCash.set(f.algoId, { cash: c.cash.plus(cash), fees: c.fees.plus(fee) });
    const kind = f.liquidity ?? 'unknown';
    book.fees[kind] = book.fees[kind].plus(fee);
    book.trace.fill(i, lots, cash, fee, f.at);
    if (this.total !== book.trace) this.total.fill(s.totalOffset + i, lots, cash, fee, f.at);
    book.lots[i]! += lots;
    const point = { at: f.at, units: hedgedUnits(book.lots, book.legs.map((l) => l.tradingMultiplier)), lots: [...book.lots] };
    // Fills at the same moment make one point: the position after them.
    if (book.position.at(-1)!.at === f.at && book.position.length > 1) book.position[book.position.length - 1] = point;
    else book.position.push(point);
  }

  funding(r: FundingRecord): void {
    const s = this.byStrategy.get(r.strategy);
    if (!s) return;
    const amount = new Decimal(r.amount);
    s.book.trace.fund(amount, r.at);
    if (this.total !== s.book.trace) this.total.fund(amount, r.at);
  }

  execution(e: Execution): void {
    const { algoId, strategy, purpose, side, units, endedAt, realizedSpread, slippage } = e;
    this.byStrategy.get(e.strategy)?.book.executions.push({ algoId, strategy, purpose, side, units, endedAt, realizedSpread, slippage });
  }

  /** Sums it all up; `end` is the time the run ended (the summary's `to`). */
  finish(end = this.to): BacktestAnalytics {
    const strategies = this.books.map((b): StrategyAnalytics => {
      const equity = b.trace.curve(end);
      const t = b.trace.totals;
      const net = new Decimal(equity.final);
      const costs = costsOf(t.fees, t.funding, b.fees);
      // One spread unit held long, at the last mids.
      const marks = b.legs.map((l) => b.trace.midOf(l.index));
      const unitMark = marks.some((m) => m === null) ? null : b.legs.reduce((a, l) => a.plus(l.tickSize.times(l.lotSize).times(l.contractMultiplier).times(l.tradingMultiplier).times(marks[l.index]!)), ZERO);
      const trips = roundTrips(b.name, b.executions, b.algoCash, unitMark, Math.max(end, equity.points.at(-1)!.at));
      const known = new Set(b.executions.map((e) => e.algoId));
      return {
        strategy: b.name,
        legs: b.legs.map((l) => l.symbol),
        equity,
        gross: str(net.plus(t.fees).plus(t.funding)),
        net: str(net),
        costs,
        roundTrips: trips,
        trips: tripStats(trips, net, t.funding),
        slippage: slippageStats(b.executions.filter((e) => e.slippage !== null).map((e) => e.slippage!)),
        position: b.position,
        unattributedFills: b.fills.filter((f) => !known.has(f.algoId)).length,
        unmarked: b.trace.unmarked,
      };
    });
    const equity = this.total === this.books[0]?.trace ? strategies[0]!.equity : this.total.curve(end);
    const t = this.total.totals;
    const net = new Decimal(equity.final);
    const byLiquidity = this.books.reduce(
      (a, b) => ({ maker: a.maker.plus(b.fees.maker), taker: a.taker.plus(b.fees.taker), unknown: a.unknown.plus(b.fees.unknown) }),
      { maker: ZERO, taker: ZERO, unknown: ZERO },
    );
    const allTrips = strategies.flatMap((s) => s.roundTrips);
    const to = Math.max(end, equity.points.at(-1)?.at ?? end);
    return {
      from: this.from,
      to,
      grid: extendGrid(this.grid, to),
      equity,
      gross: str(net.plus(t.fees).plus(t.funding)),
      net: str(net),
      costs: costsOf(t.fees, t.funding, byLiquidity),
      trips: tripStats(allTrips, net, t.funding),
      strategies,
    };
  }
}

function costsOf(fees: Decimal, funding: Decimal, by: { maker: Decimal; taker: Decimal; unknown: Decimal }): Costs {
  return { fees: str(fees), feesMaker: str(by.maker), feesTaker: str(by.taker), feesUnknown: str(by.unknown), funding: str(funding), total: str(fees.plus(funding)) };
}

/** The fills of one execution (an algo), for the report's hover and the CSV. */
export function fillsByAlgo(fills: readonly FillRecord[]): Map<string, FillRecord[]> {
  const out = new Map<string, FillRecord[]>();
  for (const f of fills) {
    const list = out.get(f.algoId);
    if (list) list.push(f);
    else out.set(f.algoId, [f]);
  }
  return out;
}

/** An execution's fees: its own `fees` when the engine gives one, else the sum of its fills' fees. */
export function executionFees(e: Execution, fills: ReadonlyMap<string, readonly FillRecord[]>): string {
  const own = (e as Execution & { fees?: string }).fees;
  if (own !== undefined) return own;
  return str((fills.get(e.algoId) ?? []).reduce((a, f) => a.plus(f.fee), ZERO));
}

/** The summary's cost fields, when the engine provides them (read defensively: older summaries have none). */
export function summaryCosts(s: Summary): { gross: string | null; fees: string | null; funding: string | null; net: string | null } {
  const x = s as Summary & { gross?: string | null; net?: string | null; costs?: { fees?: string; funding?: string } };
  return { gross: x.gross ?? null, fees: x.costs?.fees ?? null, funding: x.costs?.funding ?? null, net: x.net ?? null };
}
