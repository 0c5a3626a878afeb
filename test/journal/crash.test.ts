import { describe, expect, it } from 'vitest';
import { crashRuns } from '../../scripts/crash.js';

describe('crash test: SIGKILL at random moments, restart with --resume, check against the venue process', () => {
  // Bounded by its runs, not by the clock: the timeout is only a backstop for a hang (each wait inside has its own).
  it('10 sessions with venue faults: no duplicate order, no lost fill, no fill counted twice, positions equal the venue, every algo finished', async () => {
    const { counts, failures } = await crashRuns({ runs: 10, seed: 101, speed: 200, minutes: 24, maxKills: 2, parallel: 2, venueFaults: true });
    expect(failures).toEqual([]);
    expect(counts.runs).toBe(10);
    expect(counts.starts).toBe(counts.runs + counts.kills + counts.finalResumes);
    expect(counts.kills).toBeGreaterThan(0);
    // Most kills landed while the engine was running its session, not before it had begun.
    expect(counts.killsBeforeStart * 2).toBeLessThan(counts.kills);
    // One venue fault per run: a freeze the engine reconnected after, or a stray client refused (a fault that
    // came after the engine had finished, or while it was down, hit nothing).
    expect(counts.venueFreezes + counts.strayRefused + counts.faultsSkipped).toBe(10);
    expect(counts.venueFreezes + counts.strayRefused).toBeGreaterThan(0);
    expect(counts.reconnections).toBeGreaterThan(0);
    expect(counts.strayServed).toBe(0);
    expect(counts.orders).toBeGreaterThan(0);
    expect({
      duplicates: counts.duplicates,
      lostFills: counts.lostFills,
      doubleCounted: counts.doubleCounted,
      positionMismatches: counts.positionMismatches,
      unfinishedAlgos: counts.unfinishedAlgos,
      openOrdersLeft: counts.openOrdersLeft,
      failedRuns: counts.failedRuns,
    }).toEqual({ duplicates: 0, lostFills: 0, doubleCounted: 0, positionMismatches: 0, unfinishedAlgos: 0, openOrdersLeft: 0, failedRuns: 0 });
  }, 900_000);
});
