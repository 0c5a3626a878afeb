/**
 * The property tests at length: `npm run properties -- [--runs N] [--seed S]`. Prints how many runs it did per
 * suite and, if an invariant breaks, the shrunk counterexample (turn it into a regression test).
 */
import fc from 'fast-check';
import { checkInvariants, runScenario, scenarioArb } from '../test/properties/engine-properties.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const runs = arg('--runs', 200);
const seed = arg('--seed', Date.now() % 1_000_000);
let failed = false;
for (const [name, options] of [
  ['always open, venue faults', { disconnects: false, sessions: false }],
  ['Shanghai sessions, venue faults and disconnects', { disconnects: true, sessions: true }],
] as const) {
  let count = 0;
  const t0 = performance.now();
  const result = await fc.check(
    fc.asyncProperty(scenarioArb(options), async (s) => {
      count++;
      checkInvariants(s, await runScenario(s));
    }),
    { seed, numRuns: runs },
  );
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  if (result.failed) {
    failed = true;
    console.log(`${name}: FAILED after ${result.numRuns} runs (${count} with shrinking, ${seconds} s), seed ${seed}`);
    console.log(`  counterexample: ${JSON.stringify(result.counterexample)}`);
    console.log(`  ${String(result.errorInstance).slice(0, 400)}`);
  } else console.log(`${name}: ${result.numRuns} runs passed (${seconds} s), seed ${seed}`);
}
process.exitCode = failed ? 1 : 0;
