import { describe, expect, it } from 'vitest';
import {
  AnalyticsRecorder,
  EquityTrace,
  roundTrips,
  slippageStats,
  SpreadSlots,
  summaryCosts,
  timeGrid,
  toSlots,
  tripStats,
} from '../../src/backtest/analytics.js';
import { runBacktest } from '../../src/backtest/run-backtest.js';
import { resolveConfig } from '../../src/config/resolve.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { Decimal } from '../../src/domain/decimal.js';
import type { Execution, FillRecord } from '../../src/engine/records.js';
import { scriptedConfig, scriptedFiles, T0 } from '../report/scripted.js';

describe('backtest analytics on a run computed by hand (test/report/scripted.ts)', async () => {
  const { data } = scriptedFiles();
  const r = await runBacktest(resolveConfig(scriptedConfig, 'ab'), { data: [data] });
  const a = r.analytics!;
  const s = a.strategies[0]!;

  it('trades as scripted', () => {
    expect(r.summary.executions.map((e) => [e.algoId, e.purpose, e.units, e.realizedSpread, e.slippage, e.endedAt - T0])).toEqual([
      ['ab/1', 'longEntry', 2, '5', '-1', 1000],
      ['ab/2', 'longExit', 2, '12', '-1', 4000],
      ['ab/3', 'shortEntry', 2, '12', '-1', 4000],
      ['ab/4', 'shortExit', 2, '6', '-1', 6000],
      ['ab/5', 'longEntry', 2, '6', '0', 6000],
    ]);
    expect(r.summary.pnl).toBe('280.00');
  });

  it('marks equity to market at the legs’ mids at every fill and every quote that moves a held leg, with its drawdown', () => {
    // [ms after T0, equity, drawdown]. At 1 s the A fill alone is −10 (bought at 104, marked at 103.5), then B −20.
    expect(a.equity.points.map((p) => [p.at - T0, p.equity, p.drawdown])).toEqual([
      [0, '0', '0'],
      [1000, '-10', '-10'],
      [1000, '-20', '-20'],
      [2000, '-60', '-60'],
      [3000, '40', '0'],
      [4000, '160', '0'], // the quote first: long 2 at 13 points
      [4000, '150', '-10'], // then the exit's legs and the short entry's, one fill at a time
      [4000, '140', '-20'],
      [4000, '130', '-30'],
      [4000, '120', '-40'],
      [5000, '200', '0'],
      [6000, '280', '0'],
      [6000, '270', '-10'],
      [6000, '260', '-20'],
      [6000, '250', '-30'],
      [6000, '240', '-40'],
      [7000, '280', '0'],
      [7001, '280', '0'], // the end of the run (the summary's `to`)
    ]);
    expect(a.equity.evaluated).toBe(18); // 16, the start and the end
    expect(a.equity.final).toBe('280');
    expect(a.net).toBe('280');
    expect(`${a.net}.00`).toBe(r.summary.pnl); // the summary marks the same mids
  });

  it('finds the max drawdown, its peak, trough, recovery and duration', () => {
    expect(a.equity.maxDrawdown).toEqual({ amount: '60', peakAt: T0, peak: '0', troughAt: T0 + 2000, trough: '-60', recoveredAt: T0 + 3000, durationMs: 3000 });
  });

  it('pairs entries and exits into round trips (FIFO by units) and marks the open one at the end', () => {
    expect(s.roundTrips.map((t) => [t.direction, t.units, t.entry.algoId, t.exit?.algoId ?? null, t.open, t.pnl, t.fees, t.holdingMs])).toEqual([
      ['long', 2, 'ab/1', 'ab/2', false, '140', '0', 3000], // (12 − 5) × 2 × 10
      ['short', 2, 'ab/3', 'ab/4', false, '120', '0', 2000], // (12 − 6) × 2 × 10
      ['long', 2, 'ab/5', null, true, '20', '0', 1001], // bought at 6, marked at 106.5 − 99.5 = 7
    ]);
    expect(s.trips).toEqual({ closed: 2, open: 1, wins: 2, losses: 0, hitRate: '1', averageWin: '130.00', averageLoss: null, closedPnl: '260', openPnl: '20', otherPnl: '0' });
    expect(a.trips).toEqual(s.trips);
  });

  it('gives the slippage per execution as a distribution, the position over time and the costs', () => {
    expect(s.slippage).toEqual({
      count: 5,
      mean: '-0.8',
      median: '-1',
      best: '-1',
      worst: '0',
      buckets: [
        { from: '-1', to: '-1', count: 4 },
        { from: '0', to: '0', count: 1 },
      ],
    });
    expect(s.position.map((p) => [p.at - T0, p.units, ...p.lots])).toEqual([
      [0, 0, 0, 0],
      [1000, 2, 2, -2],
      [4000, -2, -2, 2], // four fills at 4 s: the position after them
      [6000, 2, 2, -2],
    ]);
    expect(a.costs).toEqual({ fees: '0', feesMaker: '0', feesTaker: '0', feesUnknown: '0', funding: '0', total: '0' });
    expect([a.gross, s.gross, s.net, s.unattributedFills, s.unmarked]).toEqual(['280', '280', '280', 0, 0]);
  });

  it('agrees with the summary’s own cost fields once the engine gives them', () => {
    const c = summaryCosts(r.summary);
    // Read defensively: a summary without them gives null, and then only PnL is compared (above).
    if (c.net !== null) expect(new Decimal(c.net).eq(a.net)).toBe(true);
    if (c.gross !== null) expect(new Decimal(c.gross).eq(a.gross)).toBe(true);
    if (c.fees !== null) expect(new Decimal(c.fees).eq(a.costs.fees)).toBe(true);
    if (c.funding !== null) expect(new Decimal(c.funding).eq(a.costs.funding)).toBe(true);
    for (const e of r.summary.executions) {
      const own = (e as Execution & { fees?: string }).fees;
      if (own !== undefined) expect(own).toBe('0');
    }
  });

  it('puts the spread on the charts’ time grid from every change (1 s slots here)', () => {
    expect(a.grid).toEqual({ start: T0 / 1000, step: 1, slots: 8 });
    // [slot, last bid, last ask, highest bid, lowest ask]: one change a second here.
    expect(r.series[0]!.spreadSlots).toEqual([
      [0, 8, 10, 8, 10],
      [1, 3, 5, 3, 5],
      [2, 1, 3, 1, 3],
      [3, 6, 8, 6, 8],
      [4, 12, 14, 12, 14],
      [5, 8, 10, 8, 10],
      [6, 4, 6, 4, 6],
      [7, 6, 8, 6, 8],
    ]);
  });

  it('keeps no analytics when the run keeps no series (a sweep)', async () => {
    const bare = await runBacktest(resolveConfig(scriptedConfig, 'ab'), { data: [data], series: false });
    expect(bare.analytics).toBeNull();
  });
});

describe('backtest analytics with fees (docs/costs.md): the same run, every leg paying 0.5 a lot taken', async () => {
  const { data } = scriptedFiles();
  const withFees: ConfigInput = {
    ...scriptedConfig,
    strategies: [{ ...scriptedConfig.strategies[0]!, legs: scriptedConfig.strategies[0]!.legs.map((l) => ({ ...l, fees: { taker: { perLot: '0.5' } } })) }],
  };
  const r = await runBacktest(resolveConfig(withFees, 'ab'), { data: [data] });
  const a = r.analytics!;

  it('nets each fee as it is paid, and its totals are the summary’s', () => {
    // Each fill is 2 lots: 1.0 each, 10 fills.
    expect(a.equity.points.map((p) => [p.at - T0, p.equity])).toEqual([
      [0, '0'],
      [1000, '-11'],
      [1000, '-22'],
      [2000, '-62'],
      [3000, '38'],
      [4000, '158'],
      [4000, '147'],
      [4000, '136'],
      [4000, '125'],
      [4000, '114'],
      [5000, '194'],
      [6000, '274'],
      [6000, '263'],
      [6000, '252'],
      [6000, '241'],
      [6000, '230'],
      [7000, '270'],
      [7001, '270'],
    ]);
    expect([a.gross, a.net, a.costs.fees, a.costs.feesTaker, a.costs.funding]).toEqual(['280', '270', '10', '10', '0']);
    expect(a.equity.maxDrawdown).toEqual({ amount: '62', peakAt: T0, peak: '0', troughAt: T0 + 2000, trough: '-62', recoveredAt: T0 + 3000, durationMs: 3000 });
    const c = summaryCosts(r.summary);
    expect([c.gross, c.fees, c.funding, c.net, r.summary.pnl]).toEqual(['280', '10', '0', '270', '270.00']);
    expect(r.summary.executions.map((e) => (e as Execution & { fees?: string }).fees)).toEqual(['2', '2', '2', '2', '2']);
  });

  it('takes each trip’s share of its executions’ fees', () => {
    expect(a.strategies[0]!.roundTrips.map((t) => [t.units, t.open, t.pnl, t.fees])).toEqual([
      [2, false, '136', '4'],
      [2, false, '116', '4'],
      [2, true, '18', '2'], // no exit fees yet
    ]);
    expect(a.trips).toMatchObject({ closedPnl: '252', openPnl: '18', otherPnl: '0', averageWin: '126.00' });
  });
});

/** An execution with the fields round trips read; the rest are placeholders. */
function execution(p: Pick<Execution, 'algoId' | 'purpose' | 'side' | 'units' | 'endedAt'> & Partial<Execution>): Execution {
  return {
    strategy: 's',
    kind: 'taker',
    status: 'completed',
    reason: 'filled',
    qty: p.units,
    trigger: null,
    realizedSpread: null,
    slippage: null,
    legs: [],
    residualLots: [],
    exposure: { maxLots: [], maxNotional: '0', maxLegNotional: [], notionalSeconds: '0', nakedMs: 0 },
    startedAt: p.endedAt,
    durationMs: 0,
    orders: 0,
    reprices: 0,
    rejects: 0,
    ladderSteps: 0,
    fees: '0',
    ...p,
  } as Execution;
}

describe('round trips', () => {
  it('split executions FIFO by units, carry each one’s share of cash and fees, count wins and losses', () => {
    const cash = (c: string, f: string) => ({ cash: new Decimal(c), fees: new Decimal(f) });
    const executions = [
      execution({ algoId: 'E1', purpose: 'longEntry', side: 'buy', units: 3, endedAt: 1000 }),
      execution({ algoId: 'E2', purpose: 'longEntry', side: 'buy', units: 1, endedAt: 2000 }),
      execution({ algoId: 'X1', purpose: 'longExit', side: 'sell', units: 2, endedAt: 3000 }),
      execution({ algoId: 'Z', purpose: 'shortEntry', side: 'sell', units: 0, endedAt: 3500 }), // legged out, unwound: no trip
      execution({ algoId: 'X2', purpose: 'longExit', side: 'sell', units: 2, endedAt: 4000 }),
      execution({ algoId: 'S', purpose: 'shortEntry', side: 'sell', units: 1, endedAt: 5000 }),
      execution({ algoId: 'F', purpose: 'flatten', side: 'buy', units: 1, endedAt: 6000 }), // the kill switch closes the short
      execution({ algoId: 'E3', purpose: 'longEntry', side: 'buy', units: 2, endedAt: 7000 }),
    ];
    const algoCash = new Map([
      ['E1', cash('-300', '3')],
      ['E2', cash('-110', '1')],
      ['X1', cash('230', '2')],
      ['Z', cash('-7', '1')],
      ['X2', cash('180', '2')],
      ['S', cash('50', '0.5')],
      ['F', cash('-45', '0.5')],
      ['E3', cash('-200', '2')],
    ]);
    // One spread unit held long is worth 105 at the end.
    const trips = roundTrips('s', executions, algoCash, new Decimal(105), 8000);
    expect(trips.map((t) => [t.direction, t.units, t.entry.algoId, t.exit?.algoId ?? null, t.pnl, t.fees, t.holdingMs])).toEqual([
      ['long', 2, 'E1', 'X1', '26', '4', 2000], // −200 − 2 + 230 − 2
      ['long', 1, 'E1', 'X2', '-12', '2', 3000], // −100 − 1 + 90 − 1
      ['long', 1, 'E2', 'X2', '-22', '2', 2000], // −110 − 1 + 90 − 1
      ['short', 1, 'S', 'F', '4', '1', 1000], // 50 − 0.5 − 45 − 0.5
      ['long', 2, 'E3', null, '8', '2', 1000], // open: −200 − 2 + 2 × 105
    ]);
    // Σ trips is 26 − 12 − 22 + 4 + 8 = 4; the unwound Z cost 8 outside any trip: net −4 (no funding).
    expect(tripStats(trips, new Decimal(-4), new Decimal(0))).toEqual({
      closed: 4,
      open: 1,
      wins: 2,
      losses: 2,
      hitRate: '0.5',
      averageWin: '15.00',
      averageLoss: '-17.00',
      closedPnl: '-4',
      openPnl: '8',
      otherPnl: '-8',
    });
  });

  it('say n/a for an open trip whose legs have no mark', () => {
    const trips = roundTrips('s', [execution({ algoId: 'E', purpose: 'shortEntry', side: 'sell', units: 1, endedAt: 0 })], new Map(), null, 10);
    expect(trips.map((t) => [t.open, t.pnl])).toEqual([[true, 'n/a']]);
  });
});

describe('slippage distribution', () => {
  it('has one bucket per value up to 12 distinct values, else equal buckets of 1, 2 or 5 × 10^k', () => {
    expect(slippageStats([]).buckets).toEqual([]);
    const values = ['-0.45', ...Array.from({ length: 14 }, (_, i) => new Decimal(i).div(10).toFixed())];
    const x = slippageStats(values);
    expect([x.count, x.mean, x.median, x.best, x.worst]).toEqual([15, '0.5767', '0.6', '-0.45', '1.3']);
    expect(x.buckets.map((b) => `[${b.from}, ${b.to}) ${b.count}`)).toEqual([
      '[-0.6, -0.4) 1',
      '[-0.4, -0.2) 0',
      '[-0.2, 0) 0',
      '[0, 0.2) 2',
      '[0.2, 0.4) 2',
      '[0.4, 0.6) 2',
      '[0.6, 0.8) 2',
      '[0.8, 1) 2',
      '[1, 1.2) 2',
      '[1.2, 1.4) 2',
    ]);
  });
});

describe('the equity trace keeps few points but the true max drawdown', () => {
  it('over 10,000 marks in 20 buckets: the drawdown of every evaluated point, its peak and trough among the kept ones', () => {
    const trace = new EquityTrace([{ symbol: 'X', value: new Decimal(1) }], 0, 10_000, 20);
    trace.mark(0, 100, 0);
    trace.fill(0, 1, new Decimal(-100), new Decimal(0), 0); // long 1 at 100: equity = mid − 100
    let x = 100;
    let seed = 7;
    const mids: number[] = [];
    let moves = 0;
    for (let t = 1; t <= 10_000; t++) {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      const step = (seed % 7) - 3;
      x += step;
      if (step !== 0) moves++;
      mids.push(x);
      trace.mark(0, x, t);
    }
    const curve = trace.curve(10_000);
    // Brute force over every value.
    let peak = 0;
    let best = { dd: 0, peakAt: 0, troughAt: 0 };
    let peakAt = 0;
    mids.forEach((m, i) => {
      const eq = m - 100;
      if (eq >= peak) [peak, peakAt] = [eq, i + 1];
      else if (peak - eq > best.dd) best = { dd: peak - eq, peakAt, troughAt: i + 1 };
    });
    expect(Number(curve.maxDrawdown.amount)).toBe(best.dd);
    expect([curve.maxDrawdown.peakAt, curve.maxDrawdown.troughAt]).toEqual([best.peakAt, best.troughAt]);
    const kept = new Map(curve.points.map((p) => [p.at, p]));
    expect(kept.get(best.troughAt)?.equity).toBe(String(mids[best.troughAt - 1]! - 100));
    expect(kept.get(best.peakAt)?.drawdown).toBe('0');
    expect(curve.evaluated).toBe(3 + moves); // the start, the fill, every mark that moved, the end
    expect(moves).toBe(8517);
    expect(curve.maxDrawdown).toMatchObject({ amount: '182', peakAt: 3559, peak: '237' });
    expect(curve.points.length).toBe(86); // of 8,520 evaluated
    // Each kept point's drawdown is against the running peak of every evaluated point.
    let running = -Infinity;
    const runningAt = new Map<number, number>([[0, 0]]);
    mids.forEach((m, i) => runningAt.set(i + 1, (running = Math.max(running, m - 100, 0))));
    for (const p of curve.points) expect([p.at, Number(p.drawdown)]).toEqual([p.at, Number(p.equity) - runningAt.get(p.at)!]);
  });
});

describe('the analytics recorder: fees, funding and a portfolio of two strategies', () => {
  const config: ConfigInput = {
    venue: {
      kind: 'replay',
      latencyMs: 0,
      instruments: ['A', 'B', 'C'].map((symbol) => ({ symbol, tickSize: '1', lotSize: '1' })),
    },
    strategies: [
      {
        name: 'ab',
        legs: [
          { symbol: 'A', tickSize: '1', lotSize: '1', priceMultiplier: '1', tradingMultiplier: 1, contractMultiplier: '10' },
          { symbol: 'B', tickSize: '1', lotSize: '1', priceMultiplier: '-1', tradingMultiplier: -1, contractMultiplier: '10' },
        ],
        triggers: { longEntry: '50' },
        target: 1,
      },
      {
        name: 'ac',
        legs: [
          { symbol: 'A', tickSize: '1', lotSize: '1', priceMultiplier: '1', tradingMultiplier: 1, contractMultiplier: '10' },
          { symbol: 'C', tickSize: '1', lotSize: '1', priceMultiplier: '-1', tradingMultiplier: -1, contractMultiplier: '1' },
        ],
        triggers: { shortEntry: '90' },
        target: 1,
      },
    ],
  };
  const fill = (at: number, strategy: string, algoId: string, symbol: string, side: 'buy' | 'sell', price: string, fee: string, liquidity: FillRecord['liquidity']): FillRecord => ({
    at,
    strategy,
    algoId,
    clientId: `${algoId}.1`,
    tradeId: `T${at}${symbol}`,
    symbol,
    side,
    qty: '1',
    price,
    liquidity,
    fee,
  });
  const q = (symbol: string, bid: number, ask: number, ts: number) => ({ symbol, bid, bidSize: 5, ask, askSize: 5, ts });

  it('nets fees and funding as they occur, per strategy and for the run', () => {
    const rec = new AnalyticsRecorder(resolveConfig(config, 'two'), 0, 5000);
    rec.quote(q('A', 100, 102, 0));
    rec.quote(q('B', 50, 52, 0));
    rec.quote(q('C', 20, 22, 0));
    rec.fill(fill(1000, 'ab', 'ab/1', 'A', 'buy', '102', '0.5', 'taker'));
    rec.fill(fill(1000, 'ab', 'ab/1', 'B', 'sell', '50', '0.25', 'maker'));
    rec.quote({ symbol: 'A', bid: 0, bidSize: 0, ask: 110, askSize: 5, ts: 1500 }); // one-sided: no mark
    rec.quote(q('A', 104, 106, 2000));
    rec.fill(fill(3000, 'ac', 'ac/1', 'A', 'sell', '104', '0.1', null));
    rec.fill(fill(3000, 'ac', 'ac/1', 'C', 'buy', '22', '0', 'taker'));
    rec.funding({ at: 4000, strategy: 'ab', symbol: 'A', lots: 1, rate: '0.001', mark: '105', amount: '1.5' });
    rec.funding({ at: 4000, strategy: 'ac', symbol: 'A', lots: -1, rate: '0.001', mark: '105', amount: '-0.6' });
    rec.execution(execution({ algoId: 'ab/1', strategy: 'ab', purpose: 'longEntry', side: 'buy', units: 1, endedAt: 1000, realizedSpread: '52', slippage: '2' }));
    rec.execution(execution({ algoId: 'ac/1', strategy: 'ac', purpose: 'shortEntry', side: 'sell', units: 1, endedAt: 3000, realizedSpread: '82', slippage: '8' }));
    const a = rec.finish(5000);
    const [ab, ac] = a.strategies;
    const pts = (c: { points: { at: number; equity: string; drawdown: string }[] }) => c.points.map((p) => [p.at, p.equity, p.drawdown]);
    // ab: bought A at 102 (marked 101), sold B at 50 (marked 51), fees 0.75; A to 105; funding 1.5.
    expect(pts(ab!.equity)).toEqual([
      [0, '0', '0'],
      [1000, '-10.5', '-10.5'],
      [1000, '-20.75', '-20.75'],
      [2000, '19.25', '0'],
      [4000, '17.75', '-1.5'],
      [5000, '17.75', '-1.5'],
    ]);
    // ac: sold A at 104 (marked 105), bought C at 22 (marked 21, 1 per point), fee 0.1; received funding 0.6.
    expect(pts(ac!.equity)).toEqual([
      [0, '0', '0'],
      [3000, '-10.1', '-10.1'],
      [3000, '-11.1', '-11.1'],
      [4000, '-10.5', '-10.5'],
      [5000, '-10.5', '-10.5'],
    ]);
    expect(pts(a.equity)).toEqual([
      [0, '0', '0'],
      [1000, '-10.5', '-10.5'],
      [1000, '-20.75', '-20.75'],
      [2000, '19.25', '0'],
      [3000, '9.15', '-10.1'],
      [3000, '8.15', '-11.1'],
      [4000, '6.65', '-12.6'],
      [4000, '7.25', '-12'],
      [5000, '7.25', '-12'],
    ]);
    expect(a.equity.maxDrawdown).toEqual({ amount: '20.75', peakAt: 0, peak: '0', troughAt: 1000, trough: '-20.75', recoveredAt: 2000, durationMs: 2000 });
    expect([a.gross, a.net, ab!.gross, ab!.net, ac!.gross, ac!.net]).toEqual(['9', '7.25', '20', '17.75', '-11', '-10.5']);
    expect(a.costs).toEqual({ fees: '0.85', feesMaker: '0.25', feesTaker: '0.5', feesUnknown: '0.1', funding: '0.9', total: '1.75' });
    expect(ab!.costs).toEqual({ fees: '0.75', feesMaker: '0.25', feesTaker: '0.5', feesUnknown: '0', funding: '1.5', total: '2.25' });
    // Open trips, marked: ab one unit long: −520 − 0.75 + (1050 − 510); ac one unit short: 1018 − 0.1 − (1050 − 21).
    expect(a.strategies.flatMap((s) => s.roundTrips).map((t) => [t.strategy, t.direction, t.open, t.pnl, t.fees])).toEqual([
      ['ab', 'long', true, '19.25', '0.75'],
      ['ac', 'short', true, '-11.1', '0.1'],
    ]);
    // Σ trips − funding = net: nothing outside the trips.
    expect([a.trips.openPnl, a.trips.otherPnl, ab!.trips.otherPnl, ac!.trips.otherPnl]).toEqual(['8.15', '0', '0', '0']);
    expect(a.grid).toEqual({ start: 0, step: 1, slots: 6 });
  });

  it('moves the run’s equity once when a quote marks a symbol two strategies hold', () => {
    const rec = new AnalyticsRecorder(resolveConfig(config, 'two'), 0, 3000);
    rec.quote(q('A', 100, 102, 0));
    rec.quote(q('B', 50, 52, 0));
    rec.quote(q('C', 20, 22, 0));
    rec.fill(fill(1000, 'ab', 'ab/1', 'A', 'buy', '101', '0', 'taker'));
    rec.fill(fill(1000, 'ac', 'ac/1', 'A', 'sell', '101', '0', 'taker'));
    rec.quote(q('A', 110, 112, 2000)); // ab +100, ac −100
    const a = rec.finish(3000);
    expect(a.equity.points.map((p) => [p.at, p.equity])).toEqual([
      [0, '0'],
      [1000, '0'],
      [1000, '0'],
      [2000, '0'], // never +100 or −100 between the two
      [3000, '0'],
    ]);
    expect(a.strategies.map((s) => s.equity.final)).toEqual(['100', '-100']);
  });

  it('marks legs quoted at one instant together (a quote with `more` waits for the last of its instant)', () => {
    const rec = new AnalyticsRecorder(resolveConfig(config, 'two'), 0, 5000);
    rec.quote(q('A', 100, 102, 0));
    rec.quote(q('B', 50, 52, 0));
    rec.fill(fill(0, 'ab', 'ab/1', 'A', 'buy', '101', '0', 'taker'));
    rec.fill(fill(0, 'ab', 'ab/1', 'B', 'sell', '51', '0', 'taker'));
    rec.quote({ ...q('A', 110, 112, 1000), more: true });
    rec.quote(q('B', 60, 62, 1000));
    expect(rec.finish(1000).strategies[0]!.equity.points.map((p) => [p.at, p.equity])).toEqual([
      [0, '0'],
      [0, '0'],
      [0, '0'],
      [1000, '0'], // A and B both up 10: one point, never the +100 between them
      [1000, '0'],
    ]);
  });
});

describe('the time grid', () => {
  it('chooses whole-second slots, at most 5000, aligned to round times', () => {
    expect(timeGrid(T0 + 250, T0 + 7001)).toEqual({ start: T0 / 1000, step: 1, slots: 8 });
    // The CME data: 2013-10-06 19:01 to 10-11 21:16 UTC, over five days: 2-minute slots from 19:00.
    expect(timeGrid(Date.UTC(2013, 9, 6, 19, 1), Date.UTC(2013, 9, 11, 21, 16))).toEqual({ start: Date.UTC(2013, 9, 6, 19, 0) / 1000, step: 120, slots: 3669 });
  });

  it('puts several values of one slot together: the last, or the lowest', () => {
    const g = { start: 0, step: 1, slots: 3 };
    const points: [number, number | null][] = [[0, 5], [400, 3], [999, 4], [1000, null], [2500, 7], [2600, 6]];
    expect(toSlots(g, points)).toEqual([[0, 4], [1, null], [2, 6]]);
    expect(toSlots(g, points, 'min')).toEqual([[0, 3], [1, null], [2, 6]]);
    const slots = new SpreadSlots(g);
    slots.add(0, 1, 3);
    slots.add(300, 2, 4);
    slots.add(600, null, null);
    slots.add(1200, 0, 2);
    expect(slots.rows).toEqual([[0, null, null, 2, 3], [1, 0, 2, 0, 2]]);
  });
});
