/**
 * Recordings: the inspection stream and the market data as JSON lines (records.ts), written by
 * `legato run --record <file>` and served with a time slider by `legato inspect <file>`.
 */
import { FileReadError, LegatoError, isTimeZone, readRegularFile, wellFormedRecords, type WhyInput } from '../index.js';
import type { InspectRecord, RecordKind } from './records.js';

export class RecordingError extends LegatoError {
  override readonly name = 'RecordingError';
}

const KINDS: ReadonlySet<RecordKind> = new Set(['meta', 'actor', 'state', 'context', 'event', 'end', 'spread', 'fill', 'algo', 'quote', 'record']);

/**
 * The deepest a record may nest: the engine's nest under 10 levels. One nested thousands deep parses, but no page
 * could be sent it (JSON.stringify runs out of stack): every page was closed with 1011 and the recording never shown.
 */
const MAX_NESTING = 100;

/** Whether a line of JSON nests arrays and objects more than MAX_NESTING deep (brackets in strings are text). */
function nestedTooDeeply(line: string): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // a backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_NESTING) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** Parses a recording's text; throws RecordingError naming the first bad line. */
export function parseRecording(text: string, name = 'recording'): InspectRecord[] {
  const out: InspectRecord[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let r: unknown;
    try {
      r = JSON.parse(line);
    } catch {
      throw new RecordingError(`${name}:${i + 1}: not JSON (is this a file written by legato run --record?)`);
    }
    if (nestedTooDeeply(line)) throw new RecordingError(`${name}:${i + 1}: nested more than ${MAX_NESTING} levels deep (is this a file written by legato run --record?)`);
    const k = (r as { k?: unknown } | null)?.k;
    if (typeof r !== 'object' || r === null || typeof k !== 'string' || !KINDS.has(k as RecordKind)) {
      throw new RecordingError(`${name}:${i + 1}: not an inspection record (its "k" must be one of ${[...KINDS].join(', ')})`);
    }
    if (k !== 'meta' && typeof (r as { t?: unknown }).t !== 'number') throw new RecordingError(`${name}:${i + 1}: a ${k} record needs a numeric "t"`);
    out.push(r as InspectRecord);
  }
  if (out[0]?.k !== 'meta') throw new RecordingError(`${name}: does not start with a meta record (is this a file written by legato run --record?)`);
  return out;
}

/** The largest recording read: 512 MiB, about as long a string as V8 makes (a recording is read whole, as text). */
export const MAX_RECORDING_BYTES = 512 * 2 ** 20;

/** Reads a recording file: a regular file of at most MAX_RECORDING_BYTES (a FIFO or a device is refused, never waited on). */
export function readRecording(file: string): InspectRecord[] {
  let text: string;
  try {
    text = readRegularFile(file, MAX_RECORDING_BYTES).toString('utf8');
  } catch (e) {
    if (e instanceof FileReadError && (e.code === 'EINVAL' || e.code === 'EFBIG')) throw new RecordingError(`${file} ${e.reason} (a recording is a file written by legato run --record)`);
    throw new RecordingError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return parseRecording(text, file);
}

/**
 * What `legato why` reads in a recording: its engine records (`record` lines, in order), the instruments' tick
 * sizes and the run's time zone from its header. A recording written before it held engine records has none.
 */
export function recordingWhyInput(records: readonly InspectRecord[]): WhyInput & { zone: string; engineRecords: number } {
  const meta = records[0]?.k === 'meta' ? records[0] : undefined;
  const values: unknown[] = [];
  for (const r of records) if (r.k === 'record') values.push(r.record);
  const instruments = Array.isArray(meta?.instruments) ? meta.instruments.filter((i) => typeof i?.symbol === 'string' && typeof i?.tickSize === 'string') : [];
  // A zone that is none (a hand-edited header: "Mars/X") would print every time as "Invalid DateTime": UTC instead.
  return { records: wellFormedRecords(values), instruments, zone: isTimeZone(meta?.zone) ? meta.zone : 'UTC', engineRecords: values.length };
}
