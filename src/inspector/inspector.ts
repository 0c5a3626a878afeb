/**
 * The inspector's collector: it turns XState's inspection events of an engine into the inspection stream
 * (records.ts), keeps the current state of every actor for pages that join late, coalesces what a page is
 * sent (the latest state and context per actor per flush, a bounded slice of the event log), and writes
 * every record to a recording when asked.
 *
 * The observer does as little as it can per event: it keeps references and appends records; contexts are
 * serialized only at a flush, once per changed actor.
 */
import type { Writable } from 'node:stream';
import { explain, stateString, type ControlAction, type ControlResult, type Engine, type EngineRecord, type LegQuote, type ResolvedStrategy, type WhyChain } from '../index.js';
import type { DeskControl } from './controls.js';
import { buildDesk, type Desk } from './desk.js';
import type { MachineLike } from './diagram.js';
import type { InspectRecord } from './records.js';
import { activePaths, actorId, toPlain, type Rewrite } from './serialize.js';

export interface InspectorOptions {
  /** Wall milliseconds between flushes to pages and the recording (default 100). */
  flushMs?: number;
  /** Events a page that joins late is sent (default 2000). */
  logSize?: number;
  /** Most events sent to pages per flush; the rest are counted as skipped (default 400). Recordings keep all. */
  maxEventsPerFlush?: number;
  /** Write every record, and the venue's leg quotes, to this stream as JSON lines. */
  record?: Writable;
  /**
   * Wall milliseconds between desk updates to pages (default 250: at most 4 a second), each sent only when the
   * desk changed. Without a page connected no desk is built and no leg quote is looked at.
   */
  deskMs?: number;
}

/** What a subscriber (a page's connection) gets per flush. */
export interface Batch {
  records: InspectRecord[];
  /** Events left out of this batch to keep the page responsive (all are in a recording). */
  skipped: number;
}

interface ActorInfo {
  id: string;
  parent: string | null;
  machine: string | null;
  created: InspectRecord & { k: 'actor' };
  state: (InspectRecord & { k: 'state' }) | null;
  context: (InspectRecord & { k: 'context' }) | null;
  contextJson: string;
  end: (InspectRecord & { k: 'end' }) | null;
  snapshot: unknown;
  strategy: string | null;
  /** An algo or order spawned ahead (dormant): when its launch (`algo.launched`, `order.launched`) reached it, its start for the desk. */
  launchedAt?: number;
}

interface InspectionEventLike {
  type: string;
  actorRef: { logic?: unknown; _parent?: unknown };
  sourceRef?: unknown;
  event?: { type: string; view?: { spread: { bid: number; ask: number } | null } };
  snapshot?: { value?: unknown; status?: string; context?: unknown };
  _transitions?: { source: { id: string }; target?: { id: string }[]; actions?: unknown[] }[];
}

const KEEP_ENDED = 40;
/** Engine records kept for "why" on a live page (the latest; an algo older than them is no longer explained). */
export const WHY_KEEP_RECORDS = 50_000;
const MAX_SPREAD_POINTS = 20_000;
const MAX_MARKS = 5_000;

/** A transition's action as the page lists it: its name (XState's own actions without the prefix). */
function actionLabel(a: unknown): string {
  const type = typeof a === 'string' ? a : ((a as { type?: unknown } | null)?.type ?? (a as { name?: unknown } | null)?.name);
  return typeof type === 'string' ? type.replace(/^xstate\./, '') : '';
}

/** The strategy an actor belongs to, from its id (`strategy:x`, `session:x`, `algo:x/n`, `order:x/n.k`). */
function strategyOf(id: string): string | null {
  const m = /^(?:strategy|session):(.+)$/.exec(id) ?? /^(?:algo|order):(.+?)\/\d+/.exec(id);
  return m ? m[1]! : null;
}

export class Inspector {
  /** Pass this as `createEngine(config, { inspect: inspector.observer })`. */
  readonly observer = { next: (e: unknown): void => this.onInspection(e as InspectionEventLike) };

  private engine: Engine | null = null;
  private readonly options: Required<Omit<InspectorOptions, 'record'>>;
  private readonly recordTo: Writable | undefined;
  private readonly actors = new Map<string, ActorInfo>();
  private readonly ended: string[] = [];
  private readonly machinesById = new Map<string, MachineLike>();
  private readonly log: (InspectRecord & { k: 'event' })[] = [];
  private readonly pending: InspectRecord[] = [];
  private readonly dirty = new Set<ActorInfo>();
  private readonly lastEvent = new Map<unknown, InspectRecord & { k: 'event' }>();
  private readonly byEvent = new WeakMap<object, InspectRecord & { k: 'event' }>();
  private readonly refIds = new WeakMap<object, string>();
  private readonly listeners = new Set<(b: Batch) => void>();
  private readonly spreads: (InspectRecord & { k: 'spread' })[] = [];
  private readonly marks: InspectRecord[] = [];
  private readonly lastSpread = new Map<string, string>();
  private readonly strategies = new Map<string, ResolvedStrategy>();
  private meta: InspectRecord & { k: 'meta' } = { k: 'meta', version: 1, zone: 'UTC', start: 0, strategies: [] };
  private seq = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private closed = false;
  /** The desk, while pages watch: its timer, the leg quotes seen, what changed since it was last built. */
  private deskTimer: ReturnType<typeof setInterval> | undefined;
  private deskQuotes: { unsubscribe(): void } | undefined;
  private readonly quotes = new Map<string, LegQuote>();
  private changes = 0;
  private deskBuilt = -1;
  private deskJson = '';
  private lastDesk: (InspectRecord & { k: 'desk' }) | null = null;
  private readonly lastDeskSpread = new Map<string, string>();
  /** The engine's latest records, for `why`. */
  private readonly whyRecords: EngineRecord[] = [];

  constructor(options: InspectorOptions = {}) {
    this.options = { flushMs: options.flushMs ?? 100, logSize: options.logSize ?? 2000, maxEventsPerFlush: options.maxEventsPerFlush ?? 400, deskMs: options.deskMs ?? 250 };
    this.recordTo = options.record;
  }

  /** Connects the engine built with `inspect: inspector.observer`: its clock, strategies, fills and algos. */
  attach(engine: Engine): void {
    this.engine = engine;
    const cfg = engine.config;
    for (const s of cfg.strategies) this.strategies.set(s.spec.name, s);
    this.meta = {
      k: 'meta',
      version: 1,
      zone: cfg.venue.calendar.timeZone,
      start: engine.clock.now(),
      strategies: cfg.strategies.map((s) => ({ name: s.spec.name, triggers: { ...s.triggerPrices }, legs: s.definition.legs.map((l) => l.symbol) })),
      instruments: [...new Map(cfg.strategies.flatMap((s) => s.definition.legs.map((l) => [l.symbol, { symbol: l.symbol, tickSize: String(l.tickSize) }] as const))).values()],
    };
    this.write([this.meta]);
    // Records made before the engine was attached get its start time.
    for (const r of this.pending) if ('t' in r && r.t === 0) r.t = this.meta.start;
    engine.fills$.subscribe((f) => this.push({ k: 'fill', t: f.at, strategy: f.strategy, algoId: f.algoId, side: f.side, symbol: f.symbol, price: f.price, qty: f.qty }, true));
    engine.records$.subscribe({
      next: (r) => {
        // Every record goes to a recording (what `legato why` reads) and, bounded, to the live page's "why".
        this.whyRecords.push(r);
        if (this.whyRecords.length > 2 * WHY_KEEP_RECORDS) this.whyRecords.splice(0, this.whyRecords.length - WHY_KEEP_RECORDS);
        if (this.recordTo) this.pending.push({ k: 'record', t: r.at, record: r });
        if (r.kind !== 'algo.started') return;
        const def = this.strategies.get(r.strategy)?.definition;
        this.push({ k: 'algo', t: r.at, strategy: r.strategy, algoId: r.algoId, phase: 'start', purpose: r.purpose, side: r.side > 0 ? 'buy' : 'sell', ...(def ? { limit: String(def.fromScaled(r.limit)) } : {}) }, true);
      },
      complete: () => this.onEngineStopped(),
    });
    engine.executions$.subscribe((e) =>
      this.push({ k: 'algo', t: e.endedAt, strategy: e.strategy, algoId: e.algoId, phase: 'end', purpose: e.purpose, side: e.side, status: e.status, realized: e.realizedSpread }, true),
    );
    if (this.recordTo) {
      engine.venue.quotes$.subscribe((q) => this.pending.push({ k: 'quote', t: q.ts, symbol: q.symbol, bid: q.bid, bidSize: q.bidSize, ask: q.ask, askSize: q.askSize }));
    }
    this.timer ??= setInterval(() => this.flush(), this.options.flushMs);
    this.timer.unref?.();
    if (this.listeners.size > 0) this.startDesk();
  }

  /** The engine this inspector watches (after attach). */
  get attached(): Engine | null {
    return this.engine;
  }

  /** The machines seen so far, by machine id (their diagrams are drawn from these definitions). */
  machines(): Map<string, MachineLike> {
    return this.machinesById;
  }

  /** Everything a page that joins now needs: the header, every live (and recently ended) actor, the log, the chart. */
  snapshot(): InspectRecord[] {
    this.flush();
    const out: InspectRecord[] = [this.meta];
    for (const a of this.actors.values()) {
      out.push(a.created);
      if (a.state) out.push(a.state);
      if (a.context) out.push(a.context);
      if (a.end) out.push(a.end);
    }
    out.push(...this.log, ...this.spreads, ...this.marks);
    const desk = this.deskRecord();
    if (desk) out.push(desk);
    return out;
  }

  /**
   * Calls `fn` with every flushed batch, and with the desk when it changed (at most every `deskMs`); returns
   * the unsubscribe function. The desk is built only while someone is subscribed.
   */
  subscribe(fn: (b: Batch) => void): () => void {
    this.listeners.add(fn);
    this.startDesk();
    return () => {
      this.listeners.delete(fn);
      if (this.listeners.size === 0) this.stopDesk();
    };
  }

  /**
   * Why an algo (`<strategy>/<n>`) or an order (`<strategy>/<n>.<k>`) did what it did, from the engine's latest
   * records (see src/report/why.ts); throws WhyError for an id they do not hold.
   */
  why(id: string): WhyChain {
    const instruments = this.meta.instruments ?? [];
    return explain({ records: this.whyRecords, instruments }, id);
  }

  /** The desk now (spreads, strategies, algos, working orders), or null before an engine is attached. */
  desk(): Desk | null {
    return this.deskRecord()?.desk ?? null;
  }

  /**
   * Stops a strategy (for the rest of the run) or one algo, for a page (with the token); journalled with source
   * 'inspector' (Engine.stopStrategy, Engine.stopAlgo).
   */
  stop(target: string): { ok: true } | { ok: false; error: string } {
    if (!/^(strategy|algo):/.test(target)) return { ok: false, error: `only a strategy:<name> or algo:<id> can be stopped, not "${target.slice(0, 220)}"` };
    const ref = this.engine?.actor.system.get(target) as { getSnapshot(): { status: string } } | undefined;
    if (!this.engine || !ref || ref.getSnapshot().status !== 'active') return { ok: false, error: `no running actor ${target.slice(0, 220)}` };
    const r = target.startsWith('algo:') ? this.engine.stopAlgo(target.slice(5), { source: 'inspector' }) : this.engine.stopStrategy(target.slice(9), { source: 'inspector' });
    return r.ok ? { ok: true } : { ok: false, error: r.error };
  }

  /** The kill switch a page may use (with the token): pause, resume or flatten every strategy, or one; journalled with source 'inspector'. */
  control(action: ControlAction, strategy?: string): ControlResult {
    if (!this.engine) return { ok: false, error: 'no engine attached to the inspector' };
    return this.engine.control(action, { ...(strategy === undefined ? {} : { strategy }), source: 'inspector' });
  }

  /**
   * A desk control from a page (with the token): the kill switch, new triggers or target, a manual order, a stop of
   * one algo. The engine checks the values as the config would and journals each with source 'inspector'. The desk
   * is sent again at once, so the page sees what changed.
   */
  apply(c: DeskControl): ControlResult {
    const engine = this.engine;
    if (!engine) return { ok: false, error: 'no engine attached to the inspector', refusal: 'notRunning' };
    const source = { source: 'inspector' };
    let r: ControlResult;
    switch (c.action) {
      case 'setTriggers':
        r = engine.setTriggers(c.strategy, c.triggers, source);
        break;
      case 'setTarget':
        r = engine.setTarget(c.strategy, c.target, source);
        break;
      case 'startAlgo':
        r = engine.startAlgo(c.strategy, c.order, source);
        break;
      case 'stopAlgo':
        r = engine.stopAlgo(c.algoId, source);
        break;
      default:
        r = engine.control(c.action, { ...(c.strategy === undefined ? {} : { strategy: c.strategy }), source: 'inspector' });
    }
    if (r.ok) this.changes++;
    return r;
  }

  /** Sends the desk to the pages if it changed since it was last sent (a timer calls it every `deskMs` while pages watch). */
  sendDesk(): void {
    if (this.listeners.size === 0 || !this.engine) return;
    if (this.deskBuilt === this.changes && this.lastDesk) return;
    // What happened before it goes out first, so a page gets every record in the engine's order.
    this.flush();
    const r = this.deskRecord();
    if (!r) return;
    const json = JSON.stringify(r.desk);
    if (json === this.deskJson) return;
    this.deskJson = json;
    // The market spread as the desk shows it, for the chart (pages only: a recording holds what the strategies saw).
    const points: InspectRecord[] = [];
    for (const sp of r.desk.spreads) {
      const key = `${sp.bid} ${sp.ask}`;
      if (this.lastDeskSpread.get(sp.strategy) === key) continue;
      this.lastDeskSpread.set(sp.strategy, key);
      const p = { k: 'spread' as const, t: r.t, strategy: sp.strategy, bid: sp.bid, ask: sp.ask };
      this.keepSpread(p);
      points.push(p);
    }
    const batch = { records: [...points, r], skipped: 0 };
    for (const fn of this.listeners) fn(batch);
  }

  private deskRecord(): (InspectRecord & { k: 'desk' }) | null {
    const engine = this.engine;
    if (!engine) return null;
    if (this.deskBuilt === this.changes && this.lastDesk) return this.lastDesk;
    const actors = [];
    for (const a of this.actors.values()) {
      if (a.id.startsWith('algo:') || a.id.startsWith('order:')) actors.push({ id: a.id, createdAt: a.launchedAt ?? a.created.t, snapshot: a.snapshot, endedAt: a.end?.t ?? null });
    }
    this.deskBuilt = this.changes;
    this.lastDesk = { k: 'desk', t: engine.clock.now(), desk: buildDesk(engine, actors, this.quotes) };
    return this.lastDesk;
  }

  /** A page watches: follow the leg quotes and send the desk every `deskMs` when it changed. */
  private startDesk(): void {
    if (!this.engine || this.closed || this.deskTimer) return;
    this.deskQuotes = this.engine.venue.quotes$.subscribe((q) => {
      this.quotes.set(q.symbol, q);
      this.changes++;
    });
    this.deskTimer = setInterval(() => {
      try {
        this.sendDesk();
      } catch {
        // A desk that cannot be built now is sent on a later tick; the run goes on either way.
      }
    }, this.options.deskMs);
    this.deskTimer.unref?.();
  }

  /** Nobody watches: no desk is built and no quote looked at. */
  private stopDesk(): void {
    if (this.deskTimer) clearInterval(this.deskTimer);
    this.deskTimer = undefined;
    this.deskQuotes?.unsubscribe();
    this.deskQuotes = undefined;
    this.quotes.clear();
    this.lastDesk = null;
    this.deskJson = '';
    this.lastDeskSpread.clear();
  }

  /** Sends what is pending to the subscribers and the recording. Called on a timer; safe to call any time. */
  flush(): void {
    if (this.dirty.size > 0) {
      for (const a of this.dirty) this.flushContext(a);
      this.dirty.clear();
    }
    if (this.pending.length === 0) return;
    const records = this.pending.splice(0);
    this.write(records);
    if (this.listeners.size === 0) return;
    // Coalesce for pages: the last state per actor, a bounded slice of the log; no leg quotes.
    const lastState = new Map<string, InspectRecord>();
    let events = 0;
    for (const r of records) {
      if (r.k === 'state') lastState.set(r.id, r);
      else if (r.k === 'event') events++;
    }
    const max = this.options.maxEventsPerFlush;
    let skipEvents = Math.max(0, events - max);
    const skipped = skipEvents;
    const out: InspectRecord[] = [];
    for (const r of records) {
      if (r.k === 'quote' || r.k === 'record') continue;
      if (r.k === 'state' && lastState.get(r.id) !== r) continue;
      if (r.k === 'event' && skipEvents > 0) {
        skipEvents--;
        continue;
      }
      out.push(r);
    }
    const batch = { records: out, skipped };
    for (const fn of this.listeners) fn(batch);
  }

  /** Stops the timer and flushes; ends the recording stream if one was given. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.flush();
    if (this.timer) clearInterval(this.timer);
    this.stopDesk();
    const rec = this.recordTo;
    if (!rec) return Promise.resolve();
    return new Promise((resolve) => rec.end(resolve));
  }

  private write(records: InspectRecord[]): void {
    if (!this.recordTo || records.length === 0) return;
    this.recordTo.write(records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  }

  private now(): number {
    return this.engine ? this.engine.clock.now() : 0;
  }

  private push(r: InspectRecord, chart = false): void {
    this.changes++;
    this.pending.push(r);
    if (chart) {
      this.marks.push(r);
      if (this.marks.length > MAX_MARKS) this.marks.splice(0, this.marks.length - MAX_MARKS);
    }
    if (this.pending.length >= 8192) this.flush();
  }

  private idOf(ref: unknown): string {
    if (ref === null || typeof ref !== 'object') return '?';
    let id = this.refIds.get(ref);
    if (id === undefined) {
      id = actorId(ref);
      this.refIds.set(ref, id);
    }
    return id;
  }

  private onInspection(e: InspectionEventLike): void {
    if (this.closed) return;
    switch (e.type) {
      case '@xstate.actor':
        return this.onActor(e);
      case '@xstate.event':
        return this.onEvent(e);
      case '@xstate.microstep':
        return this.onMicrostep(e);
      case '@xstate.snapshot':
        return this.onSnapshot(e);
    }
  }

  private onActor(e: InspectionEventLike): void {
    const id = this.idOf(e.actorRef);
    const logic = e.actorRef.logic as Partial<MachineLike> | undefined;
    const machine = logic && typeof logic.id === 'string' && logic.root ? logic.id : null;
    if (machine && !this.machinesById.has(machine)) this.machinesById.set(machine, logic as MachineLike);
    const parent = e.actorRef._parent ? this.idOf(e.actorRef._parent) : null;
    const created = { k: 'actor' as const, t: this.now(), id, parent, machine };
    this.actors.set(id, { id, parent, machine, created, state: null, context: null, contextJson: '', end: null, snapshot: undefined, strategy: strategyOf(id) });
    this.push(created);
  }

  private onEvent(e: InspectionEventLike): void {
    const ev = e.event!;
    const target = this.idOf(e.actorRef);
    let source = e.sourceRef ? this.idOf(e.sourceRef) : null;
    if (source === null) source = ev.type === 'spread.quoted' ? '(market)' : ev.type.startsWith('order.') ? '(venue)' : ev.type === 'stop.requested' ? '(host)' : null;
    const r = { k: 'event' as const, t: this.now(), n: ++this.seq, type: ev.type, source, target, transitions: [] as string[] };
    this.byEvent.set(ev, r);
    this.lastEvent.set(e.actorRef, r);
    this.log.push(r);
    if (this.log.length > this.options.logSize * 2) this.log.splice(0, this.log.length - this.options.logSize);
    this.push(r);
    if (ev.type === 'spread.quoted' && target.startsWith('strategy:')) this.onSpread(target.slice(9), r.t, ev.view?.spread ?? null);
    else if (ev.type === 'algo.launched' || ev.type === 'order.launched') {
      const info = this.actors.get(target);
      if (info) info.launchedAt = r.t;
    }
  }

  private onSpread(strategy: string, t: number, q: { bid: number; ask: number } | null): void {
    const def = this.strategies.get(strategy)?.definition;
    if (!def) return;
    const bid = q ? String(def.fromScaled(q.bid)) : null;
    const ask = q ? String(def.fromScaled(q.ask)) : null;
    const key = `${bid} ${ask}`;
    if (this.lastSpread.get(strategy) === key) return;
    this.lastSpread.set(strategy, key);
    const r = { k: 'spread' as const, t, strategy, bid, ask };
    this.keepSpread(r);
    this.push(r);
  }

  /** Keeps a spread point for pages that join later, thinning the history (every other point) when it is full. */
  private keepSpread(r: InspectRecord & { k: 'spread' }): void {
    this.spreads.push(r);
    if (this.spreads.length > MAX_SPREAD_POINTS) {
      const kept = this.spreads.filter((_, i) => i % 2 === 1);
      this.spreads.splice(0, this.spreads.length, ...kept);
    }
  }

  private onMicrostep(e: InspectionEventLike): void {
    const info = this.actors.get(this.idOf(e.actorRef));
    if (info && e.snapshot) this.noteState(info, e.snapshot);
    const entry = (e.event && this.byEvent.get(e.event)) ?? this.lastEvent.get(e.actorRef);
    if (!entry) return;
    const prefix = info?.machine ? `${info.machine}.` : '';
    const rel = (id: string): string => (id.startsWith(prefix) ? id.slice(prefix.length) : id === info?.machine ? '(machine)' : id);
    for (const t of e._transitions ?? []) {
      if (t.target && t.target.length > 0) entry.transitions.push(`${rel(t.source.id)} → ${t.target.map((x) => rel(x.id)).join(', ')}`);
      else entry.transitions.push(`${rel(t.source.id)}: ${(t.actions ?? []).map(actionLabel).filter((a) => a !== '').join(', ') || 'no target'}`);
    }
  }

  private onSnapshot(e: InspectionEventLike): void {
    const info = this.actors.get(this.idOf(e.actorRef));
    const snap = e.snapshot;
    if (!info || !snap) return;
    info.snapshot = snap;
    this.changes++;
    this.dirty.add(info);
    this.noteState(info, snap);
  }

  /** A state record when the state or status changed (at each microstep, so it precedes the events its actions send). */
  private noteState(info: ActorInfo, snap: { value?: unknown; status?: string }): void {
    const value = snap.value === undefined ? '' : (stateString(snap.value) ?? '');
    const status = snap.status ?? 'active';
    if (!info.state || info.state.value !== value || info.state.status !== status) {
      info.state = { k: 'state', t: this.now(), id: info.id, value, paths: activePaths(snap.value), status };
      this.push(info.state);
    }
    if (status !== 'active' && !info.end) this.onEnd(info, status);
  }

  private onEnd(info: ActorInfo, status: string): void {
    this.flushContext(info);
    info.end = { k: 'end', t: this.now(), id: info.id, status };
    this.push(info.end);
    this.ended.push(info.id);
    while (this.ended.length > KEEP_ENDED) {
      const old = this.ended.shift()!;
      const a = this.actors.get(old);
      if (a?.end) this.actors.delete(old);
    }
  }

  private onEngineStopped(): void {
    for (const a of this.actors.values()) if (!a.end) this.onEnd(a, 'stopped');
    this.flush();
    this.changes++;
    this.sendDesk();
  }

  private flushContext(a: ActorInfo): void {
    const snap = a.snapshot as { context?: unknown } | undefined;
    if (!snap || snap.context === undefined) return;
    const plain = toPlain(snap.context, this.rewriter(a.strategy));
    const json = JSON.stringify(plain);
    if (json === a.contextJson) return;
    a.contextJson = json;
    a.context = { k: 'context', t: this.now(), id: a.id, context: plain };
    this.pending.push(a.context);
  }

  /** Scaled spread prices and leg ticks → decimal strings, for the strategy an actor belongs to. */
  private rewriter(strategy: string | null): Rewrite | undefined {
    const def = strategy ? this.strategies.get(strategy)?.definition : undefined;
    if (!def) return undefined;
    const spread = (n: unknown): unknown => (typeof n === 'number' ? String(def.fromScaled(n)) : n);
    const legBySymbol = new Map(def.legs.map((l) => [l.symbol, l]));
    const ticks = (symbol: string, n: unknown): unknown => {
      const leg = legBySymbol.get(symbol);
      return typeof n === 'number' && leg ? String(leg.tickSize.times(n)) : n;
    };
    const rewrite: Rewrite = (v, key) => {
      const o = v as Record<string, unknown>;
      if (key === 'triggers' && 'longEntry' in o) return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, x === null ? null : spread(x)]));
      if ('spread' in o && 'legs' in o && 'at' in o) {
        const s = o.spread as { bid: number; ask: number; bidSize: number; askSize: number } | null;
        return {
          at: o.at,
          spread: s ? { bid: spread(s.bid), bidSize: s.bidSize, ask: spread(s.ask), askSize: s.askSize } : null,
          legs: (o.legs as ({ symbol: string; bid: number; ask: number; bidSize: number; askSize: number; ts: number } | null)[]).map((q) =>
            q ? { symbol: q.symbol, bid: ticks(q.symbol, q.bid), bidSize: q.bidSize, ask: ticks(q.symbol, q.ask), askSize: q.askSize, ts: q.ts } : null,
          ),
        };
      }
      if ('purpose' in o && typeof o.limit === 'number' && 'kind' in o) {
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(o)) out[k] = k === 'limit' ? spread(x) : x;
        return toPlain(out, undefined, key, 1);
      }
      if (typeof o.symbol === 'string' && typeof o.price === 'number' && 'clientId' in o) {
        return toPlain({ ...o, price: ticks(o.symbol, o.price) }, undefined, key, 1);
      }
      return undefined;
    };
    return rewrite;
  }
}

/** Creates an inspector; pass `inspector.observer` to createEngine, then call `inspector.attach(engine)`. */
export function createInspector(options: InspectorOptions = {}): Inspector {
  return new Inspector(options);
}
