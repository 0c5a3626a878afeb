/**
 * Leg positions and spread positions. Lots are signed integers per leg; a spread unit holds
 * tradingMultiplier lots of each leg. Price-only legs (multiplier 0) are ignored.
 */

/**
 * The hedged spread position: whole units every traded leg holds in the same direction (signed). A traded leg's
 * lots stand for lots / tradingMultiplier units; the engine and the machines ask this on every decision, so it
 * is one pass over the legs, with no array built.
 */
export function hedgedUnits(lots: readonly number[], tms: readonly number[]): number {
  let traded = 0;
  let allLong = true;
  let allShort = true;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < tms.length; i++) {
    const tm = tms[i]!;
    if (tm === 0) continue;
    const u = (lots[i] ?? 0) / tm;
    traded++;
    if (!(u > 0)) allLong = false;
    if (!(u < 0)) allShort = false;
    if (u < min) min = u;
    if (u > max) max = u;
  }
  if (traded === 0) return 0;
  if (allLong) return Math.floor(min);
  // `+ 0` turns Math.ceil's −0 into 0.
  if (allShort) return Math.ceil(max) + 0;
  return 0;
}

/** Per leg, the lots not matched by the hedged spread position (signed). */
export function nakedLots(lots: readonly number[], tms: readonly number[]): number[] {
  const h = hedgedUnits(lots, tms);
  return tms.map((tm, i) => (lots[i] ?? 0) - h * tm);
}

/** Orders unit counts nearest 0 first, and of two as near, the smaller first. */
const nearestZeroFirst = (a: number, b: number): number => Math.abs(a) - Math.abs(b) || a - b;

/** Σ |lots_i − k·tm_i|·w_i over the traded legs, in leg order; w_i is |weights_i| (1 without weights), or 1/|tm_i| with `perUnit`. */
function deviationCost(lots: readonly number[], tms: readonly number[], weights: readonly number[] | undefined, perUnit: boolean, k: number): number {
  let c = 0;
  for (let i = 0; i < tms.length; i++) {
    const tm = tms[i]!;
    if (tm === 0) continue;
    c += Math.abs((lots[i] ?? 0) - k * tm) * (perUnit ? 1 / Math.abs(tm) : Math.abs(weights?.[i] ?? 1));
  }
  return c;
}

/** `legDeviation`, its weights given either as an array or as 1/|tm| per leg (`perUnit`, with no array built). */
function deviation(lots: readonly number[], tms: readonly number[], weights: readonly number[] | undefined, perUnit: boolean): number[] {
  // The cost is convex and piecewise linear in k with breakpoints at lots_i / tm_i, so the integer
  // minimisers nearest 0 are among 0 and the integers either side of a breakpoint (each once, in first-seen order).
  const candidates = [0];
  for (let i = 0; i < tms.length; i++) {
    const tm = tms[i]!;
    if (tm === 0) continue;
    const b = (lots[i] ?? 0) / tm;
    const down = Math.floor(b) + 0;
    const up = Math.ceil(b) + 0;
    if (!candidates.includes(down)) candidates.push(down);
    if (!candidates.includes(up)) candidates.push(up);
  }
  let best = 0;
  let bestCost = deviationCost(lots, tms, weights, perUnit, 0);
  // Nearest 0 first, so a tie keeps the smaller |k| (by convexity, k and −k tie only if 0 ties too).
  candidates.sort(nearestZeroFirst);
  for (const k of candidates) {
    const c = deviationCost(lots, tms, weights, perUnit, k);
    // Float weights: a difference below rounding noise is a tie.
    if (c < bestCost - 1e-9 * Math.max(1, bestCost)) {
      best = k;
      bestCost = c;
    }
  }
  return tms.map((tm, i) => (tm === 0 ? 0 : (lots[i] ?? 0) - best * tm + 0));
}

/**
 * Per leg, the signed lots away from the NEAREST balanced position (the exposure metric; the hedge logic
 * uses `nakedLots`). The balanced positions are k·tm for integer k; k minimises Σ |lots_i − k·tm_i|·w_i,
 * w_i being a per-lot weight (e.g. notional per lot; 1 each by default), ties going to the k nearest 0.
 * Price-only legs (tm 0) are ignored and get 0. With tms [−3, 2, 1], lots [−2, 2, 1] are one unit with
 * the first leg 1 lot short of it: [1, 0, 0] (nakedLots, which rounds whole units toward 0, says [−2, 2, 1]).
 */
export function legDeviation(lots: readonly number[], tms: readonly number[], weights?: readonly number[]): number[] {
  return deviation(lots, tms, weights, false);
}

/**
 * Leg-out exposure: per leg, the signed lots away from the nearest balanced position, each leg's distance counted
 * in its own spread units (lots / |trading multiplier|). Independent of prices, so the attribution never flips
 * with the market; on a two-leg spread the leg that filled is the naked one (a tie goes to the position nearest
 * flat). Ratio spreads get the nearest whole position: −2/+2/+1 on −3:2:1 is one lot off on the first leg.
 */
export function nakedDeviation(lots: readonly number[], tms: readonly number[]): number[] {
  // The weights 1/|tm| (legDeviation's weights, computed per leg instead of in an array).
  return deviation(lots, tms, undefined, true);
}

/** True when every traded leg holds the same whole number of spread units (every leg's `nakedLots` is 0). */
export function isBalanced(lots: readonly number[], tms: readonly number[]): boolean {
  const h = hedgedUnits(lots, tms);
  for (let i = 0; i < tms.length; i++) if ((lots[i] ?? 0) - h * tms[i]! !== 0) return false;
  return true;
}

export type HedgeRounding = 'nearest' | 'down' | 'up';

export interface HedgePlanInput {
  /** Signed filled lots per leg, in this execution. */
  readonly filled: readonly number[];
  /** Signed lots still working at the venue per leg. */
  readonly working: readonly number[];
  readonly tradingMultipliers: readonly number[];
  /** +1 buying the spread, −1 selling it. */
  readonly side: 1 | -1;
  readonly activeLeg: number;
  /** True while the active leg is still being worked; false once it is done (filled, stopped). */
  readonly entryOpen: boolean;
  /** How a fill that is not a whole spread unit is hedged while the entry is open. */
  readonly rounding: HedgeRounding;
}

/** Spread units a leg's fills make, in the algo's direction (0 for a price-only leg). */
function progress(filled: readonly number[], tms: readonly number[], side: 1 | -1, leg: number): number {
  return tms[leg] === 0 ? 0 : (filled[leg] ?? 0) / (side * tms[leg]!);
}

/**
 * The signed lots to send now per leg so that the hedge follows the active leg.
 * While the entry is open, passive legs follow the active leg's filled units, rounded per `rounding`
 * (the remainder is carried to the next fill). Once the entry is closed every leg, the active one
 * included, is completed up to the next whole spread unit, so an execution never ends with a
 * fraction of a unit. Lots already working count as sent. Never returns lots that reduce a leg.
 */
export function hedgeNeeds(p: HedgePlanInput): number[] {
  const { filled, working, tradingMultipliers: tms, side, activeLeg, entryOpen } = p;
  let units: number;
  if (entryOpen) {
    const a = progress(filled, tms, side, activeLeg);
    units = p.rounding === 'down' ? Math.floor(a) : p.rounding === 'up' ? Math.ceil(a) : Math.floor(a + 0.5);
  } else {
    let max = 0;
    for (let i = 0; i < tms.length; i++) max = Math.max(max, progress(filled, tms, side, i));
    units = Math.ceil(max);
  }
  return tms.map((tm, i) => {
    if (tm === 0 || (entryOpen && i === activeLeg)) return 0;
    const need = units * side * tm - (filled[i] ?? 0) - (working[i] ?? 0);
    return Math.sign(need) === Math.sign(side * tm) ? need : 0;
  });
}

/**
 * The signed lots to send per leg to unwind down to the hedged position: every leg is brought back to
 * H whole spread units, where H is what all legs already hold in common (or `to` units: 0 flattens). Lots
 * already working count as sent. Never returns lots that increase a leg.
 */
export function unwindNeeds(p: Pick<HedgePlanInput, 'filled' | 'working' | 'tradingMultipliers'>, to?: number): number[] {
  const { filled, working, tradingMultipliers: tms } = p;
  const h = to ?? hedgedUnits(filled, tms);
  return tms.map((tm, i) => {
    if (tm === 0) return 0;
    const f = filled[i] ?? 0;
    const need = h * tm - f - (working[i] ?? 0);
    // Only toward the hedged position: a leg is never pushed past it or away from it.
    if (need === 0 || Math.sign(need) === Math.sign(f - h * tm)) return 0;
    return Math.sign(need) * Math.min(Math.abs(need), Math.abs(f - h * tm));
  });
}
