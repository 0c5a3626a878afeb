import type { AnyActorRef } from 'xstate';
import type { MarketView } from '../domain/quote.js';

/** A guard as XState calls it: the context and event, and the guard's params. */
type Guard = (args: { context: unknown; event: unknown }, params: unknown) => unknown;

/** An actor the gate asks, and how its machine stores a view (the machine's own `withView`). */
export interface ViewProbe {
  ref: AnyActorRef;
  withView: (context: never, view: MarketView) => object;
  /**
   * The gate's memo, kept on the probe: the last snapshot of `ref` it surveyed and what it found. An actor's
   * snapshots only move forward, so the last one is the only one asked about again (thousands of times while an
   * algo works, between two of its steps).
   */
  surveyed?: object;
  survey?: Survey | null;
}

/**
 * Crossings, not views (DESIGN §7).
 *
 * A strategy used to be sent every view past its decision filter (every view that changed a book, while an algo
 * ran), each a macrostep in two actors (20–40 µs) though almost none changed anything: the machines store the view,
 * then re-evaluate their guarded eventless transitions. The gate sends a view only when it is a crossing: when a
 * guard that could fire now (of an eventless transition of an active state of the strategy or its running algo)
 * answers differently with the new view than with the one the machine holds. Otherwise the view is held, and
 * delivered (the newest only) before anything else reaches the actor tree: a delayed event firing, a venue report,
 * an operator's control, a journal snapshot. So every decision is made on the view it was made on before, and the
 * machines still make every decision: the gate only asks them, by their own guards, whether a view is news.
 *
 * Why that is exact: after a macrostep no eventless transition is enabled. A view's only handler stores it; a
 * guard answers from what it reads, so the guards that did not read the stored view answer alike with either view,
 * and when the ones that did answer alike too, storing the view enables nothing: the machine is where it would be,
 * but for the view it holds, and that view is brought up to date before the next event that could read it.
 */
export class ViewGate {
  /** Per strategy, the newest view not yet delivered, and where to deliver it. */
  private readonly held = new Map<string, { ref: AnyActorRef; view: MarketView }>();
  /** Views held back (`quiet` of them without asking the machines), and views sent on (as crossings or to bring an actor up to date). */
  readonly counts = { held: 0, quiet: 0, crossings: 0, flushed: 0 };

  /**
   * Whether `view` must reach the strategy `ref` now. False means it was held: `flush` delivers it later. It goes
   * now when any of `probes` (the strategy, and its running algo) would answer one of its guards differently.
   */
  admit(strategy: string, ref: AnyActorRef, probes: readonly ViewProbe[], view: MarketView): boolean {
    for (const p of probes) {
      if (this.isCrossing(p, view)) {
        this.held.delete(strategy);
        this.counts.crossings++;
        return true;
      }
    }
    this.keep(strategy, ref, view);
    return false;
  }

  /**
   * Holds `view` for the strategy `ref` without asking its machines: for a view its decision filter already knows to
   * be no news for the strategy's state (`DecisionFilter.quiet`), which no algo reads (none runs then).
   */
  hold(strategy: string, ref: AnyActorRef, view: MarketView): void {
    this.counts.quiet++;
    this.keep(strategy, ref, view);
  }

  private keep(strategy: string, ref: AnyActorRef, view: MarketView): void {
    // A strategy already holding a view keeps its place in the delivery order, and its record.
    const h = this.held.get(strategy);
    if (h === undefined) this.held.set(strategy, { ref, view });
    else {
      h.ref = ref;
      h.view = view;
    }
    this.counts.held++;
  }

  /** Whether a view is held for anyone (a cheap test before `flush`). */
  get holding(): boolean {
    return this.held.size > 0;
  }

  /** Delivers every held view, with `deliver`, in the order the strategies were held; forgets them. */
  flush(deliver: (strategy: string, ref: AnyActorRef, view: MarketView) => void): void {
    if (this.held.size === 0) return;
    const due = [...this.held];
    this.held.clear();
    for (const [strategy, { ref, view }] of due) {
      this.counts.flushed++;
      deliver(strategy, ref, view);
    }
  }

  /** Delivers one strategy's held view, if it has one, with `deliver`; forgets it. */
  flushOne(strategy: string, deliver: (strategy: string, ref: AnyActorRef, view: MarketView) => void): void {
    const h = this.held.get(strategy);
    if (h === undefined) return;
    this.held.delete(strategy);
    this.counts.flushed++;
    deliver(strategy, h.ref, h.view);
  }

  /** Forgets a strategy's held view (the strategy stopped: it hears nothing more). */
  drop(strategy: string): void {
    this.held.delete(strategy);
  }

  private isCrossing(probe: ViewProbe, view: MarketView): boolean {
    const snap = probe.ref.getSnapshot() as Snapshot | undefined;
    if (!snap || snap.status !== 'active' || !snap.context) return true;
    if (probe.surveyed !== snap) {
      const last = probe.surveyed as Snapshot | undefined;
      // A step that changed nothing the guards read (the same active states, the same value under every context key
      // they read) leaves every answer as it was: the survey stands.
      if (last !== undefined && probe.survey && sameForGuards(last, snap, probe.survey.read)) probe.survey.next = undefined;
      else probe.survey = survey(probe.ref, snap, view);
      probe.surveyed = snap;
    }
    const before = probe.survey;
    if (!before) return true;
    if (before.guards.length === 0) return false;
    // The context as it would be with the view stored: copied once per snapshot, its market fields written per view
    // (a snapshot is asked about thousands of views while an algo works; the guards keep neither argument).
    const next = (before.next ??= { ...snap.context });
    Object.assign(next, probe.withView(snap.context as never, view));
    const event = before.event;
    event.view = view;
    for (let i = 0; i < before.guards.length; i++) {
      const was = before.values[i];
      const now = answer(before.guards[i]!, next, event);
      // A guard that reads the event's view: the view is news when the guard would let its transition be taken.
      if (was === ON_EVENT ? now === 'threw' || Boolean(now) : now !== was) return true;
    }
    return false;
  }
}

/** What the gate reads of a snapshot: XState's active state nodes (`_nodes`) and the context. */
interface Snapshot {
  status: string;
  context?: object;
  _nodes?: readonly StateNodeLike[];
}
interface StateNodeLike {
  always?: readonly { guard?: unknown }[];
  transitions?: Map<string, readonly { guard?: unknown }[]>;
}

/** The guards a view could change the answer of in one snapshot, with their answers then. */
export interface Survey {
  guards: Guard[];
  /** Each guard's answer with the view held, or `ON_EVENT` for one that reads the event's view. */
  values: unknown[];
  /** The snapshot's context with a view stored, written again for each view asked about (made at the first). */
  next: object | undefined;
  /** The event the guards are asked with, its view written again for each view. */
  event: { type: 'spread.quoted'; view: MarketView };
  /** Every context key any of the snapshot's guards read (those a view cannot change the answer of included). */
  read: Set<PropertyKey>;
}

/**
 * Whether the guards of `next` answer as they did in `last`: the same active state nodes, and under every context key
 * they read the same value (context parts are replaced, never changed in place, so the same object is the same value).
 */
function sameForGuards(last: Snapshot, next: Snapshot, read: ReadonlySet<PropertyKey>): boolean {
  const a = last._nodes;
  const b = next._nodes;
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  const c = last.context as Record<PropertyKey, unknown> | undefined;
  const d = next.context as Record<PropertyKey, unknown> | undefined;
  if (!c || !d) return false;
  for (const k of read) if (c[k] !== d[k]) return false;
  return true;
}

/** The answer recorded for a guard that reads the event's view (see `survey`). */
const ON_EVENT = Symbol('reads the event');

/** What a view changes: the context fields a machine's `withView` sets. */
const MARKET_FIELDS = new Set<PropertyKey>(['market', 'latest']);

/**
 * The guards of a snapshot that a new view could answer differently, with their answers now; null when the
 * machine cannot be read (then every view is a crossing).
 *
 * Only two kinds of guard are evaluated when a view is stored: those of the active states' eventless transitions,
 * and those of the active states' `spread.quoted` transitions. Every other guard is evaluated at its own event,
 * and the held view is delivered before that event. Of those, only the guards that read a market field of the
 * context, or the event's view, now can answer differently: a guard is a function of what it reads, and one that
 * read none of them answers alike whatever view is stored. A guard that reads the event's view is asked about each
 * view itself: the view is a crossing when the guard answers true with it (its transition would be taken).
 * Composite guards (`and`, `or`, `not`) are taken apart into the guards they combine.
 */
function survey(ref: AnyActorRef, snap: Snapshot, view: MarketView): Survey | null {
  const named = (ref as unknown as { logic?: { implementations?: { guards?: Record<string, unknown> } } }).logic?.implementations?.guards;
  if (!named || !Array.isArray(snap._nodes)) return null;
  const atoms = new Set<Guard>();
  const collect = (g: unknown): boolean => {
    if (g === undefined) return true;
    if (typeof g === 'string' || (typeof g === 'object' && g !== null && typeof (g as { type?: unknown }).type === 'string')) {
      const impl = named[typeof g === 'string' ? g : (g as { type: string }).type] as Guard | undefined;
      if (typeof impl !== 'function') return false;
      const params = typeof g === 'object' ? (g as { params?: unknown }).params : undefined;
      // With params (given, or computed from the context and event), the guard is asked with them.
      atoms.add(params === undefined ? impl : (args) => impl(args, typeof params === 'function' ? (params as (a: unknown) => unknown)(args) : params));
      return true;
    }
    if (typeof g !== 'function') return false;
    const parts = (g as { guards?: unknown }).guards;
    if (Array.isArray(parts)) return parts.every(collect);
    atoms.add(g as Guard);
    return true;
  };
  for (const node of snap._nodes) {
    for (const t of node.always ?? []) if (!collect(t.guard)) return null;
    for (const t of node.transitions?.get('spread.quoted') ?? []) if (!collect(t.guard)) return null;
  }
  let read = false;
  let readEvent = false;
  const keys = new Set<PropertyKey>();
  const watched = new Proxy(snap.context!, {
    get(target, key, receiver) {
      keys.add(key);
      if (MARKET_FIELDS.has(key)) read = true;
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  const event = new Proxy(
    { type: 'spread.quoted', view },
    {
      get(target, key, receiver) {
        if (key === 'view') readEvent = true;
        return Reflect.get(target, key, receiver) as unknown;
      },
    },
  );
  const out: Survey = { guards: [], values: [], next: undefined, event: { type: 'spread.quoted', view }, read: keys };
  for (const g of atoms) {
    read = false;
    readEvent = false;
    const value = answer(g, watched, event);
    if (!read && !readEvent) continue;
    out.guards.push(g);
    // A guard that reads the event's view answers about that view, not the one held: a view is news to it when its
    // transition would be taken with it (its answer is true), whatever it answered with the view surveyed with.
    out.values.push(readEvent ? ON_EVENT : value);
  }
  return out;
}

/** A guard's answer (a guard that throws answers 'threw'). */
function answer(guard: Guard, context: object, event: object): unknown {
  try {
    return guard({ context, event }, undefined);
  } catch {
    return 'threw';
  }
}
