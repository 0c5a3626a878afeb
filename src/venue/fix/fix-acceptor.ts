import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Transform } from 'node:stream';
import { preview, type WireStats } from '../remote/protocol.js';
import { VenueHost } from '../remote/venue-host.js';
import type { SimVenueSpec } from '../simulated/simulated-venue.js';
import { FixCredentialsError } from './credentials.js';
import { MsgType, Tag } from './fix-codec.js';
import { describeSession, sessionClass, sessionConfig, type LegatoFixSession } from './fix-session.js';
import { loadJspurefix, type FixConfig, type FixObject, type FixTransport, type FixView, type Jspurefix } from './jspurefix.js';
import { FixExchange } from './fix-exchange.js';

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

export class FixAcceptor {
  readonly host: VenueHost;
  /** Orders, reports and requests in FIX (fix-exchange.ts). */
  private readonly exchange: FixExchange;
  private active: { session: LegatoFixSession; transport: FixTransport; socket: Socket; since: number } | null = null;
  /** Where the last session's numbering ended: the next number it would send, the last it received. */
  private last = { nextOut: 0, lastIn: 0 };
  private readonly pending: Socket[] = [];
  private timer: NodeJS.Timeout | null = null;
  private clockStarted = false;
  private lastSent = 0;
  private nextTransport = 0;
  private frozen = false;
  private dropping = 0;
  private readonly sockets = new Set<Socket>();
  /** Sessions that ended, and how (for tests and logs): the last KEEP_ENDED. */
  readonly ended: { at: number; error?: string }[] = [];
  /** Logons refused, with the reason: the last KEEP_ENDED (a peer may try for ever). */
  readonly refused: string[] = [];
  /** Messages received from engines, by MsgType (a ResendRequest is '2', a Reject '3'). */
  readonly received = new Map<string, number>();
  private readonly Session: ReturnType<typeof sessionClass>;

  private constructor(
    private readonly fix: Jspurefix,
    private readonly options: FixAcceptorOptions,
    private readonly config: FixConfig,
    private readonly server: Server,
  ) {
    this.host = new VenueHost(options.spec, options.start);
    this.exchange = new FixExchange(this.host, (msgType, body) => this.send(msgType, body));
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
    this.lastSent = performance.now();
    this.exchange.attach();
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
    return this.exchange.stats();
  }

  /** The DontKnowTrade messages (35=Q) engines sent: the ExecID, DKReason (127) and Text. */
  get dontKnow(): readonly { execId: string; reason: string; text: string }[] {
    return this.exchange.dontKnow;
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

  // ---- the engine's messages (fix-exchange.ts) -------------------------------------------------------

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
    this.exchange.onApplication(session, msgType, view);
  }
}

/** How many ended sessions and refused logons an acceptor remembers. */
const KEEP_ENDED = 100;

/** Appends to a list that keeps only its last KEEP_ENDED entries. */
function keepLast<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > KEEP_ENDED) list.splice(0, list.length - KEEP_ENDED);
}
