/**
 * Benchmarks: `npm run bench` prints the figures; `npm run -s bench -- --json` prints one JSON object.
 * Options: --quick (smaller sizes, for a smoke run), --month-seconds N (wall budget of the month run),
 * --only replay,latency,strategies,month,inspect (some sections).
 *
 * Every throughput is measured in this process next to a plain, hand-written TypeScript implementation of
 * the same strategy and taker logic (no XState, no RxJS, the same integer-tick and Decimal handling), so the
 * ratio holds on a noisy machine. Timings never enter the test suite.
 */
import { VirtualClock } from '../src/clock/virtual-clock.js';
import { runBacktest } from '../src/backtest/run-backtest.js';
import { resolveConfig, type EngineConfig } from '../src/config/resolve.js';
import type { ConfigInput } from '../src/config/schema.js';
import { demoConfig } from '../src/config/demo.js';
import type { DataReport } from '../src/data/load.js';
import type { QuoteTable } from '../src/data/quote-table.js';
import { Decimal } from '../src/domain/decimal.js';
import type { OrderCommand } from '../src/domain/orders.js';
import { spreadQuote, type LegQuote } from '../src/domain/quote.js';
import { createEngine } from '../src/engine/engine.js';
import { ReplayVenue } from '../src/venue/replay/replay-venue.js';
import type { Book } from '../src/venue/exchange.js';
import { syntheticQuotes } from './synthetic.js';
import { createInspector } from '../src/inspector/index.js';

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
const pct = (xs: number[], p: number): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;

/** A replay config for `pairs` spreads S_i = A_i − B_i, mean −100, with triggers ±6 around it. */
function replayConfig(pairs: number, latencyMs = 1): ConfigInput {
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
      triggers: { longEntry: '-106', longExit: '-100', shortEntry: '-94', shortExit: '-100' },
      target: 5,
      staleAfterMs: 60_000,
      session: { closingLeadSeconds: 0 },
    });
  }
  return { venue: { kind: 'replay', latencyMs, instruments }, strategies };
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

/**
 * The baseline: the same strategy (flat/long/short, four triggers, target) and a taker that crosses the
 * active leg and hedges the other at the touch, written as a plain loop over the rows.
 */
function baseline(config: EngineConfig, table: QuoteTable): { executions: number; seconds: number } {
  const t0 = performance.now();
  let executions = 0;
  const strategies = config.strategies.map((s) => ({
    def: s.definition,
    triggers: s.spec.triggers,
    target: s.spec.target,
    legs: s.definition.legs.map((): LegQuote | undefined => undefined),
    index: new Map(s.definition.legs.map((l) => [l.symbol, l.index])),
    position: 0,
    stale: s.staleAfterMs,
  }));
  const bySymbol = new Map<string, typeof strategies>();
  for (const s of strategies) for (const l of s.def.legs) bySymbol.set(l.symbol, [...(bySymbol.get(l.symbol) ?? []), s]);
  const routes = table.symbols.map((sym) => bySymbol.get(sym) ?? []);
  for (let i = 0; i < table.length; i++) {
    const ts = table.ts[i]!;
    const q: LegQuote = { symbol: table.symbols[table.sym[i]!]!, bid: Math.round(table.bid[i]!), bidSize: table.bidSize[i]!, ask: Math.round(table.ask[i]!), askSize: table.askSize[i]!, ts };
    for (const s of routes[table.sym[i]!]!) {
      s.legs[s.index.get(q.symbol)!] = q;
      const sq = spreadQuote(s.def, s.legs, ts, s.stale);
      if (!sq) continue;
      const t = s.triggers;
      let side = 0;
      let qty = 0;
      if (s.position >= 0 && s.position < s.target && t.longEntry !== null && sq.ask <= t.longEntry) [side, qty] = [1, Math.min(s.target - s.position, sq.askSize)];
      else if (s.position > 0 && t.longExit !== null && sq.bid >= t.longExit) [side, qty] = [-1, Math.min(s.position, sq.bidSize)];
      else if (s.position <= 0 && -s.position < s.target && t.shortEntry !== null && sq.bid >= t.shortEntry) [side, qty] = [-1, Math.min(s.target + s.position, sq.bidSize)];
      else if (s.position < 0 && t.shortExit !== null && sq.ask <= t.shortExit) [side, qty] = [1, Math.min(-s.position, sq.askSize)];
      if (side === 0 || qty <= 0) continue;
      // Taker: cross the active leg, hedge the passive one at its touch; realized spread in Decimal at the edge.
      const a = s.legs[0]!;
      const b = s.legs[1]!;
      const pa = side > 0 ? a.ask : a.bid;
      const pb = side > 0 ? b.bid : b.ask;
      s.def.realized([new Decimal(pa), new Decimal(pb)]);
      s.position += side * qty;
      executions++;
    }
  }
  return { executions, seconds: (performance.now() - t0) / 1000 };
}

/** A replay venue that times, in wall time, quote → entry order and fill → hedge order inside the engine. */
class TimedReplay extends ReplayVenue {
  readonly quoteToOrder: number[] = [];
  readonly fillToHedge: number[] = [];
  private publishing = -1;
  fillAt = -1;
  protected override publish(symbol: string, book: Book, more = false): void {
    this.publishing = performance.now();
    super.publish(symbol, book, more);
    this.publishing = -1;
  }
  override submit(order: OrderCommand): void {
    const now = performance.now();
    const entry = order.clientId.endsWith('.1');
    if (entry && this.publishing >= 0) this.quoteToOrder.push((now - this.publishing) * 1000);
    if (!entry && this.fillAt >= 0) {
      this.fillToHedge.push((now - this.fillAt) * 1000);
      this.fillAt = -1;
    }
    super.submit(order);
  }
}

async function replayBench(rows: number) {
  log(`replay: ${rows.toLocaleString('en-US')} leg quotes of one spread`);
  const table = syntheticQuotes(rows);
  const config = resolveConfig(replayConfig(1), 'bench');
  const quotes = { table, report: emptyReport(table) };
  // Warm up both.
  await runBacktest(config, { data: [], quotes: { table: syntheticQuotes(50_000, { seed: 3 }), report: emptyReport(table) }, series: false });
  baseline(config, syntheticQuotes(50_000, { seed: 3 }));
  const engineRuns: number[] = [];
  const baseRuns: number[] = [];
  let executions = 0;
  let baseExecutions = 0;
  for (let k = 0; k < 3; k++) {
    gc();
    const t0 = performance.now();
    const r = await runBacktest(config, { data: [], quotes, series: false });
    engineRuns.push(rows / ((performance.now() - t0) / 1000));
    executions = r.summary.counts.executions;
    gc();
    const b = baseline(config, table);
    baseRuns.push(rows / b.seconds);
    baseExecutions = b.executions;
  }
  const replay = pct(engineRuns, 50);
  const base = pct(baseRuns, 50);
  log(`  engine   ${Math.round(replay).toLocaleString('en-US')} quotes/s (median of 3; ${executions} executions)`);
  log(`  baseline ${Math.round(base).toLocaleString('en-US')} quotes/s (median of 3; ${baseExecutions} executions, no latency, fills at the touch)`);
  log(`  ratio    ${round(replay / base, 3)}`);
  return { replayQuotesPerSec: Math.round(replay), baselineQuotesPerSec: Math.round(base), replayVsBaseline: round(replay / base, 3) };
}

async function latencyBench(rows: number) {
  log(`latency: wall time inside the engine, over ${rows.toLocaleString('en-US')} quotes`);
  const table = syntheticQuotes(rows, { seed: 11 });
  const config = resolveConfig(replayConfig(1, 5), 'bench');
  const clock = new VirtualClock(table.ts[0]!);
  const venue = new TimedReplay(config.venue as never, table, clock);
  venue.reports$.subscribe((r) => {
    if (r.type === 'order.filled' && r.clientId.endsWith('.1')) venue.fillAt = performance.now();
  });
  const engine = createEngine({ ...config, run: { start: table.ts[0]!, days: 1 } }, { clock, venue });
  await engine.run({ until: table.ts[table.length - 1]! + 1 });
  const out = {
    quoteToOrderP50Us: round(pct(venue.quoteToOrder, 50)),
    quoteToOrderP99Us: round(pct(venue.quoteToOrder, 99)),
    fillToHedgeP50Us: round(pct(venue.fillToHedge, 50)),
    fillToHedgeP99Us: round(pct(venue.fillToHedge, 99)),
  };
  log(`  quote → entry order  p50 ${out.quoteToOrderP50Us} µs  p99 ${out.quoteToOrderP99Us} µs  (${venue.quoteToOrder.length} samples)`);
  log(`  fill → hedge order   p50 ${out.fillToHedgeP50Us} µs  p99 ${out.fillToHedgeP99Us} µs  (${venue.fillToHedge.length} samples)`);
  return out;
}

async function manyStrategiesBench(pairs: number, rows: number) {
  log(`${pairs} strategies in one process, ${rows.toLocaleString('en-US')} quotes over ${pairs * 2} instruments`);
  const table = syntheticQuotes(rows, { pairs, seed: 5 });
  const config = resolveConfig(replayConfig(pairs), 'bench');
  gc();
  const t0 = performance.now();
  const r = await runBacktest(config, { data: [], quotes: { table, report: emptyReport(table) }, series: false });
  const seconds = (performance.now() - t0) / 1000;
  const rss = rssMB();
  const b = baseline(config, table);
  log(`  engine   ${Math.round(rows / seconds).toLocaleString('en-US')} quotes/s aggregate, RSS ${Math.round(rss)} MB, ${r.summary.counts.executions} executions`);
  log(`  baseline ${Math.round(rows / b.seconds).toLocaleString('en-US')} quotes/s`);
  return { strategies1000QuotesPerSec: Math.round(rows / seconds), strategies1000RssMB: Math.round(rss), strategies1000BaselineQuotesPerSec: Math.round(rows / b.seconds) };
}

/** A simulated month on a fast market with tight triggers: how many algos finish, and does memory stay flat. */
async function monthBench(budgetSeconds: number) {
  log(`month: 30 simulated days, wall budget ${budgetSeconds} s`);
  const c = structuredClone(demoConfig);
  c.run = { start: '2026-11-02T00:00:00', days: 30 };
  c.venue.calendar = { timeZone: 'UTC', days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'], sessions: [{ start: '00:00', end: '00:00' }] };
  c.venue.latencyMs = 1;
  for (const i of c.venue.instruments) i.quoteIntervalMs = 1000;
  c.venue.instruments[1]!.follows = { symbol: 'RB', beta: '1', mean: '180', sd: '6', halfLifeSeconds: 20 };
  c.strategies[0]!.triggers = { longEntry: '179', longExit: '182', shortEntry: '182', shortExit: '179' };
  c.strategies[0]!.session = { closingLeadSeconds: 0 };
  const config = resolveConfig(c, 'month');
  const engine = createEngine(config, { keepExecutions: 1000 });
  const total = 30 * 86_400_000;
  const abort = new AbortController();
  const samples: { algos: number; rss: number; heap: number }[] = [];
  const t0 = performance.now();
  const summary = await engine.run({
    signal: abort.signal,
    progressEveryMs: 6 * 3_600_000,
    onProgress: (p) => {
      gc();
      samples.push({ algos: p.executions, rss: rssMB(), heap: process.memoryUsage().heapUsed / 2 ** 20 });
      if ((performance.now() - t0) / 1000 > budgetSeconds) abort.abort();
      if (!json) process.stdout.write(`\r  ${new Date(p.now).toISOString().slice(0, 16)}  ${p.executions.toLocaleString('en-US')} algos  RSS ${Math.round(rssMB())} MB  heap ${Math.round(samples.at(-1)!.heap)} MB   `);
      void total;
    },
  });
  if (!json) process.stdout.write('\n');
  const algos = summary.counts.executions;
  // Growth from the first sample past 10% of the run to the last, in RSS and in heap after GC.
  const first = samples.find((s) => s.algos >= algos * 0.1) ?? samples[0]!;
  const last = samples.at(-1)!;
  const growth = ((last.rss - first.rss) / first.rss) * 100;
  const heapGrowth = ((last.heap - first.heap) / first.heap) * 100;
  log(`  ${algos.toLocaleString('en-US')} algos finished in ${round((performance.now() - t0) / 1000)} s wall, simulated to ${summary.run.to}`);
  log(`  RSS ${Math.round(first.rss)} → ${Math.round(last.rss)} MB (${round(growth)}%), heap after GC ${Math.round(first.heap)} → ${Math.round(last.heap)} MB (${round(heapGrowth)}%)`);
  return { monthAlgosCompleted: algos, monthRssGrowthPct: round(growth), monthHeapGrowthPct: round(heapGrowth), monthSimulatedTo: summary.run.to };
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
  const offRate = pct(off, 50);
  const onRate = pct(on, 50);
  log(`  off  ${Math.round(offRate).toLocaleString('en-US')} leg quotes/s (median of 3; ${quotes.toLocaleString('en-US')} quotes)`);
  log(`  on   ${Math.round(onRate).toLocaleString('en-US')} leg quotes/s`);
  log(`  ratio ${round(onRate / offRate, 3)} (target ≥ 0.5)`);
  return { inspectOffQuotesPerSec: Math.round(offRate), inspectOnQuotesPerSec: Math.round(onRate), inspectOnVsOff: round(onRate / offRate, 3) };
}

// --only replay,latency,strategies,month,inspect runs some sections.
const only = args.includes('--only') ? new Set(args[args.indexOf('--only') + 1]!.split(',')) : undefined;
const want = (section: string): boolean => !only || only.has(section);
const results = {
  ...(want('replay') ? await replayBench(quick ? 200_000 : 2_000_000) : {}),
  ...(want('latency') ? await latencyBench(quick ? 100_000 : 500_000) : {}),
  ...(want('strategies') ? await manyStrategiesBench(1000, quick ? 100_000 : 1_000_000) : {}),
  ...(want('month') ? await monthBench(Number.isFinite(monthSeconds) ? monthSeconds : quick ? 10 : 120) : {}),
  ...(want('inspect') ? await inspectBench(quick ? 2 : 10) : {}),
  node: process.version,
};
if (json) console.log(JSON.stringify(results));
