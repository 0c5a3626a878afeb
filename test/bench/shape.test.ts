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
  it('65 executions: 66 algos (the last one dormant, spawned ahead) and 215 order actors (149 orders sent, 66 spares left dormant); the algo takes 843 microsteps at 8.0 active states each', async () => {
    const config = loadConfigFile('examples/backtest-binance-basis.yaml');
    if (config.venue.kind !== 'replay') throw new Error('replay config expected');
    const instruments = new Map(config.venue.instruments.map((i) => [i.symbol, { tickSize: Number(i.tickSize), maxWidthTicks: i.maxWidthTicks }]));
    const shape = await replayShape(config, loadQuotes(binanceDay, { instruments, timeZone: 'UTC', badData: 'skip' }));
    expect(shape.executions).toBe(65);
    // Each algo is spawned ahead, dormant, when the one before it ends (the first at its launch): one more actor, the
    // next one, left dormant when the day ends; each launch is an event to it (algo.launched) and a microstep of its own.
    // Each order is spawned ahead too, dormant, as its algo's spare: sent by its launch (order.launched, an event and a
    // microstep of the order's), replenished by the algo's own order.spare after the step (one event and microstep per
    // order sent). Each algo ends holding its unused spare: 66 order actors never sent, each started (one event and
    // microstep) and stopped with its algo.
    expect(shape.machines.algo).toEqual({ actors: 66, events: 872, microsteps: 843, activeStates: expect.any(Number) });
    expect(Math.round((10 * shape.machines.algo!.activeStates) / 843) / 10).toBe(8.0);
    expect(shape.machines.order).toMatchObject({ actors: 215, events: 744, microsteps: 595 });
    expect(shape.machines.strategy).toMatchObject({ actors: 1, events: 301, microsteps: 307 });
    expect(describeShape(shape).find((l) => l.startsWith('algo'))).toBe(
      'algo     66 actors, 872 events, 843 microsteps (per execution 13.4 events, 13.0 microsteps), 8.0 active states a microstep',
    );
  });
});
