import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock/virtual-clock.js';
import { ConfigError } from '../../src/domain/errors.js';
import type { OrderCommand, OrderFilled, VenueReport } from '../../src/domain/orders.js';
import type { LegQuote } from '../../src/domain/quote.js';
import { WEEKDAYS, type CalendarSpec } from '../../src/domain/session-calendar.js';
import { SimulatedVenue, type SimInstrumentSpec, type SimVenueSpec } from '../../src/venue/simulated/simulated-venue.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Monday 2026-01-05 00:00 UTC. */
const T0 = Date.UTC(2026, 0, 5);

/** Open around the clock (one 24 h session every day). */
const ALWAYS: CalendarSpec = { timeZone: 'UTC', days: [...WEEKDAYS], sessions: [{ start: '00:00', end: '00:00' }] };

/**
 * A market that never moves: volatility 0 around 100.5 with a tick of 1 quotes bid 100 / ask 101,
 * and a size range of [10, 10] displays exactly 10 lots on each side of every quote.
 * A mean quote interval of a minute leaves a matcher step alone between two quotes.
 */
const flat = (over: Partial<SimInstrumentSpec> = {}): SimInstrumentSpec => ({
  symbol: 'A',
  tickSize: '1',
  lotSize: '1',
  quoteIntervalMs: MINUTE,
  size: { min: 10, max: 10 },
  start: '100.5',
  volatility: '0',
  // These tests pin the rule "the opposite side reaches a resting order" alone; the queue model has tests
  // of its own in fill-model.test.ts.
  queue: false,
  ...over,
});

interface Received {
  report: VenueReport;
  /** The clock when reports$ delivered it. */
  receivedAt: number;
}

type VenueOptions = Partial<SimVenueSpec> & Pick<SimVenueSpec, 'instruments'>;

function harness(options: VenueOptions, t0 = T0) {
  const clock = new VirtualClock(t0);
  const venue = new SimulatedVenue({ seed: 1, latencyMs: 5, calendar: ALWAYS, ...options }, clock);
  const quotes: LegQuote[] = [];
  const received: Received[] = [];
  venue.quotes$.subscribe((q) => quotes.push(q));
  venue.reports$.subscribe((report) => received.push({ report, receivedAt: clock.now() }));
  venue.start();
  const reports = (): VenueReport[] => received.map((r) => r.report);
  const fills = (clientId?: string): OrderFilled[] =>
    reports().filter((r): r is OrderFilled => r.type === 'order.filled' && (clientId === undefined || r.clientId === clientId));
  /** Fires timers one at a time until a new quote of `symbol` is published; the clock stops at that quote. */
  const untilQuote = (symbol = 'A'): LegQuote => {
    const from = quotes.length;
    for (;;) {
      const q = quotes.slice(from).find((x) => x.symbol === symbol);
      if (q) return q;
      if (!clock.step()) throw new Error(`no quote of ${symbol} is scheduled`);
    }
  };
  /** Runs the clock over the round trip (order out, report back) from now. */
  const roundTrip = (): void => clock.advance(2 * venue.spec.latencyMs);
  return { clock, venue, quotes, received, reports, fills, untilQuote, roundTrip };
}

const buy = (clientId: string, qty: number, price: number, symbol = 'A'): OrderCommand => ({ clientId, symbol, side: 1, qty, price });
const sell = (clientId: string, qty: number, price: number, symbol = 'A'): OrderCommand => ({ clientId, symbol, side: -1, qty, price });
/** A fill report without its tradeId and time, for exact comparisons. */
const fillOf = (f: OrderFilled) => ({ clientId: f.clientId, symbol: f.symbol, side: f.side, qty: f.qty, price: f.price });
/** The types and client ids of reports, in the order reports$ delivered them. */
const kinds = (rs: readonly VenueReport[]) => rs.map((r) => `${r.type} ${r.clientId}`);

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

// -------------------------------------------------------------------------------------------------

describe('SimulatedVenue quotes', () => {
  it('publishes quotes only inside the calendar sessions: none on closed hours or weekend days', () => {
    // Mon–Fri 09:00–10:00 UTC, run from Friday 2026-01-09 00:00Z to Tuesday 2026-01-13 00:00Z.
    const calendar: CalendarSpec = { timeZone: 'UTC', days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'], sessions: [{ start: '09:00', end: '10:00' }] };
    const fri = Date.UTC(2026, 0, 9);
    const h = harness({ calendar, instruments: [flat({ quoteIntervalMs: SECOND, volatility: '0.5' })] }, fri);
    expect(h.venue.isOpen()).toBe(false);
    expect(h.venue.isOpen(fri + 9 * HOUR)).toBe(true);
    expect(h.venue.isOpen(fri + 10 * HOUR)).toBe(false);
    h.clock.runUntil(fri + 4 * DAY);

    const inSession = (ts: number) => {
      const ms = ts % DAY;
      return ms >= 9 * HOUR && ms < 10 * HOUR;
    };
    expect(h.quotes.filter((q) => !inSession(q.ts))).toEqual([]);
    const days = [...new Set(h.quotes.map((q) => new Date(q.ts).toISOString().slice(0, 10)))];
    expect(days).toEqual(['2026-01-09', '2026-01-12']);
    // About one quote a second in each one-hour session.
    for (const day of [fri, fri + 3 * DAY]) {
      const session = h.quotes.filter((q) => q.ts >= day + 9 * HOUR && q.ts < day + 10 * HOUR);
      expect(session.length).toBeGreaterThan(3000);
      expect(session.length).toBeLessThan(4200);
      expect(session[0]!.ts - (day + 9 * HOUR)).toBeLessThan(MINUTE);
    }
  });

  it('quotes integer ticks with ask − bid = widthTicks, sizes in [min, max] with both ends drawn, integer-ms timestamps in time order', () => {
    const h = harness({
      seed: 3,
      instruments: [
        { symbol: 'X', tickSize: '0.5', lotSize: '1', quoteIntervalMs: 50, size: { min: 2, max: 4 }, widthTicks: 3, start: '3200', volatility: '2' },
        { symbol: 'Y', tickSize: '1', lotSize: '1', quoteIntervalMs: 50, size: { min: 2, max: 4 }, follows: { symbol: 'X', beta: '1', mean: '180', sd: '6', halfLifeSeconds: 60 } },
      ],
    });
    h.clock.advance(MINUTE);
    const width: Record<string, number> = { X: 3, Y: 1 };
    expect(h.quotes.length).toBeGreaterThan(1000);
    for (const sym of ['X', 'Y']) {
      const qs = h.quotes.filter((q) => q.symbol === sym);
      expect(qs.length).toBeGreaterThan(500);
      for (const q of qs) {
        expect(Number.isInteger(q.bid)).toBe(true);
        expect(q.ask - q.bid).toBe(width[sym]);
        expect(q.bidSize >= 2 && q.bidSize <= 4 && Number.isInteger(q.bidSize)).toBe(true);
        expect(q.askSize >= 2 && q.askSize <= 4 && Number.isInteger(q.askSize)).toBe(true);
      }
      expect(new Set(qs.map((q) => q.bidSize))).toEqual(new Set([2, 3, 4]));
      expect(new Set(qs.map((q) => q.askSize))).toEqual(new Set([2, 3, 4]));
      // The book is the last quote (nothing traded).
      const { symbol: _s, ts: _t, ...last } = qs[qs.length - 1]!;
      expect(h.venue.book(sym)).toEqual(last);
    }
    // Prices near the model: X around 3200 (6400 half-ticks), Y around 3200 + 180.
    expect(Math.abs(h.quotes.find((q) => q.symbol === 'X')!.bid - 6400)).toBeLessThan(100);
    expect(Math.abs(h.quotes.find((q) => q.symbol === 'Y')!.bid - 3380)).toBeLessThan(60);
    h.quotes.forEach((q, i) => {
      expect(Number.isInteger(q.ts)).toBe(true);
      if (i > 0) expect(q.ts).toBeGreaterThanOrEqual(h.quotes[i - 1]!.ts);
    });
    expect(h.quotes[0]!.ts).toBeGreaterThan(T0);
    expect(h.quotes[h.quotes.length - 1]!.ts).toBeLessThanOrEqual(T0 + MINUTE);
  });

  it('a still random walk quotes floor(start / tick); a follower with sd 0 quotes floor((beta · base + mean) / tick)', () => {
    const h = harness({
      instruments: [
        flat({ quoteIntervalMs: 100 }),
        { symbol: 'F', tickSize: '0.5', lotSize: '1', quoteIntervalMs: 100, size: { min: 1, max: 9 }, widthTicks: 2, follows: { symbol: 'A', beta: '2', mean: '10.2', sd: '0', halfLifeSeconds: 30 } },
      ],
    });
    h.clock.advance(10 * SECOND);
    const a = h.quotes.filter((q) => q.symbol === 'A');
    const f = h.quotes.filter((q) => q.symbol === 'F');
    expect(a.length).toBeGreaterThan(20);
    expect(f.length).toBeGreaterThan(20);
    // 100.5 / 1 → bid 100, ask 101; (2 · 100.5 + 10.2) / 0.5 = 422.4 → bid 422, ask 424.
    expect(new Set(a.map((q) => `${q.bid}/${q.ask}`))).toEqual(new Set(['100/101']));
    expect(new Set(f.map((q) => `${q.bid}/${q.ask}`))).toEqual(new Set(['422/424']));
  });

  it('the same seed gives the identical quote sequence; a different seed gives a different one', () => {
    const instruments: SimInstrumentSpec[] = [
      { symbol: 'RB', tickSize: '1', lotSize: '1', quoteIntervalMs: 200, size: { min: 5, max: 120 }, start: '3200', volatility: '0.25' },
      { symbol: 'HC', tickSize: '1', lotSize: '1', quoteIntervalMs: 200, size: { min: 5, max: 120 }, follows: { symbol: 'RB', beta: '1', mean: '180', sd: '6', halfLifeSeconds: 900 } },
    ];
    const run = (seed: number) => {
      const h = harness({ seed, instruments });
      h.clock.advance(2 * MINUTE);
      return h.quotes;
    };
    const first = run(11);
    expect(first.length).toBeGreaterThan(500);
    expect(run(11)).toEqual(first);
    const other = run(12);
    expect(other).not.toEqual(first);
    // Not just shifted in time: the prices and sizes differ too.
    const shape = (qs: LegQuote[]) => qs.slice(0, 200).map((q) => [q.symbol, q.bid, q.bidSize, q.askSize]);
    expect(shape(other)).not.toEqual(shape(first));
  });

  it('orders and fills do not change the quote sequence (the market draws no randomness for them)', () => {
    const instruments = [flat({ quoteIntervalMs: 100, volatility: '1', size: { min: 3, max: 30 } })];
    const quiet = harness({ seed: 4, instruments });
    quiet.clock.advance(30 * SECOND);
    const busy = harness({ seed: 4, instruments });
    busy.untilQuote();
    busy.venue.submit(buy('b1', 50, 99_999));
    busy.venue.submit(sell('s1', 50, -99_999));
    busy.clock.advance(5 * SECOND);
    busy.venue.submit(buy('b2', 500, 110));
    busy.venue.cancel('b1');
    busy.clock.runUntil(T0 + 30 * SECOND);
    expect(busy.fills().length).toBeGreaterThan(2);
    expect(busy.quotes).toEqual(quiet.quotes);
  });

  it('instruments() lists each symbol with its tick and lot size as Decimals', () => {
    const h = harness({ instruments: [flat({ tickSize: '0.25', lotSize: '10' }), flat({ symbol: 'B', tickSize: '5' })] });
    expect(h.venue.name).toBe('simulated');
    expect(h.venue.instruments().map((i) => [i.symbol, i.tickSize.toFixed(), i.lotSize.toFixed()])).toEqual([
      ['A', '0.25', '10'],
      ['B', '5', '1'],
    ]);
  });

  it('stop() clears every pending quote and in-flight order or report; nothing is published afterwards', () => {
    const h = harness({ latencyMs: 100, instruments: [flat({ quoteIntervalMs: 100 })] });
    h.untilQuote();
    h.venue.submit(buy('b', 1, 101));
    h.clock.advance(150); // arrived at the matcher, report still in flight
    expect(h.received).toEqual([]);
    const seen = h.quotes.length;
    h.venue.stop();
    expect(h.clock.pending).toBe(0);
    h.clock.advance(MINUTE);
    expect(h.quotes.length).toBe(seen);
    expect(h.received).toEqual([]);
  });

  it('a stop while a quote is being delivered (its subscriber stops the venue): that quote is the last one published', () => {
    const h = harness({ instruments: [flat({ quoteIntervalMs: 100 }), flat({ symbol: 'B', quoteIntervalMs: 100 })] });
    const sub = h.venue.quotes$.subscribe(() => {
      sub.unsubscribe();
      h.venue.stop();
    });
    h.clock.advance(MINUTE);
    expect(h.quotes).toHaveLength(1);
    h.clock.advance(MINUTE);
    expect(h.quotes).toHaveLength(1);
  });
});

describe('SimulatedVenue latency', () => {
  it('an order submitted at t reaches the matcher at t + latencyMs and its reports reach reports$ at t + 2·latencyMs', () => {
    const h = harness({ latencyMs: 250, instruments: [flat()] });
    h.untilQuote();
    const t = h.clock.now();
    h.venue.submit(buy('b', 3, 101));
    h.clock.runUntil(t + 249);
    expect(h.venue.book('A')!.askSize).toBe(10);
    h.clock.runUntil(t + 250);
    expect(h.venue.book('A')!.askSize).toBe(7); // matched at t + latency
    h.clock.runUntil(t + 499);
    expect(h.received).toEqual([]);
    h.clock.runUntil(t + 500);
    expect(h.received).toEqual([
      { report: { type: 'order.accepted', clientId: 'b', at: t + 250 }, receivedAt: t + 500 },
      { report: { type: 'order.filled', clientId: 'b', tradeId: 'T1', symbol: 'A', side: 1, qty: 3, price: 101, at: t + 250, liquidity: 'taker' }, receivedAt: t + 500 },
    ]);
  });

  it('a cancel reaches the matcher latencyMs after the request and its report returns latencyMs later', () => {
    const h = harness({ latencyMs: 250, instruments: [flat()] });
    h.untilQuote();
    h.venue.submit(buy('b', 5, 99));
    h.roundTrip();
    const t = h.clock.now();
    h.venue.cancel('b');
    h.clock.runUntil(t + 249);
    expect(h.venue.openOrders().map((o) => o.clientId)).toEqual(['b']);
    h.clock.runUntil(t + 250);
    expect(h.venue.openOrders()).toEqual([]);
    h.clock.runUntil(t + 500);
    expect(h.received.slice(1)).toEqual([{ report: { type: 'order.canceled', clientId: 'b', filledQty: 0, at: t + 250 }, receivedAt: t + 500 }]);
  });

  it('a reject takes the same round trip: decided at t + latencyMs, received at t + 2·latencyMs', () => {
    const h = harness({ latencyMs: 40, instruments: [flat()] });
    const t = h.clock.now();
    h.venue.submit(buy('z', 1, 1, 'ZZ'));
    h.clock.runUntil(t + 80);
    expect(h.received).toEqual([{ report: { type: 'order.rejected', clientId: 'z', reason: 'unknown symbol ZZ', at: t + 40 }, receivedAt: t + 80 }]);
  });
});

describe('SimulatedVenue matching: marketable orders (book bid 100 × 10, ask 101 × 10)', () => {
  it('a marketable buy fills at the ask, not at its limit, up to the displayed ask size; the remainder rests', () => {
    const h = harness({ instruments: [flat()] });
    h.untilQuote();
    h.venue.submit(buy('b', 12, 103));
    h.roundTrip();
    expect(kinds(h.reports())).toEqual(['order.accepted b', 'order.filled b']);
    expect(h.fills().map(fillOf)).toEqual([{ clientId: 'b', symbol: 'A', side: 1, qty: 10, price: 101 }]);
    expect(h.venue.book('A')).toEqual({ bid: 100, bidSize: 10, ask: 101, askSize: 0 });
    expect(h.venue.openOrders()).toEqual([buy('b', 12, 103)]);
    expect(h.venue.positions()).toEqual({ A: 10 });
  });

  it('displayed size is consumed: a second marketable buy right after gets only what is left, a third gets nothing and rests', () => {
    const h = harness({ instruments: [flat()] });
    h.untilQuote();
    const before = h.quotes.length;
    h.venue.submit(buy('b1', 4, 101));
    h.venue.submit(buy('b2', 9, 101));
    h.venue.submit(buy('b3', 2, 105));
    h.roundTrip();
    expect(h.quotes.length).toBe(before); // no new quote refilled the book
    expect(kinds(h.reports())).toEqual(['order.accepted b1', 'order.filled b1', 'order.accepted b2', 'order.filled b2', 'order.accepted b3']);
    expect(h.fills().map(fillOf)).toEqual([
      { clientId: 'b1', symbol: 'A', side: 1, qty: 4, price: 101 },
      { clientId: 'b2', symbol: 'A', side: 1, qty: 6, price: 101 },
    ]);
    expect(h.venue.book('A')!.askSize).toBe(0);
    expect(h.venue.openOrders().map((o) => o.clientId)).toEqual(['b2', 'b3']);
  });

  it('a marketable sell fills at the bid, up to the displayed bid size; the remainder rests', () => {
    const h = harness({ instruments: [flat()] });
    h.untilQuote();
    h.venue.submit(sell('s', 12, 95));
    h.roundTrip();
    expect(h.fills().map(fillOf)).toEqual([{ clientId: 's', symbol: 'A', side: -1, qty: 10, price: 100 }]);
    expect(h.venue.book('A')).toEqual({ bid: 100, bidSize: 0, ask: 101, askSize: 10 });
    expect(h.venue.openOrders()).toEqual([sell('s', 12, 95)]);
    expect(h.venue.positions()).toEqual({ A: -10 });
  });

  it('a buy below the ask and a sell above the bid are not marketable: accepted, not filled, book untouched', () => {
    const h = harness({ instruments: [flat()] });
    h.untilQuote();
    h.venue.submit(buy('b', 5, 100));
    h.venue.submit(sell('s', 5, 101));
    h.roundTrip();
    expect(kinds(h.reports())).toEqual(['order.accepted b', 'order.accepted s']);
    expect(h.venue.book('A')).toEqual({ bid: 100, bidSize: 10, ask: 101, askSize: 10 });
    expect(h.venue.openOrders().map((o) => o.clientId)).toEqual(['b', 's']);
  });
});

describe('SimulatedVenue matching: resting orders', () => {
  it('a resting buy fills at its own limit when a later quote’s ask (101) is below it (102), up to the displayed size each time', () => {
    const h = harness({ instruments: [flat()] });
    h.untilQuote();
    h.venue.submit(buy('b', 25, 102));
    h.roundTrip();
    expect(h.fills('b').map((f) => [f.qty, f.price])).toEqual([[10, 101]]); // marketable part at the ask
    const q1 = h.untilQuote();
    expect(h.venue.book('A')).toEqual({ bid: 100, bidSize: 10, ask: 101, askSize: 0 });
    h.roundTrip();
    expect(h.fills('b').map((f) => [f.qty, f.price, f.at])).toEqual([
      [10, 101, expect.any(Number)],
      [10, 102, q1.ts],
    ]);
    expect(h.venue.openOrders().map((o) => o.clientId)).toEqual(['b']);
    const q2 = h.untilQuote();
    expect(h.venue.book('A')!.askSize).toBe(5);
    h.roundTrip();
    expect(h.fills('b').map((f) => [f.qty, f.price]).slice(2)).toEqual([[5, 102]]);
    expect(h.fills('b')[2]!.at).toBe(q2.ts);
    expect(h.venue.openOrders()).toEqual([]);
    expect(h.venue.positions()).toEqual({ A: 25 });
  });

  it('a resting buy at exactly the ask (101) fills from the next quote that shows sellers at 101, as a maker', () => {
    const h = harness({ instruments: [flat()] });
    h.untilQuote();
    h.venue.submit(buy('b', 12, 101));
    h.roundTrip();
    expect(h.fills('b').map((f) => [f.qty, f.price, f.liquidity])).toEqual([[10, 101, 'taker']]);
    expect(h.venue.openOrders()).toEqual([buy('b', 12, 101)]);
    const q = h.untilQuote();
    h.roundTrip();
    expect(h.fills('b').map((f) => [f.qty, f.price, f.liquidity, f.at])).toEqual([
      [10, 101, 'taker', expect.any(Number)],
      [2, 101, 'maker', q.ts],
    ]);
    expect(h.venue.book('A')).toEqual({ bid: 100, bidSize: 10, ask: 101, askSize: 8 });
    expect(h.venue.openOrders()).toEqual([]);
  });

  it('a resting sell mirrors it: fills at its own limit (99) when a later bid (100) is above it, and at exactly the bid (100) from the next quote', () => {
    const h = harness({ instruments: [flat()] });
    h.untilQuote();
    h.venue.submit(sell('s', 25, 99));
    h.roundTrip();
    h.untilQuote();
    h.roundTrip();
    h.untilQuote();
    h.roundTrip();
    expect(h.fills('s').map((f) => [f.qty, f.price])).toEqual([
      [10, 100],
      [10, 99],
      [5, 99],
    ]);
    h.venue.submit(sell('t', 12, 100));
    h.roundTrip();
    for (let i = 0; i < 3; i++) h.untilQuote();
    h.roundTrip();
    // 5 of 10 were left by s's last fill; the next quote's 10 at 100 fill the other 7.
    expect(h.fills('t').map((f) => [f.qty, f.price])).toEqual([
      [5, 100],
      [7, 100],
    ]);
    expect(h.venue.openOrders()).toEqual([]);
    expect(h.venue.positions()).toEqual({ A: -37 });
  });

  it('resting orders share a quote’s displayed size in arrival order', () => {
    const h = harness({ instruments: [flat()] });
    h.untilQuote();
    h.venue.submit(buy('sweep', 10, 101)); // takes the whole ask
    h.venue.submit(buy('b', 8, 102));
    h.venue.submit(buy('c', 8, 102));
    h.roundTrip();
    expect(h.fills().map((f) => [f.clientId, f.qty, f.price])).toEqual([['sweep', 10, 101]]);
    h.untilQuote();
    h.roundTrip();
    expect(h.fills().map((f) => [f.clientId, f.qty, f.price]).slice(1)).toEqual([
      ['b', 8, 102],
      ['c', 2, 102],
    ]);
    expect(h.venue.book('A')!.askSize).toBe(0);
    h.untilQuote();
    h.roundTrip();
    expect(h.fills().map((f) => [f.clientId, f.qty, f.price]).slice(3)).toEqual([['c', 6, 102]]);
    expect(h.venue.book('A')!.askSize).toBe(4);
  });

  describe('in a moving market', () => {
    const spec: VenueOptions = {
      seed: 5,
      latencyMs: 0,
      instruments: [{ symbol: 'M', tickSize: '1', lotSize: '1', quoteIntervalMs: 200, size: { min: 5, max: 20 }, start: '500', volatility: '3', queue: false }],
    };
    const horizon = T0 + 2 * MINUTE;
    /** The quotes of this market without any order (orders do not change them, see above). */
    const recorded = (() => {
      const h = harness(spec);
      h.clock.runUntil(horizon);
      return h.quotes;
    })();

    /**
     * The first quote k after which a limit one tick inside the touch waits through at least one quote
     * that does not reach it before one that does.
     */
    function scenario(side: 1 | -1) {
      const through = (q: LegQuote, limit: number) => (side > 0 ? q.ask <= limit : q.bid >= limit);
      for (let k = 0; k < recorded.length; k++) {
        const limit = side > 0 ? recorded[k]!.ask - 1 : recorded[k]!.bid + 1;
        const j = recorded.findIndex((q, i) => i > k && through(q, limit));
        if (j > k + 1) return { k, j, limit, through };
      }
      throw new Error('the recorded market never trades through');
    }

    for (const side of [1, -1] as const) {
      const name = side > 0 ? 'buy' : 'sell';
      const touch = side > 0 ? 'ask' : 'bid';
      it(`a resting ${name} one tick inside the ${touch} waits through quotes whose ${touch} does not reach it (none fills it from inside the spread), then fills at its limit, up to each quote’s displayed size`, () => {
        const { k, j, limit, through } = scenario(side);
        const h = harness(spec);
        for (let n = 0; n <= k; n++) h.untilQuote('M');
        expect(h.quotes[k]).toEqual(recorded[k]);
        const qty = 60;
        h.venue.submit({ clientId: 'o', symbol: 'M', side, qty, price: limit });
        h.clock.runUntil(h.clock.now()); // latency 0: it arrives now, before the next quote
        expect(kinds(h.reports())).toEqual(['order.accepted o']); // not marketable
        h.clock.runUntil(horizon);
        expect(h.quotes).toEqual(recorded);

        // Expected: every later quote that reaches the limit fills min(left, displayed) at the limit.
        const expected: [number, number, number][] = [];
        let left = qty;
        for (const q of recorded.slice(k + 1)) {
          if (left === 0 || !through(q, limit)) continue;
          const n = Math.min(left, side > 0 ? q.askSize : q.bidSize);
          expected.push([n, limit, q.ts]);
          left -= n;
        }
        expect(expected[0]![2]).toBe(recorded[j]!.ts);
        expect(h.fills('o').map((f) => [f.qty, f.price, f.at])).toEqual(expected);
        expect(h.fills('o').every((f) => f.side === side && f.symbol === 'M')).toBe(true);
        expect(h.venue.positions()).toEqual({ M: side * (qty - left) });
      });
    }
  });
});

describe('SimulatedVenue cancels', () => {
  it('cancelling a partly filled resting order reports order.canceled with its filled lots and takes it off the book', () => {
    const h = harness({ instruments: [flat()] });
    h.untilQuote();
    h.venue.submit(buy('b', 12, 101));
    h.roundTrip();
    h.venue.cancel('b');
    h.roundTrip();
    const t = h.clock.now();
    expect(h.reports().slice(2)).toEqual([{ type: 'order.canceled', clientId: 'b', filledQty: 10, at: t - 5 }]);
    expect(h.venue.openOrders()).toEqual([]);
    h.untilQuote();
    h.roundTrip();
    expect(h.fills('b')).toHaveLength(1);
  });

  it('an order cancelled right after it is sent arrives first: accepted, then canceled with filledQty 0', () => {
    const h = harness({ instruments: [flat()] });
    h.untilQuote();
    h.venue.submit(buy('b', 5, 99));
    h.venue.cancel('b');
    h.roundTrip();
    expect(h.reports()).toEqual([
      { type: 'order.accepted', clientId: 'b', at: h.clock.now() - 5 },
      { type: 'order.canceled', clientId: 'b', filledQty: 0, at: h.clock.now() - 5 },
    ]);
  });

  it('cancelling an order after it completely filled, or cancelling twice, is rejected: order already filled or canceled', () => {
    const h = harness({ instruments: [flat()] });
    h.untilQuote();
    h.venue.submit(buy('f', 3, 101));
    h.venue.submit(buy('c', 3, 90));
    h.roundTrip();
    h.venue.cancel('f');
    h.venue.cancel('c');
    h.roundTrip();
    h.venue.cancel('c');
    h.roundTrip();
    expect(kinds(h.reports())).toEqual([
      'order.accepted f',
      'order.filled f',
      'order.accepted c',
      'order.cancelRejected f',
      'order.canceled c',
      'order.cancelRejected c',
    ]);
    const rejects = h.reports().filter((r) => r.type === 'order.cancelRejected');
    expect(rejects.map((r) => (r.type === 'order.cancelRejected' ? r.reason : ''))).toEqual(['order already filled or canceled', 'order already filled or canceled']);
  });

  it('cancelling an id the venue never saw is rejected: unknown order', () => {
    const h = harness({ instruments: [flat()] });
    const t = h.clock.now();
    h.venue.cancel('ghost');
    h.roundTrip();
    expect(h.reports()).toEqual([{ type: 'order.cancelRejected', clientId: 'ghost', reason: 'unknown order', at: t + 5 }]);
  });
});

describe('SimulatedVenue: a fill racing a cancel (latency 1000 ms, a quote every 50 ms on average)', () => {
  // The session opens at 01:00 UTC. The order is sent at 00:59:59 and reaches the matcher at the open,
  // before the session's first quote, so it rests at 102 over an empty book. The cancel is requested at
  // the open and reaches the matcher a second later; every quote in that second (ask 101 × 10) trades
  // through the order's limit and fills 10 lots at 102.
  const calendar: CalendarSpec = { timeZone: 'UTC', days: [...WEEKDAYS], sessions: [{ start: '01:00', end: '23:00' }] };
  const OPEN = T0 + HOUR;
  const LATENCY = 1000;

  function race(qty: number) {
    const h = harness({ seed: 2, latencyMs: LATENCY, calendar, instruments: [flat({ quoteIntervalMs: 50 })] }, OPEN - LATENCY);
    h.venue.submit(buy('r', qty, 102));
    h.clock.runUntil(OPEN);
    expect(h.quotes).toEqual([]);
    expect(h.venue.book('A')).toBeUndefined();
    expect(h.venue.openOrders()).toEqual([buy('r', qty, 102)]);
    h.venue.cancel('r');
    h.clock.runUntil(OPEN + 2 * LATENCY);
    // The quotes that reached the matcher between the cancel request and the cancel.
    const racing = h.quotes.filter((q) => q.ts < OPEN + LATENCY);
    expect(h.quotes.some((q) => q.ts === OPEN + LATENCY)).toBe(false); // no tie with the cancel's arrival
    expect(racing[0]!.ts).toBeGreaterThan(OPEN);
    return { h, racing };
  }

  /** The invariant: fills come first; then canceled counting all of them, or cancelRejected after a complete fill. */
  function expectConsistent(reports: readonly VenueReport[], clientId: string, qty: number): void {
    const mine = reports.filter((r) => r.clientId === clientId);
    const last = mine.findIndex((r) => r.type === 'order.canceled' || r.type === 'order.cancelRejected');
    expect(last).toBe(mine.length - 1);
    const filled = mine.reduce((n, r) => n + (r.type === 'order.filled' ? r.qty : 0), 0);
    const end = mine[last]!;
    if (end.type === 'order.canceled') {
      expect(end.filledQty).toBe(filled);
      expect(filled).toBeLessThan(qty);
    } else {
      expect(filled).toBe(qty);
    }
  }

  it('fills that happen while the cancel is in flight are reported before order.canceled, whose filledQty counts them', () => {
    const { h, racing } = race(1000);
    expect(racing.length).toBeGreaterThanOrEqual(3);
    const n = racing.length;
    expect(kinds(h.reports())).toEqual(['order.accepted r', ...racing.map(() => 'order.filled r'), 'order.canceled r']);
    expect(h.fills().map((f) => [f.qty, f.price, f.at])).toEqual(racing.map((q) => [10, 102, q.ts]));
    expect(h.received.at(-1)).toEqual({ report: { type: 'order.canceled', clientId: 'r', filledQty: 10 * n, at: OPEN + LATENCY }, receivedAt: OPEN + 2 * LATENCY });
    expect(h.venue.positions()).toEqual({ A: 10 * n });
    expect(h.venue.openOrders()).toEqual([]);
    expectConsistent(h.reports(), 'r', 1000);
  });

  it('when the racing fills complete the order, the cancel is rejected after the last fill', () => {
    const { h, racing } = race(25);
    expect(racing.length).toBeGreaterThanOrEqual(3);
    expect(h.fills().map((f) => [f.qty, f.price, f.at])).toEqual([
      [10, 102, racing[0]!.ts],
      [10, 102, racing[1]!.ts],
      [5, 102, racing[2]!.ts],
    ]);
    expect(h.reports().at(-1)).toEqual({ type: 'order.cancelRejected', clientId: 'r', reason: 'order already filled or canceled', at: OPEN + LATENCY });
    expect(kinds(h.reports())).toEqual(['order.accepted r', 'order.filled r', 'order.filled r', 'order.filled r', 'order.cancelRejected r']);
    expect(h.venue.positions()).toEqual({ A: 25 });
    expectConsistent(h.reports(), 'r', 25);
  });
});

describe('SimulatedVenue rejects', () => {
  const reasons = (h: ReturnType<typeof harness>) => h.reports().map((r) => (r.type === 'order.rejected' ? `${r.clientId}: ${r.reason}` : `${r.type} ${r.clientId}`));

  it('a clientId already used is rejected as a duplicate, even when its first order was rejected', () => {
    const h = harness({ instruments: [flat()] });
    h.untilQuote();
    h.venue.submit(buy('a', 1, 90));
    h.venue.submit(buy('bad', 0, 90));
    h.roundTrip();
    h.venue.submit(buy('a', 1, 90));
    h.venue.submit(buy('bad', 1, 90));
    h.roundTrip();
    expect(reasons(h)).toEqual([
      'order.accepted a',
      'bad: quantity must be a positive whole number of lots (got 0)',
      'a: duplicate clientId',
      'bad: duplicate clientId',
    ]);
    expect(h.venue.openOrders()).toEqual([buy('a', 1, 90)]);
  });

  it('an unknown symbol is rejected naming it', () => {
    const h = harness({ instruments: [flat()] });
    h.venue.submit(buy('z', 1, 100, 'ZZ'));
    h.roundTrip();
    expect(reasons(h)).toEqual(['z: unknown symbol ZZ']);
  });

  it.each([
    [0, 'quantity must be a positive whole number of lots (got 0)'],
    [-3, 'quantity must be a positive whole number of lots (got -3)'],
    [1.5, 'quantity must be a positive whole number of lots (got 1.5)'],
    [Number.NaN, 'quantity must be a positive whole number of lots (got NaN)'],
    [1e15, 'quantity 1000000000000000 is more than the 1000000000 lots this venue takes in one order'],
    [1_000_000_001, 'quantity 1000000001 is more than the 1000000000 lots this venue takes in one order'],
  ])('quantity %s is rejected naming it', (qty, reason) => {
    const h = harness({ instruments: [flat()] });
    h.untilQuote();
    h.venue.submit(buy('q', qty, 101));
    h.roundTrip();
    expect(reasons(h)).toEqual([`q: ${reason}`]);
    expect(h.venue.book('A')!.askSize).toBe(10);
    expect(h.venue.positions()).toEqual({ A: 0 });
  });

  it('a fractional price or a side other than ±1 is rejected naming it', () => {
    const h = harness({ instruments: [flat()] });
    h.venue.submit(buy('p', 1, 100.5));
    h.venue.submit({ clientId: 's', symbol: 'A', side: 0 as unknown as 1, qty: 1, price: 100 });
    h.roundTrip();
    expect(reasons(h)).toEqual(['p: price must be a whole number of ticks (got 100.5)', 's: side must be 1 or -1 (got 0)']);
  });

  it('an order reaching the matcher outside the calendar is rejected: market closed (the session is [09:00, 10:00))', () => {
    const calendar: CalendarSpec = { timeZone: 'UTC', days: [...WEEKDAYS], sessions: [{ start: '09:00', end: '10:00' }] };
    const nine = T0 + 9 * HOUR;
    const h = harness({ latencyMs: 500, calendar, instruments: [flat()] }, nine - 1000);
    h.venue.submit(buy('early', 1, 90)); // arrives 08:59:59.500
    h.clock.advance(500);
    h.venue.submit(buy('open', 1, 90)); // arrives 09:00:00.000
    h.clock.runUntil(nine + HOUR - 501);
    h.venue.submit(buy('last', 1, 90)); // arrives 09:59:59.999
    h.clock.advance(1);
    h.venue.submit(buy('close', 1, 90)); // arrives 10:00:00.000
    h.clock.advance(1000);
    const at = (id: string) => h.reports().find((r) => r.clientId === id)!.at;
    expect(reasons(h)).toEqual(['early: market closed', 'order.accepted open', 'order.accepted last', 'close: market closed']);
    expect([at('early'), at('open'), at('last'), at('close')]).toEqual([nine - 500, nine, nine + HOUR - 1, nine + HOUR]);
    expect(h.venue.openOrders().map((o) => o.clientId)).toEqual(['open', 'last']);
  });
});

describe('SimulatedVenue positions, open orders and trade ids', () => {
  function session() {
    // A: bid 100 / ask 101; B: bid 50 / ask 51; 10 lots on every side.
    const h = harness({ instruments: [flat(), flat({ symbol: 'B', start: '50.5' })] });
    expect(h.venue.positions()).toEqual({ A: 0, B: 0 });
    h.untilQuote('A');
    h.untilQuote('B');
    h.venue.submit(buy('a1', 12, 101)); // 10 @ 101, 2 rest
    h.venue.submit(sell('a2', 4, 100)); // 4 @ 100
    h.venue.submit(sell('b1', 7, 50, 'B')); // 7 @ 50
    h.venue.submit(buy('b2', 3, 49, 'B')); // rests
    h.venue.submit(sell('b3', 5, 48, 'B')); // 3 @ 50 (what is left), 2 rest
    h.roundTrip();
    return h;
  }

  it('positions() is the signed sum of the fills per symbol, and openOrders() lists exactly the resting orders', () => {
    const h = session();
    const signed: Record<string, number> = { A: 0, B: 0 };
    for (const f of h.fills()) signed[f.symbol]! += f.side * f.qty;
    expect(signed).toEqual({ A: 6, B: -10 });
    expect(h.venue.positions()).toEqual(signed);
    expect(h.venue.openOrders()).toEqual([buy('a1', 12, 101), buy('b2', 3, 49, 'B'), sell('b3', 5, 48, 'B')]);
  });

  it('every fill carries its order’s symbol and side, and tradeIds are unique (T1, T2, … across symbols)', () => {
    const h = session();
    h.untilQuote('B'); // A quotes first (a1's 2 left meet its ask at 101), then B (b3's 2 left meet its bid above 48)
    h.roundTrip();
    expect(h.fills().map((f) => ({ ...fillOf(f), tradeId: f.tradeId }))).toEqual([
      { tradeId: 'T1', clientId: 'a1', symbol: 'A', side: 1, qty: 10, price: 101 },
      { tradeId: 'T2', clientId: 'a2', symbol: 'A', side: -1, qty: 4, price: 100 },
      { tradeId: 'T3', clientId: 'b1', symbol: 'B', side: -1, qty: 7, price: 50 },
      { tradeId: 'T4', clientId: 'b3', symbol: 'B', side: -1, qty: 3, price: 50 },
      { tradeId: 'T5', clientId: 'a1', symbol: 'A', side: 1, qty: 2, price: 101 },
      { tradeId: 'T6', clientId: 'b3', symbol: 'B', side: -1, qty: 2, price: 48 },
    ]);
    expect(h.venue.positions()).toEqual({ A: 8, B: -12 });
  });
});

describe('SimulatedVenue constructor', () => {
  const base = (over: Partial<SimInstrumentSpec> = {}) => flat(over);
  const follower = (symbol: string, follows: string): SimInstrumentSpec => ({
    symbol,
    tickSize: '1',
    lotSize: '1',
    quoteIntervalMs: 500,
    size: { min: 1, max: 2 },
    follows: { symbol: follows, beta: '1', mean: '0', sd: '1', halfLifeSeconds: 60 },
  });
  const make = (instruments: SimInstrumentSpec[], calendar = ALWAYS) => new SimulatedVenue({ seed: 1, latencyMs: 1, calendar, instruments }, new VirtualClock(T0));

  it('a follower of an unknown symbol is a ConfigError at venue.instruments[1].follows.symbol naming the symbol', () => {
    const e = configError(() => make([base(), follower('F', 'ZZ')]));
    expect(e.path).toBe('venue.instruments[1].follows.symbol');
    expect(e.message).toBe('venue.instruments[1].follows.symbol: names no instrument of this venue (got "ZZ")');
  });

  it('an instrument that follows itself is a ConfigError at venue.instruments[i].follows.symbol', () => {
    const e = configError(() => make([base(), follower('F', 'F')]));
    expect(e.path).toBe('venue.instruments[1].follows.symbol');
    expect(e.message).toBe('venue.instruments[1].follows.symbol: an instrument cannot follow itself (got "F")');
  });

  it('a follower of a follower is a ConfigError at venue.instruments', () => {
    const e = configError(() => make([base(), follower('F', 'A'), follower('G', 'F')]));
    expect(e.path).toBe('venue.instruments');
    expect(e.message).toContain('G follows F');
  });

  it('an instrument with neither follows nor start and volatility is a ConfigError at venue.instruments[i]', () => {
    const e = configError(() => make([base(), base({ symbol: 'B', volatility: undefined })]));
    expect(e.path).toBe('venue.instruments[1]');
    expect(e.value).toBe('B');
  });

  it('a bad calendar is a ConfigError under venue.calendar', () => {
    const e = configError(() => make([base()], { ...ALWAYS, timeZone: 'Mars/Olympus' }));
    expect(e.path).toBe('venue.calendar.timeZone');
    expect(e.message).toContain('"Mars/Olympus"');
  });
});

describe('simulated venue across a close, and when not running', () => {
  const hourly: CalendarSpec = { timeZone: 'UTC', days: [...WEEKDAYS], sessions: [{ start: '09:00', end: '10:00' }] };

  it('does not trade the first order of a session against the last session book', () => {
    const h = harness({ calendar: hourly, latencyMs: 10, instruments: [flat({ quoteIntervalMs: 5 * SECOND })] }, T0 + 9 * HOUR);
    h.clock.runUntil(T0 + 10 * HOUR + MINUTE); // a whole session of quotes, then the close
    expect(h.venue.book('A')).toBeUndefined();
    h.clock.runUntil(T0 + DAY + 9 * HOUR - 10); // the order reaches the matcher at the open, before any quote
    h.venue.submit(buy('o1', 3, 1000));
    h.clock.advance(10);
    expect(h.quotes.filter((q) => q.ts >= T0 + DAY)).toEqual([]);
    h.roundTrip();
    expect(kinds(h.reports())).toEqual(['order.accepted o1']);
    expect(h.venue.openOrders()).toEqual([buy('o1', 3, 1000)]);
  });

  it('rejects an order at once when it is not running, rather than losing it', () => {
    const clock = new VirtualClock(T0);
    const venue = new SimulatedVenue({ seed: 1, latencyMs: 5, calendar: ALWAYS, instruments: [flat()] }, clock);
    const reports: VenueReport[] = [];
    venue.reports$.subscribe((r) => reports.push(r));
    venue.submit(buy('early', 1, 101));
    expect(reports).toEqual([{ type: 'order.rejected', clientId: 'early', reason: 'venue not running', at: T0 }]);
  });
});
