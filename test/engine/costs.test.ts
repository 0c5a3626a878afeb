import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock/virtual-clock.js';
import { demoConfig } from '../../src/config/demo.js';
import { runBacktest } from '../../src/backtest/run-backtest.js';
import { loadConfigFile, resolveConfig } from '../../src/config/resolve.js';
import { Decimal } from '../../src/domain/decimal.js';
import type { SimulatedConfigInput } from '../../src/config/schema.js';
import { DurableEngine, journalledSummary } from '../../src/engine/durable.js';
import type { EngineRecord, FillRecord, FundingRecord } from '../../src/engine/records.js';
import { at, scriptedDemo } from '../helpers/scripted-demo.js';
import { ScriptedVenue } from '../helpers/scripted-venue.js';

// The demo spread HC − RB (tick 1, lot 1, contract multiplier 10: a price point of one lot is 10 currency), on a
// venue the test plays, Tuesday 2026-11-24 in Shanghai (UTC+8): a local hour is a UTC hour.

/** The venue fills all of an order at `price`, saying maker or taker (or neither). */
function filled(s: { venue: ScriptedVenue; clock: VirtualClock }, clientId: string, price: number, liquidity: 'maker' | 'taker' | undefined, tradeId: string): void {
  const o = s.venue.order(clientId);
  s.venue.reports$.next({ type: 'order.filled', clientId, tradeId, symbol: o.symbol, side: o.side, qty: o.qty, price, at: s.clock.now(), ...(liquidity ? { liquidity } : {}) });
}

describe('fees', () => {
  it('prices each fill at its leg\'s maker or taker rate (per lot and bps of notional with the contract multiplier), rebates included, and reports gross, fees and net', () => {
    const s = scriptedDemo('10:00:00', (c) => {
      // HC: a maker rebate of 0.5 per lot; a taker pays 1 per lot plus 2 bps. RB: a maker rebate of 0.5 bps; a taker pays 2 per lot.
      c.strategies[0]!.legs[0]!.fees = { maker: { perLot: '-0.5' }, taker: { perLot: '1', bps: '2' } };
      c.strategies[0]!.legs[1]!.fees = { maker: { bps: '-0.5' }, taker: { perLot: '2' } };
    });
    const fills: FillRecord[] = [];
    s.engine.fills$.subscribe((f) => fills.push(f));

    // Long entry at a spread ask of 172: buy HC 5 (crossing), then the hedge rests: sell RB 5 at 3208.
    s.until('10:00:10');
    s.venue.quote('HC', 3379, 3380);
    s.venue.quote('RB', 3208, 3209);
    s.clock.advance(20);
    filled(s, 'hc-rb/1.1', 3380, 'taker', 'T1');
    expect(s.venue.order('hc-rb/1.2')).toMatchObject({ symbol: 'RB', side: -1, qty: 5, price: 3208 });
    s.clock.advance(100);
    filled(s, 'hc-rb/1.2', 3208, 'maker', 'T2');

    // Long exit at a spread bid of 184 (≥ 180): sell HC 5, then buy RB 5.
    s.until('10:05:00');
    s.venue.quote('HC', 3394, 3395);
    s.venue.quote('RB', 3209, 3210);
    expect(s.venue.order('hc-rb/2.1')).toMatchObject({ symbol: 'HC', side: -1, qty: 5, price: 3393 });
    s.clock.advance(20);
    filled(s, 'hc-rb/2.1', 3394, undefined, 'T3'); // the venue does not say: the taker rate
    expect(s.venue.order('hc-rb/2.2')).toMatchObject({ symbol: 'RB', side: 1, qty: 5 });
    s.clock.advance(100);
    filled(s, 'hc-rb/2.2', 3210, 'taker', 'T4');

    expect(fills.map((f) => [f.symbol, f.side, f.qty, f.price, f.liquidity, f.fee])).toEqual([
      // 1 × 5 + 2 bps × 5 lots × 3380 × 10 = 5 + 33.8
      ['HC', 'buy', '5', '3380', 'taker', '38.8'],
      // −0.5 bps × 5 × 3208 × 10 = −8.02, a rebate
      ['RB', 'sell', '5', '3208', 'maker', '-8.02'],
      // no liquidity given: taker, 5 + 2 bps × 5 × 3394 × 10 = 5 + 33.94
      ['HC', 'sell', '5', '3394', null, '38.94'],
      // 2 × 5
      ['RB', 'buy', '5', '3210', 'taker', '10'],
    ]);
    expect(s.executions.map((e) => [e.algoId, e.units, e.fees])).toEqual([
      ['hc-rb/1', 5, '30.78'],
      ['hc-rb/2', 5, '48.94'],
    ]);

    // Gross: HC (3394 − 3380) × 5 × 10 = 700, RB (3208 − 3210) × 5 × 10 = −100; fees 30.78 + 48.94 = 79.72.
    const summary = s.engine.summary();
    expect(summary.strategies[0]).toMatchObject({ spreadPosition: 0, gross: '600', fees: '79.72', funding: '0', net: '520.28', pnl: '520.28' });
    expect([summary.gross, summary.costs, summary.net, summary.pnl]).toEqual(['600', { configured: true, fees: '79.72', funding: '0' }, '520.28', '520.28']);
  });

  it('a strategy without costs: fees "0", net = gross, and the summary says none is configured', () => {
    const s = scriptedDemo('10:00:00');
    s.until('10:00:10');
    s.venue.quote('HC', 3379, 3380);
    s.venue.quote('RB', 3208, 3209);
    s.clock.advance(20);
    filled(s, 'hc-rb/1.1', 3380, 'taker', 'T1');
    filled(s, 'hc-rb/1.2', 3208, 'maker', 'T2');
    expect(s.executions.map((e) => e.fees)).toEqual(['0']);
    const summary = s.engine.summary();
    // Long 5 HC at 3380 and short 5 RB at 3208, marked at 3379.5 and 3208.5: −25 − 25.
    expect([summary.gross, summary.costs, summary.net, summary.pnl]).toEqual(['-50', { configured: false, fees: '0', funding: '0' }, '-50', '-50.00']);
  });
});

/** The demo with funding every hour on the hour (UTC): HC at 0.0001, RB at 0.0003 per funding time. */
const hourlyFunding = (c: SimulatedConfigInput): void => {
  c.strategies[0]!.legs[0]!.funding = { rate: '0.0001', everyHours: 1 };
  c.strategies[0]!.legs[1]!.funding = { rate: '0.0003', everyHours: 1, at: '00:00' };
};

describe('funding', () => {
  it('charges the position held at each funding time at the leg\'s last mid: a long pays, a short receives, a flat position nothing', () => {
    const s = scriptedDemo('10:00:00', hourlyFunding);
    const funding: FundingRecord[] = [];
    s.engine.funding$.subscribe((f) => funding.push(f));

    // 10:00:10 long the spread: +5 HC, −5 RB.
    s.until('10:00:10');
    s.venue.quote('HC', 3379, 3380);
    s.venue.quote('RB', 3208, 3209);
    s.clock.advance(20);
    s.venue.fill('hc-rb/1.1', 5, 3380);
    s.venue.fill('hc-rb/1.2', 5, 3208);
    s.until('10:40:00');
    s.venue.quote('HC', 3385, 3386); // the spread bid is 3385 − 3211 = 174: no exit yet
    s.venue.quote('RB', 3210, 3211);
    // 11:00 funding: HC +5 lots × 3385.5 × 10 × 0.0001 = 16.9275 paid; RB −5 × 3210.5 × 10 × 0.0003 = −48.1575 (received).
    s.until('11:05:00');
    expect(funding).toEqual([
      { at: at('11:00'), strategy: 'hc-rb', symbol: 'HC', lots: 5, rate: '0.0001', mark: '3385.5', amount: '16.9275' },
      { at: at('11:00'), strategy: 'hc-rb', symbol: 'RB', lots: -5, rate: '0.0003', mark: '3210.5', amount: '-48.1575' },
    ]);
    // 11:05 exit at a spread bid of 184: flat before the 12:00 and 13:00 funding times (lunch), which charge nothing.
    s.venue.quote('HC', 3395, 3396);
    s.venue.quote('RB', 3210, 3211);
    s.clock.advance(20);
    s.venue.fill('hc-rb/2.1', 5, 3394);
    s.venue.fill('hc-rb/2.2', 5, 3211);
    // 13:31 short the spread at a bid of 188: −5 HC, +5 RB.
    s.until('13:31:00');
    s.venue.quote('HC', 3400, 3401);
    s.venue.quote('RB', 3211, 3212);
    s.clock.advance(20);
    expect(s.venue.order('hc-rb/3.1')).toMatchObject({ symbol: 'HC', side: -1, qty: 5 });
    s.venue.fill('hc-rb/3.1', 5, 3400);
    s.venue.fill('hc-rb/3.2', 5, 3212);
    // 14:00: HC −5 × 3400.5 × 10 × 0.0001 = −17.0025 (a short receives); RB +5 × 3211.5 × 10 × 0.0003 = 48.1725 paid.
    s.until('14:00:00');
    expect(funding.slice(2)).toEqual([
      { at: at('14:00'), strategy: 'hc-rb', symbol: 'HC', lots: -5, rate: '0.0001', mark: '3400.5', amount: '-17.0025' },
      { at: at('14:00'), strategy: 'hc-rb', symbol: 'RB', lots: 5, rate: '0.0003', mark: '3211.5', amount: '48.1725' },
    ]);
    // Every funding time is journalled, the flat ones with no charge.
    const settled = s.records.filter((r): r is Extract<EngineRecord, { kind: 'funding' }> => r.kind === 'funding');
    expect(settled.map((r) => `${new Date(r.due).toISOString().slice(11, 16)} ${r.symbol} ${r.charges.length}`)).toEqual([
      '03:00 HC 1', '03:00 RB 1', '04:00 HC 0', '04:00 RB 0', '05:00 HC 0', '05:00 RB 0', '06:00 HC 1', '06:00 RB 1',
    ]);

    // Funding: 16.9275 − 48.1575 − 17.0025 + 48.1725 = −0.06. Gross: the round trip HC (3394 − 3380) × 50 = 700 and
    // RB (3208 − 3211) × 50 = −150; the open short at the mids: HC (3400 − 3400.5) × 50 = −25, RB (3211.5 − 3212) × 50 = −25.
    const summary = s.engine.summary();
    expect(summary.strategies[0]).toMatchObject({ gross: '500', fees: '0', funding: '-0.06', net: '500.06', pnl: '500.06' });
    expect([summary.gross, summary.costs, summary.net]).toEqual(['500', { configured: true, fees: '0', funding: '-0.06' }, '500.06']);
  });
});

describe('funding in a journalled run', () => {
  const quiet = { onWarning: () => {} };

  function config() {
    const c: SimulatedConfigInput = structuredClone(demoConfig);
    c.run = { start: '2026-11-24T10:00:00', days: 1 };
    c.strategies[0]!.session = { closingLeadSeconds: 5 };
    hourlyFunding(c);
    return resolveConfig(c, 'funding');
  }

  /** Opens (or resumes) the journal at `time` with a venue the test plays; every scripted step is journalled at once. */
  function open(dir: string, time: string, resume: boolean) {
    const clock = new VirtualClock(at(time));
    const venue = new ScriptedVenue(clock, ['HC', 'RB']);
    const durable = DurableEngine.open(config(), { dataDir: dir, clock, venue, resume, ...quiet });
    const act = (fn: () => void): void => {
      fn();
      durable.flush();
    };
    const until = (t: string): void => act(() => clock.runUntil(at(t)));
    const market = (): void => act(() => {
      venue.quote('HC', 3385, 3386);
      venue.quote('RB', 3210, 3211);
    });
    return { clock, venue, durable, act, until, market };
  }

  /** Run 1: long the spread at 10:00:10 (+5 HC, −5 RB), then quiet quotes at 10:40. */
  async function longAt1040(dir: string) {
    const r = open(dir, '10:00:00', false);
    await r.durable.start();
    r.until('10:00:10');
    r.act(() => {
      r.venue.quote('HC', 3379, 3380);
      r.venue.quote('RB', 3208, 3209);
    });
    r.act(() => r.venue.fill('r1.hc-rb/1.1', 5, 3380));
    r.act(() => r.venue.fill('r1.hc-rb/1.2', 5, 3208));
    r.until('10:40:00');
    r.market();
    return r;
  }

  // The 11:00 funding on +5 HC at 3385.5 and −5 RB at 3210.5: 16.9275 − 48.1575.
  const at11 = ['16.9275', '-48.1575'];
  const charges = (records: readonly { kind: string }[]): string[] =>
    records.flatMap((r) => (r.kind === 'funding' ? (r as Extract<EngineRecord, { kind: 'funding' }>).charges.map((c) => c.amount) : []));

  it('down before a funding time: the resumed run charges it once, on the position the journal restored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'legato-costs-'));
    const first = await longAt1040(dir);
    first.durable.detach(); // the process dies at 10:40

    const second = open(dir, '10:50:00', true);
    const records: EngineRecord[] = [];
    second.durable.engine.records$.subscribe((r) => records.push(r));
    await second.durable.start();
    expect(second.durable.engine.position('hc-rb', 'HC')).toBe(5);
    second.market();
    second.until('11:30:00');
    expect(charges(records)).toEqual(at11);
    expect(second.durable.engine.summary().costs.funding).toBe('-31.23');
    second.durable.close('completed');
    expect(journalledSummary(config(), dir)!.costs.funding).toBe('-31.23');
  });

  it('down across a funding time: the resumed run charges it at its first quote, and names it until then', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'legato-costs-'));
    const first = await longAt1040(dir);
    first.durable.detach(); // the process dies at 10:40, before the 11:00 funding

    const second = open(dir, '11:10:00', true);
    const records: EngineRecord[] = [];
    second.durable.engine.records$.subscribe((r) => records.push(r));
    await second.durable.start();
    // The 11:00 funding is due, on the restored position, but there is no mark yet: it waits.
    expect(charges(records)).toEqual([]);
    // (11:00 at the exchange is 03:00 UTC.)
    expect(second.durable.engine.summary().errors).toEqual([
      'funding of HC due 2026-11-24T03:00:00.000Z not charged: no two-sided quote of HC since the engine started',
      'funding of RB due 2026-11-24T03:00:00.000Z not charged: no two-sided quote of RB since the engine started',
    ]);
    second.market();
    expect(charges(records)).toEqual(at11);
    expect(second.durable.engine.summary().errors).toEqual([]);
    expect(second.durable.engine.summary().costs.funding).toBe('-31.23');
    second.durable.close('completed');
  });

  it('down after a funding time: the resumed run neither charges it again nor loses it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'legato-costs-'));
    const first = await longAt1040(dir);
    const before: EngineRecord[] = [];
    first.durable.engine.records$.subscribe((r) => before.push(r));
    first.until('11:00:30');
    expect(charges(before)).toEqual(at11);
    first.durable.detach(); // the process dies at 11:00:30, after the 11:00 funding

    const second = open(dir, '11:10:00', true);
    await second.durable.start();
    second.market();
    second.until('11:59:00');
    // Charged once, whether the journal had committed the 11:00 record before the crash (it is restored) or not
    // (it is settled again at the first quote, on the restored position and the same marks).
    expect(second.durable.engine.summary().costs.funding).toBe('-31.23');
    second.until('12:00:00');
    // 12:00: still long; HC 5 × 3385.5 × 10 × 0.0001 = 16.9275, RB −48.1575.
    expect(second.durable.engine.summary().costs.funding).toBe('-62.46');
    second.durable.close('completed');
    expect(journalledSummary(config(), dir)!.costs.funding).toBe('-62.46');
  });
});

const binance = '../shared/data/binance-btc-2024-08';
describe.skipIf(!existsSync(binance))('costs over the recorded Binance basis (skipped, saying so, when ../shared/data is absent)', () => {
  it('the round trips make money before costs and lose it after: gross, fees, funding and net agree with every fill and execution', { timeout: 120_000 }, async () => {
    const fills: FillRecord[] = [];
    const records: EngineRecord[] = [];
    const r = await runBacktest(loadConfigFile('examples/backtest-binance-basis.yaml'), {
      data: [binance],
      series: false,
      attach: (e) => {
        e.fills$.subscribe((f) => fills.push(f));
        e.records$.subscribe((x) => records.push(x));
      },
    });
    const s = r.summary;
    expect(s.costs.configured).toBe(true);
    // The figures move with the fill model; the signs and the identities do not.
    expect(new Decimal(s.gross!).gt(0)).toBe(true);
    expect(new Decimal(s.net!).lt(0)).toBe(true);
    expect(new Decimal(s.gross!).minus(s.costs.fees).minus(s.costs.funding).toFixed()).toBe(s.net);
    expect(new Decimal(s.net!).toFixed(2)).toBe(s.pnl);
    const sum = (xs: string[]): string => xs.reduce((a, x) => a.plus(x), new Decimal(0)).toFixed();
    expect(sum(fills.map((f) => f.fee))).toBe(s.costs.fees);
    expect(sum(s.executions.map((e) => e.fees))).toBe(s.costs.fees);
    // Perp fills pay 2 bps resting and 5 bps crossing, spot fills 10 bps, of qty × price.
    for (const f of fills) {
      const bps = f.symbol === 'spot:BTCUSDT' ? '10' : f.liquidity === 'maker' ? '2' : '5';
      expect(f.fee).toBe(new Decimal(f.qty).times(f.price).times(bps).div(10_000).toFixed());
    }
    // The data crosses one funding time of the perpetual, 2024-08-09 00:00 UTC; it is settled, with what was held then.
    const funding = records.filter((x): x is Extract<EngineRecord, { kind: 'funding' }> => x.kind === 'funding');
    expect(funding.map((x) => [x.symbol, new Date(x.due).toISOString(), x.rate])).toEqual([['usdm:BTCUSDT', '2024-08-09T00:00:00.000Z', '0.0001']]);
    expect(sum(funding.flatMap((x) => x.charges.map((c) => c.amount)))).toBe(s.costs.funding);
  });
});
