import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock/virtual-clock.js';
import type { EngineConfig } from '../../src/config/resolve.js';
import type { QuoteTable } from '../../src/data/quote-table.js';
import { MdFeed } from '../../src/distributed/md-feed.js';
import { closeNats, connectNats } from '../../src/distributed/nats.js';
import { Shard } from '../../src/distributed/shard-run.js';
import { createEngine } from '../../src/engine/engine.js';
import type { EngineRecord } from '../../src/engine/records.js';
import { ReplayVenue, type ReplayVenueSpec } from '../../src/venue/replay/replay-venue.js';
import { natsServerMissing, startNatsServer, type NatsServer } from '../helpers/nats-server.js';
import { fixtureConfig, fixtureQuotes, START } from './md-fixture.js';

const missing = natsServerMissing();
type Order = Extract<EngineRecord, { kind: 'order.submitted' }>;

/** The in-process run: the same engine on a ReplayVenue of the same quotes, on a simulated clock. */
async function inProcess(config: EngineConfig, table: QuoteTable, until: number): Promise<{ orders: Order[]; executions: number }> {
  const clock = new VirtualClock(START);
  const venue = new ReplayVenue(config.venue as ReplayVenueSpec, table, clock);
  const engine = createEngine(config, { clock, venue });
  const orders: Order[] = [];
  engine.records$.subscribe((r) => r.kind === 'order.submitted' && orders.push(r));
  const summary = await engine.run({ until });
  expect(summary.errors).toEqual([]);
  return { orders, executions: summary.counts.executions };
}

/** A shard subscribed to `url`: resolves once its subscriptions are at the server, with the shard once the feed's first frame came. */
function openShard(config: EngineConfig, url: string, venue: string): { subscribed: Promise<void>; shard: Promise<Shard> } {
  let subscribed!: () => void;
  const s = new Promise<void>((r) => (subscribed = r));
  const shard = Shard.open(config, { url, venue, onEvent: (e) => e.kind === 'subscribed' && subscribed() }).then((x) => x!);
  return { subscribed: s, shard };
}

/** Publishes `table` through a feed of its own connection, at max speed, to `until`. */
async function feed(url: string, venue: string, config: EngineConfig, table: QuoteTable, until: number): Promise<void> {
  const nc = await connectNats(url, { name: 'test-feed' });
  const clock = new VirtualClock(START);
  await new MdFeed(nc, new ReplayVenue(config.venue as ReplayVenueSpec, table, clock), clock, { venue, until }).run();
  await closeNats(nc);
}

describe.skipIf(missing !== undefined)(`market data fan-out over NATS${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let server: NatsServer;
  beforeAll(async () => {
    server = await startNatsServer();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('a shard on the feed makes the very orders of the in-process run on the same quotes', async () => {
    const table = fixtureQuotes(1_200);
    const until = table.ts[table.length - 1]! + 60_000;
    const config = fixtureConfig([0], (until - START) / 86_400_000);
    const expected = await inProcess(config, table, until);
    expect(expected.orders.length).toBeGreaterThan(10);
    expect(expected.executions).toBeGreaterThan(2);

    const { subscribed, shard: opening } = openShard(config, server.url, 'eq');
    await subscribed;
    const feeding = feed(server.url, 'eq', config, table, until);
    const shard = await opening;
    const orders: Order[] = [];
    shard.engine.records$.subscribe((r) => r.kind === 'order.submitted' && orders.push(r));
    const summary = await shard.run({ until });
    await feeding;
    expect(summary.errors).toEqual([]);
    expect(shard.counts.quotes).toBe(1_200);
    expect(shard.counts.dropped).toEqual(Object.fromEntries(Object.keys(shard.counts.dropped).map((k) => [k, 0])));
    expect(shard.counts.lost).toBe(0);
    expect(orders).toEqual(expected.orders);
    expect(summary.counts.executions).toBe(expected.executions);
  }, 120_000);

  it('two shards each get only the symbols they trade, and each decides as the in-process run does for its strategy', async () => {
    const table = fixtureQuotes(1_600, 2);
    const until = table.ts[table.length - 1]! + 60_000;
    const days = (until - START) / 86_400_000;
    const both = fixtureConfig([0, 1], days);
    const expected = await inProcess(both, table, until);
    const shards = [0, 1].map((p) => ({ p, symbols: new Set([`A${p}`, `B${p}`]), opened: openShard(fixtureConfig([p], days), server.url, 'two') }));
    await Promise.all(shards.map((s) => s.opened.subscribed));
    const feeding = feed(server.url, 'two', both, table, until);
    const results = await Promise.all(
      shards.map(async (s) => {
        const shard = await s.opened.shard;
        const orders: Order[] = [];
        shard.engine.records$.subscribe((r) => r.kind === 'order.submitted' && orders.push(r));
        const summary = await shard.run({ until });
        return { s, shard, orders, summary };
      }),
    );
    await feeding;
    for (const { s, shard, orders, summary } of results) {
      // 1,600 rows over two pairs in turn: 400 quotes of each of the four symbols, 800 of each shard's two.
      expect(shard.counts.quotes).toBe(800);
      expect(summary.counts.quotes).toBe(800);
      expect(shard.md.subjects).toEqual([`md.two.A${s.p}`, `md.two.B${s.p}`, 'mdtime.two']);
      const mine = expected.orders.filter((o) => s.symbols.has(o.symbol));
      expect(mine.length).toBeGreaterThan(4);
      expect(orders).toEqual(mine);
    }
  }, 120_000);
});
