import type { AnyStateMachine } from 'xstate';
import { algoMachine } from '../../machines/algo.machine.js';
import { engineMachine } from '../../machines/engine.machine.js';
import { orderMachine } from '../../machines/order.machine.js';
import { sessionMachine } from '../../machines/session.machine.js';
import { strategyMachine } from '../../machines/strategy.machine.js';
import { shapeOf, type Reached } from './coverage.js';

/**
 * The machines the model covers, as the report names them. The hedge ladder is the algo's `hedge` region,
 * reported on its own as well.
 */
export const machines: { name: string; machine: AnyStateMachine; within?: string }[] = [
  { name: 'session', machine: sessionMachine },
  { name: 'strategy', machine: strategyMachine },
  { name: 'algo', machine: algoMachine },
  { name: 'hedgeLadder', machine: algoMachine, within: 'algo.active.hedge' },
  { name: 'order', machine: orderMachine },
  { name: 'engine', machine: engineMachine },
];

/**
 * Transitions in the definitions that no run of the engine can take, and why. The model test fails when
 * the traversal reaches one of these, or misses one not listed here: a new state or transition must come
 * with the stimuli that reach it, or a reason here.
 */
export const UNREACHABLE: Record<string, string> = {
  'algo.active.entry.contingent.arming always #1 -> algo.active.entry.halted':
    'a spread quote exists only while every leg has a book, so a contingent entry can always send all its legs when it starts',
  'algo.pending always #1 -> algo.active.entry.quoting':
    'a quoting algo may always start (`canStart`), so it goes from `starting` straight to quoting and never waits in pending',
  'order.awaitingFills order.canceled #0 -> order.canceled':
    'only a venue that restates a lower filled count than the one it canceled with (a status answer) takes it: the model\'s venue counts the same each time; test/engine/venue-silence-hostile.test.ts covers it',
  'order.awaitingFills order.rejected #0 -> order.rejected':
    'only a venue that no longer knows an order it canceled with fills still to report (a status answer of unknown) takes it: the model\'s venue knows every order; test/engine/venue-silence-hostile.test.ts covers it',
  'order.pendingCancel cancel.requested #0 -> (stay)': 'the algo marks an order cancelling and never asks twice; a second request is ignored explicitly for other parents',
  'strategy.deciding always #0 -> strategy.long':
    'only for a strategy that starts holding a spread position (lots adopted from the venue, `--existing adopt`; test/machines/strategy.machine.test.ts, test/journal/existing-positions.test.ts): the model starts every strategy flat, and an ended algo goes straight to the position its fills leave',
  'strategy.deciding always #1 -> strategy.short':
    'as the one above, for a strategy that starts short (test/machines/strategy.machine.test.ts)',
  'session engine.resumed #0 -> session.deciding':
    'only when a journalled run resumes (test/journal/durable.test.ts: a boundary passed while the engine was down does not shift the later ones)',
};

export interface MachineCoverage {
  states: { covered: number; total: number };
  transitions: { covered: number; total: number };
  /** What the definition holds, and what of it no run can reach (see UNREACHABLE). */
  defined: { states: number; transitions: number };
  unreachable: string[];
  /** Reachable but not covered by any path run (empty at 100 %). */
  missing: string[];
}

const inside = (within: string | undefined) => (id: string): boolean => !within || id === within || id.startsWith(`${within}.`);
const sourceOf = (transition: string): string => transition.slice(0, transition.indexOf(' '));

/**
 * Coverage per machine: `total` counts the states and transitions the traversal reached (the reachable
 * ones), `covered` those the path runs took.
 */
export function coverageReport(reachable: Map<string, Reached>, covered: Map<string, Reached>): Record<string, MachineCoverage> {
  const out: Record<string, MachineCoverage> = {};
  for (const { name, machine, within } of machines) {
    const keep = inside(within);
    const shape = shapeOf(machine);
    const definedStates = shape.states.filter(keep);
    const definedTransitions = shape.transitions.filter((t) => keep(sourceOf(t)));
    const r = reachable.get(machine.id);
    const c = covered.get(machine.id);
    const rs = definedStates.filter((s) => r?.states.has(s));
    const rt = definedTransitions.filter((t) => r?.transitions.has(t));
    const cs = rs.filter((s) => c?.states.has(s));
    const ct = rt.filter((t) => c?.transitions.has(t));
    out[name] = {
      states: { covered: cs.length, total: rs.length },
      transitions: { covered: ct.length, total: rt.length },
      defined: { states: definedStates.length, transitions: definedTransitions.length },
      unreachable: definedTransitions.filter((t) => !r?.transitions.has(t)).concat(definedStates.filter((s) => !r?.states.has(s)).map((s) => `state ${s}`)),
      missing: rt.filter((t) => !c?.transitions.has(t)).concat(rs.filter((s) => !c?.states.has(s)).map((s) => `state ${s}`)),
    };
  }
  return out;
}
