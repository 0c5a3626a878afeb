import type { Decimal } from '../domain/decimal.js';
import type { SpreadDefinition } from '../domain/spread.js';

/** n / d, exact (d > 0). */
export interface Ratio {
  readonly n: bigint;
  readonly d: bigint;
}

/** An execution's prices as its record prints them: 8 decimals at most, null where there is none. */
export interface PriceTexts {
  avgPrices: (string | null)[];
  realizedSpread: string | null;
  slippage: string | null;
}

/**
 * An execution's prices (each leg's average fill price, the realized spread Σ priceMultiplier × average, and the
 * slippage from the trigger) rounded to 8 decimals, half to even, from exact ratios of integers: the texts that the
 * execution's Decimal arithmetic prints, without it.
 *
 * The Decimal arithmetic divides, multiplies and adds at 40 significant digits: each step is off by at most half a
 * unit in the 40th digit, so its result is within S × 10^-37 of the exact value, S being the sum of the sizes of the
 * terms that make it, even after a hundred steps. Rounded to 8 decimals, both give the same digits unless the exact
 * value lies within that distance of a midpoint between two 8-decimal numbers, or on one. There `texts` gives
 * undefined and the execution does the Decimal arithmetic instead: on a midpoint (half a tick of 10^-8, say) that
 * happens; near one without being on it takes denominators past about 10^25, which real fills do not have.
 */
export class ExecutionPrices {
  private readonly ticks: readonly Ratio[];
  private readonly priceMultipliers: readonly Ratio[];

  constructor(def: SpreadDefinition) {
    this.ticks = def.legs.map((l) => ratioOf(l.tickSize));
    this.priceMultipliers = def.legs.map((l) => ratioOf(l.priceMultiplier));
  }

  /**
   * The texts for legs that filled `filledLots` (signed) for `notional` (Σ signed lots × price in ticks); the realized
   * spread when `units` > 0 and every leg filled, and the slippage against `trigger` (a buy: realized − trigger, a
   * sell: trigger − realized). Undefined when an integer is not a safe one, or a value is too near a midpoint.
   */
  texts(filledLots: readonly number[], notional: readonly number[], units: number, side: 1 | -1, trigger: Ratio | undefined): PriceTexts | undefined {
    const legs = this.ticks.length;
    const avg: (Ratio | undefined)[] = [];
    const avgPrices: (string | null)[] = [];
    for (let i = 0; i < legs; i++) {
      const lots = filledLots[i]!;
      const n = notional[i]!;
      if (lots === 0) {
        avg.push(undefined);
        avgPrices.push(null);
        continue;
      }
      if (!Number.isSafeInteger(lots) || !Number.isSafeInteger(n)) return undefined;
      // notional / lots × tickSize.
      const tick = this.ticks[i]!;
      const a = lots > 0 ? { n: BigInt(n) * tick.n, d: BigInt(lots) * tick.d } : { n: -BigInt(n) * tick.n, d: -BigInt(lots) * tick.d };
      const text = rounded(a.n, a.d, abs(a.n));
      if (text === undefined) return undefined;
      avg.push(a);
      avgPrices.push(text);
    }
    if (units <= 0 || avg.some((a) => a === undefined)) return { avgPrices, realizedSpread: null, slippage: null };
    // Σ priceMultiplier × average, over one denominator; and Σ |each term|, which bounds the Decimal's error.
    let d = 1n;
    for (let i = 0; i < legs; i++) d *= this.priceMultipliers[i]!.d * avg[i]!.d;
    let n = 0n;
    let size = 0n;
    for (let i = 0; i < legs; i++) {
      const pm = this.priceMultipliers[i]!;
      const a = avg[i]!;
      const term = pm.n * a.n * (d / (pm.d * a.d));
      n += term;
      size += abs(term);
    }
    const realizedSpread = rounded(n, d, size);
    if (realizedSpread === undefined) return undefined;
    if (trigger === undefined) return { avgPrices, realizedSpread, slippage: null };
    const diff = n * trigger.d - trigger.n * d;
    const slippage = rounded(side > 0 ? diff : -diff, d * trigger.d, size * trigger.d + abs(trigger.n) * d + abs(n) * trigger.d);
    if (slippage === undefined) return undefined;
    return { avgPrices, realizedSpread, slippage };
  }
}

/** A finite Decimal as an exact ratio: its digits over a power of ten. */
export function ratioOf(x: Decimal): Ratio {
  const text = x.toFixed();
  const point = text.indexOf('.');
  return point < 0 ? { n: BigInt(text), d: 1n } : { n: BigInt(text.slice(0, point) + text.slice(point + 1)), d: 10n ** BigInt(text.length - point - 1) };
}

const PLACES = 8;
const SCALE = 10n ** BigInt(PLACES);
/** 10^(37 - 8): the Decimal's error bound (|x| × 10^-37) in units of 10^-8. */
const ERROR_DIGITS = 10n ** 29n;

/**
 * n / d (d > 0) to 8 decimals, half to even, as `str` prints it; undefined when a value within size / d × 10^-37 of
 * n / d could round otherwise (n / d on a midpoint, or that near one).
 */
function rounded(n: bigint, d: bigint, size: bigint): string | undefined {
  const x = n * SCALE;
  let q = x / d;
  let r = x % d;
  // BigInt division truncates: make it floor, 0 ≤ r < d.
  if (r < 0n) {
    q -= 1n;
    r += d;
  }
  // The distance from the midpoint is |2r − d| / 2d units of 10^-8; the error bound is size / d × 10^(8 - 37) of them.
  const off = 2n * r - d;
  if (abs(off) * ERROR_DIGITS <= 2n * size) return undefined;
  if (off > 0n) q += 1n;
  return unitsText(q);
}

/** Whole 10^-8 as decimal text: no trailing zeros, no exponent, "0" for zero. */
function unitsText(q: bigint): string {
  if (q === 0n) return '0';
  const negative = q < 0n;
  const digits = (negative ? -q : q).toString().padStart(PLACES + 1, '0');
  const point = digits.length - PLACES;
  let end = digits.length;
  while (end > point && digits.charCodeAt(end - 1) === 48) end--;
  return (negative ? '-' : '') + digits.slice(0, point) + (end > point ? `.${digits.slice(point, end)}` : '');
}

const abs = (x: bigint): bigint => (x < 0n ? -x : x);
