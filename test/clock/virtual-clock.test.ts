import { describe, it, expect } from 'vitest';
import { rearmable, type Clock } from '../../src/clock/clock.js';
import { VirtualClock } from '../../src/clock/virtual-clock.js';
import { WallClock } from '../../src/clock/wall-clock.js';

const T0 = 1_000;

describe('VirtualClock', () => {
  it('starts at the given time, 0 by default', () => {
    expect(new VirtualClock(T0).now()).toBe(T0);
    expect(new VirtualClock().now()).toBe(0);
  });

  it('rejects a non-finite start time with a RangeError', () => {
    expect(() => new VirtualClock(Number.NaN)).toThrow(RangeError);
    expect(() => new VirtualClock(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });

  it('fires timers in (time, insertion) order, each at its own time', () => {
    const clock = new VirtualClock(T0);
    const fired: [string, number][] = [];
    const at = (name: string, ms: number): void => void clock.setTimeout(() => fired.push([name, clock.now()]), ms);
    at('a', 30);
    at('b', 10);
    at('c', 30);
    at('d', 10);
    at('e', 20);
    at('f', 10);
    clock.runUntil(T0 + 100);
    expect(fired).toEqual([
      ['b', 1010],
      ['d', 1010],
      ['f', 1010],
      ['e', 1020],
      ['a', 1030],
      ['c', 1030],
    ]);
  });

  it('gives every timer a distinct id', () => {
    const clock = new VirtualClock(T0);
    const ids = [clock.setTimeout(() => {}, 1), clock.setTimeout(() => {}, 1), clock.setTimeout(() => {}, Number.POSITIVE_INFINITY)];
    expect(new Set(ids).size).toBe(3);
  });

  it('clearTimeout prevents a timer from firing', () => {
    const clock = new VirtualClock(T0);
    const fired: string[] = [];
    const a = clock.setTimeout(() => fired.push('a'), 10);
    clock.setTimeout(() => fired.push('b'), 20);
    expect(clock.pending).toBe(2);
    clock.clearTimeout(a);
    expect(clock.pending).toBe(1);
    clock.runUntil(T0 + 100);
    expect(fired).toEqual(['b']);
    expect(clock.pending).toBe(0);
  });

  it('clearTimeout from inside an earlier timer prevents a later one', () => {
    const clock = new VirtualClock(T0);
    const fired: string[] = [];
    const b = clock.setTimeout(() => fired.push('b'), 20);
    clock.setTimeout(() => {
      fired.push('a');
      clock.clearTimeout(b);
    }, 10);
    clock.runUntil(T0 + 100);
    expect(fired).toEqual(['a']);
  });

  it('clearTimeout of a fired or unknown id does nothing', () => {
    const clock = new VirtualClock(T0);
    const id = clock.setTimeout(() => {}, 1);
    clock.runUntil(T0 + 1);
    clock.clearTimeout(id);
    clock.clearTimeout(999);
    expect(clock.pending).toBe(0);
  });

  it('fires timers set inside timers in the same runUntil when they fall due, after those already queued', () => {
    const clock = new VirtualClock(T0);
    const fired: [string, number][] = [];
    const log = (name: string) => (): void => void fired.push([name, clock.now()]);
    clock.setTimeout(() => {
      log('outer')();
      clock.setTimeout(log('inner+0'), 0);
      clock.setTimeout(log('inner+5'), 5);
      clock.setTimeout(log('inner+50'), 50);
    }, 10);
    clock.setTimeout(log('sibling'), 10);
    clock.runUntil(T0 + 20);
    expect(fired).toEqual([
      ['outer', 1010],
      ['sibling', 1010],
      ['inner+0', 1010],
      ['inner+5', 1015],
    ]);
    expect(clock.pending).toBe(1);
    expect(clock.nextAt()).toBe(1060);
  });

  it('runUntil fires a timer due exactly at the target and leaves now at the target', () => {
    const clock = new VirtualClock(T0);
    let firedAt: number | undefined;
    clock.setTimeout(() => (firedAt = clock.now()), 25);
    clock.runUntil(T0 + 24);
    expect(firedAt).toBeUndefined();
    expect(clock.now()).toBe(1024);
    clock.runUntil(T0 + 25);
    expect(firedAt).toBe(1025);
    clock.runUntil(T0 + 40);
    expect(clock.now()).toBe(1040);
  });

  it('runUntil never moves time backward', () => {
    const clock = new VirtualClock(T0);
    clock.runUntil(T0 - 500);
    expect(clock.now()).toBe(T0);
  });

  it('advance moves time by the given milliseconds, firing what falls due', () => {
    const clock = new VirtualClock(T0);
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(clock.now()), 30);
    clock.advance(20);
    expect(clock.now()).toBe(1020);
    expect(fired).toEqual([]);
    clock.advance(20);
    expect(clock.now()).toBe(1040);
    expect(fired).toEqual([1030]);
  });

  it('step fires one due timer at or before the limit, and nothing beyond it', () => {
    const clock = new VirtualClock(T0);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('a'), 10);
    clock.setTimeout(() => fired.push('b'), 20);
    expect(clock.step(T0 + 15)).toBe(true);
    expect(fired).toEqual(['a']);
    expect(clock.now()).toBe(1010);
    expect(clock.step(T0 + 15)).toBe(false);
    expect(fired).toEqual(['a']);
    expect(clock.now()).toBe(1010);
    expect(clock.step(T0 + 20)).toBe(true);
    expect(fired).toEqual(['a', 'b']);
    expect(clock.now()).toBe(1020);
  });

  it('step without a limit fires the next timer however far away, and returns false when none is left', () => {
    const clock = new VirtualClock(T0);
    clock.setTimeout(() => {}, 1_000_000);
    expect(clock.step()).toBe(true);
    expect(clock.now()).toBe(1_001_000);
    expect(clock.step()).toBe(false);
    expect(clock.now()).toBe(1_001_000);
  });

  it('nextAt skips cancelled timers and is undefined when none is waiting', () => {
    const clock = new VirtualClock(T0);
    expect(clock.nextAt()).toBeUndefined();
    const a = clock.setTimeout(() => {}, 10);
    const b = clock.setTimeout(() => {}, 20);
    clock.setTimeout(() => {}, 30);
    expect(clock.nextAt()).toBe(1010);
    clock.clearTimeout(a);
    clock.clearTimeout(b);
    expect(clock.nextAt()).toBe(1030);
    expect(clock.pending).toBe(1);
    clock.runUntil(T0 + 30);
    expect(clock.nextAt()).toBeUndefined();
  });

  it.each([
    ['Infinity', Number.POSITIVE_INFINITY],
    ['−Infinity', Number.NEGATIVE_INFINITY],
    ['NaN', Number.NaN],
  ])('never fires a timer with a %s delay', (_label, ms) => {
    const clock = new VirtualClock(T0);
    let fired = false;
    clock.setTimeout(() => (fired = true), ms);
    expect(clock.pending).toBe(0);
    expect(clock.nextAt()).toBeUndefined();
    clock.runUntil(Number.MAX_SAFE_INTEGER);
    expect(fired).toBe(false);
  });

  it('fires a timer with a negative delay at the current time, after timers already due then', () => {
    const clock = new VirtualClock(T0);
    const fired: [string, number][] = [];
    clock.setTimeout(() => fired.push(['zero', clock.now()]), 0);
    clock.setTimeout(() => fired.push(['negative', clock.now()]), -50);
    expect(clock.nextAt()).toBe(T0);
    clock.runUntil(T0);
    expect(fired).toEqual([
      ['zero', 1000],
      ['negative', 1000],
    ]);
  });

  describe('re-armable timers', () => {
    it('take their place among timers due at the same moment exactly as setTimeout would', () => {
      // The same schedule twice: once with a re-armable timer, once with setTimeout in its place. Each tick sets a
      // timer due with the next tick before re-arming, and one after: the first fires before the next tick, the
      // second after it.
      const run = (useSlot: boolean): string[] => {
        const clock = new VirtualClock(T0);
        const fired: string[] = [];
        let n = 0;
        const tick = (): void => {
          const k = n++;
          fired.push(`tick${k}@${clock.now()}`);
          if (k === 3) return;
          clock.setTimeout(() => fired.push(`before${k + 1}@${clock.now()}`), 10);
          arm(10);
          clock.setTimeout(() => fired.push(`after${k + 1}@${clock.now()}`), 10);
        };
        const slot = clock.rearmable(tick);
        const arm = (ms: number): void => void (useSlot ? slot.arm(ms) : clock.setTimeout(tick, ms));
        arm(10);
        clock.runUntil(T0 + 100);
        return fired;
      };
      const expected = ['tick0@1010', 'before1@1020', 'tick1@1020', 'after1@1020', 'before2@1030', 'tick2@1030', 'after2@1030', 'before3@1040', 'tick3@1040', 'after3@1040'];
      expect(run(false)).toEqual(expected);
      expect(run(true)).toEqual(expected);
    });

    it('count as pending while armed; re-arming moves the one firing, disarming cancels it', () => {
      const clock = new VirtualClock(T0);
      const fired: number[] = [];
      const slot = clock.rearmable(() => fired.push(clock.now()));
      expect(clock.pending).toBe(0);
      slot.arm(50);
      expect(clock.pending).toBe(1);
      slot.arm(20);
      expect(clock.pending).toBe(1);
      expect(clock.nextAt()).toBe(T0 + 20);
      clock.runUntil(T0 + 100);
      expect(fired).toEqual([T0 + 20]);
      expect(clock.pending).toBe(0);
      slot.arm(10);
      slot.disarm();
      expect(clock.pending).toBe(0);
      expect(clock.nextAt()).toBeUndefined();
      clock.runUntil(T0 + 200);
      expect(fired).toEqual([T0 + 20]);
      slot.arm(Infinity);
      expect(clock.pending).toBe(0);
    });

    it('fire once at their last arming when an earlier arming of the same timer is still in the heap', () => {
      // The timer is its own heap entry: moved later, it sits in the heap twice, and only the last arming counts.
      const clock = new VirtualClock(T0);
      const fired: string[] = [];
      let again = true;
      const slot = clock.rearmable(() => {
        fired.push(`slot@${clock.now()}`);
        // Armed again from its own firing while a stale entry of it (due at +40) is still in the heap.
        if (again) slot.arm(30);
        again = false;
      });
      clock.setTimeout(() => fired.push(`t@${clock.now()}`), 20);
      slot.arm(10);
      slot.arm(40);
      slot.arm(25);
      expect(clock.pending).toBe(2);
      expect(clock.nextAt()).toBe(T0 + 20);
      clock.runUntil(T0 + 100);
      expect(fired).toEqual([`t@${T0 + 20}`, `slot@${T0 + 25}`, `slot@${T0 + 55}`]);
      expect(clock.pending).toBe(0);
      expect(clock.nextAt()).toBeUndefined();
    });

    it('call their one function with the argument of each timer, on a clock of its own or through setTimeout', () => {
      const clock = new VirtualClock(T0);
      // The same clock without its own re-armable timers: `rearmable` builds them of setTimeout and clearTimeout.
      const plain: Clock = { now: () => clock.now(), setTimeout: (fn, ms) => clock.setTimeout(fn, ms), clearTimeout: (id) => clock.clearTimeout(id) };
      const fired: string[] = [];
      const fire = (name: string): void => void fired.push(`${name}@${clock.now() - T0}`);
      const a = clock.rearmable(fire, 'a');
      const b = rearmable(clock, fire, 'b');
      const c = rearmable(plain, fire, 'c');
      a.arm(30);
      b.arm(10);
      c.arm(20);
      clock.runUntil(T0 + 100);
      expect(fired).toEqual(['b@10', 'c@20', 'a@30']);
    });
  });
});

describe('WallClock', () => {
  it('now is the epoch time in milliseconds', () => {
    const before = Date.now();
    const now = new WallClock().now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it('fires a 20 ms timer once and forgets it', async () => {
    const clock = new WallClock();
    let calls = 0;
    const fired = new Promise<void>((resolve) =>
      clock.setTimeout(() => {
        calls++;
        resolve();
      }, 20),
    );
    expect(clock.pending).toBe(1);
    await fired;
    expect(calls).toBe(1);
    expect(clock.pending).toBe(0);
  });

  it('fires a timer with a negative delay', async () => {
    const clock = new WallClock();
    await new Promise<void>((resolve) => clock.setTimeout(resolve, -5));
    expect(clock.pending).toBe(0);
  });

  it('clearTimeout prevents a timer from firing', async () => {
    const clock = new WallClock();
    let fired = false;
    const id = clock.setTimeout(() => (fired = true), 20);
    clock.clearTimeout(id);
    expect(clock.pending).toBe(0);
    // A later timer on the same clock fires after the cancelled one would have.
    await new Promise<void>((resolve) => clock.setTimeout(resolve, 60));
    expect(fired).toBe(false);
  });

  it('never fires a timer with an Infinity delay, arms nothing, and clearTimeout of it is harmless', async () => {
    const clock = new WallClock();
    let fired = false;
    const id = clock.setTimeout(() => (fired = true), Number.POSITIVE_INFINITY);
    expect(clock.pending).toBe(0);
    await new Promise<void>((resolve) => clock.setTimeout(resolve, 20));
    expect(fired).toBe(false);
    clock.clearTimeout(id);
    expect(clock.pending).toBe(0);
  });

  it('gives every timer a distinct id', () => {
    const clock = new WallClock();
    const ids = [clock.setTimeout(() => {}, 1), clock.setTimeout(() => {}, Number.POSITIVE_INFINITY), clock.setTimeout(() => {}, 1)];
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) clock.clearTimeout(id);
    expect(clock.pending).toBe(0);
  });
});
