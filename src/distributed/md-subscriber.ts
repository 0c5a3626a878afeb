import type { Msg, NatsConnection } from '@nats-io/transport-node';
import type { Decimal } from '../domain/decimal.js';
import { decodeFrame, quoteSubject, timeSubject, WireUnits, type MdFrameProblem } from './md-codec.js';

/**
 * Why a message on an md subject was dropped: the decoder's problems (size, magic, version, kind, flags, exponent,
 * field), or after decoding: a price off the instrument's tick grid or a value out of range (`offTick`, `range`),
 * a crossed or locked two-sided book (`crossed`), a sequence number already seen (`duplicate`), a time stamp far
 * behind the market time already applied or far ahead of it (`late`, `jump`), or no room while waiting (`overflow`).
 */
export type MdDropReason = MdFrameProblem | 'offTick' | 'range' | 'crossed' | 'duplicate' | 'late' | 'jump' | 'overflow';

export const MD_DROP_REASONS: readonly MdDropReason[] = ['size', 'magic', 'version', 'kind', 'flags', 'exponent', 'field', 'offTick', 'range', 'crossed', 'duplicate', 'late', 'jump', 'overflow'];

/** Where accepted market data goes (MdVenue implements it). */
export interface MdTarget {
  quote(symbol: string, book: { bid: number; bidSize: number; ask: number; askSize: number }, ts: number, more: boolean): unknown;
  advance(ts: number): void;
  feedConnected(connected: boolean): void;
}

export interface MdInstrument {
  readonly symbol: string;
  readonly tickSize: Decimal;
  readonly lotSize: Decimal;
}

export interface MdSubscriberOptions {
  /** The venue token of the subjects: `md.<venue>.<symbol>`. */
  venue: string;
  /** The instruments to subscribe to (the symbols the shard's strategies trade), with this shard's tick and lot sizes. */
  instruments: readonly MdInstrument[];
  /** A time stamp this far (ms) behind the latest applied one (or `startAt`) is dropped as `late`. Default 60,000. */
  maxLagMs?: number;
  /** A time stamp this far (ms) ahead of the latest applied one (or of `startAt`) is dropped as `jump`. Default 7 days. */
  maxJumpMs?: number;
  /** The market time the shard starts from (its run's start): the reference of the first `late` and `jump` checks. */
  startAt?: number;
  /** Frames held until a target is attached (beyond: dropped as `overflow`). Default 100,000. */
  maxHeld?: number;
  /** Pending messages in the client beyond which it reports a slow consumer (counted). Default 10,000. */
  slowAfter?: number;
  /** The client's name at the server. Default `legato-shard`. */
  name?: string;
}

export interface MdCounts {
  /** Messages received on md subjects (quotes and time). */
  received: number;
  /** Quotes handed to the target. */
  quotes: number;
  /** Time frames applied. */
  times: number;
  /** Quotes the feed numbered but that never arrived (sequence gaps), and how many gaps. */
  lost: number;
  gaps: number;
  /** A subject's numbering started again from 1: a feed restarted. */
  feedRestarts: number;
  dropped: Record<MdDropReason, number>;
  slowConsumer: number;
  disconnects: number;
  reconnects: number;
}

type Held = { kind: 'quote'; symbol: string; book: { bid: number; bidSize: number; ask: number; askSize: number }; ts: number; more: boolean } | { kind: 'time'; ts: number };

/**
 * A shard's side of the market-data fan-out: one NATS connection subscribed to `md.<venue>.<symbol>` for each of its
 * symbols and to `mdtime.<venue>`. Every message is hostile: it is decoded, checked against the instrument's tick
 * grid and lot size, its numbering and its time, and dropped with a counted reason when anything is wrong; nothing
 * here throws at a message. The client reconnects for ever (a server restart) and resubscribes by itself; the target
 * hears `feedConnected(false)` while the connection is down.
 */
export class MdSubscriber {
  readonly counts: MdCounts;
  private readonly units = new Map<string, WireUnits>();
  private readonly lastSeq = new Map<string, number>();
  private lastTs: number | undefined;
  private target: MdTarget | undefined;
  private readonly held: Held[] = [];
  private firstTs: ((ts: number) => void) | undefined;
  private readonly firstFrame: Promise<number>;
  private endSeen = false;
  private readonly endListeners: (() => void)[] = [];
  readonly subjects: string[];
  private readonly maxLag: number;
  private readonly maxJump: number;
  private readonly maxHeld: number;

  private constructor(
    readonly url: string,
    private readonly nc: NatsConnection,
    private readonly options: MdSubscriberOptions,
  ) {
    this.counts = { received: 0, quotes: 0, times: 0, lost: 0, gaps: 0, feedRestarts: 0, dropped: Object.fromEntries(MD_DROP_REASONS.map((r) => [r, 0])) as Record<MdDropReason, number>, slowConsumer: 0, disconnects: 0, reconnects: 0 };
    this.maxLag = options.maxLagMs ?? 60_000;
    this.maxJump = options.maxJumpMs ?? 7 * 86_400_000;
    this.maxHeld = options.maxHeld ?? 100_000;
    this.firstFrame = new Promise((resolve) => (this.firstTs = resolve));
    this.subjects = [];
    for (const i of options.instruments) {
      const subject = quoteSubject(options.venue, i.symbol);
      if (this.units.has(subject)) continue;
      this.units.set(subject, new WireUnits(i.symbol, i.tickSize, i.lotSize));
      this.subjects.push(subject);
    }
    this.subjects.push(timeSubject(options.venue));
  }

  /**
   * Connects (NatsUnavailableError when the server cannot be reached), subscribes to every subject and waits until
   * the server has the subscriptions (a flush), so a feed publishing from then on reaches this shard.
   */
  static async open(url: string, options: MdSubscriberOptions): Promise<MdSubscriber> {
    // Subjects are checked before anything dials (MdSubjectError for a symbol that cannot be a token).
    for (const i of options.instruments) quoteSubject(options.venue, i.symbol);
    timeSubject(options.venue);
    // Loaded when first used: the NATS client costs a CLI that does not need it a third of a second to import.
    const { connectNats } = await import('./nats.js');
    const nc = await connectNats(url, { name: options.name ?? 'legato-shard' });
    const sub = new MdSubscriber(url, nc, options);
    for (const subject of sub.subjects) {
      const isTime = subject.startsWith('mdtime.');
      nc.subscribe(subject, {
        slow: options.slowAfter ?? 10_000,
        callback: (err, msg) => {
          if (err) return;
          try {
            if (isTime) sub.onTime(msg);
            else sub.onQuote(subject, msg);
          } catch {
            // A target that throws must not stop the client's delivery loop; the engine records its own errors.
          }
        },
      });
    }
    void sub.watchStatus();
    await nc.flush();
    return sub;
  }

  /** The time stamp of the first frame accepted (a quote or the feed's time): the shard's clock starts there. */
  first(): Promise<number> {
    return this.firstFrame;
  }

  /** Whether the feed has said it finished (a time frame with `end`). */
  get ended(): boolean {
    return this.endSeen;
  }

  /** Calls `fn` once the feed has said it finished. */
  onEnd(fn: () => void): void {
    if (this.endSeen) fn();
    else this.endListeners.push(fn);
  }

  /** From now on accepted frames go to `target`: first those held so far, in arrival order. */
  attach(target: MdTarget): void {
    this.target = target;
    for (const h of this.held.splice(0)) this.deliver(h);
  }

  /** Drains and closes the connection. */
  async close(): Promise<void> {
    const { closeNats } = await import('./nats.js');
    await closeNats(this.nc);
  }

  private async watchStatus(): Promise<void> {
    try {
      for await (const s of this.nc.status()) {
        if (s.type === 'disconnect') {
          this.counts.disconnects++;
          this.target?.feedConnected(false);
        } else if (s.type === 'reconnect') {
          this.counts.reconnects++;
          this.target?.feedConnected(true);
        } else if (s.type === 'slowConsumer') this.counts.slowConsumer++;
      }
    } catch {
      // the connection closed
    }
  }

  private drop(reason: MdDropReason): void {
    this.counts.dropped[reason]++;
  }

  /** Sequence check per subject; false when the frame is a duplicate (counted). */
  private sequence(subject: string, seq: number): boolean {
    const last = this.lastSeq.get(subject);
    if (last !== undefined) {
      if (seq <= last) {
        if (seq !== 1) {
          this.drop('duplicate');
          return false;
        }
        this.counts.feedRestarts++;
      } else if (seq > last + 1) {
        this.counts.gaps++;
        this.counts.lost += seq - last - 1;
      }
    }
    this.lastSeq.set(subject, seq);
    return true;
  }

  /** Time check against the latest applied time; false when the frame is dropped (counted). */
  private timely(ts: number): boolean {
    const ref = this.lastTs ?? this.options.startAt;
    if (ref !== undefined && ts > ref + this.maxJump) {
      this.drop('jump');
      return false;
    }
    // Before any frame is applied, run.start is the reference both ways: a frame dated long before it would start the
    // shard's clock there, and every real frame after it would then be a jump.
    if (ref !== undefined && ts < ref - this.maxLag) {
      this.drop('late');
      return false;
    }
    return true;
  }

  private onQuote(subject: string, msg: Msg): void {
    this.counts.received++;
    const d = decodeFrame(msg.data);
    if (!d.ok) return this.drop(d.problem);
    const f = d.frame;
    if (f.kind !== 'quote') return this.drop('kind');
    const u = this.units.get(subject)!;
    const bidSize = u.lots(f.bidSize, f.sizeExp);
    const askSize = u.lots(f.askSize, f.sizeExp);
    if (bidSize === undefined || askSize === undefined) return this.drop('range');
    // An absent side (no lots) has no price; a present one must be on the tick grid.
    const bid = bidSize > 0 ? u.ticks(f.bid, f.priceExp) : 0;
    const ask = askSize > 0 ? u.ticks(f.ask, f.priceExp) : 0;
    if (bid === undefined || ask === undefined) return this.drop('offTick');
    if (bidSize > 0 && askSize > 0 && bid >= ask) return this.drop('crossed');
    if (!this.timely(f.ts)) return;
    if (!this.sequence(subject, f.seq)) return;
    this.accept({ kind: 'quote', symbol: u.symbol, book: { bid, bidSize, ask, askSize }, ts: f.ts, more: f.more });
  }

  private onTime(msg: Msg): void {
    this.counts.received++;
    const d = decodeFrame(msg.data);
    if (!d.ok) return this.drop(d.problem);
    const f = d.frame;
    if (f.kind !== 'time') return this.drop('kind');
    if (!this.timely(f.ts)) return;
    if (!this.sequence('mdtime', f.seq)) return;
    this.accept({ kind: 'time', ts: f.ts });
    if (f.end && !this.endSeen) {
      this.endSeen = true;
      for (const fn of this.endListeners.splice(0)) fn();
    }
  }

  private accept(h: Held): void {
    if (this.lastTs === undefined) this.firstTs?.(h.ts);
    if (this.lastTs === undefined || h.ts > this.lastTs) this.lastTs = h.ts;
    if (this.target) this.deliver(h);
    else if (this.held.length < this.maxHeld) this.held.push(h);
    else this.drop('overflow');
  }

  private deliver(h: Held): void {
    if (h.kind === 'quote') {
      this.counts.quotes++;
      this.target!.quote(h.symbol, h.book, h.ts, h.more);
    } else {
      this.counts.times++;
      this.target!.advance(h.ts);
    }
  }
}
