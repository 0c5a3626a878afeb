import { ConfigError } from './errors.js';
import { Decimal, parseDecimal, type Decimal as D } from './decimal.js';

/** How a leg is given in a config or by a host application. Decimals as strings. */
export interface LegSpec {
  symbol: string;
  /** Minimum price increment, > 0. */
  tickSize: string;
  /** Minimum quantity increment, > 0. Quantities inside Legato are integer lots of this size. */
  lotSize: string;
  /** How the leg's price enters the spread price: S = Σ priceMultiplier·P. */
  priceMultiplier: string;
  /** Signed whole lots of this leg per spread unit; 0 = a price-only leg. Same sign as priceMultiplier. */
  tradingMultiplier: number;
  /** Currency per price point per lot (for PnL and notional). Default 1. */
  contractMultiplier?: string;
}

export interface SpreadSpec {
  name: string;
  legs: LegSpec[];
}

export interface Leg {
  readonly index: number;
  readonly symbol: string;
  readonly tickSize: D;
  readonly lotSize: D;
  readonly priceMultiplier: D;
  readonly tradingMultiplier: number;
  readonly contractMultiplier: D;
  /** Integer: priceMultiplier · tickSize · scale, so a spread price in scaled units is Σ factor·ticks. */
  readonly factor: number;
}

/** Largest safe magnitude for a scaled leg factor; keeps Σ factor·ticks below 2^53 for any real price. */
const MAX_FACTOR = 1e9;

/**
 * A validated spread. Spread prices inside the engine are integers in units of 1/scale, so comparisons
 * against trigger prices are exact with plain numbers; Decimal only at the edges.
 */
export class SpreadDefinition {
  readonly name: string;
  readonly legs: readonly Leg[];
  /** Spread prices are integers in units of 1/scale. */
  readonly scale: number;
  /** The traded legs' trading multipliers (0 for price-only legs), by leg index. */
  readonly tradingMultipliers: readonly number[];

  constructor(spec: SpreadSpec, path = 'spread') {
    if (typeof spec !== 'object' || spec === null) throw new ConfigError(path, 'must be an object', spec);
    if (typeof spec.name !== 'string' || spec.name.trim() === '') throw new ConfigError(`${path}.name`, 'must be a non-empty string', spec.name);
    if (!/^[A-Za-z0-9_.-]+$/.test(spec.name)) throw new ConfigError(`${path}.name`, 'may hold only letters, digits, "_", "." and "-"', spec.name);
    if (!Array.isArray(spec.legs) || spec.legs.length === 0) throw new ConfigError(`${path}.legs`, 'must list at least one leg', spec.legs);
    const seen = new Set<string>();
    const parsed = spec.legs.map((l, i) => {
      const p = `${path}.legs[${i}]`;
      if (typeof l !== 'object' || l === null) throw new ConfigError(p, 'must be an object', l);
      if (typeof l.symbol !== 'string' || l.symbol.trim() === '') throw new ConfigError(`${p}.symbol`, 'must be a non-empty string', l.symbol);
      if (seen.has(l.symbol)) throw new ConfigError(`${p}.symbol`, 'is listed twice in this spread', l.symbol);
      seen.add(l.symbol);
      const tickSize = positive(l.tickSize, `${p}.tickSize`);
      const lotSize = positive(l.lotSize, `${p}.lotSize`);
      const contractMultiplier = l.contractMultiplier === undefined ? new Decimal(1) : positive(l.contractMultiplier, `${p}.contractMultiplier`);
      const pm = parseDecimal(l.priceMultiplier);
      if (!pm) throw new ConfigError(`${p}.priceMultiplier`, 'must be a decimal number', l.priceMultiplier);
      const tm = l.tradingMultiplier;
      if (typeof tm !== 'number' || !Number.isSafeInteger(tm)) throw new ConfigError(`${p}.tradingMultiplier`, 'must be a whole number of lots per spread unit', tm);
      if (tm !== 0 && pm.isZero()) throw new ConfigError(`${p}.priceMultiplier`, 'must be non-zero for a traded leg (tradingMultiplier is not 0)', l.priceMultiplier);
      if (tm !== 0 && Math.sign(tm) !== pm.s) throw new ConfigError(`${p}.tradingMultiplier`, `must have the same sign as priceMultiplier (${pm.toFixed()})`, tm);
      if (tm === 0 && pm.isZero()) throw new ConfigError(`${p}`, 'has priceMultiplier 0 and tradingMultiplier 0: it neither prices nor trades', l.symbol);
      return { symbol: l.symbol, tickSize, lotSize, pm, tm, contractMultiplier };
    });
    if (parsed.every((l) => l.tm === 0)) throw new ConfigError(`${path}.legs`, 'every tradingMultiplier is 0: nothing to trade');
    const places = Math.max(0, ...parsed.map((l) => l.pm.times(l.tickSize).decimalPlaces()));
    if (places > 9) throw new ConfigError(`${path}.legs`, 'priceMultiplier × tickSize needs more than 9 decimal places');
    this.scale = 10 ** places;
    this.name = spec.name;
    this.legs = parsed.map((l, index) => {
      const factor = l.pm.times(l.tickSize).times(this.scale).toNumber();
      if (Math.abs(factor) > MAX_FACTOR) throw new ConfigError(`${path}.legs[${index}].priceMultiplier`, 'priceMultiplier × tickSize is too large for exact spread prices', l.pm.toFixed());
      return {
        index,
        symbol: l.symbol,
        tickSize: l.tickSize,
        lotSize: l.lotSize,
        priceMultiplier: l.pm,
        tradingMultiplier: l.tm,
        contractMultiplier: l.contractMultiplier,
        factor,
      };
    });
    this.tradingMultipliers = this.legs.map((l) => l.tradingMultiplier);
  }

  /** A decimal spread price → scaled integer, rounding down or up (triggers round toward the safe side). */
  toScaled(price: string | D, mode: 'down' | 'up'): number {
    const q = new Decimal(price).times(this.scale);
    return (mode === 'down' ? q.floor() : q.ceil()).toNumber();
  }

  /** Scaled integer spread price → Decimal. */
  fromScaled(scaled: number): D {
    return new Decimal(scaled).div(this.scale);
  }

  /** The spread price implied by one price per leg (in ticks), as a scaled integer. */
  priceOf(legTicks: readonly number[]): number {
    let s = 0;
    for (let i = 0; i < this.legs.length; i++) s += this.legs[i]!.factor * legTicks[i]!;
    return s;
  }

  /** Realized spread Σ pm·avgPrice from per-leg average prices (Decimal); undefined when a priced leg has none. */
  realized(avgPrices: readonly (D | undefined)[]): D | undefined {
    let s = new Decimal(0);
    for (const leg of this.legs) {
      const p = avgPrices[leg.index];
      if (p === undefined) return undefined;
      s = s.plus(leg.priceMultiplier.times(p));
    }
    return s;
  }

  /** The side a leg trades on when the spread is bought (+1) or sold (−1): +1 buy, −1 sell, 0 none. */
  legSide(legIndex: number, spreadSide: 1 | -1): -1 | 0 | 1 {
    return (Math.sign(this.legs[legIndex]!.tradingMultiplier) * spreadSide + 0) as -1 | 0 | 1;
  }
}

function positive(value: unknown, path: string): D {
  const d = parseDecimal(value);
  if (!d) throw new ConfigError(path, 'must be a decimal number', value);
  if (!d.isPositive() || d.isZero()) throw new ConfigError(path, 'must be greater than 0', value);
  return d;
}
