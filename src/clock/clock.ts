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
}

export type TimerId = number;
