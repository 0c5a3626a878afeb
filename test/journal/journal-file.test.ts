import { appendFileSync, mkdtempSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JOURNAL_MAGIC, JournalError, JournalWriter, encodeRecord, readJournal } from '../../src/journal/journal-file.js';

function journalWith(values: unknown[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'legato-jf-')), 'journal.lgj');
  const w = JournalWriter.open(file);
  for (const v of values) w.append([v], false);
  w.close();
  return file;
}

const three = [{ kind: 'a', n: 1 }, { kind: 'b', n: 2 }, { kind: 'c', n: 3 }];
const sizes = three.map((v) => encodeRecord(v).length);
const H = JOURNAL_MAGIC.length;

describe('the journal file: length + CRC-32 framed JSON records', () => {
  it('reads back what was appended, with each record offset', () => {
    const file = journalWith(three);
    const j = readJournal(file);
    expect(j.records.map((r) => r.value)).toEqual(three);
    expect(j.records.map((r) => r.offset)).toEqual([H, H + sizes[0]!, H + sizes[0]! + sizes[1]!]);
    expect(j.goodEnd).toBe(statSync(file).size);
    expect(j.damage).toBeNull();
  });

  it('reports a truncated last record as a torn tail at its offset, keeping the records before it', () => {
    const file = journalWith(three);
    const size = statSync(file).size;
    truncateSync(file, size - 5);
    const j = readJournal(file);
    expect(j.records.map((r) => r.value)).toEqual(three.slice(0, 2));
    const at = H + sizes[0]! + sizes[1]!;
    expect(j.damage).toEqual({ offset: at, bytes: sizes[2]! - 5, reason: `record of ${sizes[2]! - 8} bytes, only ${sizes[2]! - 13} left (truncated)` });
    expect(j.goodEnd).toBe(at);
  });

  it('reports a torn record header (fewer than 8 bytes) as a torn tail', () => {
    const file = journalWith(three);
    appendFileSync(file, Buffer.from([1, 2, 3]));
    const j = readJournal(file);
    expect(j.records).toHaveLength(3);
    expect(j.damage).toEqual({ offset: statSync(file).size - 3, bytes: 3, reason: 'a record header needs 8 bytes, 3 left (truncated)' });
  });

  it('detects a flipped byte in the last record by its checksum', () => {
    const file = journalWith(three);
    const buf = readFileSync(file);
    buf[buf.length - 3]! ^= 0x20;
    writeFileSync(file, buf);
    const j = readJournal(file);
    expect(j.records).toHaveLength(2);
    expect(j.damage?.reason).toBe('checksum mismatch');
    expect(j.damage?.offset).toBe(H + sizes[0]! + sizes[1]!);
  });

  it('refuses damage in the middle (a good record follows), naming the file and the offset', () => {
    const file = journalWith(three);
    const buf = readFileSync(file);
    buf[H + sizes[0]! + 10]! ^= 0x01;
    writeFileSync(file, buf);
    const at = H + sizes[0]!;
    expect(() => readJournal(file)).toThrow(JournalError);
    expect(() => readJournal(file)).toThrow(`journal ${file} is unreadable at offset ${at}: checksum mismatch, and a good record follows at offset ${at + sizes[1]!}`);
  });

  it('refuses a file without the journal header, at offset 0', () => {
    const file = journalWith(three);
    const buf = readFileSync(file);
    buf[0] = 0x58;
    writeFileSync(file, buf);
    expect(() => readJournal(file)).toThrow(`journal ${file} is unreadable at offset 0: not a Legato journal (the header should be "LEGATO-JOURNAL 1", got "XEGATO-JOURNAL 1\\n")`);
    const e = (() => {
      try {
        readJournal(file);
      } catch (x) {
        return x as JournalError;
      }
    })();
    expect([e?.file, e?.offset]).toEqual([file, 0]);
  });

  it('opening for append at the good end cuts a torn tail, and later records follow the good ones', () => {
    const file = journalWith(three);
    truncateSync(file, statSync(file).size - 1);
    const j = readJournal(file);
    const w = JournalWriter.open(file, j.goodEnd);
    w.append([{ kind: 'd', n: 4 }], true);
    w.close();
    expect(readJournal(file).records.map((r) => r.value)).toEqual([...three.slice(0, 2), { kind: 'd', n: 4 }]);
  });
});
