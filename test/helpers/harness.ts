import { assign, createActor, setup, type AnyActorLogic, type AnyActorRef, type EventObject, type InspectionEvent } from 'xstate';
import { VirtualClock } from '../../src/clock/virtual-clock.js';
import { stateString as flat } from '../../src/engine/state-string.js';

/**
 * Runs a machine as the child of a small parent that records every event the child sends it
 * (sendParent), on a VirtualClock so delays are exact; `inspect` hears XState's inspection events of the whole system.
 */
export function harness<L extends AnyActorLogic>(logic: L, input: unknown, options: { start?: number; systemId?: string; inspect?: (e: InspectionEvent) => void } = {}) {
  const clock = new VirtualClock(options.start ?? 0);
  const received: (EventObject & Record<string, unknown>)[] = [];
  const parentMachine = setup({
    types: { context: {} as { child: AnyActorRef } },
    actors: { child: logic as AnyActorLogic },
  }).createMachine({
    context: ({ spawn }) => ({ child: spawn('child', { id: 'child', systemId: options.systemId ?? 'child', input }) }),
    on: {
      '*': { actions: assign(({ context, event }) => {
        if (!event.type.startsWith('xstate.')) received.push(event as EventObject & Record<string, unknown>);
        return context;
      }) },
    },
  });
  const parent = createActor(parentMachine, { clock, ...(options.inspect ? { inspect: options.inspect } : {}) });
  const errors: unknown[] = [];
  parent.subscribe({ error: (e) => errors.push(e) });
  parent.start();
  const child = (): AnyActorRef => parent.getSnapshot().context.child;
  return {
    clock,
    parent,
    child,
    received,
    errors,
    /** The child's state value, as a dotted string (parallel regions joined by ','). */
    state: (): string => flat(child().getSnapshot().value) ?? '',
    context: <T = any>(): T => child().getSnapshot().context as T,
    /** The child's output once it is done (what its parent gets in xstate.done.actor.<id>). */
    output: <T = any>(): T => child().getSnapshot().output as T,
    send: (e: { type: string; [key: string]: unknown }): void => child().send(e),
    system: parent.system,
  };
}


