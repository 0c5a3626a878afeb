import { connect, createServer, type Server, type Socket } from 'node:net';
import { lstatSync, unlinkSync } from 'node:fs';
import { LegatoError } from '../../domain/errors.js';
import { VirtualClock } from '../../clock/virtual-clock.js';
import { calendarFor } from '../../domain/session-calendar.js';
import { Decimal } from '../../domain/decimal.js';
import type { VenueReport } from '../../domain/orders.js';
import { SimulatedVenue, type SimVenueSpec } from '../simulated/simulated-venue.js';
import {
  MAX_ENGINE_LINE_BYTES,
  lineReader,
  parseEngineMessage,
  preview,
  priceString,
  priceTicks,
  type EngineMessage,
  type LineReader,
  type VenueFacts,
  type VenueMessage,
  type WireOrderState,
  type WireReport,
  type WireStats,
} from './protocol.js';

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

  constructor(
    private readonly spec: SimVenueSpec,
    private readonly start: number,
  ) {
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

  /**
   * The hello a new engine connection gets. With `run` (the server's speed, and whether its market time moves
   * yet) it carries the venue's facts: seed, speed, start, and its calendar's state now.
   */
  hello(run?: { speed: number; running: boolean }): VenueMessage {
    const calendar = calendarFor(this.spec.calendar);
    const now = this.clock.now();
    const facts: VenueFacts | undefined = run && {
      seed: this.spec.seed,
      speed: run.speed,
      startedAt: this.start,
      running: run.running,
      timeZone: this.spec.calendar.timeZone,
      open: calendar.isOpen(now),
      nextChange: calendar.nextBoundary(now)?.at ?? null,
    };
    return {
      t: 'hello',
      now: this.clock.now(),
      name: 'simulated (remote)',
      instruments: this.venue.instruments().map((i) => ({ symbol: i.symbol, tickSize: i.tickSize.toString(), lotSize: i.lotSize.toString() })),
      replace: true,
      ...(facts ? { facts } : {}),
    };
  }

  /**
   * Handles one message from the engine (any value: it is checked first); `reply` answers it directly (before
   * any later live message). A malformed message changes nothing and is answered with an `error` naming what
   * is wrong (a request whose id is readable: with a `reply` carrying that id and `error`, so it is settled);
   * so is a message whose handling failed unexpectedly. Never throws.
   */
  handle(raw: unknown, reply: (m: VenueMessage) => void, attach: (send: (m: VenueMessage) => void) => void): void {
    const parsed = parseEngineMessage(raw);
    if (!parsed.ok) return this.refuse(parsed.error, parsed.id, reply);
    const m = parsed.message;
    const fresh = m.t === 'submit' && !this.records.has(m.order.clientId) ? m.order.clientId : undefined;
    try {
      this.act(m, reply, attach);
    } catch (e) {
      // An order whose handling failed is not kept (its id stays free): the engine was told it failed.
      if (fresh !== undefined) this.records.delete(fresh);
      const why = e instanceof Error ? e.message : String(e);
      this.refuse(`the venue failed handling this ${m.t}: ${why.slice(0, 200)}`, m.t === 'sync' || m.t === 'stats' ? m.id : undefined, reply);
    }
  }

  private refuse(message: string, id: number | undefined, reply: (m: VenueMessage) => void): void {
    const now = this.clock.now();
    reply(id === undefined ? { t: 'error', now, message } : { t: 'reply', now, id, error: message });
  }

  private act(m: EngineMessage, reply: (m: VenueMessage) => void, attach: (send: (m: VenueMessage) => void) => void): void {
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
        this.records.set(o.clientId, { clientId: o.clientId, status: 'pending', symbol: o.symbol, side: o.side, qty: o.qty, price: String(o.price), filled: 0, fills: [] });
        if (tick === undefined) return this.settle(o.clientId, 'rejected', `unknown symbol ${o.symbol}`);
        // A well-formed order that breaks a venue rule is an order: recorded, and rejected with the reason.
        if (new Decimal(o.price).lte(0)) return this.settle(o.clientId, 'rejected', `price ${JSON.stringify(o.price)} must be above 0`);
        if (price === undefined) return this.settle(o.clientId, 'rejected', `price ${JSON.stringify(o.price)} is not on the tick grid of ${o.symbol}`);
        if (!Number.isSafeInteger(price)) return this.settle(o.clientId, 'rejected', `price ${JSON.stringify(o.price)} is out of range`);
        this.venue.submit({ clientId: o.clientId, symbol: o.symbol, side: o.side, qty: o.qty, price });
        return;
      }
      case 'cancel':
        this.venue.cancel(m.clientId);
        return;
      case 'replace': {
        const rec = this.records.get(m.clientId);
        const reject = (reason: string): void => this.sendReport({ type: 'order.replaceRejected', clientId: m.clientId, reason, at: now });
        if (!rec || rec.void || rec.symbol === undefined) return reject('unknown order');
        const tick = this.ticks.get(rec.symbol);
        const price = tick === undefined ? undefined : priceTicks(m.price, tick);
        if (new Decimal(m.price).lte(0)) return reject(`price ${JSON.stringify(m.price)} must be above 0`);
        if (price === undefined || !Number.isSafeInteger(price)) return reject(`price ${JSON.stringify(m.price)} is not on the tick grid of ${rec.symbol}`);
        this.venue.replace(m.clientId, m.qty === undefined ? { price } : { price, qty: m.qty });
        return;
      }
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
        case 'order.replaced':
          rec.qty = r.qty;
          rec.price = priceString(r.price, this.ticks.get(rec.symbol!)!);
          break;
        case 'order.cancelRejected':
        case 'order.replaceRejected':
          break;
      }
    }
    this.sendReport(r);
  }

  private sendReport(r: VenueReport): void {
    let wire: WireReport;
    if (r.type === 'order.filled') wire = { ...r, price: priceString(r.price, this.ticks.get(r.symbol)!) };
    else if (r.type === 'order.replaced') {
      // Only an order this host recorded can be replaced (its symbol gives the price's tick size).
      const symbol = this.records.get(r.clientId)?.symbol;
      if (symbol === undefined) return;
      wire = { ...r, symbol, price: priceString(r.price, this.ticks.get(symbol)!) };
    } else wire = r;
    this.send({ t: 'report', now: this.clock.now(), r: wire });
  }

  private send(m: VenueMessage): void {
    this.out?.(m);
  }
}

/**
 * One engine connection's input: bytes → lines of at most MAX_ENGINE_LINE_BYTES → checked messages → the
 * host. A line that is too long, not JSON or malformed gets one `error` answer through `reply` and changes
 * nothing; nothing fed to it throws.
 */
export function engineReader(host: VenueHost, reply: (m: VenueMessage) => void, attach: (send: (m: VenueMessage) => void) => void): LineReader {
  const error = (message: string): void => reply({ t: 'error', now: host.clock.now(), message });
  const reader = lineReader(
    (m) => host.handle(m, reply, attach),
    (line) => error(`not JSON: ${preview(line)}`),
    {
      maxLineBytes: MAX_ENGINE_LINE_BYTES,
      onTooLong: ({ preview: head }) => error(`line longer than ${MAX_ENGINE_LINE_BYTES} bytes: dropped, reading resumes after the next newline (it began ${preview(head)})`),
    },
  );
  const read = (chunk: Buffer | string): void => {
    try {
      reader(chunk);
    } catch (e) {
      try {
        error(`the venue failed reading this input: ${(e instanceof Error ? e.message : String(e)).slice(0, 200)}`);
      } catch {
        // The answer itself failed: the connection is going; nothing else to do.
      }
    }
  };
  return Object.assign(read, { buffered: reader.buffered });
}

/**
 * How long a second connection waits for the connected engine to be seen gone before it is refused: an engine
 * that has just been killed or closed its connection is read to its end within a few ms, so its successor is
 * served (after the last bytes of the previous one) rather than refused.
 */
const HANDOVER_MS = 200;

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
  private clientSince = 0;
  private waiting: { socket: Socket; timer: NodeJS.Timeout } | null = null;
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
    if (typeof options.listen === 'string') await clearSocketPath(options.listen);
    await new Promise<void>((resolve, reject) => {
      s.server.once('error', reject);
      if (typeof options.listen === 'string') s.server.listen(options.listen, () => resolve());
      else s.server.listen(options.listen, '127.0.0.1', () => resolve());
    });
    s.server.on('error', (e) => options.log?.(`server error: ${e.message}`));
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

  /**
   * One engine at a time: a connection while an engine is connected is refused with the reason (an `error`,
   * then the socket is closed), and the connected engine is untouched. Only if the connected engine goes
   * within HANDOVER_MS (it had just been killed or closed) is the new one served instead, after the previous
   * one's last bytes were handled. At most one connection waits so; others are refused at once.
   */
  private accept(socket: Socket): void {
    socket.on('error', () => {}); // a connection's errors end that connection, never the process
    if (!this.client) return this.serve(socket);
    if (this.waiting) return this.refuse(socket);
    const timer = setTimeout(() => {
      if (this.waiting?.socket !== socket) return;
      this.waiting = null;
      this.refuse(socket);
    }, HANDOVER_MS);
    this.waiting = { socket, timer };
    socket.once('close', () => {
      if (this.waiting?.socket !== socket) return;
      clearTimeout(timer);
      this.waiting = null;
    });
  }

  private refuse(socket: Socket): void {
    const message = `the venue serves another engine (connected since ${new Date(this.clientSince).toISOString()}); one engine at a time`;
    this.options.log?.(`a second engine connected: refused (${message})`);
    socket.resume(); // whatever it sends is discarded
    socket.end(JSON.stringify({ t: 'error', now: this.host.clock.now(), message } satisfies VenueMessage) + '\n');
    setTimeout(() => socket.destroy(), 1000).unref();
  }

  private serve(socket: Socket): void {
    this.client = socket;
    this.clientSince = Date.now();
    this.host.setSink(null);
    this.sinkAttached = false;
    const write = (m: VenueMessage): void => {
      if (this.client === socket) this.buffer.push(JSON.stringify(m));
    };
    socket.write(JSON.stringify(this.host.hello({ speed: this.options.speed, running: this.timer !== null })) + '\n');
    const read = engineReader(this.host, write, (send) => {
      this.host.setSink(send);
      this.sinkAttached = true;
      this.startClock();
    });
    socket.on('data', (chunk: Buffer) => {
      if (this.client !== socket) return;
      read(chunk);
      this.drain();
    });
    const gone = (): void => {
      if (this.client !== socket) return;
      this.client = null;
      this.buffer = [];
      this.host.setSink(null);
      this.sinkAttached = false;
      this.options.log?.('the engine disconnected; the venue keeps trading');
      const next = this.waiting;
      this.waiting = null;
      if (next) {
        clearTimeout(next.timer);
        if (!next.socket.destroyed) this.serve(next.socket);
      }
    };
    // Its end comes after its last data: everything it sent has been handled by then.
    socket.on('end', gone);
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
    if (this.waiting) clearTimeout(this.waiting.timer);
    this.waiting?.socket.destroy();
    this.waiting = null;
    this.client?.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A path a venue cannot listen on: something else is there, or another venue listens there. */
export class SocketPathError extends LegatoError {
  override name = 'SocketPathError';
}

/**
 * Makes `path` free for a Unix socket: a socket left by a venue that is gone (nothing answers on it) is removed.
 * Anything else is left as it is, and refused: a file or a directory (the path is wrong), or a socket another
 * venue listens on (taking the path over would cut every engine off from it).
 */
async function clearSocketPath(path: string): Promise<void> {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (st === undefined) return;
  if (!st.isSocket()) {
    const what = st.isDirectory() ? 'a directory' : st.isFile() ? 'a file' : 'not a socket';
    throw new SocketPathError(`cannot listen on ${path}: it is ${what}, which a venue will not remove; give the path of a socket`);
  }
  const answered = await new Promise<boolean>((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (answered) throw new SocketPathError(`cannot listen on ${path}: another venue is listening there; stop it first, or give another path`);
  unlinkSync(path);
}
