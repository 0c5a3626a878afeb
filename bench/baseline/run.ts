import type { EngineConfig } from '../../src/config/resolve.js';
import type { QuoteTable } from '../../src/data/quote-table.js';
import type { TradeTable } from '../../src/data/trade-table.js';
import { Decimal } from '../../src/domain/decimal.js';
import { calendarFor } from '../../src/domain/session-calendar.js';
import { BaselineExchange, T_ARRIVE, T_CANCEL, T_REPLACE, T_REPORT, type Report } from './exchange.js';
import { Algo, deliverReport, orderStale, Strategy, T_ALGO_ENTRY, T_ALGO_PENDING, T_ALGO_SENDER, T_ALGO_STEP, T_ORDER_STALE, View, type BaselineExecution, type Books, type Host, type Order, type TakerSpec } from './taker.js';
import { TimerQueue, type Timer } from './timers.js';

/**
 * The hand-written baseline of `runBacktest` on a replay: the recorded rows replayed instant by instant through
 * its own exchange core (bench/baseline/exchange.ts), each strategy's market view and decision filter, the strategy
 * and its taker algo with the hedge ladder (bench/baseline/taker.ts), and a clean stop at the end. Plain TypeScript
 * in integer ticks and lots; Decimal only for the realized spreads and the PnL. See bench/baseline/README.md.
 */

export interface BaselineResult {
  executions: BaselineExecution[];
  counts: { quotes: number; views: number; orders: number; fills: number; unrouted: number; executions: number };
  ladder: Books['ladder'];
  /** Gross PnL over every strategy (cash from fills plus positions at the last two-sided mid), or null. */
  gross: string | null;
  /** Per strategy, signed lots per leg from every fill. */
  positions: Record<string, number[]>;
  /** Algos still running when the stop's grace period ran out. */
  unfinished: number;
  trace: string[] | null;
}

export interface BaselineOptions {
  trades?: TradeTable;
  /** Keep a line per order, cancel and fill (for comparing runs). */
  trace?: boolean;
}

const T_VIEW_STALE = 20;
const T_VIEW_PENDING = 21;
/** How long (simulated) the stop lets algos finish, as the engine's stop. */
const STOP_GRACE_MS = 5 * 60_000;

const openCalendars = new WeakMap<object, boolean>();
/** Whether a calendar never closes (checked once per calendar object: the check costs milliseconds). */
function alwaysOpen(calendar: EngineConfig['venue']['calendar'], at: number): boolean {
  let open = openCalendars.get(calendar);
  if (open === undefined) openCalendars.set(calendar, (open = calendarFor(calendar).nextBoundary(at) === null));
  return open;
}

/** A strategy's market-view stage: the latest quote per leg, the view it last emitted, the decision filter. */
class Stage {
  readonly has: boolean[];
  readonly bid: number[];
  readonly ask: number[];
  readonly bidSize: number[];
  readonly askSize: number[];
  readonly ts: number[];
  readonly view: View;
  private emitted = false;
  private lastMask = -1;
  staleTimer: Timer | null = null;
  pendingTimer: Timer | null = null;
  views = 0;
  private readonly factors: number[];
  private readonly tms: number[];
  private readonly triggers: TakerSpec['triggers'];

  constructor(
    readonly strategy: Strategy,
    private readonly timers: TimerQueue,
    private readonly staleAfterMs: number,
    factors: readonly number[],
  ) {
    const n = factors.length;
    this.has = new Array<boolean>(n).fill(false);
    this.bid = new Array<number>(n).fill(0);
    this.ask = new Array<number>(n).fill(0);
    this.bidSize = new Array<number>(n).fill(0);
    this.askSize = new Array<number>(n).fill(0);
    this.ts = new Array<number>(n).fill(0);
    this.view = strategy.market;
    this.factors = [...factors];
    this.tms = [...strategy.spec.tms];
    this.triggers = strategy.spec.triggers;
  }

  quote(leg: number, bid: number, bidSize: number, ask: number, askSize: number, now: number, more: boolean): void {
    this.has[leg] = true;
    this.bid[leg] = bid;
    this.bidSize[leg] = bidSize;
    this.ask[leg] = ask;
    this.askSize[leg] = askSize;
    this.ts[leg] = now;
    if (more) {
      // The instant is incomplete: decide once it is whole (here, or on a zero-delay timer if its last row is not ours).
      if (this.pendingTimer === null) this.pendingTimer = this.timers.after(0, T_VIEW_PENDING, this);
      return;
    }
    if (this.pendingTimer !== null) {
      this.pendingTimer.cancelled = true;
      this.pendingTimer = null;
    }
    this.evaluate(now);
  }

  pendingFired(now: number): void {
    this.pendingTimer = null;
    this.evaluate(now);
  }

  staleFired(now: number): void {
    this.staleTimer = null;
    if (this.pendingTimer === null) this.evaluate(now);
  }

  private evaluate(now: number): void {
    const v = this.view;
    const n = this.factors.length;
    const stale = this.staleAfterMs;
    let changed = !this.emitted;
    let all = true;
    let sBid = 0;
    let sAsk = 0;
    let sBidSize = Infinity;
    let sAskSize = Infinity;
    let oldest = Infinity;
    for (let i = 0; i < n; i++) {
      const bs = this.bidSize[i]!;
      const as = this.askSize[i]!;
      const b = this.bid[i]!;
      const a = this.ask[i]!;
      const ok = this.has[i]! && bs > 0 && as > 0 && b < a && !(now - this.ts[i]! > stale);
      if (ok) {
        if (this.ts[i]! < oldest) oldest = this.ts[i]!;
        if (!v.ok[i] || v.lbid[i] !== b || v.lask[i] !== a || v.lbidSize[i] !== bs || v.laskSize[i] !== as) changed = true;
        const f = this.factors[i]!;
        sBid += f > 0 ? f * b : f * a;
        sAsk += f > 0 ? f * a : f * b;
        const tm = this.tms[i]!;
        if (tm !== 0) {
          const m = tm > 0 ? tm : -tm;
          const x = Math.floor((tm > 0 ? bs : as) / m);
          const y = Math.floor((tm > 0 ? as : bs) / m);
          if (x < sBidSize) sBidSize = x;
          if (y < sAskSize) sAskSize = y;
        }
      } else {
        all = false;
        if (v.ok[i]) changed = true;
      }
    }
    const quoted = all && sBidSize > 0 && sAskSize > 0;
    if (quoted !== v.quoted || (quoted && (v.bid !== sBid || v.ask !== sAsk || v.bidSize !== sBidSize || v.askSize !== sAskSize))) changed = true;
    if (changed) {
      this.emitted = true;
      v.at = now;
      v.quoted = quoted;
      if (quoted) {
        v.bid = sBid;
        v.ask = sAsk;
        v.bidSize = sBidSize;
        v.askSize = sAskSize;
      }
      for (let i = 0; i < n; i++) {
        const ok = this.has[i]! && this.bidSize[i]! > 0 && this.askSize[i]! > 0 && this.bid[i]! < this.ask[i]! && !(now - this.ts[i]! > stale);
        v.ok[i] = ok;
        if (ok) {
          v.lbid[i] = this.bid[i]!;
          v.lask[i] = this.ask[i]!;
          v.lbidSize[i] = this.bidSize[i]!;
          v.laskSize[i] = this.askSize[i]!;
        }
      }
      // The decision filter: a view passes when the decision mask changed, or while an algo runs.
      const t = this.triggers;
      let mask = 0;
      if (quoted) {
        mask = 1;
        if (t.longEntry !== null && sAsk <= t.longEntry) mask |= 2;
        if (t.longExit !== null && sBid >= t.longExit) mask |= 4;
        if (t.shortEntry !== null && sBid >= t.shortEntry) mask |= 8;
        if (t.shortExit !== null && sAsk <= t.shortExit) mask |= 16;
      }
      const maskChanged = mask !== this.lastMask;
      this.lastMask = mask;
      if (maskChanged || this.strategy.algo !== null) {
        this.views++;
        this.strategy.onView();
      }
    }
    // Wake up when the oldest usable leg goes stale (a timer already armed for earlier is kept).
    if (oldest < Infinity && this.staleTimer === null) this.staleTimer = this.timers.after(oldest + stale + 1 - now, T_VIEW_STALE, this);
  }
}

/** Runs the baseline over a loaded quote table, as `runBacktest(config, { quotes })` runs the engine. */
export function runBaseline(config: EngineConfig, table: QuoteTable, options: BaselineOptions = {}): BaselineResult {
  if (config.venue.kind !== 'replay') throw new Error('baseline: a replay config is needed');
  const venue = config.venue;
  const f = venue.faults;
  if (f && ((f.rejectRate ?? 0) > 0 || (f.cancelRejectRate ?? 0) > 0 || (f.duplicateRate ?? 0) > 0 || (f.lateRate ?? 0) > 0 || (f.disconnects?.length ?? 0) > 0)) {
    throw new Error('baseline: venue faults are not modelled');
  }
  if (!alwaysOpen(venue.calendar, table.ts[0] ?? 0)) throw new Error('baseline: only an always-open calendar is modelled');
  if ((config.risk.orderRate ?? config.risk.priceBandTicks) !== undefined || config.risk.instruments.size > 0) throw new Error('baseline: pre-trade risk limits are not modelled');

  const start = table.ts[0]!;
  const end = table.ts[table.length - 1]!;
  const timers = new TimerQueue(start);
  const instruments = venue.instruments;
  const index = new Map(instruments.map((i, k) => [i.symbol, k]));
  const exchange = new BaselineExchange(
    timers,
    instruments.map((i) => ({ submitMs: i.latency?.submitMs ?? venue.latencyMs, cancelMs: i.latency?.cancelMs ?? venue.latencyMs, reportMs: i.latency?.reportMs ?? venue.latencyMs })),
    instruments.map((i) => i.queue !== false),
  );
  const books: Books = { orders: 0, fills: 0, unrouted: 0, ladder: { resting: 0, crossing: 0, unwinding: 0, paused: 0, failed: 0 }, trace: options.trace ? [] : null };
  const executions: BaselineExecution[] = [];
  const host: Host = {
    timers,
    exchange,
    books,
    onFill(strategy: Strategy, o: Order, r: Report) {
      strategy.cashTicks[o.leg]! -= o.side * r.qty * r.price;
      strategy.fillLots[o.leg]! += o.side * r.qty;
    },
    onExecution(e) {
      executions.push(e);
    },
  };

  // Strategies, their stages, and the routing of each instrument's quotes to the stages that trade it.
  const routes: { stage: Stage; leg: number }[][] = instruments.map(() => []);
  const strategies: Strategy[] = [];
  const stages: Stage[] = [];
  for (const s of config.strategies) {
    if (s.spec.algo.kind !== 'taker') throw new Error(`baseline: only the taker algo is modelled (${s.spec.name} is ${s.spec.algo.kind})`);
    const a = s.spec.algo;
    const def = s.definition;
    const spec: TakerSpec = {
      name: s.spec.name,
      triggers: { ...s.spec.triggers },
      target: s.spec.target,
      tms: [...a.tradingMultipliers],
      syms: a.symbols.map((sym) => index.get(sym)!),
      activeLeg: a.activeLeg ?? a.tradingMultipliers.findIndex((tm) => tm !== 0),
      payupTicks: a.payupTicks,
      resubmitMs: a.resubmitMs,
      repriceTicks: a.repriceTicks,
      entryWhileHedging: a.entryWhileHedging,
      // The replay venue can replace: the engine re-prices stale hedges in place, and so does the baseline.
      replaces: true,
      rounding: a.rounding,
      stopPolicy: a.stopPolicy,
      maxOrderLots: [...a.maxOrderLots],
      hedge: { ...a.hedge },
      priceMultipliers: def.legs.map((l) => l.priceMultiplier),
      tickSizes: def.legs.map((l) => l.tickSize),
    };
    const strategy = new Strategy(spec, new View(spec.tms.length), host);
    const stage = new Stage(strategy, timers, s.staleAfterMs, a.factors);
    strategies.push(strategy);
    stages.push(stage);
    spec.syms.forEach((k, leg) => routes[k]!.push({ stage, leg }));
  }

  // Per table symbol: its instrument, tick and lot size (as the replay venue converts them).
  const symInstrument = table.symbols.map((s) => index.get(s) ?? -1);
  const symTick = table.symbols.map((s) => Number(instruments[index.get(s) ?? -1]?.tickSize ?? NaN));
  const symLot = table.symbols.map((s) => Number(instruments[index.get(s) ?? -1]?.lotSize ?? NaN));
  const trades = options.trades;
  const tradeInstrument = trades ? trades.symbols.map((s) => index.get(s) ?? -1) : [];
  const tradeTick = trades ? trades.symbols.map((s) => Number(instruments[index.get(s) ?? -1]?.tickSize ?? NaN)) : [];
  const tradeLot = trades ? trades.symbols.map((s) => Number(instruments[index.get(s) ?? -1]?.lotSize ?? NaN)) : [];
  // The last two-sided quote per instrument (the marks).
  const markBid = instruments.map(() => NaN);
  const markAsk = instruments.map(() => NaN);

  const n = table.length;
  const ts = table.ts;
  const sym = table.sym;
  let next = 0;
  let nextTrade = 0;
  let quotes = 0;
  const nextAt = (): number => {
    const q = next < n ? ts[next]! : Infinity;
    return trades && nextTrade < trades.length ? Math.min(q, trades.ts[nextTrade]!) : q;
  };
  // The replay's own timer: one at a time, ordered against the others by when it was armed.
  let replayAt = timers.now + Math.max(0, nextAt() - timers.now);
  let replaySeq = timers.seq++;

  const replay = (): void => {
    const now = timers.now;
    if (trades) {
      while (nextTrade < trades.length && trades.ts[nextTrade]! <= now) {
        const i = nextTrade++;
        const k = tradeInstrument[trades.sym[i]!]!;
        if (k < 0) continue;
        const tick = tradeTick[trades.sym[i]!]!;
        const volume = Math.floor(trades.volume[i]! / tradeLot[trades.sym[i]!]! + 1e-9);
        if (volume > 0) exchange.printTrade(k, Math.round(trades.low[i]! / tick), Math.round(trades.high[i]! / tick), volume);
      }
    }
    while (next < n && ts[next]! <= now) {
      const i = next++;
      const s = sym[i]!;
      const k = symInstrument[s]!;
      const lot = symLot[s]!;
      const tick = symTick[s]!;
      const bidSize = Math.floor(table.bidSize[i]! / lot + 1e-9);
      const askSize = Math.floor(table.askSize[i]! / lot + 1e-9);
      const bid = bidSize > 0 ? Math.round(table.bid[i]! / tick) : 0;
      const ask = askSize > 0 ? Math.round(table.ask[i]! / tick) : 0;
      const more = next < n && ts[next]! <= now;
      quotes++;
      if (k < 0) continue;
      exchange.setBook(k, bid, bidSize, ask, askSize);
      if (bidSize > 0 && askSize > 0) {
        markBid[k] = bid;
        markAsk[k] = ask;
      }
      const r = routes[k]!;
      for (let j = 0; j < r.length; j++) r[j]!.stage.quote(r[j]!.leg, bid, bidSize, ask, askSize, now, more);
      exchange.match(k);
    }
    const at = nextAt();
    if (at === Infinity) replayAt = Infinity;
    else {
      replayAt = now + Math.max(0, at - now);
      replaySeq = timers.seq++;
    }
  };

  const dispatch = (t: Timer): void => {
    switch (t.kind) {
      case T_ARRIVE:
        exchange.arrive(t.ref as Order);
        break;
      case T_CANCEL:
        exchange.arriveCancel(t.ref as Order);
        break;
      case T_REPLACE:
        exchange.arriveReplace(t.ref as Order, t.arg as number);
        break;
      case T_REPORT:
        deliverReport(t.ref as Order, t.arg as Report);
        break;
      case T_ORDER_STALE:
        orderStale(t.ref as Order);
        break;
      case T_ALGO_PENDING:
      case T_ALGO_ENTRY:
      case T_ALGO_STEP:
      case T_ALGO_SENDER:
        (t.ref as Algo).fire(t.kind);
        break;
      case T_VIEW_STALE:
        (t.ref as Stage).staleFired(timers.now);
        break;
      case T_VIEW_PENDING:
        (t.ref as Stage).pendingFired(timers.now);
        break;
    }
  };

  /** Fires the next event at or before `limit` (the replay or a timer); false when there is none. */
  const step = (limit: number): boolean => {
    const top = timers.peek();
    if (replayAt !== Infinity && (!top || replayAt < top.at || (replayAt === top.at && replaySeq < top.seq))) {
      if (replayAt > limit) return false;
      if (replayAt > timers.now) timers.now = replayAt;
      replay();
      return true;
    }
    if (!top || top.at > limit) return false;
    timers.pop();
    if (top.at > timers.now) timers.now = top.at;
    dispatch(top);
    return true;
  };

  const until = end + 1;
  while (step(until));
  if (until > timers.now) timers.now = until;
  // The stop: every strategy stops its algo (the entry halts, the hedge completes), and the clock runs on until
  // every algo has ended, at most STOP_GRACE_MS.
  for (const s of strategies) s.stop();
  const deadline = timers.now + STOP_GRACE_MS;
  while (strategies.some((s) => !s.stopped) && step(deadline));

  // PnL (gross) at the edge, in Decimal.
  let gross: Decimal | null = new Decimal(0);
  const positions: Record<string, number[]> = {};
  config.strategies.forEach((s, k) => {
    const st = strategies[k]!;
    positions[s.spec.name] = [...st.fillLots];
    if (gross === null) return;
    let g = new Decimal(0);
    for (const l of s.definition.legs) {
      const cash = st.cashTicks[l.index]!;
      if (cash !== 0) g = g.plus(l.tickSize.times(cash).times(l.lotSize).times(l.contractMultiplier));
      const lots = st.fillLots[l.index]!;
      if (lots === 0) continue;
      const k2 = index.get(l.symbol)!;
      if (Number.isNaN(markBid[k2]!)) {
        gross = null;
        return;
      }
      const mark = l.tickSize.times(markBid[k2]! + markAsk[k2]!).div(2);
      g = g.plus(mark.times(l.lotSize).times(lots).times(l.contractMultiplier));
    }
    gross = (gross as Decimal).plus(g);
  });

  return {
    executions,
    counts: { quotes, views: stages.reduce((a, s) => a + s.views, 0), orders: books.orders, fills: books.fills, unrouted: books.unrouted, executions: executions.length },
    ladder: books.ladder,
    gross: gross === null ? null : (gross as Decimal).toFixed(),
    positions,
    unfinished: strategies.filter((s) => !s.stopped).length,
    trace: books.trace,
  };
}
