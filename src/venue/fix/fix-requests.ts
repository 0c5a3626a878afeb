import { Decimal } from '../../domain/decimal.js';
import type { Side } from '../../domain/orders.js';
import type { InstrumentInfo, VenueFill, VenueOrderState } from '../venue.js';
import { ExecType, MsgType, OrdStatus, Tag, Units, businessDate, sideFromFix, sideToFix, type ExecFields } from './fix-codec.js';
import { FixVenueError } from './fix-errors.js';
import type { FixObject, FixView } from './jspurefix.js';

/*
 * The FIX venue's requests for what the counterparty holds, asked at a reconciliation (FixVenue.sync): every order
 * open there (OrderMassStatusRequest), one order's status and fills (OrderStatusRequest), the account's positions
 * (RequestForPositions). Each request has an id of its own; the answers that carry it are collected here until the
 * last one, and a lost connection fails every request still waiting. What an order's status answer means for the
 * engine (`orderState`) is here too. The session, the orders sent and the live reports stay in fix-venue.ts.
 */

/** An ExecutionReport's fields, and whether its OrdRejReason (103) is 5, "unknown order". */
export type FieldsAndMore = ExecFields & { ordRejReasonUnknown: boolean };

/** What the venue knows of an order it sent or learnt of: enough for a status request and a cancel. */
export interface OrderInfo {
  symbol: string;
  side: Side;
  qty: number;
}

/** An order's status answer: its last status report, and the fills the counterparty replayed before it. */
export interface StatusAnswer {
  view: FieldsAndMore;
  fills: VenueFill[];
}

/** What the requests need of their venue. */
export interface RequestsHost {
  readonly units: Units;
  /** Account (1) and party for RequestForPositions. */
  readonly account: string;
  now(): number;
  /** The next number of the venue's request ids (one sequence for every request it makes). */
  nextId(): number;
  /** Sends an application message on the session now open. */
  send(msgType: string, body: FixObject): void;
  /** The order a client id names, when the venue knows it. */
  orderOf(clientId: string): OrderInfo | undefined;
}

interface Waiting<T> {
  resolve: (answer: T) => void;
  fail: (e: Error) => void;
}

export class FixRequests {
  private readonly statusWaits = new Map<string, Waiting<StatusAnswer> & { fills: VenueFill[] }>();
  private readonly massWaits = new Map<string, Waiting<FieldsAndMore[]> & { reports: FieldsAndMore[]; total: number | undefined }>();
  private readonly positionWaits = new Map<string, Waiting<Record<string, number> | null> & { total: number | undefined; lots: Record<string, number>; seen: number }>();

  constructor(private readonly host: RequestsHost) {}

  /** Every order open at the counterparty: their status reports (MassStatusReqType 7, all orders). */
  massStatus(): Promise<FieldsAndMore[]> {
    const id = `mass-${this.host.nextId()}`;
    return new Promise((resolve, fail) => {
      this.massWaits.set(id, { reports: [], total: undefined, resolve, fail });
      this.host.send(MsgType.OrderMassStatusRequest, { MassStatusReqID: id, MassStatusReqType: 7 });
    });
  }

  /** One order's status by the ClOrdID asked (`clientId` names it here, for its symbol and side). */
  orderStatus(clOrdId: string, clientId = clOrdId): Promise<StatusAnswer> {
    const id = `st-${this.host.nextId()}`;
    const o = this.host.orderOf(clientId);
    return new Promise((resolve, fail) => {
      this.statusWaits.set(id, { fills: [], resolve, fail });
      this.host.send(MsgType.OrderStatusRequest, {
        OrdStatusReqID: id,
        ClOrdID: clOrdId,
        // Required by FIX 4.4; an order this store never saw goes with placeholders (the venue keys on ClOrdID).
        Instrument: { Symbol: o?.symbol ?? this.host.units.symbols()[0] ?? 'NONE' },
        Side: sideToFix(o?.side ?? 1),
      });
    });
  }

  /** The account's positions in lots per symbol; null when the counterparty does not say (refused, unsupported). */
  positions(): Promise<Record<string, number> | null> {
    const id = `pos-${this.host.nextId()}`;
    const account = this.host.account;
    const now = this.host.now();
    return new Promise((resolve, fail) => {
      this.positionWaits.set(id, { total: undefined, lots: {}, seen: 0, resolve, fail });
      this.host.send(MsgType.RequestForPositions, {
        PosReqID: id,
        PosReqType: 0,
        Parties: { NoPartyIDs: [{ PartyID: account, PartyIDSource: 'D', PartyRole: 24 }] },
        Account: account,
        AccountType: 1,
        ClearingBusinessDate: businessDate(now),
        TransactTime: new Date(now),
      });
    });
  }

  /**
   * An ExecutionReport that answers a request (it carries an OrdStatusReqID or a MassStatusReqID), or a status
   * report nobody asked for: taken here (true), never a live report.
   */
  answered(f: FieldsAndMore, view: FixView, at: number): boolean {
    const statusReq = view.getString(Tag.OrdStatusReqID);
    const massReq = view.getString(Tag.MassStatusReqID);
    if (statusReq !== null && this.statusWaits.has(statusReq)) this.onStatusAnswer(statusReq, f, at);
    else if (massReq !== null && this.massWaits.has(massReq)) this.onMassAnswer(massReq, f, view);
    // An answer nobody waits for is dropped.
    else return statusReq !== null || massReq !== null || f.execType === ExecType.OrderStatus;
    return true;
  }

  /** RequestForPositionsAck: how many PositionReports follow, or that none will. */
  onPositionsAck(view: FixView): void {
    const id = view.getString(Tag.PosReqID);
    const w = id === null ? undefined : this.positionWaits.get(id);
    if (!w || id === null) return;
    const result = view.getString(Tag.PosReqResult);
    const total = Number(view.getString(Tag.TotalNumPosReports) ?? '0');
    if (result !== '0' || total === 0) {
      // No positions (2), or not supported / refused: positions unknown.
      this.positionWaits.delete(id);
      w.resolve(result === '2' || (result === '0' && total === 0) ? {} : null);
      return;
    }
    w.total = total;
    if (w.seen >= total) (this.positionWaits.delete(id), w.resolve(w.lots));
  }

  /** One PositionReport: its symbol's long less short lots. */
  onPosition(view: FixView): void {
    const id = view.getString(Tag.PosReqID);
    const w = id === null ? undefined : this.positionWaits.get(id);
    if (!w || id === null) return;
    const symbol = view.getString(Tag.Symbol);
    const units = this.host.units;
    if (symbol && units.has(symbol)) {
      const long = units.lots(symbol, view.getString(Tag.LongQty) ?? '0') ?? 0;
      const short = units.lots(symbol, view.getString(Tag.ShortQty) ?? '0') ?? 0;
      w.lots[symbol] = (w.lots[symbol] ?? 0) + long - short;
    }
    w.seen++;
    if (w.total !== undefined && w.seen >= w.total) (this.positionWaits.delete(id), w.resolve(w.lots));
  }

  /** A BusinessMessageReject of RequestForPositions: the counterparty does not serve it, positions are unknown. */
  positionsRefused(): void {
    for (const [id, w] of this.positionWaits) (this.positionWaits.delete(id), w.resolve(null));
  }

  /** The connection was lost: every request still waiting fails with `e`. */
  failAll(e: Error): void {
    for (const w of [...this.statusWaits.values(), ...this.massWaits.values(), ...this.positionWaits.values()]) w.fail(e);
    this.statusWaits.clear();
    this.massWaits.clear();
    this.positionWaits.clear();
  }

  private onMassAnswer(id: string, f: FieldsAndMore, view: FixView): void {
    const w = this.massWaits.get(id)!;
    const total = Number(view.getString(Tag.TotNumReports) ?? 'NaN');
    if (Number.isFinite(total)) w.total = total;
    // Each order's status report counts; its replayed fills (ExecType=F) do not.
    if (f.execType === ExecType.OrderStatus && total !== 0) w.reports.push(f);
    const last = view.getString(Tag.LastRptRequested) === 'Y';
    if (total === 0 || (last && f.execType === ExecType.OrderStatus) || (w.total !== undefined && w.reports.length >= w.total)) {
      this.massWaits.delete(id);
      w.resolve(w.reports);
    }
  }

  private onStatusAnswer(id: string, f: FieldsAndMore, at: number): void {
    const w = this.statusWaits.get(id)!;
    if (f.execType === ExecType.Trade) {
      const symbol = f.symbol ?? '';
      const units = this.host.units;
      const qty = units.lots(symbol, f.lastQty);
      const price = units.ticks(symbol, f.lastPx);
      if (f.execId && qty !== undefined && price !== undefined) w.fills.push({ tradeId: f.execId, qty, price, at });
      return;
    }
    if (f.execType !== ExecType.OrderStatus) return;
    this.statusWaits.delete(id);
    w.resolve({ view: f, fills: w.fills });
  }
}

/**
 * What an order's status answer says, for the engine: unknown (refused as an unknown order), or its status, size,
 * price and filled lots with its fills. A counterparty that gives only CumQty: the lots not replayed as fills become
 * one fill at the price that makes the order's average AvgPx (rounded to the tick grid when it is off it); an AvgPx
 * that is no price refuses the answer (FixVenueError).
 */
export function orderState(
  clientId: string,
  f: FieldsAndMore,
  fills: VenueFill[],
  ctx: { known: OrderInfo | undefined; units: Units; instruments: readonly InstrumentInfo[]; now: number },
): VenueOrderState {
  const { known, units } = ctx;
  const symbol = f.symbol && units.has(f.symbol) ? f.symbol : known?.symbol;
  if (f.ordStatus === OrdStatus.Rejected && (f.ordRejReasonUnknown || f.orderId === 'NONE')) return { clientId, status: 'unknown', filled: 0, fills: [] };
  const side = sideFromFix(f.side) ?? known?.side;
  const qty = symbol ? units.lots(symbol, f.orderQty) : undefined;
  const price = symbol ? units.ticks(symbol, f.price) : undefined;
  const filled = (symbol ? units.lots(symbol, f.cumQty ?? '0') : undefined) ?? fills.reduce((n, x) => n + x.qty, 0);
  const all = [...fills];
  const replayed = fills.reduce((n, x) => n + x.qty, 0);
  if (symbol && filled > replayed) {
    const avg = decimalOrUndefined(f.avgPx ?? '0');
    const tick = ctx.instruments.find((i) => i.symbol === symbol)!.tickSize;
    const known$ = fills.reduce((s, x) => s.plus(tick.times(x.price).times(x.qty)), new Decimal(0));
    const ticks = avg === undefined ? NaN : avg.times(filled).minus(known$).div(filled - replayed).div(tick).toDecimalPlaces(0).toNumber();
    // A counterparty's AvgPx that is no price ("abc", NaN, 1e300) makes no fill: the status answer is refused.
    if (!Number.isSafeInteger(ticks)) throw new FixVenueError(`the status of ${clientId}: AvgPx ${JSON.stringify(String(f.avgPx).slice(0, 40))} with CumQty ${filled} makes no price on the tick grid`);
    all.push({ tradeId: `${f.orderId ?? clientId}:cum:${filled}`, qty: filled - replayed, price: ticks, at: ctx.now });
  }
  const status: VenueOrderState['status'] =
    f.ordStatus === OrdStatus.Filled
      ? 'filled'
      : f.ordStatus === OrdStatus.Canceled || f.ordStatus === OrdStatus.Expired || f.ordStatus === OrdStatus.DoneForDay || f.ordStatus === OrdStatus.Replaced
        ? 'canceled'
        : f.ordStatus === OrdStatus.Rejected
          ? 'rejected'
          : f.ordStatus === OrdStatus.PendingNew
            ? 'pending'
            : 'open';
  return {
    clientId,
    status,
    ...(symbol ? { symbol } : {}),
    ...(side ? { side } : {}),
    ...(qty !== undefined ? { qty } : {}),
    ...(price !== undefined ? { price } : {}),
    filled,
    fills: all,
    ...(status === 'rejected' && f.text ? { reason: f.text } : {}),
  };
}

/** A decimal, or undefined when the text is not one (decimal.js throws on "abc"). */
function decimalOrUndefined(text: string): Decimal | undefined {
  try {
    const d = new Decimal(text);
    return d.isFinite() ? d : undefined;
  } catch {
    return undefined;
  }
}
