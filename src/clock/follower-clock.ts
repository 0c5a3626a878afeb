import type { Clock, TimerId } from './clock.js';
import { VirtualClock } from './virtual-clock.js';

/**
 * Time that someone else owns: a venue in another process. The clock stands still until `advanceTo` moves it
 * to a time stamp the owner sent, firing every timer due by then in (time, insertion) order. So the engine
 * follows the venue's market time exactly, however fast or slow the venue runs, and never runs ahead of it.
 * It is not a VirtualClock: nobody but the owner may step it.
 */
export class FollowerClock implements Clock {
  private readonly inner: VirtualClock;

  constructor(startMs: number) {
    this.inner = new VirtualClock(startMs);
  }

  now(): number {
    return this.inner.now();
  }

  setTimeout(fn: () => void, ms: number): TimerId {
    return this.inner.setTimeout(fn, ms);
  }

  clearTimeout(id: TimerId): void {
    this.inner.clearTimeout(id);
  }

  /** Called after each timer fires. */
  set afterStep(fn: (() => void) | undefined) {
    this.inner.afterStep = fn;
  }
  get afterStep(): (() => void) | undefined {
    return this.inner.afterStep;
  }

  /** Moves time forward to `t` (never back), firing what falls due. */
  advanceTo(t: number): void {
    if (t > this.inner.now() || this.inner.nextAt() !== undefined) this.inner.runUntil(Math.max(t, this.inner.now()));
  }

  /** Runs `fn` as a timer at `t` (or now, if `t` has passed) and advances to it. */
  at(t: number, fn: () => void): void {
    this.inner.setTimeout(fn, Math.max(0, t - this.inner.now()));
    this.advanceTo(t);
  }
}
