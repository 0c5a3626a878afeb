import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { Clock, TimerId } from '../../src/clock/clock.js';
import { legQuoteProblem, spreadQuote, type LegQuote, type MarketView, type SpreadQuote } from '../../src/domain/quote.js';
import { SpreadDefinition } from '../../src/domain/spread.js';
import { DecisionFilter, triggerBits } from '../../src/streams/decisions.js';
import { MarketViewStage } from '../../src/streams/market-views.js';

/**
 * The stage keeps its numbers in a typed array and checks and sums them itself. These tests hold it to the domain's
 * definitions (`legQuoteProblem`, `spreadQuote`) on legs with trading multipliers other than ±1, a price-only leg and
 * a session calendar: every view it emits, and every view it does not, is the one those functions give.
 */

/** 2·A − 3·B + C, C priced but not traded: factors 2, −3 (scaled by the ticks) and 1. */
const def = new SpreadDefinition({
  name: 'three',
  legs: [
    { symbol: 'A', tickSize: '0.5', lotSize: '1', priceMultiplier: '2', tradingMultiplier: 2 },
    { symbol: 'B', tickSize: '0.25', lotSize: '1', priceMultiplier: '-3', tradingMultiplier: -3 },
    { symbol: 'C', tickSize: '1', lotSize: '1', priceMultiplier: '1', tradingMultiplier: 0 },
  ],
});
const SYMBOLS = ['A', 'B', 'C'];
const STALE = 400;
const T0 = 1_000_000;

/** Open on [k·3000 + 1000, (k + 1)·3000), closed on [k·3000, k·3000 + 1000). */
const session = {
  intervalAt: (t: number) => (t % 3000 >= 1000 ? { start: t - (t % 3000) + 1000, end: t - (t % 3000) + 3000 } : null),
  nextBoundary: (t: number) => (t % 3000 >= 1000 ? { at: t - (t % 3000) + 3000, open: false } : { at: t - (t % 3000) + 1000, open: true }),
};
const sessionStart = (t: number): number => (t % 3000 >= 1000 ? t - (t % 3000) + 1000 : Infinity);

/** A clock whose time the test sets and whose timers never fire: the stage evaluates only on a quote. */
function manualClock(): Clock & { t: number } {
  let next = 1;
  return {
    t: T0,
    now() {
      return this.t;
    },
    setTimeout: (): TimerId => next++,
    clearTimeout: () => {},
  };
}

const push = fc.record({
  leg: fc.integer({ min: 0, max: 2 }),
  dt: fc.integer({ min: 0, max: 120 }),
  // −1: stamped at the session's start exactly (when open), where a book first becomes usable.
  age: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 150 }) }, { weight: 1, arbitrary: fc.integer({ min: 151, max: 600 }) }, { weight: 1, arbitrary: fc.constant(-1) }),
  bid: fc.integer({ min: 90, max: 110 }),
  // Mostly two-sided; now and then locked (0) or crossed (−1).
  width: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 3 }) }, { weight: 1, arbitrary: fc.integer({ min: -1, max: 0 }) }),
  bidSize: fc.integer({ min: 0, max: 20 }),
  askSize: fc.integer({ min: 0, max: 20 }),
});

describe('MarketViewStage against legQuoteProblem and spreadQuote', () => {
  it('emits exactly the views the domain functions give, quote by quote', () => {
    let quotedViews = 0;
    let refusedViews = 0;
    fc.assert(
      fc.property(fc.array(push, { minLength: 1, maxLength: 80 }), fc.boolean(), (pushes, withSession) => {
        const clock = manualClock();
        const views: MarketView[] = [];
        const asked: (SpreadQuote | null)[] = [];
        // Refuses quoted views with an odd ask (so refused views still count as changes): a wants filter in the loop.
        const stage = new MarketViewStage(def, { staleAfterMs: STALE, clock, session: withSession ? session : undefined, wants: (s) => (asked.push(s && { ...s }), s === null || s.ask % 2 === 0) }, (v) => views.push(v));
        const latest: (LegQuote | undefined)[] = [undefined, undefined, undefined];
        let last: (LegQuote | null)[] | undefined;
        const expected: MarketView[] = [];
        const expectedAsked: (SpreadQuote | null)[] = [];
        for (const p of pushes) {
          clock.t += p.dt;
          const ts = p.age === -1 ? (clock.t % 3000 >= 1000 ? clock.t - (clock.t % 3000) + 1000 : clock.t) : clock.t - p.age;
          const q: LegQuote = { symbol: SYMBOLS[p.leg]!, bid: p.bid, ask: p.bid + p.width, bidSize: p.bidSize, askSize: p.askSize, ts };
          latest[p.leg] = q;
          stage.pushLeg(p.leg, q);
          const now = clock.t;
          const start = withSession ? sessionStart(now) : -Infinity;
          const usable = latest.map((l) => (legQuoteProblem(l, now, STALE) === undefined && l!.ts >= start ? l! : null));
          const same = last !== undefined && usable.every((u, i) => {
            const a = last![i]!;
            return u === null || a === null ? u === a : a.bid === u.bid && a.ask === u.ask && a.bidSize === u.bidSize && a.askSize === u.askSize;
          });
          if (same) continue;
          last = usable;
          const spread = usable.every((u) => u !== null) ? spreadQuote(def, usable.map((u) => u ?? undefined), now, STALE) : null;
          expectedAsked.push(spread);
          if (spread === null || spread.ask % 2 === 0) expected.push({ at: now, spread, legs: usable });
        }
        expect(asked).toEqual(expectedAsked);
        expect(views).toEqual(expected);
        quotedViews += views.filter((v) => v.spread !== null).length;
        refusedViews += asked.length - views.length;
      }),
      { numRuns: 300, seed: 14 },
    );
    // The runs compared quoted views built and refused, not only unquoted ones.
    expect(quotedViews).toBeGreaterThan(50);
    expect(refusedViews).toBeGreaterThan(50);
  });

  it('prices the three legs as the definition does: 2·A − 3·B + C, scaled', () => {
    const clock = manualClock();
    const views: MarketView[] = [];
    const stage = new MarketViewStage(def, { staleAfterMs: STALE, clock }, (v) => views.push(v));
    stage.pushLeg(0, { symbol: 'A', bid: 200, ask: 202, bidSize: 9, askSize: 5, ts: T0 });
    stage.pushLeg(1, { symbol: 'B', bid: 400, ask: 401, bidSize: 7, askSize: 12, ts: T0 });
    stage.pushLeg(2, { symbol: 'C', bid: 30, ask: 31, bidSize: 1, askSize: 1, ts: T0 });
    // Scale 100 (two decimal places, from the tick 0.25): factors A 2·0.5·100 = 100, B −3·0.25·100 = −75, C 100.
    // Bid: 100·200 − 75·401 + 100·30 = −7,075; ask: 100·202 − 75·400 + 100·31 = −6,700. Sizes: min(⌊9/2⌋, ⌊12/3⌋) = 4
    // and min(⌊5/2⌋, ⌊7/3⌋) = 2; C trades nothing, so its sizes do not count.
    expect(views.at(-1)!.spread).toEqual({ bid: -7075, bidSize: 4, ask: -6700, askSize: 2 });
    expect(views.at(-1)!.spread).toEqual(spreadQuote(def, views.at(-1)!.legs.map((l) => l ?? undefined), T0, STALE));
    // The view's legs are the quotes heard, the third one's too (kept apart from the first two's).
    expect(views.at(-1)!.legs.map((l) => (l === null ? null : `${l.symbol} ${l.bid}/${l.ask}`))).toEqual(['A 200/202', 'B 400/401', 'C 30/31']);
  });
});

describe('DecisionFilter', () => {
  const quote = (bid: number, ask: number): SpreadQuote => ({ bid, bidSize: 1, ask, askSize: 1 });

  it('passes the first view, then a view only when the mask changes', () => {
    const f = new DecisionFilter({ longEntry: 50, longExit: null, shortEntry: 60, shortExit: null }, () => false);
    expect([f.wants(null), f.wants(null), f.wants(quote(48, 52)), f.wants(quote(47, 51)), f.wants(quote(48, 50)), f.wants(quote(60, 62)), f.wants(quote(49, 51))]).toEqual([
      true, // first
      false, // still unquoted
      true, // quoted
      false, // same mask
      true, // ask 50 ≤ long entry
      true, // bid 60 ≥ short entry, ask above long entry
      true, // back to quoted only
    ]);
  });

  it('passes every view while executing, and while wantsEvery says so, still tracking the mask', () => {
    let fresh = false;
    const f = new DecisionFilter({ longEntry: 50, longExit: null, shortEntry: null, shortExit: null }, () => fresh);
    expect(f.wants(quote(48, 52))).toBe(true);
    expect(f.wants(quote(48, 52))).toBe(false);
    f.executing = true;
    expect(f.wants(quote(48, 52))).toBe(true);
    f.executing = false;
    fresh = true;
    expect(f.wants(quote(48, 52))).toBe(true);
    fresh = false;
    expect(f.wants(quote(48, 52))).toBe(false);
    f.fresh = true;
    expect(f.wants(quote(48, 52))).toBe(true);
    f.fresh = false;
    expect(f.wants(quote(48, 52))).toBe(false);
  });

  it('watching some triggers: a view whose mask changed only in the others passes quiet; the first view, a quoted change and a running algo never are', () => {
    // Long entry 50, long exit 55, short entry 60, short exit 55; flat, so the entries are watched.
    const f = new DecisionFilter({ longEntry: 50, longExit: 55, shortEntry: 60, shortExit: 55 });
    f.watch(triggerBits(['longEntry', 'shortEntry']));
    const seen = (q: SpreadQuote | null): string => (f.wants(q) ? (f.quiet ? 'quiet' : 'pass') : 'drop');
    expect([
      seen(quote(53, 54)), // first (ask ≤ short exit)
      seen(quote(56, 57)), // the exits' bits change: bid ≥ long exit, ask above short exit
      seen(quote(56, 58)), // the same mask
      seen(quote(53, 54)), // back: the exits' bits again
      seen(quote(49, 50)), // ask 50 ≤ long entry: a watched bit
      seen(null), // unquoted
      seen(quote(53, 54)), // quoted again
    ]).toEqual(['pass', 'quiet', 'drop', 'quiet', 'pass', 'pass', 'pass']);
    // In a long position the long exit is watched: the same change is news.
    f.watch(triggerBits(['longExit', 'longEntry']));
    expect(seen(quote(56, 57))).toBe('pass');
    // Every bit again (no idle state: an algo works, the strategy flattens or stops).
    f.watch(undefined);
    expect(seen(quote(61, 62))).toBe('pass');
    // A running algo hears every view, never quiet.
    f.watch(triggerBits(['longEntry', 'shortEntry']));
    f.executing = true;
    expect([seen(quote(56, 57)), seen(quote(56, 57))]).toEqual(['pass', 'pass']);
    // Forgotten (the strategy holds no view): the same mask passes, and is not quiet.
    f.executing = false;
    expect(seen(quote(56, 57))).toBe('drop');
    f.forget();
    expect(seen(quote(56, 57))).toBe('pass');
    expect(triggerBits([])).toBe(1);
    expect(triggerBits(['longEntry', 'longExit', 'shortEntry', 'shortExit'])).toBe(31);
  });

  it('a trigger left undefined is not set, as a null one', () => {
    const f = new DecisionFilter({ longEntry: undefined, longExit: null, shortEntry: undefined, shortExit: null } as never, () => false);
    expect([f.wants(quote(-5, -1)), f.wants(quote(5, 9))]).toEqual([true, false]);
  });

  it('reads triggers set again (an operator changed them): the same quote crosses the new long entry', () => {
    const f = new DecisionFilter({ longEntry: 40, longExit: null, shortEntry: null, shortExit: null }, () => false);
    expect(f.wants(quote(48, 52))).toBe(true);
    expect(f.wants(quote(48, 52))).toBe(false);
    f.setTriggers({ longEntry: 52, longExit: null, shortEntry: null, shortExit: null });
    expect(f.wants(quote(48, 52))).toBe(true);
    f.setTriggers({ longEntry: null, longExit: null, shortEntry: null, shortExit: null });
    expect(f.wants(quote(48, 52))).toBe(true);
    expect(f.wants(quote(-1e9, 1e9))).toBe(false);
  });
});
