import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Decimal, str } from '../../src/domain/decimal.js';
import { stepText } from '../../src/engine/step-text.js';

const viaDecimal = (step: string, n: number): string => str(new Decimal(step).times(n));

describe('stepText: whole steps of a decimal size as decimal text', () => {
  it('prints ticks and lots as str(step × n) does: no exponent, no trailing zeros, no negative zero', () => {
    expect(stepText(new Decimal('0.1'))(618188)).toBe('61818.8');
    expect(stepText(new Decimal('0.01'))(6183310)).toBe('61833.1');
    expect(stepText(new Decimal('0.00001'))(-1)).toBe('-0.00001');
    expect(stepText(new Decimal('0.00001'))(5000)).toBe('0.05');
    expect(stepText(new Decimal('0.25'))(-7)).toBe('-1.75');
    expect(stepText(new Decimal('50'))(3)).toBe('150');
    expect(stepText(new Decimal('1e-9'))(1)).toBe('0.000000001');
    expect(stepText(new Decimal('0.1'))(0)).toBe('0');
    expect(stepText(new Decimal('0.1'))(-0)).toBe('0');
    expect(stepText(new Decimal('0.1'))(Number.MAX_SAFE_INTEGER)).toBe('900719925474099.1');
    // Past a safe integer, and for a step of more digits than a safe integer holds, the Decimal prints it.
    expect(stepText(new Decimal('0.1'))(2 ** 60)).toBe(viaDecimal('0.1', 2 ** 60));
    expect(stepText(new Decimal('0.12345678901234567'))(3)).toBe('0.37037036703703701');
    // An n that is not whole: 3 × (1/3) is 1 as a double, not as the Decimal of 1/3's text.
    expect(stepText(new Decimal('3'))(1 / 3)).toBe(viaDecimal('3', 1 / 3));
    expect(stepText(new Decimal('3'))(1 / 3)).toBe('0.9999999999999999');
  });

  it('agrees with str(step × n) for any step a config can give and any n: whole, half, or any double', () => {
    const step = fc
      .tuple(fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: -12, max: 3 }))
      .map(([m, e]) => new Decimal(m).times(new Decimal(10).pow(e)).toFixed());
    const n = fc.oneof(
      fc.integer({ min: -10_000_000, max: 10_000_000 }),
      fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
      fc.integer({ min: -1_000_000, max: 1_000_000 }).map((k) => k + 0.5),
      fc.double({ min: -1e6, max: 1e6, noNaN: true }),
    );
    fc.assert(
      fc.property(step, n, (s, x) => stepText(new Decimal(s))(x) === viaDecimal(s, x)),
      { numRuns: 20_000, seed: 14 },
    );
  });
});
