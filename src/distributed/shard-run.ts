import { FollowerClock } from '../clock/follower-clock.js';
import type { EngineConfig } from '../config/resolve.js';
import { Decimal } from '../domain/decimal.js';
import { LegatoError } from '../domain/errors.js';
import { DurableEngine } from '../engine/durable.js';
import { createEngine, type Engine, type RunOptions } from '../engine/engine.js';
import type { Summary } from '../engine/summary.js';
import type { ExchangeInstrument } from '../venue/exchange.js';
import { MdVenue } from '../venue/nats/md-venue.js';
import { MdSubscriber, type MdCounts, type MdSubscriberOptions } from './md-subscriber.js';

/** A shard that cannot start as asked (a config whose venue cannot be traded on paper against a feed). */
export class ShardError extends LegatoError {
  override name = 'ShardError';
}

export type ShardEvent =
  | { kind: 'subscribed'; subjects: string[] }
  | { kind: 'started'; at: number }
  | { kind: 'disconnected' }
  | { kind: 'reconnected' }
  | { kind: 'feedEnded'; at: number };

export interface ShardOptions {
  /** The NATS server the feed publishes on. */
  url: string;
  /** The venue token of the subjects (`md.<venue>.<symbol>`). Default `sim`. */
  venue?: string;
  /** Keep a journal in this directory (DurableEngine); without, the shard keeps none. */
  dataDir?: string;
  /** Continue the journal's unfinished run (needs dataDir). */
  resume?: boolean;
  unknownOrders?: 'cancel' | 'leave';
  onWarning?: (message: string) => void;
  /** What happens to the shard's connection and feed, as it happens. */
  onEvent?: (e: ShardEvent) => void;
  /** Passed to the subscriber (bounds of the time checks, slow-consumer threshold). */
  md?: Pick<MdSubscriberOptions, 'maxLagMs' | 'maxJumpMs' | 'slowAfter' | 'maxHeld'>;
}

/** The symbols a config's strategies trade, with the venue's instrument spec of each. */
function tradedInstruments(config: EngineConfig): ExchangeInstrument[] {
  const v = config.venue;
  if (v.kind !== 'simulated' && v.kind !== 'replay') throw new ShardError(`a shard trades on paper against the feed's quotes: its config's venue must be kind simulated or replay (for the instruments, latency and calendar), not ${v.kind}`);
  const symbols = new Set(config.strategies.flatMap((s) => s.definition.legs.map((l) => l.symbol)));
  return (v.instruments as ExchangeInstrument[])
    .filter((i) => symbols.has(i.symbol))
    .map((i) => ({ symbol: i.symbol, tickSize: i.tickSize, lotSize: i.lotSize, ...(i.latency ? { latency: i.latency } : {}), ...(i.queue !== undefined ? { queue: i.queue } : {}) }));
}

/**
 * A strategy shard: an engine with its own strategies (and journal, with `dataDir`) whose market data comes from a
 * feed on NATS (`legato feed`), subscribed to the symbols its strategies trade. Orders are matched on paper against
 * those quotes (MdVenue), on the feed's market time: the shard's clock starts at the first frame it receives and
 * moves with every quote and time frame. After the feed's end (or an abort) the shard runs its own time so that a
 * stop can finish. A restarted shard subscribes again; a server restart is survived by the client's reconnection.
 */
export class Shard {
  private selfTiming = false;
  private closed = false;

  private constructor(
    readonly config: EngineConfig,
    readonly md: MdSubscriber,
    readonly venue: MdVenue,
    readonly engine: Engine,
    readonly durable: DurableEngine | undefined,
    private readonly options: ShardOptions,
    /** The time stamp of the feed's first frame: the shard's clock started there. */
    readonly firstAt: number,
  ) {}

  /**
   * Subscribes, waits for the feed's first frame (its time starts the shard's clock), then builds the engine.
   * Throws ShardError, MdSubjectError (a symbol that cannot be a subject token) or NatsUnavailableError before
   * anything trades; journal errors as DurableEngine.open does. Resolves undefined when `signal` aborts the wait.
   */
  static async open(config: EngineConfig, options: ShardOptions, signal?: AbortSignal): Promise<Shard | undefined> {
    const instruments = tradedInstruments(config);
    if (options.resume && options.dataDir === undefined) throw new ShardError('--resume needs the journal of the run: give its --data-dir');
    const venueToken = options.venue ?? 'sim';
    const md = await MdSubscriber.open(options.url, {
      ...options.md,
      venue: venueToken,
      instruments: instruments.map((i) => ({ symbol: i.symbol, tickSize: new Decimal(i.tickSize), lotSize: new Decimal(i.lotSize) })),
      ...(Number.isFinite(config.run.start) ? { startAt: config.run.start } : {}),
    });
    options.onEvent?.({ kind: 'subscribed', subjects: md.subjects });
    const first = await Promise.race([md.first(), new Promise<undefined>((resolve) => signal?.addEventListener('abort', () => resolve(undefined), { once: true }))]);
    if (first === undefined) {
      await md.close();
      return undefined;
    }
    try {
      const v = config.venue as Extract<EngineConfig['venue'], { kind: 'simulated' | 'replay' }>;
      const clock = new FollowerClock(first);
      const venue = new MdVenue({ name: `md.${venueToken}`, seed: v.seed, latencyMs: v.latencyMs, calendar: v.calendar, instruments, ...(v.faults ? { faults: v.faults } : {}) }, clock);
      let durable: DurableEngine | undefined;
      let engine: Engine;
      if (options.dataDir !== undefined) {
        durable = DurableEngine.open(config, {
          dataDir: options.dataDir,
          resume: options.resume === true,
          venue,
          clock,
          unknownOrders: options.unknownOrders ?? 'cancel',
          ...(options.onWarning ? { onWarning: options.onWarning } : {}),
        });
        engine = durable.engine;
      } else engine = createEngine(config, { clock, venue });
      return new Shard(config, md, venue, engine, durable, options, first);
    } catch (e) {
      await md.close();
      throw e;
    }
  }

  /** The subscriber's counts: quotes applied, dropped by reason, sequence gaps, reconnections. */
  get counts(): MdCounts {
    return this.md.counts;
  }

  /**
   * The market time the run ends at: run.start + run.days of a simulated config; a replay config has no start of its
   * own (its data sets it), so its shard runs run.days from the feed's first frame. After the feed's end no quote can come: the rest of the span passes at once.
   */
  get until(): number {
    const start = Number.isFinite(this.config.run.start) ? this.config.run.start : this.firstAt;
    return start + this.config.run.days * 86_400_000;
  }

  /** Starts the engine, then hands it the market data (what arrived meanwhile first); runs to the end; stops cleanly. */
  async run(options: Omit<RunOptions, 'speed'> = {}): Promise<Summary> {
    const until = options.until ?? this.until;
    if (this.durable) await this.durable.start();
    else this.engine.start();
    this.options.onEvent?.({ kind: 'started', at: this.venue.followerClock.now() });
    const report = this.options.onEvent;
    this.md.attach({
      quote: (symbol, book, ts, more) => this.venue.quote(symbol, book, ts, more),
      advance: (ts) => this.venue.advance(ts),
      feedConnected: (connected) => {
        this.venue.feedConnected(connected);
        report?.({ kind: connected ? 'reconnected' : 'disconnected' });
      },
    });
    this.md.onEnd(() => {
      report?.({ kind: 'feedEnded', at: this.venue.followerClock.now() });
      void this.selfTime(until);
    });
    options.signal?.addEventListener('abort', () => void this.selfTime(undefined), { once: true });
    try {
      return this.durable ? await this.durable.run({ ...options, until }) : await this.engine.run({ ...options, until });
    } finally {
      await this.close();
    }
  }

  /**
   * The feed has ended (or the run is aborted): market time is the shard's own from now on. It runs to the run's end
   * at once (no quote can come), then, while the engine stops, on in steps so that cancels and hedges can finish.
   */
  private async selfTime(until: number | undefined): Promise<void> {
    if (this.selfTiming) return;
    this.selfTiming = true;
    if (until !== undefined && this.venue.followerClock.now() < until) this.venue.advance(until);
    const actor = this.engine.actor;
    while (!this.closed && actor.getSnapshot().status === 'active' && actor.getSnapshot().value !== 'stopped') {
      if (actor.getSnapshot().value === 'stopping') this.venue.advance(this.venue.followerClock.now() + 1_000);
      await new Promise((r) => setTimeout(r, 1));
    }
  }

  /** Closes the connection (idempotent). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.md.close();
  }
}
