import { Subject, type Observable, type Subscription } from 'rxjs';
import type { OrderChange, OrderCommand, VenueReport } from '../domain/orders.js';
import type { LegQuote } from '../domain/quote.js';
import type { InstrumentInfo, Venue, VenueSync } from '../venue/venue.js';

type Command = { kind: 'submit'; order: OrderCommand } | { kind: 'cancel'; clientId: string } | { kind: 'replace'; clientId: string; change: OrderChange };

/**
 * The venue as a journalled engine sees it. Orders, cancels and replaces wait in an outbox until the journal has
 * written (and, for commands, fsync'd) the records and the snapshot that describe them; `release()` then
 * sends them. Client ids get the run's prefix on the way out (`r3.hc-rb/7.2`), so ids are unique across runs
 * that share a venue and the same order keeps its id across restarts of one run (the venue refuses a copy);
 * reports come back without it. Reports for ids without the prefix belong to someone else.
 */
export class OutboxVenue implements Venue {
  readonly name: string;
  readonly quotes$: Observable<LegQuote>;
  readonly reports$ = new Subject<VenueReport>();
  readonly status$?: Observable<{ connected: boolean; at: number }>;
  /** Present when the inner venue can replace (a capability: see Venue.replace); the order keeps its id. */
  readonly replace?: (clientId: string, change: OrderChange) => void;
  /**
   * Present when the inner venue can say what it knows of orders: asked now (a query is not a command, nothing waits
   * for the journal), with this run's ids, and answered with them (orders of other runs left out).
   */
  readonly sync?: (clientIds: readonly string[]) => Promise<VenueSync>;
  private readonly outbox: Command[] = [];
  private subscription: Subscription | undefined;

  constructor(
    readonly inner: Venue,
    readonly prefix: string,
    private readonly onForeign: (report: VenueReport) => void = () => {},
  ) {
    this.name = inner.name;
    this.quotes$ = inner.quotes$;
    if (inner.status$) this.status$ = inner.status$;
    if (typeof inner.replace === 'function') this.replace = (clientId, change) => void this.outbox.push({ kind: 'replace', clientId, change });
    if (typeof inner.sync === 'function') {
      const sync = inner.sync.bind(inner);
      this.sync = async (clientIds) => {
        const answer = await sync(clientIds.map((id) => this.venueId(id)));
        const mine = (venueId: string): string[] => {
          const id = this.engineId(venueId);
          return id === undefined ? [] : [id];
        };
        return {
          ...answer,
          orders: answer.orders.flatMap((o) => mine(o.clientId).map((clientId) => ({ ...o, clientId }))),
          open: answer.open.flatMap(mine),
        };
      };
    }
  }

  instruments(): readonly InstrumentInfo[] {
    return this.inner.instruments();
  }

  start(): void {
    this.subscription ??= this.inner.reports$.subscribe((r) => {
      const id = this.engineId(r.clientId);
      if (id === undefined) this.onForeign(r);
      else this.reports$.next({ ...r, clientId: id });
    });
    this.inner.start();
  }

  stop(): void {
    this.inner.stop();
    this.subscription?.unsubscribe();
  }

  submit(order: OrderCommand): void {
    this.outbox.push({ kind: 'submit', order });
  }

  cancel(clientId: string): void {
    this.outbox.push({ kind: 'cancel', clientId });
  }

  /** Whether an order is still waiting here (created, journalled or not, but not sent yet). */
  holds(clientId: string): boolean {
    return this.outbox.some((c) => c.kind === 'submit' && c.order.clientId === clientId);
  }

  /** Commands waiting for the journal. */
  get waiting(): number {
    return this.outbox.length;
  }

  /** Sends every waiting command, in order. */
  release(): void {
    for (const c of this.outbox.splice(0)) {
      if (c.kind === 'submit') this.inner.submit({ ...c.order, clientId: this.venueId(c.order.clientId) });
      else if (c.kind === 'cancel') this.inner.cancel(this.venueId(c.clientId));
      else this.inner.replace!(this.venueId(c.clientId), c.change);
    }
  }

  /** A report from elsewhere than the live stream (a journalled one replayed, or one a reconciliation found). */
  inject(report: VenueReport): void {
    this.reports$.next(report);
  }

  venueId(clientId: string): string {
    return this.prefix + clientId;
  }

  /** The engine's id for a venue id, or undefined when the order is not this run's. */
  engineId(venueId: string): string | undefined {
    return venueId.startsWith(this.prefix) ? venueId.slice(this.prefix.length) : undefined;
  }
}
