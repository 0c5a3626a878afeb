/**
 * The records of a journal (a data directory, docs/journal.md) as "why" reads them: one run's engine records,
 * in order, without the ones a restart journalled twice, and its instruments' tick sizes.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { JOURNAL_FILE } from '../engine/durable.js';
import { readJournal } from '../journal/journal-file.js';
import { wellFormedRecords } from './why-records.js';
import { WhyError, type WhyInput } from './why.js';

const META = new Set(['run.started', 'run.resumed', 'run.ended', 'snapshot', 'reconciled', 'warning']);

export interface JournalRun extends WhyInput {
  run: number;
  /** When it started (engine clock). */
  startedAt: number;
}

type Entry = { kind?: unknown; at?: unknown; run?: unknown; instruments?: unknown };

/**
 * Every run in a data directory's journal, oldest first. A missing directory or journal is a WhyError; an
 * unreadable journal throws the journal's own named errors (JournalError, JournalAccessError).
 */
export function journalRuns(dataDir: string): JournalRun[] {
  const file = join(dataDir, JOURNAL_FILE);
  let dir;
  try {
    dir = statSync(dataDir, { throwIfNoEntry: false });
  } catch {
    dir = undefined;
  }
  if (!dir?.isDirectory()) throw new WhyError(`no data directory ${dataDir}${dir ? ' (it is a file)' : ''}: give the --data-dir of a journalled run, or a recording (legato run --record)`);
  if (!existsSync(file)) throw new WhyError(`no journal in ${dataDir} (${JOURNAL_FILE} is missing): was the run journalled (--data-dir)?`);
  const contents = readJournal(file);
  const runs: JournalRun[] = [];
  let current: { run: JournalRun; committed: unknown[]; uncommitted: unknown[] } | null = null;
  const close = (): void => {
    if (!current) return;
    current.run.records = wellFormedRecords(current.committed.concat(current.uncommitted));
    runs.push(current.run);
  };
  for (const { value } of contents.records) {
    const e = (typeof value === 'object' && value !== null ? value : {}) as Entry;
    if (e.kind === 'run.started') {
      close();
      const instruments = Array.isArray(e.instruments)
        ? e.instruments.filter((i): i is { symbol: string; tickSize: string } => typeof i?.symbol === 'string' && typeof i?.tickSize === 'string').map((i) => ({ symbol: i.symbol, tickSize: i.tickSize }))
        : [];
      current = { run: { run: typeof e.run === 'number' ? e.run : runs.length + 1, startedAt: typeof e.at === 'number' ? e.at : 0, records: [], instruments }, committed: [], uncommitted: [] };
      continue;
    }
    if (!current) continue;
    // Within a run, what followed a snapshot and preceded a restart was journalled again after the restart.
    if (e.kind === 'snapshot' || e.kind === 'run.ended') {
      current.committed = current.committed.concat(current.uncommitted);
      current.uncommitted = [];
    } else if (e.kind === 'run.resumed') current.uncommitted = [];
    else if (typeof e.kind === 'string' && !META.has(e.kind)) current.uncommitted.push(value);
  }
  close();
  if (runs.length === 0) throw new WhyError(`the journal in ${dataDir} holds no run`);
  return runs;
}

/** The latest run of the journal that launched algo `algoId` (the last run when none did). */
export function journalRunWith(dataDir: string, algoId: string): JournalRun {
  const runs = journalRuns(dataDir);
  for (let i = runs.length - 1; i >= 0; i--) if (runs[i]!.records.some((r) => r.kind === 'algo.started' && r.algoId === algoId)) return runs[i]!;
  return runs[runs.length - 1]!;
}
