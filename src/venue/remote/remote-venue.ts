import { connect, type Socket } from 'node:net';
import { Subject } from 'rxjs';
import { FollowerClock } from '../../clock/follower-clock.js';
import { Decimal } from '../../domain/decimal.js';
import { LegatoError } from '../../domain/errors.js';
import type { OrderCommand, VenueReport } from '../../domain/orders.js';
import type { LegQuote } from '../../domain/quote.js';
import type { InstrumentInfo, Venue, VenueOrderState, VenueSync } from '../venue.js';
import { lineReader, priceString, priceTicks, type EngineMessage, type VenueMessage, type WireFill, type WireReport, type WireStats } from './protocol.js';

/** The venue process could not be reached, or broke the protocol. */
export class RemoteVenueError extends LegatoError {
  override name = 'RemoteVenueError';
}

/**
 * A venue in another process (`legato venue`), behind the Venue port. The engine's clock is this venue's
 * `clock`: a FollowerClock that moves to the time stamp of each message, so the engine runs on the venue's
 * market time. Every message is delivered as a timer on that clock, so a journal flushes after each one.
 * A lost connection is an event (status$, and rejects for what is sent while it is down), never a crash.
 */
export class RemoteVenue implements Venue {
  readonly quotes$ = new Subject<LegQuote>();
  readonly reports$ = new Subject<VenueReport>();
  readonly status$ = new Subject<{ connected: boolean; at: number }>();
  private readonly ticks = new Map<string, Decimal>();
  private readonly infos: InstrumentInfo[];
  private readonly waiting = new Map<number, (m: Extract<VenueMessage, { t: 'reply' }>) => void>();
  private nextId = 1;
  private connected = true;
  private held: VenueMessage[] | null = null;

  private constructor(
    readonly address: string,
    readonly name: string,
    private readonly socket: Socket,
    hello: Extract<VenueMessage, { t: 'hello' }>,
    readonly clock: FollowerClock,
  ) {
    this.infos = hello.instruments.map((i) => ({ symbol: i.symbol, tickSize: new Decimal(i.tickSize), lotSize: new Decimal(i.lotSize) }));
    for (const i of this.infos) this.ticks.set(i.symbol, i.tickSize);
  }

  /** Connects to `legato venue` at a Unix socket path (or a TCP port on 127.0.0.1) and waits for its hello. */
  static connect(address: string, options: { timeoutMs?: number } = {}): Promise<RemoteVenue> {
    return new Promise((resolve, reject) => {
      const socket = /^\d+$/.test(address) ? connect(Number(address), '127.0.0.1') : connect(address);
      let venue: RemoteVenue | undefined;
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new RemoteVenueError(`venue ${address}: no hello within ${options.timeoutMs ?? 5000} ms`));
      }, options.timeoutMs ?? 5000);
      socket.once('error', (e) => {
        clearTimeout(timer);
        if (!venue) reject(new RemoteVenueError(`cannot reach the venue at ${address}: ${e.message} (start one with \`legato venue --socket ${address}\`)`));
      });
      socket.on(
        'data',
        lineReader(
          (m) => {
            const msg = m as VenueMessage;
            if (!venue) {
              if (msg.t !== 'hello') {
                socket.destroy();
                reject(new RemoteVenueError(`venue ${address}: expected hello, got ${JSON.stringify(msg).slice(0, 80)}`));
                return;
              }
              clearTimeout(timer);
              venue = new RemoteVenue(address, msg.name, socket, msg, new FollowerClock(msg.now));
              resolve(venue);
              return;
            }
            venue.onMessage(msg);
          },
          () => {},
        ),
      );
      socket.on('close', () => venue?.onClose());
    });
  }

  instruments(): readonly InstrumentInfo[] {
    return this.infos;
  }

  start(): void {}

  /** Closes the connection (nothing more is received). */
  stop(): void {
    this.connected = false;
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
    this.write({ t: 'submit', order: { clientId: order.clientId, symbol: order.symbol, side: order.side, qty: order.qty, price: priceString(order.price, tick) } });
  }

  cancel(clientId: string): void {
    if (!this.connected) {
      this.reports$.next({ type: 'order.cancelRejected', clientId, reason: 'disconnected', at: this.clock.now() });
      return;
    }
    this.write({ t: 'cancel', clientId });
  }

  /** What the venue knows of these orders, its open orders and positions; live messages follow the answer. */
  async sync(clientIds: readonly string[]): Promise<VenueSync> {
    const reply = await this.request({ t: 'sync', id: this.nextId++, clientIds: [...clientIds] });
    const s = reply.sync;
    if (!s) throw new RemoteVenueError(`venue ${this.address}: a sync reply without its answer`);
    const orders: VenueOrderState[] = s.orders.map((o) => ({ ...o, fills: o.fills.map((f) => this.fill(o.symbol, f)) }));
    return { now: reply.now, orders, open: s.open, positions: s.positions };
  }

  /** The venue's own counts (for checks): orders received, duplicates, every order and its fills, positions. */
  async stats(): Promise<WireStats> {
    const reply = await this.request({ t: 'stats', id: this.nextId++ });
    if (!reply.stats) throw new RemoteVenueError(`venue ${this.address}: a stats reply without its answer`);
    return reply.stats;
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
    if (this.held) {
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
    if (r.type !== 'order.filled') return r;
    const tick = this.ticks.get(r.symbol);
    const price = tick && priceTicks(r.price, tick);
    if (price === undefined) return undefined;
    return { ...r, price };
  }

  private onClose(): void {
    if (!this.connected) return;
    this.connected = false;
    this.status$.next({ connected: false, at: this.clock.now() });
    for (const w of this.waiting.values()) w({ t: 'reply', now: this.clock.now(), id: -1 });
    this.waiting.clear();
  }
}
