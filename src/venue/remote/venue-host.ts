import { createServer, type Server, type Socket } from 'node:net';
import { existsSync, unlinkSync } from 'node:fs';
import { VirtualClock } from '../../clock/virtual-clock.js';
import { Decimal } from '../../domain/decimal.js';
import type { VenueReport } from '../../domain/orders.js';
import { SimulatedVenue, type SimVenueSpec } from '../simulated/simulated-venue.js';
import { lineReader, priceString, priceTicks, type EngineMessage, type VenueMessage, type WireOrderState, type WireReport, type WireStats } from './protocol.js';

interface OrderRecord extends WireOrderState {
  void?: boolean;
}

/**
 * The simulated venue as a service: the embedded SimulatedVenue on its own VirtualClock, plus what a real
 * venue keeps and the engine may ask for after a restart: every order received, its status and its fills
 * (as reported), its open orders and its positions. Messages go to one engine at a time, and only after
 * that engine has synced (so a reconnecting engine reads the venue's state before any live report).
 * Reports made while no engine is synced are not sent: the next sync carries them.
 */
export class VenueHost {
  readonly clock: VirtualClock;
  readonly venue: SimulatedVenue;
  private readonly records = new Map<string, OrderRecord>();
  private readonly ticks = new Map<string, Decimal>();
  private readonly positionLots = new Map<string, number>();
  private submissions = 0;
  private duplicates = 0;
  private voidRefused = 0;
  private out: ((m: VenueMessage) => void) | null = null;

  constructor(spec: SimVenueSpec, start: number) {
    this.clock = new VirtualClock(start);
    this.venue = new SimulatedVenue(spec, this.clock);
    for (const i of this.venue.instruments()) {
      this.ticks.set(i.symbol, i.tickSize);
      this.positionLots.set(i.symbol, 0);
    }
    this.venue.quotes$.subscribe((q) => {
      const t = this.ticks.get(q.symbol)!;
      this.send({ t: 'quote', now: this.clock.now(), symbol: q.symbol, bid: priceString(q.bid, t), ask: priceString(q.ask, t), bidSize: q.bidSize, askSize: q.askSize, ts: q.ts });
    });
    this.venue.reports$.subscribe((r) => this.onReport(r));
    this.venue.start();
  }

  /** The hello a new engine connection gets. */
  hello(): VenueMessage {
    return {
      t: 'hello',
      now: this.clock.now(),
      name: 'simulated (remote)',
      instruments: this.venue.instruments().map((i) => ({ symbol: i.symbol, tickSize: i.tickSize.toString(), lotSize: i.lotSize.toString() })),
    };
  }

  /** Handles one message from the engine; `reply` answers it directly (before any later live message). */
  handle(m: EngineMessage, reply: (m: VenueMessage) => void, attach: (send: (m: VenueMessage) => void) => void): void {
    const now = this.clock.now();
    switch (m.t) {
      case 'submit': {
        const o = m.order;
        this.submissions++;
        const known = this.records.get(o.clientId);
        const reject = (reason: string): void => this.sendReport({ type: 'order.rejected', clientId: o.clientId, reason, at: now });
        if (known) {
          if (known.void) this.voidRefused++;
          else this.duplicates++;
          return reject(known.void ? 'client id void after a sync' : 'duplicate clientId');
        }
        const tick = this.ticks.get(o.symbol);
        const price = tick === undefined ? undefined : priceTicks(String(o.price), tick);
        this.records.set(o.clientId, { clientId: o.clientId, status: 'pending', symbol: o.symbol, side: o.side, qty: o.qty, filled: 0, fills: [] });
        if (tick === undefined) return this.settle(o.clientId, 'rejected', `unknown symbol ${o.symbol}`);
        if (price === undefined) return this.settle(o.clientId, 'rejected', `price ${JSON.stringify(o.price)} is not on the tick grid of ${o.symbol}`);
        this.venue.submit({ clientId: o.clientId, symbol: o.symbol, side: o.side, qty: o.qty, price });
        return;
      }
      case 'cancel':
        this.venue.cancel(m.clientId);
        return;
      case 'sync': {
        const orders = m.clientIds.map((id) => {
          const r = this.records.get(id);
          if (r && !r.void) return this.wire(r);
          // Never received: void from now on, so a late copy cannot become an order nobody manages.
          this.records.set(id, { clientId: id, status: 'unknown', filled: 0, fills: [], void: true });
          return { clientId: id, status: 'unknown' as const, filled: 0, fills: [] };
        });
        reply({ t: 'reply', now, id: m.id, sync: { orders, open: this.open(), positions: this.positions() } });
        attach((msg) => reply(msg));
        return;
      }
      case 'stats':
        reply({ t: 'reply', now, id: m.id, stats: this.stats() });
        return;
    }
  }

  /** Attaches the engine's message sink (after its sync). */
  setSink(send: ((m: VenueMessage) => void) | null): void {
    this.out = send;
  }

  stats(): WireStats {
    return {
      submissions: this.submissions,
      duplicates: this.duplicates,
      voidRefused: this.voidRefused,
      orders: [...this.records.values()].filter((r) => !r.void).map((r) => this.wire(r)),
      open: this.open(),
      positions: this.positions(),
    };
  }

  /** Lots held per symbol, from the fills reported. */
  positions(): Record<string, number> {
    return Object.fromEntries(this.positionLots);
  }

  private open(): string[] {
    return [...this.records.values()].filter((r) => r.status === 'pending' || r.status === 'open').map((r) => r.clientId);
  }

  private wire(r: OrderRecord): WireOrderState {
    const { void: _v, ...w } = r;
    return { ...w, fills: [...w.fills] };
  }

  private settle(clientId: string, status: 'rejected', reason: string): void {
    const r = this.records.get(clientId)!;
    r.status = status;
    r.reason = reason;
    this.sendReport({ type: 'order.rejected', clientId, reason, at: this.clock.now() });
  }

  private onReport(r: VenueReport): void {
    const rec = this.records.get(r.clientId);
    if (rec) {
      switch (r.type) {
        case 'order.accepted':
          if (rec.status === 'pending') rec.status = 'open';
          break;
        case 'order.filled': {
          const tick = this.ticks.get(r.symbol)!;
          rec.fills.push({ tradeId: r.tradeId, qty: r.qty, price: priceString(r.price, tick), at: r.at });
          rec.filled += r.qty;
          this.positionLots.set(r.symbol, (this.positionLots.get(r.symbol) ?? 0) + r.side * r.qty);
          if (rec.filled >= (rec.qty ?? Infinity)) rec.status = 'filled';
          break;
        }
        case 'order.canceled':
          rec.status = 'canceled';
          break;
        case 'order.rejected':
          if (rec.status === 'pending' || rec.status === 'open') {
            rec.status = 'rejected';
            rec.reason = r.reason;
          }
          break;
        case 'order.cancelRejected':
          break;
      }
    }
    this.sendReport(r);
  }

  private sendReport(r: VenueReport): void {
    const wire: WireReport = r.type === 'order.filled' ? { ...r, price: priceString(r.price, this.ticks.get(r.symbol)!) } : r;
    this.send({ t: 'report', now: this.clock.now(), r: wire });
  }

  private send(m: VenueMessage): void {
    this.out?.(m);
  }
}

export interface VenueServerOptions {
  /** A Unix socket path, or a TCP port on 127.0.0.1. */
  listen: string | number;
  /** Simulated seconds per real second. */
  speed: number;
  /** How often the venue advances its clock and sends `time` (real ms). Default 10. */
  tickMs?: number;
  /** Hold market time until the first engine has synced (so a slow engine start does not eat the session). Default false. */
  waitForEngine?: boolean;
  log?: (line: string) => void;
}

/**
 * Runs a VenueHost as a process-level service: its clock advances with real time × speed (so it keeps
 * trading while no engine is connected), and it serves one engine at a time over newline-delimited JSON.
 */
export class VenueServer {
  private readonly server: Server;
  private client: Socket | null = null;
  private timer: NodeJS.Timeout | null = null;
  private buffer: string[] = [];

  private constructor(
    readonly host: VenueHost,
    private readonly options: VenueServerOptions,
  ) {
    this.server = createServer((socket) => this.accept(socket));
  }

  static async start(host: VenueHost, options: VenueServerOptions): Promise<VenueServer> {
    const s = new VenueServer(host, options);
    if (typeof options.listen === 'string' && existsSync(options.listen)) unlinkSync(options.listen);
    await new Promise<void>((resolve, reject) => {
      s.server.once('error', reject);
      if (typeof options.listen === 'string') s.server.listen(options.listen, () => resolve());
      else s.server.listen(options.listen, '127.0.0.1', () => resolve());
    });
    if (!options.waitForEngine) s.startClock();
    return s;
  }

  /** Market time starts moving: real time × speed from now on. */
  private startClock(): void {
    if (this.timer) return;
    const wall0 = performance.now();
    const sim0 = this.host.clock.now();
    this.timer = setInterval(() => {
      this.host.clock.runUntil(sim0 + (performance.now() - wall0) * this.options.speed);
      if (this.sinkAttached) this.buffer.push(JSON.stringify({ t: 'time', now: this.host.clock.now() } satisfies VenueMessage));
      this.drain();
    }, this.options.tickMs ?? 10);
  }

  private sinkAttached = false;

  /** The address engines connect to. */
  address(): string {
    const a = this.server.address();
    return typeof a === 'string' ? a : a ? String(a.port) : '';
  }

  private accept(socket: Socket): void {
    const previous = this.client;
    if (previous && !previous.destroyed) {
      // Read everything the previous engine sent before serving the next one: a dead engine's connection
      // closes at once, after its last bytes; one still alive is dropped after 2 s.
      this.options.log?.('a new engine connected: finishing the previous connection first');
      const timer = setTimeout(() => previous.destroy(), 2000);
      previous.once('close', () => {
        clearTimeout(timer);
        if (!socket.destroyed) this.serve(socket);
      });
      return;
    }
    this.serve(socket);
  }

  private serve(socket: Socket): void {
    this.client = socket;
    this.host.setSink(null);
    this.sinkAttached = false;
    const write = (m: VenueMessage): void => {
      if (this.client === socket) this.buffer.push(JSON.stringify(m));
    };
    socket.write(JSON.stringify(this.host.hello()) + '\n');
    socket.on(
      'data',
      lineReader(
        (m) => {
          this.host.handle(m as EngineMessage, write, (send) => {
            this.host.setSink(send);
            this.sinkAttached = true;
            this.startClock();
          });
          this.drain();
        },
        (line) => write({ t: 'error', now: this.host.clock.now(), message: `not JSON: ${line.slice(0, 80)}` }),
      ),
    );
    const gone = (): void => {
      if (this.client !== socket) return;
      this.client = null;
      this.buffer = [];
      this.host.setSink(null);
      this.sinkAttached = false;
      this.options.log?.('the engine disconnected; the venue keeps trading');
    };
    socket.on('close', gone);
    socket.on('error', gone);
  }

  private drain(): void {
    if (this.buffer.length === 0) return;
    const text = this.buffer.join('\n') + '\n';
    this.buffer = [];
    this.client?.write(text);
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.client?.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
