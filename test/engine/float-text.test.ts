import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Decimal } from '../../src/domain/decimal.js';
import { cents, secondsOfMs } from '../../src/engine/float-text.js';

const centsViaDecimal = (n: number): string => new Decimal(n).toDecimalPlaces(2).toFixed(2);
const secondsViaDecimal = (ms: number): string => new Decimal(ms).div(1000).toFixed(3);

describe('cents and secondsOfMs: floating-point amounts printed as Decimal prints them', () => {
  it('round the number as written half to even, not the binary value: 0.285 → 0.28, 0.295 → 0.30, 2.5 ms → 0.002 s', () => {
    // 0.285 is 0.28499999999999998… in binary, 0.295 is 0.29499999999999998…: Decimal reads "0.285" and "0.295".
    expect(cents(0.285)).toBe('0.28');
    expect(cents(0.295)).toBe('0.30');
    expect((0.295).toFixed(2)).toBe('0.29');
    expect(cents(2472.75)).toBe('2472.75');
    expect(cents(0)).toBe('0.00');
    expect(cents(-0)).toBe('0.00');
    expect(cents(7)).toBe('7.00');
    expect(cents(0.5)).toBe('0.50');
    expect(cents(9.995)).toBe('10.00');
    expect(secondsOfMs(2.5)).toBe('0.002');
    expect(secondsOfMs(3.5)).toBe('0.004');
    expect(secondsOfMs(30909.123)).toBe('30.909');
    expect(secondsOfMs(6761000)).toBe('6761.000');
    expect(secondsOfMs(0)).toBe('0.000');
    // Negative, exponent-written and very large numbers go through the Decimal.
    for (const n of [-0.004, -1.005, 1e-7, 5e-7, 1e13, 1e15, 1e21, NaN, Infinity]) {
      expect(cents(n)).toBe(centsViaDecimal(n));
      expect(secondsOfMs(n)).toBe(secondsViaDecimal(n));
    }
  });

  it('agree with the Decimal for any double, and for amounts written to the half cent and the half millisecond', () => {
    const amount = fc.oneof(
      fc.double({ min: -1e16, max: 1e16, noNaN: true }),
      fc.integer({ min: 0, max: 2_000_000_000 }).map((k) => k / 1000 + 0.0005),
      fc.integer({ min: 0, max: 2_000_000_000 }).map((k) => k / 1000),
      fc.integer({ min: 0, max: 2_000_000_000 }).map((k) => k / 2),
    );
    fc.assert(
      fc.property(amount, (n) => cents(n) === centsViaDecimal(n) && secondsOfMs(n) === secondsViaDecimal(n)),
      { numRuns: 50_000, seed: 14 },
    );
  });
});
