/**
 * The desk's controls in the library API (Engine.setTriggers, setTarget, startAlgo, stopAlgo, pauseStrategy,
 * stopStrategy): checked as the config is checked, journalled as `control` records with what changed, applied by
 * the strategy machine, and restored by a resumed journal. The demo's spread HC − RB with its triggers out of the
 * market's reach (100 / 300 / 260 / 50, the spread near 180), target 5, so the strategy trades only when a test
 * says; the night session opens at 21:00 Shanghai (the run starts 20:30).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DurableEngine, createEngine, demoConfig, resolveConfig, type ControlRecord, type Engine, type EngineRecord, type Execution, type LegQuote } from '../../src/index.js';
import { QUIET_TRIGGERS, quietDemoConfig } from './helpers.js';

const MIN = 60_000;
const config = quietDemoConfig(0.1);
const t0 = config.run.start;

/** The demo engine, started, at `minutes` past 20:30, with its control records and algo starts collected. */
function demo(minutes = 45): { engine: Engine; controls: ControlRecord[]; records: EngineRecord[]; quotes: Map<string, LegQuote> } {
  const engine = createEngine(config);
  const records: EngineRecord[] = [];
  const controls: ControlRecord[] = [];
  const quotes = new Map<string, LegQuote>();
  engine.records$.subscribe((r) => {
    records.push(r);
    if (r.kind === 'control') controls.push(r);
  });
  engine.venue.quotes$.subscribe((q) => quotes.set(q.symbol, q));
  engine.start();
  engine.runUntil(t0 + minutes * MIN);
  return { engine, controls, records, quotes };
}

/** The spread's ask and bid now (HC − RB, tick 1: ticks are prices). */
function spreadNow(quotes: Map<string, LegQuote>): { bid: number; ask: number } {
  const hc = quotes.get('HC')!;
  const rb = quotes.get('RB')!;
  return { bid: hc.bid - rb.ask, ask: hc.ask - rb.bid };
}

const strategyContext = (engine: Engine): { spec: { triggers: Record<string, number | null>; target: number }; paused: boolean; algo: { id: string } | null } =>
  engine.actor.system.get('strategy:hc-rb')!.getSnapshot().context;

describe('Engine.setTriggers', () => {
  it('refuses what the config refuses, naming the field, and changes nothing', async () => {
    const { engine, controls } = demo();
    const refused = (t: Parameters<Engine['setTriggers']>[1]) => engine.setTriggers('hc-rb', t);
    // Every problem at once, as the config lists them.
    expect(refused({ longEntry: '270', longExit: '265' })).toEqual({
      ok: false,
      refusal: 'invalid',
      error:
        'triggers.longEntry: must be below shortEntry (260): between them the spread would trigger a buy and a sell at once (got "270"); ' +
        'triggers.longExit: must be above longEntry (270) (got "265")',
    });
    expect(refused({ longEntry: '270' })).toEqual({
      ok: false,
      refusal: 'invalid',
      error: 'triggers.longEntry: must be below shortEntry (260): between them the spread would trigger a buy and a sell at once (got "270")',
    });
    expect(refused({ longExit: '99' })).toEqual({ ok: false, refusal: 'invalid', error: 'triggers.longExit: must be above longEntry (100) (got "99")' });
    expect(refused({ shortExit: '260' })).toEqual({ ok: false, refusal: 'invalid', error: 'triggers.shortExit: must be below shortEntry (260) (got "260")' });
    expect(refused({ longEntry: null, shortEntry: null })).toEqual({ ok: false, refusal: 'invalid', error: 'triggers: needs longEntry or shortEntry' });
    expect(refused({ longEntry: 'abc' })).toEqual({ ok: false, refusal: 'invalid', error: 'triggers.longEntry: must be a decimal number (got "abc")' });
    expect(refused({ longEntry: '1e400' }).ok).toBe(false);
    expect(refused({ longEntry: '9999999999999999' })).toMatchObject({ ok: false, refusal: 'invalid', error: expect.stringContaining('triggers.longEntry: must be at most 10^15') });
    expect(refused({ entry: '170' } as never)).toEqual({ ok: false, refusal: 'invalid', error: 'triggers.entry: is not a trigger (longEntry, longExit, shortEntry, shortExit)' });
    expect(engine.setTriggers('nope', { longEntry: '170' })).toEqual({ ok: false, refusal: 'unknownStrategy', error: 'no strategy named "nope" (strategies: hc-rb)' });
    expect(controls).toEqual([]);
    expect(strategyContext(engine).spec.triggers).toEqual({ longEntry: 100, longExit: 300, shortEntry: 260, shortExit: 50 });
    await engine.stop();
    expect(engine.setTriggers('hc-rb', { longEntry: '170' })).toEqual({ ok: false, refusal: 'notRunning', error: 'the engine has stopped' });
  });

  it('journals the prices before and after, and the strategy launches at the new trigger on the next view', async () => {
    const { engine, controls, records, quotes } = demo();
    const { ask } = spreadNow(quotes);
    // The long entry one above the ask now (and the rest above it, so they do not overlap): a buy is due.
    const set = { longEntry: String(ask + 1), longExit: String(ask + 10), shortEntry: String(ask + 20), shortExit: String(ask + 15) };
    const at = engine.clock.now();
    expect(engine.setTriggers('hc-rb', set, { source: 'test' })).toEqual({ ok: true, strategies: ['hc-rb'] });
    expect(controls).toEqual([{ kind: 'control', at, action: 'setTriggers', strategy: 'hc-rb', source: 'test', triggers: set, previous: QUIET_TRIGGERS }]);
    expect(strategyContext(engine).spec.triggers).toEqual({ longEntry: ask + 1, longExit: ask + 10, shortEntry: ask + 20, shortExit: ask + 15 });
    // Nothing is launched on the view the strategy held: it waits for the next one.
    expect(records.filter((r) => r.kind === 'algo.started')).toEqual([]);
    engine.runUntil(at + 60_000);
    const started = records.find((r) => r.kind === 'algo.started');
    expect(started).toMatchObject({ purpose: 'longEntry', side: 1, qty: 5, limit: ask + 1 });
    const ended = records.find((r): r is Extract<EngineRecord, { kind: 'algo.ended' }> => r.kind === 'algo.ended');
    // The execution reports the trigger it worked, not the config's.
    expect(ended?.execution.trigger).toBe(String(ask + 1));
    await engine.stop();
  });

  it('changes one trigger and keeps the others; null turns one off', async () => {
    const { engine, controls } = demo();
    expect(engine.setTriggers('hc-rb', { shortEntry: null, longExit: 111 })).toEqual({ ok: true, strategies: ['hc-rb'] });
    expect(controls[0]).toMatchObject({ triggers: { longEntry: '100', longExit: '111', shortEntry: null, shortExit: '50' }, source: 'library' });
    expect(strategyContext(engine).spec.triggers).toEqual({ longEntry: 100, longExit: 111, shortEntry: null, shortExit: 50 });
    await engine.stop();
  });

  it('the stream stage decides on the new triggers: a long entry just below the market is bought when the ask comes down to it', async () => {
    const { engine, records, quotes } = demo();
    const { ask } = spreadNow(quotes);
    const limit = ask - 1;
    expect(engine.setTriggers('hc-rb', { longEntry: String(limit), longExit: String(limit + 10), shortEntry: String(limit + 30), shortExit: String(limit + 20) }).ok).toBe(true);
    // An idle strategy hears only the views that change a decision: with the config's triggers (100) still in the
    // stream stage, no view would reach it when the ask comes down to the new long entry.
    let seenAt: number | undefined;
    engine.venue.quotes$.subscribe(() => {
      if (seenAt === undefined && quotes.size === 2 && spreadNow(quotes).ask <= limit) seenAt = engine.clock.now();
    });
    engine.runUntil(engine.clock.now() + 60 * MIN);
    expect(seenAt).toBeDefined();
    const started = records.find((r): r is Extract<EngineRecord, { kind: 'algo.started' }> => r.kind === 'algo.started');
    expect(started).toMatchObject({ purpose: 'longEntry', limit });
    expect(started!.at - seenAt!).toBeLessThan(1000);
    await engine.stop();
  });
});

describe('Engine.setTarget', () => {
  it('refuses a target the config refuses, and journals one it takes; the next entry works toward it', async () => {
    const { engine, controls, records, quotes } = demo();
    expect(engine.setTarget('hc-rb', 0)).toEqual({ ok: false, refusal: 'invalid', error: 'target: must be greater than 0 (got 0)' });
    expect(engine.setTarget('hc-rb', 1.5)).toEqual({ ok: false, refusal: 'invalid', error: 'target: must be a whole number (got 1.5)' });
    expect(engine.setTarget('hc-rb', 2_000_000)).toEqual({ ok: false, refusal: 'invalid', error: 'target: must be at most 1,000,000 spread units (got 2000000)' });
    expect(engine.setTarget('hc-rb', '2' as never).ok).toBe(false);
    expect(controls).toEqual([]);
    const at = engine.clock.now();
    expect(engine.setTarget('hc-rb', 2, { source: 'test' })).toEqual({ ok: true, strategies: ['hc-rb'] });
    expect(controls).toEqual([{ kind: 'control', at, action: 'setTarget', strategy: 'hc-rb', source: 'test', target: 2, previous: 5 }]);
    const { ask } = spreadNow(quotes);
    engine.setTriggers('hc-rb', { longEntry: String(ask + 1), longExit: String(ask + 10), shortEntry: String(ask + 20), shortExit: String(ask + 15) });
    engine.runUntil(at + 60_000);
    expect(records.find((r) => r.kind === 'algo.started')).toMatchObject({ purpose: 'longEntry', qty: 2 });
    await engine.stop();
  });
});

describe('Engine.startAlgo: the manual ticket', () => {
  it('checks the order as the config checks prices and quantities', async () => {
    const { engine, controls } = demo();
    const start = (o: object) => engine.startAlgo('hc-rb', o as never);
    expect(start({ side: 'hold', qty: 1, limit: '180' })).toEqual({ ok: false, refusal: 'invalid', error: 'side: must be "buy" or "sell" (got "hold")' });
    expect(start({ side: 'buy', qty: 0, limit: '180' })).toEqual({ ok: false, refusal: 'invalid', error: 'qty: must be greater than 0 (spread units) (got 0)' });
    expect(start({ side: 'buy', qty: 2.5, limit: '180' })).toEqual({ ok: false, refusal: 'invalid', error: 'qty: must be a whole number (spread units) (got 2.5)' });
    expect(start({ side: 'buy', qty: 1 })).toEqual({ ok: false, refusal: 'invalid', error: 'limit: is required: the limit spread price' });
    expect(start({ side: 'buy', qty: 1, limit: 'cheap' })).toEqual({ ok: false, refusal: 'invalid', error: 'limit: must be a decimal number (got "cheap")' });
    expect(start({ side: 'buy', qty: 1, limit: '180', kind: 'iceberg' })).toEqual({ ok: false, refusal: 'invalid', error: 'kind: must be "taker", "contingent" or "quoting" (got "iceberg")' });
    expect(engine.startAlgo('nope', { side: 'buy', qty: 1, limit: '180' })).toMatchObject({ ok: false, refusal: 'unknownStrategy' });
    expect(controls).toEqual([]);
    await engine.stop();
  });

  it('is refused outside the session window and before the engine starts', async () => {
    const engine = createEngine(config);
    expect(engine.startAlgo('hc-rb', { side: 'buy', qty: 1, limit: '180' })).toEqual({ ok: false, refusal: 'notRunning', error: 'the engine has not started' });
    engine.start();
    engine.runUntil(t0 + 20 * MIN); // 20:50: the night session opens at 21:00
    expect(engine.startAlgo('hc-rb', { side: 'buy', qty: 1, limit: '180' })).toEqual({ ok: false, refusal: 'windowClosed', error: 'strategy "hc-rb"\'s session window is closed (or closing)' });
    await engine.stop();
  });

  it('works a taker under the strategy: journalled, booked as the strategy\'s position, reported as a manual execution', async () => {
    const { engine, controls, records, quotes } = demo();
    const { ask } = spreadNow(quotes);
    const at = engine.clock.now();
    const r = engine.startAlgo('hc-rb', { side: 'buy', qty: 1, limit: String(ask + 3) }, { source: 'test' });
    expect(r).toEqual({ ok: true, strategies: ['hc-rb'], algoId: 'hc-rb/1' });
    expect(controls).toEqual([{ kind: 'control', at, action: 'startAlgo', strategy: 'hc-rb', source: 'test', algoId: 'hc-rb/1', side: 'buy', qty: 1, limit: String(ask + 3), algoKind: 'taker' }]);
    // The control comes first in the journal, then the strategy's transition, then the algo it started.
    const i = records.findIndex((x) => x.kind === 'control');
    expect(records[i + 1]).toMatchObject({ kind: 'state', change: { actor: 'strategy:hc-rb', state: 'flat.working' } });
    expect(records[i + 2]).toMatchObject({ kind: 'algo.started', algoId: 'hc-rb/1', purpose: 'manual', side: 1, qty: 1, limit: ask + 3 });
    expect(strategyContext(engine).algo?.id).toBe('hc-rb/1');
    expect(engine.startAlgo('hc-rb', { side: 'sell', qty: 1, limit: '1' })).toEqual({ ok: false, refusal: 'busy', error: 'strategy "hc-rb" is working algo hc-rb/1: stop it (or pause the strategy) first' });
    engine.runUntil(at + 30_000);
    const ended = records.find((x): x is Extract<EngineRecord, { kind: 'algo.ended' }> => x.kind === 'algo.ended')!.execution;
    expect(ended).toMatchObject<Partial<Execution>>({ algoId: 'hc-rb/1', purpose: 'manual', kind: 'taker', side: 'buy', status: 'completed', units: 1, trigger: String(ask + 3) });
    expect([engine.position('hc-rb', 'HC'), engine.position('hc-rb', 'RB')]).toEqual([1, -1]);
    expect(engine.actor.system.get('strategy:hc-rb')!.getSnapshot().value).toEqual({ long: 'idle' });
    const summary = engine.summary();
    expect(summary.strategies[0]!.spreadPosition).toBe(1);
    await engine.stop();
  });

  it('rests a quoting order away from the market until stopAlgo stops it; a paused strategy takes one', async () => {
    const { engine, controls, records, quotes } = demo();
    expect(engine.pauseStrategy('hc-rb', { source: 'test' })).toEqual({ ok: true, strategies: ['hc-rb'] });
    const { bid } = spreadNow(quotes);
    const r = engine.startAlgo('hc-rb', { side: 'buy', qty: 2, limit: String(bid - 30), kind: 'quoting' }, { source: 'test' });
    expect(r).toMatchObject({ ok: true, algoId: 'hc-rb/1' });
    engine.runUntil(engine.clock.now() + 10_000);
    const algo = engine.actor.system.get('algo:hc-rb/1')!;
    expect(algo.getSnapshot().status).toBe('active');
    expect(records.filter((x) => x.kind === 'order.submitted').length).toBeGreaterThan(0);
    expect(engine.stopAlgo('hc-rb/9', { source: 'test' })).toEqual({ ok: false, refusal: 'unknownAlgo', error: 'no running algo hc-rb/9' });
    expect(engine.stopAlgo('junk')).toEqual({ ok: false, refusal: 'unknownAlgo', error: 'an algo id is <strategy>/<number>' });
    expect(engine.stopAlgo('other/1')).toMatchObject({ ok: false, refusal: 'unknownAlgo' });
    const at = engine.clock.now();
    expect(engine.stopAlgo('hc-rb/1', { source: 'test' })).toEqual({ ok: true, strategies: ['hc-rb'] });
    engine.runUntil(at + 10_000);
    const ended = records.find((x): x is Extract<EngineRecord, { kind: 'algo.ended' }> => x.kind === 'algo.ended')!.execution;
    expect(ended).toMatchObject({ algoId: 'hc-rb/1', purpose: 'manual', kind: 'quoting', status: 'stopped', reason: 'stopRequested', units: 0 });
    // The next algo, spawned ahead and dormant under its id, is not a running one: the desk cannot stop it.
    expect(engine.actor.system.get('algo:hc-rb/2')!.getSnapshot().value).toBe('dormant');
    expect(engine.stopAlgo('hc-rb/2', { source: 'test' })).toEqual({ ok: false, refusal: 'unknownAlgo', error: 'no running algo hc-rb/2' });
    expect(controls.map((c) => c.action)).toEqual(['pause', 'startAlgo', 'stopAlgo']);
    expect(controls[2]).toEqual({ kind: 'control', at, action: 'stopAlgo', strategy: 'hc-rb', source: 'test', algoId: 'hc-rb/1' });
    // Still paused: the strategy launched nothing of its own.
    expect(strategyContext(engine).paused).toBe(true);
    expect(records.filter((x) => x.kind === 'algo.started').length).toBe(1);
    await engine.stop();
  });

  it('a manual order that pre-trade risk refuses ends as refused; the strategy is not paused (it is the operator\'s to retry)', async () => {
    const input = structuredClone(demoConfig);
    input.strategies[0]!.triggers = { ...QUIET_TRIGGERS };
    input.risk = { instruments: [{ symbol: 'HC', maxPosition: 1 }] };
    const engine = createEngine(resolveConfig(input, 'risky demo', { days: 0.1 }));
    const ended: Execution[] = [];
    engine.executions$.subscribe((e) => ended.push(e));
    const quotes = new Map<string, LegQuote>();
    engine.venue.quotes$.subscribe((q) => quotes.set(q.symbol, q));
    engine.start();
    engine.runUntil(t0 + 45 * MIN);
    const { ask } = spreadNow(quotes);
    expect(engine.startAlgo('hc-rb', { side: 'buy', qty: 3, limit: String(ask + 3), kind: 'taker' }).ok).toBe(true);
    engine.runUntil(engine.clock.now() + 30_000);
    expect(ended[0]).toMatchObject({ purpose: 'manual', status: 'stopped', reason: 'riskRefused' });
    expect(engine.summary().counts.refused).toBeGreaterThan(0);
    expect(strategyContext(engine).paused).toBe(false);
    await engine.stop();
  });

  it('stopStrategy ends one strategy for the run, journalled', async () => {
    const { engine, controls } = demo();
    expect(engine.stopStrategy('hc-rb', { source: 'test' })).toEqual({ ok: true, strategies: ['hc-rb'] });
    expect(controls).toEqual([{ kind: 'control', at: engine.clock.now(), action: 'stopStrategy', strategy: 'hc-rb', source: 'test' }]);
    expect(engine.actor.system.get('strategy:hc-rb')).toBeUndefined();
    expect(engine.setTriggers('hc-rb', { longEntry: '170' })).toEqual({ ok: false, refusal: 'notRunning', error: 'strategy "hc-rb" has stopped' });
    await engine.stop();
  });
});

describe('controls in a journalled run', () => {
  it('new triggers and target survive a crash: the resumed strategy decides on them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'legato-desk-'));
    const first = DurableEngine.open(config, { dataDir: dir, onWarning: () => {} });
    await first.start();
    first.engine.runUntil(t0 + 35 * MIN); // 21:05
    expect(first.engine.setTriggers('hc-rb', { longEntry: '101', shortExit: null }, { source: 'test' }).ok).toBe(true);
    expect(first.engine.setTarget('hc-rb', 3, { source: 'test' }).ok).toBe(true);
    first.engine.runUntil(t0 + 36 * MIN);
    first.detach(); // the process dies here

    const resumed = DurableEngine.open(config, { dataDir: dir, resume: true, onWarning: () => {} });
    const started: EngineRecord[] = [];
    const controls: ControlRecord[] = [];
    const quotes = new Map<string, LegQuote>();
    resumed.engine.records$.subscribe((r) => {
      if (r.kind === 'algo.started') started.push(r);
      if (r.kind === 'control') controls.push(r);
    });
    resumed.engine.venue.quotes$.subscribe((q) => quotes.set(q.symbol, q));
    await resumed.start();
    expect(strategyContext(resumed.engine).spec).toMatchObject({ triggers: { longEntry: 101, longExit: 300, shortEntry: 260, shortExit: null }, target: 3 });
    resumed.engine.runUntil(t0 + 40 * MIN);
    // A later change is journalled after the restart too (its `previous` is the restored triggers), and the entry
    // works toward the restored target.
    const { ask } = spreadNow(quotes);
    expect(resumed.engine.setTriggers('hc-rb', { longEntry: String(ask + 1), longExit: String(ask + 10), shortEntry: String(ask + 20), shortExit: String(ask + 15) }).ok).toBe(true);
    expect(controls[0]).toMatchObject({ action: 'setTriggers', previous: { longEntry: '101', longExit: '300', shortEntry: '260', shortExit: null } });
    resumed.engine.runUntil(t0 + 42 * MIN);
    expect(started[0]).toMatchObject({ purpose: 'longEntry', qty: 3, limit: ask + 1 });
    resumed.detach();
  });
});
