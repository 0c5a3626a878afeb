import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { LegatoError } from '../domain/errors.js';

/**
 * The journal's file format: an append-only file of checksummed records.
 *
 *   header  "LEGATO-JOURNAL 1\n"                     (17 bytes)
 *   record  u32le length · u32le crc32(payload) · payload (UTF-8 JSON, `length` bytes)
 *
 * A record is good when its whole frame is in the file, its CRC-32 matches and its payload is JSON. Reading
 * stops at the first bad record. If no good record follows it, the bad bytes are a torn tail (a write the
 * process did not finish): the reader reports it and `cutTail` drops it. If a good record does follow, the
 * damage is in the middle of the file: the journal is unreadable and opening it fails, naming the offset.
 */
export const JOURNAL_MAGIC = Buffer.from('LEGATO-JOURNAL 1\n', 'utf8');
const FRAME = 8;
/** No record is larger than this (a larger length field is damage, not a record). */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;

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

export interface JournalRecord {
  /** Byte offset of the record's frame. */
  offset: number;
  /** Offset just past it. */
  end: number;
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
}

/** Why the record at `offset` is not good, or null when it is (then `value` holds it). */
function check(buf: Buffer, offset: number): { reason: string } | { value: unknown; end: number } {
  const left = buf.length - offset;
  if (left < FRAME) return { reason: `a record header needs ${FRAME} bytes, ${left} left (truncated)` };
  const length = buf.readUInt32LE(offset);
  const crc = buf.readUInt32LE(offset + 4);
  if (length > MAX_RECORD_BYTES) return { reason: `record length ${length} is beyond the limit of ${MAX_RECORD_BYTES}` };
  if (length > left - FRAME) return { reason: `record of ${length} bytes, only ${left - FRAME} left (truncated)` };
  const payload = buf.subarray(offset + FRAME, offset + FRAME + length);
  if (crc32(payload) !== crc) return { reason: 'checksum mismatch' };
  try {
    return { value: JSON.parse(payload.toString('utf8')), end: offset + FRAME + length };
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
    if ('value' in check(buf, p)) return p;
  }
  return undefined;
}

/** Reads a whole journal. Throws JournalError when it is unreadable; reports a torn tail in `damage`. */
export function readJournal(file: string): JournalContents {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw new JournalError(file, 0, `cannot be read (${(e as Error).message})`);
  }
  if (buf.length < JOURNAL_MAGIC.length || !buf.subarray(0, JOURNAL_MAGIC.length).equals(JOURNAL_MAGIC)) {
    const got = JSON.stringify(buf.subarray(0, JOURNAL_MAGIC.length).toString('latin1'));
    throw new JournalError(file, 0, `not a Legato journal (the header should be "LEGATO-JOURNAL 1", got ${got})`);
  }
  const records: JournalRecord[] = [];
  let offset = JOURNAL_MAGIC.length;
  while (offset < buf.length) {
    const r = check(buf, offset);
    if ('reason' in r) {
      const next = nextGoodRecord(buf, offset + 1);
      if (next !== undefined) throw new JournalError(file, offset, `${r.reason}, and a good record follows at offset ${next}, so this is damage inside the journal, not a torn tail`);
      return { file, records, goodEnd: offset, damage: { offset, bytes: buf.length - offset, reason: r.reason } };
    }
    records.push({ offset, end: r.end, value: r.value });
    offset = r.end;
  }
  return { file, records, goodEnd: offset, damage: null };
}

/** One record's bytes: frame and payload. */
export function encodeRecord(value: unknown): Buffer {
  const payload = Buffer.from(JSON.stringify(value), 'utf8');
  const frame = Buffer.allocUnsafe(FRAME);
  frame.writeUInt32LE(payload.length, 0);
  frame.writeUInt32LE(crc32(payload), 4);
  return Buffer.concat([frame, payload]);
}

/**
 * Appends records to a journal file. Each `append` is one write of every record it is given; with `sync` it
 * is fsync'd before it returns, so whatever the caller does next (send an order) happens after the records
 * are on disk.
 */
export class JournalWriter {
  private constructor(
    readonly file: string,
    private fd: number | null,
    private position: number,
  ) {}

  /** Opens a journal for appending at `end` (creating it with its header when it does not exist). */
  static open(file: string, end?: number): JournalWriter {
    if (!existsSync(file)) {
      const fd = openSync(file, 'w');
      writeSync(fd, JOURNAL_MAGIC, 0, JOURNAL_MAGIC.length, 0);
      fsyncSync(fd);
      return new JournalWriter(file, fd, JOURNAL_MAGIC.length);
    }
    const fd = openSync(file, 'r+');
    const size = fstatSync(fd).size;
    const at = end ?? size;
    if (at < size) ftruncateSync(fd, at);
    return new JournalWriter(file, fd, at);
  }

  /** Bytes written so far (the offset the next record gets). */
  get offset(): number {
    return this.position;
  }

  append(values: readonly unknown[], sync: boolean): void {
    if (this.fd === null) throw new LegatoError(`journal ${this.file} is closed`);
    if (values.length === 0) return;
    const buf = values.length === 1 ? encodeRecord(values[0]) : Buffer.concat(values.map(encodeRecord));
    let done = 0;
    while (done < buf.length) done += writeSync(this.fd, buf, done, buf.length - done, this.position + done);
    this.position += buf.length;
    if (sync) fsyncSync(this.fd);
  }

  /** Drops everything from `offset` on (a torn tail, or records a resume replays). */
  cut(offset: number): void {
    if (this.fd === null) throw new LegatoError(`journal ${this.file} is closed`);
    ftruncateSync(this.fd, offset);
    fsyncSync(this.fd);
    this.position = offset;
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
