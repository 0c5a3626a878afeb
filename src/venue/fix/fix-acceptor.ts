import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Transform } from 'node:stream';
import { Decimal, str } from '../../domain/decimal.js';
import { BoundedMap } from '../../domain/bounded.js';
import { preview, type VenueMessage, type WireOrderState, type WireStats } from '../remote/protocol.js';
import { VenueHost } from '../remote/venue-host.js';
import type { SimVenueSpec } from '../simulated/simulated-venue.js';
import { FixCredentialsError } from './credentials.js';
import { ExecType, MsgType, OrdStatus, Tag, Units, businessDate, sideFromFix, sideToFix } from './fix-codec.js';
import { describeSession, sessionClass, sessionConfig, SessionRejectReason, type LegatoFixSession } from './fix-session.js';
import { loadJspurefix, type FixConfig, type FixObject, type FixTransport, type FixView, type Jspurefix } from './jspurefix.js';

/**
 * The simulated exchange behind a FIX 4.4 acceptor: the very VenueHost of `legato venue` (the exchange core,
 * its records, duplicates and voided ids), spoken to in FIX instead of JSON lines. Its market time moves with
 * real time × speed, and every message it sends carries that time in SendingTime (52), which the engine's
 * FollowerClock follows; when it has sent nothing for `timeMs` it sends a Heartbeat to move that clock.
 *
 * It answers NewOrderSingle, OrderCancelRequest, OrderCancelReplaceRequest (a replace at the exchange core, which
 * keeps or loses the queue position per docs/fill-model.md; the order goes on under the new ClOrdID, and any
 * ClOrdID of its chain names it in a cancel or a status request), OrderStatusRequest and OrderMassStatusRequest (status, with each
 * fill replayed as an ExecutionReport ExecType=F, PossResend=Y), RequestForPositions and MarketDataRequest
 * (top of book as MarketDataSnapshotFullRefresh). Hostile input ends at the session layer: a wrong CompID or
 * password gets a Logout naming it; an unknown MsgType, a missing required tag or a bad value gets a Reject;
 * bytes that are not FIX close that connection. The acceptor itself keeps serving.
 *
 * One counterparty, one session at a time: a Logon with the right CompIDs while that session is logged on is
 * refused (a Logout saying so), whatever its credentials, and the session logged on is untouched; a refused
 * connection writes nothing to the session store. An engine reconnecting while its old connection is not yet
 * seen gone is refused until it is (closed, or silent past the heartbeat), and logs on at its next attempt.
 */
export interface FixAcceptorOptions {
  spec: SimVenueSpec;
  /** Market time at the start (ms since the epoch). */
  start: number;
  /** Simulated seconds per real second. Default 60. */
  speed?: number;
  /** How often market time advances (real ms). Default 10. */
  tickMs?: number;
  /** Hold market time until the first engine has logged on. Default false. */
  waitForEngine?: boolean;
  /** Loopback port to listen on; 0 (the default) picks a free one (see `port`). */
  port?: number;
  host?: string;
  /** This side's CompID, and the engine's. Default LEGATO-VENUE and LEGATO. */
  senderCompId?: string;
  targetCompId?: string;
  /** When set, a Logon must carry it in Password (554). */
  password?: string;
  /** HeartBtInt this side asks for, seconds. Default 1. */
  heartbeatSeconds?: number;
  /** A Heartbeat (with the market time) after this much real time without any message. Default 100; 0 = off. */
  timeMs?: number;
  /** A connection that has not logged on after this long (real ms) is closed. Default 10000. */
  logonTimeoutMs?: number;
  /** Where the session store (sequence numbers, messages sent) lives; undefined = in memory. */
  storeDir?: string;
  /**
   * TLS (FIXS): this venue's certificate and key (PEM texts); with `ca`, an engine must present a client
   * certificate signed by it (mutual TLS). A handshake that fails closes that connection, logged; never a crash.
   */
  tls?: { cert: string; key: string; ca?: string };
  log?: (line: string) => void;
}

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

export class FixAcceptor {
  readonly host: VenueHost;
  private readonly units: Units;
  private readonly epoch = Date.now().toString(36);
  /** Every ClOrdID of an order's chain (its NewOrderSingle's and each confirmed replace's) → the order. */
  private readonly orders = new BoundedMap<string, OrderInfo>(50_000);
  private subscriptions = new Map<string, string>();
  private active: { session: LegatoFixSession; transport: FixTransport; socket: Socket; since: number } | null = null;
  /** Where the last session's numbering ended: the next number it would send, the last it received. */
  private last = { nextOut: 0, lastIn: 0 };
  private readonly pending: Socket[] = [];
  private timer: NodeJS.Timeout | null = null;
  private clockStarted = false;
  private lastSent = 0;
  private nextTransport = 0;
  private nextExec = 0;
  private nextId = 0;
  private frozen = false;
  private dropping = 0;
  private readonly sockets = new Set<Socket>();
  /** Sessions that ended, and how (for tests and logs): the last KEEP_ENDED. */
  readonly ended: { at: number; error?: string }[] = [];
  /** Logons refused, with the reason: the last KEEP_ENDED (a peer may try for ever). */
  readonly refused: string[] = [];
  /** Messages received from engines, by MsgType (a ResendRequest is '2', a Reject '3'). */
  readonly received = new Map<string, number>();
  /** The DontKnowTrade messages (35=Q) engines sent: the ExecID, DKReason (127) and Text. */
  readonly dontKnow: { execId: string; reason: string; text: string }[] = [];
  private readonly Session: ReturnType<typeof sessionClass>;

  private constructor(
    private readonly fix: Jspurefix,
    private readonly options: FixAcceptorOptions,
    private readonly config: FixConfig,
    private readonly server: Server,
  ) {
    this.host = new VenueHost(options.spec, options.start);
    this.units = new Units(this.host.venue.instruments());
    this.Session = sessionClass(fix);
    server.on(options.tls ? 'secureConnection' : 'connection', (socket: Socket) => this.accept(socket));
    server.on('error', (e) => this.log(`server error: ${e.message}`));
    // A client that fails the handshake (its CA is not ours, no client certificate, not TLS at all).
    server.on('tlsClientError', (e: Error) => this.log(`a TLS handshake failed: ${e.message}`));
  }

  static async start(options: FixAcceptorOptions): Promise<FixAcceptor> {
    const fix = await loadJspurefix();
    const description = describeSession({
      name: 'legato-venue',
      type: 'acceptor',
      dictionary: fix.dictionary44,
      senderCompId: options.senderCompId ?? 'LEGATO-VENUE',
      targetCompId: options.targetCompId ?? 'LEGATO',
      heartbeatSeconds: options.heartbeatSeconds ?? 1,
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 0,
      storeDir: options.storeDir,
    });
    const config = await sessionConfig(fix, description, options.storeDir);
    const t = options.tls;
    let server: Server;
    try {
      server = t ? createTlsServer({ cert: t.cert, key: t.key, ...(t.ca !== undefined ? { ca: t.ca, requestCert: true, rejectUnauthorized: true } : {}) }) : createServer();
    } catch (e) {
      // PEM text that is not a certificate and its key (a key of another certificate, a damaged file).
      throw new FixCredentialsError(`the venue's TLS certificate and key cannot be used: ${(e as Error).message}`);
    }
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const acceptor = new FixAcceptor(fix, options, config, server);
    if (!options.waitForEngine) acceptor.startClock();
    return acceptor;
  }

  /** The port it listens on (on 127.0.0.1 unless `host` said otherwise). */
  get port(): number {
    const a = this.server.address();
    return typeof a === 'object' && a ? a.port : 0;
  }

  /** Whether an engine is logged on now. */
  get connected(): boolean {
    return this.active?.session.ready ?? false;
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  private startClock(): void {
    if (this.clockStarted) return;
    this.clockStarted = true;
    const speed = this.options.speed ?? 60;
    let wall0 = performance.now();
    let sim0 = this.host.clock.now();
    const tick = (): void => {
      if (this.frozen) {
        // A frozen venue's time resumes where it stopped.
        wall0 = performance.now();
        sim0 = this.host.clock.now();
        return;
      }
      try {
        this.host.clock.runUntil(sim0 + (performance.now() - wall0) * speed);
      } catch (e) {
        this.log(`the market failed: ${(e as Error).message}`);
      }
      const a = this.active;
      if (a) {
        a.transport.transmitter.time = new Date(this.host.clock.now());
        const every = this.options.timeMs ?? 100;
        if (every > 0 && a.session.ready && performance.now() - this.lastSent >= every) {
          this.lastSent = performance.now();
          a.session.heartbeatNow();
        }
      }
    };
    this.timer = setInterval(tick, this.options.tickMs ?? 10);
  }

  // ---- connections ---------------------------------------------------------------------------------

  private accept(socket: Socket): void {
    socket.on('error', () => {}); // a connection's errors end that connection, never the process
    if (!this.available) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    if (this.frozen) {
      this.pending.push(socket);
      return;
    }
    this.serve(socket);
  }

  private serve(socket: Socket): void {
    if (socket.destroyed) return;
    // Reports are small: Nagle's algorithm would hold each until the previous one is acknowledged.
    socket.setNoDelay(true);
    const id = ++this.nextTransport;
    const config = this.fix.makeSessionScope(this.config);
    const transport = new this.fix.MsgTransport(id, config, new this.fix.TcpDuplex(socket));
    // Outbound bytes pass a filter: a test may drop the next messages (a sequence gap) or freeze the venue.
    const encode = transport.transmitter.encodeStream as unknown as Transform;
    encode.unpipe(socket);
    encode
      .pipe(
        new Transform({
          transform: (chunk: Buffer, _enc, done) => {
            if (this.frozen) return done();
            if (this.dropping > 0 && (this.dropType === undefined || chunk.includes(`\x0135=${this.dropType}\x01`))) {
              this.dropping--;
              return done();
            }
            done(null, chunk);
          },
        }),
      )
      .pipe(socket);
    transport.transmitter.time = new Date(this.host.clock.now());
    const session: LegatoFixSession = new this.Session(config, {
      checkLogon: (view, _user, password) => {
        const why = this.checkLogon(view, password);
        // It read the store when it connected; a session that ended since may have numbered past that. Continued
        // before the Logon's own number is judged, so a Logon below where that session ended is refused as too low.
        if (why === undefined) session.continueFrom(this.last.nextOut, this.last.lastIn);
        return why;
      },
      onMessage: (msgType) => this.received.set(msgType, (this.received.get(msgType) ?? 0) + 1),
      onReady: () => this.ready(session, transport, socket),
      onApplication: (msgType, view) => this.onApplication(session, msgType, view),
      onStopped: (error) => this.stopped(session, error),
      keep: (msgType) => msgType !== MsgType.MarketDataSnapshotFullRefresh,
    });
    session.run(transport).catch(() => {});
    // jspurefix waits for a Logon for ever: a connection that sends none (or bytes that never make a message)
    // is closed after the logon timeout.
    const timer = setTimeout(() => {
      if (!session.ready && !socket.destroyed) {
        keepLast(this.refused, 'no Logon within the logon timeout');
        session.kill('no Logon within the logon timeout');
        socket.destroy();
      }
    }, this.options.logonTimeoutMs ?? 10_000);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  }

  private checkLogon(view: FixView, password: string | null): string | undefined {
    const d = this.config.description;
    const sender = view.getString(Tag.SenderCompID);
    const target = view.getString(Tag.TargetCompID);
    let why: string | undefined;
    if (sender !== d.TargetCompID) why = `unknown SenderCompID ${preview(sender)}: this venue serves ${d.TargetCompID}`;
    else if (target !== d.SenderCompId) why = `wrong TargetCompID ${preview(target)}: this venue is ${d.SenderCompId}`;
    else if (this.options.password !== undefined && password !== this.options.password) why = 'wrong password';
    else if (this.active?.session.ready) {
      why = `${d.TargetCompID} is already logged on to ${d.SenderCompId} (since ${new Date(this.active.since).toISOString()}): one session at a time`;
    }
    if (why) {
      keepLast(this.refused, why);
      this.log(`logon refused: ${why}`);
    }
    return why;
  }

  private ready(session: LegatoFixSession, transport: FixTransport, socket: Socket): void {
    this.active = { session, transport, socket, since: Date.now() };
    this.subscriptions = new Map();
    this.lastSent = performance.now();
    // The engine is attached to the exchange's live messages (VenueHost sends them only after a sync).
    this.host.handle({ t: 'sync', id: ++this.nextId, clientIds: [] }, () => {}, () => this.host.setSink((m) => this.live(m)));
    this.startClock();
    this.log('an engine logged on');
  }

  private stopped(session: LegatoFixSession, error: Error | undefined): void {
    keepLast(this.ended, { at: this.host.clock.now(), ...(error ? { error: error.message.slice(0, 500) } : {}) });
    if (this.active?.session !== session) return;
    const n = this.active.session.sequences();
    this.last = { nextOut: Math.max(this.last.nextOut, this.active.transport.transmitter.msgSeqNum), lastIn: Math.max(this.last.lastIn, n.lastIn) };
    this.active = null;
    this.host.setSink(null);
    this.log(`the engine's session ended${error ? `: ${error.message}` : ''}; the venue keeps trading`);
  }

  // ---- test hooks ----------------------------------------------------------------------------------

  /**
   * The next `n` messages to the engine (of `msgType` only, when given) are sent (numbered, kept for resends)
   * but never reach it: a sequence gap.
   */
  dropOutbound(n: number, msgType?: string): void {
    this.dropping = n;
    this.dropType = msgType;
  }

  private dropType: string | undefined;

  /**
   * The next `n` application messages of `msgType` from the engine are received (in sequence: no gap, no reject) and
   * never acted on or answered, as by a gateway that lost them inside: a silence only the engine's own chase finds.
   */
  swallowInbound(msgType: string, n = 1): void {
    this.swallowing.set(msgType, n);
  }

  private readonly swallowing = new Map<string, number>();

  /** Sends the last `n` application messages again with PossDupFlag=Y, as a resend would. */
  resendLast(n: number): void {
    this.active?.session.replayLast(n);
  }

  /** Sends any application message to the engine (hostile-input tests). */
  sendRaw(msgType: string, body: FixObject): void {
    this.send(msgType, body);
  }

  /** Writes raw bytes to the engine's socket, past the FIX layer (a garbled stream). */
  writeRaw(bytes: string): void {
    this.active?.socket.write(bytes);
  }

  /** Stops everything, as SIGSTOP would: no time, no message in or out, no timer; connections wait. */
  freeze(): void {
    this.frozen = true;
    this.active?.socket.pause();
    this.active?.session.stopTimer();
  }

  /** Resumes after `freeze()`: the frozen connection is read again (to its end) and waiting ones are served. */
  thaw(): void {
    this.frozen = false;
    const a = this.active;
    if (a) {
      a.socket.resume();
      // Its timers are gone: a frozen session cannot be trusted, the engine has given it up or will.
      a.session.kill('the venue was frozen');
      a.socket.destroy();
    }
    for (const s of this.pending.splice(0)) this.serve(s);
  }

  private available = true;

  /** An outage: the engine's connection is dropped and new ones are closed at once until `setAvailable(true)`. */
  setAvailable(available: boolean): void {
    this.available = available;
    if (!available) this.disconnect();
  }

  /**
   * The venue's own account (the `stats` of the JSON-lines venue: orders received, duplicates, ids refused as
   * void, every order with its fills, open orders, positions), with each fill's trade id as the ExecID this
   * venue sent for it: what an engine over FIX journals.
   */
  stats(): WireStats {
    const s = this.host.stats();
    return { ...s, orders: s.orders.map((o) => ({ ...o, fills: o.fills.map((f) => ({ ...f, tradeId: `${this.epoch}.${f.tradeId}` })) })) };
  }

  /**
   * The engine session's sequence numbers: the next this side sends, the last it received; with no engine logged
   * on, where the last session ended (0 and 0 before any).
   */
  sequences(): { nextOut: number; lastIn: number } | undefined {
    return this.active?.session.sequences() ?? { ...this.last };
  }

  /**
   * Test hook: the next session starts as if `n` more messages had come from the engine than did (what the venue
   * sees when the engine's store lost its last write in a kill): the engine's next Logon is too low.
   */
  assumeReceived(n: number): void {
    this.last = { ...this.last, lastIn: this.last.lastIn + n };
  }

  /** Drops the engine's connection (no Logout). */
  disconnect(): void {
    const a = this.active;
    a?.session.kill('the venue dropped the connection');
    a?.socket.destroy();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.host.setSink(null);
    this.host.venue.stop();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- the engine's messages -------------------------------------------------------------------------

  private send(msgType: string, body: FixObject): void {
    const a = this.active;
    if (!a || !a.session.ready) return;
    a.transport.transmitter.time = new Date(this.host.clock.now());
    this.lastSent = performance.now();
    a.session.sendApp(msgType, body);
  }

  private onApplication(session: LegatoFixSession, msgType: string, view: FixView): void {
    if (session !== this.active?.session) return;
    // A request the gateway lost inside (test hook `swallowInbound`): received in sequence, never acted on, never answered.
    const swallow = this.swallowing.get(msgType) ?? 0;
    if (swallow > 0) {
      this.swallowing.set(msgType, swallow - 1);
      return;
    }
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

/** How many ended sessions and refused logons an acceptor remembers. */
const KEEP_ENDED = 100;

/** Appends to a list that keeps only its last KEEP_ENDED entries. */
function keepLast<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > KEEP_ENDED) list.splice(0, list.length - KEEP_ENDED);
}
