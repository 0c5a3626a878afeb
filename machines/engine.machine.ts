import { assign, setup, type ActorRefFrom } from 'xstate';
import { strategyMachine, type StrategyInput, type StrategyResult } from './strategy.machine.js';

/**
 * The root of the actor tree: running | stopping | stopped. It spawns one strategy per config entry
 * (systemId `strategy:<name>`) and, on a stop request, stops them all and ends when each has stopped
 * (each strategy's done event).
 */

export interface EngineInput {
  strategies: StrategyInput[];
}

export interface EngineContext {
  strategies: ActorRefFrom<typeof strategyMachine>[];
  stopped: string[];
}

export type EngineEvent = { type: 'stop.requested' } | { type: `xstate.done.actor.${string}`; actorId: string; output: StrategyResult };

export const engineMachine = setup({
  types: {
    context: {} as EngineContext,
    input: {} as EngineInput,
    events: {} as EngineEvent,
  },
  actors: { strategy: strategyMachine },
  actions: {
    stopStrategies: ({ context }) => {
      for (const s of context.strategies) if (s.getSnapshot().status === 'active') s.send({ type: 'stop.requested' });
    },
    noteStopped: assign({
      stopped: ({ context, event }) => ('output' in event ? [...context.stopped, event.output.strategy] : context.stopped),
    }),
  },
  guards: {
    allStopped: ({ context }) => context.stopped.length >= context.strategies.length,
  },
}).createMachine({
  id: 'engine',
  context: ({ input, spawn }) => ({
    strategies: input.strategies.map((s) => spawn('strategy', { id: s.spec.name, systemId: `strategy:${s.spec.name}`, input: s })),
    stopped: [],
  }),
  on: { 'xstate.done.actor.*': { actions: 'noteStopped' } },
  initial: 'running',
  states: {
    running: {
      on: { 'stop.requested': 'stopping' },
    },
    stopping: {
      entry: 'stopStrategies',
      always: { guard: 'allStopped', target: 'stopped' },
    },
    stopped: { type: 'final' },
  },
});
