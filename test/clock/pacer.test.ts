import { describe, expect, it } from 'vitest';
import { Pacer, type WallTime } from '../../src/clock/pacer.js';
import { calendarFor, isoToInstant, type CalendarSpec } from '../../src/domain/session-calendar.js';
import { demoConfig } from '../../src/config/demo.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { createEngine } from '../../src/engine/engine.js';

/** A wall that moves only when asked to sleep, and keeps every request. */
function fakeWall(): WallTime & { t: number; sleeps: number[] } {
  const w = {
    t: 0,
    sleeps: [] as number[],
    now: () => w.t,
    sleep: (ms: number) => {
      w.sleeps.push(ms);
      w.t += ms;
      return Promise.resolve();
    },
  };
  return w;
}

const demoCalendar = demoConfig.venue.calendar as CalendarSpec;
const shanghai = (iso: string): number => isoToInstant(iso, 'Asia/Shanghai');
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

describe('Pacer: how much wall time a span of simulated time asks for', () => {
  it('asks for span / speed, counted from the start, so a late wake-up is made up by the next wait', () => {
    const wall = fakeWall();
    const pacer = new Pacer({ speed: 60, wall, start: 1_000_000 });
    expect(pacer.waitBefore(1_000_000 + 60_000)).toBe(1000); // a simulated minute at 60×: one second
    wall.t = 400;
    expect(pacer.waitBefore(1_000_000 + 60_000)).toBe(600);
    wall.t = 1500; // woke up 500 ms late
    expect(pacer.waitBefore(1_000_000 + 60_000)).toBe(0);
    expect(pacer.waitBefore(1_000_000 + 120_000)).toBe(500); // due at 2000, not at 1500 + 1000
    expect(pacer.dueAt(1_000_000 + 3_600_000)).toBe(60_000);
  });

  it('counts only the hours the market is open: the 30 minutes before the demo night session cost nothing', () => {
    const wall = fakeWall();
    const start = shanghai('2026-11-23T20:30:00');
    const pacer = new Pacer({ speed: 3600, wall, start, market: calendarFor(demoCalendar) });
    expect(pacer.waitBefore(shanghai('2026-11-23T20:59:59'))).toBe(0);
    expect(pacer.waitBefore(shanghai('2026-11-23T21:00:00'))).toBe(0);
    expect(pacer.waitBefore(shanghai('2026-11-23T21:30:00'))).toBe(500); // 1,800 s open at 3600×
    // The night session ends at 23:00: the rest of the night to 09:00 is skipped at once.
    expect(pacer.dueAt(shanghai('2026-11-24T09:00:00'))).toBe(2000);
    // The morning break (10:15-10:30) and lunch (11:30-13:30) are skipped too: 09:00-15:00 holds 3 h 45 open.
    expect(pacer.dueAt(shanghai('2026-11-24T15:00:00'))).toBe(2000 + 3750);
    expect(pacer.pacedMs(shanghai('2026-11-24T15:00:00'))).toBe(5.75 * 3_600_000);
  });

  it('skips a weekend: Friday 15:00 to Monday 09:00 asks only for the Friday night session', () => {
    const wall = fakeWall();
    const start = shanghai('2026-11-27T15:00:00'); // a Friday
    const pacer = new Pacer({ speed: 7200, wall, start, market: calendarFor(demoCalendar) });
    expect(pacer.waitBefore(shanghai('2026-11-30T09:00:00'))).toBe(1000); // 21:00-23:00 Friday: 2 h at 7200×
  });

  it('refuses a speed that is not a positive finite number, naming it', () => {
    expect(() => new Pacer({ speed: 0, wall: fakeWall(), start: 0 })).toThrow('Pacer: speed must be a finite number greater than 0 (got 0)');
    expect(() => new Pacer({ speed: Infinity, wall: fakeWall(), start: 0 })).toThrow(RangeError);
  });
});

describe('Engine.run({ speed }): the waits it asks for', () => {
  const config = resolveConfig(demoConfig, 'demo');
  const start = config.run.start; // 2026-11-23 20:30 Shanghai; the night session opens at 21:00

  it('--speed 3600 for an hour from 20:30 asks for 500 ms: the open half hour at 3600×, the closed half hour at once', async () => {
    const wall = fakeWall();
    const summary = await createEngine(config).run({ speed: 3600, until: start + 3_600_000, wall });
    expect(summary.counts.quotes).toBeGreaterThan(0); // it ran: the night session's quotes came
    expect(sum(wall.sleeps)).toBeCloseTo(500, 9);
    expect(Math.max(...wall.sleeps)).toBeLessThanOrEqual(250);
    // Every wait but the last one is at least a millisecond (shorter ones fire at once; the pace catches up).
    expect(wall.sleeps.slice(0, -1).every((ms) => ms >= 1)).toBe(true);
  });

  it('--speed 60 is not faster than asked: 20:30 to 21:02 asks for 2 s (the old loop capped each wait at 1 s)', async () => {
    const wall = fakeWall();
    await createEngine(config).run({ speed: 60, until: start + 32 * 60_000, wall });
    expect(sum(wall.sleeps)).toBeCloseTo(2000, 9);
  });

  it("'max' asks for no wait at all", async () => {
    const wall = fakeWall();
    await createEngine(config).run({ speed: 'max', until: start + 3_600_000, wall });
    expect(wall.sleeps).toEqual([]);
  });
});
