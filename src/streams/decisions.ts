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
  return !q ? 0 : maskOf(q, triggersSet(t), t.longEntry ?? 0, t.longExit ?? 0, t.shortEntry ?? 0, t.shortExit ?? 0);
}

/** The decision mask's bits: the spread is quoted, and each trigger it reaches. */
const QUOTED = 1;
const BIT = { longEntry: 2, longExit: 4, shortEntry: 8, shortExit: 16 } as const satisfies Record<keyof Triggers, number>;
/** Every bit of the decision mask. */
const ALL_BITS = QUOTED | BIT.longEntry | BIT.longExit | BIT.shortEntry | BIT.shortExit;

/**
 * Which triggers are set, as the mask bit each one gives. `!= null`: a trigger left undefined (a caller's plain
 * object) is not set either.
 */
function triggersSet(t: Triggers): number {
  return (t.longEntry != null ? BIT.longEntry : 0) | (t.longExit != null ? BIT.longExit : 0) | (t.shortEntry != null ? BIT.shortEntry : 0) | (t.shortExit != null ? BIT.shortExit : 0);
}

/** The decision mask of a spread quote, the triggers given as numbers with the bits of those that are set. */
function maskOf(q: SpreadQuote, set: number, longEntry: number, longExit: number, shortEntry: number, shortExit: number): number {
  let m = QUOTED;
  if (q.ask <= longEntry) m |= BIT.longEntry;
  if (q.bid >= longExit) m |= BIT.longExit;
  if (q.bid >= shortEntry) m |= BIT.shortEntry;
  if (q.ask <= shortExit) m |= BIT.shortExit;
  return m & (set | QUOTED);
}

/** The decision-mask bits of the triggers named, with the quoted bit. */
export function triggerBits(names: readonly (keyof Triggers)[]): number {
  let bits = QUOTED;
  for (const n of names) bits |= BIT[n];
  return bits;
}

/**
 * The decision filter, asked with a view's spread quote (a `ViewWants` of the market-view stage): true for a view that
 * can change a decision, i.e. when the decision mask changes, while `executing` (the strategy's algo runs), while
 * `fresh` (set by whoever wants the next view whatever its mask, and cleared by them), or when `wantsEvery()` says
 * so. The first view passes. The triggers are kept as the filter's own fields beside its last mask (whole numbers,
 * held in the object itself rather than each in a heap object of its own, with a bit of `set` for each trigger that
 * is set); whoever watches the strategy sets them again when an operator changes them (`setTriggers`), so a view
 * reads only this object.
 *
 * `watched` narrows what a changed mask means: the bits whose change can be news for the strategy in its state now
 * (`watch`; all of them unless told). A view whose mask changed only in other bits still passes, since the strategy
 * must hold it before its next event, but `quiet` says that no decision of the strategy's state can change on it.
 */
export class DecisionFilter {
  private last = -1;
  /** Whether the strategy's algo runs: every view passes then. */
  executing = false;
  /** Whether the next view passes whatever its mask (an operator changed the triggers or the target). */
  fresh = false;
  /**
   * Of the view the last `wants` passed: whether its mask changed only in bits outside `watched` (and it passed for
   * no other reason), so no decision the strategy makes in its state now can change on it.
   */
  quiet = false;
  /** The mask bits whose change can be news for the strategy in its state now. */
  private watched = ALL_BITS;
  /** Which triggers are set (`triggersSet`). */
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
    this.set = triggersSet(t);
    this.longEntry = t.longEntry ?? 0;
    this.longExit = t.longExit ?? 0;
    this.shortEntry = t.shortEntry ?? 0;
    this.shortExit = t.shortExit ?? 0;
  }

  /**
   * The strategy holds no view (it forgot it at a session's close, or has not had one yet): its next view passes,
   * and is not quiet, whatever its mask. The mask of the last view the filter saw no longer says what the strategy
   * decides on.
   */
  forget(): void {
    this.last = -1;
  }

  /** The bits whose change can be news for the strategy in its state now (`triggerBits`), or every bit (undefined). */
  watch(bits: number | undefined): void {
    this.watched = bits === undefined ? ALL_BITS : bits | QUOTED;
  }

  wants(q: SpreadQuote | null): boolean {
    // spreadMask's, on the filter's own fields.
    const m = q === null ? 0 : maskOf(q, this.set, this.longEntry, this.longExit, this.shortEntry, this.shortExit);
    const before = this.last;
    this.last = m;
    if (this.executing || this.fresh) {
      this.quiet = false;
      return true;
    }
    if (m !== before) {
      // The first view (`before` −1) is never quiet.
      this.quiet = before >= 0 && ((m ^ before) & this.watched) === 0;
      return true;
    }
    this.quiet = false;
    return this.wantsEvery !== undefined && this.wantsEvery();
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
