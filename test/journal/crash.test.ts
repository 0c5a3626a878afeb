import { describe, expect, it } from 'vitest';
import { crashRuns } from '../../scripts/crash.js';

describe('crash test: SIGKILL at random moments, restart with --resume, check against the venue process', () => {
  it('10 sessions: no duplicate order, no lost fill, no fill counted twice, positions equal the venue, every algo finished', async () => {
    const { counts, failures } = await crashRuns({ runs: 10, seed: 101, speed: 400, minutes: 16, maxKills: 2, parallel: 2 });
    expect(failures).toEqual([]);
    expect(counts.runs).toBe(10);
    expect(counts.starts).toBe(counts.runs + counts.kills);
    expect(counts.kills).toBeGreaterThan(0);
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
  }, 120_000);
});
