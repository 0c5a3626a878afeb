import { describe, expect, it } from 'vitest';
import type { AnyActorRef } from 'xstate';
import { demoConfig } from '../../src/config/demo.js';
import { resolveConfig, type EngineConfig } from '../../src/config/resolve.js';
import type { SimulatedConfigInput } from '../../src/config/schema.js';
import { createEngine } from '../../src/engine/engine.js';
import type { EngineRecord } from '../../src/engine/records.js';
import { VirtualClock } from '../../src/clock/virtual-clock.js';
import type { ViewGate } from '../../src/engine/view-gate.js';
import { at, scriptedDemo } from '../helpers/scripted-demo.js';
import { ScriptedVenue } from '../helpers/scripted-venue.js';

/** The algo's view of the market: when it was computed and RB's book (null when unusable). */
function algoView(ref: AnyActorRef): { at: number; rb: { bid: number; ask: number } | null } {
  const market = (ref.getSnapshot() as { context: { market: { at: number; legs: ({ bid: number; ask: number } | null)[] } } }).context.market;
  const rb = market.legs[1] ?? null;
  return { at: market.at, rb: rb && { bid: rb.bid, ask: rb.ask } };
}

describe('crossings, not views: the engine holds back views that change nothing an algo decides on', () => {
  it('a quote that moves nothing the working entry decides on is held, and the newest view reaches the algo before the fill', () => {
    const s = scriptedDemo('10:00:00');
    s.until('10:00:10');
    s.venue.quote('HC', 3379, 3380);
    s.venue.quote('RB', 3208, 3209); // spread ask 172: the long entry goes out
    expect(s.venue.submitted.map((o) => `${o.clientId} ${o.symbol} ${o.side} ${o.qty}@${o.price}`)).toEqual(['hc-rb/1.1 HC 1 5@3381']);
    s.venue.accept('hc-rb/1.1');
    const algo = s.engine.actor.system.get('algo:hc-rb/1') as AnyActorRef;
    const views = s.engine.summary().counts.views;
    expect(algoView(algo)).toEqual({ at: at('10:00:10'), rb: { bid: 3208, ask: 3209 } });

    // While the entry works, the hedge leg's book moves: nothing the algo decides on changes until a report.
    s.clock.advance(100);
    s.venue.quote('RB', 3207, 3208);
    s.clock.advance(100);
    s.venue.quote('RB', 3206, 3207);
    expect(s.engine.summary().counts.views).toBe(views);
    expect(algoView(algo)).toEqual({ at: at('10:00:10'), rb: { bid: 3208, ask: 3209 } });

    // The fill: the algo first gets the newest view (not the one in between), then hedges at RB's bid now.
    s.venue.fill('hc-rb/1.1', 5, 3380);
    expect(s.engine.summary().counts.views).toBe(views + 1);
    expect(algoView(algo)).toEqual({ at: at('10:00:10') + 200, rb: { bid: 3206, ask: 3207 } });
    expect(s.venue.submitted.at(-1)).toMatchObject({ clientId: 'hc-rb/1.2', symbol: 'RB', side: -1, qty: 5, price: 3206 });
  });

  it('a crossing goes at once: an idle strategy hears the view that reaches its trigger, not the ones before it', () => {
    const s = scriptedDemo('10:00:00');
    s.until('10:00:10');
    s.venue.quote('HC', 3379, 3380);
    s.venue.quote('RB', 3200, 3201); // spread ask 180: no trigger reached
    const views = s.engine.summary().counts.views;
    s.venue.quote('RB', 3201, 3202); // 179: the decision filter passes nothing new
    s.venue.quote('RB', 3202, 3203);
    expect(s.venue.submitted).toEqual([]);
    s.venue.quote('RB', 3208, 3209); // 172: the long entry
    expect(s.engine.summary().counts.views).toBe(views + 1);
    expect(s.venue.submitted.map((o) => `${o.clientId} ${o.symbol} ${o.side} ${o.qty}@${o.price}`)).toEqual(['hc-rb/1.1 HC 1 5@3381']);
  });

  it('a delayed event reads the market as it is when it fires: a stale hedge re-prices from the newest book', () => {
    const s = scriptedDemo('10:00:00', (c) => {
      c.strategies[0]!.execution = { ...c.strategies[0]!.execution, hedge: { crossAfterMs: 10_000, unwindAfterMs: 20_000 } };
    });
    s.until('10:00:10');
    s.venue.quote('HC', 3379, 3380);
    s.venue.quote('RB', 3208, 3209);
    s.venue.accept('hc-rb/1.1');
    s.venue.fill('hc-rb/1.1', 5, 3380);
    expect(s.venue.submitted.at(-1)).toMatchObject({ clientId: 'hc-rb/1.2', symbol: 'RB', side: -1, qty: 5, price: 3208 });
    s.venue.accept('hc-rb/1.2');
    const views = s.engine.summary().counts.views;
    // RB's bid falls away from the resting hedge: no event of the algo's reads it until the re-price timer.
    s.clock.advance(50);
    s.venue.quote('RB', 3205, 3206);
    expect(s.engine.summary().counts.views).toBe(views);
    s.clock.advance(5_000);
    expect(s.engine.summary().counts.views).toBe(views + 1);
    expect(s.venue.cancels.map((c) => c.clientId)).toEqual(['hc-rb/1.2']);
    s.venue.canceled('hc-rb/1.2', 0);
    expect(s.venue.submitted.at(-1)).toMatchObject({ clientId: 'hc-rb/1.3', symbol: 'RB', side: -1, qty: 5, price: 3205 });
  });

  it("another strategy's report does not deliver a strategy's held view; its own report does", () => {
    // Two strategies on the same legs, with the same triggers: both enter on the same quote.
    const s = scriptedDemo('10:00:00', (c) => {
      c.strategies.push({ ...structuredClone(c.strategies[0]!), name: 'hc-rb-2' });
    });
    s.until('10:00:10');
    s.venue.quote('HC', 3379, 3380);
    s.venue.quote('RB', 3208, 3209);
    expect(s.venue.submitted.map((o) => o.clientId)).toEqual(['hc-rb/1.1', 'hc-rb-2/1.1']);
    s.venue.accept('hc-rb/1.1');
    s.venue.accept('hc-rb-2/1.1');
    const first = s.engine.actor.system.get('algo:hc-rb/1') as AnyActorRef;
    const second = s.engine.actor.system.get('algo:hc-rb-2/1') as AnyActorRef;
    const views = s.engine.summary().counts.views;

    // RB moves: held for both strategies.
    s.clock.advance(100);
    s.venue.quote('RB', 3206, 3207);
    expect(s.engine.summary().counts.views).toBe(views);

    // The second strategy's fill brings its own view up to date and hedges at RB's bid now; the first still holds.
    s.venue.fill('hc-rb-2/1.1', 5, 3380);
    expect(s.engine.summary().counts.views).toBe(views + 1);
    expect(algoView(second)).toEqual({ at: at('10:00:10') + 100, rb: { bid: 3206, ask: 3207 } });
    expect(algoView(first)).toEqual({ at: at('10:00:10'), rb: { bid: 3208, ask: 3209 } });
    expect(s.venue.submitted.at(-1)).toMatchObject({ clientId: 'hc-rb-2/1.2', symbol: 'RB', side: -1, qty: 5, price: 3206 });

    // The first strategy's fill: its newest view first, then its hedge at the same bid.
    s.venue.fill('hc-rb/1.1', 5, 3380);
    expect(s.engine.summary().counts.views).toBe(views + 2);
    expect(algoView(first)).toEqual({ at: at('10:00:10') + 100, rb: { bid: 3206, ask: 3207 } });
    expect(s.venue.submitted.at(-1)).toMatchObject({ clientId: 'hc-rb/1.2', symbol: 'RB', side: -1, qty: 5, price: 3206 });
  });

  it('an idle strategy holds a view that moved only triggers its state does not watch without asking its machines, and has it before its next event', () => {
    const s = scriptedDemo('10:00:00');
    const gate = (s.engine as unknown as { viewGate: ViewGate }).viewGate;
    const strategy = s.engine.actor.system.get('strategy:hc-rb') as AnyActorRef;
    const spreadHeld = (): unknown => (strategy.getSnapshot() as { context: { market: { spread: unknown } | null } }).context.market?.spread ?? null;
    s.until('10:00:10');
    s.venue.quote('HC', 3379, 3380);
    // The first view (HC alone, unquoted), then a quoted one: the machines are asked.
    s.venue.quote('RB', 3200, 3201); // spread 178/180: at the short exit (180) only, which a flat strategy does not watch
    expect(gate.counts).toMatchObject({ held: 2, quiet: 0, crossings: 0 });
    s.venue.quote('RB', 3198, 3199); // 180/182: at the long exit now, off the short exit; flat watches the entries (172, 188)
    expect(gate.counts).toMatchObject({ held: 3, quiet: 1, crossings: 0 });
    expect(spreadHeld()).toBeNull();
    expect(s.engine.summary().counts.views).toBe(0);
    // The operator's pause reaches the strategy after the newest view.
    expect(s.engine.pauseStrategy('hc-rb')).toMatchObject({ ok: true });
    expect(s.engine.summary().counts.views).toBe(1);
    expect(spreadHeld()).toEqual({ bid: 180, bidSize: expect.any(Number), ask: 182, askSize: expect.any(Number) });
    // Resumed, a view at the long entry (ask 172) still goes at once.
    expect(s.engine.resumeStrategy('hc-rb')).toMatchObject({ ok: true });
    s.venue.quote('RB', 3208, 3209);
    expect(gate.counts).toMatchObject({ held: 3, quiet: 1, crossings: 1 });
    expect(s.venue.submitted.map((o) => `${o.clientId} ${o.symbol} ${o.side} ${o.qty}@${o.price}`)).toEqual(['hc-rb/1.1 HC 1 5@3381']);
  });

  describe('a strategy that forgot its view at the close hears the first view after the reopen, whatever its mask', () => {
    /** The demo with books that never go stale in the break, and a short exit below the long entry's reach. */
    const reopened = (postOpenRb: [number, number]) => {
      const s = scriptedDemo('10:14:00', (c) => {
        c.strategies[0]!.staleAfterMs = 3_600_000;
        c.strategies[0]!.triggers = { longEntry: '172', longExit: '180', shortEntry: '188', shortExit: '170' };
      });
      s.until('10:14:56'); // closing (a 5 s lead): no launch
      s.venue.quote('HC', 3379, 3380);
      s.venue.quote('RB', 3208, 3209); // 170/172: at the long entry, not at the short exit
      s.until('10:30:01'); // closed at 10:15 (the strategy forgets its view), open again at 10:30; no quote between
      // Both legs in one instant: the stage evaluates once, after the reopen.
      s.venue.quotes$.next({ symbol: 'HC', bid: 3379, ask: 3380, bidSize: 10, askSize: 10, ts: s.clock.now(), more: true });
      s.venue.quotes$.next({ symbol: 'RB', bid: postOpenRb[0], ask: postOpenRb[1], bidSize: 10, askSize: 10, ts: s.clock.now() });
      return s.venue.submitted.map((o) => `${o.clientId} ${o.symbol} ${o.side} ${o.qty}@${o.price} ${o.at - at('10:30:01')}`);
    };

    it('a view that changed only a trigger flat does not watch (the short exit) is a crossing for a strategy holding none', () => {
      expect(reopened([3210, 3211])).toEqual(['hc-rb/1.1 HC 1 5@3381 0']); // 168/170
    });

    it('a view with the mask of the view before the close is a crossing too', () => {
      expect(reopened([3208, 3209])).toEqual(['hc-rb/1.1 HC 1 5@3381 0']); // 170/172 again
    });
  });

  it('a control made while the engine starts (by a stateChanges$ subscriber) sends the next view whatever it changes', () => {
    const firstViews = (control: boolean): number => {
      const c = structuredClone(demoConfig);
      c.run = { start: '2026-11-24T10:00:00', days: 1 };
      const config = resolveConfig(c, 'scenario');
      const clock = new VirtualClock(config.run.start);
      const venue = new ScriptedVenue(clock, ['HC', 'RB']);
      const engine = createEngine(config, { clock, venue });
      let asked = false;
      engine.stateChanges$.subscribe(() => {
        if (!control || asked) return;
        asked = true;
        expect(engine.setTriggers('hc-rb', {})).toEqual({ ok: true, strategies: ['hc-rb'] });
      });
      engine.start();
      clock.runUntil(at('10:00:10'));
      venue.quote('HC', 3379, 3380);
      venue.quote('RB', 3200, 3201); // spread ask 180: no trigger reached, so the gate would hold the view
      return engine.summary().counts.views;
    };
    expect(firstViews(false)).toBe(0);
    expect(firstViews(true)).toBe(1);
  });
});

/** Runs a config on its simulated venue, every view sent or only the crossings; its records, and views sent. */
async function records(config: EngineConfig, crossingsOnly: boolean): Promise<{ records: string[]; views: number; orders: number }> {
  const engine = createEngine(config, { crossingsOnly });
  const out: EngineRecord[] = [];
  engine.records$.subscribe((r) => out.push(r));
  const summary = await engine.run();
  return { records: out.map((r) => JSON.stringify(r)), views: summary.counts.views, orders: summary.counts.orders };
}

describe('what reaches the machines between executions', () => {
  it('once an algo has ended, the decision filter refuses again every view that changes no decision: the demo\'s half day sends 8 views of 28,421 quotes', async () => {
    const engine = createEngine(resolveConfig(demoConfig, 'demo', { seed: 1, days: 0.5 }));
    const summary = await engine.run();
    expect(summary.counts).toMatchObject({ quotes: 28_421, executions: 3, views: 7 });
  });
});

describe('crossings only make the same decisions as every view', () => {
  /** A thin, fast market with slow reports, where partial fills, re-prices and races happen. */
  const harsh = (kind: 'taker' | 'contingent' | 'quoting', seed: number): EngineConfig => {
    const c: SimulatedConfigInput = structuredClone(demoConfig);
    c.venue.latencyMs = 150;
    for (const i of c.venue.instruments) {
      i.quoteIntervalMs = 100;
      i.size = { min: 1, max: 3 };
    }
    c.strategies[0]!.execution = { ...c.strategies[0]!.execution, kind, resubmitMs: 400 };
    return resolveConfig(c, `harsh ${kind}`, { seed, days: 0.25 });
  };
  /**
   * Two strategies of each kind on the same two legs, their triggers apart: their orders meet in one book, and a
   * report or a delayed event of one strategy brings only its own held view up to date.
   */
  const crowded = (): EngineConfig => {
    const c: SimulatedConfigInput = structuredClone(demoConfig);
    c.venue.latencyMs = 150;
    for (const i of c.venue.instruments) {
      i.quoteIntervalMs = 100;
      i.size = { min: 1, max: 3 };
    }
    const base = c.strategies[0]!;
    c.strategies = (['taker', 'contingent', 'quoting'] as const).flatMap((kind, k) =>
      [0, 1].map((j) => ({
        ...structuredClone(base),
        name: `${kind}-${j}`,
        triggers: { longEntry: String(172 + j + k), longExit: '180', shortEntry: String(188 - j - k), shortExit: '180' },
        execution: { ...base.execution, kind, resubmitMs: 400 },
      })),
    );
    return resolveConfig(c, 'crowded', { seed: 4, days: 0.05 });
  };
  const cases = [
    ...[1, 2].map((seed) => ({ name: `the demo, seed ${seed}`, config: () => resolveConfig(demoConfig, 'demo', { seed, days: 0.5 }) })),
    ...(['taker', 'contingent', 'quoting'] as const).map((kind) => ({ name: `a thin, fast market with ${kind} algos`, config: () => harsh(kind, 3) })),
    { name: 'six strategies of three kinds on the same legs, in a thin, fast market', config: crowded },
  ];
  for (const { name, config } of cases) {
    it(`${name}: every record the same, in the same order, with fewer views sent`, async () => {
      const every = await records(config(), false);
      const crossings = await records(config(), true);
      expect(every.orders).toBeGreaterThan(0);
      expect(crossings.records.length).toBe(every.records.length);
      for (let i = 0; i < every.records.length; i++) expect(crossings.records[i], `record ${i}`).toBe(every.records[i]);
      expect(crossings.views).toBeLessThan(every.views);
    });
  }
});
