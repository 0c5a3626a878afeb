import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/backtest/run-backtest.js';
import { demoConfig } from '../../src/config/demo.js';
import { loadConfigFile, resolveConfig } from '../../src/config/resolve.js';
import type { EngineRecord } from '../../src/engine/records.js';
import { simulate } from '../helpers/simulate.js';
import { quietDemoAt } from '../inspector/helpers.js';

/**
 * `records$` is documented as "everything that happened, in order": a record never precedes the record of what
 * caused it. Checked over whole runs: the demo day, and the Binance day of ../shared/data when it is there.
 */

const algoOf = (clientId: string): string => clientId.slice(0, clientId.lastIndexOf('.'));

/** Every place where a record comes before its cause, as readable lines (empty when the stream is causal). */
function causalViolations(records: readonly EngineRecord[]): string[] {
  const out: string[] = [];
  const started = new Map<string, number>();
  const ended = new Map<string, number>();
  const submitted = new Map<string, number>();
  const strategyState = new Map<string, string>();
  let lastAt = -Infinity;
  records.forEach((r, i) => {
    if (r.at < lastAt) out.push(`#${i} ${r.kind} at ${r.at} is earlier than the record before it (${lastAt})`);
    lastAt = Math.max(lastAt, r.at);
    switch (r.kind) {
      case 'state':
        if (r.change.actor.startsWith('strategy:')) strategyState.set(r.change.actor.slice(9), r.change.state);
        break;
      case 'algo.started': {
        started.set(r.algoId, i);
        // The strategy's own transition (to working, or flattening) is what launched it: recorded before it.
        const state = strategyState.get(r.strategy) ?? '';
        if (r.purpose !== 'manual' && !/(working|flattening|stopping)$/.test(state)) out.push(`#${i} algo.started ${r.algoId} while its strategy is recorded in ${state}`);
        break;
      }
      case 'algo.ended':
        if (!started.has(r.execution.algoId)) out.push(`#${i} algo.ended ${r.execution.algoId} before its algo.started`);
        ended.set(r.execution.algoId, i);
        break;
      case 'ladder.step':
        if (!started.has(r.algoId)) out.push(`#${i} ladder.step ${r.step} of ${r.algoId} before its algo.started`);
        if (ended.has(r.algoId)) out.push(`#${i} ladder.step ${r.step} of ${r.algoId} after its algo.ended`);
        break;
      case 'order.submitted':
      case 'risk.refused':
      case 'order.throttled': {
        const algo = algoOf(r.clientId);
        if (!started.has(algo)) out.push(`#${i} ${r.kind} ${r.clientId} before algo.started ${algo}`);
        if (ended.has(algo)) out.push(`#${i} ${r.kind} ${r.clientId} after algo.ended ${algo}`);
        if (r.kind === 'order.submitted') submitted.set(r.clientId, i);
        break;
      }
      case 'order.cancelRequested':
        if (!submitted.has(r.clientId)) out.push(`#${i} order.cancelRequested ${r.clientId} before its order.submitted`);
        break;
      case 'report':
        if (r.routed && !submitted.has(r.report.clientId)) out.push(`#${i} report ${r.report.type} ${r.report.clientId} before its order.submitted`);
        if (r.routed && ended.has(algoOf(r.report.clientId))) out.push(`#${i} report ${r.report.type} ${r.report.clientId} routed after algo.ended`);
        break;
      default:
        break;
    }
  });
  for (const [algo] of started) if (!ended.has(algo)) out.push(`algo ${algo} never ended`);
  return out;
}

const count = (records: readonly EngineRecord[], kind: EngineRecord['kind']): number => records.filter((r) => r.kind === kind).length;

describe('records$ is in causal order', () => {
  it('the demo day: every algo starts before its orders, every report follows its order, every strategy transition precedes its launch', async () => {
    const { records } = await simulate(resolveConfig(demoConfig, 'demo'));
    expect(count(records, 'algo.started')).toBe(16);
    // Every demo algo is a taker that bought or sold one leg and hedged it with the other: two orders at least.
    const orders = (algo: string) => records.filter((r) => r.kind === 'order.submitted' && r.clientId.startsWith(`${algo}.`)).length;
    expect(Array.from({ length: 16 }, (_, i) => orders(`hc-rb/${i + 1}`) >= 2)).toEqual(Array(16).fill(true));
    expect(causalViolations(records)).toEqual([]);
  });

  it('the launch reads in order: the strategy transition, then the algo, then its first order', async () => {
    const { records } = await simulate(resolveConfig(demoConfig, 'demo'));
    const first = records.findIndex((r) => r.kind === 'algo.started');
    expect(records.slice(first - 1, first + 2).map((r) => (r.kind === 'state' ? `state ${r.change.actor} ${r.change.state}` : r.kind === 'order.submitted' ? `order.submitted ${r.clientId}` : r.kind))).toEqual([
      'state strategy:hc-rb flat.working',
      'algo.started',
      'order.submitted hc-rb/1.1',
    ]);
  });

  it('a launch whose algo sends nothing yet (a manual order, priced from the next view) has its start recorded by the time the launch returns', () => {
    // The operator's ticket, the strategy's transition that launched the algo, then the algo's start: all within
    // the call, though the algo sends no order until a view comes.
    const { engine, records } = quietDemoAt(45);
    const from = records.length;
    expect(engine.startAlgo('hc-rb', { side: 'buy', qty: 1, limit: 400, kind: 'taker' }, { source: 'test' })).toMatchObject({ ok: true, algoId: 'hc-rb/1' });
    expect(records.slice(from).map((r) => (r.kind === 'state' ? `state ${r.change.actor} ${r.change.state}` : r.kind === 'algo.started' ? `algo.started ${r.algoId} ${r.purpose}` : r.kind))).toEqual([
      'control',
      'state strategy:hc-rb flat.working',
      'algo.started hc-rb/1 manual',
    ]);
    void engine.stop();
  });

  it('a flatten (the kill switch) records its start and its unwinding step before its orders', async () => {
    const { records } = await simulate(resolveConfig(demoConfig, 'demo'), (engine) => {
      // Once the first entry has filled, flatten: the flatten algo unwinds what the strategy holds.
      engine.records$.subscribe((r) => {
        if (r.kind === 'algo.ended' && r.execution.algoId === 'hc-rb/1') engine.control('flatten', { strategy: 'hc-rb' });
      });
    });
    const flatten = records.find((r) => r.kind === 'algo.started' && r.purpose === 'flatten');
    expect(flatten).toMatchObject({ algoId: 'hc-rb/2', purpose: 'flatten' });
    const i = records.indexOf(flatten!);
    expect(records.slice(i, i + 4).map((r) => r.kind + (r.kind === 'ladder.step' ? ` ${r.step}` : ''))).toEqual(['algo.started', 'ladder.step unwinding', 'order.submitted', 'order.submitted']);
    expect(causalViolations(records)).toEqual([]);
  });
});

const binance = '../shared/data/binance-btc-2024-08';
describe.skipIf(!existsSync(binance))('records$ in causal order over the Binance day in ../shared/data (skipped, saying so, when it is absent)', () => {
  it('every algo starts before its orders and every report follows its order', { timeout: 180_000 }, async () => {
    const records: EngineRecord[] = [];
    await runBacktest(loadConfigFile('examples/backtest-binance-basis.yaml'), { data: [binance], series: false, attach: (e) => void e.records$.subscribe((r) => records.push(r)) });
    expect(count(records, 'algo.started')).toBeGreaterThan(20);
    expect(causalViolations(records)).toEqual([]);
  });
});
