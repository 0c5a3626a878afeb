import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { VirtualClock } from '../src/clock/virtual-clock.js';
import type { EngineConfig } from '../src/config/resolve.js';
import type { QuoteTable } from '../src/data/quote-table.js';
import type { OrderCommand, VenueReport } from '../src/domain/orders.js';
import type { LegQuote } from '../src/domain/quote.js';
import { DurableEngine } from '../src/engine/durable.js';
import { createEngine } from '../src/engine/engine.js';
import type { Market } from '../src/venue/exchange.js';
import { ReplayVenue, type ReplayVenueSpec } from '../src/venue/replay/replay-venue.js';
import { percentile, round } from './stats.js';

/** One latency sample: from `start` to `end`, in ms on the performance timeline (`performance.now()`). */
export interface Span {
  start: number;
  end: number;
}

/** A garbage collection's pause, on the same timeline (a `PerformanceObserver` entry of type `gc`). */
export interface Pause {
  start: number;
  duration: number;
}

/** What a set of samples says, in µs; `withCollection` counts the samples a collection's pause overlapped. */
export interface LatencyStats {
  samples: number;
  p50Us: number;
  p99Us: number;
  maxUs: number;
  withCollection: number;
  /** The p99 of the samples no collection's pause overlapped. */
  p99WithoutCollectionUs: number;
}

/**
 * The percentiles of the samples, and how many of them a collection paused: a pause overlaps a sample when it began
 * before the sample ended and ended after it began.
 */
export function latencyStats(spans: readonly Span[], pauses: readonly Pause[]): LatencyStats {
  const all: number[] = [];
  const clean: number[] = [];
  for (const s of spans) {
    const us = (s.end - s.start) * 1000;
    all.push(us);
    if (!pauses.some((p) => p.start < s.end && p.start + p.duration > s.start)) clean.push(us);
  }
  return {
    samples: all.length,
    p50Us: round(percentile(all, 50)),
    p99Us: round(percentile(all, 99)),
    maxUs: round(all.length === 0 ? NaN : Math.max(...all)),
    withCollection: all.length - clean.length,
    p99WithoutCollectionUs: round(percentile(clean, 99)),
  };
}

/**
 * A replay venue that times, in wall time, quote → order (from the venue publishing a quote to an order the engine
 * sends while handling it) and fill → hedge order (from a fill of the active leg reaching the engine to the hedge
 * order it sends while handling it). With a journal the order leaves only after its write (and fsync).
 */
class TimedReplay extends ReplayVenue {
  readonly quoteToOrder: Span[] = [];
  readonly fillToHedge: Span[] = [];
  private publishing = -1;
  fillAt = -1;
  activeSymbol = '';
  protected override publishQuoteTo(market: Market, quote: LegQuote): void {
    this.publishing = performance.now();
    super.publishQuoteTo(market, quote);
  }
  /** The replay step is over (the clock's afterStep): a later order is neither this quote's nor this fill's. */
  endStep(): void {
    this.publishing = -1;
    this.fillAt = -1;
  }
  override submit(order: OrderCommand): void {
    const now = performance.now();
    if (this.publishing >= 0) this.quoteToOrder.push({ start: this.publishing, end: now });
    else if (this.fillAt >= 0 && order.symbol !== this.activeSymbol) {
      this.fillToHedge.push({ start: this.fillAt, end: now });
      this.fillAt = -1;
    }
    super.submit(order);
  }
}

/**
 * Runs of the day before the latencies are timed, with the journal and without. A replay of the day takes 370, 200,
 * 140 and 110 ms in a new process before it settles near 80–100 (V8 optimizes the engine's code over them): after one
 * warm-up run, as until the eighth round, the latencies were timed in code still being optimized.
 */
const LATENCY_WARM = 5;
/**
 * Timed runs, their samples pooled: the day gives about 60 of each kind a run, so a run's own p99 is its worst
 * sample, and one collection more or less moves it by milliseconds. Pooled over 16 runs without the journal (and 8
 * with it, whose runs take longer) the p99 is about the tenth worst of some thousand samples.
 */
const LATENCY_RUNS = 16;
const JOURNAL_RUNS = 8;

export interface LatencyDay {
  config: EngineConfig;
  table: QuoteTable;
}

/** One timed replay of the day: its samples of each kind. */
async function timedRun(day: LatencyDay, journal: boolean): Promise<{ quoteToOrder: Span[]; fillToHedge: Span[] }> {
  const { config, table } = day;
  const start = table.ts[0]!;
  const until = table.ts[table.length - 1]! + 1;
  const run = { start, days: (until - start) / 86_400_000 };
  const first = config.strategies[0]!;
  const clock = new VirtualClock(start);
  const venue = new TimedReplay(config.venue as ReplayVenueSpec, table, clock);
  venue.activeSymbol = first.definition.legs[first.spec.algo.activeLeg ?? 0]!.symbol;
  // Subscribed before the engine: the stamp is taken before the engine hears the fill.
  venue.reports$.subscribe((r: VenueReport) => {
    if (r.type === 'order.filled' && r.symbol === venue.activeSymbol) venue.fillAt = performance.now();
  });
  if (!journal) {
    const engine = createEngine({ ...config, run }, { clock, venue });
    clock.afterStep = () => venue.endStep();
    await engine.run({ until });
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'legato-bench-'));
    try {
      const durable = DurableEngine.open({ ...config, run }, { dataDir: dir, venue, clock });
      // The journal flushes (and releases the orders) after each step: the marks end after that.
      const flush = clock.afterStep!;
      clock.afterStep = () => {
        flush();
        venue.endStep();
      };
      await durable.run({ until });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return { quoteToOrder: venue.quoteToOrder, fillToHedge: venue.fillToHedge };
}

/** Warm-up runs, then `runs` timed ones, their samples pooled, with the collections' pauses heard meanwhile. */
async function timedRuns(day: LatencyDay, journal: boolean, runs: number) {
  for (let k = 0; k < LATENCY_WARM; k++) await timedRun(day, journal);
  const pauses: Pause[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) pauses.push({ start: e.startTime, duration: e.duration });
  });
  observer.observe({ entryTypes: ['gc'] });
  const quoteToOrder: Span[] = [];
  const fillToHedge: Span[] = [];
  for (let k = 0; k < runs; k++) {
    const r = await timedRun(day, journal);
    quoteToOrder.push(...r.quoteToOrder);
    fillToHedge.push(...r.fillToHedge);
  }
  // The observer hears its entries asynchronously, two turns of the event loop after a collection (one is not
  // enough: the last run's final collections were lost): let it catch up before it stops.
  await new Promise((resolve) => setTimeout(resolve, 0));
  await new Promise((resolve) => setImmediate(resolve));
  observer.disconnect();
  return { quoteToOrder: latencyStats(quoteToOrder, pauses), fillToHedge: latencyStats(fillToHedge, pauses), collections: pauses.length };
}

const describe = (s: LatencyStats): string =>
  `p50 ${s.p50Us} µs, p99 ${s.p99Us} µs, max ${s.maxUs} µs (${s.samples} samples, ${s.withCollection} paused by a collection; p99 of the others ${s.p99WithoutCollectionUs} µs)`;

/** Quote → order and fill → hedge order on the Binance day, in process, journal off and on. */
export async function latencyBench(day: LatencyDay | null, log: (s: string) => void) {
  log('latency: quote → order and fill → hedge order on the Binance day, wall time in process');
  const none = { quoteToOrderP50Us: null, quoteToOrderP99Us: null, fillToHedgeP50Us: null, fillToHedgeP99Us: null };
  if (!day) return { ...none, journal: { ...none, fsync: null } };
  const off = await timedRuns(day, false, LATENCY_RUNS);
  const on = await timedRuns(day, true, JOURNAL_RUNS);
  const fsync = `a write holding an order or a cancel is fsync'd before the order leaves (DurableOptions.fsync 'commands', the default); journal in ${tmpdir()}`;
  log(`  journal off, ${LATENCY_RUNS} runs pooled, ${off.collections} collections heard:`);
  log(`                              quote → order ${describe(off.quoteToOrder)}`);
  log(`                              fill → hedge ${describe(off.fillToHedge)}`);
  log(`  journal on, ${JOURNAL_RUNS} runs pooled, ${on.collections} collections heard:`);
  log(`                              quote → order ${describe(on.quoteToOrder)}`);
  log(`                              fill → hedge ${describe(on.fillToHedge)} (${fsync})`);
  const flat = (r: typeof off) => ({
    quoteToOrderP50Us: r.quoteToOrder.p50Us,
    quoteToOrderP99Us: r.quoteToOrder.p99Us,
    fillToHedgeP50Us: r.fillToHedge.p50Us,
    fillToHedgeP99Us: r.fillToHedge.p99Us,
  });
  return {
    ...flat(off),
    latencySamples: [off.quoteToOrder.samples, off.fillToHedge.samples],
    latency: { runs: LATENCY_RUNS, collections: off.collections, quoteToOrder: off.quoteToOrder, fillToHedge: off.fillToHedge },
    journal: { ...flat(on), fsync, runs: JOURNAL_RUNS, collections: on.collections, quoteToOrder: on.quoteToOrder, fillToHedge: on.fillToHedge },
  };
}
