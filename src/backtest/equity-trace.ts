import { Decimal, str } from '../domain/decimal.js';

/* The equity curve of a backtest, marked to market as the run goes (analytics.ts records it). */

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

const ZERO = new Decimal(0);

/** A position a trace marks: a strategy's leg, currency per lot per tick. */
export interface TraceLeg {
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
