import { closeSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { LegatoError } from '../domain/errors.js';
import { readRegularFile } from '../io/read-file.js';
import { journalAccessError } from './journal-file.js';

/** The file that says which process has a data directory: its pid. */
export const LOCK_FILE = 'journal.lock';

/** Another process has the data directory: two runs writing one journal would leave it unreadable. */
export class DataDirBusyError extends LegatoError {
  override name = 'DataDirBusyError';
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(`${dir} is in use by another run (process ${pid}): one run per data directory; wait for it to end, stop it (kill -INT ${pid}), or use another --data-dir`);
  }
}

/**
 * Takes `dir` (an existing directory) for this process: `<dir>/journal.lock`, created exclusively, holds its pid.
 * A lock left by a process that no longer exists (killed) is taken over; one held by this process is too (a host
 * that reopens its own directory, an in-process restart). Returns the release, which removes the file if it is
 * still this process's. Throws DataDirBusyError when a live process holds it, a JournalAccessError when the file
 * cannot be made.
 */
export function lockDataDir(dir: string): () => void {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      return () => release(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw journalAccessError(path, e, 'create', 'lock file');
    }
    const pid = holder(path);
    if (pid !== undefined && pid !== process.pid && alive(pid)) throw new DataDirBusyError(dir, pid);
    // Stale (its process is gone), unreadable, or ours: taken over.
    try {
      unlinkSync(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw journalAccessError(path, e, 'remove the stale', 'lock file');
    }
  }
}

/**
 * The pid a lock file names, if it names one: read only as a regular file of at most 64 bytes, opened without
 * blocking (a FIFO there waited for a writer for ever; anything else names no pid, and is taken over).
 */
function holder(path: string): number | undefined {
  try {
    const pid = Number(readRegularFile(path, 64).toString('utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a process with this pid exists (one this user may not signal exists too). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function release(path: string): void {
  try {
    if (holder(path) === process.pid) unlinkSync(path);
  } catch {
    // gone already, or the directory with it: nothing to release
  }
}
