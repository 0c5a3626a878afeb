import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  JOURNAL_MAGIC,
  JournalAccessError,
  JournalChainError,
  JournalError,
  JournalVersionError,
  JournalWriter,
  RECORD_FRAME_BYTES,
  chainCheck,
  encodeRecord,
  readJournal,
} from '../../src/journal/journal-file.js';

function journalWith(values: unknown[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'legato-jf-')), 'journal.lgj');
  const w = JournalWriter.open(file);
  for (const v of values) w.append([v], false);
  w.close();
  return file;
}

/** What `fn` throws. */
function thrown(fn: () => unknown): Error | undefined {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  return undefined;
}

const three = [{ kind: 'a', n: 1 }, { kind: 'b', n: 2 }, { kind: 'c', n: 3 }];
const sizes = three.map((v) => RECORD_FRAME_BYTES + Buffer.byteLength(JSON.stringify(v)));
const H = JOURNAL_MAGIC.length;
/** Offsets of the three records. */
const at = [H, H + sizes[0]!, H + sizes[0]! + sizes[1]!];
const isRoot = process.getuid?.() === 0;

describe('the journal file: numbered, chained, CRC-32 framed JSON records', () => {
  it('reads back what was appended, with each record offset and sequence number', () => {
    const file = journalWith(three);
    const j = readJournal(file);
    expect(readFileSync(file).subarray(0, H).toString()).toBe('LEGATO-JOURNAL 2\n');
    expect(j.records.map((r) => r.value)).toEqual(three);
    expect(j.records.map((r) => r.offset)).toEqual(at);
    expect(j.records.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(j.goodEnd).toBe(statSync(file).size);
    expect(j.damage).toBeNull();
    expect(j.lastSeq).toBe(3);
  });

  it('frames a record as length, CRC-32, seq and the first 8 bytes of SHA-256(previous check · seq · payload)', () => {
    const first = encodeRecord({ kind: 'a', n: 1 }, 1, Buffer.alloc(8));
    const payload = Buffer.from('{"kind":"a","n":1}');
    expect(first.readUInt32LE(0)).toBe(payload.length);
    expect(first.readUInt32LE(8)).toBe(1);
    expect(first.subarray(12, 20)).toEqual(chainCheck(Buffer.alloc(8), 1, payload));
    expect(first.readUInt32LE(4)).toBe(crc32(first.subarray(8)));
    expect(first.subarray(20)).toEqual(payload);
    // The check of record 2 depends on record 1's: the same payload chained after another record differs.
    const second = encodeRecord({ kind: 'b', n: 2 }, 2, first.subarray(12, 20));
    expect(second.subarray(12, 20)).not.toEqual(encodeRecord({ kind: 'b', n: 2 }, 2, Buffer.alloc(8)).subarray(12, 20));
    // The writer's bytes are exactly these.
    const file = journalWith(three.slice(0, 2));
    expect(readFileSync(file).subarray(H, H + first.length)).toEqual(first);
  });

  it('reports a truncated last record as a torn tail at its offset, keeping the records before it', () => {
    const file = journalWith(three);
    const size = statSync(file).size;
    truncateSync(file, size - 5);
    const j = readJournal(file);
    expect(j.records.map((r) => r.value)).toEqual(three.slice(0, 2));
    expect(j.damage).toEqual({ offset: at[2], bytes: sizes[2]! - 5, reason: `record of ${sizes[2]! - 20} bytes, only ${sizes[2]! - 25} left (truncated)` });
    expect(j.goodEnd).toBe(at[2]);
    expect(j.lastSeq).toBe(2);
  });

  it('reports a torn record header (fewer than 20 bytes) as a torn tail', () => {
    const file = journalWith(three);
    appendFileSync(file, Buffer.from([1, 2, 3]));
    const j = readJournal(file);
    expect(j.records).toHaveLength(3);
    expect(j.damage).toEqual({ offset: statSync(file).size - 3, bytes: 3, reason: 'a record header needs 20 bytes, 3 left (truncated)' });
  });

  it('detects a flipped byte in the last record by its checksum', () => {
    const file = journalWith(three);
    const buf = readFileSync(file);
    buf[buf.length - 3]! ^= 0x20;
    writeFileSync(file, buf);
    const j = readJournal(file);
    expect(j.records).toHaveLength(2);
    expect(j.damage?.reason).toBe('checksum mismatch');
    expect(j.damage?.offset).toBe(at[2]);
  });

  it('refuses damage in the middle (a good record follows), naming the file and the offset', () => {
    const file = journalWith(three);
    const buf = readFileSync(file);
    buf[at[1]! + 22]! ^= 0x01;
    writeFileSync(file, buf);
    expect(() => readJournal(file)).toThrow(JournalError);
    expect(() => readJournal(file)).toThrow(`journal ${file} is unreadable at offset ${at[1]}: checksum mismatch, and a good record follows at offset ${at[2]}`);
  });

  it('refuses a file without the journal header, at offset 0', () => {
    const file = journalWith(three);
    const buf = readFileSync(file);
    buf[0] = 0x58;
    writeFileSync(file, buf);
    expect(() => readJournal(file)).toThrow(`journal ${file} is unreadable at offset 0: not a Legato journal (the header should be "LEGATO-JOURNAL 2", got "XEGATO-JOURNAL 2\\n")`);
    const e = thrown(() => readJournal(file)) as JournalError;
    expect([e.file, e.offset]).toEqual([file, 0]);
  });

  it('an empty file, or one whose header a crash cut short, is a journal with nothing in it: opened, the header is written anew', () => {
    for (const bytes of [0, 7, JOURNAL_MAGIC.length - 1]) {
      const file = join(mkdtempSync(join(tmpdir(), 'legato-journal-')), 'j.lgj');
      writeFileSync(file, JOURNAL_MAGIC.subarray(0, bytes));
      const contents = readJournal(file);
      expect(contents.records).toEqual([]);
      expect(contents.damage).toEqual(bytes === 0 ? null : { offset: 0, bytes, reason: `the header is cut short (${bytes} of ${JOURNAL_MAGIC.length} bytes)` });
      const w = JournalWriter.open(file, contents);
      w.append([{ kind: 'a' }, { kind: 'b' }], true);
      w.close();
      expect(readJournal(file).records.map((r) => r.value)).toEqual([{ kind: 'a' }, { kind: 'b' }]);
      expect(readFileSync(file).subarray(0, JOURNAL_MAGIC.length).equals(JOURNAL_MAGIC)).toBe(true);
    }
    // A short file that is not the header's beginning is still no journal.
    const other = join(mkdtempSync(join(tmpdir(), 'legato-journal-')), 'j.lgj');
    writeFileSync(other, 'LEGATO-X');
    expect(() => readJournal(other)).toThrow('not a Legato journal');
  });

  it('opening for append at the good end cuts a torn tail, and later records follow the good ones in sequence and chain', () => {
    const file = journalWith(three);
    truncateSync(file, statSync(file).size - 1);
    const j = readJournal(file);
    const w = JournalWriter.open(file, j);
    expect([w.offset, w.lastSeq]).toEqual([at[2], 2]);
    w.append([{ kind: 'd', n: 4 }], true);
    w.close();
    const again = readJournal(file);
    expect(again.records.map((r) => r.value)).toEqual([...three.slice(0, 2), { kind: 'd', n: 4 }]);
    expect(again.records.map((r) => r.seq)).toEqual([1, 2, 3]);
    // Opening without contents reads the file itself and continues the chain.
    const w2 = JournalWriter.open(file);
    w2.append([{ kind: 'e' }, { kind: 'f' }], false);
    w2.close();
    expect(readJournal(file).records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('the journal file: a whole record missing, repeated or altered', () => {
  /** The journal's bytes with the records rearranged: `order` lists record indexes (0-based) in their new order. */
  function rearranged(file: string, order: number[]): Buffer {
    const buf = readFileSync(file);
    const recs = at.map((o, i) => buf.subarray(o, o + sizes[i]!));
    return Buffer.concat([buf.subarray(0, H), ...order.map((i) => recs[i]!)]);
  }

  it('refuses a middle record spliced out with valid framing (a sequence gap), at the offset of the record after the gap', () => {
    const file = journalWith(three);
    writeFileSync(file, rearranged(file, [0, 2]));
    const e = thrown(() => readJournal(file));
    expect(e).toBeInstanceOf(JournalChainError);
    expect(e?.message).toBe(`journal ${file} is unreadable at offset ${at[1]}: sequence gap: record 2 expected, record 3 found (1 record missing before it)`);
    expect([(e as JournalChainError).file, (e as JournalChainError).offset]).toEqual([file, at[1]]);
  });

  it('refuses a record altered inside with its CRC made to match, by the chain', () => {
    const file = journalWith(three);
    const buf = readFileSync(file);
    // Record 2's payload {"kind":"b","n":2} becomes {"kind":"b","n":7}: still JSON, the frame CRC recomputed.
    const digit = at[1]! + RECORD_FRAME_BYTES + '{"kind":"b","n":'.length;
    expect(String.fromCharCode(buf[digit]!)).toBe('2');
    buf[digit] = '7'.charCodeAt(0);
    buf.writeUInt32LE(crc32(buf.subarray(at[1]! + 8, at[2]!)), at[1]! + 4);
    writeFileSync(file, buf);
    expect(() => readJournal(file)).toThrow(
      new JournalChainError(file, at[1]!, "chain mismatch: record 2's check does not follow from the records before it, so it was altered or replaced (its CRC-32 matches)"),
    );
    expect(thrown(() => readJournal(file))?.message).toBe(
      `journal ${file} is unreadable at offset ${at[1]}: chain mismatch: record 2's check does not follow from the records before it, so it was altered or replaced (its CRC-32 matches)`,
    );
  });

  it('refuses the last record altered with its CRC made to match: it is not a torn tail', () => {
    const file = journalWith(three);
    const buf = readFileSync(file);
    const digit = at[2]! + RECORD_FRAME_BYTES + '{"kind":"c","n":'.length;
    buf[digit] = '9'.charCodeAt(0);
    buf.writeUInt32LE(crc32(buf.subarray(at[2]! + 8)), at[2]! + 4);
    writeFileSync(file, buf);
    expect(thrown(() => readJournal(file))?.message).toBe(
      `journal ${file} is unreadable at offset ${at[2]}: chain mismatch: record 3's check does not follow from the records before it, so it was altered or replaced (its CRC-32 matches)`,
    );
  });

  it('refuses a record spliced out and the next renumbered (seq and CRC fixed), by the chain', () => {
    const file = journalWith(three);
    const buf = rearranged(file, [0, 2]);
    buf.writeUInt32LE(2, at[1]! + 8);
    buf.writeUInt32LE(crc32(buf.subarray(at[1]! + 8)), at[1]! + 4);
    writeFileSync(file, buf);
    expect(thrown(() => readJournal(file))?.message).toBe(
      `journal ${file} is unreadable at offset ${at[1]}: chain mismatch: record 2's check does not follow from the records before it, so it was altered or replaced (its CRC-32 matches)`,
    );
  });

  it('refuses a duplicated record, at the offset of the copy', () => {
    const file = journalWith(three);
    writeFileSync(file, rearranged(file, [0, 1, 1, 2]));
    const e = thrown(() => readJournal(file));
    expect(e).toBeInstanceOf(JournalChainError);
    expect(e?.message).toBe(`journal ${file} is unreadable at offset ${at[2]}: sequence out of order: record 3 expected, record 2 found again (a repeated or moved record)`);
  });

  it('refuses the last record duplicated at the end, and two records swapped', () => {
    const file = journalWith(three);
    writeFileSync(file, rearranged(file, [0, 1, 2, 2]));
    const end = at[2]! + sizes[2]!;
    expect(thrown(() => readJournal(file))?.message).toBe(`journal ${file} is unreadable at offset ${end}: sequence out of order: record 4 expected, record 3 found again (a repeated or moved record)`);
    const other = journalWith(three);
    writeFileSync(other, rearranged(other, [0, 2, 1]));
    expect(thrown(() => readJournal(other))?.message).toBe(`journal ${other} is unreadable at offset ${at[1]}: sequence gap: record 2 expected, record 3 found (1 record missing before it)`);
  });

  it('refuses a format 1 journal (no sequence numbers or chain) at offset 0, saying how to proceed', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'legato-jf-')), 'journal.lgj');
    // Format 1: "LEGATO-JOURNAL 1\n", then u32le length · u32le crc32(payload) · payload.
    const v1 = (v: unknown): Buffer => {
      const payload = Buffer.from(JSON.stringify(v));
      const frame = Buffer.alloc(8);
      frame.writeUInt32LE(payload.length, 0);
      frame.writeUInt32LE(crc32(payload), 4);
      return Buffer.concat([frame, payload]);
    };
    writeFileSync(file, Buffer.concat([Buffer.from('LEGATO-JOURNAL 1\n'), ...three.map(v1)]));
    const e = thrown(() => readJournal(file));
    expect(e).toBeInstanceOf(JournalVersionError);
    expect(e).toBeInstanceOf(JournalError);
    expect(e?.message).toBe(
      `journal ${file} is unreadable at offset 0: it is in format 1 ("LEGATO-JOURNAL 1"), written by an earlier Legato without sequence numbers or chained checks, ` +
        'and this Legato reads format 2 only: finish or read that run with the Legato that wrote it, and start new runs in another data directory (--data-dir)',
    );
    expect((e as JournalVersionError).version).toBe(1);
    // Nor is it appended to.
    const before = readFileSync(file);
    expect(() => JournalWriter.open(file)).toThrow(JournalVersionError);
    expect(readFileSync(file)).toEqual(before);
    writeFileSync(file, 'LEGATO-JOURNAL 3\n');
    expect(thrown(() => readJournal(file))?.message).toBe(`journal ${file} is unreadable at offset 0: it is in format 3, newer than this Legato reads (format 2): use the Legato that wrote it`);
  });
});

describe('the journal file: file types and permissions', () => {
  it('a journal path that is a directory is a named error, for reading and for writing', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'legato-jf-')), 'journal.lgj');
    mkdirSync(file);
    const e = thrown(() => readJournal(file));
    expect(e).toBeInstanceOf(JournalAccessError);
    expect(e?.message).toBe(`the journal ${file} is a directory, not a file`);
    expect((e as JournalAccessError).code).toBe('EISDIR');
    expect(thrown(() => JournalWriter.open(file))?.message).toBe(`the journal ${file} is a directory, not a file`);
  });

  it.skipIf(process.platform === 'win32')('a journal that is a named pipe is refused without blocking on it', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'legato-jf-')), 'journal.lgj');
    execFileSync('mkfifo', [file]);
    expect(thrown(() => readJournal(file))?.message).toBe(`the journal ${file} is not a regular file`);
  });

  it('a journal in a "directory" that is a file cannot be created: a named error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'legato-jf-'));
    writeFileSync(join(dir, 'data'), 'x');
    const file = join(dir, 'data', 'journal.lgj');
    const e = thrown(() => JournalWriter.open(file));
    expect(e).toBeInstanceOf(JournalAccessError);
    expect(e?.message).toBe(`cannot create the journal ${file} (ENOTDIR): a part of the path is a file, not a directory`);
  });

  it('a read-only journal cannot be opened for appending: a named error, and the file is unchanged', (ctx) => {
    ctx.skip(isRoot, 'running as root: root may write a read-only (0444) file, so there is no refusal to see');
    const file = journalWith(three);
    appendFileSync(file, Buffer.from([1, 2, 3])); // a torn tail the writer would cut
    const before = readFileSync(file);
    chmodSync(file, 0o444);
    const e = thrown(() => JournalWriter.open(file));
    expect(e).toBeInstanceOf(JournalAccessError);
    expect(e?.message).toBe(`cannot write to the journal ${file} (EACCES): permission denied`);
    expect(readFileSync(file)).toEqual(before);
  });
});
