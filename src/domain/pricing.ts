import type { LegQuote } from './quote.js';

/**
 * The price (in ticks) at which the active leg must trade for the spread to come out at `limit`, when
 * every other traded or priced leg trades at its far touch (where it would be hedged at once).
 * `factors` are the definition's scaled leg factors (priceMultiplier · tickSize · scale); `side` is +1
 * to buy the spread, −1 to sell it. Rounded to the safe side, so the spread is at or better than the limit.
 * Undefined when a needed leg has no book.
 */
export function impliedActivePrice(
  factors: readonly number[],
  side: 1 | -1,
  activeLeg: number,
  limit: number,
  legs: readonly (LegQuote | null)[],
): number | undefined {
  let rest = 0;
  for (let i = 0; i < factors.length; i++) {
    if (i === activeLeg) continue;
    const f = factors[i]!;
    if (f === 0) continue;
    const q = legs[i];
    if (!q) return undefined;
    // Buying the spread buys positive-factor legs (at the ask) and sells negative ones (at the bid).
    const buysLeg = side * Math.sign(f) > 0;
    rest += f * (buysLeg ? q.ask : q.bid);
  }
  const fa = factors[activeLeg]!;
  const x = (limit - rest) / fa;
  // Buying the spread wants the spread ≤ limit: with a positive factor that caps the price (floor).
  return (side > 0) === (fa > 0) ? Math.floor(x) : Math.ceil(x);
}
