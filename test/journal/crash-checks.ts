import { expect } from 'vitest';
import type { CrashCounts } from '../../scripts/crash.js';

/** What every crash pass must show: nothing lost, doubled or left over, and faults that tested something. */
export function expectClean(counts: CrashCounts, failures: string[], runs: number): void {
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
