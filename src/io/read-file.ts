/**
 * Reading a file a user named (a recording, a credentials or key file, a funding table, a pid file): a regular
 * file of a bounded size only. Opened without blocking, so a FIFO is refused instead of waiting for a writer
 * for ever, and checked on the descriptor opened (no swap between a check and the read); a device (/dev/zero)
 * or a file over the bound is refused before a byte is read, not read until the heap runs out.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { LegatoError } from '../domain/errors.js';

/**
 * Why a file could not be read. `code` EINVAL (not a regular file) or EFBIG (over the bound): the message says
 * what is wrong with it ("is a FIFO, not a regular file"), for the caller to name the file; otherwise the
 * system's error, its code and message ("ENOENT: no such file or directory, open '…'").
 */
export class FileReadError extends LegatoError {
  override name = 'FileReadError';
  constructor(
    readonly reason: string,
    readonly code: string,
  ) {
    super(reason);
  }
}

const kind = (st: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string =>
  st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO' : st.isSocket() ? 'a socket' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : 'not a file';

/**
 * The bytes of `file`, a regular file of at most `maxBytes`. Throws FileReadError: not there or not readable
 * (the system's code: ENOENT, EACCES, …), not a regular file, or larger than `maxBytes` (checked before reading, and
 * again while reading: a file growing meanwhile is read no further than the bound).
 */
export function readRegularFile(file: string, maxBytes: number): Buffer {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    throw new FileReadError((e as Error).message, (e as NodeJS.ErrnoException).code ?? 'EIO');
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new FileReadError(`is ${kind(st)}, not a regular file`, 'EINVAL');
    const tooBig = (): FileReadError => new FileReadError(`is more than ${maxBytes.toLocaleString('en-US')} bytes, the most read`, 'EFBIG');
    if (st.size > maxBytes) throw tooBig();
    // Its size, and then to its end in chunks (a file may grow while it is read), up to one byte past the bound.
    const chunks: Buffer[] = [];
    let total = 0;
    for (let size = st.size + 1; total <= maxBytes; size = 1 << 20) {
      const buf = Buffer.alloc(Math.min(size, maxBytes + 1 - total));
      const got = readSync(fd, buf, 0, buf.length, total);
      if (got === 0) break;
      chunks.push(buf.subarray(0, got));
      total += got;
    }
    if (total > maxBytes) throw tooBig();
    return Buffer.concat(chunks, total);
  } catch (e) {
    if (e instanceof FileReadError) throw e;
    throw new FileReadError((e as Error).message, (e as NodeJS.ErrnoException).code ?? 'EIO');
  } finally {
    closeSync(fd);
  }
}
