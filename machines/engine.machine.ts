import { assign, setup, type ActorRefFrom } from 'xstate';
import { strategyMachine, type StrategyInput } from './strategy.machine.js';

/**
 * The root of the actor tree: running | stopping | stopped. It spawns one strategy per config entry
 * (systemId `strategy:<name>`) and, on a stop request, stops them all and ends when each has stopped.
 */

export interface EngineInput {
  strategies: StrategyInput[];
}

export interface EngineContext {
  strategies: ActorRefFrom<typeof strategyMachine>[];
  stopped: string[];
}

export type EngineEvent = { type: 'stop.requested' } | { type: 'strategy.stopped'; strategy: string; legLots: number[] };

export const engineMachine = setup({
  types: {
    context: {} as EngineContext,
    input: {} as EngineInput,
    events: {} as EngineEvent,
  },
  actors: { strategy: strategyMachine },
  actions: {
    stopStrategies: ({ context }) => {
      for (const s of context.strategies) s.send({ type: 'stop.requested' });
    },
    noteStopped: assign({
      stopped: ({ context, event }) => (event.type === 'strategy.stopped' ? [...context.stopped, event.strategy] : context.stopped),
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
  on: { 'strategy.stopped': { actions: 'noteStopped' } },
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
