import { Subject } from 'rxjs';
import type { Clock, TimerId } from '../../clock/clock.js';
import { Decimal } from '../../domain/decimal.js';
import { ConfigError } from '../../domain/errors.js';
import type { OrderCommand, VenueReport } from '../../domain/orders.js';
import type { LegQuote } from '../../domain/quote.js';
import { SessionCalendar, type CalendarSpec } from '../../domain/session-calendar.js';
import type { InstrumentInfo, Venue } from '../venue.js';
import { MarketModel } from './market-model.js';
import { Random } from './random.js';

export interface SimInstrumentSpec {
  symbol: string;
  tickSize: string;
  lotSize: string;
  /** Mean time between quote updates, ms (exponentially distributed). */
  quoteIntervalMs: number;
  /** Displayed size on each side is drawn uniformly from [min, max] lots. */
  size: { min: number; max: number };
  /** Bid–ask width in ticks (default 1). */
  widthTicks?: number;
  /** A random-walk instrument: its start price and volatility (price units per √second). */
  start?: string;
  volatility?: string;
  /** Or one cointegrated with another: mid = beta · other + s, s mean-reverting around `mean`. */
  follows?: { symbol: string; beta: string; mean: string; sd: string; halfLifeSeconds: number };
  /** This leg's own latencies, ms (each defaults to the venue's latencyMs). */
  latency?: { submitMs?: number; cancelMs?: number; reportMs?: number };
  /** Model queue position: a resting order fills only after the displayed size ahead of it has traded. Default true. */
  queue?: boolean;
}

/** Seeded venue faults. Rates are probabilities per order, cancel or report; all default to 0. */
export interface SimFaults {
  /** An order is rejected at the matcher. */
  rejectRate?: number;
  /** A cancel is rejected (the order stays live). */
  cancelRejectRate?: number;
  /** A report is delivered twice. */
  duplicateRate?: number;
  /** A report is delayed by `lateMs` more, so later reports overtake it. */
  lateRate?: number;
  lateMs?: number;
  /** Planned disconnects: from `afterMs` after start, for `durationMs`. */
  disconnects?: { afterMs: number; durationMs: number }[];
}

export interface SimVenueSpec {
  seed: number;
  /** One-way latency, ms: an order reaches the matcher after it, and a report reaches the engine after it. */
  latencyMs: number;
  /** When the market quotes and accepts orders. */
  calendar: CalendarSpec;
  instruments: SimInstrumentSpec[];
  faults?: SimFaults;
}

/** The connection between the engine and the venue. */
export interface VenueStatus {
  connected: boolean;
  at: number;
}

interface Book {
  bid: number;
  bidSize: number;
  ask: number;
  askSize: number;
}

interface RestingOrder {
  cmd: OrderCommand;
  filled: number;
  /** Displayed lots ahead of this order at its price (queue model). */
  ahead: number;
}

/**
 * The embedded simulated exchange, on the engine's clock.
 * - Marketable orders fill at the touch up to the displayed size; the rest rests. A resting order fills at
 *   its price when a later quote trades through it; with the queue model it also fills when the displayed
 *   size at its price shrinks by more than the size that was ahead of it.
 * - Orders, cancels and reports take their leg's latency, so a cancel can race a fill.
 * - Orders outside the calendar's sessions are rejected; the book is cleared at each close.
 * - Seeded faults: rejects, cancel rejects, duplicate and late reports, and disconnects, during which no
 *   quote or report reaches the engine (reports are delivered on reconnect) and orders and cancels are
 *   refused at once. Faults draw from their own random stream, so they do not change the market's path.
 */
export class SimulatedVenue implements Venue {
  readonly name = 'simulated';
  readonly quotes$ = new Subject<LegQuote>();
  readonly reports$ = new Subject<VenueReport>();
  readonly status$ = new Subject<VenueStatus>();
  private readonly infos: InstrumentInfo[];
  private readonly specs = new Map<string, SimInstrumentSpec>();
  private readonly books = new Map<string, Book>();
  private readonly resting = new Map<string, RestingOrder>();
  private readonly seen = new Set<string>();
  private readonly done = new Map<string, RestingOrder>();
  private readonly positionLots = new Map<string, number>();
  private readonly timers = new Set<TimerId>();
  private readonly random: Random;
  private readonly faultRandom: Random;
  private readonly symbolOf = new Map<string, string>();
  private connected = true;
  private readonly held: VenueReport[] = [];
  private readonly model: MarketModel;
  private readonly calendar: SessionCalendar;
  private tradeSeq = 0;
  private running = false;

  constructor(
    readonly spec: SimVenueSpec,
    private readonly clock: Clock,
  ) {
    this.calendar = new SessionCalendar(spec.calendar, 'venue.calendar.');
    this.random = new Random(spec.seed);
    this.faultRandom = new Random(spec.seed + 0x51f15e);
    const symbols = new Set(spec.instruments.map((i) => i.symbol));
    const bases = [];
    const followers = [];
    for (const [n, i] of spec.instruments.entries()) {
      const p = `venue.instruments[${n}]`;
      if (i.follows) {
        if (!symbols.has(i.follows.symbol)) throw new ConfigError(`${p}.follows.symbol`, 'names no instrument of this venue', i.follows.symbol);
        if (i.follows.symbol === i.symbol) throw new ConfigError(`${p}.follows.symbol`, 'an instrument cannot follow itself', i.symbol);
        followers.push({
          symbol: i.symbol,
          follows: i.follows.symbol,
          beta: Number(i.follows.beta),
          mean: Number(i.follows.mean),
          sd: Number(i.follows.sd),
          halfLifeSeconds: i.follows.halfLifeSeconds,
        });
      } else {
        if (i.start === undefined || i.volatility === undefined) throw new ConfigError(p, 'needs either `follows`, or both `start` and `volatility`', i.symbol);
        bases.push({ symbol: i.symbol, start: Number(i.start), volatility: Number(i.volatility) });
      }
      this.specs.set(i.symbol, i);
      this.positionLots.set(i.symbol, 0);
    }
    for (const f of followers) {
      if (followers.some((g) => g.symbol === f.follows)) throw new ConfigError('venue.instruments', `${f.symbol} follows ${f.follows}, which itself follows another instrument`);
    }
    this.model = new MarketModel(this.random, bases, followers);
    this.infos = spec.instruments.map((i) => ({ symbol: i.symbol, tickSize: new Decimal(i.tickSize), lotSize: new Decimal(i.lotSize) }));
  }

  instruments(): readonly InstrumentInfo[] {
    return this.infos;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const now = this.clock.now();
    this.model.advance(now);
    for (const i of this.spec.instruments) this.scheduleQuote(i.symbol, now + this.random.exponential(i.quoteIntervalMs));
    for (const d of this.spec.faults?.disconnects ?? []) {
      this.at(now + d.afterMs, () => this.setConnected(false));
      this.at(now + d.afterMs + d.durationMs, () => this.setConnected(true));
    }
  }

  /** Whether the engine is connected to the venue now. */
  isConnected(): boolean {
    return this.connected;
  }

  stop(): void {
    this.running = false;
    for (const t of this.timers) this.clock.clearTimeout(t);
    this.timers.clear();
  }

  submit(order: OrderCommand): void {
    // Every fault comes back as a report: before start(), after stop(), or while disconnected.
    if (!this.running || !this.connected) {
      this.reports$.next({ type: 'order.rejected', clientId: order.clientId, reason: this.running ? 'disconnected' : 'venue not running', at: this.clock.now() });
      return;
    }
    this.symbolOf.set(order.clientId, order.symbol);
    this.later(this.latency(order.symbol).submitMs, () => this.arrive(order));
  }

  cancel(clientId: string): void {
    if (!this.running || !this.connected) {
      this.reports$.next({ type: 'order.cancelRejected', clientId, reason: this.running ? 'disconnected' : 'venue not running', at: this.clock.now() });
      return;
    }
    this.later(this.latency(this.symbolOf.get(clientId)).cancelMs, () => this.arriveCancel(clientId));
  }

  /** Lots held per symbol by everything this venue filled. */
  positions(): Record<string, number> {
    return Object.fromEntries(this.positionLots);
  }

  /** Orders resting now. */
  openOrders(): OrderCommand[] {
    return [...this.resting.values()].map((r) => r.cmd);
  }

  /** The current book of a symbol (after this venue's own fills consumed displayed size). */
  book(symbol: string): Readonly<Book> | undefined {
    return this.books.get(symbol);
  }

  isOpen(t = this.clock.now()): boolean {
    return this.calendar.isOpen(t);
  }

  private latency(symbol: string | undefined): { submitMs: number; cancelMs: number; reportMs: number } {
    const l = symbol === undefined ? undefined : this.specs.get(symbol)?.latency;
    const d = this.spec.latencyMs;
    return { submitMs: l?.submitMs ?? d, cancelMs: l?.cancelMs ?? d, reportMs: l?.reportMs ?? d };
  }

  private later(ms: number, fn: () => void): void {
    const id = this.clock.setTimeout(() => {
      this.timers.delete(id);
      if (this.running) fn();
    }, ms);
    this.timers.add(id);
  }

  private at(t: number, fn: () => void): void {
    this.later(Math.max(0, t - this.clock.now()), fn);
  }

  private chance(rate: number | undefined): boolean {
    return rate !== undefined && rate > 0 && this.faultRandom.uniform() < rate;
  }

  /** A report leaves the matcher now and reaches the engine after the leg's report latency (or later). */
  private report(r: VenueReport): void {
    const f = this.spec.faults;
    const delay = this.latency(this.symbolOf.get(r.clientId)).reportMs + (this.chance(f?.lateRate) ? (f?.lateMs ?? 0) : 0);
    this.later(delay, () => this.deliver(r));
    if (this.chance(f?.duplicateRate)) this.later(delay + 1, () => this.deliver(r));
  }

  private deliver(r: VenueReport): void {
    if (this.connected) this.reports$.next(r);
    else this.held.push(r);
  }

  private setConnected(connected: boolean): void {
    if (this.connected === connected) return;
    this.connected = connected;
    this.status$.next({ connected, at: this.clock.now() });
    if (connected) for (const r of this.held.splice(0)) this.reports$.next(r);
  }

  private scheduleQuote(symbol: string, at: number): void {
    const id = this.clock.setTimeout(() => {
      this.timers.delete(id);
      if (this.running) this.quote(symbol);
    }, Math.max(1, Math.round(at - this.clock.now())));
    this.timers.add(id);
  }

  private quote(symbol: string): void {
    const now = this.clock.now();
    const spec = this.specs.get(symbol)!;
    if (!this.calendar.isOpen(now)) {
      // Last session's book is gone: the first order of the next session must not trade against it.
      this.books.delete(symbol);
      const next = this.calendar.nextBoundary(now);
      if (next) this.scheduleQuote(symbol, next.at + this.random.exponential(spec.quoteIntervalMs));
      return;
    }
    this.model.advance(now);
    const tick = Number(spec.tickSize);
    const bid = Math.floor(this.model.mid(symbol) / tick);
    const book: Book = {
      bid,
      ask: bid + (spec.widthTicks ?? 1),
      bidSize: this.random.int(spec.size.min, spec.size.max),
      askSize: this.random.int(spec.size.min, spec.size.max),
    };
    const previous = this.books.get(symbol);
    this.books.set(symbol, book);
    if (this.connected) this.quotes$.next({ symbol, ...book, ts: now });
    this.match(symbol, book, previous);
    this.scheduleQuote(symbol, now + this.random.exponential(spec.quoteIntervalMs));
  }

  private arrive(cmd: OrderCommand): void {
    const now = this.clock.now();
    const reject = (reason: string): void => this.report({ type: 'order.rejected', clientId: cmd.clientId, reason, at: now });
    if (this.seen.has(cmd.clientId)) return reject('duplicate clientId');
    this.seen.add(cmd.clientId);
    if (!this.specs.has(cmd.symbol)) return reject(`unknown symbol ${cmd.symbol}`);
    if (!Number.isSafeInteger(cmd.qty) || cmd.qty <= 0) return reject(`quantity must be a positive whole number of lots (got ${cmd.qty})`);
    if (!Number.isSafeInteger(cmd.price)) return reject(`price must be a whole number of ticks (got ${cmd.price})`);
    if (cmd.side !== 1 && cmd.side !== -1) return reject(`side must be 1 or -1 (got ${String(cmd.side)})`);
    if (!this.calendar.isOpen(now)) return reject('market closed');
    if (this.chance(this.spec.faults?.rejectRate)) return reject('simulated reject');
    this.report({ type: 'order.accepted', clientId: cmd.clientId, at: now });
    const order: RestingOrder = { cmd, filled: 0, ahead: 0 };
    const book = this.books.get(cmd.symbol);
    if (book) {
      // Marketable: take the touch, up to the displayed size.
      if (cmd.side > 0 && cmd.price >= book.ask && book.askSize > 0) {
        const q = Math.min(cmd.qty, book.askSize);
        book.askSize -= q;
        this.fill(order, q, book.ask);
      } else if (cmd.side < 0 && cmd.price <= book.bid && book.bidSize > 0) {
        const q = Math.min(cmd.qty, book.bidSize);
        book.bidSize -= q;
        this.fill(order, q, book.bid);
      }
    }
    if (order.filled < cmd.qty) {
      // Joining the touch puts the displayed size ahead of this order; a better price is first in line.
      if (book && this.specs.get(cmd.symbol)!.queue !== false) {
        order.ahead = cmd.side > 0 ? (cmd.price === book.bid ? book.bidSize : 0) : cmd.price === book.ask ? book.askSize : 0;
      }
      this.resting.set(cmd.clientId, order);
    } else this.done.set(cmd.clientId, order);
  }

  private arriveCancel(clientId: string): void {
    const now = this.clock.now();
    const order = this.resting.get(clientId);
    if (!order) {
      const reason = this.done.has(clientId) ? 'order already filled or canceled' : 'unknown order';
      this.report({ type: 'order.cancelRejected', clientId, reason, at: now });
      return;
    }
    if (this.chance(this.spec.faults?.cancelRejectRate)) {
      this.report({ type: 'order.cancelRejected', clientId, reason: 'simulated cancel reject', at: now });
      return;
    }
    this.resting.delete(clientId);
    this.done.set(clientId, order);
    this.report({ type: 'order.canceled', clientId, filledQty: order.filled, at: now });
  }

  /**
   * Resting orders against a new quote, in arrival order. An order fills at its price when the market
   * trades through it (up to the displayed size). With the queue model it also fills when its level
   * is taken out (the near touch moves past it) or when the size shown at its level shrinks by more than
   * was ahead of it; a seller meeting a buy that is first in line (or a buyer a sell) fills it too.
   */
  private match(symbol: string, book: Book, previous: Book | undefined): void {
    const queue = this.specs.get(symbol)!.queue !== false;
    for (const [id, o] of this.resting) {
      if (o.cmd.symbol !== symbol) continue;
      const left = o.cmd.qty - o.filled;
      const p = o.cmd.price;
      const buy = o.cmd.side > 0;
      let q = 0;
      if (buy && book.ask < p && book.askSize > 0) {
        q = Math.min(left, book.askSize);
        book.askSize -= q;
      } else if (!buy && book.bid > p && book.bidSize > 0) {
        q = Math.min(left, book.bidSize);
        book.bidSize -= q;
      } else if (queue) {
        const near = buy ? book.bid : book.ask;
        const nearSize = buy ? book.bidSize : book.askSize;
        const far = buy ? book.ask : book.bid;
        const farSize = buy ? book.askSize : book.bidSize;
        const wasNear = previous ? (buy ? previous.bid : previous.ask) : undefined;
        const wasNearSize = previous ? (buy ? previous.bidSize : previous.askSize) : 0;
        if (buy ? near < p : near > p) {
          // The level was taken out: everything at it, this order included, traded.
          q = left;
        } else if (far === p && o.ahead === 0 && farSize > 0) {
          q = Math.min(left, farSize);
          if (buy) book.askSize -= q;
          else book.bidSize -= q;
        } else if (near === p && wasNear === p && wasNearSize > nearSize) {
          const traded = wasNearSize - nearSize;
          const reach = traded - o.ahead;
          o.ahead = Math.max(0, o.ahead - traded);
          if (reach > 0) q = Math.min(left, reach);
        }
      }
      if (q === 0) continue;
      this.fill(o, q, o.cmd.price);
      if (o.filled >= o.cmd.qty) {
        this.resting.delete(id);
        this.done.set(id, o);
      }
    }
  }

  private fill(order: RestingOrder, qty: number, price: number): void {
    order.filled += qty;
    const s = order.cmd.symbol;
    this.positionLots.set(s, this.positionLots.get(s)! + order.cmd.side * qty);
    this.tradeSeq += 1;
    this.report({
      type: 'order.filled',
      clientId: order.cmd.clientId,
      tradeId: `T${this.tradeSeq}`,
      symbol: s,
      side: order.cmd.side,
      qty,
      price,
      at: this.clock.now(),
    });
  }
}
