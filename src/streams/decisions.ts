import { defer, filter, type MonoTypeOperatorFunction } from 'rxjs';
import type { MarketView, SpreadQuote } from '../domain/quote.js';
import type { Triggers } from '../domain/triggers.js';

/**
 * Which of a strategy's decisions a view allows, as a bit mask: quoted, ask ≤ long entry, bid ≥ long exit,
 * bid ≥ short entry, ask ≤ short exit.
 */
export function decisionMask(view: MarketView, t: Triggers): number {
  return spreadMask(view.spread, t);
}

/** `decisionMask` of a view's spread quote. */
export function spreadMask(q: SpreadQuote | null, t: Triggers): number {
  if (!q) return 0;
  let m = 1;
  if (t.longEntry !== null && q.ask <= t.longEntry) m |= 2;
  if (t.longExit !== null && q.bid >= t.longExit) m |= 4;
  if (t.shortEntry !== null && q.bid >= t.shortEntry) m |= 8;
  if (t.shortExit !== null && q.ask <= t.shortExit) m |= 16;
  return m;
}

/**
 * The decision filter as a plain predicate of a view's spread quote: true for a view that can change a decision,
 * i.e. when the decision mask changes, or while `wantsEvery()` says the strategy is executing. `triggers` is read
 * once per view (an operator may change them). The first view passes.
 */
export function decisionFilter(triggers: () => Triggers, wantsEvery: () => boolean): (spread: SpreadQuote | null) => boolean {
  let last = -1;
  return (spread) => {
    const m = spreadMask(spread, triggers());
    const changed = m !== last;
    last = m;
    return changed || wantsEvery();
  };
}

/**
 * Passes a view on only when it can change a decision (`decisionFilter`).
 * Machines cost microseconds per event, so an idle strategy must not see every tick.
 */
export function decisionRelevant(triggers: Triggers, wantsEvery: () => boolean): MonoTypeOperatorFunction<MarketView> {
  // The last mask is per subscription: the first view of every subscription passes.
  return (source) =>
    defer(() => {
      const relevant = decisionFilter(() => triggers, wantsEvery);
      return source.pipe(filter((view) => relevant(view.spread)));
    });
}
