import { assign, not, setup, stopChild, type ActorRefFrom } from 'xstate';
import { hedgeNeeds, isBalanced, nakedLots, type HedgeRounding } from '../src/domain/position.js';
import type { MarketView } from '../src/domain/quote.js';
import type { Side } from '../src/domain/orders.js';
import { orderMachine, type LegFilledEvent, type OrderEnded, type OrderInput, type OrderRole, type OrderStaleEvent } from './order.machine.js';

/**
 * One spread order being worked: pending → active → completed | stopped.
 * `active` has two regions. `entry` works the active leg (a taker: it crosses the active leg at best ±
 * payup while the spread is at the price). `hedge` keeps the passive legs in proportion to the active
 * leg's fills and, once the entry is closed, completes every leg to a whole spread unit. The algo ends only
 * when no order is working and the legs are balanced, so a stop never leaves a naked leg behind.
 */

export type Purpose = 'longEntry' | 'longExit' | 'shortEntry' | 'shortExit';
export type AlgoStatus = 'completed' | 'stopped';
/** Why the entry closed: the quantity filled, the price left the limit, a stop was requested, or it expired pending. */
export type EndReason = 'filled' | 'priceLeft' | 'stopRequested' | 'expired';

export interface AlgoSpec {
  id: string;
  strategy: string;
  purpose: Purpose;
  /** +1 buys the spread, −1 sells it. */
  side: Side;
  /** Spread units. */
  qty: number;
  /** Scaled spread price: buy while ask ≤ limit, sell while bid ≥ limit. */
  limit: number;
  tradingMultipliers: number[];
  symbols: string[];
  activeLeg: number;
  payupTicks: number;
  /** Orders older than this are cancelled and re-priced; also the wait after a reject. */
  resubmitMs: number;
  rounding: HedgeRounding;
  /** Currency value of one tick on one lot, per leg (for the notional exposure metric only). */
  tickValue: number[];
}

export interface AlgoInput {
  spec: AlgoSpec;
  market: MarketView | null;
}

interface WorkingOrder {
  ref: ActorRefFrom<typeof orderMachine>;
  leg: number;
  role: OrderRole;
  side: Side;
  qty: number;
  filled: number;
  cancelling: boolean;
}

export interface Exposure {
  /** Naked lots now (sum over legs of |naked lots|). */
  current: number;
  maxLots: number;
  maxNotional: number;
  /** ∫ naked lots dt, in lot·ms. */
  lotMs: number;
  /** Total time with any naked lot, ms. */
  nakedMs: number;
  since: number | null;
}

export interface AlgoContext {
  spec: AlgoSpec;
  market: MarketView | null;
  /** Signed lots, Σ price·lots (ticks), last fill price (ticks) per leg; time of the last fill. */
  fills: { lots: number[]; notional: number[]; lastPrice: number[]; firstAt: number | null; lastAt: number | null };
  orders: Record<string, WorkingOrder>;
  seq: number;
  /** The time of the market view the last entry order was priced from: the next entry needs a newer one. */
  entryPricedAt: number | null;
  entryClosed: boolean;
  reason: EndReason | null;
  status: AlgoStatus | null;
  exposure: Exposure;
  counts: { orders: number; reprices: number; rejects: number };
}

/** What the algo reports when it ends: its output (the parent's xstate.done.actor.<id>) and the engine's record. */
export interface AlgoResult {
  algoId: string;
  strategy: string;
  purpose: Purpose;
  side: Side;
  qty: number;
  limit: number;
  status: AlgoStatus;
  reason: EndReason | null;
  filledLots: number[];
  notional: number[];
  /** Whole spread units executed (balanced legs). */
  units: number;
  /** Naked lots left per leg: all zero unless the venue refused everything. */
  residual: number[];
  exposure: Exposure;
  counts: AlgoContext['counts'];
  firstFillAt: number | null;
  lastFillAt: number | null;
}

export type AlgoEvent =
  | { type: 'spread.quoted'; view: MarketView }
  | { type: 'stop.requested' }
  | LegFilledEvent
  | OrderStaleEvent
  | OrderDoneEvent;

/** A leg order reached its final state: XState's done event, carrying the order's output. */
export interface OrderDoneEvent {
  type: `xstate.done.actor.${string}`;
  actorId: string;
  output: OrderEnded;
}

const abs = Math.abs;
/** Which orders to cancel: by role, or only the one the event names; `reprice` counts them as re-prices. */
type CancelParams = { role?: OrderRole; onlyEventOrder?: boolean; reprice?: boolean };

function selectCancels(context: AlgoContext, event: AlgoEvent, p: CancelParams): string[] {
  const named = 'clientId' in event ? event.clientId : undefined;
  return Object.entries(context.orders)
    .filter(([id, o]) => !o.cancelling && (!p.role || o.role === p.role) && (!p.onlyEventOrder || id === named))
    .map(([id]) => id);
}

/** The action pair that cancels orders (see `sendCancels`). */
function cancel(params: CancelParams) {
  return [
    { type: 'sendCancels', params },
    { type: 'markCancelling', params },
  ] as const;
}

function workingLots(context: AlgoContext): number[] {
  const w = context.spec.tradingMultipliers.map(() => 0);
  for (const o of Object.values(context.orders)) w[o.leg]! += o.side * (o.qty - o.filled);
  return w;
}

function needs(context: AlgoContext): number[] {
  const s = context.spec;
  return hedgeNeeds({
    filled: context.fills.lots,
    working: workingLots(context),
    tradingMultipliers: s.tradingMultipliers,
    side: s.side,
    activeLeg: s.activeLeg,
    entryOpen: !context.entryClosed,
    rounding: s.rounding,
  });
}

function entryLotsLeft(context: AlgoContext): number {
  const s = context.spec;
  return s.qty * abs(s.tradingMultipliers[s.activeLeg]!) - abs(context.fills.lots[s.activeLeg]!);
}

function priceReached(context: AlgoContext): boolean {
  const q = context.market?.spread;
  if (!q) return false;
  return context.spec.side > 0 ? q.ask <= context.spec.limit : q.bid >= context.spec.limit;
}

/** The price for an order on a leg: the far touch plus payup (buy higher, sell lower), in ticks. */
function aggressivePrice(context: AlgoContext, leg: number, side: Side): number | undefined {
  const book = context.market?.legs[leg];
  if (!book) return undefined;
  return side > 0 ? book.ask + context.spec.payupTicks : book.bid - context.spec.payupTicks;
}

function hasRole(context: AlgoContext, role: OrderRole): boolean {
  for (const o of Object.values(context.orders)) if (o.role === role) return true;
  return false;
}

/** The working order an event is about: a report from it, or its done event. */
function orderOf(context: AlgoContext, event: AlgoEvent): WorkingOrder | undefined {
  if ('clientId' in event) return context.orders[event.clientId];
  if ('output' in event) return context.orders[event.output.clientId];
  return undefined;
}

export function algoResult(context: AlgoContext, status: AlgoStatus): AlgoResult {
  const s = context.spec;
  const tms = s.tradingMultipliers;
  const naked = nakedLots(context.fills.lots, tms);
  const traded = tms.findIndex((tm) => tm !== 0);
  const units = traded < 0 ? 0 : abs((context.fills.lots[traded]! - naked[traded]!) / tms[traded]!);
  return {
    algoId: s.id,
    strategy: s.strategy,
    purpose: s.purpose,
    side: s.side,
    qty: s.qty,
    limit: s.limit,
    status,
    reason: context.reason,
    filledLots: [...context.fills.lots],
    notional: [...context.fills.notional],
    units,
    residual: naked,
    exposure: { ...context.exposure },
    counts: { ...context.counts },
    firstFillAt: context.fills.firstAt,
    lastFillAt: context.fills.lastAt,
  };
}

export const algoMachine = setup({
  types: {
    context: {} as AlgoContext,
    input: {} as AlgoInput,
    events: {} as AlgoEvent,
    output: {} as AlgoResult,
  },
  actors: { order: orderMachine },
  actions: {
    /** Effect: the engine records the start (journal, metrics). */
    reportStarted: (_: unknown, _params: { spec: AlgoSpec }) => {},
    /** Effect: the engine records the result (journal, metrics, executions stream). */
    reportResult: (_: unknown, _params: { result: AlgoResult }) => {},
    settle: assign((_, params: { status: AlgoStatus }) => ({ status: params.status })),
    storeMarket: assign({ market: ({ event }) => (event.type === 'spread.quoted' ? event.view : null) }),
    recordFill: assign(({ context, event }) => {
      const e = event as LegFilledEvent;
      const lots = [...context.fills.lots];
      const notional = [...context.fills.notional];
      const lastPrice = [...context.fills.lastPrice];
      lots[e.leg]! += e.side * e.qty;
      notional[e.leg]! += e.side * e.qty * e.price;
      lastPrice[e.leg] = e.price;
      const order = context.orders[e.clientId];
      const orders = order ? { ...context.orders, [e.clientId]: { ...order, filled: order.filled + e.qty } } : context.orders;
      const x = context.exposure;
      const naked = nakedLots(lots, context.spec.tradingMultipliers);
      const current = naked.reduce((a, n) => a + abs(n), 0);
      const notionalNow = naked.reduce((a, n, i) => a + abs(n) * abs(lastPrice[i]!) * context.spec.tickValue[i]!, 0);
      const dt = x.since === null ? 0 : e.at - x.since;
      return {
        orders,
        fills: { lots, notional, lastPrice, firstAt: context.fills.firstAt ?? e.at, lastAt: e.at },
        exposure: {
          current,
          maxLots: Math.max(x.maxLots, current),
          maxNotional: Math.max(x.maxNotional, notionalNow),
          lotMs: x.lotMs + x.current * dt,
          nakedMs: x.nakedMs + (x.current > 0 ? dt : 0),
          since: e.at,
        },
      };
    }),
    submitEntryOrder: assign(({ context, spawn }) => {
      const s = context.spec;
      const leg = s.activeLeg;
      const tm = s.tradingMultipliers[leg]!;
      const side = (s.side * Math.sign(tm)) as Side;
      const price = aggressivePrice(context, leg, side)!;
      const spread = context.market!.spread!;
      const sizeUnits = s.side > 0 ? spread.askSize : spread.bidSize;
      const qty = Math.min(entryLotsLeft(context), sizeUnits * abs(tm));
      return { ...spawnOrder(context, spawn, { leg, role: 'entry', side, qty, price }), entryPricedAt: context.market!.at };
    }),
    submitHedgeOrders: assign(({ context, spawn }) => {
      let next: Partial<AlgoContext> & Pick<AlgoContext, 'orders' | 'seq' | 'counts'> = context;
      needs(context).forEach((need, leg) => {
        if (need === 0) return;
        const side = Math.sign(need) as Side;
        const price = aggressivePrice(context, leg, side);
        if (price === undefined) return; // no usable book for this leg: wait for one
        next = spawnOrder({ ...context, ...next }, spawn, { leg, role: 'hedge', side, qty: abs(need), price });
      });
      return next;
    }),
    /**
     * Asks the selected working orders to cancel (their machines send the cancel to the venue). Runs before
     * `markCancelling` in the same list, so both see the same selection.
     */
    sendCancels: ({ context, event }, params: CancelParams) => {
      for (const id of selectCancels(context, event, params)) context.orders[id]!.ref.send({ type: 'cancel.requested' });
    },
    markCancelling: assign(({ context, event }, params: CancelParams) => {
      const ids = selectCancels(context, event, params);
      const orders = { ...context.orders };
      for (const id of ids) orders[id] = { ...orders[id]!, cancelling: true };
      return { orders, counts: { ...context.counts, reprices: context.counts.reprices + (params.reprice ? ids.length : 0) } };
    }),
    /** A finished order is stopped at once, so finished children never pile up in `children`. */
    stopOrder: stopChild(({ event }) => (event as OrderDoneEvent).output.clientId),
    forgetOrder: assign(({ context, event }) => {
      const e = (event as OrderDoneEvent).output;
      const { [e.clientId]: _gone, ...orders } = context.orders;
      return {
        orders,
        counts: { ...context.counts, rejects: context.counts.rejects + (e.status === 'rejected' ? 1 : 0) },
        // An entry that took nothing consumed none of the size its view showed.
        entryPricedAt: e.role === 'entry' && e.filled === 0 ? null : context.entryPricedAt,
      };
    }),
    closeEntry: assign({ entryClosed: true }),
    noteReason: assign(({ context: _context }, params: { reason: EndReason }) => ({ reason: params.reason })),
  },
  guards: {
    isPriceReached: ({ context }) => priceReached(context),
    canEnter: ({ context }) => {
      const s = context.spec;
      if (!priceReached(context) || entryLotsLeft(context) <= 0) return false;
      // The size shown in a view is taken once: wait for a newer view before crossing again.
      if (context.entryPricedAt !== null && context.market!.at <= context.entryPricedAt) return false;
      const side = (s.side * Math.sign(s.tradingMultipliers[s.activeLeg]!)) as Side;
      return aggressivePrice(context, s.activeLeg, side) !== undefined;
    },
    isEntryFilled: ({ context }) => entryLotsLeft(context) <= 0,
    isEntryOrder: ({ context, event }) => orderOf(context, event)?.role === 'entry',
    isHedgeOrder: ({ context, event }) => orderOf(context, event)?.role === 'hedge',
    isRejectedEntry: ({ context, event }) => orderOf(context, event)?.role === 'entry' && (event as OrderDoneEvent).output.status === 'rejected',
    isRejectedHedge: ({ context, event }) => orderOf(context, event)?.role === 'hedge' && (event as OrderDoneEvent).output.status === 'rejected',
    needsHedge: ({ context }) => needs(context).some((n) => n !== 0),
    /** A leg needs lots and has a book to price them from. */
    hasHedgeToSend: ({ context }) => needs(context).some((n, leg) => n !== 0 && context.market?.legs[leg] != null),
    isHedgeIdle: ({ context }) => !hasRole(context, 'hedge') && needs(context).every((n) => n === 0),
    /** Nothing working and every leg holds the same whole number of spread units. */
    isSettled: ({ context }) => Object.keys(context.orders).length === 0 && isBalanced(context.fills.lots, context.spec.tradingMultipliers),
  },
  delays: {
    resubmit: ({ context }) => context.spec.resubmitMs,
  },
}).createMachine({
  id: 'algo',
  context: ({ input }) => ({
    spec: input.spec,
    market: input.market,
    fills: {
      lots: input.spec.tradingMultipliers.map(() => 0),
      notional: input.spec.tradingMultipliers.map(() => 0),
      lastPrice: input.spec.tradingMultipliers.map(() => 0),
      firstAt: null,
      lastAt: null,
    },
    orders: {},
    seq: 0,
    entryPricedAt: null,
    entryClosed: false,
    reason: null,
    status: null,
    exposure: { current: 0, maxLots: 0, maxNotional: 0, lotMs: 0, nakedMs: 0, since: null },
    counts: { orders: 0, reprices: 0, rejects: 0 },
  }),
  entry: { type: 'reportStarted', params: ({ context }) => ({ spec: context.spec }) },
  on: {
    'spread.quoted': { actions: 'storeMarket' },
    'leg.filled': { actions: 'recordFill' },
  },
  initial: 'pending',
  states: {
    pending: {
      always: { guard: 'isPriceReached', target: 'active' },
      after: { resubmit: { target: 'stopped', actions: { type: 'noteReason', params: { reason: 'expired' } } } },
      on: { 'stop.requested': { target: 'stopped', actions: { type: 'noteReason', params: { reason: 'stopRequested' } } } },
    },
    active: {
      type: 'parallel',
      states: {
        entry: {
          initial: 'waiting',
          on: { 'xstate.done.actor.*': { guard: 'isEntryOrder', actions: ['stopOrder', 'forgetOrder'] } },
          states: {
            waiting: {
              always: [
                { guard: 'isEntryFilled', target: 'done' },
                { guard: 'canEnter', target: 'working' },
                // A taker takes what the price offers now; the strategy relaunches when it returns.
                { guard: not('isPriceReached'), target: 'halted', actions: { type: 'noteReason', params: { reason: 'priceLeft' } } },
              ],
              on: { 'stop.requested': { target: 'halted', actions: { type: 'noteReason', params: { reason: 'stopRequested' } } } },
            },
            working: {
              entry: 'submitEntryOrder',
              on: {
                'xstate.done.actor.*': [
                  { guard: 'isRejectedEntry', target: 'backingOff', actions: ['stopOrder', 'forgetOrder'] },
                  { guard: 'isEntryOrder', target: 'waiting', actions: ['stopOrder', 'forgetOrder'] },
                ],
                'order.stale': { guard: 'isEntryOrder', target: 'repricing' },
                'stop.requested': { target: 'halted', actions: { type: 'noteReason', params: { reason: 'stopRequested' } } },
              },
            },
            repricing: {
              entry: cancel({ role: 'entry', reprice: true }),
              on: {
                'xstate.done.actor.*': { guard: 'isEntryOrder', target: 'waiting', actions: ['stopOrder', 'forgetOrder'] },
                'stop.requested': { target: 'halted', actions: { type: 'noteReason', params: { reason: 'stopRequested' } } },
              },
            },
            backingOff: {
              after: { resubmit: 'waiting' },
              on: { 'stop.requested': { target: 'halted', actions: { type: 'noteReason', params: { reason: 'stopRequested' } } } },
            },
            done: {
              entry: ['closeEntry', { type: 'noteReason', params: { reason: 'filled' } }],
              always: { guard: 'isSettled', target: '#algo.completed' },
            },
            halted: {
              entry: ['closeEntry', ...cancel({ role: 'entry' })],
              always: { guard: 'isSettled', target: '#algo.stopped' },
            },
          },
        },
        hedge: {
          initial: 'balanced',
          on: {
            'xstate.done.actor.*': { guard: 'isHedgeOrder', actions: ['stopOrder', 'forgetOrder'] },
            'order.stale': { guard: 'isHedgeOrder', actions: cancel({ role: 'hedge', onlyEventOrder: true, reprice: true }) },
          },
          states: {
            balanced: {
              always: { guard: 'needsHedge', target: 'hedging' },
            },
            hedging: {
              entry: 'submitHedgeOrders',
              always: [
                { guard: 'hasHedgeToSend', target: 'hedging', reenter: true },
                { guard: 'isHedgeIdle', target: 'balanced' },
              ],
              on: {
                'xstate.done.actor.*': { guard: 'isRejectedHedge', target: 'backingOff', actions: ['stopOrder', 'forgetOrder'] },
              },
            },
            backingOff: {
              after: { resubmit: 'hedging' },
            },
          },
        },
      },
    },
    completed: {
      type: 'final',
      entry: [
        { type: 'settle', params: { status: 'completed' } },
        { type: 'reportResult', params: ({ context }) => ({ result: algoResult(context, 'completed') }) },
      ],
    },
    stopped: {
      type: 'final',
      entry: [
        { type: 'settle', params: { status: 'stopped' } },
        { type: 'reportResult', params: ({ context }) => ({ result: algoResult(context, 'stopped') }) },
      ],
    },
  },
  // The parent learns the result from this actor's done event.
  output: ({ context }) => algoResult(context, context.status ?? 'stopped'),
});

type SpawnOrder = (src: 'order', options: { id: string; systemId: string; input: OrderInput }) => ActorRefFrom<typeof orderMachine>;

function spawnOrder(
  context: Pick<AlgoContext, 'spec' | 'orders' | 'seq' | 'counts'>,
  spawn: SpawnOrder,
  o: { leg: number; role: OrderRole; side: Side; qty: number; price: number },
): Pick<AlgoContext, 'orders' | 'seq' | 'counts'> {
  const seq = context.seq + 1;
  const clientId = `${context.spec.id}.${seq}`;
  const ref = spawn('order', {
    id: clientId,
    systemId: `order:${clientId}`,
    input: {
      order: { clientId, symbol: context.spec.symbols[o.leg]!, side: o.side, qty: o.qty, price: o.price },
      leg: o.leg,
      role: o.role,
      staleAfterMs: context.spec.resubmitMs,
    },
  });
  return {
    seq,
    orders: { ...context.orders, [clientId]: { ref, leg: o.leg, role: o.role, side: o.side, qty: o.qty, filled: 0, cancelling: false } },
    counts: { ...context.counts, orders: context.counts.orders + 1 },
  };
}
