import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Subject } from 'rxjs';
import type { AnyActorRef, EventObject } from 'xstate';
import type { Clock } from '../clock/clock.js';
import { FollowerClock } from '../clock/follower-clock.js';
import { VirtualClock } from '../clock/virtual-clock.js';
import type { EngineConfig } from '../config/resolve.js';
import { LegatoError } from '../domain/errors.js';
import type { VenueReport } from '../domain/orders.js';
import { JournalAccessError, JournalWriter, journalAccessError, readJournal } from '../journal/journal-file.js';
import { lockDataDir } from '../journal/dir-lock.js';
import { SimulatedVenue, type SimVenueSpec } from '../venue/simulated/simulated-venue.js';
import type { Venue } from '../venue/venue.js';
import { createEngine, type Engine, type EngineOptions, type RunOptions } from './engine.js';
import { checkRun, lastRunOf, resumePlan, type ResumePlan } from './journal-records.js';
import { OutboxVenue } from './outbox-venue.js';
import { heardOf, missedReports, replaceDone } from './order-status.js';
import type { EngineRecord } from './records.js';
import { stateString } from './state-string.js';
import type { Summary } from './summary.js';

/** The journal's file name inside a data directory. */
export const JOURNAL_FILE = 'journal.lgj';

/** Where the journal lives when neither the config nor a flag names a directory. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.LEGATO_DATA_DIR || '.legato');
}

/** A delayed event XState had scheduled, with its due time on the engine's clock. */
export interface JournalTimer {
  systemId: string;
  id: string;
  event: EventObject;
  dueAt: number;
}

/** The journal's own records, beside the engine's (EngineRecord). */
export type JournalMeta =
  | { kind: 'run.started'; at: number; run: number; config: string; venue: string; instruments: { symbol: string; tickSize: string; lotSize: string }[] }
  | { kind: 'run.resumed'; at: number; run: number; incarnation: number; snapshotAt: number | null; replayed: number }
  | { kind: 'run.ended'; at: number; run: number; reason: 'completed' | 'interrupted' }
  | { kind: 'snapshot'; at: number; run: number; actor: unknown; timers: JournalTimer[] }
  | ({ kind: 'reconciled'; at: number } & Reconciliation)
  | { kind: 'warning'; at: number; message: string };

export type JournalEntry = EngineRecord | JournalMeta;

const COMMANDS = new Set(['order.submitted', 'order.cancelRequested', 'order.replaceRequested']);
// A kill-switch control changes the strategies' state (paused, flattening): it must survive a restart like a command.
// A funding charge too: committed with a snapshot, so a crash just after it does not charge it again on resume.
const LIFECYCLE = new Set(['order.submitted', 'order.cancelRequested', 'order.replaceRequested', 'algo.started', 'algo.ended', 'control', 'position.adopted', 'funding']);
const META = new Set(['run.started', 'run.resumed', 'run.ended', 'snapshot', 'reconciled', 'warning']);

/** A journal that does not allow what was asked (a fresh run over an unfinished one, resuming an ended one). */
export class JournalStateError extends LegatoError {
  override name = 'JournalStateError';
}

/** The longest wait between two attempts at a reconciliation after a reconnection. */
const RECONCILE_RETRY_MAX_MS = 30_000;

export interface DurableOptions {
  /** The data directory: the journal is `<dataDir>/journal.lgj`. */
  dataDir: string;
  /** A fresh run: positions the venue already holds that the strategies take over (see EngineOptions.adopt). */
  adopt?: Readonly<Record<string, number>>;
  /** Continue the journal's last run instead of starting a new one. */
  resume?: boolean;
  /** The venue. Default: the embedded simulated venue (which cannot reconcile: it restarts empty). */
  venue?: Venue;
  /** The clock. Default: a VirtualClock at the run's start (or, resuming, at the last journalled time). */
  clock?: Clock;
  /** Orders open at the venue that this run does not know: cancel them (default) or leave them. */
  unknownOrders?: 'cancel' | 'leave';
  /** fsync every write (always), or only writes that hold an order or a cancel (commands, default). */
  fsync?: 'commands' | 'always';
  /** The wait before a failed reconciliation after a reconnection is tried again, ms (doubling up to 30 s). Default 1000. */
  reconcileRetryMs?: number;
  /** Warnings (a cut journal tail, a position mismatch): default stderr. */
  onWarning?: (message: string) => void;
  inspect?: EngineOptions['inspect'];
}

/** What a restart found at the venue and did about it. */
export interface Reconciliation {
  /** Orders the restored tree had live that the venue knows: adopted. */
  adopted: string[];
  /** Orders the restored tree had live that never reached the venue: ended as rejected (never resent). */
  lost: string[];
  /** Open orders at the venue this run does not know, and those cancelled per policy. */
  unknownOpen: string[];
  canceledUnknown: string[];
  /** Fills the venue made while the engine was down (or whose reports were lost), applied once each. */
  fillsApplied: number;
  /** Engine and venue positions after reconciling, lots per symbol. */
  positions: { engine: Record<string, number>; venue: Record<string, number> | null };
}

/** The state of a data directory's journal. */
export interface JournalStatus {
  file: string;
  exists: boolean;
  /** The last run's number, or null when there is none. */
  lastRun: number | null;
  ended: boolean;
}

function metaOf(v: unknown): JournalEntry {
  return v as JournalEntry;
}

/**
 * Where a data directory's journal is, and whether the directory and the journal exist. A data directory that
 * is a file (or under one) is a JournalAccessError; a journal that is not a regular file is refused when read.
 */
function journalIn(dataDir: string): { file: string; dirExists: boolean; exists: boolean } {
  const file = join(dataDir, JOURNAL_FILE);
  let dir;
  try {
    dir = statSync(dataDir, { throwIfNoEntry: false });
  } catch (e) {
    throw journalAccessError(dataDir, e, 'use', 'data directory');
  }
  if (!dir) return { file, dirExists: false, exists: false };
  if (!dir.isDirectory()) throw new JournalAccessError(dataDir, 'ENOTDIR', `the data directory ${dataDir} is a file, not a directory`);
  return { file, dirExists: true, exists: existsSync(file) };
}

/** Reads a data directory's journal (throws JournalError when it is unreadable, JournalAccessError when it cannot be read). */
export function journalStatus(dataDir: string): JournalStatus {
  const { file, exists } = journalIn(dataDir);
  if (!exists) return { file, exists: false, lastRun: null, ended: false };
  const last = lastRunOf(readJournal(file));
  return { file, exists: true, lastRun: last?.run ?? null, ended: last?.ended ?? false };
}

/**
 * The summary of the journal's last run as its records tell it (fills, orders, executions, counts), without
 * starting anything: what `legato run --resume` prints for a run that has already ended.
 */
export function journalledSummary(config: EngineConfig, dataDir: string): Summary | null {
  const { file, exists } = journalIn(dataDir);
  if (!exists) return null;
  const contents = readJournal(file);
  const last = lastRunOf(contents);
  if (!last) return null;
  checkRun(contents, last.index);
  const records = contents.records.slice(last.index).map((r) => metaOf(r.value));
  const started = records[0] as Extract<JournalMeta, { kind: 'run.started' }>;
  // Within a run, what followed a snapshot and preceded a restart was journalled again after the restart.
  let committed: EngineRecord[] = [];
  let uncommitted: EngineRecord[] = [];
  let end = started.at;
  for (const r of records) {
    if (typeof r.at === 'number' && r.at > end) end = r.at;
    if (r.kind === 'snapshot' || r.kind === 'run.ended') {
      committed = committed.concat(uncommitted);
      uncommitted = [];
    } else if (r.kind === 'run.resumed') uncommitted = [];
    else if (!META.has(r.kind)) uncommitted.push(r as EngineRecord);
  }
  committed = committed.concat(uncommitted);
  const engine = createEngine(config, { clock: new VirtualClock(end), venue: NO_VENUE, restore: { snapshot: null, records: committed, startedAt: started.at } });
  return engine.summary();
}

/** A venue for an engine that is only read, never started. */
const NO_VENUE: Venue = {
  name: 'journal',
  quotes$: new Subject(),
  reports$: new Subject(),
  instruments: () => [],
  start: () => {},
  stop: () => {},
  submit: () => {},
  cancel: () => {},
};

/** A fingerprint of what a run trades and where: resuming with a different config is refused. */
export function configFingerprint(config: EngineConfig): string {
  // Costs count too (a resume with other fees would re-price the fills restored); a config without any keeps the
  // fingerprint it had before costs existed, so its journals still resume.
  const costed = config.strategies.some((s) => s.costs.some((c) => c.fees !== null || c.funding !== null));
  const costs = config.strategies.map((s) => s.costs.map((c) => ({ fees: c.fees, funding: c.funding?.key ?? null })));
  const shape = { run: config.run, venue: config.venue, strategies: config.strategies.map((s) => s.spec), ...(costed ? { costs } : {}) };
  return createHash('sha256').update(JSON.stringify(shape)).digest('hex').slice(0, 16);
}

/**
 * An engine that journals everything and can restart from its journal. See docs/journal.md.
 *
 * - Every engine record goes to the journal. At the end of each step (each timer the clock fires: a quote,
 *   a report, a delay) the step's records are written in one write; when the step sent an order or a cancel,
 *   or started or ended an algo, the write also holds a snapshot of the actor tree (XState's persisted
 *   snapshot) with the due time of every pending delayed event, and it is fsync'd before the commands leave.
 *   So the journal always knows an order before the venue can.
 * - Resuming restores the last snapshot, replays the reports journalled after it, re-arms the delayed events,
 *   reconciles with the venue, and only then lets trading continue.
 */
export class DurableEngine {
  private pending: JournalEntry[] = [];
  private needsSnapshot = false;
  private hasCommands = false;
  private flushing = false;
  private closed = false;
  private endedRun = false;
  private readonly due = new Map<string, { ref: AnyActorRef; id: string; event: EventObject; dueAt: number }>();
  private readonly algoStates = new Map<string, string>();
  private microtask = false;
  private started = false;
  reconciliation: Reconciliation | null = null;

  /** Gives the data directory back (`lockDataDir`): when the journal closes. */
  private releaseLock: () => void = () => {};

  private constructor(
    readonly engine: Engine,
    readonly outbox: OutboxVenue,
    private readonly writer: JournalWriter,
    readonly file: string,
    readonly runNumber: number,
    readonly incarnation: number,
    private readonly options: DurableOptions,
  ) {
    engine.records$.subscribe((r) => this.add(r));
    this.recordTimers();
    const clock = engine.clock;
    if (clock instanceof VirtualClock || clock instanceof FollowerClock) clock.afterStep = () => this.flush();
  }

  /**
   * Opens (or creates) the journal in `options.dataDir` and builds the engine, fresh or restored. Not started.
   * Every refusal (an unreadable journal, a fresh run over an unfinished one, nothing to resume, an ended run,
   * another config) comes before the file is touched: a refused open leaves it byte for byte as it was. Only
   * then is a torn tail cut (with a warning) and the run's first record written.
   */
  static open(config: EngineConfig, options: DurableOptions): DurableEngine {
    // One process per data directory, taken before the journal is read: a second run would read a journal another
    // is writing (cutting back a record it is in the middle of) and write its own records over the other's.
    const { dirExists } = journalIn(options.dataDir);
    let release = dirExists ? lockDataDir(options.dataDir) : undefined;
    try {
      const durable = DurableEngine.openLocked(config, options, () => (release ??= lockDataDir(options.dataDir)));
      durable.releaseLock = release!;
      return durable;
    } catch (e) {
      release?.();
      throw e;
    }
  }

  /** `open`, with the directory taken (or `lock` taking it once the directory exists). */
  private static openLocked(config: EngineConfig, options: DurableOptions, lock: () => void): DurableEngine {
    const { dataDir } = options;
    const { file, dirExists, exists } = journalIn(dataDir);
    const contents = exists ? readJournal(file) : null;
    const warn = options.onWarning ?? ((m: string) => process.stderr.write(`legato: warning: ${m}\n`));
    const last = lastRunOf(contents);
    const fingerprint = configFingerprint(config);
    const resume = options.resume === true;
    if (!options.venue && config.venue.kind === 'replay') throw new LegatoError('a journalled run needs a simulated or remote venue, not a replay');
    if (resume && !last) {
      const why = !dirExists ? 'the directory does not exist' : !exists ? `there is no journal (${JOURNAL_FILE}) in it` : `its journal ${file} holds no run`;
      throw new JournalStateError(`nothing to resume in ${dataDir}: ${why}; start a run without --resume`);
    }
    if (resume && last!.ended) throw new JournalStateError(`run ${last!.run} in ${file} has ended: there is nothing to resume`);
    if (!resume && last && !last.ended) {
      throw new JournalStateError(`${file} holds run ${last.run}, which has not ended: continue it with --resume, or use another data directory`);
    }
    let plan: ResumePlan | null = null;
    if (resume) {
      const started = metaOf(contents!.records[last!.index]!.value) as Extract<JournalMeta, { kind: 'run.started' }>;
      if (started.config !== fingerprint) {
        throw new JournalStateError(`the config differs from the one run ${started.run} in ${file} started with (fingerprint ${fingerprint}, journal ${started.config})`);
      }
      // Every record of the run, and the snapshot it restores, checked before anything is built from them.
      plan = resumePlan(contents!, last!.index, config);
    }

    // Accepted: now the directory and the file may change.
    if (!dirExists) {
      try {
        mkdirSync(dataDir, { recursive: true });
      } catch (e) {
        throw journalAccessError(dataDir, e, 'create', 'data directory');
      }
    }
    lock();
    const writer = JournalWriter.open(file, contents ?? undefined);
    if (contents?.damage) {
      const d = contents.damage;
      warn(`journal ${file}: ${d.reason} at offset ${d.offset}; cut back to the last good record (${d.bytes} bytes dropped)`);
    }
    const venueOf = (clock: Clock): Venue => {
      if (options.venue) return options.venue;
      if (config.venue.kind === 'replay') throw new LegatoError('a journalled run needs a simulated or remote venue, not a replay');
      return new SimulatedVenue(config.venue as SimVenueSpec, clock);
    };

    if (!resume) {
      const run = (last?.run ?? 0) + 1;
      const clock = options.clock ?? new VirtualClock(config.run.start);
      const outbox = new OutboxVenue(venueOf(clock), `r${run}.`, (r) => durable.foreign(r));
      const engine = createEngine(config, { clock, venue: outbox, ...(options.inspect ? { inspect: options.inspect } : {}), ...(options.adopt ? { adopt: options.adopt } : {}) });
      const durable: DurableEngine = new DurableEngine(engine, outbox, writer, file, run, 1, options);
      const start: JournalMeta = {
        kind: 'run.started',
        at: clock.now(),
        run,
        config: fingerprint,
        venue: outbox.name,
        instruments: outbox.instruments().map((i) => ({ symbol: i.symbol, tickSize: i.tickSize.toString(), lotSize: i.lotSize.toString() })),
      };
      writer.append([start], true);
      return durable;
    }

    // Resume: the run's records, split into what a snapshot committed and what came after the last one (checked above).
    const { started, committed, replay, snapshot, incarnation, lastAt } = plan!;
    const clock = options.clock ?? new VirtualClock(lastAt);
    const outbox = new OutboxVenue(venueOf(clock), `r${started.run}.`, (r) => durable.foreign(r));
    const engine = createEngine(config, {
      clock,
      venue: outbox,
      restore: { snapshot: snapshot?.actor ?? null, records: committed, startedAt: started.at },
      ...(options.inspect ? { inspect: options.inspect } : {}),
    });
    const durable: DurableEngine = new DurableEngine(engine, outbox, writer, file, started.run, incarnation, options);
    durable.resumeState = { timers: snapshot?.timers ?? [], replay };
    writer.append([{ kind: 'run.resumed', at: clock.now(), run: started.run, incarnation, snapshotAt: snapshot?.at ?? null, replayed: replay.length } satisfies JournalMeta], true);
    return durable;
  }

  private resumeState: { timers: JournalTimer[]; replay: VenueReport[] } | null = null;

  /**
   * Starts the engine. Resuming, it then re-arms the snapshot's delayed events, replays the reports journalled
   * after the snapshot, and reconciles with the venue; trading continues only after that.
   */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const engine = this.engine;
    engine.start();
    const resumed = this.resumeState;
    this.resumeState = null;
    if (resumed) {
      const system = engine.actor.system;
      for (const t of resumed.timers) {
        // Session windows decide again from their timestamps and the time now (below), so that a boundary
        // passed while the engine was down does not shift the later ones.
        if (t.systemId.startsWith('session:')) continue;
        const ref = system.get(t.systemId) as AnyActorRef | undefined;
        if (ref && ref.getSnapshot().status === 'active' && Number.isFinite(t.dueAt)) system.scheduler.schedule(ref, ref, t.event, Math.max(0, t.dueAt - engine.clock.now()), t.id);
      }
      engine.flushViews();
      for (const s of this.engine.config.strategies) {
        const session = system.get(`session:${s.spec.name}`) as AnyActorRef | undefined;
        if (session && session.getSnapshot().status === 'active') session.send({ type: 'engine.resumed', at: engine.clock.now() });
      }
      for (const r of resumed.replay) this.outbox.inject(r);
    }
    // A venue that reconnects (a restart, a dropped or frozen connection) is reconciled with before any of its
    // live messages are delivered: nothing trades until the engine and the venue agree again.
    const inner = this.outbox.inner as Venue & { onReconnected?: (() => Promise<void>) | undefined; isConnected?: () => boolean };
    const reconnects = 'onReconnected' in inner;
    if (reconnects) {
      inner.onReconnected = async () => {
        await this.reconcileUntilAgreed(inner);
        this.flush();
      };
    }
    try {
      await this.reconcile(resumed !== null);
    } catch (e) {
      // Lost before the first reconciliation: with a venue that reconnects, it runs when the venue is back (time
      // stands still meanwhile, and nothing is delivered before it). Otherwise the start fails.
      if (!reconnects || inner.isConnected?.() !== false) throw e;
      this.warn(`the venue went away before the first reconciliation (${(e as Error).message}); it runs when the venue is back`);
    }
    this.flush();
  }

  /** Runs the engine to the end (or an abort), stops it cleanly, journals the end and closes the journal. */
  async run(options: RunOptions = {}): Promise<Summary> {
    if (!this.started) await this.start();
    const summary = await this.engine.run(options);
    if (this.engine.hasStopped()) this.close(options.signal?.aborted ? 'interrupted' : 'completed');
    else {
      // Algos are still working (the venue went away): the run is not over, and --resume continues it.
      this.warn('the run stopped with algos still working; resume it with --resume');
      this.detach();
    }
    return summary;
  }

  /** Writes what is pending and closes the file without ending the run (a later start resumes it). */
  detach(): void {
    if (this.closed) return;
    this.flush();
    this.writer.close();
    this.closed = true;
    this.releaseLock();
  }

  /** Writes what is pending and the run's end, and closes the file. */
  close(reason: 'completed' | 'interrupted'): void {
    if (this.closed) return;
    this.flush();
    this.writer.append([{ kind: 'run.ended', at: this.engine.clock.now(), run: this.runNumber, reason } satisfies JournalMeta], true);
    this.writer.close();
    this.closed = true;
    this.endedRun = true;
    this.releaseLock();
  }

  /** Whether the journal holds this run's end (a resume has nothing left to continue), as `close` wrote it. */
  get ended(): boolean {
    return this.endedRun;
  }

  /** Writes the pending records (with a snapshot when they hold commands or algo changes), then sends the commands. */
  flush(): void {
    if (this.flushing || this.closed) return;
    this.flushing = true;
    try {
      for (let round = 0; round < 100; round++) {
        this.noteAlgoStates();
        if (this.pending.length === 0 && this.outbox.waiting === 0) break;
        const entries = this.pending;
        this.pending = [];
        const sync = this.hasCommands || this.outbox.waiting > 0 || this.options.fsync === 'always';
        // A tree the stop has torn down (the venue was unreachable, algos still working) is never a resume's
        // starting point: the last snapshot of the running tree stays the one a resume restores.
        if ((this.needsSnapshot || this.outbox.waiting > 0) && this.engine.actor.getSnapshot().status === 'active') entries.push(this.snapshot());
        this.needsSnapshot = false;
        this.hasCommands = false;
        this.writer.append(entries, sync);
        // On disk: now the commands may leave. A venue may answer at once (a reject), which starts another round.
        this.outbox.release();
      }
    } finally {
      this.flushing = false;
    }
  }

  private add(r: JournalEntry): void {
    if (this.closed) return;
    this.pending.push(r);
    if (LIFECYCLE.has(r.kind)) this.needsSnapshot = true;
    if (COMMANDS.has(r.kind)) this.hasCommands = true;
    if (!this.microtask) {
      // Hosts whose clock has no step hook (a WallClock) flush once the current task is done.
      this.microtask = true;
      queueMicrotask(() => {
        this.microtask = false;
        this.flush();
      });
    }
  }

  private warn(message: string): void {
    this.add({ kind: 'warning', at: this.engine.clock.now(), message });
    (this.options.onWarning ?? ((m: string) => process.stderr.write(`legato: warning: ${m}\n`)))(message);
  }

  private foreignReports = 0;
  private foreign(r: VenueReport): void {
    if (this.foreignReports++ === 0) this.warn(`the venue reported on an order that is not this run's (${r.clientId}); such reports are ignored`);
  }

  /** The algos' state changes, as `state` records (strategies and sessions are recorded by the engine). */
  private noteAlgoStates(): void {
    const system = this.engine.actor.system;
    for (const s of this.engine.config.strategies) {
      const algo = (system.get(`strategy:${s.spec.name}`) as AnyActorRef | undefined)?.getSnapshot()?.context?.algo as { id: string; ref: AnyActorRef } | null | undefined;
      const key = s.spec.name;
      if (!algo) {
        this.algoStates.delete(key);
        continue;
      }
      const state = `${algo.id} ${stateString(algo.ref.getSnapshot().value) ?? ''}`;
      if (this.algoStates.get(key) === state) continue;
      this.algoStates.set(key, state);
      const at = this.engine.clock.now();
      this.pending.push({ kind: 'state', at, change: { at, actor: `algo:${algo.id}`, state: state.slice(algo.id.length + 1) } });
    }
  }

  /** Keeps the due time of every delayed event XState schedules (it does not persist them itself). */
  private recordTimers(): void {
    const scheduler = this.engine.actor.system.scheduler;
    const schedule = scheduler.schedule.bind(scheduler);
    let n = 0;
    scheduler.schedule = (source, target, event, delay, id = `legato.${++n}`) => {
      // A delay that is not finite never fires (a session that never closes): there is nothing to re-arm.
      if (source === target && Number.isFinite(delay)) this.due.set(`${source.sessionId}.${id}`, { ref: source, id, event, dueAt: this.engine.clock.now() + delay });
      schedule(source, target, event, delay, id);
    };
  }

  private snapshot(): JournalMeta {
    // The persisted tree holds the views the strategies would have held (view-gate.ts).
    this.engine.flushViews();
    const scheduled = this.engine.actor.system.getSnapshot()._scheduledEvents as Record<string, unknown>;
    const timers: JournalTimer[] = [];
    for (const [key, t] of this.due) {
      if (!(key in scheduled)) {
        this.due.delete(key);
        continue;
      }
      const systemId = (t.ref as AnyActorRef & { systemId?: string }).systemId;
      if (systemId !== undefined) timers.push({ systemId, id: t.id, event: t.event, dueAt: t.dueAt });
    }
    return { kind: 'snapshot', at: this.engine.clock.now(), run: this.runNumber, actor: this.engine.actor.getPersistedSnapshot(), timers };
  }

  /** Live leg orders in the actor tree: client id → actor. */
  private liveOrders(): Map<string, AnyActorRef> {
    const out = new Map<string, AnyActorRef>();
    for (const [systemId, ref] of Object.entries(this.engine.actor.system.getAll())) {
      if (!systemId.startsWith('order:')) continue;
      const r = ref as AnyActorRef;
      // An algo's spare order (dormant, not yet sent) is nothing the venue knows.
      const snapshot = r.getSnapshot();
      if (snapshot.status === 'active' && snapshot.value !== 'dormant') out.set(systemId.slice('order:'.length), r);
    }
    return out;
  }

  private enginePositions(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const s of this.engine.config.strategies) for (const l of s.definition.legs) out[l.symbol] = (out[l.symbol] ?? 0) + this.engine.position(s.spec.name, l.symbol);
    return out;
  }

  /**
   * The reconciliation after a reconnection, tried again while the venue stays connected: until it succeeds, the
   * venue holds its live messages (and a venue whose clock the engine follows holds the time), so nothing trades on
   * books that may not be the venue's. Each failure is a warning with the wait before the next attempt (1 s, doubling
   * up to 30 s; `reconcileRetryMs` sets the first). A connection lost meanwhile ends the attempts: the next
   * reconnection starts them again. A journal closed meanwhile (the run stopped) ends them too.
   */
  private async reconcileUntilAgreed(venue: { isConnected?: () => boolean }): Promise<void> {
    let wait = this.options.reconcileRetryMs ?? 1000;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.reconcile(true);
        return;
      } catch (e) {
        if (this.closed || venue.isConnected?.() === false) throw e;
        this.warn(`reconciling with the venue failed (attempt ${attempt}: ${(e as Error).message}); trying again in ${wait} ms, nothing trades meanwhile`);
        await new Promise((resolve) => setTimeout(resolve, wait).unref?.());
        if (this.closed || venue.isConnected?.() === false) throw e;
        wait = Math.min(2 * wait, RECONCILE_RETRY_MAX_MS);
      }
    }
  }

  /**
   * Asks the venue about every order the tree has live and every order open there. Known orders are adopted
   * (their missing fills and status are applied, once); orders that never reached the venue end as rejected;
   * open orders nobody here knows are cancelled per policy. Positions are compared.
   */
  private async reconcile(resumed: boolean): Promise<void> {
    const live = this.liveOrders();
    // Orders made while replaying (still in the outbox) have not been sent yet: they are not the venue's to judge.
    for (const id of [...live.keys()]) if (this.outbox.holds(id)) live.delete(id);
    const venue = this.outbox.inner;
    const result: Reconciliation = { adopted: [], lost: [], unknownOpen: [], canceledUnknown: [], fillsApplied: 0, positions: { engine: {}, venue: null } };
    const now = (): number => this.engine.clock.now();
    if (!venue.sync) {
      for (const id of live.keys()) {
        result.lost.push(id);
        this.outbox.inject({ type: 'order.rejected', clientId: id, reason: 'the venue cannot report on orders after a restart', at: now() });
      }
    } else {
      const answer = await venue.sync([...live.keys()].map((id) => this.outbox.venueId(id)));
      for (const o of answer.orders) {
        const id = this.outbox.engineId(o.clientId);
        const ref = id === undefined ? undefined : live.get(id);
        if (id === undefined || !ref) continue;
        const heard = heardOf(ref.getSnapshot());
        for (const r of missedReports(id, heard, o, now(), 'never reached the venue (engine restarted)')) {
          if (r.type === 'order.filled') result.fillsApplied++;
          this.outbox.inject(r);
        }
        if (o.status === 'unknown') {
          result.lost.push(id);
          continue;
        }
        result.adopted.push(id);
        if (o.status !== 'open' && o.status !== 'pending') continue;
        const state = stateString(ref.getSnapshot().value);
        // The cancel may not have left before the crash: ask again (a second cancel is harmless).
        if (state === 'pendingCancel') this.outbox.cancel(id);
        else if (state === 'replacing' && heard.replacing && !replaceDone(heard, o)) {
          // A replace in flight at the crash that the venue's price says did not happen (or the venue does not say):
          // asked again, as replacing an order with the price it has already changes nothing.
          if (this.outbox.replace) this.outbox.replace(id, heard.replacing);
          else this.outbox.inject({ type: 'order.replaceRejected', clientId: id, reason: 'the venue cannot replace orders', at: now() });
        }
      }
      for (const venueId of answer.open) {
        const id = this.outbox.engineId(venueId);
        if (id !== undefined && live.has(id)) continue;
        result.unknownOpen.push(venueId);
        if ((this.options.unknownOrders ?? 'cancel') === 'cancel') {
          result.canceledUnknown.push(venueId);
          venue.cancel(venueId);
        }
      }
      result.positions.venue = { ...answer.positions };
    }
    result.positions.engine = this.enginePositions();
    this.reconciliation = result;
    if (resumed || result.unknownOpen.length > 0) this.add({ kind: 'reconciled', at: now(), ...result });
    if (resumed && result.positions.venue) {
      const v = result.positions.venue;
      const e = result.positions.engine;
      const off = Object.keys(e).filter((s) => (v[s] ?? 0) !== e[s]);
      if (off.length > 0) this.warn(`positions differ from the venue's after reconciling: ${off.map((s) => `${s} engine ${e[s]} venue ${v[s] ?? 0}`).join(', ')}`);
    }
  }
}
