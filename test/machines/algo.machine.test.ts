import { describe, expect, it } from 'vitest';
import { algoMachine, type AlgoResult, type AlgoSpec } from '../../machines/algo.machine.js';
import { orderMachine } from '../../machines/order.machine.js';
import type { OrderCommand } from '../../src/domain/orders.js';
import type { LegQuote, MarketView } from '../../src/domain/quote.js';
import { harness } from '../helpers/harness.js';

const baseSpec: AlgoSpec = {
  id: 'S/1',
  strategy: 'S',
  purpose: 'longEntry',
  side: 1,
  qty: 3,
  limit: 172,
  tradingMultipliers: [1, -1],
  symbols: ['HC', 'RB'],
  activeLeg: 0,
  payupTicks: 1,
  resubmitMs: 2000,
  rounding: 'nearest',
  tickValue: [10, 10],
};

function leg(symbol: string, bid: number, ask: number, size = 10, ts = 0): LegQuote {
  return { symbol, bid, ask, bidSize: size, askSize: size, ts };
}

/** A view of S = HC − RB. */
function view(hc: [number, number], rb: [number, number], at = 0, size = 10): MarketView {
  return {
    at,
    spread: { bid: hc[0] - rb[1], ask: hc[1] - rb[0], bidSize: size, askSize: size },
    legs: [leg('HC', hc[0], hc[1], size, at), leg('RB', rb[0], rb[1], size, at)],
  };
}

function setupAlgo(spec: Partial<AlgoSpec> = {}, market: MarketView | null = view([3379, 3380], [3208, 3209])) {
  const submitted: OrderCommand[] = [];
  const cancels: string[] = [];
  const order = orderMachine.provide({
    actions: {
      submitOrder: (_, p) => void submitted.push(p.order),
      cancelOrder: (_, p) => void cancels.push(p.clientId),
    },
  });
  const logic = algoMachine.provide({ actors: { order } });
  const h = harness(logic, { spec: { ...baseSpec, ...spec }, market }, { systemId: 'algo:S/1' });
  /** Delivers a venue report the way the engine does; false when the order actor is gone. */
  const venue = (r: Record<string, unknown> & { clientId: string }): boolean => {
    const ref = h.system.get(`order:${r.clientId}`);
    ref?.send(r);
    return ref !== undefined;
  };
  let trade = 0;
  const fillOrder = (clientId: string, qty: number, price: number, at = h.clock.now()): void => {
    const o = submitted.find((x) => x.clientId === clientId)!;
    venue({ type: 'order.filled', clientId, tradeId: `T${++trade}`, symbol: o.symbol, side: o.side, qty, price, at });
  };
  /** The algo's result once it has ended (what its parent receives in the done event). */
  const result = (): AlgoResult | undefined => h.output<AlgoResult | undefined>();
  return { ...h, submitted, cancels, venue, fillOrder, result };
}

describe('spread algo (taker)', () => {
  it('crosses the active leg at the ask plus payup for the whole quantity when the spread is at the price', () => {
    const a = setupAlgo();
    expect(a.state()).toBe('active.entry.working,active.hedge.balanced');
    expect(a.submitted).toEqual([{ clientId: 'S/1.1', symbol: 'HC', side: 1, qty: 3, price: 3381 }]);
  });

  it('sizes the entry to what the spread quote shows', () => {
    const a = setupAlgo({}, view([3379, 3380], [3208, 3209], 0, 2));
    expect(a.submitted[0]).toMatchObject({ qty: 2 });
  });

  it('hedges the passive leg in proportion to each active fill, at the bid minus payup, then completes', () => {
    const a = setupAlgo();
    a.venue({ type: 'order.accepted', clientId: 'S/1.1', at: 0 });
    a.clock.advance(10);
    a.fillOrder('S/1.1', 1, 3380);
    expect(a.submitted[1]).toEqual({ clientId: 'S/1.2', symbol: 'RB', side: -1, qty: 1, price: 3207 });
    expect(a.state()).toBe('active.entry.working,active.hedge.hedging');
    a.clock.advance(10);
    a.fillOrder('S/1.1', 2, 3380);
    expect(a.submitted[2]).toEqual({ clientId: 'S/1.3', symbol: 'RB', side: -1, qty: 2, price: 3207 });
    expect(a.state()).toBe('active.entry.done,active.hedge.hedging');
    a.clock.advance(30);
    a.fillOrder('S/1.2', 1, 3208);
    a.clock.advance(10);
    a.fillOrder('S/1.3', 2, 3208);
    expect(a.state()).toBe('completed');
    const r = a.result()!;
    expect(r).toMatchObject({ status: 'completed', reason: 'filled', units: 3, filledLots: [3, -3], notional: [3 * 3380, -3 * 3208], residual: [0, 0] });
    // Naked: 1 lot for 10 ms, 3 lots for 30 ms, 2 lots for 10 ms.
    expect(r.exposure).toEqual({ current: 0, maxLots: 3, maxNotional: 3 * 3380 * 10, lotMs: 1 * 10 + 3 * 30 + 2 * 10, nakedMs: 50, since: 60 });
    expect(r.counts).toEqual({ orders: 3, reprices: 0, rejects: 0 });
  });

  it('tells its parent the result and leaves no order actor behind', () => {
    const a = setupAlgo({ qty: 1 });
    a.fillOrder('S/1.1', 1, 3380);
    a.fillOrder('S/1.2', 1, 3208);
    expect(a.result()).toMatchObject({ algoId: 'S/1', status: 'completed' });
    expect(a.child().getSnapshot().status).toBe('done');
    expect(a.system.get('order:S/1.1')).toBeUndefined();
    expect(a.system.get('order:S/1.2')).toBeUndefined();
  });

  it('re-prices a stale entry order: cancels it once and sends a new one at the current ask', () => {
    const a = setupAlgo();
    a.venue({ type: 'order.accepted', clientId: 'S/1.1', at: 0 });
    a.clock.advance(2000);
    expect(a.cancels).toEqual(['S/1.1']);
    expect(a.state()).toBe('active.entry.repricing,active.hedge.balanced');
    a.send({ type: 'spread.quoted', view: view([3378, 3379], [3207, 3208], 2000) });
    a.venue({ type: 'order.canceled', clientId: 'S/1.1', filledQty: 0, at: 2010 });
    expect(a.submitted[1]).toEqual({ clientId: 'S/1.2', symbol: 'HC', side: 1, qty: 3, price: 3380 });
    expect(a.context().counts.reprices).toBe(1);
  });

  it('ends stopped with reason priceLeft when the spread leaves the price with nothing filled', () => {
    const a = setupAlgo();
    a.venue({ type: 'order.accepted', clientId: 'S/1.1', at: 0 });
    a.clock.advance(2000);
    a.send({ type: 'spread.quoted', view: view([3385, 3386], [3208, 3209], 2000) });
    a.venue({ type: 'order.canceled', clientId: 'S/1.1', filledQty: 0, at: 2010 });
    expect(a.state()).toBe('stopped');
    expect(a.result()).toMatchObject({ status: 'stopped', reason: 'priceLeft', units: 0, filledLots: [0, 0] });
  });

  it('on stop: cancels the entry, hedges what filled, and ends stopped with balanced legs', () => {
    const a = setupAlgo();
    a.venue({ type: 'order.accepted', clientId: 'S/1.1', at: 0 });
    a.fillOrder('S/1.1', 1, 3380);
    a.send({ type: 'stop.requested' });
    expect(a.cancels).toEqual(['S/1.1']);
    expect(a.state()).toBe('active.entry.halted,active.hedge.hedging');
    a.venue({ type: 'order.canceled', clientId: 'S/1.1', filledQty: 1, at: 5 });
    expect(a.state()).toBe('active.entry.halted,active.hedge.hedging');
    a.fillOrder('S/1.2', 1, 3208);
    expect(a.state()).toBe('stopped');
    expect(a.result()).toMatchObject({ status: 'stopped', reason: 'stopRequested', units: 1, filledLots: [1, -1], residual: [0, 0] });
  });

  it('hedges a fill that races the stop request', () => {
    const a = setupAlgo();
    a.send({ type: 'stop.requested' });
    a.fillOrder('S/1.1', 3, 3380); // filled before the cancel reached the venue: the order is done
    expect(a.venue({ type: 'order.cancelRejected', clientId: 'S/1.1', reason: 'order already filled or canceled', at: 5 })).toBe(false);
    expect(a.submitted[1]).toEqual({ clientId: 'S/1.2', symbol: 'RB', side: -1, qty: 3, price: 3207 });
    a.fillOrder('S/1.2', 3, 3208);
    expect(a.result()).toMatchObject({ status: 'stopped', units: 3, residual: [0, 0] });
  });

  it('backs off for the resubmit interval after a rejected hedge, then sends it again', () => {
    const a = setupAlgo({ qty: 1 });
    a.fillOrder('S/1.1', 1, 3380);
    a.venue({ type: 'order.rejected', clientId: 'S/1.2', reason: 'risk', at: 0 });
    expect(a.state()).toBe('active.entry.done,active.hedge.backingOff');
    a.clock.advance(1999);
    expect(a.submitted).toHaveLength(2);
    a.clock.advance(1);
    expect(a.submitted[2]).toEqual({ clientId: 'S/1.3', symbol: 'RB', side: -1, qty: 1, price: 3207 });
    expect(a.context().counts.rejects).toBe(1);
  });

  it('waits in backingOff after a rejected entry and retries while the price holds', () => {
    const a = setupAlgo({ qty: 1 });
    a.venue({ type: 'order.rejected', clientId: 'S/1.1', reason: 'throttled', at: 0 });
    expect(a.state()).toBe('active.entry.backingOff,active.hedge.balanced');
    a.clock.advance(2000);
    expect(a.submitted.map((o) => o.clientId)).toEqual(['S/1.1', 'S/1.2']);
  });

  it('re-prices a stale hedge at the current bid', () => {
    const a = setupAlgo({ qty: 1 });
    a.fillOrder('S/1.1', 1, 3380);
    a.venue({ type: 'order.accepted', clientId: 'S/1.2', at: 0 });
    a.send({ type: 'spread.quoted', view: view([3379, 3380], [3205, 3206], 100) });
    a.clock.advance(2000);
    expect(a.cancels).toEqual(['S/1.2']);
    a.venue({ type: 'order.canceled', clientId: 'S/1.2', filledQty: 0, at: 2000 });
    expect(a.submitted[2]).toEqual({ clientId: 'S/1.3', symbol: 'RB', side: -1, qty: 1, price: 3204 });
    expect(a.context().counts.reprices).toBe(1);
  });

  it('sells the spread by selling the positive leg and buying the negative one', () => {
    const a = setupAlgo({ side: -1, purpose: 'longExit', limit: 170, qty: 2 });
    expect(a.submitted[0]).toEqual({ clientId: 'S/1.1', symbol: 'HC', side: -1, qty: 2, price: 3378 });
    a.fillOrder('S/1.1', 2, 3379);
    expect(a.submitted[1]).toEqual({ clientId: 'S/1.2', symbol: 'RB', side: 1, qty: 2, price: 3210 });
  });

  it('never leaves a sub-unit fill of a 2:3 ratio spread unhedged: it completes the unit on stop', () => {
    const ratio = { tradingMultipliers: [2, -3], qty: 1 } satisfies Partial<AlgoSpec>;
    const a = setupAlgo(ratio);
    expect(a.submitted[0]).toMatchObject({ symbol: 'HC', side: 1, qty: 2 });
    a.fillOrder('S/1.1', 1, 3380); // half a unit: nearest rounds the hedge to one unit
    expect(a.submitted[1]).toMatchObject({ symbol: 'RB', side: -1, qty: 3 });
    a.send({ type: 'stop.requested' });
    a.venue({ type: 'order.canceled', clientId: 'S/1.1', filledQty: 1, at: 1 });
    // Entry closed at half a unit: the active leg is completed to a whole unit.
    expect(a.submitted[2]).toMatchObject({ symbol: 'HC', side: 1, qty: 1, price: 3381 });
    a.fillOrder('S/1.2', 3, 3208);
    a.fillOrder('S/1.3', 1, 3380);
    expect(a.result()).toMatchObject({ status: 'stopped', units: 1, filledLots: [2, -3], residual: [0, 0] });
  });

  it('with rounding down, waits for a whole unit before hedging', () => {
    const a = setupAlgo({ tradingMultipliers: [2, -3], qty: 2, rounding: 'down' }, view([3379, 3380], [3208, 3209], 0, 10));
    a.fillOrder('S/1.1', 1, 3380);
    expect(a.submitted).toHaveLength(1);
    a.fillOrder('S/1.1', 1, 3380);
    expect(a.submitted[1]).toMatchObject({ symbol: 'RB', side: -1, qty: 3 });
  });

  it('waits in pending while the price is not reached and expires after the resubmit interval', () => {
    const a = setupAlgo({}, view([3385, 3386], [3208, 3209]));
    expect(a.state()).toBe('pending');
    a.clock.advance(2000);
    expect(a.state()).toBe('stopped');
    expect(a.result()).toMatchObject({ reason: 'expired', units: 0 });
    expect(a.submitted).toEqual([]);
  });

  it('starts from pending as soon as a quote reaches the price', () => {
    const a = setupAlgo({}, null);
    expect(a.state()).toBe('pending');
    a.send({ type: 'spread.quoted', view: view([3379, 3380], [3208, 3209], 5) });
    expect(a.state()).toBe('active.entry.working,active.hedge.balanced');
  });

  it('does not send a hedge without a usable book for the leg, and sends it when one arrives', () => {
    const a = setupAlgo({ qty: 1 });
    const noRb: MarketView = { at: 1, spread: null, legs: [leg('HC', 3379, 3380), null] };
    a.send({ type: 'spread.quoted', view: noRb });
    a.fillOrder('S/1.1', 1, 3380);
    expect(a.submitted).toHaveLength(1);
    expect(a.state()).toBe('active.entry.done,active.hedge.hedging');
    a.send({ type: 'spread.quoted', view: view([3379, 3380], [3210, 3211], 2) });
    expect(a.submitted[1]).toEqual({ clientId: 'S/1.2', symbol: 'RB', side: -1, qty: 1, price: 3209 });
  });
});
