import { Decimal, str } from '../../domain/decimal.js';
import type { Side, VenueReport } from '../../domain/orders.js';
import type { InstrumentInfo } from '../venue.js';

/**
 * FIX 4.4 values Legato speaks, and the pure conversions at the edge: integer ticks and lots inside,
 * exact decimal strings on the wire (Price = ticks × tickSize, OrderQty = lots × lotSize). Nothing here
 * touches jspurefix, so the mapping is tested on its own.
 */

export const MsgType = {
  Heartbeat: '0',
  TestRequest: '1',
  ResendRequest: '2',
  Reject: '3',
  SequenceReset: '4',
  Logout: '5',
  ExecutionReport: '8',
  OrderCancelReject: '9',
  Logon: 'A',
  NewOrderSingle: 'D',
  OrderCancelRequest: 'F',
  OrderCancelReplaceRequest: 'G',
  OrderStatusRequest: 'H',
  MarketDataRequest: 'V',
  MarketDataSnapshotFullRefresh: 'W',
  MarketDataRequestReject: 'Y',
  BusinessMessageReject: 'j',
  DontKnowTrade: 'Q',
  OrderMassStatusRequest: 'AF',
  RequestForPositions: 'AN',
  RequestForPositionsAck: 'AO',
  PositionReport: 'AP',
} as const;

/** The tags read by number (a view's getString), so that prices and quantities are never floats. */
export const Tag = {
  Account: 1,
  AvgPx: 6,
  ClOrdID: 11,
  CumQty: 14,
  ExecID: 17,
  LastPx: 31,
  LastQty: 32,
  MsgSeqNum: 34,
  MsgType: 35,
  OrderID: 37,
  OrderQty: 38,
  OrdStatus: 39,
  OrigClOrdID: 41,
  PossDupFlag: 43,
  Price: 44,
  SenderCompID: 49,
  SendingTime: 52,
  Side: 54,
  Symbol: 55,
  TargetCompID: 56,
  Text: 58,
  TransactTime: 60,
  PossResend: 97,
  OrdRejReason: 103,
  CxlRejReason: 102,
  ExecType: 150,
  LeavesQty: 151,
  MDReqID: 262,
  MDEntryType: 269,
  MDEntryPx: 270,
  MDEntrySize: 271,
  CxlRejResponseTo: 434,
  MassStatusReqID: 584,
  LongQty: 704,
  ShortQty: 705,
  PosReqID: 710,
  TotalNumPosReports: 727,
  PosReqResult: 728,
  PosReqStatus: 729,
  OrdStatusReqID: 790,
  LastLiquidityInd: 851,
  TotNumReports: 911,
  LastRptRequested: 912,
} as const;

/** ExecType (150) values of FIX 4.4. */
export const ExecType = {
  New: '0',
  DoneForDay: '3',
  Canceled: '4',
  Replaced: '5',
  PendingCancel: '6',
  Stopped: '7',
  Rejected: '8',
  Suspended: '9',
  PendingNew: 'A',
  Calculated: 'B',
  Expired: 'C',
  Restated: 'D',
  PendingReplace: 'E',
  Trade: 'F',
  TradeCorrect: 'G',
  TradeCancel: 'H',
  OrderStatus: 'I',
} as const;

/** OrdStatus (39) values of FIX 4.4. */
export const OrdStatus = {
  New: '0',
  PartiallyFilled: '1',
  Filled: '2',
  DoneForDay: '3',
  Canceled: '4',
  Replaced: '5',
  PendingCancel: '6',
  Stopped: '7',
  Rejected: '8',
  Suspended: '9',
  PendingNew: 'A',
  Calculated: 'B',
  Expired: 'C',
  AcceptedForBidding: 'D',
  PendingReplace: 'E',
} as const;

const KNOWN_EXEC_TYPES = new Set<string>(Object.values(ExecType));
const OPEN_STATUSES = new Set<string>([OrdStatus.New, OrdStatus.PartiallyFilled, OrdStatus.PendingCancel, OrdStatus.PendingNew, OrdStatus.PendingReplace, OrdStatus.AcceptedForBidding, OrdStatus.Suspended, OrdStatus.Calculated]);

/** Whether an order in this OrdStatus may still trade (it counts as open at reconciliation). */
export function isOpenStatus(ordStatus: string): boolean {
  return OPEN_STATUSES.has(ordStatus);
}

export function isKnownExecType(execType: string): boolean {
  return KNOWN_EXEC_TYPES.has(execType);
}

export function sideToFix(side: Side): '1' | '2' {
  return side > 0 ? '1' : '2';
}

/** Side (54): 1 buy, 2 sell; sell short (5, 6) counts as a sell. Anything else is not an order side of ours. */
export function sideFromFix(side: string | null): Side | undefined {
  if (side === '1') return 1;
  if (side === '2' || side === '5' || side === '6') return -1;
  return undefined;
}

/** Per-instrument conversion between the port's integers and the wire's exact decimals. */
export class Units {
  private readonly bySymbol = new Map<string, InstrumentInfo>();

  constructor(instruments: readonly InstrumentInfo[]) {
    for (const i of instruments) this.bySymbol.set(i.symbol, i);
  }

  has(symbol: string): boolean {
    return this.bySymbol.has(symbol);
  }

  symbols(): string[] {
    return [...this.bySymbol.keys()];
  }

  /** Ticks → the price string (exact: ticks × tickSize). */
  price(symbol: string, ticks: number): string {
    return str(this.info(symbol).tickSize.times(ticks));
  }

  /** Lots → the quantity string (lots × lotSize). */
  qty(symbol: string, lots: number): string {
    return str(this.info(symbol).lotSize.times(lots));
  }

  /** A wire price → ticks, or undefined when it is not a decimal on the tick grid. */
  ticks(symbol: string, price: string | null | undefined): number | undefined {
    return whole(price, this.bySymbol.get(symbol)?.tickSize);
  }

  /** A wire quantity → lots, or undefined when it is not a whole number of lots. */
  lots(symbol: string, qty: string | null | undefined): number | undefined {
    return whole(qty, this.bySymbol.get(symbol)?.lotSize);
  }

  private info(symbol: string): InstrumentInfo {
    const i = this.bySymbol.get(symbol);
    if (!i) throw new RangeError(`unknown symbol ${symbol}`);
    return i;
  }
}

const DECIMAL = /^-?\d+(\.\d+)?$/;

function whole(value: string | null | undefined, unit: Decimal | undefined): number | undefined {
  if (value === null || value === undefined || unit === undefined || !DECIMAL.test(value) || value.length > 40) return undefined;
  const n = new Decimal(value).div(unit);
  if (!n.isInteger()) return undefined;
  const v = n.toNumber();
  return Number.isSafeInteger(v) ? v : undefined;
}

/** The fields of an ExecutionReport Legato reads, as strings (null when absent). */
export interface ExecFields {
  clOrdId: string | null;
  origClOrdId: string | null;
  orderId: string | null;
  execId: string | null;
  execType: string | null;
  ordStatus: string | null;
  symbol: string | null;
  side: string | null;
  orderQty: string | null;
  price: string | null;
  lastQty: string | null;
  lastPx: string | null;
  cumQty: string | null;
  avgPx: string | null;
  text: string | null;
  lastLiquidityInd: string | null;
  ordRejReason: string | null;
}

/** What an ExecutionReport means to Legato. */
export type ExecMeaning =
  | { kind: 'reports'; reports: VenueReport[] }
  /** Known but nothing for the engine (pending new, pending cancel, pending replace, a status answer). */
  | { kind: 'none' }
  /** Cannot be mapped: the session rejects the message, naming the field. */
  | { kind: 'invalid'; tag: number; reason: string };

/**
 * Maps one ExecutionReport onto venue reports. `at` is the venue's time of the report (its TransactTime, else
 * its SendingTime). A fill's trade id is its ExecID; its liquidity comes from LastLiquidityInd (851: 1 added
 * liquidity = maker, 2 removed = taker) when present. Canceled, expired and done-for-day all end the order as
 * `order.canceled` with CumQty. Replaced is `order.replaced` with the order's new Price and OrderQty; the caller
 * has mapped the replacement's ClOrdID back to the order's one id (docs/fix.md, "Replacing an order").
 */
export function mapExecutionReport(f: ExecFields, units: Units, at: number): ExecMeaning {
  const clientId = f.clOrdId;
  if (!clientId) return { kind: 'invalid', tag: Tag.ClOrdID, reason: 'ClOrdID (11) is missing' };
  if (!f.execType || !isKnownExecType(f.execType)) return { kind: 'invalid', tag: Tag.ExecType, reason: `unknown ExecType (150) ${JSON.stringify(f.execType)}` };
  const symbol = f.symbol ?? '';
  const cum = (): number | undefined => (units.has(symbol) ? units.lots(symbol, f.cumQty ?? '0') : undefined);
  switch (f.execType) {
    case ExecType.New:
      return { kind: 'reports', reports: [{ type: 'order.accepted', clientId, at }] };
    case ExecType.Trade: {
      if (!units.has(symbol)) return { kind: 'invalid', tag: Tag.Symbol, reason: `unknown Symbol (55) ${JSON.stringify(f.symbol)}` };
      const side = sideFromFix(f.side);
      if (side === undefined) return { kind: 'invalid', tag: Tag.Side, reason: `Side (54) ${JSON.stringify(f.side)} is not buy or sell` };
      const qty = units.lots(symbol, f.lastQty);
      if (qty === undefined || qty <= 0) return { kind: 'invalid', tag: Tag.LastQty, reason: `LastQty (32) ${JSON.stringify(f.lastQty)} is not a positive whole number of lots` };
      const price = units.ticks(symbol, f.lastPx);
      if (price === undefined) return { kind: 'invalid', tag: Tag.LastPx, reason: `LastPx (31) ${JSON.stringify(f.lastPx)} is not on the tick grid of ${symbol}` };
      if (!f.execId) return { kind: 'invalid', tag: Tag.ExecID, reason: 'ExecID (17) is missing' };
      const liquidity = f.lastLiquidityInd === '1' ? 'maker' : f.lastLiquidityInd === '2' ? 'taker' : undefined;
      // CumQty lets the engine see lots a status answer already counted (OrderFilled.cumQty); one that is not a
      // count of at least this fill's lots says nothing and is left out (the fill itself stands).
      const cumQty = cum();
      const counted = cumQty !== undefined && cumQty >= qty ? { cumQty } : {};
      return { kind: 'reports', reports: [{ type: 'order.filled', clientId, tradeId: f.execId, symbol, side, qty, price, at, ...(liquidity ? { liquidity } : {}), ...counted }] };
    }
    case ExecType.Canceled:
    case ExecType.Expired:
    case ExecType.DoneForDay: {
      const filledQty = cum();
      if (filledQty === undefined) return { kind: 'invalid', tag: Tag.CumQty, reason: `CumQty (14) ${JSON.stringify(f.cumQty)} is not a whole number of lots of ${JSON.stringify(f.symbol)}` };
      return { kind: 'reports', reports: [{ type: 'order.canceled', clientId, filledQty, at }] };
    }
    case ExecType.Rejected:
      return { kind: 'reports', reports: [{ type: 'order.rejected', clientId, reason: f.text ?? (f.ordRejReason ? `OrdRejReason ${f.ordRejReason}` : 'rejected'), at }] };
    case ExecType.Replaced: {
      if (!f.origClOrdId) return { kind: 'invalid', tag: Tag.OrigClOrdID, reason: 'a Replaced report needs OrigClOrdID (41)' };
      if (!units.has(symbol)) return { kind: 'invalid', tag: Tag.Symbol, reason: `unknown Symbol (55) ${JSON.stringify(f.symbol)}` };
      const price = units.ticks(symbol, f.price);
      if (price === undefined) return { kind: 'invalid', tag: Tag.Price, reason: `Price (44) ${JSON.stringify(f.price)} is not on the tick grid of ${symbol}` };
      const qty = units.lots(symbol, f.orderQty);
      if (qty === undefined || qty <= 0) return { kind: 'invalid', tag: Tag.OrderQty, reason: `OrderQty (38) ${JSON.stringify(f.orderQty)} is not a positive whole number of lots` };
      return { kind: 'reports', reports: [{ type: 'order.replaced', clientId, price, qty, at }] };
    }
    default:
      // PendingNew, PendingCancel, PendingReplace, OrderStatus, Restated, Stopped, Suspended, Calculated:
      // states on the way, or answers a sync collects; TradeCorrect / TradeCancel are not supported (docs/fix.md).
      return { kind: 'none' };
  }
}

/** The reason an OrderCancelReject gives, from its Text or its CxlRejReason. */
export function cancelRejectReason(text: string | null, cxlRejReason: string | null): string {
  if (text) return text;
  switch (cxlRejReason) {
    case '0':
      return 'too late to cancel';
    case '1':
      return 'unknown order';
    case '3':
      return 'order already in pending cancel or pending replace status';
    default:
      return cxlRejReason ? `CxlRejReason ${cxlRejReason}` : 'cancel rejected';
  }
}

/** A UTCTimestamp string (YYYYMMDD-HH:MM:SS[.sss]) → ms since the epoch, or undefined. */
export function parseUtcTimestamp(s: string | null | undefined): number | undefined {
  if (!s) return undefined;
  const m = /^(\d{4})(\d{2})(\d{2})-(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/.exec(s);
  if (!m) return undefined;
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms);
  return Number.isFinite(t) ? t : undefined;
}

/** YYYYMMDD in UTC, for ClearingBusinessDate. */
export function businessDate(t: number): string {
  return new Date(t).toISOString().slice(0, 10).replaceAll('-', '');
}
