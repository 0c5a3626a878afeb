import type { EngineConfig } from '../config/resolve.js';
import { Decimal, str } from '../domain/decimal.js';
import { hedgedUnits } from '../domain/position.js';
import type { LegQuote } from '../domain/quote.js';
import type { Execution, FillRecord, FundingRecord } from '../engine/records.js';
import type { Summary } from '../engine/summary.js';

/**
 * What a trader reads first about a backtest: the equity curve marked to market and its drawdown, round
 * trips and their PnL, the position over time, slippage per execution and costs. Recorded while the run
 * goes (quotes, fills, funding, executions) by an `AnalyticsRecorder`, summed up once it has ended.
 *
 * Money is exact: the recorder keeps cash, fees and funding as decimals and marks positions at the legs'
 * mids (the last two-sided quote, as the summary does), so every figure it prints is a decimal string. A
 * float copy of each equity value only chooses which points to keep (see `EquityTrace`).
 */

/**
 * The report's time axis, one regular grid of slots for every chart. lightweight-charts places data points at
 * equal spacing whatever their times, and wants strictly increasing times in whole seconds; with a time point
 * for every slot, empty or not, equal widths are equal durations and the axis is linear in time. A slot is a
 * whole number of seconds, chosen so the run has at most `maxSlots`. Values land in the slot their time
 * falls in; several in one slot (sub-second or same-millisecond events) become one, as `toSlots` says.
 */
export interface TimeGrid {
  /** Epoch seconds of slot 0 (a multiple of `step`). */
  start: number;
  /** Seconds per slot. */
  step: number;
  slots: number;
}

/** Slot widths the grid may use, in seconds: 1 s to a week, each a round number on a clock. */
const STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800, 604_800];

/** The finest grid over [fromMs, toMs] with at most `maxSlots` slots. */
export function timeGrid(fromMs: number, toMs: number, maxSlots = 5000): TimeGrid {
  const from = Math.floor(fromMs / 1000);
  const to = Math.floor(Math.max(fromMs, toMs) / 1000);
  for (const step of STEPS) {
    const start = Math.floor(from / step) * step;
    const slots = Math.floor((to - start) / step) + 1;
    if (slots <= maxSlots) return { start, step, slots };
  }
  const step = Math.ceil((to - from + 1) / maxSlots / 86_400) * 86_400;
  const start = Math.floor(from / step) * step;
  return { start, step, slots: Math.floor((to - start) / step) + 1 };
}

/** The grid stretched (same start and step) to reach `toMs`, for what happens after the last quote (the stop). */
export function extendGrid(g: TimeGrid, toMs: number): TimeGrid {
  const slots = Math.floor((Math.floor(toMs / 1000) - g.start) / g.step) + 1;
  return slots > g.slots ? { ...g, slots } : g;
}

export function slotOf(g: TimeGrid, ms: number): number {
  return Math.min(g.slots - 1, Math.max(0, Math.floor((Math.floor(ms / 1000) - g.start) / g.step)));
}

/**
 * Values on the grid: [slot, value] in slot order, one per slot that has any. `null` is a gap (no quote).
 * Several in one slot: the last (a level: spread, equity, position) or the lowest (a drawdown). Points must be
 * in time order.
 */
export function toSlots(g: TimeGrid, points: readonly (readonly [number, number | null])[], how: 'last' | 'min' = 'last'): [number, number | null][] {
  const out: [number, number | null][] = [];
  for (const [at, v] of points) {
    const slot = slotOf(g, at);
    const last = out.at(-1);
    if (!last || last[0] !== slot) out.push([slot, v]);
    else if (how === 'last') last[1] = v;
    else if (v !== null && (last[1] === null || v < last[1])) last[1] = v;
  }
  return out;
}

/**
 * The spread quote per slot of the grid, from every change (nothing is sampled away): the last bid and ask in
 * the slot (null: unquoted at its end), and the highest bid and lowest ask anywhere in it (null: none). Any
 * units that order as the prices do: the backtest adds scaled integer spread prices and converts the rows
 * once the run has ended.
 */
export class SpreadSlots {
  readonly rows: [slot: number, bid: number | null, ask: number | null, highBid: number | null, lowAsk: number | null][] = [];
  constructor(readonly grid: TimeGrid) {}

  add(at: number, bid: number | null, ask: number | null): void {
    const slot = slotOf(this.grid, at);
    const last = this.rows.at(-1);
    if (!last || last[0] !== slot) {
      this.rows.push([slot, bid, ask, bid, ask]);
      return;
    }
    last[1] = bid;
    last[2] = ask;
    if (bid !== null && (last[3] === null || bid > last[3])) last[3] = bid;
    if (ask !== null && (last[4] === null || ask < last[4])) last[4] = ask;
  }
}

/** One point of an equity curve: equity (PnL so far, net of costs, open legs at their mids) and its drawdown. */
export interface EquityPoint {
  at: number;
  /** Currency, exact. */
  equity: string;
  /** Equity minus its running peak (≤ 0), exact. */
  drawdown: string;
}

export interface MaxDrawdown {
  /** The largest fall from a running peak, currency (≥ 0). "0" when equity never fell. */
  amount: string;
  /** The peak it fell from (the last time equity stood at that peak) and the trough; null when it never fell. */
  peakAt: number | null;
  peak: string | null;
  troughAt: number | null;
  trough: string | null;
  /** When equity was back at the peak, or null if it was not by the end. */
  recoveredAt: number | null;
  /** Peak to recovery, or peak to the end of the run when it had not recovered. */
  durationMs: number;
}

export interface EquityCurve {
  /** Sampled: every fill and funding payment, at most about 5 points per time bucket from quotes, and every point a drawdown refers to. */
  points: EquityPoint[];
  /** Points evaluated before sampling: one per fill, funding and quote that moved a held leg's mark, the start and the end. */
  evaluated: number;
  maxDrawdown: MaxDrawdown;
  /** The last point's equity: the net PnL. */
  final: string;
}

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
const money = (d: Decimal): string => d.toFixed(2);
/** Exact, but at most 8 decimals (a trip's share of an execution may not divide evenly). */
const exact = (d: Decimal): string => str(d.toDecimalPlaces(8));

/** A position a trace marks: a strategy's leg, currency per lot per tick. */
interface TraceLeg {
  symbol: string;
  /** tickSize × lotSize × contractMultiplier. */
  value: Decimal;
}

/** The state a point was evaluated in: which cash/lots segment, and every leg's mid (ticks). */
interface Snap {
  seq: number;
  at: number;
  /** Float equity (chooses points only). */
  f: number;
  seg: number;
  mids: (number | null)[];
  /** The running peak when this point was made (itself when it is one). */
  peak: Snap | null;
}

const near = (a: number, b: number): number => 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

/**
 * An equity curve recorded as the run goes: equity = cash from fills − fees − funding + Σ lots × mid × value.
 * A point is evaluated on every fill and funding, and on every quote that moves a mark while a leg is held.
 * All fill and funding points are kept; quote points are kept per time bucket (first, last, highest,
 * lowest, deepest drawdown), so a day of quotes does not become a day of points. The max drawdown is found
 * over every evaluated point (not the kept ones), and its peak, trough and recovery are kept.
 */
export class EquityTrace {
  private readonly lots: number[];
  private readonly mids: (number | null)[];
  private readonly valueF: number[];
  private cash = ZERO;
  private fees = ZERO;
  private funding = ZERO;
  private cashNetF = 0;
  /** Cash net of costs and the lots, after each fill or funding payment. */
  private readonly segs: { cashNet: Decimal; lots: number[] }[] = [];
  private readonly events: Snap[] = [];
  private readonly buckets: { first?: Snap; last?: Snap; hi?: Snap; lo?: Snap; dd?: Snap }[];
  private peak: Snap;
  private max: { peak: Snap; trough: Snap; dd: number; recovered: Snap | null } | null = null;
  private seq = 0;
  private moved = false;
  private last: Snap;
  evaluated = 0;
  unmarked = 0;

  constructor(
    readonly legs: readonly TraceLeg[],
    private readonly from: number,
    private readonly to: number,
    private readonly bucketCount = 2000,
  ) {
    this.lots = legs.map(() => 0);
    this.mids = legs.map(() => null);
    this.valueF = legs.map((l) => l.value.toNumber());
    this.buckets = Array.from({ length: bucketCount }, () => ({}));
    this.segs.push({ cashNet: ZERO, lots: [...this.lots] });
    this.peak = this.last = { seq: this.seq++, at: from, f: 0, seg: 0, mids: [...this.mids], peak: null };
    this.peak.peak = this.peak;
    this.events.push(this.peak);
  }

  /**
   * A leg's two-sided quote (ticks) moves its mark. With `more` (another quote stamped alike follows at
   * once) the point waits for `settle`, so legs quoted at one instant are marked together. Returns whether
   * a point waits for `settle` (a held leg's mark moved).
   */
  mark(leg: number, midTicks: number, at: number, more = false): boolean {
    if (this.mids[leg] === midTicks) return this.moved;
    this.mids[leg] = midTicks;
    if (this.lots[leg] !== 0) this.moved = true;
    if (!more) this.settle(at);
    return this.moved;
  }

  /** The instant is complete: evaluate a point if a held leg's mark moved. */
  settle(at: number): void {
    if (!this.moved) return;
    this.moved = false;
    this.point(at, false);
  }

  /** A fill: signed lots, the cash it moved and its fee. */
  fill(leg: number, lots: number, cash: Decimal, fee: Decimal, at: number): void {
    this.lots[leg]! += lots;
    this.cash = this.cash.plus(cash);
    this.fees = this.fees.plus(fee);
    this.event(at);
  }

  /** A funding payment (positive = paid). */
  fund(amount: Decimal, at: number): void {
    this.funding = this.funding.plus(amount);
    this.event(at);
  }

  /** A leg's last mid in ticks (null before its first two-sided quote). */
  midOf(leg: number): number | null {
    return this.mids[leg] ?? null;
  }

  get totals(): { cash: Decimal; fees: Decimal; funding: Decimal } {
    return { cash: this.cash, fees: this.fees, funding: this.funding };
  }

  /** Σ lots × mid × value at the current marks, exact; null when a held leg has no mark. */
  markValue(): Decimal | null {
    let v = ZERO;
    for (let i = 0; i < this.legs.length; i++) {
      if (this.lots[i] === 0) continue;
      if (this.mids[i] === null) return null;
      v = v.plus(this.legs[i]!.value.times(this.lots[i]!).times(this.mids[i]!));
    }
    return v;
  }

  private event(at: number): void {
    const cashNet = this.cash.minus(this.fees).minus(this.funding);
    this.cashNetF = cashNet.toNumber();
    this.segs.push({ cashNet, lots: [...this.lots] });
    this.point(at, true);
  }

  private point(at: number, event: boolean): void {
    let f = this.cashNetF;
    for (let i = 0; i < this.legs.length; i++) {
      if (this.lots[i] === 0) continue;
      const m = this.mids[i];
      if (m === null || m === undefined) {
        this.unmarked++;
        return;
      }
      f += this.lots[i]! * m * this.valueF[i]!;
    }
    this.evaluated++;
    const p: Snap = { seq: this.seq++, at, f, seg: this.segs.length - 1, mids: [...this.mids], peak: null };
    // The running peak: the latest point at (or above) it; the max drawdown over every point.
    if (f >= this.peak.f - near(f, this.peak.f)) {
      p.peak = p;
      this.peak = p;
      if (this.max && this.max.recovered === null) this.max.recovered = p;
    } else {
      p.peak = this.peak;
      const dd = this.peak.f - f;
      if (!this.max || dd > this.max.dd + near(dd, this.max.dd)) this.max = { peak: this.peak, trough: p, dd, recovered: null };
    }
    this.last = p;
    if (event) {
      this.events.push(p);
      return;
    }
    const span = Math.max(1, this.to - this.from + 1);
    const b = this.buckets[Math.min(this.bucketCount - 1, Math.max(0, Math.floor(((at - this.from) / span) * this.bucketCount)))]!;
    b.first ??= p;
    b.last = p;
    if (!b.hi || f > b.hi.f) b.hi = p;
    if (!b.lo || f < b.lo.f) b.lo = p;
    if (!b.dd || f - p.peak.f < b.dd.f - b.dd.peak!.f) b.dd = p;
  }

  private exactOf(p: Snap): Decimal {
    const seg = this.segs[p.seg]!;
    let v = seg.cashNet;
    for (let i = 0; i < this.legs.length; i++) {
      if (seg.lots[i] === 0) continue;
      v = v.plus(this.legs[i]!.value.times(seg.lots[i]!).times(p.mids[i]!));
    }
    return v;
  }

  /** The sampled curve, ending with a point at `end` (the end of the run) in the final state. */
  curve(end: number): EquityCurve {
    const endAt = Math.max(end, this.last.at);
    const final: Snap = { ...this.last, seq: this.seq++, at: endAt };
    const keep = new Map<number, Snap>();
    const add = (p: Snap | null | undefined): void => {
      if (!p) return;
      keep.set(p.seq, p);
      keep.set(p.peak!.seq, p.peak!);
    };
    for (const p of this.events) add(p);
    for (const b of this.buckets) for (const p of [b.first, b.last, b.hi, b.lo, b.dd]) add(p);
    if (this.max) [this.max.peak, this.max.trough, this.max.recovered].forEach(add);
    add(this.last);
    keep.set(final.seq, final);
    const cache = new Map<number, Decimal>();
    const value = (p: Snap): Decimal => {
      let v = cache.get(p.seq);
      if (!v) cache.set(p.seq, (v = this.exactOf(p)));
      return v;
    };
    const points = [...keep.values()]
      .sort((a, b) => a.at - b.at || a.seq - b.seq)
      .map((p): EquityPoint => ({ at: p.at, equity: str(value(p)), drawdown: str(value(p).minus(value(p.peak!))) }));
    const m = this.max;
    const maxDrawdown: MaxDrawdown = m
      ? {
          amount: str(value(m.peak).minus(value(m.trough))),
          peakAt: m.peak.at,
          peak: str(value(m.peak)),
          troughAt: m.trough.at,
          trough: str(value(m.trough)),
          recoveredAt: m.recovered?.at ?? null,
          durationMs: (m.recovered?.at ?? endAt) - m.peak.at,
        }
      : { amount: '0', peakAt: null, peak: null, troughAt: null, trough: null, recoveredAt: null, durationMs: 0 };
    return { points, evaluated: this.evaluated + 2, maxDrawdown, final: str(value(final)) };
  }
}

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
