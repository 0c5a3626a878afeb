import type { Observable } from 'rxjs';
import type { Decimal } from '../domain/decimal.js';
import type { OrderChange, OrderCommand, VenueReport } from '../domain/orders.js';
import type { LegQuote } from '../domain/quote.js';

export interface InstrumentInfo {
  readonly symbol: string;
  readonly tickSize: Decimal;
  readonly lotSize: Decimal;
}

/**
 * The port every venue implements: the embedded simulated exchange, and real adapters behind it.
 * Prices are integer ticks and quantities integer lots of each instrument; an adapter converts at its edge.
 * Every fault (reject, cancel reject, late fill) comes back as a report, never as an exception.
 */
export interface Venue {
  readonly name: string;
  /** Level 1 updates for every instrument. Hot: subscribe before start(). */
  readonly quotes$: Observable<LegQuote>;
  /** Order reports, in the order the engine receives them. */
  readonly reports$: Observable<VenueReport>;
  /** Connection changes, where the venue reports them. */
  readonly status$?: Observable<{ connected: boolean; at: number }>;
  instruments(): readonly InstrumentInfo[];
  start(): void;
  stop(): void;
  submit(order: OrderCommand): void;
  cancel(clientId: string): void;
  /**
   * Optional, a capability: change a working order's price or size in one message, keeping the order (and, where
   * the price stays and the size only shrinks, its place in the queue). The answer is `order.replaced` or
   * `order.replaceRejected` on reports$; fills made before the replace arrives come at the old price. The order
   * keeps `clientId` on this port: an adapter whose protocol wants a new id per replace (FIX ClOrdID) maps them.
   * A venue without it leaves it undefined, and the engine re-prices by cancel and a new order.
   */
  replace?(clientId: string, change: OrderChange): void;
  /**
   * Optional, for restarts: what the venue knows of these orders, every order open there, and its positions.
   * Ids it does not know come back `unknown` and are void from then on (a late copy of one is refused).
   * Reports after the answer arrive on `reports$` as usual, but only after the code awaiting the answer has
   * run, so a caller can act on the answer before anything newer arrives.
   */
  sync?(clientIds: readonly string[]): Promise<VenueSync>;
}

export interface VenueFill {
  readonly tradeId: string;
  readonly qty: number;
  readonly price: number;
  readonly at: number;
}

export interface VenueOrderState {
  readonly clientId: string;
  /** pending: received, not yet at the matcher; unknown: never received (now void). */
  readonly status: 'pending' | 'open' | 'filled' | 'canceled' | 'rejected' | 'unknown';
  readonly symbol?: string;
  readonly side?: 1 | -1;
  readonly qty?: number;
  /** The order's limit price now (after any replace), in ticks, where the venue says. */
  readonly price?: number;
  readonly filled: number;
  readonly fills: readonly VenueFill[];
  readonly reason?: string;
}

export interface VenueSync {
  /** The venue's time of the answer. */
  readonly now: number;
  readonly orders: readonly VenueOrderState[];
  /** Client ids of every order open (or pending) at the venue, whoever sent it. */
  readonly open: readonly string[];
  /** Lots held per symbol. */
  readonly positions: Readonly<Record<string, number>>;
}
