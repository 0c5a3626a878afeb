import { Decimal, str } from '../../domain/decimal.js';
import { BoundedMap } from '../../domain/bounded.js';
import type { VenueMessage, WireOrderState, WireStats } from '../remote/protocol.js';
import type { VenueHost } from '../remote/venue-host.js';
import { ExecType, MsgType, OrdStatus, Tag, Units, businessDate, sideFromFix, sideToFix } from './fix-codec.js';
import { SessionRejectReason, type LegatoFixSession } from './fix-session.js';
import type { FixObject, FixView } from './jspurefix.js';

interface OrderInfo {
  symbol: string;
  side: 1 | -1;
  qty: number;
  price: string;
  orderId: string;
  cum: number;
  notional: Decimal;
  /** The order's id at the exchange core (VenueHost): the ClOrdID of its NewOrderSingle. */
  hostId: string;
  /** Its ClOrdID now: the last replace's, once confirmed. */
  clOrdId: string;
  /** A cancel in flight: its ClOrdID. */
  cancelId?: string;
  /** Replaces in flight, oldest first (the exchange answers them in order): their ClOrdIDs. */
  replaces?: string[];
}

type HostReply = (m: VenueMessage) => void;

/**
 * The exchange's side of the FIX application behind FixAcceptor (fix-acceptor.ts keeps the listener, the sessions
 * and the test hooks): the engine's orders, cancels and replaces to VenueHost, its answers and live reports back
 * as ExecutionReports and OrderCancelRejects, and the requests (order status, mass status, positions, market data)
 * answered from what VenueHost knows. Every message goes out through `send`, on the session logged on now.
 */
export class FixExchange {
  /** This venue's run, in every id it makes (OrderID, ExecID), so a restarted venue never repeats one. */
  readonly epoch = Date.now().toString(36);
  /** The DontKnowTrade messages (35=Q) engines sent: the ExecID, DKReason (127) and Text. */
  readonly dontKnow: { execId: string; reason: string; text: string }[] = [];
  private readonly units: Units;
  /** Every ClOrdID of an order's chain (its NewOrderSingle's and each confirmed replace's) → the order. */
  private readonly orders = new BoundedMap<string, OrderInfo>(50_000);
  private subscriptions = new Map<string, string>();
  private nextExec = 0;
  private nextId = 0;

  constructor(
    private readonly host: VenueHost,
    private readonly send: (msgType: string, body: FixObject) => void,
  ) {
    this.units = new Units(host.venue.instruments());
  }

  /** An engine logged on: no market data subscribed yet, and the exchange's live messages go to it from now on. */
  attach(): void {
    this.subscriptions = new Map();
    // VenueHost sends its live messages only after a sync.
    this.host.handle({ t: 'sync', id: ++this.nextId, clientIds: [] }, () => {}, () => this.host.setSink((m) => this.live(m)));
  }

  /** VenueHost's account, each fill's trade id as the ExecID this venue sent for it. */
  stats(): WireStats {
    const s = this.host.stats();
    return { ...s, orders: s.orders.map((o) => ({ ...o, fills: o.fills.map((f) => ({ ...f, tradeId: `${this.epoch}.${f.tradeId}` })) })) };
  }

  // ---- the engine's messages -------------------------------------------------------------------------

  /** An application message from the engine: an order, a cancel, a replace, a request; anything else refused. */
  onApplication(session: LegatoFixSession, msgType: string, view: FixView): void {
    const seq = Number(view.getString(Tag.MsgSeqNum) ?? '0');
    const missing = (tag: number, name: string): boolean => {
      if (view.getString(tag)) return false;
      session.reject(seq, msgType, SessionRejectReason.RequiredTagMissing, `${name} (${tag}) is missing`, tag);
      return true;
    };
    switch (msgType) {
      case MsgType.NewOrderSingle:
        if (missing(Tag.ClOrdID, 'ClOrdID') || missing(Tag.Symbol, 'Symbol') || missing(Tag.Side, 'Side') || missing(Tag.OrderQty, 'OrderQty')) return;
        return this.newOrder(view);
      case MsgType.OrderCancelRequest:
        if (missing(Tag.ClOrdID, 'ClOrdID') || missing(Tag.OrigClOrdID, 'OrigClOrdID')) return;
        return this.cancel(view.getString(Tag.ClOrdID)!, view.getString(Tag.OrigClOrdID)!);
      case MsgType.OrderCancelReplaceRequest:
        if (missing(Tag.ClOrdID, 'ClOrdID') || missing(Tag.OrigClOrdID, 'OrigClOrdID') || missing(Tag.OrderQty, 'OrderQty') || missing(Tag.Price, 'Price')) return;
        return this.replace(view);
      case MsgType.OrderStatusRequest:
        if (missing(Tag.ClOrdID, 'ClOrdID')) return;
        return this.status(view.getString(Tag.ClOrdID)!, view.getString(Tag.OrdStatusReqID));
      case MsgType.OrderMassStatusRequest:
        if (missing(Tag.MassStatusReqID, 'MassStatusReqID')) return;
        return this.massStatus(view.getString(Tag.MassStatusReqID)!);
      case MsgType.RequestForPositions:
        if (missing(Tag.PosReqID, 'PosReqID')) return;
        return this.positions(view.getString(Tag.PosReqID)!, view.getString(Tag.Account) ?? 'LEGATO');
      case MsgType.MarketDataRequest:
        if (missing(Tag.MDReqID, 'MDReqID')) return;
        return this.marketData(view);
      case MsgType.DontKnowTrade:
        // An engine's DK of a report: kept for whoever reads the venue's log (and tests), nothing to answer.
        this.dontKnow.push({ execId: view.getString(Tag.ExecID) ?? '', reason: view.getString(127) ?? '', text: view.getString(Tag.Text) ?? '' });
        return;
      default:
        // A message of the dictionary this venue does not serve: an application-level refusal.
        this.send(MsgType.BusinessMessageReject, { RefSeqNum: seq, RefMsgType: msgType, BusinessRejectReason: 3, Text: `this venue does not support MsgType ${msgType}` });
    }
  }

  private execId(): string {
    return `${this.epoch}.E${++this.nextExec}`;
  }

  private newOrder(view: FixView): void {
    const clOrdId = view.getString(Tag.ClOrdID)!;
    const symbol = view.getString(Tag.Symbol)!;
    const side = sideFromFix(view.getString(Tag.Side));
    const qtyText = view.getString(Tag.OrderQty)!;
    const price = view.getString(Tag.Price);
    const ordType = view.getString(40);
    const lots = this.units.has(symbol) ? this.units.lots(symbol, qtyText) : /^\d+$/.test(qtyText) ? Number(qtyText) : undefined;
    const refuse = (text: string): void =>
      this.send(MsgType.ExecutionReport, {
        OrderID: 'NONE',
        ClOrdID: clOrdId,
        ExecID: this.execId(),
        ExecType: ExecType.Rejected,
        OrdStatus: OrdStatus.Rejected,
        Instrument: { Symbol: symbol },
        Side: view.getString(Tag.Side) ?? '1',
        OrderQtyData: { OrderQty: qtyText },
        LeavesQty: '0',
        CumQty: '0',
        AvgPx: '0',
        Text: text,
        TransactTime: new Date(this.host.clock.now()),
      });
    if (side === undefined) return refuse(`Side (54) ${JSON.stringify(view.getString(Tag.Side))} is not buy or sell`);
    if (ordType !== '2') return refuse(`OrdType (40) ${JSON.stringify(ordType)}: this venue takes limit orders (2) only`);
    if (price === null) return refuse('a limit order needs Price (44)');
    if (lots === undefined || lots <= 0) return refuse(`OrderQty (38) ${JSON.stringify(qtyText)} is not a positive whole number of lots of ${symbol}`);
    if (!this.orders.has(clOrdId)) this.orders.set(clOrdId, { symbol, side, qty: lots, price, orderId: `${this.epoch}.O${++this.nextId}`, cum: 0, notional: new Decimal(0), hostId: clOrdId, clOrdId });
    this.host.handle({ t: 'submit', order: { clientId: clOrdId, symbol, side, qty: lots, price } }, (m) => this.refusedByHost(m, (text) => refuse(text)), () => {});
  }

  /** VenueHost answers a malformed message directly (not through its sink): an order it cannot read. */
  private refusedByHost(m: VenueMessage, refuse: (text: string) => void): void {
    if (m.t === 'error') refuse(m.message);
    else if (m.t === 'report') this.live(m);
  }

  private cancel(cancelId: string, clOrdId: string): void {
    const o = this.orders.get(clOrdId);
    if (o) o.cancelId = cancelId;
    else {
      // Not ours to know: the exchange still answers (unknown order), with the cancel's id.
      this.orders.set(clOrdId, { symbol: '', side: 1, qty: 0, price: '0', orderId: 'NONE', cum: 0, notional: new Decimal(0), hostId: clOrdId, clOrdId, cancelId });
    }
    this.host.handle({ t: 'cancel', clientId: o?.hostId ?? clOrdId }, () => {}, () => {});
  }

  /**
   * OrderCancelReplaceRequest: OrigClOrdID names the order (any ClOrdID of its chain), ClOrdID is the replacement's
   * new id. What cannot be a replace (an unknown order, a ClOrdID already used, a size that is not whole lots, a
   * price off the tick grid) gets an OrderCancelReject with CxlRejResponseTo=2 at once; the rest goes to the
   * exchange, whose answer becomes ExecutionReport ExecType=5 (Replaced) or that same reject.
   */
  private replace(view: FixView): void {
    const newId = view.getString(Tag.ClOrdID)!;
    const oldId = view.getString(Tag.OrigClOrdID)!;
    const o = this.orders.get(oldId);
    const qtyText = view.getString(Tag.OrderQty);
    const priceText = view.getString(Tag.Price)!;
    const lots = o && o.orderId !== 'NONE' ? this.units.lots(o.symbol, qtyText) : undefined;
    const ticks = o && o.orderId !== 'NONE' ? this.units.ticks(o.symbol, priceText) : undefined;
    const refuse = (reason: number, text: string): void =>
      this.send(MsgType.OrderCancelReject, {
        OrderID: o?.orderId ?? 'NONE',
        ClOrdID: newId,
        OrigClOrdID: oldId,
        OrdStatus: o && o.orderId !== 'NONE' ? this.ordStatus(o) : OrdStatus.Rejected,
        CxlRejResponseTo: '2',
        CxlRejReason: reason,
        Text: text,
      });
    if (!o || o.orderId === 'NONE') return refuse(1, 'unknown order');
    if (this.orders.has(newId) || o.replaces?.includes(newId)) return refuse(6, `duplicate ClOrdID ${JSON.stringify(newId)}`);
    if (lots === undefined || lots <= 0) return refuse(99, `OrderQty (38) ${JSON.stringify(qtyText)} is not a positive whole number of lots of ${o.symbol}`);
    if (ticks === undefined || ticks <= 0) return refuse(99, `Price (44) ${JSON.stringify(priceText)} is not a positive price on the tick grid of ${o.symbol}`);
    (o.replaces ??= []).push(newId);
    this.host.handle({ t: 'replace', clientId: o.hostId, price: this.units.price(o.symbol, ticks), qty: lots }, (m) => this.refusedByHost(m, () => {}), () => {});
  }

  // ---- the exchange's live messages ------------------------------------------------------------------

  /** A live message of the exchange (a quote, a report), told to the engine in FIX. */
  private live(m: VenueMessage): void {
    if (m.t === 'quote') {
      const reqId = this.subscriptions.get(m.symbol);
      if (reqId !== undefined) this.sendBook(reqId, m.symbol, m.bid, m.bidSize, m.ask, m.askSize);
      return;
    }
    if (m.t !== 'report') return;
    const r = m.r;
    const o = this.orders.get(r.clientId);
    const at = new Date(r.at);
    // The exchange names the order by its first ClOrdID; the engine hears its ClOrdID now.
    const id = o?.clOrdId ?? r.clientId;
    switch (r.type) {
      case 'order.accepted':
        if (o) this.send(MsgType.ExecutionReport, this.er(id, o, { ExecID: this.execId(), ExecType: ExecType.New, TransactTime: at }));
        return;
      case 'order.filled': {
        if (!o) return;
        o.cum += r.qty;
        o.notional = o.notional.plus(new Decimal(r.price).times(r.qty));
        const liquidity = r.liquidity === 'maker' ? '1' : r.liquidity === 'taker' ? '2' : undefined;
        this.send(
          MsgType.ExecutionReport,
          this.er(id, o, {
            ExecID: `${this.epoch}.${r.tradeId}`,
            ExecType: ExecType.Trade,
            LastQty: this.units.qty(o.symbol, r.qty),
            LastPx: r.price,
            TransactTime: at,
            ...(liquidity ? { LastLiquidityInd: liquidity } : {}),
          }),
        );
        return;
      }
      case 'order.canceled': {
        if (!o) return;
        const cancelId = o.cancelId;
        o.cancelId = undefined;
        this.send(MsgType.ExecutionReport, this.er(cancelId ?? id, o, { ExecID: this.execId(), ExecType: ExecType.Canceled, TransactTime: at, ...(cancelId ? { OrigClOrdID: id } : {}) }, OrdStatus.Canceled, r.filledQty));
        return;
      }
      case 'order.rejected':
        if (o) this.send(MsgType.ExecutionReport, this.er(id, o, { ExecID: this.execId(), ExecType: ExecType.Rejected, TransactTime: at, Text: r.reason }, OrdStatus.Rejected));
        return;
      case 'order.cancelRejected': {
        const cancelId = o?.cancelId ?? r.clientId;
        if (o) o.cancelId = undefined;
        const unknown = !o || o.orderId === 'NONE';
        this.send(MsgType.OrderCancelReject, {
          OrderID: o?.orderId ?? 'NONE',
          ClOrdID: cancelId,
          OrigClOrdID: id,
          OrdStatus: unknown ? OrdStatus.Rejected : this.ordStatus(o),
          CxlRejResponseTo: '1',
          CxlRejReason: unknown ? 1 : r.reason === 'order already filled or canceled' ? 0 : 99,
          Text: r.reason,
        });
        return;
      }
      case 'order.replaced': {
        const newId = o?.replaces?.shift();
        if (!o || newId === undefined) return;
        // The order goes on under the new ClOrdID; the old ones still name it.
        const oldId = o.clOrdId;
        o.clOrdId = newId;
        o.qty = r.qty;
        o.price = r.price;
        this.orders.set(newId, o);
        this.send(MsgType.ExecutionReport, this.er(newId, o, { ExecID: this.execId(), ExecType: ExecType.Replaced, OrigClOrdID: oldId, TransactTime: at }));
        return;
      }
      case 'order.replaceRejected': {
        const newId = o?.replaces?.shift();
        if (!o || newId === undefined) return;
        this.send(MsgType.OrderCancelReject, {
          OrderID: o.orderId,
          ClOrdID: newId,
          OrigClOrdID: o.clOrdId,
          OrdStatus: this.ordStatus(o),
          CxlRejResponseTo: '2',
          CxlRejReason: r.reason === 'order already filled or canceled' ? 0 : r.reason === 'unknown order' ? 1 : 99,
          Text: r.reason,
        });
        return;
      }
    }
  }

  private ordStatus(o: OrderInfo | undefined, cum = o?.cum ?? 0): string {
    if (!o) return OrdStatus.Rejected;
    if (cum >= o.qty) return OrdStatus.Filled;
    return cum > 0 ? OrdStatus.PartiallyFilled : OrdStatus.New;
  }

  /** An ExecutionReport body for an order, its quantities from what the venue told so far. */
  private er(clOrdId: string, o: OrderInfo, fields: FixObject, status?: string, cum = o.cum): FixObject {
    const avg = o.cum > 0 ? o.notional.div(o.cum) : new Decimal(0);
    const done = status === OrdStatus.Canceled || status === OrdStatus.Rejected;
    return {
      OrderID: o.orderId,
      ClOrdID: clOrdId,
      ...fields,
      OrdStatus: status ?? this.ordStatus(o, cum),
      Instrument: { Symbol: o.symbol },
      Side: sideToFix(o.side),
      OrderQtyData: { OrderQty: this.units.has(o.symbol) ? this.units.qty(o.symbol, o.qty) : String(o.qty) },
      OrdType: '2',
      Price: o.price,
      LeavesQty: done || !this.units.has(o.symbol) ? '0' : this.units.qty(o.symbol, Math.max(0, o.qty - cum)),
      CumQty: this.units.has(o.symbol) ? this.units.qty(o.symbol, cum) : String(cum),
      AvgPx: str(avg.toDecimalPlaces(12)),
    };
  }

  // ---- requests: status, positions, market data ----------------------------------------------------

  /** What VenueHost knows of these orders (a sync: ids it never received become void, as they must). */
  private known(ids: string[]): { orders: WireOrderState[]; open: string[]; positions: Record<string, number> } {
    let answer: { orders: WireOrderState[]; open: string[]; positions: Record<string, number> } = { orders: [], open: [], positions: {} };
    const reply: HostReply = (m) => {
      if (m.t === 'reply' && m.sync) answer = m.sync;
    };
    this.host.handle({ t: 'sync', id: ++this.nextId, clientIds: ids }, reply, () => this.host.setSink((m) => this.live(m)));
    return answer;
  }

  /** Any ClOrdID of an order's chain finds it (the answer names its ClOrdID now); another id is unknown, and void. */
  private status(clOrdId: string, reqId: string | null): void {
    const o = this.orders.get(clOrdId);
    const [state] = this.known([o && o.orderId !== 'NONE' ? o.hostId : clOrdId]).orders;
    if (state) this.sendState(state, reqId === null ? {} : { OrdStatusReqID: reqId }, o ? undefined : clOrdId);
  }

  private massStatus(reqId: string): void {
    const open = this.known([]).open;
    const states = this.known(open).orders;
    if (states.length === 0) {
      this.send(MsgType.ExecutionReport, {
        OrderID: 'NONE',
        ExecID: this.execId(),
        ExecType: ExecType.OrderStatus,
        OrdStatus: OrdStatus.Rejected,
        Instrument: { Symbol: 'NONE' },
        Side: '1',
        LeavesQty: '0',
        CumQty: '0',
        AvgPx: '0',
        MassStatusReqID: reqId,
        TotNumReports: 0,
        LastRptRequested: true,
        Text: 'no open orders',
      });
      return;
    }
    states.forEach((s, i) => this.sendState(s, { MassStatusReqID: reqId, TotNumReports: states.length, LastRptRequested: i === states.length - 1 }));
  }

  /**
   * One order's state: each fill as a Trade report (PossResend=Y), then its status (ExecType=I), under its ClOrdID
   * now (`asked` for an id this venue does not know).
   */
  private sendState(s: WireOrderState, tags: FixObject, asked?: string): void {
    const o = asked === undefined ? this.orders.get(s.clientId) : undefined;
    const symbol = s.symbol ?? o?.symbol ?? 'NONE';
    const side = s.side ?? o?.side ?? 1;
    const qty = s.qty ?? o?.qty ?? 0;
    const id = asked ?? o?.clOrdId ?? s.clientId;
    const info: OrderInfo = o ?? { symbol, side, qty, price: s.price ?? '0', orderId: 'NONE', cum: 0, notional: new Decimal(0), hostId: s.clientId, clOrdId: id };
    let cum = 0;
    let notional = new Decimal(0);
    for (const f of s.fills) {
      cum += f.qty;
      notional = notional.plus(new Decimal(f.price).times(f.qty));
      this.send(MsgType.ExecutionReport, {
        ...this.er(id, { ...info, cum, notional }, { ExecID: `${this.epoch}.${f.tradeId}`, ExecType: ExecType.Trade, LastQty: this.units.has(symbol) ? this.units.qty(symbol, f.qty) : String(f.qty), LastPx: f.price, TransactTime: new Date(f.at), StandardHeader: { PossResend: true }, ...tags }),
        ...(tags['TotNumReports'] !== undefined ? { LastRptRequested: false } : {}),
      });
    }
    const statusOf: Record<WireOrderState['status'], string> = {
      pending: OrdStatus.PendingNew,
      open: cum > 0 ? OrdStatus.PartiallyFilled : OrdStatus.New,
      filled: OrdStatus.Filled,
      canceled: OrdStatus.Canceled,
      rejected: OrdStatus.Rejected,
      unknown: OrdStatus.Rejected,
    };
    const unknown = s.status === 'unknown';
    this.send(MsgType.ExecutionReport, {
      ...this.er(id, { ...info, cum, notional, orderId: unknown ? 'NONE' : info.orderId }, { ExecID: this.execId(), ExecType: ExecType.OrderStatus, TransactTime: new Date(this.host.clock.now()), ...tags }, statusOf[s.status], cum),
      ...(unknown ? { OrdRejReason: 5, Text: 'unknown order' } : s.reason ? { Text: s.reason } : {}),
    });
  }

  private positions(reqId: string, account: string): void {
    const lots = this.known([]).positions;
    const symbols = this.units.symbols();
    const now = new Date(this.host.clock.now());
    const parties = { NoPartyIDs: [{ PartyID: account, PartyIDSource: 'D', PartyRole: 24 }] };
    this.send(MsgType.RequestForPositionsAck, { PosMaintRptID: `${this.epoch}.P${++this.nextId}`, PosReqID: reqId, TotalNumPosReports: symbols.length, PosReqResult: 0, PosReqStatus: 0, Parties: parties, Account: account, AccountType: 1 });
    for (const symbol of symbols) {
      const n = lots[symbol] ?? 0;
      this.send(MsgType.PositionReport, {
        PosMaintRptID: `${this.epoch}.P${++this.nextId}`,
        PosReqID: reqId,
        TotalNumPosReports: symbols.length,
        PosReqResult: 0,
        ClearingBusinessDate: businessDate(now.getTime()),
        Parties: parties,
        Account: account,
        AccountType: 1,
        Instrument: { Symbol: symbol },
        SettlPrice: '0',
        SettlPriceType: 1,
        PriorSettlPrice: '0',
        PositionQty: { NoPositions: [{ PosType: 'TOT', LongQty: this.units.qty(symbol, Math.max(0, n)), ShortQty: this.units.qty(symbol, Math.max(0, -n)) }] },
        PositionAmountData: { NoPosAmt: [{ PosAmtType: 'FMTM', PosAmt: '0' }] },
      });
    }
  }

  private marketData(view: FixView): void {
    const reqId = view.getString(Tag.MDReqID)!;
    const type = view.getString(263);
    // Symbol appears in this message only in its NoRelatedSym group.
    const symbols = (view.getStrings(Tag.Symbol) ?? []).filter((s): s is string => !!s);
    const unknown = symbols.filter((s) => !this.units.has(s));
    if (unknown.length > 0 || symbols.length === 0) {
      this.send(MsgType.MarketDataRequestReject, { MDReqID: reqId, MDReqRejReason: '0', Text: symbols.length === 0 ? 'no symbol requested' : `unknown symbol ${unknown.join(', ')}` });
      return;
    }
    for (const s of symbols) {
      if (type === '2') {
        this.subscriptions.delete(s);
        continue;
      }
      if (type === '1') this.subscriptions.set(s, reqId);
      const b = this.host.venue.book(s);
      if (b) this.sendBook(reqId, s, this.units.price(s, b.bid), b.bidSize, this.units.price(s, b.ask), b.askSize);
    }
  }

  private sendBook(reqId: string, symbol: string, bid: string, bidSize: number, ask: string, askSize: number): void {
    const entries: FixObject[] = [];
    if (bidSize > 0) entries.push({ MDEntryType: '0', MDEntryPx: bid, MDEntrySize: this.units.qty(symbol, bidSize) });
    if (askSize > 0) entries.push({ MDEntryType: '1', MDEntryPx: ask, MDEntrySize: this.units.qty(symbol, askSize) });
    this.send(MsgType.MarketDataSnapshotFullRefresh, { MDReqID: reqId, Instrument: { Symbol: symbol }, MDFullGrp: { NoMDEntries: entries.length > 0 ? entries : [{ MDEntryType: '0', MDEntryPx: '0', MDEntrySize: '0' }] } });
  }
}
