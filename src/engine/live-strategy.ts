import type { AnyActorRef } from 'xstate';
import { withView as algoWithView } from '../../machines/algo.machine.js';
import { watchedPurposes, withView as strategyWithView } from '../../machines/strategy.machine.js';
import type { Triggers } from '../domain/triggers.js';
import { triggerBits, type DecisionFilter } from '../streams/decisions.js';
import type { ViewProbe } from './view-gate.js';

/*
 * What the engine's quote path reads of a strategy's actors, worked out as their snapshots come rather than asked of
 * them at every quote: the decision filter's inputs (liveStrategy) and what the view gate asks (viewProbes).
 */

/**
 * What the view gate asks of a strategy: the strategy, and its running algo if any. Built once per strategy and
 * per algo (a view passes here thousands of times between two launches), not once per view.
 */
export function viewProbes(ref: AnyActorRef, runningAlgo: () => AnyActorRef | undefined): () => readonly ViewProbe[] {
  const strategy: ViewProbe = { ref, withView: (_, view) => strategyWithView(view) };
  const alone = [strategy];
  let algoRef: AnyActorRef | undefined;
  let both: readonly ViewProbe[] = alone;
  return () => {
    const algo = runningAlgo();
    if (algo === undefined) return alone;
    if (algo !== algoRef) {
      algoRef = algo;
      both = [strategy, { ref: algo, withView: algoWithView }];
    }
    return both;
  };
}

/**
 * What the quote path reads of a strategy on every quote: its triggers now (an operator may have changed them),
 * whether an algo runs, which triggers its state watches (`watchedPurposes`), and whether it holds a view at all,
 * written into its decision filter from the strategy's snapshots as they come (XState tells its observers after each
 * step, before the next event), so a quote reads the filter rather than the actor's snapshot, context and spec,
 * scattered in memory: at 1,000 strategies, asking the snapshot whether an algo ran cost about 0.45 µs a quote, most
 * of the quote path's own cost then. `algo` is the running algo, for the view gate.
 */
export function liveStrategy(ref: AnyActorRef, configured: Triggers, filter: DecisionFilter, forgetView: () => void): { algo: () => AnyActorRef | undefined; subscription: { unsubscribe(): void } } {
  type Context = { spec?: { triggers?: Triggers }; algo?: { ref: AnyActorRef } | null; market?: unknown };
  let triggers = configured;
  let algo: AnyActorRef | undefined;
  const take = (snapshot: unknown): void => {
    const context = (snapshot as { context?: Context } | undefined)?.context;
    const now = context?.spec?.triggers ?? configured;
    if (now !== triggers) filter.setTriggers((triggers = now));
    algo = context?.algo?.ref;
    filter.executing = algo !== undefined;
    // A strategy that holds no view (forgotten at a session's close) hears the next one whatever its mask, even with
    // the books of the view it forgot.
    if (context?.market === null) {
      filter.forget();
      forgetView();
    }
    const watched = (snapshot as { tags?: unknown }).tags instanceof Set && context?.spec ? watchedPurposes(snapshot as Parameters<typeof watchedPurposes>[0]) : null;
    filter.watch(watched === null ? undefined : triggerBits(watched));
  };
  take(ref.getSnapshot());
  const subscription = ref.subscribe({
    next: take,
    // The engine's own subscription reports the actor's failure.
    error: () => {},
  });
  return { algo: () => algo, subscription };
}
