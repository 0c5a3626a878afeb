import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock/virtual-clock.js';
import type { EngineConfig } from '../../src/config/resolve.js';
import type { QuoteTable } from '../../src/data/quote-table.js';
import { MdFeed } from '../../src/distributed/md-feed.js';
import { closeNats, connectNats } from '../../src/distributed/nats.js';
import { Shard } from '../../src/distributed/shard-run.js';
import { createEngine } from '../../src/engine/engine.js';
import type { EngineRecord } from '../../src/engine/records.js';
import { readJournal } from '../../src/journal/journal-file.js';
import { ReplayVenue, type ReplayVenueSpec } from '../../src/venue/replay/replay-venue.js';
import { natsServerMissing, startNatsServer, type NatsServer } from '../helpers/nats-server.js';
import { proc, until as poll } from '../helpers/processes.js';
import { fixtureConfig, fixtureInput, fixtureQuotes, slice, START, withGap } from './md-fixture.js';

const missing = natsServerMissing();
type Order = Extract<EngineRecord, { kind: 'order.submitted' }>;

async function inProcess(config: EngineConfig, table: QuoteTable, until: number): Promise<EngineRecord[]> {
  const clock = new VirtualClock(START);
  const engine = createEngine(config, { clock, venue: new ReplayVenue(config.venue as ReplayVenueSpec, table, clock) });
  const records: EngineRecord[] = [];
  engine.records$.subscribe((r) => records.push(r));
  expect((await engine.run({ until })).errors).toEqual([]);
  return records;
}

/** Publishes the rows of `table` in [from, until] through a feed of its own connection; `end` tells the shards it finished. */
async function feed(url: string, venue: string, config: EngineConfig, table: QuoteTable, from: number, until: number, end: boolean): Promise<void> {
  const nc = await connectNats(url, { name: 'test-feed' });
  const clock = new VirtualClock(from);
  await new MdFeed(nc, new ReplayVenue(config.venue as ReplayVenueSpec, table, clock), clock, { venue, until, end }).run();
  await closeNats(nc);
}

const orders = (rs: readonly unknown[]): Order[] => (rs as EngineRecord[]).filter((r): r is Order => r.kind === 'order.submitted');

describe.skipIf(missing !== undefined)(`strategy shards across restarts${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let server: NatsServer;
  const dirs: string[] = [];
  beforeAll(async () => {
    server = await startNatsServer();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('survives a nats-server restart on the same port: it reconnects, resubscribes and decides as the in-process run', async () => {
    const table = fixtureQuotes(1_200);
    const mid = table.ts[599]! + 500;
    const until = table.ts[table.length - 1]! + 60_000;
    const config = fixtureConfig([0], (until - START) / 86_400_000);
    const expected = orders(await inProcess(config, table, until));
    const before = expected.filter((o) => o.at < mid).length;
    expect(before).toBeGreaterThan(4);
    expect(expected.length - before).toBeGreaterThan(4);

    let subscribed!: () => void;
    const ready = new Promise<void>((r) => (subscribed = r));
    const events: string[] = [];
    const opening = Shard.open(config, { url: server.url, venue: 'rs', onEvent: (e) => (events.push(e.kind), e.kind === 'subscribed' && subscribed()) });
    await ready;
    const first = feed(server.url, 'rs', config, slice(table, START, mid), START, mid, false);
    const shard = (await opening)!;
    const got: Order[] = [];
    shard.engine.records$.subscribe((r) => r.kind === 'order.submitted' && got.push(r));
    const running = shard.run({ until });
    await first;
    await poll(() => shard.counts.quotes === 600, 60_000);
    expect(got).toEqual(expected.slice(0, before));

    const port = server.port;
    await server.stop();
    await poll(() => shard.counts.disconnects === 1, 60_000);
    server = await startNatsServer({ port });
    await poll(() => shard.counts.reconnects === 1, 60_000);
    // A new feed (its subjects numbered from 1 again) publishes the rest of the day.
    await feed(server.url, 'rs', config, slice(table, mid, Infinity), mid, until, true);
    const summary = await running;
    expect(summary.errors).toEqual([]);
    expect(got).toEqual(expected);
    expect(summary.counts.disconnects).toBe(1);
    expect(shard.counts.quotes).toBe(1_200);
    expect(shard.counts.feedRestarts).toBe(3); // md.rs.A0, md.rs.B0, mdtime.rs
    expect(shard.counts.lost).toBe(0);
    expect(events).toEqual(['subscribed', 'started', 'disconnected', 'reconnected', 'feedEnded']);
  }, 180_000);

  it('a shard process killed and started again (--resume) subscribes again and trades on, its journal holding the in-process run\'s orders', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'legato-shard-'));
    dirs.push(dir);
    // Ten quiet minutes after the first 600 quotes: every algo has finished when the shard is killed in them.
    const base = fixtureQuotes(1_200);
    const gapFrom = base.ts[600]!;
    const table = withGap(base, gapFrom, 600_000);
    const kill = gapFrom + 300_000;
    const until = table.ts[table.length - 1]! + 60_000;
    const days = (until - START) / 86_400_000;
    const config = fixtureConfig([0], days);
    const reference = await inProcess(config, table, until);
    const expected = orders(reference);
    const ended = (rs: readonly unknown[]): number => (rs as EngineRecord[]).filter((r) => r.kind === 'algo.ended').length;
    const beforeKill = reference.filter((r) => r.at < kill);
    expect(orders(beforeKill).length).toBeGreaterThan(4);
    expect(expected.length - orders(beforeKill).length).toBeGreaterThan(4);

    const cfg = join(dir, 'shard.json');
    writeFileSync(cfg, JSON.stringify(fixtureInput([0], days)));
    const data = join(dir, 'journal');
    const journal = (): unknown[] => {
      try {
        return readJournal(join(data, 'journal.lgj')).records.map((r) => r.value);
      } catch {
        return [];
      }
    };
    const args = ['run', '--config', cfg, '--md', `${server.url}/rk`, '--data-dir', data, '--json'];
    const one = proc(args);
    await poll(() => one.err().includes('legato: md: subscribed to md.rk.A0, md.rk.B0, mdtime.rk'), 60_000);
    await feed(server.url, 'rk', config, slice(table, START, kill), START, kill, false);
    // Everything the first 600 quotes led to is in its journal: then it dies without a word.
    await poll(() => orders(journal()).length === orders(beforeKill).length && ended(journal()) === ended(beforeKill), 60_000);
    one.child.kill('SIGKILL');
    await one.exit;

    const two = proc([...args, '--resume']);
    await poll(() => two.err().includes('legato: md: subscribed to md.rk.A0, md.rk.B0, mdtime.rk'), 60_000);
    await feed(server.url, 'rk', config, slice(table, kill, Infinity), kill, until, true);
    expect(await two.exit).toBe(0);
    expect(two.err()).toContain('legato: resuming s0 on the feed\'s quotes');
    const summary = JSON.parse(two.out()) as { counts: { orders: number }; md: { quotes: number; dropped: Record<string, number> } };
    expect(summary.md.quotes).toBe(600);
    expect(Object.values(summary.md.dropped).every((n) => n === 0)).toBe(true);
    // One run across two processes: the orders of both incarnations are the in-process run's, in order.
    expect(orders(journal())).toEqual(expected);
    expect(summary.counts.orders).toBe(expected.length);
  }, 240_000);
});
