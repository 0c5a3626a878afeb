import type { AnyActorRef } from 'xstate';
import { UNHEARD_BY_PARENT } from '../../machines/order.machine.js';
import type { ResolvedStrategy } from '../config/resolve.js';
import type { OrderFilled, VenueReport } from '../domain/orders.js';
import type { EngineBooks } from './books.js';
import { algoOfClientId, strategyOfId, type EngineRecord } from './records.js';
import { cumQtyProblem, reportProblem } from './report-check.js';

/** What the report intake needs of the engine. */
export interface IntakeHost {
  readonly strategies: ReadonlyMap<string, ResolvedStrategy>;
  now(): number;
  record(r: EngineRecord): void;
  /** An actor of the tree by its system id (`order:<clientId>`, `algo:<id>`, `strategy:<name>`). */
  actor(systemId: string): AnyActorRef | undefined;
  /** Delivers the views held back for a strategy (every strategy's: undefined) before its actors hear anything else. */
  flushViews(strategy: string | undefined): void;
  /** Runs `fn` as the work of one strategy's actors (the timers they arm are its own). */
  actingFor(strategy: string | undefined, fn: () => void): void;
  /** Books a fill in its strategy's ledger and tells the host; the strategy, or undefined when no strategy owns it. */
  fill(r: OrderFilled, at: number): string | undefined;
}

/**
 * The engine's intake of venue reports. Every report is hostile until checked (report-check.ts): a malformed one is
 * refused by name, a fill's count that contradicts itself is dropped from it, a fill for another side or symbol than
 * its order's is refused. A sound one is booked (a fill once, by its order and trade id: order-book.ts), journalled,
 * and routed to the order actor that was sent; a fill no order actor hears still counts, for the algo that sent it or
 * its strategy (`strayFill`). Each fault is named in the summary's errors and journalled; none ends the run.
 */
export class ReportIntake {
  constructor(
    private readonly host: IntakeHost,
    private readonly books: EngineBooks,
  ) {}

  /** A venue's report: checked, booked, journalled and routed to the order actor it names. */
  report(report: VenueReport): void {
    let r = report;
    const problem = reportProblem(r);
    if (problem !== undefined) {
      // Neither booked nor routed: the order it names waits for a sound report (or its own timers).
      this.fault(`report ${String(r?.type)} for ${String(r?.clientId)} refused: ${problem}`);
      return;
    }
    const badCount = r.type === 'order.filled' ? cumQtyProblem(r) : undefined;
    if (badCount !== undefined && r.type === 'order.filled') {
      const { cumQty: _unsound, ...fill } = r;
      this.fault(`fill ${r.tradeId} for ${r.clientId} booked without its count: ${badCount}`);
      r = fill;
    }
    // The working order a fill names, if the engine sent it and it has not ended.
    const working = r.type === 'order.filled' ? this.books.orders.get(r.clientId) : undefined;
    if (r.type === 'order.filled' && working !== undefined && (working.symbol !== r.symbol || working.side !== r.side)) {
      this.fault(`report order.filled for ${r.clientId} refused: side ${r.side} of ${r.symbol} is not the order's (side ${working.side} of ${working.symbol})`);
      return;
    }
    const owner = this.ownerOf(r.clientId);
    // A report no machine above the order hears cannot read the view: the held one waits for the next event.
    if (!UNHEARD_BY_PARENT.has(r.type)) this.host.flushViews(owner);
    const at = this.host.now();
    const taken = r.type === 'order.filled' ? this.books.takeFill(r) : undefined;
    if (taken?.repeated !== undefined && r.type === 'order.filled') {
      this.fault(`fill ${r.tradeId} of ${r.qty} lots for ${r.clientId} (CumQty ${r.cumQty}) gives again ${taken.repeated} lots other fills of the order reported with their own count: not booked`);
    }
    if (taken?.kind === 'counted') {
      // Lots the venue's own count already gave (its status answer): journalled as heard, neither booked nor routed.
      this.host.record({ kind: 'report', at, report: r, routed: false });
      return;
    }
    const fill = taken?.kind === 'fill' ? taken.fill : undefined;
    let booked: string | undefined;
    if (fill !== undefined) {
      booked = this.host.fill(fill, at);
      const over = working === undefined ? 0 : working.filled + fill.qty - working.qty;
      if (over > 0) this.fault(`order ${r.clientId} of ${working!.qty} lots reported filled ${working!.filled + fill.qty}: the ${over} lots over are hedged as any fill`);
    }
    if (r.type === 'order.rejected') this.books.counts.rejects++;
    // A duplicate is routed as heard: its order actor knows the trade id and ignores it.
    const routed = fill ?? r;
    if (taken === undefined || fill !== undefined) this.books.orders.heard(routed);
    const ref = this.sentOrder(r.clientId);
    this.host.record({ kind: 'report', at, report: r, routed: ref !== undefined });
    if (ref) this.host.actingFor(owner, () => ref.send(routed));
    else {
      this.books.counts.unrouted++;
      if (booked !== undefined && fill !== undefined) this.strayFill(booked, fill);
    }
  }

  /**
   * A fill booked for a strategy that no order actor hears: its order had ended (a fill racing a cancel the venue
   * confirmed, a fill after a reject, a second report past the order's size) or was never ours. The lots are the
   * strategy's all the same, so its machines must count them: the algo that sent the order, while it runs (its
   * ladder hedges them as any fill), else the strategy (which pauses if they leave its legs unbalanced).
   */
  private strayFill(strategy: string, r: Extract<VenueReport, { type: 'order.filled' }>): void {
    const algoId = algoOfClientId(r.clientId);
    const leg = this.host.strategies.get(strategy)!.definition.legs.findIndex((l) => l.symbol === r.symbol);
    const algo = this.host.actor(`algo:${algoId}`);
    const live = algo !== undefined && algo.getSnapshot().status === 'active';
    this.fault(`fill ${r.tradeId} of ${r.side * r.qty} ${r.symbol} for ${r.clientId}, an order no longer working: ${live ? `its algo ${algoId} hedges it` : `counted by strategy ${strategy}`}`);
    const target = live ? algo : this.host.actor(`strategy:${strategy}`);
    if (target === undefined) return;
    const event = live
      ? { type: 'leg.filled', clientId: r.clientId, leg, side: r.side, qty: r.qty, price: r.price, at: r.at }
      : { type: 'leg.stray', leg, lots: r.side * r.qty };
    this.host.actingFor(strategy, () => target.send(event));
  }

  /**
   * The order actor a venue report for `clientId` goes to: one that has been sent. An algo's spare order, dormant under
   * the client id its next order will have, is no order of the venue's yet: a report naming it is one for no order.
   */
  sentOrder(clientId: string): AnyActorRef | undefined {
    const ref = this.host.actor(`order:${clientId}`);
    return ref === undefined || ref.getSnapshot().value === 'dormant' ? undefined : ref;
  }

  /** A venue's fault the run goes on through, named in the summary's errors and journalled. */
  fault(message: string): void {
    this.books.errors.push(`venue: ${message}`);
    this.host.record({ kind: 'error', at: this.host.now(), actor: 'venue', message });
  }

  /** The strategy whose algo sent an order (client id `<strategy>/<algo>.<order>`), when it is one of ours. */
  private ownerOf(clientId: string): string | undefined {
    const strategy = strategyOfId(clientId);
    return this.host.strategies.has(strategy) ? strategy : undefined;
  }
}
