import { assign, enqueueActions, sendTo, setup, type ActorRefFrom } from 'xstate';
import { strategyMachine, type StrategyInput, type StrategyResult } from './strategy.machine.js';

/**
 * The root of the actor tree: running | stopping | stopped. It spawns one strategy per config entry
 * (systemId `strategy:<name>`, child id its index in the config) and, on a stop request, stops them all and ends
 * when each has stopped (each strategy's done event).
 */

export interface EngineInput {
  strategies: StrategyInput[];
}

export interface EngineContext {
  strategies: ActorRefFrom<typeof strategyMachine>[];
  stopped: string[];
}

/** What `stopStrategies` enqueues by name: one strategy's stop. */
type StopSends = { type: 'stopStrategy'; params: { to: ActorRefFrom<typeof strategyMachine> } };

export type EngineEvent = { type: 'stop.requested' } | { type: `xstate.done.actor.${string}`; actorId: string; output: StrategyResult };

export const engineMachine = setup({
  types: {
    context: {} as EngineContext,
    input: {} as EngineInput,
    events: {} as EngineEvent,
  },
  actors: { strategy: strategyMachine },
  actions: {
    /** Each strategy still running hears the stop, relayed once the engine's step is set, with the engine as its source. */
    // Typed by hand: `enqueueActions` left to infer inside `setup` breaks the other actions' inference (XSTATE-NOTES).
    stopStrategies: enqueueActions<EngineContext, EngineEvent, undefined, EngineEvent, never, StopSends, never, never, never>(({ context, enqueue }) => {
      for (const s of context.strategies) if (s.getSnapshot().status === 'active') enqueue({ type: 'stopStrategy', params: { to: s } });
    }),
    stopStrategy: sendTo((_, params: { to: ActorRefFrom<typeof strategyMachine> }) => params.to, { type: 'stop.requested' } as const),
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
    // A strategy's child id is its index in the config (its name is in its system id): XState copies the children
    // object once for every child it stops when this machine ends, and V8 copies integer keys as an array, where
    // a thousand named keys cost it about 1.5 ms a copy (the stop of 1,000 strategies: O(N²) either way, 1.5 s
    // with names).
    strategies: input.strategies.map((s, i) => spawn('strategy', { id: String(i), systemId: `strategy:${s.spec.name}`, input: s })),
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
