import { Decimal } from '../../../src/domain/decimal.js';
import { QuoteTable } from '../../../src/data/quote-table.js';
import type { SimVenueSpec } from '../../../src/venue/simulated/simulated-venue.js';

/** Monday 2026-01-05 09:00 UTC. */
export const T0 = Date.UTC(2026, 0, 5, 9);

/**
 * Two instruments, always open: RB (tick 1, lot 1) and HC (tick 0.5, lot 10, so prices and quantities on the
 * wire differ from the port's integers). Quotes about every 200 ms of market time.
 */
export function fixSpec(over: Partial<SimVenueSpec> = {}): SimVenueSpec {
  return {
    seed: 7,
    latencyMs: 20,
    calendar: { timeZone: 'UTC', days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'], sessions: [{ start: '00:00', end: '00:00' }] },
    instruments: [
      { symbol: 'RB', tickSize: '1', lotSize: '1', quoteIntervalMs: 200, size: { min: 2, max: 6 }, start: '3200', volatility: '0.5', queue: false },
      { symbol: 'HC', tickSize: '0.5', lotSize: '10', quoteIntervalMs: 200, size: { min: 2, max: 6 }, follows: { symbol: 'RB', beta: '1', mean: '180', sd: '4', halfLifeSeconds: 60 }, queue: false },
    ],
    ...over,
  };
}

export function instrumentsOf(spec: SimVenueSpec) {
  return spec.instruments.map((i) => ({ symbol: i.symbol, tickSize: new Decimal(i.tickSize), lotSize: new Decimal(i.lotSize) }));
}

/**
 * The same market as recorded quotes, for the replay venue: RB a seeded walk around 3200, HC 180 above it,
 * a row per instrument every 200 ms for `minutes`.
 */
export function recordedQuotes(minutes = 120, seed = 7): QuoteTable {
  const table = new QuoteTable();
  const rb = table.symbolId('RB');
  const hc = table.symbolId('HC');
  let x = seed;
  const rand = (): number => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
  let mid = 3200;
  for (let t = 0; t < minutes * 60_000; t += 200) {
    mid += rand() < 0.5 ? -0.5 : 0.5;
    const size = (): number => 2 + Math.floor(rand() * 5);
    table.push(T0 + t, rb, Math.floor(mid), size(), Math.floor(mid) + 1, size());
    table.push(T0 + t + 100, hc, mid + 180, size() * 10, mid + 180.5, size() * 10);
  }
  return table;
}
