import type { Clock } from '../../src/clock/clock.js';
import type { VenueReport } from '../../src/domain/orders.js';
import { Exchange, type Book, type ExchangeSpec, type FaultKind } from '../../src/venue/exchange.js';

/**
 * The simulated venue's exchange core (matching, queue, latency, faults, disconnects), with the market and
 * the faults played by the test: `setBook` publishes a book, `arm` makes the next decision of that kind a
 * fault, `venueCancel` cancels a resting order on the venue's own account. Model-based paths drive it.
 */
export class ScriptedExchange extends Exchange {
  readonly name = 'scripted-exchange';
  private readonly armed = new Set<string>();

  /** `replace: false` plays a venue that cannot replace: the engine then re-prices by cancel and a new order. */
  constructor(spec: ExchangeSpec, clock: Clock, options: { replace?: boolean } = {}) {
    super(spec, clock);
    if (options.replace === false) Object.defineProperty(this, 'replace', { value: undefined });
  }

  protected onStart(): void {}

  protected override fault(kind: FaultKind, on?: VenueReport['type']): boolean {
    if (this.armed.delete(kind) || (on !== undefined && this.armed.delete(`${kind} ${on}`))) return true;
    return super.fault(kind, on);
  }

  /** The next decision of this kind (about a report of type `on`, if given) is a fault. */
  arm(kind: FaultKind, on?: VenueReport['type']): void {
    this.armed.add(on === undefined ? kind : `${kind} ${on}`);
  }

  armedFaults(): string[] {
    return [...this.armed].sort();
  }

  setBook(symbol: string, book: Book): void {
    this.publishQuote({ symbol, ...book, ts: this.clock.now() });
  }

  /** The venue cancels its oldest resting order on its own; false when nothing rests. */
  venueCancel(): boolean {
    const first = this.openOrders()[0];
    return first !== undefined && this.cancelResting(first.clientId);
  }

  /**
   * A fill of `qty` lots of `symbol` at its ask (bought) or bid (sold), reported for `clientId`, an order the venue
   * never had from the engine: what a venue that mixes up its orders, or a fill that outlived its order, looks like.
   * Each call is a trade of its own.
   */
  strayFill(clientId: string, symbol: string, side: 1 | -1, qty: number): void {
    const b = this.book(symbol);
    const price = b === undefined ? 0 : side > 0 ? b.ask : b.bid;
    this.reports$.next({ type: 'order.filled', clientId, tradeId: `stray-${++this.strays}`, symbol, side, qty, price, at: this.clock.now() });
  }
  private strays = 0;

  connect(connected: boolean): void {
    this.setConnected(connected);
  }
}
