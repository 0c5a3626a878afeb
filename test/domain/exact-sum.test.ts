import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { amountDecimal, type Amount } from '../../src/domain/costs.js';
import { Decimal } from '../../src/domain/decimal.js';
import { ExactSum, Ledger, type LedgerInstrument } from '../../src/domain/ledger.js';

/** What ExactSum must equal: each amount added to a Decimal in turn, from 0. */
const oneByOne = (amounts: readonly Amount[]): Decimal => amounts.reduce<Decimal>((sum, a) => sum.plus(amountDecimal(a)), new Decimal(0));
const sumOf = (amounts: readonly Amount[]): ExactSum => {
  const s = new ExactSum();
  for (const a of amounts) s.add(a);
  return s;
};

const fixed = fc.record({ units: fc.oneof(fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }), fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER })), places: fc.integer({ min: 0, max: 24 }) });
/** Decimals of up to 45 digits, some past what 40 digits hold: sums of them round. */
const decimal = fc
  .tuple(fc.bigInt({ min: -(10n ** 45n), max: 10n ** 45n }), fc.integer({ min: -10, max: 40 }))
  .map(([digits, places]) => new Decimal(digits.toString()).div(new Decimal(10).pow(places)));

describe('ExactSum', () => {
  it('sums fixed amounts as one integer in the finest unit: 1.5 + 0.25 − 2 = −0.25', () => {
    const s = sumOf([{ units: 15, places: 1 }, { units: 25, places: 2 }, { units: -2, places: 0 }]);
    expect(s.value.toFixed()).toBe('-0.25');
    expect(s.fixed).toEqual({ units: -25, places: 2 });
    expect(sumOf([]).value.toFixed()).toBe('0');
    expect(sumOf([]).fixed).toEqual({ units: 0, places: 0 });
  });

  it('is the Decimal that adding one by one gives, for fixed amounts, Decimals, and sums past 40 digits', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fixed, fixed, decimal), { maxLength: 40 }), (amounts) => {
        const s = sumOf(amounts);
        const want = oneByOne(amounts);
        const f = s.fixed;
        return s.value.eq(want) && s.value.toFixed() === want.toFixed() && (f === undefined || amountDecimal(f).toFixed() === want.toFixed());
      }),
      { numRuns: 5_000, seed: 14 },
    );
  });

  it('past 40 digits rounds as one by one does, amount by amount', () => {
    // 10^40 + 1 rounds to 10^40 (40 digits), and so does every further + 1; in one sum they would make 10^40 + 2.
    const big = new Decimal('1e40');
    const amounts: Amount[] = [big, { units: 1, places: 0 }, { units: 1, places: 0 }];
    expect(sumOf(amounts).value.toFixed()).toBe(oneByOne(amounts).toFixed());
    expect(sumOf(amounts).value.toFixed()).toBe('10000000000000000000000000000000000000000');
  });
});

describe('Ledger with fixed amounts', () => {
  const instrument = (symbol: string, tickSize: string, lotSize: string, contractMultiplier: string): LedgerInstrument => ({
    symbol,
    tickSize: new Decimal(tickSize),
    lotSize: new Decimal(lotSize),
    contractMultiplier: new Decimal(contractMultiplier),
  });
  const instruments = [instrument('S', '0.01', '0.00001', '1'), instrument('P', '0.1', '0.001', '1'), instrument('F', '0.25', '1', '50'), instrument('W', '0.123456789012', '0.000123456789012', '1.23456789012')];

  it('books the cash and fees that Decimal arithmetic fill by fill books', () => {
    const fill = fc.record({
      i: fc.integer({ min: 0, max: instruments.length - 1 }),
      side: fc.constantFrom(1 as const, -1 as const),
      lots: fc.oneof(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })),
      ticks: fc.oneof(fc.integer({ min: -1_000_000, max: 10_000_000 }), fc.integer({ min: 0, max: 2_000_000 }).map((t) => t + 0.5), fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER })),
      fee: fc.oneof(fixed, decimal),
    });
    fc.assert(
      fc.property(fc.array(fill, { maxLength: 30 }), (fills) => {
        const ledger = new Ledger(new Map(instruments.map((i) => [i.symbol, i])));
        let cash = new Decimal(0);
        let fees = new Decimal(0);
        for (const f of fills) {
          const i = instruments[f.i]!;
          ledger.apply(i.symbol, f.side, f.lots, f.ticks);
          ledger.addFee(f.fee);
          const value = i.tickSize.times(f.ticks).times(i.lotSize).times(f.lots).times(i.contractMultiplier);
          cash = f.side > 0 ? cash.minus(value) : cash.plus(value);
          fees = fees.plus(amountDecimal(f.fee));
        }
        // Open legs marked at 0: gross is the cash.
        const gross = ledger.gross(new Map(instruments.map((i) => [i.symbol, new Decimal(0)])));
        return gross.eq(cash) && gross.toFixed() === cash.toFixed() && ledger.fees.toFixed() === fees.toFixed();
      }),
      { numRuns: 3_000, seed: 14 },
    );
  });
});
