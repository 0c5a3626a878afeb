import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { proc, until } from '../helpers/processes.js';
import { describe, expect, it } from 'vitest';
import { crashConfig } from '../../scripts/crash.js';
import { main } from '../../src/cli/main.js';
import { demoConfig } from '../../src/config/demo.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { DurableEngine, JOURNAL_FILE, type JournalEntry } from '../../src/engine/durable.js';
import { readJournal } from '../../src/journal/journal-file.js';
import { RemoteVenue } from '../../src/venue/remote/remote-venue.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'legato-cli-journal-'));

async function cli(args: string[]) {
  let out = '';
  let err = '';
  const sink = (f: (s: string) => void) => new Writable({ write: (c, _e, cb) => (f(String(c)), cb()) });
  const code = await main(args, { out: sink((s) => (out += s)), err: sink((s) => (err += s)) });
  return { code, out, err };
}

/** A journal of an unfinished run of the demo (0.05 days), as a crashed process leaves it. */
async function unfinishedJournal(): Promise<{ dir: string; file: string }> {
  const dir = tmp();
  const d = DurableEngine.open(resolveConfig(demoConfig, 'built-in demo', { days: 0.05 }), { dataDir: dir, onWarning: () => {} });
  await d.start();
  d.engine.runUntil(d.engine.clock.now() + 40 * 60_000);
  d.detach();
  return { dir, file: join(dir, JOURNAL_FILE) };
}


describe('legato run with a journal: damaged journals', () => {
  it('cuts a torn tail back to the last good record with a warning naming the file and offset, then resumes', async () => {
    const { dir, file } = await unfinishedJournal();
    const good = readFileSync(file).length;
    appendFileSync(file, Buffer.from([7, 0, 0, 0, 1]));
    const r = await cli(['run', '--days', '0.05', '--data-dir', dir, '--resume', '--json']);
    expect(r.err).toContain(`legato: warning: journal ${file}: a record header needs 8 bytes, 5 left (truncated) at offset ${good}; cut back to the last good record (5 bytes dropped)`);
    expect(r.code).toBe(0);
    const entries = readJournal(file).records.map((x) => x.value as JournalEntry);
    expect(entries.filter((e) => e.kind === 'run.resumed')).toHaveLength(1);
    expect(entries.at(-1)).toMatchObject({ kind: 'run.ended', run: 1, reason: 'completed' });
  });

  it('detects a flipped byte in the last record by its checksum and cuts it off', async () => {
    const { dir, file } = await unfinishedJournal();
    const j = readJournal(file);
    const last = j.records.at(-1)!;
    const buf = readFileSync(file);
    buf[last.end - 2]! ^= 0x04;
    writeFileSync(file, buf);
    const r = await cli(['run', '--days', '0.05', '--data-dir', dir, '--resume']);
    expect(r.err).toContain(`legato: warning: journal ${file}: checksum mismatch at offset ${last.offset}; cut back to the last good record (${last.end - last.offset} bytes dropped)`);
    expect(r.code).toBe(0);
  });

  it('refuses a journal damaged in the middle: exit 2, naming the file and the offset', async () => {
    const { dir, file } = await unfinishedJournal();
    const second = readJournal(file).records[1]!;
    const buf = readFileSync(file);
    buf[second.offset + 12]! ^= 0x01;
    writeFileSync(file, buf);
    const r = await cli(['run', '--days', '0.05', '--data-dir', dir, '--resume']);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`legato: journal ${file} is unreadable at offset ${second.offset}: checksum mismatch, and a good record follows at offset ${second.end}`);
    expect(r.out).toBe('');
  });

  it('refuses a file that is not a journal: exit 2, offset 0', async () => {
    const dir = tmp();
    writeFileSync(join(dir, JOURNAL_FILE), 'hello\n');
    const r = await cli(['run', '--data-dir', dir]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`legato: journal ${join(dir, JOURNAL_FILE)} is unreadable at offset 0: not a Legato journal (the header should be "LEGATO-JOURNAL 1", got "hello\\n")\n`);
  });

  it('refuses a fresh run over an unfinished one (exit 2) and says how to continue', async () => {
    const { dir, file } = await unfinishedJournal();
    const r = await cli(['run', '--days', '0.05', '--data-dir', dir]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`legato: ${file} holds run 1, which has not ended: continue it with --resume, or use another data directory\n`);
  });

  it('resuming a run that ended prints its summary from the journal and exits 0', async () => {
    const dir = tmp();
    const first = await cli(['run', '--days', '0.5', '--data-dir', dir, '--json']);
    expect(first.code).toBe(0);
    const again = await cli(['run', '--days', '0.5', '--data-dir', dir, '--resume', '--json']);
    expect(again.code).toBe(0);
    expect(again.err).toBe(`legato: run 1 in ${join(dir, JOURNAL_FILE)} has ended; nothing to resume. Its summary, from the journal:\n`);
    const [a, b] = [JSON.parse(first.out), JSON.parse(again.out)];
    expect(b.executions).toEqual(a.executions);
    expect(b.strategies[0].legs.map((l: { lots: number }) => l.lots)).toEqual(a.strategies[0].legs.map((l: { lots: number }) => l.lots));
    expect([b.counts.orders, b.counts.fills, b.counts.executions]).toEqual([a.counts.orders, a.counts.fills, a.counts.executions]);
    // The journal has no market marks: PnL with an open leg is unknown (null), not made up.
    expect(a.strategies[0].legs.some((l: { lots: number }) => l.lots !== 0)).toBe(true);
    expect(b.pnl).toBeNull();
  });

  it('says so when there is no venue at --venue (exit 1), and rejects a bad --unknown-orders (exit 2)', async () => {
    const dir = tmp();
    const r = await cli(['run', '--venue', join(dir, 'none.sock'), '--data-dir', dir]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`legato: cannot reach the venue at ${join(dir, 'none.sock')}`);
    const bad = await cli(['run', '--unknown-orders', 'keep']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("argument 'keep' is invalid. Allowed choices are cancel, leave.");
  });
});

describe('graceful shutdown', () => {
  it('on SIGTERM stops every algo, flushes the journal, ends the run and exits 0, leaving nothing open at the venue', async () => {
    const dir = tmp();
    const cfg = join(dir, 'config.json');
    writeFileSync(cfg, JSON.stringify(crashConfig(11, 60, 'quoting')));
    const sock = join(dir, 'venue.sock');
    const venue = proc(['venue', '--socket', sock, '--config', cfg, '--speed', '100']);
    try {
      await until(() => venue.err().includes('listening on'), 20_000);
      const engine = proc(['run', '--config', cfg, '--venue', sock, '--data-dir', join(dir, 'data'), '--json']);
      await until(() => engine.err().includes('running run 1'), 20_000);
      await new Promise((r) => setTimeout(r, 1500));
      engine.child.kill('SIGTERM');
      const code = await engine.exit;
      expect(engine.err()).toContain('legato: interrupted; algos were stopped, the journal flushed, and the run ended cleanly');
      expect(code).toBe(0);
      const entries = readJournal(join(dir, 'data', JOURNAL_FILE)).records.map((x) => x.value as JournalEntry);
      expect(entries.at(-1)).toMatchObject({ kind: 'run.ended', run: 1, reason: 'interrupted' });
      const started = entries.filter((e) => e.kind === 'algo.started').length;
      expect(entries.filter((e) => e.kind === 'algo.ended').length).toBe(started);
      const summary = JSON.parse(engine.out());
      const client = await RemoteVenue.connect(sock);
      const stats = await client.stats();
      client.stop();
      expect(stats.open).toEqual([]);
      expect(stats.duplicates).toBe(0);
      const legs = Object.fromEntries(summary.strategies[0].legs.map((l: { symbol: string; lots: number }) => [l.symbol, l.lots]));
      expect(legs).toEqual({ HC: stats.positions.HC, RB: stats.positions.RB });
    } finally {
      venue.child.kill('SIGTERM');
      await venue.exit;
    }
  });
});

describe('legato run --venue: the venue must offer every leg as configured', () => {
  it('refuses (exit 2, naming the leg) a config whose lot size differs from the venue process, before anything is sent', async () => {
    const dir = tmp();
    const venueCfg = join(dir, 'venue.json');
    writeFileSync(venueCfg, JSON.stringify(demoConfig));
    const mine = structuredClone(demoConfig);
    mine.venue.instruments[0]!.lotSize = '2'; // RB
    mine.strategies[0]!.legs[1]!.lotSize = '2';
    const engineCfg = join(dir, 'engine.json');
    writeFileSync(engineCfg, JSON.stringify(mine));
    const sock = join(dir, 'venue.sock');
    const venue = proc(['venue', '--socket', sock, '--config', venueCfg]);
    try {
      await until(() => venue.err().includes('listening on'), 20_000);
      const r = await cli(['run', '--config', engineCfg, '--venue', sock, '--data-dir', join(dir, 'data')]);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`strategies[0].legs[1].lotSize: leg 1 of strategy "hc-rb" (RB): lot size 2 differs from 1 at the venue at ${sock}`);
      expect(r.err).not.toMatch(/\n\s+at /);
      const client = await RemoteVenue.connect(sock);
      const stats = await client.stats();
      client.stop();
      expect(stats.open).toEqual([]);
    } finally {
      venue.child.kill('SIGTERM');
      await venue.exit;
    }
  });
});
