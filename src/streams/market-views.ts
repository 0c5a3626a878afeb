import { Observable, type OperatorFunction } from 'rxjs';
import type { Clock, TimerId } from '../clock/clock.js';
import { legQuoteProblem, spreadQuote, type LegQuote, type MarketView, type SpreadQuote } from '../domain/quote.js';
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
}

/**
 * When the current session began (−Infinity for one that never began, +Infinity while closed), computed once
 * per boundary rather than per quote: a calendar look-up costs microseconds.
 */
function sessionStart(session: MarketViewOptions['session']): (now: number) => number {
  if (!session) return () => -Infinity;
  let from = Infinity;
  let to = -Infinity;
  let start = Infinity;
  return (now) => {
    if (now < from || now >= to) {
      const open = session.intervalAt(now);
      from = now;
      if (open) {
        start = open.start;
        to = open.end;
      } else {
        start = Infinity;
        to = session.nextBoundary(now)?.at ?? Infinity;
      }
    }
    return start;
  };
}

/**
 * Leg quotes → what a spread's machines see: the spread quote (or none) and each leg's usable book.
 * Quotes of other symbols are ignored. It emits only when something in the view changed, including a
 * leg going stale on the clock. With a session calendar, books from before the current session are unusable.
 *
 * Legs stamped alike are seen together: a quote marked `more` (another row of the same instant follows)
 * only updates the leg; the view is computed at the instant's last quote (one without `more`, of any symbol
 * this stage hears), or, when that quote is routed elsewhere, by a zero-delay clock timer armed by the first
 * marked quote, which fires once the venue has published the whole instant. See docs/fill-model.md.
 */
export function toMarketViews(def: SpreadDefinition, options: MarketViewOptions): OperatorFunction<LegQuote, MarketView> {
  const index = new Map(def.legs.map((l) => [l.symbol, l.index]));
  return (source) =>
    new Observable<MarketView>((subscriber) => {
      const latest: (LegQuote | undefined)[] = def.legs.map(() => undefined);
      let last: MarketView | undefined;
      let timer: TimerId | undefined;
      // Armed while an instant is incomplete (a `more` quote was heard, its last quote not yet).
      let pending: TimerId | undefined;
      const { clock, staleAfterMs } = options;
      const currentSessionStart = sessionStart(options.session);

      const evaluate = (): void => {
        const now = clock.now();
        const start = currentSessionStart(now);
        const legs = latest.map((q) => (legQuoteProblem(q, now, staleAfterMs) === undefined && q!.ts >= start ? q! : null));
        const spread = legs.every((l) => l !== null) ? spreadQuote(def, legs as LegQuote[], now, staleAfterMs) : null;
        if (!last || !sameView(last, spread, legs)) {
          last = { at: now, spread, legs };
          subscriber.next(last);
        }
        // Wake up when the oldest usable leg goes stale. Deadlines only move later as quotes arrive, so a
        // timer already armed for an earlier moment is kept: it re-evaluates then and arms the next one.
        let oldest = Infinity;
        for (const q of legs) if (q && q.ts < oldest) oldest = q.ts;
        if (oldest < Infinity && timer === undefined) {
          timer = clock.setTimeout(() => {
            timer = undefined;
            // Mid-instant, the pending evaluation comes next and re-arms this timer.
            if (pending === undefined) evaluate();
          }, oldest + staleAfterMs + 1 - now);
        }
      };

      const complete = (): void => {
        pending = undefined;
        evaluate();
      };

      const sub = source.subscribe({
        next: (q) => {
          const i = index.get(q.symbol);
          if (i !== undefined) latest[i] = q;
          else if (pending === undefined) return;
          if (q.more) {
            if (pending === undefined) pending = clock.setTimeout(complete, 0);
            return;
          }
          if (pending !== undefined) clock.clearTimeout(pending);
          complete();
        },
        error: (e) => subscriber.error(e),
        complete: () => subscriber.complete(),
      });
      return () => {
        sub.unsubscribe();
        if (timer !== undefined) clock.clearTimeout(timer);
        if (pending !== undefined) clock.clearTimeout(pending);
      };
    });
}

function sameSpread(a: SpreadQuote | null, b: SpreadQuote | null): boolean {
  if (a === null || b === null) return a === b;
  return a.bid === b.bid && a.ask === b.ask && a.bidSize === b.bidSize && a.askSize === b.askSize;
}

function sameLeg(a: LegQuote | null, b: LegQuote | null): boolean {
  if (a === null || b === null) return a === b;
  return a.bid === b.bid && a.ask === b.ask && a.bidSize === b.bidSize && a.askSize === b.askSize;
}

function sameView(v: MarketView, spread: SpreadQuote | null, legs: readonly (LegQuote | null)[]): boolean {
  if (!sameSpread(v.spread, spread)) return false;
  for (let i = 0; i < legs.length; i++) if (!sameLeg(v.legs[i]!, legs[i]!)) return false;
  return true;
}
