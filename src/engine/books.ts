import type { AlgoResult, LadderStep } from '../../machines/algo.machine.js';
import { Decimal } from '../domain/decimal.js';
import { ExactSum, Ledger, type LedgerInstrument } from '../domain/ledger.js';
import type { OrderFilled } from '../domain/orders.js';
import type { AlgoRecords } from './algo-records.js';
import { OrderBook, type FillTaken } from './order-book.js';
import { algoOfClientId, strategyOfId, type EngineRecord, type Execution, type FillRecord } from './records.js';
import { amountText } from './step-text.js';
import type { StrategyLegs } from './strategy-legs.js';
import { ExposureTotals } from './summary.js';

/** What a run counted (the summary's counts, with its executions). */
export interface RunCounts {
  quotes: number;
  views: number;
  orders: number;
  fills: number;
  duplicateFills: number;
  rejects: number;
  refused: number;
  throttled: number;
  unrouted: number;
  disconnects: number;
  unanswered: number;
}

/** What restoring the books needs of the funding clerk (funding.ts). */
export interface FundingRestore {
  restored(symbol: string, due: number): void;
}

/**
 * The engine's books: every strategy's ledger and each symbol's position over all of them, the orders at the venue,
 * what the run counted, the executions of ended algos (the last `keepExecutions` of them, and their totals), the fees
 * of running ones, and the faults it went on through. The engine writes them as it hears the venue and its algos; a
 * restart rebuilds them from the journal's records (`replay`), the actors from its snapshot.
 */
export class EngineBooks {
  readonly counts: RunCounts = { quotes: 0, views: 0, orders: 0, fills: 0, duplicateFills: 0, rejects: 0, refused: 0, throttled: 0, unrouted: 0, disconnects: 0, unanswered: 0 };
  /** The faults and failures the run went on through (the summary's errors). */
  readonly errors: string[] = [];
  /** Per strategy: its positions, cash, fees and funding. */
  readonly ledgers = new Map<string, Ledger>();
  /** Each symbol's position over every strategy's ledger (pre-trade risk reads it on each order). */
  readonly netPositions = new Map<string, number>();
  /** The orders at the venue, by what was sent and reported. */
  readonly orders = new OrderBook();
  readonly ladderSteps: Record<LadderStep, number> = { resting: 0, crossing: 0, unwinding: 0, paused: 0, failed: 0 };
  /** The last `keepExecutions` executions, oldest first. */
  readonly executions: Execution[] = [];
  readonly totals = new ExposureTotals();
  private executionCount = 0;
  /** When each running algo started. */
  private readonly algoStart = new Map<string, number>();
  /** The fees of each running algo's fills so far (its execution reports them). */
  private readonly algoFees = new Map<string, ExactSum>();

  constructor(
    strategies: readonly string[],
    instruments: ReadonlyMap<string, LedgerInstrument>,
    private readonly legsOf: ReadonlyMap<string, StrategyLegs>,
    private readonly algoRecords: ReadonlyMap<string, AlgoRecords>,
    private readonly keepExecutions: number,
  ) {
    for (const name of strategies) this.ledgers.set(name, new Ledger(instruments, this.netPositions));
  }

  /** How many algos have ended, over the whole run (more than `executions` keeps). */
  get executed(): number {
    return this.executionCount;
  }

  /** Signed lots per symbol held by a strategy, from its fills. */
  position(strategy: string, symbol: string): number {
    return this.ledgers.get(strategy)?.position(symbol) ?? 0;
  }

  /** A fill as the books take it (order-book.ts), a duplicate or lots already counted counted as a duplicate fill. */
  takeFill(r: OrderFilled): FillTaken {
    const taken = this.orders.take(r);
    if (taken.kind !== 'fill') this.counts.duplicateFills++;
    return taken;
  }

  /** Books a fill in its strategy's ledger; the fill as the host sees it, or undefined when no strategy owns it. */
  fill(r: OrderFilled, at: number): FillRecord | undefined {
    this.counts.fills++;
    const algoId = algoOfClientId(r.clientId);
    const strategy = strategyOfId(algoId);
    const leg = this.legsOf.get(strategy)?.of(r.symbol);
    if (!leg) {
      this.errors.push(`fill ${r.tradeId} (${r.symbol}) for an order no strategy owns: ${r.clientId}`);
      return undefined;
    }
    const ledger = this.ledgers.get(strategy)!;
    ledger.apply(r.symbol, r.side, r.qty, r.price);
    const fee = leg.fee?.(r.liquidity, r.qty, r.price);
    if (fee !== undefined && !(fee instanceof Decimal ? fee.isZero() : fee.units === 0)) {
      ledger.addFee(fee);
      // Only a running algo's fills make its execution's fees (a late report for an ended one is not its).
      if (this.algoStart.has(algoId)) {
        let fees = this.algoFees.get(algoId);
        if (fees === undefined) this.algoFees.set(algoId, (fees = new ExactSum()));
        fees.add(fee);
      }
    }
    return {
      at,
      strategy,
      algoId,
      clientId: r.clientId,
      tradeId: r.tradeId,
      symbol: r.symbol,
      side: r.side > 0 ? 'buy' : 'sell',
      qty: leg.qtyText(r.qty),
      price: leg.priceText(r.price),
      liquidity: r.liquidity ?? null,
      fee: fee === undefined ? '0' : amountText(fee),
    };
  }

  algoStarted(algoId: string, at: number): void {
    this.algoStart.set(algoId, at);
  }

  /** An ended algo's execution, booked. */
  algoEnded(r: AlgoResult, at: number): Execution {
    const startedAt = this.algoStart.get(r.algoId) ?? at;
    this.algoStart.delete(r.algoId);
    const execution = this.algoRecords.get(r.strategy)!.execution(r, startedAt, at, this.algoFees.get(r.algoId));
    this.algoFees.delete(r.algoId);
    this.keep(execution);
    return execution;
  }

  /**
   * Rebuilds the books from journalled records (a restart: the actors come back from the snapshot). Funding records
   * also tell the clerk which funding times are settled.
   */
  replay(records: readonly EngineRecord[], funding: FundingRestore): void {
    for (const r of records) {
      switch (r.kind) {
        case 'order.submitted':
          this.counts.orders++;
          this.orders.sent(r.clientId, r);
          break;
        case 'report': {
          const rep = r.report;
          const taken = rep.type === 'order.filled' ? this.takeFill(rep) : undefined;
          if (taken?.kind === 'fill') this.fill(taken.fill, r.at);
          if (rep.type === 'order.rejected') this.counts.rejects++;
          if (!r.routed && taken?.kind !== 'counted') this.counts.unrouted++;
          if (taken === undefined) this.orders.heard(rep);
          else if (taken.kind === 'fill') this.orders.heard(taken.fill);
          break;
        }
        case 'order.unanswered':
          if (r.statusError === undefined) this.counts.unanswered++;
          break;
        case 'algo.started':
          this.algoStart.set(r.algoId, r.at);
          break;
        case 'algo.ended': {
          this.algoStart.delete(r.execution.algoId);
          this.algoFees.delete(r.execution.algoId);
          // Journals written before executions carried their fees.
          this.keep((r.execution as Partial<Execution>).fees === undefined ? { ...r.execution, fees: '0' } : r.execution);
          break;
        }
        case 'funding': {
          for (const c of r.charges) this.ledgers.get(c.strategy)?.addFunding(new Decimal(c.amount));
          funding.restored(r.symbol, r.due);
          break;
        }
        case 'ladder.step':
          this.ladderSteps[r.step]++;
          break;
        case 'risk.refused':
          this.counts.refused++;
          break;
        case 'order.throttled':
          this.counts.throttled++;
          break;
        case 'position.adopted':
          this.ledgers.get(r.strategy)?.apply(r.symbol, r.lots > 0 ? 1 : -1, Math.abs(r.lots), r.price);
          break;
        case 'venue.status':
          if (!r.connected) this.counts.disconnects++;
          break;
        case 'error':
          this.errors.push(`${r.actor}: ${r.message}`);
          break;
        default:
          break;
      }
    }
  }

  private keep(execution: Execution): void {
    this.executionCount++;
    this.totals.add(execution);
    this.executions.push(execution);
    if (this.executions.length > this.keepExecutions) this.executions.splice(0, this.executions.length - this.keepExecutions);
  }
}
