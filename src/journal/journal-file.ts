import { createHash } from 'node:crypto';
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { LegatoError } from '../domain/errors.js';

/**
 * The journal's file format (version 2): an append-only file of numbered, chained, checksummed records.
 *
 *   header  "LEGATO-JOURNAL 2\n"                                   (17 bytes)
 *   record  u32le length · u32le crc · u32le seq · check (8 bytes) · payload (UTF-8 JSON, `length` bytes)
 *
 *   crc    CRC-32 of seq · check · payload: the frame is whole and no byte of it flipped
 *   seq    1 for the file's first record, then one more for each record
 *   check  the first 8 bytes of SHA-256(previous record's check · seq as u32le · payload); the first record's
 *          previous check is 8 zero bytes. Each check covers every record before it.
 *
 * A record is good when its whole frame is in the file, its CRC-32 matches and its payload is JSON. Reading
 * stops at the first record that is not. If no good record follows it, the bad bytes are a torn tail (a write
 * the process did not finish): the reader reports it and opening the file for writing cuts it. If a good record
 * does follow, the damage is in the middle of the file: the journal is unreadable, naming the offset.
 *
 * A good record must also carry the next sequence number and a check that follows from the previous record's.
 * A record spliced out, repeated or moved, or altered with its CRC made to match, fails one of the two wherever
 * it is (a torn write cannot produce a whole frame with the wrong number or check): the journal is unreadable
 * at that record's offset (JournalChainError). Format 1 (without seq and check) is refused (JournalVersionError).
 */
export const JOURNAL_VERSION = 2;
export const JOURNAL_MAGIC = Buffer.from(`LEGATO-JOURNAL ${JOURNAL_VERSION}\n`, 'utf8');
/** Bytes before a record's payload: length, crc, seq, check. */
export const RECORD_FRAME_BYTES = 20;
const FRAME = RECORD_FRAME_BYTES;
const CHECK_BYTES = 8;
/** The check before a file's first record. */
const CHAIN_START = Buffer.alloc(CHECK_BYTES);
/** No record is larger than this (a larger length field is damage, not a record). */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;
const MAX_SEQ = 0xffffffff;

/** The journal cannot be read: bad header, or damage followed by good records. Names the file and the offset. */
export class JournalError extends LegatoError {
  override name = 'JournalError';
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`journal ${file} is unreadable at offset ${offset}: ${reason}`);
  }
}

/** A whole record is missing, repeated, moved or altered (its frame is good, its sequence number or check is not). */
export class JournalChainError extends JournalError {
  override name = 'JournalChainError';
}

/**
 * A record that is framed and chained well but does not hold what its kind must (a field missing or of the wrong
 * type, a snapshot whose actor tree the machines cannot take): an edit with the checks recomputed, another program,
 * a bug. Names the record's offset and number, and the field's path inside it (`field`, '' for the record itself).
 */
export class JournalRecordError extends JournalError {
  override name = 'JournalRecordError';
  constructor(
    file: string,
    offset: number,
    readonly seq: number,
    readonly field: string,
    reason: string,
  ) {
    super(file, offset, reason);
  }
}

/** The journal is in a format this version does not read (format 1, from before records were numbered and chained). */
export class JournalVersionError extends JournalError {
  override name = 'JournalVersionError';
  constructor(
    file: string,
    readonly version: number,
  ) {
    super(
      file,
      0,
      version < JOURNAL_VERSION
        ? `it is in format ${version} ("LEGATO-JOURNAL ${version}"), written by an earlier Legato without sequence numbers or chained checks, and this Legato reads format ${JOURNAL_VERSION} only: ` +
            'finish or read that run with the Legato that wrote it, and start new runs in another data directory (--data-dir)'
        : `it is in format ${version}, newer than this Legato reads (format ${JOURNAL_VERSION}): use the Legato that wrote it`,
    );
  }
}

/** The journal or its data directory cannot be used: permissions, a read-only or immutable file, the wrong file type. */
export class JournalAccessError extends LegatoError {
  override name = 'JournalAccessError';
  constructor(
    readonly path: string,
    /** The system error code (EACCES, EPERM, EISDIR, ENOTDIR, …). */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A file system error on the journal (`what` = "journal") or its data directory, as a JournalAccessError that
 * says what could not be done and why; anything that is not a system error is returned as it is.
 */
export function journalAccessError(path: string, e: unknown, doing: string, what = 'journal'): unknown {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (typeof code !== 'string') return e;
  const why: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted; is the file or its directory immutable (lsattr)?',
    EROFS: 'the file system is read-only',
    ENOTDIR: 'a part of the path is a file, not a directory',
    ENOENT: 'it does not exist',
    ENOSPC: 'no space left on the device',
  };
  if (code === 'EISDIR') return new JournalAccessError(path, code, `the ${what} ${path} is a directory, not a file`);
  return new JournalAccessError(path, code, `cannot ${doing} the ${what} ${path} (${code}): ${why[code] ?? (e as Error).message}`);
}

export interface JournalRecord {
  /** Byte offset of the record's frame. */
  offset: number;
  /** Offset just past it. */
  end: number;
  /** Its sequence number: 1 for the file's first record. */
  seq: number;
  value: unknown;
}

/** A torn or corrupt tail: everything from `offset` to the end of the file. */
export interface TailDamage {
  offset: number;
  /** Bytes from `offset` to the end of the file. */
  bytes: number;
  reason: string;
}

export interface JournalContents {
  file: string;
  records: JournalRecord[];
  /** Where the good records end (the header's end for an empty journal). */
  goodEnd: number;
  damage: TailDamage | null;
  /** The last good record's sequence number and check (0 and zeros for an empty journal): where appending continues. */
  lastSeq: number;
  lastCheck: Buffer;
}

/** The chained check of a record: the first 8 bytes of SHA-256(previous check · seq · payload). */
export function chainCheck(previous: Buffer, seq: number, payload: Buffer): Buffer {
  const n = Buffer.allocUnsafe(4);
  n.writeUInt32LE(seq, 0);
  return createHash('sha256').update(previous).update(n).update(payload).digest().subarray(0, CHECK_BYTES);
}

type Frame = { value: unknown; end: number; seq: number; check: Buffer; payload: Buffer };

/** Why the record at `offset` is not good, or the record when it is. */
function frameAt(buf: Buffer, offset: number): { reason: string } | Frame {
  const left = buf.length - offset;
  if (left < FRAME) return { reason: `a record header needs ${FRAME} bytes, ${left} left (truncated)` };
  const length = buf.readUInt32LE(offset);
  const crc = buf.readUInt32LE(offset + 4);
  if (length > MAX_RECORD_BYTES) return { reason: `record length ${length} is beyond the limit of ${MAX_RECORD_BYTES}` };
  if (length > left - FRAME) return { reason: `record of ${length} bytes, only ${left - FRAME} left (truncated)` };
  const end = offset + FRAME + length;
  if (crc32(buf.subarray(offset + 8, end)) !== crc) return { reason: 'checksum mismatch' };
  const payload = buf.subarray(offset + FRAME, end);
  try {
    return { value: JSON.parse(payload.toString('utf8')), end, seq: buf.readUInt32LE(offset + 8), check: buf.subarray(offset + 12, offset + FRAME), payload };
  } catch {
    return { reason: 'checksum matches but the payload is not JSON' };
  }
}

/** The offset of the first good record after `from`, if any (a plausible length, the CRC and JSON all agree). */
function nextGoodRecord(buf: Buffer, from: number): number | undefined {
  for (let p = from; p + FRAME < buf.length; p++) {
    const length = buf.readUInt32LE(p);
    if (length < 2 || length > buf.length - p - FRAME) continue;
    if (buf[p + FRAME] !== 0x7b /* { */) continue;
    if ('value' in frameAt(buf, p)) return p;
  }
  return undefined;
}

/** The header's format version, or a JournalError when the file does not start with a journal header. */
function versionOf(file: string, buf: Buffer): number {
  // No leading zeros: "LEGATO-JOURNAL 2\n" is the one header of format 2.
  const m = /^LEGATO-JOURNAL ([1-9]\d{0,5})\n/.exec(buf.subarray(0, 32).toString('latin1'));
  if (!m) {
    const got = JSON.stringify(buf.subarray(0, JOURNAL_MAGIC.length).toString('latin1'));
    throw new JournalError(file, 0, `not a Legato journal (the header should be "LEGATO-JOURNAL ${JOURNAL_VERSION}", got ${got})`);
  }
  return Number(m[1]);
}

/**
 * Reads a whole journal. Throws JournalError when it is unreadable (JournalChainError for a record missing,
 * repeated, moved or altered; JournalVersionError for another format), JournalAccessError when the file
 * cannot be read; reports a torn tail in `damage`.
 */
export function readJournal(file: string): JournalContents {
  let buf: Buffer;
  try {
    const st = statSync(file);
    // A directory fails the read (EISDIR); a FIFO would block it forever, and a device is no journal.
    if (!st.isFile() && !st.isDirectory()) throw new JournalAccessError(file, 'EINVAL', `the journal ${file} is not a regular file`);
    buf = readFileSync(file);
  } catch (e) {
    throw e instanceof JournalAccessError ? e : journalAccessError(file, e, 'read');
  }
  // Empty, or a header cut short: the file was created and its header never fully written (a crash in between).
  // Nothing was journalled in it; it is a torn tail like any other, cut back (to nothing) and written anew.
  if (buf.length < JOURNAL_MAGIC.length && JOURNAL_MAGIC.subarray(0, buf.length).equals(buf)) {
    return { file, records: [], goodEnd: 0, damage: buf.length === 0 ? null : { offset: 0, bytes: buf.length, reason: `the header is cut short (${buf.length} of ${JOURNAL_MAGIC.length} bytes)` }, lastSeq: 0, lastCheck: Buffer.from(CHAIN_START) };
  }
  const version = versionOf(file, buf);
  if (version !== JOURNAL_VERSION) throw new JournalVersionError(file, version);
  const records: JournalRecord[] = [];
  let offset = JOURNAL_MAGIC.length;
  let seq = 0;
  let check: Buffer = CHAIN_START;
  while (offset < buf.length) {
    const r = frameAt(buf, offset);
    if ('reason' in r) {
      const next = nextGoodRecord(buf, offset + 1);
      if (next !== undefined) throw new JournalError(file, offset, `${r.reason}, and a good record follows at offset ${next}, so this is damage inside the journal, not a torn tail`);
      return { file, records, goodEnd: offset, damage: { offset, bytes: buf.length - offset, reason: r.reason }, lastSeq: seq, lastCheck: Buffer.from(check) };
    }
    if (r.seq > seq + 1) {
      const missing = r.seq - seq - 1;
      throw new JournalChainError(file, offset, `sequence gap: record ${seq + 1} expected, record ${r.seq} found (${missing} record${missing === 1 ? '' : 's'} missing before it)`);
    }
    if (r.seq <= seq) throw new JournalChainError(file, offset, `sequence out of order: record ${seq + 1} expected, record ${r.seq} found again (a repeated or moved record)`);
    if (!chainCheck(check, r.seq, r.payload).equals(r.check)) {
      throw new JournalChainError(file, offset, `chain mismatch: record ${r.seq}'s check does not follow from the records before it, so it was altered or replaced (its CRC-32 matches)`);
    }
    records.push({ offset, end: r.end, seq: r.seq, value: r.value });
    seq = r.seq;
    check = r.check;
    offset = r.end;
  }
  return { file, records, goodEnd: offset, damage: null, lastSeq: seq, lastCheck: Buffer.from(check) };
}

/** One record's bytes (frame and payload), numbered `seq` and chained to the previous record's check. */
export function encodeRecord(value: unknown, seq: number, previous: Buffer): Buffer {
  const payload = Buffer.from(JSON.stringify(value), 'utf8');
  if (payload.length > MAX_RECORD_BYTES) throw new LegatoError(`a journal record of ${payload.length} bytes is beyond the limit of ${MAX_RECORD_BYTES}`);
  const out = Buffer.allocUnsafe(FRAME + payload.length);
  out.writeUInt32LE(payload.length, 0);
  out.writeUInt32LE(seq, 8);
  chainCheck(previous, seq, payload).copy(out, 12);
  payload.copy(out, FRAME);
  out.writeUInt32LE(crc32(out.subarray(8)), 4);
  return out;
}

/**
 * Appends records to a journal file, numbering and chaining them after the file's last good record. Each
 * `append` is one write of every record it is given; with `sync` it is fsync'd before it returns, so whatever
 * the caller does next (send an order) happens after the records are on disk.
 */
export class JournalWriter {
  private constructor(
    readonly file: string,
    private fd: number | null,
    private position: number,
    private seq: number,
    private check: Buffer,
  ) {}

  /**
   * Opens a journal for appending after its last good record (`contents`, as read; read here when not given),
   * cutting a torn tail; creates it with its header when it does not exist. A file or directory that cannot be
   * written is a JournalAccessError.
   */
  static open(file: string, contents?: JournalContents): JournalWriter {
    if (!contents && !existsSync(file)) {
      let fd: number;
      try {
        fd = openSync(file, 'wx');
      } catch (e) {
        throw journalAccessError(file, e, 'create');
      }
      return JournalWriter.withHeader(file, fd);
    }
    const at = contents ?? readJournal(file);
    let fd: number;
    try {
      fd = openSync(file, 'r+');
    } catch (e) {
      throw journalAccessError(file, e, 'write to');
    }
    try {
      if (fstatSync(fd).size > at.goodEnd) {
        ftruncateSync(fd, at.goodEnd);
        fsyncSync(fd);
      }
    } catch (e) {
      closeSync(fd);
      throw journalAccessError(file, e, 'cut the torn tail of');
    }
    // A file whose header never got written whole (see readJournal): the header first.
    if (at.goodEnd < JOURNAL_MAGIC.length) return JournalWriter.withHeader(file, fd);
    return new JournalWriter(file, fd, at.goodEnd, at.lastSeq, at.lastCheck);
  }

  /** Writes the header at the start of an empty file, synced, and appends after it. */
  private static withHeader(file: string, fd: number): JournalWriter {
    try {
      writeSync(fd, JOURNAL_MAGIC, 0, JOURNAL_MAGIC.length, 0);
      fsyncSync(fd);
    } catch (e) {
      closeSync(fd);
      throw journalAccessError(file, e, 'write to');
    }
    return new JournalWriter(file, fd, JOURNAL_MAGIC.length, 0, CHAIN_START);
  }

  /** Bytes written so far (the offset the next record gets). */
  get offset(): number {
    return this.position;
  }

  /** The last record's sequence number (0 before the first). */
  get lastSeq(): number {
    return this.seq;
  }

  append(values: readonly unknown[], sync: boolean): void {
    if (this.fd === null) throw new LegatoError(`journal ${this.file} is closed`);
    if (values.length === 0) return;
    if (this.seq + values.length > MAX_SEQ) throw new LegatoError(`journal ${this.file} is full: ${MAX_SEQ} records is the most a file numbers`);
    let seq = this.seq;
    let check = this.check;
    const parts = values.map((v) => {
      const b = encodeRecord(v, ++seq, check);
      check = b.subarray(12, FRAME);
      return b;
    });
    const buf = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    let done = 0;
    while (done < buf.length) done += writeSync(this.fd, buf, done, buf.length - done, this.position + done);
    // Only once the bytes are written do the next records chain to them.
    this.position += buf.length;
    this.seq = seq;
    this.check = Buffer.from(check);
    if (sync) fsyncSync(this.fd);
  }

  sync(): void {
    if (this.fd !== null) fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd === null) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = null;
  }
}
