import fc from 'fast-check';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBacktest, scaledToNumber } from '../../src/backtest/run-backtest.js';
import { resolveConfig } from '../../src/config/resolve.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { Decimal } from '../../src/domain/decimal.js';

/**
 * The chart series keep the engine's scaled integer spread prices while the run goes and become numbers only
 * at the end. These pin that the numbers are exactly those the Decimal conversion gave
 * (`def.fromScaled(n).toNumber()`), where a naive float conversion (n × 0.01) is off in the last digit.
 */

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

/** The conversion the series used before: through a Decimal. */
const viaDecimal = (n: number, scale: number): number => new Decimal(n).div(scale).toNumber();

/** S = A − B with cent ticks: spread prices in units of 0.01 (scale 100). Triggers it never reaches: no trades. */
const config = (staleAfterMs = 5000): ConfigInput => ({
  venue: {
    kind: 'replay',
    latencyMs: 0,
    instruments: [
      { symbol: 'A', tickSize: '0.01', lotSize: '1' },
      { symbol: 'B', tickSize: '0.01', lotSize: '1' },
    ],
  },
  strategies: [
    {
      name: 'ab',
      legs: [
        { symbol: 'A', tickSize: '0.01', lotSize: '1', priceMultiplier: '1', tradingMultiplier: 1 },
        { symbol: 'B', tickSize: '0.01', lotSize: '1', priceMultiplier: '-1', tradingMultiplier: -1 },
      ],
      triggers: { longEntry: '-30', longExit: '0' },
      target: 1,
      staleAfterMs,
      session: { closingLeadSeconds: 0 },
    },
  ],
});

const cents = (ticks: number): string => (ticks / 100).toFixed(2);

/** B stands at 122.90 / 122.91 from T0; A's quotes [ms after T0, bid ticks, ask ticks] follow. */
function writeData(a: readonly [number, number, number][]): string {
  const dir = mkdtempSync(join(tmpdir(), 'legato-series-'));
  const file = join(dir, 'ab.csv');
  const lines = ['ts,symbol,bid,bid_size,ask,ask_size', `${T0},B,122.90,50,122.91,50`];
  for (const [dt, bid, ask] of a) lines.push(`${T0 + dt},A,${cents(bid)},50,${cents(ask)},50`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('the backtest chart series: integers while the run goes, the Decimal conversion’s exact numbers at the end', () => {
  it('scaledToNumber gives the very double of the Decimal conversion, where n × (1/scale) does not', () => {
    for (const n of [-2290, -1799, -2174, -1883]) {
      expect(scaledToNumber(n, 100)).toBe(viaDecimal(n, 100));
      expect(n * (1 / 100)).not.toBe(viaDecimal(n, 100));
    }
    expect(scaledToNumber(-2290, 100)).toBe(-22.9);
    expect(-2290 * 0.01).toBe(-22.900000000000002);
    expect(scaledToNumber(3, 10)).toBe(0.3);
    expect(scaledToNumber(1, 1e9)).toBe(1e-9);
    expect(Object.is(scaledToNumber(-0, 100), viaDecimal(-0, 100))).toBe(true);
    expect(scaledToNumber(Number.MAX_SAFE_INTEGER, 1e9)).toBe(viaDecimal(Number.MAX_SAFE_INTEGER, 1e9));
  });

  it('agrees with the Decimal conversion for any safe integer at every scale a spread can have (10^0 to 10^9)', () => {
    const scale = fc.integer({ min: 0, max: 9 }).map((k) => 10 ** k);
    const safe = fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });
    // Small magnitudes too, where real spreads live (a fixed seed: the same cases on every run).
    const small = fc.integer({ min: -10_000_000, max: 10_000_000 });
    fc.assert(
      fc.property(fc.oneof(safe, small), scale, (n, s) => scaledToNumber(n, s) === viaDecimal(n, s)),
      { numRuns: 20_000, seed: 14 },
    );
  });

  it('orders prices as it orders the integers (so the series compare integers): strictly, below 2^52 − 1', () => {
    const scale = fc.integer({ min: 0, max: 9 }).map((k) => 10 ** k);
    const n = fc.integer({ min: -(2 ** 52) + 2, max: 2 ** 52 - 3 });
    fc.assert(fc.property(n, scale, (x, s) => scaledToNumber(x, s) < scaledToNumber(x + 1, s)), { numRuns: 20_000, seed: 14 });
    expect(scaledToNumber(2 ** 52 - 3, 1e9)).toBeLessThan(scaledToNumber(2 ** 52 - 2, 1e9));
  });

  it('pins the spread and its slots of a small run exactly: cent prices, several changes in one slot', async () => {
    // Spread bid = A bid − B ask (122.91), ask = A ask − B bid (122.90).
    const file = writeData([
      [0, 10001, 10002], // −22.90 / −22.88
      [300, 10492, 10493], // −17.99 / −17.97
      [1000, 10117, 10118], // −21.74 / −21.72
      [1500, 10408, 10409], // −18.83 / −18.81
      [2000, 10550, 10552], // −17.41 / −17.38
    ]);
    const r = await runBacktest(resolveConfig(config(), 'series'), { data: [file] });
    expect(r.summary.counts.orders).toBe(0);
    const s = r.series[0]!;
    expect(s.spread).toEqual([
      [T0, -22.9, -22.88],
      [T0 + 300, -17.99, -17.97],
      [T0 + 1000, -21.74, -21.72],
      [T0 + 1500, -18.83, -18.81],
      [T0 + 2000, -17.41, -17.38],
    ]);
    // [slot, last bid, last ask, highest bid, lowest ask] on 1 s slots.
    expect(r.analytics!.grid).toEqual({ start: T0 / 1000, step: 1, slots: 3 });
    expect(s.spreadSlots).toEqual([
      [0, -17.99, -17.97, -17.99, -22.88],
      [1, -18.83, -18.81, -18.83, -21.72],
      [2, -17.41, -17.38, -17.41, -17.38],
    ]);
    // The JSON the report embeds: shortest round-trip strings, no float noise.
    expect(JSON.stringify(s.spread[0])).toBe(`[${T0},-22.9,-22.88]`);
    expect(s.triggers).toEqual({ longEntry: -30, longExit: 0, shortEntry: null, shortExit: null });
  });

  it("records the spread going unquoted when a leg goes stale with no quote (the stage's timer), and quoted again", async () => {
    // B's only quote is at T0: stale after 5 s, so the spread is unquoted from T0 + 5001 until B quotes again.
    const file = writeData([
      [0, 10001, 10002],
      [3000, 10002, 10003],
      [7000, 10003, 10004], // B still stale: still unquoted
    ]);
    writeFileSync(file, `${readFileSync(file, 'utf8')}${T0 + 9000},B,122.80,50,122.81,50\n`);
    const r = await runBacktest(resolveConfig(config(), 'series'), { data: [file] });
    expect(r.series[0]!.spread).toEqual([
      [T0, -22.9, -22.88],
      [T0 + 3000, -22.89, -22.87],
      [T0 + 5001, null, null],
      [T0 + 9000, -22.78, -22.76],
    ]);
  });

  it('decimates the integer changes to 4001 points and converts each as the Decimal conversion does', async () => {
    // 4500 quotes of A, 10 ms apart, each moving the spread: bid ticks cycle over 100 values.
    const a: [number, number, number][] = [];
    for (let i = 0; i < 4500; i++) a.push([i * 10, 10001 + ((i * 37) % 100), 10002 + ((i * 37) % 100) + (i % 3)]);
    const r = await runBacktest(resolveConfig(config(600_000), 'series'), { data: [writeData(a)] });
    const changes = a.map(([dt, bid, ask]) => [T0 + dt, bid - 12291, ask - 12290] as const);
    const step = changes.length / 4000;
    const picked = [...Array.from({ length: 4000 }, (_, i) => changes[Math.floor(i * step)]!), changes.at(-1)!];
    const s = r.series[0]!;
    expect(s.spread).toHaveLength(4001);
    expect(s.spread).toEqual(picked.map(([at, bid, ask]) => [at, viaDecimal(bid, 100), viaDecimal(ask, 100)]));
    // At least some of these numbers are where a naive conversion would be off.
    expect(s.spread.filter(([, bid]) => bid !== null && Math.round(bid * 100) * 0.01 !== bid).length).toBeGreaterThan(100);
    // 45 one-second slots of 100 changes each, every slot from all of them (nothing decimated away): slot 0
    // ends on change 99 (bid 10001 + 63 ticks, ask 10002 + 63), its lowest ask is change 0's.
    expect(s.spreadSlots).toHaveLength(45);
    expect(s.spreadSlots[0]).toEqual([0, -22.27, -22.25, -21.91, -22.88]);
    expect(s.spreadSlots[44]).toEqual([44, -22.27, -22.23, -21.91, -22.87]);
  });
});
