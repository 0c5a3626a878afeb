import { describe, expect, it } from 'vitest';
import type { OrderFilled } from '../../src/domain/orders.js';
import { OrderBook } from '../../src/engine/order-book.js';

const fill = (tradeId: string, qty: number, cumQty?: number): OrderFilled => ({ type: 'order.filled', clientId: 's/1.1', tradeId, symbol: 'RB', side: -1, qty, price: 3208, at: 0, ...(cumQty === undefined ? {} : { cumQty }) });
const kinds = (book: OrderBook, fills: OrderFilled[]) => fills.map((f) => {
  const t = book.take(f);
  return t.kind === 'fill' ? t.fill.qty : t.kind;
});

describe('the order book takes each fill once, and no lot the venue has counted twice', () => {
  it('a trade id heard again is a duplicate; fills without a count book as they are', () => {
    expect(kinds(new OrderBook(), [fill('A', 2), fill('A', 2), fill('B', 1)])).toEqual([2, 'duplicate', 1]);
  });

  it('a count (cumQty) books only the lots beyond those booked: none (counted), some, or all', () => {
    // 3 lots booked from a status answer's count (no cumQty of its own), then the live reports it had covered.
    expect(kinds(new OrderBook(), [fill('O:cum:3', 3), fill('E1', 2, 2), fill('E2', 1, 3), fill('E3', 3, 5), fill('E4', 1, 6)])).toEqual([3, 'counted', 'counted', 2, 1]);
  });

  it('a counted fill heard again is counted again, not a duplicate its order actor would take for a new trade id', () => {
    expect(kinds(new OrderBook(), [fill('O:cum:3', 3), fill('E1', 1, 3), fill('E1', 1, 3), fill('E2', 1, 4), fill('E2', 1, 4)])).toEqual([3, 'counted', 'counted', 1, 'duplicate']);
  });

  it('counts each lot by where the venue\'s count puts it: fills out of order are each booked, and a count without one fills the lowest lots not booked', () => {
    // Lot 2, then lot 1 (a sequence gap resent), then lots 3-4 twice under new ids (a hostile repeat).
    expect(kinds(new OrderBook(), [fill('E2', 1, 2), fill('E1', 1, 1), fill('E3', 2, 4), fill('E3b', 2, 4)])).toEqual([1, 1, 2, 'counted']);
    // Lots 3-4 heard, then the status answer's count of 4 (2 lots it gives without a count: lots 1-2), then lot 2 and lot 5.
    expect(kinds(new OrderBook(), [fill('E3', 2, 4), fill('O:cum:4', 2), fill('E2', 1, 2), fill('E5', 1, 5)])).toEqual([2, 2, 'counted', 1]);
    // Huge counts stay exact; overlapping ranges book only their new lots.
    expect(kinds(new OrderBook(), [fill('H', 1, Number.MAX_SAFE_INTEGER), fill('A', 3, 3), fill('B', 4, 5), fill('C', 1)])).toEqual([1, 3, 2, 1]);
  });

  it('keeps a bounded number of ranges per order: a count with a gap at every fill costs no more per fill as they come (was: each fill merged and sorted all the ranges before it, 20,000 such fills taking minutes)', () => {
    const book = new OrderBook();
    const t0 = performance.now();
    const taken = Array.from({ length: 20_000 }, (_, i) => book.take(fill(`G${i}`, 1, 2 * (i + 1))).kind);
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(taken.every((k) => k === 'fill')).toBe(true);
  });

  it('tracks what works: lots per side until the order fills, is canceled or rejected; a replace resizes it', () => {
    const book = new OrderBook();
    book.sent('s/1.1', { symbol: 'RB', side: -1, qty: 5 });
    book.sent('s/1.2', { symbol: 'RB', side: -1, qty: 2 });
    book.sent('s/1.3', { symbol: 'HC', side: 1, qty: 4 });
    book.heard(fill('A', 2));
    expect([book.workingLots('RB', -1), book.workingLots('RB', 1), book.workingLots('HC', 1)]).toEqual([5, 0, 4]);
    book.heard({ type: 'order.replaced', clientId: 's/1.1', price: 3207, qty: 3, at: 0 });
    expect(book.get('s/1.1')).toEqual({ symbol: 'RB', side: -1, qty: 3, filled: 2 });
    expect(book.workingLots('RB', -1)).toBe(3);
    book.heard(fill('B', 1));
    book.heard({ type: 'order.canceled', clientId: 's/1.2', filledQty: 0, at: 0 });
    expect([book.get('s/1.1'), book.get('s/1.2'), book.workingLots('RB', -1)]).toEqual([undefined, undefined, 0]);
    expect(book.takeAll()).toEqual(['s/1.3']);
    expect(book.takeAll()).toEqual([]);
  });
});
