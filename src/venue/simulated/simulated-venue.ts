import type { Clock, Rearmable } from '../../clock/clock.js';
import { ConfigError } from '../../domain/errors.js';
import type { CalendarSpec } from '../../domain/session-calendar.js';
import { Exchange, type ExchangeInstrument, type Market, type SimFaults } from '../exchange.js';
import { MarketModel } from './market-model.js';
import { Random } from './random.js';

export type { SimFaults, VenueStatus } from '../exchange.js';

export interface SimInstrumentSpec extends ExchangeInstrument {
  /** Mean time between quote updates, ms (exponentially distributed). */
  quoteIntervalMs: number;
  /** Displayed size on each side is drawn uniformly from [min, max] lots. */
  size: { min: number; max: number };
  /** Bid–ask width in ticks (default 1). */
  widthTicks?: number;
  /** A random-walk instrument: its start price and volatility (price units per √second). */
  start?: string;
  volatility?: string;
  /** Or one cointegrated with another: mid = beta · other + s, s mean-reverting around `mean`. */
  follows?: { symbol: string; beta: string; mean: string; sd: string; halfLifeSeconds: number };
}

export interface SimVenueSpec {
  seed: number;
  /** One-way latency, ms: an order reaches the matcher after it, and a report reaches the engine after it. */
  latencyMs: number;
  /** When the market quotes and accepts orders. */
  calendar: CalendarSpec;
  instruments: SimInstrumentSpec[];
  faults?: SimFaults;
}

/**
 * What a quote of one instrument needs, read from one object (with thousands of instruments, each quote reads
 * another instrument's, out of the CPU's caches): its symbol, tick as a number, width in ticks, sizes, mean interval,
 * its market at the exchange, its quote timer and where the market model keeps its numbers.
 */
interface Quoting {
  readonly symbol: string;
  readonly tick: number;
  readonly width: number;
  readonly sizeMin: number;
  readonly sizeMax: number;
  readonly intervalMs: number;
  readonly market: Market;
  /** The timer of this instrument's next quote (armed one at a time). */
  readonly timer: Rearmable;
  /** Its place in the market model (`MarketModel.placeOf`), for its fair price. */
  readonly group: number;
  readonly follower: number;
}

/**
 * The embedded simulated exchange: a seeded market model (a random walk and instruments cointegrated with
 * it) quoting level 1 with sizes while its calendar is open, on the exchange core (matching, latency,
 * queue position, faults; see Exchange). The book is cleared at each close.
 *
 * A quote costs the same however many instruments the venue lists: the model moves only the quoted instrument's
 * group (its random walk and the instruments that follow it; see MarketModel).
 */
export class SimulatedVenue extends Exchange {
  readonly name = 'simulated';
  private readonly random: Random;
  private readonly model: MarketModel;
  private readonly sims: Quoting[] = [];

  constructor(
    readonly spec: SimVenueSpec,
    clock: Clock,
  ) {
    super(spec, clock);
    this.random = new Random(spec.seed);
    const symbols = new Set(spec.instruments.map((i) => i.symbol));
    const bases = [];
    const followers = [];
    for (const [n, i] of spec.instruments.entries()) {
      const p = `venue.instruments[${n}]`;
      if (i.follows) {
        if (!symbols.has(i.follows.symbol)) throw new ConfigError(`${p}.follows.symbol`, 'names no instrument of this venue', i.follows.symbol);
        if (i.follows.symbol === i.symbol) throw new ConfigError(`${p}.follows.symbol`, 'an instrument cannot follow itself', i.symbol);
        followers.push({
          symbol: i.symbol,
          follows: i.follows.symbol,
          beta: Number(i.follows.beta),
          mean: Number(i.follows.mean),
          sd: Number(i.follows.sd),
          halfLifeSeconds: i.follows.halfLifeSeconds,
        });
      } else {
        if (i.start === undefined || i.volatility === undefined) throw new ConfigError(p, 'needs either `follows`, or both `start` and `volatility`', i.symbol);
        bases.push({ symbol: i.symbol, start: Number(i.start), volatility: Number(i.volatility) });
      }
    }
    for (const f of followers) {
      if (followers.some((g) => g.symbol === f.follows)) throw new ConfigError('venue.instruments', `${f.symbol} follows ${f.follows}, which itself follows another instrument`);
    }
    this.model = new MarketModel(this.random, bases, followers);
    for (const i of spec.instruments) {
      const place = this.model.placeOf(i.symbol);
      const q: Quoting = {
        symbol: i.symbol,
        tick: Number(i.tickSize),
        width: i.widthTicks ?? 1,
        sizeMin: i.size.min,
        sizeMax: i.size.max,
        intervalMs: i.quoteIntervalMs,
        market: this.marketOf(i.symbol),
        // One function for every instrument's timer, fired with the instrument's place in `sims`: a quote reads no
        // closure of its own.
        timer: this.rearmable(this.quoteAt, this.sims.length),
        group: place.group,
        follower: place.follower,
      };
      this.sims.push(q);
    }
  }

  protected onStart(now: number): void {
    this.model.start(now);
    for (const q of this.sims) this.scheduleQuote(q, now + this.random.exponential(q.intervalMs));
  }

  private readonly quoteAt = (i: number): void => this.quote(this.sims[i]!);

  private scheduleQuote(q: Quoting, at: number): void {
    q.timer.arm(Math.max(1, Math.round(at - this.clock.now())));
  }

  private quote(q: Quoting): void {
    if (!this.running) return;
    const now = this.clock.now();
    if (!this.calendar.isOpen(now)) {
      this.clearBook(q.symbol);
      const next = this.calendar.nextBoundary(now);
      if (next) this.scheduleQuote(q, next.at + this.random.exponential(q.intervalMs));
      return;
    }
    const bid = Math.floor(this.model.midAt(q.group, q.follower, now) / q.tick);
    this.publishQuoteTo(q.market, {
      symbol: q.symbol,
      bid,
      ask: bid + q.width,
      bidSize: this.random.int(q.sizeMin, q.sizeMax),
      askSize: this.random.int(q.sizeMin, q.sizeMax),
      ts: now,
    });
    this.scheduleQuote(q, now + this.random.exponential(q.intervalMs));
  }
}
