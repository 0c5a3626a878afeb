import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { CoverageTracker } from './coverage.js';
import { addTransitionPaths, describeStimulus, ModelRun, traverse, type ModelPath, type Traversal } from './engine-model.js';
import { coverageReport, machines, UNREACHABLE } from './model-coverage.js';
import { scenarios } from './scenarios.js';

/**
 * Model-based tests: for each scenario, xstate/graph traverses the engine's model (see engine-model.ts) and
 * returns its shortest paths (and, for the small ones, every simple path); paths that take a transition no
 * other path takes are added. Every path then runs again on a fresh engine, and at every step the actors'
 * states must be the model's and the domain facts must hold. The coverage of each machine's reachable
 * states and transitions is written to coverage/model.json and must be 100 %.
 */

const reachable = new CoverageTracker();
const covered = new CoverageTracker();
const counts = { scenarios: 0, modelStates: 0, modelTransitions: 0, shortest: 0, simple: 0, transition: 0, steps: 0 };

function noteReached(t: Traversal): void {
  for (const e of t.edges) for (const [machine, c] of Object.entries(e.covers)) reachable.add(machine, c);
}

/** Runs a path on a fresh engine, checking the model state and the domain facts after every stimulus. */
function runPath(t: Traversal, p: ModelPath): void {
  const run = new ModelRun(t.scenario);
  const prefix = t.scenario.prefix?.length ?? 0;
  const label = (i: number): string => `${t.scenario.name}, ${p.kind} path [${p.stimuli.slice(0, i).map(describeStimulus).join(', ')}]`;
  for (let i = 0; i <= p.stimuli.length; i++) {
    if (i > 0) run.apply(p.stimuli[i - 1]!);
    expect(run.violation(), label(i)).toBeNull();
    if (i >= prefix) expect(run.key(), label(i)).toBe(p.keys[i - prefix]);
    counts.steps++;
  }
  covered.merge(run.tracker);
}

describe('model-based paths through the engine', () => {
  for (const scenario of scenarios) {
    it(`${scenario.name}: every path reaches the model's states, with the venue's orders, positions and exposure consistent at every step`, { timeout: 300_000 }, () => {
      const t = traverse(scenario);
      addTransitionPaths(t);
      // The traversal itself checked the facts after every stimulus of every replay.
      const broken = t.edges.filter((e) => e.violation);
      expect(broken.map((e) => `[${e.stimuli.map(describeStimulus).join(', ')}]: ${e.violation}`)).toEqual([]);
      noteReached(t);
      counts.scenarios++;
      counts.modelStates += t.states.length;
      counts.modelTransitions += t.edges.length;
      for (const p of t.paths) {
        runPath(t, p);
        counts[p.kind]++;
      }
      expect(t.paths.length).toBeGreaterThan(0);
    });
  }

  it('covers every reachable state and transition of every machine; what no run reaches is listed with its reason', () => {
    expect(counts.scenarios, 'every scenario ran').toBe(scenarios.length);
    const report = coverageReport(reachable.byMachine, covered.byMachine);
    const unreachable = Object.values(report).flatMap((m) => m.unreachable);
    expect([...new Set(unreachable)].sort()).toEqual(Object.keys(UNREACHABLE).sort());
    for (const [name, m] of Object.entries(report)) {
      expect(m.missing, `${name}: reachable but not covered`).toEqual([]);
      expect(m.states.covered, name).toBe(m.states.total);
      expect(m.transitions.covered, name).toBe(m.transitions.total);
    }
    // Everything the definitions hold is reachable but for the listed transitions.
    expect(report.session!.transitions).toEqual({ covered: 8, total: 8 });
    expect(report.engine!.transitions).toEqual({ covered: 3, total: 3 });
    // (An order the venue canceled on its own while it was being replaced, fills still in flight, can be asked to cancel
    // by the ladder's next step: that request is reached and ignored. Unreached: a second cancel request in
    // pendingCancel, a venue restating a lower count to an order awaiting its fills, and one no longer knowing it.)
    expect(report.order!.transitions.total).toBe(report.order!.defined.transitions - 3);
    // (A contingent entry that could not send all its legs at its start, and a quoting algo waiting in pending.)
    expect(report.algo!.transitions.total).toBe(report.algo!.defined.transitions - 2);
  });
});

afterAll(() => {
  if (counts.scenarios !== scenarios.length) return;
  const report = coverageReport(reachable.byMachine, covered.byMachine);
  const json: Record<string, unknown> = {};
  for (const [name, m] of Object.entries(report)) json[name] = { states: m.states, transitions: m.transitions, defined: m.defined, unreachable: m.unreachable.map((t) => ({ transition: t, why: UNREACHABLE[t] ?? null })) };
  json.paths = { shortest: counts.shortest, simple: counts.simple, transition: counts.transition, steps: counts.steps };
  json.model = { scenarios: counts.scenarios, states: counts.modelStates, transitions: counts.modelTransitions };
  mkdirSync('coverage', { recursive: true });
  writeFileSync('coverage/model.json', `${JSON.stringify(json, null, 2)}\n`);
  const pct = (c: { covered: number; total: number }): string => `${c.covered}/${c.total} (${c.total ? ((100 * c.covered) / c.total).toFixed(0) : 100} %)`;
  const lines = machines.map(({ name }) => {
    const m = report[name]!;
    return `  ${name.padEnd(12)} states ${pct(m.states).padEnd(14)} transitions ${pct(m.transitions).padEnd(16)} (defined ${m.defined.states} states, ${m.defined.transitions} transitions; unreachable ${m.unreachable.length})`;
  });
  console.log(
    [
      'Model coverage (coverage/model.json):',
      ...lines,
      `  model: ${counts.scenarios} scenarios, ${counts.modelStates} states, ${counts.modelTransitions} transitions explored`,
      `  paths run: ${counts.shortest} shortest, ${counts.simple} simple, ${counts.transition} for transitions; ${counts.steps} steps checked`,
    ].join('\n'),
  );
});
