import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeQuote, encodeTime } from '../../src/distributed/md-codec.js';
import { MD_DROP_REASONS, type MdDropReason } from '../../src/distributed/md-subscriber.js';
import { closeNats, connectNats } from '../../src/distributed/nats.js';
import { Shard } from '../../src/distributed/shard-run.js';
import { natsServerMissing, startNatsServer, type NatsServer } from '../helpers/nats-server.js';
import { resolveConfig } from '../../src/config/resolve.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { fixtureConfig, fixtureInput, START } from './md-fixture.js';

const missing = natsServerMissing();

describe.skipIf(missing !== undefined)(`hostile messages on md subjects${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let server: NatsServer;
  beforeAll(async () => {
    server = await startNatsServer();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('are dropped with a counted reason; the valid ones between them reach the engine; nothing throws', async () => {
    const until = START + 600_000;
    const config = fixtureConfig([0], 600_000 / 86_400_000);
    let subscribed!: () => void;
    const ready = new Promise<void>((r) => (subscribed = r));
    const opening = Shard.open(config, { url: server.url, venue: 'hx', onEvent: (e) => e.kind === 'subscribed' && subscribed() });
    await ready;
    const nc = await connectNats(server.url, { name: 'hostile' });
    const A = 'md.hx.A0';
    const T = 'mdtime.hx';
    const q = (seq: number, ts: number, over: Partial<Parameters<typeof encodeQuote>[0]> = {}): Uint8Array =>
      encodeQuote({ seq, ts, more: false, priceExp: 0, sizeExp: 0, bid: 1000, bidSize: 5, ask: 1001, askSize: 5, ...over });
    const raw = (bytes: Uint8Array, set: (v: DataView) => void): Uint8Array => {
      const c = bytes.slice();
      set(new DataView(c.buffer));
      return c;
    };
    nc.publish(T, encodeTime({ seq: 1, ts: START, end: false })); // the shard's clock starts here
    nc.publish(A, q(1, START + 1_000)); // applied
    nc.publish(A, new TextEncoder().encode('{"bid":"1000","ask":"1001"}')); // size
    nc.publish(A, q(2, START + 1_100).slice(0, 40)); // size
    nc.publish(A, new Uint8Array(0)); // size
    nc.publish(A, raw(q(2, START + 1_100), (v) => v.setUint8(0, 0))); // magic
    nc.publish(A, raw(q(2, START + 1_100), (v) => v.setUint8(1, 9))); // version
    nc.publish(A, raw(q(2, START + 1_100), (v) => v.setUint8(3, 0x80))); // flags
    nc.publish(A, raw(q(2, START + 1_100), (v) => v.setInt8(4, 100))); // exponent
    nc.publish(A, raw(q(2, START + 1_100), (v) => v.setFloat64(24, NaN, true))); // field
    nc.publish(A, raw(q(2, START + 1_100), (v) => v.setFloat64(32, -5, true))); // field
    nc.publish(A, encodeTime({ seq: 2, ts: START + 1_100, end: true })); // kind: a time frame on a quote subject
    nc.publish(T, q(2, START + 1_100)); // kind: a quote on the time subject
    nc.publish(A, q(2, START + 1_100, { priceExp: -1, bid: 10_005, ask: 10_010 })); // offTick: 1000.5 on a tick of 1
    nc.publish(A, q(2, START + 1_100, { bid: 1_002, ask: 1_001 })); // crossed
    nc.publish(A, q(2, START + 1_100, { bid: 1_001, ask: 1_001 })); // crossed (locked)
    nc.publish(A, q(2, START + 1_100, { bid: 2 ** 52, priceExp: 2 })); // offTick: out of range in ticks
    nc.publish(A, q(2, START + 40 * 86_400_000)); // jump
    nc.publish(A, q(2, START + 1_200)); // applied
    nc.publish(A, q(2, START + 1_300)); // duplicate
    nc.publish(A, q(1, START - 5 * 60_000)); // late
    nc.publish(A, q(5, START + 1_400, { bidSize: 0, bid: 123_456_789 })); // applied (one-sided: the absent side's price is ignored); 2 lost
    nc.publish('md.hx.ZZ', q(1, START + 1_500)); // not subscribed: never seen
    nc.publish(T, encodeTime({ seq: 2, ts: until, end: true }));
    await nc.flush();
    const shard = (await opening)!;
    const summary = await shard.run({ until });
    await closeNats(nc);
    const want: Record<MdDropReason, number> = Object.fromEntries(MD_DROP_REASONS.map((r) => [r, 0])) as Record<MdDropReason, number>;
    Object.assign(want, { size: 3, magic: 1, version: 1, flags: 1, exponent: 1, field: 2, kind: 2, offTick: 2, crossed: 2, jump: 1, duplicate: 1, late: 1 });
    expect(shard.counts.dropped).toEqual(want);
    expect(shard.counts.quotes).toBe(3);
    expect(shard.counts.times).toBe(2);
    expect(shard.counts.received).toBe(23); // every message on its subjects; md.hx.ZZ never reaches it
    expect([shard.counts.lost, shard.counts.gaps]).toEqual([2, 1]);
    expect(summary.counts.quotes).toBe(3);
    expect(summary.errors).toEqual([]);
    expect(summary.counts.orders).toBe(0);
  }, 120_000);

  // A frame dated long before run.start on md subjects.
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
