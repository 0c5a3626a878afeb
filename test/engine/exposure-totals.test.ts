import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Decimal } from '../../src/domain/decimal.js';
import type { Execution } from '../../src/engine/records.js';
import { ExposureTotals } from '../../src/engine/summary.js';

/** The totals as Decimal arithmetic takes them, execution by execution. */
function reference(executions: readonly Execution[]) {
  let maxNakedNotional = new Decimal(0);
  let notionalSeconds = new Decimal(0);
  const legs: Decimal[] = [];
  for (const e of executions) {
    e.exposure.maxLegNotional.forEach((n, i) => (legs[i] = Decimal.max(legs[i] ?? 0, n)));
    const notional = new Decimal(e.exposure.maxNotional);
    if (notional.gt(maxNakedNotional)) maxNakedNotional = notional;
    notionalSeconds = notionalSeconds.plus(e.exposure.notionalSeconds);
  }
  return { maxNakedNotional, notionalSeconds, legs };
}

const execution = (maxNotional: string, maxLegNotional: string[], notionalSeconds: string): Execution =>
  ({ algoId: 'x/1', strategy: 'x', exposure: { maxLots: maxLegNotional.map(() => 0), maxNotional, maxLegNotional, notionalSeconds, nakedMs: 0 } }) as unknown as Execution;

describe('ExposureTotals', () => {
  it('keeps the largest notionals and sums the notional·seconds: 2472.75 over 0.10, 30.909 + 6761.000 = 6791.909', () => {
    const t = new ExposureTotals();
    t.add(execution('2472.75', ['2472.75', '0.00'], '30.909'));
    t.add(execution('0.10', ['0.10', '0.10'], '6761.000'));
    expect(t.maxNakedNotional.toFixed(2)).toBe('2472.75');
    expect(t.legs.get('x')!.maxNotional.map((m) => m.value.toFixed(2))).toEqual(['2472.75', '0.10']);
    expect(t.notionalSeconds.toFixed(3)).toBe('6791.909');
  });

  it('agrees with Decimal arithmetic for any texts: cents, long decimals, equal doubles, negatives and NaN', () => {
    const cents = fc.double({ min: 0, max: 1e12, noNaN: true }).map((n) => new Decimal(n).toDecimalPlaces(2).toFixed(2));
    // Decimals that one double cannot tell apart: 0.1 and 0.1000000000000000000001.
    const close = fc.integer({ min: 0, max: 5 }).map((k) => `0.1${'0'.repeat(20)}${k}`);
    const long = fc.tuple(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: 0, max: 20 })).map(([d, p]) => new Decimal(d.toString()).div(new Decimal(10).pow(p)).toFixed());
    const text = fc.oneof(cents, cents, close, long, fc.constantFrom('0.00', '-0.00', '-1.5', 'NaN'));
    const seconds = fc.oneof(fc.double({ min: 0, max: 1e12, noNaN: true }).map((n) => new Decimal(n).toFixed(3)), long);
    const exec = fc.tuple(text, fc.array(text, { minLength: 2, maxLength: 2 }), seconds).map(([m, legs, s]) => execution(m, legs, s));
    fc.assert(
      fc.property(fc.array(exec, { maxLength: 25 }), (executions) => {
        const t = new ExposureTotals();
        for (const e of executions) t.add(e);
        const want = reference(executions);
        const legs = t.legs.get('x')?.maxNotional.map((m) => m.value) ?? [];
        return (
          t.maxNakedNotional.toFixed(2) === want.maxNakedNotional.toFixed(2) &&
          t.notionalSeconds.toFixed(3) === want.notionalSeconds.toFixed(3) &&
          legs.length === want.legs.length &&
          legs.every((d, i) => d.toFixed(2) === want.legs[i]!.toFixed(2) && (d.eq(want.legs[i]!) || (d.isNaN() && want.legs[i]!.isNaN())))
        );
      }),
      { numRuns: 5_000, seed: 14 },
    );
  });
});
