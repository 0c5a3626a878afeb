import { Decimal } from '../domain/decimal.js';

/*
 * Amounts the algos measure in floating point (notionals, notional·ms), printed with a fixed number of decimals as
 * Decimal prints them, without building a Decimal. A Decimal made from a number holds the number's shortest text
 * (String(n)) exactly, and rounds it half to even; so rounding that text's digits half to even gives the same
 * digits. A tie is a 5 with nothing after it: the shortest text of a number never ends in a fractional 0. Numbers
 * whose text has an exponent, negative ones, and ones too large for the rounded digits to be a safe integer go
 * through the Decimal.
 */

/** Currency to the cent: `new Decimal(n).toDecimalPlaces(2).toFixed(2)`. */
export function cents(n: number): string {
  const text = String(n);
  if (!(n >= 0 && n < 1e13) || text.includes('e')) return new Decimal(n).toDecimalPlaces(2).toFixed(2);
  const hundredths = roundedDigits(text, 2);
  const part = hundredths % 100;
  return `${(hundredths - part) / 100}.${part < 10 ? '0' : ''}${part}`;
}

/** Milliseconds as seconds to the millisecond: `new Decimal(ms).div(1000).toFixed(3)`. */
export function secondsOfMs(ms: number): string {
  const text = String(ms);
  if (!(ms >= 0 && ms < 1e15) || text.includes('e')) return new Decimal(ms).div(1000).toFixed(3);
  const whole = roundedDigits(text, 0);
  const part = whole % 1000;
  return `${(whole - part) / 1000}.${part < 10 ? '00' : part < 100 ? '0' : ''}${part}`;
}

/** The digits of a plain non-negative decimal text up to `places` decimals, rounded half to even, as an integer. */
function roundedDigits(text: string, places: number): number {
  const dot = text.indexOf('.');
  if (dot < 0) return Number(text) * 10 ** places;
  const decimals = text.length - dot - 1;
  if (decimals <= places) return Number(text.slice(0, dot) + text.slice(dot + 1).padEnd(places, '0'));
  const kept = Number(text.slice(0, dot) + text.slice(dot + 1, dot + 1 + places));
  const next = text.charCodeAt(dot + 1 + places) - 48;
  return next > 5 || (next === 5 && (decimals > places + 1 || kept % 2 === 1)) ? kept + 1 : kept;
}
