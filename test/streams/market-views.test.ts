import { describe, it, expect } from 'vitest';
import { Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { VirtualClock } from '../../src/clock/virtual-clock.js';
import type { LegQuote, MarketView, SpreadQuote } from '../../src/domain/quote.js';
import { SpreadDefinition } from '../../src/domain/spread.js';
import type { Triggers } from '../../src/domain/triggers.js';
import { decisionMask, decisionRelevant } from '../../src/streams/decisions.js';
import { MarketViewStage, toMarketViews } from '../../src/streams/market-views.js';

const T0 = 1_700_000_000_000;
const STALE = 500;

/** S = A − B, tick 1, so spread prices are plain ticks (scale 1). */
const def = new SpreadDefinition({
  name: 'A-B',
  legs: [
    { symbol: 'A', tickSize: '1', lotSize: '1', priceMultiplier: '1', tradingMultiplier: 1 },
    { symbol: 'B', tickSize: '1', lotSize: '1', priceMultiplier: '-1', tradingMultiplier: -1 },
  ],
});

const q = (symbol: string, bid: number, ask: number, bidSize: number, askSize: number, ts: number): LegQuote => ({ symbol, bid, ask, bidSize, askSize, ts });
const qa = (ts = T0): LegQuote => q('A', 100, 101, 7, 9, ts);
const qb = (ts = T0): LegQuote => q('B', 50, 51, 4, 12, ts);
const AB: SpreadQuote = { bid: 49, bidSize: 7, ask: 51, askSize: 4 };

function harness(): { clock: VirtualClock; quotes: Subject<LegQuote>; views: MarketView[]; unsubscribe: () => void } {
  const clock = new VirtualClock(T0);
  const quotes = new Subject<LegQuote>();
  const views: MarketView[] = [];
  const sub = quotes.pipe(toMarketViews(def, { staleAfterMs: STALE, clock })).subscribe((v) => views.push(v));
  return { clock, quotes, views, unsubscribe: () => sub.unsubscribe() };
}

describe('toMarketViews', () => {
  it('emits nothing before the first quote of a leg', () => {
    const { clock, quotes, views } = harness();
    quotes.next(q('C', 1, 2, 1, 1, T0));
    clock.runUntil(T0 + 10 * STALE);
    expect(views).toEqual([]);
  });

  it('with only one leg quoted, emits that leg’s book and spread null', () => {
    const { quotes, views } = harness();
    quotes.next(qa());
    expect(views).toEqual([{ at: T0, spread: null, legs: [qa(), null] }]);
  });

  it('emits the exact spread quote once every leg is quoted', () => {
    const { quotes, views } = harness();
    quotes.next(qa());
    quotes.next(qb());
    expect(views).toEqual([
      { at: T0, spread: null, legs: [qa(), null] },
      { at: T0, spread: AB, legs: [qa(), qb()] },
    ]);
  });

  it('stamps a view with the clock’s time, not the quote’s', () => {
    const { clock, quotes, views } = harness();
    clock.runUntil(T0 + 40);
    quotes.next(qa(T0 + 10));
    expect(views).toEqual([{ at: T0 + 40, spread: null, legs: [qa(T0 + 10), null] }]);
  });

  it('does not emit when an identical quote repeats, even with a newer timestamp', () => {
    const { clock, quotes, views } = harness();
    quotes.next(qa());
    quotes.next(qb());
    quotes.next(qa());
    clock.runUntil(T0 + 100);
    quotes.next(qb(T0 + 100));
    expect(views).toHaveLength(2);
  });

  it('ignores a quote of a symbol that is not a leg', () => {
    const { quotes, views } = harness();
    quotes.next(qa());
    quotes.next(qb());
    quotes.next(q('C', 1, 1000, 1, 1, T0));
    expect(views).toHaveLength(2);
  });

  it('emits when a leg’s book changes though the spread quote does not', () => {
    const { quotes, views } = harness();
    quotes.next(qa());
    quotes.next(qb());
    // A's ask size 9 → 10: askSize stays min(10, 4) = 4.
    quotes.next(q('A', 100, 101, 7, 10, T0));
    expect(views).toHaveLength(3);
    expect(views[2]).toEqual({ at: T0, spread: AB, legs: [q('A', 100, 101, 7, 10, T0), qb()] });
  });

  it('emits a new spread quote when a leg moves', () => {
    const { quotes, views } = harness();
    quotes.next(qa());
    quotes.next(qb());
    quotes.next(q('B', 48, 50, 3, 2, T0));
    expect(views[2]).toEqual({ at: T0, spread: { bid: 50, bidSize: 2, ask: 53, askSize: 3 }, legs: [qa(), q('B', 48, 50, 3, 2, T0)] });
  });

  it('shows a crossed or one-sided leg as null and the spread as null', () => {
    const { quotes, views } = harness();
    quotes.next(qa());
    quotes.next(qb());
    quotes.next(q('B', 51, 51, 4, 12, T0));
    quotes.next(q('A', 100, 101, 0, 9, T0));
    expect(views.slice(2)).toEqual([
      { at: T0, spread: null, legs: [qa(), null] },
      { at: T0, spread: null, legs: [null, null] },
    ]);
  });

  it('when no new quote arrives, emits spread null and the stale leg null at ts + staleAfterMs + 1', () => {
    const { clock, quotes, views } = harness();
    quotes.next(qa());
    quotes.next(qb());
    clock.runUntil(T0 + 200);
    quotes.next(qb(T0 + 200)); // refreshes B without a new view
    clock.runUntil(T0 + STALE);
    expect(views).toHaveLength(2); // exactly staleAfterMs old is not stale
    clock.runUntil(T0 + STALE + 1);
    expect(views).toHaveLength(3);
    expect(views[2]).toEqual({ at: T0 + STALE + 1, spread: null, legs: [null, qb(T0 + 200)] });
    clock.runUntil(T0 + 2000);
    expect(views.slice(3)).toEqual([{ at: T0 + 200 + STALE + 1, spread: null, legs: [null, null] }]);
    expect(clock.pending).toBe(0);
  });

  it('a fresh quote after staleness brings the spread back', () => {
    const { clock, quotes, views } = harness();
    quotes.next(qa());
    quotes.next(qb());
    clock.runUntil(T0 + 1000);
    quotes.next(qa(T0 + 1000));
    quotes.next(qb(T0 + 1000));
    expect(views.slice(2)).toEqual([
      { at: T0 + STALE + 1, spread: null, legs: [null, null] },
      { at: T0 + 1000, spread: null, legs: [qa(T0 + 1000), null] },
      { at: T0 + 1000, spread: AB, legs: [qa(T0 + 1000), qb(T0 + 1000)] },
    ]);
  });

  it('a quote already stale on arrival is null at once and arms no timer', () => {
    const { clock, quotes, views } = harness();
    clock.runUntil(T0 + 1000);
    quotes.next(qa(T0));
    expect(views).toEqual([{ at: T0 + 1000, spread: null, legs: [null, null] }]);
    expect(clock.pending).toBe(0);
  });

  it('cancels its stale timer on unsubscribe', () => {
    const { clock, quotes, views, unsubscribe } = harness();
    quotes.next(qa());
    expect(clock.pending).toBe(1);
    unsubscribe();
    expect(clock.pending).toBe(0);
    clock.runUntil(T0 + 2000);
    expect(views).toHaveLength(1);
  });

  it('completes when the quotes complete, cancelling its timer', () => {
    const { clock, quotes } = harness();
    let completed = false;
    const views: MarketView[] = [];
    quotes.pipe(toMarketViews(def, { staleAfterMs: STALE, clock })).subscribe({ next: (v) => views.push(v), complete: () => (completed = true) });
    quotes.next(qa());
    quotes.complete();
    expect(completed).toBe(true);
    expect(clock.pending).toBe(0);
  });
});

describe('toMarketViews: legs stamped alike (quotes marked `more`)', () => {
  const more = (x: LegQuote): LegQuote => ({ ...x, more: true });

  it('a quote marked `more` updates its leg without a view; the instant’s last quote emits one view with both', () => {
    const { quotes, views } = harness();
    quotes.next(qa());
    quotes.next(qb());
    // A moves so that A alone against the old B would quote 60/62; B moves with it: the instant is 49/51 again.
    quotes.next(more(q('A', 111, 112, 7, 9, T0)));
    expect(views).toHaveLength(2);
    quotes.next(q('B', 61, 62, 4, 12, T0));
    expect(views.slice(2)).toEqual([{ at: T0, spread: AB, legs: [more(q('A', 111, 112, 7, 9, T0)), q('B', 61, 62, 4, 12, T0)] }]);
    expect(views.some((v) => v.spread?.bid === 60)).toBe(false);
  });

  it('the first quotes stamped alike give one view, never a leg alone', () => {
    const { quotes, views } = harness();
    quotes.next(more(qa()));
    quotes.next(qb());
    expect(views).toEqual([{ at: T0, spread: AB, legs: [more(qa()), qb()] }]);
  });

  it('an instant that ends on a quote of another symbol ends here too', () => {
    const { clock, quotes, views } = harness();
    quotes.next(more(qa()));
    quotes.next(more(qb()));
    quotes.next(q('C', 1, 2, 1, 1, T0));
    expect(views).toHaveLength(1);
    expect(views[0]!.spread).toEqual(AB);
    expect(clock.pending).toBe(1); // only the stale timer
  });

  it('when the instant’s last quote is routed elsewhere, the view comes from a zero-delay timer at the same time', () => {
    const { clock, quotes, views } = harness();
    quotes.next(more(qa()));
    quotes.next(more(qb()));
    expect(views).toEqual([]);
    clock.runUntil(T0);
    expect(views).toEqual([{ at: T0, spread: AB, legs: [more(qa()), more(qb())] }]);
  });

  it('a stale timer falling due mid-instant waits for the instant', () => {
    const { clock, quotes, views } = harness();
    const t = T0 + STALE + 1;
    // At t, in this order: A (marked), the stale timer armed by the first quotes, then B completes the instant.
    const a = more(q('A', 111, 112, 7, 9, t));
    const b = q('B', 61, 62, 4, 12, t);
    clock.setTimeout(() => quotes.next(a), t - T0);
    quotes.next(qa());
    quotes.next(qb());
    clock.setTimeout(() => quotes.next(b), t - T0);
    clock.runUntil(t);
    // Not { spread: null, legs: [a, null] } from the stale timer first: one view, of the whole instant.
    expect(views.slice(2)).toEqual([{ at: t, spread: AB, legs: [a, b] }]);
  });

  it('cancels a pending instant on unsubscribe', () => {
    const { clock, quotes, views, unsubscribe } = harness();
    quotes.next(more(qa()));
    unsubscribe();
    expect(clock.pending).toBe(0);
    clock.runUntil(T0 + 2000);
    expect(views).toEqual([]);
  });
});

describe('MarketViewStage with a filter asked before a view is built', () => {
  it('asks once per changed view with its spread quote, builds only what it wants, and compares the next books with the refused ones', () => {
    const clock = new VirtualClock(T0);
    const asked: (SpreadQuote | null)[] = [];
    const views: MarketView[] = [];
    // Wants a view only when the spread's bid is above 48. What it is asked with is the stage's scratch: it keeps a copy.
    const stage = new MarketViewStage(def, { staleAfterMs: STALE, clock, wants: (s) => (asked.push(s && { ...s }), s !== null && s.bid > 48) }, (v) => views.push(v));
    stage.pushLeg(0, qa());
    stage.pushLeg(1, qb());
    // The same books again: not a changed view, nothing asked.
    stage.pushLeg(1, qb());
    // A up one tick: the spread is 50/52, wanted.
    const a2 = q('A', 101, 102, 7, 9, T0);
    stage.pushLeg(0, a2);
    // B up three ticks: the spread is 47/49, refused; the same B again: the same books as the refused view, nothing asked.
    const b2 = q('B', 53, 54, 4, 12, T0);
    stage.pushLeg(1, b2);
    stage.pushLeg(1, b2);
    expect(asked).toEqual([null, AB, { ...AB, bid: 50, ask: 52 }, { ...AB, bid: 47, ask: 49 }]);
    expect(views).toEqual([
      { at: T0, spread: AB, legs: [qa(), qb()] },
      { at: T0, spread: { ...AB, bid: 50, ask: 52 }, legs: [a2, qb()] },
    ]);
    stage.close();
  });
});

describe('decisionMask', () => {
  const triggers: Triggers = { longEntry: 50, longExit: 60, shortEntry: 55, shortExit: 45 };
  const view = (bid: number, ask: number): MarketView => ({ at: T0, spread: { bid, bidSize: 1, ask, askSize: 1 }, legs: [] });

  it('is 0 without a spread quote', () => {
    expect(decisionMask({ at: T0, spread: null, legs: [] }, triggers)).toBe(0);
  });

  it('is 1 (quoted) when no trigger is reached', () => {
    expect(decisionMask(view(49, 51), triggers)).toBe(1);
  });

  it('adds 2 when the ask is at or below long entry', () => {
    expect(decisionMask(view(48, 50), { ...triggers, shortExit: null })).toBe(1 | 2);
  });

  it('adds 4 when the bid is at or above long exit', () => {
    expect(decisionMask(view(60, 62), { ...triggers, shortEntry: null })).toBe(1 | 4);
  });

  it('adds 8 when the bid is at or above short entry', () => {
    expect(decisionMask(view(55, 57), triggers)).toBe(1 | 8);
  });

  it('adds 16 when the ask is at or below short exit', () => {
    expect(decisionMask(view(44, 45), { ...triggers, longEntry: null })).toBe(1 | 16);
  });

  it('combines bits: bid 60 ask 61 → 1 | 4 | 8; bid 44 ask 45 → 1 | 2 | 16', () => {
    expect(decisionMask(view(60, 61), triggers)).toBe(13);
    expect(decisionMask(view(44, 45), triggers)).toBe(19);
  });

  it('ignores a null trigger', () => {
    const none: Triggers = { longEntry: null, longExit: null, shortEntry: null, shortExit: null };
    expect(decisionMask(view(-1000, 1000), none)).toBe(1);
    expect(decisionMask(view(1000, -1000), none)).toBe(1);
  });
});

describe('decisionRelevant (virtual time)', () => {
  const triggers: Triggers = { longEntry: 50, longExit: null, shortEntry: null, shortExit: null };
  const quoted = (ask: number): MarketView => ({ at: T0, spread: { bid: ask - 2, bidSize: 1, ask, askSize: 1 }, legs: [] });
  const values: Record<string, MarketView> = {
    n: { at: T0, spread: null, legs: [] }, // mask 0
    a: quoted(52), // 1
    b: quoted(53), // 1
    c: quoted(50), // 1 | 2
    d: quoted(49), // 1 | 2
    e: quoted(51), // 1
  };
  const newScheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

  it('passes the first view and then only views that change the mask', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const src = cold('n-a-b-c-d-e-n|', values);
      expectObservable(src.pipe(decisionRelevant(triggers, () => false))).toBe('n-a---c---e-n|', values);
    });
  });

  it('passes the first view even when it is unquoted', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('n-n-n|', values).pipe(decisionRelevant(triggers, () => false))).toBe('n----|', values);
    });
  });

  it('passes every view while wantsEvery returns true', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a-b-a-b|', values).pipe(decisionRelevant(triggers, () => true))).toBe('a-b-a-b|', values);
    });
  });

  it('passes every view only during the frames in which wantsEvery returns true, still tracking the mask', () => {
    const scheduler = newScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      // wantsEvery is true in frames 2..5: b passes though unchanged; d (frame 6) is not a change from c.
      const wantsEvery = (): boolean => scheduler.now() >= 2 && scheduler.now() < 6;
      const src = cold('a-b-c-d-a-b|', values);
      expectObservable(src.pipe(decisionRelevant(triggers, wantsEvery))).toBe('a-b-c---a--|', values);
    });
  });

  it('passes errors and completion through', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a-a-#', values).pipe(decisionRelevant(triggers, () => false))).toBe('a---#', values);
    });
  });
});

describe('decisionRelevant per subscription', () => {
  it('lets the first view of every subscription through, even when one operator serves two subscriptions', async () => {
    const { of, lastValueFrom, toArray } = await import('rxjs');
    const op = decisionRelevant({ longEntry: null, longExit: null, shortEntry: null, shortExit: null }, () => false);
    const v: MarketView = { at: 0, spread: null, legs: [] };
    const source = of(v, v).pipe(op);
    expect(await lastValueFrom(source.pipe(toArray()))).toHaveLength(1);
    expect(await lastValueFrom(source.pipe(toArray()))).toHaveLength(1);
  });
});
