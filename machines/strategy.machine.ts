import { assign, enqueueActions, sendTo, setup, stopChild, type ActorRefFrom } from 'xstate';
import { hedgedUnits, isBalanced } from '../src/domain/position.js';
import type { MarketView, SpreadQuote } from '../src/domain/quote.js';
import type { Triggers } from '../src/domain/triggers.js';
import { algoMachine, type AlgoKind, type AlgoResult, type AlgoSpec, type Purpose } from './algo.machine.js';
import { sessionMachine, type SessionInput, type SessionNotice } from './session.machine.js';

/**
 * A spread strategy: flat | long | short, each idle or working one algo. When flat it works both
 * entries; in a position it works the exit, and keeps working the entry toward the target while the
 * position is short of it. It launches algos only while its session window is open (not closing), stops
 * the running algo when the window starts closing, and forgets an algo's id whenever one ends.
 *
 * An operator may change its triggers and target while it runs (the next launch uses them; a working algo
 * keeps the limit it was launched with), and may start a manual spread order on its spread when it is idle
 * (no algo of its own working) and its window is open: the manual algo is its child like any other, so its
 * fills count toward the strategy's position.
 */

export type { Triggers };

/**
 * The parts of an algo's spec that a strategy fixes once. `activeLeg` null picks at launch: the first
 * traded leg for a taker or contingent algo, the least liquid leg (smallest displayed size, in spread
 * units) for a quoting one.
 */
export type AlgoTemplate = Omit<AlgoSpec, 'id' | 'strategy' | 'purpose' | 'side' | 'qty' | 'limit' | 'activeLeg' | 'carried'> & { activeLeg: number | null };

export interface StrategySpec {
  name: string;
  triggers: Triggers;
  /** Target position in spread units (> 0). */
  target: number;
  algo: AlgoTemplate;
  session: Omit<SessionInput, 'now'>;
}

export interface StrategyInput {
  spec: StrategySpec;
  now: number;
  /** Leg lots held at start (default flat). */
  legLots?: number[];
}

export interface StrategyContext {
  spec: StrategySpec;
  /** Signed lots per leg held by this strategy; the spread position is the hedged part of these. */
  legLots: number[];
  market: MarketView | null;
  /** The running algo (null when none runs: the dormant one below is not running). */
  algo: { id: string; purpose: Purpose; ref: ActorRefFrom<typeof algoMachine> } | null;
  /**
   * The next algo, spawned ahead and dormant under the id it will have (`<name>/<seq + 1>`, child id `algo`), so that a
   * launch is an event to it, not a spawn (DESIGN §7). Spawned when an algo ends; absent (undefined or null) before
   * the first launch, while an algo runs, and in snapshots written before it existed: a launch then spawns one.
   */
  next?: ActorRefFrom<typeof algoMachine> | null;
  seq: number;
  /** True while the session window is open and not closing. */
  gateOpen: boolean;
  /** The kill switch: no new entries until resumed. */
  paused: boolean;
  session: ActorRefFrom<typeof sessionMachine>;
}

/** An operator's spread order (the desk's ticket): side, spread units, scaled limit and algo kind. */
export interface ManualOrder {
  side: 1 | -1;
  qty: number;
  /** Scaled spread price: buy at or below, sell at or above. */
  limit: number;
  kind: AlgoKind;
}

export type StrategyEvent =
  | { type: 'spread.quoted'; view: MarketView }
  | { type: 'stop.requested' }
  | { type: 'pause.requested' }
  | { type: 'resume.requested' }
  | { type: 'flatten.requested' }
  /** New trigger prices (scaled), validated by the engine; the next launch uses them. */
  | { type: 'triggers.requested'; triggers: Triggers }
  /** A new target position (spread units > 0), validated by the engine. */
  | { type: 'target.requested'; target: number }
  /** Start a manual algo now, if the strategy is idle and its window open (else it is ignored: see `canStartManual`). */
  | { type: 'manual.requested'; order: ManualOrder }
  /**
   * Lots of one leg (signed) the venue filled for an order no algo of the strategy still works (a fill racing a
   * cancel the venue confirmed, a fill after a reject, a fill past an order's size): they are the strategy's.
   */
  | { type: 'leg.stray'; leg: number; lots: number }
  | SessionNotice
  | AlgoDoneEvent;

/** An algo reached its final state: XState's done event, carrying the algo's result. */
export interface AlgoDoneEvent {
  type: `xstate.done.actor.${string}`;
  actorId: string;
  output: AlgoResult;
}

/** What a strategy outputs when it stops (its parent's xstate.done.actor.<name>). */
export interface StrategyResult {
  strategy: string;
  legLots: number[];
}

const position = (c: StrategyContext): number => hedgedUnits(c.legLots, c.spec.algo.tradingMultipliers);

/** The strategy's lots per leg once an ended algo's fills are counted. */
const lotsAfter = (c: StrategyContext, e: AlgoDoneEvent): number[] => c.legLots.map((l, i) => l + (e.output.filledLots[i] ?? 0));

/** The position the strategy holds once an ended algo's fills are counted (what `applyResult` will store). */
const positionAfter = (c: StrategyContext, e: AlgoDoneEvent): number => hedgedUnits(lotsAfter(c, e), c.spec.algo.tradingMultipliers);

/**
 * In an idle state, a view that reaches a trigger launches with it: the view is stored and the algo launched in one
 * microstep on the quote → order path, where `always` would launch in the next. No algo runs in an idle state, so
 * there is nothing to forward the view to; a view that launches nothing is the root's (stored, forwarded).
 */
const launchOnView = (purpose: TriggerPurpose) =>
  ({ guard: { type: 'viewWants', params: { purpose } }, target: 'working', actions: ['storeMarket', { type: 'launchAlgo', params: { purpose } }, 'sendLaunch'] }) as const;

/** The guard that a held view reaches a purpose's trigger. */
const WANTS = { longEntry: 'wantsLongEntry', longExit: 'wantsLongExit', shortEntry: 'wantsShortEntry', shortExit: 'wantsShortExit' } as const;

/** A launch on the view already held (eventless: after an algo ends, after a resume). */
const launchOnHeld = <P extends TriggerPurpose>(purpose: P) => ({ guard: WANTS[purpose], target: 'working', actions: [{ type: 'launchAlgo', params: { purpose } }, 'sendLaunch'] }) as const;

/**
 * The tag of an idle state that launches `purpose` at its trigger. An idle state's decisions read a view only
 * through its purposes' triggers (`wants`: is the spread quoted, and has it reached the trigger), except a quoting
 * strategy's (it also reads where the spread's mid is): see `watchedPurposes`.
 */
export const WATCHES = { longEntry: 'watches.longEntry', longExit: 'watches.longExit', shortEntry: 'watches.shortEntry', shortExit: 'watches.shortExit' } as const;
export type StrategyTag = (typeof WATCHES)[TriggerPurpose];

/**
 * The purposes whose triggers are all a strategy's decisions read of a view in its state now (an idle state's tags),
 * or null when they read more: any other state (an algo works, the strategy flattens or stops), or a quoting
 * strategy. A view that changes neither whether the spread is quoted nor which of these triggers it reaches can
 * change no decision there: the engine holds it for the strategy without asking its guards (engine.ts).
 */
export function watchedPurposes(snapshot: { tags: ReadonlySet<string>; context: StrategyContext }): TriggerPurpose[] | null {
  if (snapshot.context.spec.algo.kind === 'quoting') return null;
  const watched: TriggerPurpose[] = [];
  for (const purpose of PURPOSES) if (snapshot.tags.has(WATCHES[purpose])) watched.push(purpose);
  return watched.length > 0 ? watched : null;
}
const PURPOSES = ['longEntry', 'longExit', 'shortEntry', 'shortExit'] as const satisfies readonly TriggerPurpose[];

/**
 * A position's idle state: it launches the first purpose whose trigger the view reaches (on the view's event, or on
 * the view held), or a manual order. Tagged with the two purposes it watches (`WATCHES`).
 */
const idleLaunching = <A extends TriggerPurpose, B extends TriggerPurpose>(first: A, second: B) =>
  ({
    tags: [WATCHES[first], WATCHES[second]],
    on: {
      'manual.requested': { guard: 'canStartManual', target: 'working', actions: ['launchManual', 'sendLaunch'] },
      'spread.quoted': [launchOnView(first), launchOnView(second)],
    },
    always: [launchOnHeld(first), launchOnHeld(second)],
  }) as const;

/** What the strategy does with an ended algo, wherever it goes next. */
const algoEnded = ['applyResult', 'pauseWhenUnsafe', 'stopEndedAlgo', 'forgetAlgo', 'spawnNext'] as const;

/** What the strategy does with stray lots (`leg.stray`): count them, and pause if its legs are no longer balanced. */
const strayCounted = ['applyStray', 'pauseWhenNaked'] as const;

/** The purposes a strategy launches at its trigger prices (a flatten comes only from the kill switch, a manual order from an operator). */
type TriggerPurpose = Exclude<Purpose, 'flatten' | 'manual'>;

/** Whether the strategy starts an algo for `purpose` on `market` (the view it holds, or one an event brings). */
function wants(c: StrategyContext, purpose: TriggerPurpose, market: MarketView | null = c.market): boolean {
  const q = market?.spread;
  if (!c.gateOpen || c.paused || !q) return false;
  const t = c.spec.triggers;
  const pos = position(c);
  const allowed =
    purpose === 'longEntry' ? t.longEntry !== null && pos >= 0 && pos < c.spec.target
    : purpose === 'longExit' ? t.longExit !== null && pos > 0
    : purpose === 'shortEntry' ? t.shortEntry !== null && pos <= 0 && -pos < c.spec.target
    : t.shortExit !== null && pos < 0;
  if (!allowed) return false;
  if (c.spec.algo.kind === 'quoting') return quotingPrefers(c, purpose, q);
  switch (purpose) {
    case 'longEntry':
      return q.ask <= t.longEntry!;
    case 'longExit':
      return q.bid >= t.longExit!;
    case 'shortEntry':
      return q.bid >= t.shortEntry!;
    case 'shortExit':
      return q.ask <= t.shortExit!;
  }
}

/**
 * A quoting strategy rests its order at the trigger instead of waiting for the market to reach it. It
 * works one algo at a time, so when flat it quotes the entry nearer to the market (the long entry when
 * the spread mid is at or below the middle of the two entries); in a position it quotes the exit.
 */
function quotingPrefers(c: StrategyContext, purpose: TriggerPurpose, q: SpreadQuote): boolean {
  const t = c.spec.triggers;
  if (purpose === 'longExit' || purpose === 'shortExit') return true;
  const other = purpose === 'longEntry' ? t.shortEntry : t.longEntry;
  if (other === null || position(c) !== 0) return true;
  const mid = (q.bid + q.ask) / 2;
  const middle = (t.longEntry! + t.shortEntry!) / 2;
  return purpose === 'longEntry' ? mid <= middle : mid > middle;
}

/** The active leg of a new algo: as configured, else the first traded leg, or the least liquid for quoting. */
function chooseActiveLeg(c: StrategyContext, kind: AlgoKind = c.spec.algo.kind): number {
  const a = c.spec.algo;
  if (a.activeLeg !== null) return a.activeLeg;
  const traded = a.tradingMultipliers.map((tm, i) => ({ tm, i })).filter((x) => x.tm !== 0);
  if (kind !== 'quoting') return traded[0]!.i;
  let best = traded[0]!.i;
  let least = Infinity;
  for (const { tm, i } of traded) {
    const book = c.market?.legs[i];
    const units = book ? Math.min(book.bidSize, book.askSize) / Math.abs(tm) : Infinity;
    if (units < least) {
      least = units;
      best = i;
    }
  }
  return best;
}

/** Side, quantity and limit of the algo a purpose launches. */
export function orderFor(c: StrategyContext, purpose: TriggerPurpose): { side: 1 | -1; qty: number; limit: number } {
  const t = c.spec.triggers;
  const pos = position(c);
  switch (purpose) {
    case 'longEntry':
      return { side: 1, qty: c.spec.target - Math.max(0, pos), limit: t.longEntry! };
    case 'longExit':
      return { side: -1, qty: pos, limit: t.longExit! };
    case 'shortEntry':
      return { side: -1, qty: c.spec.target - Math.max(0, -pos), limit: t.shortEntry! };
    case 'shortExit':
      return { side: 1, qty: -pos, limit: t.shortExit! };
  }
}

/**
 * An algo's spec: the template with the launch's own parts, the same object `{ ...template, ...parts }` would give
 * (keys in the same order). In Node 20 a spread followed by keys the spread object lacks costs a microsecond or more
 * per key, Object.assign a fraction of that.
 */
function algoSpec(template: AlgoTemplate, parts: Partial<AlgoSpec> & Pick<AlgoSpec, 'activeLeg' | 'id' | 'strategy' | 'purpose' | 'side' | 'qty' | 'limit'>): AlgoSpec {
  return Object.assign({}, template, parts);
}

/** What storing a market view changes: the strategy decides its launches on it and hands it to the algo it launches. */
export function withView(view: MarketView | null): Partial<StrategyContext> {
  return { market: view };
}

/** What an action's `spawn` needs here: the algo by name, with its child id, system id and input. */
type AlgoSpawner = (systemId: string, input: { spec: AlgoSpec; market: MarketView | null }) => ActorRefFrom<typeof algoMachine>;

/** The next algo, dormant: its id is known (`<name>/<seq + 1>`), its spec is the template under that id until its launch. */
function spawnDormant(c: StrategyContext, spawn: AlgoSpawner): ActorRefFrom<typeof algoMachine> {
  const id = `${c.spec.name}/${c.seq + 1}`;
  const a = c.spec.algo;
  const activeLeg = a.activeLeg ?? a.tradingMultipliers.findIndex((tm) => tm !== 0);
  const spec = algoSpec(a, { activeLeg, id, strategy: c.spec.name, purpose: 'manual', side: 1, qty: 1, limit: 0 });
  return spawn(`algo:${id}`, { spec, market: null });
}

/** What `forwardToAlgo`, `stopAlgo` and `unwindAlgo` enqueue by name: an event for the running algo. */
type AlgoForward = {
  to: ActorRefFrom<typeof algoMachine>;
  event: Extract<StrategyEvent, { type: 'spread.quoted' }> | { type: 'session.closed' | 'session.opened' } | { type: 'stop.requested'; policy?: 'unwind' };
};
type ForwardSends = { type: 'sendToAlgo'; params: AlgoForward };

/**
 * An action that tells the running algo what `eventFor` makes of the strategy's event (nothing when it makes
 * nothing, or no algo runs), through `sendToAlgo`: relayed once the strategy's step is set, as the strategy's event
 * (the inspector names the strategy as its source). Not sent from a plain action: the algo's step, which may spawn
 * an order, would then run inside the strategy's. (`sendTo` alone cannot: with no target it sends to the strategy.)
 */
function toRunningAlgo(eventFor: (event: StrategyEvent) => AlgoForward['event'] | undefined) {
  // Typed by hand: `enqueueActions` left to infer inside `setup` breaks the other actions' inference (XSTATE-NOTES).
  return enqueueActions<StrategyContext, StrategyEvent, undefined, StrategyEvent, never, ForwardSends, never, never, never>(({ context, event, enqueue }) => {
    const to = context.algo?.ref;
    if (to === undefined) return;
    const forward = eventFor(event);
    if (forward !== undefined) enqueue({ type: 'sendToAlgo', params: { to, event: forward } });
  });
}

/** A launch: the next algo (the dormant one, else one spawned dormant now) becomes the running one. */
function launched(c: StrategyContext, spawn: AlgoSpawner, purpose: Purpose): Partial<StrategyContext> {
  const ref = c.next ?? spawnDormant(c, spawn);
  const seq = c.seq + 1;
  return { seq, next: null, algo: { id: `${c.spec.name}/${seq}`, purpose, ref } };
}

/** The spec of the algo just launched (`context.algo`), for its purpose: the trigger's, a flatten's or the operator's. */
function launchSpec(c: StrategyContext, e: StrategyEvent): AlgoSpec {
  const { id, purpose } = c.algo!;
  const strategy = c.spec.name;
  const a = c.spec.algo;
  if (purpose === 'manual') {
    const o = (e as Extract<StrategyEvent, { type: 'manual.requested' }>).order;
    return algoSpec(a, { kind: o.kind, activeLeg: chooseActiveLeg(c, o.kind), id, strategy, purpose, side: o.side, qty: o.qty, limit: o.limit });
  }
  if (purpose === 'flatten') {
    const activeLeg = a.tradingMultipliers.findIndex((tm) => tm !== 0);
    return algoSpec(a, { kind: 'taker', activeLeg, id, strategy, purpose, side: position(c) > 0 ? -1 : 1, qty: 0, limit: 0, carried: [...c.legLots] });
  }
  const { side, qty, limit } = orderFor(c, purpose);
  return algoSpec(a, { activeLeg: chooseActiveLeg(c), id, strategy, purpose, side, qty, limit });
}

export const strategyMachine = setup({
  types: {
    context: {} as StrategyContext,
    input: {} as StrategyInput,
    events: {} as StrategyEvent,
    tags: {} as StrategyTag,
  },
  actors: { algo: algoMachine, session: sessionMachine },
  actions: {
    storeMarket: assign(({ event }) => withView(event.type === 'spread.quoted' ? event.view : null)),
    /** The running algo sees every market update its strategy sees, and when the window closes and opens. */
    forwardToAlgo: toRunningAlgo((event) =>
      event.type === 'spread.quoted' ? event : event.type === 'session.closed' || event.type === 'session.opened' ? { type: event.type } : undefined,
    ),
    /** An event relayed to the running algo (`forwardToAlgo`, `stopAlgo`, `unwindAlgo`). */
    sendToAlgo: sendTo((_, params: AlgoForward) => params.to, (_, params: AlgoForward) => params.event),
    openGate: assign({ gateOpen: true }),
    forgetMarket: assign({ market: null }),
    closeGate: assign({ gateOpen: false }),
    /** The running algo stops (its hedge completes or unwinds per its stop policy). */
    stopAlgo: toRunningAlgo(() => ({ type: 'stop.requested' })),
    /** Flatten: the running algo stops and unwinds its leg-out, whatever its stop policy. */
    unwindAlgo: toRunningAlgo(() => ({ type: 'stop.requested', policy: 'unwind' })),
    pause: assign({ paused: true }),
    /**
     * After an algo ends the strategy pauses when relaunching would be unsafe. Pre-trade risk refused an entry: it
     * would only be refused again (resume to retry; a manual order refused is the operator's to retry, and the
     * strategy's own entries go on). Or the algo left its legs unbalanced (it ended `residual`: the venue refused the
     * unwind): an entry now would add lots to the naked leg on every launch, so the operator decides (flatten).
     */
    pauseWhenUnsafe: assign({
      paused: ({ context, event }) => {
        const e = event as AlgoDoneEvent;
        const out = e.output;
        return context.paused || (out.reason === 'riskRefused' && out.purpose !== 'manual') || !isBalanced(lotsAfter(context, e), context.spec.algo.tradingMultipliers);
      },
    }),
    /** Stray lots (`leg.stray`) count toward the strategy's legs like an algo's fills. */
    applyStray: assign({
      legLots: ({ context, event }) => (event.type === 'leg.stray' ? context.legLots.map((l, i) => (i === event.leg ? l + event.lots : l)) : context.legLots),
    }),
    /** Legs left unbalanced (stray lots): no new entries until the operator resumes or flattens. */
    pauseWhenNaked: assign({ paused: ({ context }) => context.paused || !isBalanced(context.legLots, context.spec.algo.tradingMultipliers) }),
    /** An operator's new triggers or target. */
    setTriggers: assign({ spec: ({ context, event }) => (event.type === 'triggers.requested' ? { ...context.spec, triggers: { ...event.triggers } } : context.spec) }),
    setTarget: assign({ spec: ({ context, event }) => (event.type === 'target.requested' ? { ...context.spec, target: event.target } : context.spec) }),
    /**
     * A manual algo, the strategy's child like its own (so its fills count toward the position). It starts from no
     * book: the view the strategy holds may be old (an idle strategy hears only the views that change a decision),
     * and from now on it is sent every view, the first of which the algo prices from.
     */
    /**
     * A manual algo, the strategy's child like its own (so its fills count toward the position). It starts from no
     * book: the view the strategy holds may be old (an idle strategy hears only the views that change a decision),
     * and from now on it is sent every view, the first of which the algo prices from.
     */
    launchManual: assign(({ context, spawn }) => launched(context, (systemId, input) => spawn('algo', { id: 'algo', systemId, input }), 'manual')),
    unpause: assign({ paused: false }),
    /** Flatten: an algo that takes over the strategy's leg lots and unwinds every leg to 0 at the far touch. */
    launchFlatten: assign(({ context, spawn }) => launched(context, (systemId, input) => spawn('algo', { id: 'algo', systemId, input }), 'flatten')),
    launchAlgo: assign(({ context, spawn }, params: { purpose: TriggerPurpose }) => launched(context, (systemId, input) => spawn('algo', { id: 'algo', systemId, input }), params.purpose)),
    /**
     * The launch itself: the running algo (the dormant one, now the strategy's) hears its spec and view. XState relays
     * it once this macrostep's snapshot is set, where it used to start a newly spawned algo, so the records keep their
     * order (the strategy's transition, then the algo's start, then its orders).
     */
    sendLaunch: sendTo(
      ({ context }) => context.algo!.ref,
      ({ context, event }) => ({ type: 'algo.launched' as const, spec: launchSpec(context, event), market: context.algo!.purpose === 'manual' ? null : context.market }),
    ),
    /** Every fill an algo made counts toward the position, whatever its status. */
    applyResult: assign({
      legLots: ({ context, event }) => lotsAfter(context, event as AlgoDoneEvent),
    }),
    /** Never skipped: the ended algo is stopped and its id dropped, so a new one can start. */
    stopEndedAlgo: stopChild(({ event }) => (event as AlgoDoneEvent).actorId),
    forgetAlgo: assign({ algo: ({ context, event }) => (context.algo?.id === (event as AlgoDoneEvent).output.algoId ? null : context.algo) }),
    /** The next algo, spawned dormant once the ended one is stopped (one child `algo` at a time). */
    spawnNext: assign(({ context, spawn }) => (context.algo === null && !context.next ? { next: spawnDormant(context, (systemId, input) => spawn('algo', { id: 'algo', systemId, input })) } : {})),
  },
  guards: {
    isLong: ({ context }) => position(context) > 0,
    isShort: ({ context }) => position(context) < 0,
    /** An algo ended: the position with its fills counted, read from the done event (guards run before actions). */
    endsLong: ({ context, event }) => positionAfter(context, event as AlgoDoneEvent) > 0,
    endsShort: ({ context, event }) => positionAfter(context, event as AlgoDoneEvent) < 0,
    wantsLongEntry: ({ context }) => wants(context, 'longEntry'),
    wantsLongExit: ({ context }) => wants(context, 'longExit'),
    wantsShortEntry: ({ context }) => wants(context, 'shortEntry'),
    wantsShortExit: ({ context }) => wants(context, 'shortExit'),
    /** `wants` on the view the event brings, before `storeMarket` stores it. */
    viewWants: ({ context, event }, params: { purpose: TriggerPurpose }) =>
      event.type === 'spread.quoted' && wants(context, params.purpose, event.view),
    hasNoAlgo: ({ context }) => context.algo === null,
    /**
     * A manual order starts only while the window is open and not closing (an order then would be stopped at once).
     * It is handled only in the idle states: refused while the strategy's own algo works, while it flattens or stops.
     * A paused strategy takes one: pausing stops its own entries, and trading out by hand is what an operator then does.
     */
    canStartManual: ({ context }) => context.gateOpen && context.algo === null,
    isFlat: ({ context }) => context.algo === null && context.legLots.every((l) => l === 0),
  },
}).createMachine({
  id: 'strategy',
  context: ({ input, spawn }) => ({
    spec: input.spec,
    legLots: input.legLots ?? input.spec.algo.tradingMultipliers.map(() => 0),
    market: null,
    algo: null,
    seq: 0,
    gateOpen: false,
    paused: false,
    session: spawn('session', { id: 'session', systemId: `session:${input.spec.name}`, input: { ...input.spec.session, now: input.now } }),
  }),
  on: {
    'spread.quoted': { actions: ['storeMarket', 'forwardToAlgo'] },
    'session.opened': { actions: ['openGate', 'forwardToAlgo'] },
    'session.closing': { actions: ['closeGate', 'stopAlgo'] },
    // A book from before the close is never used after it: the next launch waits for a book of the new session.
    'session.closed': { actions: ['closeGate', 'forgetMarket', 'stopAlgo', 'forwardToAlgo'] },
    // An algo ended (the session child never ends): straight to the position its fills leave, as `deciding` would
    // choose once they are counted (one microstep, not two).
    'xstate.done.actor.*': [
      { guard: 'endsLong', target: '.long', actions: algoEnded },
      { guard: 'endsShort', target: '.short', actions: algoEnded },
      { target: '.flat', actions: algoEnded },
    ],
    'stop.requested': '.stopping',
    // The kill switch: pause (no new entries; the algo stops its entry and hedges per its stop policy), resume,
    // and flatten (pause, unwind the algo's leg-out, then take every leg to 0).
    'pause.requested': { actions: ['pause', 'stopAlgo'] },
    'resume.requested': { actions: 'unpause' },
    'flatten.requested': '.flattening',
    // Stray lots: an idle strategy decides its state again on the lots it now holds; a working one when its algo ends.
    'leg.stray': [{ guard: 'hasNoAlgo', target: '.deciding', actions: strayCounted }, { actions: strayCounted }],
    // An operator's new triggers or target apply to the next launch. The view held is forgotten: it was kept for
    // the old triggers' decisions, and the engine sends the next view whatever it is.
    'triggers.requested': { actions: ['setTriggers', 'forgetMarket'] },
    'target.requested': { actions: ['setTarget', 'forgetMarket'] },
  },
  initial: 'deciding',
  states: {
    deciding: {
      always: [{ guard: 'isLong', target: 'long' }, { guard: 'isShort', target: 'short' }, { target: 'flat' }],
    },
    flat: {
      initial: 'idle',
      states: {
        idle: idleLaunching('longEntry', 'shortEntry'),
        working: {},
      },
    },
    long: {
      initial: 'idle',
      states: {
        idle: idleLaunching('longExit', 'longEntry'),
        working: {},
      },
    },
    short: {
      initial: 'idle',
      states: {
        idle: idleLaunching('shortExit', 'shortEntry'),
        working: {},
      },
    },
    flattening: {
      entry: ['pause', 'unwindAlgo'],
      always: [
        { guard: 'isFlat', target: 'deciding' },
        { guard: 'hasNoAlgo', actions: ['launchFlatten', 'sendLaunch'] },
      ],
      on: {
        // Stay until every leg is at 0: an ended algo's fills count, then the next flatten goes out if needed.
        'xstate.done.actor.*': { actions: ['applyResult', 'stopEndedAlgo', 'forgetAlgo', 'spawnNext'] },
        'flatten.requested': {},
        // Already paused; the next flatten takes them to 0 with the rest.
        'leg.stray': { actions: 'applyStray' },
      },
    },
    stopping: {
      entry: ['closeGate', 'stopAlgo'],
      always: { guard: 'hasNoAlgo', target: 'stopped' },
      on: {
        'xstate.done.actor.*': { actions: ['applyResult', 'stopEndedAlgo', 'forgetAlgo'] },
        // A stopping strategy launches nothing, but its algo may still be hedging and needs the market back.
        'session.opened': { actions: 'forwardToAlgo' },
        // Stopping already stops the algo per its policy; a flatten now would outlive the engine's stop.
        'flatten.requested': {},
        // Counted in the lots the strategy ends with (its output).
        'leg.stray': { actions: 'applyStray' },
      },
    },
    stopped: { type: 'final' },
  },
  output: ({ context }): StrategyResult => ({ strategy: context.spec.name, legLots: context.legLots }),
});
