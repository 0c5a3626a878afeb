import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock/virtual-clock.js';
import { QuoteTable } from '../../src/data/quote-table.js';
import { TradeTable } from '../../src/data/trade-table.js';
import type { OrderCommand, OrderFilled, VenueReport } from '../../src/domain/orders.js';
import type { LegQuote } from '../../src/domain/quote.js';
import { ALWAYS, TestExchange } from '../helpers/test-exchange.js';
import { ReplayVenue } from '../../src/venue/replay/replay-venue.js';

/**
 * The fill model of docs/fill-model.md, on the exchange core: a resting order fills only when the opposite
 * side reaches its price or a recorded trade prints at or through it, never inside the spread on a quote alone.
 */

const T0 = Date.UTC(2026, 0, 5, 9);

function harness(queue = true) {
  const clock = new VirtualClock(T0);
  const venue = new TestExchange([{ symbol: 'A', tickSize: '1', lotSize: '1', queue }], clock);
  const reports: VenueReport[] = [];
  venue.reports$.subscribe((r) => reports.push(r));
  venue.start();
  const fills = (clientId?: string) => reports.filter((r): r is OrderFilled => r.type === 'order.filled' && (clientId === undefined || r.clientId === clientId));
  /** Sends an order and lets it reach the matcher (latency 0) and its reports come back. */
  const send = (o: OrderCommand): void => {
    venue.submit(o);
    clock.runUntil(clock.now());
  };
  /** Plays a market event, then lets the reports come back. */
  const then = (f: () => void): void => {
    clock.advance(1000);
    f();
    clock.runUntil(clock.now());
  };
  const quote = (bid: number, bidSize: number, ask: number, askSize: number) => then(() => venue.quote('A', bid, bidSize, ask, askSize));
  const print = (low: number, high: number, volume: number) => then(() => venue.print('A', low, high, volume));
  const got = (clientId?: string) => fills(clientId).map((f) => [f.clientId, f.qty, f.price, f.liquidity]);
  return { clock, venue, reports, fills, send, quote, print, got };
}

const buy = (clientId: string, qty: number, price: number): OrderCommand => ({ clientId, symbol: 'A', side: 1, qty, price });
const sell = (clientId: string, qty: number, price: number): OrderCommand => ({ clientId, symbol: 'A', side: -1, qty, price });

describe('fill model: no fill inside the spread without a trade through it', () => {
  it('bid 100×5 / ask 110×5, a buy of 7 at 105 rests; the bid moving away to 99 fills nothing (it used to fill 7 at 105)', () => {
    const h = harness();
    h.quote(100, 5, 110, 5);
    h.send(buy('b', 7, 105));
    h.quote(99, 5, 110, 5);
    h.quote(98, 5, 110, 5);
    expect(h.got()).toEqual([]);
    expect(h.venue.openOrders()).toEqual([buy('b', 7, 105)]);
  });

  it('a sell above the bid mirrors it: the ask ticking up away from it fills nothing', () => {
    const h = harness();
    h.quote(100, 5, 110, 5);
    h.send(sell('s', 7, 105));
    h.quote(100, 5, 111, 5);
    expect(h.got()).toEqual([]);
  });

  it('the same without the queue model', () => {
    const h = harness(false);
    h.quote(100, 5, 110, 5);
    h.send(buy('b', 7, 105));
    h.quote(99, 5, 110, 5);
    expect(h.got()).toEqual([]);
  });
});

describe('fill model: the opposite side reaches a resting order', () => {
  it('the ask coming down to a resting buy fills min(left, shown) at the limit, as a maker; through it, the same', () => {
    const h = harness();
    h.quote(100, 5, 110, 5);
    h.send(buy('b', 7, 105));
    h.quote(100, 5, 105, 3); // at the price: 3 shown
    expect(h.got()).toEqual([['b', 3, 105, 'maker']]);
    expect(h.venue.book('A')).toEqual({ bid: 100, bidSize: 5, ask: 105, askSize: 0 }); // consumed
    h.quote(100, 5, 104, 10); // through it: fills the 4 left at 105, not at 104
    expect(h.got()).toEqual([
      ['b', 3, 105, 'maker'],
      ['b', 4, 105, 'maker'],
    ]);
    expect(h.venue.book('A')!.askSize).toBe(6);
    expect(h.venue.openOrders()).toEqual([]);
  });

  it('a buy that joined the bid behind 5 lots fills when the ask comes to its price: the queue ahead is gone', () => {
    const h = harness();
    h.quote(100, 5, 101, 5);
    h.send(buy('b', 4, 100));
    h.quote(99, 8, 100, 6);
    expect(h.got()).toEqual([['b', 4, 100, 'maker']]);
  });

  it('resting orders share the shown size in arrival order; a sell reaches the same way', () => {
    const h = harness();
    h.quote(100, 5, 110, 5);
    h.send(sell('s1', 4, 106));
    h.send(sell('s2', 4, 105));
    h.quote(107, 6, 110, 5);
    expect(h.got()).toEqual([
      ['s1', 4, 106, 'maker'],
      ['s2', 2, 105, 'maker'],
    ]);
  });

  it('a marketable order on arrival still fills at the touch up to the displayed size, as a taker', () => {
    const h = harness();
    h.quote(100, 5, 101, 5);
    h.send(buy('b', 7, 102));
    expect(h.got()).toEqual([['b', 5, 101, 'taker']]);
    expect(h.venue.openOrders()).toEqual([buy('b', 7, 102)]);
  });
});

describe('fill model: queue position at the touch', () => {
  it('behind 5 lots at the bid: the bid shrinking 5 → 2 fills nothing, and a trade of 4 lots at the price then fills 2 (4 − 2 ahead)', () => {
    const h = harness();
    h.quote(100, 5, 101, 5);
    h.send(buy('b', 10, 100));
    h.quote(100, 2, 101, 5); // the 3 gone may be cancels: it only moves the order up
    expect(h.got()).toEqual([]);
    h.print(100, 100, 4);
    expect(h.got()).toEqual([['b', 2, 100, 'maker']]);
  });

  it('without a shrink, a trade of 4 at the price reaches 4 of the 5 ahead and fills nothing; a second of 3 fills 2', () => {
    const h = harness();
    h.quote(100, 5, 101, 5);
    h.send(buy('b', 10, 100));
    h.print(100, 100, 4);
    expect(h.got()).toEqual([]);
    h.print(100, 101, 3); // a bar whose low is the price counts as printed at it
    expect(h.got()).toEqual([['b', 2, 100, 'maker']]);
  });

  it('a sell at the ask mirrors it: a print whose high is the price goes to the lots ahead first', () => {
    const h = harness();
    h.quote(100, 5, 101, 3);
    h.send(sell('s', 10, 101));
    h.print(100, 101, 5);
    expect(h.got()).toEqual([['s', 2, 101, 'maker']]);
  });

  it('growth at the level does not push an order back; a bid quoted below the price leaves nothing ahead of it', () => {
    const h = harness();
    h.quote(100, 5, 101, 5);
    h.send(buy('b', 10, 100));
    h.quote(100, 9, 101, 5);
    h.print(100, 100, 5);
    expect(h.got()).toEqual([]); // the 5 ahead took all 5
    h.send(buy('c', 3, 100)); // joins behind the 9 shown now
    h.quote(99, 4, 101, 5); // level 100 shows nothing: nothing is ahead of either
    h.print(100, 100, 6);
    expect(h.got()).toEqual([
      ['b', 6, 100, 'maker'],
    ]);
    h.print(100, 100, 6);
    expect(h.got()).toEqual([
      ['b', 6, 100, 'maker'],
      ['b', 4, 100, 'maker'],
      ['c', 2, 100, 'maker'],
    ]);
  });

  it('an order behind the touch counts whatever its level shows when it first shows as ahead', () => {
    const h = harness();
    h.quote(100, 5, 101, 5);
    h.send(buy('b', 5, 99)); // unknown queue at 99
    h.print(99, 99, 50);
    expect(h.got()).toEqual([]);
    h.quote(99, 7, 100, 5); // 99 is the touch now, 7 shown: 7 ahead
    h.print(99, 99, 10);
    expect(h.got()).toEqual([['b', 3, 99, 'maker']]);
  });

  it('without the queue model nothing is ahead: a trade at exactly the price fills the order', () => {
    const h = harness(false);
    h.quote(100, 5, 101, 5);
    h.send(buy('b', 10, 100));
    h.print(100, 100, 4);
    expect(h.got()).toEqual([['b', 4, 100, 'maker']]);
  });
});

describe('fill model: trades through the price', () => {
  it('a trade through a resting buy fills up to the printed volume, never more, at the limit', () => {
    const h = harness();
    h.quote(100, 5, 101, 5);
    h.send(buy('b', 10, 100)); // 5 ahead: a trade through the price took them all
    h.print(98, 99, 4);
    expect(h.got()).toEqual([['b', 4, 100, 'maker']]);
    h.print(99, 100, 20);
    expect(h.got()).toEqual([
      ['b', 4, 100, 'maker'],
      ['b', 6, 100, 'maker'],
    ]);
  });

  it('a print’s volume is consumed across resting orders in arrival order', () => {
    const h = harness();
    h.quote(100, 5, 110, 5);
    h.send(buy('b1', 3, 105));
    h.send(buy('b2', 5, 104));
    h.send(sell('s', 5, 111)); // a sell is not reached by a low print
    h.print(103, 106, 6);
    expect(h.got()).toEqual([
      ['b1', 3, 105, 'maker'],
      ['b2', 3, 104, 'maker'],
    ]);
  });

  it('a trade that does not reach the price fills nothing', () => {
    const h = harness();
    h.quote(100, 5, 110, 5);
    h.send(buy('b', 3, 105));
    h.send(sell('s', 3, 108));
    h.print(106, 107, 100);
    expect(h.got()).toEqual([]);
  });
});

describe('the replay venue: trades with the quotes, rows stamped alike applied together', () => {
  function replay(quotes: [number, string, number, number, number, number][], trades: [number, string, number, number, number][], tick = '1', lot = '1') {
    const table = new QuoteTable();
    for (const [ts, s, bid, bs, ask, as] of quotes) table.push(ts, table.symbolId(s), bid, bs, ask, as);
    const tt = new TradeTable();
    for (const [ts, s, low, high, v] of trades) tt.push(ts, tt.symbolId(s), low, high, v);
    const clock = new VirtualClock(T0);
    const venue = new ReplayVenue(
      {
        kind: 'replay',
        seed: 1,
        latencyMs: 0,
        calendar: ALWAYS,
        instruments: ['A', 'B'].map((symbol) => ({ symbol, tickSize: tick, lotSize: lot })),
      },
      table,
      clock,
      tt,
    );
    const seen: LegQuote[] = [];
    const fills: OrderFilled[] = [];
    venue.quotes$.subscribe((q) => seen.push(q));
    venue.reports$.subscribe((r) => r.type === 'order.filled' && fills.push(r));
    venue.start();
    return { clock, venue, seen, fills };
  }

  it('marks every quote of an instant but the last `more`', () => {
    const { clock, seen } = replay(
      [
        [T0, 'A', 100, 5, 101, 5],
        [T0, 'B', 50, 5, 51, 5],
        [T0 + 60_000, 'A', 100, 5, 101, 5],
        [T0 + 60_001, 'B', 50, 5, 51, 5],
      ],
      [],
    );
    clock.runUntil(T0 + 120_000);
    expect(seen.map((q) => [q.symbol, q.ts - T0, q.more])).toEqual([
      ['A', 0, true],
      ['B', 0, undefined],
      ['A', 60_000, undefined],
      ['B', 60_001, undefined],
    ]);
    expect('more' in seen[1]!).toBe(false);
  });

  it('applies an instant’s trades before its quotes, in ticks and lots: a bar closing on a thinner bid fills from the queue the order had', () => {
    // Tick 0.25, lot 0.5. A buy at 100 (400 ticks) joins behind 5 lots (2.5). At the next instant a bar
    // printed 100 with 3.6 (7 lots), and the quote closing it shows 1 lot at 100: 7 − 5 ahead fill 2 (the
    // quote first would have left 1 ahead and filled 6).
    const t1 = T0 + 60_000;
    const { clock, venue, fills } = replay(
      [
        [T0, 'A', 100, 2.5, 100.25, 2.5],
        [t1, 'A', 100, 0.5, 100.25, 2.5],
      ],
      [
        [t1, 'A', 100, 100.5, 3.6],
        [t1, 'C', 1, 1, 100], // not an instrument of this venue: passed over
      ],
      '0.25',
      '0.5',
    );
    clock.runUntil(T0);
    venue.submit({ clientId: 'b', symbol: 'A', side: 1, qty: 10, price: 400 });
    clock.runUntil(t1);
    expect(fills.map((f) => [f.qty, f.price, f.at - T0, f.liquidity])).toEqual([[2, 400, 60_000, 'maker']]);
  });

  it('replays trades of instants without quotes, and stops at the last row of either table', () => {
    const { clock, venue, fills } = replay(
      [[T0, 'A', 100, 5, 101, 5]],
      [
        [T0 + 30_000, 'A', 99, 100, 2],
        [T0 + 90_000, 'B', 40, 60, 2],
      ],
    );
    clock.runUntil(T0);
    venue.submit({ clientId: 'b', symbol: 'A', side: 1, qty: 10, price: 100 });
    clock.runUntil(T0 + 120_000);
    expect(fills.map((f) => [f.qty, f.price, f.at - T0])).toEqual([[2, 100, 30_000]]);
    expect(clock.pending).toBe(0);
  });
});
