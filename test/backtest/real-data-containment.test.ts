import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/backtest/run-backtest.js';
import { loadConfigFile, parseConfigText, resolveConfig, type EngineConfig } from '../../src/config/resolve.js';
import { ContainmentWatch } from '../helpers/containment-watch.js';

/**
 * Leg-out containment on the real recorded quotes in ../shared/data (DESIGN §9: the real world is the oracle):
 * every order and fill of a full replay is checked by the containment watch. Skipped, saying so, when the
 * folder is absent.
 */
const shared = '../shared/data';
const binance = `${shared}/binance-btc-2024-08`;
const cme = `${shared}/cme-es-calendar-2013-10`;

async function replay(config: EngineConfig, data: string) {
  let watch: ContainmentWatch | undefined;
  const result = await runBacktest(config, { data: [data], series: false, attach: (e) => (watch = new ContainmentWatch(e)) });
  return { watch: watch!, summary: result.summary };
}

/** The Binance example with spot as the active leg (spot − perp): the shape in which a taker re-sold perp liquidity. */
function spotFirst(): EngineConfig {
  const raw = parseConfigText(readFileSync('examples/backtest-binance-basis.yaml', 'utf8'), 'spot-usdm') as {
    strategies: { name: string; legs: { priceMultiplier: string; tradingMultiplier: number }[]; triggers: Record<string, string> }[];
  };
  const s = raw.strategies[0]!;
  s.name = 'spot-usdm';
  s.legs = [s.legs[1]!, s.legs[0]!].map((l) => ({ ...l, priceMultiplier: String(-Number(l.priceMultiplier)), tradingMultiplier: -l.tradingMultiplier }));
  s.triggers = { longEntry: '16', longExit: '23', shortEntry: '30', shortExit: '23' };
  return resolveConfig(raw, 'spot-usdm');
}

describe.skipIf(!existsSync(binance) || !existsSync(cme))('leg-out containment over the real data in ../shared/data (skipped, saying so, when that folder is absent)', () => {
  it('the Binance basis, perp active: no slice beyond the hedge leg, never more than one slice naked', { timeout: 120_000 }, async () => {
    const { watch, summary } = await replay(loadConfigFile('examples/backtest-binance-basis.yaml'), binance);
    expect(watch.violations).toEqual([]);
    expect(watch.counts.entrySlices).toBeGreaterThan(50);
    expect(summary.counts.executions).toBeGreaterThan(50);
    // One spread unit is 10 perp lots (0.001 BTC) and 1000 spot lots (0.00001 BTC); the target is 5 units.
    expect(watch.maxNakedLots['btc-basis']).toEqual({ 'usdm:BTCUSDT': 50, 'spot:BTCUSDT': 991 });
    // Exposure per leg, in lots of each leg and in notional; the headline in notional only (it said "712 lots",
    // spot and perp lots summed, before).
    expect(summary.exposure.maxNakedNotional).toBe('3091.41');
    expect(summary.exposure.legs['btc-basis']!.map((l) => [l.symbol, l.maxLots, l.maxQty, l.maxNotional])).toEqual([
      ['usdm:BTCUSDT', 50, '0.05', '3091.41'],
      ['spot:BTCUSDT', 991, '0.00991', '611.80'],
    ]);
  });

  it('the Binance basis, spot active: the shape that left 1 BTC naked is contained', { timeout: 120_000 }, async () => {
    const { watch, summary } = await replay(spotFirst(), binance);
    expect(watch.violations).toEqual([]);
    expect(watch.counts.entrySlices).toBeGreaterThan(20);
    expect(summary.counts.executions).toBeGreaterThan(20);
    expect(watch.maxNakedLots['spot-usdm']).toEqual({ 'spot:BTCUSDT': 5000, 'usdm:BTCUSDT': 0 });
  });

  it('the CME calendar with 5 s re-price intervals on minute bars: orders whose price would not move are kept (93 re-prices before, 5 now)', { timeout: 120_000 }, async () => {
    const raw = parseConfigText(readFileSync('examples/backtest-cme-calendar.yaml', 'utf8'), 'cme-5s') as { strategies: { execution: { resubmitMs: number; hedge: { repriceMs: number } } }[] };
    raw.strategies[0]!.execution.resubmitMs = 5000;
    raw.strategies[0]!.execution.hedge.repriceMs = 5000;
    const { watch, summary } = await replay(resolveConfig(raw, 'cme-5s'), cme);
    expect(watch.violations).toEqual([]);
    expect(summary.counts.executions).toBe(14);
    // Each re-price is a cancel and a new order; a bar's book does not move for 60 s.
    expect(summary.executions.reduce((n, e) => n + e.reprices, 0)).toBe(5);
    expect(summary.counts.orders).toBe(35);
  });

  it('the CME calendar over six days of minute bars with the daily halt: every invariant on every execution', { timeout: 120_000 }, async () => {
    const { watch, summary } = await replay(loadConfigFile('examples/backtest-cme-calendar.yaml'), cme);
    expect(watch.violations).toEqual([]);
    expect(summary.counts.executions).toBeGreaterThan(5);
    expect(watch.maxNakedLots['es-calendar']).toEqual({ ES201312: 2, ES201403: 0 });
  });
});
