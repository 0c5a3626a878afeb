import { resolveConfig, type EngineConfig } from '../../src/config/resolve.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { QuoteTable } from '../../src/data/quote-table.js';
import { Random } from '../../src/venue/simulated/random.js';

/** 2026-01-05T00:00:00Z: the fixture market's first instant. */
export const START = Date.UTC(2026, 0, 5);
/**
 * Quotes every 1,007 ms: never a multiple of the 20 ms latency, so no order, report or timer of the engine falls
 * on the very millisecond of a quote (a tie the in-process replay and a shard may order differently).
 */
export const STEP_MS = 1_007;

/**
 * A known recorded market: `pairs` pairs (A_i a random walk, B_i = A_i + s_i, s_i mean-reverting around 100),
 * the pairs quoted in turn, one row every STEP_MS, one tick wide; seeded, so every run sees the same quotes.
 */
export function fixtureQuotes(rows: number, pairs = 1, seed = 7): QuoteTable {
  const r = new Random(seed);
  const t = new QuoteTable();
  const ids: [number, number][] = [];
  for (let p = 0; p < pairs; p++) ids.push([t.symbolId(`A${p}`), t.symbolId(`B${p}`)]);
  const a = new Array<number>(pairs).fill(1000);
  const s = new Array<number>(pairs).fill(100);
  for (let i = 0; i < rows; i++) {
    const p = Math.floor(i / 2) % pairs;
    const leg = i % 2;
    if (leg === 0) {
      a[p] = a[p]! + 0.2 * r.normal();
      s[p] = 100 + (s[p]! - 100) * 0.99 + 1.5 * r.normal();
    }
    const mid = leg === 0 ? a[p]! : a[p]! + s[p]!;
    const bid = Math.floor(mid);
    t.push(START + i * STEP_MS, ids[p]![leg]!, bid, 3 + r.int(0, 20), bid + 1, 3 + r.int(0, 20));
  }
  return t;
}

/** The rows of `table` that fall in [from, to). */
export function slice(table: QuoteTable, from: number, to: number): QuoteTable {
  const out = new QuoteTable();
  for (const s of table.symbols) out.symbolId(s);
  for (let i = 0; i < table.length; i++) if (table.ts[i]! >= from && table.ts[i]! < to) out.push(table.ts[i]!, table.sym[i]!, table.bid[i]!, table.bidSize[i]!, table.ask[i]!, table.askSize[i]!);
  return out;
}

/** A replay config trading the pairs `which` (taker spread A_i − B_i, five units), 20 ms latency, open around the clock. */
export function fixtureInput(which: number[], days: number, pairs = which): ConfigInput {
  const instruments = pairs.flatMap((p) => [
    { symbol: `A${p}`, tickSize: '1', lotSize: '1' },
    { symbol: `B${p}`, tickSize: '1', lotSize: '1' },
  ]);
  const strategies = which.map((p) => ({
    name: `s${p}`,
    legs: [
      { symbol: `A${p}`, tickSize: '1', lotSize: '1', priceMultiplier: '1', tradingMultiplier: 1 },
      { symbol: `B${p}`, tickSize: '1', lotSize: '1', priceMultiplier: '-1', tradingMultiplier: -1 },
    ],
    triggers: { longEntry: '-104', longExit: '-100', shortEntry: '-96', shortExit: '-100' },
    target: 5,
    staleAfterMs: 60_000,
    session: { closingLeadSeconds: 0 },
  }));
  return { run: { start: new Date(START).toISOString(), days }, venue: { kind: 'replay', latencyMs: 20, instruments }, strategies } as ConfigInput;
}

export function fixtureConfig(which: number[], days: number, pairs = which): EngineConfig {
  return resolveConfig(fixtureInput(which, days, pairs), 'md fixture');
}

/** A copy of `table` whose rows from `from` on are `by` ms later: a quiet gap in the market. */
export function withGap(table: QuoteTable, from: number, by: number): QuoteTable {
  const out = new QuoteTable();
  for (const s of table.symbols) out.symbolId(s);
  for (let i = 0; i < table.length; i++) out.push(table.ts[i]! + (table.ts[i]! >= from ? by : 0), table.sym[i]!, table.bid[i]!, table.bidSize[i]!, table.ask[i]!, table.askSize[i]!);
  return out;
}
