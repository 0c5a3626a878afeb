import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Decimal, str } from '../../src/domain/decimal.js';
import { SpreadDefinition } from '../../src/domain/spread.js';
import { ExecutionPrices, ratioOf, type PriceTexts, type Ratio } from '../../src/engine/execution-prices.js';

/** The prices as the execution's Decimal arithmetic makes them. */
function viaDecimal(def: SpreadDefinition, filledLots: number[], notional: number[], units: number, side: 1 | -1, trigger: Decimal | undefined): PriceTexts {
  const avg = def.legs.map((l) => (filledLots[l.index] === 0 ? undefined : new Decimal(notional[l.index]!).div(filledLots[l.index]!).times(l.tickSize)));
  const realized = units > 0 ? def.realized(avg) : undefined;
  const slippage = realized === undefined || trigger === undefined ? undefined : side > 0 ? realized.minus(trigger) : trigger.minus(realized);
  return {
    avgPrices: avg.map((a) => (a === undefined ? null : str(a.toDecimalPlaces(8)))),
    realizedSpread: realized === undefined ? null : str(realized.toDecimalPlaces(8)),
    slippage: slippage === undefined ? null : str(slippage.toDecimalPlaces(8)),
  };
}

const basis = new SpreadDefinition({
  name: 'basis',
  legs: [
    { symbol: 'usdm', tickSize: '0.1', lotSize: '0.001', priceMultiplier: '1', tradingMultiplier: 10 },
    { symbol: 'spot', tickSize: '0.01', lotSize: '0.00001', priceMultiplier: '-1', tradingMultiplier: -1000 },
  ],
});

describe('ExecutionPrices', () => {
  it('prints a basis execution as the Decimal arithmetic does: averages 61818.8 and 61833.1, realized −14.3, slippage −1.7', () => {
    const prices = new ExecutionPrices(basis);
    const trigger = new Decimal('-16');
    const t = prices.texts([-50, 5000], [-50 * 618188, 5000 * 6183310], 5, -1, ratioOf(trigger));
    expect(t).toEqual({ avgPrices: ['61818.8', '61833.1'], realizedSpread: '-14.3', slippage: '-1.7' });
    expect(t).toEqual(viaDecimal(basis, [-50, 5000], [-50 * 618188, 5000 * 6183310], 5, -1, trigger));
    // An average of thirds: 100/3 ticks of 0.1 is 3.33333333 to 8 places.
    expect(prices.texts([3, 0], [100, 0], 0, 1, undefined)).toEqual({ avgPrices: ['3.33333333', null], realizedSpread: null, slippage: null });
  });

  it('gives no texts for a value on a midpoint: the Decimal arithmetic decides those', () => {
    const one = new SpreadDefinition({ name: 'one', legs: [{ symbol: 'x', tickSize: '0.000000001', lotSize: '1', priceMultiplier: '1', tradingMultiplier: 1 }] });
    // 5 ticks of 10^-9 is 0.000000005: halfway between 0.00000000 and 0.00000001.
    expect(new ExecutionPrices(one).texts([1], [5], 1, 1, undefined)).toBeUndefined();
    expect(new ExecutionPrices(one).texts([1], [15], 1, 1, undefined)).toBeUndefined();
    expect(new ExecutionPrices(one).texts([1], [16], 1, 1, undefined)).toEqual({ avgPrices: ['0.00000002'], realizedSpread: '0.00000002', slippage: null });
    expect(new ExecutionPrices(one).texts([1], [2 ** 53], 1, 1, undefined)).toBeUndefined();
  });

  it('gives the Decimal arithmetic\'s texts whenever it gives texts, for any ticks, multipliers, fills and triggers', () => {
    const decimal = (max: number, places: number) => fc.tuple(fc.integer({ min: 1, max }), fc.integer({ min: 0, max: places })).map(([m, e]) => new Decimal(m).div(new Decimal(10).pow(e)));
    const leg = fc.record({ tick: decimal(1000, 7), pm: fc.tuple(decimal(30, 2), fc.boolean()).map(([d, neg]) => (neg ? d.neg() : d)) });
    const fill = fc.oneof(
      fc.tuple(fc.integer({ min: -100_000, max: 100_000 }), fc.integer({ min: -10_000_000, max: 10_000_000 })),
      fc.tuple(fc.integer({ min: -10, max: 10 }), fc.integer({ min: -50, max: 50 })),
      fc.tuple(fc.integer({ min: -1_000_000, max: 1_000_000 }), fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER })),
    );
    const spec = fc.array(fc.tuple(leg, fill), { minLength: 1, maxLength: 4 });
    const trigger = fc.option(fc.tuple(fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }), fc.integer({ min: 0, max: 9 })).map(([m, e]) => new Decimal(m).div(new Decimal(10).pow(e))));
    let given = 0;
    let runs = 0;
    let spreads = 0;
    fc.assert(
      fc.property(spec, fc.integer({ min: 0, max: 3 }), fc.constantFrom(1 as const, -1 as const), trigger, (legs, units, side, t) => {
        let def: SpreadDefinition;
        try {
          def = new SpreadDefinition({
            name: 's',
            legs: legs.map(([l], i) => ({ symbol: `l${i}`, tickSize: l.tick.toFixed(), lotSize: '1', priceMultiplier: l.pm.toFixed(), tradingMultiplier: l.pm.isNegative() ? -1 : 1 })),
          });
        } catch {
          return true; // a spread a config could not give (too many decimal places, too large a factor)
        }
        spreads++;
        const lots = legs.map(([, [q]]) => q);
        const notional = legs.map(([, [q, p]]) => q * p);
        if (notional.every(Number.isSafeInteger)) runs++;
        const got = new ExecutionPrices(def).texts(lots, notional, units, side, t === null ? undefined : (ratioOf(t) as Ratio));
        if (got === undefined) return true;
        if (notional.every(Number.isSafeInteger)) given++;
        expect(got).toEqual(viaDecimal(def, lots, notional, units, side, t === null ? undefined : t));
        return true;
      }),
      { numRuns: 20_000, seed: 14 },
    );
    // With safe notionals the integers decide almost every case (the rest: on or next to a midpoint).
    expect(spreads).toBeGreaterThan(10_000);
    expect(given / runs).toBeGreaterThan(0.9);
  });

  it('agrees with the Decimal arithmetic next to midpoints too', () => {
    // Averages a hair either side of x.xxxxxxxx5: notional / lots with lots of many digits.
    const one = new SpreadDefinition({ name: 'one', legs: [{ symbol: 'x', tickSize: '0.00000001', lotSize: '1', priceMultiplier: '1', tradingMultiplier: 1 }] });
    const prices = new ExecutionPrices(one);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000_000 }), fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: -3, max: 3 }), (k, lots, nudge) => {
        // (k + 1/2) ticks, nudged by a few lots' worth of a tick: notional = (2k + 1) lots / 2 + nudge.
        const notional = Math.round(((2 * k + 1) * lots) / 2) + nudge;
        if (!Number.isSafeInteger(notional)) return true;
        const got = prices.texts([lots], [notional], 1, 1, undefined);
        if (got !== undefined) expect(got).toEqual(viaDecimal(one, [lots], [notional], 1, 1, undefined));
        return true;
      }),
      { numRuns: 20_000, seed: 14 },
    );
  });
});
