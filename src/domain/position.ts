/**
 * Leg positions and spread positions. Lots are signed integers per leg; a spread unit holds
 * tradingMultiplier lots of each leg. Price-only legs (multiplier 0) are ignored.
 */

/** Spread units each traded leg's lots stand for (signed, fractional). */
function unitsPerLeg(lots: readonly number[], tms: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < tms.length; i++) if (tms[i] !== 0) out.push((lots[i] ?? 0) / tms[i]!);
  return out;
}

/** The hedged spread position: whole units every traded leg holds in the same direction (signed). */
export function hedgedUnits(lots: readonly number[], tms: readonly number[]): number {
  const u = unitsPerLeg(lots, tms);
  if (u.length === 0) return 0;
  // `+ 0` turns Math.ceil's −0 into 0.
  if (u.every((x) => x > 0)) return Math.floor(Math.min(...u));
  if (u.every((x) => x < 0)) return Math.ceil(Math.max(...u)) + 0;
  return 0;
}

/** Per leg, the lots not matched by the hedged spread position (signed). */
export function nakedLots(lots: readonly number[], tms: readonly number[]): number[] {
  const h = hedgedUnits(lots, tms);
  return tms.map((tm, i) => (lots[i] ?? 0) - h * tm);
}

/** True when every traded leg holds the same whole number of spread units. */
export function isBalanced(lots: readonly number[], tms: readonly number[]): boolean {
  return nakedLots(lots, tms).every((n) => n === 0);
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

/**
 * The signed lots to send now per leg so that the hedge follows the active leg.
 * While the entry is open, passive legs follow the active leg's filled units, rounded per `rounding`
 * (the remainder is carried to the next fill). Once the entry is closed every leg, the active one
 * included, is completed up to the next whole spread unit, so an execution never ends with a
 * fraction of a unit. Lots already working count as sent. Never returns lots that reduce a leg.
 */
export function hedgeNeeds(p: HedgePlanInput): number[] {
  const { filled, working, tradingMultipliers: tms, side, activeLeg, entryOpen } = p;
  const progress = (i: number): number => (tms[i] === 0 ? 0 : (filled[i] ?? 0) / (side * tms[i]!));
  let units: number;
  if (entryOpen) {
    const a = progress(activeLeg);
    units = p.rounding === 'down' ? Math.floor(a) : p.rounding === 'up' ? Math.ceil(a) : Math.floor(a + 0.5);
  } else {
    let max = 0;
    for (let i = 0; i < tms.length; i++) max = Math.max(max, progress(i));
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
 * H whole spread units, where H is what all legs already hold in common. Lots already working count as
 * sent. Never returns lots that increase a leg.
 */
export function unwindNeeds(p: Pick<HedgePlanInput, 'filled' | 'working' | 'tradingMultipliers'>): number[] {
  const { filled, working, tradingMultipliers: tms } = p;
  const h = hedgedUnits(filled, tms);
  return tms.map((tm, i) => {
    if (tm === 0) return 0;
    const f = filled[i] ?? 0;
    const need = h * tm - f - (working[i] ?? 0);
    // Only toward the hedged position: a leg is never pushed past it or away from it.
    if (need === 0 || Math.sign(need) === Math.sign(f - h * tm)) return 0;
    return Math.sign(need) * Math.min(Math.abs(need), Math.abs(f - h * tm));
  });
}
