import { Observable, type OperatorFunction } from 'rxjs';
import { rearmable, type Clock, type Rearmable, type TimerId } from '../clock/clock.js';
import { writeSpreadQuote, type LegQuote, type MarketView, type SpreadQuote, type SpreadQuoteScratch } from '../domain/quote.js';
import type { SessionCalendar } from '../domain/session-calendar.js';
import type { SpreadDefinition } from '../domain/spread.js';

export interface MarketViewOptions {
  /** A leg quote older than this makes the spread unquoted. */
  staleAfterMs: number;
  /** Drives staleness: a leg that stops updating goes stale without any new quote arriving. */
  clock: Clock;
  /**
   * The strategy's session window. With it, a leg's book is usable only inside a session and only when it was
   * quoted in the current one: a book from before a session boundary is never usable after it, however long
   * `staleAfterMs` is. Without it, the market is always open.
   */
  session?: Pick<SessionCalendar, 'intervalAt' | 'nextBoundary'>;
  /**
   * Asked with the spread quote of each view that changed, before the view is built: a view it refuses is not built
   * nor emitted (an idle strategy's decision filter refuses most, and a view built for nothing is garbage). The
   * spread quote it is asked with is the stage's scratch, written again for the next view: it must not be kept.
   * A function, or an object whose `wants` the stage calls (the engine's decision filter, `DecisionFilter`).
   */
  wants?: ((spread: SpreadQuote | null) => boolean) | ViewWants;
}

/**
 * A stage's numbers, in one typed array: with thousands of stages each quote reads another stage's, out of the
 * CPU's caches, and every object it reads on the way (each leg's last quote, the last view's legs, the spread
 * definition's legs, the session's times, each a heap object of its own) is one more trip to memory. Here a quote
 * reads the stage and this array. Offsets, from the start:
 * - the session cache: the interval the answer holds for (from, to) and the answer (when the session began);
 * - per leg (`LEG` numbers from `LEGS + LEG · index`): the latest quote (bid, ask, bid size, ask size, time; NaN
 *   before the first, which no check passes), whether it is usable at this evaluation (1 or 0), the leg in the last
 *   view that changed (1 when it was usable, then its bid, ask and sizes) and the leg's spread factor and trading
 *   multiplier.
 */
const FROM = 0;
const TO = 1;
const START = 2;
const LEGS = 3;
const BID = 0;
const ASK = 1;
const BID_SIZE = 2;
const ASK_SIZE = 3;
const TS = 4;
const USABLE = 5;
const LAST_USABLE = 6;
const LAST_BID = 7;
const LAST_ASK = 8;
const LAST_BID_SIZE = 9;
const LAST_ASK_SIZE = 10;
const FACTOR = 11;
const TM = 12;
const LEG = 13;

/** What the stage asks before it builds a view (`MarketViewOptions.wants`), as an object it calls a method of. */
export interface ViewWants {
  wants(spread: SpreadQuote | null): boolean;
}

/**
 * Leg quotes → what a spread's machines see: the spread quote (or none) and each leg's usable book, as a plain
 * stage a caller pushes quotes into (no stream machinery per quote). Quotes of other symbols are ignored. It
 * emits only when something in the view changed, including a leg going stale on the clock; a quote that changes
 * nothing allocates nothing. With a session calendar, books from before the current session are unusable.
 *
 * Legs stamped alike are seen together: a quote marked `more` (another row of the same instant follows)
 * only updates the leg; the view is computed at the instant's last quote (one without `more`, of any symbol
 * this stage hears), or, when that quote is routed elsewhere, by a zero-delay clock timer armed by the first
 * marked quote, which fires once the venue has published the whole instant. See docs/fill-model.md.
 *
 * A usable leg is one `legQuoteProblem` finds nothing wrong with, quoted in the current session; the spread quote
 * is `spreadQuote`'s, computed from the numbers the stage keeps (the same sums in the same order).
 */
export class MarketViewStage {
  private readonly index: Map<string, number>;
  /** Each leg's latest quote (the objects a view is built of; the checks read the numbers in `m`). */
  private readonly latest: (LegQuote | undefined)[];
  private readonly m: Float64Array;
  private readonly legCount: number;
  /** Whether a view changed yet (the first evaluation always changes one). */
  private changedOnce = false;
  /** Fires when the oldest usable leg goes stale; re-armed without allocating (a day re-arms it thousands of times). */
  private readonly staleTimer: Rearmable;
  private staleArmed = false;
  // Armed while an instant is incomplete (a `more` quote was heard, its last quote not yet).
  private pending: TimerId | undefined;
  /** Undefined without a session calendar (the market is always open). */
  private readonly session: MarketViewOptions['session'];
  // The options a quote reads, as fields of the stage (one object read per quote rather than two).
  private readonly clock: Clock;
  private readonly staleAfterMs: number;
  private readonly wants: ViewWants | undefined;
  /** The spread quote being evaluated, before a view is built (a view gets its own copy). */
  private readonly scratch: SpreadQuoteScratch = { bid: 0, bidSize: 0, ask: 0, askSize: 0 };
  private readonly complete = (): void => {
    this.pending = undefined;
    this.evaluate();
  };

  constructor(
    def: SpreadDefinition,
    options: MarketViewOptions,
    private readonly emit: (view: MarketView) => void,
  ) {
    this.index = new Map(def.legs.map((l) => [l.symbol, l.index]));
    this.latest = def.legs.map(() => undefined);
    this.legCount = def.legs.length;
    const m = (this.m = new Float64Array(LEGS + LEG * def.legs.length).fill(NaN));
    // With a session, the first evaluation looks its start up; without one, the market is always open: the cached
    // answer (−Infinity) holds for every time.
    m[FROM] = options.session ? Infinity : -Infinity;
    m[TO] = options.session ? -Infinity : Infinity;
    m[START] = -Infinity;
    for (const leg of def.legs) {
      const o = LEGS + LEG * leg.index;
      m[o + LAST_USABLE] = 0;
      m[o + FACTOR] = leg.factor;
      m[o + TM] = leg.tradingMultiplier;
    }
    this.session = options.session;
    this.clock = options.clock;
    this.staleAfterMs = options.staleAfterMs;
    const wants = options.wants;
    this.wants = wants === undefined ? undefined : typeof wants === 'function' ? { wants } : wants;
    this.staleTimer = rearmable(options.clock, () => {
      this.staleArmed = false;
      // Mid-instant, the pending evaluation comes next and re-arms this timer.
      if (this.pending === undefined) this.evaluate();
    });
  }

  /** The symbols this stage hears, each with the leg it reads its quotes as (for `pushLeg`). */
  get legsBySymbol(): [symbol: string, leg: number][] {
    return [...this.index.entries()];
  }

  /** A leg quote (of any symbol: the stage ignores the ones it does not trade, but sees the end of an instant). */
  push(q: LegQuote): void {
    const i = this.index.get(q.symbol);
    if (i !== undefined) this.take(i, q);
    else if (this.pending === undefined) return;
    this.heard(q);
  }

  /**
   * A quote of leg `leg`, routed here by its symbol (`legsBySymbol`): `push` without the look-up, which with
   * thousands of stages reads a table that is no longer in the CPU's caches.
   */
  pushLeg(leg: number, q: LegQuote): void {
    this.take(leg, q);
    this.heard(q);
  }

  private take(leg: number, q: LegQuote): void {
    this.latest[leg] = q;
    const m = this.m;
    const o = LEGS + LEG * leg;
    m[o + BID] = q.bid;
    m[o + ASK] = q.ask;
    m[o + BID_SIZE] = q.bidSize;
    m[o + ASK_SIZE] = q.askSize;
    m[o + TS] = q.ts;
  }

  private heard(q: LegQuote): void {
    const clock = this.clock;
    if (q.more) {
      if (this.pending === undefined) this.pending = clock.setTimeout(this.complete, 0);
      return;
    }
    if (this.pending !== undefined) clock.clearTimeout(this.pending);
    this.complete();
  }

  /**
   * Its reader forgot the view it holds (a strategy at a session's close): the next evaluation builds a view (asks
   * `wants`) even when the legs' books are those of the last one.
   */
  forget(): void {
    this.changedOnce = false;
  }

  /** Stops its timers. */
  close(): void {
    const clock = this.clock;
    this.staleTimer.disarm();
    this.staleArmed = false;
    if (this.pending !== undefined) clock.clearTimeout(this.pending);
    this.pending = undefined;
  }

  /**
   * When the current session began (−Infinity without a calendar or for one that never began, +Infinity while
   * closed), computed once per boundary rather than per quote: a calendar look-up costs microseconds.
   */
  private sessionStart(now: number): number {
    const m = this.m;
    if (now < m[FROM]! || now >= m[TO]!) {
      const session = this.session!;
      const open = session.intervalAt(now);
      m[FROM] = now;
      if (open) {
        m[START] = open.start;
        m[TO] = open.end;
      } else {
        m[START] = Infinity;
        m[TO] = session.nextBoundary(now)?.at ?? Infinity;
      }
    }
    return m[START]!;
  }

  private evaluate(): void {
    const staleAfterMs = this.staleAfterMs;
    const now = this.clock.now();
    const start = this.sessionStart(now);
    const m = this.m;
    const n = this.legCount;
    let complete = true;
    let same = this.changedOnce;
    let oldest = Infinity;
    for (let i = 0, o = LEGS; i < n; i++, o += LEG) {
      const ts = m[o + TS]!;
      // legQuoteProblem's checks (missing, one-sided, crossed, stale) on the numbers, and the session's start.
      const usable = m[o + BID_SIZE]! > 0 && m[o + ASK_SIZE]! > 0 && !(m[o + BID]! >= m[o + ASK]!) && !(now - ts > staleAfterMs) && ts >= start;
      if (!usable) complete = false;
      else if (ts < oldest) oldest = ts;
      // The same leg as in the last view: both unusable, or both usable with the same book.
      if (same && (usable ? m[o + LAST_USABLE] !== 1 || m[o + LAST_BID] !== m[o + BID] || m[o + LAST_ASK] !== m[o + ASK] || m[o + LAST_BID_SIZE] !== m[o + BID_SIZE] || m[o + LAST_ASK_SIZE] !== m[o + ASK_SIZE] : m[o + LAST_USABLE] !== 0)) same = false;
      m[o + USABLE] = usable ? 1 : 0;
    }
    // The spread is a function of the legs' books: the same books, the same spread.
    if (!same) this.changed(now, complete);
    // Wake up when the oldest usable leg goes stale. Deadlines only move later as quotes arrive, so a
    // timer already armed for an earlier moment is kept: it re-evaluates then and arms the next one.
    if (oldest < Infinity && !this.staleArmed) {
      this.staleArmed = true;
      this.staleTimer.arm(oldest + staleAfterMs + 1 - now);
    }
  }

  /** The view changed: remember its legs, and build it unless `wants` refuses it. */
  private changed(now: number, complete: boolean): void {
    const m = this.m;
    const n = this.legCount;
    this.changedOnce = true;
    for (let o = LEGS, end = LEGS + LEG * n; o < end; o += LEG) {
      const usable = m[o + USABLE]!;
      m[o + LAST_USABLE] = usable;
      if (usable === 1) {
        m[o + LAST_BID] = m[o + BID]!;
        m[o + LAST_ASK] = m[o + ASK]!;
        m[o + LAST_BID_SIZE] = m[o + BID_SIZE]!;
        m[o + LAST_ASK_SIZE] = m[o + ASK_SIZE]!;
      }
    }
    const q = this.scratch;
    const quoted = complete && this.spreadInto(q);
    if (this.wants === undefined || this.wants.wants(quoted ? q : null)) {
      const legs: (LegQuote | null)[] = [];
      for (let i = 0; i < n; i++) legs.push(m[LEGS + LEG * i + USABLE] === 1 ? this.latest[i]! : null);
      this.emit({ at: now, spread: quoted ? { bid: q.bid, bidSize: q.bidSize, ask: q.ask, askSize: q.askSize } : null, legs });
    }
  }

  /** `spreadQuoteInto` on the numbers of legs all usable: the same sums, in the legs' order. */
  private spreadInto(out: SpreadQuoteScratch): boolean {
    const m = this.m;
    let bid = 0;
    let ask = 0;
    let bidSize = Infinity;
    let askSize = Infinity;
    for (let o = LEGS, end = LEGS + LEG * this.legCount; o < end; o += LEG) {
      const f = m[o + FACTOR]!;
      bid += f > 0 ? f * m[o + BID]! : f * m[o + ASK]!;
      ask += f > 0 ? f * m[o + ASK]! : f * m[o + BID]!;
      const tm = m[o + TM]!;
      if (tm !== 0) {
        const a = Math.abs(tm);
        // Selling the spread sells positive legs (their bid) and buys negative ones (their ask).
        bidSize = Math.min(bidSize, Math.floor((tm > 0 ? m[o + BID_SIZE]! : m[o + ASK_SIZE]!) / a));
        askSize = Math.min(askSize, Math.floor((tm > 0 ? m[o + ASK_SIZE]! : m[o + BID_SIZE]!) / a));
      }
    }
    return writeSpreadQuote(out, bid, bidSize, ask, askSize);
  }
}
/** The market-view stage as an RxJS operator (see `MarketViewStage`). */
export function toMarketViews(def: SpreadDefinition, options: MarketViewOptions): OperatorFunction<LegQuote, MarketView> {
  return (source) =>
    new Observable<MarketView>((subscriber) => {
      const stage = new MarketViewStage(def, options, (view) => subscriber.next(view));
      const sub = source.subscribe({
        next: (q) => stage.push(q),
        error: (e) => subscriber.error(e),
        complete: () => subscriber.complete(),
      });
      return () => {
        sub.unsubscribe();
        stage.close();
      };
    });
}
