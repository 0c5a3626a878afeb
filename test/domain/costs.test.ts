import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { amountDecimal, fillFee, fillNotional, legFillFee, legFixedFee, type FeeSchedule } from '../../src/domain/costs.js';
import { Decimal } from '../../src/domain/decimal.js';

const instrument = (tickSize: string, lotSize: string, contractMultiplier: string) => ({
  tickSize: new Decimal(tickSize),
  lotSize: new Decimal(lotSize),
  contractMultiplier: new Decimal(contractMultiplier),
});
/** The notional multiplied out, factor by factor. */
const multiplied = (i: ReturnType<typeof instrument>, lots: number, ticks: number): Decimal => i.tickSize.times(ticks).times(i.lotSize).times(lots).times(i.contractMultiplier);

describe('fillNotional and legFillFee', () => {
  it('a fill notional is tickSize × ticks × lotSize × lots × contractMultiplier: 5 lots of ES at 1700.25 are 425062.5', () => {
    expect(fillNotional(instrument('0.25', '1', '50'))(5, 6801).toFixed()).toBe('425062.5');
    expect(fillNotional(instrument('0.01', '0.00001', '1'))(5000, 6183310).toFixed()).toBe('3091.655');
    // Half ticks (an adopted position booked at a mid) and sizes of many digits are multiplied out.
    expect(fillNotional(instrument('0.1', '0.001', '1'))(3, 10001.5).toFixed()).toBe('3.00045');
    const long = instrument('0.123456789012', '0.000123456789012', '1.23456789012');
    expect(fillNotional(long)(7, 123457).eq(multiplied(long, 7, 123457))).toBe(true);
  });

  it('gives the very Decimal of the product multiplied out, for any sizes, lots and ticks', () => {
    // Sizes of up to 15 digits too, so that three of them and a fill need more than 40.
    const size = fc
      .tuple(fc.oneof(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 999_999_999_999_999 })), fc.integer({ min: -12, max: 2 }))
      .map(([m, e]) => new Decimal(m).times(new Decimal(10).pow(e)).toFixed());
    const fill = fc.oneof(
      fc.tuple(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: -10_000_000, max: 100_000_000 })),
      fc.tuple(fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: 100_000_000, max: 900_000_000 })),
      fc.tuple(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER })),
    );
    fc.assert(
      fc.property(size, size, size, fill, (t, l, m, [q, p]) => {
        const i = instrument(t, l, m);
        const a = fillNotional(i)(q, p);
        const b = multiplied(i, q, p);
        return a.eq(b) && a.toFixed() === b.toFixed();
      }),
      { numRuns: 20_000, seed: 14 },
    );
  });

  it('a leg fee is the fee of fillFee, maker and taker, bps and per lot: the same Decimal', () => {
    const fees: FeeSchedule = {
      maker: { perLot: new Decimal('0.5'), bps: new Decimal('-0.25') },
      taker: { perLot: new Decimal('2.25'), bps: new Decimal('5') },
    };
    const i = instrument('0.1', '0.001', '1');
    const fee = legFillFee(fees, i);
    // Taker: 2.25 × 50 + 5 bps of 50 lots of 0.001 at 61818.8.
    expect(fee('taker', 50, 618188).toFixed()).toBe('114.04547');
    expect(fee(undefined, 50, 618188).toFixed()).toBe('114.04547');
    expect(fee('maker', 50, 618188).toFixed()).toBe(rate(fees.maker, 50, multiplied(i, 50, 618188)).toFixed());
    for (const [liquidity, lots, ticks] of [['maker', 1, 1], ['taker', 7, -3], [undefined, 1000, 123456789]] as const) {
      expect(fee(liquidity, lots, ticks).toFixed()).toBe(fillFee(fees, liquidity, lots, ticks, i).toFixed());
      expect(fee(liquidity, lots, ticks).toFixed()).toBe(rate(liquidity === 'maker' ? fees.maker : fees.taker, lots, multiplied(i, lots, ticks)).toFixed());
    }
  });
});

describe('legFixedFee', () => {
  it('gives a fill fee as whole 10^-places where it can: 5 bps of 50 lots of 0.001 at 61818.8 are 154547000 × 10^-8', () => {
    const fees: FeeSchedule = { maker: { perLot: new Decimal(0), bps: new Decimal(2) }, taker: { perLot: new Decimal(0), bps: new Decimal(5) } };
    const fee = legFixedFee(fees, instrument('0.1', '0.001', '1'));
    expect(fee('taker', 50, 618188)).toEqual({ units: 154547000, places: 8 });
    expect(fee('maker', 50, 618188)).toEqual({ units: 61818800, places: 8 });
    // 2.25 per lot (CME): cents.
    const es = legFixedFee({ maker: { perLot: new Decimal('2.25'), bps: new Decimal(0) }, taker: { perLot: new Decimal('2.25'), bps: new Decimal(0) } }, instrument('0.25', '1', '50'));
    expect(es(undefined, 5, 6801)).toEqual({ units: 1125, places: 2 });
    // A half tick is fillFee's Decimal.
    expect(amountDecimal(fee('taker', 3, 10001.5)).toFixed()).toBe(fillFee(fees, 'taker', 3, 10001.5, instrument('0.1', '0.001', '1')).toFixed());
    expect(fee('taker', 3, 10001.5)).toBeInstanceOf(Decimal);
  });

  it('is the amount fillFee gives, for any rates, sizes, lots and ticks', () => {
    const decimal = (maxDigits: number) =>
      fc.tuple(fc.integer({ min: -(10 ** maxDigits), max: 10 ** maxDigits }), fc.integer({ min: 0, max: 12 })).map(([m, e]) => new Decimal(m).div(new Decimal(10).pow(e)));
    const feeRate = fc.record({ perLot: fc.oneof(fc.constant(new Decimal(0)), decimal(6)), bps: fc.oneof(fc.constant(new Decimal(0)), decimal(6)) });
    const size = fc
      .tuple(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: -9, max: 2 }))
      .map(([m, e]) => new Decimal(m).times(new Decimal(10).pow(e)).toFixed());
    const fill = fc.oneof(
      fc.tuple(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: -10_000_000, max: 100_000_000 })),
      fc.tuple(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER })),
      fc.tuple(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 1_000_000 }).map((t) => t + 0.5)),
    );
    fc.assert(
      fc.property(feeRate, feeRate, size, size, size, fc.constantFrom('maker' as const, 'taker' as const, undefined), fill, (maker, taker, t, l, m, liquidity, [q, p]) => {
        const fees: FeeSchedule = { maker, taker };
        const i = instrument(t, l, m);
        const a = amountDecimal(legFixedFee(fees, i)(liquidity, q, p));
        const b = rate(liquidity === 'maker' ? maker : taker, q, multiplied(i, q, p));
        return a.eq(b) && a.toFixed() === b.toFixed();
      }),
      { numRuns: 20_000, seed: 14 },
    );
  });
});

/** The fee rule as docs/costs.md writes it: perLot × lots + bps / 10,000 × notional. */
function rate(r: FeeSchedule['maker'], lots: number, notional: Decimal): Decimal {
  return r.perLot.times(lots).plus(notional.times(r.bps).div(10_000));
}
