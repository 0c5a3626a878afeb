import type { AlgoKind, LadderStepReport, Purpose } from '../../machines/algo.machine.js';
import type { OrderRole, UnansweredRequest } from '../../machines/order.machine.js';

/** A strategy's four trigger prices as decimal strings (as a config writes them); null: that trigger is off. */
export interface TriggerPrices {
  longEntry: string | null;
  longExit: string | null;
  shortEntry: string | null;
  shortExit: string | null;
}

/**
 * An operator's control, journalled before it is applied, with what it changed and who asked (`source`:
 * `library`, `inspector`, `signal`, …). A resume restores its effect from the snapshot committed with it.
 * - `pause`, `resume`, `flatten`: the kill switch, on one strategy or every one (null).
 * - `setTriggers`: the strategy's trigger prices, as they were (`previous`) and are now (`triggers`).
 * - `setTarget`: its target position in spread units, before and after.
 * - `startAlgo`: a manual spread order (the desk's ticket): the algo it started, side, units, limit and kind.
 * - `stopAlgo`: a stop request to one running algo.
 * - `stopStrategy`: one strategy stopped for the rest of the run.
 */
export type ControlRecord =
  | { kind: 'control'; at: number; action: 'pause' | 'resume' | 'flatten'; strategy: string | null; source: string }
  | { kind: 'control'; at: number; action: 'setTriggers'; strategy: string; source: string; triggers: TriggerPrices; previous: TriggerPrices }
  | { kind: 'control'; at: number; action: 'setTarget'; strategy: string; source: string; target: number; previous: number }
  | { kind: 'control'; at: number; action: 'startAlgo'; strategy: string; source: string; algoId: string; side: 'buy' | 'sell'; qty: number; limit: string; algoKind: AlgoKind }
  | { kind: 'control'; at: number; action: 'stopAlgo'; strategy: string; source: string; algoId: string }
  | { kind: 'control'; at: number; action: 'stopStrategy'; strategy: string; source: string };

/** One fill, as the host sees it: decimals as strings. */
export interface FillRecord {
  at: number;
  strategy: string;
  algoId: string;
  clientId: string;
  tradeId: string;
  symbol: string;
  side: 'buy' | 'sell';
  /** Quantity in the instrument's units (lots × lot size). */
  qty: string;
  price: string;
  /** Maker (rested) or taker (crossed); null when the venue did not say. */
  liquidity: 'maker' | 'taker' | null;
  /** The fee this fill paid, in currency (a rebate is negative), as the strategy's cost model prices it. */
  fee: string;
}

/** A funding payment on a perpetual leg: charged on the strategy's position held at the funding time. */
export interface FundingRecord {
  at: number;
  strategy: string;
  symbol: string;
  /** Signed lots held at the funding time. */
  lots: number;
  /** The rate applied (a fraction: 0.0001 = 1 bp), and the mark price it was applied to. */
  rate: string;
  mark: string;
  /** Currency paid (positive: a cost; a long pays a positive rate, a short receives it). */
  amount: string;
}

export interface ExecutionLeg {
  symbol: string;
  /** Signed lots filled. */
  lots: number;
  /** Average fill price, or null when the leg did not trade. */
  avgPrice: string | null;
}

/** The result and metrics of one algo (one spread order). */
export interface Execution {
  algoId: string;
  strategy: string;
  purpose: Purpose;
  kind: AlgoKind;
  side: 'buy' | 'sell';
  status: 'completed' | 'stopped';
  /** filled | priceLeft | stopRequested | expired | legFailed | unwound | residual. */
  reason: string | null;
  /** Spread units asked for, and executed with balanced legs. */
  qty: number;
  units: number;
  /** The trigger price the algo worked (null for a flatten). */
  trigger: string | null;
  /** Σ priceMultiplier · average fill price; null when nothing executed. */
  realizedSpread: string | null;
  /** Distance of the realized spread from the trigger, positive = worse. */
  slippage: string | null;
  legs: ExecutionLeg[];
  /** Lots left naked per leg (all zero unless the venue refused everything). */
  residualLots: number[];
  /**
   * Naked exposure: per leg, the lots away from the nearest balanced position, valued at the leg's last fill
   * price (only notionals are summed across legs, whose lots differ in size).
   */
  exposure: {
    /** Per leg, the largest |deviation| in lots. */
    maxLots: number[];
    /** The largest total naked notional at one moment (currency, 2 decimals). */
    maxNotional: string;
    /** Per leg, the largest naked notional (currency, 2 decimals). */
    maxLegNotional: string[];
    /** ∫ naked notional dt, in currency·seconds (3 decimals). */
    notionalSeconds: string;
    nakedMs: number;
  };
  startedAt: number;
  endedAt: number;
  durationMs: number;
  orders: number;
  reprices: number;
  rejects: number;
  /** Hedge ladder steps taken (resting, crossing, unwinding, paused, failed). */
  ladderSteps: number;
  /** The fees its fills paid, in currency (rebates netted; "0" when the strategy has no fees). */
  fees: string;
}

/**
 * The market view an algo was launched on (for a trigger: the view whose spread crossed it), as the strategy held
 * it: the spread quote and each leg's book, prices as decimal strings, sizes in spread units and lots.
 */
export interface LaunchView {
  /** The view's time: its newest leg quote's (engine clock). */
  at: number;
  /** Null while any leg is missing, crossed or stale. */
  spread: { bid: string; bidSize: number; ask: string; askSize: number } | null;
  legs: ({ symbol: string; bid: string; bidSize: number; ask: string; askSize: number } | null)[];
}

export interface StateChange {
  at: number;
  /** systemId of the actor, e.g. `strategy:hc-rb`, `session:hc-rb`. */
  actor: string;
  /** Dotted state path, e.g. `long.working`, `open.closing`. */
  state: string;
}

/** Everything that happened, in order: the stream a journal, a replay or a determinism test reads. */
export type EngineRecord =
  /** An order sent to the venue; `role` says what for (entry, hedge, unwind; absent in journals written before it). */
  | { kind: 'order.submitted'; at: number; clientId: string; symbol: string; side: 1 | -1; qty: number; price: number; role?: OrderRole }
  | { kind: 'order.cancelRequested'; at: number; clientId: string }
  /**
   * The venue did not answer an order for `afterMs` (`waiting`: its acknowledgement, a cancel's or a replace's
   * answer, the fills its cancel confirmation counted): the engine chased it, sending the cancel or the replace again
   * (`resent`) and asking the venue for the order's status where it can (`statusAsked`). `statusError`, in a record
   * of its own written later: the status could not be asked (the connection was lost; reconnecting reconciles).
   */
  | { kind: 'order.unanswered'; at: number; clientId: string; waiting: UnansweredRequest; afterMs: number; resent: boolean; statusAsked: boolean; statusError?: string }
  /** A re-price in place: the order's new limit (ticks) and, when it changes, its new total lots. */
  | { kind: 'order.replaceRequested'; at: number; clientId: string; price: number; qty?: number }
  | { kind: 'report'; at: number; report: import('../domain/orders.js').VenueReport; routed: boolean }
  /**
   * An algo launched: what for, side, spread units and the scaled limit; and its cause (absent in journals written
   * before them): its kind, the limit as a decimal string, the market view it was launched on (null: none yet).
   */
  | { kind: 'algo.started'; at: number; algoId: string; strategy: string; purpose: Purpose; side: 1 | -1; qty: number; limit: number; algoKind?: AlgoKind; limitPrice?: string; view?: LaunchView | null }
  | { kind: 'algo.ended'; at: number; execution: Execution }
  | ({ kind: 'ladder.step'; at: number } & LadderStepReport)
  | { kind: 'venue.status'; at: number; connected: boolean }
  | { kind: 'state'; at: number; change: StateChange }
  | { kind: 'error'; at: number; actor: string; message: string }
  /** An operator's control (Engine.control, setTriggers, setTarget, startAlgo, stopAlgo, stopStrategy): see ControlRecord. */
  | ControlRecord
  /** Pre-trade risk refused an order: it was not sent. */
  | { kind: 'risk.refused'; at: number; clientId: string; symbol: string; reason: string }
  /** A position the venue held at start, taken over by a strategy (`--existing adopt`), booked at this mid (ticks). */
  | { kind: 'position.adopted'; at: number; strategy: string; symbol: string; lots: number; price: number }
  /** The venue's order-rate budget was spent: the order waits, unsent, for `waitMs`. */
  | { kind: 'order.throttled'; at: number; clientId: string; symbol: string; waitMs: number }
  /**
   * A funding time of a perpetual symbol (`due`), settled: one charge per strategy holding the symbol then
   * (none when all were flat). Journalled so that a restart neither charges it again nor skips it (docs/costs.md).
   * `mark` is null when no strategy held the symbol.
   */
  | { kind: 'funding'; at: number; symbol: string; due: number; rate: string; mark: string | null; charges: FundingRecord[] };

/** The strategy an algo id or a client id begins with (`<strategy>/<algo>[.<order>]`). */
export function strategyOfId(id: string): string {
  return id.slice(0, id.lastIndexOf('/'));
}

/** The algo id an order's client id begins with (`<strategy>/<algo>.<order>`). */
export function algoOfClientId(clientId: string): string {
  return clientId.slice(0, clientId.lastIndexOf('.'));
}

/** The strategy a record is about, if it names one (a client id and an algo id begin with it). */
export function recordStrategy(r: EngineRecord): string | undefined {
  switch (r.kind) {
    case 'control':
    case 'algo.started':
    case 'position.adopted':
      return r.strategy ?? undefined;
    case 'algo.ended':
      return r.execution.strategy;
    case 'ladder.step':
      return strategyOfId(r.algoId);
    case 'report':
      return strategyOfId(r.report.clientId);
    case 'order.submitted':
    case 'order.cancelRequested':
    case 'order.replaceRequested':
    case 'order.unanswered':
    case 'risk.refused':
    case 'order.throttled':
      return strategyOfId(r.clientId);
    default:
      return undefined;
  }
}
