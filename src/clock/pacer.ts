/**
 * Real time, as a paced run needs it: a monotonic `now` (ms) and a way to wait. Injected so that tests can
 * check the pacing decisions exactly, without waiting (src/clock/wall-clock.ts has the real one).
 */
export interface WallTime {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** When the market is open: the venue calendar's answers (SessionCalendar has both). */
export interface MarketHours {
  isOpen(ms: number): boolean;
  /** The next instant strictly after `ms` at which open/closed changes, or null when it never does. */
  nextBoundary(ms: number): { at: number } | null;
}

export interface PacerOptions {
  /** Simulated ms per wall ms (`--speed N`): greater than 0 and finite. */
  speed: number;
  wall: WallTime;
  /** Simulated time at which pacing starts (the run's start). */
  start: number;
  /** Without it every simulated millisecond is paced; with it only open hours are, and closed hours cost no wall time. */
  market?: MarketHours;
}

/**
 * Paces a simulated run at `speed` × wall time while the market is open. The wall time a simulated instant is
 * due at is fixed from the start: wall₀ + (open simulated ms between start and t) / speed. So a late wake-up is
 * made up by the next waits (no drift, however many timers), and time while the market is closed (nights,
 * breaks, weekends, holidays) passes at once.
 */
export class Pacer {
  readonly speed: number;
  private readonly wall: WallTime;
  private readonly market: MarketHours | undefined;
  private wall0: number | undefined;
  /** Open ms counted from the start up to `cursor`. */
  private cursor: number;
  private open = 0;
  /** The market state from `cursor` until `segmentEnd` (cached: one calendar lookup per open/close change). */
  private segmentOpen = true;
  private segmentEnd = -Infinity;

  constructor(options: PacerOptions) {
    if (!(options.speed > 0) || !Number.isFinite(options.speed)) throw new RangeError(`Pacer: speed must be a finite number greater than 0 (got ${options.speed})`);
    if (!Number.isFinite(options.start)) throw new RangeError(`Pacer: start must be a finite time (got ${options.start})`);
    this.speed = options.speed;
    this.wall = options.wall;
    this.market = options.market;
    this.cursor = options.start;
  }

  /** Open (paced) simulated ms from the start to `t`; instants before the last one asked about count as it. */
  pacedMs(t: number): number {
    let at = this.cursor;
    let open = this.open;
    let segOpen = this.segmentOpen;
    let segEnd = this.segmentEnd;
    while (at < t) {
      if (at >= segEnd) {
        if (!this.market) {
          segOpen = true;
          segEnd = Infinity;
        } else {
          segOpen = this.market.isOpen(at);
          segEnd = this.market.nextBoundary(at)?.at ?? Infinity;
        }
      }
      const stop = Math.min(t, segEnd);
      if (segOpen) open += stop - at;
      at = stop;
    }
    // Remember the walk: the clock never goes back, so the next question starts here.
    this.cursor = at;
    this.open = open;
    this.segmentOpen = segOpen;
    this.segmentEnd = segEnd;
    return open;
  }

  /** The wall time (per `wall.now()`) at which simulated time `t` is due. The first call fixes wall₀. */
  dueAt(t: number): number {
    this.wall0 ??= this.wall.now();
    return this.wall0 + this.pacedMs(t) / this.speed;
  }

  /** How long (wall ms) to wait before simulated time `t` may happen: 0 when it is due already. */
  waitBefore(t: number): number {
    return Math.max(0, this.dueAt(t) - this.wall.now());
  }

  sleep(ms: number): Promise<void> {
    return this.wall.sleep(ms);
  }
}
