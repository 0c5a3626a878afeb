import { describe, expect, it } from 'vitest';
import type { EngineRecord } from '../../src/engine/records.js';
import { at, ModelRun, type Stimulus } from './engine-model.js';
import { scenarios } from './scenarios.js';

/** Counterexamples the model-based traversal found, each kept as the path that found it. */
describe('model regressions', () => {
  // Found by the traversal of 'paused until the entry fills': a contingent entry leaves HC 4 lots naked, the
  // legs go stale and the ladder pauses; the session window closes at 10:15; a quote published at 10:15:00
  // made the ladder resume and send a hedge (hc-rb/1.3) after the close. The algo now prices from nothing
  // between the window's close and its next open.
  it('a quote after the session window closed does not make a paused ladder send; it hedges when the window opens again', () => {
    const run = new ModelRun(scenarios.find((s) => s.name === 'paused until the entry fills')!);
    const records: EngineRecord[] = [];
    run.engine.records$.subscribe((r) => records.push(r));
    const path: Stimulus[] = [{ type: 'market', name: 'rbThin' }, { type: 'tick' }, { type: 'tick' }, { type: 'tick' }, { type: 'tick' }, { type: 'market', name: 'rbUp' }];
    for (const s of path) run.apply(s);
    expect(run.clock.now()).toBe(at('10:15:00'));
    const submitted = () => records.filter((r) => r.kind === 'order.submitted').map((r) => (r as { clientId: string; at: number }));
    expect(submitted().map((o) => o.clientId)).toEqual(['hc-rb/1.1', 'hc-rb/1.2']);
    expect(run.key()).toContain('algo=active.entry.halted,active.hedge.paused lots=5,-1');
    expect(run.violation()).toBeNull();
    // 10:30 the window opens. The entry had failed (its leg timeout), so with the next quote the ladder goes
    // straight to unwinding: it sells the 4 naked HC lots at the bid less 5 ticks, and they fill at the bid.
    run.apply({ type: 'wait', ms: at('10:30:00') - at('10:15:00') });
    run.apply({ type: 'market', name: 'mid' });
    expect(submitted().slice(2)).toEqual([{ kind: 'order.submitted', at: at('10:30:00'), clientId: 'hc-rb/1.3', symbol: 'HC', side: -1, qty: 4, price: 3374, role: 'unwind' }]);
    const ended = records.filter((r) => r.kind === 'algo.ended').map((r) => (r as { execution: { status: string; reason: string; residualLots: number[]; legs: { lots: number }[] } }).execution);
    expect(ended).toMatchObject([{ status: 'stopped', reason: 'legFailed', residualLots: [0, 0], legs: [{ lots: 1 }, { lots: -1 }] }]);
    expect(run.violation()).toBeNull();
  });
});
