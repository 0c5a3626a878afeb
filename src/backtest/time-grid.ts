/**
 * The report's time axis, one regular grid of slots for every chart. lightweight-charts places data points at
 * equal spacing whatever their times, and wants strictly increasing times in whole seconds; with a time point
 * for every slot, empty or not, equal widths are equal durations and the axis is linear in time. A slot is a
 * whole number of seconds, chosen so the run has at most `maxSlots`. Values land in the slot their time
 * falls in; several in one slot (sub-second or same-millisecond events) become one, as `toSlots` says.
 */
export interface TimeGrid {
  /** Epoch seconds of slot 0 (a multiple of `step`). */
  start: number;
  /** Seconds per slot. */
  step: number;
  slots: number;
}

/** Slot widths the grid may use, in seconds: 1 s to a week, each a round number on a clock. */
const STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800, 604_800];

/** The finest grid over [fromMs, toMs] with at most `maxSlots` slots. */
export function timeGrid(fromMs: number, toMs: number, maxSlots = 5000): TimeGrid {
  const from = Math.floor(fromMs / 1000);
  const to = Math.floor(Math.max(fromMs, toMs) / 1000);
  for (const step of STEPS) {
    const start = Math.floor(from / step) * step;
    const slots = Math.floor((to - start) / step) + 1;
    if (slots <= maxSlots) return { start, step, slots };
  }
  const step = Math.ceil((to - from + 1) / maxSlots / 86_400) * 86_400;
  const start = Math.floor(from / step) * step;
  return { start, step, slots: Math.floor((to - start) / step) + 1 };
}

/** The grid stretched (same start and step) to reach `toMs`, for what happens after the last quote (the stop). */
export function extendGrid(g: TimeGrid, toMs: number): TimeGrid {
  const slots = Math.floor((Math.floor(toMs / 1000) - g.start) / g.step) + 1;
  return slots > g.slots ? { ...g, slots } : g;
}

export function slotOf(g: TimeGrid, ms: number): number {
  return Math.min(g.slots - 1, Math.max(0, Math.floor((Math.floor(ms / 1000) - g.start) / g.step)));
}

/**
 * Values on the grid: [slot, value] in slot order, one per slot that has any. `null` is a gap (no quote).
 * Several in one slot: the last (a level: spread, equity, position) or the lowest (a drawdown). Points must be
 * in time order.
 */
export function toSlots(g: TimeGrid, points: readonly (readonly [number, number | null])[], how: 'last' | 'min' = 'last'): [number, number | null][] {
  const out: [number, number | null][] = [];
  for (const [at, v] of points) {
    const slot = slotOf(g, at);
    const last = out.at(-1);
    if (!last || last[0] !== slot) out.push([slot, v]);
    else if (how === 'last') last[1] = v;
    else if (v !== null && (last[1] === null || v < last[1])) last[1] = v;
  }
  return out;
}

/**
 * The spread quote per slot of the grid, from every change (nothing is sampled away): the last bid and ask in
 * the slot (null: unquoted at its end), and the highest bid and lowest ask anywhere in it (null: none). Any
 * units that order as the prices do: the backtest adds scaled integer spread prices and converts the rows
 * once the run has ended.
 */
export class SpreadSlots {
  readonly rows: [slot: number, bid: number | null, ask: number | null, highBid: number | null, lowAsk: number | null][] = [];
  constructor(readonly grid: TimeGrid) {}

  add(at: number, bid: number | null, ask: number | null): void {
    const slot = slotOf(this.grid, at);
    const last = this.rows.at(-1);
    if (!last || last[0] !== slot) {
      this.rows.push([slot, bid, ask, bid, ask]);
      return;
    }
    last[1] = bid;
    last[2] = ask;
    if (bid !== null && (last[3] === null || bid > last[3])) last[3] = bid;
    if (ask !== null && (last[4] === null || ask < last[4])) last[4] = ask;
  }
}
