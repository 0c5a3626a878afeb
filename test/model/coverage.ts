import type { AnyStateMachine, InspectionEvent } from 'xstate';
import { getStateNodes } from 'xstate/graph';

/** What of one machine a run reached: state node ids and transition keys. */
export interface Reached {
  states: Set<string>;
  transitions: Set<string>;
}

/** A machine's states (history pseudo-states excluded) and transitions, from its definition. */
export interface Shape {
  states: string[];
  transitions: string[];
}

type Node = AnyStateMachine['root'];
type TransitionDef = { source: Node; eventType: string; target?: readonly Node[] | undefined };

/**
 * A transition's key: its source state, its event ('always' for an eventless one) and its place among
 * that source's candidates for the event, plus its targets to read by.
 */
function transitionKey(t: TransitionDef, index: number): string {
  const targets = t.target?.length ? t.target.map((n) => n.id).join(',') : '(stay)';
  return `${t.source.id} ${t.eventType === '' ? 'always' : t.eventType} #${index} -> ${targets}`;
}

function keyOf(t: TransitionDef): string | undefined {
  const src = t.source as Node & { always?: TransitionDef[] };
  const list = t.eventType === '' ? src.always : (src.transitions.get(t.eventType) as TransitionDef[] | undefined);
  const i = list?.indexOf(t) ?? -1;
  return i < 0 ? undefined : transitionKey(t, i);
}

export function shapeOf(machine: AnyStateMachine): Shape {
  const nodes = [machine.root, ...getStateNodes(machine.root)] as (Node & { always?: TransitionDef[] })[];
  const transitions: string[] = [];
  for (const n of nodes) {
    for (const defs of n.transitions.values()) (defs as TransitionDef[]).forEach((t, i) => transitions.push(transitionKey(t, i)));
    (n.always ?? []).forEach((t, i) => transitions.push(transitionKey(t, i)));
  }
  const states = nodes.filter((n) => n !== machine.root && n.type !== 'history').map((n) => n.id);
  return { states: states.sort(), transitions: transitions.sort() };
}

/** Collects, per machine (by its id), the states entered and transitions taken, from XState's inspection events. */
export class CoverageTracker {
  readonly byMachine = new Map<string, Reached>();

  private reached(machineId: string): Reached {
    let r = this.byMachine.get(machineId);
    if (!r) this.byMachine.set(machineId, (r = { states: new Set(), transitions: new Set() }));
    return r;
  }

  readonly observe = (e: InspectionEvent): void => {
    if (e.type !== '@xstate.microstep' && e.type !== '@xstate.snapshot') return;
    const logic = (e.actorRef as { logic?: { id?: string; root?: unknown } }).logic;
    if (!logic?.root || !logic.id) return;
    const r = this.reached(logic.id);
    const nodes = (e.snapshot as { _nodes?: { id: string; type: string }[] })._nodes ?? [];
    for (const n of nodes) if (n.id !== logic.id && n.type !== 'history') r.states.add(n.id);
    if (e.type === '@xstate.microstep') {
      for (const t of (e as { _transitions: TransitionDef[] })._transitions) {
        const k = keyOf(t);
        if (k) r.transitions.add(k);
        // The source was active when the transition was taken: this counts a transient state (one that an
        // eventless transition leaves at once), which no settled snapshot shows.
        for (let n: (Node & { parent?: Node }) | undefined = t.source; n && n.id !== logic.id; n = n.parent) r.states.add(n.id);
      }
    }
  };

  /** Adds what another run reached, per machine id. */
  add(machineId: string, reached: { states: Iterable<string>; transitions: Iterable<string> }): void {
    const mine = this.reached(machineId);
    for (const s of reached.states) mine.states.add(s);
    for (const t of reached.transitions) mine.transitions.add(t);
  }

  merge(other: CoverageTracker): void {
    for (const [id, r] of other.byMachine) this.add(id, r);
  }
}
