import type { TimerQueue } from './timers.js';

/**
 * The baseline's exchange core: the rules of docs/fill-model.md, written for this one job in integer ticks and lots.
 * - An arriving marketable order takes the touch at the touch's price up to the size shown there, which it
 *   consumes; the rest rests at its limit.
 * - A resting order fills at its own price only when the opposite side of a quote reaches it (up to, and consuming,
 *   the size shown there; orders share one quote's size in arrival order) or a recorded trade prints at or through
 *   it (through: everything at the price traded; at: the lots ahead of it first). Nothing else fills it.
 * - Queue position: joining the touch puts the displayed size ahead; a better price is first; behind the touch the
 *   queue is unknown (unbounded) until the level shows. A quote only moves an order up.
 * - A replace (a re-price in place) travels like an order; a new price loses the queue place (the order is worked
 *   again like an arriving one, last in arrival order), the same price keeps it; one that is not resting is refused.
 * - Orders, cancels, replaces and reports each take their leg's latency (timers on the one queue).
 * Not modelled (the job does not use them): session calendars (always open), faults, disconnects, duplicate ids.
 */

/** A report from the matcher to the engine side. */
export const R_ACCEPTED = 0;
export const R_FILLED = 1;
export const R_CANCELED = 2;
export const R_CANCEL_REJECTED = 3;
export const R_REJECTED = 4;
export const R_REPLACED = 5;
export const R_REPLACE_REJECTED = 6;

export interface Report {
  type: number;
  /** Fill: lots and price (ticks); canceled: the venue's filled count; replaced: the order's lots and new price. */
  qty: number;
  price: number;
  maker: boolean;
  /** When it left the matcher. */
  at: number;
}

/** What the exchange needs of an order (the taker module's order object carries these fields). */
export interface VenueOrder {
  readonly sym: number;
  readonly side: 1 | -1;
  readonly qty: number;
  /** Exchange-side state: the limit now (a replace moves it before the engine hears), lots filled, lots ahead in the queue, resting, finished. */
  xPrice: number;
  xFilled: number;
  xAhead: number;
  xResting: boolean;
  xDone: boolean;
  xArrived: boolean;
}

export interface Latency {
  submitMs: number;
  cancelMs: number;
  reportMs: number;
}

/** Timer kinds the exchange arms (the run loop dispatches them back here, or to the engine side for reports). */
export const T_ARRIVE = 1;
export const T_CANCEL = 2;
export const T_REPORT = 3;
export const T_REPLACE = 4;

export class BaselineExchange {
  // The book per instrument, after our own fills consumed displayed size.
  readonly has: boolean[];
  readonly bid: number[];
  readonly bidSize: number[];
  readonly ask: number[];
  readonly askSize: number[];
  /** Resting orders per instrument, in arrival order. */
  private readonly resting: VenueOrder[][];

  constructor(
    private readonly timers: TimerQueue,
    private readonly latency: readonly Latency[],
    private readonly queue: readonly boolean[],
  ) {
    const n = latency.length;
    this.has = new Array<boolean>(n).fill(false);
    this.bid = new Array<number>(n).fill(0);
    this.bidSize = new Array<number>(n).fill(0);
    this.ask = new Array<number>(n).fill(0);
    this.askSize = new Array<number>(n).fill(0);
    this.resting = Array.from({ length: n }, () => []);
  }

  submit(o: VenueOrder): void {
    this.timers.after(this.latency[o.sym]!.submitMs, T_ARRIVE, o);
  }

  cancel(o: VenueOrder): void {
    this.timers.after(this.latency[o.sym]!.cancelMs, T_CANCEL, o);
  }

  /** A replace to a new limit price (the size stays). */
  replace(o: VenueOrder, price: number): void {
    this.timers.after(this.latency[o.sym]!.submitMs, T_REPLACE, o, price);
  }

  private report(o: VenueOrder, type: number, qty = 0, price = 0, maker = false): void {
    const r: Report = { type, qty, price, maker, at: this.timers.now };
    this.timers.after(this.latency[o.sym]!.reportMs, T_REPORT, o, r);
  }

  /** A new book for an instrument, published now (the engine side has already seen it). */
  setBook(s: number, bid: number, bidSize: number, ask: number, askSize: number): void {
    this.has[s] = true;
    this.bid[s] = bid;
    this.bidSize[s] = bidSize;
    this.ask[s] = ask;
    this.askSize[s] = askSize;
  }

  /** Resting orders of instrument `s` against its book just published. */
  match(s: number): void {
    const list = this.resting[s]!;
    if (list.length === 0) return;
    const bid = this.bid[s]!;
    const ask = this.ask[s]!;
    for (let k = 0; k < list.length; k++) {
      const o = list[k]!;
      const p = o.xPrice;
      if (o.side > 0) {
        const askSize = this.askSize[s]!;
        if (askSize > 0 && ask <= p) {
          const q = Math.min(o.qty - o.xFilled, askSize);
          this.askSize[s] = askSize - q;
          o.xAhead = 0;
          if (this.settle(o, q)) k--;
        } else if (o.xAhead > 0) {
          const bidSize = this.bidSize[s]!;
          if (bidSize === 0 || bid < p) o.xAhead = 0;
          else if (bid === p && bidSize < o.xAhead) o.xAhead = bidSize;
        }
      } else {
        const bidSize = this.bidSize[s]!;
        if (bidSize > 0 && bid >= p) {
          const q = Math.min(o.qty - o.xFilled, bidSize);
          this.bidSize[s] = bidSize - q;
          o.xAhead = 0;
          if (this.settle(o, q)) k--;
        } else if (o.xAhead > 0) {
          const askSize = this.askSize[s]!;
          if (askSize === 0 || ask > p) o.xAhead = 0;
          else if (ask === p && askSize < o.xAhead) o.xAhead = askSize;
        }
      }
    }
  }

  /** A recorded trade (or bar) of instrument `s`: lowest and highest price (ticks), volume (lots). */
  printTrade(s: number, low: number, high: number, volume: number): void {
    const list = this.resting[s]!;
    let left = volume;
    for (let k = 0; k < list.length && left > 0; k++) {
      const o = list[k]!;
      const p = o.xPrice;
      const buy = o.side > 0;
      const want = o.qty - o.xFilled;
      let q = 0;
      if (buy ? low < p : high > p) {
        q = Math.min(want, left);
        o.xAhead = 0;
      } else if (buy ? low === p : high === p) {
        const reach = left - o.xAhead;
        o.xAhead = Math.max(0, o.xAhead - left);
        if (reach > 0) q = Math.min(want, reach);
      }
      if (q === 0) continue;
      left -= q;
      if (this.settle(o, q)) k--;
    }
  }

  /** An order reaches the matcher. */
  arrive(o: VenueOrder): void {
    o.xArrived = true;
    this.report(o, R_ACCEPTED);
    this.work(o);
  }

  /** A replace reaches the matcher: refused unless resting; a new price loses the order's place (worked again). */
  arriveReplace(o: VenueOrder, price: number): void {
    if (!o.xResting) {
      this.report(o, R_REPLACE_REJECTED);
      return;
    }
    const moved = price !== o.xPrice;
    o.xPrice = price;
    this.report(o, R_REPLACED, o.qty, price);
    if (!moved) return;
    this.remove(o);
    o.xDone = false;
    this.work(o);
  }

  /** Marketable, the order takes the touch up to the size shown; the rest rests, last in arrival order. */
  private work(o: VenueOrder): void {
    const s = o.sym;
    const book = this.has[s]!;
    if (book) {
      if (o.side > 0 && o.xPrice >= this.ask[s]! && this.askSize[s]! > 0) {
        const q = Math.min(o.qty - o.xFilled, this.askSize[s]!);
        this.askSize[s]! -= q;
        o.xFilled += q;
        this.report(o, R_FILLED, q, this.ask[s]!, false);
      } else if (o.side < 0 && o.xPrice <= this.bid[s]! && this.bidSize[s]! > 0) {
        const q = Math.min(o.qty - o.xFilled, this.bidSize[s]!);
        this.bidSize[s]! -= q;
        o.xFilled += q;
        this.report(o, R_FILLED, q, this.bid[s]!, false);
      }
    }
    if (o.xFilled < o.qty) {
      o.xAhead = 0;
      if (book && this.queue[s]) {
        const near = o.side > 0 ? this.bid[s]! : this.ask[s]!;
        const nearSize = o.side > 0 ? this.bidSize[s]! : this.askSize[s]!;
        if (nearSize === 0 || o.side * (o.xPrice - near) > 0) o.xAhead = 0;
        else o.xAhead = o.xPrice === near ? nearSize : Infinity;
      }
      o.xResting = true;
      this.resting[s]!.push(o);
    } else o.xDone = true;
  }

  /** A cancel reaches the matcher. */
  arriveCancel(o: VenueOrder): void {
    if (!o.xResting) {
      this.report(o, R_CANCEL_REJECTED);
      return;
    }
    this.remove(o);
    this.report(o, R_CANCELED, o.xFilled);
  }

  /** A resting order fills q lots at its price; returns true when it left the book. */
  private settle(o: VenueOrder, q: number): boolean {
    o.xFilled += q;
    this.report(o, R_FILLED, q, o.xPrice, true);
    if (o.xFilled >= o.qty) {
      this.remove(o);
      return true;
    }
    return false;
  }

  private remove(o: VenueOrder): void {
    const list = this.resting[o.sym]!;
    list.splice(list.indexOf(o), 1);
    o.xResting = false;
    o.xDone = true;
  }
}
