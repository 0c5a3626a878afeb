import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock/virtual-clock.js';
import { QuoteTable } from '../../src/data/quote-table.js';
import type { OrderCommand, VenueReport } from '../../src/domain/orders.js';
import type { LegQuote } from '../../src/domain/quote.js';
import { ALWAYS, TestExchange } from '../helpers/test-exchange.js';
import { ReplayVenue } from '../../src/venue/replay/replay-venue.js';
import { SimulatedVenue, type SimInstrumentSpec } from '../../src/venue/simulated/simulated-venue.js';

/**
 * The quote path of the exchange core: resting orders are kept per symbol, so a quote or a trade of a symbol
 * matches only that symbol's orders, in their arrival order, and one of a symbol with no resting order touches
 * none. The expected values were taken from the exchange before it kept orders per symbol (one arrival order
 * over all symbols, each quote walking every resting order): the fills, their order and the reports are the same.
 */

const T0 = Date.UTC(2026, 0, 5, 9);
const SYMBOLS = Array.from({ length: 50 }, (_, i) => `S${i}`);

/**
 * Fifty symbols; seven orders rest on S3 and S7, interleaved. Every order is sent as a proxy that counts the reads
 * of its fields, so the test sees whether the matcher looked at an order at all.
 */
function scenario() {
  const clock = new VirtualClock(T0);
  const venue = new TestExchange(
    SYMBOLS.map((symbol) => ({ symbol, tickSize: '1', lotSize: '1' })),
    clock,
  );
  const reports: VenueReport[] = [];
  venue.reports$.subscribe((r) => reports.push(r));
  venue.start();
  let reads = 0;
  const counted = (o: OrderCommand): OrderCommand =>
    new Proxy(o, {
      get(target, key, receiver) {
        reads++;
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
  /** A second later, plays `f`, then lets the reports (latency 0) come back. */
  const step = (f: () => void): void => {
    clock.advance(1000);
    f();
    clock.runUntil(clock.now());
  };
  const send = (clientId: string, symbol: string, side: 1 | -1, qty: number, price: number): void => step(() => venue.submit(counted({ clientId, symbol, side, qty, price })));
  step(() => {
    for (const s of SYMBOLS) venue.quote(s, 100, 5, 102, 5);
  });
  send('a1', 'S3', 1, 4, 101); // inside the spread: first in line
  send('b1', 'S7', -1, 3, 101);
  send('a2', 'S3', 1, 6, 100); // joins the bid behind 5
  send('b2', 'S7', 1, 2, 100);
  send('a3', 'S3', -1, 5, 103); // behind the ask
  send('b3', 'S7', -1, 4, 102); // joins the ask behind 5
  send('a4', 'S3', 1, 3, 101); // at a1's price, after it
  const open = (): string[] => venue.openOrders().map((o) => `${o.clientId} ${o.symbol} ${o.side} ${o.qty}@${o.price}`);
  const described = (): string[] =>
    reports.map((r) => {
      const at = r.at - T0;
      switch (r.type) {
        case 'order.filled':
          return `${at} fill ${r.clientId} ${r.symbol} ${r.side} ${r.qty}@${r.price} ${r.liquidity} ${r.tradeId}`;
        case 'order.replaced':
          return `${at} replaced ${r.clientId} ${r.qty}@${r.price}`;
        case 'order.canceled':
          return `${at} canceled ${r.clientId} filled ${r.filledQty}`;
        default:
          return `${at} ${r.type} ${r.clientId}`;
      }
    });
  return {
    venue,
    step,
    open,
    described,
    reports,
    reads: () => reads,
    resetReads: () => (reads = 0),
  };
}

const OPEN_AT_FIRST = ['a1 S3 1 4@101', 'b1 S7 -1 3@101', 'a2 S3 1 6@100', 'b2 S7 1 2@100', 'a3 S3 -1 5@103', 'b3 S7 -1 4@102', 'a4 S3 1 3@101'];

describe('exchange core: a quote or a trade of a symbol with no resting order', () => {
  it('reads no field of any resting order, reports nothing and leaves every order and book as it was (the old matcher read 672 fields here)', () => {
    const s = scenario();
    expect(s.open()).toEqual(OPEN_AT_FIRST);
    expect(s.reports).toHaveLength(7); // the acceptances
    s.resetReads();
    // Every other symbol quotes through the resting orders' prices and prints a trade through them.
    s.step(() => {
      for (const sym of SYMBOLS) if (sym !== 'S3' && sym !== 'S7') s.venue.quote(sym, 90, 7, 110, 7);
    });
    s.step(() => {
      for (const sym of SYMBOLS) if (sym !== 'S3' && sym !== 'S7') s.venue.print(sym, 50, 150, 1000);
    });
    expect(s.reads()).toBe(0);
    expect(s.reports).toHaveLength(7);
    expect(s.open()).toEqual(OPEN_AT_FIRST);
    expect(s.venue.book('S3')).toEqual({ bid: 100, bidSize: 5, ask: 102, askSize: 5 });
    expect(s.venue.book('S7')).toEqual({ bid: 100, bidSize: 5, ask: 102, askSize: 5 });
    expect(s.venue.book('S12')).toEqual({ bid: 90, bidSize: 7, ask: 110, askSize: 7 });
  });
});

describe('exchange core: fills on the quoted symbol, in arrival order', () => {
  /** The scenario after the others' quotes: a quote and a trade on S3, replaces and a quote on S7, a cancel. */
  function play() {
    const s = scenario();
    s.step(() => {
      for (const sym of SYMBOLS) if (sym !== 'S3' && sym !== 'S7') s.venue.quote(sym, 90, 7, 110, 7);
    });
    // S3's ask comes to 101 with 5: a1 (first in line at 101) takes 4, a4 (after it at 101) the 1 left.
    s.step(() => s.venue.quote('S3', 99, 8, 101, 5));
    const bookS3 = { ...s.venue.book('S3') };
    // A trade 100–104 of 7 on S3: a2 at 100 (its queue gone with the bid at 99) fills 6, a3 through 103 the 1 left.
    s.step(() => s.venue.print('S3', 100, 104, 7));
    // b1 smaller at its price keeps its place; b2 at a new price loses it (last, overall and on S7).
    s.step(() => s.venue.replace('b1', { price: 101, qty: 2 }));
    s.step(() => s.venue.replace('b2', { price: 101 }));
    const afterReplaces = s.open();
    // S7's bid comes to 102 with 3: b1 fills 2 at its 101, b3 (joined at 102) the 1 left; b2 (a buy) waits.
    s.step(() => s.venue.quote('S7', 102, 3, 103, 4));
    const bookS7 = { ...s.venue.book('S7') };
    s.step(() => s.venue.cancel('a4'));
    return { reports: s.described(), bookS3, bookS7, afterReplaces, open: s.open(), positions: s.venue.positions() };
  }

  const EXPECTED = {
    reports: [
      '2000 order.accepted a1',
      '3000 order.accepted b1',
      '4000 order.accepted a2',
      '5000 order.accepted b2',
      '6000 order.accepted a3',
      '7000 order.accepted b3',
      '8000 order.accepted a4',
      '10000 fill a1 S3 1 4@101 maker T1',
      '10000 fill a4 S3 1 1@101 maker T2',
      '11000 fill a2 S3 1 6@100 maker T3',
      '11000 fill a3 S3 -1 1@103 maker T4',
      '12000 replaced b1 2@101',
      '13000 replaced b2 2@101',
      '14000 fill b1 S7 -1 2@101 maker T5',
      '14000 fill b3 S7 -1 1@102 maker T6',
      '15000 canceled a4 filled 1',
    ],
    bookS3: { bid: 99, bidSize: 8, ask: 101, askSize: 0 },
    bookS7: { bid: 102, bidSize: 0, ask: 103, askSize: 4 },
    afterReplaces: ['b1 S7 -1 2@101', 'a3 S3 -1 5@103', 'b3 S7 -1 4@102', 'a4 S3 1 3@101', 'b2 S7 1 2@101'],
    open: ['a3 S3 -1 5@103', 'b3 S7 -1 4@102', 'b2 S7 1 2@101'],
  };

  it('a quote and a trade of S3 fill only S3 orders, in arrival order; replaces on S7 keep or lose the place; every report as before', () => {
    const got = play();
    expect({ reports: got.reports, bookS3: got.bookS3, bookS7: got.bookS7, afterReplaces: got.afterReplaces, open: got.open }).toEqual(EXPECTED);
    expect(got.positions).toEqual({ ...Object.fromEntries(SYMBOLS.map((sym) => [sym, 0])), S3: 10, S7: -3 });
  });

  it('the book of a symbol is its latest quote less what this venue filled, whichever object carried the quote', () => {
    const s = scenario();
    s.step(() => s.venue.quote('S3', 99, 8, 101, 5)); // a1 takes 4 and a4 1 of the 5 shown
    expect(s.venue.book('S3')).toEqual({ bid: 99, bidSize: 8, ask: 101, askSize: 0 });
    s.step(() => s.venue.quote('S3', 98, 2, 103, 9));
    expect(s.venue.book('S3')).toEqual({ bid: 98, bidSize: 2, ask: 103, askSize: 9 });
    expect(s.venue.book('S49')).toEqual({ bid: 100, bidSize: 5, ask: 102, askSize: 5 });
  });
});

describe('the venues publish the same quotes as before', () => {
  const pairs = (n: number): SimInstrumentSpec[] =>
    Array.from({ length: n }, (_, p): SimInstrumentSpec[] => [
      { symbol: `A${p}`, tickSize: '1', lotSize: '1', quoteIntervalMs: 500, size: { min: 5, max: 120 }, start: '3000', volatility: '0.5' },
      { symbol: `B${p}`, tickSize: '1', lotSize: '1', quoteIntervalMs: 500, size: { min: 5, max: 120 }, follows: { symbol: `A${p}`, beta: '1', mean: '100', sd: '4', halfLifeSeconds: 120 } },
    ]).flat();

  it('simulated, seed 7, three pairs: the first second of quotes, field for field and in the same key order (journal snapshots hold them)', () => {
    const T = Date.UTC(2026, 0, 5);
    const clock = new VirtualClock(T);
    const venue = new SimulatedVenue({ seed: 7, latencyMs: 5, calendar: ALWAYS, instruments: pairs(3) }, clock);
    const quotes: LegQuote[] = [];
    venue.quotes$.subscribe((q) => quotes.push(q));
    venue.start();
    clock.runUntil(T + 1000);
    expect(Object.keys(quotes[0]!)).toEqual(['symbol', 'bid', 'ask', 'bidSize', 'askSize', 'ts']);
    expect(quotes.map((q) => [q.symbol, q.ts - T, q.bid, q.bidSize, q.ask, q.askSize])).toEqual([
      ['B0', 70, 3100, 101, 3101, 11],
      ['A1', 117, 2999, 78, 3000, 100],
      ['A0', 129, 3000, 51, 3001, 88],
      ['B0', 251, 3099, 79, 3100, 29],
      ['A0', 256, 3000, 15, 3001, 71],
      ['A1', 307, 2999, 39, 3000, 86],
      ['B1', 566, 3099, 6, 3100, 50],
      ['B2', 668, 3100, 61, 3101, 46],
      ['A1', 679, 2999, 104, 3000, 65],
      ['B1', 803, 3100, 62, 3101, 102],
      ['B2', 821, 3100, 43, 3101, 81],
      ['A0', 929, 2999, 107, 3000, 58],
      ['A1', 965, 3000, 35, 3001, 115],
    ]);
    // Orders on B1 and A2 fill only from their own symbols' quotes; the market goes on as without them.
    const reports: unknown[] = [];
    venue.reports$.subscribe((r) => reports.push(r.type === 'order.filled' ? [r.clientId, r.at - T, r.qty, r.price, r.liquidity] : [r.type, r.clientId, r.at - T]));
    venue.submit({ clientId: 'x', symbol: 'B1', side: 1, qty: 300, price: 99_999 });
    venue.submit({ clientId: 'y', symbol: 'A2', side: -1, qty: 300, price: 1 });
    clock.runUntil(T + 3000);
    expect(reports).toEqual([
      ['order.accepted', 'x', 1005],
      ['x', 1005, 102, 3101, 'taker'],
      ['order.accepted', 'y', 1005],
      ['y', 1016, 59, 1, 'maker'],
      ['x', 1192, 7, 99_999, 'maker'],
      ['x', 2350, 33, 99_999, 'maker'],
      ['x', 2523, 51, 99_999, 'maker'],
      ['y', 2661, 61, 1, 'maker'],
      ['y', 2950, 11, 1, 'maker'],
    ]);
    expect(quotes).toHaveLength(38);
  });

  it('replay: each row a quote with the same key order, `more` last and only on a row another of its instant follows', () => {
    const table = new QuoteTable();
    table.push(T0, table.symbolId('A'), 100, 5, 101, 6);
    table.push(T0, table.symbolId('B'), 50, 7, 51, 8);
    table.push(T0 + 1, table.symbolId('A'), 99, 1, 100, 2);
    const clock = new VirtualClock(T0);
    const venue = new ReplayVenue(
      { kind: 'replay', seed: 1, latencyMs: 0, calendar: ALWAYS, instruments: ['A', 'B'].map((symbol) => ({ symbol, tickSize: '1', lotSize: '1' })) },
      table,
      clock,
    );
    const quotes: LegQuote[] = [];
    venue.quotes$.subscribe((q) => quotes.push(q));
    venue.start();
    clock.runUntil(T0 + 10);
    expect(quotes.map((q) => Object.entries(q))).toEqual([
      Object.entries({ symbol: 'A', bid: 100, bidSize: 5, ask: 101, askSize: 6, ts: T0, more: true }),
      Object.entries({ symbol: 'B', bid: 50, bidSize: 7, ask: 51, askSize: 8, ts: T0 }),
      Object.entries({ symbol: 'A', bid: 99, bidSize: 1, ask: 100, askSize: 2, ts: T0 + 1 }),
    ]);
    expect(venue.book('A')).toEqual({ bid: 99, bidSize: 1, ask: 100, askSize: 2 });
  });

  it('replay: a stop while an instant is being delivered (its subscriber stops the venue) publishes no later instant', () => {
    const table = new QuoteTable();
    table.push(T0, table.symbolId('A'), 100, 5, 101, 6);
    table.push(T0 + 1, table.symbolId('A'), 99, 1, 100, 2);
    table.push(T0 + 2, table.symbolId('A'), 98, 1, 99, 2);
    const clock = new VirtualClock(T0);
    const venue = new ReplayVenue(
      { kind: 'replay', seed: 1, latencyMs: 0, calendar: ALWAYS, instruments: [{ symbol: 'A', tickSize: '1', lotSize: '1' }] },
      table,
      clock,
    );
    const quotes: LegQuote[] = [];
    venue.quotes$.subscribe((q) => {
      quotes.push(q);
      if (q.ts === T0 + 1) venue.stop();
    });
    venue.start();
    clock.runUntil(T0 + 10);
    expect(quotes.map((q) => q.ts)).toEqual([T0, T0 + 1]);
  });
});
