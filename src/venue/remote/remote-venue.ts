import { connect, type Socket } from 'node:net';
import { Subject } from 'rxjs';
import { Broadcast } from '../broadcast.js';
import { FollowerClock } from '../../clock/follower-clock.js';
import { BoundedMap } from '../../domain/bounded.js';
import { Decimal } from '../../domain/decimal.js';
import { LegatoError } from '../../domain/errors.js';
import type { OrderChange, OrderCommand, VenueReport } from '../../domain/orders.js';
import type { LegQuote } from '../../domain/quote.js';
import type { InstrumentInfo, Venue, VenueOrderState, VenueSync } from '../venue.js';
import { lineReader, parseHello, priceString, priceTicks, type VenueFacts, type EngineMessage, type VenueMessage, type WireFill, type WireReport, type WireStats } from './protocol.js';

/** The venue process could not be reached, or broke the protocol. */
export class RemoteVenueError extends LegatoError {
  override name = 'RemoteVenueError';
}

export interface RemoteVenueOptions {
  /** How long to wait for the venue's hello, ms (wall time). Default 5000. */
  timeoutMs?: number;
  /**
   * Liveness: the venue sends its time many times a second; this long without any message (wall time) means
   * it is frozen or gone, and the connection is dropped as lost. Default 3000; 0 turns it off.
   */
  heartbeatTimeoutMs?: number;
  /** Reconnect after a lost connection, with backoff (wall time). Default false: a lost connection stays lost. */
  reconnect?: boolean;
  /** First and largest wait between reconnection attempts, ms. Default 200 and 5000. */
  backoffMs?: { first: number; max: number };
}

/** The connection's state: `reconnecting` while attempts run; `reconciling` until the host says it agrees again. */
export type ConnectionState = 'connected' | 'disconnected' | 'reconnecting' | 'reconciling';

/**
 * A venue in another process (`legato venue`), behind the Venue port. The engine's clock is this venue's
 * `clock`: a FollowerClock that moves to the time stamp of each message, so the engine runs on the venue's
 * market time. Every message is delivered as a timer on that clock, so a journal flushes after each one.
 * A lost connection is a state, never a crash: status$ tells it, what is sent meanwhile is rejected, time
 * stands still (the clock follows the venue), and with `reconnect` it connects again with backoff. After a
 * reconnection every live message is held until `onReconnected` (the host's reconciliation) has run.
 */
export class RemoteVenue implements Venue {
  readonly quotes$ = new Broadcast<LegQuote>();
  readonly reports$ = new Subject<VenueReport>();
  readonly status$ = new Subject<{ connected: boolean; at: number }>();
  private readonly ticks = new Map<string, Decimal>();
  /** Each order's symbol (for a replace's price), from what this client sent and what syncs told. */
  private readonly symbols = new BoundedMap<string, string>(50_000);
  private readonly infos: InstrumentInfo[];
  private readonly waiting = new Map<number, (m: Extract<VenueMessage, { t: 'reply' }>) => void>();
  private nextId = 1;
  private connected = true;
  private stopped = false;
  private held: VenueMessage[] | null = null;
  private socket: Socket;
  private lastMessageAt = Date.now();
  private readonly watchdog: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private attempts = 0;
  private stateNow: ConnectionState = 'connected';
  /** Connection states as they change: disconnected → reconnecting → reconciling → connected. */
  readonly state$ = new Subject<{ state: ConnectionState; at: number; detail?: string }>();
  /**
   * Run after a reconnection, before any live message is delivered: the host reconciles here (DurableEngine
   * sets it). Without it, delivery resumes at once.
   */
  onReconnected: (() => Promise<void>) | undefined = undefined;
  /** What the venue said of itself in its hello (seed, speed, start, its market's state then); undefined from a venue that says nothing. */
  readonly facts: VenueFacts | undefined;
  /** Present when the venue's hello offers replace (a venue process from before it does not). */
  readonly replace?: (clientId: string, change: OrderChange) => void;

  private constructor(
    readonly address: string,
    readonly name: string,
    socket: Socket,
    hello: Extract<VenueMessage, { t: 'hello' }>,
    readonly clock: FollowerClock,
    private readonly options: RemoteVenueOptions,
  ) {
    this.socket = socket;
    this.infos = hello.instruments.map((i) => ({ symbol: i.symbol, tickSize: new Decimal(i.tickSize), lotSize: new Decimal(i.lotSize) }));
    for (const i of this.infos) this.ticks.set(i.symbol, i.tickSize);
    this.facts = hello.facts;
    if (hello.replace === true) this.replace = (clientId, change) => this.sendReplace(clientId, change);
    const silence = options.heartbeatTimeoutMs ?? 3000;
    if (silence > 0) {
      this.watchdog = setInterval(() => {
        if (this.connected && Date.now() - this.lastMessageAt > silence) {
          // Frozen (a stopped process, a stalled host): as good as gone.
          this.lost(`no message for ${silence} ms`);
          this.socket.destroy();
        }
      }, Math.min(250, silence));
      this.watchdog.unref();
    }
  }

  /** Connects to `legato venue` at a Unix socket path (or a TCP port on 127.0.0.1) and waits for its hello. */
  static async connect(address: string, options: RemoteVenueOptions = {}): Promise<RemoteVenue> {
    let venue: RemoteVenue | undefined;
    const { socket, hello } = await RemoteVenue.open(address, options, (m) => venue?.onMessage(m), () => venue?.onClose());
    venue = new RemoteVenue(address, hello.name, socket, hello, new FollowerClock(hello.now), options);
    return venue;
  }

  /** One connection: resolves with the socket once the venue's hello has arrived. */
  private static open(
    address: string,
    options: RemoteVenueOptions,
    onMessage: (m: VenueMessage) => void,
    onClose: () => void,
  ): Promise<{ socket: Socket; hello: Extract<VenueMessage, { t: 'hello' }> }> {
    return new Promise((resolve, reject) => {
      const socket = /^\d+$/.test(address) ? connect(Number(address), '127.0.0.1') : connect(address);
      let open = false;
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new RemoteVenueError(`venue ${address}: no hello within ${options.timeoutMs ?? 5000} ms`));
      }, options.timeoutMs ?? 5000);
      socket.on('error', (e) => {
        clearTimeout(timer);
        if (!open) reject(new RemoteVenueError(`cannot reach the venue at ${address}: ${e.message} (start one with \`legato venue --socket ${address}\`)`));
      });
      socket.on(
        'data',
        lineReader(
          (m) => {
            const msg = m as VenueMessage;
            if (!open) {
              // Its first line is hostile too: a hello with a time, a name and instruments that are sound, or no connection.
              const hello = msg !== null && typeof msg === 'object' && msg.t === 'hello' ? parseHello(msg) : undefined;
              if (!hello?.ok) {
                clearTimeout(timer);
                socket.destroy();
                const said = hello ? `: ${hello.error}` : msg !== null && typeof msg === 'object' && msg.t === 'error' ? `: ${String(msg.message).slice(0, 200)}` : `, got ${JSON.stringify(msg).slice(0, 80)}`;
                reject(new RemoteVenueError(`venue ${address}: expected hello${said}`));
                return;
              }
              open = true;
              clearTimeout(timer);
              resolve({ socket, hello: hello.hello });
              return;
            }
            onMessage(msg);
          },
          () => {},
        ),
      );
      socket.on('close', () => {
        clearTimeout(timer);
        if (open) onClose();
        else reject(new RemoteVenueError(`venue ${address}: closed before its hello`));
      });
    });
  }

  /** The connection's state now. */
  get state(): ConnectionState {
    return this.stateNow;
  }

  private setState(state: ConnectionState, detail?: string): void {
    this.stateNow = state;
    this.state$.next({ state, at: this.clock.now(), ...(detail !== undefined ? { detail } : {}) });
  }

  instruments(): readonly InstrumentInfo[] {
    return this.infos;
  }

  start(): void {}

  /** Closes the connection for good (nothing more is received, no reconnection). */
  stop(): void {
    this.stopped = true;
    this.connected = false;
    if (this.watchdog) clearInterval(this.watchdog);
    if (this.retry) clearTimeout(this.retry);
    this.socket.destroy();
  }

  isConnected(): boolean {
    return this.connected;
  }

  submit(order: OrderCommand): void {
    const tick = this.ticks.get(order.symbol);
    if (!this.connected || !tick) {
      this.reports$.next({ type: 'order.rejected', clientId: order.clientId, reason: tick ? 'disconnected' : `unknown symbol ${order.symbol}`, at: this.clock.now() });
      return;
    }
    this.symbols.set(order.clientId, order.symbol);
    this.write({ t: 'submit', order: { clientId: order.clientId, symbol: order.symbol, side: order.side, qty: order.qty, price: priceString(order.price, tick) } });
  }

  cancel(clientId: string): void {
    if (!this.connected) {
      this.reports$.next({ type: 'order.cancelRejected', clientId, reason: 'disconnected', at: this.clock.now() });
      return;
    }
    this.write({ t: 'cancel', clientId });
  }

  private sendReplace(clientId: string, change: OrderChange): void {
    const symbol = this.symbols.get(clientId);
    const tick = symbol === undefined ? undefined : this.ticks.get(symbol);
    if (!this.connected || !tick) {
      this.reports$.next({ type: 'order.replaceRejected', clientId, reason: tick ? 'disconnected' : 'unknown order (this connection never sent it)', at: this.clock.now() });
      return;
    }
    this.write({ t: 'replace', clientId, price: priceString(change.price, tick), ...(change.qty !== undefined ? { qty: change.qty } : {}) });
  }

  /** What the venue knows of these orders, its open orders and positions; live messages follow the answer. */
  async sync(clientIds: readonly string[]): Promise<VenueSync> {
    const reply = await this.request({ t: 'sync', id: this.nextId++, clientIds: [...clientIds] });
    const s = reply.sync;
    if (!s) throw new RemoteVenueError(`venue ${this.address}: ${this.replyProblem(reply, 'sync')}`);
    const orders: VenueOrderState[] = s.orders.map((o) => {
      const { price: wirePrice, ...rest } = o;
      const tick = o.symbol === undefined ? undefined : this.ticks.get(o.symbol);
      const price = wirePrice === undefined || tick === undefined ? undefined : priceTicks(wirePrice, tick);
      if (o.symbol !== undefined) this.symbols.set(o.clientId, o.symbol);
      return { ...rest, ...(price !== undefined ? { price } : {}), fills: o.fills.map((f) => this.fill(o.symbol, f)) };
    });
    return { now: reply.now, orders, open: s.open, positions: s.positions };
  }

  /** The venue's own counts (for checks): orders received, duplicates, every order and its fills, positions. */
  async stats(): Promise<WireStats> {
    const reply = await this.request({ t: 'stats', id: this.nextId++ });
    if (!reply.stats) throw new RemoteVenueError(`venue ${this.address}: ${this.replyProblem(reply, 'stats')}`);
    return reply.stats;
  }

  /** Why a reply carries no answer: the venue refused the request, or the connection was lost waiting. */
  private replyProblem(reply: Extract<VenueMessage, { t: 'reply' }>, what: string): string {
    const error = (reply as { error?: unknown }).error;
    if (typeof error === 'string') return `it refused the ${what}: ${error.slice(0, 300)}`;
    return reply.id === -1 ? `the connection was lost before the ${what} was answered` : `a ${what} reply without its answer`;
  }

  private fill(symbol: string | undefined, f: WireFill) {
    const tick = symbol === undefined ? undefined : this.ticks.get(symbol);
    const price = tick === undefined ? undefined : priceTicks(f.price, tick);
    if (price === undefined) throw new RemoteVenueError(`venue ${this.address}: fill ${f.tradeId} has a price off the tick grid: ${f.price}`);
    return { tradeId: f.tradeId, qty: f.qty, price, at: f.at };
  }

  private request(m: Extract<EngineMessage, { id: number }>): Promise<Extract<VenueMessage, { t: 'reply' }>> {
    if (!this.connected) return Promise.reject(new RemoteVenueError(`venue ${this.address}: not connected`));
    return new Promise((resolve) => {
      this.waiting.set(m.id, resolve);
      this.write(m);
    });
  }

  private write(m: EngineMessage): void {
    this.socket.write(JSON.stringify(m) + '\n');
  }

  private onMessage(m: VenueMessage): void {
    this.lastMessageAt = Date.now();
    // A reply always reaches its waiter (a reconciliation holds everything else until it has run).
    if (this.held && !(m.t === 'reply' && this.stateNow === 'reconciling')) {
      this.held.push(m);
      return;
    }
    switch (m.t) {
      case 'quote': {
        const tick = this.ticks.get(m.symbol);
        const bid = tick && priceTicks(m.bid, tick);
        const ask = tick && priceTicks(m.ask, tick);
        if (bid === undefined || ask === undefined) return;
        const q: LegQuote = { symbol: m.symbol, bid, ask, bidSize: m.bidSize, askSize: m.askSize, ts: m.ts };
        this.clock.at(m.now, () => this.quotes$.next(q));
        return;
      }
      case 'report': {
        const r = this.report(m.r);
        if (r) this.clock.at(m.now, () => this.reports$.next(r));
        return;
      }
      case 'time':
        this.clock.advanceTo(m.now);
        return;
      case 'reply': {
        // The clock does not move on a reply, and the messages after it wait until the code that awaited the
        // answer has run (it resumes in a microtask, these in a later task): a restarting engine reconciles
        // before any time passes or any live report arrives.
        const w = this.waiting.get(m.id);
        this.waiting.delete(m.id);
        if (this.stateNow === 'reconciling') {
          w?.(m);
          return;
        }
        this.held = [];
        setImmediate(() => {
          const held = this.held ?? [];
          this.held = null;
          for (const x of held) this.onMessage(x);
        });
        w?.(m);
        return;
      }
      default:
        return;
    }
  }

  private report(r: WireReport): VenueReport | undefined {
    if (r.type === 'order.replaced') {
      const tick = this.ticks.get(r.symbol);
      const price = tick && priceTicks(r.price, tick);
      if (price === undefined || !Number.isSafeInteger(r.qty) || r.qty <= 0) return undefined;
      return { type: 'order.replaced', clientId: r.clientId, price, qty: r.qty, at: r.at };
    }
    if (r.type !== 'order.filled') return r;
    const tick = this.ticks.get(r.symbol);
    const price = tick && priceTicks(r.price, tick);
    if (price === undefined) return undefined;
    return { ...r, price };
  }

  private onClose(): void {
    this.lost('the connection closed');
  }

  /** The connection is gone (closed, or silent too long): a state, and with `reconnect` the start of attempts. */
  private lost(why: string): void {
    if (!this.connected || this.stopped) return;
    this.connected = false;
    this.held = null;
    this.status$.next({ connected: false, at: this.clock.now() });
    this.setState('disconnected', why);
    for (const w of this.waiting.values()) w({ t: 'reply', now: this.clock.now(), id: -1 });
    this.waiting.clear();
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
    let opened: { socket: Socket; hello: Extract<VenueMessage, { t: 'hello' }> };
    try {
      opened = await RemoteVenue.open(this.address, this.options, (m) => this.onMessage(m), () => this.onClose());
    } catch {
      this.scheduleReconnect();
      return;
    }
    if (this.stopped) {
      opened.socket.destroy();
      return;
    }
    this.socket = opened.socket;
    this.attempts = 0;
    this.lastMessageAt = Date.now();
    // Hold every live message until the host has reconciled, then deliver them in order.
    this.held = [];
    this.connected = true;
    this.setState('reconciling');
    this.status$.next({ connected: true, at: this.clock.now() });
    try {
      await this.onReconnected?.();
    } catch (e) {
      this.setState('reconciling', `reconciliation failed: ${(e as Error).message}`);
    }
    if (!this.connected) return;
    // Only now does time catch up with the venue's (it never runs back: a venue that restarted from an earlier
    // time is followed from now on). Timers due in the gap fire connected and reconciled: were time moved
    // before, every retry due in the gap would fire against a connection still down (a 15-minute freeze made
    // 1,800 cancels refused as 'disconnected', each journalled, in one burst that starved the heartbeat).
    this.clock.advanceTo(opened.hello.now);
    const held = this.held ?? [];
    this.held = null;
    this.setState('connected');
    for (const x of held) this.onMessage(x);
  }
}
