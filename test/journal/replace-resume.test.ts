import { mkdtempSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';
import type { OrderChange } from '../../src/domain/orders.js';
import { DurableEngine, JOURNAL_FILE, type JournalEntry } from '../../src/engine/durable.js';
import { readJournal } from '../../src/journal/journal-file.js';
import { RemoteVenue } from '../../src/venue/remote/remote-venue.js';
import { VenueHost, VenueServer } from '../../src/venue/remote/venue-host.js';
import type { SimVenueSpec } from '../../src/venue/simulated/simulated-venue.js';
import { crashConfig } from '../../scripts/crash.js';

/**
 * A crash while an order is being re-priced in place: the replace is journalled (with a snapshot of the order in
 * `replacing`) before it leaves, and the engine dies before it hears the answer. The resumed run asks the venue: the
 * order's price there says whether the replace happened. If it did, the replace is taken as confirmed (no second
 * one); if it never left, it is sent again. Either way the run then finishes with the venue's positions, no order
 * sent twice and no fill lost.
 */

const tmp = (): string => mkdtempSync(join(tmpdir(), 'legato-replace-resume-'));
const entries = (dir: string): JournalEntry[] => readJournal(join(dir, JOURNAL_FILE)).records.map((r) => r.value as JournalEntry);
const quiet = { onWarning: () => {} };

/** Sets a venue's replace (a readonly capability property) for the test. */
function hookReplace(v: RemoteVenue, fn: (clientId: string, change: OrderChange) => void): void {
  Object.defineProperty(v, 'replace', { value: fn, configurable: true });
}

describe('a crash while an order is replaced', () => {
  const servers: VenueServer[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
  });

  for (const reached of [false, true]) {
    it(`the replace ${reached ? 'reached the venue (its answer was lost): taken as confirmed, not sent again' : 'never left: sent again'}; the run finishes with the venue's positions`, async () => {
      const dir = tmp();
      const config = resolveConfig(crashConfig(5, 6, 'quoting'), 'crash', {});
      const sock = join(dir, 'venue.sock');
      const host = new VenueHost(config.venue as SimVenueSpec, config.run.start);
      servers.push(await VenueServer.start(host, { listen: sock, speed: 50 }));

      // Incarnation 1 dies the moment its first replace leaves the outbox: before (or just after) it reaches the venue.
      const a = await RemoteVenue.connect(sock);
      const send = a.replace!;
      let crashed = null as { clientId: string; change: OrderChange } | null;
      hookReplace(a, (clientId, change) => {
        if (crashed) return;
        crashed = { clientId, change };
        if (!reached) return a.stop();
        // The replace goes out (the socket is flushed, not destroyed), and nothing more is read: its answer is lost.
        send(clientId, change);
        const socket = (a as unknown as { socket: Socket }).socket;
        socket.pause();
        socket.end();
        setTimeout(() => a.stop(), 50);
      });
      const first = DurableEngine.open(config, { dataDir: dir, venue: a, clock: a.clock, ...quiet });
      await first.start();
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline && !crashed) await new Promise((r) => setTimeout(r, 5));
      expect(crashed).not.toBeNull();
      const { clientId, change } = crashed!;
      const engineId = clientId.slice('r1.'.length);
      // On disk before it left: the record and a snapshot with the order replacing.
      const before = entries(dir);
      const i = before.findIndex((e) => e.kind === 'order.replaceRequested' && e.clientId === engineId);
      expect(i).toBeGreaterThanOrEqual(0);
      expect(before.slice(i).some((e) => e.kind === 'snapshot')).toBe(true);
      // Reached: the venue has applied it (or the order has filled meanwhile).
      const at = (): number | undefined => host.venue.openOrders().find((o) => o.clientId === clientId)?.price;
      while (reached && Date.now() < deadline && at() !== undefined && at() !== change.price) await new Promise((r) => setTimeout(r, 2));

      // Incarnation 2: what the resumed run sends as replaces is watched.
      const b = await RemoteVenue.connect(sock);
      const resent: { clientId: string; price: number }[] = [];
      const forward = b.replace!;
      hookReplace(b, (id, c) => {
        resent.push({ clientId: id, price: c.price });
        forward(id, c);
      });
      const second = DurableEngine.open(config, { dataDir: dir, resume: true, venue: b, clock: b.clock, ...quiet });
      await second.start();
      // What the reconciliation sent (the replaces the algo makes later, on a market that moved, are its own).
      const byReconcile = resent.filter((x) => x.clientId === clientId);
      const r = second.reconciliation!;
      // The venue had the order open (a quote far from filling at once): adopted, and the replace settled.
      expect(r.adopted).toContain(engineId);
      if (reached) expect(byReconcile).toEqual([]);
      else expect(byReconcile).toEqual([{ clientId, price: change.price }]);
      const summary = await second.run();
      b.stop();
      // After the resume the order heard it was replaced at the price asked (the injected confirmation, or the venue's
      // answer to the replace sent again), unless it filled first.
      const journal = entries(dir);
      const resumedAt = journal.findIndex((e) => e.kind === 'run.resumed');
      const after = journal.slice(resumedAt).filter((e) => e.kind === 'report' && e.report.clientId === engineId).map((e) => (e as { report: { type: string; price?: number } }).report);
      const firstWord = after.find((x) => x.type === 'order.replaced' || x.type === 'order.filled' || x.type === 'order.canceled');
      if (firstWord?.type === 'order.replaced') expect(firstWord.price).toBe(change.price);
      else expect(firstWord?.type).toBe('order.filled');
      const stats = host.stats();
      expect(stats.duplicates).toBe(0);
      expect(stats.open).toEqual([]);
      const mine = stats.orders.filter((o) => o.clientId.startsWith('r1.'));
      const trades = new Set(mine.flatMap((o) => o.fills.map((f) => f.tradeId)));
      expect(summary.counts.fills).toBe(trades.size);
      const legs = Object.fromEntries(summary.strategies[0]!.legs.map((l) => [l.symbol, l.lots]));
      expect(legs).toEqual({ HC: stats.positions.HC, RB: stats.positions.RB });
    }, 120_000);
  }
});
