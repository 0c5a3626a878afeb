import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { demoConfig } from '../../src/config/demo.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { DurableEngine, JOURNAL_FILE } from '../../src/engine/durable.js';
import { DataDirBusyError, LOCK_FILE, lockDataDir } from '../../src/journal/dir-lock.js';
import { readJournal } from '../../src/journal/journal-file.js';
import { cli, exitWithin, proc } from '../helpers/processes.js';

/**
 * One run per data directory. Two runs on one journal (a second `legato run --resume` while the first still ran)
 * both traded, and each wrote its records at its own offsets: the journal was unreadable from then on. A run now
 * takes the directory (journal.lock, its pid) before it reads the journal, and a second is refused while the first
 * lives. Another process is played by a child that only sleeps: its pid is what a live run's lock names.
 */

const tmp = (): string => mkdtempSync(join(tmpdir(), 'legato-dir-lock-'));
const children: { kill(): void }[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill();
});

/** The pid of a live process that is not this one. */
function liveOther(): number {
  const c = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
  children.push(c);
  return c.pid!;
}

/** The pid of a process that has ended. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

const config = () => resolveConfig(demoConfig, 'built-in demo', { days: 0.05 });

describe('the data directory lock', () => {
  it('is refused while a live process holds it, by name and pid; taken over from an ended one or from this one', () => {
    const dir = tmp();
    const other = liveOther();
    writeFileSync(join(dir, LOCK_FILE), `${other}\n`);
    expect(() => lockDataDir(dir)).toThrow(new DataDirBusyError(dir, other));
    expect(() => lockDataDir(dir)).toThrow(`${dir} is in use by another run (process ${other}): one run per data directory; wait for it to end, stop it (kill -INT ${other}), or use another --data-dir`);

    writeFileSync(join(dir, LOCK_FILE), `${deadPid()}\n`);
    const release = lockDataDir(dir);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(`${process.pid}\n`);
    // Its own: taken again (an in-process restart), and released once.
    lockDataDir(dir);
    release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);

    // A release does not remove a lock another process has taken since.
    const again = lockDataDir(dir);
    writeFileSync(join(dir, LOCK_FILE), `${other}\n`);
    again();
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(`${other}\n`);
  });

  it('a journalled run holds it from open to close; a second open meanwhile is refused and changes no byte', async () => {
    const dir = tmp();
    const first = DurableEngine.open(config(), { dataDir: dir, onWarning: () => {} });
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(`${process.pid}\n`);
    await first.start();
    first.engine.runUntil(first.engine.clock.now() + 10 * 60_000);
    first.detach();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);

    const other = liveOther();
    writeFileSync(join(dir, LOCK_FILE), `${other}\n`);
    const journal = readFileSync(join(dir, JOURNAL_FILE));
    expect(() => DurableEngine.open(config(), { dataDir: dir, resume: true, onWarning: () => {} })).toThrow(DataDirBusyError);
    expect(readFileSync(join(dir, JOURNAL_FILE)).equals(journal)).toBe(true);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(`${other}\n`);
  });

  it('legato run --resume while another run has the directory: exit 2, named, and the journal as it was', async () => {
    const dir = tmp();
    const d = DurableEngine.open(config(), { dataDir: dir, onWarning: () => {} });
    await d.start();
    d.engine.runUntil(d.engine.clock.now() + 10 * 60_000);
    d.detach();
    const other = liveOther();
    writeFileSync(join(dir, LOCK_FILE), `${other}\n`);
    const journal = readFileSync(join(dir, JOURNAL_FILE));
    const r = await cli(['run', '--days', '0.05', '--data-dir', dir, '--resume']);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`legato: ${dir} is in use by another run (process ${other}): one run per data directory; wait for it to end, stop it (kill -INT ${other}), or use another --data-dir\n`);
    expect(readFileSync(join(dir, JOURNAL_FILE)).equals(journal)).toBe(true);
  });

  it('a lock file that is a FIFO is an unreadable lock, taken over: the run goes ahead (was: it waited for a writer for ever)', async () => {
    const dir = tmp();
    execFileSync('mkfifo', [join(dir, LOCK_FILE)]);
    const p = proc(['run', '--days', '0.02', '--data-dir', dir]);
    const code = await exitWithin(p, 30_000);
    expect(code).toBe(0);
    expect(readJournal(join(dir, JOURNAL_FILE)).records.length).toBeGreaterThan(1);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });
});
