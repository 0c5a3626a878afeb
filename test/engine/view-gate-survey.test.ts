import { describe, expect, it } from 'vitest';
import { createActor, setup, type AnyActorRef } from 'xstate';
import type { MarketView } from '../../src/domain/quote.js';
import { ViewGate, type ViewProbe } from '../../src/engine/view-gate.js';

const view = (ask: number): MarketView => ({ at: 0, spread: { bid: ask - 2, bidSize: 1, ask, askSize: 1 }, legs: [] });

/** Idle until a view's ask reaches 10, by a guard that reads the event's view (the context's is never read). */
const machine = setup({
  types: { context: {} as { market: MarketView | null }, events: {} as { type: 'spread.quoted'; view: MarketView } },
  guards: {
    eventReaches: ({ event }) => event.view.spread !== null && event.view.spread.ask <= 10,
  },
}).createMachine({
  context: { market: null },
  initial: 'idle',
  states: {
    idle: { on: { 'spread.quoted': { guard: 'eventReaches', target: 'entered' } } },
    entered: {},
  },
});

describe('the view gate asks the guards that read the event\'s view', () => {
  it('a view that a spread.quoted guard reads from the event, and no guard from the context, is a crossing when the guard answers differently', () => {
    const ref = createActor(machine).start() as AnyActorRef;
    const probe: ViewProbe = { ref, withView: (_, v) => ({ market: v }) };
    const gate = new ViewGate();
    expect(gate.admit('s', ref, [probe], view(12))).toBe(false);
    expect(gate.admit('s', ref, [probe], view(11))).toBe(false);
    expect(gate.admit('s', ref, [probe], view(10))).toBe(true);
    expect(gate.counts).toEqual({ held: 2, quiet: 0, crossings: 1, flushed: 0 });
  });

  it('such a guard is asked about each view itself: a view that lets its transition be taken is a crossing, whatever the first view asked about was', () => {
    const ref = createActor(machine).start() as AnyActorRef;
    const probe: ViewProbe = { ref, withView: (_, v) => ({ market: v }) };
    const gate = new ViewGate();
    // The first view asked about already reaches 10: a crossing; so do the later ones that reach it, not the others.
    expect([10, 12, 9, 11, 10].map((a) => gate.admit('s', ref, [probe], view(a)))).toEqual([true, false, true, false, true]);
  });

  it('a guard that reads neither the context\'s view nor the event\'s is not asked again: no view is a crossing for it', () => {
    const quiet = setup({ types: { events: {} as { type: 'spread.quoted'; view: MarketView } }, guards: { never: () => false } }).createMachine({
      initial: 'idle',
      states: { idle: { on: { 'spread.quoted': { guard: 'never', target: 'idle' } } } },
    });
    const ref = createActor(quiet).start() as AnyActorRef;
    const gate = new ViewGate();
    expect([12, 10, 1].map((a) => gate.admit('s', ref, [{ ref, withView: () => ({}) }], view(a)))).toEqual([false, false, false]);
  });
});
