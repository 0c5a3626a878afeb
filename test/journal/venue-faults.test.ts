import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crashConfig } from '../../scripts/crash.js';
import { JOURNAL_FILE, type JournalEntry } from '../../src/engine/durable.js';
import { readJournal } from '../../src/journal/journal-file.js';
import { RemoteVenue } from '../../src/venue/remote/remote-venue.js';
import { proc, until } from '../helpers/processes.js';

/**
 * Losing the venue is a state, never the end of a run: a venue process frozen (SIGSTOP) for longer than the
 * heartbeat is detected by silence, the engine reconnects when it answers again, reconciles, and trades on;
 * SIGTERM while the venue is frozen still exits, leaving the run resumable. Every wait polls with a generous
 * bound; nothing here measures speed.
 */
/** What the journal holds so far (a run writing it may leave a torn tail: nothing, then). */
function journalEntries(data: string): JournalEntry[] {
  try {
    return readJournal(join(data, JOURNAL_FILE)).records.map((r) => r.value as JournalEntry);
  } catch {
    return [];
  }
}

function setup(minutes: number) {
  const dir = mkdtempSync(join(tmpdir(), 'legato-venue-faults-'));
  const cfg = join(dir, 'config.json');
  writeFileSync(cfg, JSON.stringify(crashConfig(3, minutes, 'taker')));
  const sock = join(dir, 'venue.sock');
  const data = join(dir, 'data');
  return { dir, cfg, sock, data };
}

/** A venue process (`legato venue`) on `sock` at 20 times real time; each test stops it in its `finally`. */
const venueProc = (cfg: string, sock: string) => proc(['venue', '--socket', sock, '--config', cfg, '--speed', '20']);

/** Once `venue` listens: an engine process running run 1 on it, journalled in `data` (with `flags` added). */
async function engineOn(venue: ReturnType<typeof proc>, cfg: string, sock: string, data: string, ...flags: string[]) {
  await until(() => venue.err().includes('listening on'), 30_000);
  const engine = proc(['run', '--config', cfg, '--venue', sock, '--data-dir', data, ...flags]);
  await until(() => engine.err().includes('running run 1'), 30_000);
  return engine;
}

describe('the venue process frozen and back', () => {
  it('frozen past the heartbeat: the engine notices, reconnects when it answers, reconciles and trades on; positions agree at the end', { timeout: 120_000 }, async () => {
    const { cfg, sock, data } = setup(120);
    const venue = venueProc(cfg, sock);
    try {
      const engine = await engineOn(venue, cfg, sock, data, '--json');
      // Trading has begun (the first reconciliation is done) once an order is in the journal.
      await until(() => journalEntries(data).some((e) => e.kind === 'order.submitted'), 60_000);
      venue.child.kill('SIGSTOP');
      await until(() => engine.err().includes(`legato: lost the venue at ${sock} (no message for 3000 ms); reconnecting, nothing trades meanwhile`), 30_000);
      venue.child.kill('SIGCONT');
      await until(() => engine.err().includes('trading again'), 30_000);
      expect(engine.err()).toContain(`legato: reconnected to the venue at ${sock}; reconciling`);
      engine.child.kill('SIGTERM');
      expect(await engine.exit).toBe(0);
      const summary = JSON.parse(engine.out());
      const client = await RemoteVenue.connect(sock);
      const stats = await client.stats();
      client.stop();
      expect(stats.duplicates).toBe(0);
      expect(stats.open).toEqual([]);
      const legs = Object.fromEntries(summary.strategies[0].legs.map((l: { symbol: string; lots: number }) => [l.symbol, l.lots]));
      expect(legs).toEqual({ HC: stats.positions.HC ?? 0, RB: stats.positions.RB ?? 0 });
      const entries = journalEntries(data);
      expect(entries.filter((e) => e.kind === 'reconciled').length).toBeGreaterThanOrEqual(1);
      expect(entries.at(-1)).toMatchObject({ kind: 'run.ended', reason: 'interrupted' });
    } finally {
      venue.child.kill('SIGCONT');
      venue.child.kill('SIGTERM');
      await venue.exit;
    }
  });

  it('SIGTERM while the venue is frozen exits without waiting for it: resumable when an algo could not finish, else ended cleanly', { timeout: 120_000 }, async () => {
    const { cfg, sock, data } = setup(120);
    const venue = venueProc(cfg, sock);
    try {
      const engine = await engineOn(venue, cfg, sock, data);
      venue.child.kill('SIGSTOP');
      engine.child.kill('SIGTERM');
      // It exits either way (never waits on the frozen venue for ever). With an algo working, the stop cannot finish
      // without the venue: exit 1, the run left open for --resume. With none working, the stop needs nothing from
      // the venue: the run ends cleanly (exit 0). Which one depends on the moment; both are checked for what they say.
      const code = await engine.exit;
      expect(engine.err()).not.toMatch(/\n\s+at /);
      const ended = journalEntries(data).some((e) => e.kind === 'run.ended');
      if (code === 1) {
        expect(engine.err()).toMatch(new RegExp(`legato: stopped while the venue at ${sock.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} was unreachable.*; the journal is kept: continue with --resume`));
        expect(ended).toBe(false);
      } else {
        expect(code).toBe(0);
        expect(engine.err()).toContain('legato: interrupted; algos were stopped, the journal flushed, and the run ended cleanly');
        expect(ended).toBe(true);
      }
    } finally {
      venue.child.kill('SIGCONT');
      venue.child.kill('SIGTERM');
      await venue.exit;
    }
  });

  it('SIGTERM once the frozen venue is known lost, with no algo ever working: the run ends cleanly and says so (never "continue with --resume" over an ended run)', { timeout: 120_000 }, async () => {
    const { cfg, sock, data } = setup(120);
    // Triggers no spread reaches: nothing is ever working, so the stop needs nothing from the venue.
    const config = crashConfig(3, 120, 'taker');
    config.strategies[0]!.triggers = { longEntry: '-100000', longExit: '0', shortEntry: '100000', shortExit: '0' };
    writeFileSync(cfg, JSON.stringify(config));
    const venue = venueProc(cfg, sock);
    try {
      const engine = await engineOn(venue, cfg, sock, data);
      // The first reconciliation is done once the run's end is announced: from then on the run is under way.
      await until(() => engine.err().includes('the run ends at'), 30_000);
      venue.child.kill('SIGSTOP');
      await until(() => engine.err().includes(`legato: lost the venue at ${sock} (no message for 3000 ms)`), 30_000);
      engine.child.kill('SIGTERM');
      const code = await engine.exit;
      expect(engine.err()).not.toMatch(/\n\s+at /);
      expect(journalEntries(data).at(-1)).toMatchObject({ kind: 'run.ended', reason: 'interrupted' });
      expect(engine.err()).not.toContain('continue with --resume');
      expect(engine.err()).toContain('legato: interrupted; algos were stopped, the journal flushed, and the run ended cleanly');
      expect(code).toBe(0);
    } finally {
      venue.child.kill('SIGCONT');
      venue.child.kill('SIGTERM');
      await venue.exit;
    }
  });

  it('killed and restarted: the engine reconnects to the new venue, its orders the new venue never saw end rejected, and the run goes on', { timeout: 120_000 }, async () => {
    const { cfg, sock, data } = setup(120);
    let venue = venueProc(cfg, sock);
    try {
      const engine = await engineOn(venue, cfg, sock, data, '--json');
      await until(() => journalEntries(data).some((e) => e.kind === 'order.submitted'), 60_000);
      venue.child.kill('SIGKILL');
      await venue.exit;
      await until(() => engine.err().includes(`legato: lost the venue at ${sock}`), 30_000);
      // A new venue process on the same socket: a venue that lost its memory (a real one would keep it).
      venue = venueProc(cfg, sock);
      await until(() => engine.err().includes('trading again'), 60_000);
      engine.child.kill('SIGTERM');
      expect(await engine.exit).toBe(0);
      const entries = journalEntries(data);
      const reconciled = entries.filter((e): e is Extract<JournalEntry, { kind: 'reconciled' }> => e.kind === 'reconciled');
      expect(reconciled.length).toBeGreaterThanOrEqual(1);
      // What was live at the old venue is unknown to the new one: void, never sent again.
      const client = await RemoteVenue.connect(sock);
      const stats = await client.stats();
      client.stop();
      expect(stats.duplicates).toBe(0);
      expect(stats.orders.filter((o) => reconciled.some((r) => r.lost.includes(o.clientId.replace(/^r1\./, ''))) && o.status !== 'unknown')).toEqual([]);
      expect(entries.at(-1)).toMatchObject({ kind: 'run.ended', reason: 'interrupted' });
    } finally {
      venue.child.kill('SIGTERM');
      await venue.exit;
    }
  });
});
