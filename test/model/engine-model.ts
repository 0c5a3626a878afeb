import { DateTime } from 'luxon';
import { fromTransition, type AnyActorRef } from 'xstate';
import { getShortestPaths, getSimplePaths } from 'xstate/graph';
import { VirtualClock } from '../../src/clock/virtual-clock.js';
import { demoConfig } from '../../src/config/demo.js';
import { resolveConfig, type EngineConfig } from '../../src/config/resolve.js';
import type { SimulatedConfigInput } from '../../src/config/schema.js';
import { nakedDeviation } from '../../src/domain/position.js';
import { SessionCalendar } from '../../src/domain/session-calendar.js';
import type { VenueReport } from '../../src/domain/orders.js';
import { createEngine, type Engine, type ManualAlgoRequest, type TriggerUpdate } from '../../src/engine/engine.js';
import { stateString } from '../../src/engine/state-string.js';
import type { Book, FaultKind } from '../../src/venue/exchange.js';
import { CoverageTracker } from './coverage.js';
import { ScriptedExchange } from './scripted-exchange.js';

/**
 * Model-based testing of the whole engine. The model is an XState logic whose states are what the engine's
 * actors are in after a sequence of stimuli, and whose events are the stimuli a market and a venue can give:
 * a new book, the next timer on the simulated clock, an armed venue fault, a cancel by the venue, a
 * disconnect, a stop. `xstate/graph` traverses it (each transition replays the stimuli on a fresh engine),
 * and the paths it returns are run again as tests, checking at every step the actors' states and the domain
 * facts: orders at the venue, positions, exposure.
 */

export type Stimulus =
  | { type: 'market'; name: string }
  | { type: 'tick' }
  | { type: 'wait'; ms: number }
  | { type: 'fault'; kind: FaultKind; on?: VenueReport['type'] }
  | { type: 'venueCancel' }
  | { type: 'disconnect' }
  | { type: 'reconnect' }
  | { type: 'stop' }
  /** The kill switch (Engine.control). */
  | { type: 'control'; action: 'pause' | 'resume' | 'flatten' }
  /** An operator's new triggers (Engine.setTriggers) or target (Engine.setTarget). */
  | { type: 'triggers'; triggers: TriggerUpdate }
  | { type: 'target'; target: number }
  /** An operator's manual spread order (Engine.startAlgo). */
  | { type: 'manual'; order: ManualAlgoRequest }
  /** An operator's stop of the running algo, whichever it is (Engine.stopAlgo). */
  | { type: 'stopAlgo' }
  /** The venue reports a fill of 1 lot of HC bought for an order the engine never sent (a stray fill). */
  | { type: 'stray' };

export interface Scenario {
  name: string;
  /** Local time in Asia/Shanghai on Tuesday 2026-11-24 (the demo calendar). */
  start: string;
  /** Changes to the demo config. */
  config?: (c: SimulatedConfigInput) => void;
  /** Per symbol: how long its orders take to reach the venue, ms (default none). */
  latency?: Record<string, number>;
  /** Named markets: a book per symbol. */
  markets: Record<string, Record<string, Book>>;
  stimuli: Stimulus[];
  /** Stimuli every path starts with (the setup the scenario explores from). */
  prefix?: Stimulus[];
  /** How many stimuli a path may have after the prefix. */
  depth: number;
  /** Also enumerate every simple path (small models only). */
  simplePaths?: boolean;
  /** The venue can replace (re-prices keep the order); default false: it cancels and sends a new one. */
  replace?: boolean;
}

/** One model state: the stimuli that lead to it and what the engine is then in. */
export interface ModelState {
  stimuli: Stimulus[];
  key: string;
  /** The market last set, and the faults armed (the traversal arms at most three). */
  market: string;
  armed: string[];
  /** States and transitions taken while replaying these stimuli, per machine. */
  covers: Record<string, { states: string[]; transitions: string[] }>;
  /** A broken domain fact, if any. */
  violation: string | null;
}

const zone = 'Asia/Shanghai';
const book = (bid: number, ask: number, size = 10): Book => ({ bid, bidSize: size, ask, askSize: size });
export { book };

export const describeStimulus = (s: Stimulus): string =>
  s.type === 'market'
    ? `market ${s.name}`
    : s.type === 'control'
      ? s.action
      : s.type === 'fault'
        ? `fault ${s.kind}${s.on ? ` ${s.on}` : ''}`
        : s.type === 'wait'
          ? `wait ${s.ms} ms`
          : s.type === 'triggers'
            ? `triggers ${JSON.stringify(s.triggers)}`
            : s.type === 'target'
              ? `target ${s.target}`
              : s.type === 'manual'
                ? `manual ${s.order.kind ?? ''} ${s.order.side} ${s.order.qty} @ ${s.order.limit}`
                : s.type;

/** A live engine on the scripted exchange, driven one stimulus at a time. */
export class ModelRun {
  readonly clock: VirtualClock;
  readonly exchange: ScriptedExchange;
  readonly engine: Engine;
  readonly tracker = new CoverageTracker();
  private market = '-';
  private connected = true;
  /** Fills delivered to the engine, by trade id (a duplicate delivery is one fill). */
  private readonly delivered = new Map<string, Extract<VenueReport, { type: 'order.filled' }>>();
  private readonly submitted: { clientId: string; at: number }[] = [];
  private readonly calendar: SessionCalendar;

  constructor(readonly scenario: Scenario) {
    const config = configOf(scenario);
    this.clock = new VirtualClock(config.run.start);
    const v = config.venue;
    this.calendar = new SessionCalendar(v.calendar);
    // No latency: what a stimulus causes at the venue and in the engine happens at once; a late report (the
    // `late` fault) arrives LATE_MS later, so a cancel confirmation or a fill can overtake it.
    this.exchange = new ScriptedExchange({ seed: 1, latencyMs: 0, calendar: v.calendar, instruments: v.instruments.map((i) => ({ ...i, latency: { submitMs: scenario.latency?.[i.symbol] ?? 0 } })), faults: { lateMs: LATE_MS } }, this.clock, { replace: scenario.replace === true });
    this.exchange.reports$.subscribe((r) => {
      if (r.type === 'order.filled') this.delivered.set(r.tradeId, r);
    });
    this.engine = createEngine(config, { clock: this.clock, venue: this.exchange, inspect: this.tracker.observe });
    this.engine.records$.subscribe((r) => {
      if (r.kind === 'order.submitted') this.submitted.push({ clientId: r.clientId, at: r.at });
    });
    this.engine.start();
  }

  get marketName(): string {
    return this.market;
  }

  /** Applies a stimulus, then fires what falls due at once (the venue's replies). */
  apply(s: Stimulus): void {
    this.stimulate(s);
    this.clock.runUntil(this.clock.now());
  }

  private stimulate(s: Stimulus): void {
    switch (s.type) {
      case 'market': {
        const m = this.scenario.markets[s.name];
        if (!m) throw new Error(`scenario ${this.scenario.name}: no market named ${s.name}`);
        this.market = s.name;
        for (const [symbol, b] of Object.entries(m)) this.exchange.setBook(symbol, b);
        return;
      }
      case 'tick': {
        // The next moment anything is due: everything due then fires.
        const next = this.clock.nextAt();
        if (next !== undefined) this.clock.runUntil(next);
        return;
      }
      case 'wait':
        this.clock.advance(s.ms);
        return;
      case 'fault':
        this.exchange.arm(s.kind, s.on);
        return;
      case 'venueCancel':
        this.exchange.venueCancel();
        return;
      case 'disconnect':
      case 'reconnect':
        this.connected = s.type === 'reconnect';
        this.exchange.connect(this.connected);
        return;
      case 'stop':
        // A second stop on a path finds the root at its end: it hears nothing (XState would ignore it, and warn).
        if (this.engine.actor.getSnapshot().status === 'active') this.engine.actor.send({ type: 'stop.requested' });
        return;
      case 'control':
        this.engine.control(s.action, { source: 'model' });
        return;
      case 'triggers':
        this.engine.setTriggers(this.engine.config.strategies[0]!.spec.name, s.triggers, { source: 'model' });
        return;
      case 'target':
        this.engine.setTarget(this.engine.config.strategies[0]!.spec.name, s.target, { source: 'model' });
        return;
      case 'manual':
        this.engine.startAlgo(this.engine.config.strategies[0]!.spec.name, s.order, { source: 'model' });
        return;
      case 'stray':
        this.exchange.strayFill(`${this.engine.config.strategies[0]!.spec.name}/0.1`, 'HC', 1, 1);
        return;
      case 'stopAlgo': {
        const algo = Object.keys(this.engine.actor.system.getAll()).find((id) => id.startsWith('algo:'));
        if (algo) this.engine.stopAlgo(algo.slice('algo:'.length), { source: 'model' });
        return;
      }
    }
  }

  private actors(): Map<string, AnyActorRef> {
    return new Map(Object.entries(this.engine.actor.system.getAll() as Record<string, AnyActorRef>));
  }

  /** What the engine is in: each actor's state, the orders' roles and states, the position, the market and the venue. */
  key(): string {
    const parts: string[] = [`engine=${stateString(this.engine.actor.getSnapshot().value)}`];
    const orders: string[] = [];
    for (const [id, ref] of this.actors()) {
      const snap = ref.getSnapshot() as { value: unknown; status: string; context?: Record<string, unknown> };
      if (id.startsWith('order:')) {
        const ctx = snap.context as { role: string; leg: number; fill: { qty: number }; order: { qty: number } };
        orders.push(`${ctx.role}/${ctx.leg}:${stateString(snap.value as never)}:${ctx.fill.qty}/${ctx.order.qty}`);
      } else if (id.startsWith('algo:')) {
        const ctx = snap.context as { fills: { lots: number[] } };
        parts.push(`algo=${stateString(snap.value as never)} lots=${ctx.fills.lots.join(',')}`);
      } else if (id !== 'engine') {
        parts.push(`${id.slice(0, id.indexOf(':'))}=${snap.status === 'active' ? stateString(snap.value as never) : snap.status}`);
      }
    }
    const name = this.engine.config.strategies[0]!.spec.name;
    const legs = this.engine.config.strategies[0]!.definition.legs.map((l) => this.engine.position(name, l.symbol));
    // The time is part of the state: the same actors later on are on their way to another deadline.
    // So are the timers pending (reports in flight among them) and when the next one fires.
    const next = this.clock.nextAt();
    parts.push(`t=+${this.clock.now() - this.engine.config.run.start}`, `timers=${this.clock.pending} next=+${next === undefined ? '-' : next - this.clock.now()}`, `orders=[${orders.sort().join(' ')}]`, `position=${legs.join(',')}`, `market=${this.market}`, `faults=${this.exchange.armedFaults().join(',')}`, `connected=${this.connected}`);
    return parts.sort().join(' | ');
  }

  /**
   * The domain facts that must hold after every step; returns the first broken one.
   * - Every order resting at the venue is an order actor the engine tracks (no orphan at the venue).
   * - The engine's leg positions equal the fills the venue delivered, each counted once.
   * - Each running algo's fills equal the fills delivered for its orders, and its current naked exposure
   *   equals, per leg, those fills' deviation from the nearest balanced position (weighted by notional at
   *   the last fill prices once every traded leg has one).
   * - No order actor has more filled than ordered.
   * - Every order was submitted while the market was open.
   */
  violation(): string | null {
    const actors = this.actors();
    for (const o of this.exchange.openOrders()) {
      if (!actors.has(`order:${o.clientId}`)) return `order ${o.clientId} rests at the venue but no order actor tracks it`;
    }
    const strategy = this.engine.config.strategies[0]!;
    for (const leg of strategy.definition.legs) {
      let lots = 0;
      for (const f of this.delivered.values()) if (f.symbol === leg.symbol) lots += f.side * f.qty;
      const held = this.engine.position(strategy.spec.name, leg.symbol);
      if (held !== lots) return `${leg.symbol}: the engine holds ${held} lots but the venue delivered fills for ${lots}`;
    }
    for (const [id, ref] of actors) {
      const ctx = ref.getSnapshot().context as Record<string, any> | undefined;
      if (id.startsWith('order:') && ctx!.fill.qty > ctx!.order.qty) return `${id} filled ${ctx!.fill.qty} of ${ctx!.order.qty}`;
      if (id.startsWith('algo:') && ref.getSnapshot().status === 'active') {
        const algoId = id.slice('algo:'.length);
        const lots = strategy.definition.legs.map(() => 0);
        const lastPrice: (number | null)[] = strategy.definition.legs.map(() => null);
        for (const f of this.delivered.values()) {
          if (!f.clientId.startsWith(`${algoId}.`)) continue;
          const leg = strategy.definition.legs.find((l) => l.symbol === f.symbol)!;
          lots[leg.index]! += f.side * f.qty;
          lastPrice[leg.index] = f.price;
        }
        // A flatten starts with the strategy's lots as its own (spec.carried); the rest are its fills.
        const carried = (ctx!.spec as { carried?: number[] }).carried ?? lots.map(() => 0);
        const mine = (ctx!.fills.lots as number[]).map((l, i) => l - carried[i]!);
        if (mine.join() !== lots.join()) return `${algoId} counts fills ${mine.join()} but the venue delivered ${lots.join()}`;
        const naked = nakedDeviation(lots.map((l, i) => l + carried[i]!), strategy.definition.tradingMultipliers);
        const reported = ctx!.exposure.lots as number[];
        if (reported.join() !== naked.join()) return `${algoId} reports naked lots ${reported.join()} but its fills leave ${naked.join()}`;
      }
    }
    for (const s of this.submitted) if (!this.calendar.isOpen(s.at)) return `order ${s.clientId} submitted at ${new Date(s.at).toISOString()}, outside the session`;
    return null;
  }

  covers(): ModelState['covers'] {
    const out: ModelState['covers'] = {};
    for (const [id, r] of this.tracker.byMachine) out[id] = { states: [...r.states], transitions: [...r.transitions] };
    return out;
  }
}

/** Replays stimuli on a fresh engine. */
export function replay(scenario: Scenario, stimuli: Stimulus[]): ModelState {
  const run = new ModelRun(scenario);
  let violation: string | null = run.violation();
  for (const s of stimuli) {
    run.apply(s);
    violation ??= run.violation();
  }
  return { stimuli, key: run.key(), market: run.marketName, armed: run.exchange.armedFaults(), covers: run.covers(), violation };
}

const LATE_MS = 1200;
const configs = new WeakMap<Scenario, EngineConfig>();

/** The scenario's config, resolved once. */
function configOf(scenario: Scenario): EngineConfig {
  let config = configs.get(scenario);
  if (!config) {
    const c: SimulatedConfigInput = structuredClone(demoConfig);
    c.run = { start: `2026-11-24T${scenario.start}`, days: 1 };
    scenario.config?.(c);
    configs.set(scenario, (config = resolveConfig(c, `model ${scenario.name}`)));
  }
  return config;
}

export interface ModelPath {
  scenario: string;
  kind: 'shortest' | 'simple' | 'transition';
  stimuli: Stimulus[];
  /** The model state after the scenario's prefix, then after each later stimulus. */
  keys: string[];
}

export interface Traversal {
  scenario: Scenario;
  /** Every state the traversal reached. */
  states: ModelState[];
  /** Every transition of the model (state, stimulus → state), as the replay that took it. */
  edges: ModelState[];
  paths: ModelPath[];
}

/** Traverses a scenario's model with xstate/graph and returns its states, edges and paths. */
export function traverse(scenario: Scenario): Traversal {
  const memo = new Map<string, ModelState>();
  const step = (from: ModelState, s: Stimulus): ModelState => {
    const stimuli = [...from.stimuli, s];
    const id = JSON.stringify(stimuli);
    let next = memo.get(id);
    if (!next) memo.set(id, (next = replay(scenario, stimuli)));
    return next;
  };
  const initial = replay(scenario, scenario.prefix ?? []);
  const logic = fromTransition((state: ModelState, event: Stimulus) => step(state, event), initial);
  const options = {
    events: (snapshot: { context: ModelState }) => {
      const m = snapshot.context;
      if (m.stimuli.length >= (scenario.prefix?.length ?? 0) + scenario.depth || m.violation) return [];
      // Re-publishing the same market, arming a fault twice or a fourth fault adds states, not behaviour.
      const armed = (s: Extract<Stimulus, { type: 'fault' }>): boolean => m.armed.length >= 3 || m.armed.includes(s.on ? `${s.kind} ${s.on}` : s.kind);
      return scenario.stimuli.filter((s) => !(s.type === 'market' && s.name === m.market) && !(s.type === 'fault' && armed(s)));
    },
    serializeState: (snapshot: { context: ModelState }) => snapshot.context.key,
    serializeEvent: (e: Stimulus) => describeStimulus(e),
  };
  const byStimuli = (): Map<string, ModelState> => new Map([[JSON.stringify(initial.stimuli), initial], ...memo]);
  type GraphPath = { state: { context: ModelState }; steps: { event: Stimulus }[] };
  const shortest = getShortestPaths(logic, options as never) as unknown as GraphPath[];
  const paths: ModelPath[] = shortest.map((p) => ({ scenario: scenario.name, kind: 'shortest', stimuli: p.state.context.stimuli, keys: keysAlong(scenario, p.state.context.stimuli, byStimuli()) }));
  if (scenario.simplePaths) {
    const simple = getSimplePaths(logic, options as never) as unknown as GraphPath[];
    for (const p of simple) {
      // A simple path may reach a state by other stimuli than the ones the traversal first met it by.
      const stimuli = [...initial.stimuli, ...p.steps.map((s) => s.event).filter((e) => e.type !== ('xstate.init' as string))];
      paths.push({ scenario: scenario.name, kind: 'simple', stimuli, keys: keysAlong(scenario, stimuli, byStimuli()) });
    }
  }
  const states = new Map<string, ModelState>();
  for (const m of [initial, ...memo.values()]) if (!states.has(m.key) || states.get(m.key)!.stimuli.length > m.stimuli.length) states.set(m.key, m);
  return { scenario, states: [...states.values()], edges: [...memo.values()], paths };
}

/**
 * Adds, for every transition the traversal took that its paths do not, the shortest replay that takes it:
 * the paths then cover every reachable transition of every machine.
 */
export function addTransitionPaths(t: Traversal): void {
  const covered = new Set<string>();
  const note = (m: ModelState): void => {
    for (const [machine, c] of Object.entries(m.covers)) for (const x of c.transitions) covered.add(`${machine} ${x}`);
  };
  const byStimuli = new Map(t.edges.map((e) => [JSON.stringify(e.stimuli), e]));
  for (const p of t.paths) {
    const end = byStimuli.get(JSON.stringify(p.stimuli));
    if (end) note(end);
  }
  const edges = [...t.edges].sort((a, b) => a.stimuli.length - b.stimuli.length);
  for (const e of edges) {
    const adds = Object.entries(e.covers).some(([machine, c]) => c.transitions.some((x) => !covered.has(`${machine} ${x}`)));
    if (!adds) continue;
    note(e);
    t.paths.push({ scenario: t.scenario.name, kind: 'transition', stimuli: e.stimuli, keys: keysAlong(t.scenario, e.stimuli, byStimuli) });
  }
}

/** The model state after the prefix and after each later stimulus. */
function keysAlong(scenario: Scenario, stimuli: Stimulus[], byStimuli: Map<string, ModelState>): string[] {
  const keys: string[] = [];
  for (let i = scenario.prefix?.length ?? 0; i <= stimuli.length; i++) {
    const m = byStimuli.get(JSON.stringify(stimuli.slice(0, i)));
    keys.push((m ?? replay(scenario, stimuli.slice(0, i))).key);
  }
  return keys;
}

export const at = (time: string): number => DateTime.fromISO(`2026-11-24T${time}`, { zone }).toMillis();
