import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeShape, replayShape } from '../../bench/shape.js';
import { loadConfigFile } from '../../src/config/resolve.js';
import { loadQuotes } from '../../src/data/load.js';

/**
 * What the Binance day's executions are made of in the machines (bench/shape.ts): counted, so exact. A change to the
 * machines' shape (fewer events, fewer microsteps, fewer active states) moves these on purpose, and updates them here
 * with its measure in docs/benchmarks.md.
 */
const binance = '../shared/data/binance-btc-2024-08';
const binanceDay = [`${binance}/spot_btcusdt_20240808_bookTicker.csv.gz`, `${binance}/usdm_btcusdt_20240808_bookTicker.csv.gz`];

describe.skipIf(!existsSync(binance))("the machines' share of the Binance day, counted (skipped, saying so, when ../shared/data is absent)", () => {
  it('65 executions: 65 algos and 149 orders created; the algo takes 628 microsteps at 8.4 active states each', async () => {
    const config = loadConfigFile('examples/backtest-binance-basis.yaml');
    if (config.venue.kind !== 'replay') throw new Error('replay config expected');
    const instruments = new Map(config.venue.instruments.map((i) => [i.symbol, { tickSize: Number(i.tickSize), maxWidthTicks: i.maxWidthTicks }]));
    const shape = await replayShape(config, loadQuotes(binanceDay, { instruments, timeZone: 'UTC', badData: 'skip' }));
    expect(shape.executions).toBe(65);
    expect(shape.machines.algo).toEqual({ actors: 65, events: 657, microsteps: 628, activeStates: expect.any(Number) });
    expect(Math.round((10 * shape.machines.algo!.activeStates) / 628) / 10).toBe(8.4);
    expect(shape.machines.order).toMatchObject({ actors: 149, events: 529, microsteps: 380 });
    expect(shape.machines.strategy).toMatchObject({ actors: 1, events: 301, microsteps: 307 });
    expect(describeShape(shape).find((l) => l.startsWith('algo'))).toBe(
      'algo     65 actors, 657 events, 628 microsteps (per execution 10.1 events, 9.7 microsteps), 8.4 active states a microstep',
    );
  });
});
