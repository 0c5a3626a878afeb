import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { demoConfig } from '../../src/config/demo.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { DurableEngine, JOURNAL_FILE, JournalStateError, configFingerprint, journalStatus, type JournalEntry } from '../../src/engine/durable.js';
import { JournalAccessError, JournalChainError, JournalWriter, readJournal } from '../../src/journal/journal-file.js';
import { RemoteVenue } from '../../src/venue/remote/remote-venue.js';
import { VenueHost, VenueServer } from '../../src/venue/remote/venue-host.js';
import { SimulatedVenue, type SimVenueSpec } from '../../src/venue/simulated/simulated-venue.js';
import { VirtualClock } from '../../src/clock/virtual-clock.js';
import { crashConfig } from '../../scripts/crash.js';
import type { OrderCommand } from '../../src/domain/orders.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'legato-durable-'));
const entries = (dir: string): JournalEntry[] => readJournal(join(dir, JOURNAL_FILE)).records.map((r) => r.value as JournalEntry);
const quiet = { onWarning: () => {} };

describe('a journalled run on the embedded venue', () => {
  it('writes every order, with a snapshot, to disk before the order reaches the venue', async () => {
    const dir = tmp();
    const config = resolveConfig(demoConfig, 'demo', { days: 0.25 });
    const clock = new VirtualClock(config.run.start);
    const venue = new SimulatedVenue(config.venue as SimVenueSpec, clock);
    const seen: { order: OrderCommand; onDisk: boolean; snapshotAfter: boolean }[] = [];
    const submit = venue.submit.bind(venue);
    venue.submit = (order) => {
      // What is on disk right now, as a crash at this instant would leave it.
      const onDisk = entries(dir);
      const i = onDisk.findIndex((e) => e.kind === 'order.submitted' && `r1.${e.clientId}` === order.clientId);
      seen.push({ order, onDisk: i >= 0, snapshotAfter: i >= 0 && onDisk.slice(i).some((e) => e.kind === 'snapshot') });
      submit(order);
    };
    // A re-price in place too: its record and a snapshot are on disk before the replace leaves.
    const replaced: { clientId: string; price: number; onDisk: boolean; snapshotAfter: boolean }[] = [];
    const replace = venue.replace.bind(venue);
    venue.replace = (clientId, change) => {
      const onDisk = entries(dir);
      const i = onDisk.findIndex((e) => e.kind === 'order.replaceRequested' && `r1.${e.clientId}` === clientId && e.price === change.price);
      replaced.push({ clientId, price: change.price, onDisk: i >= 0, snapshotAfter: i >= 0 && onDisk.slice(i).some((e) => e.kind === 'snapshot') });
      replace(clientId, change);
    };
    const durable = DurableEngine.open(config, { dataDir: dir, clock, venue, ...quiet });
    const summary = await durable.run();
    expect(seen.length).toBe(summary.counts.orders);
    expect(seen.length).toBe(6);
    expect(seen.filter((s) => !s.onDisk || !s.snapshotAfter)).toEqual([]);
    // hc-rb/1's hedge, re-priced once in place (it took a cancel and a seventh order before the venue could replace).
    expect(replaced).toEqual([{ clientId: 'r1.hc-rb/1.2', price: expect.any(Number), onDisk: true, snapshotAfter: true }]);
    // Client ids carry the run number on the way out.
    expect(seen.every((s) => s.order.clientId.startsWith('r1.hc-rb/'))).toBe(true);
  });

  it('journals the run from run.started to run.ended, with every fill, algo start and end, and state change', async () => {
    const dir = tmp();
    const config = resolveConfig(demoConfig, 'demo', {});
    const durable = DurableEngine.open(config, { dataDir: dir, ...quiet });
    const summary = await durable.run();
    const e = entries(dir);
    expect(e[0]).toMatchObject({ kind: 'run.started', run: 1, config: configFingerprint(config), venue: 'simulated' });
    expect(e.at(-1)).toMatchObject({ kind: 'run.ended', run: 1, reason: 'completed' });
    const fills = e.filter((x) => x.kind === 'report' && x.report.type === 'order.filled');
    expect(fills.length).toBe(summary.counts.fills);
    expect(e.filter((x) => x.kind === 'algo.started').length).toBe(summary.executions.length);
    expect(e.filter((x) => x.kind === 'algo.ended').length).toBe(summary.executions.length);
    expect(e.filter((x) => x.kind === 'state' && x.change.actor.startsWith('algo:')).length).toBeGreaterThanOrEqual(2 * summary.executions.length);
    expect(e.some((x) => x.kind === 'state' && x.change.actor === 'strategy:hc-rb')).toBe(true);
    expect(summary.executions.length).toBe(16);
    expect(journalStatus(dir)).toEqual({ file: join(dir, JOURNAL_FILE), exists: true, lastRun: 1, ended: true });
  });

  it('refuses a fresh run over an unfinished one, resuming an ended one, and resuming with another config', async () => {
    const dir = tmp();
    const config = resolveConfig(demoConfig, 'demo', { days: 0.05 });
    const first = DurableEngine.open(config, { dataDir: dir, ...quiet });
    await first.start();
    first.detach(); // as if the process had died
    const file = join(dir, JOURNAL_FILE);
    expect(() => DurableEngine.open(config, { dataDir: dir, ...quiet })).toThrow(
      new JournalStateError(`${file} holds run 1, which has not ended: continue it with --resume, or use another data directory`),
    );
    const other = resolveConfig(demoConfig, 'demo', { days: 0.05, seed: 9 });
    expect(() => DurableEngine.open(other, { dataDir: dir, resume: true, ...quiet })).toThrow(/^the config differs from the one run 1 in .* started with/);
    const resumed = DurableEngine.open(config, { dataDir: dir, resume: true, ...quiet });
    expect([resumed.runNumber, resumed.incarnation]).toEqual([1, 2]);
    await resumed.run();
    expect(() => DurableEngine.open(config, { dataDir: dir, resume: true, ...quiet })).toThrow(`run 1 in ${file} has ended: there is nothing to resume`);
    // A new run after an ended one gets the next number.
    const second = DurableEngine.open(config, { dataDir: dir, ...quiet });
    expect(second.runNumber).toBe(2);
    second.detach();
  });

  it('refuses to resume an empty or missing data directory, creating nothing', () => {
    const config = resolveConfig(demoConfig, 'demo', {});
    const empty = tmp();
    expect(() => DurableEngine.open(config, { dataDir: empty, resume: true, ...quiet })).toThrow(
      new JournalStateError(`nothing to resume in ${empty}: there is no journal (journal.lgj) in it; start a run without --resume`),
    );
    expect(readdirSync(empty)).toEqual([]);
    const missing = join(tmp(), 'run1');
    expect(() => DurableEngine.open(config, { dataDir: missing, resume: true, ...quiet })).toThrow(
      new JournalStateError(`nothing to resume in ${missing}: the directory does not exist; start a run without --resume`),
    );
    expect(existsSync(missing)).toBe(false);
    // A journal with its header and no run (a process that died before its first record) has nothing either.
    const headerOnly = tmp();
    writeFileSync(join(headerOnly, JOURNAL_FILE), 'LEGATO-JOURNAL 2\n');
    expect(() => DurableEngine.open(config, { dataDir: headerOnly, resume: true, ...quiet })).toThrow(
      `nothing to resume in ${headerOnly}: its journal ${join(headerOnly, JOURNAL_FILE)} holds no run; start a run without --resume`,
    );
  });
});

describe('opening a journal: every refusal before the file is touched', () => {
  /** An unfinished run of the demo (as a crashed process leaves it) with a torn tail of 5 bytes. */
  async function tornUnfinished(): Promise<{ dir: string; file: string; bytes: Buffer }> {
    const dir = tmp();
    const first = DurableEngine.open(resolveConfig(demoConfig, 'demo', { days: 0.05 }), { dataDir: dir, ...quiet });
    await first.start();
    first.engine.runUntil(first.engine.clock.now() + 40 * 60_000);
    first.detach();
    const file = join(dir, JOURNAL_FILE);
    appendFileSync(file, Buffer.from([7, 0, 0, 0, 1]));
    return { dir, file, bytes: readFileSync(file) };
  }

  it('checks the config fingerprint before cutting a torn tail: a refused resume leaves the file byte for byte as it was', async () => {
    const { dir, file, bytes } = await tornUnfinished();
    const other = resolveConfig(demoConfig, 'demo', { days: 0.05, seed: 9 });
    const warnings: string[] = [];
    expect(() => DurableEngine.open(other, { dataDir: dir, resume: true, onWarning: (m) => warnings.push(m) })).toThrow(
      new JournalStateError(`the config differs from the one run 1 in ${file} started with (fingerprint ${configFingerprint(other)}, journal ${configFingerprint(resolveConfig(demoConfig, 'demo', { days: 0.05 }))})`),
    );
    expect(readFileSync(file)).toEqual(bytes);
    expect(warnings).toEqual([]);
    // So does a fresh run over the unfinished one.
    expect(() => DurableEngine.open(other, { dataDir: dir, ...quiet })).toThrow(JournalStateError);
    expect(readFileSync(file)).toEqual(bytes);
    // The right config resumes, and only then is the tail cut, with the warning.
    const resumed = DurableEngine.open(resolveConfig(demoConfig, 'demo', { days: 0.05 }), { dataDir: dir, resume: true, onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual([`journal ${file}: a record header needs 20 bytes, 5 left (truncated) at offset ${bytes.length - 5}; cut back to the last good record (5 bytes dropped)`]);
    resumed.detach();
    expect(readFileSync(file).subarray(0, bytes.length - 5)).toEqual(bytes.subarray(0, bytes.length - 5));
  });

  it('refuses a fill record spliced out of the journal (valid framing), naming the file and the offset, and leaves the file as it was', async () => {
    // The demo buys at 21:18:22 Shanghai; at 21:30 the run has fills, and dies.
    const dir = tmp();
    const config = resolveConfig(demoConfig, 'demo', { days: 0.2 });
    const first = DurableEngine.open(config, { dataDir: dir, ...quiet });
    await first.start();
    first.engine.runUntil(Date.parse('2026-11-23T13:30:00Z'));
    first.detach();
    const file = join(dir, JOURNAL_FILE);
    const j = readJournal(file);
    const fills = j.records.filter((r) => (r.value as JournalEntry).kind === 'report' && (r.value as Extract<JournalEntry, { kind: 'report' }>).report.type === 'order.filled');
    expect(fills.length).toBeGreaterThan(0);
    const fill = fills[0]!;
    const buf = readFileSync(file);
    const spliced = Buffer.concat([buf.subarray(0, fill.offset), buf.subarray(fill.end)]);
    writeFileSync(file, spliced);
    const e = (() => {
      try {
        DurableEngine.open(config, { dataDir: dir, resume: true, ...quiet });
      } catch (x) {
        return x as JournalChainError;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(JournalChainError);
    expect(e?.message).toBe(`journal ${file} is unreadable at offset ${fill.offset}: sequence gap: record ${fill.seq} expected, record ${fill.seq + 1} found (1 record missing before it)`);
    expect([e?.file, e?.offset]).toEqual([file, fill.offset]);
    expect(readFileSync(file)).toEqual(spliced);
    expect(() => journalStatus(dir)).toThrow(JournalChainError);
  });

  it('names a data directory that is a file and a journal that is a directory, touching neither', () => {
    const config = resolveConfig(demoConfig, 'demo', {});
    const base = tmp();
    const asFile = join(base, 'data');
    writeFileSync(asFile, 'not a directory');
    for (const resume of [false, true]) {
      const e = (() => {
        try {
          DurableEngine.open(config, { dataDir: asFile, resume, ...quiet });
        } catch (x) {
          return x as JournalAccessError;
        }
        return undefined;
      })();
      expect(e).toBeInstanceOf(JournalAccessError);
      expect(e?.message).toBe(`the data directory ${asFile} is a file, not a directory`);
    }
    expect(readFileSync(asFile, 'utf8')).toBe('not a directory');
    expect(() => journalStatus(asFile)).toThrow(`the data directory ${asFile} is a file, not a directory`);

    const dir = tmp();
    mkdirSync(join(dir, JOURNAL_FILE));
    for (const resume of [false, true]) {
      expect(() => DurableEngine.open(config, { dataDir: dir, resume, ...quiet })).toThrow(new JournalAccessError(join(dir, JOURNAL_FILE), 'EISDIR', `the journal ${join(dir, JOURNAL_FILE)} is a directory, not a file`));
    }
    expect(readdirSync(join(dir, JOURNAL_FILE))).toEqual([]);
  });
});

describe('restoring deadlines', () => {
  it('journals the due time of each pending delay, and a restored session closes exactly when it would have', async () => {
    const dir = tmp();
    // The demo: Monday 20:30 Shanghai; the night session opens at 21:00 and closes at 23:00 (closing lead 60 s).
    const config = resolveConfig(demoConfig, 'demo', { days: 0.2 });
    const first = DurableEngine.open(config, { dataDir: dir, ...quiet });
    await first.start();
    first.engine.runUntil(Date.parse('2026-11-23T13:30:00Z')); // 21:30 Shanghai
    first.detach(); // the process dies here
    const closingAt = Date.parse('2026-11-23T14:59:00Z'); // 22:59 Shanghai
    const snapshots = entries(dir).filter((e): e is Extract<JournalEntry, { kind: 'snapshot' }> => e.kind === 'snapshot');
    expect(snapshots.length).toBeGreaterThan(0);
    expect(snapshots.at(-1)!.timers).toContainEqual({
      systemId: 'session:hc-rb',
      id: 'xstate.after.untilClosing.session.open.trading',
      event: { type: 'xstate.after.untilClosing.session.open.trading' },
      dueAt: closingAt,
    });

    const resumed = DurableEngine.open(config, { dataDir: dir, resume: true, ...quiet });
    await resumed.run();
    const closing = entries(dir).filter((e) => e.kind === 'state' && e.change.actor === 'session:hc-rb' && e.change.state === 'open.closing');
    expect(closing.map((e) => e.at)).toEqual([closingAt]);
    const closed = entries(dir).filter((e) => e.kind === 'state' && e.change.actor === 'session:hc-rb' && e.change.state === 'closed');
    expect(closed.map((e) => e.at)).toEqual([Date.parse('2026-11-23T12:30:00Z'), Date.parse('2026-11-23T15:00:00Z')]);
  });
});

describe('the kill switch in a journalled run', () => {
  it('a pause survives a crash: the resumed run stays paused (the demo would otherwise buy at 21:18:22)', async () => {
    const dir = tmp();
    const config = resolveConfig(demoConfig, 'demo', { days: 0.2 });
    const first = DurableEngine.open(config, { dataDir: dir, ...quiet });
    await first.start();
    first.engine.runUntil(Date.parse('2026-11-23T13:05:00Z')); // 21:05 Shanghai
    expect(first.engine.control('pause', { source: 'test' })).toEqual({ ok: true, strategies: ['hc-rb'] });
    first.engine.runUntil(Date.parse('2026-11-23T13:06:00Z'));
    first.detach(); // the process dies here
    const controls = entries(dir).filter((e) => e.kind === 'control');
    expect(controls).toEqual([{ kind: 'control', at: Date.parse('2026-11-23T13:05:00Z'), action: 'pause', strategy: null, source: 'test' }]);

    const resumed = DurableEngine.open(config, { dataDir: dir, resume: true, ...quiet });
    await resumed.start();
    expect(resumed.engine.actor.system.get('strategy:hc-rb')?.getSnapshot().context.paused).toBe(true);
    const summary = await resumed.run();
    expect(summary.counts.executions).toBe(0);
    expect(entries(dir).filter((e) => e.kind === 'algo.started')).toEqual([]);
  });
});

describe('a reconciliation after a reconnection that fails', () => {
  /** The embedded venue, playing one that reconnects and can say what it knows of orders, whose status answers fail on cue. */
  class FlakyVenue extends SimulatedVenue {
    onReconnected: (() => Promise<void>) | undefined = undefined;
    up = true;
    failures = 0;
    syncs = 0;
    /** Called at each status request, before it answers (a test may drop the connection there). */
    onSync: () => void = () => {};
    override isConnected(): boolean {
      return this.up;
    }
    async sync(clientIds: readonly string[]) {
      this.syncs++;
      this.onSync();
      if (this.failures > 0) {
        this.failures--;
        throw new Error('no answer to the OrderMassStatusRequest within 10000 ms');
      }
      return { now: 0, orders: clientIds.map((clientId) => ({ clientId, status: 'unknown' as const, filled: 0, fills: [] })), open: [], positions: {} };
    }
  }
  const flaky = () => {
    const dir = tmp();
    const config = resolveConfig(demoConfig, 'demo', { days: 0.05 });
    const clock = new VirtualClock(config.run.start);
    const venue = new FlakyVenue(config.venue as SimVenueSpec, clock);
    const warnings: string[] = [];
    const durable = DurableEngine.open(config, { dataDir: dir, venue, clock, reconcileRetryMs: 5, onWarning: (m) => warnings.push(m) });
    return { dir, venue, durable, warnings };
  };

  it('is tried again, waiting longer each time: the venue, which delivers nothing until it returns, waits for a success (was: trading resumed unreconciled)', async () => {
    const { venue, durable, warnings } = flaky();
    await durable.start();
    expect(venue.syncs).toBe(1);
    venue.failures = 2;
    await venue.onReconnected!();
    expect(venue.syncs).toBe(4);
    expect(warnings).toEqual([
      'reconciling with the venue failed (attempt 1: no answer to the OrderMassStatusRequest within 10000 ms); trying again in 5 ms, nothing trades meanwhile',
      'reconciling with the venue failed (attempt 2: no answer to the OrderMassStatusRequest within 10000 ms); trying again in 10 ms, nothing trades meanwhile',
    ]);
    expect(durable.reconciliation).toMatchObject({ lost: [], unknownOpen: [] });
    durable.detach();
  });

  it('ends its attempts when the connection is lost again (the next reconnection starts them over)', async () => {
    const { venue, durable, warnings } = flaky();
    await durable.start();
    venue.failures = 5;
    venue.onSync = () => {
      if (venue.syncs === 3) venue.up = false;
    };
    await expect(venue.onReconnected!()).rejects.toThrow('no answer to the OrderMassStatusRequest within 10000 ms');
    expect(venue.syncs).toBe(3);
    expect(warnings).toHaveLength(1);
    durable.detach();
  });
});

describe('a strategy stopped for the run, then a crash', () => {
  it('the resumed run leaves it stopped: no wiring of a strategy whose actor has ended, no trade, no TypeError', async () => {
    const dir = tmp();
    const config = resolveConfig(demoConfig, 'demo', { days: 0.2 });
    const first = DurableEngine.open(config, { dataDir: dir, ...quiet });
    await first.start();
    first.engine.runUntil(Date.parse('2026-11-23T13:05:00Z')); // 21:05 Shanghai
    expect(first.engine.stopStrategy('hc-rb', { source: 'test' })).toEqual({ ok: true, strategies: ['hc-rb'] });
    first.engine.runUntil(Date.parse('2026-11-23T13:06:00Z'));
    first.detach(); // the process dies here

    // Before: the resume looked the strategy up by its system id (an ended actor has none) and threw a TypeError.
    const resumed = DurableEngine.open(config, { dataDir: dir, resume: true, ...quiet });
    await resumed.start();
    expect(resumed.engine.actor.system.get('strategy:hc-rb')).toBeUndefined();
    const summary = await resumed.run();
    expect(summary.counts.executions).toBe(0);
    expect(summary.errors).toEqual([]);
    expect(entries(dir).filter((e) => e.kind === 'algo.started')).toEqual([]);
    expect(entries(dir).at(-1)).toMatchObject({ kind: 'run.ended', reason: 'completed' });
  });
});

describe('a session boundary passed while the engine was down', () => {
  it('does not shift the later ones: resumed at 23:30, after the 23:00 close, the window is closed and opens at 09:00 exactly', async () => {
    const dir = tmp();
    const config = resolveConfig(demoConfig, 'demo', { days: 0.6 }); // Monday 20:30 to Tuesday 10:54 Shanghai
    const first = DurableEngine.open(config, { dataDir: dir, ...quiet });
    await first.start();
    first.engine.runUntil(Date.parse('2026-11-23T13:30:00Z')); // 21:30 Shanghai, the night session open
    first.detach(); // the process dies here, and comes back at 23:30
    const back = Date.parse('2026-11-23T15:30:00Z');
    const resumed = DurableEngine.open(config, { dataDir: dir, resume: true, clock: new VirtualClock(back), ...quiet });
    await resumed.run();
    const session = entries(dir)
      .filter((e): e is Extract<JournalEntry, { kind: 'state' }> => e.kind === 'state' && e.change.actor === 'session:hc-rb')
      .map((e) => `${new Date(e.at).toISOString().slice(0, 16)} ${e.change.state}`);
    // Before: closed at start, open at 21:00. The resume records the restored state (open.trading), then the
    // window decides again: closed at once, open at 09:00, closing at 10:14 (the 10:15 close less the 60 s
    // lead), closed at 10:15, open at 10:30. Re-arming the overdue timer instead fired the closing at 23:30
    // and shifted every later boundary by the downtime (09:30 instead of 09:00).
    expect(session).toEqual([
      '2026-11-23T12:30 closed',
      '2026-11-23T13:00 open.trading',
      '2026-11-23T15:30 open.trading',
      '2026-11-23T15:30 closed',
      '2026-11-24T01:00 open.trading',
      '2026-11-24T02:14 open.closing',
      '2026-11-24T02:15 closed',
      '2026-11-24T02:30 open.trading',
    ]);
  });
});

describe('restart against a venue process', () => {
  const servers: VenueServer[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
  });

  it('adopts the orders it knows, cancels an unknown open order, and finishes with the venue positions', async () => {
    const dir = tmp();
    const config = resolveConfig(crashConfig(5, 12, 'quoting'), 'crash', {});
    const sock = join(dir, 'venue.sock');
    const host = new VenueHost(config.venue as SimVenueSpec, config.run.start);
    servers.push(await VenueServer.start(host, { listen: sock, speed: 200 }));

    // Incarnation 1 trades until it has an order resting at the venue, then loses its connection for good
    // (the venue process keeps trading): a crash, as far as the venue and the journal can tell.
    const a = await RemoteVenue.connect(sock);
    const first = DurableEngine.open(config, { dataDir: dir, venue: a, clock: a.clock, ...quiet });
    await first.start();
    const liveInTree = (): string[] =>
      Object.entries(first.engine.actor.system.getAll())
        .filter(([id, ref]) => id.startsWith('order:') && (ref as { getSnapshot(): { status: string } }).getSnapshot().status === 'active')
        .map(([id]) => `r1.${id.slice('order:'.length)}`);
    const deadline = Date.now() + 20_000;
    let liveAtCrash: string[] = [];
    while (Date.now() < deadline) {
      const open = new Set(host.stats().open);
      liveAtCrash = liveInTree().filter((id) => open.has(id));
      if (liveAtCrash.length > 0) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    // In the same tick: the connection goes, and nothing more reaches this incarnation.
    a.stop();
    expect(liveAtCrash.length).toBeGreaterThan(0);

    // Someone else leaves an order resting at the venue (far from the market), which replaces the connection.
    const other = await RemoteVenue.connect(sock);
    await other.sync([]);
    other.submit({ clientId: 'manual-1', symbol: 'RB', side: 1, qty: 1, price: 1000 });
    await new Promise((r) => setTimeout(r, 100));
    other.stop();
    expect(host.stats().open).toContain('manual-1');

    // Incarnation 2: restore, reconcile, finish the session.
    const b = await RemoteVenue.connect(sock);
    const second = DurableEngine.open(config, { dataDir: dir, resume: true, venue: b, clock: b.clock, ...quiet });
    expect([second.runNumber, second.incarnation]).toEqual([1, 2]);
    const summary = await second.run();
    b.stop();
    const r = second.reconciliation!;
    expect(r.unknownOpen).toEqual(['manual-1']);
    expect(r.canceledUnknown).toEqual(['manual-1']);
    // Every order the first incarnation had live was either adopted or had never reached the venue.
    const journal = entries(dir);
    const submitted = new Set(journal.filter((e) => e.kind === 'order.submitted').map((e) => (e as { clientId: string }).clientId));
    for (const id of [...r.adopted, ...r.lost]) expect(submitted.has(id)).toBe(true);
    for (const id of liveAtCrash) expect(r.adopted).toContain(id.slice(3));

    const stats = host.stats();
    expect(stats.duplicates).toBe(0);
    expect(stats.open).toEqual([]);
    const mine = stats.orders.filter((o) => o.clientId.startsWith('r1.'));
    const trades = new Set(mine.flatMap((o) => o.fills.map((f) => f.tradeId)));
    expect(summary.counts.fills).toBe(trades.size);
    const legs = Object.fromEntries(summary.strategies[0]!.legs.map((l) => [l.symbol, l.lots]));
    expect(legs).toEqual({ HC: stats.positions.HC, RB: stats.positions.RB });
    expect(journal.filter((e) => e.kind === 'algo.started').length).toBe(journal.filter((e) => e.kind === 'algo.ended').length);
    expect(readFileSync(join(dir, JOURNAL_FILE)).length).toBeGreaterThan(0);
  });
});

describe('a run stopped while the venue is unreachable', () => {
  const servers: VenueServer[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
  });

  it('is resumed with its algo still working (not a stopped tree), and then finishes the algo and ends the run', async () => {
    const dir = tmp();
    const config = resolveConfig(crashConfig(5, 12, 'quoting'), 'crash', {});
    const sock = join(dir, 'venue.sock');
    const host = new VenueHost(config.venue as SimVenueSpec, config.run.start);
    servers.push(await VenueServer.start(host, { listen: sock, speed: 200 }));

    const a = await RemoteVenue.connect(sock, { reconnect: true });
    const first = DurableEngine.open(config, { dataDir: dir, venue: a, clock: a.clock, ...quiet });
    const stop = new AbortController();
    const running = first.run({ signal: stop.signal });
    const algoWorking = (): boolean => first.engine.actor.system.get('strategy:hc-rb')?.getSnapshot().context.algo != null;
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && !(algoWorking() && host.stats().open.length > 0)) await new Promise((r) => setTimeout(r, 5));
    expect(algoWorking()).toBe(true);
    // The venue process goes away (its state lives on in the host); the engine is told to stop meanwhile.
    const states: string[] = [];
    a.state$.subscribe((s) => states.push(s.state));
    await servers.pop()!.close();
    while (Date.now() < deadline && !states.includes('disconnected')) await new Promise((r) => setTimeout(r, 5));
    stop.abort();
    await running;
    a.stop();
    const left = entries(dir);
    expect(left.some((e) => e.kind === 'run.ended')).toBe(false);
    // What a resume restores is the last tree that was running, never the one the stop had torn down.
    const lastSnapshot = left.filter((e) => e.kind === 'snapshot').at(-1) as { actor: { status: string } };
    expect(lastSnapshot.actor.status).toBe('active');
    // A journal from a version that did write the torn-down tree resumes the same way: that snapshot is skipped.
    const writer = JournalWriter.open(join(dir, JOURNAL_FILE));
    writer.append([{ kind: 'snapshot', at: a.clock.now(), run: 1, actor: { status: 'stopped', value: 'stopping', children: {} }, timers: [] }], true);
    writer.close();

    // The venue is back; the resumed run reconciles, stops the algo properly and ends.
    servers.push(await VenueServer.start(host, { listen: sock, speed: 200 }));
    const b = await RemoteVenue.connect(sock);
    const second = DurableEngine.open(config, { dataDir: dir, resume: true, venue: b, clock: b.clock, ...quiet });
    const summary = await second.run();
    b.stop();
    const journal = entries(dir);
    expect(journal.at(-1)).toMatchObject({ kind: 'run.ended', reason: 'completed' });
    expect(journal.filter((e) => e.kind === 'algo.ended').length).toBe(journal.filter((e) => e.kind === 'algo.started').length);
    const stats = host.stats();
    expect(stats.open).toEqual([]);
    const legs = Object.fromEntries(summary.strategies[0]!.legs.map((l) => [l.symbol, l.lots]));
    expect(legs).toEqual({ HC: stats.positions.HC, RB: stats.positions.RB });
  }, 120_000);
});

describe('a venue connection lost and back after its time moved on', () => {
  const servers: VenueServer[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
  });

  it('fires the timers due in the gap only once connected and reconciled: no burst of retries refused as disconnected', async () => {
    const wait = async (ok: () => boolean): Promise<void> => {
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline && !ok()) await new Promise((r) => setTimeout(r, 5));
      expect(ok()).toBe(true);
    };
    // One attempt: lose the venue while an order rests there, stop the algo (its cancels are refused while the
    // connection is down, and retried on timers), move the venue's time on, and come back. Null when the order had
    // ended by the time the loss was noticed (a fill already on its way): nothing was refused, nothing to check.
    const attempt = async (): Promise<{ refused: JournalEntry[]; lostAt: number; open: string[] } | null> => {
      const dir = tmp();
      const config = resolveConfig(crashConfig(5, 12, 'quoting'), 'crash', {});
      const sock = join(dir, 'venue.sock');
      const host = new VenueHost(config.venue as SimVenueSpec, config.run.start);
      servers.push(await VenueServer.start(host, { listen: sock, speed: 200 }));
      const a = await RemoteVenue.connect(sock, { reconnect: true, backoffMs: { first: 20, max: 100 } });
      const first = DurableEngine.open(config, { dataDir: dir, venue: a, clock: a.clock, ...quiet });
      const stop = new AbortController();
      const running = first.run({ signal: stop.signal });
      const algoWorking = (): boolean => first.engine.actor.system.get('strategy:hc-rb')?.getSnapshot().context.algo != null;
      const working = (): boolean =>
        Object.entries(first.engine.actor.system.getAll()).some(([id, ref]) => id.startsWith('order:') && String(JSON.stringify((ref as { getSnapshot(): { value: unknown } }).getSnapshot().value)).includes('working'));
      await wait(() => algoWorking() && working() && host.stats().open.length > 0);
      const states: string[] = [];
      a.state$.subscribe((st) => states.push(st.state));
      await servers.pop()!.close();
      await wait(() => states.includes('disconnected'));
      const lostAt = a.clock.now();
      const precondition = working();
      // Stopping the algo now asks for cancels the connection refuses ('disconnected'); its retries are timers.
      first.engine.control('pause', { source: 'test' });
      // The venue's time moves on two minutes while the engine is away.
      host.clock.runUntil(host.clock.now() + 120_000);
      servers.push(await VenueServer.start(host, { listen: sock, speed: 200 }));
      await wait(() => states.at(-1) === 'connected');
      await wait(() => !algoWorking());
      stop.abort();
      await running;
      a.stop();
      const refused = entries(dir).filter((e) => e.kind === 'report' && (e.report as { reason?: string }).reason === 'disconnected');
      return precondition && refused.length > 0 ? { refused, lostAt, open: host.stats().open } : null;
    };
    let result: Awaited<ReturnType<typeof attempt>> = null;
    for (let i = 0; i < 5 && result === null; i++) result = await attempt();
    expect(result).not.toBeNull();
    expect(result!.refused.filter((e) => e.at > result!.lostAt)).toEqual([]);
    expect(result!.open).toEqual([]);
  }, 120_000);
});

describe('a venue that restarts with no memory', () => {
  const servers: VenueServer[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
  });

  it('counts the new venue fills although their trade ids repeat the old venue ones (a fill is its order and trade id)', async () => {
    const dir = tmp();
    const config = resolveConfig(crashConfig(5, 12, 'taker'), 'crash', {});
    const sock = join(dir, 'venue.sock');
    servers.push(await VenueServer.start(new VenueHost(config.venue as SimVenueSpec, config.run.start), { listen: sock, speed: 200 }));
    const a = await RemoteVenue.connect(sock, { reconnect: true, backoffMs: { first: 20, max: 100 } });
    const first = DurableEngine.open(config, { dataDir: dir, venue: a, clock: a.clock, ...quiet });
    const stop = new AbortController();
    const running = first.run({ signal: stop.signal });
    const wait = async (ok: () => boolean): Promise<void> => {
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline && !ok()) await new Promise((r) => setTimeout(r, 5));
      expect(ok()).toBe(true);
    };
    const fills = (): number => first.engine.summary().counts.fills;
    await wait(() => fills() >= 2);
    const states: string[] = [];
    a.state$.subscribe((s) => states.push(s.state));
    await servers.pop()!.close();
    await wait(() => states.includes('disconnected'));
    const known = { HC: first.engine.position('hc-rb', 'HC'), RB: first.engine.position('hc-rb', 'RB') };
    const fillsBefore = fills();
    // A new venue process with no memory (its trade ids start again at T1), the same market.
    const fresh = new VenueHost(config.venue as SimVenueSpec, config.run.start);
    fresh.clock.runUntil(a.clock.now());
    servers.push(await VenueServer.start(fresh, { listen: sock, speed: 200 }));
    await wait(() => fresh.stats().orders.some((o) => o.fills.length > 0) && states.at(-1) === 'connected');
    await wait(() => fills() > fillsBefore);
    stop.abort();
    await running;
    a.stop();
    const stats = fresh.stats();
    const newTrades = stats.orders.reduce((n, o) => n + o.fills.length, 0);
    expect(first.engine.summary().counts.duplicateFills).toBe(0);
    expect(fills() - fillsBefore).toBe(newTrades);
    expect({ HC: first.engine.position('hc-rb', 'HC'), RB: first.engine.position('hc-rb', 'RB') }).toEqual({
      HC: known.HC + (stats.positions.HC ?? 0),
      RB: known.RB + (stats.positions.RB ?? 0),
    });
  }, 120_000);
});
