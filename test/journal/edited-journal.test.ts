import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { demoConfig } from '../../src/config/demo.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { DurableEngine, JOURNAL_FILE, journalStatus } from '../../src/engine/durable.js';
import { JournalError, JournalRecordError, readJournal } from '../../src/journal/journal-file.js';
import { cli } from '../helpers/processes.js';
import { journalValues, writeJournalOf } from './edited-journal.js';

/**
 * A journal edited with its checks recomputed (or written by a buggy program) frames and chains well: only what its
 * records hold can be judged. A resume from one refuses it with a JournalRecordError naming the file, the record's
 * offset and number, and the field, before anything is built from it or the file is touched.
 */

const config = resolveConfig(demoConfig, 'built-in demo', { days: 0.2 });
// The demo, killed at 21:30 Shanghai; its records cut after the snapshot that holds hc-rb/1 hedging (its hedge order
// in o2, the second of its two spare orders, and three timers): what a crash right after that snapshot leaves.
let base: unknown[];
// The same records cut after the snapshot that holds hc-rb/1 at its entry: the entry order in o1 (the first spare),
// its spare order hc-rb/1.2 dormant in o2.
let spareBase: unknown[];

type R = Record<string, any>;
const lastSnapshot = (v: R[]): R => v.findLast((x) => x.kind === 'snapshot')!;
const strategy = (v: R[]): R => lastSnapshot(v).actor.children['0'].snapshot;
const algo = (v: R[]): R => strategy(v).children.algo.snapshot;
const order = (v: R[]): R => algo(v).children.o2.snapshot;
const spare = (v: R[]): R => algo(v).children.o2;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'legato-edited-'));
  const d = DurableEngine.open(config, { dataDir: dir, onWarning: () => {} });
  await d.start();
  d.engine.runUntil(Date.parse('2026-11-23T13:30:00Z'));
  d.detach();
  const all = journalValues(join(dir, JOURNAL_FILE)) as R[];
  // The first snapshot with a working order in o2 (the algo's spare order has a slot of its own from the start).
  const at = all.findIndex((x) => x.kind === 'snapshot' && Object.values(x.actor.children['0'].snapshot.children.algo?.snapshot.context.orders ?? {}).some((o) => (o as R).slot === 'o2'));
  base = all.slice(0, at + 1);
  const entry = all.findIndex((x) => x.kind === 'snapshot' && x.actor.children['0'].snapshot.children.algo?.snapshot.context.spares?.length === 1);
  spareBase = all.slice(0, entry + 1);
});

/** A data directory holding the base journal with `edit` applied, checks recomputed; its file and bytes. */
function edited(edit: (v: R[]) => void, from = base): { dir: string; file: string; bytes: Buffer; offsets: number[] } {
  const dir = mkdtempSync(join(tmpdir(), 'legato-edited-'));
  const file = join(dir, JOURNAL_FILE);
  const values = structuredClone(from) as R[];
  edit(values);
  const bytes = writeJournalOf(file, values);
  return { dir, file, bytes, offsets: readJournal(file).records.map((r) => r.offset) };
}

/** The error a resume throws (undefined when it resumed). */
function resumeError(dir: string): unknown {
  try {
    DurableEngine.open(config, { dataDir: dir, resume: true, onWarning: () => {} }).detach();
    return undefined;
  } catch (e) {
    return e;
  }
}

const SNAPSHOT = 15; // the base journal's last record: the snapshot a resume restores
const o2 = 'actor.children.0.snapshot.children.algo.snapshot.children.o2.snapshot';
const spareAt = 'actor.children.0.snapshot.children.algo.snapshot.children.o2';
const algoAt = 'actor.children.0.snapshot.children.algo.snapshot';

/** [what is edited, the edit, the record refused, the field path, what the message says of it]. */
const cases: [string, (v: R[]) => void, number, string, string][] = [
  ['the actor is a string', (v) => (lastSnapshot(v).actor = 'garbage'), SNAPSHOT, 'actor', 'actor must be an object (got "garbage")'],
  ['the actor has no children', (v) => delete lastSnapshot(v).actor.children, SNAPSHOT, 'actor.children', 'actor.children must be an object (got nothing)'],
  ['the actor has no state value', (v) => delete lastSnapshot(v).actor.value, SNAPSHOT, 'actor.value', 'actor.value is missing'],
  ['the strategy child is gone', (v) => (lastSnapshot(v).actor.children = {}), SNAPSHOT, 'actor.children.0', 'actor.children.0 is missing (the strategy actor strategy:hc-rb)'],
  ['the strategy has no context', (v) => delete strategy(v).context, SNAPSHOT, 'actor.children.0.snapshot.context', 'actor.children.0.snapshot.context must be an object (got nothing)'],
  ['leg lots as strings', (v) => (strategy(v).context.legLots = ['5', '-5']), SNAPSHOT, 'actor.children.0.snapshot.context.legLots.0', 'actor.children.0.snapshot.context.legLots.0 must be a number (got "5")'],
  ['a fractional leg lot', (v) => (strategy(v).context.legLots = [5, -4.5]), SNAPSHOT, 'actor.children.0.snapshot.context.legLots.1', 'actor.children.0.snapshot.context.legLots.1 must be a whole number (got -4.5)'],
  ['2,000,000 leg lots', (v) => (strategy(v).context.legLots = new Array(2_000_000).fill(1)), SNAPSHOT, 'actor.children.0.snapshot.context.legLots', 'actor.children.0.snapshot.context.legLots must hold 2 items (got an array of 2000000)'],
  ['a negative seq', (v) => (strategy(v).context.seq = -1), SNAPSHOT, 'actor.children.0.snapshot.context.seq', 'actor.children.0.snapshot.context.seq must be at least 0 (got -1)'],
  ['a target as a string', (v) => (strategy(v).context.spec.target = '5'), SNAPSHOT, 'actor.children.0.snapshot.context.spec.target', 'actor.children.0.snapshot.context.spec.target must be a number (got "5")'],
  ['a strategy state that does not exist', (v) => (strategy(v).value = { long: 'nope' }), SNAPSHOT, 'actor.children.0.snapshot.value', 'actor.children.0.snapshot.value "nope" is not a state of the strategy machine.long (its states: idle, working)'],
  ['an algo state that does not exist', (v) => (algo(v).value = 'zzz'), SNAPSHOT, 'actor.children.0.snapshot.children.algo.snapshot.value', 'actor.children.0.snapshot.children.algo.snapshot.value "zzz" is not a state of the algo machine (its states: dormant, starting, pending, active, completed, stopped)'],
  ['the algo\'s fill lots as a string (a resume used to loop forever)', (v) => (algo(v).context.fills.lots = 'x'), SNAPSHOT, 'actor.children.0.snapshot.children.algo.snapshot.context.fills.lots', 'actor.children.0.snapshot.children.algo.snapshot.context.fills.lots must be an array (got "x")'],
  ['the algo\'s orders gone', (v) => delete algo(v).context.orders, SNAPSHOT, 'actor.children.0.snapshot.children.algo.snapshot.context.orders', 'actor.children.0.snapshot.children.algo.snapshot.context.orders must be an object (got nothing)'],
  ['the algo\'s template edited', (v) => (algo(v).context.spec.payupTicks = 50), SNAPSHOT, 'actor.children.0.snapshot.children.algo.snapshot.context.spec.payupTicks', 'actor.children.0.snapshot.children.algo.snapshot.context.spec.payupTicks differs from the config\'s (strategy hc-rb), which the run started with'],
  ['an order\'s qty as a word', (v) => (order(v).context.order.qty = 'five'), SNAPSHOT, `${o2}.context.order.qty`, `${o2}.context.order.qty must be a number (got "five")`],
  ['an order\'s trade ids gone', (v) => delete order(v).context.fill.tradeIds, SNAPSHOT, `${o2}.context.fill.tradeIds`, `${o2}.context.fill.tradeIds must be an array (got nothing)`],
  ['a working order dormant', (v) => (order(v).value = 'dormant'), SNAPSHOT, `${o2}.value`, `${o2}.value must not be "dormant": the algo works order hc-rb/1.2 (only its spare orders are dormant)`],
  ['an order child of another machine', (v) => (algo(v).children.o2.src = 'nope'), SNAPSHOT, 'actor.children.0.snapshot.children.algo.snapshot.children.o2.src', 'actor.children.0.snapshot.children.algo.snapshot.children.o2.src must be "order" (got "nope")'],
  ['a timer\'s systemId a number', (v) => (lastSnapshot(v).timers[0].systemId = 5), SNAPSHOT, 'timers.0.systemId', 'timers.0.systemId must be a string (got 5)'],
  ['a timer due "soon"', (v) => (lastSnapshot(v).timers[1].dueAt = 'soon'), SNAPSHOT, 'timers.1.dueAt', 'timers.1.dueAt must be a number (got "soon")'],
  ['a timer\'s event without a type', (v) => (lastSnapshot(v).timers[1].event = {}), SNAPSHOT, 'timers.1.event.type', 'timers.1.event.type must be a string (got nothing)'],
  ['timers not a list', (v) => (lastSnapshot(v).timers = 7), SNAPSHOT, 'timers', 'timers must be an array (got 7)'],
  ['run.started without its config', (v) => delete v[0]!.config, 1, 'config', 'config must be a string (got nothing)'],
  ['run.started\'s run a string', (v) => (v[0]!.run = '1'), 1, 'run', 'run must be a number (got "1")'],
  ['run.started\'s time a string', (v) => (v[0]!.at = 'x'), 1, 'at', 'at must be a number (got "x")'],
  ['a report record without its report', (v) => delete v.find((x) => x.kind === 'report')!.report, 10, 'report', 'report must be an object (got nothing)'],
  ['a fill of 0 lots', (v) => (v.find((x) => x.kind === 'report' && x.report.type === 'order.filled')!.report.qty = 0), 11, 'report.qty', 'report.qty must be at least 1 (got 0)'],
  ['an algo.ended without its execution', (v) => v.push({ kind: 'algo.ended', at: 1 }), 16, 'execution', 'execution must be an object (got nothing)'],
];

/** The same, edited from the snapshot of the algo at its entry (`spareBase`), whose last record is the one refused. */
const spareCases: [string, (v: R[]) => void, string, string][] = [
  ['the spare order sent (submitted)', (v) => (spare(v).snapshot.value = 'submitted'), `${spareAt}.snapshot.value`, `${spareAt}.snapshot.value must be "dormant": the algo's spare order hc-rb/1.2, not yet sent (got "submitted")`],
  ['the spare order of 5 lots', (v) => (spare(v).snapshot.context.order.qty = 5), `${spareAt}.snapshot.context.order.qty`, `${spareAt}.snapshot.context.order.qty must be 0, a dormant order's (got 5)`],
  ['the spare order with a fill', (v) => (spare(v).snapshot.context.fill.tradeIds = ['T9']), `${spareAt}.snapshot.context.fill.tradeIds`, `${spareAt}.snapshot.context.fill.tradeIds must be an array of 0, a dormant order's (got an array of 1)`],
  ['the spare order with a field of its own', (v) => (spare(v).snapshot.context.extra = 1), `${spareAt}.snapshot.context.extra`, `${spareAt}.snapshot.context.extra is not a field of a dormant order`],
  ['the spare order under another client id', (v) => (spare(v).systemId = 'order:hc-rb/1.9'), `${spareAt}.systemId`, `${spareAt}.systemId must be "order:hc-rb/1.2" (got "order:hc-rb/1.9")`],
  ['the spare order in a working order\'s slot', (v) => (algo(v).context.spares[0].id = 'o1'), `${algoAt}.context.spares.0.id`, `${algoAt}.context.spares.0.id "o1" is the slot of another order: each spare order needs one of its own`],
  ['the spare order gone, its reference kept', (v) => delete algo(v).children.o2, spareAt, `${spareAt} is missing (the order actor order:hc-rb/1.2)`],
  ['a dormant order the algo does not hold', (v) => (algo(v).context.spares = []), spareAt, `${spareAt} is not an actor this machine spawns`],
  ['three spare orders for two legs', (v) => algo(v).context.spares.push({ xstate$$type: 1, id: 'o3' }, { xstate$$type: 1, id: 'o4' }), `${algoAt}.context.spares`, `${algoAt}.context.spares must hold at most 2 items (got an array of 3)`],
  ['the spares and an older snapshot\'s spare both', (v) => (algo(v).context.spare = { xstate$$type: 1, id: 'o2' }), `${algoAt}.context.spare`, `${algoAt}.context.spare must be absent: the algo holds its spare orders in spares (spare is the one of older snapshots)`],
  ['an older snapshot\'s spare in a working order\'s slot', (v) => { algo(v).context.spare = { xstate$$type: 1, id: 'o1' }; delete algo(v).context.spares; }, `${algoAt}.context.spare.id`, `${algoAt}.context.spare.id "o1" is the slot of another order: each spare order needs one of its own`],
];

describe('a resume from an edited journal (checks recomputed)', () => {
  it('the base journal resumes', () => {
    const { dir } = edited(() => {});
    expect(resumeError(dir)).toBeUndefined();
  });

  it('an algo\'s naked time below 0, as builds before 2026-12-03 could count it (venue stamps out of order), resumes: a figure of the report, not of the position', () => {
    const { dir } = edited((v) => {
      algo(v).context.exposure.nakedMs = -18_269;
      algo(v).context.exposure.notionalMs = -5;
    });
    expect(resumeError(dir)).toBeUndefined();
  });

  it('the snapshot of the algo at its entry, holding its spare order, resumes; so do the same of the eighteenth round (its spare in `spare`) and one written before spare orders (no spares, no child o2)', () => {
    expect(resumeError(edited(() => {}, spareBase).dir)).toBeUndefined();
    const eighteenth = (v: R[]) => {
      algo(v).context.spare = algo(v).context.spares[0];
      delete algo(v).context.spares;
    };
    expect(resumeError(edited(eighteenth, spareBase).dir)).toBeUndefined();
    const older = (v: R[]) => {
      delete algo(v).context.spares;
      delete algo(v).children.o2;
    };
    expect(resumeError(edited(older, spareBase).dir)).toBeUndefined();
  });

  it.each(spareCases)('%s: refused naming the record, its offset and the field; the file untouched', (_, edit, field, says) => {
    const { dir, file, bytes, offsets } = edited(edit, spareBase);
    const seq = spareBase.length;
    const e = resumeError(dir);
    expect(e).toBeInstanceOf(JournalRecordError);
    expect((e as Error).message).toBe(`journal ${file} is unreadable at offset ${offsets[seq - 1]}: record ${seq} (snapshot): ${says}`);
    expect((e as JournalRecordError).field).toBe(field);
    expect(readFileSync(file).equals(bytes)).toBe(true);
  });

  it('a record of a kind it does not know is let be, its time too (it is not read)', () => {
    const { dir, file } = edited((v) => v.push({ kind: 'future.thing', at: '9999999999999' }));
    const d = DurableEngine.open(config, { dataDir: dir, resume: true, onWarning: () => {} });
    expect(d.engine.clock.now()).toBe((base.findLast((x) => (x as R).kind === 'snapshot') as R).at);
    d.detach();
    expect(readJournal(file).records.map((r) => r.value).find((x) => (x as R).kind === 'run.resumed')).toMatchObject({ kind: 'run.resumed', incarnation: 2, replayed: 0 });
  });

  it.each(cases)('%s: refused naming the record, its offset and the field; the file untouched', (_, edit, seq, field, says) => {
    const { dir, file, bytes, offsets } = edited(edit);
    const e = resumeError(dir);
    expect(e).toBeInstanceOf(JournalRecordError);
    expect(e).toBeInstanceOf(JournalError);
    const kind = (readJournal(file).records[seq - 1]!.value as R).kind as string;
    expect((e as Error).message).toBe(`journal ${file} is unreadable at offset ${offsets[seq - 1]}: record ${seq} (${kind}): ${says}`);
    expect((e as JournalRecordError).offset).toBe(offsets[seq - 1]);
    expect((e as JournalRecordError).seq).toBe(seq);
    expect((e as JournalRecordError).field).toBe(field);
    // Byte for byte (Buffer.equals: toEqual walks a 4 MB buffer for seconds).
    expect(readFileSync(file).equals(bytes)).toBe(true);
  });

  it('a run number that is not a number is refused by a fresh run too (it numbered the next run "11")', () => {
    const { dir, file, offsets } = edited((v) => {
      v[0]!.run = '1';
      v.push({ kind: 'run.ended', at: v.at(-1)!.at, run: '1', reason: 'completed' });
    });
    const bytes = readFileSync(file);
    let e: unknown;
    try {
      DurableEngine.open(config, { dataDir: dir, onWarning: () => {} });
    } catch (x) {
      e = x;
    }
    expect((e as Error).message).toBe(`journal ${file} is unreadable at offset ${offsets[0]}: record 1 (run.started): run must be a number (got "1")`);
    expect(() => journalStatus(dir)).toThrow(JournalRecordError);
    expect(readFileSync(file)).toEqual(bytes);
  });

  it('a torn tail after an edited record is not cut by the refused resume', () => {
    const { dir, file } = edited((v) => (strategy(v).context.seq = 'x'));
    const torn = Buffer.concat([readFileSync(file), Buffer.from([7, 0, 0, 0, 1])]);
    writeFileSync(file, torn);
    expect(resumeError(dir)).toBeInstanceOf(JournalRecordError);
    expect(readFileSync(file)).toEqual(torn);
  });

  it('the CLI: exit 2, one line naming the file, the offset and the field, no stack trace, the file untouched', async () => {
    const { dir, file, bytes, offsets } = edited((v) => (strategy(v).context.legLots = ['5', '-5']));
    const r = await cli(['run', '--days', '0.2', '--data-dir', dir, '--resume']);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`legato: journal ${file} is unreadable at offset ${offsets[SNAPSHOT - 1]}: record ${SNAPSHOT} (snapshot): actor.children.0.snapshot.context.legLots.0 must be a number (got "5")\n`);
    expect(r.out).toBe('');
    expect(readFileSync(file)).toEqual(bytes);
  });
});
