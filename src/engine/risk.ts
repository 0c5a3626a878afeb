import type { OrderRole } from '../../machines/order.machine.js';
import type { OrderCommand } from '../domain/orders.js';
import type { LegQuote } from '../domain/quote.js';

/**
 * Pre-trade risk: every order is checked against the limits before it leaves the engine, in the worst case
 * (as if every working order on the same side filled, and this one too). A breach refuses the order: it is not
 * sent, and its actor ends `refused` (the algo then stops its entry, or turns its hedge ladder to unwinding). The
 * venue's order-rate budget never refuses: an order over it waits, unsent, in its `throttled` state.
 *
 * Orders that reduce a position pass the position and notional limits (a kill switch must be able to flatten);
 * the size limit, the price band and the order rate apply to every order.
 */
export interface RiskLimits {
  /** New orders per window, per venue. */
  orderRate?: { maxOrders: number; perMs: number };
  /** Refuse a buy above the ask (a sell below the bid) of the leg's last fresh quote by more than this many ticks. */
  priceBandTicks?: number;
  /** Per symbol. */
  instruments: ReadonlyMap<string, InstrumentLimits>;
}

export interface InstrumentLimits {
  /** Largest |position| in lots, across all strategies. */
  maxPosition?: number;
  /** Largest order, lots. */
  maxOrderLots?: number;
  /** Largest |position| × price × lot value, in currency. */
  maxNotional?: number;
}

/** What the engine knows when an order is about to leave. */
export interface RiskView {
  now: number;
  /** Signed lots held in the symbol, across all strategies. */
  position: number;
  /** Lots still working at the venue in the symbol on the order's side. */
  workingSameSide: number;
  /** The symbol's last two-sided quote, and how old it may be to count as fresh. */
  quote: LegQuote | undefined;
  staleAfterMs: number;
  /** Currency per tick per lot. */
  lotValue: number;
  /** For an entry order: the strategy's naked notional now, and its limit. */
  nakedNotional?: { now: number; max: number };
}

export type RiskVerdict = { kind: 'send' } | { kind: 'refuse'; reason: string } | { kind: 'throttle'; waitMs: number };

export class PreTradeRisk {
  /** Send times in the current order-rate window, oldest first. */
  private readonly sentAt: number[] = [];

  constructor(readonly limits: RiskLimits) {}

  check(order: OrderCommand, role: OrderRole, v: RiskView): RiskVerdict {
    const refused = this.refusal(order, role, v);
    if (refused !== undefined) return { kind: 'refuse', reason: refused };
    const rate = this.limits.orderRate;
    if (rate) {
      while (this.sentAt.length > 0 && this.sentAt[0]! <= v.now - rate.perMs) this.sentAt.shift();
      if (this.sentAt.length >= rate.maxOrders) return { kind: 'throttle', waitMs: this.sentAt[0]! + rate.perMs - v.now };
    }
    return { kind: 'send' };
  }

  /** The order left: it counts against the order-rate budget. */
  sent(now: number): void {
    if (this.limits.orderRate) this.sentAt.push(now);
  }

  private refusal(order: OrderCommand, role: OrderRole, v: RiskView): string | undefined {
    const lim = this.limits.instruments.get(order.symbol);
    if (lim?.maxOrderLots !== undefined && order.qty > lim.maxOrderLots) return `order size ${order.qty} lots of ${order.symbol} is over maxOrderLots ${lim.maxOrderLots}`;
    const band = this.limits.priceBandTicks;
    if (band !== undefined) {
      const q = v.quote;
      if (!q || v.now - q.ts > v.staleAfterMs) return `no fresh quote of ${order.symbol} to check the price band against`;
      const through = order.side > 0 ? order.price - q.ask : q.bid - order.price;
      if (through > band) return `${order.side > 0 ? 'buy' : 'sell'} at ${order.price} is ${through} ticks through the ${order.side > 0 ? 'ask' : 'bid'} ${order.side > 0 ? q.ask : q.bid} of ${order.symbol}, over priceBandTicks ${band}`;
    }
    // Worst case: every working order on this side fills, and this one too.
    const worst = v.position + order.side * (v.workingSameSide + order.qty);
    const grows = Math.abs(worst) > Math.abs(v.position);
    if (grows && lim?.maxPosition !== undefined && Math.abs(worst) > lim.maxPosition) {
      return `${order.symbol} position could reach ${worst} lots (held ${v.position}, working ${order.side * v.workingSameSide}, this ${order.side * order.qty}), over maxPosition ${lim.maxPosition}`;
    }
    if (grows && lim?.maxNotional !== undefined) {
      const notional = Math.abs(worst) * Math.abs(order.price) * v.lotValue;
      if (notional > lim.maxNotional) return `${order.symbol} notional could reach ${notional.toFixed(2)}, over maxNotional ${lim.maxNotional}`;
    }
    if (role === 'entry' && v.nakedNotional) {
      const added = order.qty * Math.abs(order.price) * v.lotValue;
      const total = v.nakedNotional.now + added;
      if (total > v.nakedNotional.max) return `naked notional could reach ${total.toFixed(2)} (now ${v.nakedNotional.now.toFixed(2)}, this entry ${added.toFixed(2)}), over maxNakedNotional ${v.nakedNotional.max}`;
    }
    return undefined;
  }
}
