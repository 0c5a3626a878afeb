import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';
import { demoConfig } from '../../src/config/demo.js';
import { ConfigErrors } from '../../src/domain/errors.js';
import { explain, renderWhy } from '../../src/report/why.js';
import type { VenueSync } from '../../src/venue/venue.js';
import { answering, legOut } from '../helpers/silent-venue.js';

/**
 * A venue that goes quiet on one order while the connection stays up: a cancel never answered, an order never
 * acknowledged, the fills a cancel confirmation counted never reported. Before, the order waited for ever in its
 * state (and its algo with it, unable to end or hedge again): now, after the venue's `answerTimeoutMs`, the order
 * chases the venue. The silence is counted and journalled (`order.unanswered`), a cancel is sent again, and a venue
 * that can say what it knows of an order (`Venue.sync`) is asked, its answer delivered as the reports the order missed.
 */

/** Lets a status answer (a promise) arrive. */
const answered = () => new Promise((resolve) => setImmediate(resolve));

describe('a venue silent on one order', () => {
  it('a cancel never answered is sent again every answerTimeoutMs, counted, never an error; the late confirmation ends it', () => {
    const s = legOut();
    s.pass(1000); // the hedge's price moved: it is re-priced by cancel and a new order
    expect(s.cancelsOf('hc-rb/1.2')).toBe(1);
    expect(s.orderState('hc-rb/1.2')).toBe('pendingCancel');
    s.pass(5000);
    expect(s.cancelsOf('hc-rb/1.2')).toBe(2);
    s.pass(5000);
    expect(s.cancelsOf('hc-rb/1.2')).toBe(3);
    expect(s.unanswered()).toEqual([
      { clientId: 'hc-rb/1.2', waiting: 'cancel', afterMs: 5000, resent: true, statusAsked: false },
      { clientId: 'hc-rb/1.2', waiting: 'cancel', afterMs: 5000, resent: true, statusAsked: false },
    ]);
    s.venue.canceled('hc-rb/1.2', 0);
    expect(s.orderState('hc-rb/1.2')).toBeUndefined();
    // The ladder hedges again once the old order has ended, at the new near touch.
    expect(s.venue.submitted.at(-1)).toMatchObject({ clientId: 'hc-rb/1.3', symbol: 'RB', side: -1, qty: 5, price: 3207 });
    const summary = s.engine.summary();
    expect(summary.counts.unanswered).toBe(2);
    expect(summary.errors).toEqual([]);
  });

  it('a venue that can say: the lost cancel confirmation comes from its status answer, and the ladder goes on', async () => {
    const s = legOut();
    const asked = answering(s, (ids) => ids.map((clientId) => ({ clientId, status: 'canceled', filled: 0, fills: [] })));
    s.pass(6000);
    expect(asked).toEqual([['hc-rb/1.2']]);
    expect(s.unanswered()).toEqual([{ clientId: 'hc-rb/1.2', waiting: 'cancel', afterMs: 5000, resent: true, statusAsked: true }]);
    await answered();
    expect(s.orderState('hc-rb/1.2')).toBeUndefined();
    const reports = s.records.filter((r) => r.kind === 'report' && r.report.clientId === 'hc-rb/1.2').map((r) => (r.kind === 'report' ? r.report.type : ''));
    expect(reports).toEqual(['order.accepted', 'order.canceled']);
    s.pass(500);
    expect(s.venue.submitted.at(-1)).toMatchObject({ clientId: 'hc-rb/1.3', symbol: 'RB', side: -1, qty: 5, price: 3207 });
    expect(s.engine.summary().errors).toEqual([]);
  });

  it('a new order never acknowledged and unknown to the venue ends rejected; the ladder sends another', async () => {
    const s = legOut();
    const asked = answering(s, (ids) => ids.map((clientId) => ({ clientId, status: 'unknown', filled: 0, fills: [] })));
    s.pass(1000);
    s.venue.canceled('hc-rb/1.2', 0);
    expect(s.venue.submitted.at(-1)).toMatchObject({ clientId: 'hc-rb/1.3', symbol: 'RB', side: -1, qty: 5, price: 3207 });
    // hc-rb/1.3 is never acknowledged.
    s.pass(5000);
    expect(asked).toEqual([['hc-rb/1.3']]);
    expect(s.unanswered()).toEqual([{ clientId: 'hc-rb/1.3', waiting: 'order', afterMs: 5000, resent: false, statusAsked: true }]);
    await answered();
    expect(s.records.filter((r) => r.kind === 'report' && r.report.clientId === 'hc-rb/1.3').map((r) => (r.kind === 'report' ? r.report : null))).toMatchObject([
      { type: 'order.rejected', reason: 'unknown to the venue when its status was asked' },
    ]);
    expect(s.orderState('hc-rb/1.3')).toBeUndefined();
    // Rejected: the ladder waits (hedgeRetry) and sends the hedge again.
    s.pass(5000);
    expect(s.venue.submitted.at(-1)).toMatchObject({ clientId: 'hc-rb/1.4', symbol: 'RB', side: -1, qty: 5, price: 3207 });
  });

  it('fills a cancel confirmation counted but never reported come from the status answer, once', async () => {
    const s = legOut();
    answering(s, (ids) => ids.map((clientId) => ({ clientId, status: 'canceled', filled: 2, fills: [{ tradeId: 'X7', qty: 2, price: 3208, at: s.clock.now() }] })));
    s.pass(1000);
    s.venue.canceled('hc-rb/1.2', 2); // 2 lots filled, by the venue's count; their fill never comes
    expect(s.orderState('hc-rb/1.2')).toBe('awaitingFills');
    s.clock.advance(5000);
    expect(s.unanswered()).toEqual([{ clientId: 'hc-rb/1.2', waiting: 'fills', afterMs: 5000, resent: false, statusAsked: true }]);
    await answered();
    expect(s.orderState('hc-rb/1.2')).toBeUndefined();
    expect(s.engine.position('hc-rb', 'RB')).toBe(-2);
    // Once: the chase of a state that sends nothing again is not repeated.
    s.clock.advance(20_000);
    expect(s.unanswered().filter((u) => u.waiting === 'fills')).toHaveLength(1);
  });

  it('a status that cannot be asked is journalled with why, and nothing throws', async () => {
    const s = legOut();
    (s.venue as { sync?: () => Promise<VenueSync> }).sync = () => Promise.reject(new Error('the connection was lost'));
    s.venue.quote('RB', 3206, 3207);
    s.clock.advance(1000);
    s.clock.advance(5000);
    await answered();
    expect(s.unanswered()).toEqual([
      { clientId: 'hc-rb/1.2', waiting: 'cancel', afterMs: 5000, resent: true, statusAsked: true },
      { clientId: 'hc-rb/1.2', waiting: 'cancel', afterMs: 5000, resent: true, statusAsked: true, statusError: 'the connection was lost' },
    ]);
    expect(s.engine.summary().counts.unanswered).toBe(1);
    expect(s.engine.summary().errors).toEqual([]);
    expect(s.orderState('hc-rb/1.2')).toBe('pendingCancel');
  });

  it('a malformed status answer is journalled as a status error, and the order keeps waiting', async () => {
    const s = legOut();
    (s.venue as { sync?: () => Promise<unknown> }).sync = async () => ({ orders: 'none' });
    s.venue.quote('RB', 3206, 3207);
    s.clock.advance(6000);
    await answered();
    expect(s.unanswered().at(-1)).toMatchObject({ clientId: 'hc-rb/1.2', statusError: 'a.orders.find is not a function' });
    expect(s.orderState('hc-rb/1.2')).toBe('pendingCancel');
  });

  it('answerTimeoutMs set: the chase follows it', () => {
    const s = legOut((c) => (c.venue.answerTimeoutMs = 2000));
    s.venue.quote('RB', 3206, 3207);
    s.clock.advance(1000);
    s.clock.advance(2000);
    expect(s.unanswered()).toEqual([{ clientId: 'hc-rb/1.2', waiting: 'cancel', afterMs: 2000, resent: true, statusAsked: false }]);
  });
});

describe('venue.answerTimeoutMs', () => {
  const config = (venue: Record<string, unknown>) => {
    const c = structuredClone(demoConfig);
    Object.assign(c.venue, venue);
    return c;
  };

  it('defaults to 5,000 ms, or twice the longest round trip to the venue', () => {
    expect(resolveConfig(config({}), 'test').answerTimeoutMs).toBe(5000);
    expect(resolveConfig(config({ latencyMs: 3000 }), 'test').answerTimeoutMs).toBe(12_000);
  });

  it('must be longer than the longest round trip: refused, named', () => {
    const c = config({ latencyMs: 20, answerTimeoutMs: 30 });
    c.venue.instruments[0]!.latency = { submitMs: 100 };
    let error: unknown;
    try {
      resolveConfig(c, 'test.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigErrors);
    expect((error as Error).message).toContain('venue.answerTimeoutMs');
    expect((error as Error).message).toContain('must be longer than the longest round trip to the venue (120 ms)');
  });
});

describe('why, over a silence', () => {
  it("names each chase in the order's chain: how long, what was unanswered, what was done", () => {
    const s = legOut();
    s.pass(1000);
    s.pass(5000);
    s.venue.canceled('hc-rb/1.2', 0);
    const chain = explain({ records: s.records }, 'hc-rb/1.2');
    expect(chain.steps.filter((x) => x.kind === 'order.unanswered').map((x) => x.text)).toEqual(['no answer from the venue in 5000 ms to the cancel; sent again']);
    expect(renderWhy(chain, { zone: 'Asia/Shanghai' })).toContain('10:00:16.000  order:hc-rb/1.2  no answer from the venue in 5000 ms to the cancel; sent again');
  });
});
