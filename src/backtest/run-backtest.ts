import { VirtualClock } from '../clock/virtual-clock.js';
import type { EngineConfig } from '../config/resolve.js';
import { loadQuotes, type DataReport } from '../data/load.js';
import type { QuoteTable } from '../data/quote-table.js';
import type { TradeTable } from '../data/trade-table.js';
import { ConfigError, ConfigErrors } from '../domain/errors.js';
import { nakedDeviation } from '../domain/position.js';
import { checkLegQuotes } from '../engine/capabilities.js';
import { createEngine, type Engine, type EngineOptions } from '../engine/engine.js';
import type { FillRecord } from '../engine/records.js';
import type { Summary } from '../engine/summary.js';
import type { SpreadQuote } from '../domain/quote.js';
import { MarketViewStage } from '../streams/market-views.js';
import { ReplayVenue, type ReplayVenueSpec } from '../venue/replay/replay-venue.js';
import { AnalyticsRecorder, SpreadSlots, type BacktestAnalytics } from './analytics.js';

export interface BacktestOptions {
  /** Data files or folders. */
  data: readonly string[];
  /** Bad rows: skip them (default) or stop the run at the first. */
  badData?: 'skip' | 'stop';
  /** Zone of ISO timestamps without an offset (default: the venue calendar's zone). */
  timeZone?: string;
  /** Called about every `progressEveryRows` rows with how far the replay is. */
  onProgress?: (p: { done: number; total: number; now: number }) => void;
  /** Called with the engine before it starts: attach observers (its venue's quotes, records, fills). */
  attach?: (engine: Engine) => void;
  progressEveryRows?: number;
  /** Keep the spread, fill and exposure series for charts (default true). */
  series?: boolean;
  /** Quotes (and trades, if any) already loaded (a sweep loads them once for many runs); `data` is then not read. */
  quotes?: { table: QuoteTable; trades?: TradeTable; report: DataReport };
  /** XState inspection observer of the run's actors (off by default: it roughly doubles the cost of every event). */
  inspect?: EngineOptions['inspect'];
}

/** Time series for the report's charts, per strategy. */
export interface BacktestSeries {
  strategy: string;
  /** [time, spread bid, spread ask] whenever the spread quote changed (decimated to at most 4000 points). */
  spread: [number, number | null, number | null][];
  /**
   * The spread on the charts' time grid (`analytics.grid`), from every change: [slot, last bid, last ask,
   * highest bid, lowest ask] per slot with any (see SpreadSlots).
   */
  spreadSlots: SpreadSlots['rows'];
  triggers: Record<string, number | null>;
  /** Every fill of the strategy, as the engine published it. */
  fills: FillRecord[];
  algos: { algoId: string; start: number; end: number }[];
  /**
   * [time, naked notional] after each fill: per leg, the strategy's lots away from the nearest balanced
   * position, valued at the leg's last fill price, summed over legs.
   */
  exposure: [number, number][];
}

export interface BacktestResult {
  summary: Summary;
  data: DataReport;
  series: BacktestSeries[];
  /** Equity curve, drawdown, round trips, slippage, costs (src/backtest/analytics.ts); null without series. */
  analytics: BacktestAnalytics | null;
  /** Rows replayed per second of wall time. */
  rowsPerSecond: number;
}

/**
 * Runs the very engine that trades over recorded quotes: the same machines and algos, the replay venue
 * matching each leg against its recorded book, on a simulated clock from the first quote to the last.
 */
export async function runBacktest(config: EngineConfig, options: BacktestOptions): Promise<BacktestResult> {
  if (config.venue.kind !== 'replay') {
    throw new ConfigErrors(config.source, [new ConfigError('venue.kind', 'must be "replay" for a backtest (the recorded quotes replace the simulated market)', config.venue.kind)]);
  }
  const venueSpec: ReplayVenueSpec = config.venue;
  const instruments = new Map(venueSpec.instruments.map((i) => [i.symbol, { tickSize: Number(i.tickSize), maxWidthTicks: i.maxWidthTicks }]));
  const { table, report, trades } =
    options.quotes ??
    loadQuotes(options.data, {
      instruments,
      timeZone: options.timeZone ?? venueSpec.calendar.timeZone,
      badData: options.badData ?? 'skip',
    });
  if (table.length === 0) throw new ConfigErrors(config.source, [new ConfigError('venue.instruments', `no usable quotes of ${[...instruments.keys()].join(', ')} in the data`)]);
  // Every leg must have quotes (the table holds only symbols with a usable row): without, it would never trade.
  checkLegQuotes(config, table.symbols, options.data);
  const start = table.ts[0]!;
  const end = table.ts[table.length - 1]!;
  const clock = new VirtualClock(start);
  const venue = new ReplayVenue(venueSpec, table, clock, trades);
  const engine = createEngine({ ...config, run: { start, days: (end - start) / 86_400_000 } }, { clock, venue, ...(options.inspect ? { inspect: options.inspect } : {}) });
  options.attach?.(engine);

  const keep = options.series !== false;
  const recorder = keep ? new AnalyticsRecorder(config, start, end) : null;
  const series = new Map<string, BacktestSeries>(
    config.strategies.map((s) => [
      s.spec.name,
      { strategy: s.spec.name, spread: [], spreadSlots: [], triggers: { ...s.triggerPrices } as Record<string, number | null>, fills: [], algos: [], exposure: [] } as BacktestSeries,
    ]),
  );
  // Turns each strategy's spread series from scaled integers into prices once the run has ended.
  const toPrices: (() => void)[] = [];
  const closeStages: (() => void)[] = [];
  for (const s of config.strategies) {
    const out = series.get(s.spec.name)!;
    for (const [k, v] of Object.entries(s.triggerPrices)) out.triggers[k] = v === null ? null : Number(v);
    if (!keep) continue;
    const def = s.definition;
    // While the run goes the series hold the engine's scaled integer spread prices (a view costs no
    // conversion); they become prices at the end, after decimation: see `scaledToNumber`. They come from a
    // market-view stage of their own that builds no view: it asks its `wants` at every change of the legs' books
    // (the moments it would build one), with the spread quote then, and is told no.
    const slots = new SpreadSlots(recorder!.grid);
    const changes: BacktestSeries['spread'] = [];
    const spreadChanged = (q: SpreadQuote | null): false => {
      const at = clock.now();
      const bid = q ? q.bid : null;
      const ask = q ? q.ask : null;
      slots.add(at, bid, ask);
      const last = changes.at(-1);
      if (!last || last[1] !== bid || last[2] !== ask) changes.push([at, bid, ask]);
      return false;
    };
    const stage = new MarketViewStage(def, { staleAfterMs: s.staleAfterMs, clock, wants: spreadChanged }, () => {});
    venue.quotes$.subscribe((q) => stage.push(q));
    closeStages.push(() => stage.close());
    toPrices.push(() => {
      const price = (n: number | null): number | null => (n === null ? null : scaledToNumber(n, def.scale));
      out.spread = decimate(changes, 4000).map(([at, bid, ask]) => [at, price(bid), price(ask)]);
      out.spreadSlots = slots.rows.map(([slot, bid, ask, highBid, lowAsk]) => [slot, price(bid), price(ask), price(highBid), price(lowAsk)]);
    });
    const lots = def.legs.map(() => 0);
    // Notional of one lot at the leg's last fill price (null before its first fill).
    const lotNotional: (number | null)[] = def.legs.map(() => null);
    const lotSize = def.legs.map((l) => l.lotSize.toNumber());
    const lotValue = def.legs.map((l) => l.lotSize.times(l.contractMultiplier).toNumber());
    engine.fills$.subscribe((f) => {
      if (f.strategy !== s.spec.name) return;
      out.fills.push(f);
      const leg = def.legs.find((l) => l.symbol === f.symbol)!;
      lots[leg.index]! += (f.side === 'buy' ? 1 : -1) * Math.round(Number(f.qty) / lotSize[leg.index]!);
      lotNotional[leg.index] = Math.abs(Number(f.price)) * lotValue[leg.index]!;
      // As the algos measure it: lots away from the nearest balanced position, valued at the last fill.
      const deviation = nakedDeviation(lots, def.tradingMultipliers);
      out.exposure.push([f.at, deviation.reduce((a, n, i) => a + Math.abs(n) * (lotNotional[i] ?? 0), 0)]);
    });
  }
  engine.executions$.subscribe((e) => series.get(e.strategy)?.algos.push({ algoId: e.algoId, start: e.startedAt, end: e.endedAt }));
  // The analytics' equity curve marks the legs at every quote: subscribed before the engine, so a quote moves
  // the marks before the fills it causes.
  if (recorder) {
    venue.quotes$.subscribe((q) => recorder.quote(q));
    engine.fills$.subscribe((f) => recorder.fill(f));
    engine.funding$.subscribe((r) => recorder.funding(r));
    engine.executions$.subscribe((e) => recorder.execution(e));
  }

  const every = options.progressEveryRows ?? 50_000;
  let nextReport = every;
  const t0 = performance.now();
  const summary = await engine.run({
    until: end + 1,
    progressEveryMs: Math.max(1, (end - start) / 200),
    onProgress: (p) => {
      const { done, total } = venue.progress();
      if (done >= nextReport || done === total) {
        nextReport = done + every;
        options.onProgress?.({ done, total, now: p.now });
      }
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  for (const f of closeStages) f();
  for (const f of toPrices) f();
  const analytics = recorder?.finish(Date.parse(summary.run.to)) ?? null;
  return { summary, data: report, series: [...series.values()], analytics, rowsPerSecond: table.length / Math.max(seconds, 1e-9) };
}

/**
 * A scaled integer spread price (units of 1/scale, scale = 10^k with k ≤ 9) as the number nearest its
 * decimal value: the very double `def.fromScaled(scaled).toNumber()` gives, without a Decimal. Both are
 * the exact quotient scaled / scale rounded once to the nearest double (ties to even): decimal.js divides
 * exactly at 40 digits and its string parses with correct rounding; IEEE 754 division of two exactly
 * represented numbers (a safe integer, a power of ten ≤ 10^22) is correctly rounded. The conversion is
 * monotone, and one-to-one while |scaled| < 2^52 − 1, so comparing the integers decides as comparing the prices.
 */
export function scaledToNumber(scaled: number, scale: number): number {
  return scaled / scale;
}

/** Keeps at most n points, evenly, always keeping the last. */
function decimate<T>(points: T[], n: number): T[] {
  if (points.length <= n) return points;
  const step = points.length / n;
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(points[Math.floor(i * step)]!);
  out.push(points.at(-1)!);
  return out;
}
