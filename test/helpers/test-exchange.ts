import type { Clock } from '../../src/clock/clock.js';
import { WEEKDAYS, type CalendarSpec } from '../../src/domain/session-calendar.js';
import { Exchange, type ExchangeInstrument } from '../../src/venue/exchange.js';

/** Open around the clock, every day. */
export const ALWAYS: CalendarSpec = { timeZone: 'UTC', days: [...WEEKDAYS], sessions: [{ start: '00:00', end: '00:00' }] };

/** The exchange core with the market played by the test: books and trade prints, in ticks and lots; always open, no latency. */
export class TestExchange extends Exchange {
  readonly name = 'test-exchange';
  constructor(instruments: ExchangeInstrument[], clock: Clock) {
    super({ seed: 1, latencyMs: 0, calendar: ALWAYS, instruments }, clock);
  }
  protected onStart(): void {}
  /** A new book of `symbol`, published now. */
  quote(symbol: string, bid: number, bidSize: number, ask: number, askSize: number): void {
    this.publishQuote({ symbol, bid, bidSize, ask, askSize, ts: this.clock.now() });
  }
  /** A recorded trade (or bar of trades) of `symbol`. */
  print(symbol: string, low: number, high: number, volume: number): void {
    this.printTrade(symbol, low, high, volume);
  }
}
