import { Decimal, str } from '../domain/decimal.js';
import type { Execution } from '../engine/records.js';

/* Round trips (entries and exits paired FIFO by spread units), their statistics, and slippage as a distribution. */

export interface RoundTrip {
  strategy: string;
  direction: 'long' | 'short';
  /** Spread units of this trip (an execution may be split over trips, FIFO). */
  units: number;
  entry: { algoId: string; at: number; realizedSpread: string | null };
  /** null while open at the end of the run. */
  exit: { algoId: string; at: number; realizedSpread: string | null } | null;
  /** Still open at the end: its PnL marks the legs at their last mids (no exit fees). */
  open: boolean;
  /** Cash of the leg fills (the trip's share of each execution's fills), minus their fees, plus the mark when open. */
  pnl: string;
  /** The trip's share of its executions' fees. */
  fees: string;
  /** Entry end to exit end (or to the end of the run when open). */
  holdingMs: number;
}

export interface TripStats {
  closed: number;
  open: number;
  wins: number;
  losses: number;
  /** Closed trips with PnL > 0 over closed trips (4 decimals); null without a closed trip. */
  hitRate: string | null;
  /** Mean PnL of the winning and the losing closed trips (2 decimals); null when there is none. */
  averageWin: string | null;
  averageLoss: string | null;
  /** Σ closed trips' PnL and Σ open trips' marked PnL (exact). */
  closedPnl: string;
  openPnl: string;
  /**
   * PnL of fills outside any round trip: executions that ended with no units (a leg-out unwound), exits with
   * nothing to close, residual naked lots, fills of an algo that never ended. net + funding − Σ trips.
   */
  otherPnl: string;
}

export interface SlippageBucket {
  /** [from, to) in spread points; from = to for a bucket of one exact value. */
  from: string;
  to: string;
  count: number;
}

export interface SlippageStats {
  /** Executions with a slippage (a realized spread and a trigger). */
  count: number;
  /** Spread points, positive = worse than the trigger. */
  mean: string | null;
  median: string | null;
  best: string | null;
  worst: string | null;
  /** One bucket per value when there are at most 12 distinct values, else equal widths (1, 2 or 5 × 10^k). */
  buckets: SlippageBucket[];
}

const ZERO = new Decimal(0);
const money = (d: Decimal): string => d.toFixed(2);
/** Exact, but at most 8 decimals (a trip's share of an execution may not divide evenly). */
const exact = (d: Decimal): string => str(d.toDecimalPlaces(8));

/** Slippage per execution (spread points) as a distribution. */
export function slippageStats(values: readonly string[]): SlippageStats {
  const v = values.map((x) => new Decimal(x)).sort((a, b) => a.comparedTo(b));
  if (v.length === 0) return { count: 0, mean: null, median: null, best: null, worst: null, buckets: [] };
  const mean = v.reduce((a, b) => a.plus(b), ZERO).div(v.length);
  const mid = v.length >> 1;
  const median = v.length % 2 ? v[mid]! : v[mid - 1]!.plus(v[mid]!).div(2);
  const distinct = [...new Set(v.map((x) => str(x)))];
  let buckets: SlippageBucket[];
  if (distinct.length <= 12) {
    buckets = distinct.map((d) => ({ from: d, to: d, count: v.filter((x) => str(x) === d).length }));
  } else {
    const lo = v[0]!;
    const hi = v.at(-1)!;
    const raw = hi.minus(lo).div(10);
    const p = Decimal.pow(10, raw.log(10).floor());
    const width = [1, 2, 5, 10].map((k) => p.times(k)).find((w) => w.gte(raw))!;
    const start = lo.div(width).floor().times(width);
    const n = hi.minus(start).div(width).floor().toNumber() + 1;
    buckets = Array.from({ length: n }, (_, i) => ({ from: str(start.plus(width.times(i))), to: str(start.plus(width.times(i + 1))), count: 0 }));
    for (const x of v) buckets[Math.min(n - 1, x.minus(start).div(width).floor().toNumber())]!.count++;
  }
  return { count: v.length, mean: str(mean.toDecimalPlaces(4)), median: str(median), best: str(v[0]!), worst: str(v.at(-1)!), buckets };
}

/** What round trips read of an execution (the recorder keeps no more, so a long run stays small). */
export type TripExecution = Pick<Execution, 'algoId' | 'strategy' | 'purpose' | 'side' | 'units' | 'endedAt' | 'realizedSpread' | 'slippage'>;

interface OpenLot {
  execution: TripExecution;
  remaining: number;
}

/** Round trips of one strategy: entries and exits paired FIFO by spread units. */
export function roundTrips(
  strategy: string,
  executions: readonly TripExecution[],
  algoCash: ReadonlyMap<string, { cash: Decimal; fees: Decimal }>,
  /** The value of one spread unit held long, at the end (Σ tm × mid × value); null when unmarked. */
  unitMark: Decimal | null,
  end: number,
): RoundTrip[] {
  const trips: RoundTrip[] = [];
  const open: Record<'long' | 'short', OpenLot[]> = { long: [], short: [] };
  const share = (e: TripExecution, units: number): { cash: Decimal; fees: Decimal } => {
    const c = algoCash.get(e.algoId) ?? { cash: ZERO, fees: ZERO };
    return { cash: c.cash.times(units).div(e.units), fees: c.fees.times(units).div(e.units) };
  };
  const leg = (e: TripExecution) => ({ algoId: e.algoId, at: e.endedAt, realizedSpread: e.realizedSpread });
  for (const e of executions) {
    if (e.strategy !== strategy || e.units === 0) continue;
    if (e.purpose === 'longEntry' || e.purpose === 'shortEntry') {
      open[e.purpose === 'longEntry' ? 'long' : 'short'].push({ execution: e, remaining: e.units });
      continue;
    }
    // An exit closes its side; a flatten closes whatever it trades against (a sell closes longs).
    const direction = e.purpose === 'longExit' || (e.purpose === 'flatten' && e.side === 'sell') ? 'long' : 'short';
    let left = e.units;
    const queue = open[direction];
    while (left > 0 && queue.length > 0) {
      const lot = queue[0]!;
      const units = Math.min(left, lot.remaining);
      const a = share(lot.execution, units);
      const b = share(e, units);
      trips.push({
        strategy,
        direction,
        units,
        entry: leg(lot.execution),
        exit: leg(e),
        open: false,
        pnl: exact(a.cash.plus(b.cash).minus(a.fees).minus(b.fees)),
        fees: exact(a.fees.plus(b.fees)),
        holdingMs: e.endedAt - lot.execution.endedAt,
      });
      lot.remaining -= units;
      left -= units;
      if (lot.remaining === 0) queue.shift();
    }
  }
  for (const direction of ['long', 'short'] as const) {
    for (const lot of open[direction]) {
      const a = share(lot.execution, lot.remaining);
      const mark = unitMark === null ? null : unitMark.times(direction === 'long' ? lot.remaining : -lot.remaining);
      trips.push({
        strategy,
        direction,
        units: lot.remaining,
        entry: leg(lot.execution),
        exit: null,
        open: true,
        pnl: mark === null ? 'n/a' : exact(a.cash.minus(a.fees).plus(mark)),
        fees: exact(a.fees),
        holdingMs: end - lot.execution.endedAt,
      });
    }
  }
  return trips.sort((x, y) => x.entry.at - y.entry.at || (x.exit?.at ?? Infinity) - (y.exit?.at ?? Infinity));
}

export function tripStats(trips: readonly RoundTrip[], net: Decimal, funding: Decimal): TripStats {
  const closed = trips.filter((t) => !t.open);
  const pnl = (t: RoundTrip): Decimal => (t.pnl === 'n/a' ? ZERO : new Decimal(t.pnl));
  const wins = closed.filter((t) => pnl(t).gt(0));
  const losses = closed.filter((t) => pnl(t).lt(0));
  const sum = (ts: readonly RoundTrip[]): Decimal => ts.reduce((a, t) => a.plus(pnl(t)), ZERO);
  const mean = (ts: readonly RoundTrip[]): string | null => (ts.length ? money(sum(ts).div(ts.length)) : null);
  const closedPnl = sum(closed);
  const openPnl = sum(trips.filter((t) => t.open));
  return {
    closed: closed.length,
    open: trips.length - closed.length,
    wins: wins.length,
    losses: losses.length,
    hitRate: closed.length ? str(new Decimal(wins.length).div(closed.length).toDecimalPlaces(4)) : null,
    averageWin: mean(wins),
    averageLoss: mean(losses),
    closedPnl: str(closedPnl),
    openPnl: str(openPnl),
    otherPnl: str(net.plus(funding).minus(closedPnl).minus(openPnl)),
  };
}
