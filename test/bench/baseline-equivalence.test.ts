import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { runBaseline, type BaselineResult } from '../../bench/baseline/run.js';
import { UNREACHABLE_TRIGGERS, withUnreachableTriggers } from '../../bench/quote-path.js';
import { runBacktest } from '../../src/backtest/run-backtest.js';
import { parseConfigText, resolveConfigData as resolveConfig, type EngineConfig } from '../../src/config/resolve.js';
import { loadQuotes } from '../../src/data/load.js';
import type { QuoteTable } from '../../src/data/quote-table.js';
import type { TradeTable } from '../../src/data/trade-table.js';
import type { EngineRecord } from '../../src/engine/records.js';

/**
 * The benchmark's baseline (bench/baseline) is a hand-written implementation of the engine's job: the exchange core
 * of docs/fill-model.md, the strategy, the taker and its hedge ladder, the timers, in integer ticks and lots. Its
 * ratio means something only if it makes the same decisions as the engine; these runs check that it does, on the
 * shared Binance day (the example's config, and variants that drive the ladder through crossing, unwinding and
 * pausing) and on the CME sample (trade bars, rows stamped alike, queue position). The same decisions: every order
 * (time, leg, side, lots, price), cancel and fill in the same order, the same executions with the same realized
 * spreads, the same gross PnL and ladder steps.
 */

const shared = '../shared/data';
const binance = `${shared}/binance-btc-2024-08`;
const cme = `${shared}/cme-es-calendar-2013-10`;
/** The shared Binance day: the two legs' files of 2024-08-08 (94,129 leg quotes). */
const binanceDay = [`${binance}/spot_btcusdt_20240808_bookTicker.csv.gz`, `${binance}/usdm_btcusdt_20240808_bookTicker.csv.gz`];

type Raw = {
  venue: { latencyMs: number; instruments: { latency?: object; queue?: boolean }[] };
  strategies: { staleAfterMs: number; target: number; triggers: Record<string, string>; execution: Record<string, unknown> }[];
};
const example = (file: string): Raw => parseConfigText(readFileSync(file, 'utf8'), file) as Raw;
const variant = (file: string, change: (c: Raw) => void): EngineConfig => {
  const raw = example(file);
  change(raw);
  return resolveConfig(raw, file);
};

function load(config: EngineConfig, paths: string[]): { table: QuoteTable; trades: TradeTable; report: ReturnType<typeof loadQuotes>['report'] } {
  if (config.venue.kind !== 'replay') throw new Error('replay config expected');
  const instruments = new Map(config.venue.instruments.map((i) => [i.symbol, { tickSize: Number(i.tickSize), maxWidthTicks: i.maxWidthTicks }]));
  return loadQuotes(paths, { instruments, timeZone: 'UTC', badData: 'skip' });
}

interface Side {
  counts: { executions: number; orders: number; fills: number; unrouted: number };
  executions: string[];
  gross: string | null;
  ladder: Record<string, number>;
  trace: string[];
  /** Engine only: market views that reached a strategy (crossings, and held views brought up to date). */
  views?: number;
  /** Engine only: leg quotes it heard. */
  quotes?: number;
}

async function engineSide(config: EngineConfig, data: ReturnType<typeof load>): Promise<Side> {
  const trace: string[] = [];
  const symbols = config.strategies[0]!.definition.legs.map((l) => l.symbol);
  const r = await runBacktest(config, {
    data: [],
    quotes: data,
    series: false,
    attach: (engine) =>
      engine.records$.subscribe((rec: EngineRecord) => {
        if (rec.kind === 'order.submitted') trace.push(`${rec.at} submit ${rec.clientId} ${symbols.indexOf(rec.symbol)} ${rec.side} ${rec.qty}@${rec.price}`);
        else if (rec.kind === 'order.cancelRequested') trace.push(`${rec.at} cancel ${rec.clientId}`);
        else if (rec.kind === 'order.replaceRequested') trace.push(`${rec.at} replace ${rec.clientId} ${rec.price}`);
        else if (rec.kind === 'report' && rec.report.type === 'order.filled') trace.push(`${rec.at} fill ${rec.report.clientId} ${rec.report.qty}@${rec.report.price}`);
      }),
  });
  const s = r.summary;
  expect(s.errors).toEqual([]);
  return {
    counts: { executions: s.counts.executions, orders: s.counts.orders, fills: s.counts.fills, unrouted: s.counts.unrouted },
    executions: s.executions.map((e) => `${e.algoId} ${e.purpose} ${e.side} ${e.status} ${e.reason} units ${e.units} lots ${e.legs.map((l) => l.lots).join('/')} realized ${e.realizedSpread} orders ${e.orders} reprices ${e.reprices} steps ${e.ladderSteps}`),
    gross: s.gross,
    ladder: { ...s.ladder },
    trace,
    views: s.counts.views,
    quotes: s.counts.quotes,
  };
}

function baselineSide(config: EngineConfig, data: ReturnType<typeof load>): Side {
  const b: BaselineResult = runBaseline(config, data.table, { trades: data.trades, trace: true });
  expect(b.unfinished).toBe(0);
  return {
    counts: { executions: b.counts.executions, orders: b.counts.orders, fills: b.counts.fills, unrouted: b.counts.unrouted },
    executions: b.executions.map((e) => `${e.algoId} ${e.purpose} ${e.side} ${e.status} ${e.reason} units ${e.units} lots ${e.filledLots.join('/')} realized ${e.realizedSpread} orders ${e.orders} reprices ${e.reprices} steps ${e.ladderSteps}`),
    gross: b.gross,
    ladder: { ...b.ladder },
    trace: b.trace!,
  };
}

async function expectSameDecisions(config: EngineConfig, data: ReturnType<typeof load>): Promise<Side> {
  const engine = await engineSide(config, data);
  const base = baselineSide(config, data);
  expect(base.counts).toEqual(engine.counts);
  expect(base.executions).toEqual(engine.executions);
  expect(base.gross).toEqual(engine.gross);
  expect(base.ladder).toEqual(engine.ladder);
  expect(base.trace).toEqual(engine.trace);
  return engine;
}

describe.skipIf(!existsSync(binance))('the baseline makes the engine\'s decisions on the shared Binance day (skipped, saying so, when ../shared/data is absent)', () => {
  const file = 'examples/backtest-binance-basis.yaml';
  let data: ReturnType<typeof load>;
  beforeAll(() => {
    data = load(variant(file, () => {}), binanceDay);
  });

  it('the example: the same 65 executions, 149 orders, 11 hedges re-priced in place and 177 fills, the same realized spreads and gross PnL', async () => {
    const engine = await expectSameDecisions(variant(file, () => {}), data);
    expect(data.table.length).toBe(94_129);
    expect(engine.counts).toMatchObject({ executions: 65, orders: 149, fills: 177 });
    // The replay venue replaces: each stale hedge is re-priced in place (cancelled and sent anew, the day took 161
    // orders); the 7 cancels left are not stale hedges (the engine still cancels where a re-price is a new decision:
    // a taker's entry slice, a step of the ladder, a stop).
    expect(engine.trace.filter((l) => l.includes(' replace ')).length).toBe(11);
    expect(engine.trace.filter((l) => l.includes(' cancel ')).length).toBe(7);
    expect(engine.gross).toBe('15.6939179');
    // Between executions the decision filter refuses the views that change no decision again: only the 233 that
    // cross something (or bring a strategy up to date before an event) reach the machines.
    expect(engine.views).toBe(233);
  });

  it("the bench's quote path alone: with triggers no spread reaches, neither launches anything, and the engine hears every quote", async () => {
    const config = withUnreachableTriggers(variant(file, () => {}));
    expect(config.strategies[0]!.triggerPrices).toEqual(UNREACHABLE_TRIGGERS);
    const engine = await expectSameDecisions(config, data);
    expect(engine.counts).toEqual({ executions: 0, orders: 0, fills: 0, unrouted: 0 });
    expect(engine.trace).toEqual([]);
    expect(engine.quotes).toBe(94_129);
  });

  it('a ladder that re-prices fast, crosses after 150 ms within 3 ticks of its start, and unwinds', async () => {
    const config = variant(file, (c) => {
      c.strategies[0]!.execution.hedge = { payupTicks: 0, repriceMs: 100, crossAfterMs: 150, unwindAfterMs: 400, crossPayupTicks: 0, maxCrossTicks: 3, unwindPayupTicks: 1, giveUpAfterMs: 1000 };
    });
    const engine = await expectSameDecisions(config, data);
    expect(engine.ladder.crossing).toBeGreaterThan(0);
    expect(engine.ladder.unwinding).toBeGreaterThan(0);
  });

  it('books that go stale within 60 ms: the ladder pauses and resumes', async () => {
    const config = variant(file, (c) => {
      c.strategies[0]!.staleAfterMs = 60;
      c.strategies[0]!.execution.hedge = { payupTicks: 0, repriceMs: 100, crossAfterMs: 400, unwindAfterMs: 900 };
    });
    const engine = await expectSameDecisions(config, data);
    expect(engine.ladder.paused).toBeGreaterThan(0);
  });

  it('a ladder that starts crossing; per-leg latencies; entries at the touch re-priced after 120 ms; hedges rounded down', async () => {
    const config = variant(file, (c) => {
      c.venue.latencyMs = 40;
      c.venue.instruments[1]!.latency = { submitMs: 3, cancelMs: 60, reportMs: 25 };
      Object.assign(c.strategies[0]!.execution, { payupTicks: 0, resubmitMs: 120, hedgeRounding: 'down' });
      c.strategies[0]!.execution.hedge = { firstStep: 'crossing', crossPayupTicks: 0, maxCrossTicks: 1, crossAfterMs: 0, unwindAfterMs: 300, repriceMs: 50 };
    });
    const engine = await expectSameDecisions(config, data);
    expect(engine.counts.executions).toBeGreaterThan(0);
    expect(engine.ladder).toMatchObject({ resting: 0 });
    expect(engine.ladder.crossing).toBeGreaterThan(0);
  });

  it('triggers inside the usual basis, entries while hedging, hedges rounded up, a stop policy that unwinds', async () => {
    const config = variant(file, (c) => {
      c.strategies[0]!.triggers = { longEntry: '-25', longExit: '-22', shortEntry: '-21', shortExit: '-22.5' };
      c.strategies[0]!.target = 2;
      Object.assign(c.strategies[0]!.execution, { hedgeRounding: 'up', entryWhileHedging: true, stopPolicy: 'unwind' });
      c.strategies[0]!.execution.hedge = { payupTicks: 0, repriceMs: 80, crossAfterMs: 300, unwindAfterMs: 700, crossPayupTicks: 1, maxCrossTicks: 2 };
    });
    const engine = await expectSameDecisions(config, data);
    expect(engine.counts.executions).toBeGreaterThan(100);
  });
});

describe.skipIf(!existsSync(cme))('the baseline makes the engine\'s decisions on the CME sample, with trade bars (skipped, saying so, when ../shared/data is absent)', () => {
  it('triggers inside the usual spread: trades fill resting orders through their queue; rows stamped alike are one instant', async () => {
    const file = 'examples/backtest-cme-calendar.yaml';
    const config = variant(file, (c) => {
      c.strategies[0]!.triggers = { longEntry: '6.5', longExit: '7', shortEntry: '7', shortExit: '6.5' };
    });
    const data = load(config, [cme]);
    expect(data.trades.length).toBeGreaterThan(0);
    const engine = await expectSameDecisions(config, data);
    expect(engine.counts.executions).toBe(15);
  });
});
