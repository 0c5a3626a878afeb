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
 * The decision filter, asked with a view's spread quote (a `ViewWants` of the market-view stage): true for a view that
 * can change a decision, i.e. when the decision mask changes, while `executing` (the strategy's algo runs), while
 * `fresh` (set by whoever wants the next view whatever its mask, and cleared by them), or when `wantsEvery()` says
 * so. The first view passes. The triggers are kept as the filter's own fields beside its last mask (whole numbers,
 * held in the object itself rather than each in a heap object of its own, with a bit of `set` for each trigger that
 * is set); whoever watches the strategy sets them again when an operator changes them (`setTriggers`), so a view
 * reads only this object.
 */
export class DecisionFilter {
  private last = -1;
  /** Whether the strategy's algo runs: every view passes then. */
  executing = false;
  /** Whether the next view passes whatever its mask (an operator changed the triggers or the target). */
  fresh = false;
  /** Which triggers are set: the mask bit each one gives (2 long entry, 4 long exit, 8 short entry, 16 short exit). */
  private set = 0;
  private longEntry = 0;
  private longExit = 0;
  private shortEntry = 0;
  private shortExit = 0;

  constructor(
    triggers: Triggers,
    private readonly wantsEvery?: () => boolean,
  ) {
    this.setTriggers(triggers);
  }

  setTriggers(t: Triggers): void {
    // `!= null`: a trigger left undefined (a caller's plain object) is not set either, as with spreadMask.
    this.set = (t.longEntry != null ? 2 : 0) | (t.longExit != null ? 4 : 0) | (t.shortEntry != null ? 8 : 0) | (t.shortExit != null ? 16 : 0);
    this.longEntry = t.longEntry ?? 0;
    this.longExit = t.longExit ?? 0;
    this.shortEntry = t.shortEntry ?? 0;
    this.shortExit = t.shortExit ?? 0;
  }

  wants(q: SpreadQuote | null): boolean {
    // spreadMask's, on the filter's own fields.
    let m = 0;
    if (q !== null) {
      m = 1;
      if (q.ask <= this.longEntry) m |= 2;
      if (q.bid >= this.longExit) m |= 4;
      if (q.bid >= this.shortEntry) m |= 8;
      if (q.ask <= this.shortExit) m |= 16;
      m &= this.set | 1;
    }
    const changed = m !== this.last;
    this.last = m;
    return changed || this.executing || this.fresh || (this.wantsEvery !== undefined && this.wantsEvery());
  }
}

/**
 * Passes a view on only when it can change a decision (`DecisionFilter`).
 * Machines cost microseconds per event, so an idle strategy must not see every tick.
 */
export function decisionRelevant(triggers: Triggers, wantsEvery: () => boolean): MonoTypeOperatorFunction<MarketView> {
  // The last mask is per subscription: the first view of every subscription passes.
  return (source) =>
    defer(() => {
      const relevant = new DecisionFilter(triggers, wantsEvery);
      // The triggers are read at each view, as given (a caller may change the object in place).
      return source.pipe(
        filter((view) => {
          relevant.setTriggers(triggers);
          return relevant.wants(view.spread);
        }),
      );
    });
}
