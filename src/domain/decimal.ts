import { Decimal as DecimalJs } from 'decimal.js';

/**
 * Exact decimals for prices and quantities at every edge (config, JSON, CLI, journal).
 * Inside the hot path prices are integer ticks and quantities integer lots; see spread.ts.
 */
export const Decimal = DecimalJs.clone({ precision: 40, rounding: DecimalJs.ROUND_HALF_EVEN });
export type Decimal = InstanceType<typeof Decimal>;
export type DecimalLike = Decimal | string | number;

/** Parses a decimal, or returns undefined when the value is not a finite decimal number. */
export function parseDecimal(value: unknown): Decimal | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  if (typeof value === 'string' && !/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(value.trim())) return undefined;
  try {
    const d = new Decimal(value);
    return d.isFinite() ? d : undefined;
  } catch {
    return undefined;
  }
}

/** Price in integer ticks → Decimal price. */
export function ticksToPrice(ticks: number, tickSize: Decimal): Decimal {
  return tickSize.times(ticks);
}

/** A decimal price → integer ticks, rounding per `mode` ('down' toward −∞, 'up' toward +∞, 'nearest'). */
export function priceToTicks(price: DecimalLike, tickSize: Decimal, mode: 'down' | 'up' | 'nearest' = 'nearest'): number {
  const q = new Decimal(price).div(tickSize);
  const r = mode === 'down' ? q.floor() : mode === 'up' ? q.ceil() : q.toDecimalPlaces(0, Decimal.ROUND_HALF_EVEN);
  return r.toNumber();
}

/** Prints a Decimal as a plain string (no exponent), the form used at every edge. */
export function str(d: Decimal): string {
  return d.toFixed();
}
