import { assign, setup, stopChild, type ActorRefFrom } from 'xstate';
import { hedgedUnits } from '../src/domain/position.js';
import type { MarketView } from '../src/domain/quote.js';
import type { Triggers } from '../src/domain/triggers.js';
import { algoMachine, type AlgoResult, type AlgoSpec, type Purpose } from './algo.machine.js';
import { sessionMachine, type SessionInput, type SessionNotice } from './session.machine.js';

/**
 * A spread strategy: flat | long | short, each idle or working one algo. When flat it works both
 * entries; in a position it works the exit, and keeps working the entry toward the target while the
 * position is short of it. It launches algos only while its session window is open (not closing), stops
 * the running algo when the window starts closing, and forgets an algo's id whenever one ends.
 */

export type { Triggers };

/** The parts of an algo's spec that a strategy fixes once. */
export type AlgoTemplate = Omit<AlgoSpec, 'id' | 'strategy' | 'purpose' | 'side' | 'qty' | 'limit'>;

export interface StrategySpec {
  name: string;
  triggers: Triggers;
  /** Target position in spread units (> 0). */
  target: number;
  algo: AlgoTemplate;
  session: Omit<SessionInput, 'now'>;
}

export interface StrategyInput {
  spec: StrategySpec;
  now: number;
  /** Leg lots held at start (default flat). */
  legLots?: number[];
}

export interface StrategyContext {
  spec: StrategySpec;
  /** Signed lots per leg held by this strategy; the spread position is the hedged part of these. */
  legLots: number[];
  market: MarketView | null;
  algo: { id: string; purpose: Purpose; ref: ActorRefFrom<typeof algoMachine> } | null;
  seq: number;
  /** True while the session window is open and not closing. */
  gateOpen: boolean;
  session: ActorRefFrom<typeof sessionMachine>;
}

export type StrategyEvent =
  | { type: 'spread.quoted'; view: MarketView }
  | { type: 'stop.requested' }
  | SessionNotice
  | AlgoDoneEvent;

/** An algo reached its final state: XState's done event, carrying the algo's result. */
export interface AlgoDoneEvent {
  type: `xstate.done.actor.${string}`;
  actorId: string;
  output: AlgoResult;
}

/** What a strategy outputs when it stops (its parent's xstate.done.actor.<name>). */
export interface StrategyResult {
  strategy: string;
  legLots: number[];
}

const position = (c: StrategyContext): number => hedgedUnits(c.legLots, c.spec.algo.tradingMultipliers);

function wants(c: StrategyContext, purpose: Purpose): boolean {
  const q = c.market?.spread;
  if (!c.gateOpen || !q) return false;
  const t = c.spec.triggers;
  const pos = position(c);
  switch (purpose) {
    case 'longEntry':
      return t.longEntry !== null && pos >= 0 && pos < c.spec.target && q.ask <= t.longEntry;
    case 'longExit':
      return t.longExit !== null && pos > 0 && q.bid >= t.longExit;
    case 'shortEntry':
      return t.shortEntry !== null && pos <= 0 && -pos < c.spec.target && q.bid >= t.shortEntry;
    case 'shortExit':
      return t.shortExit !== null && pos < 0 && q.ask <= t.shortExit;
  }
}

/** Side, quantity and limit of the algo a purpose launches. */
export function orderFor(c: StrategyContext, purpose: Purpose): { side: 1 | -1; qty: number; limit: number } {
  const t = c.spec.triggers;
  const pos = position(c);
  switch (purpose) {
    case 'longEntry':
      return { side: 1, qty: c.spec.target - Math.max(0, pos), limit: t.longEntry! };
    case 'longExit':
      return { side: -1, qty: pos, limit: t.longExit! };
    case 'shortEntry':
      return { side: -1, qty: c.spec.target - Math.max(0, -pos), limit: t.shortEntry! };
    case 'shortExit':
      return { side: 1, qty: -pos, limit: t.shortExit! };
  }
}

export const strategyMachine = setup({
  types: {
    context: {} as StrategyContext,
    input: {} as StrategyInput,
    events: {} as StrategyEvent,
  },
  actors: { algo: algoMachine, session: sessionMachine },
  actions: {
    storeMarket: assign({ market: ({ event }) => (event.type === 'spread.quoted' ? event.view : null) }),
    /** The running algo sees every market update its strategy sees. */
    forwardToAlgo: ({ context, event }) => {
      context.algo?.ref.send(event as Extract<StrategyEvent, { type: 'spread.quoted' }>);
    },
    openGate: assign({ gateOpen: true }),
    closeGate: assign({ gateOpen: false }),
    stopAlgo: ({ context }) => {
      context.algo?.ref.send({ type: 'stop.requested' });
    },
    launchAlgo: assign(({ context, spawn }, params: { purpose: Purpose }) => {
      const seq = context.seq + 1;
      const id = `${context.spec.name}/${seq}`;
      const { side, qty, limit } = orderFor(context, params.purpose);
      const spec: AlgoSpec = { ...context.spec.algo, id, strategy: context.spec.name, purpose: params.purpose, side, qty, limit };
      const ref = spawn('algo', { id, systemId: `algo:${id}`, input: { spec, market: context.market } });
      return { seq, algo: { id, purpose: params.purpose, ref } };
    }),
    /** Every fill an algo made counts toward the position, whatever its status. */
    applyResult: assign({
      legLots: ({ context, event }) => context.legLots.map((l, i) => l + ((event as AlgoDoneEvent).output.filledLots[i] ?? 0)),
    }),
    /** Never skipped: the ended algo is stopped and its id dropped, so a new one can start. */
    stopEndedAlgo: stopChild(({ event }) => (event as AlgoDoneEvent).output.algoId),
    forgetAlgo: assign({ algo: ({ context, event }) => (context.algo?.id === (event as AlgoDoneEvent).output.algoId ? null : context.algo) }),
  },
  guards: {
    isLong: ({ context }) => position(context) > 0,
    isShort: ({ context }) => position(context) < 0,
    wantsLongEntry: ({ context }) => wants(context, 'longEntry'),
    wantsLongExit: ({ context }) => wants(context, 'longExit'),
    wantsShortEntry: ({ context }) => wants(context, 'shortEntry'),
    wantsShortExit: ({ context }) => wants(context, 'shortExit'),
    hasNoAlgo: ({ context }) => context.algo === null,
  },
}).createMachine({
  id: 'strategy',
  context: ({ input, spawn }) => ({
    spec: input.spec,
    legLots: input.legLots ?? input.spec.algo.tradingMultipliers.map(() => 0),
    market: null,
    algo: null,
    seq: 0,
    gateOpen: false,
    session: spawn('session', { id: 'session', systemId: `session:${input.spec.name}`, input: { ...input.spec.session, now: input.now } }),
  }),
  on: {
    'spread.quoted': { actions: ['storeMarket', 'forwardToAlgo'] },
    'session.opened': { actions: 'openGate' },
    'session.closing': { actions: ['closeGate', 'stopAlgo'] },
    'session.closed': { actions: ['closeGate', 'stopAlgo'] },
    // An algo ended (the session child never ends).
    'xstate.done.actor.*': { target: '.deciding', actions: ['applyResult', 'stopEndedAlgo', 'forgetAlgo'] },
    'stop.requested': '.stopping',
  },
  initial: 'deciding',
  states: {
    deciding: {
      always: [{ guard: 'isLong', target: 'long' }, { guard: 'isShort', target: 'short' }, { target: 'flat' }],
    },
    flat: {
      initial: 'idle',
      states: {
        idle: {
          always: [
            { guard: 'wantsLongEntry', target: 'working', actions: { type: 'launchAlgo', params: { purpose: 'longEntry' } } },
            { guard: 'wantsShortEntry', target: 'working', actions: { type: 'launchAlgo', params: { purpose: 'shortEntry' } } },
          ],
        },
        working: {},
      },
    },
    long: {
      initial: 'idle',
      states: {
        idle: {
          always: [
            { guard: 'wantsLongExit', target: 'working', actions: { type: 'launchAlgo', params: { purpose: 'longExit' } } },
            { guard: 'wantsLongEntry', target: 'working', actions: { type: 'launchAlgo', params: { purpose: 'longEntry' } } },
          ],
        },
        working: {},
      },
    },
    short: {
      initial: 'idle',
      states: {
        idle: {
          always: [
            { guard: 'wantsShortExit', target: 'working', actions: { type: 'launchAlgo', params: { purpose: 'shortExit' } } },
            { guard: 'wantsShortEntry', target: 'working', actions: { type: 'launchAlgo', params: { purpose: 'shortEntry' } } },
          ],
        },
        working: {},
      },
    },
    stopping: {
      entry: ['closeGate', 'stopAlgo'],
      always: { guard: 'hasNoAlgo', target: 'stopped' },
      on: {
        'xstate.done.actor.*': { actions: ['applyResult', 'stopEndedAlgo', 'forgetAlgo'] },
        'session.opened': {},
      },
    },
    stopped: { type: 'final' },
  },
  output: ({ context }): StrategyResult => ({ strategy: context.spec.name, legLots: context.legLots }),
});
