import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, proc, until } from '../helpers/processes.js';
import { describe, expect, it } from 'vitest';
import { crashConfig } from '../../scripts/crash.js';
import { demoConfig } from '../../src/config/demo.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { DurableEngine, JOURNAL_FILE, type JournalEntry } from '../../src/engine/durable.js';
import { readJournal } from '../../src/journal/journal-file.js';
import { RemoteVenue } from '../../src/venue/remote/remote-venue.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'legato-cli-journal-'));


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
    expect(r.err).toContain(`legato: warning: journal ${file}: a record header needs 20 bytes, 5 left (truncated) at offset ${good}; cut back to the last good record (5 bytes dropped)`);
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
    expect(r.err).toBe(`legato: journal ${join(dir, JOURNAL_FILE)} is unreadable at offset 0: not a Legato journal (the header should be "LEGATO-JOURNAL 2", got "hello\\n")\n`);
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
      await until(() => venue.err().includes('listening on'), 90_000);
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
      await until(() => venue.err().includes('listening on'), 90_000);
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

describe('legato run with a journal: records missing or altered, old formats, file types and permissions', () => {
  const isRoot = process.getuid?.() === 0;
  const noStack = (err: string): void => expect(err).not.toMatch(/\n\s+at /);

  it('refuses a record spliced out of the middle (valid framing): exit 2, naming the file and the offset, the file untouched', async () => {
    const { dir, file } = await unfinishedJournal();
    const j = readJournal(file);
    expect(j.records).toHaveLength(4);
    const gone = j.records[2]!;
    const buf = readFileSync(file);
    const spliced = Buffer.concat([buf.subarray(0, gone.offset), buf.subarray(gone.end)]);
    writeFileSync(file, spliced);
    const r = await cli(['run', '--days', '0.05', '--data-dir', dir, '--resume']);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`legato: journal ${file} is unreadable at offset ${gone.offset}: sequence gap: record 3 expected, record 4 found (1 record missing before it)\n`);
    expect(r.out).toBe('');
    expect(readFileSync(file)).toEqual(spliced);
  });

  it('refuses a format 1 journal: exit 2, saying how to proceed', async () => {
    const dir = tmp();
    const file = join(dir, JOURNAL_FILE);
    writeFileSync(file, Buffer.concat([Buffer.from('LEGATO-JOURNAL 1\n'), Buffer.from([2, 0, 0, 0, 0x9a, 0x1c, 0x6d, 0xbd]), Buffer.from('{}')]));
    for (const args of [['--resume'], []]) {
      const r = await cli(['run', '--days', '0.05', '--data-dir', dir, ...args]);
      expect(r.code).toBe(2);
      expect(r.err).toBe(
        `legato: journal ${file} is unreadable at offset 0: it is in format 1 ("LEGATO-JOURNAL 1"), written by an earlier Legato without sequence numbers or chained checks, ` +
          'and this Legato reads format 2 only: finish or read that run with the Legato that wrote it, and start new runs in another data directory (--data-dir)\n',
      );
    }
  });

  it('refuses --resume of an empty or missing data directory: exit 2, "nothing to resume in <dir>", nothing created', async () => {
    const empty = tmp();
    const r = await cli(['run', '--days', '0.05', '--data-dir', empty, '--resume']);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`legato: nothing to resume in ${empty}: there is no journal (journal.lgj) in it; start a run without --resume\n`);
    expect(r.out).toBe('');
    expect(readdirSync(empty)).toEqual([]);
    const missing = join(tmp(), 'run1');
    const m = await cli(['run', '--days', '0.05', '--data-dir', missing, '--resume']);
    expect(m.code).toBe(2);
    expect(m.err).toBe(`legato: nothing to resume in ${missing}: the directory does not exist; start a run without --resume\n`);
    expect(existsSync(missing)).toBe(false);
  });

  it('a journal path that is a directory: exit 2 with its name, no stack trace, fresh or resumed', async () => {
    const dir = tmp();
    const file = join(dir, JOURNAL_FILE);
    mkdirSync(file);
    for (const args of [[], ['--resume']]) {
      const r = await cli(['run', '--days', '0.05', '--data-dir', dir, ...args]);
      expect(r.code).toBe(2);
      expect(r.err).toBe(`legato: the journal ${file} is a directory, not a file\n`);
      noStack(r.err);
    }
  });

  it('a data directory that is a file: exit 2 with its name, no stack trace (as its own process too)', async () => {
    const data = join(tmp(), 'data');
    writeFileSync(data, 'x');
    for (const args of [[], ['--resume']]) {
      const r = await cli(['run', '--days', '0.05', '--data-dir', data, ...args]);
      expect(r.code).toBe(2);
      expect(r.err).toBe(`legato: the data directory ${data} is a file, not a directory\n`);
    }
    const under = join(data, 'run1');
    const u = await cli(['run', '--days', '0.05', '--data-dir', under]);
    expect(u.code).toBe(2);
    expect(u.err).toBe(`legato: cannot use the data directory ${under} (ENOTDIR): a part of the path is a file, not a directory\n`);
    const p = proc(['run', '--days', '0.05', '--data-dir', data]);
    expect(await p.exit).toBe(2);
    expect(p.err()).toBe(`legato: the data directory ${data} is a file, not a directory\n`);
    expect(readFileSync(data, 'utf8')).toBe('x');
  });

  it('an immutable data directory or journal (chattr +i, which binds root too): exit 2, named, the journal untouched', async (ctx) => {
    const { dir, file } = await unfinishedJournal();
    const fresh = tmp();
    const chattr = (flag: string, path: string): boolean => {
      try {
        execFileSync('chattr', [flag, path], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    };
    if (!chattr('+i', fresh)) ctx.skip('chattr +i is not available here (no chattr, a file system without attributes, or no CAP_LINUX_IMMUTABLE)');
    try {
      const r = await cli(['run', '--days', '0.05', '--data-dir', fresh]);
      expect(r.code).toBe(2);
      // The run's first write there is its lock (journal.lock), taken before the journal is read.
      expect(r.err).toBe(`legato: cannot create the lock file ${join(fresh, 'journal.lock')} (EPERM): operation not permitted; is the file or its directory immutable (lsattr)?\n`);
      noStack(r.err);
    } finally {
      chattr('-i', fresh);
    }
    appendFileSync(file, Buffer.from([7, 0, 0])); // a torn tail a resume would cut
    const before = readFileSync(file);
    expect(chattr('+i', file)).toBe(true);
    try {
      const r = await cli(['run', '--days', '0.05', '--data-dir', dir, '--resume']);
      expect(r.code).toBe(2);
      expect(r.err).toBe(`legato: cannot write to the journal ${file} (EPERM): operation not permitted; is the file or its directory immutable (lsattr)?\n`);
      expect(readFileSync(file)).toEqual(before);
      expect(existsSync(join(dir, 'journal.lock'))).toBe(false);
    } finally {
      chattr('-i', file);
    }
  });

  it('a read-only journal and an unwritable data directory: exit 2, named, no stack trace', async (ctx) => {
    ctx.skip(isRoot, 'running as root: permission bits do not bind root (the immutable and file-type cases above do)');
    const { dir, file } = await unfinishedJournal();
    const before = readFileSync(file);
    chmodSync(file, 0o444);
    const r = await cli(['run', '--days', '0.05', '--data-dir', dir, '--resume']);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`legato: cannot write to the journal ${file} (EACCES): permission denied\n`);
    expect(readFileSync(file)).toEqual(before);
    const locked = tmp();
    chmodSync(locked, 0o555);
    const f = await cli(['run', '--days', '0.05', '--data-dir', locked]);
    expect(f.code).toBe(2);
    expect(f.err).toBe(`legato: cannot create the journal ${join(locked, JOURNAL_FILE)} (EACCES): permission denied\n`);
    noStack(f.err);
  });
});
