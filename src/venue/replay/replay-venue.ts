import type { Clock } from '../../clock/clock.js';
import type { QuoteTable } from '../../data/quote-table.js';
import type { CalendarSpec } from '../../domain/session-calendar.js';
import { Exchange, type ExchangeInstrument, type SimFaults } from '../exchange.js';

export interface ReplayInstrumentSpec extends ExchangeInstrument {
  /** Quotes wider than this many ticks are bad data (see the data report). */
  maxWidthTicks?: number;
}

export interface ReplayVenueSpec {
  kind: 'replay';
  seed: number;
  latencyMs: number;
  /** When the market accepts orders (default: always). */
  calendar: CalendarSpec;
  instruments: ReplayInstrumentSpec[];
  faults?: SimFaults;
}

/**
 * Replays recorded leg quotes, in time order on the engine's clock, through the same exchange core as the
 * simulated venue: orders match against the recorded books (at the touch up to the displayed size; resting
 * orders when the market trades through them or their queue has traded), with the same latencies and faults.
 */
export class ReplayVenue extends Exchange {
  readonly name = 'replay';
  private next = 0;
  private readonly tick: number[];
  private readonly lot: number[];
  private readonly symbolOfId: string[];

  constructor(
    readonly spec: ReplayVenueSpec,
    private readonly table: QuoteTable,
    clock: Clock,
  ) {
    super(spec, clock);
    const bySymbol = new Map(spec.instruments.map((i) => [i.symbol, i]));
    this.symbolOfId = table.symbols;
    this.tick = table.symbols.map((s) => Number(bySymbol.get(s)?.tickSize ?? NaN));
    this.lot = table.symbols.map((s) => Number(bySymbol.get(s)?.lotSize ?? NaN));
  }

  /** Rows replayed so far, and in all. */
  progress(): { done: number; total: number } {
    return { done: this.next, total: this.table.length };
  }

  protected onStart(now: number): void {
    while (this.next < this.table.length && this.table.ts[this.next]! < now) this.next++;
    this.schedule();
  }

  private schedule(): void {
    if (this.next >= this.table.length) return;
    this.later(Math.max(0, this.table.ts[this.next]! - this.clock.now()), () => this.replay());
  }

  /** Publishes every row due now, then waits for the next time. */
  private replay(): void {
    const t = this.table;
    const now = this.clock.now();
    while (this.next < t.length && t.ts[this.next]! <= now) {
      const i = this.next++;
      const s = t.sym[i]!;
      const tick = this.tick[s]!;
      const lot = this.lot[s]!;
      const bidSize = Math.floor(t.bidSize[i]! / lot + 1e-9);
      const askSize = Math.floor(t.askSize[i]! / lot + 1e-9);
      this.publish(this.symbolOfId[s]!, {
        bid: bidSize > 0 ? Math.round(t.bid[i]! / tick) : 0,
        bidSize,
        ask: askSize > 0 ? Math.round(t.ask[i]! / tick) : 0,
        askSize,
      });
    }
    this.schedule();
  }
}
