import type { Clock, TimerId } from './clock.js';

/** Node's setTimeout takes at most 2^31-1 ms; longer delays are chained. */
const MAX_DELAY = 2 ** 31 - 1;

/** Real time: Date.now() and Node timers. Non-finite delays never fire. */
export class WallClock implements Clock {
  private readonly handles = new Map<TimerId, NodeJS.Timeout>();
  private nextId = 1;

  now(): number {
    return Date.now();
  }

  setTimeout(fn: () => void, ms: number): TimerId {
    const id = this.nextId++;
    if (!Number.isFinite(ms)) return id;
    const due = Date.now() + Math.max(0, ms);
    const arm = (): void => {
      const left = due - Date.now();
      const h = setTimeout(
        () => {
          if (due - Date.now() > 0) return arm();
          this.handles.delete(id);
          fn();
        },
        Math.min(Math.max(0, left), MAX_DELAY),
      );
      this.handles.set(id, h);
    };
    arm();
    return id;
  }

  clearTimeout(id: TimerId): void {
    const h = this.handles.get(id);
    if (h) clearTimeout(h);
    this.handles.delete(id);
  }

  /** Timers still armed (so a host can tell when everything has settled). */
  get pending(): number {
    return this.handles.size;
  }
}

/** The real WallTime for a paced run (src/clock/pacer.ts): performance.now() (monotonic) and Node timers. */
export const realWall = {
  now: (): number => performance.now(),
  sleep: (ms: number): Promise<void> => new Promise((resolve) => (ms <= 0 ? setImmediate(resolve) : setTimeout(resolve, ms))),
};
