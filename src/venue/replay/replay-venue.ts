import type { Clock } from '../../clock/clock.js';
import type { QuoteTable } from '../../data/quote-table.js';
import type { TradeTable } from '../../data/trade-table.js';
import type { CalendarSpec } from '../../domain/session-calendar.js';
import { Exchange, type ExchangeInstrument, type Market, type SimFaults } from '../exchange.js';

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
 * Replays recorded leg quotes, and recorded trades when there are any, in time order on the engine's clock,
 * through the same exchange core as the simulated venue: orders match against the recorded books and trades
 * by the fill model of docs/fill-model.md, with the same latencies and faults. Rows stamped alike form one
 * instant: its trades first (they happened before the quotes that close it), then its quotes, each but the
 * last marked `more`, so the engine decides only once every leg of the instant is applied.
 */
export class ReplayVenue extends Exchange {
  readonly name = 'replay';
  private next = 0;
  private nextTrade = 0;
  private readonly tick: number[];
  private readonly lot: number[];
  private readonly symbolOfId: string[];
  /** Per quote-table symbol id: its market at the exchange (looked up once). */
  private readonly marketOfId: Market[];
  // Per trade-table symbol id: the symbol, tick and lot size (undefined symbol: not an instrument here).
  private readonly tradeSymbol: (string | undefined)[];
  private readonly tradeTick: number[];
  private readonly tradeLot: number[];
  /** Arms the timer of the next instant to replay. */
  private readonly wake = this.rearmable(() => this.replay());

  constructor(
    readonly spec: ReplayVenueSpec,
    private readonly table: QuoteTable,
    clock: Clock,
    private readonly trades?: TradeTable,
  ) {
    super(spec, clock);
    const bySymbol = new Map(spec.instruments.map((i) => [i.symbol, i]));
    this.symbolOfId = table.symbols;
    this.marketOfId = table.symbols.map((s) => this.marketOf(s));
    this.tick = table.symbols.map((s) => Number(bySymbol.get(s)?.tickSize ?? NaN));
    this.lot = table.symbols.map((s) => Number(bySymbol.get(s)?.lotSize ?? NaN));
    const tradeSymbols = trades?.symbols ?? [];
    this.tradeSymbol = tradeSymbols.map((s) => (bySymbol.has(s) ? s : undefined));
    this.tradeTick = tradeSymbols.map((s) => Number(bySymbol.get(s)?.tickSize ?? NaN));
    this.tradeLot = tradeSymbols.map((s) => Number(bySymbol.get(s)?.lotSize ?? NaN));
  }

  /** Rows replayed so far, and in all. */
  progress(): { done: number; total: number } {
    return { done: this.next, total: this.table.length };
  }

  protected onStart(now: number): void {
    while (this.next < this.table.length && this.table.ts[this.next]! < now) this.next++;
    const tr = this.trades;
    if (tr) while (this.nextTrade < tr.length && tr.ts[this.nextTrade]! < now) this.nextTrade++;
    this.schedule();
  }

  private schedule(): void {
    const tr = this.trades;
    const q = this.next < this.table.length ? this.table.ts[this.next]! : Infinity;
    const at = tr && this.nextTrade < tr.length ? Math.min(q, tr.ts[this.nextTrade]!) : q;
    if (at === Infinity) return;
    this.wake.arm(Math.max(0, at - this.clock.now()));
  }

  /** Applies every row due now: the trades, then the quotes (all but the last marked `more`); then waits. */
  private replay(): void {
    if (!this.running) return;
    const now = this.clock.now();
    const tr = this.trades;
    if (tr) {
      while (this.nextTrade < tr.length && tr.ts[this.nextTrade]! <= now) {
        const i = this.nextTrade++;
        const s = tr.sym[i]!;
        const symbol = this.tradeSymbol[s];
        if (symbol === undefined) continue;
        const tick = this.tradeTick[s]!;
        const volume = Math.floor(tr.volume[i]! / this.tradeLot[s]! + 1e-9);
        if (volume > 0) this.printTrade(symbol, Math.round(tr.low[i]! / tick), Math.round(tr.high[i]! / tick), volume);
      }
    }
    const t = this.table;
    while (this.next < t.length && t.ts[this.next]! <= now) {
      const i = this.next++;
      const s = t.sym[i]!;
      const tick = this.tick[s]!;
      const lot = this.lot[s]!;
      const bidSize = Math.floor(t.bidSize[i]! / lot + 1e-9);
      const askSize = Math.floor(t.askSize[i]! / lot + 1e-9);
      const bid = bidSize > 0 ? Math.round(t.bid[i]! / tick) : 0;
      const ask = askSize > 0 ? Math.round(t.ask[i]! / tick) : 0;
      const symbol = this.symbolOfId[s]!;
      // `more`: another row of this instant follows.
      this.publishQuoteTo(
        this.marketOfId[s]!,
        this.next < t.length && t.ts[this.next]! <= now ? { symbol, bid, bidSize, ask, askSize, ts: now, more: true } : { symbol, bid, bidSize, ask, askSize, ts: now },
      );
    }
    this.schedule();
  }
}
