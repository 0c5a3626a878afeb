import { describe, expect, it } from 'vitest';
import { crashRuns, type CrashCounts } from '../../scripts/crash.js';

/** What every crash pass must show: nothing lost, doubled or left over, and faults that tested something. */
function expectClean(counts: CrashCounts, failures: string[], runs: number): void {
  expect(failures).toEqual([]);
  expect(counts.runs).toBe(runs);
  expect(counts.starts).toBe(counts.runs + counts.kills + counts.finalResumes);
  expect(counts.kills).toBeGreaterThan(0);
  // Most kills landed while the engine was running its session, not before it had begun.
  expect(counts.killsBeforeStart * 2).toBeLessThan(counts.kills);
  expect(counts.orders).toBeGreaterThan(0);
  // Every run's venue fault met its engine; every freeze and venue restart was reconnected from, and no stray client was served.
  expect(counts.venueFreezes + counts.venueRestarts + counts.strayRefused + counts.strayServed + counts.faultsSkipped).toBe(counts.runs);
  expect(counts.reconnections).toBe(counts.venueFreezes + counts.venueRestarts);
  expect(counts.strayServed).toBe(0);
  expect({
    duplicates: counts.duplicates,
    lostFills: counts.lostFills,
    doubleCounted: counts.doubleCounted,
    positionMismatches: counts.positionMismatches,
    unfinishedAlgos: counts.unfinishedAlgos,
    openOrdersLeft: counts.openOrdersLeft,
    failedRuns: counts.failedRuns,
  }).toEqual({ duplicates: 0, lostFills: 0, doubleCounted: 0, positionMismatches: 0, unfinishedAlgos: 0, openOrdersLeft: 0, failedRuns: 0 });
}

describe('crash test: SIGKILL at random moments and venue faults (a freeze past the heartbeat, a venue killed and replaced, a stray client), restart with --resume, check against the venue process', () => {
  // Bounded by its runs, not by the clock: the timeout is only a backstop for a hang (each wait inside has its own).
  it('10 sessions: no duplicate order, no lost fill, no fill counted twice, positions equal the venue, every algo finished', async () => {
    const { counts, failures } = await crashRuns({ runs: 10, seed: 101, speed: 200, minutes: 24, maxKills: 2, parallel: 2, venueFaults: true });
    expectClean(counts, failures, 10);
  }, 900_000);
});

describe('crash test over FIX 4.4: the same sessions with `legato venue --protocol fix` and `legato run --venue fix://…`', () => {
  // Each process loads jspurefix (seconds on a small machine), so this runs 3 sessions, one of each venue fault in
  // turn (a freeze past the heartbeat, a venue killed and restarted from its session store, a stray second logon);
  // `npm run crash -- --fix --venue-faults` runs the full count. The timeout is only a backstop for a hang.
  it('3 sessions: no duplicate order, no lost fill, no fill counted twice, positions equal the venue, every algo finished', async () => {
    const { counts, failures } = await crashRuns({ runs: 3, seed: 303, speed: 60, minutes: 12, maxKills: 2, parallel: 2, venueFaults: true, rotateFaults: true, fix: true });
    expectClean(counts, failures, 3);
  }, 1_200_000);
});
