import { and, assign, enqueueActions, not, sendTo, setup, stateIn, stopChild, type ActorRefFrom } from 'xstate';
import type { MarketView } from '../src/domain/quote.js';
import type { Side } from '../src/domain/orders.js';
import {
  orderMachine,
  type LegFilledEvent,
  type OrderCancelFailedEvent,
  type OrderLaunchedEvent,
  type OrderSpawnInput,
  type OrderReplacedEvent,
  type OrderReplaceFailedEvent,
  type OrderRole,
} from './order.machine.js';
import {
  afterFill,
  algoResult,
  allZero,
  entryLotsLeft,
  entrySliceLots,
  farTouch,
  fillUpdate,
  forgetUpdate,
  hasRole,
  hedgeLegsDeepEnough,
  hedgePrice,
  initialContext,
  isLadderRole,
  isRefused,
  isRejected,
  isWhole,
  ladderDone,
  ladderReport,
  legSide,
  maySend,
  needs,
  needsMissingBook,
  needsWithBook,
  orderOf,
  priceMoved,
  priceReached,
  quotePrice,
  settled,
  withView,
  type AlgoContext,
  type AlgoEvent,
  type AlgoInput,
  type AlgoResult,
  type AlgoSpec,
  type AlgoStatus,
  type EndReason,
  type HedgeMode,
  type LadderStep,
  type LadderStepReport,
  type OrderDoneEvent,
  type WorkingOrder,
} from './algo-context.js';

/**
 * One spread order being worked: pending → active → completed | stopped.
 *
 * `active` has two regions.
 * - `entry` works the order by one of three kinds, each a compound state:
 *   `taker` crosses the active leg while the spread is at the price; `contingent` sends every leg at once
 *   and unwinds if any leg is rejected or not filled in time; `quoting` rests the active leg at the price
 *   implied by the limit and the other legs' books, and re-quotes when that price moves.
 * - `hedge` is the one hedge mechanism all kinds share: the hedge ladder. When a leg is naked it rests the
 *   hedge at best + payup (`resting`, re-priced every interval), crosses the spread after the hedge timeout
 *   (`crossing`, a marketable limit no worse than a set number of ticks from where the ladder began), and
 *   unwinds the filled legs after the unwind timeout (`unwinding`). The ladder pauses while a needed leg has
 *   no usable book (a break, a disconnect) and resumes its step when the book returns.
 *
 * The algo ends only when no order is working and every leg holds the same whole number of spread units;
 * the one exception is `hedge.failed`, when the venue refused to let it unwind for `giveUpAfterMs`: it then
 * ends stopped with the residual reported.
 */

// The algo's types and two functions of its context, defined in algo-context.ts, for the modules that import them here.
export type { AlgoContext, AlgoEvent, AlgoInput, AlgoKind, AlgoLaunchedEvent, AlgoResult, AlgoSpec, AlgoStatus, EndReason, Exposure, HedgeLadder, LadderStep, LadderStepReport, OrderDoneEvent, Purpose } from './algo-context.js';
export { algoResult, withView } from './algo-context.js';

const abs = Math.abs;

/** Which orders to cancel: by role, or only the one the event names; `reprice` counts them as re-prices. */
type CancelParams = { role?: OrderRole; onlyEventOrder?: boolean; reprice?: boolean };

function selectCancels(context: AlgoContext, event: AlgoEvent, p: CancelParams): string[] {
  const named = 'clientId' in event ? event.clientId : undefined;
  return Object.entries(context.orders)
    .filter(([id, o]) => !o.cancelling && (!p.role || o.role === p.role) && (!p.onlyEventOrder || id === named))
    .map(([id]) => id);
}

/**
 * A re-price in place, where the venue can replace (the `venueReplaces` guard): the stale hedge order the event
 * names, at the ladder's price now; or the quote, at the implied price now. Orders being cancelled or replaced
 * are left alone.
 */
type ReplaceParams = { what: 'hedge' | 'quote' };

function selectReplaces(context: AlgoContext, event: AlgoEvent, p: ReplaceParams): { id: string; price: number }[] {
  if (p.what === 'hedge') {
    const id = 'clientId' in event ? event.clientId : undefined;
    const o = id === undefined ? undefined : context.orders[id];
    if (!o || o.cancelling || o.replacing || !isLadderRole(o.role)) return [];
    const price = hedgePrice(context, o.leg, o.side);
    return price === undefined ? [] : [{ id: id!, price }];
  }
  const price = quotePrice(context);
  if (price === undefined) return [];
  return replaceableQuotes(context).map((id) => ({ id, price }));
}

/** Quoting: the entry orders that may be re-priced in place now (not being cancelled or replaced). */
function replaceableQuotes(context: AlgoContext): string[] {
  return Object.entries(context.orders)
    .filter(([, o]) => o.role === 'entry' && !o.cancelling && !o.replacing)
    .map(([id]) => id);
}

/** The action pair that re-prices orders in place (see `sendReplaces`); each counts as a re-price. */
function replace(params: ReplaceParams) {
  return [
    { type: 'sendReplaces', params },
    { type: 'markReplacing', params },
  ] as const;
}

/** The action pair that cancels orders (see `sendCancels`). */
function cancel(params: CancelParams) {
  return [
    { type: 'sendCancels', params },
    { type: 'markCancelling', params },
  ] as const;
}

/** The first child id `o1`, `o2`, … that no working order holds. */
function freeSlot(orders: Record<string, WorkingOrder>): string {
  const working = Object.values(orders);
  for (let n = 1; ; n++) {
    const slot = `o${n}`;
    if (!working.some((o) => o.slot === slot)) return slot;
  }
}

/** What `launchOrders` enqueues by name: each launch, and the ask for one more spare. */
type LaunchSend = { to: ActorRefFrom<typeof orderMachine>; launch: OrderLaunchedEvent };
type LaunchSends = { type: 'sendLaunch'; params: LaunchSend } | { type: 'askForSpare'; params: undefined };
/** What `sendCancels` and `sendReplaces` enqueue by name: an order's cancel or re-price. */
type OrderSend = { to: ActorRefFrom<typeof orderMachine>; event: { type: 'cancel.requested' } | { type: 'replace.requested'; price: number } };
type OrderSends = { type: 'sendToOrder'; params: OrderSend };

type SpawnOrder = (src: 'order', options: { id: string; systemId: string; input: OrderSpawnInput }) => ActorRefFrom<typeof orderMachine>;

/**
 * An order spawned dormant under the next client id (`<id>.<seq + 1>`). The child's id is a slot reused once its order
 * has ended, not the client id: XState names the done event after the child's id and remembers every event type a
 * machine has seen, so unique ids would grow memory with every order ever sent. The client id stays the systemId and
 * the order's own name. No working order holds the slot (a spare, when there is one, is used before any spawn).
 */
function spawnDormant(context: Pick<AlgoContext, 'spec' | 'orders' | 'seq'>, spawn: SpawnOrder): ActorRefFrom<typeof orderMachine> {
  const clientId = `${context.spec.id}.${context.seq + 1}`;
  return spawn('order', { id: freeSlot(context.orders), systemId: `order:${clientId}`, input: { clientId } });
}

/** How long an order works before it reports stale: an entry's resubmit delay (a contingent leg's timeout), a ladder order's re-price interval. */
function staleAfterOf(spec: AlgoSpec, role: OrderRole): number {
  if (role !== 'entry') return spec.hedge.repriceMs;
  return spec.kind === 'contingent' ? spec.legTimeoutMs : spec.resubmitMs;
}

/** The algo's spare orders, first to be used first: `spares`, or a snapshot's older `spare` (see both). */
export function sparesOf(context: Pick<AlgoContext, 'spares' | 'spare'>): ActorRefFrom<typeof orderMachine>[] {
  return context.spares ?? (context.spare ? [context.spare] : []);
}

/** What sending orders changes in the context (`spare` only to drop an older snapshot's field: see `spare`). */
type Placed = Pick<AlgoContext, 'orders' | 'spares' | 'seq' | 'counts'> & { spare?: undefined };

/**
 * An order sent: the first spare (dormant under the next client id) when the algo holds one, else one spawned dormant
 * now (beyond the spares). It becomes a working order; `launchOrders` sends it its launch after the step, and
 * `counts.orders` counts it (a spare is not an order until it is sent).
 */
function spawnOrder(
  context: Pick<AlgoContext, 'spec' | 'orders' | 'spares' | 'spare' | 'seq' | 'counts'>,
  spawn: SpawnOrder,
  o: { leg: number; role: OrderRole; side: Side; qty: number; price: number },
): Placed {
  const spares = sparesOf(context);
  const ref = spares.length > 0 ? spares[0]! : spawnDormant(context, spawn);
  const seq = context.seq + 1;
  const clientId = `${context.spec.id}.${seq}`;
  // A copy with the new order last, as `{ ...orders, [clientId]: order }` would give: in Node 20 a spread followed by a
  // key the spread object lacks costs a microsecond or more per key, a copy and a store a fraction of that.
  const orders = Object.assign({}, context.orders);
  orders[clientId] = { ref, slot: ref.id, leg: o.leg, role: o.role, side: o.side, qty: o.qty, price: o.price, filled: 0, cancelling: false, replacing: false };
  const placed: Placed = { seq, orders, spares: spares.slice(1), counts: { ...context.counts, orders: context.counts.orders + 1 } };
  if (context.spare !== undefined) placed.spare = undefined;
  return placed;
}

/**
 * What a step sending several orders starts from; each `spawnOrder` leaves in it what the next one needs (the context
 * is not copied per order).
 */
function sending(context: AlgoContext): Pick<AlgoContext, 'spec' | 'orders' | 'spares' | 'spare' | 'seq' | 'counts'> {
  return { spec: context.spec, orders: context.orders, spares: sparesOf(context), seq: context.seq, counts: context.counts };
}

/** What a step that sent orders from `sending(context)` changes (with no order sent, the same values). */
function placedBy(context: AlgoContext, next: ReturnType<typeof sending>): Placed {
  const placed: Placed = { orders: next.orders, spares: next.spares, seq: next.seq, counts: next.counts };
  if (context.spare !== undefined) placed.spare = undefined;
  return placed;
}

/** The launch a working order hears when it is sent: its command, leg, role and stale delay. */
function launchOf(context: AlgoContext, clientId: string, o: WorkingOrder): OrderLaunchedEvent {
  return {
    type: 'order.launched',
    order: { clientId, symbol: context.spec.symbols[o.leg]!, side: o.side, qty: o.qty, price: o.price },
    leg: o.leg,
    role: o.role,
    staleAfterMs: staleAfterOf(context.spec, o.role),
  };
}

/**
 * Cancels the entry order to re-price it and goes back to `back` once it has ended; if the venue refused the
 * cancel and the order reports stale again, cancels it again. Shared by the taker and the quoting entry.
 */
const repricingEntry = <B extends string>(back: B) =>
  ({
    entry: cancel({ role: 'entry', reprice: true }),
    on: {
      'xstate.done.actor.*': { guard: 'isEntryOrder', target: back, actions: ['stopOrder', 'forgetOrder'] },
      'order.stale': { guard: 'isEntryOrder', actions: cancel({ role: 'entry' }) },
    },
  }) as const;

/** An entry order risk refused: the entry halts, and the stop policy applies to the hedge. */
const refusedEntry = {
  target: '#algo.active.entry.halted',
  actions: ['stopOrder', 'forgetOrder', { type: 'noteReason', params: { reason: 'riskRefused' } }, 'applyStopPolicy'],
} as const;

/**
 * Into the algo's kind once it may start (a quoting algo and a flatten at once; a taker or contingent entry when the
 * spread is at the price): from `starting` in the launch's macrostep, else from `pending` when a view lets it. Each
 * goes straight to its kind's entry, no state between: every microstep of a launch is on the quote → order path.
 */
const startAsKind = [
  { guard: and(['canStart', 'isContingent']), target: '#algo.active.entry.contingent' },
  { guard: and(['canStart', 'isQuoting']), target: '#algo.active.entry.quoting' },
  { guard: 'canStart', target: '#algo.active.entry.taker' },
] as const;

/**
 * The launch (`starting`, eventless): as `startAsKind`, but a taker that can send its first order now goes
 * straight to `working`, as `waiting` would send it: one microstep on the quote → order path, not two.
 */
const launchAsKind = [
  startAsKind[0],
  startAsKind[1],
  { guard: and(['canStart', not('isEntryFilled'), 'canEnter']), target: '#algo.active.entry.taker.working' },
  startAsKind[2],
] as const;

const toHalted = (reason: EndReason) => ({ target: '#algo.active.entry.halted', actions: { type: 'noteReason', params: { reason } } }) as const;

/** Every entry kind closes (to `halted`) on a stop, and when the ladder has turned to unwinding. */
const closesOnStopOrUnwind = {
  always: { guard: 'mustUnwind', ...toHalted('unwound') },
  on: { 'stop.requested': { ...toHalted('stopRequested'), actions: [{ type: 'noteReason', params: { reason: 'stopRequested' } }, 'applyStopPolicy'] } },
} as const;


export const algoMachine = setup({
  types: {
    context: {} as AlgoContext,
    input: {} as AlgoInput,
    events: {} as AlgoEvent,
    output: {} as AlgoResult,
  },
  actors: { order: orderMachine },
  actions: {
    /** Effect: the engine records the start (journal, metrics), with the view it was launched on (its cause). */
    reportStarted: (_: unknown, _params: { spec: AlgoSpec; market: MarketView | null }) => {},
    /** A dormant algo launched: its context as the launch's spec and view make it. */
    launch: assign(({ context, event }) => {
      if (event.type !== 'algo.launched') return {};
      const launched: Partial<AlgoContext> = initialContext({ spec: event.spec, market: event.market }, sparesOf(context));
      // A dormant algo restored from a snapshot of the eighteenth round: its `spare` is now in `spares`.
      if (context.spare !== undefined) launched.spare = undefined;
      return launched;
    }),
    /** Effect: the engine records the result (journal, metrics, executions stream). */
    reportResult: (_: unknown, _params: { result: AlgoResult }) => {},
    /** Effect: a step of the hedge ladder, with the exposure at that moment. */
    reportLadderStep: (_: unknown, _params: LadderStepReport) => {},
    settle: assign((_, params: { status: AlgoStatus }) => ({ status: params.status })),
    /** The latest view is kept; it is priced from only while the window is open. */
    storeMarket: assign(({ context, event }) => withView(context, event.type === 'spread.quoted' ? event.view : null)),
    /** The window closed: the books are no longer usable (a quote after the close changes nothing). */
    closeSession: assign({ market: null, latest: null, sessionOpen: false }),
    /** The window opened: price from the latest view at once (it holds only books of the new session). */
    openSession: assign(({ context }) => ({ sessionOpen: true, market: context.latest })),
    recordFill: assign(({ context, event }) => fillUpdate(context, event as LegFilledEvent)),
    /** Taker: the active leg at the far touch plus payup, for what the spread quote shows. */
    submitEntryOrder: assign(({ context, spawn }) => {
      const s = context.spec;
      const leg = s.activeLeg;
      const side = legSide(context, leg);
      const qty = entrySliceLots(context);
      const price = farTouch(context, leg, side, s.payupTicks)!;
      const placed = spawnOrder(context, spawn, { leg, role: 'entry', side, qty, price }) as Placed & Pick<AlgoContext, 'entry'>;
      placed.entry = { ...context.entry, pricedAt: context.market!.at };
      return placed;
    }),
    /** Contingent: every traded leg at once, at its far touch plus payup, for the whole quantity. */
    submitAllLegs: assign(({ context, spawn }) => {
      const s = context.spec;
      const next = sending(context);
      s.tradingMultipliers.forEach((tm, leg) => {
        if (tm === 0) return;
        const side = legSide(context, leg);
        const price = farTouch(context, leg, side, s.payupTicks)!;
        Object.assign(next, spawnOrder(next, spawn, { leg, role: 'entry', side, qty: entryLotsLeft(context, leg), price }));
      });
      return placedBy(context, next);
    }),
    /** Quoting: the active leg, passive, at the implied price, for the remaining quantity. */
    submitQuote: assign(({ context, spawn }) => {
      const s = context.spec;
      const leg = s.activeLeg;
      const price = quotePrice(context)!;
      const qty = Math.min(entryLotsLeft(context), s.maxOrderLots[leg] ?? Infinity);
      const placed = spawnOrder(context, spawn, { leg, role: 'entry', side: legSide(context, leg), qty, price }) as Placed & Pick<AlgoContext, 'entry'>;
      placed.entry = { ...context.entry, quoted: price };
      return placed;
    }),
    /** The hedge ladder's orders for what each leg still needs, priced per the current step. */
    submitHedgeOrders: assign(({ context, spawn }) => {
      if (!maySend(context)) return {};
      const next = sending(context);
      const role: OrderRole = context.ladder.mode === 'unwind' ? 'unwind' : 'hedge';
      needs(context).forEach((need, leg) => {
        if (need === 0) return;
        const side = Math.sign(need) as Side;
        const price = hedgePrice(context, leg, side);
        if (price === undefined) return; // no usable book for this leg: the ladder pauses
        Object.assign(next, spawnOrder(next, spawn, { leg, role, side, qty: abs(need), price }));
      });
      return placedBy(context, next);
    }),
    /**
     * The launch of each order the step sent (its actor still dormant): relayed once the step's snapshot is set, where a
     * newly spawned order used to start, so the records keep their order (the algo's step, then its orders, in the
     * order of their client ids). When the step used the last spare while an entry order can still fill (its next
     * fill is a hedge to send: after a partial fill's hedge, or an entry re-priced with the spare its hedge would have
     * had), the algo then asks itself for one more: that event comes after the launched orders were submitted, so the
     * spawn is off the path of the next fill's hedge.
     */
    // Typed by hand: `enqueueActions` left to infer inside `setup` breaks the other actions' inference (XSTATE-NOTES).
    // It enqueues the two sends below by name: `enqueue.sendTo` makes a `sendTo` action at each call, and XState's
    // development build warns of that whenever the step runs inside another actor's action (an order's submission
    // answered at once by the venue), where it is no mistake.
    launchOrders: enqueueActions<AlgoContext, AlgoEvent, undefined, AlgoEvent, never, LaunchSends, never, never, never>(({ context, enqueue }) => {
      let sent = false;
      let entryOpen = false;
      for (const [clientId, o] of Object.entries(context.orders)) {
        if (o.ref.getSnapshot().value === 'dormant') {
          enqueue({ type: 'sendLaunch', params: { to: o.ref, launch: launchOf(context, clientId, o) } });
          sent = true;
        }
        if (o.role === 'entry' && o.filled < o.qty) entryOpen = true;
      }
      if (sent && entryOpen && sparesOf(context).length === 0) enqueue({ type: 'askForSpare', params: undefined });
    }),
    /** An order's launch, relayed to it after the step (`launchOrders`). */
    sendLaunch: sendTo((_, params: LaunchSend) => params.to, (_, params: LaunchSend) => params.launch),
    /** The algo asks itself for one more spare order (`launchOrders`). */
    askForSpare: sendTo(({ self }) => self, { type: 'order.spare' } as const),
    /** One more spare order, spawned dormant under the next client id (see `spares`); none while the algo holds one. */
    spawnSpare: assign(({ context, spawn }) => (sparesOf(context).length > 0 ? {} : { spares: [spawnDormant(context, spawn)] })),
    /**
     * Asks the selected working orders to cancel (their machines send the cancel to the venue). Runs before
     * `markCancelling` in the same list, so both see the same selection.
     */
    sendCancels: enqueueActions<AlgoContext, AlgoEvent, CancelParams, AlgoEvent, never, OrderSends, never, never, never>(({ context, event, enqueue }, params) => {
      for (const id of selectCancels(context, event, params)) enqueue({ type: 'sendToOrder', params: { to: context.orders[id]!.ref, event: { type: 'cancel.requested' } } });
    }),
    markCancelling: assign(({ context, event }, params: CancelParams) => {
      const ids = selectCancels(context, event, params);
      const orders = { ...context.orders };
      for (const id of ids) orders[id] = { ...orders[id]!, cancelling: true };
      return { orders, counts: { ...context.counts, reprices: context.counts.reprices + (params.reprice ? ids.length : 0) } };
    }),
    /**
     * Asks the selected orders to re-price in place (their machines send the replace to the venue). Runs before
     * `markReplacing` in the same list, so both see the same selection. The size stays: only the price moves.
     */
    sendReplaces: enqueueActions<AlgoContext, AlgoEvent, ReplaceParams, AlgoEvent, never, OrderSends, never, never, never>(({ context, event, enqueue }, params) => {
      for (const r of selectReplaces(context, event, params)) enqueue({ type: 'sendToOrder', params: { to: context.orders[r.id]!.ref, event: { type: 'replace.requested', price: r.price } } });
    }),
    /**
     * A cancel or a replace, relayed to its order once the algo's step is set (`sendCancels`, `sendReplaces`), with the
     * algo as its source; not sent from a plain action, where the order's step would run inside the algo's.
     */
    sendToOrder: sendTo((_, params: OrderSend) => params.to, (_, params: OrderSend) => params.event),
    markReplacing: assign(({ context, event }, params: ReplaceParams) => {
      const chosen = selectReplaces(context, event, params);
      const orders = { ...context.orders };
      for (const r of chosen) orders[r.id] = { ...orders[r.id]!, replacing: true };
      const entry = params.what === 'quote' && chosen.length > 0 ? { ...context.entry, quoted: chosen[0]!.price } : context.entry;
      return { orders, entry, counts: { ...context.counts, reprices: context.counts.reprices + chosen.length } };
    }),
    /** The venue replaced an order: it works at the new price (and size) from now on. */
    noteReplaced: assign(({ context, event }) => {
      const e = event as OrderReplacedEvent;
      const o = context.orders[e.clientId];
      return o ? { orders: { ...context.orders, [e.clientId]: { ...o, price: e.price, qty: e.qty, replacing: false } } } : {};
    }),
    /** A replace did not happen: the order works on at its old price, and may be re-priced again. */
    unmarkReplacing: assign(({ context, event }) => {
      const id = (event as OrderReplaceFailedEvent).clientId;
      const o = context.orders[id];
      return o ? { orders: { ...context.orders, [id]: { ...o, replacing: false } } } : {};
    }),
    /** A finished order is stopped at once, so finished children never pile up in `children`. */
    stopOrder: stopChild(({ event }) => (event as OrderDoneEvent).actorId),
    forgetOrder: assign(({ context, event }) => forgetUpdate(context, event as OrderDoneEvent)),
    /** The venue refused a cancel: the order is live again, so it may be cancelled again. */
    unmarkCancelling: assign(({ context, event }) => {
      const id = (event as OrderCancelFailedEvent).clientId;
      const o = context.orders[id];
      return o ? { orders: { ...context.orders, [id]: { ...o, cancelling: false } } } : {};
    }),
    closeEntry: assign({ entry: ({ context }) => ({ ...context.entry, closed: true }) }),
    noteReason: assign(({ context: _context }, params: { reason: EndReason }) => ({ reason: params.reason })),
    /** The ladder begins: remember each leg's far touch (the bound for crossing). */
    beginLadder: assign(({ context }) => ({
      ladder: {
        ...context.ladder,
        arrival: context.spec.tradingMultipliers.map((tm, leg) => {
          const book = context.market?.legs[leg];
          if (!book || tm === 0) return null;
          const need = needs(context)[leg] ?? 0;
          return need > 0 ? book.ask : need < 0 ? book.bid : legSide(context, leg) > 0 ? book.ask : book.bid;
        }),
      },
    })),
    enterStep: assign(({ context }, params: { mode: HedgeMode; step: LadderStep }) => ({
      ladder: { ...context.ladder, mode: params.mode, policy: params.mode === 'unwind' ? ('unwind' as const) : context.ladder.policy },
      counts: { ...context.counts, ladderSteps: context.counts.ladderSteps + 1 },
    })),
    /** The stop policy: unwind a leg-out instead of completing the hedge. */
    applyStopPolicy: assign(({ context, event }) => {
      const unwind = context.spec.stopPolicy === 'unwind' || (event.type === 'stop.requested' && event.policy === 'unwind');
      return { ladder: { ...context.ladder, policy: unwind ? ('unwind' as const) : context.ladder.policy } };
    }),
    requireUnwind: assign(({ context }) => ({ ladder: { ...context.ladder, policy: 'unwind' as const } })),
    relaxLadder: assign(({ context }) => (context.ladder.mode === 'rest' ? {} : { ladder: { ...context.ladder, mode: 'rest' as const } })),
  },
  guards: {
    /**
     * The venue can replace an order (a capability the engine provides from the venue port): re-prices of the
     * ladder and of a quote then keep the order. Without it, cancel and a new order.
     */
    venueReplaces: () => false,
    /** Quoting: the quote can be re-priced in place now (a price to quote at, the lean holds, no replace pending). */
    canReplaceQuote: ({ context }) => quotePrice(context) !== undefined && hedgeLegsDeepEnough(context) && replaceableQuotes(context).length > 0,
    /** Quoting: a replace of the quote is on its way and the quote stays (its answer decides what comes next). */
    isQuoteBeingReplaced: ({ context }) =>
      quotePrice(context) !== undefined && hedgeLegsDeepEnough(context) && Object.values(context.orders).some((o) => o.role === 'entry' && o.replacing && !o.cancelling),
    isTaker: ({ context }) => context.spec.kind === 'taker',
    isContingent: ({ context }) => context.spec.kind === 'contingent',
    isQuoting: ({ context }) => context.spec.kind === 'quoting',
    /** Taker and contingent wait for the price; a quoting algo starts at once. */
    canStart: ({ context }) => context.spec.kind === 'quoting' || context.spec.purpose === 'flatten' || priceReached(context),
    isPriceReached: ({ context }) => priceReached(context),
    canEnter: ({ context }) => {
      const s = context.spec;
      // No new entry order while the ladder is escalating: it owns the legs until they are whole again.
      if (context.ladder.mode !== 'rest') return false;
      if (!priceReached(context)) return false;
      // The size shown in a view is taken once: wait for a newer view before crossing again.
      if (context.entry.pricedAt !== null && context.market!.at <= context.entry.pricedAt) return false;
      if (farTouch(context, s.activeLeg, legSide(context, s.activeLeg), s.payupTicks) === undefined) return false;
      return entrySliceLots(context) > 0;
    },
    /** Taker: a stale entry order is re-priced when the price has left the limit or its price would move. */
    mustRepriceEntry: ({ context, event }) => {
      const o = orderOf(context, event);
      if (o?.role !== 'entry') return false;
      if (!priceReached(context)) return true;
      const s = context.spec;
      return priceMoved(o, farTouch(context, s.activeLeg, o.side, s.payupTicks), s.repriceTicks, true);
    },
    /** A stale hedge or unwind order whose price would move; without a book it stays (the ladder pauses). */
    mustRepriceHedge: ({ context, event }) => {
      const o = orderOf(context, event);
      if (!isLadderRole(o?.role)) return false;
      return priceMoved(o, hedgePrice(context, o!.leg, o!.side), context.spec.hedge.repriceTicks, false);
    },
    /** Contingent: every traded leg has a book to price from. */
    canSendAllLegs: ({ context }) => context.spec.tradingMultipliers.every((tm, leg) => tm === 0 || context.market?.legs[leg] != null),
    isEntryFilled: ({ context }) => entryLotsLeft(context) <= 0,
    /** Contingent: every traded leg filled its whole quantity. */
    areAllLegsFilled: ({ context }) => context.spec.tradingMultipliers.every((tm, leg) => tm === 0 || entryLotsLeft(context, leg) <= 0),
    hasNoEntryOrder: ({ context }) => !hasRole(context, 'entry'),
    canQuote: ({ context }) => context.ladder.mode === 'rest' && entryLotsLeft(context) > 0 && quotePrice(context) !== undefined && hedgeLegsDeepEnough(context),
    /** Quoting: the implied price moved by requoteTicks or more, or the lean condition fails. */
    mustRequote: ({ context }) => {
      const p = quotePrice(context);
      if (p === undefined || !hedgeLegsDeepEnough(context)) return true;
      return context.entry.quoted !== null && abs(p - context.entry.quoted) >= context.spec.requoteTicks;
    },
    isEntryOrder: ({ context, event }) => orderOf(context, event)?.role === 'entry',
    /** A hedge or unwind order: the ladder's own. */
    isHedgeOrder: ({ context, event }) => isLadderRole(orderOf(context, event)?.role),
    isRejectedEntry: ({ context, event }) => orderOf(context, event)?.role === 'entry' && isRejected(event),
    isRefusedEntry: ({ context, event }) => orderOf(context, event)?.role === 'entry' && isRefused(event),
    /** A hedge risk would not send: the ladder unwinds instead (an unwind refused backs off and tries again). */
    isRefusedHedge: ({ context, event }) => orderOf(context, event)?.role === 'hedge' && isRefused(event),
    isRejectedHedge: ({ context, event }) => isLadderRole(orderOf(context, event)?.role) && isRejected(event),
    mustUnwind: ({ context }) => context.ladder.policy === 'unwind',
    hasUnwindWork: ({ context }) => context.ladder.policy === 'unwind' && !allZero(needs(context, 'unwind')),
    /** `hasUnwindWork` and `isNaked` once the fill on the event is counted (asked before `recordFill` stores it). */
    fillLeavesUnwindWork: ({ context, event }) => {
      const after = afterFill(context, event);
      return after.ladder.policy === 'unwind' && !allZero(needs(after, 'unwind'));
    },
    fillLeavesNaked: ({ context, event }) => !isWhole(afterFill(context, event)),
    /** A leg needs lots it has a book to price from, and the ladder may send. */
    canSendHedge: ({ context }) => maySend(context) && needsWithBook(context),
    /** A naked leg has no usable book (its market is closed, stale or crossed): the ladder pauses. */
    isMarketUnavailable: ({ context }) => needsMissingBook(context),
    /** No ladder order working, nothing needed in the current mode, and every leg whole again. */
    isLadderDone: ({ context }) => ladderDone(context),
    /** `isSettled` once the order on the event is forgotten (`forgetOrder`, after this guard). */
    endsSettled: ({ context, event }) => settled({ ...context, ...forgetUpdate(context, event as OrderDoneEvent) }),
    /** A ladder order ended, and once it is forgotten (`forgetOrder`, after this guard) the ladder is done. */
    endsLadder: ({ context, event }) => isLadderRole(orderOf(context, event)?.role) && ladderDone({ ...context, ...forgetUpdate(context, event as OrderDoneEvent) }),
    canResumeUnwinding: ({ context }) => context.ladder.policy === 'unwind' && !needsMissingBook(context),
    startsCrossing: ({ context }) => context.spec.hedge.firstStep === 'crossing',
    hasNoOrders: ({ context }) => Object.keys(context.orders).length === 0,
    /** Nothing working and every leg holds the same whole number of spread units. */
    isSettled: ({ context }) => settled(context),
  },
  delays: {
    resubmit: ({ context }) => context.spec.resubmitMs,
    hedgeRetry: ({ context }) => context.spec.hedge.repriceMs,
    legTimeout: ({ context }) => context.spec.legTimeoutMs,
    crossAfter: ({ context }) => context.spec.hedge.crossAfterMs,
    /** Crossing lasts until the unwind timeout, counted from the leg-out (crossing began at once, or after crossAfterMs). */
    unwindAfter: ({ context }) => {
      const h = context.spec.hedge;
      return h.firstStep === 'crossing' ? h.unwindAfterMs : Math.max(0, h.unwindAfterMs - h.crossAfterMs);
    },
    giveUpAfter: ({ context }) => context.spec.hedge.giveUpAfterMs,
  },
}).createMachine({
  id: 'algo',
  // The dormant algo spawns its spare orders with it, one per traded leg, under the client ids of its first orders
  // (`<id>.1`, `<id>.2`, …, in slots o1, o2, …).
  context: ({ input, spawn }) => {
    const spares: ActorRefFrom<typeof orderMachine>[] = [];
    for (const tm of input.spec.tradingMultipliers) {
      if (tm === 0) continue;
      const n = spares.length + 1;
      spares.push(spawn('order', { id: `o${n}`, systemId: `order:${input.spec.id}.${n}`, input: { clientId: `${input.spec.id}.${n}` } }));
    }
    return initialContext(input, spares);
  },
  on: {
    // Between the window's close and its next open the algo prices from nothing, so the ladder pauses and
    // no order goes out, whatever quote arrives.
    'spread.quoted': { actions: 'storeMarket' },
    'session.closed': { actions: 'closeSession' },
    'session.opened': { actions: 'openSession' },
    'leg.filled': { actions: 'recordFill' },
    'order.cancelFailed': { actions: 'unmarkCancelling' },
    'order.replaced': { actions: 'noteReplaced' },
    'order.replaceFailed': { actions: 'unmarkReplacing' },
    // After a step that used the last spare order while an entry order can still fill: one more, spawned dormant.
    'order.spare': { actions: 'spawnSpare' },
  },
  // Spawned ahead by its strategy, the algo waits dormant (no timers, no orders, no records) for its launch.
  initial: 'dormant',
  states: {
    // The launch is an event: the algo takes the spec and view it carries and reports its start (in this macrostep,
    // whose actions run as it transitions: the algo is already running), then goes on as it always did.
    dormant: {
      on: {
        'algo.launched': {
          target: 'starting',
          actions: ['launch', { type: 'reportStarted', params: ({ context }) => ({ spec: context.spec, market: context.market }) }],
        },
      },
    },
    // Into the kind, in the launch's macrostep: an eventless transition, so that its guards read the context the
    // launch set (a transition's guards run before its actions). The start is reported first (the launch's
    // action), and the first order's launch is relayed after the macrostep, so the records keep their causal order.
    // (Until the nineteenth round of issue 14 the algo sent itself `algo.started` to leave this state: a macrostep
    // more on the quote → order path, needed while an algo was spawned at its launch, when XState started the orders
    // spawned in its first macrostep before that macrostep's actions.)
    starting: {
      always: [...launchAsKind, { target: 'pending' }],
    },
    pending: {
      always: startAsKind,
      after: { resubmit: { target: 'stopped', actions: { type: 'noteReason', params: { reason: 'expired' } } } },
      on: { 'stop.requested': { target: 'stopped', actions: { type: 'noteReason', params: { reason: 'stopRequested' } } } },
    },
    active: {
      type: 'parallel',
      // Whatever each region does with a stop, the stop policy applies to the hedge.
      on: { 'stop.requested': { actions: 'applyStopPolicy' } },
      states: {
        entry: {
          // Never entered by default: `starting` and `pending` enter the kind's state (startAsKind). XState asks
          // every compound state for an initial one.
          initial: 'taker',
          on: {
            'xstate.done.actor.*': { guard: 'isEntryOrder', actions: ['stopOrder', 'forgetOrder'] },
          },
          states: {
            taker: {
              initial: 'waiting',
              ...closesOnStopOrUnwind,
              states: {
                waiting: {
                  always: [
                    { guard: 'isEntryFilled', target: '#algo.active.entry.done' },
                    { guard: 'canEnter', target: 'working' },
                    // A taker takes what the price offers now; the strategy relaunches when it returns.
                    { guard: not('isPriceReached'), ...toHalted('priceLeft') },
                  ],
                },
                working: {
                  entry: ['submitEntryOrder', 'launchOrders'],
                  on: {
                    'xstate.done.actor.*': [
                      // Pre-trade risk refused it: the entry ends; the hedge completes or unwinds per the stop policy.
                      { guard: 'isRefusedEntry', ...refusedEntry },
                      { guard: 'isRejectedEntry', target: 'backingOff', actions: ['stopOrder', 'forgetOrder'] },
                      // The entry is filled: straight on, as `waiting` would go first (one microstep, not two).
                      { guard: and(['isEntryOrder', 'isEntryFilled']), target: '#algo.active.entry.done', actions: ['stopOrder', 'forgetOrder'] },
                      { guard: 'isEntryOrder', target: 'waiting', actions: ['stopOrder', 'forgetOrder'] },
                    ],
                    // Kept while it is still at the price and its price would not move (no lost queue place).
                    'order.stale': { guard: 'mustRepriceEntry', target: 'repricing' },
                  },
                },
                repricing: repricingEntry('waiting'),
                backingOff: { after: { resubmit: 'waiting' } },
              },
            },
            contingent: {
              initial: 'arming',
              ...closesOnStopOrUnwind,
              states: {
                arming: {
                  always: [
                    { guard: 'canSendAllLegs', target: 'working' },
                    { guard: not('isPriceReached'), ...toHalted('priceLeft') },
                  ],
                },
                working: {
                  entry: ['submitAllLegs', 'launchOrders'],
                  always: { guard: 'areAllLegsFilled', target: '#algo.active.entry.done' },
                  after: { legTimeout: 'failed' },
                  on: {
                    'xstate.done.actor.*': [
                      { guard: 'isRejectedEntry', target: 'failed', actions: ['stopOrder', 'forgetOrder'] },
                      { guard: 'isEntryOrder', actions: ['stopOrder', 'forgetOrder'] },
                    ],
                  },
                },
                // A leg was rejected or not filled in time: cancel the rest and unwind what filled.
                failed: {
                  entry: [{ type: 'noteReason', params: { reason: 'legFailed' } }, 'requireUnwind'],
                  always: { target: '#algo.active.entry.halted' },
                },
              },
            },
            quoting: {
              initial: 'idle',
              ...closesOnStopOrUnwind,
              states: {
                idle: {
                  always: [
                    { guard: 'isEntryFilled', target: '#algo.active.entry.done' },
                    { guard: 'canQuote', target: 'quoted' },
                  ],
                },
                quoted: {
                  entry: ['submitQuote', 'launchOrders'],
                  // Checked after every event, so after the root has stored a new market view. A quote whose
                  // price would not move is kept however old it gets: re-sending it would only lose its place.
                  // Where the venue can replace, the quote is re-priced in place and stays here; a replace refused
                  // falls back to cancel and quote anew. A quote that is to be pulled (no price, the lean fails) is
                  // cancelled at once.
                  always: [
                    { guard: and(['mustRequote', 'venueReplaces', 'canReplaceQuote']), actions: replace({ what: 'quote' }) },
                    { guard: and(['mustRequote', not('isQuoteBeingReplaced')]), target: 'requoting' },
                  ],
                  on: {
                    'order.replaceFailed': { guard: 'isEntryOrder', target: 'requoting', actions: 'unmarkReplacing' },
                    'xstate.done.actor.*': [
                      // Pre-trade risk refused it: the entry ends; the hedge completes or unwinds per the stop policy.
                      { guard: 'isRefusedEntry', ...refusedEntry },
                      { guard: 'isRejectedEntry', target: 'backingOff', actions: ['stopOrder', 'forgetOrder'] },
                      { guard: 'isEntryOrder', target: 'idle', actions: ['stopOrder', 'forgetOrder'] },
                    ],
                  },
                },
                requoting: repricingEntry('idle'),
                backingOff: { after: { resubmit: 'idle' } },
              },
            },
            done: {
              entry: ['closeEntry', { type: 'noteReason', params: { reason: 'filled' } }],
              always: [
                { guard: 'isSettled', target: '#algo.completed' },
                // Filled, but a leg-out is being unwound: the execution ends stopped, not completed.
                { guard: 'mustUnwind', ...toHalted('unwound') },
              ],
            },
            halted: {
              entry: ['closeEntry', ...cancel({ role: 'entry' })],
              always: { guard: 'isSettled', target: '#algo.stopped' },
              // An entry order whose cancel was refused is cancelled again each time it reports stale.
              on: { 'order.stale': { guard: 'isEntryOrder', actions: cancel({ role: 'entry' }) } },
            },
          },
        },
        hedge: {
          initial: 'balanced',
          on: {
            'xstate.done.actor.*': { guard: 'isHedgeOrder', actions: ['stopOrder', 'forgetOrder'] },
          },
          states: {
            balanced: {
              // Whole units again: the next leg-out starts its ladder from its first step.
              entry: 'relaxLadder',
              // A leg-out: a fill that leaves a leg naked (a hedge to send, or a fraction of a unit on the active leg
              // with nothing to send yet: the ladder's clock runs) goes to the ladder with the fill, in one microstep
              // on the fill → hedge path; the guards read the fill on the event, before `recordFill` stores it. A
              // ladder configured to start crossing sends no resting order first. Fills are the only way a leg goes
              // naked here; any other fill is the root's.
              on: {
                'leg.filled': [
                  { guard: 'fillLeavesUnwindWork', target: 'ladder.step.unwinding', actions: 'recordFill' },
                  { guard: and(['fillLeavesNaked', 'startsCrossing']), target: 'ladder.step.crossing', actions: 'recordFill' },
                  { guard: 'fillLeavesNaked', target: 'ladder', actions: 'recordFill' },
                ],
              },
              // A flatten starts here with the strategy's lots to unwind.
              always: { guard: 'hasUnwindWork', target: 'ladder.step.unwinding' },
            },
            ladder: {
              type: 'parallel',
              entry: 'beginLadder',
              // The ladder's last order ended and nothing is needed: balanced with its end, as `always` below would go
              // next (one microstep, not two), or, with the entry done and nothing else working, completed, as the
              // entry's `done` would go after that. A rejected or refused hedge is `sending`'s; any other end the hedge's.
              on: {
                'xstate.done.actor.*': [
                  { guard: and([stateIn('#algo.active.entry.done'), 'endsLadder', 'endsSettled']), target: '#algo.completed', actions: ['stopOrder', 'forgetOrder'] },
                  { guard: 'endsLadder', target: 'balanced', actions: ['stopOrder', 'forgetOrder'] },
                ],
              },
              always: [
                { guard: 'isLadderDone', target: 'balanced' },
                { guard: 'isMarketUnavailable', target: 'paused' },
              ],
              states: {
                step: {
                  initial: 'resting',
                  states: {
                    resting: {
                      entry: [
                        { type: 'enterStep', params: { mode: 'rest', step: 'resting' } },
                        { type: 'reportLadderStep', params: ({ context }) => ladderReport(context, 'resting') },
                      ],
                      always: { guard: 'mustUnwind', target: 'unwinding' },
                      after: {
                        crossAfter: {
                          target: 'crossing',
                          actions: [
                            // The resting hedges are re-sent at the crossing price once they have ended ...
                            ...cancel({ role: 'hedge', reprice: true }),
                            // ... and a resting entry order would otherwise hold the active leg's fraction of a unit.
                            ...cancel({ role: 'entry' }),
                          ],
                        },
                      },
                    },
                    crossing: {
                      entry: [
                        { type: 'enterStep', params: { mode: 'cross', step: 'crossing' } },
                        { type: 'reportLadderStep', params: ({ context }) => ladderReport(context, 'crossing') },
                      ],
                      always: { guard: 'mustUnwind', target: 'unwinding' },
                      after: { unwindAfter: 'unwinding' },
                    },
                    unwinding: {
                      entry: [
                        { type: 'enterStep', params: { mode: 'unwind', step: 'unwinding' } },
                        { type: 'reportLadderStep', params: ({ context }) => ladderReport(context, 'unwinding') },
                        ...cancel({ role: 'hedge', reprice: true }),
                        ...cancel({ role: 'entry' }),
                      ],
                      after: { giveUpAfter: '#algo.active.hedge.failed' },
                    },
                    resume: { type: 'history' },
                  },
                },
                sender: {
                  initial: 'sending',
                  on: {
                    // Re-priced in place where the venue can replace (the order keeps its size), else cancelled: once
                    // it has ended, `sending` sends what the leg still needs at the step's price.
                    'order.stale': [
                      { guard: and(['mustRepriceHedge', 'venueReplaces']), actions: replace({ what: 'hedge' }) },
                      { guard: 'mustRepriceHedge', actions: cancel({ onlyEventOrder: true, reprice: true }) },
                    ],
                  },
                  states: {
                    sending: {
                      entry: ['submitHedgeOrders', 'launchOrders'],
                      always: { guard: 'canSendHedge', target: 'sending', reenter: true },
                      on: {
                        'xstate.done.actor.*': [
                          { guard: 'isRefusedHedge', actions: ['stopOrder', 'forgetOrder', 'requireUnwind'] },
                          { guard: 'isRejectedHedge', target: 'backingOff', actions: ['stopOrder', 'forgetOrder'] },
                        ],
                      },
                    },
                    backingOff: { after: { hedgeRetry: 'sending' } },
                  },
                },
              },
            },
            // A needed leg has no usable book: resting orders stay, nothing is re-sent or re-priced.
            paused: {
              entry: { type: 'reportLadderStep', params: ({ context }) => ladderReport(context, 'paused') },
              always: [
                { guard: 'isLadderDone', target: 'balanced' },
                // The books are back after the ladder turned to unwinding (a contingent leg failed, a stop):
                // straight to unwinding, not through a step that would send a hedge only to cancel it.
                { guard: 'canResumeUnwinding', target: 'ladder.step.unwinding' },
                { guard: not('isMarketUnavailable'), target: 'ladder.step.resume' },
              ],
            },
            // The venue would not let the algo unwind: the residual is reported, not hidden.
            failed: {
              entry: [
                { type: 'reportLadderStep', params: ({ context }) => ladderReport(context, 'failed') },
                ...cancel({}),
              ],
              on: { 'order.stale': { actions: cancel({ onlyEventOrder: true }) } },
              always: { guard: 'hasNoOrders', target: '#algo.stopped', actions: { type: 'noteReason', params: { reason: 'residual' } } },
            },
          },
        },
      },
    },
    completed: {
      type: 'final',
      entry: [{ type: 'settle', params: { status: 'completed' } }, { type: 'reportResult', params: ({ context }) => ({ result: algoResult(context, 'completed') }) }],
    },
    stopped: {
      type: 'final',
      entry: [{ type: 'settle', params: { status: 'stopped' } }, { type: 'reportResult', params: ({ context }) => ({ result: algoResult(context, 'stopped') }) }],
    },
  },
  // The parent learns the result from this actor's done event.
  output: ({ context }) => algoResult(context, context.status ?? 'stopped'),
});
