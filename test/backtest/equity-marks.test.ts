import { describe, expect, it } from 'vitest';
import { EquityTrace } from '../../src/backtest/analytics.js';
import { Decimal } from '../../src/domain/decimal.js';

/**
 * The recorder hands a trace to `settle` at the end of an instant only when `mark` says a point waits: a
 * held leg's mark moved. Quotes of legs not held, or at an unchanged mid, leave nothing to settle.
 */
describe('EquityTrace.mark says whether a point waits for settle', () => {
  it('false while flat or unchanged, true once a held leg’s mark moves, false again after settle', () => {
    const trace = new EquityTrace([{ symbol: 'X', value: new Decimal(1) }, { symbol: 'Y', value: new Decimal(2) }], 0, 10_000);
    expect(trace.mark(0, 100, 0, true)).toBe(false); // nothing held: marks move, no point
    expect(trace.mark(1, 50.5, 0, true)).toBe(false);
    trace.settle(0);
    trace.fill(0, 1, new Decimal(-100), new Decimal(0), 10); // long 1 X at 100
    expect(trace.evaluated).toBe(1);
    expect(trace.mark(1, 51, 20, true)).toBe(false); // Y is not held
    expect(trace.mark(0, 100, 20, true)).toBe(false); // X unchanged
    expect(trace.mark(0, 101, 20, true)).toBe(true); // X held and moved: one point waits
    expect(trace.mark(0, 101, 20, true)).toBe(true); // still waiting, whatever this quote did
    expect(trace.evaluated).toBe(1);
    trace.settle(20);
    expect(trace.evaluated).toBe(2);
    expect(trace.mark(0, 102, 30)).toBe(false); // without `more`: evaluated at once, nothing waits
    expect(trace.evaluated).toBe(3);
    const curve = trace.curve(40);
    expect(curve.points.map((p) => [p.at, p.equity])).toEqual([
      [0, '0'],
      [10, '0'],
      [20, '1'],
      [30, '2'],
      [40, '2'],
    ]);
  });
});
