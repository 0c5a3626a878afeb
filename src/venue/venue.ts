import type { Observable } from 'rxjs';
import type { Decimal } from '../domain/decimal.js';
import type { OrderCommand, VenueReport } from '../domain/orders.js';
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
}
