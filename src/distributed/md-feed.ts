import type { NatsConnection } from '@nats-io/transport-node';
import type { Observable } from 'rxjs';
import type { VirtualClock } from '../clock/virtual-clock.js';
import type { LegQuote } from '../domain/quote.js';
import type { InstrumentInfo } from '../venue/venue.js';
import { encodeQuote, encodeTime, quoteSubject, timeSubject, WireUnits } from './md-codec.js';

/** What a feed publishes: a venue's quote stream (the simulated venue of a config, or a replay of recorded quotes). */
export interface MdMarket {
  readonly quotes$: Observable<LegQuote>;
  instruments(): readonly InstrumentInfo[];
  start(): void;
  stop(): void;
}

export interface MdFeedOptions {
  /** The venue token of the subjects: `md.<venue>.<symbol>`, `mdtime.<venue>`. */
  venue: string;
  /** Market time to run until (ms since the epoch); a last time frame marked `end` is published there. */
  until: number;
  /** 'max' publishes as fast as the market's clock steps; N runs N market ms per wall ms. Default 'max'. */
  speed?: number | 'max';
  /** At a finite speed, a time frame every this many wall ms while no quote is due. Default 100. */
  heartbeatMs?: number;
  /** At max speed, a flush (a round trip to the server) every this many frames, so the client's buffer stays bounded. Default 2,000. */
  flushEvery?: number;
  /** Mark the last time frame `end` (shards then finish their run). Default true; false leaves shards waiting for more. */
  end?: boolean;
  /** Wall-time waits (tests pass their own); default real timers. */
  sleep?: (ms: number) => Promise<void>;
  /** Wall time now, ms; default performance.now(). */
  wallNow?: () => number;
}

export interface MdFeedCounts {
  /** Leg quotes the market produced. */
  quotes: number;
  /** Quote frames published. */
  published: number;
  /** Time frames published. */
  times: number;
  /** Quotes whose price or size cannot be written exactly (beyond a safe integer mantissa): not published. */
  unencodable: number;
}

/**
 * The feed of the market-data fan-out: runs a venue's quote stream on a VirtualClock (paced, or at max speed) and
 * publishes every leg quote on core NATS at `md.<venue>.<symbol>` in the binary frame of md-codec.ts, numbered per
 * subject, with the feed's market time on `mdtime.<venue>` while nothing else is sent and, at the end, a time frame
 * marked `end`. Core NATS keeps nothing: a shard that subscribes later sees only what is published from then on.
 */
export class MdFeed {
  readonly counts: MdFeedCounts = { quotes: 0, published: 0, times: 0, unencodable: 0 };
  private readonly units = new Map<string, { subject: string; units: WireUnits; seq: number }>();
  private readonly timeSubject: string;
  private timeSeq = 0;
  private lastSentTs = -Infinity;

  constructor(
    private readonly nc: NatsConnection,
    private readonly market: MdMarket,
    private readonly clock: VirtualClock,
    private readonly options: MdFeedOptions,
  ) {
    for (const i of market.instruments()) this.units.set(i.symbol, { subject: quoteSubject(options.venue, i.symbol), units: new WireUnits(i.symbol, i.tickSize, i.lotSize), seq: 0 });
    this.timeSubject = timeSubject(options.venue);
  }

  /** The subjects it publishes on. */
  subjects(): string[] {
    return [...[...this.units.values()].map((u) => u.subject), this.timeSubject];
  }

  /** Publishes one leg quote now (the market's subscription calls it). */
  publishQuote(q: LegQuote): void {
    this.counts.quotes++;
    const u = this.units.get(q.symbol);
    if (!u) return;
    const bid = u.units.priceMantissa(q.bidSize > 0 ? q.bid : 0);
    const ask = u.units.priceMantissa(q.askSize > 0 ? q.ask : 0);
    const bidSize = u.units.sizeMantissa(q.bidSize);
    const askSize = u.units.sizeMantissa(q.askSize);
    if (bid === undefined || ask === undefined || bidSize === undefined || askSize === undefined || !(q.ts > 0)) {
      this.counts.unencodable++;
      return;
    }
    u.seq++;
    this.nc.publish(u.subject, encodeQuote({ seq: u.seq, ts: q.ts, more: q.more === true, priceExp: u.units.priceExp, sizeExp: u.units.sizeExp, bid, bidSize, ask, askSize }));
    this.counts.published++;
    this.lastSentTs = q.ts;
  }

  /** Publishes the market time now (`end`: the feed has finished). */
  publishTime(end = false): void {
    this.timeSeq++;
    this.nc.publish(this.timeSubject, encodeTime({ seq: this.timeSeq, ts: this.clock.now(), end }));
    this.counts.times++;
    this.lastSentTs = this.clock.now();
  }

  /** Runs the market to `until`, publishing as it goes, then the end; resolves with the counts. */
  async run(signal?: AbortSignal): Promise<MdFeedCounts> {
    const clock = this.clock;
    const speed = this.options.speed ?? 'max';
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const wallNow = this.options.wallNow ?? (() => performance.now());
    const heartbeat = this.options.heartbeatMs ?? 100;
    const flushEvery = this.options.flushEvery ?? 2_000;
    const until = this.options.until;
    const sub = this.market.quotes$.subscribe((q) => this.publishQuote(q));
    try {
      this.publishTime();
      this.market.start();
      const start = clock.now();
      const wall0 = wallNow();
      let sinceFlush = 0;
      while (!signal?.aborted) {
        const next = clock.nextAt();
        if (next === undefined || next > until) break;
        if (speed !== 'max') {
          const due = wall0 + (next - start) / speed;
          let left = due - wallNow();
          if (left > 0) {
            await sleep(Math.min(left, heartbeat));
            left = due - wallNow();
            if (left > 0) {
              // Nothing due yet: tell the shards how far market time has come, so their own timers run.
              clock.runUntil(Math.min(next - 1, start + Math.floor((wallNow() - wall0) * speed)));
              if (clock.now() > this.lastSentTs) this.publishTime();
              continue;
            }
          }
        }
        const before = this.counts.published;
        clock.step(until);
        sinceFlush += this.counts.published - before;
        if (sinceFlush >= flushEvery) {
          sinceFlush = 0;
          await this.nc.flush();
        } else if (speed === 'max' && sinceFlush === 0) await sleep(0);
      }
      if (!signal?.aborted) {
        clock.runUntil(until);
        this.publishTime(this.options.end !== false);
      }
      await this.nc.flush();
      return this.counts;
    } finally {
      sub.unsubscribe();
      this.market.stop();
    }
  }
}
