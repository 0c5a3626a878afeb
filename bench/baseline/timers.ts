/**
 * The baseline's one source of time: a binary heap of timers fired in (time, insertion) order, like the engine's
 * VirtualClock, so events that fall due at the same instant run in the order they were armed. A timer is a plain
 * object (kind + payload) rather than a closure; a cancelled timer is flagged and skipped when it surfaces.
 */
export interface Timer {
  at: number;
  seq: number;
  kind: number;
  /** What the timer is about (an order, an algo, a strategy, a report). */
  ref: unknown;
  /** A second payload (a report, a generation count). */
  arg: unknown;
  cancelled: boolean;
}

export class TimerQueue {
  now: number;
  /** Insertion counter shared with the replay's own timer (see BaselineRun). */
  seq = 0;
  private readonly heap: Timer[] = [];

  constructor(start: number) {
    this.now = start;
  }

  /** Arms a timer `ms` from now (the same float arithmetic as the engine's clock: now + max(0, ms)). */
  after(ms: number, kind: number, ref: unknown, arg: unknown = undefined): Timer {
    const t: Timer = { at: this.now + (ms > 0 ? ms : 0), seq: this.seq++, kind, ref, arg, cancelled: false };
    const h = this.heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const hp = h[p]!;
      if (hp.at < t.at || (hp.at === t.at && hp.seq < t.seq)) break;
      h[i] = hp;
      i = p;
    }
    h[i] = t;
    return t;
  }

  /** The next live timer, or undefined. */
  peek(): Timer | undefined {
    const h = this.heap;
    while (h.length > 0 && h[0]!.cancelled) this.pop();
    return h[0];
  }

  pop(): Timer {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      const n = h.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        let m = l;
        if (r < n && (h[r]!.at < h[l]!.at || (h[r]!.at === h[l]!.at && h[r]!.seq < h[l]!.seq))) m = r;
        const hm = h[m]!;
        if (last.at < hm.at || (last.at === hm.at && last.seq < hm.seq)) break;
        h[i] = hm;
        i = m;
      }
      h[i] = last;
    }
    return top;
  }
}
