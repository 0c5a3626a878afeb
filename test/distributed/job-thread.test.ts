import { describe, expect, it } from 'vitest';
import type { SweepJob } from '../../src/backtest/sweep.js';
import { JobThread } from '../../src/distributed/worker-runner.js';
import { config, localRows, writeData } from './sweep-fixture.js';

describe("a sweep worker's job thread", () => {
  it('a run past its time limit is ended with its thread; the next job runs on a new one and gets its own row (the ended thread answers no later job)', async () => {
    const fixture = writeData(2_000);
    const params = { longEntry: '4', longExit: '12' };
    const job: SweepJob = { raw: config, source: fixture.configFile, data: [fixture.data], badData: 'skip', combos: [{ index: 0, params }] };
    const thread = new JobThread();
    try {
      // 1 ms: no run (a round trip to the thread, the engine, the data) ends within it.
      expect(await thread.run(job, 1)).toEqual({ timedOut: 1 });
      // At once, while the ended thread is still going away: its exit is not this job's answer.
      const next = await thread.run(job);
      const local = (await localRows(fixture.data, fixture.configFile)).find((r) => r.params['longEntry'] === '4' && r.params['longExit'] === '12');
      expect(next).toEqual({ row: local });
    } finally {
      await thread.stop();
    }
  }, 120_000);
});
