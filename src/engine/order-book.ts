import { BoundedMap } from '../domain/bounded.js';
import type { OrderFilled, VenueReport } from '../domain/orders.js';

/** An order the engine sent that has not ended, as far as the venue's reports tell. */
export interface WorkingOrder {
  readonly symbol: string;
  readonly side: 1 | -1;
  qty: number;
  /** The lots its fills have booked. */
  filled: number;
}

/**
 * What a fill is to the books: `fill`, the lots to book (the report itself, or a copy holding only the lots not yet
 * booked for its order); `duplicate`, a trade id heard before (its order actor knows the id and ignores it);
 * `counted`, lots the venue's cumulative count (`cumQty`) shows were booked already (a status answer that gave only
 * the count, then the fill reported live).
 */
export type FillTaken = ({ kind: 'fill'; fill: OrderFilled } | { kind: 'duplicate' } | { kind: 'counted' }) & {
  /**
   * Lots of the fill that other fills of the order already gave with their own count (`cumQty`): a venue's
   * reports that overlap (its CumQty is not cumulative), not a count it gave first (lots not booked, to be named).
   */
  repeated?: number;
};

/**
 * The engine's own account of its orders at the venue, from what it sent and what the venue reported: the orders
 * working (for pre-trade risk, the checks of a fill, and the cancels after an actor's failure), the trade ids heard
 * and the lots booked per order. A live run and a resume's replay of the journal feed it the same reports in the
 * same order, so they reach the same books. The memories of ended orders are bounded: what they guard against (a
 * repeated report, a late live fill after a count) happens close together in time.
 */
export class OrderBook {
  private readonly working = new Map<string, WorkingOrder>();
  /** The trade ids heard, each with whether its fill was `counted` (never routed: its order actor does not know the id). */
  private readonly tradeIds = new BoundedMap<string, boolean>(50_000);
  /**
   * Per order, the lots booked as ranges (lo, hi] of the venue's cumulative count, sorted and disjoint: a fill with
   * a count (`cumQty`) holds the lots (cumQty - qty, cumQty]; one without (a status answer's count, a venue that
   * gives none) the lowest lots not booked yet. Fills out of order (a FIX sequence gap, its message resent after the
   * next one) each book their own lots.
   */
  private readonly lotsBooked = new BoundedMap<string, { all: readonly Range[]; counted: readonly Range[] }>(50_000);

  /** An order sent to the venue. */
  sent(clientId: string, order: { symbol: string; side: 1 | -1; qty: number }): void {
    this.working.set(clientId, { symbol: order.symbol, side: order.side, qty: order.qty, filled: 0 });
  }

  /** The order, while it works. */
  get(clientId: string): WorkingOrder | undefined {
    return this.working.get(clientId);
  }

  /** The lots still working on one side of a symbol. */
  workingLots(symbol: string, side: 1 | -1): number {
    let lots = 0;
    for (const o of this.working.values()) if (o.symbol === symbol && o.side === side) lots += o.qty - o.filled;
    return lots;
  }

  /** Every order still working, forgotten (the engine cancels them). */
  takeAll(): string[] {
    const ids = [...this.working.keys()];
    this.working.clear();
    return ids;
  }

  /** A fill as the books take it (see `FillTaken`); the lots it holds are booked for its order. */
  take(r: OrderFilled): FillTaken {
    // A fill's identity: its order and the venue's trade id. Trade ids alone are not unique across a venue that
    // restarted without its memory (it numbers from the start again), and client ids are never reused.
    const key = `${r.clientId} ${r.tradeId}`;
    const heard = this.tradeIds.get(key);
    // A repeat of a counted fill is counted again: routed as a duplicate, its order would count the lots it never heard.
    if (heard !== undefined) return { kind: heard ? 'counted' : 'duplicate' };
    const booked = this.lotsBooked.get(r.clientId) ?? { all: [], counted: [] };
    if (r.cumQty === undefined) {
      this.tradeIds.set(key, false);
      this.lotsBooked.set(r.clientId, { all: lowest(booked.all, r.qty), counted: booked.counted });
      return { kind: 'fill', fill: r };
    }
    const range: Range = [r.cumQty - r.qty, r.cumQty];
    const qty = r.qty - overlap(booked.all, ...range);
    const repeated = overlap(booked.counted, ...range);
    const said = repeated > 0 ? { repeated } : {};
    this.tradeIds.set(key, qty <= 0);
    this.lotsBooked.set(r.clientId, { all: merged([...booked.all, range]), counted: merged([...booked.counted, range]) });
    if (qty <= 0) return { kind: 'counted', ...said };
    return { kind: 'fill', fill: qty === r.qty ? r : { ...r, qty }, ...said };
  }

  /** A report heard (a fill as taken): the order's filled lots and size, and its end. */
  heard(r: VenueReport): void {
    const o = this.working.get(r.clientId);
    if (!o) return;
    if (r.type === 'order.filled') o.filled += r.qty;
    if (r.type === 'order.replaced') o.qty = r.qty;
    if (r.type === 'order.rejected' || r.type === 'order.canceled' || o.filled >= o.qty) this.working.delete(r.clientId);
  }
}

/** Lots (lo, hi] of an order's cumulative count. */
type Range = readonly [lo: number, hi: number];

/** How many of the lots (lo, hi] the ranges hold. */
function overlap(ranges: readonly Range[], lo: number, hi: number): number {
  let n = 0;
  for (const [l, h] of ranges) n += Math.max(0, Math.min(hi, h) - Math.max(lo, l));
  return n;
}

/** The ranges with the `qty` lowest lots they do not hold added. */
function lowest(ranges: readonly Range[], qty: number): Range[] {
  const add: Range[] = [];
  let at = 0;
  let left = qty;
  for (const [l, h] of ranges) {
    if (left === 0) break;
    if (l > at) {
      const n = Math.min(left, l - at);
      add.push([at, at + n]);
      left -= n;
    }
    at = Math.max(at, h);
  }
  if (left > 0) add.push([at, at + left]);
  return merged([...ranges, ...add]);
}

/**
 * The most ranges an order keeps: a venue's fills leave gaps in its count only out of order (a sequence gap resent),
 * a few at a time. A hostile venue's count with a gap at every fill would make each fill cost as much as all before
 * it; past this many the two ranges closest together are made one (the lots between them taken as booked: a fill
 * that gives them later is then counted, and named where other fills gave them with their count).
 */
const MAX_RANGES = 64;

/** Ranges sorted, those that touch or overlap made one (at most MAX_RANGES). */
function merged(ranges: Range[]): Range[] {
  const out: [number, number][] = [];
  for (const [l, h] of ranges.sort((a, b) => a[0] - b[0])) {
    const last = out.at(-1);
    if (last !== undefined && l <= last[1]) last[1] = Math.max(last[1], h);
    else out.push([l, h]);
  }
  while (out.length > MAX_RANGES) {
    let at = 0;
    for (let i = 1; i < out.length - 1; i++) if (out[i + 1]![0] - out[i]![1] < out[at + 1]![0] - out[at]![1]) at = i;
    out[at]![1] = out[at + 1]![1];
    out.splice(at + 1, 1);
  }
  return out;
}
