import { Observable, type OperatorFunction } from 'rxjs';
import { rearmable, type Clock, type Rearmable, type TimerId } from '../clock/clock.js';
import { legQuoteProblem, spreadQuoteInto, type LegQuote, type MarketView, type SpreadQuote, type SpreadQuoteScratch } from '../domain/quote.js';
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
   */
  wants?: (spread: SpreadQuote | null) => boolean;
}

/**
 * When the current session began (−Infinity for one that never began, +Infinity while closed), computed once
 * per boundary rather than per quote: a calendar look-up costs microseconds. The three times are kept in one typed
 * array: a number kept in a variable or a field is a heap object of its own, which with thousands of stages is one
 * more read out of the CPU's caches per quote.
 */
class SessionStart {
  // from, to (the interval the answer holds for), start (the answer).
  private readonly t = new Float64Array([Infinity, -Infinity, Infinity]);
  constructor(private readonly session: NonNullable<MarketViewOptions['session']>) {}

  at(now: number): number {
    const t = this.t;
    if (now < t[0]! || now >= t[1]!) {
      const open = this.session.intervalAt(now);
      t[0] = now;
      if (open) {
        t[2] = open.start;
        t[1] = open.end;
      } else {
        t[2] = Infinity;
        t[1] = this.session.nextBoundary(now)?.at ?? Infinity;
      }
    }
    return t[2]!;
  }
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
 */
export class MarketViewStage {
  private readonly index: Map<string, number>;
  private readonly latest: (LegQuote | undefined)[];
  /** Each leg's usable book at the last evaluation (scratch: compared with the last view before a new one). */
  private readonly usable: (LegQuote | null)[];
  /** Each leg's usable book in the last view that changed (built or refused by `wants`); undefined before the first. */
  private lastLegs: (LegQuote | null)[] | undefined;
  /** Fires when the oldest usable leg goes stale; re-armed without allocating (a day re-arms it thousands of times). */
  private readonly staleTimer: Rearmable;
  private staleArmed = false;
  // Armed while an instant is incomplete (a `more` quote was heard, its last quote not yet).
  private pending: TimerId | undefined;
  /** Undefined without a session calendar (the market is always open). */
  private readonly sessionStart: SessionStart | undefined;
  // The options a quote reads, as fields of the stage (one object read per quote rather than two).
  private readonly clock: Clock;
  private readonly staleAfterMs: number;
  private readonly wants: ((spread: SpreadQuote | null) => boolean) | undefined;
  /** The spread quote being evaluated, before a view is built (a view gets its own copy). */
  private readonly scratch: SpreadQuoteScratch = { bid: 0, bidSize: 0, ask: 0, askSize: 0 };
  private readonly complete = (): void => {
    this.pending = undefined;
    this.evaluate();
  };

  constructor(
    private readonly def: SpreadDefinition,
    options: MarketViewOptions,
    private readonly emit: (view: MarketView) => void,
  ) {
    this.index = new Map(def.legs.map((l) => [l.symbol, l.index]));
    this.latest = def.legs.map(() => undefined);
    this.usable = def.legs.map(() => null);
    this.sessionStart = options.session ? new SessionStart(options.session) : undefined;
    this.clock = options.clock;
    this.staleAfterMs = options.staleAfterMs;
    this.wants = options.wants;
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
    if (i !== undefined) this.latest[i] = q;
    else if (this.pending === undefined) return;
    this.heard(q);
  }

  /**
   * A quote of leg `leg`, routed here by its symbol (`legsBySymbol`): `push` without the look-up, which with
   * thousands of stages reads a table that is no longer in the CPU's caches.
   */
  pushLeg(leg: number, q: LegQuote): void {
    this.latest[leg] = q;
    this.heard(q);
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

  /** Stops its timers. */
  close(): void {
    const clock = this.clock;
    this.staleTimer.disarm();
    this.staleArmed = false;
    if (this.pending !== undefined) clock.clearTimeout(this.pending);
    this.pending = undefined;
  }

  private evaluate(): void {
    const staleAfterMs = this.staleAfterMs;
    const now = this.clock.now();
    const start = this.sessionStart === undefined ? -Infinity : this.sessionStart.at(now);
    const usable = this.usable;
    let complete = true;
    const last = this.lastLegs;
    let same = last !== undefined;
    let oldest = Infinity;
    for (let i = 0; i < usable.length; i++) {
      const q = this.latest[i];
      const u = legQuoteProblem(q, now, staleAfterMs) === undefined && q!.ts >= start ? q! : null;
      usable[i] = u;
      if (u === null) complete = false;
      else if (u.ts < oldest) oldest = u.ts;
      if (same && !sameLeg(last![i]!, u)) same = false;
    }
    // The spread is a function of the legs' books: the same books, the same spread.
    if (!same) {
      if (last === undefined) this.lastLegs = [...usable];
      else for (let i = 0; i < usable.length; i++) last[i] = usable[i]!;
      const q = this.scratch;
      const quoted = complete && spreadQuoteInto(this.def, usable, now, staleAfterMs, q);
      if (this.wants === undefined || this.wants(quoted ? q : null)) {
        this.emit({ at: now, spread: quoted ? { bid: q.bid, bidSize: q.bidSize, ask: q.ask, askSize: q.askSize } : null, legs: [...usable] });
      }
    }
    // Wake up when the oldest usable leg goes stale. Deadlines only move later as quotes arrive, so a
    // timer already armed for an earlier moment is kept: it re-evaluates then and arms the next one.
    if (oldest < Infinity && !this.staleArmed) {
      this.staleArmed = true;
      this.staleTimer.arm(oldest + staleAfterMs + 1 - now);
    }
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

function sameLeg(a: LegQuote | null, b: LegQuote | null): boolean {
  if (a === null || b === null) return a === b;
  return a.bid === b.bid && a.ask === b.ask && a.bidSize === b.bidSize && a.askSize === b.askSize;
}

