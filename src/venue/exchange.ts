import { Subject } from 'rxjs';
import { Broadcast } from './broadcast.js';
import { rearmable, type Clock, type Rearmable, type TimerId } from '../clock/clock.js';
import { Decimal } from '../domain/decimal.js';
import type { OrderChange, OrderCommand, VenueReport } from '../domain/orders.js';
import type { LegQuote } from '../domain/quote.js';
import { calendarFor, type SessionCalendar, type CalendarSpec } from '../domain/session-calendar.js';
import type { InstrumentInfo, Venue } from './venue.js';
import { BoundedMap, BoundedSet } from '../domain/bounded.js';
import { Random } from './simulated/random.js';

/** How many recent client ids the exchange remembers (duplicates, late cancels). */
const REMEMBER = 50_000;

/** What the exchange core needs to know of an instrument. */
export interface ExchangeInstrument {
  symbol: string;
  tickSize: string;
  lotSize: string;
  /** This leg's own latencies, ms (each defaults to the venue's latencyMs). */
  latency?: { submitMs?: number; cancelMs?: number; reportMs?: number };
  /**
   * Model queue position: an order joining the touch waits behind the size displayed there, and a trade
   * printing at exactly its price fills it only once that size has traded (docs/fill-model.md). Without it
   * nothing is ahead of a resting order. Default true.
   */
  queue?: boolean;
}

/**
 * The faults the exchange can play: a reject, a cancel reject, a replace reject (at the cancel reject rate: a
 * replace is a cancel-replace), a duplicate report, a late report, and an order the gateway accepted that the
 * matcher then rejects (no configured rate: only a test venue plays it).
 */
/** The most lots one order may ask for (a config's `maxOrderLots` goes up to the same). */
export const MAX_ORDER_LOTS = 1_000_000_000;

export type FaultKind = 'reject' | 'cancelReject' | 'replaceReject' | 'duplicate' | 'late' | 'rejectAfterAccept';

/** Seeded venue faults. Rates are probabilities per order, cancel or report; all default to 0. */
export interface SimFaults {
  /** An order is rejected at the matcher. */
  rejectRate?: number;
  /** A cancel is rejected (the order stays live); a replace is rejected at this rate too (it stays as it was). */
  cancelRejectRate?: number;
  /** A report is delivered twice. */
  duplicateRate?: number;
  /** A report is delayed by `lateMs` more, so later reports overtake it. */
  lateRate?: number;
  lateMs?: number;
  /** Planned disconnects: from `afterMs` after start, for `durationMs`. */
  disconnects?: { afterMs: number; durationMs: number }[];
}

export interface ExchangeSpec {
  /** Seeds the fault stream. */
  seed: number;
  /** One-way latency, ms: an order reaches the matcher after it, and a report reaches the engine after it. */
  latencyMs: number;
  /** When the market accepts orders. */
  calendar: CalendarSpec;
  instruments: ExchangeInstrument[];
  faults?: SimFaults;
}

/** The connection between the engine and the venue. */
export interface VenueStatus {
  connected: boolean;
  at: number;
}

export interface Book {
  bid: number;
  bidSize: number;
  ask: number;
  askSize: number;
}

/**
 * A symbol's market at the exchange, in one record: its book (the levels of its last quote, after the exchange's own
 * fills consumed displayed size) and its resting orders in arrival order (`resting` restricted to the symbol, kept
 * alike; only a listed symbol's orders rest).
 */
export interface Market extends Book {
  /** The book above holds a quote: false before the symbol's first, and again once a close cleared it. */
  quoted: boolean;
  /** Undefined while none rests (a quote then reads nothing more to know there is nothing to match). */
  resting: Map<string, RestingOrder> | undefined;
}

const emptyMarket = (): Market => ({ bid: 0, bidSize: 0, ask: 0, askSize: 0, quoted: false, resting: undefined });

/** One leg's latencies, ms. */
interface Latency {
  readonly submitMs: number;
  readonly cancelMs: number;
  readonly reportMs: number;
}

/** An order resting at the exchange: what was sent, what filled, and the queue ahead of it. */
export interface RestingOrder {
  cmd: OrderCommand;
  filled: number;
  /** Lots of the market ahead of this order at its price (queue model; 0 without it). */
  ahead: number;
}

/**
 * The exchange core shared by the simulated venue and the replay venue, on the engine's clock. A subclass
 * supplies the market (`publishQuote` a quote, `printTrade` a recorded trade); the core does the rest:
 * - Fills follow the fill model in docs/fill-model.md, its one description: marketable orders fill at the
 *   touch up to the displayed size; a resting order fills at its price only when the opposite side reaches
 *   it or a recorded trade prints at or through it, never inside the spread on a quote alone.
 * - Orders, cancels, replaces and reports take their leg's latency, so a cancel or a replace can race a fill.
 * - A replace changes a resting order's price or size in place (docs/fill-model.md, "Replacing an order").
 * - Orders outside the calendar's sessions are rejected.
 * - Seeded faults: rejects, cancel rejects, duplicate and late reports, and disconnects, during which no
 *   quote or report reaches the engine (reports are delivered on reconnect) and orders and cancels are
 *   refused at once. Faults draw from their own random stream.
 *
 * Resting orders are kept per symbol as well as in one arrival order, so a quote or a trade of a symbol matches
 * only that symbol's orders (in their arrival order), and a quote of a symbol with none does no matching at all.
 */
export abstract class Exchange implements Venue {
  abstract readonly name: string;
  readonly quotes$ = new Broadcast<LegQuote>();
  readonly reports$ = new Subject<VenueReport>();
  readonly status$ = new Subject<VenueStatus>();
  private readonly infos: InstrumentInfo[];
  private readonly specs = new Map<string, ExchangeInstrument>();
  /** Per symbol: its book and its resting orders (see `Market`). */
  private readonly markets = new Map<string, Market>();
  /** Every resting order by client id, in arrival order (openOrders). */
  private readonly resting = new Map<string, RestingOrder>();
  private readonly latencies = new Map<string, Latency>();
  private readonly defaultLatency: Latency;
  // Client ids used, orders finished and each order's symbol: bounded, so a long run does not grow.
  private readonly seen = new BoundedSet<string>(REMEMBER);
  private readonly done = new BoundedSet<string>(REMEMBER);
  private readonly positionLots = new Map<string, number>();
  private readonly timers = new Set<TimerId>();
  private readonly rearmables: Rearmable[] = [];
  private readonly faultRandom: Random;
  private readonly symbolOf = new BoundedMap<string, string>(REMEMBER);
  private connected = true;
  private readonly held: VenueReport[] = [];
  protected readonly calendar: SessionCalendar;
  private tradeSeq = 0;
  protected running = false;

  constructor(
    readonly exchangeSpec: ExchangeSpec,
    protected readonly clock: Clock,
  ) {
    // Shared with the engine's users of the same spec (the session windows, the pacer): one set of caches.
    this.calendar = calendarFor(exchangeSpec.calendar, 'venue.calendar.');
    this.faultRandom = new Random(exchangeSpec.seed + 0x51f15e);
    const d = exchangeSpec.latencyMs;
    this.defaultLatency = { submitMs: d, cancelMs: d, reportMs: d };
    for (const i of exchangeSpec.instruments) {
      this.specs.set(i.symbol, i);
      this.positionLots.set(i.symbol, 0);
      if (!this.markets.has(i.symbol)) this.markets.set(i.symbol, emptyMarket());
    }
    for (const [symbol, i] of this.specs) {
      const l = i.latency;
      this.latencies.set(symbol, { submitMs: l?.submitMs ?? d, cancelMs: l?.cancelMs ?? d, reportMs: l?.reportMs ?? d });
    }
    this.infos = exchangeSpec.instruments.map((i) => ({ symbol: i.symbol, tickSize: new Decimal(i.tickSize), lotSize: new Decimal(i.lotSize) }));
  }

  /** The market starts: schedule its first quotes. */
  protected abstract onStart(now: number): void;

  instruments(): readonly InstrumentInfo[] {
    return this.infos;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const now = this.clock.now();
    this.onStart(now);
    for (const d of this.exchangeSpec.faults?.disconnects ?? []) {
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
    for (const r of this.rearmables) r.disarm();
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

  /**
   * Changes a resting order's price and/or total size (docs/fill-model.md): it travels like an order (the leg's
   * submit latency), and is answered `order.replaced` or `order.replaceRejected`.
   */
  replace(clientId: string, change: OrderChange): void {
    if (!this.running || !this.connected) {
      this.reports$.next({ type: 'order.replaceRejected', clientId, reason: this.running ? 'disconnected' : 'venue not running', at: this.clock.now() });
      return;
    }
    const copy: OrderChange = change.qty === undefined ? { price: change.price } : { price: change.price, qty: change.qty };
    this.later(this.latency(this.symbolOf.get(clientId)).submitMs, () => this.arriveReplace(clientId, copy));
  }

  /** Lots held per symbol by everything this venue filled. */
  positions(): Record<string, number> {
    return Object.fromEntries(this.positionLots);
  }

  /** Orders resting now. */
  openOrders(): OrderCommand[] {
    return [...this.resting.values()].map((r) => r.cmd);
  }

  /** The current book of a symbol (after this venue's own fills consumed displayed size), as it is now (a copy). */
  book(symbol: string): Readonly<Book> | undefined {
    const m = this.markets.get(symbol);
    return m?.quoted ? { bid: m.bid, bidSize: m.bidSize, ask: m.ask, askSize: m.askSize } : undefined;
  }

  /**
   * A symbol's market, for a venue that publishes its quotes again and again (`publishQuoteTo`): looked up once,
   * where a look-up by name per quote reads a table that, with thousands of instruments, is no longer in the CPU's
   * caches. A symbol the venue does not list gets one too (its book is kept; no order rests on it).
   */
  protected marketOf(symbol: string): Market {
    let m = this.markets.get(symbol);
    if (m === undefined) this.markets.set(symbol, (m = emptyMarket()));
    return m;
  }

  isOpen(t = this.clock.now()): boolean {
    return this.calendar.isOpen(t);
  }

  /** A leg's latencies (the venue's for a symbol it does not list). */
  private latency(symbol: string | undefined): Latency {
    return (symbol === undefined ? undefined : this.latencies.get(symbol)) ?? this.defaultLatency;
  }

  protected later(ms: number, fn: () => void): void {
    const id = this.clock.setTimeout(() => {
      this.timers.delete(id);
      if (this.running) fn();
    }, ms);
    this.timers.add(id);
  }

  /**
   * A timer armed again and again, one at a time (the market's next quote): `arm(ms)` is `later(ms, fn)` without a
   * new closure, timer or id per arming (the clock's re-armable timer). Arm it again only once it fired or the
   * venue stopped. Stopping the venue disarms it; `fn` itself must do nothing once the venue no longer runs (`later`
   * checks that for its callbacks; here `fn` is the clock's callback itself, called with `arg`, with no wrapper
   * between: with thousands of instruments each one read per quote is out of the CPU's caches).
   */
  protected rearmable(fn: () => void): Rearmable;
  protected rearmable<T>(fn: (arg: T) => void, arg: T): Rearmable;
  protected rearmable<T>(fn: (arg: T) => void, arg?: T): Rearmable {
    const timer = rearmable(this.clock, fn, arg as T);
    this.rearmables.push(timer);
    return timer;
  }

  private at(t: number, fn: () => void): void {
    this.later(Math.max(0, t - this.clock.now()), fn);
  }

  private chance(rate: number | undefined): boolean {
    return rate !== undefined && rate > 0 && this.faultRandom.uniform() < rate;
  }

  /**
   * Whether a fault happens now (to a report of type `on`, for the report faults). The default draws from
   * the seeded fault stream at the configured rate; a subclass may decide otherwise (a test venue that plays
   * a fault at a chosen step).
   */
  protected fault(kind: FaultKind, _on?: VenueReport['type']): boolean {
    const f = this.exchangeSpec.faults;
    switch (kind) {
      case 'reject':
        return this.chance(f?.rejectRate);
      case 'cancelReject':
      case 'replaceReject':
        return this.chance(f?.cancelRejectRate);
      case 'duplicate':
        return this.chance(f?.duplicateRate);
      case 'late':
        return this.chance(f?.lateRate);
      case 'rejectAfterAccept':
        return false;
    }
  }

  /** A report leaves the matcher now and reaches the engine after the leg's report latency (or later). */
  private report(r: VenueReport): void {
    const delay = this.latency(this.symbolOf.get(r.clientId)).reportMs + (this.fault('late', r.type) ? (this.exchangeSpec.faults?.lateMs ?? 0) : 0);
    this.later(delay, () => this.deliver(r));
    if (this.fault('duplicate', r.type)) this.later(delay + 1, () => this.deliver(r));
  }

  private deliver(r: VenueReport): void {
    if (this.connected) this.reports$.next(r);
    else this.held.push(r);
  }

  /** The connection drops or returns: held reports are delivered on reconnect. */
  protected setConnected(connected: boolean): void {
    if (this.connected === connected) return;
    this.connected = connected;
    this.status$.next({ connected, at: this.clock.now() });
    if (connected) for (const r of this.held.splice(0)) this.reports$.next(r);
  }

  /**
   * A new book for a symbol, published now: the engine sees the quote (if connected) and resting orders match. The
   * quote is the object the engine receives; the exchange copies its levels into the symbol's book, reused from one
   * quote to the next (its own fills consume the book's sizes, never the quote's), so a quote allocates nothing
   * else. `more` on the quote: another book with this same time follows at once (rows stamped alike).
   */
  protected publishQuote(quote: LegQuote): void {
    this.publishQuoteTo(this.marketOf(quote.symbol), quote);
  }

  /** `publishQuote` into the quote's symbol's market, already looked up (`marketOf(quote.symbol)`). */
  protected publishQuoteTo(market: Market, quote: LegQuote): void {
    market.bid = quote.bid;
    market.bidSize = quote.bidSize;
    market.ask = quote.ask;
    market.askSize = quote.askSize;
    market.quoted = true;
    if (this.connected) this.quotes$.next(quote);
    if (market.resting !== undefined) this.match(market.resting, market);
  }

  /**
   * A recorded trade (or bar of trades) of a symbol printed, in ticks and lots: lowest and highest price,
   * volume. Resting orders at or through its prices fill from its volume, in arrival order, never more than
   * it (docs/fill-model.md). The engine sees nothing of it but the fills.
   */
  protected printTrade(symbol: string, low: number, high: number, volume: number): void {
    const orders = this.markets.get(symbol)?.resting;
    if (orders === undefined) return;
    let left = volume;
    for (const [id, o] of orders) {
      if (left <= 0) break;
      const p = o.cmd.price;
      const buy = o.cmd.side > 0;
      const want = o.cmd.qty - o.filled;
      let q = 0;
      if (buy ? low < p : high > p) {
        // Through the price: everything at it traded, this order included, as far as the volume goes.
        q = Math.min(want, left);
        o.ahead = 0;
      } else if (buy ? low === p : high === p) {
        // At the price: the volume reaches the market's lots ahead first, then this order.
        const reach = left - o.ahead;
        o.ahead = Math.max(0, o.ahead - left);
        if (reach > 0) q = Math.min(want, reach);
      }
      if (q === 0) continue;
      left -= q;
      this.settle(id, o, q);
    }
  }

  /** The market for a symbol closed: its book is gone, so the next session does not trade against it. */
  protected clearBook(symbol: string): void {
    const m = this.markets.get(symbol);
    if (m !== undefined) m.quoted = false;
  }

  private arrive(cmd: OrderCommand): void {
    const now = this.clock.now();
    const reject = (reason: string): void => this.report({ type: 'order.rejected', clientId: cmd.clientId, reason, at: now });
    if (this.seen.has(cmd.clientId)) return reject('duplicate clientId');
    this.seen.add(cmd.clientId);
    if (!this.specs.has(cmd.symbol)) return reject(`unknown symbol ${cmd.symbol}`);
    if (!Number.isSafeInteger(cmd.qty) || cmd.qty <= 0) return reject(`quantity must be a positive whole number of lots (got ${cmd.qty})`);
    // As an exchange's maximum order size: a 1e15-lot order is a mistake, and its fills' notional is past exact.
    if (cmd.qty > MAX_ORDER_LOTS) return reject(`quantity ${cmd.qty} is more than the ${MAX_ORDER_LOTS} lots this venue takes in one order`);
    if (!Number.isSafeInteger(cmd.price)) return reject(`price must be a whole number of ticks (got ${cmd.price})`);
    if (cmd.side !== 1 && cmd.side !== -1) return reject(`side must be 1 or -1 (got ${String(cmd.side)})`);
    if (!this.calendar.isOpen(now)) return reject('market closed');
    if (this.fault('reject')) return reject('simulated reject');
    this.report({ type: 'order.accepted', clientId: cmd.clientId, at: now });
    if (this.fault('rejectAfterAccept')) return reject('simulated reject after the gateway accepted the order');
    this.work({ cmd, filled: 0, ahead: 0 });
  }

  /**
   * An order (new, or replaced at a new price or a larger size) meets the book: marketable, it takes the touch up to
   * the displayed size; what is left rests, last in arrival order, behind the queue it joins.
   */
  private work(order: RestingOrder): void {
    const cmd = order.cmd;
    const market = this.markets.get(cmd.symbol);
    const book = market?.quoted ? market : undefined;
    if (book) {
      // Marketable: take the touch, up to the displayed size.
      if (cmd.side > 0 && cmd.price >= book.ask && book.askSize > 0) {
        const q = Math.min(cmd.qty - order.filled, book.askSize);
        book.askSize -= q;
        this.fill(order, q, book.ask, 'taker');
      } else if (cmd.side < 0 && cmd.price <= book.bid && book.bidSize > 0) {
        const q = Math.min(cmd.qty - order.filled, book.bidSize);
        book.bidSize -= q;
        this.fill(order, q, book.bid, 'taker');
      }
    }
    if (order.filled < cmd.qty) {
      // Joining the touch puts the displayed size ahead of this order; a better price is first in line; behind
      // the touch the queue is unknown until the level shows (then its whole displayed size counts as ahead).
      if (book && this.specs.get(cmd.symbol)!.queue !== false) {
        const near = cmd.side > 0 ? book.bid : book.ask;
        const nearSize = cmd.side > 0 ? book.bidSize : book.askSize;
        if (nearSize === 0 || cmd.side * (cmd.price - near) > 0) order.ahead = 0;
        else order.ahead = cmd.price === near ? nearSize : Infinity;
      }
      this.rest(order);
    } else this.done.add(cmd.clientId);
  }

  /**
   * A replace reaches the matcher. Refused when the order is not resting (filled, canceled, unknown), when the new
   * size is not above what filled, when the market is closed, or by a seeded fault. A new price or a larger size
   * loses the order's place (it is worked again like an arriving order, and may fill at once if it now crosses); a
   * smaller size at the same price keeps it.
   */
  private arriveReplace(clientId: string, change: OrderChange): void {
    const now = this.clock.now();
    const reject = (reason: string): void => this.report({ type: 'order.replaceRejected', clientId, reason, at: now });
    const order = this.resting.get(clientId);
    if (!order) return reject(this.done.has(clientId) ? 'order already filled or canceled' : 'unknown order');
    const qty = change.qty ?? order.cmd.qty;
    if (!Number.isSafeInteger(change.price)) return reject(`price must be a whole number of ticks (got ${change.price})`);
    if (!Number.isSafeInteger(qty) || qty <= 0) return reject(`quantity must be a positive whole number of lots (got ${qty})`);
    if (qty > MAX_ORDER_LOTS) return reject(`quantity ${qty} is more than the ${MAX_ORDER_LOTS} lots this venue takes in one order`);
    if (qty <= order.filled) return reject(`quantity ${qty} is not above the ${order.filled} lots already filled`);
    if (!this.calendar.isOpen(now)) return reject('market closed');
    if (this.fault('replaceReject')) return reject('simulated replace reject');
    const losesPlace = change.price !== order.cmd.price || qty > order.cmd.qty;
    order.cmd = { ...order.cmd, price: change.price, qty };
    this.report({ type: 'order.replaced', clientId, price: change.price, qty, at: now });
    if (!losesPlace) return;
    this.unrest(order);
    order.ahead = 0;
    this.work(order);
  }

  private arriveCancel(clientId: string): void {
    const now = this.clock.now();
    const order = this.resting.get(clientId);
    if (!order) {
      const reason = this.done.has(clientId) ? 'order already filled or canceled' : 'unknown order';
      this.report({ type: 'order.cancelRejected', clientId, reason, at: now });
      return;
    }
    if (this.fault('cancelReject')) {
      this.report({ type: 'order.cancelRejected', clientId, reason: 'simulated cancel reject', at: now });
      return;
    }
    this.unrest(order);
    this.done.add(clientId);
    this.report({ type: 'order.canceled', clientId, filledQty: order.filled, at: now });
  }

  /**
   * The venue cancels a resting order on its own (the end of the trading day, a risk limit): the engine gets
   * an unsolicited cancel confirmation. Returns false when the order is not resting.
   */
  protected cancelResting(clientId: string): boolean {
    const order = this.resting.get(clientId);
    if (!order) return false;
    this.unrest(order);
    this.done.add(clientId);
    this.report({ type: 'order.canceled', clientId, filledQty: order.filled, at: this.clock.now() });
    return true;
  }

  /**
   * Resting orders against a new quote, in arrival order (docs/fill-model.md). An order fills at its price
   * when the opposite side reaches it (ask ≤ a buy's price, bid ≥ a sell's), up to the size shown there,
   * which it consumes. Nothing else in a quote fills: with the queue model, the lots ahead of an order never
   * exceed the size now displayed at its price (none when its side is quoted worse than it), but a shrink
   * there may be cancels, so it only moves the order up.
   */
  private match(orders: Map<string, RestingOrder>, book: Book): void {
    for (const [id, o] of orders) {
      const p = o.cmd.price;
      if (o.cmd.side > 0) {
        if (book.askSize > 0 && book.ask <= p) {
          const q = Math.min(o.cmd.qty - o.filled, book.askSize);
          book.askSize -= q;
          o.ahead = 0;
          this.settle(id, o, q);
        } else if (o.ahead > 0) {
          if (book.bidSize === 0 || book.bid < p) o.ahead = 0;
          else if (book.bid === p && book.bidSize < o.ahead) o.ahead = book.bidSize;
        }
      } else if (book.bidSize > 0 && book.bid >= p) {
        const q = Math.min(o.cmd.qty - o.filled, book.bidSize);
        book.bidSize -= q;
        o.ahead = 0;
        this.settle(id, o, q);
      } else if (o.ahead > 0) {
        if (book.askSize === 0 || book.ask > p) o.ahead = 0;
        else if (book.ask === p && book.askSize < o.ahead) o.ahead = book.askSize;
      }
    }
  }

  /** A resting order fills `q` lots at its price (a maker fill); it leaves the book once complete. */
  private settle(id: string, o: RestingOrder, q: number): void {
    this.fill(o, q, o.cmd.price, 'maker');
    if (o.filled >= o.cmd.qty) {
      this.unrest(o);
      this.done.add(id);
    }
  }

  /** An order rests, last in arrival order (overall and on its symbol). Its symbol is one the venue lists. */
  private rest(o: RestingOrder): void {
    this.resting.set(o.cmd.clientId, o);
    const m = this.markets.get(o.cmd.symbol)!;
    (m.resting ??= new Map()).set(o.cmd.clientId, o);
  }

  /** An order stops resting (filled, canceled, or losing its place to a replace). */
  private unrest(o: RestingOrder): void {
    this.resting.delete(o.cmd.clientId);
    const m = this.markets.get(o.cmd.symbol)!;
    m.resting!.delete(o.cmd.clientId);
    if (m.resting!.size === 0) m.resting = undefined;
  }

  private fill(order: RestingOrder, qty: number, price: number, liquidity: 'maker' | 'taker'): void {
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
      liquidity,
    });
  }
}
