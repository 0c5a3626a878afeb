import { describe, it, expect } from 'vitest';
import { legQuoteProblem, spreadQuote, spreadQuoteInto, type LegQuote } from '../../src/domain/quote.js';
import { SpreadDefinition, type LegSpec } from '../../src/domain/spread.js';

const T = 1_700_000_000_000;
const STALE = 500;

const q = (symbol: string, bid: number, ask: number, bidSize: number, askSize: number, ts = T): LegQuote => ({ symbol, bid, ask, bidSize, askSize, ts });
const leg = (symbol: string, priceMultiplier: string, tradingMultiplier: number, tickSize = '1'): LegSpec => ({
  symbol,
  tickSize,
  lotSize: '1',
  priceMultiplier,
  tradingMultiplier,
});

/** S = A − B, tick 1: scale 1. */
const oneToOne = new SpreadDefinition({ name: 'A-B', legs: [leg('A', '1', 1), leg('B', '-1', -1)] });
/** 2 A against −3 B, S = A − 1.5 B, tick 1: factors 10 and −15, scale 10. */
const twoToThree = new SpreadDefinition({ name: 'A-1.5B', legs: [leg('A', '1', 2), leg('B', '-1.5', -3)] });

const A = q('A', 100, 101, 7, 9);
const B = q('B', 50, 51, 4, 12);

describe('spreadQuote', () => {
  it('S = A − B: bid = 100 − 51, ask = 101 − 50, bidSize = min(7, 12), askSize = min(9, 4)', () => {
    expect(spreadQuote(oneToOne, [A, B], T, STALE)).toEqual({ bid: 49, bidSize: 7, ask: 51, askSize: 4 });
  });

  it('S = A − 1.5 B with trading multipliers 2:−3: scaled prices and sizes floor(size / |tm|)', () => {
    expect(twoToThree.scale).toBe(10);
    // bid = 10·100 − 15·51 = 235 (23.5); ask = 10·101 − 15·50 = 260 (26).
    // bidSize = min(floor(7/2), floor(12/3)) = min(3, 4); askSize = min(floor(9/2), floor(4/3)) = min(4, 1).
    expect(spreadQuote(twoToThree, [A, B], T, STALE)).toEqual({ bid: 235, bidSize: 3, ask: 260, askSize: 1 });
  });

  it('listing the legs the other way round gives the same quote', () => {
    const reversed = new SpreadDefinition({ name: 'rev', legs: [leg('B', '-1', -1), leg('A', '1', 1)] });
    expect(spreadQuote(reversed, [B, A], T, STALE)).toEqual({ bid: 49, bidSize: 7, ask: 51, askSize: 4 });
  });

  it('a price-only leg moves the price but never limits the size', () => {
    const withFx = new SpreadDefinition({ name: 'fx', legs: [leg('A', '1', 1), leg('B', '-1', -1), leg('FX', '2', 0)] });
    const fx = q('FX', 10, 11, 1, 1);
    // bid = 100 − 51 + 2·10 = 69; ask = 101 − 50 + 2·11 = 73; sizes as without FX.
    expect(spreadQuote(withFx, [A, B, fx], T, STALE)).toEqual({ bid: 69, bidSize: 7, ask: 73, askSize: 4 });
  });

  it('a negative price-only leg enters the bid at its ask and the ask at its bid', () => {
    const withFx = new SpreadDefinition({ name: 'fx', legs: [leg('A', '1', 1), leg('B', '-1', -1), leg('FX', '-2', 0)] });
    const fx = q('FX', 10, 11, 1, 1);
    // bid = 49 − 2·11 = 27; ask = 51 − 2·10 = 31.
    expect(spreadQuote(withFx, [A, B, fx], T, STALE)).toEqual({ bid: 27, bidSize: 7, ask: 31, askSize: 4 });
  });

  it('is null while a price-only leg has no usable quote', () => {
    const withFx = new SpreadDefinition({ name: 'fx', legs: [leg('A', '1', 1), leg('B', '-1', -1), leg('FX', '2', 0)] });
    expect(spreadQuote(withFx, [A, B, undefined], T, STALE)).toBeNull();
    expect(spreadQuote(withFx, [A, B, q('FX', 10, 11, 0, 1)], T, STALE)).toBeNull();
  });

  it('is null when a leg is missing', () => {
    expect(spreadQuote(oneToOne, [A, undefined], T, STALE)).toBeNull();
    expect(spreadQuote(oneToOne, [undefined, B], T, STALE)).toBeNull();
    expect(spreadQuote(oneToOne, [A], T, STALE)).toBeNull();
  });

  it('is null when a leg is one-sided (a size of 0)', () => {
    expect(spreadQuote(oneToOne, [q('A', 100, 101, 0, 9), B], T, STALE)).toBeNull();
    expect(spreadQuote(oneToOne, [A, q('B', 50, 51, 4, 0)], T, STALE)).toBeNull();
  });

  it('is null when a leg is crossed (bid > ask)', () => {
    expect(spreadQuote(oneToOne, [q('A', 102, 101, 7, 9), B], T, STALE)).toBeNull();
  });

  it('is null when a leg is locked (bid = ask)', () => {
    expect(spreadQuote(oneToOne, [A, q('B', 51, 51, 4, 12)], T, STALE)).toBeNull();
  });

  it('is null when a leg is older than staleAfterMs', () => {
    expect(spreadQuote(oneToOne, [A, B], T + STALE + 1, STALE)).toBeNull();
    expect(spreadQuote(oneToOne, [q('A', 100, 101, 7, 9, T - 1), B], T + STALE, STALE)).toBeNull();
  });

  it('is still quoted when a leg is exactly staleAfterMs old', () => {
    expect(spreadQuote(oneToOne, [A, B], T + STALE, STALE)).toEqual({ bid: 49, bidSize: 7, ask: 51, askSize: 4 });
  });

  it('is null when a computed size is 0 though every leg is two-sided', () => {
    // askSize = min(floor(9/2), floor(2/3)) = 0.
    expect(spreadQuote(twoToThree, [A, q('B', 50, 51, 2, 12)], T, STALE)).toBeNull();
    // bidSize = min(floor(1/2), floor(12/3)) = 0.
    expect(spreadQuote(twoToThree, [q('A', 100, 101, 1, 9), B], T, STALE)).toBeNull();
  });
});

describe('legQuoteProblem', () => {
  it('is missing without a quote', () => {
    expect(legQuoteProblem(undefined, T, STALE)).toBe('missing');
  });

  it('is one-sided when either size is 0, negative or not a number', () => {
    expect(legQuoteProblem(q('A', 100, 101, 0, 9), T, STALE)).toBe('one-sided');
    expect(legQuoteProblem(q('A', 100, 101, 7, 0), T, STALE)).toBe('one-sided');
    expect(legQuoteProblem(q('A', 100, 101, -1, 9), T, STALE)).toBe('one-sided');
    expect(legQuoteProblem(q('A', 100, 101, 7, Number.NaN), T, STALE)).toBe('one-sided');
  });

  it('is crossed when bid > ask and when bid = ask (locked)', () => {
    expect(legQuoteProblem(q('A', 102, 101, 7, 9), T, STALE)).toBe('crossed');
    expect(legQuoteProblem(q('A', 101, 101, 7, 9), T, STALE)).toBe('crossed');
  });

  it('is stale only when now − ts is above staleAfterMs', () => {
    expect(legQuoteProblem(A, T + STALE + 1, STALE)).toBe('stale');
    expect(legQuoteProblem(A, T + STALE, STALE)).toBeUndefined();
  });

  it('is undefined for a fresh two-sided book', () => {
    expect(legQuoteProblem(A, T, STALE)).toBeUndefined();
  });

  it('reports one-sided before crossed, and crossed before stale', () => {
    expect(legQuoteProblem(q('A', 102, 101, 0, 9), T, STALE)).toBe('one-sided');
    expect(legQuoteProblem(q('A', 102, 101, 7, 9), T + STALE + 1, STALE)).toBe('crossed');
  });
});

describe('spreadQuoteInto', () => {
  it('writes the spread quote into the scratch it is given, and leaves it as it was when there is none', () => {
    const out = { bid: -1, bidSize: -1, ask: -1, askSize: -1 };
    expect(spreadQuoteInto(twoToThree, [A, B], T, STALE, out)).toBe(true);
    expect(out).toEqual({ bid: 235, bidSize: 3, ask: 260, askSize: 1 });
    // A stale leg: no spread quote; the last one written stays.
    expect(spreadQuoteInto(oneToOne, [A, q('B', 50, 51, 4, 12, T - STALE - 1)], T, STALE, out)).toBe(false);
    expect(out).toEqual({ bid: 235, bidSize: 3, ask: 260, askSize: 1 });
    expect(spreadQuoteInto(oneToOne, [A, null], T, STALE, out)).toBe(false);
    expect(spreadQuoteInto(oneToOne, [A, B], T, STALE, out)).toBe(true);
    expect(out).toEqual({ bid: 49, bidSize: 7, ask: 51, askSize: 4 });
  });
});
