/**
 * The leg-out experiment (docs/leg-out-experiment.md): run with `npm run experiment`.
 *
 * 1. Leg-out cost against hedge latency: the same strategy with the hedge leg's order latency set from
 *    1 ms to 5 s; slippage and naked exposure per execution.
 * 2. The variance of the hedge leg's mid-price change over a horizon, against the horizon: it grows
 *    linearly (a random walk), which is why leg-out cost grows with the square root of latency.
 * 3. Hedge ladder settings: how resting payup and the hedge (cross) timeout trade slippage against exposure.
 *
 * Everything runs on the embedded simulated venue with fixed seeds, so the report is reproducible.
 * It writes docs/leg-out-experiment.md and three SVG charts next to it.
 */
import { writeFileSync } from 'node:fs';
import { VirtualClock } from '../src/clock/virtual-clock.js';
import { demoConfig, resolveConfig, createEngine, type SimulatedConfigInput, type Execution } from '../src/index.js';
import { SimulatedVenue, type SimVenueSpec } from '../src/venue/simulated/simulated-venue.js';
import { chart } from '../src/report/svg-chart.js';

const HOURS = Number(process.env.LEGATO_EXPERIMENT_HOURS ?? 6);
const SEEDS = [1, 2, 3, 4];
const LATENCIES = [1, 5, 20, 100, 250, 500, 1000, 2000, 5000];
const START = '2026-11-23T00:00:00';

/** A 24-hour market, so no session breaks mix into the figures; a quick mean reversion for many trades. */
function base(): SimulatedConfigInput {
  const c: SimulatedConfigInput = structuredClone(demoConfig);
  c.run = { start: START, days: HOURS / 24 };
  c.venue.latencyMs = 1;
  c.venue.calendar = { timeZone: 'UTC', days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'], sessions: [{ start: '00:00', end: '00:00' }] };
  c.venue.instruments = [
    { symbol: 'RB', tickSize: '1', lotSize: '1', quoteIntervalMs: 250, size: { min: 20, max: 100 }, start: '3200', volatility: '0.25' },
    { symbol: 'HC', tickSize: '1', lotSize: '1', quoteIntervalMs: 250, size: { min: 20, max: 100 }, follows: { symbol: 'RB', beta: '1', mean: '180', sd: '4', halfLifeSeconds: 120 } },
  ];
  const s = c.strategies[0]!;
  s.triggers = { longEntry: '176', longExit: '180', shortEntry: '184', shortExit: '180' };
  s.session = { closingLeadSeconds: 0 };
  return c;
}

interface Stats {
  executions: number;
  meanSlippage: number;
  sdSlippage: number;
  meanAbsSlippage: number;
  meanNakedMs: number;
  meanNotionalSeconds: number;
  crossings: number;
  unwinds: number;
}

async function run(config: SimulatedConfigInput, seeds = SEEDS): Promise<Stats> {
  const executions: Execution[] = [];
  const crossed = new Set<string>();
  for (const seed of seeds) {
    const engine = createEngine(resolveConfig(config, 'experiment', { seed }));
    engine.records$.subscribe((r) => {
      if (r.kind === 'ladder.step' && r.step === 'crossing') crossed.add(`${seed}:${r.algoId}`);
    });
    const summary = await engine.run();
    executions.push(...summary.executions.filter((e) => e.units > 0 && e.slippage !== null).map((e) => ({ ...e, algoId: `${seed}:${e.algoId}` })));
  }
  const slip = executions.map((e) => Number(e.slippage));
  const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  const m = mean(slip);
  return {
    executions: executions.length,
    meanSlippage: m,
    sdSlippage: Math.sqrt(mean(slip.map((x) => (x - m) ** 2))),
    meanAbsSlippage: mean(slip.map(Math.abs)),
    meanNakedMs: mean(executions.map((e) => e.exposure.nakedMs)),
    meanNotionalSeconds: mean(executions.map((e) => Number(e.exposure.notionalSeconds))),
    crossings: executions.filter((e) => crossed.has(e.algoId)).length,
    unwinds: executions.filter((e) => e.reason === 'unwound').length,
  };
}

const f = (x: number, d = 2): string => x.toFixed(d);

async function latencyExperiment(): Promise<{ rows: string[]; svg: string; stats: [number, Stats][] }> {
  const stats: [number, Stats][] = [];
  for (const latency of LATENCIES) {
    const c = base();
    c.venue.instruments[0]!.latency = { submitMs: latency, cancelMs: latency, reportMs: 1 }; // RB: the hedge leg
    c.strategies[0]!.execution = { hedge: { crossAfterMs: 30_000, unwindAfterMs: 60_000 } };
    stats.push([latency, await run(c)]);
    process.stderr.write(`latency ${latency} ms done\n`);
  }
  const rows = stats.map(
    ([l, s]) => `| ${l} | ${s.executions} | ${f(s.meanSlippage, 3)} | ${f(s.sdSlippage, 3)} | ${f(s.meanAbsSlippage, 3)} | ${f(s.meanNakedMs, 0)} | ${f(s.meanNotionalSeconds, 3)} |`,
  );
  const svg = chart(
    [
      { name: 'sd of slippage', color: '#d62728', points: stats.map(([l, s]) => [l, s.sdSlippage]) },
      { name: 'mean |slippage|', color: '#1f77b4', points: stats.map(([l, s]) => [l, s.meanAbsSlippage]) },
      { name: 'mean slippage', color: '#2ca02c', points: stats.map(([l, s]) => [l, s.meanSlippage]) },
    ],
    { title: 'Leg-out cost against hedge latency', xLabel: 'hedge leg order latency (ms, log scale)', yLabel: 'spread points per execution', logX: true },
  );
  return { rows, svg, stats };
}

/** Var(mid(t+h) − mid(t)) of the hedge leg from its quotes, for each horizon h. */
function varianceExperiment(): { rows: string[]; svg: string; slope: number; intercept: number; r2: number; shortSlope: number } {
  const c = resolveConfig(base(), 'variance', { seed: 1 });
  const clock = new VirtualClock(c.run.start);
  const venue = new SimulatedVenue(c.venue as SimVenueSpec, clock);
  const times: number[] = [];
  const mids: number[] = [];
  venue.quotes$.subscribe((q) => {
    if (q.symbol !== 'RB') return;
    times.push(q.ts);
    mids.push((q.bid + q.ask) / 2);
  });
  venue.start();
  clock.runUntil(c.run.start + HOURS * 3_600_000);
  venue.stop();
  // The mid in force at time t (the last quote at or before t).
  const midAt = (t: number): number => {
    let lo = 0;
    let hi = times.length - 1;
    while (lo < hi) {
      const m = (lo + hi + 1) >> 1;
      if (times[m]! <= t) lo = m;
      else hi = m - 1;
    }
    return mids[lo]!;
  };
  const horizons = [1, 5, 20, 100, 250, 500, 1000, 2000, 5000, 10_000, 30_000];
  const first = times[0]!;
  const last = times.at(-1)! - 30_001;
  const points: [number, number][] = horizons.map((h) => {
    const n = 20_000;
    let sum = 0;
    let sum2 = 0;
    for (let i = 0; i < n; i++) {
      const t = first + ((last - first) * (i + 0.5)) / n;
      const d = midAt(t + h) - midAt(t);
      sum += d;
      sum2 += d * d;
    }
    return [h, sum2 / n - (sum / n) ** 2];
  });
  // Beyond a few quote intervals: ordinary least squares var = a + k·h (a = the tick-rounding floor).
  const long = points.filter(([h]) => h >= 1000);
  const mh = long.reduce((a, [h]) => a + h, 0) / long.length;
  const mv = long.reduce((a, [, v]) => a + v, 0) / long.length;
  const slope = long.reduce((a, [h, v]) => a + (h - mh) * (v - mv), 0) / long.reduce((a, [h]) => a + (h - mh) ** 2, 0);
  const intercept = mv - slope * mh;
  const ssRes = long.reduce((a, [h, v]) => a + (v - intercept - slope * h) ** 2, 0);
  const ssTot = long.reduce((a, [, v]) => a + (v - mv) ** 2, 0);
  const r2 = 1 - ssRes / ssTot;
  // Within a quote interval: var ≈ c·h (the chance that a quote update falls inside h).
  const short = points.filter(([h]) => h <= 100);
  const shortSlope = short.reduce((a, [h, v]) => a + h * v, 0) / short.reduce((a, [h]) => a + h * h, 0);
  const theory = 0.25 ** 2 / 1000; // volatility² per ms
  const rows = points.map(([h, v]) => `| ${h} | ${v.toFixed(4)} | ${h >= 1000 ? (intercept + slope * h).toFixed(4) : h <= 100 ? (shortSlope * h).toFixed(4) : '–'} | ${(theory * h).toFixed(4)} |`);
  const svg = chart(
    [
      { name: 'measured', color: '#1f77b4', points, line: false },
      { name: `fit ${intercept.toFixed(3)} + ${slope.toExponential(2)}·h`, color: '#d62728', points: long.map(([h]) => [h, intercept + slope * h]) },
      { name: 'volatility²·h', color: '#7f7f7f', points: points.map(([h]) => [h, theory * h]) },
    ],
    { title: 'Variance of the hedge leg mid change over a horizon', xLabel: 'horizon h (ms)', yLabel: 'variance (price points²)' },
  );
  return { rows, svg, slope, intercept, r2, shortSlope };
}

async function ladderExperiment(): Promise<{ rows: string[]; svg: string; headline: string }> {
  const settings: { payup: number; crossAfterMs: number }[] = [];
  for (const payup of [0, 1, 2]) for (const crossAfterMs of [250, 1000, 4000]) settings.push({ payup, crossAfterMs });
  const results: [typeof settings[number], Stats][] = [];
  for (const s of settings) {
    const c = base();
    // A two-tick market with thin books: resting and crossing differ, and fills come in pieces.
    for (const i of c.venue.instruments) {
      i.widthTicks = 2;
      i.size = { min: 1, max: 6 };
    }
    c.venue.instruments[0]!.latency = { submitMs: 50, cancelMs: 50, reportMs: 5 };
    c.strategies[0]!.execution = {
      payupTicks: 1,
      hedge: { payupTicks: s.payup, repriceMs: 500, crossAfterMs: s.crossAfterMs, crossPayupTicks: 1, unwindAfterMs: s.crossAfterMs + 10_000 },
    };
    results.push([s, await run(c)]);
    process.stderr.write(`ladder payup ${s.payup} cross ${s.crossAfterMs} done\n`);
  }
  const rows = results.map(
    ([s, r]) =>
      `| ${s.payup} | ${s.crossAfterMs} | ${r.executions} | ${f(r.meanSlippage, 3)} | ${f(r.meanNakedMs, 0)} | ${f(r.meanNotionalSeconds, 3)} | ${r.crossings} | ${r.unwinds} |`,
  );
  const colors = ['#1f77b4', '#ff7f0e', '#2ca02c'];
  const svg = chart(
    [0, 1, 2].map((payup) => ({
      name: `resting payup ${payup} (cross after 250 ms → 4 s)`,
      color: colors[payup]!,
      points: results.filter(([s]) => s.payup === payup).map(([, r]) => [r.meanNotionalSeconds, r.meanSlippage] as [number, number]),
    })),
    { title: 'Hedge ladder: slippage against naked exposure', xLabel: 'mean naked notional-seconds per execution', yLabel: 'mean slippage (spread points)', width: 900 },
  );
  const pick = (payup: number, crossAfterMs: number): Stats => results.find(([s]) => s.payup === payup && s.crossAfterMs === crossAfterMs)![1];
  const [a, b, c] = [pick(0, 250), pick(0, 4000), pick(2, 250)];
  const headline =
    `With the hedge resting at the near touch (payup 0), waiting 4 s instead of 250 ms before crossing moves the mean slippage ` +
    `from ${f(a.meanSlippage, 3)} to ${f(b.meanSlippage, 3)} spread points and the naked exposure from ${f(a.meanNotionalSeconds, 3)} to ` +
    `${f(b.meanNotionalSeconds, 3)} notional-seconds per execution; hedging at the far touch at once (payup 2) gives ${f(c.meanSlippage, 3)} ` +
    `points at ${f(c.meanNotionalSeconds, 3)} notional-seconds.`;
  return { rows, svg, headline };
}

const lat = await latencyExperiment();
const v = varianceExperiment();
const lad = await ladderExperiment();
writeFileSync('docs/leg-out-latency.svg', lat.svg);
writeFileSync('docs/mid-variance.svg', v.svg);
writeFileSync('docs/ladder-tradeoff.svg', lad.svg);

const first = lat.stats[0]![1];
const lastL = lat.stats.at(-1)!;
const report = `# Leg-out experiment

Generated by \`npm run experiment\` (scripts/leg-out-experiment.ts) on the embedded simulated venue: a
cointegrated pair (RB a random walk with volatility 0.25 points/√s; HC = RB + s, s mean-reverting around 180
with sd 4 and a 120 s half-life), one-tick markets quoted every 250 ms on average, a 24-hour calendar,
${HOURS} simulated hours per run, seeds ${SEEDS.join(', ')}. The strategy is the demo's taker (buy the spread at 176, sell at
184, exits at 180, 5 units); HC is the active leg and RB the hedge leg. Slippage is the realized spread's
distance from the trigger in spread points, positive = worse.

## 1. Leg-out cost against hedge latency

The hedge leg's order and cancel latency is set from 1 ms to 5 s (reports 1 ms); everything else is fixed.
The ladder's timeouts are long (cross after 30 s) so that latency alone is measured.

| hedge latency (ms) | executions | mean slippage | sd of slippage | mean abs slippage | mean naked ms | mean naked notional-s |
|---|---|---|---|---|---|---|
${lat.rows.join('\n')}

![leg-out cost against latency](leg-out-latency.svg)

Headline: from ${LATENCIES[0]} ms to ${lastL[0]} ms the spread of outcomes (sd of slippage) grows from
${f(first.sdSlippage, 3)} to ${f(lastL[1].sdSlippage, 3)} spread points and the naked exposure from
${f(first.meanNotionalSeconds, 3)} to ${f(lastL[1].meanNotionalSeconds, 3)} notional-seconds per execution. The mean slippage stays
near zero in this symmetric market: leg-out is a risk (variance) before it is a cost; a directional or
adverse-selected market turns it into a cost.

## 2. The variance of the mid change grows linearly with the horizon

From ${HOURS} hours of RB quotes (seed 1), the variance of mid(t + h) − mid(t) over 20,000 evenly spaced t:

| horizon h (ms) | measured variance | fit | model volatility²·h |
|---|---|---|---|
${v.rows.join('\n')}

Beyond a few quote intervals (h ≥ 1 s) the variance is a straight line in h: least squares gives
var = ${v.intercept.toFixed(3)} + ${v.slope.toExponential(3)}·h (points², h in ms), R² = ${v.r2.toFixed(4)}. The slope matches
the model's volatility² of ${(0.25 ** 2 / 1000).toExponential(3)} per ms; the intercept is the tick-rounding floor (two
independent roundings of the mid to the tick grid add about 2 × 1/12 ≈ 0.167 points²). Within one quote interval
(h ≤ 100 ms) the variance is again linear in h, var ≈ ${v.shortSlope.toExponential(3)}·h, because what grows with h is
the chance that a quote update falls inside it. Either way the standard deviation of what a hedge can lose
while it waits grows with √latency.

![variance of mid change](mid-variance.svg)

## 3. Ladder settings: slippage against exposure

A two-tick market with thin books (1–6 lots shown), hedge-leg latency 50 ms. Each row is one ladder setting:
resting payup (ticks added to the near touch in step 1) and the hedge timeout after which the ladder crosses
(cross payup 1, re-price every 500 ms, unwind 10 s after crossing).

| resting payup | cross after (ms) | executions | mean slippage | mean naked ms | mean naked notional-s | executions that escalated | unwound |
|---|---|---|---|---|---|---|---|
${lad.rows.join('\n')}

![ladder trade-off](ladder-tradeoff.svg)

${lad.headline} Resting closer to the near touch saves spread when the hedge fills passively but leaves the leg
naked longer; a short hedge timeout caps the exposure at the price of crossing more often. Payup 2 in a
two-tick market reaches the far touch at once, so the timeout hardly matters.
`;
writeFileSync('docs/leg-out-experiment.md', report);
process.stderr.write('wrote docs/leg-out-experiment.md, docs/leg-out-latency.svg, docs/mid-variance.svg, docs/ladder-tradeoff.svg\n');
