import type { ActorRefFrom } from 'xstate';
import { hedgeNeeds, isBalanced, nakedDeviation, nakedLots, unwindNeeds, type HedgeRounding } from '../src/domain/position.js';
import { impliedActivePrice } from '../src/domain/pricing.js';
import type { MarketView } from '../src/domain/quote.js';
import type { Side } from '../src/domain/orders.js';
import type {
  orderMachine,
  LegFilledEvent,
  OrderCancelFailedEvent,
  OrderEnded,
  OrderReplacedEvent,
  OrderReplaceFailedEvent,
  OrderRole,
  OrderStaleEvent,
} from './order.machine.js';

/**
 * The algo's context and what is computed from it: the spec an algo is launched with, its working orders, fills,
 * exposure and ladder, its events and its result, and the functions of the context its guards and actions ask
 * (what each leg needs and at what price, whether the legs are whole, what a fill or an order's end changes). Plain
 * functions of plain data: algo.machine.ts is the statechart that asks them.
 */

/**
 * What an algo is for: one of the strategy's four trigger prices, the kill switch's flatten (every leg to 0), or
 * an operator's manual spread order (side, quantity, limit and kind given by hand, the desk's ticket).
 */
export type Purpose = 'longEntry' | 'longExit' | 'shortEntry' | 'shortExit' | 'flatten' | 'manual';
export type AlgoKind = 'taker' | 'contingent' | 'quoting';
export type AlgoStatus = 'completed' | 'stopped';
/**
 * Why the algo ended: the quantity filled; the price left the limit (taker); a stop was requested; it
 * expired pending; a contingent leg failed; it unwound after a leg-out; the venue left a residual; pre-trade
 * risk refused an entry order.
 */
export type EndReason = 'filled' | 'priceLeft' | 'stopRequested' | 'expired' | 'legFailed' | 'unwound' | 'residual' | 'riskRefused';
export type LadderStep = 'resting' | 'crossing' | 'unwinding' | 'paused' | 'failed';

/** The hedge ladder's parameters; see the README for defaults. */
export interface HedgeLadder {
  /** Where a leg-out starts the ladder: resting (step 1), or crossing at once with no resting order first. */
  firstStep: 'resting' | 'crossing';
  /** Step 1: rest at the near touch plus this many ticks. */
  payupTicks: number;
  /** Look at resting (and crossing, unwinding) hedge orders this often ... */
  repriceMs: number;
  /** ... and re-price one only when its price would move at least this many ticks. */
  repriceTicks: number;
  /** Step 3: after this long naked, cross the spread. */
  crossAfterMs: number;
  /** Crossing price: the far touch plus this many ticks ... */
  crossPayupTicks: number;
  /** ... but never more than this many ticks worse than the far touch when the ladder began. */
  maxCrossTicks: number;
  /** Step 4: after this long naked, unwind what filled. */
  unwindAfterMs: number;
  /** Unwinding price: the far touch plus this many ticks ("at market"). */
  unwindPayupTicks: number;
  /** After this long unwinding without success the algo gives up and reports the residual. */
  giveUpAfterMs: number;
}

export interface AlgoSpec {
  id: string;
  strategy: string;
  purpose: Purpose;
  kind: AlgoKind;
  /** +1 buys the spread, −1 sells it. */
  side: Side;
  /** Spread units. */
  qty: number;
  /** Scaled spread price: buy at or below, sell at or above. */
  limit: number;
  tradingMultipliers: number[];
  /** Scaled price factor of each leg (priceMultiplier · tickSize · scale): spread = Σ factor · ticks. */
  factors: number[];
  symbols: string[];
  activeLeg: number;
  /** Entry orders: ticks beyond the far touch (taker, contingent). */
  payupTicks: number;
  /** Entry orders older than this are re-priced; also the wait after a reject. */
  resubmitMs: number;
  /** Taker: a resting entry still at the price is kept unless its price would move at least this many ticks. */
  repriceTicks: number;
  /** Taker: whether a new entry slice may go out while a hedge works or a leg is naked. */
  entryWhileHedging: boolean;
  rounding: HedgeRounding;
  hedge: HedgeLadder;
  /** What a stop does with a leg-out: complete the hedge, or unwind the filled legs. */
  stopPolicy: 'hedge' | 'unwind';
  /** Contingent: how long the legs may take to fill. */
  legTimeoutMs: number;
  /** Quoting: re-quote when the implied price moves by at least this many ticks. */
  requoteTicks: number;
  /** Quoting: quote only while every hedge leg shows at least this many spread units (0 = always). */
  minHedgeUnits: number;
  /** Currency value of one tick on one lot, per leg (for the notional exposure metric only). */
  tickValue: number[];
  /** Pre-trade risk's largest order per leg, lots (null: no limit): taker slices and quotes are sized within it. */
  maxOrderLots: (number | null)[];
  /**
   * Flatten: the strategy's leg lots the algo takes over. It starts with them as its own fills and unwinds every leg
   * to 0; its result reports only what it traded.
   */
  carried?: number[];
}

export interface AlgoInput {
  spec: AlgoSpec;
  market: MarketView | null;
}

/**
 * The launch of a dormant algo (DESIGN §7: actors on the hot path are reused, not spawned): its strategy spawns it
 * ahead, under the id it will have, and a launch is this event, carrying the spec and the view it is launched on.
 */
export interface AlgoLaunchedEvent {
  type: 'algo.launched';
  spec: AlgoSpec;
  market: MarketView | null;
}

export interface WorkingOrder {
  ref: ActorRefFrom<typeof orderMachine>;
  /** The child's id (a reused slot, `o1`, `o2`, …). */
  slot: string;
  leg: number;
  role: OrderRole;
  side: Side;
  qty: number;
  price: number;
  filled: number;
  cancelling: boolean;
  /** A replace (a re-price in place) has been asked for and not yet answered. */
  replacing: boolean;
}

/**
 * Naked exposure: per leg, the signed lots away from the nearest balanced position (`nakedDeviation`), valued
 * at the leg's book mid (else its last fill price). Lots of different legs have different sizes, so only
 * notionals are summed.
 */
export interface Exposure {
  /** Per leg, the signed deviation now, in lots. */
  lots: number[];
  /** Per leg, the largest |deviation| so far, in lots. */
  maxLots: number[];
  /** Per leg, the largest |deviation| · |last fill price (ticks)| · tickValue so far. */
  maxLegNotional: number[];
  /** The largest Σ leg notionals at one moment. */
  maxNotional: number;
  /** ∫ Σ naked notional dt, in currency·ms. */
  notionalMs: number;
  /** Total time with any naked lot, ms. */
  nakedMs: number;
  since: number | null;
}

/**
 * The price (ticks) a leg's naked lots are valued at: its book's mid when the algo has one, else its last fill
 * price (a leg that never filled still counts when it is the one short of balance).
 */
function mark(context: AlgoContext, leg: number, lastPrice: number): number {
  const book = context.latest?.legs[leg];
  return book ? (book.bid + book.ask) / 2 : lastPrice;
}

export interface AlgoContext {
  spec: AlgoSpec;
  /** The books the algo prices from; null while its strategy's session window is closed. */
  market: MarketView | null;
  /**
   * The latest view, kept while the window is closed too: at the open the algo prices from it at once, whether
   * the open notice or the first book of the session came first (the market-view stage never shows a book
   * from before the current session).
   */
  latest: MarketView | null;
  /** False between the window's close and its next open: no book is usable, so nothing is sent. */
  sessionOpen: boolean;
  /** Signed lots, Σ price·lots (ticks), last fill price (ticks) per leg; times of the first and last fill. */
  fills: { lots: number[]; notional: number[]; lastPrice: number[]; firstAt: number | null; lastAt: number | null };
  orders: Record<string, WorkingOrder>;
  /**
   * The next orders, spawned ahead and dormant under the client ids and slots they will have (`<id>.<seq + 1>`,
   * `<id>.<seq + 2>`, …, slots no working order holds), used first to last, so that sending an order is an event to it,
   * not a spawn (DESIGN §7). One per traded leg, spawned with the algo (dormant algos are spawned off the hot path):
   * enough for an entry and its hedges, or a contingent entry's legs. Once they are used, one more is spawned only
   * while an entry order can still fill (its next fill is a hedge to send): by the algo's own `order.spare` after the
   * step that used the last one, off the fill → hedge path. Any other order beyond them (a re-price) is spawned
   * dormant in the step that sends it. Absent in snapshots written before they existed; see `spare`.
   */
  spares?: ActorRefFrom<typeof orderMachine>[];
  /**
   * The one spare order of snapshots written before `spares` (the eighteenth round of issue 14): read as `spares` of
   * one (`sparesOf`), and dropped when an order is sent.
   */
  spare?: ActorRefFrom<typeof orderMachine> | null;
  seq: number;
  /** Entry bookkeeping: the view the last entry was priced from (taker), the price quoted (quoting), closed. */
  entry: { pricedAt: number | null; quoted: number | null; closed: boolean };
  /** The hedge ladder: the step's pricing mode, the far touch per leg when it began, and the policy. */
  ladder: { mode: 'rest' | 'cross' | 'unwind'; arrival: (number | null)[]; policy: 'complete' | 'unwind' };
  reason: EndReason | null;
  status: AlgoStatus | null;
  exposure: Exposure;
  counts: { orders: number; reprices: number; rejects: number; ladderSteps: number };
}

/** What the algo reports when it ends: its output (the parent's xstate.done.actor.<id>) and the engine's record. */
export interface AlgoResult {
  algoId: string;
  strategy: string;
  purpose: Purpose;
  kind: AlgoKind;
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

/** A step of the hedge ladder, with the exposure at that moment (a named effect the engine records). */
export interface LadderStepReport {
  algoId: string;
  step: LadderStep;
  /** Per leg, the signed lots away from the nearest balanced position (= exposure.lots). */
  nakedLots: number[];
  exposure: Exposure;
}

export type AlgoEvent =
  | { type: 'spread.quoted'; view: MarketView }
  | AlgoLaunchedEvent
  /** The algo's own: sent to itself after a step that used its last spare order while an entry order can still fill. */
  | { type: 'order.spare' }
  /** Stop; `policy: 'unwind'` (the kill switch's flatten) unwinds a leg-out whatever the configured stop policy. */
  | { type: 'stop.requested'; policy?: 'unwind' }
  | { type: 'session.closed' }
  | { type: 'session.opened' }
  | LegFilledEvent
  | OrderStaleEvent
  | OrderReplacedEvent
  | OrderReplaceFailedEvent
  | OrderCancelFailedEvent
  | OrderDoneEvent;

/** A leg order reached its final state: XState's done event, carrying the order's output. */
export interface OrderDoneEvent {
  type: `xstate.done.actor.${string}`;
  actorId: string;
  output: OrderEnded;
}

const abs = Math.abs;
export type HedgeMode = AlgoContext['ladder']['mode'];

/** Lots an order still has working: none once filled, even when a venue reported more fills than its size. */
function openLots(o: { qty: number; filled: number }): number {
  return Math.max(0, o.qty - o.filled);
}

function workingLots(context: AlgoContext): number[] {
  const w = context.spec.tradingMultipliers.map(() => 0);
  for (const o of Object.values(context.orders)) w[o.leg]! += o.side * openLots(o);
  return w;
}

/**
 * Signed lots each leg still needs under the ladder's current mode (complete the hedge, or unwind),
 * counting what is working; with `ignoreWorking`, what the fills alone call for.
 */
export function needs(context: AlgoContext, mode: HedgeMode = context.ladder.mode, ignoreWorking = false): number[] {
  // Guards ask this several times per event, and the engine asks every guard per market view (view-gate.ts):
  // compute it once per value of what it reads. Context parts are never changed in place (assign replaces them),
  // so the fills, orders and entry objects stand for their values (the spec is fixed for the algo's life). A
  // context only moves forward (a replaced part never comes back), so per fills object only the orders and entry
  // last seen with it are remembered.
  let memo = needsMemo.get(context.fills);
  if (memo === undefined || memo.orders !== context.orders || memo.entry !== context.entry) {
    memo = { orders: context.orders, entry: context.entry, values: [undefined, undefined, undefined, undefined, undefined, undefined] };
    needsMemo.set(context.fills, memo);
  }
  const slot = NEEDS_SLOT[mode] + (ignoreWorking ? 1 : 0);
  return (memo.values[slot] ??= computeNeeds(context, mode, ignoreWorking));
}
/** Per fills object: the orders and entry objects last seen with it, and the needs computed for them. */
const needsMemo = new WeakMap<object, { orders: object; entry: object; values: (number[] | undefined)[] }>();
/** Where a mode's needs are kept in `values` (the next slot holds them with `ignoreWorking`). */
const NEEDS_SLOT: Record<HedgeMode, number> = { rest: 0, cross: 2, unwind: 4 };

function computeNeeds(context: AlgoContext, mode: HedgeMode, ignoreWorking: boolean): number[] {
  const s = context.spec;
  const filled = context.fills.lots;
  const working = ignoreWorking ? s.tradingMultipliers.map(() => 0) : workingLots(context);
  // Flatten unwinds every leg to 0; any other unwind, to the whole units all legs hold.
  if (mode === 'unwind') return unwindNeeds({ filled, working, tradingMultipliers: s.tradingMultipliers }, s.purpose === 'flatten' ? 0 : undefined);
  // Resting follows the active leg while the entry works it; once the ladder crosses, every leg — the active
  // one included — is completed to a whole unit, so a fraction of a unit never outlasts the ladder.
  const entryOpen = !context.entry.closed && mode === 'rest';
  return hedgeNeeds({ filled, working, tradingMultipliers: s.tradingMultipliers, side: s.side, activeLeg: s.activeLeg, entryOpen, rounding: s.rounding });
}

/**
 * Whether the ladder may send now. An unwind waits until every entry and hedge order has ended: a fill
 * racing one of their cancels would change what must be unwound.
 */
export function maySend(context: AlgoContext): boolean {
  if (context.ladder.mode !== 'unwind') return true;
  for (const o of Object.values(context.orders)) if (o.role !== 'unwind') return false;
  return true;
}

/** Some leg needs lots in the ladder's current mode (counting what is working) and has a book to price them from. */
export function needsWithBook(context: AlgoContext): boolean {
  const need = needs(context);
  for (let leg = 0; leg < need.length; leg++) if (need[leg] !== 0 && context.market?.legs[leg] != null) return true;
  return false;
}

/** Some leg the fills alone call for lots from (in the ladder's current mode) has no usable book. */
export function needsMissingBook(context: AlgoContext): boolean {
  const need = needs(context, context.ladder.mode, true);
  for (let leg = 0; leg < need.length; leg++) if (need[leg] !== 0 && context.market?.legs[leg] == null) return true;
  return false;
}

export const isLadderRole = (role: OrderRole | undefined): boolean => role === 'hedge' || role === 'unwind';

/** Every leg holds the same whole number of spread units; for a flatten, every leg is at 0. */
export function isWhole(context: AlgoContext): boolean {
  if (context.spec.purpose === 'flatten') return context.fills.lots.every((l) => l === 0);
  return isBalanced(context.fills.lots, context.spec.tradingMultipliers);
}

/** Lots of a leg the entry may still send: the quantity less what filled and what the ladder has working there. */
export function entryLotsLeft(context: AlgoContext, leg = context.spec.activeLeg): number {
  const s = context.spec;
  let ladder = 0;
  for (const o of Object.values(context.orders)) if (o.leg === leg && o.role !== 'entry') ladder += o.side * openLots(o);
  const direction = s.side * Math.sign(s.tradingMultipliers[leg]!);
  return s.qty * abs(s.tradingMultipliers[leg]!) - abs(context.fills.lots[leg]!) - Math.max(0, direction * ladder);
}

/**
 * Taker: lots of the active leg the next entry slice may take. It never exceeds what the spread quote shows,
 * nor what every hedge leg shows now on the side its hedge would take, net of the hedge lots already working
 * there and of the lots still to be hedged. Without `entryWhileHedging`, nothing goes out while a hedge
 * works or a leg still needs one: the ladder owns the legs until they are whole again.
 */
export function entrySliceLots(context: AlgoContext): number {
  const s = context.spec;
  const spread = context.market?.spread;
  if (!spread) return 0;
  const hedging = hasLadderOrder(context);
  const unhedged = needs(context, 'rest');
  if (!s.entryWhileHedging && (hedging || !allZero(unhedged))) return 0;
  let units = s.side > 0 ? spread.askSize : spread.bidSize;
  const working = ladderWorkingLots(context);
  for (let i = 0; i < s.tradingMultipliers.length; i++) {
    const tm = s.tradingMultipliers[i]!;
    // Every leg's order for the slice must fit pre-trade risk's size limit.
    const max = s.maxOrderLots[i];
    if (tm !== 0 && max !== null && max !== undefined) units = Math.min(units, Math.floor(max / abs(tm)));
    if (i === s.activeLeg || tm === 0) continue;
    const book = context.market!.legs[i];
    if (!book) return 0;
    const shown = legSide(context, i) > 0 ? book.askSize : book.bidSize;
    const free = shown - abs(working[i]!) - abs(unhedged[i]!);
    units = Math.min(units, Math.floor(Math.max(0, free) / abs(tm)));
  }
  return Math.max(0, Math.min(entryLotsLeft(context), units * abs(s.tradingMultipliers[s.activeLeg]!)));
}

/** Signed lots the ladder's own orders (hedge, unwind) still have working per leg. */
function ladderWorkingLots(context: AlgoContext): number[] {
  const w = context.spec.tradingMultipliers.map(() => 0);
  for (const o of Object.values(context.orders)) if (o.role !== 'entry') w[o.leg]! += o.side * openLots(o);
  return w;
}

/** Every element is 0. */
export function allZero(values: readonly number[]): boolean {
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) return false;
  return true;
}

/**
 * A stale order is re-priced only when the price it would be sent at now differs from its own by at least
 * `ticks`; without a book to price from, `orElse` decides.
 */
export function priceMoved(order: WorkingOrder | undefined, price: number | undefined, ticks: number, orElse: boolean): boolean {
  if (!order) return false;
  if (price === undefined) return orElse;
  return abs(price - order.price) >= ticks;
}

export function priceReached(context: AlgoContext): boolean {
  const q = context.market?.spread;
  if (!q) return false;
  return context.spec.side > 0 ? q.ask <= context.spec.limit : q.bid >= context.spec.limit;
}

/** The side (+1 buy, −1 sell) a leg trades on when the algo buys or sells the spread. */
export function legSide(context: AlgoContext, leg: number): Side {
  return (context.spec.side * Math.sign(context.spec.tradingMultipliers[leg]!)) as Side;
}

/** Far touch plus `payup` ticks (buy higher, sell lower), or undefined without a book. */
export function farTouch(context: AlgoContext, leg: number, side: Side, payup: number): number | undefined {
  const book = context.market?.legs[leg];
  if (!book) return undefined;
  return side > 0 ? book.ask + payup : book.bid - payup;
}

/** The price of a hedge order on a leg in the ladder's current mode, in ticks. */
export function hedgePrice(context: AlgoContext, leg: number, side: Side): number | undefined {
  const book = context.market?.legs[leg];
  if (!book) return undefined;
  const h = context.spec.hedge;
  switch (context.ladder.mode) {
    case 'rest':
      // Join the near touch, plus payup (in a one-tick market a payup of 1 reaches the far touch).
      return side > 0 ? book.bid + h.payupTicks : book.ask - h.payupTicks;
    case 'cross': {
      const p = side > 0 ? book.ask + h.crossPayupTicks : book.bid - h.crossPayupTicks;
      const arrival = context.ladder.arrival[leg];
      if (arrival === null || arrival === undefined) return p;
      return side > 0 ? Math.min(p, arrival + h.maxCrossTicks) : Math.max(p, arrival - h.maxCrossTicks);
    }
    case 'unwind':
      return side > 0 ? book.ask + h.unwindPayupTicks : book.bid - h.unwindPayupTicks;
  }
}

export function hasRole(context: AlgoContext, role: OrderRole): boolean {
  for (const o of Object.values(context.orders)) if (o.role === role) return true;
  return false;
}

/** A hedge or unwind order (the ladder's own) is working. */
function hasLadderOrder(context: AlgoContext): boolean {
  for (const o of Object.values(context.orders)) if (isLadderRole(o.role)) return true;
  return false;
}

/** The working order an event is about: a report from it, or its done event. */
export function orderOf(context: AlgoContext, event: AlgoEvent): WorkingOrder | undefined {
  if ('clientId' in event) return context.orders[event.clientId];
  if ('output' in event) return context.orders[event.output.clientId];
  return undefined;
}

/** The venue rejected it, or pre-trade risk refused to send it. */
export const isRejected = (event: AlgoEvent): boolean => 'output' in event && (event.output.status === 'rejected' || event.output.status === 'refused');
export const isRefused = (event: AlgoEvent): boolean => 'output' in event && event.output.status === 'refused';

/** Quoting: the active-leg price implied by the limit and the other legs' books, kept passive. */
export function quotePrice(context: AlgoContext): number | undefined {
  const s = context.spec;
  const legs = context.market?.legs;
  const book = legs?.[s.activeLeg];
  if (!legs || !book) return undefined;
  const implied = impliedActivePrice(s.factors, s.side, s.activeLeg, s.limit, legs);
  if (implied === undefined) return undefined;
  // A maker never crosses: at most one tick inside the far touch.
  return legSide(context, s.activeLeg) > 0 ? Math.min(implied, book.ask - 1) : Math.max(implied, book.bid + 1);
}

/** Quoting with lean: every hedge leg shows at least minHedgeUnits on the side the hedge would hit. */
export function hedgeLegsDeepEnough(context: AlgoContext): boolean {
  const s = context.spec;
  if (s.minHedgeUnits <= 0) return true;
  return s.tradingMultipliers.every((tm, i) => {
    if (i === s.activeLeg || tm === 0) return true;
    const book = context.market?.legs[i];
    if (!book) return false;
    const size = legSide(context, i) > 0 ? book.askSize : book.bidSize;
    return size >= s.minHedgeUnits * abs(tm);
  });
}

/** What storing a market view changes: the latest view is kept; it is priced from only while the window is open. */
export function withView(context: AlgoContext, view: MarketView | null): Partial<AlgoContext> {
  return context.sessionOpen ? { market: view, latest: view } : { latest: view };
}

export function ladderReport(context: AlgoContext, step: LadderStep): LadderStepReport {
  return { algoId: context.spec.id, step, nakedLots: [...context.exposure.lots], exposure: { ...context.exposure } };
}

export function algoResult(context: AlgoContext, status: AlgoStatus): AlgoResult {
  const s = context.spec;
  const tms = s.tradingMultipliers;
  const carried = s.carried ?? tms.map(() => 0);
  const lots = context.fills.lots.map((l, i) => l - carried[i]!);
  // A flatten's residual is whatever it could not take to 0.
  const naked = s.purpose === 'flatten' ? [...context.fills.lots] : nakedLots(lots, tms);
  const traded = tms.findIndex((tm) => tm !== 0);
  const units = traded < 0 || s.purpose === 'flatten' ? 0 : abs((lots[traded]! - naked[traded]!) / tms[traded]!);
  return {
    algoId: s.id,
    strategy: s.strategy,
    purpose: s.purpose,
    kind: s.kind,
    side: s.side,
    qty: s.qty,
    limit: s.limit,
    status,
    reason: context.reason,
    filledLots: lots,
    notional: [...context.fills.notional],
    units,
    residual: naked,
    exposure: { ...context.exposure },
    counts: { ...context.counts },
    firstFillAt: context.fills.firstAt,
    lastFillAt: context.fills.lastAt,
  };
}

/**
 * An update an action makes from its event, computed once per event: the guards that decide on the event ask for it
 * before the action stores it. Per event object, for the context it was computed from.
 */
function perEvent<E extends object, U>(compute: (context: AlgoContext, e: E) => U): (context: AlgoContext, e: E) => U {
  const memo = new WeakMap<object, { context: AlgoContext; update: U }>();
  return (context, e) => {
    const m = memo.get(e);
    if (m !== undefined && m.context === context) return m.update;
    const update = compute(context, e);
    memo.set(e, { context, update });
    return update;
  };
}

/**
 * What a fill changes in the algo's context (`recordFill`): the fills, the order's filled quantity, the exposure.
 * Guards that decide on the fill (`hedge.balanced`) ask it before the action stores it: computed once per event.
 */
export const fillUpdate = perEvent(computeFillUpdate);

/** The context once a fill is counted (what `recordFill` stores), for a guard to read before it is. */
export const afterFill = (context: AlgoContext, event: unknown): AlgoContext => ({ ...context, ...fillUpdate(context, event as LegFilledEvent) });

function computeFillUpdate(context: AlgoContext, e: LegFilledEvent): Pick<AlgoContext, 'orders' | 'fills' | 'exposure'> {
  const before = context.fills;
  const lots = before.lots.slice();
  const notional = before.notional.slice();
  const lastPrice = before.lastPrice.slice();
  lots[e.leg]! += e.side * e.qty;
  notional[e.leg]! += e.side * e.qty * e.price;
  lastPrice[e.leg] = e.price;
  const order = context.orders[e.clientId];
  let orders = context.orders;
  if (order) {
    orders = Object.assign({}, orders);
    orders[e.clientId] = { ...order, filled: order.filled + e.qty };
  }
  const x = context.exposure;
  const tv = context.spec.tickValue;
  // Until this fill the deviation was x.lots, valued at the prices before it. A leg's notional is
  // |deviation| · |mark (ticks)| · tick value, the currency value of its naked lots; sums run in leg order.
  let notionalBefore = 0;
  for (let i = 0; i < x.lots.length; i++) notionalBefore += abs(x.lots[i]!) * abs(mark(context, i, before.lastPrice[i]!)) * tv[i]!;
  const deviation = nakedDeviation(lots, context.spec.tradingMultipliers);
  const maxLots: number[] = [];
  const maxLegNotional: number[] = [];
  let notionalNow = 0;
  for (let i = 0; i < deviation.length; i++) {
    const n = abs(deviation[i]!);
    const legNotional = n * abs(mark(context, i, lastPrice[i]!)) * tv[i]!;
    maxLots.push(Math.max(x.maxLots[i]!, n));
    maxLegNotional.push(Math.max(x.maxLegNotional[i]!, legNotional));
    notionalNow += legNotional;
  }
  // The venue's stamps need not come in order (a resent report, a status answer's fill): time counts forward only.
  const dt = x.since === null || e.at < x.since ? 0 : e.at - x.since;
  return {
    orders,
    fills: { lots, notional, lastPrice, firstAt: before.firstAt === null || e.at < before.firstAt ? e.at : before.firstAt, lastAt: before.lastAt === null || e.at > before.lastAt ? e.at : before.lastAt },
    exposure: {
      lots: deviation,
      maxLots,
      maxLegNotional,
      maxNotional: Math.max(x.maxNotional, notionalNow),
      notionalMs: x.notionalMs + notionalBefore * dt,
      nakedMs: x.nakedMs + (allZero(x.lots) ? 0 : dt),
      since: x.since === null || e.at > x.since ? e.at : x.since,
    },
  };
}

/**
 * What an order's end changes in the algo's context (`forgetOrder`): the order is forgotten, a reject counted, and
 * an entry that took nothing gives back the view's size. Guards that decide on the end ask it first: computed once.
 */
export const forgetUpdate = perEvent((context: AlgoContext, event: OrderDoneEvent): Pick<AlgoContext, 'orders' | 'counts' | 'entry'> => {
  const e = event.output;
  const { [e.clientId]: _gone, ...orders } = context.orders;
  return {
    orders,
    counts: { ...context.counts, rejects: context.counts.rejects + (e.status === 'rejected' ? 1 : 0) },
    // An entry that took nothing consumed none of the size its view showed.
    entry: e.role === 'entry' && e.filled === 0 ? { ...context.entry, pricedAt: null } : context.entry,
  };
});

/** Nothing working and every leg holds the same whole number of spread units. */
export function settled(context: AlgoContext): boolean {
  return Object.keys(context.orders).length === 0 && isWhole(context);
}

/** No ladder order working, nothing needed in the current mode, and every leg whole again. */
export function ladderDone(context: AlgoContext): boolean {
  return !hasLadderOrder(context) && allZero(needs(context)) && isWhole(context);
}

/**
 * An algo's context at its launch (and, dormant, until its launch: the spec then is its strategy's template under its
 * id), holding `spares`, the dormant orders spawned with it.
 */
export function initialContext(input: AlgoInput, spares: AlgoContext['spares'] = []): AlgoContext {
  return {
    spec: input.spec,
    market: input.market,
    latest: input.market,
    sessionOpen: true,
    fills: {
      lots: input.spec.carried ? [...input.spec.carried] : input.spec.tradingMultipliers.map(() => 0),
      notional: input.spec.tradingMultipliers.map(() => 0),
      lastPrice: input.spec.tradingMultipliers.map(() => 0),
      firstAt: null,
      lastAt: null,
    },
    orders: {},
    spares,
    seq: 0,
    entry: { pricedAt: null, quoted: null, closed: false },
    ladder: { mode: 'rest', arrival: input.spec.tradingMultipliers.map(() => null), policy: input.spec.purpose === 'flatten' ? 'unwind' : 'complete' },
    reason: null,
    status: null,
    exposure: {
      // A flatten may take over legs that are not balanced (a residual, stray fills): naked from its start.
      lots: input.spec.carried ? nakedDeviation(input.spec.carried, input.spec.tradingMultipliers) : input.spec.tradingMultipliers.map(() => 0),
      maxLots: input.spec.carried ? nakedDeviation(input.spec.carried, input.spec.tradingMultipliers).map(abs) : input.spec.tradingMultipliers.map(() => 0),
      maxLegNotional: input.spec.tradingMultipliers.map(() => 0),
      maxNotional: 0,
      notionalMs: 0,
      nakedMs: 0,
      since: null,
    },
    counts: { orders: 0, reprices: 0, rejects: 0, ladderSteps: 0 },
  };
}
