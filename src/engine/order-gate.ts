import type { AnyActorRef } from 'xstate';
import type { OrderRole } from '../../machines/order.machine.js';
import type { ResolvedStrategy } from '../config/resolve.js';
import type { OrderChange, OrderCommand } from '../domain/orders.js';
import { nakedDeviation } from '../domain/position.js';
import type { LegQuote } from '../domain/quote.js';
import type { Venue } from '../venue/venue.js';
import type { EngineBooks } from './books.js';
import { algoOfClientId, strategyOfId, type EngineRecord } from './records.js';
import type { PreTradeRisk, RiskView } from './risk.js';
import type { StrategyLegs } from './strategy-legs.js';

/** What the gate needs of its engine. */
export interface GateHost {
  readonly venue: Venue;
  readonly risk: PreTradeRisk;
  readonly books: EngineBooks;
  readonly strategies: ReadonlyMap<string, ResolvedStrategy>;
  readonly legsOf: ReadonlyMap<string, StrategyLegs>;
  now(): number;
  record(r: EngineRecord): void;
  /** An actor of the tree by its system id (an order's: `order:<clientId>`). */
  actor(systemId: string): AnyActorRef | undefined;
  /** A symbol's last two-sided quote. */
  lastQuote(symbol: string): LegQuote | undefined;
}

/**
 * The way out to the venue: what an order machine asks the engine to send (its submission, re-price or cancel)
 * passes pre-trade risk and the order-rate budget here, is booked and recorded, and only then reaches the venue. An
 * order refused, throttled or whose re-price is refused hears why, as an event to its actor.
 */
export class OrderGate {
  constructor(private readonly host: GateHost) {}

  submit(order: OrderCommand, role: OrderRole): void {
    const { risk, books } = this.host;
    const verdict = risk.check(order, role, this.riskView(order, role));
    if (verdict.kind !== 'send') {
      // Not sent: the order actor hears why (it is the one asking, so the answer waits in its mailbox).
      const at = this.host.now();
      const ref = this.host.actor(`order:${order.clientId}`);
      if (verdict.kind === 'refuse') {
        books.counts.refused++;
        this.host.record({ kind: 'risk.refused', at, clientId: order.clientId, symbol: order.symbol, reason: verdict.reason });
        ref?.send({ type: 'order.refused', clientId: order.clientId, reason: `risk: ${verdict.reason}` });
      } else {
        books.counts.throttled++;
        this.host.record({ kind: 'order.throttled', at, clientId: order.clientId, symbol: order.symbol, waitMs: verdict.waitMs });
        ref?.send({ type: 'order.throttled', clientId: order.clientId, waitMs: verdict.waitMs });
      }
      return;
    }
    risk.sent(this.host.now());
    books.counts.orders++;
    books.orders.sent(order.clientId, order);
    this.host.record({ kind: 'order.submitted', at: this.host.now(), ...order, role });
    this.host.venue.submit(order);
  }

  /**
   * A re-price in place. Pre-trade risk checks the order as it would be (its price band, its size; the order's own
   * working lots are not counted twice) and the order-rate budget counts it; refused or over the budget, the order
   * hears `order.replaceRejected` (it works on unchanged, and its algo cancels and re-sends or tries again).
   */
  replace(order: OrderCommand, role: OrderRole, change: OrderChange): void {
    const { risk, books } = this.host;
    const at = this.host.now();
    const next: OrderCommand = { ...order, price: change.price, qty: change.qty ?? order.qty };
    const view = this.riskView(next, role);
    const own = books.orders.get(order.clientId);
    if (own) view.workingSameSide = Math.max(0, view.workingSameSide - (own.qty - own.filled));
    const verdict = risk.check(next, role, view);
    if (verdict.kind !== 'send') {
      const reason = verdict.kind === 'refuse' ? `risk: ${verdict.reason}` : `risk: over the order-rate budget (${verdict.waitMs} ms to wait)`;
      if (verdict.kind === 'refuse') {
        books.counts.refused++;
        this.host.record({ kind: 'risk.refused', at, clientId: order.clientId, symbol: order.symbol, reason: verdict.reason });
      }
      this.host.actor(`order:${order.clientId}`)?.send({ type: 'order.replaceRejected', clientId: order.clientId, reason, at });
      return;
    }
    risk.sent(at);
    this.host.record({ kind: 'order.replaceRequested', at, clientId: order.clientId, price: change.price, ...(change.qty !== undefined ? { qty: change.qty } : {}) });
    this.host.venue.replace!(order.clientId, change);
  }

  /** A cancel: never refused (taking risk off is always allowed), recorded before it leaves. */
  cancel(clientId: string): void {
    this.host.record({ kind: 'order.cancelRequested', at: this.host.now(), clientId });
    this.host.venue.cancel(clientId);
  }

  /** What pre-trade risk needs to know of an order's symbol and strategy, now. */
  private riskView(order: OrderCommand, role: OrderRole): RiskView {
    const { books, strategies, legsOf } = this.host;
    const algoId = algoOfClientId(order.clientId);
    const strategy = strategyOfId(algoId);
    const s = strategies.get(strategy);
    const position = books.netPositions.get(order.symbol) ?? 0;
    const workingSameSide = books.orders.workingLots(order.symbol, order.side);
    const lotValue = legsOf.get(strategy)?.of(order.symbol)?.lotValue ?? 0;
    const view: RiskView = { now: this.host.now(), position, workingSameSide, quote: this.host.lastQuote(order.symbol), staleAfterMs: s?.staleAfterMs ?? 0, lotValue };
    if (role === 'entry' && s?.maxNakedNotional !== undefined) view.nakedNotional = { now: this.nakedNotional(s), max: s.maxNakedNotional };
    return view;
  }

  /** A strategy's legs away from the nearest balanced position, valued at each leg's last mid. */
  private nakedNotional(s: ResolvedStrategy): number {
    const def = s.definition;
    const legs = this.host.legsOf.get(s.spec.name)!.legs;
    const lots = def.legs.map((l) => this.host.books.position(s.spec.name, l.symbol));
    return nakedDeviation(lots, def.tradingMultipliers).reduce((sum, d, i) => {
      const q = this.host.lastQuote(def.legs[i]!.symbol);
      return q ? sum + Math.abs(d) * ((q.bid + q.ask) / 2) * legs[i]!.lotValue : sum;
    }, 0);
  }
}
