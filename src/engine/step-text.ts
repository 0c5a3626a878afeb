import type { Amount } from '../domain/costs.js';
import { Decimal, str } from '../domain/decimal.js';

/** Whole steps of a decimal size as decimal text (see `stepText`). */
export type StepText = (steps: number) => string;

/**
 * Prints whole multiples of a decimal step (ticks × tick size, lots × lot size, a scaled spread price × 1/scale)
 * as `str(step.times(n))` does, without a Decimal: the step is an integer times 10^-places, so n steps are the
 * integer n × that one with the point moved. Exact, hence the same text, while that integer is a safe one; past
 * it (or for a step whose digits make no safe integer, or an n that is not whole) the Decimal does it.
 */
export function stepText(step: Decimal): StepText {
  const places = step.decimalPlaces();
  const unit = step.times(new Decimal(`1e${places}`)).toNumber();
  const viaDecimal: StepText = (n) => str(step.times(n));
  if (!Number.isSafeInteger(unit) || unit <= 0) return viaDecimal;
  return (n) => {
    const whole = n * unit;
    // A product past 2^53 is not exact; rounded, it is 2^53 or more, so it fails this test too.
    if (!Number.isInteger(n) || !Number.isSafeInteger(whole)) return viaDecimal(n);
    // Decimal prints zero, negative zero included, as "0".
    if (places === 0 || whole === 0) return String(whole === 0 ? 0 : whole);
    const digits = String(Math.abs(whole)).padStart(places + 1, '0');
    let end = digits.length;
    while (end > digits.length - places && digits.charCodeAt(end - 1) === 48) end--;
    const point = digits.length - places;
    return (whole < 0 ? '-' : '') + digits.slice(0, point) + (end > point ? `.${digits.slice(point, end)}` : '');
  };
}

/** The text of each number of places (see amountText). */
const placesText: StepText[] = [];

/** An amount of currency as decimal text: `str` of its Decimal (a fixed amount's without making one). */
export function amountText(a: Amount): string {
  if (a instanceof Decimal) return str(a);
  return (placesText[a.places] ??= stepText(new Decimal(`1e-${a.places}`)))(a.units);
}
