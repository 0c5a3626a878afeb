import { QuoteTable } from '../src/data/quote-table.js';
import { Random } from '../src/venue/simulated/random.js';
import type { ConfigInput } from '../src/config/schema.js';

/**
 * A synthetic recorded market for benchmarks: `pairs` cointegrated pairs (A_i a random walk, B_i = A_i + s_i
 * with s_i mean-reverting around 100), quoted alternately, one row per `stepMs`, one-tick wide.
 */
export function syntheticQuotes(rows: number, options: { pairs?: number; stepMs?: number; seed?: number; start?: number } = {}): QuoteTable {
  const pairs = options.pairs ?? 1;
  const step = options.stepMs ?? 1;
  const r = new Random(options.seed ?? 7);
  const t = new QuoteTable();
  const ids: [number, number][] = [];
  for (let p = 0; p < pairs; p++) ids.push([t.symbolId(`A${p}`), t.symbolId(`B${p}`)]);
  const a = new Array<number>(pairs).fill(1000);
  const s = new Array<number>(pairs).fill(100);
  const start = options.start ?? Date.UTC(2026, 0, 5);
  for (let i = 0; i < rows; i++) {
    const p = Math.floor(i / 2) % pairs;
    const leg = i % 2;
    if (leg === 0) {
      a[p] = a[p]! + 0.2 * r.normal();
      s[p] = 100 + (s[p]! - 100) * 0.995 + 0.6 * r.normal();
    }
    const mid = leg === 0 ? a[p]! : a[p]! + s[p]!;
    const bid = Math.floor(mid);
    t.push(start + i * step, ids[p]![leg]!, bid, 10 + r.int(0, 90), bid + 1, 10 + r.int(0, 90));
  }
  return t;
}

/**
 * A replay config for `pairs` spreads S_i = A_i − B_i of the synthetic market (mean −100), one taker per pair with
 * its triggers `band` ticks either side of the mean (entries) and exits at the mean.
 */
export function replayPairsConfig(pairs: number, options: { latencyMs?: number; band?: number; staleAfterMs?: number; days?: number } = {}): ConfigInput {
  const band = options.band ?? 6;
  const instruments = [];
  const strategies = [];
  for (let p = 0; p < pairs; p++) {
    instruments.push({ symbol: `A${p}`, tickSize: '1', lotSize: '1' }, { symbol: `B${p}`, tickSize: '1', lotSize: '1' });
    strategies.push({
      name: `s${p}`,
      legs: [
        { symbol: `A${p}`, tickSize: '1', lotSize: '1', priceMultiplier: '1', tradingMultiplier: 1 },
        { symbol: `B${p}`, tickSize: '1', lotSize: '1', priceMultiplier: '-1', tradingMultiplier: -1 },
      ],
      triggers: { longEntry: String(-100 - band), longExit: '-100', shortEntry: String(-100 + band), shortExit: '-100' },
      target: 5,
      staleAfterMs: options.staleAfterMs ?? 60_000,
      session: { closingLeadSeconds: 0 },
    });
  }
  return { ...(options.days !== undefined ? { run: { days: options.days } } : {}), venue: { kind: 'replay', latencyMs: options.latencyMs ?? 1, instruments }, strategies } as ConfigInput;
}
