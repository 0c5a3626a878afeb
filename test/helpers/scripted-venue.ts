import { Subject } from 'rxjs';
import type { Clock } from '../../src/clock/clock.js';
import { Decimal } from '../../src/domain/decimal.js';
import type { OrderCommand, VenueReport } from '../../src/domain/orders.js';
import type { LegQuote } from '../../src/domain/quote.js';
import type { InstrumentInfo, Venue } from '../../src/venue/venue.js';

/**
 * A venue the test plays by hand: it records what the engine sends and emits the quotes and reports
 * the test writes, at the clock's time. For scenario tests through the real engine.
 */
export class ScriptedVenue implements Venue {
  readonly name = 'scripted';
  readonly quotes$ = new Subject<LegQuote>();
  readonly reports$ = new Subject<VenueReport>();
  readonly status$ = new Subject<{ connected: boolean; at: number }>();
  readonly submitted: (OrderCommand & { at: number })[] = [];
  readonly cancels: { clientId: string; at: number }[] = [];
  private trade = 0;

  constructor(
    private readonly clock: Clock,
    private readonly symbols: string[],
  ) {}

  instruments(): readonly InstrumentInfo[] {
    return this.symbols.map((symbol) => ({ symbol, tickSize: new Decimal(1), lotSize: new Decimal(1) }));
  }
  start(): void {}
  stop(): void {}
  submit(order: OrderCommand): void {
    this.submitted.push({ ...order, at: this.clock.now() });
  }
  cancel(clientId: string): void {
    this.cancels.push({ clientId, at: this.clock.now() });
  }

  quote(symbol: string, bid: number, ask: number, size = 10): void {
    this.quotes$.next({ symbol, bid, ask, bidSize: size, askSize: size, ts: this.clock.now() });
  }
  accept(clientId: string): void {
    this.reports$.next({ type: 'order.accepted', clientId, at: this.clock.now() });
  }
  reject(clientId: string, reason: string): void {
    this.reports$.next({ type: 'order.rejected', clientId, reason, at: this.clock.now() });
  }
  /** Fills an order at its own limit (or `price`), all of it unless `qty` says otherwise; `cumQty` as a FIX venue gives it. */
  fill(clientId: string, qty?: number, price?: number, tradeId = `T${++this.trade}`, cumQty?: number): void {
    const o = this.order(clientId);
    this.reports$.next({ type: 'order.filled', clientId, tradeId, symbol: o.symbol, side: o.side, qty: qty ?? o.qty, price: price ?? o.price, at: this.clock.now(), ...(cumQty === undefined ? {} : { cumQty }) });
  }
  canceled(clientId: string, filledQty = 0): void {
    this.reports$.next({ type: 'order.canceled', clientId, filledQty, at: this.clock.now() });
  }
  connection(connected: boolean): void {
    this.status$.next({ connected, at: this.clock.now() });
  }
  order(clientId: string): OrderCommand & { at: number } {
    const o = this.submitted.find((x) => x.clientId === clientId);
    if (!o) throw new Error(`no order ${clientId} was submitted`);
    return o;
  }
  /** Orders of a symbol submitted in [from, to). */
  between(from: number, to: number): (OrderCommand & { at: number })[] {
    return this.submitted.filter((o) => o.at >= from && o.at < to);
  }
}
