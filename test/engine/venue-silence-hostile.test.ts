import { describe, expect, it } from 'vitest';
import type { VenueOrderState } from '../../src/venue/venue.js';
import { VirtualClock } from '../../src/clock/virtual-clock.js';
import { createEngine } from '../../src/engine/engine.js';
import { ScriptedVenue } from '../helpers/scripted-venue.js';
import { answering, legOut } from '../helpers/silent-venue.js';

/**
 * Hostile and racing venues against the chase of a silent venue (venue-silence.test.ts has the plain cases), on the
 * demo HC − RB legged out (test/helpers/silent-venue.ts).
 */

/** The books a resume rebuilds from the journalled records: the same position and counts as the live run. */
const rebuiltAgrees = (s: ReturnType<typeof legOut>) => {
  const books = createEngine(s.config, { clock: new VirtualClock(s.clock.now()), venue: new ScriptedVenue(s.clock, ['HC', 'RB']), restore: { snapshot: null, records: s.records, startedAt: s.config.run.start } });
  const pick = (e: typeof books) => {
    const { fills, duplicateFills, unrouted } = e.summary().counts;
    return [e.position('hc-rb', 'HC'), e.position('hc-rb', 'RB'), fills, duplicateFills, unrouted, e.summary().errors];
  };
  expect(pick(books)).toEqual(pick(s.engine));
};

/** A venue that canceled hc-rb/1.2 and filled every later order in full at its limit, and says so only when asked. */
const cancelThenFill = (s: ReturnType<typeof legOut>) => (ids: readonly string[]): VenueOrderState[] =>
  ids.map((clientId) => {
    if (clientId === 'hc-rb/1.2') return { clientId, status: 'canceled', filled: 0, fills: [] };
    const o = s.venue.order(clientId);
    return { clientId, status: 'filled', filled: o.qty, fills: [{ tradeId: `S-${clientId}`, qty: o.qty, price: o.price, at: s.clock.now() }] };
  });

describe('a venue that reports only through its status answers, on a simulated clock', () => {
  it('run() hears each answer before time moves on: the silent cancel and the silent hedge end, the run ends balanced (was: never heard, 72 status requests, the stop gave up with the algo legged out)', async () => {
    const s = legOut();
    const asked = answering(s, cancelThenFill(s));
    s.venue.quote('RB', 3206, 3207); // the hedge is stale: it is re-priced by cancel and a new order
    s.clock.advance(1000);
    expect(s.orderState('hc-rb/1.2')).toBe('pendingCancel');
    s.feed();
    const summary = await s.engine.run({ until: s.clock.now() + 60_000 });
    expect(asked).toEqual([['hc-rb/1.2'], ['hc-rb/1.3']]);
    expect(s.unanswered()).toEqual([
      { clientId: 'hc-rb/1.2', waiting: 'cancel', afterMs: 5000, resent: true, statusAsked: true },
      { clientId: 'hc-rb/1.3', waiting: 'order', afterMs: 5000, resent: false, statusAsked: true },
    ]);
    expect(s.venue.submitted.map((o) => [o.clientId, o.symbol, o.side, o.qty, o.price])).toEqual([
      ['hc-rb/1.1', 'HC', 1, 5, 3381],
      ['hc-rb/1.2', 'RB', -1, 5, 3208],
      ['hc-rb/1.3', 'RB', -1, 5, 3207],
    ]);
    expect(summary.errors).toEqual([]);
    expect(s.engine.hasStopped()).toBe(true);
    expect([s.engine.position('hc-rb', 'HC'), s.engine.position('hc-rb', 'RB')]).toEqual([5, -5]);
  });

  it('stop() hears them too: the silent cancel confirmed by the status answer lets the algo stop (was: the stop gave up)', async () => {
    const s = legOut();
    const asked = answering(s, cancelThenFill(s));
    s.venue.quote('RB', 3206, 3207);
    s.clock.advance(1000);
    s.feed();
    await s.engine.stop();
    expect(s.engine.summary().errors).toEqual([]);
    expect(s.engine.hasStopped()).toBe(true);
    expect(asked).toEqual([['hc-rb/1.2'], ['hc-rb/1.3']]);
    expect([s.engine.position('hc-rb', 'HC'), s.engine.position('hc-rb', 'RB')]).toEqual([5, -5]);
  });
});

describe('a status answer naming more than the order', () => {
  it('fills beyond the order size in one answer are booked as the live reports would be (was: the lots after the one that completed the order were dropped, the position short of the venue and no error)', async () => {
    // The same fills reported live, for comparison: 8 lots sold on an order of 5.
    const live = legOut();
    live.venue.fill('hc-rb/1.2', 5, 3208, 'A');
    live.venue.fill('hc-rb/1.2', 3, 3208, 'B');
    const s = legOut();
    const asked = answering(s, (ids) =>
      ids.map((clientId) => ({ clientId, status: 'filled', filled: 8, fills: [{ tradeId: 'A', qty: 5, price: 3208, at: s.clock.now() }, { tradeId: 'B', qty: 3, price: 3208, at: s.clock.now() }] })),
    );
    s.venue.quote('RB', 3206, 3207);
    s.clock.advance(6000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(asked).toEqual([['hc-rb/1.2']]);
    expect(s.orderState('hc-rb/1.2')).toBeUndefined();
    expect(live.engine.position('hc-rb', 'RB')).toBe(-8);
    expect(s.engine.position('hc-rb', 'RB')).toBe(-8);
    expect(s.engine.summary().errors).toEqual(['venue: fill B of -3 RB for hc-rb/1.2, an order no longer working: counted by strategy hc-rb']);
    expect(live.engine.summary().errors).toEqual(s.engine.summary().errors);
    // The answer's end of the order (filled) changes nothing once the order has ended.
    expect(s.records.filter((r) => r.kind === 'report' && r.report.clientId === 'hc-rb/1.2').map((r) => (r.kind === 'report' ? [r.report.type, r.routed] : null))).toEqual([
      ['order.accepted', true],
      ['order.filled', true],
      ['order.filled', false],
    ]);
  });
});

describe('a status answer that gives only the cumulative count (a FIX broker answering CumQty: one fill under an id of its own)', () => {
  it('delivers only the lots beyond those the order heard live (was: all of them again, 2 lots sold twice)', async () => {
    const s = legOut();
    s.venue.fill('hc-rb/1.2', 2, 3208, 'E1'); // heard live
    // The venue's whole count, 3 lots, as the one fill a CumQty-only status makes of it.
    const asked = answering(s, (ids) => ids.map((clientId) => ({ clientId, status: 'canceled', filled: 3, fills: [{ tradeId: 'O9:cum:3', qty: 3, price: 3208, at: s.clock.now() }] })));
    s.venue.quote('RB', 3206, 3207);
    s.clock.advance(1000);
    s.venue.canceled('hc-rb/1.2', 3); // its third lot's fill never comes
    expect(s.orderState('hc-rb/1.2')).toBe('awaitingFills');
    s.clock.advance(5000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(asked).toEqual([['hc-rb/1.2']]);
    expect(s.orderState('hc-rb/1.2')).toBeUndefined();
    expect(s.records.filter((r) => r.kind === 'report' && r.report.type === 'order.filled' && r.report.clientId === 'hc-rb/1.2').map((r) => (r.kind === 'report' && r.report.type === 'order.filled' ? [r.report.tradeId, r.report.qty] : null))).toEqual([
      ['E1', 2],
      ['O9:cum:3', 1],
    ]);
    expect(s.engine.position('hc-rb', 'RB')).toBe(-3);
    expect(s.engine.summary().errors).toEqual([]);
  });
});

describe('a live fill the status answer already counted (a FIX broker answering CumQty, then the ExecutionReport it had held back)', () => {
  /** hc-rb/1.2 heard 2 lots live (E1); the status answer counts 3 and cancels it: the order ends with 3. */
  const counted = () => {
    const s = legOut();
    s.venue.fill('hc-rb/1.2', 2, 3208, 'E1', 2);
    answering(s, (ids) => ids.map((clientId) => ({ clientId, status: 'canceled', filled: 3, fills: [{ tradeId: 'O9:cum:3', qty: 3, price: 3208, at: s.clock.now() }] })));
    s.venue.quote('RB', 3206, 3207);
    s.clock.advance(1000);
    s.venue.canceled('hc-rb/1.2', 3);
    s.clock.advance(5000);
    return s;
  };
  const fillsOf = (s: ReturnType<typeof legOut>) => s.engine.summary().counts;

  it('its lots, already booked from the count, are not booked again (was: 1 lot sold twice, and the algo hedged the phantom lot)', async () => {
    const s = counted();
    await new Promise((resolve) => setImmediate(resolve));
    expect(s.orderState('hc-rb/1.2')).toBeUndefined();
    expect(s.engine.position('hc-rb', 'RB')).toBe(-3);
    const orders = s.venue.submitted.length;
    // The ExecutionReport of the third lot, held back by the venue: CumQty 3, as the count said.
    s.venue.fill('hc-rb/1.2', 1, 3208, 'E2', 3);
    expect(s.engine.position('hc-rb', 'RB')).toBe(-3);
    // Booked: HC 5, E1, the count's lot; E2 is counted as a duplicate.
    expect([fillsOf(s).fills, fillsOf(s).duplicateFills]).toEqual([3, 1]);
    expect(s.engine.summary().errors).toEqual([]);
    s.pass(1000);
    // The hedge still to do is the 2 lots the count left naked, not 1.
    expect(s.venue.submitted.slice(orders).map((o) => [o.symbol, o.side, o.qty])).toEqual([['RB', -1, 2]]);
    // The books a resume rebuilds from the journalled records read the count the same way.
    rebuiltAgrees(s);
  });

  it('a later fill beyond the count is booked for the lots beyond it only', async () => {
    const s = counted();
    await new Promise((resolve) => setImmediate(resolve));
    // Hostile or racing: 3 lots reported with CumQty 5, of which the count had 1 (lots 3 to 5 of the order).
    s.venue.fill('hc-rb/1.2', 3, 3208, 'E3', 5);
    expect(s.engine.position('hc-rb', 'RB')).toBe(-5);
    expect(s.engine.summary().errors).toEqual(['venue: fill E3 of -2 RB for hc-rb/1.2, an order no longer working: its algo hc-rb/1 hedges it']);
  });

  it('a fill whose CumQty is no count of its lots (below them, fractional) is booked without it, the count named (an execution the venue made is not refused for it)', () => {
    const s = legOut();
    s.venue.fill('hc-rb/1.2', 2, 3208, 'E1', 1);
    s.venue.fill('hc-rb/1.2', 1, 3208, 'E2', 2.5);
    expect(s.engine.position('hc-rb', 'RB')).toBe(-3);
    expect(s.engine.summary().errors).toEqual([
      'venue: fill E1 for hc-rb/1.2 booked without its count: cumQty 1 is not a whole number of lots at least its qty 2',
      'venue: fill E2 for hc-rb/1.2 booked without its count: cumQty 2.5 is not a whole number of lots at least its qty 1',
    ]);
    // Journalled as booked: without the count (the journal holds a resume to sound counts).
    expect(s.records.filter((r) => r.kind === 'report' && r.report.type === 'order.filled' && r.report.clientId === 'hc-rb/1.2').map((r) => (r.kind === 'report' ? 'cumQty' in r.report : null))).toEqual([false, false]);
  });
});

describe('a venue that restates its count while the order awaits the fills it counted', () => {
  it('a status answer with a lower count that the fills heard reach ends the order canceled, and the ladder hedges again (was: ignored, the order waiting for ever)', async () => {
    const s = legOut();
    s.venue.fill('hc-rb/1.2', 1, 3208, 'F1'); // heard live
    // Asked, the venue counts only the lot the order heard: its cancel confirmation's 3 was wrong.
    answering(s, (ids) => ids.map((clientId) => ({ clientId, status: 'canceled', filled: 1, fills: [{ tradeId: 'F1', qty: 1, price: 3208, at: s.clock.now() }] })));
    s.pass(1000);
    s.venue.canceled('hc-rb/1.2', 3);
    expect(s.orderState('hc-rb/1.2')).toBe('awaitingFills');
    s.pass(5000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(s.orderState('hc-rb/1.2')).toBeUndefined();
    expect(s.records.filter((r) => r.kind === 'report' && r.report.clientId === 'hc-rb/1.2').map((r) => (r.kind === 'report' ? r.report.type : ''))).toEqual([
      'order.accepted',
      'order.filled',
      'order.canceled',
      'order.canceled',
    ]);
    s.pass(500);
    // The 4 lots still naked are hedged at the new near touch.
    expect(s.venue.submitted.at(-1)).toMatchObject({ clientId: 'hc-rb/1.3', symbol: 'RB', side: -1, qty: 4, price: 3207 });
    expect(s.engine.position('hc-rb', 'RB')).toBe(-1);
  });

  it('a duplicate confirmation with the same count keeps it waiting for the fills', () => {
    const s = legOut();
    s.pass(1000);
    s.venue.canceled('hc-rb/1.2', 2);
    s.venue.canceled('hc-rb/1.2', 2);
    expect(s.orderState('hc-rb/1.2')).toBe('awaitingFills');
    s.venue.fill('hc-rb/1.2', 2, 3208, 'G1');
    expect(s.orderState('hc-rb/1.2')).toBeUndefined();
    expect(s.engine.position('hc-rb', 'RB')).toBe(-2);
  });
});

describe('a status answer that cannot give the fills the cancel counted', () => {
  it('a venue that no longer knows the order ends it rejected with the lot heard, the 2 lots in doubt named, and the ladder hedges on (was: ignored, the order and its algo waiting for ever)', async () => {
    const s = legOut();
    s.venue.fill('hc-rb/1.2', 1, 3208, 'F1'); // heard live
    answering(s, (ids) => ids.map((clientId) => ({ clientId, status: 'unknown', filled: 0, fills: [] })));
    s.pass(1000);
    s.venue.canceled('hc-rb/1.2', 3);
    s.pass(5000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(s.orderState('hc-rb/1.2')).toBeUndefined();
    expect(s.engine.summary().errors).toEqual([
      'venue: order hc-rb/1.2 was canceled with 3 lots filled, 1 of them reported; its status answer now gives no more (unknown to the venue when its status was asked): 2 lots in doubt, taken as unfilled',
    ]);
    // A rejected hedge backs off for a re-price interval, then sends what the leg still needs.
    s.pass(500);
    expect(s.venue.submitted.at(-1)).toMatchObject({ clientId: 'hc-rb/1.2', symbol: 'RB', side: -1, qty: 5, price: 3208 });
    s.pass(500);
    expect(s.venue.submitted.at(-1)).toMatchObject({ clientId: 'hc-rb/1.3', symbol: 'RB', side: -1, qty: 4, price: 3207 });
    expect(s.engine.position('hc-rb', 'RB')).toBe(-1);
  });

  it('a venue that restates its count and gives no fill leaves the order waiting for them, and says so once', async () => {
    const s = legOut();
    answering(s, (ids) => ids.map((clientId) => ({ clientId, status: 'canceled', filled: 2, fills: [] })));
    s.pass(1000);
    s.venue.canceled('hc-rb/1.2', 2);
    s.pass(5000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(s.orderState('hc-rb/1.2')).toBe('awaitingFills');
    s.pass(20_000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(s.engine.summary().errors).toEqual([
      'venue: order hc-rb/1.2 was canceled with 2 lots filled, 0 of them reported; its status answer gives no more: the order waits for them',
    ]);
    // They come after all: the order ends, as it would have.
    s.venue.fill('hc-rb/1.2', 2, 3208, 'L1');
    expect(s.orderState('hc-rb/1.2')).toBeUndefined();
    expect(s.engine.position('hc-rb', 'RB')).toBe(-2);
  });
});

describe('a fill reported twice under one trade id', () => {
  it('counts once toward its working order (was: the duplicate counted, and the next fill named an overfill of 6 lots on an order of 5)', () => {
    const s = legOut();
    s.venue.fill('hc-rb/1.2', 2, 3208, 'D1');
    s.venue.fill('hc-rb/1.2', 2, 3208, 'D1');
    s.venue.fill('hc-rb/1.2', 2, 3208, 'D2');
    expect(s.engine.position('hc-rb', 'RB')).toBe(-4);
    expect(s.engine.summary().counts.duplicateFills).toBe(1);
    expect(s.engine.summary().errors).toEqual([]);
  });
});

describe('a live fill the status answer counted, reported again', () => {
  it('the repeat is not routed to the order, which never heard its trade id (was: the order counted the lot a second time, its algo hedging one lot short)', async () => {
    const s = legOut();
    s.venue.fill('hc-rb/1.2', 2, 3208, 'E1', 2); // heard live
    // The cancel goes unanswered; the status answer: still open, 3 lots filled, given only as the count.
    answering(s, (ids) => ids.map((clientId) => ({ clientId, status: 'open', filled: 3, fills: [{ tradeId: 'O9:cum:3', qty: 3, price: 3208, at: s.clock.now() }] })));
    s.venue.quote('RB', 3206, 3207);
    s.clock.advance(1000);
    expect(s.orderState('hc-rb/1.2')).toBe('pendingCancel');
    s.clock.advance(5000);
    await new Promise((resolve) => setImmediate(resolve));
    const filledOf = () => (s.engine.actor.system.get('order:hc-rb/1.2')!.getSnapshot() as { context: { fill: { qty: number } } }).context.fill.qty;
    expect(filledOf()).toBe(3);
    // The ExecutionReport the broker had held back (counted), then the same one again (a resend).
    s.venue.fill('hc-rb/1.2', 1, 3208, 'E2', 3);
    s.venue.fill('hc-rb/1.2', 1, 3208, 'E2', 3);
    expect(s.engine.position('hc-rb', 'RB')).toBe(-3);
    expect(filledOf()).toBe(3);
    expect(s.engine.summary().counts.duplicateFills).toBe(2);
    // The cancel confirmed with the venue's 3 lots: the ladder hedges the 2 lots still naked, not 1.
    const orders = s.venue.submitted.length;
    s.venue.canceled('hc-rb/1.2', 3);
    s.pass(1000);
    expect(s.venue.submitted.slice(orders).map((o) => [o.symbol, o.side, o.qty])).toEqual([['RB', -1, 2]]);
    expect(s.engine.summary().errors).toEqual([]);
    rebuiltAgrees(s);
  });
});

describe('fills of one order arriving out of their CumQty order (a FIX sequence gap: jspurefix delivers the message past the gap, then the resent one)', () => {
  it('each is booked: the earlier lots are not taken as counted (was: the resent fill of lot 1 dropped as a duplicate, 1 lot sold at the venue never booked nor hedged)', () => {
    const s = legOut();
    // Lot 2 first (its ExecutionReport came after the lost one), then lot 1, resent.
    s.venue.fill('hc-rb/1.2', 1, 3208, 'E2', 2);
    s.venue.fill('hc-rb/1.2', 1, 3208, 'E1', 1);
    expect(s.engine.position('hc-rb', 'RB')).toBe(-2);
    expect(s.engine.summary().counts.duplicateFills).toBe(0);
    const filled = (s.engine.actor.system.get('order:hc-rb/1.2')!.getSnapshot() as { context: { fill: { qty: number } } }).context.fill.qty;
    expect(filled).toBe(2);
    // The rest, in order: the order fills.
    s.venue.fill('hc-rb/1.2', 3, 3208, 'E3', 5);
    expect(s.engine.position('hc-rb', 'RB')).toBe(-5);
    expect(s.orderState('hc-rb/1.2')).toBeUndefined();
    expect(s.engine.summary().errors).toEqual([]);
    rebuiltAgrees(s);
  });
});

describe('a venue whose CumQty repeats lots other live fills already gave (a broker sending each execution\'s own quantity as CumQty)', () => {
  it('the lots it does not book are named (was: dropped as duplicates without a word, the order and its hedge short of the venue)', () => {
    const s = legOut();
    s.venue.fill('hc-rb/1.2', 2, 3208, 'E1', 2);
    s.venue.fill('hc-rb/1.2', 2, 3208, 'E2', 2);
    s.venue.fill('hc-rb/1.2', 2, 3208, 'E3', 3);
    expect(s.engine.position('hc-rb', 'RB')).toBe(-3);
    expect(s.engine.summary().errors).toEqual([
      'venue: fill E2 of 2 lots for hc-rb/1.2 (CumQty 2) gives again 2 lots other fills of the order reported with their own count: not booked',
      'venue: fill E3 of 2 lots for hc-rb/1.2 (CumQty 3) gives again 1 lots other fills of the order reported with their own count: not booked',
    ]);
    rebuiltAgrees(s);
  });

  it('a status answer\'s count that the held-back live fills then give is not named', async () => {
    const s = legOut();
    s.venue.fill('hc-rb/1.2', 2, 3208, 'E1', 2);
    answering(s, (ids) => ids.map((clientId) => ({ clientId, status: 'open', filled: 3, fills: [{ tradeId: 'O9:cum:3', qty: 3, price: 3208, at: s.clock.now() }] })));
    s.venue.quote('RB', 3206, 3207);
    s.clock.advance(6000);
    await new Promise((resolve) => setImmediate(resolve));
    s.venue.fill('hc-rb/1.2', 1, 3208, 'E2', 3);
    expect(s.engine.position('hc-rb', 'RB')).toBe(-3);
    expect(s.engine.summary().errors).toEqual([]);
  });
});

describe('a status answer restating another count, with no fills for it', () => {
  it.each([
    [3, 'order hc-rb/1.2 was canceled with 2 lots filled, 0 of them reported; its status answer counts 3 and gives no more: the order waits for them'],
    [1, 'order hc-rb/1.2 was canceled with 2 lots filled, 0 of them reported; its status answer counts 1 and gives no more: the order waits for them'],
  ])('count %i: the order that waits on is named once (was: it waited for ever without a word)', async (restated, message) => {
    const s = legOut();
    answering(s, (ids) => ids.map((clientId) => ({ clientId, status: 'canceled', filled: restated, fills: [] })));
    s.pass(1000);
    s.venue.canceled('hc-rb/1.2', 2);
    s.pass(5000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(s.orderState('hc-rb/1.2')).toBe('awaitingFills');
    s.pass(20_000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(s.engine.summary().errors).toEqual([`venue: ${message}`]);
  });
});
