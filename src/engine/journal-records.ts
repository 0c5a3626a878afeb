import { z } from 'zod';
import type { EngineConfig } from '../config/resolve.js';
import { JournalRecordError, type JournalContents, type JournalRecord } from '../journal/journal-file.js';
import type { JournalEntry, JournalMeta, JournalTimer } from './durable.js';
import { MAX_LIST, RecordProblem, count, int, lots, name, num, problemOf, shown, side, time } from './journal-check.js';
import type { EngineRecord } from './records.js';
import { actorTreeProblem, timersSchema } from './snapshot-check.js';

/**
 * Reading a journal's runs: which run is the last, and what a resume of it restores. Every record of the run a
 * resume continues is checked before anything is built from it (the records a fresh run or a status only needs
 * to find the last run are checked as far as that reads them): a record of a known kind with a field missing or of
 * the wrong type, a snapshot whose actor tree or timers are not sound (snapshot-check.ts), is a JournalRecordError
 * naming the file, the record's offset and sequence number, and the field. A refusal comes before the file is
 * opened for writing, so the journal is left as it was.
 */

const at = { at: time };
const run = z.int().min(1);
const text = z.string();

const META: Record<JournalMeta['kind'], z.ZodType> = {
  'run.started': z.object({
    ...at,
    run,
    config: z.string(),
    venue: z.string(),
    instruments: z.array(z.object({ symbol: z.string(), tickSize: z.string(), lotSize: z.string() })).max(MAX_LIST),
  }),
  'run.resumed': z.object({ ...at, run, incarnation: run, snapshotAt: time.nullable(), replayed: count }),
  'run.ended': z.object({ ...at, run, reason: z.enum(['completed', 'interrupted']) }),
  // The actor tree of the snapshot a resume restores is checked on its own (snapshot-check.ts).
  snapshot: z.object({ ...at, run, actor: z.object({ status: z.string() }).loose(), timers: timersSchema }),
  reconciled: z.object({ ...at }).loose(),
  warning: z.object({ ...at, message: text }),
};

const report = z.discriminatedUnion('type', [
  z.object({ type: z.literal('order.accepted'), clientId: name, ...at }),
  z.object({ type: z.literal('order.rejected'), clientId: name, reason: text, ...at }),
  z.object({ type: z.literal('order.filled'), clientId: name, tradeId: name, symbol: name, side, qty: lots, price: int, ...at, liquidity: z.enum(['maker', 'taker']).optional(), cumQty: lots.optional() }),
  z.object({ type: z.literal('order.canceled'), clientId: name, filledQty: count, ...at }),
  z.object({ type: z.literal('order.cancelRejected'), clientId: name, reason: text, ...at }),
  z.object({ type: z.literal('order.replaced'), clientId: name, price: int, qty: lots, ...at }),
  z.object({ type: z.literal('order.replaceRejected'), clientId: name, reason: text, ...at }),
]);

const decimal = z.string().regex(/^-?\d+(\.\d+)?$/, { error: 'must be a decimal string' });
const list = <T extends z.ZodType>(t: T) => z.array(t).max(MAX_LIST);

const execution = z.object({
  algoId: name,
  strategy: name,
  purpose: z.string(),
  kind: z.string(),
  side: z.enum(['buy', 'sell']),
  status: z.enum(['completed', 'stopped']),
  reason: z.string().nullable(),
  qty: count,
  units: count,
  trigger: z.string().nullable(),
  realizedSpread: z.string().nullable(),
  slippage: z.string().nullable(),
  legs: list(z.object({ symbol: name, lots: int, avgPrice: z.string().nullable() })),
  residualLots: list(int),
  exposure: z.object({ maxLots: list(num.min(0)), maxNotional: decimal, maxLegNotional: list(decimal), notionalSeconds: decimal, nakedMs: num }), // nakedMs: see snapshot-check.ts's exposure
  startedAt: time,
  endedAt: time,
  durationMs: num,
  orders: count,
  reprices: count,
  rejects: count,
  ladderSteps: count,
  fees: decimal.optional(),
});

/** Engine records, as far as a resume's bookkeeping (Engine.replayBookkeeping) and its replay read them. */
const ENGINE: Partial<Record<EngineRecord['kind'], z.ZodType>> = {
  'order.submitted': z.object({ ...at, clientId: name, symbol: name, side, qty: lots, price: int }),
  report: z.object({ ...at, report, routed: z.boolean() }),
  'algo.started': z.object({ ...at, algoId: name }),
  'algo.ended': z.object({ ...at, execution }),
  funding: z.object({ ...at, symbol: name, due: time, charges: list(z.object({ strategy: name, amount: decimal })) }),
  'ladder.step': z.object({ ...at, step: z.enum(['resting', 'crossing', 'unwinding', 'paused', 'failed']) }),
  'risk.refused': z.object({ ...at }),
  'order.throttled': z.object({ ...at }),
  'order.unanswered': z.object({ ...at, statusError: text.optional() }),
  'position.adopted': z.object({ ...at, strategy: name, symbol: name, lots: int.refine((n) => n !== 0, { error: 'must not be 0' }), price: int }),
  'venue.status': z.object({ ...at, connected: z.boolean() }),
  error: z.object({ ...at, actor: text, message: text }),
};

const SCHEMAS: Record<string, z.ZodType | undefined> = { ...META, ...ENGINE };

/** The error for a record: the file, the record's offset, its number and kind, and what is wrong. */
function refused(file: string, r: JournalRecord, kind: string, p: RecordProblem): JournalRecordError {
  return new JournalRecordError(file, r.offset, r.seq, p.path.join('.'), `record ${r.seq} (${kind}): ${p.text}`);
}

/** Checks a record of a known kind (one of another kind is let be: it is not read). */
function checkRecord(file: string, r: JournalRecord): void {
  const kind = (r.value as { kind: string }).kind;
  const schema = SCHEMAS[kind];
  const p = schema && problemOf(schema, r.value);
  if (p) throw refused(file, r, kind, p);
}

const entry = (r: JournalRecord): JournalEntry => r.value as JournalEntry;

/**
 * The journal's last run: the index of its `run.started`, its number, and whether it has ended. Every record must
 * be an entry (an object with a kind); the `run.started` it finds and every `run.ended` after it must be sound.
 */
export function lastRunOf(contents: JournalContents | null): { index: number; run: number; ended: boolean } | null {
  if (!contents) return null;
  // The frames and the chain are sound (readJournal); an entry must still be one: an object with a kind. (A record
  // written by hand with a good check, or by another program, is refused by its offset, not met with a TypeError.)
  for (const r of contents.records) {
    const v = r.value as { kind?: unknown } | null;
    if (typeof v !== 'object' || v === null || Array.isArray(v) || typeof v.kind !== 'string') {
      throw new JournalRecordError(contents.file, r.offset, r.seq, '', 'the record is not a journal entry (an object with a kind)');
    }
  }
  let index = -1;
  for (let i = 0; i < contents.records.length; i++) if (entry(contents.records[i]!).kind === 'run.started') index = i;
  if (index < 0) return null;
  const tail = contents.records.slice(index);
  for (const r of tail) if (r === tail[0] || entry(r).kind === 'run.ended') checkRecord(contents.file, r);
  const start = entry(tail[0]!) as Extract<JournalMeta, { kind: 'run.started' }>;
  const ended = tail.some((r) => entry(r).kind === 'run.ended');
  return { index, run: start.run, ended };
}

/** Checks every record of the last run (from `index`, its `run.started`): what rebuilding its books reads. */
export function checkRun(contents: JournalContents, index: number): void {
  for (const r of contents.records.slice(index)) checkRecord(contents.file, r);
}

/** What a resume of the last run restores: see DurableEngine.open. */
export interface ResumePlan {
  started: Extract<JournalMeta, { kind: 'run.started' }>;
  /** The records a snapshot committed (the engine's books are rebuilt from them). */
  committed: EngineRecord[];
  /** The reports journalled after the last snapshot: replayed. */
  replay: Extract<EngineRecord, { kind: 'report' }>['report'][];
  snapshot: { at: number; actor: unknown; timers: JournalTimer[] } | null;
  /** The restart's incarnation (the run's first start is 1). */
  incarnation: number;
  /** The last time the run journalled. */
  lastAt: number;
}

/**
 * Checks every record of the last run (from `index`, its `run.started`) and the snapshot a resume restores, and
 * splits the run into what a snapshot committed and what came after the last one. Throws JournalRecordError.
 */
export function resumePlan(contents: JournalContents, index: number, config: EngineConfig): ResumePlan {
  checkRun(contents, index);
  const records = contents.records.slice(index);
  const started = entry(records[0]!) as ResumePlan['started'];
  let committed: EngineRecord[] = [];
  let uncommitted: EngineRecord[] = [];
  let snapshot: { record: JournalRecord; value: Extract<JournalMeta, { kind: 'snapshot' }> } | null = null;
  let incarnation = 1;
  let lastAt = started.at;
  for (const record of records) {
    const r = entry(record);
    // A record of a kind this Legato does not know is not read, its time included.
    if (typeof r.at === 'number' && r.at > lastAt) lastAt = r.at;
    if (r.kind === 'run.started' && record !== records[0]) throw refused(contents.file, record, r.kind, new RecordProblem([], 'starts another run inside the last one'));
    if ('run' in r && r.run !== started.run) throw refused(contents.file, record, r.kind, new RecordProblem(['run'], `must be ${started.run}, the run it follows (got ${shown(r.run)})`));
    if (r.kind === 'snapshot') {
      // A torn-down tree (written by versions before a stop with the venue unreachable skipped it) is no
      // starting point: the running tree before it is, with what followed replayed.
      if ((r.actor as { status: string }).status !== 'active') continue;
      committed = committed.concat(uncommitted);
      uncommitted = [];
      snapshot = { record, value: r };
    } else if (r.kind === 'run.resumed') {
      // What followed the last snapshot before that restart was replayed (and journalled again) after it.
      uncommitted = [];
      incarnation = r.incarnation;
    } else if (!(r.kind in META)) uncommitted.push(r as EngineRecord);
  }
  if (snapshot) {
    const p = actorTreeProblem(snapshot.value.actor, config);
    if (p) throw refused(contents.file, snapshot.record, 'snapshot', p);
  }
  const replay = uncommitted.filter((r): r is Extract<EngineRecord, { kind: 'report' }> => r.kind === 'report').map((r) => r.report);
  return {
    started,
    committed,
    replay,
    snapshot: snapshot && { at: snapshot.value.at, actor: snapshot.value.actor, timers: snapshot.value.timers },
    incarnation: incarnation + 1,
    lastAt,
  };
}
