/**
 * Benchmarks: `npm run bench` prints the figures; `npm run -s bench -- --json` prints one JSON object with every
 * target of docs/benchmarks.md: its measure, the target beside it and a pass flag (null when it could not be
 * measured, e.g. without ../shared/data), then every raw measure.
 * Options: --quick (smaller sizes, for a smoke run), --month-seconds N (wall budget of the month run),
 * --only replay,synthetic,latency,strategies,month,inspect,md (some sections; md: the market-data hop over NATS,
 * bench/md-hop.ts, skipped with its reason when no nats-server can be had).
 *
 * Throughput is measured in this process against the hand-written baseline of the same job (bench/baseline: its own
 * exchange core with the rules of docs/fill-model.md, the taker and its hedge ladder, the timers, integer ticks;
 * test/bench/baseline-equivalence.test.ts checks that it makes the engine's decisions), runs alternated, so the
 * ratio holds on a noisy machine. Timings never enter the test suite.
 *
 * `npm run bench` compiles this file, the engine and the baseline with tsc (tsconfig.bench.json, into dist-bench/)
 * and runs the JavaScript: the code a host embeds (the package's dist/), not tsx's transform of it, which names
 * every closure it creates (`keepNames`) and keeps a loader thread and source maps in the process.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBacktest } from '../src/backtest/run-backtest.js';
import { demoConfig } from '../src/config/demo.js';
import { loadConfigFile, resolveConfig, type EngineConfig } from '../src/config/resolve.js';
import type { ConfigInput, SimulatedConfigInput } from '../src/config/schema.js';
import { loadQuotes, type DataReport } from '../src/data/load.js';
import type { QuoteTable } from '../src/data/quote-table.js';
import { createEngine } from '../src/engine/engine.js';
import type { Summary } from '../src/engine/summary.js';
import { createInspector } from '../src/inspector/index.js';
import type { ReplayVenueSpec } from '../src/venue/replay/replay-venue.js';
import { runBaseline, type BaselineResult } from './baseline/run.js';
import { BINANCE_CONFIG, BINANCE_DAY, BINANCE_DIR } from './binance-day.js';
import { xstateFloor } from './floor.js';
import { allocatedMBPerRun } from './garbage.js';
import { latencyBench } from './latency.js';
import { mdHopBench } from './md-hop.js';
import { UNREACHABLE_TRIGGERS, withUnreachableTriggers } from './quote-path.js';
import { describeShape, replayShape } from './shape.js';
import { percentile, round } from './stats.js';
import { replayPairsConfig, syntheticQuotes } from './synthetic.js';

const args = process.argv.slice(2);
const json = args.includes('--json');
const quick = args.includes('--quick');
const monthSeconds = Number(args[args.indexOf('--month-seconds') + 1] ?? NaN);
const log = (s: string): void => {
  if (!json) console.log(s);
  else process.stderr.write(`${s}\n`);
};
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
const rssMB = (): number => process.memoryUsage().rss / 2 ** 20;
const median = (xs: number[]): number => percentile(xs, 50);
const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');

// ---- data -----------------------------------------------------------------------------------------------------------


interface Loaded {
  table: QuoteTable;
  report: DataReport;
}

let binanceCache: { config: EngineConfig; data: Loaded } | null | undefined;
/** The Binance day and its config, or null (saying why) when ../shared/data is absent. */
function binanceDay(): { config: EngineConfig; data: Loaded } | null {
  if (binanceCache !== undefined) return binanceCache;
  if (!BINANCE_DAY.every((f) => existsSync(f))) {
    log(`  (skipped: ${BINANCE_DIR} is absent)`);
    return (binanceCache = null);
  }
  const config = loadConfigFile(BINANCE_CONFIG);
  const venue = config.venue as ReplayVenueSpec;
  const instruments = new Map(venue.instruments.map((i) => [i.symbol, { tickSize: Number(i.tickSize), maxWidthTicks: i.maxWidthTicks }]));
  const { table, report } = loadQuotes(BINANCE_DAY, { instruments, timeZone: 'UTC', badData: 'skip' });
  return (binanceCache = { config, data: { table, report } });
}

/** The Binance day as the latency runs replay it, or null when the data is absent. */
function latencyDay(): { config: EngineConfig; table: QuoteTable } | null {
  const day = binanceDay();
  return day && { config: day.config, table: day.data.table };
}


/**
 * A simulated venue of `pairs` cointegrated pairs (B_i follows the random walk A_i, spread mean 100) and one taker
 * strategy per pair, open around the clock; every instrument quotes every 500 ms on average. With `quotePathOnly`, the
 * triggers are ones no spread reaches: the same quotes, and no algo.
 */
function simulatedConfig(pairs: number, quotePathOnly = false): SimulatedConfigInput {
  const instruments: SimulatedConfigInput['venue']['instruments'] = [];
  const strategies: SimulatedConfigInput['strategies'] = [];
  for (let p = 0; p < pairs; p++) {
    instruments.push(
      { symbol: `A${p}`, tickSize: '1', lotSize: '1', quoteIntervalMs: 500, size: { min: 5, max: 120 }, start: '3000', volatility: '0.5' },
      { symbol: `B${p}`, tickSize: '1', lotSize: '1', quoteIntervalMs: 500, size: { min: 5, max: 120 }, follows: { symbol: `A${p}`, beta: '1', mean: '100', sd: '4', halfLifeSeconds: 120 } },
    );
    strategies.push({
      name: `s${p}`,
      legs: [
        { symbol: `B${p}`, tickSize: '1', lotSize: '1', priceMultiplier: '1', tradingMultiplier: 1 },
        { symbol: `A${p}`, tickSize: '1', lotSize: '1', priceMultiplier: '-1', tradingMultiplier: -1 },
      ],
      triggers: quotePathOnly ? { ...UNREACHABLE_TRIGGERS } : { longEntry: '96', longExit: '100', shortEntry: '104', shortExit: '100' },
      target: 5,
      staleAfterMs: 5000,
      session: { closingLeadSeconds: 0 },
    });
  }
  const calendar = { timeZone: 'UTC', days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const, sessions: [{ start: '00:00', end: '00:00' }] };
  return { run: { start: '2026-01-05T00:00:00', days: 30 }, venue: { kind: 'simulated', seed: 7, latencyMs: 5, calendar: { ...calendar, days: [...calendar.days] }, instruments }, strategies };
}

const emptyReport = (table: QuoteTable): DataReport => ({
  files: [],
  ignoredFiles: [],
  rows: table.length,
  used: table.length,
  oneSided: 0,
  from: null,
  to: null,
  symbols: {},
  bad: { malformed: { count: 0, first: [] }, nan: { count: 0, first: [] }, nonPositivePrice: { count: 0, first: [] }, crossed: { count: 0, first: [] }, outOfOrder: { count: 0, first: [] }, unknownSymbol: { count: 0, first: [] }, offTick: { count: 0, first: [] }, wide: { count: 0, first: [] } },
  policy: 'skip',
});

/** Whether the engine and the baseline made the same decisions (the equivalence test checks every order). */
function sameDecisions(s: Summary, b: BaselineResult): boolean {
  return (
    s.counts.executions === b.counts.executions &&
    s.counts.orders === b.counts.orders &&
    s.counts.fills === b.counts.fills &&
    s.gross === b.gross &&
    s.executions.every((e, i) => e.realizedSpread === b.executions[i]?.realizedSpread)
  );
}

/**
 * How the engine and the baseline are timed on the same quotes: warmed, then alternated, each sample timing
 * back-to-back runs (`ENGINE_RUNS` of the engine, `baseRepeat` of the baseline), with no forced collection between
 * them: both pay the collections their own garbage brings, as a sweep does, and nothing else.
 *
 * Why no `gc()` before a sample (until the eighth round there was one, and runs left untimed after it): a full
 * collection between two replays deoptimizes most of the engine's hot path. Each replay builds a new engine; V8's
 * optimized code holds the objects and hidden classes of the engine it was optimized on weakly, and a full collection
 * once that engine is gone frees them and marks the code for deoptimization ("weak objects" under `--trace-deopt`: 43
 * functions, from the replay venue's loop to XState's `_process`). The replay after it ran 177–220 ms against 78–100
 * back to back, and the next three were still slower; with an engine kept alive across the collection the replay
 * after it ran 82–103 ms against 126–175 without (one pair of processes; a second pair was too noisy to tell, 98–154
 * against 91–150). A collection forced before every sample timed that transient seven times, while the
 * baseline, timed over ten runs, spread it thin. A long run's own collections come while its engine lives: timing
 * several runs back to back includes them at the rate they come. The transient is reported apart
 * (`replayAfterCollectionQuotesPerSec`).
 */
const ENGINE_RUNS = 3;

/**
 * The engine (runBacktest on pre-loaded quotes, no series) and the baseline on the same table: `warm` runs of the
 * engine and three times `baseRepeat` of the baseline first, then `samples` samples alternated (see ENGINE_RUNS).
 */
async function engineVersusBaseline(config: EngineConfig, table: QuoteTable, report: DataReport, samples: number, baseRepeat: number, warm = 5) {
  const quotes = { table, report };
  let summary: Summary | undefined;
  let base: BaselineResult | undefined;
  for (let k = 0; k < warm; k++) await runBacktest(config, { data: [], quotes, series: false });
  for (let k = 0; k < 3 * baseRepeat; k++) runBaseline(config, table);
  const engineRates: number[] = [];
  const baseRates: number[] = [];
  for (let k = 0; k < samples; k++) {
    const t0 = performance.now();
    for (let j = 0; j < ENGINE_RUNS; j++) summary = (await runBacktest(config, { data: [], quotes, series: false })).summary;
    engineRates.push((table.length * ENGINE_RUNS) / ((performance.now() - t0) / 1000));
    const t1 = performance.now();
    for (let j = 0; j < baseRepeat; j++) base = runBaseline(config, table);
    baseRates.push((table.length * baseRepeat) / ((performance.now() - t1) / 1000));
  }
  const engine = median(engineRates);
  const baseline = median(baseRates);
  return { engine, baseline, ratio: engine / baseline, summary: summary!, base: base!, same: sameDecisions(summary!, base!) };
}

/** The replay right after a full collection (median of `samples`, each after its own `gc()`): see ENGINE_RUNS. */
async function afterCollection(config: EngineConfig, table: QuoteTable, report: DataReport, samples: number): Promise<number> {
  const rates: number[] = [];
  for (let k = 0; k < samples; k++) {
    gc();
    const t0 = performance.now();
    await runBacktest(config, { data: [], quotes: { table, report }, series: false });
    rates.push(table.length / ((performance.now() - t0) / 1000));
  }
  return median(rates);
}

/**
 * The CLI's backtest (runBacktest keeping the chart series and analytics) against the engine alone (no series), on
 * the same table: medians of `samples` samples alternated, each of ENGINE_RUNS runs, after two warm-up runs of each.
 */
async function seriesVersusNone(config: EngineConfig, table: QuoteTable, report: DataReport, samples: number) {
  const quotes = { table, report };
  const rate = async (series: boolean): Promise<number> => {
    const t0 = performance.now();
    for (let j = 0; j < ENGINE_RUNS; j++) await runBacktest(config, { data: [], quotes, series });
    return (table.length * ENGINE_RUNS) / ((performance.now() - t0) / 1000);
  };
  for (let k = 0; k < 2; k++) {
    await rate(true);
    await rate(false);
  }
  const withSeries: number[] = [];
  const without: number[] = [];
  for (let k = 0; k < samples; k++) {
    withSeries.push(await rate(true));
    without.push(await rate(false));
  }
  return { series: median(withSeries), none: median(without) };
}

// ---- sections -------------------------------------------------------------------------------------------------------

/** The full engine replaying the shared Binance day, one spread, against the baseline. */
async function replayBench() {
  log('replay: the shared Binance day (examples/backtest-binance-basis.yaml), engine vs the hand-written baseline');
  const day = binanceDay();
  if (!day) return { replayQuotes: null, replayQuotesPerSec: null, baselineQuotesPerSec: null, replayVsBaseline: null, replaySameDecisions: null };
  const { config, data } = day;
  const r = await engineVersusBaseline(config, data.table, data.report, quick ? 3 : 7, 10);
  const c = r.summary.counts;
  log(`  ${fmt(data.table.length)} leg quotes; ${c.executions} executions, ${c.orders} orders, ${c.fills} fills, gross ${r.summary.gross}; ${fmt(c.views)} views reached a strategy`);
  log(`  engine   ${fmt(r.engine)} leg quotes/s (median of ${quick ? 3 : 7})`);
  log(`  baseline ${fmt(r.baseline)} leg quotes/s (${r.base.counts.executions} executions, ${r.base.counts.orders} orders, ${r.base.counts.fills} fills, gross ${r.base.gross})`);
  log(`  ratio    ${round(r.ratio, 3)}; same decisions: ${r.same}`);
  const afterGc = await afterCollection(config, data.table, data.report, quick ? 3 : 5);
  log(`  the replay right after a full collection: ${fmt(afterGc)} leg quotes/s (median of ${quick ? 3 : 5}; the collection deoptimizes the hot path)`);
  // The same day with triggers the spread never reaches: the quote path alone (venue, exchange core, market-view
  // stage, decision filter, clock), with no algo. What the full run costs beyond it is the executions'.
  const q = await engineVersusBaseline(withUnreachableTriggers(config), data.table, data.report, quick ? 3 : 7, 10);
  const perExecution = (rate: number, quietRate: number): number => ((data.table.length / rate - data.table.length / quietRate) * 1e6) / c.executions;
  const engineUs = perExecution(r.engine, q.engine);
  const baseUs = perExecution(r.baseline, q.baseline);
  log(`  no trigger reached (${q.summary.counts.executions} executions, ${q.base.counts.executions} in the baseline): engine ${fmt(q.engine)} leg quotes/s, baseline ${fmt(q.baseline)}, ratio ${round(q.ratio, 3)}`);
  log(`  so an execution costs the engine ${fmt(engineUs)} µs of the run, the baseline ${round(baseUs, 1)} µs`);
  // What the executions are made of in the machines, counted in one more replay with inspection (not timed).
  const shape = await replayShape(config, data);
  for (const line of describeShape(shape)) log(`  ${line}`);
  const algo = shape.machines.algo;
  // What a replay allocates (sampled by V8; not timed), with the executions and without (the quote path).
  const garbage = await allocatedMBPerRun(() => runBacktest(config, { data: [], quotes: data, series: false }));
  const quotePathGarbage = await allocatedMBPerRun(() => runBacktest(withUnreachableTriggers(config), { data: [], quotes: data, series: false }));
  const quotePathBytes = Math.round((quotePathGarbage * 1e6) / data.table.length);
  const executionKB = Math.round(((garbage - quotePathGarbage) * 1e3) / c.executions);
  log(`  allocated: ${garbage} MB a replay (sampled), ${quotePathGarbage} MB with no trigger reached: ${quotePathBytes} bytes a quote, ${fmt(executionKB)} KB an execution`);
  // The CLI's backtest keeps the chart series and the analytics besides: what that adds.
  const cli = await seriesVersusNone(config, data.table, data.report, quick ? 3 : 5);
  const cliGarbage = await allocatedMBPerRun(() => runBacktest(config, { data: [], quotes: data, series: true }));
  log(`  with the chart series and analytics (the CLI's backtest): ${fmt(cli.series)} leg quotes/s against ${fmt(cli.none)} without (${round(cli.series / cli.none, 3)}), ${cliGarbage} MB allocated a replay`);
  return {
    replayQuotes: data.table.length,
    replayQuotesPerSec: Math.round(r.engine),
    baselineQuotesPerSec: Math.round(r.baseline),
    replayVsBaseline: round(r.ratio, 3),
    replaySameDecisions: r.same,
    replayAfterCollectionQuotesPerSec: Math.round(afterGc),
    replayExecutions: c.executions,
    replayOrders: c.orders,
    replayFills: c.fills,
    replayGross: r.summary.gross,
    // Market views that reached a strategy (crossings and views delivered before a report or a delayed event).
    replayViewsToMachines: c.views,
    replayQuotePathQuotesPerSec: Math.round(q.engine),
    replayQuotePathBaselineQuotesPerSec: Math.round(q.baseline),
    replayQuotePathVsBaseline: round(q.ratio, 3),
    replayQuotePathExecutions: q.summary.counts.executions + q.base.counts.executions,
    replayUsPerExecution: Math.round(engineUs),
    replayBaselineUsPerExecution: round(baseUs, 1),
    replayMachines: shape.machines,
    replayAlgoMicrostepsPerExecution: algo ? round(algo.microsteps / shape.executions, 1) : null,
    replayAlgoActiveStates: algo ? round(algo.activeStates / algo.microsteps, 1) : null,
    replayAllocatedMB: garbage,
    replayQuotePathAllocatedBytesPerQuote: quotePathBytes,
    replayAllocatedKBPerExecution: executionKB,
    replaySeriesQuotesPerSec: Math.round(cli.series),
    replaySeriesVsNone: round(cli.series / cli.none, 3),
    replaySeriesAllocatedMB: cliGarbage,
  };
}

/** A synthetic one-spread replay (tick-1 legs, a fast mean-reverting spread, many executions), engine vs baseline. */
async function syntheticBench(rows: number) {
  log(`synthetic: ${fmt(rows)} leg quotes of one spread, engine vs baseline`);
  const table = syntheticQuotes(rows);
  const config = resolveConfig(replayPairsConfig(1), 'bench');
  const r = await engineVersusBaseline(config, table, emptyReport(table), 3, 3);
  log(`  engine   ${fmt(r.engine)} leg quotes/s (${r.summary.counts.executions} executions)`);
  log(`  baseline ${fmt(r.baseline)} leg quotes/s (${r.base.counts.executions} executions); ratio ${round(r.ratio, 3)}; same decisions: ${r.same}`);
  return { syntheticQuotesPerSec: Math.round(r.engine), syntheticBaselineQuotesPerSec: Math.round(r.baseline), syntheticVsBaseline: round(r.ratio, 3), syntheticSameDecisions: r.same };
}

/** What XState costs alone and warm (bench/floor.ts): the floor under the latencies while algos and orders are actors. */
function floorBench() {
  const f = xstateFloor();
  log(`xstate floor, warm and alone: an event with one assign ${f.eventUs} µs (${f.event10StatesUs} µs with 10 active states, and ${f.assignUs} µs for each further assign); a view into the algo ${f.algoViewUs} µs; an order actor's create, start and stop ${f.orderLifeUs} µs; a launch to its first order ${f.launchUs} µs; a fill to its hedge order ${f.hedgeUs} µs`);
  return { floorEventUs: f.eventUs, floorEvent10StatesUs: f.event10StatesUs, floorAssignUs: f.assignUs, floorAlgoViewUs: f.algoViewUs, floorOrderLifeUs: f.orderLifeUs, floorLaunchUs: f.launchUs, floorHedgeUs: f.hedgeUs };
}


/**
 * Many strategies in one process on the simulated venue: aggregate quotes/s, RSS, and the cost per quote as the
 * number of strategies grows (the same number of quotes at each size). The cost per quote is taken in the steady
 * state, from progress marks between 15 % of the run and its end: creating the strategies and stopping them at the
 * end are reported apart (they grow with the number of strategies, once). At 10 and 1,000 strategies each figure is
 * the median of three runs (each in a process of its own, alternated with runs of the quote path alone), the RSS
 * and the peak RSS the highest of them: one run moves by ±30 % on this machine.
 */
async function strategiesBench(quotes: number) {
  const sizes = quick ? [10, 1000] : [10, 100, 1000];
  log(`strategies on the simulated venue: ${sizes.join(', ')} pairs, ${fmt(quotes)} quotes each, each size in a process of its own`);
  const runs: Record<number, StrategiesRun[]> = {};
  const show = (pairs: number, o: StrategiesRun): void =>
    log(`  ${String(pairs).padStart(4)} strategies: ${fmt(o.quotesPerSec)} quotes/s aggregate over the run, ${fmt(o.steadyQuotesPerSec)} in the steady state (${o.usPerQuote} µs/quote); setup ${o.setupSeconds} s, stop ${o.stopSeconds} s; RSS ${o.rssMB} MB (peak ${o.peakRssMB} MB); ${fmt(o.quotes)} quotes, ${o.executions} executions`);
  for (const pairs of sizes) {
    const o = inChild<StrategiesRun>(['strategies', String(pairs), String(quotes)]);
    runs[pairs] = [o];
    show(pairs, o);
  }
  // The same quotes with triggers no spread reaches (no algo): the quote path alone, and what an execution costs. At
  // 1,000 strategies one pair of runs differs by less than this machine's noise (an execution came out at −263 µs),
  // so each side is the median of three runs, the two kinds alternated.
  const quotePath: Record<number, number> = {};
  const perExecution: Record<number, number> = {};
  for (const pairs of [sizes[0]!, 1000]) {
    const alone: number[] = [];
    for (let k = 0; k < 3; k++) {
      const q = inChild<StrategiesRun>(['strategies', String(pairs), String(quotes), 'quote-path']);
      if (q.executions !== 0) throw new Error(`the quote path of ${pairs} strategies launched ${q.executions} algos`);
      alone.push(q.usPerQuote);
      if (k < 2) {
        const o = inChild<StrategiesRun>(['strategies', String(pairs), String(quotes)]);
        runs[pairs]!.push(o);
        show(pairs, o);
      }
    }
    const fulls = runs[pairs]!;
    quotePath[pairs] = median(alone);
    perExecution[pairs] = Math.round(((median(fulls.map((o) => o.usPerQuote)) - quotePath[pairs]!) * fulls[0]!.quotes) / fulls[0]!.executions);
    log(`  ${String(pairs).padStart(4)} strategies: ${median(fulls.map((o) => o.usPerQuote))} µs/quote with executions, ${quotePath[pairs]} µs/quote with no trigger reached (medians of 3, alternated); so an execution costs ${fmt(perExecution[pairs]!)} µs`);
  }
  /** A size's figures: the medians of its runs, the highest RSS and peak RSS. */
  const summary = (pairs: number): StrategiesRun => {
    const rs = runs[pairs]!;
    const mid = (f: (o: StrategiesRun) => number): number => median(rs.map(f));
    return {
      quotes: rs[0]!.quotes,
      quotesPerSec: Math.round(mid((o) => o.quotesPerSec)),
      steadyQuotesPerSec: Math.round(mid((o) => o.steadyQuotesPerSec)),
      usPerQuote: round(mid((o) => o.usPerQuote), 2),
      setupSeconds: round(mid((o) => o.setupSeconds), 2),
      stopSeconds: round(mid((o) => o.stopSeconds), 2),
      rssMB: Math.max(...rs.map((o) => o.rssMB)),
      peakRssMB: Math.max(...rs.map((o) => o.peakRssMB)),
      executions: rs[0]!.executions,
    };
  };
  const out: Record<number, StrategiesRun> = {};
  for (const pairs of sizes) out[pairs] = summary(pairs);
  const small = out[sizes[0]!]!;
  const big = out[1000]!;
  const growth = big.usPerQuote / small.usPerQuote;
  log(`  medians of 3: ${fmt(big.quotesPerSec)} quotes/s over the run at 1000 strategies, ${fmt(big.steadyQuotesPerSec)} in the steady state; peak RSS ${big.peakRssMB} MB`);
  log(`  cost per quote at 1000 strategies / at ${sizes[0]}: ${round(growth, 2)}× (${big.usPerQuote} / ${small.usPerQuote} µs, medians of 3)`);
  const quotePathGrowth = quotePath[1000]! / quotePath[sizes[0]!]!;
  log(`  the quote path at 1000 strategies / at ${sizes[0]}: ${round(quotePathGrowth, 2)}×; an execution: ${round(perExecution[1000]! / perExecution[sizes[0]!]!, 2)}×`);
  return {
    strategies1000QuotesPerSec: big.quotesPerSec,
    strategies1000SteadyQuotesPerSec: big.steadyQuotesPerSec,
    strategies1000RssMB: big.peakRssMB,
    strategiesCostGrowth: round(growth, 2),
    strategiesBySize: out,
    strategiesRuns: runs,
    strategiesQuotePathUsPerQuote: quotePath,
    strategiesQuotePathGrowth: round(quotePathGrowth, 2),
    strategiesUsPerExecution: perExecution,
  };
}

interface StrategiesRun {
  quotes: number;
  quotesPerSec: number;
  steadyQuotesPerSec: number;
  usPerQuote: number;
  setupSeconds: number;
  stopSeconds: number;
  rssMB: number;
  peakRssMB: number;
  executions: number;
}

/** One size of the strategies benchmark (run in a child process, so its RSS is its own). */
async function strategiesRun(pairs: number, quotes: number, quotePathOnly: boolean): Promise<StrategiesRun> {
  const config = resolveConfig(simulatedConfig(pairs, quotePathOnly), 'bench');
  // Every instrument quotes every 500 ms on average: 4 quotes per pair per second.
  const simMs = (quotes / (4 * pairs)) * 1000;
  gc();
  const t0 = performance.now();
  const engine = createEngine(config, { keepExecutions: 1000 });
  engine.start();
  const setupSeconds = (performance.now() - t0) / 1000;
  const marks: { at: number; quotes: number }[] = [];
  let ranAt = 0;
  const summary = await engine.run({
    until: config.run.start + simMs,
    progressEveryMs: simMs / 20,
    onProgress: (p) => {
      ranAt = performance.now();
      marks.push({ at: ranAt, quotes: p.quotes });
    },
  });
  const end = performance.now();
  const a = marks[Math.min(3, marks.length - 2)]!;
  const b = marks.at(-1)!;
  const steady = (b.quotes - a.quotes) / ((b.at - a.at) / 1000);
  return {
    quotes: summary.counts.quotes,
    quotesPerSec: Math.round(summary.counts.quotes / ((end - t0) / 1000)),
    steadyQuotesPerSec: Math.round(steady),
    usPerQuote: round(1e6 / steady, 2),
    setupSeconds: round(setupSeconds, 2),
    stopSeconds: round((end - ranAt) / 1000, 2),
    rssMB: Math.round(rssMB()),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    executions: summary.counts.executions,
  };
}

/** Runs `bench.ts --child …` in a fresh process (same Node flags) and returns the JSON it prints. */
function inChild<T>(childArgs: string[]): T {
  const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', ...childArgs], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`bench child ${childArgs.join(' ')} failed (exit ${r.status})`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as T;
}

/** The replay of synthetic quotes over 1,000 spreads (the earlier benchmark), engine vs baseline, in a process of its own. */
function strategiesReplayBench(rows: number) {
  log(`1000 strategies replayed: ${fmt(rows)} synthetic quotes over 2000 instruments, in a process of its own`);
  const r = inChild<{ engine: number; baseline: number; rssMB: number; executions: number; baseExecutions: number; same: boolean }>(['replay1000', String(rows)]);
  log(`  engine   ${fmt(r.engine)} quotes/s, peak RSS ${r.rssMB} MB, ${r.executions} executions`);
  log(`  baseline ${fmt(r.baseline)} quotes/s (${r.baseExecutions} executions); same decisions: ${r.same}`);
  return {
    strategies1000ReplayQuotesPerSec: r.engine,
    strategies1000ReplayRssMB: r.rssMB,
    strategies1000ReplayBaselineQuotesPerSec: r.baseline,
    strategies1000ReplayVsBaseline: round(r.engine / r.baseline, 3),
    strategies1000ReplaySameDecisions: r.same,
  };
}

async function strategiesReplayRun(rows: number) {
  const table = syntheticQuotes(rows, { pairs: 1000, seed: 5 });
  const config = resolveConfig(replayPairsConfig(1000), 'bench');
  gc();
  const t0 = performance.now();
  const r = await runBacktest(config, { data: [], quotes: { table, report: emptyReport(table) }, series: false });
  const seconds = (performance.now() - t0) / 1000;
  const rss = process.resourceUsage().maxRSS / 1024;
  runBaseline(config, table);
  const t1 = performance.now();
  const b = runBaseline(config, table);
  const baseSeconds = (performance.now() - t1) / 1000;
  return { engine: Math.round(rows / seconds), baseline: Math.round(rows / baseSeconds), rssMB: Math.round(rss), executions: r.summary.counts.executions, baseExecutions: b.counts.executions, same: sameDecisions(r.summary, b) };
}

/**
 * A simulated month of eight strategies, each on a pair of its own on a fast market with tight triggers (the demo's
 * pair, open around the clock, mean-reverting with a 20 s half-life): how many algos finish, and does memory stay
 * flat. The eight make about 1,130,000 algos in the month.
 */
async function monthBench(budgetSeconds: number) {
  const pairs = 8;
  log(`month: 30 simulated days, ${pairs} strategies, wall budget ${budgetSeconds} s`);
  const c = structuredClone(demoConfig);
  c.run = { start: '2026-11-02T00:00:00', days: 30 };
  c.venue.calendar = { timeZone: 'UTC', days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'], sessions: [{ start: '00:00', end: '00:00' }] };
  c.venue.latencyMs = 1;
  const [rb, hc] = c.venue.instruments as [SimulatedConfigInput['venue']['instruments'][number], SimulatedConfigInput['venue']['instruments'][number]];
  const strategy = c.strategies[0]!;
  c.venue.instruments = [];
  c.strategies = [];
  for (let p = 0; p < pairs; p++) {
    c.venue.instruments.push(
      { ...rb, symbol: `RB${p}`, quoteIntervalMs: 1000 },
      { ...hc, symbol: `HC${p}`, quoteIntervalMs: 1000, follows: { symbol: `RB${p}`, beta: '1', mean: '180', sd: '6', halfLifeSeconds: 20 } },
    );
    c.strategies.push({
      ...structuredClone(strategy),
      name: `month-${p}`,
      legs: strategy.legs.map((l) => ({ ...l, symbol: `${l.symbol}${p}` })),
      triggers: { longEntry: '179', longExit: '182', shortEntry: '182', shortExit: '179' },
      session: { closingLeadSeconds: 0 },
    });
  }
  const config = resolveConfig(c, 'month');
  const engine = createEngine(config, { keepExecutions: 1000 });
  const abort = new AbortController();
  const samples: { algos: number; orders: number; rss: number; heap: number }[] = [];
  const t0 = performance.now();
  const summary = await engine.run({
    signal: abort.signal,
    progressEveryMs: 6 * 3_600_000,
    onProgress: (p) => {
      gc();
      samples.push({ algos: p.executions, orders: engine.summary().counts.orders, rss: rssMB(), heap: process.memoryUsage().heapUsed / 2 ** 20 });
      if ((performance.now() - t0) / 1000 > budgetSeconds) abort.abort();
      if (!json) process.stdout.write(`\r  ${new Date(p.now).toISOString().slice(0, 16)}  ${fmt(p.executions)} algos  RSS ${Math.round(rssMB())} MB  heap ${Math.round(samples.at(-1)!.heap)} MB   `);
    },
  });
  if (!json) process.stdout.write('\n');
  const algos = summary.counts.executions;
  const last = samples.at(-1)!;
  const pct = (a: number, b: number): number => round(((b - a) / a) * 100);
  // The steady state: the bounded id memories (the last 50,000 client ids and trade ids, in the engine and the
  // exchange) fill in the first ~25,000 algos, and V8's hash tables behind them settle their capacity once the
  // ids have turned over (a Set's deleted slots are reclaimed only when it is rehashed). So the heap is measured
  // from the first sample after two turnovers of the client ids (100,000 orders), when every bounded memory is
  // full and has been rebuilt; the growth from 10% of the algos (the earlier measure) is reported beside it.
  const steady = samples.find((s) => s.orders >= 100_000);
  const tenth = samples.find((s) => s.algos >= algos * 0.1) ?? samples[0]!;
  const first = steady ?? tenth;
  const wall = (performance.now() - t0) / 1000;
  log(`  ${fmt(algos)} algos (${fmt(summary.counts.orders)} orders) finished in ${round(wall)} s wall, simulated to ${summary.run.to}`);
  log(
    `  from ${steady ? `${fmt(first.algos)} algos (100,000 orders)` : '10% of the algos (the run never reached 100,000 orders)'}: RSS ${Math.round(first.rss)} → ${Math.round(last.rss)} MB (${pct(first.rss, last.rss)}%), heap after GC ${Math.round(first.heap)} → ${Math.round(last.heap)} MB (${pct(first.heap, last.heap)}%); from 10% of the algos: heap ${Math.round(tenth.heap)} → ${Math.round(last.heap)} MB (${pct(tenth.heap, last.heap)}%)`,
  );
  return {
    monthAlgosCompleted: algos,
    monthAlgosPerSec: Math.round(algos / wall),
    monthRssGrowthPct: pct(first.rss, last.rss),
    monthHeapGrowthPct: pct(first.heap, last.heap),
    monthHeapMeasuredFromAlgos: first.algos,
    monthHeapGrowthFromTenthPct: pct(tenth.heap, last.heap),
    monthSimulatedTo: summary.run.to,
  };
}

/**
 * Inspection on vs off: the demo's simulated days at max speed, without an inspect observer and with the
 * inspector's collector attached (what `legato run --inspect` adds, no page connected), alternated, median of 3.
 */
async function inspectBench(days: number) {
  log(`inspect: the demo, ${days} simulated days at max speed, inspection off vs on`);
  const config = resolveConfig(demoConfig, 'bench', { days });
  const once = async (inspect: boolean): Promise<{ seconds: number; events: number }> => {
    gc();
    const inspector = inspect ? createInspector() : undefined;
    const engine = createEngine(config, inspector ? { inspect: inspector.observer } : {});
    inspector?.attach(engine);
    const t0 = performance.now();
    const summary = await engine.run();
    const seconds = (performance.now() - t0) / 1000;
    await inspector?.close();
    return { seconds, events: summary.counts.quotes };
  };
  await once(false);
  await once(true);
  const off: number[] = [];
  const on: number[] = [];
  let quotes = 0;
  for (let k = 0; k < 3; k++) {
    const a = await once(false);
    const b = await once(true);
    quotes = a.events;
    off.push(a.events / a.seconds);
    on.push(b.events / b.seconds);
  }
  const offRate = median(off);
  const onRate = median(on);
  log(`  off  ${fmt(offRate)} leg quotes/s (median of 3; ${fmt(quotes)} quotes)`);
  log(`  on   ${fmt(onRate)} leg quotes/s`);
  log(`  ratio ${round(onRate / offRate, 3)} (target ≥ 0.5)`);
  return { inspectOffQuotesPerSec: Math.round(offRate), inspectOnQuotesPerSec: Math.round(onRate), inspectOnVsOff: round(onRate / offRate, 3) };
}

// ---- the run --------------------------------------------------------------------------------------------------------

if (args[0] === '--child') {
  const [, section, a, b, c] = args;
  const result = section === 'strategies' ? await strategiesRun(Number(a), Number(b), c === 'quote-path') : await strategiesReplayRun(Number(a));
  console.log(JSON.stringify(result));
  process.exit(0);
}

// --only replay,synthetic,latency,strategies,month,inspect,md runs some sections.
const only = args.includes('--only') ? new Set(args[args.indexOf('--only') + 1]!.split(',')) : undefined;
const want = (section: string): boolean => !only || only.has(section);
const measures: Record<string, unknown> = {
  ...(want('replay') ? await replayBench() : {}),
  ...(want('synthetic') ? await syntheticBench(quick ? 200_000 : 1_000_000) : {}),
  ...(want('latency') ? await latencyBench(latencyDay(), log) : {}),
  ...(want('latency') ? floorBench() : {}),
  ...(want('strategies') ? await strategiesBench(quick ? 200_000 : 1_000_000) : {}),
  ...(want('strategies') ? strategiesReplayBench(quick ? 100_000 : 1_000_000) : {}),
  ...(want('month') ? await monthBench(Number.isFinite(monthSeconds) ? monthSeconds : quick ? 10 : 2400) : {}),
  ...(want('inspect') ? await inspectBench(quick ? 2 : 10) : {}),
  ...(want('md') ? await mdHopBench(quick, log) : {}),
};

type Target = { measured: number | null; target: string; pass: boolean | null };
const atLeast = (x: unknown, t: number): Target => ({ measured: typeof x === 'number' ? x : null, target: `>= ${t}`, pass: typeof x === 'number' ? x >= t : null });
const atMost = (x: unknown, t: number): Target => ({ measured: typeof x === 'number' ? x : null, target: `<= ${t}`, pass: typeof x === 'number' ? x <= t : null });
const m = measures;
const j = (m.journal ?? {}) as Record<string, unknown>;
/** The issue's targets (docs/benchmarks.md), each with its measure in this run. */
const targets: Record<string, Target> = {
  ...(want('replay')
    ? { replayQuotesPerSec: atLeast(m.replayQuotesPerSec, 1_000_000), replayVsBaseline: atLeast(m.replayVsBaseline, 0.5) }
    : {}),
  ...(want('latency') ? { quoteToOrderP99Us: atMost(m.quoteToOrderP99Us, 20), fillToHedgeP99Us: atMost(m.fillToHedgeP99Us, 20) } : {}),
  ...(want('latency') ? { journalQuoteToOrderP99Us: { measured: (j.quoteToOrderP99Us as number | null) ?? null, target: 'reported', pass: null } } : {}),
  ...(want('strategies')
    ? {
        strategies1000QuotesPerSec: atLeast(m.strategies1000QuotesPerSec, 200_000),
        strategies1000RssMB: atMost(m.strategies1000RssMB, 400),
        // "Flat": the cost per quote at 1,000 strategies at most 1.5× the cost at 10.
        strategiesCostGrowth: atMost(m.strategiesCostGrowth, 1.5),
      }
    : {}),
  ...(want('month') ? { monthAlgosCompleted: atLeast(m.monthAlgosCompleted, 1_000_000), monthHeapGrowthPct: atMost(m.monthHeapGrowthPct, 10) } : {}),
  ...(want('inspect') ? { inspectOnVsOff: atLeast(m.inspectOnVsOff, 0.5) } : {}),
  // Issue 17 asks for the hop to be measured, with no target: reported beside the in-process path of the same run.
  ...(want('md')
    ? {
        mdHopP50Us: { measured: (m.mdHopP50Us as number | null) ?? null, target: 'reported', pass: null },
        mdHopP99Us: { measured: (m.mdHopP99Us as number | null) ?? null, target: 'reported', pass: null },
        mdInProcessP50Us: { measured: (m.mdInProcessP50Us as number | null) ?? null, target: 'reported', pass: null },
        mdInProcessP99Us: { measured: (m.mdInProcessP99Us as number | null) ?? null, target: 'reported', pass: null },
      }
    : {}),
};
if (!json) {
  log('\ntargets');
  for (const [k, t] of Object.entries(targets)) log(`  ${k.padEnd(28)} ${String(t.measured).padStart(12)}  ${t.target.padEnd(12)} ${t.pass === null ? '' : t.pass ? 'met' : 'NOT met'}`);
}
const machine = { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown' };
if (json) console.log(JSON.stringify({ machine, targets, measures }));
