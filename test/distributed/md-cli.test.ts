import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock/virtual-clock.js';
import { Shard } from '../../src/distributed/shard-run.js';
import { createEngine } from '../../src/engine/engine.js';
import type { EngineRecord } from '../../src/engine/records.js';
import { ReplayVenue, type ReplayVenueSpec } from '../../src/venue/replay/replay-venue.js';
import { natsServerMissing, startNatsServer, type NatsServer } from '../helpers/nats-server.js';
import { cli, proc } from '../helpers/processes.js';
import { fixtureConfig, fixtureInput, fixtureQuotes, START } from './md-fixture.js';

const missing = natsServerMissing();
type Order = Extract<EngineRecord, { kind: 'order.submitted' }>;

describe('legato feed and legato run --md: arguments', () => {
  it('refuses what does not fit, exit 2 with a message and no stack', async () => {
    const cases: [string[], string][] = [
      [['feed'], "required option '--nats <url>' not specified"],
      [['feed', '--nats', 'http://127.0.0.1:4222'], 'must be nats://host:port'],
      [['feed', '--nats', 'nats://127.0.0.1:4222/a.b'], 'the venue "a.b" (the URL\'s path) must be 1 to 64 letters'],
      [['feed', '--nats', 'nats://127.0.0.1:4222', '--tz', 'UTC'], '--tz and --bad-data read recorded quotes: they need --data'],
      [['run', '--md', 'nats://127.0.0.1:4222', '--speed', '5'], "--speed: a shard runs on the feed's market time"],
      [['run', '--md', 'nats://127.0.0.1:4222', '--venue', '/tmp/v.sock'], '--venue: a shard trades on paper against the feed'],
      [['run', '--md', 'nats://127.0.0.1:4222', '--resume', '--data-dir', join(tmpdir(), 'legato-no-such-dir-md')], 'nothing to resume in'],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toContain(message);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
  });

  it('names a server that cannot be reached, exit 2', async () => {
    const r = await cli(['feed', '--nats', 'nats://127.0.0.1:1', '--days', '0.01', '--speed', 'max']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('legato: cannot reach the NATS server at nats://127.0.0.1:1');
    const s = await cli(['run', '--md', 'nats://127.0.0.1:1']);
    expect(s.code).toBe(2);
    expect(s.err).toContain('legato: cannot reach the NATS server at nats://127.0.0.1:1');
  });
});

describe.skipIf(missing !== undefined)(`legato feed --data${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let server: NatsServer;
  let dir: string;
  beforeAll(async () => {
    server = await startNatsServer();
    dir = mkdtempSync(join(tmpdir(), 'legato-feed-'));
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('replays a recorded file to a shard, which decides as the in-process run on the same quotes', async () => {
    const table = fixtureQuotes(800);
    const lines = ['ts,symbol,bid,bid_size,ask,ask_size'];
    for (let i = 0; i < table.length; i++) lines.push(`${table.ts[i]},${table.symbols[table.sym[i]!]},${table.bid[i]},${table.bidSize[i]},${table.ask[i]},${table.askSize[i]}`);
    const csv = join(dir, 'quotes.csv');
    writeFileSync(csv, lines.join('\n') + '\n');
    const last = table.ts[table.length - 1]!;
    const config = fixtureConfig([0], (last - START) / 86_400_000);
    const cfg = join(dir, 'replay.json');
    writeFileSync(cfg, JSON.stringify(fixtureInput([0], 1)));

    const clock = new VirtualClock(START);
    const engine = createEngine(config, { clock, venue: new ReplayVenue(config.venue as ReplayVenueSpec, table, clock) });
    const expected: Order[] = [];
    engine.records$.subscribe((r) => r.kind === 'order.submitted' && expected.push(r));
    await engine.run({ until: last });
    expect(expected.length).toBeGreaterThan(4);

    let subscribed!: () => void;
    const ready = new Promise<void>((r) => (subscribed = r));
    const opening = Shard.open(config, { url: server.url, venue: 'rec', onEvent: (e) => e.kind === 'subscribed' && subscribed() });
    await ready;
    const feed = proc(['feed', '--nats', `${server.url}/rec`, '--config', cfg, '--data', csv, '--speed', 'max']);
    const shard = (await opening)!;
    const got: Order[] = [];
    shard.engine.records$.subscribe((r) => r.kind === 'order.submitted' && got.push(r));
    const summary = await shard.run({ until: last });
    expect(await feed.exit).toBe(0);
    expect(feed.err()).toContain(`legato feed: publishing md.rec.A0, md.rec.B0, mdtime.rec on ${server.url}`);
    expect(feed.err()).toContain('legato feed: done: 800 quotes published, 2 time frames');
    expect(shard.counts.quotes).toBe(800);
    expect(summary.errors).toEqual([]);
    expect(got).toEqual(expected);
  }, 120_000);
});
