/**
 * The one source of time. Only src/clock reads the wall clock or sets real timers.
 * It satisfies XState's `Clock` (setTimeout / clearTimeout), so one instance drives every `after` delay
 * in the actor system, the simulated venue's latencies and the stream timers.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch, UTC. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerId;
  clearTimeout(id: TimerId): void;
  /**
   * A timer armed again and again, one arming at a time (a replay's next instant, a quote generator's next quote):
   * `arm(ms)` is `setTimeout(fn, ms)` in every respect, including its place among timers due at the same moment.
   * Optional: a clock that offers it arms it without allocating (see `rearmable`). `fn` is called with `arg`: one
   * function can serve many timers (a venue's instruments), each firing with its own argument.
   */
  rearmable?: RearmableOf;
}

/** `Clock.rearmable`'s two forms: a timer of its own function, or of one function shared with its own argument. */
export interface RearmableOf {
  (fn: () => void): Rearmable;
  <T>(fn: (arg: T) => void, arg: T): Rearmable;
}

/** See `Clock.rearmable`. `arm` while armed moves the one pending firing; `disarm` cancels it. */
export interface Rearmable {
  arm(ms: number): void;
  disarm(): void;
}

/** A clock's own re-armable timer, or one made of its setTimeout and clearTimeout. */
export function rearmable(clock: Clock, fn: () => void): Rearmable;
export function rearmable<T>(clock: Clock, fn: (arg: T) => void, arg: T): Rearmable;
export function rearmable<T>(clock: Clock, fn: (arg: T) => void, arg?: T): Rearmable {
  if (clock.rearmable) return clock.rearmable(fn, arg as T);
  let id: TimerId | undefined;
  const fire = (): void => {
    id = undefined;
    fn(arg as T);
  };
  return {
    arm(ms) {
      if (id !== undefined) clock.clearTimeout(id);
      id = clock.setTimeout(fire, ms);
    },
    disarm() {
      if (id !== undefined) clock.clearTimeout(id);
      id = undefined;
    },
  };
}

export type TimerId = number;
