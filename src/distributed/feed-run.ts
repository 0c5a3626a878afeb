import { VirtualClock } from '../clock/virtual-clock.js';
import type { EngineConfig } from '../config/resolve.js';
import { loadQuotes, type DataReport, type LoadOptions } from '../data/load.js';
import { LegatoError } from '../domain/errors.js';
import { ReplayVenue, type ReplayVenueSpec } from '../venue/replay/replay-venue.js';
import { SimulatedVenue, type SimVenueSpec } from '../venue/simulated/simulated-venue.js';
import { MdFeed, type MdFeedCounts } from './md-feed.js';

/** A feed that cannot start as asked (the config's venue does not fit the source of quotes). */
export class FeedError extends LegatoError {
  override name = 'FeedError';
}

export interface FeedRunOptions {
  /** The NATS server. */
  url: string;
  /** The venue token of the subjects (`md.<venue>.<symbol>`). Default `sim`. */
  venue?: string;
  /** Recorded quotes to replay (the config's venue must be kind replay); without, the config's simulated venue runs. */
  data?: readonly string[];
  badData?: LoadOptions['badData'];
  timeZone?: string;
  /** Market ms per wall ms, or max. Default 'max'. */
  speed?: number | 'max';
  signal?: AbortSignal;
  /** Called once the feed is connected, with the subjects it publishes on and the market time span. */
  onStart?: (info: { subjects: string[]; from: number; until: number; data?: DataReport }) => void;
}

/**
 * `legato feed`: the config's simulated venue, or a replay of recorded quotes, published on NATS as the market-data
 * fan-out (md-feed.ts). Throws FeedError or ConfigErrors/DataError before connecting, NatsUnavailableError when the
 * server cannot be reached; resolves with the counts once the end is published.
 */
export async function runFeed(config: EngineConfig, options: FeedRunOptions): Promise<MdFeedCounts> {
  let market: SimulatedVenue | ReplayVenue;
  let clock: VirtualClock;
  let until: number;
  let data: DataReport | undefined;
  if (options.data && options.data.length > 0) {
    if (config.venue.kind !== 'replay') throw new FeedError(`--data replays recorded quotes: the config's venue must be kind replay (${config.source} has ${config.venue.kind})`);
    const spec: ReplayVenueSpec = config.venue;
    const instruments = new Map(spec.instruments.map((i) => [i.symbol, { tickSize: Number(i.tickSize), maxWidthTicks: i.maxWidthTicks }]));
    const loaded = loadQuotes(options.data, { instruments, timeZone: options.timeZone ?? spec.calendar.timeZone, badData: options.badData ?? 'skip' });
    if (loaded.table.length === 0) throw new FeedError(`no usable quotes of ${[...instruments.keys()].join(', ')} in the data`);
    data = loaded.report;
    const start = loaded.table.ts[0]!;
    clock = new VirtualClock(start);
    until = loaded.table.ts[loaded.table.length - 1]!;
    market = new ReplayVenue(spec, loaded.table, clock, loaded.trades);
  } else {
    if (config.venue.kind !== 'simulated') throw new FeedError(`without --data the feed runs the config's simulated market: the venue must be kind simulated (${config.source} has ${config.venue.kind}; give --data to replay recorded quotes)`);
    clock = new VirtualClock(config.run.start);
    until = config.run.start + config.run.days * 86_400_000;
    market = new SimulatedVenue(config.venue as SimVenueSpec, clock);
  }
  // Loaded when first used (the NATS client is a third of a second to import).
  const { connectNats, closeNats } = await import('./nats.js');
  const nc = await connectNats(options.url, { name: 'legato-feed' });
  try {
    const feed = new MdFeed(nc, market, clock, { venue: options.venue ?? 'sim', until, speed: options.speed ?? 'max' });
    options.onStart?.({ subjects: feed.subjects(), from: clock.now(), until, ...(data ? { data } : {}) });
    return await feed.run(options.signal);
  } finally {
    await closeNats(nc);
  }
}
