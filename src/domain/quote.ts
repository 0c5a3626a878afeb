import type { SpreadDefinition } from './spread.js';

/**
 * Level 1 of one instrument, in integer ticks and integer lots. A side with size 0 is absent.
 * `ts` is when the venue published it (ms since the epoch).
 */
export interface LegQuote {
  readonly symbol: string;
  readonly bid: number;
  readonly bidSize: number;
  readonly ask: number;
  readonly askSize: number;
  readonly ts: number;
  /**
   * Another quote with this same `ts` follows at once (a replay of rows stamped alike, see
   * docs/fill-model.md): a consumer that decides on the legs together updates its state but waits for the
   * instant to complete. Absent on every other quote.
   */
  readonly more?: true;
}

/** Spread level 1: prices in the definition's scaled units, sizes in whole spread units. */
export interface SpreadQuote {
  readonly bid: number;
  readonly bidSize: number;
  readonly ask: number;
  readonly askSize: number;
}

/** What a machine sees of the market: the spread quote when there is one, and each leg's usable book. */
export interface MarketView {
  readonly at: number;
  readonly spread: SpreadQuote | null;
  /** Per leg index: the leg's book when usable (two-sided, not crossed, fresh), else null. */
  readonly legs: readonly (LegQuote | null)[];
}

export type LegQuoteProblem = 'missing' | 'one-sided' | 'crossed' | 'stale';

/** Why a leg's quote cannot be used now, or undefined when it can. Crossed includes locked (bid = ask). */
export function legQuoteProblem(q: LegQuote | undefined, now: number, staleAfterMs: number): LegQuoteProblem | undefined {
  if (!q) return 'missing';
  if (!(q.bidSize > 0) || !(q.askSize > 0)) return 'one-sided';
  if (q.bid >= q.ask) return 'crossed';
  if (now - q.ts > staleAfterMs) return 'stale';
  return undefined;
}

/** A spread quote a caller writes into and reads again (`spreadQuoteInto`). */
export interface SpreadQuoteScratch {
  bid: number;
  bidSize: number;
  ask: number;
  askSize: number;
}

/**
 * The spread quote from the legs' quotes (by leg index). The bid is what a seller of the spread gets:
 * the bid of each positive-multiplier leg and the ask of each negative one; the ask mirrors it.
 * Size is the minimum over traded legs of floor(size on that side / |trading multiplier|).
 * Null while any leg is missing, one-sided, crossed or older than `staleAfterMs`, or when size is 0.
 */
export function spreadQuote(def: SpreadDefinition, legs: readonly (LegQuote | undefined)[], now: number, staleAfterMs: number): SpreadQuote | null {
  const out = { bid: 0, bidSize: 0, ask: 0, askSize: 0 };
  return spreadQuoteInto(def, legs, now, staleAfterMs, out) ? out : null;
}

/**
 * `spreadQuote` written into `out`, allocating nothing: true when there is a spread quote (then `out` holds it),
 * false when `spreadQuote` would be null (then `out` is left as it was). For a caller that asks on every quote and
 * keeps the answer only now and then (the market-view stage).
 */
export function spreadQuoteInto(def: SpreadDefinition, legs: readonly (LegQuote | null | undefined)[], now: number, staleAfterMs: number, out: SpreadQuoteScratch): boolean {
  let bid = 0;
  let ask = 0;
  let bidSize = Infinity;
  let askSize = Infinity;
  for (const leg of def.legs) {
    const q = legs[leg.index] ?? undefined;
    if (legQuoteProblem(q, now, staleAfterMs) !== undefined) return false;
    const f = leg.factor;
    bid += f > 0 ? f * q!.bid : f * q!.ask;
    ask += f > 0 ? f * q!.ask : f * q!.bid;
    const tm = leg.tradingMultiplier;
    if (tm !== 0) {
      const a = Math.abs(tm);
      // Selling the spread sells positive legs (their bid) and buys negative ones (their ask).
      bidSize = Math.min(bidSize, Math.floor((tm > 0 ? q!.bidSize : q!.askSize) / a));
      askSize = Math.min(askSize, Math.floor((tm > 0 ? q!.askSize : q!.bidSize) / a));
    }
  }
  return writeSpreadQuote(out, bid, bidSize, ask, askSize);
}

/** A spread quote's sums into `out`: true when both sizes are positive (a spread quote), else false and `out` unchanged. */
export function writeSpreadQuote(out: SpreadQuoteScratch, bid: number, bidSize: number, ask: number, askSize: number): boolean {
  if (!(bidSize > 0) || !(askSize > 0)) return false;
  out.bid = bid;
  out.bidSize = bidSize;
  out.ask = ask;
  out.askSize = askSize;
  return true;
}
