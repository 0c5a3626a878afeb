import { appendFileSync, mkdirSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { Subject } from 'rxjs';
import { Broadcast } from '../broadcast.js';
import type { Clock } from '../../clock/clock.js';
import { FollowerClock } from '../../clock/follower-clock.js';
import { WallClock } from '../../clock/wall-clock.js';
import { BoundedMap, BoundedSet } from '../../domain/bounded.js';
import type { CalendarSpec } from '../../domain/session-calendar.js';
import type { OrderChange, OrderCommand, VenueReport } from '../../domain/orders.js';
import type { LegQuote } from '../../domain/quote.js';
import type { InstrumentInfo, Venue, VenueSync } from '../venue.js';
import {
  ExecType,
  MsgType,
  OrdStatus,
  Tag,
  Units,
  cancelRejectReason,
  isOpenStatus,
  mapExecutionReport,
  parseUtcTimestamp,
  sideFromFix,
  sideToFix,
} from './fix-codec.js';
import type { FixTls } from './credentials.js';
import { FixSequenceError, FixTlsError, FixVenueError } from './fix-errors.js';
import { readOrderStore, type OrderStore } from './order-store.js';
import { FixRequests, orderState, type FieldsAndMore, type OrderInfo, type StatusAnswer } from './fix-requests.js';
import { describeSession, sessionClass, sessionConfig, SessionRejectReason, type LegatoFixSession } from './fix-session.js';
import { loadJspurefix, type FixConfig, type FixObject, type FixView, type Jspurefix } from './jspurefix.js';

/**
 * A FIX venue as a config describes it (`venue.kind: fix`), resolved: where `legato run` connects and how. The
 * CompIDs and secrets are not here (see credentials.ts). The instruments are the legs' (tick and lot sizes).
 */
export interface FixVenueSpec {
  kind: 'fix';
  /** A real venue has no seed: always 0 (summaries keep their shape). */
  seed: number;
  /** A real venue's latency is its own: never set. */
  latencyMs?: undefined;
  host: string;
  port: number;
  heartbeatSeconds: number;
  /** The session store; undefined: `fix` in the run's data directory. */
  storeDir?: string;
  clock: 'wall' | 'venue';
  calendar: CalendarSpec;
  instruments: { symbol: string; tickSize: string; lotSize: string }[];
  account?: string;
  marketData: boolean;
  positions: boolean;
}

export { FixSequenceError, FixTlsError, FixVenueError };

/** Whether a socket error is about TLS (a certificate or the handshake), not about reaching the host. */
function isTlsFailure(e: NodeJS.ErrnoException): boolean {
  const code = e.code ?? '';
  return code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || /CERT|SIGNATURE|ISSUER/.test(code) || /\b(ssl|tls|certificate|handshake)\b/i.test(e.message);
}

/** A Logon refused as "MsgSeqNum too low, expecting N" (QuickFIX's wording, and the acceptor's): N, else undefined. */
export function expectedSeqNum(logoutText: string | null): number | undefined {
  const m = /MsgSeqNum too low, expecting (\d{1,15})\b/i.exec(logoutText ?? '');
  return m ? Number(m[1]) : undefined;
}

/** One logon attempt refused as too low: the number the counterparty expects, above the one our Logon carried. */
class LogonTooLow extends FixVenueError {
  constructor(
    message: string,
    readonly expected: number,
  ) {
    super(message);
  }
}

export interface FixVenueOptions {
  /** The counterparty's FIX gateway. */
  host: string;
  port: number;
  /** Our CompID (49 on what we send) and the counterparty's (56). */
  senderCompId: string;
  targetCompId: string;
  /** Logon credentials (553, 554), when the counterparty asks for them. Never put them in the config file. */
  username?: string;
  password?: string;
  /** HeartBtInt we ask for, seconds. Default 30. A counterparty silent for 2.5 × it is lost. */
  heartbeatSeconds?: number;
  /**
   * The directory of the session store (sequence numbers and messages sent, QuickFIX's file format) and of
   * `orders.jsonl` (each order's symbol, side and size, for cancels and status requests after a restart).
   * Without it everything is in memory and a restart starts the session over (the counterparty will refuse).
   */
  storeDir?: string;
  /** The instruments traded, with their tick and lot sizes (the counterparty's price and quantity units). */
  instruments: readonly InstrumentInfo[];
  /**
   * `venue` (default): the engine's clock follows the counterparty's SendingTime (52), standing still
   * between messages: for a simulated venue (the FIX acceptor) whose market time is not the wall's.
   * `wall`: the engine runs on the wall clock (a real broker).
   */
  clock?: 'venue' | 'wall';
  /** Reconnect after a lost session, with backoff (wall time). Default false. */
  reconnect?: boolean;
  /** First and largest wait between reconnection attempts, ms. Default 200 and 5000. */
  backoffMs?: { first: number; max: number };
  /** How long to wait for the counterparty's Logon, and for a sync's answers, ms. Default 10000. */
  timeoutMs?: number;
  /** Account (1) and party for RequestForPositions. Default LEGATO. */
  account?: string;
  /** Ask for positions at a sync (RequestForPositions). Default true; without it positions come back empty. */
  positions?: boolean;
  /** Subscribe to top-of-book market data for every instrument at logon. Default true. */
  marketData?: boolean;
  /** A name for logs and the engine's summary. Default `fix <host>:<port>`. */
  name?: string;
  /**
   * TLS (FIXS) to the gateway: the PEM texts and checks (fixCredentials reads them from LEGATO_FIX_TLS_* or the
   * credentials file). Absent: plain TCP.
   */
  tls?: FixTls;
  /** Where it says what it did on its own (a Logon refused as "MsgSeqNum too low" and resumed). Default: nowhere. */
  log?: (line: string) => void;
}

/** The connection's state, as RemoteVenue's: `reconciling` until the engine says it agrees again. */
export type FixConnectionState = 'connected' | 'disconnected' | 'reconnecting' | 'reconciling';

/**
 * A FIX 4.4 counterparty behind the Venue port, on jspurefix (loaded when the first FixVenue connects). Orders
 * are NewOrderSingle (limit, day), cancels OrderCancelRequest, `replace` OrderCancelReplaceRequest;
 * ExecutionReports and OrderCancelRejects become venue reports (mapExecutionReport). An order keeps one id on the
 * port: its NewOrderSingle's ClOrdID. Each replace goes out under a new ClOrdID (`<id>~r<n>`, OrigClOrdID the one
 * the counterparty has now), written to orders.jsonl before it is sent, and every report on any ClOrdID of the
 * chain is told under the one id; a restart's status request asks by the newest ClOrdID first (docs/fix.md). A lost session is a
 * state (status$, state$), never a crash: what is sent meanwhile is rejected at once, and with `reconnect`
 * it logs on again with backoff, resuming its sequence numbers from the store (the session layer then
 * resends what either side missed), and holds every live message until `onReconnected` (the durable
 * engine's reconciliation through `sync`) has run.
 */
export class FixVenue implements Venue {
  readonly name: string;
  readonly quotes$ = new Broadcast<LegQuote>();
  readonly reports$ = new Subject<VenueReport>();
  readonly status$ = new Subject<{ connected: boolean; at: number }>();
  readonly state$ = new Subject<{ state: FixConnectionState; at: number; detail?: string }>();
  /** Run after a reconnection, before any live message is delivered (DurableEngine sets it). */
  onReconnected: (() => Promise<void>) | undefined = undefined;
  /** Counts for checks: duplicate reports dropped, messages rejected, quotes off the grid. */
  readonly counts = { duplicates: 0, rejected: 0, badQuotes: 0, logons: 0, sequenceResumes: 0, dontKnow: 0, storeLinesSkipped: 0 };
  /** Why reconnection stopped for good (a FixSequenceError), else undefined. */
  failure: FixVenueError | undefined = undefined;

  private readonly units: Units;
  private readonly orders = new BoundedMap<string, OrderInfo>(50_000);
  private readonly cancelIds = new BoundedMap<string, string>(50_000);
  /** A replace's ClOrdID → the order's one id. */
  private readonly chain = new BoundedMap<string, string>(50_000);
  /** Per replaced order: the ClOrdID the counterparty confirmed last, and every replace ClOrdID sent, oldest first. */
  private readonly versions = new BoundedMap<string, { current: string; sent: string[] }>(50_000);
  private readonly sentSeq = new BoundedMap<number, { msgType: string; clientId: string }>(10_000);
  private readonly execIds = new BoundedSet<string>(100_000);
  private session: LegatoFixSession | null = null;
  private socket: Socket | null = null;
  private connected = false;
  private stopped = false;
  private stateNow: FixConnectionState = 'disconnected';
  private held: (() => void)[] | null = null;
  private syncing = 0;
  private retry: NodeJS.Timeout | undefined;
  private attempts = 0;
  private nextReq = 0;
  private follower: FollowerClock | undefined;
  private readonly wall = new WallClock();
  private readonly requests: FixRequests;
  private readonly Session: ReturnType<typeof sessionClass>;
  private readonly ordersFile: string | undefined;

  private constructor(
    private readonly fix: Jspurefix,
    private readonly config: FixConfig,
    private readonly options: FixVenueOptions,
  ) {
    this.name = options.name ?? `fix ${options.host}:${options.port}`;
    this.units = new Units(options.instruments);
    this.requests = new FixRequests({
      units: this.units,
      account: options.account ?? 'LEGATO',
      now: () => this.now(),
      nextId: () => ++this.nextReq,
      send: (msgType, body) => this.session!.sendApp(msgType, body),
      orderOf: (clientId) => this.orders.get(clientId),
    });
    this.Session = sessionClass(fix);
    if (options.storeDir !== undefined) {
      mkdirSync(options.storeDir, { recursive: true });
      this.ordersFile = join(options.storeDir, 'orders.jsonl');
      this.loadOrders();
    }
  }

  /** Loads jspurefix, connects and logs on (or throws FixVenueError / FixUnavailableError). */
  static async connect(options: FixVenueOptions): Promise<FixVenue> {
    const fix = await loadJspurefix();
    const description = describeSession({
      name: options.name ?? 'legato',
      type: 'initiator',
      dictionary: fix.dictionary44,
      senderCompId: options.senderCompId,
      targetCompId: options.targetCompId,
      ...(options.username !== undefined ? { username: options.username } : {}),
      ...(options.password !== undefined ? { password: options.password } : {}),
      heartbeatSeconds: options.heartbeatSeconds ?? 30,
      host: options.host,
      port: options.port,
      storeDir: options.storeDir,
    });
    const config = await sessionConfig(fix, description, options.storeDir);
    const venue = new FixVenue(fix, config, options);
    await venue.logOn();
    venue.connected = true;
    venue.setState('connected');
    return venue;
  }

  /** The engine's clock: the counterparty's time (SendingTime) or the wall's, per `options.clock`. */
  get clock(): Clock {
    if (this.options.clock === 'wall') return this.wall;
    return (this.follower ??= new FollowerClock(Date.now()));
  }

  get state(): FixConnectionState {
    return this.stateNow;
  }

  instruments(): readonly InstrumentInfo[] {
    return this.options.instruments;
  }

  start(): void {}

  /** Logs out and closes for good (no reconnection). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.connected = false;
    if (this.retry) clearTimeout(this.retry);
    const s = this.session;
    const socket = this.socket;
    if (s?.ready) {
      s.logout();
      setTimeout(() => socket?.destroy(), 500).unref();
    } else socket?.destroy();
    this.failWaits('the venue was stopped');
  }

  /** Test hook: the process dies (no Logout, no reconnection); the store keeps what it had written. */
  crash(): void {
    this.stopped = true;
    this.connected = false;
    if (this.retry) clearTimeout(this.retry);
    this.session?.stopTimer();
    this.socket?.destroy();
    this.failWaits('the engine crashed');
  }

  /** The session's sequence numbers: the next this side sends, the last it received. */
  sequences(): { nextOut: number; lastIn: number } | undefined {
    return this.session?.sequences();
  }

  isConnected(): boolean {
    return this.connected;
  }

  private now(): number {
    return this.clock.now();
  }

  submit(order: OrderCommand): void {
    if (!this.units.has(order.symbol)) return this.reports$.next({ type: 'order.rejected', clientId: order.clientId, reason: `unknown symbol ${order.symbol}`, at: this.now() });
    if (!this.connected || !this.session?.ready) return this.reports$.next({ type: 'order.rejected', clientId: order.clientId, reason: 'disconnected', at: this.now() });
    this.remember(order.clientId, { symbol: order.symbol, side: order.side, qty: order.qty }, true);
    this.sendTracked(MsgType.NewOrderSingle, order.clientId, {
      ClOrdID: order.clientId,
      Instrument: { Symbol: order.symbol },
      Side: sideToFix(order.side),
      TransactTime: new Date(this.now()),
      OrderQtyData: { OrderQty: this.units.qty(order.symbol, order.qty) },
      OrdType: '2',
      Price: this.units.price(order.symbol, order.price),
      TimeInForce: '0',
    });
  }

  cancel(clientId: string): void {
    if (!this.connected || !this.session?.ready) return this.reports$.next({ type: 'order.cancelRejected', clientId, reason: 'disconnected', at: this.now() });
    const o = this.orders.get(clientId);
    if (!o) return this.reports$.next({ type: 'order.cancelRejected', clientId, reason: 'unknown order (this session never sent it)', at: this.now() });
    const cancelId = `${clientId}~x${++this.nextReq}`;
    this.cancelIds.set(cancelId, clientId);
    this.sendTracked(MsgType.OrderCancelRequest, clientId, {
      OrigClOrdID: this.clOrdIdOf(clientId),
      ClOrdID: cancelId,
      Instrument: { Symbol: o.symbol },
      Side: sideToFix(o.side),
      TransactTime: new Date(this.now()),
      OrderQtyData: { OrderQty: this.units.qty(o.symbol, o.qty) },
    });
  }

  /**
   * Changes a working order's price (and size: `change.qty`, its new total lots) in one OrderCancelReplaceRequest.
   * The replace goes out under the next ClOrdID of the order's chain (`<id>~r<n>`), written to orders.jsonl first;
   * the answer comes as `order.replaced` (ExecType=5) or `order.replaceRejected` (OrderCancelReject with
   * CxlRejResponseTo=2), under the order's one id.
   */
  replace(clientId: string, change: OrderChange): void {
    const o = this.orders.get(clientId);
    if (!this.connected || !this.session?.ready || !o) {
      return this.reports$.next({ type: 'order.replaceRejected', clientId, reason: o ? 'disconnected' : 'unknown order (this session never sent it)', at: this.now() });
    }
    const v = this.versionsOf(clientId);
    const newId = `${clientId}~r${v.sent.length + 1}`;
    v.sent.push(newId);
    this.chain.set(newId, clientId);
    if (this.ordersFile) appendFileSync(this.ordersFile, JSON.stringify({ r: newId, b: clientId }) + '\n');
    this.sendTracked(MsgType.OrderCancelReplaceRequest, clientId, {
      OrigClOrdID: v.current,
      ClOrdID: newId,
      Instrument: { Symbol: o.symbol },
      Side: sideToFix(o.side),
      TransactTime: new Date(this.now()),
      OrderQtyData: { OrderQty: this.units.qty(o.symbol, change.qty ?? o.qty) },
      OrdType: '2',
      Price: this.units.price(o.symbol, change.price),
      TimeInForce: '0',
    });
  }

  /** The order's one id for a ClOrdID of its chain (a foreign or unknown ClOrdID is its own). */
  private idOf(clOrdId: string): string {
    return this.chain.get(clOrdId) ?? clOrdId;
  }

  /** The ClOrdID the counterparty has for an order now. */
  private clOrdIdOf(clientId: string): string {
    return this.versions.get(clientId)?.current ?? clientId;
  }

  private versionsOf(clientId: string): { current: string; sent: string[] } {
    let v = this.versions.get(clientId);
    if (!v) this.versions.set(clientId, (v = { current: clientId, sent: [] }));
    return v;
  }

  /** The counterparty has the order under `clOrdId` now (a Replaced report, a status answer): kept, and written. */
  private confirm(clientId: string, clOrdId: string, qty: number | undefined): void {
    const v = this.versionsOf(clientId);
    const o = this.orders.get(clientId);
    if (o && qty !== undefined) this.orders.set(clientId, { ...o, qty });
    if (v.current === clOrdId) return;
    v.current = clOrdId;
    if (this.ordersFile) appendFileSync(this.ordersFile, JSON.stringify({ k: clOrdId, b: clientId, ...(qty !== undefined ? { q: qty } : {}) }) + '\n');
  }

  /**
   * Reconciliation: OrderMassStatusRequest (every order open there), an OrderStatusRequest per id (its status,
   * filled lots and fills: the counterparty replays each fill as an ExecutionReport ExecType=F; what CumQty
   * shows beyond them becomes one fill at the average price, docs/fix.md), and RequestForPositions.
   * Live messages that arrive meanwhile are delivered after the caller has run on the answer.
   */
  async sync(clientIds: readonly string[]): Promise<VenueSync> {
    if (!this.connected || !this.session?.ready) throw new FixVenueError(`${this.name}: not connected`);
    this.syncing++;
    this.held ??= [];
    try {
      const timeout = this.options.timeoutMs ?? 10_000;
      const within = <T>(p: Promise<T>, what: string): Promise<T> =>
        Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new FixVenueError(`${this.name}: no answer to the ${what} within ${timeout} ms`)), timeout).unref())]);
      const mass = within(this.requests.massStatus(), 'OrderMassStatusRequest');
      const statuses = clientIds.map((id) => within(this.statusOfChain(id), `OrderStatusRequest of ${id}`));
      const positions = this.options.positions === false ? Promise.resolve(null) : within(this.requests.positions(), 'RequestForPositions');
      const [open, states, lots] = await Promise.all([mass, Promise.all(statuses), positions]);
      const now = this.now();
      const orders = states.map((s, i) => orderState(clientIds[i]!, s.view, s.fills, { known: this.orders.get(clientIds[i]!), units: this.units, instruments: this.options.instruments, now }));
      const openIds = open.filter((r) => r.ordStatus !== null && isOpenStatus(r.ordStatus) && r.clOrdId).map((r) => this.idOf(r.clOrdId!));
      return { now, orders, open: openIds, positions: lots ?? {} };
    } finally {
      this.syncing--;
      if (this.syncing === 0 && this.stateNow !== 'reconciling') this.releaseSoon();
    }
  }

  // ---- the session ---------------------------------------------------------------------------------

  /**
   * Logs on; a Logon refused as "MsgSeqNum too low, expecting N" (our store behind what the counterparty received:
   * a kill between a send and its store write, a store restored from a backup) is tried once more from N. The
   * messages we may have sent with the numbers skipped are found by the reconciliation after logon
   * (OrderMassStatusRequest, OrderStatusRequest per order): orders are written to orders.jsonl before they are sent.
   * Refused as too low again: FixSequenceError, no loop.
   */
  private async logOn(): Promise<void> {
    try {
      await this.open();
      return;
    } catch (e) {
      if (!(e instanceof LogonTooLow)) throw e;
      this.resumeFrom = e.expected;
      this.counts.sequenceResumes++;
      const note = `MsgSeqNum too low: the venue expects ${e.expected}, resuming from it`;
      this.options.log?.(`${this.name}: logon refused (${e.message.replace(/^.*logon refused: /, '')}); resuming the outgoing sequence numbers from ${e.expected} and logging on again`);
      this.setState('reconnecting', note);
    }
    try {
      await this.open();
    } catch (e) {
      if (e instanceof FixVenueError && expectedSeqNum(e.message) !== undefined) throw new FixSequenceError(`${this.name}: logon refused as MsgSeqNum too low again after resuming from ${this.resumeFrom}: ${e.message.replace(/^.*logon refused: /, '')}`);
      throw e;
    } finally {
      this.resumeFrom = undefined;
    }
  }

  /** The number the next Logon goes with, when the counterparty asked for more than the store holds. */
  private resumeFrom: number | undefined;

  /** One connection and logon: resolves once logged on, rejects on refusal, a closed socket or the timeout. */
  private open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const o = this.options;
      let settled = false;
      const fail = (e: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        reject(e);
      };
      const timer = setTimeout(() => fail(new FixVenueError(`${this.name}: no Logon answer within ${o.timeoutMs ?? 10_000} ms`)), o.timeoutMs ?? 10_000);
      const socket: Socket = o.tls ? this.tlsSocket(o.tls) : netConnect({ host: o.host, port: o.port });
      let logoutText: string | null = null;
      let logonSeq = 0;
      // A "too low" naming a number above our Logon's is followed once (logOn); any other refusal is not.
      const refusal = (message: string): FixVenueError => {
        const expected = expectedSeqNum(logoutText);
        return expected !== undefined && expected > logonSeq ? new LogonTooLow(message, expected) : new FixVenueError(message);
      };
      socket.on('error', (e: NodeJS.ErrnoException) =>
        fail(
          o.tls && isTlsFailure(e)
            ? new FixTlsError(`${this.name}: TLS with the FIX venue at ${o.host}:${o.port} failed: ${e.message}${e.code ? ` (${e.code})` : ''}`)
            : new FixVenueError(`cannot reach the FIX venue at ${o.host}:${o.port}: ${e.message}`),
        ),
      );
      socket.once(o.tls ? 'secureConnect' : 'connect', () => {
        if (o.tls && !(socket as TLSSocket).authorized) {
          // Only with rejectUnauthorized false (else the handshake failed): said each time, as it is a test setting.
          o.log?.(`${this.name}: TLS peer certificate NOT verified (${String((socket as TLSSocket).authorizationError)}): LEGATO_FIX_TLS_REJECT_UNAUTHORIZED is off`);
        }
        socket.setNoDelay(true);
        const config = this.fix.makeSessionScope(this.config);
        const transport = new this.fix.MsgTransport(0, config, new this.fix.TcpDuplex(socket));
        const session: LegatoFixSession = new this.Session(config, {
          onMessage: (msgType, view) => {
            if (msgType === MsgType.Logout) {
              logoutText = view.getString(Tag.Text);
              // Nothing but the Logon is sent before the logon completes: it carried the number before the next.
              logonSeq = session.sequences().nextOut - 1;
            }
            this.onMessage(session, msgType, view);
          },
          onApplication: (msgType, view) => this.onApplication(session, msgType, view),
          onReady: () => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            this.session = session;
            this.socket = socket;
            this.counts.logons++;
            if (o.marketData !== false) this.subscribe(session);
            resolve();
          },
          onStopped: (error) => {
            if (!settled) fail(refusal(`${this.name}: logon refused${logoutText ? `: ${logoutText}` : error ? `: ${error.message}` : ''}`));
            else if (this.session === session) this.lost(error ? error.message : 'logged out');
          },
          keep: () => false,
          logonSeqNum: () => this.resumeFrom,
        });
        session.run(transport).catch(() => {});
      });
      socket.once('close', () => {
        if (!settled) fail(refusal(`${this.name}: the connection closed before the logon${logoutText ? `: ${logoutText}` : ''}`));
        else if (this.session) this.lost('the connection closed');
      });
    });
  }

  /** A TLS connection to the gateway, checked as `tls` says (the host name by default, or `servername`). */
  private tlsSocket(t: FixTls): TLSSocket {
    const o = this.options;
    return tlsConnect({
      host: o.host,
      port: o.port,
      ...(t.ca !== undefined ? { ca: t.ca } : {}),
      ...(t.cert !== undefined ? { cert: t.cert } : {}),
      ...(t.key !== undefined ? { key: t.key } : {}),
      ...(t.servername !== undefined ? { servername: t.servername } : {}),
      rejectUnauthorized: t.rejectUnauthorized,
    });
  }

  private setState(state: FixConnectionState, detail?: string): void {
    this.stateNow = state;
    this.state$.next({ state, at: this.now(), ...(detail !== undefined ? { detail } : {}) });
  }

  /** Every sync request still waiting fails, saying why. */
  private failWaits(why: string): void {
    this.requests.failAll(new FixVenueError(`${this.name}: ${why}`));
  }

  private lost(why: string): void {
    if (!this.connected || this.stopped) return;
    this.connected = false;
    this.session = null;
    this.socket?.destroy();
    this.socket = null;
    this.held = null;
    this.failWaits(`the connection was lost (${why})`);
    this.status$.next({ connected: false, at: this.now() });
    this.setState('disconnected', why);
    if (this.options.reconnect) this.scheduleReconnect();
  }


  private scheduleReconnect(): void {
    if (this.stopped) return;
    const b = this.options.backoffMs ?? { first: 200, max: 5000 };
    const wait = Math.min(b.max, b.first * 2 ** Math.min(this.attempts, 20));
    this.attempts++;
    this.setState('reconnecting', `attempt ${this.attempts} in ${wait} ms`);
    this.retry = setTimeout(() => void this.reconnectOnce(), wait);
  }

  private async reconnectOnce(): Promise<void> {
    if (this.stopped) return;
    this.held = [];
    try {
      await this.logOn();
    } catch (e) {
      this.held = null;
      if (e instanceof FixSequenceError) {
        // The counterparty refuses our numbers whatever we do: retrying cannot help. Said, and reconnection stops.
        this.failure = e;
        this.options.log?.(e.message);
        this.setState('disconnected', e.message);
        return;
      }
      this.scheduleReconnect();
      return;
    }
    if (this.stopped) {
      this.socket?.destroy();
      return;
    }
    this.attempts = 0;
    this.connected = true;
    this.setState('reconciling');
    this.status$.next({ connected: true, at: this.now() });
    try {
      await this.onReconnected?.();
    } catch (e) {
      this.setState('reconciling', `reconciliation failed: ${(e as Error).message}`);
    }
    if (!this.connected) return;
    this.setState('connected');
    this.release();
  }

  /** Delivers the held live messages, in order. */
  private release(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const deliver of held) deliver();
  }

  /** After the code awaiting a sync has run (it resumes in a microtask, this in a later task). */
  private releaseSoon(): void {
    setImmediate(() => {
      if (this.syncing === 0 && this.stateNow !== 'reconciling') this.release();
    });
  }

  /** Delivers a live message at its time (the clock follows the venue), or holds it while reconciling. */
  private deliver(at: number, fn: () => void): void {
    const run = (): void => {
      if (this.options.clock === 'wall') fn();
      else (this.clock as FollowerClock).at(at, fn);
    };
    if (this.held) this.held.push(run);
    else run();
  }

  private subscribe(session: LegatoFixSession): void {
    session.sendApp(MsgType.MarketDataRequest, {
      MDReqID: `md-${++this.nextReq}`,
      SubscriptionRequestType: '1',
      MarketDepth: 1,
      MDUpdateType: 0,
      MDReqGrp: { NoMDEntryTypes: [{ MDEntryType: '0' }, { MDEntryType: '1' }] },
      InstrmtMDReqGrp: { NoRelatedSym: this.units.symbols().map((s) => ({ Instrument: { Symbol: s } })) },
    });
  }

  private sendTracked(msgType: string, clientId: string, body: FixObject): void {
    this.session!.sendApp(msgType, body, (seq) => {
      if (seq !== undefined) this.sentSeq.set(seq, { msgType, clientId });
    });
  }

  private remember(clientId: string, o: OrderInfo, persist: boolean): void {
    if (this.orders.has(clientId)) return;
    this.orders.set(clientId, o);
    if (persist && this.ordersFile) appendFileSync(this.ordersFile, JSON.stringify({ c: clientId, s: o.symbol, d: o.side, q: o.qty }) + '\n');
  }

  /**
   * The orders of earlier runs (the store's orders.jsonl, src/venue/fix/order-store.ts): a store that cannot be read
   * (a FIFO, a device, over its bound) is a FixVenueError naming it; a line that is not a record we write (a torn
   * last line, an edit) is skipped and counted (`counts.storeLinesSkipped`).
   */
  private loadOrders(): void {
    if (!this.ordersFile) return;
    let store: OrderStore;
    try {
      store = readOrderStore(this.ordersFile);
    } catch (e) {
      throw new FixVenueError(`${this.ordersFile}: the FIX store's orders cannot be read: ${(e as Error).message}`);
    }
    this.counts.storeLinesSkipped = store.skipped;
    for (const r of store.records) {
      if (r.kind === 'order') this.orders.set(r.clientId, { symbol: r.symbol, side: r.side, qty: r.qty });
      else if (r.kind === 'replaceSent') {
        // A replace sent: its ClOrdID is the order's from now on once confirmed.
        this.chain.set(r.clOrdId, r.clientId);
        this.versionsOf(r.clientId).sent.push(r.clOrdId);
      } else {
        this.versionsOf(r.clientId).current = r.clOrdId;
        const o = this.orders.get(r.clientId);
        if (o && r.qty !== undefined) this.orders.set(r.clientId, { ...o, qty: r.qty });
      }
    }
  }

  // ---- what arrives --------------------------------------------------------------------------------

  /** Every message: the clock follows the venue's SendingTime (session messages move it at once). */
  private onMessage(session: LegatoFixSession, msgType: string, view: FixView): void {
    if (session !== this.session && this.session !== null) return;
    if (msgType === MsgType.Reject) return this.onSessionReject(view);
    const t = parseUtcTimestamp(view.getString(Tag.SendingTime));
    if (t === undefined || this.options.clock === 'wall') return;
    if (!this.follower) this.follower = new FollowerClock(t);
    const isSession = msgType === MsgType.Heartbeat || msgType === MsgType.TestRequest || msgType === MsgType.Logon || msgType === MsgType.SequenceReset;
    if (isSession && !this.held) this.follower.advanceTo(t);
  }

  /** A Reject of something we sent: the order it carried is rejected (or its cancel), never left hanging. */
  private onSessionReject(view: FixView): void {
    const ref = Number(view.getString(45) ?? '0');
    const sent = this.sentSeq.get(ref);
    if (!sent) return;
    const reason = `the venue rejected the message (${view.getString(Tag.Text) ?? `SessionRejectReason ${view.getString(373)}`})`;
    const at = this.now();
    if (sent.msgType === MsgType.NewOrderSingle) this.reports$.next({ type: 'order.rejected', clientId: sent.clientId, reason, at });
    else if (sent.msgType === MsgType.OrderCancelRequest) this.reports$.next({ type: 'order.cancelRejected', clientId: sent.clientId, reason, at });
    else if (sent.msgType === MsgType.OrderCancelReplaceRequest) this.reports$.next({ type: 'order.replaceRejected', clientId: sent.clientId, reason, at });
  }

  private onApplication(session: LegatoFixSession, msgType: string, view: FixView): void {
    if (session !== this.session) return;
    const t = parseUtcTimestamp(view.getString(Tag.SendingTime)) ?? this.now();
    const seq = Number(view.getString(Tag.MsgSeqNum) ?? '0');
    switch (msgType) {
      case MsgType.ExecutionReport:
        return this.onExecutionReport(session, view, seq, t);
      case MsgType.OrderCancelReject: {
        const cancelId = view.getString(Tag.ClOrdID);
        const orig = view.getString(Tag.OrigClOrdID);
        // CxlRejResponseTo (434) 2: the refusal of a replace (ClOrdID its replacement's); else of a cancel.
        const toReplace = view.getString(Tag.CxlRejResponseTo) === '2';
        const clientId = (cancelId ? (this.cancelIds.get(cancelId) ?? this.chain.get(cancelId)) : undefined) ?? (orig ? this.idOf(orig) : null);
        if (!clientId) return session.reject(seq, msgType, SessionRejectReason.RequiredTagMissing, 'OrigClOrdID (41) is missing', Tag.OrigClOrdID);
        const reason = cancelRejectReason(view.getString(Tag.Text), view.getString(Tag.CxlRejReason));
        // A resent copy (PossDupFlag=Y) of a cancel reject already handled is dropped.
        const seen = `9:${cancelId ?? clientId}`;
        if (view.getString(Tag.PossDupFlag) === 'Y' && this.execIds.has(seen)) {
          this.counts.duplicates++;
          return;
        }
        this.execIds.add(seen);
        if (toReplace) return this.deliver(t, () => this.reports$.next({ type: 'order.replaceRejected', clientId, reason, at: t }));
        return this.deliver(t, () => this.reports$.next({ type: 'order.cancelRejected', clientId, reason, at: t }));
      }
      case MsgType.MarketDataSnapshotFullRefresh:
        return this.onBook(view, t);
      case MsgType.RequestForPositionsAck:
        return this.requests.onPositionsAck(view);
      case MsgType.PositionReport:
        return this.requests.onPosition(view);
      case MsgType.BusinessMessageReject: {
        // A request the counterparty does not serve: positions then come back as unknown (empty).
        if (view.getString(372) === MsgType.RequestForPositions) this.requests.positionsRefused();
        return;
      }
      case MsgType.MarketDataRequestReject:
        return;
      default:
        // Any other message of the dictionary: not one this venue acts on.
        session.reject(seq, msgType, SessionRejectReason.InvalidMsgType, `Legato does not act on MsgType ${msgType}`);
    }
  }

  private fields(view: FixView): FieldsAndMore {
    const g = (tag: number): string | null => view.getString(tag);
    return {
      clOrdId: g(Tag.ClOrdID),
      origClOrdId: g(Tag.OrigClOrdID),
      orderId: g(Tag.OrderID),
      execId: g(Tag.ExecID),
      execType: g(Tag.ExecType),
      ordStatus: g(Tag.OrdStatus),
      symbol: g(Tag.Symbol),
      side: g(Tag.Side),
      orderQty: g(Tag.OrderQty),
      price: g(Tag.Price),
      lastQty: g(Tag.LastQty),
      lastPx: g(Tag.LastPx),
      cumQty: g(Tag.CumQty),
      avgPx: g(Tag.AvgPx),
      text: g(Tag.Text),
      lastLiquidityInd: g(Tag.LastLiquidityInd),
      ordRejReason: g(Tag.OrdRejReason),
      ordRejReasonUnknown: g(Tag.OrdRejReason) === '5',
    };
  }

  private onExecutionReport(session: LegatoFixSession, view: FixView, seq: number, sendingTime: number): void {
    const f = this.fields(view);
    const at = parseUtcTimestamp(view.getString(Tag.TransactTime)) ?? sendingTime;
    // Learn the order (a mass status lists orders this process never sent: cancels need their details).
    if (f.clOrdId && f.symbol && this.units.has(f.symbol)) {
      const side = sideFromFix(f.side);
      const qty = this.units.lots(f.symbol, f.orderQty);
      if (side !== undefined && qty !== undefined && qty > 0) this.remember(this.idOf(f.clOrdId), { symbol: f.symbol, side, qty }, false);
    }
    // An answer to a sync's request (or one nobody waits for).
    if (this.requests.answered(f, view, at)) return;
    if (f.execId && this.execIds.has(f.execId)) {
      this.counts.duplicates++;
      return;
    }
    // A cancel's report names the cancel's id: the order is its OrigClOrdID. A replace's ClOrdID names the order too.
    const replacement = f.execType === ExecType.Replaced ? f.clOrdId : null;
    if (f.clOrdId && this.cancelIds.has(f.clOrdId) && f.execType !== ExecType.Replaced) f.clOrdId = this.cancelIds.get(f.clOrdId)!;
    else if (f.origClOrdId && (f.execType === ExecType.Canceled || f.execType === ExecType.PendingCancel) && this.orders.has(this.idOf(f.origClOrdId))) f.clOrdId = f.origClOrdId;
    if (f.clOrdId) f.clOrdId = this.idOf(f.clOrdId);
    const meaning = mapExecutionReport(f, this.units, at);
    if (meaning.kind === 'invalid') {
      this.counts.rejected++;
      session.reject(seq, MsgType.ExecutionReport, SessionRejectReason.ValueIsIncorrect, meaning.reason, meaning.tag);
      return;
    }
    if (f.execId) this.execIds.add(f.execId);
    if (meaning.kind === 'none') return;
    for (const r of meaning.reports) if (r.type === 'order.filled') this.dontKnowIfContradicting(session, f, r);
    for (const r of meaning.reports) if (r.type === 'order.replaced' && replacement && this.chain.get(replacement) === r.clientId) this.confirm(r.clientId, replacement, r.qty);
    for (const r of meaning.reports) this.deliver(sendingTime, () => this.reports$.next(r));
  }

  /**
   * A fill whose symbol or side is not its order's is answered DontKnowTrade (35=Q, DKReason A unknown symbol or B
   * wrong side), the counterparty's cue to look at it. It still goes to the engine, whose report check refuses it by
   * name (an execution the venue made is the engine's to hear, not this adapter's to drop).
   */
  private dontKnowIfContradicting(session: LegatoFixSession, f: FieldsAndMore, r: Extract<VenueReport, { type: 'order.filled' }>): void {
    const o = this.orders.get(r.clientId);
    if (o === undefined || (o.symbol === r.symbol && o.side === r.side)) return;
    this.counts.dontKnow++;
    session.sendApp(MsgType.DontKnowTrade, {
      OrderID: f.orderId ?? 'NONE',
      ExecID: f.execId ?? 'NONE',
      DKReason: o.symbol !== r.symbol ? 'A' : 'B',
      Instrument: { Symbol: r.symbol },
      Side: sideToFix(r.side),
      OrderQtyData: { OrderQty: f.orderQty ?? this.units.qty(o.symbol, o.qty) },
      ...(f.lastQty !== null ? { LastQty: f.lastQty } : {}),
      ...(f.lastPx !== null ? { LastPx: f.lastPx } : {}),
      Text: `side ${sideToFix(r.side)} of ${r.symbol} is not the order's (side ${sideToFix(o.side)} of ${o.symbol})`,
    });
  }

  private onBook(view: FixView, t: number): void {
    const symbol = view.getString(Tag.Symbol);
    if (!symbol || !this.units.has(symbol)) return;
    const group = view.getView('MDFullGrp.NoMDEntries') ?? view.getView('NoMDEntries');
    let bid = 0;
    let ask = 0;
    let bidSize = 0;
    let askSize = 0;
    for (let i = 0; i < (group?.groupCount() ?? 0); i++) {
      const e = group!.getGroupInstance(i);
      const type = e?.getString(Tag.MDEntryType);
      const px = this.units.ticks(symbol, e?.getString(Tag.MDEntryPx));
      const size = this.units.lots(symbol, e?.getString(Tag.MDEntrySize) ?? '0');
      if (px === undefined || size === undefined) {
        this.counts.badQuotes++;
        return;
      }
      if (type === '0') [bid, bidSize] = [px, size];
      else if (type === '1') [ask, askSize] = [px, size];
    }
    const q: LegQuote = { symbol, bid: bidSize > 0 ? bid : 0, ask: askSize > 0 ? ask : 0, bidSize, askSize, ts: t };
    this.deliver(t, () => this.quotes$.next(q));
  }

  // ---- sync requests (fix-requests.ts) ------------------------------------------------------------

  /**
   * An order's status by the newest ClOrdID of its chain first: a replace that never reached the counterparty (or
   * that it refused) is unknown there, and the one before it is asked next, down to the NewOrderSingle's.
   */
  private async statusOfChain(clientId: string): Promise<StatusAnswer> {
    const v = this.versions.get(clientId);
    const ids = v ? [...v.sent].reverse().concat(clientId) : [clientId];
    for (let i = 0; ; i++) {
      const answer = await this.requests.orderStatus(ids[i]!, clientId);
      const unknown = answer.view.ordStatus === OrdStatus.Rejected && (answer.view.ordRejReasonUnknown || answer.view.orderId === 'NONE');
      if (!unknown || i === ids.length - 1) {
        if (!unknown && v) this.confirm(clientId, ids[i]!, undefined);
        return answer;
      }
    }
  }
}
