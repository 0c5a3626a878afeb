import type { Clock, Rearmable, TimerId } from './clock.js';

interface Timer {
  /** 0 for a re-armable timer's (it has no id: nobody clears it by id). */
  id: TimerId;
  /** Called with `arg` (a re-armable timer's; undefined for `setTimeout`'s). */
  fn: (arg: unknown) => void;
  arg: unknown;
  /**
   * The sequence number of its arming that is due, −1 when none. A heap slot holding this timer under another
   * number is an arming cleared or replaced since: it stays in the heap until it reaches the top, and is dropped
   * there. So a re-armable timer is its own heap entry, armed again with no new object.
   */
  armedAs: number;
}

/**
 * Simulated time. Timers fire in (time, insertion) order when the owner advances the clock, so the same
 * inputs always give the same run. A binary heap keeps scheduling O(log n) (XState's own SimulatedClock
 * scans every timer on each increment, which is too slow for a simulated day of quotes). The heap's keys (the
 * time, then the arming's sequence number) sit in two typed arrays beside the timers, so ordering thousands of
 * timers (one per simulated instrument, strategy and session) compares numbers next to each other in memory
 * rather than reading a timer object scattered in the heap at each level.
 */
export class VirtualClock implements Clock {
  private current: number;
  // The binary heap, as three parallel arrays: slot i holds timers[i], due at at[i], armed as number seq[i].
  private timers: (Timer | undefined)[] = [];
  private at = new Float64Array(64);
  private seq = new Float64Array(64);
  private size = 0;
  private readonly live = new Map<TimerId, Timer>();
  private nextId = 1;
  private nextSeq = 0;
  /** Re-armable timers armed and not yet fired. */
  private armed = 0;
  /** Called after each timer fires (a host that must act between steps: the journal flushes there). */
  afterStep: (() => void) | undefined = undefined;

  constructor(startMs = 0) {
    if (!Number.isFinite(startMs)) throw new RangeError(`VirtualClock: startMs must be a finite number (got ${startMs})`);
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerId {
    const id = this.nextId++;
    // A non-finite delay never fires (Node would fire Infinity after 1 ms).
    if (!Number.isFinite(ms)) return id;
    const timer: Timer = { id, fn, arg: undefined, armedAs: -1 };
    this.live.set(id, timer);
    this.push(timer, this.current + Math.max(0, ms));
    return id;
  }

  clearTimeout(id: TimerId): void {
    const timer = this.live.get(id);
    if (timer === undefined) return;
    timer.armedAs = -1;
    this.live.delete(id);
  }

  /**
   * A timer armed again and again (the replay's next instant, a simulated instrument's next quote): each arming
   * takes its place among the timers exactly as `setTimeout` would (the same sequence). The timer is one object,
   * its own heap entry at every arming (`Timer.armedAs`), with its methods on its class: a day of quotes allocates
   * no timer and touches no map, and firing and arming it again read that one object, where a closure per timer
   * read three (with thousands of instruments, each out of the CPU's caches).
   */
  rearmable(fn: () => void): Rearmable;
  rearmable<T>(fn: (arg: T) => void, arg: T): Rearmable;
  rearmable<T>(fn: (arg: T) => void, arg?: T): Rearmable {
    return new VirtualClock.Rearm(this, fn as (arg: unknown) => void, arg);
  }

  private static readonly Rearm = class implements Timer, Rearmable {
    readonly id = 0;
    armedAs = -1;
    constructor(
      private readonly clock: VirtualClock,
      readonly fn: (arg: unknown) => void,
      readonly arg: unknown,
    ) {}

    arm(ms: number): void {
      this.disarm();
      if (!Number.isFinite(ms)) return;
      const clock = this.clock;
      clock.armed++;
      clock.push(this, clock.current + Math.max(0, ms));
    }

    disarm(): void {
      if (this.armedAs === -1) return;
      this.armedAs = -1;
      this.clock.armed--;
    }
  };

  /** Timers waiting to fire. */
  get pending(): number {
    return this.live.size + this.armed;
  }

  /** When the next timer fires, or undefined when none is waiting. */
  nextAt(): number | undefined {
    this.dropCancelled();
    return this.size > 0 ? this.at[0] : undefined;
  }

  /** Fires the next due timer at or before `limit`; returns false when there is none. */
  step(limit = Infinity): boolean {
    this.dropCancelled();
    if (this.size === 0) return false;
    const at = this.at[0]!;
    if (at > limit) return false;
    const top = this.pop();
    top.armedAs = -1;
    if (top.id !== 0) this.live.delete(top.id);
    else this.armed--;
    if (at > this.current) this.current = at;
    top.fn(top.arg);
    this.afterStep?.();
    return true;
  }

  /** Fires every timer due up to `t` (including timers those timers set), then sets the time to `t`. */
  runUntil(t: number): void {
    while (this.step(t));
    if (t > this.current) this.current = t;
  }

  /** Advances by `ms`, firing what falls due. */
  advance(ms: number): void {
    this.runUntil(this.current + ms);
  }

  private dropCancelled(): void {
    while (this.size > 0 && this.timers[0]!.armedAs !== this.seq[0]) this.pop();
  }

  /** Into the heap: up from the last slot while it comes before its parent (earlier, or as early and armed first). */
  private push(timer: Timer, due: number): void {
    if (this.size === this.at.length) this.grow();
    const { timers, at, seq } = this;
    const n = this.nextSeq++;
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (at[p]! < due || (at[p] === due && seq[p]! < n)) break;
      timers[i] = timers[p];
      at[i] = at[p]!;
      seq[i] = seq[p]!;
      i = p;
    }
    timers[i] = timer;
    at[i] = due;
    seq[i] = n;
    timer.armedAs = n;
  }

  /** Takes the first timer out: the last slot's timer sinks from the top to its place. */
  private pop(): Timer {
    const { timers, at, seq } = this;
    const top = timers[0]!;
    const last = --this.size;
    const moved = timers[last]!;
    const due = at[last]!;
    const n = seq[last]!;
    timers[last] = undefined;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= last) break;
      const r = l + 1;
      // The earlier child (the right one when it is due first, or as early and armed first).
      const c = r < last && (at[r]! < at[l]! || (at[r] === at[l] && seq[r]! < seq[l]!)) ? r : l;
      if (due < at[c]! || (due === at[c] && n < seq[c]!)) break;
      timers[i] = timers[c];
      at[i] = at[c]!;
      seq[i] = seq[c]!;
      i = c;
    }
    if (last > 0) {
      timers[i] = moved;
      at[i] = due;
      seq[i] = n;
    }
    return top;
  }

  private grow(): void {
    const at = new Float64Array(this.at.length * 2);
    const seq = new Float64Array(this.seq.length * 2);
    at.set(this.at);
    seq.set(this.seq);
    this.at = at;
    this.seq = seq;
  }
}
