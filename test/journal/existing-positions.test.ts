import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { crashConfig } from '../../scripts/crash.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { JOURNAL_FILE, type JournalEntry } from '../../src/engine/durable.js';
import { readJournal } from '../../src/journal/journal-file.js';
import { RemoteVenue } from '../../src/venue/remote/remote-venue.js';
import { VenueHost, VenueServer } from '../../src/venue/remote/venue-host.js';
import type { SimVenueSpec } from '../../src/venue/simulated/simulated-venue.js';
import type { OrderCommand } from '../../src/domain/orders.js';
import { cli, until } from '../helpers/processes.js';


const servers: VenueServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

/**
 * A venue process (crash config, `seed`, `minutes`) where another client has left `orders`, waited until
 * `settled` says they are where they should be.
 */
async function venueHolding(seed: number, minutes: number, orders: OrderCommand[], settled: (s: ReturnType<VenueHost['stats']>) => boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'legato-existing-'));
  const raw = crashConfig(seed, minutes, 'taker');
  const cfg = join(dir, 'config.json');
  writeFileSync(cfg, JSON.stringify(raw));
  const config = resolveConfig(raw, 'crash', {});
  const sock = join(dir, 'venue.sock');
  const host = new VenueHost(config.venue as SimVenueSpec, config.run.start);
  servers.push(await VenueServer.start(host, { listen: sock, speed: 50 }));
  const other = await RemoteVenue.connect(sock);
  await other.sync([]);
  for (const o of orders) other.submit(o);
  await until(() => settled(host.stats()), 20_000);
  other.stop();
  return { dir, cfg, sock, host };
}

describe('a fresh run on a venue that already holds positions or orders in its symbols', () => {
  it('refuses to start (exit 2, naming them) unless told to ignore them; nothing is journalled or sent', async () => {
    // Another process leaves a position of +2 RB and an order resting far from the market.
    const { dir, cfg, sock, host } = await venueHolding(
      7,
      1,
      [
        { clientId: 'manual-1', symbol: 'RB', side: 1, qty: 2, price: 4000 },
        { clientId: 'manual-2', symbol: 'HC', side: -1, qty: 1, price: 9000 },
      ],
      (st) => st.positions.RB === 2 && st.open.includes('manual-2'),
    );

    const data = join(dir, 'data');
    const refused = await cli(['run', '--config', cfg, '--venue', sock, '--data-dir', data]);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain(`legato: the venue at ${sock} already holds, in this run's symbols: position RB +2 lots; open order manual-2 (HC sell 1). A fresh run would trade on top of them.`);
    expect(refused.err).not.toMatch(/\n\s+at /);
    expect(existsSync(join(data, JOURNAL_FILE))).toBe(false);
    expect(host.stats().submissions).toBe(2);

    // Told to ignore them, it trades beside them (to the end of its one minute).
    const ignored = await cli(['run', '--config', cfg, '--venue', sock, '--data-dir', join(dir, 'data2'), '--existing', 'ignore', '--json']);
    expect(ignored.err).toContain('legato: running run 1');
    expect(ignored.code).toBe(0);
  });

  it('with --existing adopt, the strategy takes the positions over: it trades from them, and ends with the venue positions', async () => {
    // A long spread position of 2 units left at the venue: +2 HC, −2 RB.
    const { dir, cfg, sock, host } = await venueHolding(
      11,
      2,
      [
        { clientId: 'manual-1', symbol: 'HC', side: 1, qty: 2, price: 9000 },
        { clientId: 'manual-2', symbol: 'RB', side: -1, qty: 2, price: 1 },
      ],
      (st) => st.positions.HC === 2 && st.positions.RB === -2,
    );

    const data = join(dir, 'data');
    const r = await cli(['run', '--config', cfg, '--venue', sock, '--data-dir', data, '--existing', 'adopt', '--json']);
    expect(r.err).toContain("legato: adopting the venue's positions: HC +2, RB -2");
    expect(r.code).toBe(0);
    const entries = readJournal(join(data, JOURNAL_FILE)).records.map((x) => x.value as JournalEntry);
    expect(entries.filter((e) => e.kind === 'position.adopted').map((e) => [(e as { symbol: string }).symbol, (e as { lots: number }).lots]).sort()).toEqual([
      ['HC', 2],
      ['RB', -2],
    ]);
    // The engine's books include what it adopted: its final legs are the venue's, never beyond the target of 5.
    const summary = JSON.parse(r.out);
    const legs = Object.fromEntries(summary.strategies[0].legs.map((l: { symbol: string; lots: number }) => [l.symbol, l.lots]));
    const stats = host.stats();
    expect(legs).toEqual({ HC: stats.positions.HC, RB: stats.positions.RB });
    expect(Math.abs(stats.positions.HC!)).toBeLessThanOrEqual(5);
  });
});
