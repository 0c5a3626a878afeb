import { FollowerClock } from '../../clock/follower-clock.js';
import { Exchange, type Book, type ExchangeSpec } from '../exchange.js';

export interface MdVenueSpec extends ExchangeSpec {
  /** The venue's name in summaries (default `md`). */
  name?: string;
}

/**
 * A venue whose market is someone else's: a feed in another process (the market-data fan-out on NATS,
 * src/distributed/md-subscriber.ts) hands it each leg quote with the feed's time stamp, and orders are matched on
 * paper against those books by the exchange core (docs/fill-model.md: latency, queue, the same faults).
 *
 * Its clock is a FollowerClock owned by the feed: a quote is applied as a timer at its time stamp, after every timer
 * due by then, so a shard on the feed's quotes decides as an in-process run on the same quotes does. Time stands
 * still when no frame comes; `advance` moves it (a feed's time frame, or the shard itself once the feed has ended).
 * Nothing here knows NATS: the adapter that does lives above it.
 */
export class MdVenue extends Exchange {
  readonly name: string;
  declare protected readonly clock: FollowerClock;
  private readonly symbols: ReadonlySet<string>;

  constructor(spec: MdVenueSpec, clock: FollowerClock) {
    super(spec, clock);
    this.name = spec.name ?? 'md';
    this.symbols = new Set(spec.instruments.map((i) => i.symbol));
  }

  protected onStart(): void {
    // The market comes from outside: nothing to schedule.
  }

  /**
   * A leg quote stamped `ts` by the feed (ticks and lots of this venue's instrument). Applied at `ts`, or now when
   * `ts` has passed. Returns false (and applies nothing) before start(), after stop(), or for a symbol not listed.
   */
  quote(symbol: string, book: Book, ts: number, more = false): boolean {
    if (!this.running || !this.symbols.has(symbol)) return false;
    this.clock.at(ts, () => {
      if (this.running) this.publishQuote(more ? { symbol, ...book, ts: this.clock.now(), more } : { symbol, ...book, ts: this.clock.now() });
    });
    return true;
  }

  /** The feed's market time: the engine's clock (pass it as EngineOptions.clock). */
  get followerClock(): FollowerClock {
    return this.clock;
  }

  /** Market time moves on to `ts` (never back), firing what falls due. */
  advance(ts: number): void {
    this.clock.advanceTo(ts);
  }

  /** The feed is reachable or not: while not, orders and cancels are refused at once and reports are held. */
  feedConnected(connected: boolean): void {
    this.setConnected(connected);
  }
}
