import { createActor, type InspectionEvent } from 'xstate';
import { describe, expect, it } from 'vitest';
import { engineMachine } from '../../machines/engine.machine.js';
import type { StrategySpec } from '../../machines/strategy.machine.js';
import { VirtualClock } from '../../src/clock/virtual-clock.js';
import type { CalendarSpec } from '../../src/domain/session-calendar.js';
import { HC_RB_TEMPLATE } from '../helpers/specs.js';

const always: CalendarSpec = { timeZone: 'UTC', days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'], sessions: [{ start: '00:00', end: '00:00' }] };
const spec = (name: string): StrategySpec => ({
  name,
  triggers: { longEntry: 172, longExit: 180, shortEntry: 188, shortExit: 180 },
  target: 5,
  session: { calendar: always, closingLeadMs: 60_000 },
  algo: HC_RB_TEMPLATE,
});

describe('engine machine', () => {
  it('on a stop request tells each strategy, as its own event (the inspector names the engine), and ends when all have stopped', () => {
    const T0 = Date.UTC(2026, 10, 24, 8);
    const stops: { source: unknown; target: unknown }[] = [];
    const inspect = (e: InspectionEvent): void => {
      if (e.type === '@xstate.event' && e.event.type === 'stop.requested') stops.push({ source: e.sourceRef, target: e.actorRef });
    };
    const engine = createActor(engineMachine, { input: { strategies: [{ spec: spec('A'), now: T0 }, { spec: spec('B'), now: T0 }] }, clock: new VirtualClock(T0), inspect });
    engine.start();
    engine.send({ type: 'stop.requested' });
    const [a, b] = engine.getSnapshot().context.strategies;
    // Was: a plain action calling each strategy's send, so the inspector showed the stops with no source.
    expect(stops).toEqual([
      { source: undefined, target: engine },
      { source: engine, target: a },
      { source: engine, target: b },
    ]);
    expect(engine.getSnapshot().value).toBe('stopped');
    expect(engine.getSnapshot().context.stopped).toEqual(['A', 'B']);
  });
});
