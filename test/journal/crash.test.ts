import { describe, it } from 'vitest';
import { crashRuns } from '../../scripts/crash.js';
import { expectClean } from './crash-checks.js';

describe('crash test: SIGKILL at random moments and venue faults (a freeze past the heartbeat, a venue killed and replaced, a stray client), restart with --resume, check against the venue process', () => {
  // Bounded by its runs, not by the clock: the timeout is only a backstop for a hang (each wait inside has its own).
  it('10 sessions: no duplicate order, no lost fill, no fill counted twice, positions equal the venue, every algo finished', async () => {
    const { counts, failures } = await crashRuns({ runs: 10, seed: 101, speed: 200, minutes: 24, maxKills: 2, parallel: 2, venueFaults: true });
    expectClean(counts, failures, 10);
  }, 900_000);
});
