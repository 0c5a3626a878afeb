/**
 * "Why did it do that?" (src/report/why.ts) over the demo day's records: the chain behind an algo and behind an
 * order, in order, with times and prices; a manual order and the kill switch's flatten; ids it does not know; and
 * records of the wrong shape, which it leaves out rather than throw on.
 */
import { describe, expect, it } from 'vitest';
import { demoConfig, resolveConfig } from '../../src/index.js';
import { explain, renderWhy, wellFormedRecords, WhyError, type WhyInput } from '../../src/report/why.js';
import { quietDemoAt } from '../inspector/helpers.js';
import { simulate } from '../helpers/simulate.js';

const config = resolveConfig(demoConfig, 'demo');
const instruments = [
  { symbol: 'HC', tickSize: '1' },
  { symbol: 'RB', tickSize: '1' },
];
let demoDay: Promise<WhyInput> | undefined;
const demo = (): Promise<WhyInput> => (demoDay ??= simulate(config).then(({ records }) => ({ records, instruments })));
const lines = (text: string): string[] => text.split('\n');

describe('why: an algo', () => {
  it('hc-rb/1: the window, the crossing with the books, the strategy transition, the launch, each order and report, the ladder, the end', async () => {
    const chain = explain(await demo(), 'hc-rb/1');
    expect(chain).toMatchObject({ subject: { kind: 'algo', id: 'hc-rb/1' }, algoId: 'hc-rb/1', strategy: 'hc-rb' });
    expect(lines(renderWhy(chain, { zone: 'Asia/Shanghai' }))).toEqual([
      'Why algo hc-rb/1: longEntry, buy 5 units at ≤ 172, taker — completed (filled), 5/5 units',
      '  (2026-11-23, times in Asia/Shanghai)',
      '  21:00:00.000  session:hc-rb    session window open.trading',
      '  21:18:22.321  strategy:hc-rb   spread ask 172 (48 units) at or below the long entry 172: HC 3378×36 / 3379×48, RB 3207×73 / 3208×47',
      '  21:18:22.321  strategy:hc-rb   flat.idle → flat.working',
      '  21:18:22.321  algo:hc-rb/1     started: longEntry, buy 5 units at ≤ 172, taker',
      '  21:18:22.321  order:hc-rb/1.1  entry: buy 5 HC at 3380',
      '  21:18:22.361  order:hc-rb/1.1  accepted',
      '  21:18:22.361  order:hc-rb/1.1  filled 5 at 3379 (taker)',
      '  21:18:22.361  algo:hc-rb/1     hedge ladder resting: naked HC +5 lots',
      '  21:18:22.361  order:hc-rb/1.2  hedge: sell 5 RB at 3207',
      '  21:18:22.401  order:hc-rb/1.2  accepted',
      ...reprice('hc-rb/1.2', 3206),
      '  21:18:23.441  order:hc-rb/1.2  filled 5 at 3206 (taker)',
      '  21:18:23.441  algo:hc-rb/1     completed (filled): 5/5 units, realized 173, slippage 1; HC +5 @ 3379, RB -5 @ 3206',
      '  21:18:23.441  strategy:hc-rb   flat.working → long.idle',
    ]);
    // Steps are in the records' order, and their times never go back.
    const ats = chain.steps.map((s) => s.at);
    expect(ats).toEqual([...ats].sort((a, b) => a - b));
    expect(chain.steps.map((s) => s.kind).slice(0, 5)).toEqual(['session', 'crossing', 'strategy', 'algo.started', 'order.submitted']);
  });

  it('hc-rb/4 opened above its trigger after the overnight break: the view at the launch says so (bid 181 against the long exit 180)', async () => {
    const chain = explain(await demo(), 'hc-rb/4');
    const crossing = chain.steps.find((s) => s.kind === 'crossing')!;
    expect(crossing.text).toBe('spread bid 181 (10 units) at or above the long exit 180: HC 3327×10 / 3328×31, RB 3145×86 / 3146×47');
    expect(chain.steps.find((s) => s.kind === 'algo.ended')!.text).toBe('completed (filled): 5/5 units, realized 181, slippage -1; HC -5 @ 3327, RB +5 @ 3146');
  });
});

/** The hedge's re-price after its interval, as the order machine does it now (a replace where the venue supports it). */
function reprice(clientId: string, price: number): string[] {
  return [`  21:18:23.401  order:${clientId}  replace requested at ${price}`, `  21:18:23.441  order:${clientId}  replaced: now at ${price} for 5 lots`];
}

describe('why: an order', () => {
  it('a hedge: the launch, the fill that left a leg naked and the ladder step that sent it, then its reports and the end', async () => {
    const chain = explain(await demo(), 'hc-rb/1.2');
    expect(chain.subject).toEqual({ kind: 'order', id: 'hc-rb/1.2' });
    expect(chain.headline).toBe('hedge order, sell 5 RB at 3207, of algo hc-rb/1 (longEntry, buy 5 units at ≤ 172, taker)');
    expect(chain.steps.map((s) => `${s.actor} ${s.text}`)).toEqual([
      'session:hc-rb session window open.trading',
      'strategy:hc-rb spread ask 172 (48 units) at or below the long entry 172: HC 3378×36 / 3379×48, RB 3207×73 / 3208×47',
      'strategy:hc-rb flat.idle → flat.working',
      'algo:hc-rb/1 started: longEntry, buy 5 units at ≤ 172, taker',
      'order:hc-rb/1.1 filled 5 at 3379 (taker)',
      'algo:hc-rb/1 hedge ladder resting: naked HC +5 lots',
      'order:hc-rb/1.2 hedge: sell 5 RB at 3207',
      'order:hc-rb/1.2 accepted',
      'order:hc-rb/1.2 replace requested at 3206',
      'order:hc-rb/1.2 replaced: now at 3206 for 5 lots',
      'order:hc-rb/1.2 filled 5 at 3206 (taker)',
      'algo:hc-rb/1 completed (filled): 5/5 units, realized 173, slippage 1; HC +5 @ 3379, RB -5 @ 3206',
      'strategy:hc-rb flat.working → long.idle',
    ]);
  });

  it('an entry: no ladder step before it; leg prices stay in ticks without the instruments', async () => {
    const { records } = await demo();
    const chain = explain({ records }, 'hc-rb/1.1');
    expect(chain.headline).toBe('entry order, buy 5 HC at 3380 ticks, of algo hc-rb/1 (longEntry, buy 5 units at ≤ 172, taker)');
    expect(chain.steps.filter((s) => s.actor === 'order:hc-rb/1.1').map((s) => s.text)).toEqual(['entry: buy 5 HC at 3380 ticks', 'accepted', 'filled 5 at 3379 ticks (taker)']);
    expect(chain.steps.some((s) => s.kind === 'ladder')).toBe(false);
  });
});

describe('why: an operator', () => {
  it('a manual order: the ticket (who asked, side, units, limit, kind) precedes the launch', () => {
    const { config: quiet, engine, records } = quietDemoAt(45);
    const r = engine.startAlgo('hc-rb', { side: 'buy', qty: 1, limit: 400, kind: 'taker' }, { source: 'test' });
    expect(r).toMatchObject({ ok: true, algoId: 'hc-rb/1' });
    engine.runUntil(quiet.run.start + 50 * 60_000);
    const chain = explain({ records, instruments }, 'hc-rb/1');
    expect(chain.steps.slice(1, 5).map((s) => `${s.kind} ${s.text}`)).toEqual([
      'control manual order (test): buy 1 units at limit 400, taker',
      'crossing launched without a market view (limit 400): it prices from the next one',
      'strategy flat.idle → flat.working',
      'algo.started started: manual, buy 1 units at ≤ 400, taker',
    ]);
    void engine.stop();
  });
});

describe('why: what it does not know', () => {
  it('an unknown algo or order is a WhyError naming the algos the records hold; a malformed id says what an id is', async () => {
    const input = await demo();
    expect(() => explain(input, 'hc-rb/99')).toThrow(new WhyError('no algo "hc-rb/99" in these records (16 algos: hc-rb/1, hc-rb/2, hc-rb/3, …, hc-rb/15, hc-rb/16)'));
    expect(() => explain(input, 'hc-rb/1.9')).toThrow(new WhyError('no order "hc-rb/1.9" in these records (16 algos: hc-rb/1, hc-rb/2, hc-rb/3, …, hc-rb/15, hc-rb/16)'));
    expect(() => explain(input, 'nonsense')).toThrow(new WhyError('"nonsense" is not an algo id (<strategy>/<n>) or an order id (<strategy>/<n>.<k>)'));
    expect(() => explain({ records: [] }, 'hc-rb/1')).toThrow(new WhyError('no algo "hc-rb/1" in these records (they hold no algo)'));
  });

  it('records of the wrong shape are left out, never thrown on', async () => {
    const { records } = await demo();
    const hostile: unknown[] = [null, 7, 'x', [], { kind: 'algo.started', at: 'soon' }, { kind: 'algo.started', at: 1, algoId: 'hc-rb/1' }, { kind: 'report', at: 2, report: null }, { kind: 'state', at: 3, change: { actor: 5 } }];
    const kept = wellFormedRecords([...hostile, ...records]);
    expect(kept).toEqual(records);
    expect(explain({ records: kept, instruments }, 'hc-rb/1').steps).toHaveLength(15);
  });
});
