import fc from 'fast-check';
import { demoConfig } from '../../src/config/demo.js';
import { resolveConfig, type EngineConfig } from '../../src/config/resolve.js';
import type { SimulatedConfigInput } from '../../src/config/schema.js';
import { Decimal } from '../../src/domain/decimal.js';
import { nakedLots } from '../../src/domain/position.js';
import { calendarFor } from '../../src/domain/session-calendar.js';
import { ContainmentWatch } from '../helpers/containment-watch.js';
import { simulate } from '../helpers/simulate.js';
import type { EngineRecord, Execution, FillRecord } from '../../src/engine/records.js';
import type { SimulatedVenue } from '../../src/venue/simulated/simulated-venue.js';

/**
 * Random markets, random venue fault schedules and random configs, and the invariants every run must keep.
 * Shared by the test suite (fixed seed, modest count) and scripts/properties.ts (long runs).
 */

export interface Scenario {
  seed: number;
  hours: number;
  /** true: the Shanghai calendar with its breaks; false: always open. */
  sessions: boolean;
  startHour: number;
  market: { quoteIntervalMs: number; sizeMax: number; widthTicks: number; sd: number; halfLifeSeconds: number; volatility: number; latency: [number, number] };
  faults: { rejectRate: number; cancelRejectRate: number; duplicateRate: number; lateRate: number; lateMs: number; disconnects: { afterMs: number; durationMs: number }[] };
  strategy: {
    kind: 'taker' | 'contingent' | 'quoting';
    ratio: boolean;
    target: number;
    entryDistance: number;
    payupTicks: number;
    resubmitMs: number;
    stopPolicy: 'hedge' | 'unwind';
    hedge: { payupTicks: number; repriceMs: number; crossAfterMs: number; unwindAfterMs: number };
  };
}

export const scenarioArb = (options: { disconnects: boolean; sessions: boolean }): fc.Arbitrary<Scenario> =>
  fc.record({
    seed: fc.integer({ min: 1, max: 1_000_000 }),
    hours: fc.constantFrom(1, 2),
    sessions: fc.constant(options.sessions),
    startHour: fc.integer({ min: 0, max: 23 }),
    market: fc.record({
      quoteIntervalMs: fc.integer({ min: 100, max: 1500 }),
      sizeMax: fc.integer({ min: 1, max: 60 }),
      widthTicks: fc.integer({ min: 1, max: 3 }),
      sd: fc.integer({ min: 2, max: 10 }),
      halfLifeSeconds: fc.integer({ min: 30, max: 1800 }),
      volatility: fc.double({ min: 0.05, max: 1, noNaN: true }),
      latency: fc.tuple(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 400 })),
    }),
    faults: fc.record({
      rejectRate: fc.double({ min: 0, max: 0.15, noNaN: true }),
      cancelRejectRate: fc.double({ min: 0, max: 0.15, noNaN: true }),
      duplicateRate: fc.double({ min: 0, max: 0.1, noNaN: true }),
      lateRate: fc.double({ min: 0, max: 0.1, noNaN: true }),
      lateMs: fc.integer({ min: 0, max: 800 }),
      disconnects: options.disconnects
        ? fc.array(fc.record({ afterMs: fc.integer({ min: 0, max: 2 * 3_600_000 }), durationMs: fc.integer({ min: 1000, max: 120_000 }) }), { maxLength: 2 })
        : fc.constant([]),
    }),
    strategy: fc.record({
      kind: fc.constantFrom('taker', 'contingent', 'quoting'),
      ratio: fc.boolean(),
      target: fc.integer({ min: 1, max: 5 }),
      entryDistance: fc.integer({ min: 2, max: 12 }),
      payupTicks: fc.integer({ min: 0, max: 2 }),
      resubmitMs: fc.integer({ min: 200, max: 3000 }),
      stopPolicy: fc.constantFrom('hedge', 'unwind'),
      hedge: fc.record({
        payupTicks: fc.integer({ min: 0, max: 2 }),
        repriceMs: fc.integer({ min: 100, max: 2000 }),
        crossAfterMs: fc.integer({ min: 100, max: 5000 }),
        unwindAfterMs: fc.integer({ min: 0, max: 10_000 }),
      }),
    }),
  }) as fc.Arbitrary<Scenario>;

/** The config a scenario describes: the demo pair, reshaped. */
export function scenarioConfig(s: Scenario): EngineConfig {
  const c: SimulatedConfigInput = structuredClone(demoConfig);
  const day = s.sessions ? '2026-11-24' : '2026-11-21';
  c.run = { start: `${day}T${String(s.startHour).padStart(2, '0')}:00:00`, days: s.hours / 24 };
  if (!s.sessions) c.venue.calendar = { timeZone: 'Asia/Shanghai', days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'], sessions: [{ start: '00:00', end: '00:00' }] };
  c.venue.seed = s.seed;
  c.venue.latencyMs = 20;
  c.venue.faults = { ...s.faults };
  const m = s.market;
  const [rb, hc] = c.venue.instruments;
  for (const [i, inst] of [rb!, hc!].entries()) {
    inst.quoteIntervalMs = m.quoteIntervalMs;
    inst.size = { min: 1, max: m.sizeMax };
    inst.widthTicks = m.widthTicks;
    inst.latency = { submitMs: m.latency[i]!, cancelMs: m.latency[i]!, reportMs: Math.round(m.latency[i]! / 2) };
  }
  rb!.volatility = String(m.volatility);
  hc!.follows = { symbol: 'RB', beta: s.strategy.ratio ? '1.5' : '1', mean: '180', sd: String(m.sd), halfLifeSeconds: m.halfLifeSeconds };
  const st = c.strategies[0]!;
  if (s.strategy.ratio) {
    st.legs[0]!.tradingMultiplier = 2;
    st.legs[1]!.tradingMultiplier = -3;
    st.legs[1]!.priceMultiplier = '-1.5';
  }
  const d = s.strategy.entryDistance;
  st.triggers = { longEntry: String(180 - d), longExit: '180', shortEntry: String(180 + d), shortExit: '180' };
  st.target = s.strategy.target;
  const h = s.strategy.hedge;
  st.execution = {
    kind: s.strategy.kind,
    payupTicks: s.strategy.payupTicks,
    resubmitMs: s.strategy.resubmitMs,
    stopPolicy: s.strategy.stopPolicy,
    hedge: { payupTicks: h.payupTicks, repriceMs: h.repriceMs, crossAfterMs: h.crossAfterMs, unwindAfterMs: h.crossAfterMs + h.unwindAfterMs, giveUpAfterMs: 30_000 },
  };
  // The closing lead leaves the whole ladder time to finish before the close.
  st.session = { closingLeadSeconds: Math.ceil((h.crossAfterMs + h.unwindAfterMs + 30_000 + 10_000) / 1000) };
  return resolveConfig(c, 'property');
}

export interface RunFacts {
  config: EngineConfig;
  records: EngineRecord[];
  fills: FillRecord[];
  executions: Execution[];
  venue: SimulatedVenue;
  enginePosition: (symbol: string) => number;
  containment: ContainmentWatch;
}

export async function runScenario(s: Scenario): Promise<RunFacts> {
  const config = scenarioConfig(s);
  let containment: ContainmentWatch | undefined;
  const { engine, records, fills, summary } = await simulate(config, (e) => (containment = new ContainmentWatch(e)));
  return { config, records, fills, executions: summary.executions, venue: engine.venue as SimulatedVenue, enginePosition: (sym) => engine.position(config.strategies[0]!.spec.name, sym), containment: containment! };
}

/** Every invariant; throws with a message naming the first one broken. */
export function checkInvariants(s: Scenario, f: RunFacts): void {
  const fail = (what: string): never => {
    throw new Error(`${what} (scenario ${JSON.stringify(s)})`);
  };
  const strategy = f.config.strategies[0]!;
  const def = strategy.definition;
  const calendar = calendarFor(strategy.spec.session.calendar);

  // 1. Position never exceeds the target, on any leg, after any fill.
  const lots = new Map<string, number>();
  for (const fill of f.fills) {
    const leg = def.legs.find((l) => l.symbol === fill.symbol)!;
    const v = (lots.get(fill.symbol) ?? 0) + (fill.side === 'buy' ? 1 : -1) * Math.round(Number(fill.qty) / leg.lotSize.toNumber());
    lots.set(fill.symbol, v);
    if (Math.abs(v) > strategy.spec.target * Math.abs(leg.tradingMultiplier)) fail(`position ${v} on ${fill.symbol} exceeds the target`);
  }

  // 2. No order is submitted outside the session window.
  for (const r of f.records) if (r.kind === 'order.submitted' && !calendar.isOpen(r.at)) fail(`order ${r.clientId} submitted outside the window at ${new Date(r.at).toISOString()}`);

  // 3. Every leg imbalance is resolved within the ladder's total time: no execution ends with a residual,
  //    and no stretch of naked legs (from the algo's own fills) outlasts the ladder, unless the ladder paused
  //    because a leg had no usable book (a break or a disconnect stops its clock).
  const h = strategy.spec.algo.hedge;
  const ladderTotal = h.unwindAfterMs + h.giveUpAfterMs;
  const paused = new Set<string>();
  for (const r of f.records) if (r.kind === 'ladder.step' && r.step === 'paused') paused.add(r.algoId);
  const tms = def.tradingMultipliers;
  const fillsOf = new Map<string, FillRecord[]>();
  for (const fill of f.fills) fillsOf.set(fill.algoId, [...(fillsOf.get(fill.algoId) ?? []), fill]);
  for (const e of f.executions) {
    if (e.reason === 'residual' || e.residualLots.some((n) => n !== 0)) fail(`${e.algoId} ended with naked lots ${e.residualLots}`);
    if (paused.has(e.algoId)) continue;
    const legLots = def.legs.map(() => 0);
    let nakedSince: number | null = null;
    for (const fill of fillsOf.get(e.algoId) ?? []) {
      const leg = def.legs.find((l) => l.symbol === fill.symbol)!;
      legLots[leg.index]! += (fill.side === 'buy' ? 1 : -1) * Math.round(Number(fill.qty) / leg.lotSize.toNumber());
      const naked = nakedLots(legLots, tms).some((n) => n !== 0);
      if (naked && nakedSince === null) nakedSince = fill.at;
      if (!naked && nakedSince !== null) {
        if (fill.at - nakedSince > ladderTotal + 5000) fail(`${e.algoId} had a leg naked for ${fill.at - nakedSince} ms, beyond the ladder's ${ladderTotal} ms`);
        nakedSince = null;
      }
    }
  }

  // 4. Every algo reaches a final state.
  const started = f.records.filter((r) => r.kind === 'algo.started').length;
  if (f.executions.length !== started) fail(`${started} algos started, ${f.executions.length} ended`);
  for (const e of f.executions) if (e.status !== 'completed' && e.status !== 'stopped') fail(`${e.algoId} ended ${e.status}`);

  // 5. Filled quantity never exceeds order quantity.
  const ordered = new Map<string, number>();
  for (const r of f.records) if (r.kind === 'order.submitted') ordered.set(r.clientId, r.qty);
  const filled = new Map<string, number>();
  for (const fill of f.fills) {
    const leg = def.legs.find((l) => l.symbol === fill.symbol)!;
    const q = (filled.get(fill.clientId) ?? 0) + Math.round(Number(fill.qty) / leg.lotSize.toNumber());
    filled.set(fill.clientId, q);
    if (q > (ordered.get(fill.clientId) ?? 0)) fail(`${fill.clientId} filled ${q} of ${ordered.get(fill.clientId)}`);
  }

  // 6. The realized spread computed from the fills matches what the engine reports.
  const byAlgo = new Map<string, FillRecord[]>();
  for (const fill of f.fills) byAlgo.set(fill.algoId, [...(byAlgo.get(fill.algoId) ?? []), fill]);
  for (const e of f.executions) {
    const mine = byAlgo.get(e.algoId) ?? [];
    const avg = def.legs.map((l) => {
      const legFills = mine.filter((x) => x.symbol === l.symbol);
      const qty = legFills.reduce((a, x) => a.plus(new Decimal(x.qty).times(x.side === 'buy' ? 1 : -1)), new Decimal(0));
      if (qty.isZero()) return undefined;
      const cost = legFills.reduce((a, x) => a.plus(new Decimal(x.qty).times(x.price).times(x.side === 'buy' ? 1 : -1)), new Decimal(0));
      return cost.div(qty);
    });
    const realized = e.units > 0 ? def.realized(avg) : undefined;
    const expected = realized === undefined ? null : realized.toDecimalPlaces(8).toFixed();
    if (expected !== e.realizedSpread) fail(`${e.algoId}: realized spread from fills ${expected}, reported ${e.realizedSpread}`);
  }

  // 7–10. Leg-out containment (test/helpers/containment-watch.ts): no taker slice beyond what the hedge legs show
  //    net of working hedges; no leg more than one slice naked; a paused ladder resumes by the first quote after
  //    its legs are usable again; no order outside the session or on a book from before it.
  if (f.containment.violations.length > 0) fail(`containment: ${f.containment.violations.slice(0, 3).join('; ')}`);

  // And the engine's positions are the venue's.
  for (const l of def.legs) if (f.venue.positions()[l.symbol] !== f.enginePosition(l.symbol)) fail(`engine and venue disagree on ${l.symbol}`);
}
