import { readFileSync, writeFileSync } from 'node:fs';
import { JOURNAL_MAGIC, encodeRecord, readJournal } from '../../src/journal/journal-file.js';

/**
 * Writes `values` as a whole journal at `file`: the header, then each value as a record numbered and chained
 * after the one before it, with its CRC-32 and check recomputed (encodeRecord). What an edit with the checks made
 * to match leaves, or what a buggy writer would: every frame is good, so only the records' contents can be judged.
 */
export function writeJournalOf(file: string, values: readonly unknown[]): Buffer {
  const parts: Buffer[] = [Buffer.from(JOURNAL_MAGIC)];
  let previous = Buffer.alloc(8);
  values.forEach((v, i) => {
    const record = encodeRecord(v, i + 1, previous);
    previous = Buffer.from(record.subarray(12, 20));
    parts.push(record);
  });
  const bytes = Buffer.concat(parts);
  writeFileSync(file, bytes);
  return bytes;
}

/** The journal's record values (parsed JSON, deep copies: edit them freely). */
export function journalValues(file: string): unknown[] {
  return readJournal(file).records.map((r) => structuredClone(r.value));
}

/** Rewrites a journal with `edit` applied to its records' values, checks recomputed; returns the bytes written. */
export function editJournal(file: string, edit: (values: unknown[]) => unknown[] | void): Buffer {
  const values = journalValues(file);
  const out = edit(values) ?? values;
  return writeJournalOf(file, out);
}

/** The journal's bytes (to compare before and after a refused resume). */
export const bytesOf = (file: string): Buffer => readFileSync(file);
