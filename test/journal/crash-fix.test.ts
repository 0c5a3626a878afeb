import { describe, it } from 'vitest';
import { crashRuns } from '../../scripts/crash.js';
import { expectClean } from './crash-checks.js';

describe('crash test over FIX 4.4: the same sessions with `legato venue --protocol fix` and `legato run --venue fix://…`', () => {
  // Each process loads jspurefix (seconds on a small machine), so this runs 3 sessions, one of each venue fault in
  // turn (a freeze past the heartbeat, a venue killed and restarted from its session store, a stray second logon);
  // `npm run crash -- --fix --venue-faults` runs the full count. The timeout is only a backstop for a hang.
  it('3 sessions: no duplicate order, no lost fill, no fill counted twice, positions equal the venue, every algo finished', async () => {
    const { counts, failures } = await crashRuns({ runs: 3, seed: 303, speed: 60, minutes: 12, maxKills: 2, parallel: 2, venueFaults: true, rotateFaults: true, fix: true });
    expectClean(counts, failures, 3);
  }, 1_200_000);
});
