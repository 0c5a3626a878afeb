import fc from 'fast-check';
import { describe, it } from 'vitest';
import { checkInvariants, runScenario, scenarioArb } from './engine-properties.js';

// Fixed seed and a modest count in the suite; scripts/properties.ts runs many more.
const RUNS = 10;

describe('invariants on random markets, venue faults and configs', () => {
  it('always-open market with rejects, cancel rejects, duplicate and late reports', { timeout: 240_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb({ disconnects: false, sessions: false }), async (s) => checkInvariants(s, await runScenario(s))),
      { seed: 20261121, numRuns: RUNS },
    );
  });

  it('the Shanghai calendar with its breaks, and disconnects too', { timeout: 240_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb({ disconnects: true, sessions: true }), async (s) => checkInvariants(s, await runScenario(s))),
      { seed: 1121, numRuns: RUNS },
    );
  });
});
