import type { OrderFilled, VenueReport } from '../domain/orders.js';

/**
 * What is wrong with a venue's report, or undefined when it is sound. The `Venue` port carries integer ticks and
 * integer lots (venue.ts); a host's own venue, or an adapter with a bug, can still hand the engine anything. A
 * report that fails here is not booked or routed: a NaN or fractional quantity would poison the position, the
 * PnL and every hedge computed from them (a hedge of 0.5 lots), and a negative one would turn a buy into a sale.
 */
export function reportProblem(r: VenueReport): string | undefined {
  if (typeof r !== 'object' || r === null) return 'is not an object';
  if (typeof r.clientId !== 'string' || r.clientId.length === 0) return 'has no client id';
  if (r.clientId.length > MAX_ID) return `client id of ${r.clientId.length} characters is longer than ${MAX_ID}`;
  if (!Number.isFinite(r.at)) return `at ${String(r.at)} is not a time`;
  switch (r.type) {
    case 'order.filled':
      if (typeof r.tradeId !== 'string' || r.tradeId.length === 0) return 'has no trade id';
      if (r.tradeId.length > MAX_ID) return `trade id of ${r.tradeId.length} characters is longer than ${MAX_ID}`;
      if (typeof r.symbol !== 'string' || r.symbol.length === 0) return 'has no symbol';
      if (r.symbol.length > MAX_ID) return `symbol of ${r.symbol.length} characters is longer than ${MAX_ID}`;
      if (r.liquidity !== undefined && r.liquidity !== 'maker' && r.liquidity !== 'taker') return `liquidity ${JSON.stringify(String(r.liquidity)).slice(0, 40)} is neither maker nor taker`;
      if (r.side !== 1 && r.side !== -1) return `side ${String(r.side)} is neither 1 (buy) nor -1 (sell)`;
      if (!lots(r.qty)) return `qty ${String(r.qty)} is not a whole number of lots above 0`;
      if (!Number.isSafeInteger(r.price)) return `price ${String(r.price)} is not a whole number of ticks`;
      return undefined;
    case 'order.canceled':
      if (!(Number.isSafeInteger(r.filledQty) && r.filledQty >= 0)) return `filledQty ${String(r.filledQty)} is not a whole number of lots`;
      return undefined;
    case 'order.replaced':
      if (!lots(r.qty)) return `qty ${String(r.qty)} is not a whole number of lots above 0`;
      if (!Number.isSafeInteger(r.price)) return `price ${String(r.price)} is not a whole number of ticks`;
      return undefined;
    case 'order.accepted':
    case 'order.rejected':
    case 'order.cancelRejected':
    case 'order.replaceRejected':
      return undefined;
    default:
      return `type ${String((r as { type: unknown }).type)} is not a report the engine knows`;
  }
}

/**
 * What is wrong with a sound fill's `cumQty`, or undefined when it is absent or sound. Unlike the rest of a report it
 * does not refuse the fill (an execution the venue made): the engine books the fill without it, and names it.
 */
export function cumQtyProblem(r: OrderFilled): string | undefined {
  if (r.cumQty === undefined || (Number.isSafeInteger(r.cumQty) && r.cumQty >= r.qty)) return undefined;
  return `cumQty ${String(r.cumQty).slice(0, 40)} is not a whole number of lots at least its qty ${r.qty}`;
}

/** The longest id or symbol a report may carry: what the journal holds a resume to (journal-check.ts `name`). */
const MAX_ID = 512;

/** A whole number of lots above 0. */
function lots(v: number): boolean {
  return Number.isSafeInteger(v) && v > 0;
}
