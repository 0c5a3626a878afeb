import { assign, sendParent, setup } from 'xstate';
import type { OrderCanceled, OrderChange, OrderCommand, OrderFilled, OrderReplaced, VenueReport } from '../src/domain/orders.js';

/**
 * One order at the venue. The transition table covers every report in every state where it can
 * arrive, including the real-world ones: a fill before the acknowledgement, a fill after a cancel
 * request, a cancel rejected, a cancel that overtakes its fills, a duplicate fill, a fill racing a replace, a
 * replace refused, a replace confirmed twice. Each new fill is told to the parent at once (`leg.filled`), and so
 * is each replace's outcome (`order.replaced`, `order.replaceFailed`); the end is told by the done event, whose
 * output is `OrderEnded`.
 *
 * A re-price that keeps the order (`replace.requested`, where the venue can replace) goes through `replacing`:
 * the order works on at its old price until the venue confirms, so fills still count there, and a fill that
 * completes it ends it filled. The order keeps its client id throughout.
 */

/** What an order is for: working the entry, hedging a leg-out, or unwinding one. */
export type OrderRole = 'entry' | 'hedge' | 'unwind';
/** `refused`: pre-trade risk kept it from being sent at all. */
export type OrderStatus = 'filled' | 'canceled' | 'rejected' | 'refused';

/**
 * What an order is launched with (`order.launched`): the command, its leg and role, and when it turns stale. An order
 * is spawned ahead, dormant, knowing only its client id (`OrderSpawnInput`), and hears this when it is sent.
 */
export interface OrderInput {
  order: OrderCommand;
  leg: number;
  role: OrderRole;
  /** After this long working, the order tells its parent it is stale (the parent re-prices it). */
  staleAfterMs: number;
}

/**
 * An order is spawned dormant under the client id it will be sent with (DESIGN §7: actors on the hot path are reused,
 * not spawned): its algo holds it spare and launches it with `order.launched` when it sends the order.
 */
export interface OrderSpawnInput {
  clientId: string;
}

/** The launch of a dormant order: what it is sent as (the command carries the client id it was spawned under). */
export interface OrderLaunchedEvent extends OrderInput {
  type: 'order.launched';
}

export interface OrderContext extends OrderInput {
  fill: { qty: number; notional: number; tradeIds: string[] };
  /** The replace asked for and not yet answered. */
  replacing: OrderChange | null;
  /** The venue's cumulative fill count as of its cancel confirmation, while fills are still in flight. */
  venueFilled: number | null;
  /** While throttled: how long the order waits before it asks to be sent again. */
  waitMs: number;
  reason: string | null;
  status: OrderStatus | null;
}

/** Sent to the parent on every new fill. `price` in ticks, `qty` in lots. */
export interface LegFilledEvent {
  type: 'leg.filled';
  clientId: string;
  leg: number;
  side: 1 | -1;
  qty: number;
  price: number;
  at: number;
}
export interface OrderStaleEvent {
  type: 'order.stale';
  clientId: string;
}
/** Sent to the parent when the venue refused a cancel: the order is live again. */
export interface OrderCancelFailedEvent {
  type: 'order.cancelFailed';
  clientId: string;
  reason: string;
}
/** Sent to the parent when the venue replaced the order: it works at `price` for `qty` lots in all from now on. */
export interface OrderReplacedEvent {
  type: 'order.replaced';
  clientId: string;
  price: number;
  qty: number;
}
/** Sent to the parent when a replace did not happen (refused by the venue, or the order was not working): unchanged. */
export interface OrderReplaceFailedEvent {
  type: 'order.replaceFailed';
  clientId: string;
  reason: string;
}
/** The order's output: its parent receives it as `xstate.done.actor.<clientId>`. */
export interface OrderEnded {
  clientId: string;
  leg: number;
  role: OrderRole;
  status: OrderStatus;
  filled: number;
  reason: string | null;
}
/**
 * The engine's answer when the order asks to be sent: pre-trade risk refused it, or the venue's order-rate budget
 * is spent and it must wait `waitMs` (it was not sent either way).
 */
/**
 * The reports an order handles, in every state, without a word to its parent and without ending: its parent (the
 * algo) and the strategy above it hear nothing of them, so the engine need not bring their market view up to date
 * before one (the view gate's flush, src/engine/view-gate.ts). A test walks the machine to keep this true.
 */
export const UNHEARD_BY_PARENT: ReadonlySet<VenueReport['type']> = new Set(['order.accepted']);

/** What an order has asked the venue and not heard back on (see `chaseOrder`). */
export type UnansweredRequest = 'order' | 'cancel' | 'replace' | 'fills';

/** Chases the venue's answer once, after `answerTimeout` in the state (the state is not entered again). */
const chaseOnce = (waiting: UnansweredRequest) =>
  ({ answerTimeout: { actions: { type: 'chaseOrder', params: ({ context }: { context: OrderContext }) => ({ clientId: context.order.clientId, waiting }) } } }) as const;
/** Chases the venue's answer every `answerTimeout`: the state is entered again, and its entry sends its request again. */
const chaseAndResend = (state: 'pendingCancel' | 'replacing', waiting: UnansweredRequest) =>
  ({ answerTimeout: { target: state, reenter: true, actions: { type: 'chaseOrder', params: ({ context }: { context: OrderContext }) => ({ clientId: context.order.clientId, waiting }) } } }) as const;

export type RiskEvent = { type: 'order.refused'; clientId: string; reason: string } | { type: 'order.throttled'; clientId: string; waitMs: number };
/** From the parent: re-price the order in place (only sent where the venue can replace). */
export type ReplaceRequest = { type: 'replace.requested' } & OrderChange;
export type OrderEvent = VenueReport | RiskEvent | { type: 'cancel.requested' } | ReplaceRequest | OrderLaunchedEvent;

/**
 * A dormant order's context: an order of nothing (no symbol, 0 lots at 0) under the client id it will be sent with,
 * on no leg yet. A real order is never of 0 lots, so this shape is the dormant order's alone (the journal's snapshot
 * check requires exactly it of a dormant order, src/engine/snapshot-check.ts).
 */
export function dormantOrderContext(clientId: string): OrderContext {
  return { order: { clientId, symbol: '', side: 1, qty: 0, price: 0 }, leg: 0, role: 'entry', staleAfterMs: 0, fill: { qty: 0, notional: 0, tradeIds: [] }, replacing: null, venueFilled: null, waitMs: 0, reason: null, status: null };
}

/** A launched order's context: what it is sent as, nothing filled, asked or settled yet (keys as they always were). */
function launchedContext(e: OrderLaunchedEvent): OrderContext {
  return { order: e.order, leg: e.leg, role: e.role, staleAfterMs: e.staleAfterMs, fill: { qty: 0, notional: 0, tradeIds: [] }, replacing: null, venueFilled: null, waitMs: 0, reason: null, status: null };
}

/**
 * The venue canceled the order: it ends canceled when the confirmation counts no fill we have not seen, else it
 * waits for the fills still in flight.
 */
const canceledAtVenue = () =>
  [
    { guard: 'hasAllFills', target: 'canceled' },
    { target: 'awaitingFills', actions: 'noteCanceledCount' },
  ] as const;

/** A fill (once per trade id) in a state the order stays in unless the fill completes it. */
const fillStaying = () =>
  [
    { guard: 'isDuplicateFill' },
    { guard: 'completesOrder', target: 'filled', actions: ['applyFill', 'reportFill'] },
    { actions: ['applyFill', 'reportFill'] },
  ] as const;

/** A replace's answer after the order left `replacing`: the venue's word on the price stands, and the parent hears it. */
const replaceAnswered = () =>
  ({
    'order.replaced': { actions: ['applyReplace', 'reportReplaced'] },
    'order.replaceRejected': { actions: ['forgetReplace', 'reportReplaceFailed'] },
  }) as const;

export const orderMachine = setup({
  types: {
    context: {} as OrderContext,
    input: {} as OrderSpawnInput,
    events: {} as OrderEvent,
    output: {} as OrderEnded,
  },
  actions: {
    /** A dormant order launched: its context as the launch makes it (the command, leg, role and stale delay). */
    launch: assign(({ event }) => (event.type === 'order.launched' ? launchedContext(event) : {})),
    /** Effect: send the order to the venue (provided by the engine). */
    submitOrder: (_: unknown, _params: { order: OrderCommand; role: OrderRole }) => {},
    /** Effect: ask the venue to cancel (provided by the engine). */
    cancelOrder: (_: unknown, _params: { clientId: string }) => {},
    /** Effect: ask the venue to replace the order (provided by the engine; only asked where the venue can). */
    replaceOrder: (_: unknown, _params: { order: OrderCommand; role: OrderRole; change: OrderChange }) => {},
    /**
     * Effect: the venue has not answered for `answerTimeout` (provided by the engine: it records the silence and asks
     * the venue for the order's status where it can). `waiting` names what is unanswered.
     */
    chaseOrder: (_: unknown, _params: { clientId: string; waiting: UnansweredRequest }) => {},
    applyFill: assign(({ context, event }) => {
      const e = event as OrderFilled;
      return {
        fill: {
          qty: context.fill.qty + e.qty,
          notional: context.fill.notional + e.qty * e.price,
          tradeIds: [...context.fill.tradeIds, e.tradeId],
        },
      };
    }),
    reportFill: sendParent(({ context, event }) => {
      const e = event as OrderFilled;
      return {
        type: 'leg.filled',
        clientId: context.order.clientId,
        leg: context.leg,
        side: context.order.side,
        qty: e.qty,
        price: e.price,
        at: e.at,
      } satisfies LegFilledEvent;
    }),
    reportStale: sendParent(({ context }) => ({ type: 'order.stale', clientId: context.order.clientId }) satisfies OrderStaleEvent),
    reportCancelFailed: sendParent(({ context, event }) => ({ type: 'order.cancelFailed', clientId: context.order.clientId, reason: 'reason' in event ? event.reason : '' }) satisfies OrderCancelFailedEvent),
    noteReplace: assign({
      replacing: ({ event }) => {
        const e = event as ReplaceRequest;
        return e.qty === undefined ? { price: e.price } : { price: e.price, qty: e.qty };
      },
    }),
    /** The venue's word on the order's price and size: kept (a repeated confirmation changes nothing). */
    applyReplace: assign(({ context, event }) => {
      const e = event as OrderReplaced;
      return { order: { ...context.order, price: e.price, qty: e.qty }, replacing: null };
    }),
    forgetReplace: assign({ replacing: null }),
    reportReplaced: sendParent(({ context, event }) => {
      const e = event as OrderReplaced;
      return { type: 'order.replaced', clientId: context.order.clientId, price: e.price, qty: e.qty } satisfies OrderReplacedEvent;
    }),
    /** The replace did not happen: the venue refused it, or the order was not working when it was asked. */
    reportReplaceFailed: sendParent(
      ({ context, event }) =>
        ({
          type: 'order.replaceFailed',
          clientId: context.order.clientId,
          reason: event.type === 'order.replaceRejected' ? event.reason : 'the order is not working',
        }) satisfies OrderReplaceFailedEvent,
    ),
    /** The final status, which the machine's output (its done event to the parent) reports. */
    settle: assign((_, params: { status: OrderStatus }) => ({ status: params.status })),
    noteCanceledCount: assign({ venueFilled: ({ event }) => (event as OrderCanceled).filledQty }),
    noteReason: assign({ reason: ({ event }) => ('reason' in event ? event.reason : null) }),
    noteWait: assign({ waitMs: ({ event }) => (event.type === 'order.throttled' ? event.waitMs : 0) }),
  },
  guards: {
    isDuplicateFill: ({ context, event }) => context.fill.tradeIds.includes((event as OrderFilled).tradeId),
    completesOrder: ({ context, event }) => context.fill.qty + (event as OrderFilled).qty >= context.order.qty,
    /** The cancel confirmation counts no fill we have not seen. */
    hasAllFills: ({ context, event }) => (event as OrderCanceled).filledQty <= context.fill.qty,
    /** This fill brings our count up to what the venue said it had filled when it canceled. */
    catchesUpWithVenue: ({ context, event }) => context.fill.qty + (event as OrderFilled).qty >= (context.venueFilled ?? 0),
    hasFills: ({ context }) => context.fill.qty > 0,
  },
  delays: {
    staleAfter: ({ context }) => context.staleAfterMs,
    /** How long the order waits for the venue's answer before it chases it (the engine provides the venue's). */
    answerTimeout: 5000,
    throttleWait: ({ context }) => context.waitMs,
  },
}).createMachine({
  id: 'order',
  // Spawned ahead by its algo, the order waits dormant (no timers, no effects, no records) for its launch.
  context: ({ input }): OrderContext => dormantOrderContext(input.clientId),
  initial: 'dormant',
  states: {
    // The launch is an event carrying what the order is sent as; `submitted` sends it, as a spawned order's start did.
    // Nothing else reaches a dormant order: its algo sends it nothing more, and the engine routes no report to it.
    dormant: {
      on: { 'order.launched': { target: 'submitted', actions: 'launch' } },
    },
    submitted: {
      entry: { type: 'submitOrder', params: ({ context }) => ({ order: context.order, role: context.role }) },
      // Neither acknowledged, rejected nor filled: the venue is asked for its status (an order is never sent twice).
      after: chaseOnce('order'),
      on: {
        // Pre-trade risk: not sent. Refused ends the order; throttled waits for the venue's order-rate budget.
        'order.refused': { target: 'refused', actions: 'noteReason' },
        'order.throttled': { target: 'throttled', actions: 'noteWait' },
        'order.accepted': 'working.accepted',
        'order.rejected': { target: 'rejected', actions: 'noteReason' },
        // A fill can overtake the acknowledgement on venues that report on separate channels. It is the
        // order's first fill (any fill leaves this state), so it cannot be a duplicate.
        'order.filled': [
          { guard: 'completesOrder', target: 'filled', actions: ['applyFill', 'reportFill'] },
          { target: 'working.partiallyFilled', actions: ['applyFill', 'reportFill'] },
        ],
        'cancel.requested': 'pendingCancel',
        // The venue may cancel before acknowledging (an immediate-or-cancel remainder, a risk check).
        'order.canceled': canceledAtVenue(),
        // Not working yet: there is nothing to replace, and the parent hears so (it cancels and re-sends instead).
        'replace.requested': { actions: 'reportReplaceFailed' },
      },
    },
    // Over the venue's order-rate budget: unsent, it asks again when the budget allows (a visible state, not a sleep).
    throttled: {
      after: { throttleWait: 'submitted' },
      // Never sent: nothing to cancel (or replace) at the venue.
      on: { 'cancel.requested': 'canceled', 'replace.requested': { actions: 'reportReplaceFailed' } },
    },
    working: {
      initial: 'accepted',
      // Every staleAfterMs of working the parent hears that the order is stale (it may re-price it, or,
      // while the market is closed, leave it). A partial fill does not make the order younger.
      after: { staleAfter: { target: '.resume', reenter: true, actions: 'reportStale' } },
      states: {
        accepted: {},
        partiallyFilled: {},
        resume: { type: 'history' },
      },
      on: {
        'order.filled': [
          // The same execution reported twice is counted once.
          { guard: 'isDuplicateFill' },
          { guard: 'completesOrder', target: 'filled', actions: ['applyFill', 'reportFill'] },
          { target: '.partiallyFilled', actions: ['applyFill', 'reportFill'] },
        ],
        'cancel.requested': 'pendingCancel',
        // The venue may cancel on its own (end of day, risk limits).
        'order.canceled': canceledAtVenue(),
        'order.rejected': { target: 'rejected', actions: 'noteReason' },
        // A late or repeated acknowledgement changes nothing.
        'order.accepted': {},
        // A re-price that keeps the order: it works on at the old price until the venue answers.
        'replace.requested': { target: 'replacing', actions: 'noteReplace' },
        // A replace's answer after the order came back here (a repeated confirmation; one that crossed a cancel
        // the venue refused): the venue's word on the price stands, and the parent hears it.
        ...replaceAnswered(),
      },
    },
    // A replace is on its way: the order works at its old price until the venue confirms or refuses it. No stale
    // report here (the order is being re-priced), and no eventless transition: every exit is a report or a request.
    // The algo never asks to replace an order it is replacing or cancelling, so those states take no request (and
    // an order canceled at the venue, waiting for its fills, has nothing left to re-price).
    replacing: {
      entry: { type: 'replaceOrder', params: ({ context }) => ({ order: context.order, role: context.role, change: context.replacing! }) },
      after: chaseAndResend('replacing', 'replace'),
      on: {
        // Fills at the old price racing the replace: they count, and one that completes the order ends it.
        'order.filled': fillStaying(),
        'order.replaced': [
          { guard: 'hasFills', target: 'working.partiallyFilled', actions: ['applyReplace', 'reportReplaced'] },
          { target: 'working.accepted', actions: ['applyReplace', 'reportReplaced'] },
        ],
        // Refused (too late: it filled or was canceled, a venue rule, risk): still working at the old price.
        'order.replaceRejected': [
          { guard: 'hasFills', target: 'working.partiallyFilled', actions: ['forgetReplace', 'noteReason', 'reportReplaceFailed'] },
          { target: 'working.accepted', actions: ['forgetReplace', 'noteReason', 'reportReplaceFailed'] },
        ],
        // A cancel overrides the replace (its answer may still come, and is heard in pendingCancel).
        'cancel.requested': 'pendingCancel',
        // The venue canceled on its own, or rejected what it had acknowledged.
        'order.canceled': canceledAtVenue(),
        'order.rejected': { target: 'rejected', actions: 'noteReason' },
        'order.accepted': {},
      },
    },
    pendingCancel: {
      entry: { type: 'cancelOrder', params: ({ context }) => ({ clientId: context.order.clientId }) },
      after: chaseAndResend('pendingCancel', 'cancel'),
      on: {
        // A fill racing the cancel: it counts, and may complete the order.
        'order.filled': fillStaying(),
        // The confirmation may overtake fills still in flight: then it waits for them.
        'order.canceled': canceledAtVenue(),
        // Too late to cancel (it filled) or unknown: the order is still what the venue last said.
        'order.cancelRejected': [
          { guard: 'hasFills', target: 'working.partiallyFilled', actions: ['noteReason', 'reportCancelFailed'] },
          { target: 'working.accepted', actions: ['noteReason', 'reportCancelFailed'] },
        ],
        // The cancel crossed the acknowledgement or the reject of the new order.
        'order.accepted': {},
        'order.rejected': { target: 'rejected', actions: 'noteReason' },
        'cancel.requested': {},
        // A replace sent before the cancel was answered: its outcome is the parent's to know.
        ...replaceAnswered(),
      },
    },
    awaitingFills: {
      // The fills the venue's cancel confirmation counted have not all come: its status is asked for them.
      after: chaseOnce('fills'),
      on: {
        'order.filled': [
          { guard: 'isDuplicateFill' },
          { guard: 'catchesUpWithVenue', target: 'canceled', actions: ['applyFill', 'reportFill'] },
          { actions: ['applyFill', 'reportFill'] },
        ],
        // The venue's cancel confirmation again (a duplicate, or its status answer): its count is the one awaited now,
        // and a count the fills heard already reach ends the order.
        'order.canceled': canceledAtVenue(),
        // The venue no longer knows the order (its status answer): the fills it counted will not come, and it ends
        // with those heard (the engine names the lots in doubt).
        'order.rejected': { target: 'rejected', actions: 'noteReason' },
        'cancel.requested': {},
      },
    },
    // Final: the parent learns the outcome from this actor's done event (its output).
    filled: { type: 'final', entry: { type: 'settle', params: { status: 'filled' } } },
    canceled: { type: 'final', entry: { type: 'settle', params: { status: 'canceled' } } },
    rejected: { type: 'final', entry: { type: 'settle', params: { status: 'rejected' } } },
    refused: { type: 'final', entry: { type: 'settle', params: { status: 'refused' } } },
  },
  output: ({ context }): OrderEnded => ({
    clientId: context.order.clientId,
    leg: context.leg,
    role: context.role,
    status: context.status ?? 'canceled',
    filled: context.fill.qty,
    reason: context.reason,
  }),
});
