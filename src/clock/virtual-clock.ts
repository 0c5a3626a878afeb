import type { Clock, Rearmable, TimerId } from './clock.js';

interface Timer {
  at: number;
  seq: number;
  /** 0 for a re-armable timer's (it has no id: nobody clears it by id). */
  id: TimerId;
  fn: () => void;
  /** Cleared, or replaced by a later arming: it stays in the heap until it reaches the top, and is dropped there. */
  dead: boolean;
}

/**
 * Simulated time. Timers fire in (time, insertion) order when the owner advances the clock, so the same
 * inputs always give the same run. A binary heap keeps scheduling O(log n) (XState's own SimulatedClock
 * scans every timer on each increment, which is too slow for a simulated day of quotes).
 */
export class VirtualClock implements Clock {
  private current: number;
  private readonly heap: Timer[] = [];
  private readonly live = new Map<TimerId, Timer>();
  private nextId = 1;
  private seq = 0;
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
    const timer: Timer = { at: this.current + Math.max(0, ms), seq: this.seq++, id, fn, dead: false };
    this.live.set(id, timer);
    this.push(timer);
    return id;
  }

  clearTimeout(id: TimerId): void {
    const timer = this.live.get(id);
    if (timer === undefined) return;
    timer.dead = true;
    this.live.delete(id);
  }

  /**
   * A timer armed again and again (the replay's next instant, a simulated instrument's next quote): each arming
   * takes its place among the timers exactly as `setTimeout` would (the same sequence), but reuses the timer
   * that last fired, so a day of quotes allocates no timer and touches no map.
   */
  rearmable(fn: () => void): Rearmable {
    let pending: Timer | undefined;
    let spare: Timer | undefined;
    const fire = (): void => {
      spare = pending;
      pending = undefined;
      this.armed--;
      fn();
    };
    const disarm = (): void => {
      if (pending === undefined) return;
      // Still in the heap: dropped when it reaches the top, never reused.
      pending.dead = true;
      pending = undefined;
      this.armed--;
    };
    return {
      arm: (ms) => {
        disarm();
        if (!Number.isFinite(ms)) return;
        const timer = spare ?? { at: 0, seq: 0, id: 0, fn: fire, dead: false };
        spare = undefined;
        timer.at = this.current + Math.max(0, ms);
        timer.seq = this.seq++;
        timer.dead = false;
        pending = timer;
        this.armed++;
        this.push(timer);
      },
      disarm,
    };
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.live.size + this.armed;
  }

  /** When the next timer fires, or undefined when none is waiting. */
  nextAt(): number | undefined {
    this.dropCancelled();
    return this.heap[0]?.at;
  }

  /** Fires the next due timer at or before `limit`; returns false when there is none. */
  step(limit = Infinity): boolean {
    this.dropCancelled();
    const top = this.heap[0];
    if (!top || top.at > limit) return false;
    this.pop();
    if (top.id !== 0) this.live.delete(top.id);
    if (top.at > this.current) this.current = top.at;
    top.fn();
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
    while (this.heap.length > 0 && this.heap[0]!.dead) this.pop();
  }

  private less(a: Timer, b: Timer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(t: Timer): void {
    const h = this.heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}
