import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

// LEGATO_TEST_REPORT=path also writes vitest's JSON report there (.ci/run reads its counts).
const report = process.env.LEGATO_TEST_REPORT;

/**
 * The files that take longest (whole sessions of processes, the model's paths, the FIX CLI) start first, so that
 * on a fresh clone, with no timings cached, none of them is left to run alone at the end on 2 cores. The rest keep
 * vitest's own order. Order only: no test depends on another.
 */
const LONG = ['test/journal/crash.test.ts', 'test/journal/crash-fix.test.ts', 'test/model/model.test.ts', 'test/cli/fix-cli.test.ts', 'test/distributed/', 'test/journal/venue-faults.test.ts', 'test/engine/simulated-day.test.ts', 'test/config/published-types.test.ts', 'test/journal/replace-resume.test.ts'];
const rank = (file: string): number => {
  const i = LONG.findIndex((p) => file.includes(p));
  return i < 0 ? LONG.length : i;
};
class LongFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    return sorted.map((f, i) => ({ f, i })).sort((a, b) => rank(a.f.moduleId) - rank(b.f.moduleId) || a.i - b.i).map(({ f }) => f);
  }
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    // vitest's default is one worker fewer than the cores (1 on CI's 2): most files wait on processes, sockets and
    // timers rather than the CPU, so two workers use the 2 cores.
    maxWorkers: 2,
    sequence: { sequencer: LongFirst },
    reporters: report ? ['default', 'json'] : ['default'],
    ...(report ? { outputFile: { json: report } } : {}),
  },
});
