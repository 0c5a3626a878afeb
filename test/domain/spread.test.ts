import { describe, it, expect } from 'vitest';
import { Decimal } from '../../src/domain/decimal.js';
import { ConfigError, LegatoError } from '../../src/domain/errors.js';
import { SpreadDefinition, type LegSpec, type SpreadSpec } from '../../src/domain/spread.js';

const legA = (over: Partial<LegSpec> = {}): LegSpec => ({
  symbol: 'A',
  tickSize: '1',
  lotSize: '1',
  priceMultiplier: '1',
  tradingMultiplier: 1,
  ...over,
});
const legB = (over: Partial<LegSpec> = {}): LegSpec => ({
  symbol: 'B',
  tickSize: '1',
  lotSize: '1',
  priceMultiplier: '-1',
  tradingMultiplier: -1,
  ...over,
});
const spec = (legs: LegSpec[], name = 'A-B'): SpreadSpec => ({ name, legs });

/** The ConfigError a call throws; fails the test when it throws nothing or something else. */
function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError, but nothing was thrown');
}
const pathOf = (s: SpreadSpec, prefix?: string): string =>
  configErrorOf(() => (prefix === undefined ? new SpreadDefinition(s) : new SpreadDefinition(s, prefix))).path;

/** -0 and 0 are the same side; compare them as one value. */
const z = (n: number): number => (n === 0 ? 0 : n);

describe('SpreadDefinition validation', () => {
  it('throws a ConfigError, a LegatoError, whose message names the path, the reason and the value', () => {
    const e = configErrorOf(() => new SpreadDefinition(spec([legA(), legB({ tickSize: '0' })])));
    expect(e).toBeInstanceOf(LegatoError);
    expect(e.name).toBe('ConfigError');
    expect(e.path).toBe('spread.legs[1].tickSize');
    expect(e.value).toBe('0');
    expect(e.message).toBe('spread.legs[1].tickSize: must be greater than 0 (got "0")');
  });

  it.each([
    ['an empty name', ''],
    ['a blank name', '   '],
    ['a name with a space', 'A B'],
    ['a name with a slash', 'A/B'],
    ['a name that is not a string', 42 as unknown as string],
  ])('rejects %s at spread.name', (_label, name) => {
    expect(pathOf(spec([legA(), legB()], name))).toBe('spread.name');
  });

  it('accepts a name of letters, digits, "_", "." and "-"', () => {
    expect(new SpreadDefinition(spec([legA(), legB()], 'ES_H6.calendar-1')).name).toBe('ES_H6.calendar-1');
  });

  it('rejects a spread with no legs at spread.legs', () => {
    expect(pathOf(spec([]))).toBe('spread.legs');
  });

  it('rejects legs that are not an array at spread.legs', () => {
    expect(pathOf({ name: 'x', legs: undefined as unknown as LegSpec[] })).toBe('spread.legs');
  });

  it('rejects a symbol listed twice at the second leg’s symbol', () => {
    expect(pathOf(spec([legA(), legB({ symbol: 'A' })]))).toBe('spread.legs[1].symbol');
  });

  it('rejects an empty symbol at that leg’s symbol', () => {
    expect(pathOf(spec([legA({ symbol: ' ' }), legB()]))).toBe('spread.legs[0].symbol');
  });

  describe.each(['tickSize', 'lotSize', 'contractMultiplier'] as const)('%s', (field) => {
    it.each([
      ['zero', '0'],
      ['negative zero', '-0'],
      ['negative', '-0.5'],
      ['not a decimal', 'abc'],
      ['a fraction', '1/2'],
      ['empty', ''],
      ['Infinity', 'Infinity'],
      ['NaN', 'NaN'],
    ])(`rejects ${field} %s at spread.legs[1].${field}`, (_label, value) => {
      expect(pathOf(spec([legA(), legB({ [field]: value })]))).toBe(`spread.legs[1].${field}`);
    });
  });

  it.each([
    ['a fraction', 1.5],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a string', '-1' as unknown as number],
    ['beyond a safe integer', -(2 ** 53)],
  ])('rejects a tradingMultiplier that is %s at spread.legs[1].tradingMultiplier', (_label, tm) => {
    expect(pathOf(spec([legA(), legB({ tradingMultiplier: tm })]))).toBe('spread.legs[1].tradingMultiplier');
  });

  it('rejects a tradingMultiplier whose sign differs from priceMultiplier at tradingMultiplier', () => {
    expect(pathOf(spec([legA(), legB({ priceMultiplier: '1.5', tradingMultiplier: -1 })]))).toBe('spread.legs[1].tradingMultiplier');
    expect(pathOf(spec([legA({ priceMultiplier: '-1', tradingMultiplier: 1 }), legB()]))).toBe('spread.legs[0].tradingMultiplier');
  });

  it('rejects priceMultiplier 0 on a traded leg at priceMultiplier', () => {
    expect(pathOf(spec([legA(), legB({ priceMultiplier: '0', tradingMultiplier: -1 })]))).toBe('spread.legs[1].priceMultiplier');
  });

  it('rejects a priceMultiplier that is not a decimal at priceMultiplier', () => {
    expect(pathOf(spec([legA(), legB({ priceMultiplier: 'minus one' })]))).toBe('spread.legs[1].priceMultiplier');
  });

  it('rejects a leg with both multipliers 0 at the leg itself', () => {
    expect(pathOf(spec([legA(), legB({ priceMultiplier: '0', tradingMultiplier: 0 })]))).toBe('spread.legs[1]');
  });

  it('rejects a spread whose every tradingMultiplier is 0 at spread.legs', () => {
    expect(pathOf(spec([legA({ tradingMultiplier: 0 }), legB({ tradingMultiplier: 0 })]))).toBe('spread.legs');
  });

  it('rejects priceMultiplier × tickSize with more than 9 decimal places at spread.legs', () => {
    expect(pathOf(spec([legA({ tickSize: '0.0000000001' }), legB()]))).toBe('spread.legs');
  });

  it('rejects a leg factor above 1e9 at that leg’s priceMultiplier', () => {
    expect(pathOf(spec([legA(), legB({ tickSize: '2000000000' })]))).toBe('spread.legs[1].priceMultiplier');
  });

  it('prefixes every path with a custom path', () => {
    const p = 'strategies[0].spread';
    expect(pathOf(spec([legA(), legB({ tickSize: '0' })]), p)).toBe('strategies[0].spread.legs[1].tickSize');
    expect(pathOf(spec([legA(), legB({ lotSize: '-1' })]), p)).toBe('strategies[0].spread.legs[1].lotSize');
    expect(pathOf(spec([legA(), legB({ symbol: 'A' })]), p)).toBe('strategies[0].spread.legs[1].symbol');
    expect(pathOf(spec([]), p)).toBe('strategies[0].spread.legs');
    expect(pathOf(spec([legA(), legB()], ''), p)).toBe('strategies[0].spread.name');
    expect(pathOf(spec([legA(), legB({ priceMultiplier: '0', tradingMultiplier: 0 })]), p)).toBe('strategies[0].spread.legs[1]');
  });
});

describe('SpreadDefinition scale and leg factors', () => {
  it('gives a 1:1 spread with tick 1 scale 1 and factors 1 and −1', () => {
    const d = new SpreadDefinition(spec([legA(), legB()]));
    expect(d.name).toBe('A-B');
    expect(d.scale).toBe(1);
    expect(d.legs.map((l) => l.factor)).toEqual([1, -1]);
    expect(d.legs.map((l) => l.index)).toEqual([0, 1]);
    expect(d.tradingMultipliers).toEqual([1, -1]);
  });

  it('defaults contractMultiplier to 1 and keeps the given decimals exactly', () => {
    const d = new SpreadDefinition(spec([legA({ contractMultiplier: '12.5', lotSize: '0.01' }), legB()]));
    expect(d.legs[0]!.contractMultiplier.toFixed()).toBe('12.5');
    expect(d.legs[0]!.lotSize.toFixed()).toBe('0.01');
    expect(d.legs[1]!.contractMultiplier.toFixed()).toBe('1');
  });

  it('gives tick 0.5 with priceMultipliers 1 and −1.5 scale 100 and factors 50 and −75', () => {
    // 1 × 0.5 = 0.5 and −1.5 × 0.5 = −0.75: two decimal places, so scale 100.
    const d = new SpreadDefinition(spec([legA({ tickSize: '0.5', tradingMultiplier: 2 }), legB({ tickSize: '0.5', priceMultiplier: '-1.5', tradingMultiplier: -3 })]));
    expect(d.scale).toBe(100);
    expect(d.legs.map((l) => l.factor)).toEqual([50, -75]);
    expect(d.tradingMultipliers).toEqual([2, -3]);
  });

  it('gives a price-only leg a factor and tradingMultiplier 0', () => {
    const d = new SpreadDefinition(spec([legA(), legB(), { symbol: 'FX', tickSize: '0.0001', lotSize: '1', priceMultiplier: '100', tradingMultiplier: 0 }]));
    // 100 × 0.0001 = 0.01 → scale 100.
    expect(d.scale).toBe(100);
    expect(d.legs.map((l) => l.factor)).toEqual([100, -100, 1]);
    expect(d.tradingMultipliers).toEqual([1, -1, 0]);
  });
});

describe('SpreadDefinition price conversions', () => {
  const d = new SpreadDefinition(spec([legA({ tickSize: '0.5', tradingMultiplier: 2 }), legB({ tickSize: '0.5', priceMultiplier: '-1.5', tradingMultiplier: -3 })]));

  it('toScaled rounds down toward −∞ and up toward +∞', () => {
    expect(d.toScaled('1.234', 'down')).toBe(123);
    expect(d.toScaled('1.234', 'up')).toBe(124);
    expect(d.toScaled('-1.234', 'down')).toBe(-124);
    expect(d.toScaled('-1.234', 'up')).toBe(-123);
  });

  it('toScaled is exact for a price on the grid, from a string or a Decimal', () => {
    expect(d.toScaled('2.5', 'down')).toBe(250);
    expect(d.toScaled('2.5', 'up')).toBe(250);
    expect(d.toScaled(new Decimal('-0.75'), 'up')).toBe(-75);
    expect(d.toScaled('0.1', 'down')).toBe(10);
  });

  it('fromScaled gives the exact decimal', () => {
    expect(d.fromScaled(250).toFixed()).toBe('2.5');
    expect(d.fromScaled(-75).toFixed()).toBe('-0.75');
    expect(d.fromScaled(123).toFixed()).toBe('1.23');
    expect(d.fromScaled(0).toFixed()).toBe('0');
  });

  it('priceOf sums factor × ticks: A 200 ticks (100), B 130 ticks (65) → 100 − 1.5 × 65 = 2.5', () => {
    expect(d.priceOf([200, 130])).toBe(250);
    expect(d.fromScaled(d.priceOf([200, 130])).toFixed()).toBe('2.5');
    expect(d.priceOf([0, 1])).toBe(-75);
  });

  it('realized sums priceMultiplier × average price exactly', () => {
    expect(d.realized([new Decimal('100.25'), new Decimal('65.1')])!.toFixed()).toBe('2.6');
  });

  it('realized is undefined while a leg has no average price', () => {
    expect(d.realized([new Decimal(100), undefined])).toBeUndefined();
    expect(d.realized([undefined, new Decimal(65)])).toBeUndefined();
    expect(d.realized([new Decimal(100)])).toBeUndefined();
  });

  it('realized includes a price-only leg', () => {
    const withFx = new SpreadDefinition(spec([legA(), legB(), { symbol: 'FX', tickSize: '0.0001', lotSize: '1', priceMultiplier: '100', tradingMultiplier: 0 }]));
    expect(withFx.realized([new Decimal(10), new Decimal(4), new Decimal('1.0832')])!.toFixed()).toBe('114.32');
    expect(withFx.realized([new Decimal(10), new Decimal(4), undefined])).toBeUndefined();
  });
});

describe('SpreadDefinition.legSide', () => {
  const d = new SpreadDefinition(spec([legA({ tradingMultiplier: 2 }), legB({ priceMultiplier: '-1.5', tradingMultiplier: -3 }), { symbol: 'FX', tickSize: '1', lotSize: '1', priceMultiplier: '1', tradingMultiplier: 0 }]));

  it('buys positive legs and sells negative legs when the spread is bought', () => {
    expect(d.legSide(0, 1)).toBe(1);
    expect(d.legSide(1, 1)).toBe(-1);
  });

  it('sells positive legs and buys negative legs when the spread is sold', () => {
    expect(d.legSide(0, -1)).toBe(-1);
    expect(d.legSide(1, -1)).toBe(1);
  });

  it('never trades a price-only leg', () => {
    expect(z(d.legSide(2, 1))).toBe(0);
    expect(z(d.legSide(2, -1))).toBe(0);
  });
});
