import { describe, expect, it } from 'vitest';
import { assign, createActor, setup } from 'xstate';
import type { MarketView } from '../../src/domain/quote.js';
import { ViewGate, type ViewProbe } from '../../src/engine/view-gate.js';

/** A view whose spread ask is `ask`. */
const view = (ask: number): MarketView => ({ at: ask, spread: { bid: ask - 1, ask, bidSize: 1, askSize: 1 }, legs: [] });

/**
 * A machine like the algo, small: an eventless transition whose guard reads the view held (`market`) and a limit, and
 * two context fields no guard reads or one does (`spare`, replaced as an algo's spare orders were replenished in the eighteenth round; `limit`).
 */
const machine = setup({
  types: { context: {} as { market: MarketView | null; limit: number; spare: object; done: boolean } },
  guards: { reached: ({ context }) => context.market !== null && context.market.spread!.ask <= context.limit },
}).createMachine({
  context: { market: view(180), limit: 172, spare: {}, done: false },
  initial: 'waiting',
  states: { waiting: { always: { guard: 'reached', target: 'reached' } }, reached: {} },
  on: {
    spare: { actions: assign({ spare: () => ({}) }) },
    limit: { actions: assign({ limit: ({ context }) => context.limit + 1 }) },
  },
});

describe('the view gate keeps its survey across a step that changes nothing its guards read', () => {
  it('a new snapshot with only an unread field replaced (the spare) keeps the survey and its answers; one with a read field replaced is surveyed again', () => {
    const ref = createActor(machine).start();
    const probe: ViewProbe = { ref, withView: (_: never, v: MarketView) => ({ market: v }) };
    const gate = new ViewGate();
    expect(gate.admit('S', ref, [probe], view(179))).toBe(false);
    const first = probe.survey;
    expect(first?.read.has('spare')).toBe(false);
    ref.send({ type: 'spare' });
    expect(gate.admit('S', ref, [probe], view(178))).toBe(false);
    expect(probe.surveyed).toBe(ref.getSnapshot());
    expect(probe.survey).toBe(first);
    // The answers still hold: a view at the limit is a crossing, one above it is not.
    expect(gate.admit('S', ref, [probe], view(172))).toBe(true);
    expect(gate.admit('S', ref, [probe], view(175))).toBe(false);
    ref.send({ type: 'limit' });
    expect(gate.admit('S', ref, [probe], view(174))).toBe(false);
    expect(probe.survey).not.toBe(first);
    expect(gate.admit('S', ref, [probe], view(173))).toBe(true);
  });
});
