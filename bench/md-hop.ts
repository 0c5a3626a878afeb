/**
 * The market-data hop (issue 17, item 2): how long from a quote published to the strategy's decision (its order
 * submitted), over NATS against the same engine in process, in the same run.
 *
 * - In process: a ReplayVenue on a simulated clock hands each quote to the engine; the stamp is taken as the venue
 *   emits the quote, the decision when the engine records the order, in the same step.
 * - Over NATS: a feed (MdFeed, its own connection) publishes the same quotes through a real nats-server on loopback to
 *   a shard (MdSubscriber → MdVenue → the engine, its own connection); the stamp is taken as the feed has the quote,
 *   the decision as above. Feed and shard share this process (one clock for both stamps), so the figure holds the
 *   encode, two socket writes and reads, the server's routing, the decode and checks, and the engine's decision.
 *   Quotes are paced about 1 ms apart (--speed in market ms per wall ms), so a quote does not queue behind the one
 *   before it: the figure is the hop, not a backlog.
 * Only decisions a quote makes (orders submitted in the step that applied a quote) are samples; hedges sent on a fill
 * are not. Both paths must make the same orders (reported as mdHopSameDecisions).
 */
import { VirtualClock } from '../src/clock/virtual-clock.js';
import { resolveConfig, type EngineConfig } from '../src/config/resolve.js';
import type { QuoteTable } from '../src/data/quote-table.js';
import { MdFeed } from '../src/distributed/md-feed.js';
import { closeNats, connectNats } from '../src/distributed/nats.js';
import { Shard } from '../src/distributed/shard-run.js';
import { createEngine } from '../src/engine/engine.js';
import type { EngineRecord } from '../src/engine/records.js';
import { ReplayVenue, type ReplayVenueSpec } from '../src/venue/replay/replay-venue.js';
import { natsServerMissing, startNatsServer } from '../test/helpers/nats-server.js';
import { percentile } from './stats.js';
import { replayPairsConfig, syntheticQuotes } from './synthetic.js';

const STEP_MS = 1_007;

function hopConfig(pairs: number, days: number): EngineConfig {
  // Near the spread's mean (−100): it crosses a trigger every few quotes, so there are many decisions to time.
  return resolveConfig(replayPairsConfig(pairs, { latencyMs: 20, band: 2, staleAfterMs: 600_000, days }), 'md hop bench');
}

const pct = (xs: number[], p: number): number | null => (xs.length === 0 ? null : percentile(xs, p));
const us = (ms: number | null): number | null => (ms === null ? null : Math.round(ms * 10_000) / 10);

type Order = Extract<EngineRecord, { kind: 'order.submitted' }>;

/** Wall stamps of quotes (by symbol and time stamp), and the orders recorded while a stamped quote is applied. */
class HopTimer {
  readonly samples: number[] = [];
  readonly orders: Order[] = [];
  private readonly stamps = new Map<string, number>();
  private current: { ts: number; t: number } | undefined;

  /** The quote has been published (or emitted, in process). */
  stamp(symbol: string, ts: number): void {
    this.stamps.set(`${symbol}@${ts}`, performance.now());
  }

  /** The quote is being applied now: orders recorded in this step are its decisions. */
  applying(symbol: string, ts: number): void {
    const key = `${symbol}@${ts}`;
    const t = this.stamps.get(key);
    this.stamps.delete(key);
    this.current = t === undefined ? undefined : { ts, t };
  }

  record(r: EngineRecord): void {
    if (r.kind !== 'order.submitted') return;
    this.orders.push(r);
    if (this.current && r.at === this.current.ts) this.samples.push(performance.now() - this.current.t);
  }
}

async function inProcess(config: EngineConfig, table: QuoteTable, start: number, until: number): Promise<{ samples: number[]; orders: Order[] }> {
  const clock = new VirtualClock(start);
  const venue = new ReplayVenue(config.venue as ReplayVenueSpec, table, clock);
  const t = new HopTimer();
  // Subscribed before the engine: the stamp is taken before the engine hears the quote.
  venue.quotes$.subscribe((q) => {
    t.stamp(q.symbol, q.ts);
    t.applying(q.symbol, q.ts);
  });
  const engine = createEngine(config, { clock, venue });
  engine.records$.subscribe((r) => t.record(r));
  await engine.run({ until });
  return { samples: t.samples, orders: t.orders };
}

async function overNats(url: string, config: EngineConfig, table: QuoteTable, start: number, until: number, speed: number): Promise<{ samples: number[]; orders: Order[] }> {
  const t = new HopTimer();
  let subscribed!: () => void;
  const ready = new Promise<void>((r) => (subscribed = r));
  const opening = Shard.open(config, { url, venue: 'hop', onEvent: (e) => e.kind === 'subscribed' && subscribed() });
  await ready;
  const nc = await connectNats(url, { name: 'bench-feed' });
  const clock = new VirtualClock(start);
  const market = new ReplayVenue(config.venue as ReplayVenueSpec, table, clock);
  // Subscribed before the feed's own subscription: stamped as the feed has the quote, before it encodes it.
  market.quotes$.subscribe((q) => t.stamp(q.symbol, q.ts));
  const feeding = new MdFeed(nc, market, clock, { venue: 'hop', until, speed }).run();
  const shard = (await opening)!;
  // Subscribed before the engine (it subscribes when the shard starts): marks the quote being applied.
  shard.venue.quotes$.subscribe((q) => t.applying(q.symbol, q.ts));
  shard.engine.records$.subscribe((r) => t.record(r));
  await shard.run({ until });
  await feeding;
  await closeNats(nc);
  return { samples: t.samples, orders: t.orders };
}

/** The hop figures, or nulls and the reason when no nats-server can be had. */
export async function mdHopBench(quick: boolean, log: (s: string) => void): Promise<Record<string, unknown>> {
  const none = { mdHopP50Us: null, mdHopP99Us: null, mdInProcessP50Us: null, mdInProcessP99Us: null, mdHopSamples: 0, mdHopSameDecisions: null };
  const missing = natsServerMissing();
  if (missing) {
    log(`md hop: skipped (${missing})`);
    return { ...none, mdHopSkipped: missing };
  }
  const pairs = 8;
  const rows = quick ? 4_000 : 20_000;
  const table = syntheticQuotes(rows, { pairs, stepMs: STEP_MS });
  const start = table.ts[0]!;
  const until = table.ts[table.length - 1]! + 60_000;
  const config = hopConfig(pairs, (until - start) / 86_400_000);
  // About one quote per wall millisecond.
  const speed = STEP_MS;
  log(`md hop: quote published → order submitted, over NATS (feed and shard through a nats-server on loopback) and in process; ${rows} quotes of ${pairs} pairs, ~1 ms apart`);
  const server = await startNatsServer();
  try {
    await inProcess(config, table, start, until); // warm-up
    const local = await inProcess(config, table, start, until);
    const nats = await overNats(server.url, config, table, start, until, speed);
    const strip = (o: Order): string => `${o.at} ${o.clientId} ${o.symbol} ${o.side} ${o.qty}@${o.price}`;
    const same = local.orders.length === nats.orders.length && local.orders.every((o, i) => strip(o) === strip(nats.orders[i]!));
    const out = {
      mdHopP50Us: us(pct(nats.samples, 50)),
      mdHopP99Us: us(pct(nats.samples, 99)),
      mdInProcessP50Us: us(pct(local.samples, 50)),
      mdInProcessP99Us: us(pct(local.samples, 99)),
      mdHopSamples: nats.samples.length,
      mdHopSameDecisions: same,
    };
    log(`  over NATS:  p50 ${out.mdHopP50Us} µs  p99 ${out.mdHopP99Us} µs  (${nats.samples.length} decisions)`);
    log(`  in process: p50 ${out.mdInProcessP50Us} µs  p99 ${out.mdInProcessP99Us} µs  (${local.samples.length} decisions)`);
    log(`  same orders on both paths: ${same}`);
    return out;
  } finally {
    await server.stop();
  }
}
