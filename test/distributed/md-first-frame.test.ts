import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeQuote, encodeTime } from '../../src/distributed/md-codec.js';
import { closeNats, connectNats } from '../../src/distributed/nats.js';
import { Shard } from '../../src/distributed/shard-run.js';
import { natsServerMissing, startNatsServer, type NatsServer } from '../helpers/nats-server.js';
import { resolveConfig } from '../../src/config/resolve.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { fixtureInput, START } from './md-fixture.js';

const missing = natsServerMissing();

describe.skipIf(missing !== undefined)(`a frame dated long before run.start on md subjects${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let server: NatsServer;
  beforeAll(async () => {
    server = await startNatsServer();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('is dropped as late: the shard starts its clock on the real feed, applies its quotes and ends with it (was: clock started a month early, every real frame a jump, the end never heard)', async () => {
    const until = START + 600_000;
    // A simulated config: its run.start is the shard's reference (a replay config has none: the feed's first frame starts it).
    const input = fixtureInput([0], 600_000 / 86_400_000);
    const sim = { symbol: '', tickSize: '1', lotSize: '1', quoteIntervalMs: 500, size: { min: 5, max: 120 }, start: '1000', volatility: '0.25' };
    const calendar = { timeZone: 'UTC', days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'], sessions: [{ start: '00:00', end: '00:00' }] };
    const venue = { kind: 'simulated', seed: 1, latencyMs: 20, calendar, instruments: [{ ...sim, symbol: 'A0' }, { ...sim, symbol: 'B0', start: '1100' }] };
    const config = resolveConfig({ ...input, venue } as ConfigInput, 'md first frame');
    let subscribed!: () => void;
    const ready = new Promise<void>((r) => (subscribed = r));
    const opening = Shard.open(config, { url: server.url, venue: 'ff', onEvent: (e) => e.kind === 'subscribed' && subscribed() });
    await ready;
    const nc = await connectNats(server.url, { name: 'hostile' });
    const A = 'md.ff.A0';
    const T = 'mdtime.ff';
    const q = (seq: number, ts: number): Uint8Array => encodeQuote({ seq, ts, more: false, priceExp: 0, sizeExp: 0, bid: 1000, bidSize: 5, ask: 1001, askSize: 5 });
    nc.publish(T, encodeTime({ seq: 1, ts: START - 30 * 86_400_000, end: false })); // hostile: a month before run.start
    nc.publish(A, q(1, START - 10 * 60_000)); // hostile: ten minutes before run.start
    nc.publish(T, encodeTime({ seq: 2, ts: START, end: false })); // the real feed from here
    nc.publish(A, q(2, START + 1_000));
    nc.publish(A, q(3, START + 2_000));
    nc.publish(T, encodeTime({ seq: 3, ts: until, end: true }));
    await nc.flush();
    const shard = (await Promise.race([opening, new Promise<'still waiting'>((r) => setTimeout(() => r('still waiting'), 30_000))])) as Shard;
    expect(shard.firstAt).toBe(START);
    const summary = await Promise.race([shard.run({ until }), new Promise<'still waiting'>((r) => setTimeout(() => r('still waiting'), 30_000))]);
    await closeNats(nc);
    expect(shard.counts.dropped.late).toBe(2);
    expect(shard.counts.dropped.jump).toBe(0);
    expect([shard.counts.quotes, shard.counts.times]).toEqual([2, 2]);
    expect(summary === 'still waiting' ? summary : summary.counts.quotes).toBe(2);
  }, 120_000);
});
