/**
 * The report's time axis: a regular grid of whole-second slots (see `TimeGrid` in src/backtest/analytics.ts,
 * where the backtest sums the spread up per slot as it runs).
 */
export { timeGrid, extendGrid, slotOf, toSlots, type TimeGrid } from '../backtest/analytics.js';

/** "1 s", "15 min", "2 h", "1 day" */
export function stepText(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${seconds / 60} min`;
  if (seconds < 86_400) return `${seconds / 3600} h`;
  return `${seconds / 86_400} day${seconds === 86_400 ? '' : 's'}`;
}
