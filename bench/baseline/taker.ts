import { Decimal } from '../../src/domain/decimal.js';
import { R_ACCEPTED, R_CANCELED, R_CANCEL_REJECTED, R_FILLED, R_REJECTED, R_REPLACED, R_REPLACE_REJECTED, type BaselineExchange, type Report, type VenueOrder } from './exchange.js';
import type { Timer, TimerQueue } from './timers.js';

/**
 * The strategy (flat / long / short, four triggers, a target), the taker entry algo and its hedge ladder (rest,
 * re-price, cross, unwind), and each order's life at the venue, as plain TypeScript over integer ticks and lots.
 * Its exchange can replace, so a stale hedge is re-priced in place, as the engine does on a venue that can.
 *
 * It makes the decisions machines/strategy.machine.ts, machines/algo.machine.ts and machines/order.machine.ts make,
 * in the same order: an event is handled, then the eventless checks run until nothing changes (a statechart's
 * macrostep: every region's check sees the state before the step, a region's exit, transition and entry actions
 * run in that order), and the effects a statechart defers (sending a new order, arming a timer) run after the
 * step in the order they were asked for. See bench/baseline/README.md.
 */

// Order roles and order states.
const ENTRY = 0;
const HEDGE = 1;
const UNWIND = 2;
const O_SUBMITTED = 0;
const O_WORKING = 1;
const O_PENDING_CANCEL = 2;
const O_AWAITING = 3;
const O_ENDED = 4;
const O_REPLACING = 5;
const ST_FILLED = 0;
const ST_CANCELED = 1;
const ST_REJECTED = 2;

// Algo: top level, entry region, hedge region, ladder step, ladder sender, hedge mode, policy.
const A_PENDING = 0;
const A_ACTIVE = 1;
const A_ENDED = 2;
const E_WAITING = 0;
const E_WORKING = 1;
const E_REPRICING = 2;
const E_BACKOFF = 3;
const E_DONE = 4;
const E_HALTED = 5;
const H_BALANCED = 0;
const H_LADDER = 1;
const H_PAUSED = 2;
const H_FAILED = 3;
const S_RESTING = 0;
const S_CROSSING = 1;
const S_UNWINDING = 2;
const SND_SENDING = 0;
const SND_BACKOFF = 1;
const M_REST = 0;
const M_CROSS = 1;
const M_UNWIND = 2;

// Eventless transitions of the entry region and the hedge region.
const T_NONE = 0;
const TE_DONE = 1;
const TE_WORKING = 2;
const TE_HALT_PRICE_LEFT = 3;
const TE_HALT_UNWOUND = 4;
const TE_COMPLETED = 5;
const TE_STOPPED = 6;
const TH_LADDER = 10;
const TH_LADDER_CROSSING = 11;
const TH_LADDER_UNWINDING = 12;
const TH_UNWINDING = 13;
const TH_BALANCED = 14;
const TH_PAUSED = 15;
const TH_RESEND = 16;
const TH_RESUME = 17;
const TH_RESIDUAL = 18;

/** Timer kinds owned by this module (the run loop hands them back to `fire`). */
export const T_ORDER_STALE = 10;
export const T_ALGO_PENDING = 11;
export const T_ALGO_ENTRY = 12;
export const T_ALGO_STEP = 13;
export const T_ALGO_SENDER = 14;

export type Purpose = 'longEntry' | 'longExit' | 'shortEntry' | 'shortExit';
export type LadderStepName = 'resting' | 'crossing' | 'unwinding' | 'paused' | 'failed';
const STEP_NAMES: LadderStepName[] = ['resting', 'crossing', 'unwinding'];

/** What a machine sees of the market: the spread quote and each leg's usable book, as of the last view. */
export class View {
  at = 0;
  quoted = false;
  bid = 0;
  ask = 0;
  bidSize = 0;
  askSize = 0;
  readonly ok: boolean[];
  readonly lbid: number[];
  readonly lask: number[];
  readonly lbidSize: number[];
  readonly laskSize: number[];
  constructor(legs: number) {
    this.ok = new Array<boolean>(legs).fill(false);
    this.lbid = new Array<number>(legs).fill(0);
    this.lask = new Array<number>(legs).fill(0);
    this.lbidSize = new Array<number>(legs).fill(0);
    this.laskSize = new Array<number>(legs).fill(0);
  }
}

/** The parameters a strategy fixes once (from the resolved config). */
export interface TakerSpec {
  name: string;
  /** Scaled trigger prices (null: not used). */
  triggers: { longEntry: number | null; longExit: number | null; shortEntry: number | null; shortExit: number | null };
  target: number;
  tms: readonly number[];
  /** Exchange instrument index per leg. */
  syms: readonly number[];
  activeLeg: number;
  payupTicks: number;
  resubmitMs: number;
  repriceTicks: number;
  entryWhileHedging: boolean;
  /** The venue can replace: a stale hedge is re-priced in place (else cancelled and sent anew). */
  replaces: boolean;
  rounding: 'nearest' | 'down' | 'up';
  stopPolicy: 'hedge' | 'unwind';
  maxOrderLots: readonly (number | null)[];
  hedge: {
    firstStep: 'resting' | 'crossing';
    payupTicks: number;
    repriceMs: number;
    repriceTicks: number;
    crossAfterMs: number;
    crossPayupTicks: number;
    maxCrossTicks: number;
    unwindAfterMs: number;
    unwindPayupTicks: number;
    giveUpAfterMs: number;
  };
  /** Edges (Decimal): per leg price multiplier and tick size, for the realized spread. */
  priceMultipliers: readonly Decimal[];
  tickSizes: readonly Decimal[];
}

/** One finished algo, as the engine's execution reports it (the fields the equivalence test compares). */
export interface BaselineExecution {
  algoId: string;
  purpose: Purpose;
  side: 'buy' | 'sell';
  status: 'completed' | 'stopped';
  reason: string | null;
  units: number;
  filledLots: number[];
  realizedSpread: string | null;
  orders: number;
  reprices: number;
  ladderSteps: number;
  startedAt: number;
  endedAt: number;
}

/** Engine-wide counters and the optional trace (for finding where two implementations part). */
export interface Books {
  orders: number;
  fills: number;
  unrouted: number;
  ladder: Record<LadderStepName, number>;
  trace: string[] | null;
}

/** One order: the algo's working-order record, the order's own life, and the venue's view of it. */
export class Order implements VenueOrder {
  state = O_SUBMITTED;
  status = ST_CANCELED;
  /** Lots filled (the order's count and the algo's, which move together). */
  filled = 0;
  cancelling = false;
  /** A replace asked for and not yet answered (the algo's flag). */
  replacing = false;
  /** A replace asked for while the order was busy: its price (the order's mailbox). */
  replaceAsked: number | null = null;
  /** Lots the venue said it had filled when it confirmed a cancel that overtook fills. */
  venueFilled = 0;
  stale: Timer | null = null;
  /** Processing a report or its stale timer: a cancel asked for meanwhile waits (the order's mailbox). */
  busy = false;
  cancelAsked = false;
  // The venue's side.
  xPrice: number;
  xFilled = 0;
  xAhead = 0;
  xResting = false;
  xDone = false;
  xArrived = false;

  constructor(
    readonly algo: Algo,
    readonly clientId: string,
    readonly leg: number,
    readonly sym: number,
    readonly role: number,
    readonly side: 1 | -1,
    readonly qty: number,
    /** The limit the engine knows: a replace moves it when its confirmation arrives. */
    public price: number,
    readonly staleAfterMs: number,
  ) {
    this.xPrice = price;
  }
}

type Deferred = () => void;

/** Shared by every strategy of a run: the clock, the exchange, the counters. */
export interface Host {
  timers: TimerQueue;
  exchange: BaselineExchange;
  books: Books;
  /** A fill reached the engine: the strategy's cash and position (PnL). */
  onFill(strategy: Strategy, o: Order, r: Report): void;
  onExecution(e: BaselineExecution): void;
}

export class Strategy {
  /** Signed lots per leg, from the algos that ended. */
  readonly legLots: number[];
  algo: Algo | null = null;
  seq = 0;
  stopping = false;
  stopped = false;
  /** Processing an event: an algo's end waits until it is done (the strategy's mailbox). */
  private busy = false;
  private ended: Algo | null = null;
  /** Cash (Σ −side·lots·ticks, an exact integer) and lots per leg, from every fill the engine received. */
  readonly cashTicks: number[];
  readonly fillLots: number[];

  constructor(
    readonly spec: TakerSpec,
    readonly market: View,
    readonly host: Host,
  ) {
    this.legLots = spec.tms.map(() => 0);
    this.cashTicks = spec.tms.map(() => 0);
    this.fillLots = spec.tms.map(() => 0);
  }

  /** A view that passed the decision filter. */
  onView(): void {
    if (this.stopped) return;
    this.busy = true;
    if (this.algo) this.algo.onView();
    else if (!this.stopping) this.decide();
    this.busy = false;
    this.afterEvent();
  }

  /** The run ends: stop launching; the running algo stops its entry and completes its hedge per its policy. */
  stop(): void {
    if (this.stopped) return;
    this.busy = true;
    this.stopping = true;
    this.algo?.onStop();
    this.busy = false;
    this.afterEvent();
    if (!this.algo) this.stopped = true;
  }

  /** The algo reached its final state (its done event reaches the strategy once the strategy is free). */
  algoEnded(a: Algo): void {
    this.ended = a;
    if (!this.busy) this.afterEvent();
  }

  private afterEvent(): void {
    const a = this.ended;
    if (!a) return;
    this.ended = null;
    for (let i = 0; i < this.legLots.length; i++) this.legLots[i]! += a.lots[i]!;
    if (this.algo === a) this.algo = null;
    if (this.stopping) {
      if (!this.algo) this.stopped = true;
      return;
    }
    this.busy = true;
    this.decide();
    this.busy = false;
    this.afterEvent();
  }

  position(): number {
    return hedgedUnits(this.legLots, this.spec.tms);
  }

  /** The idle state's checks: in a position its exit first, then its entry; flat, the long entry then the short. */
  private decide(): void {
    if (this.algo) return;
    const q = this.market;
    if (!q.quoted) return;
    const t = this.spec.triggers;
    const pos = this.position();
    const target = this.spec.target;
    if (pos > 0) {
      if (t.longExit !== null && q.bid >= t.longExit) return this.launch('longExit', -1, pos, t.longExit);
      if (t.longEntry !== null && pos < target && q.ask <= t.longEntry) return this.launch('longEntry', 1, target - pos, t.longEntry);
    } else if (pos < 0) {
      if (t.shortExit !== null && q.ask <= t.shortExit) return this.launch('shortExit', 1, -pos, t.shortExit);
      if (t.shortEntry !== null && -pos < target && q.bid >= t.shortEntry) return this.launch('shortEntry', -1, target + pos, t.shortEntry);
    } else {
      if (t.longEntry !== null && q.ask <= t.longEntry) return this.launch('longEntry', 1, target, t.longEntry);
      if (t.shortEntry !== null && q.bid >= t.shortEntry) return this.launch('shortEntry', -1, target, t.shortEntry);
    }
  }

  private launch(purpose: Purpose, side: 1 | -1, qty: number, limit: number): void {
    this.seq++;
    const a = new Algo(this, `${this.spec.name}/${this.seq}`, purpose, side, qty, limit);
    this.algo = a;
    a.start();
  }
}

export class Algo {
  top = A_PENDING;
  entry = E_WAITING;
  hedge = H_BALANCED;
  step = S_RESTING;
  /** The ladder step to resume after a pause (the statechart's history). */
  history = -1;
  sender = SND_SENDING;
  private pendingTimer: Timer | null = null;
  private entryTimer: Timer | null = null;
  private stepTimer: Timer | null = null;
  private senderTimer: Timer | null = null;

  readonly lots: number[];
  readonly notional: number[];
  readonly orders: Order[] = [];
  private seq = 0;
  private pricedAt: number | null = null;
  private closed = false;
  private mode = M_REST;
  private readonly arrival: (number | null)[];
  private policyUnwind = false;
  private reason: string | null = null;
  private ordersSent = 0;
  private reprices = 0;
  private ladderSteps = 0;
  private readonly startedAt: number;
  private deferred: Deferred[] = [];
  private busy = false;
  private readonly spec: TakerSpec;
  private readonly market: View;
  private readonly host: Host;
  // Scratch arrays for the hedge arithmetic.
  private readonly w: number[];
  private readonly need: number[];

  constructor(
    readonly strategy: Strategy,
    readonly id: string,
    readonly purpose: Purpose,
    readonly side: 1 | -1,
    readonly qty: number,
    readonly limit: number,
  ) {
    this.spec = strategy.spec;
    this.market = strategy.market;
    this.host = strategy.host;
    const n = this.spec.tms.length;
    this.lots = new Array<number>(n).fill(0);
    this.notional = new Array<number>(n).fill(0);
    this.arrival = new Array<number | null>(n).fill(null);
    this.w = new Array<number>(n).fill(0);
    this.need = new Array<number>(n).fill(0);
    this.startedAt = this.host.timers.now;
  }

  // ---- events -------------------------------------------------------------------------------------------------

  start(): void {
    this.begin();
    // pending: expires after resubmitMs unless the price is there (it is: the strategy launched on it).
    this.defer(() => (this.pendingTimer = this.host.timers.after(this.spec.resubmitMs, T_ALGO_PENDING, this)));
    this.settle();
    this.end();
  }

  onView(): void {
    if (this.top === A_ENDED) return;
    this.begin();
    this.settle();
    this.end();
  }

  onStop(): void {
    if (this.top === A_ENDED) return;
    this.begin();
    if (this.top === A_PENDING) {
      this.reason = 'stopRequested';
      this.finish('stopped');
    } else {
      const taker = this.entry !== E_DONE && this.entry !== E_HALTED;
      if (taker) {
        this.exitEntry();
        this.reason = 'stopRequested';
        this.applyStopPolicy();
        this.applyStopPolicy();
        this.entry = E_HALTED;
        this.enterHalted();
      } else this.applyStopPolicy();
      this.settle();
    }
    this.end();
  }

  /** An order's fill (its `leg.filled`). */
  legFilled(o: Order, qty: number, price: number): void {
    if (this.top === A_ENDED) return;
    this.begin();
    this.lots[o.leg]! += o.side * qty;
    this.notional[o.leg]! += o.side * qty * price;
    if (this.orders.includes(o)) o.filled += qty;
    this.settle();
    this.end();
  }

  /** The venue refused an order's cancel: it is live again. */
  cancelFailed(o: Order): void {
    if (this.top === A_ENDED) return;
    this.begin();
    if (this.orders.includes(o)) o.cancelling = false;
    this.settle();
    this.end();
  }

  /** The venue replaced an order: it works at its new price (the order has it already). */
  replaced(o: Order): void {
    if (this.top === A_ENDED) return;
    this.begin();
    if (this.orders.includes(o)) o.replacing = false;
    this.settle();
    this.end();
  }

  /** A replace did not happen: the order works on at its old price. */
  replaceFailed(o: Order): void {
    if (this.top === A_ENDED) return;
    this.begin();
    if (this.orders.includes(o)) o.replacing = false;
    this.settle();
    this.end();
  }

  /** An order has worked `staleAfterMs` more. */
  stale(o: Order): void {
    if (this.top === A_ENDED) return;
    this.begin();
    if (this.top === A_ACTIVE) {
      const inOrders = this.orders.includes(o);
      const isEntry = inOrders && o.role === ENTRY;
      const isLadder = inOrders && o.role !== ENTRY;
      // Guards first, on the state before the step.
      const toRepricing = this.entry === E_WORKING && isEntry && this.mustRepriceEntry(o);
      const entryCancel = (this.entry === E_REPRICING || this.entry === E_HALTED) && isEntry;
      const hedgeReprice = this.hedge === H_LADDER && isLadder && this.mustRepriceHedge(o);
      const failedCancel = this.hedge === H_FAILED;
      // Transition actions (entry region, then hedge region), then entry actions.
      if (entryCancel) this.cancel(ENTRY, null, false);
      if (hedgeReprice && this.spec.replaces) this.replace(o);
      else if (hedgeReprice) this.cancel(-1, o, true);
      if (failedCancel) this.cancel(-1, o, false);
      if (toRepricing) {
        this.entry = E_REPRICING;
        this.cancel(ENTRY, null, true);
      }
    }
    this.settle();
    this.end();
  }

  /** An order ended (filled, canceled or rejected): its done event. */
  orderDone(o: Order): void {
    if (this.top === A_ENDED) return;
    this.begin();
    if (this.top === A_ACTIVE) {
      const known = this.orders.includes(o);
      const isEntry = known && o.role === ENTRY;
      const isLadder = known && o.role !== ENTRY;
      const rejected = o.status === ST_REJECTED;
      let entryT = 0; // 1: stop+forget, 2: → waiting, 3: → backingOff
      if (isEntry) {
        if (this.entry === E_WORKING) entryT = rejected ? 3 : 2;
        else if (this.entry === E_REPRICING) entryT = 2;
        else entryT = 1;
      }
      // The hedge region: its own handler from every atomic state; the sender's when it is sending.
      const senderRejected = this.hedge === H_LADDER && this.sender === SND_SENDING && isLadder && rejected;
      if (entryT !== 0) this.forget(o);
      if (isLadder) this.forget(o);
      if (senderRejected) this.forget(o);
      if (entryT === 2) this.entry = E_WAITING;
      else if (entryT === 3) {
        this.entry = E_BACKOFF;
        this.defer(() => (this.entryTimer = this.host.timers.after(this.spec.resubmitMs, T_ALGO_ENTRY, this)));
      }
      if (senderRejected) {
        this.sender = SND_BACKOFF;
        this.defer(() => (this.senderTimer = this.host.timers.after(this.spec.hedge.repriceMs, T_ALGO_SENDER, this)));
      }
    }
    this.settle();
    this.end();
  }

  /** One of the algo's timers fired. */
  fire(kind: number): void {
    if (this.top === A_ENDED) return;
    this.begin();
    switch (kind) {
      case T_ALGO_PENDING:
        this.pendingTimer = null;
        if (this.top === A_PENDING) {
          this.reason = 'expired';
          this.finish('stopped');
        }
        break;
      case T_ALGO_ENTRY:
        this.entryTimer = null;
        if (this.entry === E_BACKOFF) this.entry = E_WAITING;
        break;
      case T_ALGO_SENDER:
        this.senderTimer = null;
        if (this.hedge === H_LADDER && this.sender === SND_BACKOFF) {
          this.sender = SND_SENDING;
          this.submitHedgeOrders();
        }
        break;
      case T_ALGO_STEP:
        this.stepTimer = null;
        if (this.hedge !== H_LADDER) break;
        if (this.step === S_RESTING) {
          // Cross: the resting hedges are re-sent at the crossing price once ended; a resting entry is cancelled too.
          this.cancel(HEDGE, null, true);
          this.cancel(ENTRY, null, false);
          this.enterStep(S_CROSSING);
        } else if (this.step === S_CROSSING) this.enterStep(S_UNWINDING);
        else {
          // Give up: the residual is reported.
          this.exitLadder();
          this.hedge = H_FAILED;
          this.host.books.ladder.failed++;
          this.cancel(-1, null, false);
        }
        break;
    }
    if (this.top !== A_ENDED) this.settle();
    this.end();
  }

  // ---- the macrostep --------------------------------------------------------------------------------------------

  private begin(): void {
    if (this.busy) throw new Error(`baseline: algo ${this.id} re-entered`);
    this.busy = true;
  }

  private defer(fn: Deferred): void {
    this.deferred.push(fn);
  }

  /** The deferred effects run (new orders go to the venue, timers are armed); then the strategy hears of the end. */
  private end(): void {
    const d = this.deferred;
    if (d.length > 0) {
      this.deferred = [];
      for (const fn of d) fn();
    }
    this.busy = false;
    if (this.top === A_ENDED) this.strategy.algoEnded(this);
  }

  /** Eventless transitions until none is enabled. */
  private settle(): void {
    for (let guard = 0; guard < 1000; guard++) {
      if (this.top === A_PENDING) {
        if (!this.priceReached()) return;
        // pending → active: its timer is cancelled; the entry region starts waiting, the hedge region balanced.
        this.top = A_ACTIVE;
        if (this.pendingTimer) this.pendingTimer.cancelled = true;
        else this.defer(() => this.pendingTimer && (this.pendingTimer.cancelled = true));
        this.entry = E_WAITING;
        this.hedge = H_BALANCED;
        this.mode = M_REST;
        continue;
      }
      if (this.top !== A_ACTIVE) return;
      const te = this.selectEntry();
      let th = T_NONE;
      let th2 = T_NONE;
      if (te !== TE_COMPLETED && te !== TE_STOPPED) {
        if (this.hedge === H_LADDER) {
          const own = (this.step === S_RESTING || this.step === S_CROSSING) && this.policyUnwind ? TH_UNWINDING : T_NONE;
          const ladder = this.isLadderDone() ? TH_BALANCED : this.isMarketUnavailable() ? TH_PAUSED : T_NONE;
          const resend = this.sender === SND_SENDING && this.canSendHedge() ? TH_RESEND : T_NONE;
          const stepT = own !== T_NONE ? own : ladder;
          const senderT = resend !== T_NONE ? resend : ladder;
          if (own !== T_NONE) {
            th = own;
            if (resend !== T_NONE) th2 = resend;
          } else if (resend !== T_NONE) th = resend;
          else th = stepT !== T_NONE ? stepT : senderT;
        } else th = this.selectHedge();
        if (th === TH_RESIDUAL && te !== T_NONE) th = T_NONE;
      }
      if (te === T_NONE && th === T_NONE) return;
      // Exits, transition actions, then entries (entry region first).
      if (te === TE_HALT_PRICE_LEFT || te === TE_HALT_UNWOUND || te === TE_DONE || te === TE_WORKING) this.exitEntry();
      if (th === TH_BALANCED || th === TH_PAUSED) this.exitLadder();
      if (th === TH_UNWINDING) this.cancelTimer('step');
      if (te === TE_HALT_PRICE_LEFT) this.reason = 'priceLeft';
      else if (te === TE_HALT_UNWOUND) this.reason = 'unwound';
      if (th === TH_RESIDUAL) this.reason = 'residual';
      switch (te) {
        case TE_DONE:
          this.entry = E_DONE;
          this.closed = true;
          this.reason = 'filled';
          break;
        case TE_WORKING:
          this.entry = E_WORKING;
          this.submitEntryOrder();
          break;
        case TE_HALT_PRICE_LEFT:
        case TE_HALT_UNWOUND:
          this.entry = E_HALTED;
          this.enterHalted();
          break;
        case TE_COMPLETED:
          this.finish('completed');
          return;
        case TE_STOPPED:
          this.finish('stopped');
          return;
      }
      this.enterHedge(th);
      if (th2 !== T_NONE) this.enterHedge(th2);
      if (th === TH_RESIDUAL) {
        this.finish('stopped');
        return;
      }
    }
    throw new Error(`baseline: algo ${this.id} does not settle`);
  }

  private selectEntry(): number {
    switch (this.entry) {
      case E_WAITING:
        if (this.entryLotsLeft(this.spec.activeLeg) <= 0) return TE_DONE;
        if (this.canEnter()) return TE_WORKING;
        if (!this.priceReached()) return TE_HALT_PRICE_LEFT;
        return this.policyUnwind ? TE_HALT_UNWOUND : T_NONE;
      case E_WORKING:
      case E_REPRICING:
      case E_BACKOFF:
        return this.policyUnwind ? TE_HALT_UNWOUND : T_NONE;
      case E_DONE:
        if (this.isSettled()) return TE_COMPLETED;
        return this.policyUnwind ? TE_HALT_UNWOUND : T_NONE;
      default:
        return this.isSettled() ? TE_STOPPED : T_NONE;
    }
  }

  private selectHedge(): number {
    switch (this.hedge) {
      case H_BALANCED:
        if (this.policyUnwind && this.needs(M_UNWIND, false).some((n) => n !== 0)) return TH_LADDER_UNWINDING;
        if (!this.isWhole()) return this.spec.hedge.firstStep === 'crossing' ? TH_LADDER_CROSSING : TH_LADDER;
        return T_NONE;
      case H_PAUSED:
        if (this.isLadderDone()) return TH_BALANCED;
        if (this.policyUnwind && !this.isMarketUnavailable()) return TH_LADDER_UNWINDING;
        if (!this.isMarketUnavailable()) return TH_RESUME;
        return T_NONE;
      case H_FAILED:
        return this.orders.length === 0 ? TH_RESIDUAL : T_NONE;
      default:
        return T_NONE;
    }
  }

  private enterHedge(t: number): void {
    switch (t) {
      case TH_LADDER:
        this.enterLadder(S_RESTING);
        break;
      case TH_LADDER_CROSSING:
        this.enterLadder(S_CROSSING);
        break;
      case TH_LADDER_UNWINDING:
        this.enterLadder(S_UNWINDING);
        break;
      case TH_RESUME:
        this.enterLadder(this.history >= 0 ? this.history : S_RESTING);
        break;
      case TH_UNWINDING:
        this.enterStep(S_UNWINDING);
        break;
      case TH_RESEND:
        this.submitHedgeOrders();
        break;
      case TH_BALANCED:
        this.hedge = H_BALANCED;
        this.mode = M_REST;
        break;
      case TH_PAUSED:
        this.hedge = H_PAUSED;
        this.host.books.ladder.paused++;
        break;
    }
  }

  private enterLadder(step: number): void {
    this.hedge = H_LADDER;
    // beginLadder: each leg's far touch when the ladder began (the bound for crossing), in the mode it had.
    const need = this.needs(this.mode, false);
    const m = this.market;
    for (let leg = 0; leg < this.spec.tms.length; leg++) {
      const tm = this.spec.tms[leg]!;
      if (!m.ok[leg] || tm === 0) this.arrival[leg] = null;
      else {
        const n = need[leg]!;
        this.arrival[leg] = n > 0 ? m.lask[leg]! : n < 0 ? m.lbid[leg]! : this.side * Math.sign(tm) > 0 ? m.lask[leg]! : m.lbid[leg]!;
      }
    }
    this.enterStep(step);
    this.sender = SND_SENDING;
    this.submitHedgeOrders();
  }

  private enterStep(step: number): void {
    this.step = step;
    this.mode = step === S_RESTING ? M_REST : step === S_CROSSING ? M_CROSS : M_UNWIND;
    if (step === S_UNWINDING) this.policyUnwind = true;
    this.ladderSteps++;
    this.host.books.ladder[STEP_NAMES[step]!]++;
    const h = this.spec.hedge;
    if (step === S_UNWINDING) {
      this.cancel(HEDGE, null, true);
      this.cancel(ENTRY, null, false);
    }
    const ms = step === S_RESTING ? h.crossAfterMs : step === S_CROSSING ? (h.firstStep === 'crossing' ? h.unwindAfterMs : Math.max(0, h.unwindAfterMs - h.crossAfterMs)) : h.giveUpAfterMs;
    this.defer(() => (this.stepTimer = this.host.timers.after(ms, T_ALGO_STEP, this)));
  }

  private exitLadder(): void {
    this.history = this.step;
    this.cancelTimer('step');
    this.cancelTimer('sender');
  }

  private exitEntry(): void {
    if (this.entry === E_BACKOFF) this.cancelTimer('entry');
  }

  private cancelTimer(which: 'step' | 'sender' | 'entry'): void {
    const t = which === 'step' ? this.stepTimer : which === 'sender' ? this.senderTimer : this.entryTimer;
    if (t) t.cancelled = true;
    else {
      // Armed in this same step (deferred): cancel it once it is armed.
      this.defer(() => {
        const u = which === 'step' ? this.stepTimer : which === 'sender' ? this.senderTimer : this.entryTimer;
        if (u) u.cancelled = true;
      });
    }
    if (which === 'step') this.stepTimer = null;
    else if (which === 'sender') this.senderTimer = null;
    else this.entryTimer = null;
  }

  private enterHalted(): void {
    this.closed = true;
    this.cancel(ENTRY, null, false);
  }

  private applyStopPolicy(): void {
    if (this.spec.stopPolicy === 'unwind') this.policyUnwind = true;
  }

  private finish(status: 'completed' | 'stopped'): void {
    this.top = A_ENDED;
    for (const t of [this.pendingTimer, this.entryTimer, this.stepTimer, this.senderTimer]) if (t) t.cancelled = true;
    const s = this.spec;
    const tms = s.tms;
    const h = hedgedUnits(this.lots, tms);
    const traded = tms.findIndex((tm) => tm !== 0);
    const units = traded < 0 ? 0 : Math.abs((this.lots[traded]! - (this.lots[traded]! - h * tms[traded]!)) / tms[traded]!);
    let realized: string | null = null;
    if (units > 0) {
      // Decimal at the edge: Σ priceMultiplier · average price.
      let sum = new Decimal(0);
      let ok = true;
      for (let i = 0; i < tms.length; i++) {
        if (this.lots[i] === 0) {
          ok = false;
          break;
        }
        sum = sum.plus(s.priceMultipliers[i]!.times(new Decimal(this.notional[i]!).div(this.lots[i]!).times(s.tickSizes[i]!)));
      }
      if (ok) realized = sum.toDecimalPlaces(8).toFixed();
    }
    this.host.onExecution({
      algoId: this.id,
      purpose: this.purpose,
      side: this.side > 0 ? 'buy' : 'sell',
      status,
      reason: this.reason,
      units,
      filledLots: [...this.lots],
      realizedSpread: realized,
      orders: this.ordersSent,
      reprices: this.reprices,
      ladderSteps: this.ladderSteps,
      startedAt: this.startedAt,
      endedAt: this.host.timers.now,
    });
  }

  // ---- actions --------------------------------------------------------------------------------------------------

  private spawn(leg: number, role: number, side: 1 | -1, qty: number, price: number, staleAfterMs: number): void {
    this.seq++;
    const o = new Order(this, `${this.id}.${this.seq}`, leg, this.spec.syms[leg]!, role, side, qty, price, staleAfterMs);
    this.orders.push(o);
    this.ordersSent++;
    // The order actor starts after the step: it then sends itself to the venue.
    this.defer(() => submitOrder(o));
  }

  private submitEntryOrder(): void {
    const s = this.spec;
    const leg = s.activeLeg;
    const side = this.legSide(leg);
    const qty = this.entrySliceLots();
    const price = side > 0 ? this.market.lask[leg]! + s.payupTicks : this.market.lbid[leg]! - s.payupTicks;
    this.spawn(leg, ENTRY, side, qty, price, s.resubmitMs);
    this.pricedAt = this.market.at;
  }

  private submitHedgeOrders(): void {
    if (!this.maySend()) return;
    const role = this.mode === M_UNWIND ? UNWIND : HEDGE;
    const need = this.needs(this.mode, false).slice();
    for (let leg = 0; leg < need.length; leg++) {
      const n = need[leg]!;
      if (n === 0) continue;
      const side = (n > 0 ? 1 : -1) as 1 | -1;
      const price = this.hedgePrice(leg, side);
      if (price === undefined) continue;
      this.spawn(leg, role, side, Math.abs(n), price, this.spec.hedge.repriceMs);
    }
  }

  /**
   * Cancels working orders that are not already being cancelled: of a role (-1: any), or only `only`. Each order
   * hears it at once (it sends the cancel to the venue); `reprice` counts them as re-prices.
   */
  private cancel(role: number, only: Order | null, reprice: boolean): void {
    const picked: Order[] = [];
    for (const o of this.orders) if (!o.cancelling && (role < 0 || o.role === role) && (only === null || o === only)) picked.push(o);
    for (const o of picked) requestCancel(o);
    for (const o of picked) o.cancelling = true;
    if (reprice) this.reprices += picked.length;
  }

  /** Re-prices a stale ladder order in place at the step's price now (not one being cancelled or replaced). */
  private replace(o: Order): void {
    if (o.cancelling || o.replacing) return;
    const price = this.hedgePrice(o.leg, o.side);
    if (price === undefined) return;
    requestReplace(o, price);
    o.replacing = true;
    this.reprices++;
  }

  private forget(o: Order): void {
    const i = this.orders.indexOf(o);
    if (i >= 0) this.orders.splice(i, 1);
    if (o.role === ENTRY && o.filled === 0) this.pricedAt = null;
  }

  // ---- guards ---------------------------------------------------------------------------------------------------

  private priceReached(): boolean {
    const q = this.market;
    if (!q.quoted) return false;
    return this.side > 0 ? q.ask <= this.limit : q.bid >= this.limit;
  }

  private legSide(leg: number): 1 | -1 {
    return (this.side * Math.sign(this.spec.tms[leg]!)) as 1 | -1;
  }

  private canEnter(): boolean {
    if (this.mode !== M_REST) return false;
    if (!this.priceReached()) return false;
    if (this.pricedAt !== null && this.market.at <= this.pricedAt) return false;
    if (!this.market.ok[this.spec.activeLeg]) return false;
    return this.entrySliceLots() > 0;
  }

  private entryLotsLeft(leg: number): number {
    const tms = this.spec.tms;
    let ladder = 0;
    for (const o of this.orders) if (o.leg === leg && o.role !== ENTRY) ladder += o.side * (o.qty - o.filled);
    const direction = this.side * Math.sign(tms[leg]!);
    return this.qty * Math.abs(tms[leg]!) - Math.abs(this.lots[leg]!) - Math.max(0, direction * ladder);
  }

  private entrySliceLots(): number {
    const s = this.spec;
    const m = this.market;
    if (!m.quoted) return 0;
    const hedging = this.hasLadderOrder();
    const unhedged = this.needs(M_REST, false);
    if (!s.entryWhileHedging && (hedging || unhedged.some((n) => n !== 0))) return 0;
    let units = this.side > 0 ? m.askSize : m.bidSize;
    const tms = s.tms;
    for (let i = 0; i < tms.length; i++) {
      const tm = tms[i]!;
      const max = s.maxOrderLots[i];
      if (tm !== 0 && max !== null && max !== undefined) units = Math.min(units, Math.floor(max / Math.abs(tm)));
      if (i === s.activeLeg || tm === 0) continue;
      if (!m.ok[i]) return 0;
      let working = 0;
      for (const o of this.orders) if (o.leg === i && o.role !== ENTRY) working += o.side * (o.qty - o.filled);
      const shown = this.legSide(i) > 0 ? m.laskSize[i]! : m.lbidSize[i]!;
      const free = shown - Math.abs(working) - Math.abs(unhedged[i]!);
      units = Math.min(units, Math.floor(Math.max(0, free) / Math.abs(tm)));
    }
    return Math.max(0, Math.min(this.entryLotsLeft(s.activeLeg), units * Math.abs(tms[s.activeLeg]!)));
  }

  private hasLadderOrder(): boolean {
    for (const o of this.orders) if (o.role !== ENTRY) return true;
    return false;
  }

  private mustRepriceEntry(o: Order): boolean {
    if (!this.priceReached()) return true;
    const s = this.spec;
    const leg = s.activeLeg;
    if (!this.market.ok[leg]) return true;
    const price = o.side > 0 ? this.market.lask[leg]! + s.payupTicks : this.market.lbid[leg]! - s.payupTicks;
    return Math.abs(price - o.price) >= s.repriceTicks;
  }

  private mustRepriceHedge(o: Order): boolean {
    const price = this.hedgePrice(o.leg, o.side);
    if (price === undefined) return false;
    return Math.abs(price - o.price) >= this.spec.hedge.repriceTicks;
  }

  private hedgePrice(leg: number, side: 1 | -1): number | undefined {
    const m = this.market;
    if (!m.ok[leg]) return undefined;
    const h = this.spec.hedge;
    if (this.mode === M_REST) return side > 0 ? m.lbid[leg]! + h.payupTicks : m.lask[leg]! - h.payupTicks;
    if (this.mode === M_CROSS) {
      const p = side > 0 ? m.lask[leg]! + h.crossPayupTicks : m.lbid[leg]! - h.crossPayupTicks;
      const a = this.arrival[leg];
      if (a === null || a === undefined) return p;
      return side > 0 ? Math.min(p, a + h.maxCrossTicks) : Math.max(p, a - h.maxCrossTicks);
    }
    return side > 0 ? m.lask[leg]! + h.unwindPayupTicks : m.lbid[leg]! - h.unwindPayupTicks;
  }

  private maySend(): boolean {
    if (this.mode !== M_UNWIND) return true;
    for (const o of this.orders) if (o.role !== UNWIND) return false;
    return true;
  }

  private canSendHedge(): boolean {
    if (!this.maySend()) return false;
    const need = this.needs(this.mode, false);
    for (let leg = 0; leg < need.length; leg++) if (need[leg] !== 0 && this.market.ok[leg]) return true;
    return false;
  }

  private isMarketUnavailable(): boolean {
    const need = this.needs(this.mode, true);
    for (let leg = 0; leg < need.length; leg++) if (need[leg] !== 0 && !this.market.ok[leg]) return true;
    return false;
  }

  private isLadderDone(): boolean {
    if (this.hasLadderOrder()) return false;
    const need = this.needs(this.mode, false);
    for (const n of need) if (n !== 0) return false;
    return this.isWhole();
  }

  private isWhole(): boolean {
    const tms = this.spec.tms;
    const h = hedgedUnits(this.lots, tms);
    for (let i = 0; i < tms.length; i++) if (this.lots[i]! - h * tms[i]! !== 0) return false;
    return true;
  }

  private isSettled(): boolean {
    return this.orders.length === 0 && this.isWhole();
  }

  /**
   * Signed lots each leg still needs in `mode` (complete the hedge, or unwind), counting what is working unless
   * `ignoreWorking`. Returns a scratch array: read it before the next call.
   */
  private needs(mode: number, ignoreWorking: boolean): number[] {
    const tms = this.spec.tms;
    const n = tms.length;
    const w = this.w;
    for (let i = 0; i < n; i++) w[i] = 0;
    if (!ignoreWorking) for (const o of this.orders) w[o.leg]! += o.side * (o.qty - o.filled);
    const out = this.need;
    const filled = this.lots;
    if (mode === M_UNWIND) {
      const h = hedgedUnits(filled, tms);
      for (let i = 0; i < n; i++) {
        const tm = tms[i]!;
        out[i] = 0;
        if (tm === 0) continue;
        const f = filled[i]!;
        const need = h * tm - f - w[i]!;
        if (need === 0 || Math.sign(need) === Math.sign(f - h * tm)) continue;
        out[i] = Math.sign(need) * Math.min(Math.abs(need), Math.abs(f - h * tm));
      }
      return out;
    }
    const entryOpen = !this.closed && mode === M_REST;
    const side = this.side;
    const active = this.spec.activeLeg;
    let units: number;
    if (entryOpen) {
      const a = tms[active] === 0 ? 0 : filled[active]! / (side * tms[active]!);
      const r = this.spec.rounding;
      units = r === 'down' ? Math.floor(a) : r === 'up' ? Math.ceil(a) : Math.floor(a + 0.5);
    } else {
      let max = 0;
      for (let i = 0; i < n; i++) max = Math.max(max, tms[i] === 0 ? 0 : filled[i]! / (side * tms[i]!));
      units = Math.ceil(max);
    }
    for (let i = 0; i < n; i++) {
      const tm = tms[i]!;
      out[i] = 0;
      if (tm === 0 || (entryOpen && i === active)) continue;
      const need = units * side * tm - filled[i]! - w[i]!;
      if (Math.sign(need) === Math.sign(side * tm)) out[i] = need;
    }
    return out;
  }
}

/** The hedged spread position: whole units every traded leg holds in the same direction (signed). */
export function hedgedUnits(lots: readonly number[], tms: readonly number[]): number {
  let pos = true;
  let neg = true;
  let min = Infinity;
  let max = -Infinity;
  let any = false;
  for (let i = 0; i < tms.length; i++) {
    const tm = tms[i]!;
    if (tm === 0) continue;
    any = true;
    const u = lots[i]! / tm;
    if (!(u > 0)) pos = false;
    if (!(u < 0)) neg = false;
    if (u < min) min = u;
    if (u > max) max = u;
  }
  if (!any) return 0;
  if (pos) return Math.floor(min);
  if (neg) return Math.ceil(max) + 0;
  return 0;
}

// ---- the order's life ----------------------------------------------------------------------------------------------

function host(o: Order): Host {
  return o.algo.strategy.host;
}

/** The order actor starts: it goes to the venue. */
function submitOrder(o: Order): void {
  const h = host(o);
  h.books.orders++;
  if (h.books.trace) h.books.trace.push(`${h.timers.now} submit ${o.clientId} ${o.leg} ${o.side} ${o.qty}@${o.price}`);
  h.exchange.submit(o);
}

/** The algo asks the order to cancel (waits if the order is busy with an event of its own). */
function requestCancel(o: Order): void {
  if (o.state === O_ENDED) return;
  if (o.busy) {
    o.cancelAsked = true;
    return;
  }
  cancelNow(o);
}

function cancelNow(o: Order): void {
  if (o.state !== O_SUBMITTED && o.state !== O_WORKING && o.state !== O_REPLACING) return;
  if (o.stale) {
    o.stale.cancelled = true;
    o.stale = null;
  }
  o.state = O_PENDING_CANCEL;
  const h = host(o);
  if (h.books.trace) h.books.trace.push(`${h.timers.now} cancel ${o.clientId}`);
  h.exchange.cancel(o);
}

/** The algo asks the order to re-price in place (waits if the order is busy with an event of its own). */
function requestReplace(o: Order, price: number): void {
  if (o.state === O_ENDED) return;
  if (o.busy) {
    o.replaceAsked = price;
    return;
  }
  replaceNow(o, price);
}

function replaceNow(o: Order, price: number): void {
  if (o.state !== O_WORKING) {
    // Not working: nothing to replace (only a new order awaiting its ack says so; a cancelling one ignores it).
    if (o.state === O_SUBMITTED) o.algo.replaceFailed(o);
    return;
  }
  if (o.stale) {
    o.stale.cancelled = true;
    o.stale = null;
  }
  o.state = O_REPLACING;
  const h = host(o);
  if (h.books.trace) h.books.trace.push(`${h.timers.now} replace ${o.clientId} ${price}`);
  h.exchange.replace(o, price);
}

function armStale(o: Order): void {
  o.stale = host(o).timers.after(o.staleAfterMs, T_ORDER_STALE, o);
}

/** The order's stale timer fired: the algo hears it, and the timer is armed again. */
export function orderStale(o: Order): void {
  o.stale = null;
  if (o.state !== O_WORKING) return;
  o.busy = true;
  o.algo.stale(o);
  armStale(o);
  afterOrderEvent(o);
}

function afterOrderEvent(o: Order): void {
  o.busy = false;
  if (o.replaceAsked !== null) {
    const price = o.replaceAsked;
    o.replaceAsked = null;
    replaceNow(o, price);
  }
  if (o.cancelAsked) {
    o.cancelAsked = false;
    cancelNow(o);
  }
}

/** A venue report reaches the engine. */
export function deliverReport(o: Order, r: Report): void {
  const h = host(o);
  const strategy = o.algo.strategy;
  if (r.type === R_FILLED) {
    h.books.fills++;
    if (h.books.trace) h.books.trace.push(`${h.timers.now} fill ${o.clientId} ${r.qty}@${r.price}`);
    h.onFill(strategy, o, r);
  }
  if (o.state === O_ENDED) {
    h.books.unrouted++;
    return;
  }
  o.busy = true;
  let ended = false;
  let relayFill = false;
  let cancelFailed = false;
  let replaced = false;
  let replaceFailed = false;
  let arm = false;
  switch (r.type) {
    case R_ACCEPTED:
      if (o.state === O_SUBMITTED) {
        o.state = O_WORKING;
        arm = true;
      }
      break;
    case R_REJECTED:
      if (o.state === O_AWAITING) break;
      o.status = ST_REJECTED;
      ended = true;
      break;
    case R_FILLED: {
      relayFill = true;
      if (o.state === O_AWAITING) {
        if (o.filled + r.qty >= o.venueFilled) {
          ended = true;
          o.status = ST_CANCELED;
        }
      } else if (o.filled + r.qty >= o.qty) {
        ended = true;
        o.status = ST_FILLED;
      } else if (o.state === O_SUBMITTED) {
        o.state = O_WORKING;
        arm = true;
      }
      break;
    }
    case R_CANCELED:
      if (o.state === O_AWAITING) break;
      if (o.stale) {
        o.stale.cancelled = true;
        o.stale = null;
      }
      if (r.qty <= o.filled) {
        ended = true;
        o.status = ST_CANCELED;
      } else {
        o.state = O_AWAITING;
        o.venueFilled = r.qty;
      }
      break;
    case R_CANCEL_REJECTED:
      if (o.state === O_PENDING_CANCEL) {
        o.state = O_WORKING;
        arm = true;
        cancelFailed = true;
      }
      break;
    case R_REPLACED:
      if (o.state === O_AWAITING) break;
      o.price = r.price;
      replaced = true;
      if (o.state === O_REPLACING) {
        o.state = O_WORKING;
        arm = true;
      }
      break;
    case R_REPLACE_REJECTED:
      if (o.state === O_AWAITING) break;
      replaceFailed = true;
      if (o.state === O_REPLACING) {
        o.state = O_WORKING;
        arm = true;
      }
      break;
  }
  if (ended) {
    o.state = O_ENDED;
    if (o.stale) {
      o.stale.cancelled = true;
      o.stale = null;
    }
  }
  // The order's effects in its own order: the fill (or the failed cancel) to the algo, the stale timer; then its end.
  if (relayFill) o.algo.legFilled(o, r.qty, r.price);
  if (cancelFailed) o.algo.cancelFailed(o);
  if (replaced) o.algo.replaced(o);
  if (replaceFailed) o.algo.replaceFailed(o);
  if (arm && o.state === O_WORKING) armStale(o);
  afterOrderEvent(o);
  if (ended) o.algo.orderDone(o);
}
