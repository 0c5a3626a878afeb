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
  it('65 executions: 66 algos (the last one dormant, spawned ahead) and 156 order actors (149 orders sent, 7 spares left dormant); the algo takes 708 microsteps at 7.8 active states each', async () => {
    const config = loadConfigFile('examples/backtest-binance-basis.yaml');
    if (config.venue.kind !== 'replay') throw new Error('replay config expected');
    const instruments = new Map(config.venue.instruments.map((i) => [i.symbol, { tickSize: Number(i.tickSize), maxWidthTicks: i.maxWidthTicks }]));
    const shape = await replayShape(config, loadQuotes(binanceDay, { instruments, timeZone: 'UTC', badData: 'skip' }));
    expect(shape.executions).toBe(65);
    // Each algo is spawned ahead, dormant, when the one before it ends (the first at its launch): one more actor, the
    // next one, left dormant when the day ends; each launch is an event to it (algo.launched), a microstep of its own
    // and an eventless one out of `starting` into its kind.
    // Each order is spawned ahead too, dormant, as one of its algo's two spares (one per leg, spawned with the algo): sent
    // by its launch (order.launched, an event and a microstep of the order's). After a step that used an algo's last
    // spare while its entry could still fill (an entry re-priced, mostly), the algo's own order.spare spawned one more:
    // 14 events and microsteps of the algo's. Of the 146 spares, 139 were sent (every hedge among them) and 7 left
    // dormant (each started, one event and microstep, and stopped with its algo); the other 10 orders, entries
    // re-priced, were spawned dormant in their step.
    expect(shape.machines.algo).toEqual({ actors: 66, events: 672, microsteps: 708, activeStates: expect.any(Number) });
    expect(Math.round((10 * shape.machines.algo!.activeStates) / 708) / 10).toBe(7.8);
    expect(shape.machines.order).toMatchObject({ actors: 156, events: 685, microsteps: 536 });
    expect(shape.machines.strategy).toMatchObject({ actors: 1, events: 301, microsteps: 307 });
    expect(describeShape(shape).find((l) => l.startsWith('algo'))).toBe(
      'algo     66 actors, 672 events, 708 microsteps (per execution 10.3 events, 10.9 microsteps), 7.8 active states a microstep',
    );
  });
});
