import { Subject, type Observable } from 'rxjs';
import { createActor, type Actor, type AnyActorRef, type InspectionEvent, type Observer, type Snapshot } from 'xstate';
import { algoMachine, withView as algoWithView, type AlgoResult, type AlgoSpec, type LadderStep } from '../../machines/algo.machine.js';
import { engineMachine } from '../../machines/engine.machine.js';
import { orderMachine, UNHEARD_BY_PARENT, type OrderRole } from '../../machines/order.machine.js';
import { strategyMachine, watchedPurposes, withView as strategyWithView } from '../../machines/strategy.machine.js';
import type { Clock, TimerId } from '../clock/clock.js';
import { VirtualClock } from '../clock/virtual-clock.js';
import { Pacer, type WallTime } from '../clock/pacer.js';
import { realWall } from '../clock/wall-clock.js';
import type { EngineConfig, ResolvedStrategy } from '../config/resolve.js';
import { FundingClerk } from './funding.js';
import { Decimal } from '../domain/decimal.js';
import { ExactSum, Ledger, type LedgerInstrument } from '../domain/ledger.js';
import { calendarFor } from '../domain/session-calendar.js';
import type { OrderChange, OrderCommand, OrderFilled, VenueReport } from '../domain/orders.js';
import { hedgedUnits, nakedDeviation } from '../domain/position.js';
import type { LegQuote, MarketView } from '../domain/quote.js';
import { DecisionFilter, triggerBits } from '../streams/decisions.js';
import { MarketViewStage } from '../streams/market-views.js';
import { ViewGate, type ViewProbe } from './view-gate.js';
import { SimulatedVenue, type SimVenueSpec } from '../venue/simulated/simulated-venue.js';
import { LegatoError } from '../domain/errors.js';
import type { Venue } from '../venue/venue.js';
import type { Triggers } from '../domain/triggers.js';
import type { EngineRecord, Execution, FillRecord, FundingRecord, StateChange } from './records.js';
import { stateString } from './state-string.js';
import { buildSummary, ExposureTotals, type Summary } from './summary.js';
import { PreTradeRisk, type RiskView } from './risk.js';
import { venueReplaces } from './capabilities.js';
import { AlgoRecords } from './algo-records.js';
import { StrategyLegs } from './strategy-legs.js';
import { amountText } from './step-text.js';
import { cumQtyProblem, reportProblem } from './report-check.js';
import { OrderBook, type FillTaken } from './order-book.js';
import { chaseOrder, type ChaseHost } from './order-status.js';
import { parseManualOrder, parseTarget, parseTriggerUpdate, triggerText, type ControlAction, type ControlOptions, type ControlRefusal, type ControlResult, type ManualAlgoRequest, type TriggerUpdate } from './desk-requests.js';

export { triggerProblems, type ControlAction, type ControlOptions, type ControlRefusal, type ControlResult, type ManualAlgoRequest, type TriggerUpdate } from './desk-requests.js';

export interface EngineOptions {
  /** The clock for everything: actors' delays, the venue, the streams. Default: a VirtualClock at run.start. */
  clock?: Clock;
  /** The venue. Default: the embedded simulated venue from config.venue, on the same clock. */
  venue?: Venue;
  /** XState inspection observer (off by default: it roughly doubles the cost of every event). */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /** How many of the latest executions the summary keeps (totals count them all). Default 100,000. */
  keepExecutions?: number;
  /** Restart from a journal: the actor tree's persisted snapshot and the records up to it (see src/engine/durable.ts). */
  restore?: EngineRestore;
  /**
   * Positions the venue already holds (lots per symbol) that the strategies take over at start, as if they had
   * traded them: each symbol must belong to exactly one strategy. The ledger books them at the symbol's first
   * mid (a `position.adopted` record), so PnL counts from there.
   */
  adopt?: Readonly<Record<string, number>>;
  /**
   * Send a strategy only the views that are crossings (see src/engine/view-gate.ts). Default true; false sends it
   * every view past the decision filter, which makes the same decisions more slowly (the tests compare the two).
   */
  crossingsOnly?: boolean;
}

export interface EngineRestore {
  /** `engine.actor.getPersistedSnapshot()` as journalled; null when the run had not sent anything yet. */
  snapshot: unknown;
  /** The run's records up to that snapshot: fills, orders, executions and counts are rebuilt from them. */
  records: readonly EngineRecord[];
  /** When the run first started. */
  startedAt: number;
}

export interface RunOptions {
  /** Simulated time to run until (ms since the epoch). Default: run.start + run.days. */
  until?: number;
  /**
   * 'max' runs as fast as possible; a number N runs N simulated ms per wall ms while the venue calendar's market
   * is open, and passes closed hours (nights, breaks, weekends, holidays) at once (src/clock/pacer.ts). Paced
   * against the run's start, so it does not drift. Simulated clock only. Default 'max'.
   */
  speed?: number | 'max';
  /** The wall time a paced run waits on (default: the real one). A test passes its own to check the waits. */
  wall?: WallTime;
  /** Called about every `progressEveryMs` of simulated time. */
  onProgress?: (p: Progress) => void;
  progressEveryMs?: number;
  /** Aborts the run early (the engine then stops as usual). */
  signal?: AbortSignal;
}

export interface Progress {
  now: number;
  from: number;
  until: number;
  quotes: number;
  orders: number;
  fills: number;
  executions: number;
  positions: Record<string, number>;
}

/** How long (simulated) a stop may take to let algos cancel and hedge before the engine gives up. */
const STOP_GRACE_MS = 5 * 60_000;

/**
 * The composition root: builds the actor tree (engine → strategies → sessions, algos → orders), wires
 * market data through the streams into the strategies, routes venue reports to `order:<clientId>`,
 * and provides every named effect in the machines.
 */
export class Engine {
  readonly clock: Clock;
  readonly venue: Venue;
  readonly actor: Actor<typeof engineMachine>;
  /**
   * Every record, in causal order: a strategy's transition before the algo it launched, an algo's start before its
   * orders and ladder steps, an order before its reports (test/engine/record-order.test.ts).
   */
  readonly records$: Observable<EngineRecord>;
  readonly fills$: Observable<FillRecord>;
  /** Funding charged on perpetual legs, as it is charged. */
  readonly funding$: Observable<FundingRecord>;
  readonly executions$: Observable<Execution>;
  readonly stateChanges$: Observable<StateChange>;

  private readonly records = new Subject<EngineRecord>();
  private readonly fills = new Subject<FillRecord>();
  private readonly fundingSubject = new Subject<FundingRecord>();
  private readonly executionsSubject = new Subject<Execution>();
  private readonly states = new Subject<StateChange>();
  private readonly subscriptions: { unsubscribe(): void }[] = [];
  private readonly strategies = new Map<string, ResolvedStrategy>();
  /** Per strategy: its legs as orders, fills and executions use them, and its algos' records (worked out once). */
  private readonly legsOf = new Map<string, StrategyLegs>();
  /** The strategy whose actors are at work now, when the engine sent into them on its behalf (see `actingFor`). */
  private acting: string | undefined = undefined;
  private readonly algoRecords = new Map<string, AlgoRecords>();
  private readonly ledgers = new Map<string, Ledger>();
  /** Each symbol's position over every strategy's ledger (pre-trade risk reads it on each order). */
  private readonly netPositions = new Map<string, number>();
  /** Per symbol: its last two-sided quote and the market-view stages that hear it (one look-up per quote). */
  private readonly routes = new Map<string, QuoteRoute>();
  private readonly algoStart = new Map<string, number>();
  private readonly executionList: Execution[] = [];
  private readonly totals = new ExposureTotals();
  private executionCount = 0;
  private readonly keepExecutions: number;
  private readonly counts = { quotes: 0, views: 0, orders: 0, fills: 0, duplicateFills: 0, rejects: 0, refused: 0, throttled: 0, unrouted: 0, disconnects: 0, unanswered: 0 };
  private readonly errors: string[] = [];
  /** The orders at the venue, by what was sent and reported. */
  private readonly book = new OrderBook();
  private readonly risk: PreTradeRisk;
  /** Adopted positions not yet booked in the ledger (they are, at each symbol's first two-sided quote). */
  private readonly pendingAdoption = new Map<string, { strategy: string; lots: number }>();
  private readonly ladderSteps: Record<LadderStep, number> = { resting: 0, crossing: 0, unwinding: 0, paused: 0, failed: 0 };
  /** The fees of each running algo's fills so far (its execution reports them). */
  private readonly algoFees = new Map<string, ExactSum>();
  /** Funding on perpetual legs (see docs/costs.md). */
  private readonly funding: FundingClerk;
  private started = false;
  private finished = false;
  private startedAt = 0;
  private restoredStartedAt: number | undefined;
  private venueConnected = true;
  /** Record the state of each watched actor (strategies, sessions) if it changed since it was last recorded. */
  private readonly stateWatchers: (() => void)[] = [];
  /** The same watchers by strategy (its own and its session's). */
  private readonly stateWatchersOf = new Map<string, (() => void)[]>();
  /**
   * Each strategy's decision filter. Its `fresh` flag sends the strategy its next market view
   * whatever its decision mask (after a trigger or target change).
   */
  private readonly filters = new Map<string, DecisionFilter>();
  /** Views held back from strategies whose decisions they would not change (crossings, not views: view-gate.ts). */
  private readonly viewGate = new ViewGate();
  private readonly crossingsOnly: boolean;

  constructor(
    readonly config: EngineConfig,
    options: EngineOptions = {},
  ) {
    this.clock = options.clock ?? new VirtualClock(config.run.start);
    this.keepExecutions = options.keepExecutions ?? 100_000;
    this.crossingsOnly = options.crossingsOnly ?? true;
    this.risk = new PreTradeRisk(config.risk ?? { instruments: new Map() });
    if (!options.venue && config.venue.kind === 'replay') throw new LegatoError('a replay venue needs its data: run it with runBacktest() or `legato backtest`');
    if (!options.venue && config.venue.kind === 'fix') throw new LegatoError('a FIX venue needs its connection: pass a FixVenue (FixVenue.connect) as options.venue, or run `legato run --config … ` with venue.kind fix');
    this.venue = options.venue ?? new SimulatedVenue(config.venue as SimVenueSpec, this.clock);
    this.records$ = this.records.asObservable();
    this.fills$ = this.fills.asObservable();
    this.funding$ = this.fundingSubject.asObservable();
    this.executions$ = this.executionsSubject.asObservable();
    this.stateChanges$ = this.states.asObservable();

    const instruments = new Map<string, LedgerInstrument>();
    for (const s of config.strategies) {
      this.strategies.set(s.spec.name, s);
      // Made here, not at the start: a control made before the strategy's first quote (a host's stateChanges$
      // subscriber acts while the engine starts) marks it fresh.
      this.filters.set(s.spec.name, new DecisionFilter(s.spec.triggers));
      const legs = new StrategyLegs(s);
      this.legsOf.set(s.spec.name, legs);
      this.algoRecords.set(s.spec.name, new AlgoRecords(s, legs));
      for (const leg of s.definition.legs) {
        const prev = instruments.get(leg.symbol);
        if (prev && !prev.contractMultiplier.eq(leg.contractMultiplier)) {
          throw new Error(`strategies disagree on the contract multiplier of ${leg.symbol}`);
        }
        instruments.set(leg.symbol, leg);
      }
    }
    for (const s of config.strategies) this.ledgers.set(s.spec.name, new Ledger(instruments, this.netPositions));
    this.funding = new FundingClerk(config.strategies, {
      clock: this.clock,
      position: (strategy, symbol) => this.ledgers.get(strategy)!.position(symbol),
      mark: (symbol) => {
        const q = this.lastQuoteOf(symbol);
        const leg = instruments.get(symbol);
        return q && leg ? leg.tickSize.times(q.bid + q.ask).div(2) : undefined;
      },
      record: (r) => this.record(r),
      charge: (c) => {
        this.ledgers.get(c.strategy)!.addFunding(new Decimal(c.amount));
        this.fundingSubject.next(c);
      },
    });

    // Positions taken over from the venue: each symbol must be one strategy's.
    const adopted = new Map<string, number[]>();
    for (const [symbol, lots] of Object.entries(options.adopt ?? {})) {
      if (lots === 0) continue;
      const owners = config.strategies.filter((s) => s.definition.legs.some((l) => l.symbol === symbol));
      if (owners.length !== 1) throw new LegatoError(`cannot adopt the venue's ${lots} lots of ${symbol}: ${owners.length === 0 ? 'no strategy trades it' : `${owners.length} strategies trade it (${owners.map((s) => s.spec.name).join(', ')})`}`);
      const s = owners[0]!;
      const legLots = adopted.get(s.spec.name) ?? s.definition.legs.map(() => 0);
      legLots[s.definition.legs.find((l) => l.symbol === symbol)!.index] = lots;
      adopted.set(s.spec.name, legLots);
      this.pendingAdoption.set(symbol, { strategy: s.spec.name, lots });
    }

    const clock = this.clock;
    const answerTimeoutMs = config.answerTimeoutMs;
    const order = orderMachine.provide({
      actions: {
        submitOrder: (_, params) => this.submit(params.order, params.role),
        cancelOrder: (_, params) => {
          this.record({ kind: 'order.cancelRequested', at: clock.now(), clientId: params.clientId });
          this.venue.cancel(params.clientId);
        },
        replaceOrder: (_, params) => this.replace(params.order, params.role, params.change),
        chaseOrder: (_, params) => chaseOrder(this.chaseHost, params.clientId, params.waiting, answerTimeoutMs),
      },
      delays: { answerTimeout: answerTimeoutMs },
    });
    // A capability of the venue: where it can replace, the algos re-price in place (see venueReplaces).
    const replaces = venueReplaces(this.venue);
    const algo = algoMachine.provide({
      actors: { order },
      guards: { venueReplaces: () => replaces },
      actions: {
        reportStarted: (_, params) => this.algoStarted(params.spec, params.market),
        reportResult: (_, params) => this.algoEnded(params.result),
        reportLadderStep: (_, params) => {
          this.ladderSteps[params.step]++;
          this.record({ kind: 'ladder.step', at: clock.now(), ...params });
        },
      },
    });
    const strategy = strategyMachine.provide({ actors: { algo } });
    const root = engineMachine.provide({ actors: { strategy } });
    // A delayed event (an order's stale timer, a ladder step, a session boundary) reads the market as it is now:
    // the market of the strategy whose actors armed it, when they were the ones at work then (see `acting`).
    const actorClock = {
      setTimeout: (fn: () => void, ms: number) => {
        const owner = this.acting;
        return this.clock.setTimeout(() => {
          this.flushViews(owner);
          this.actingFor(owner, fn);
        }, ms);
      },
      clearTimeout: (id: unknown) => this.clock.clearTimeout(id as TimerId),
    };
    this.actor = createActor(root, {
      clock: actorClock,
      systemId: 'engine',
      input: { strategies: config.strategies.map((s) => ({ spec: s.spec, now: this.clock.now(), ...(adopted.has(s.spec.name) ? { legLots: adopted.get(s.spec.name)! } : {}) })) },
      ...(options.inspect ? { inspect: options.inspect } : {}),
      // A persisted snapshot brings back every strategy, session, algo and order (all spawned by name).
      ...(options.restore?.snapshot ? { snapshot: options.restore.snapshot as Snapshot<unknown> } : {}),
    });
    if (options.restore) {
      this.restoredStartedAt = options.restore.startedAt;
      this.replayBookkeeping(options.restore.records);
    }
  }

  /** Rebuilds the engine's own books (ledger, trade ids, live orders, executions, counts) from journalled records. */
  private replayBookkeeping(records: readonly EngineRecord[]): void {
    for (const r of records) {
      switch (r.kind) {
        case 'order.submitted':
          this.counts.orders++;
          this.book.sent(r.clientId, r);
          break;
        case 'report': {
          const rep = r.report;
          const taken = rep.type === 'order.filled' ? this.takeFill(rep) : undefined;
          if (taken?.kind === 'fill') this.onFill(taken.fill, r.at);
          if (rep.type === 'order.rejected') this.counts.rejects++;
          if (!r.routed && taken?.kind !== 'counted') this.counts.unrouted++;
          if (taken === undefined) this.book.heard(rep);
          else if (taken.kind === 'fill') this.book.heard(taken.fill);
          break;
        }
        case 'order.unanswered':
          if (r.statusError === undefined) this.counts.unanswered++;
          break;
        case 'algo.started':
          this.algoStart.set(r.algoId, r.at);
          break;
        case 'algo.ended': {
          this.algoStart.delete(r.execution.algoId);
          this.algoFees.delete(r.execution.algoId);
          // Journals written before executions carried their fees.
          const execution = (r.execution as Partial<Execution>).fees === undefined ? { ...r.execution, fees: '0' } : r.execution;
          this.executionCount++;
          this.totals.add(execution);
          this.executionList.push(execution);
          if (this.executionList.length > this.keepExecutions) this.executionList.shift();
          break;
        }
        case 'funding': {
          for (const c of r.charges) this.ledgers.get(c.strategy)?.addFunding(new Decimal(c.amount));
          this.funding.restored(r.symbol, r.due);
          break;
        }
        case 'ladder.step':
          this.ladderSteps[r.step]++;
          break;
        case 'risk.refused':
          this.counts.refused++;
          break;
        case 'order.throttled':
          this.counts.throttled++;
          break;
        case 'position.adopted':
          this.pendingAdoption.delete(r.symbol);
          this.ledgers.get(r.strategy)?.apply(r.symbol, r.lots > 0 ? 1 : -1, Math.abs(r.lots), r.price);
          break;
        case 'venue.status':
          if (!r.connected) this.counts.disconnects++;
          break;
        case 'error':
          this.errors.push(`${r.actor}: ${r.message}`);
          break;
        default:
          break;
      }
    }
  }

  /** Starts the actor tree, the streams and the venue. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.startedAt = this.restoredStartedAt ?? this.clock.now();
    this.funding.start(this.startedAt);
    // Quotes are routed by symbol, so a strategy sees only its legs' quotes however many strategies run.
    // A plain list of market-view stages per symbol: no stream machinery between a quote and the stages.
    this.subscriptions.push(
      this.venue.quotes$.subscribe((q) => {
        this.counts.quotes++;
        let route = this.routes.get(q.symbol);
        if (route === undefined) route = this.routeOf(q.symbol, true);
        else if (!route.venueKeyed) this.keyByVenue(route, q.symbol);
        // Marks come from the last two-sided quote: a one-sided one has no mid.
        if (q.bidSize > 0 && q.askSize > 0) {
          route.last = q;
          if (this.pendingAdoption.size > 0) this.bookAdopted(q);
          this.funding.quoted(q.symbol);
        }
        const first = route.stage;
        if (first === undefined) return;
        first.pushLeg(route.leg, q);
        const rest = route.rest;
        for (let i = 0; i < rest.length; i++) rest[i]!.stage.pushLeg(rest[i]!.leg, q);
      }),
      this.venue.reports$.subscribe((r) => this.onReport(r)),
    );
    if (this.venue.status$) {
      this.subscriptions.push(
        this.venue.status$.subscribe((st) => {
          this.venueConnected = st.connected;
          if (!st.connected) this.counts.disconnects++;
          this.record({ kind: 'venue.status', at: st.at, connected: st.connected });
        }),
      );
    }
    this.actor.subscribe({ error: (e) => this.onError('engine', e) });
    this.actor.start();

    for (const s of this.config.strategies) {
      const ref = this.actor.system.get(`strategy:${s.spec.name}`) as AnyActorRef | undefined;
      // A strategy stopped for the run before a restart has no actor in the restored tree: it hears nothing more, as
      // its view stage would drop every view of a strategy that stops while the engine runs (below).
      if (ref === undefined) continue;
      this.watchStates(`strategy:${s.spec.name}`, ref, s.spec.name);
      this.watchStates(`session:${s.spec.name}`, this.actor.system.get(`session:${s.spec.name}`) as AnyActorRef, s.spec.name);
      // Past the decision filter: every view while an algo runs, and the first after an operator changed the
      // triggers or target.
      const name = s.spec.name;
      const relevant = this.filters.get(name)!;
      // Made below; a strategy that forgets its view makes the stage build the next one whatever it changed.
      let stage: MarketViewStage | undefined;
      const live = liveStrategy(ref, s.spec.triggers, relevant, () => stage?.forget());
      this.subscriptions.push(live.subscription);
      const probes = viewProbes(ref, live.algo);
      // The decision filter is asked before a view is built: an idle strategy's stage builds none for nothing.
      const options = { staleAfterMs: s.staleAfterMs, clock: this.clock, session: calendarFor(s.spec.session.calendar), wants: relevant };
      stage = new MarketViewStage(s.definition, options, (view) => {
        // A stopped strategy (its stop finished before the run's end) hears nothing more.
        if (ref.getSnapshot().status !== 'active') return this.viewGate.drop(name);
        const fresh = relevant.fresh;
        relevant.fresh = false;
        // Of those, only crossings go now; the others wait for the next event of any kind (view-gate.ts). A view that
        // changed no trigger the strategy's state watches is held without asking the machines (`quiet`).
        if (fresh || !this.crossingsOnly) this.deliverView(name, ref, view);
        else if (relevant.quiet) this.viewGate.hold(name, ref, view);
        else if (this.viewGate.admit(name, ref, probes(), view)) this.deliverView(name, ref, view);
      });
      for (const [symbol, leg] of stage.legsBySymbol) {
        const route = this.routeOf(symbol);
        if (route.stage === undefined) {
          route.stage = stage;
          route.leg = leg;
        } else route.rest = [...route.rest, { stage, leg }];
      }
      this.subscriptions.push({ unsubscribe: () => stage.close() });
    }
    this.venue.start();
  }

  private routeOf(symbol: string, venueKeyed = false): QuoteRoute {
    let route = this.routes.get(symbol);
    if (route === undefined) this.routes.set(symbol, (route = { last: undefined, stage: undefined, leg: 0, rest: NO_STAGES, venueKeyed }));
    return route;
  }

  /**
   * Keys a route by the venue's own string for its symbol, at its first quote. A route made for a strategy's leg is
   * keyed by the config's string, an equal string but another object: each look-up by the venue's then compared the
   * two strings' characters, reading a second string out of the CPU's caches at every quote. A venue that names a
   * symbol with the same string each time (the simulated and replay venues) is then found by identity.
   */
  private keyByVenue(route: QuoteRoute, symbol: string): void {
    this.routes.delete(symbol);
    this.routes.set(symbol, route);
    route.venueKeyed = true;
  }

  /** The strategy's next market view goes to it whatever its decision mask. */
  private wantFreshView(strategy: string): void {
    const filter = this.filters.get(strategy);
    if (filter !== undefined) filter.fresh = true;
  }

  /** A symbol's last two-sided quote. */
  private lastQuoteOf(symbol: string): LegQuote | undefined {
    return this.routes.get(symbol)?.last;
  }

  private deliverView(strategy: string, ref: AnyActorRef, view: MarketView): void {
    this.counts.views++;
    this.actingFor(strategy, () => ref.send({ type: 'spread.quoted', view }));
  }

  /** An operator's control into the actor tree: held views go first. */
  private sendIn(ref: AnyActorRef, event: { type: string; [key: string]: unknown }): void {
    this.flushViews();
    ref.send(event);
  }

  /**
   * Delivers the views held back by the view gate (view-gate.ts), so that what reaches the actor tree next is
   * decided on the market as it is now: a strategy's before anything reaches its actors (a venue report for one of
   * its orders, a delayed event its actors armed), every strategy's before an operator's control, an event whose
   * owner is not known, or a journal snapshot. Strategies' actors read only their own views, so another strategy's
   * held view can wait for its own next event.
   */
  flushViews(strategy?: string): void {
    if (!this.viewGate.holding) return;
    if (strategy === undefined) this.viewGate.flush(this.deliverHeld);
    else this.viewGate.flushOne(strategy, this.deliverHeld);
  }

  private readonly deliverHeld = (strategy: string, ref: AnyActorRef, view: MarketView): void => {
    if (ref.getSnapshot().status === 'active') this.deliverView(strategy, ref, view);
  };

  /**
   * Runs `fn` (which sends into the actor tree) as the work of one strategy's actors: a delayed event they arm
   * meanwhile belongs to that strategy. Undefined: nobody's in particular (every held view goes before its timers).
   */
  private actingFor(strategy: string | undefined, fn: () => void): void {
    const before = this.acting;
    this.acting = strategy;
    try {
      fn();
    } finally {
      this.acting = before;
    }
  }

  /** Simulated runs only: advances the virtual clock to `t`, firing everything due. */
  runUntil(t: number): void {
    this.virtual().runUntil(t);
  }

  /** Runs to `until` (default: the configured days), then stops cleanly and returns the summary. */
  async run(options: RunOptions = {}): Promise<Summary> {
    this.start();
    const until = options.until ?? this.config.run.start + this.config.run.days * 86_400_000;
    const every = options.progressEveryMs ?? 15 * 60_000;
    let nextProgress = this.clock.now() + every;
    const progress = (): void => options.onProgress?.(this.progress(until));
    const aborted = (): boolean => options.signal?.aborted === true;

    if (this.clock instanceof VirtualClock) {
      const clock = this.clock;
      const pacer =
        options.speed !== undefined && options.speed !== 'max'
          ? new Pacer({ speed: options.speed, wall: options.wall ?? realWall, start: clock.now(), market: calendarFor(this.config.venue.calendar) })
          : undefined;
      let steps = 0;
      while (!aborted()) {
        // A status asked of the venue (an order chasing its answer) is answered before time moves on. (Asked before
        // awaiting: an await at every step would cost the replay a turn of the microtask queue per quote.)
        if (this.statusAsked) await this.statusAnswers();
        if (pacer) {
          const next = clock.nextAt();
          const last = next === undefined || next > until;
          // Wait until the next timer (or the end) is due; in slices, so an abort or a control gets through.
          const wait = pacer.waitBefore(last ? until : next);
          if (wait >= (last ? Number.MIN_VALUE : 1)) {
            await pacer.sleep(Math.min(wait, PACE_SLICE_MS));
            continue;
          }
          if (last) break;
          clock.step(until);
        } else if (!clock.step(until)) break;
        if (clock.now() >= nextProgress) {
          nextProgress = clock.now() + every;
          progress();
        }
        // Let the host's I/O (a SIGINT, a progress line) through now and then.
        if (++steps % 20_000 === 0) await sleep(0);
      }
      if (!aborted()) clock.runUntil(until);
    } else {
      // A clock someone else moves (a venue process's, the wall's): wake when it reaches the end, as a timer on
      // that clock, rather than finding out at the next look (at a venue's 600× a 250 ms look is 2.5 minutes).
      let reached = (): void => {};
      const atEnd = new Promise<void>((resolve) => (reached = resolve));
      const endTimer = this.clock.setTimeout(() => reached(), until - this.clock.now());
      while (!aborted() && this.clock.now() < until) {
        await Promise.race([sleep(250), atEnd]);
        if (this.clock.now() >= nextProgress) {
          nextProgress = this.clock.now() + every;
          progress();
        }
      }
      this.clock.clearTimeout(endTimer);
    }
    progress();
    await this.stop();
    return this.summary();
  }

  /**
   * Stops cleanly: every strategy stops its algo (cancel, then hedge to balanced legs), then the actors and
   * the venue stop. On a simulated clock this runs the clock on until done, at most STOP_GRACE_MS.
   */
  async stop(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    if (this.started) {
      // A root already at its end (its host sent the stop through the actor) hears no event.
      if (this.actor.getSnapshot().status === 'active') this.sendIn(this.actor, { type: 'stop.requested' });
      const deadline = this.clock.now() + STOP_GRACE_MS;
      const done = (): boolean => this.actor.getSnapshot().status !== 'active' || this.actor.getSnapshot().value === 'stopped';
      if (this.clock instanceof VirtualClock) {
        while (!done()) {
          if (this.statusAsked) await this.statusAnswers();
          if (done() || !this.clock.step(deadline)) break;
        }
      } else {
        // A clock that follows a venue stands still once the venue is gone: do not wait for it then.
        while (!done() && this.clock.now() < deadline && this.venueConnected) await sleep(20);
      }
      if (!done()) this.errors.push('stop: some algos did not finish within the grace period');
    }
    this.venue.stop();
    this.funding.stop();
    for (const s of this.subscriptions) s.unsubscribe();
    this.actor.stop();
    this.records.complete();
    this.fills.complete();
    this.fundingSubject.complete();
    this.executionsSubject.complete();
    this.states.complete();
  }

  /** The results so far: executions, exposure, positions, PnL. */
  summary(): Summary {
    return buildSummary({
      config: this.config,
      from: this.startedAt || this.config.run.start,
      to: this.clock.now(),
      venue: this.venue.name,
      executions: this.executionList,
      totals: this.totals,
      ledgers: this.ledgers,
      lastQuote: { get: (symbol) => this.lastQuoteOf(symbol) },
      strategyState: (name) => stateString(this.actor.system.get(`strategy:${name}`)?.getSnapshot()?.value) ?? 'stopped',
      counts: { ...this.counts, executions: this.executionCount },
      ladder: { ...this.ladderSteps },
      errors: [...this.errors, ...this.funding.unsettled()],
    });
  }

  /**
   * The kill switch and its release, for every strategy or one:
   * - `pause`: no new entries; a working algo stops its entry, and its hedge completes or unwinds per its stop policy;
   * - `resume`: entries allowed again (after a pause or a flatten);
   * - `flatten`: pause, unwind a working algo's leg-out, then trade every leg of the strategy to flat.
   * Journalled as a `control` record naming who asked (`source`).
   */
  control(action: ControlAction, options: { strategy?: string; source?: string } = {}): ControlResult {
    const names = options.strategy === undefined ? [...this.strategies.keys()] : [options.strategy];
    const unknown = names.find((n) => !this.strategies.has(n));
    if (unknown !== undefined) return { ok: false, error: `no strategy named "${unknown}" (strategies: ${[...this.strategies.keys()].join(', ')})` };
    if (!this.started || this.finished) return { ok: false, error: this.finished ? 'the engine has stopped' : 'the engine has not started' };
    this.record({ kind: 'control', at: this.clock.now(), action, strategy: options.strategy ?? null, source: options.source ?? 'library' });
    for (const name of names) {
      const ref = this.actor.system.get(`strategy:${name}`);
      if (ref?.getSnapshot().status === 'active') this.sendIn(ref, { type: `${action}.requested` });
    }
    return { ok: true, strategies: names };
  }

  /** Pauses one strategy: `control('pause', { strategy })`. */
  pauseStrategy(strategy: string, options: ControlOptions = {}): ControlResult {
    return this.control('pause', { ...options, strategy });
  }

  /** Resumes one strategy: `control('resume', { strategy })`. */
  resumeStrategy(strategy: string, options: ControlOptions = {}): ControlResult {
    return this.control('resume', { ...options, strategy });
  }

  /**
   * Changes a strategy's trigger prices while it runs: `{ longEntry: '171' }` changes one, null turns one off, an
   * absent key keeps it. The result must pass the config's checks (decimal prices within range, a long or short
   * entry, long entry below short entry, long exit above long entry, short exit below short entry), else nothing
   * changes and the refusal names the field as the config would. The next launch uses them; an algo working now
   * keeps the limit it was launched with (stop it to relaunch at the new price). Journalled as a `setTriggers`
   * control record with the prices before and after.
   */
  setTriggers(strategy: string, triggers: TriggerUpdate, options: ControlOptions = {}): ControlResult {
    const c = this.controllable(strategy);
    if (!c.ok) return c;
    const { s, ref } = c;
    const previous = triggerText(s, (ref.getSnapshot() as { context: { spec: { triggers: Triggers } } }).context.spec.triggers);
    const parsed = parseTriggerUpdate(s, previous, triggers);
    if (!parsed.ok) return parsed;
    this.record({ kind: 'control', at: this.clock.now(), action: 'setTriggers', strategy, source: options.source ?? 'library', triggers: parsed.next, previous });
    // The strategy forgets the view it holds; the next one is sent to it whatever its decision mask.
    this.wantFreshView(strategy);
    this.sendIn(ref, { type: 'triggers.requested', triggers: parsed.scaled });
    return { ok: true, strategies: [strategy] };
  }

  /**
   * Changes a strategy's target position (spread units, a whole number from 1 to 1,000,000, as in the config).
   * Entries work toward it from the next launch; a position already above it is not reduced (the exits close it).
   * Journalled as a `setTarget` control record with the target before and after.
   */
  setTarget(strategy: string, target: number, options: ControlOptions = {}): ControlResult {
    const c = this.controllable(strategy);
    if (!c.ok) return c;
    const parsed = parseTarget(target);
    if (!parsed.ok) return parsed;
    const previous = (c.ref.getSnapshot() as { context: { spec: { target: number } } }).context.spec.target;
    this.record({ kind: 'control', at: this.clock.now(), action: 'setTarget', strategy, source: options.source ?? 'library', target: parsed.target, previous });
    this.wantFreshView(strategy);
    this.sendIn(c.ref, { type: 'target.requested', target: parsed.target });
    return { ok: true, strategies: [strategy] };
  }

  /**
   * Starts a manual spread order on a strategy's spread (the desk's ticket), worked by an algo of the given kind
   * under the strategy, which books its fills, exposure and execution like its own. Refused (`busy`) while the
   * strategy's own algo works or it flattens or stops, and (`windowClosed`) outside its session window; a paused
   * strategy takes one. The algo prices from the next market view. Journalled as a `startAlgo` control record;
   * the result names the algo (`algoId`), which `stopAlgo` stops.
   */
  startAlgo(strategy: string, request: ManualAlgoRequest, options: ControlOptions = {}): ControlResult {
    const c = this.controllable(strategy);
    if (!c.ok) return c;
    const { s, ref } = c;
    const parsed = parseManualOrder(s, request);
    if (!parsed.ok) return parsed;
    const { order, side, qty, limit, kind } = parsed;
    const event = { type: 'manual.requested' as const, order };
    const snap = ref.getSnapshot() as { can(e: unknown): boolean; value: unknown; context: { algo: { id: string } | null; gateOpen: boolean; seq: number } };
    if (!snap.can(event)) {
      const state = stateString(snap.value) ?? '';
      if (snap.context.algo) return { ok: false, refusal: 'busy', error: `strategy "${strategy}" is working algo ${snap.context.algo.id}: stop it (or pause the strategy) first` };
      if (state === 'flattening' || state === 'stopping') return { ok: false, refusal: 'busy', error: `strategy "${strategy}" is ${state}` };
      if (!snap.context.gateOpen) return { ok: false, refusal: 'windowClosed', error: `strategy "${strategy}"'s session window is closed (or closing)` };
      return { ok: false, refusal: 'busy', error: `strategy "${strategy}" cannot start a manual order in state ${state}` };
    }
    const algoId = `${strategy}/${snap.context.seq + 1}`;
    this.record({ kind: 'control', at: this.clock.now(), action: 'startAlgo', strategy, source: options.source ?? 'library', algoId, side, qty, limit, algoKind: kind });
    this.sendIn(ref, event);
    return { ok: true, strategies: [strategy], algoId };
  }

  /**
   * Asks one running algo (`<strategy>/<n>`, a manual one or the strategy's own) to stop: its entry stops and its
   * hedge completes or unwinds per its stop policy. A strategy whose trigger still holds launches again (pause it to
   * keep it from doing so). Journalled as a `stopAlgo` control record.
   */
  stopAlgo(algoId: string, options: ControlOptions = {}): ControlResult {
    if (typeof algoId !== 'string' || !/^.+\/\d+$/.test(algoId)) return { ok: false, refusal: 'unknownAlgo', error: 'an algo id is <strategy>/<number>' };
    const strategy = strategyOfId(algoId);
    if (!this.strategies.has(strategy)) return { ok: false, refusal: 'unknownAlgo', error: `no strategy named "${strategy}" (strategies: ${[...this.strategies.keys()].join(', ')})` };
    if (!this.started || this.finished) return { ok: false, refusal: 'notRunning', error: this.finished ? 'the engine has stopped' : 'the engine has not started' };
    const ref = this.actor.system.get(`algo:${algoId}`) as AnyActorRef | undefined;
    // The strategy's next algo, spawned ahead and dormant under its id, does not run until its launch.
    if (!ref || ref.getSnapshot().status !== 'active' || ref.getSnapshot().value === 'dormant') return { ok: false, refusal: 'unknownAlgo', error: `no running algo ${algoId}` };
    this.record({ kind: 'control', at: this.clock.now(), action: 'stopAlgo', strategy, source: options.source ?? 'library', algoId });
    this.sendIn(ref, { type: 'stop.requested' });
    return { ok: true, strategies: [strategy] };
  }

  /**
   * Stops one strategy for the rest of the run, as the engine's stop does for all: no new launch; its algo stops
   * per its stop policy, and the strategy ends once the algo has. (To stop trading for a while, pause it.)
   * Journalled as a `stopStrategy` control record.
   */
  stopStrategy(strategy: string, options: ControlOptions = {}): ControlResult {
    const c = this.controllable(strategy);
    if (!c.ok) return c;
    this.record({ kind: 'control', at: this.clock.now(), action: 'stopStrategy', strategy, source: options.source ?? 'library' });
    this.sendIn(c.ref, { type: 'stop.requested' });
    return { ok: true, strategies: [strategy] };
  }

  /** A strategy that can take a control now (the engine running, the strategy alive), or why not. */
  private controllable(strategy: string): { ok: true; s: ResolvedStrategy; ref: AnyActorRef } | { ok: false; error: string; refusal: ControlRefusal } {
    const s = typeof strategy === 'string' ? this.strategies.get(strategy) : undefined;
    if (!s) return { ok: false, refusal: 'unknownStrategy', error: `no strategy named "${String(strategy).slice(0, 200)}" (strategies: ${[...this.strategies.keys()].join(', ')})` };
    if (!this.started || this.finished) return { ok: false, refusal: 'notRunning', error: this.finished ? 'the engine has stopped' : 'the engine has not started' };
    const ref = this.actor.system.get(`strategy:${strategy}`) as AnyActorRef | undefined;
    if (!ref || ref.getSnapshot().status !== 'active') return { ok: false, refusal: 'notRunning', error: `strategy "${strategy}" has stopped` };
    return { ok: true, s, ref };
  }

  /** Whether every strategy has stopped (a clean stop: no algo left working). */
  hasStopped(): boolean {
    const snap = this.actor.getSnapshot();
    return snap.status === 'done' || snap.value === 'stopped';
  }

  /** Signed lots per symbol held by a strategy, from its fills. */
  position(strategy: string, symbol: string): number {
    return this.ledgers.get(strategy)?.position(symbol) ?? 0;
  }

  private virtual(): VirtualClock {
    if (!(this.clock instanceof VirtualClock)) throw new Error('runUntil needs the simulated clock (VirtualClock)');
    return this.clock;
  }

  private progress(until: number): Progress {
    const positions: Record<string, number> = {};
    for (const [name, s] of this.strategies) {
      const lots = s.definition.legs.map((l) => this.position(name, l.symbol));
      positions[name] = hedgedUnits(lots, s.definition.tradingMultipliers);
    }
    return {
      now: this.clock.now(),
      from: this.startedAt,
      until,
      quotes: this.counts.quotes,
      orders: this.counts.orders,
      fills: this.counts.fills,
      executions: this.executionCount,
      positions,
    };
  }

  /**
   * Every record goes out in causal order. An actor's snapshot is set before the effects of its step run and its
   * observers hear of it after them, so a strategy's transition (or a session's) would be recorded after the algo
   * it launched and the orders that algo sent: any state change not yet recorded is recorded first.
   */
  private record(r: EngineRecord): void {
    // A state change not yet heard is recorded first. Only the actor whose macrostep is in progress can have one
    // (XState tells observers at the end of each), and that is the record's strategy or, for a record of no
    // strategy, any of them.
    if (r.kind !== 'state') {
      const strategy = recordStrategy(r);
      const watchers = (strategy !== undefined ? this.stateWatchersOf.get(strategy) : undefined) ?? this.stateWatchers;
      for (let i = 0; i < watchers.length; i++) watchers[i]!();
    }
    this.records.next(r);
  }

  private submit(order: OrderCommand, role: OrderRole): void {
    {
      const verdict = this.risk.check(order, role, this.riskView(order, role));
      if (verdict.kind !== 'send') {
        // Not sent: the order actor hears why (it is the one asking, so the answer waits in its mailbox).
        const at = this.clock.now();
        const ref = this.actor.system.get(`order:${order.clientId}`);
        if (verdict.kind === 'refuse') {
          this.counts.refused++;
          this.record({ kind: 'risk.refused', at, clientId: order.clientId, symbol: order.symbol, reason: verdict.reason });
          ref?.send({ type: 'order.refused', clientId: order.clientId, reason: `risk: ${verdict.reason}` });
        } else {
          this.counts.throttled++;
          this.record({ kind: 'order.throttled', at, clientId: order.clientId, symbol: order.symbol, waitMs: verdict.waitMs });
          ref?.send({ type: 'order.throttled', clientId: order.clientId, waitMs: verdict.waitMs });
        }
        return;
      }
      this.risk.sent(this.clock.now());
    }
    this.counts.orders++;
    this.book.sent(order.clientId, order);
    this.record({ kind: 'order.submitted', at: this.clock.now(), ...order, role });
    this.venue.submit(order);
  }

  /**
   * A re-price in place. Pre-trade risk checks the order as it would be (its price band, its size; the order's own
   * working lots are not counted twice) and the order-rate budget counts it; refused or over the budget, the order
   * hears `order.replaceRejected` (it works on unchanged, and its algo cancels and re-sends or tries again).
   */
  private replace(order: OrderCommand, role: OrderRole, change: OrderChange): void {
    const at = this.clock.now();
    const next: OrderCommand = { ...order, price: change.price, qty: change.qty ?? order.qty };
    const view = this.riskView(next, role);
    const own = this.book.get(order.clientId);
    if (own) view.workingSameSide = Math.max(0, view.workingSameSide - (own.qty - own.filled));
    const verdict = this.risk.check(next, role, view);
    if (verdict.kind !== 'send') {
      const reason = verdict.kind === 'refuse' ? `risk: ${verdict.reason}` : `risk: over the order-rate budget (${verdict.waitMs} ms to wait)`;
      if (verdict.kind === 'refuse') {
        this.counts.refused++;
        this.record({ kind: 'risk.refused', at, clientId: order.clientId, symbol: order.symbol, reason: verdict.reason });
      }
      this.actor.system.get(`order:${order.clientId}`)?.send({ type: 'order.replaceRejected', clientId: order.clientId, reason, at });
      return;
    }
    this.risk.sent(at);
    this.record({ kind: 'order.replaceRequested', at, clientId: order.clientId, price: change.price, ...(change.qty !== undefined ? { qty: change.qty } : {}) });
    this.venue.replace!(order.clientId, change);
  }

  /** Books an adopted position at the first mid of its symbol. */
  private bookAdopted(q: LegQuote): void {
    const a = this.pendingAdoption.get(q.symbol);
    if (!a) return;
    this.pendingAdoption.delete(q.symbol);
    const price = (q.bid + q.ask) / 2;
    this.ledgers.get(a.strategy)!.apply(q.symbol, a.lots > 0 ? 1 : -1, Math.abs(a.lots), price);
    this.record({ kind: 'position.adopted', at: this.clock.now(), strategy: a.strategy, symbol: q.symbol, lots: a.lots, price });
  }

  /** What pre-trade risk needs to know of an order's symbol and strategy, now. */
  private riskView(order: OrderCommand, role: OrderRole): RiskView {
    const algoId = order.clientId.slice(0, order.clientId.lastIndexOf('.'));
    const strategy = strategyOfId(algoId);
    const s = this.strategies.get(strategy);
    const position = this.netPositions.get(order.symbol) ?? 0;
    const workingSameSide = this.book.workingLots(order.symbol, order.side);
    const lotValue = this.legsOf.get(strategy)?.of(order.symbol)?.lotValue ?? 0;
    const view: RiskView = { now: this.clock.now(), position, workingSameSide, quote: this.lastQuoteOf(order.symbol), staleAfterMs: s?.staleAfterMs ?? 0, lotValue };
    if (role === 'entry' && s?.maxNakedNotional !== undefined) view.nakedNotional = { now: this.nakedNotional(s), max: s.maxNakedNotional };
    return view;
  }

  /** A strategy's legs away from the nearest balanced position, valued at each leg's last mid. */
  private nakedNotional(s: ResolvedStrategy): number {
    const def = s.definition;
    const legs = this.legsOf.get(s.spec.name)!.legs;
    const lots = def.legs.map((l) => this.position(s.spec.name, l.symbol));
    return nakedDeviation(lots, def.tradingMultipliers).reduce((sum, d, i) => {
      const q = this.lastQuoteOf(def.legs[i]!.symbol);
      return q ? sum + Math.abs(d) * ((q.bid + q.ask) / 2) * legs[i]!.lotValue : sum;
    }, 0);
  }

  private onReport(report: VenueReport): void {
    let r = report;
    const problem = reportProblem(r);
    if (problem !== undefined) {
      // Neither booked nor routed: the order it names waits for a sound report (or its own timers).
      this.venueFault(`report ${String(r?.type)} for ${String(r?.clientId)} refused: ${problem}`);
      return;
    }
    const badCount = r.type === 'order.filled' ? cumQtyProblem(r) : undefined;
    if (badCount !== undefined && r.type === 'order.filled') {
      const { cumQty: _unsound, ...fill } = r;
      this.venueFault(`fill ${r.tradeId} for ${r.clientId} booked without its count: ${badCount}`);
      r = fill;
    }
    // The working order a fill names, if the engine sent it and it has not ended.
    const working = r.type === 'order.filled' ? this.book.get(r.clientId) : undefined;
    if (r.type === 'order.filled' && working !== undefined && (working.symbol !== r.symbol || working.side !== r.side)) {
      this.venueFault(`report order.filled for ${r.clientId} refused: side ${r.side} of ${r.symbol} is not the order's (side ${working.side} of ${working.symbol})`);
      return;
    }
    const owner = this.ownerOf(r.clientId);
    // A report no machine above the order hears cannot read the view: the held one waits for the next event.
    if (!UNHEARD_BY_PARENT.has(r.type)) this.flushViews(owner);
    const at = this.clock.now();
    const taken = r.type === 'order.filled' ? this.takeFill(r) : undefined;
    if (taken?.repeated !== undefined && r.type === 'order.filled') {
      this.venueFault(`fill ${r.tradeId} of ${r.qty} lots for ${r.clientId} (CumQty ${r.cumQty}) gives again ${taken.repeated} lots other fills of the order reported with their own count: not booked`);
    }
    if (taken?.kind === 'counted') {
      // Lots the venue's own count already gave (its status answer): journalled as heard, neither booked nor routed.
      this.record({ kind: 'report', at, report: r, routed: false });
      return;
    }
    const fill = taken?.kind === 'fill' ? taken.fill : undefined;
    let booked: string | undefined;
    if (fill !== undefined) {
      booked = this.onFill(fill, at);
      const over = working === undefined ? 0 : working.filled + fill.qty - working.qty;
      if (over > 0) this.venueFault(`order ${r.clientId} of ${working!.qty} lots reported filled ${working!.filled + fill.qty}: the ${over} lots over are hedged as any fill`);
    }
    if (r.type === 'order.rejected') this.counts.rejects++;
    // A duplicate is routed as heard: its order actor knows the trade id and ignores it.
    const routed = fill ?? r;
    if (taken === undefined || fill !== undefined) this.book.heard(routed);
    const ref = this.sentOrder(r.clientId);
    this.record({ kind: 'report', at, report: r, routed: ref !== undefined });
    if (ref) this.actingFor(owner, () => ref.send(routed));
    else {
      this.counts.unrouted++;
      if (booked !== undefined && fill !== undefined) this.strayFill(booked, fill);
    }
  }

  /** A fill as the books take it (order-book.ts), a duplicate or lots already counted counted as a duplicate fill. */
  private takeFill(r: OrderFilled): FillTaken {
    const taken = this.book.take(r);
    if (taken.kind !== 'fill') this.counts.duplicateFills++;
    return taken;
  }

  /**
   * A fill booked for a strategy that no order actor hears: its order had ended (a fill racing a cancel the venue
   * confirmed, a fill after a reject, a second report past the order's size) or was never ours. The lots are the
   * strategy's all the same, so its machines must count them: the algo that sent the order, while it runs (its
   * ladder hedges them as any fill), else the strategy (which pauses if they leave its legs unbalanced).
   */
  private strayFill(strategy: string, r: Extract<VenueReport, { type: 'order.filled' }>): void {
    const algoId = r.clientId.slice(0, r.clientId.lastIndexOf('.'));
    const leg = this.strategies.get(strategy)!.definition.legs.findIndex((l) => l.symbol === r.symbol);
    const algo = this.actor.system.get(`algo:${algoId}`) as AnyActorRef | undefined;
    const live = algo !== undefined && algo.getSnapshot().status === 'active';
    this.venueFault(`fill ${r.tradeId} of ${r.side * r.qty} ${r.symbol} for ${r.clientId}, an order no longer working: ${live ? `its algo ${algoId} hedges it` : `counted by strategy ${strategy}`}`);
    const target = live ? algo : (this.actor.system.get(`strategy:${strategy}`) as AnyActorRef | undefined);
    if (target === undefined) return;
    const event = live
      ? { type: 'leg.filled', clientId: r.clientId, leg, side: r.side, qty: r.qty, price: r.price, at: r.at }
      : { type: 'leg.stray', leg, lots: r.side * r.qty };
    this.actingFor(strategy, () => target.send(event));
  }

  /**
   * The order actor a venue report for `clientId` goes to: one that has been sent. An algo's spare order, dormant under
   * the client id its next order will have, is no order of the venue's yet: a report naming it is one for no order.
   */
  private sentOrder(clientId: string): AnyActorRef | undefined {
    const ref = this.actor.system.get(`order:${clientId}`) as AnyActorRef | undefined;
    return ref === undefined || ref.getSnapshot().value === 'dormant' ? undefined : ref;
  }

  /** Whether an order has asked the venue for its status since the simulated clock last let answers in. */
  private statusAsked = false;

  /**
   * On a simulated clock, which runs steps back to back without yielding: lets in the answers to the status an
   * order has just asked (a promise), so that a venue answering at once is heard before time moves on, not
   * thousands of steps later (or, stopping, never: the algo left working).
   */
  private async statusAnswers(): Promise<void> {
    if (!this.statusAsked) return;
    this.statusAsked = false;
    await sleep(0);
  }

  /** What an order chasing the venue's answer uses (see order-status.ts). */
  private readonly chaseHost: ChaseHost = {
    now: () => this.clock.now(),
    canSync: () => typeof this.venue.sync === 'function',
    sync: (ids) => {
      this.statusAsked = true;
      return this.venue.sync!(ids);
    },
    orderSnapshot: (clientId) => {
      const ref = this.sentOrder(clientId);
      const snapshot = ref?.getSnapshot();
      return snapshot?.status === 'active' ? snapshot : undefined;
    },
    report: (r) => this.onReport(r),
    fault: (message) => this.venueFault(message),
    record: (r) => {
      if (r.statusError === undefined) this.counts.unanswered++;
      this.record(r);
    },
  };

  /** A venue's fault the run goes on through, named in the summary's errors and journalled. */
  private venueFault(message: string): void {
    this.errors.push(`venue: ${message}`);
    this.record({ kind: 'error', at: this.clock.now(), actor: 'venue', message });
  }

  /** The strategy whose algo sent an order (client id `<strategy>/<algo>.<order>`), when it is one of ours. */
  private ownerOf(clientId: string): string | undefined {
    const strategy = strategyOfId(clientId);
    return this.legsOf.has(strategy) ? strategy : undefined;
  }

  /** Books a fill in its strategy's ledger; the strategy, or undefined when no strategy owns it. */
  private onFill(r: Extract<VenueReport, { type: 'order.filled' }>, at: number): string | undefined {
    this.counts.fills++;
    const algoId = r.clientId.slice(0, r.clientId.lastIndexOf('.'));
    const strategy = strategyOfId(algoId);
    const leg = this.legsOf.get(strategy)?.of(r.symbol);
    if (!leg) {
      this.errors.push(`fill ${r.tradeId} (${r.symbol}) for an order no strategy owns: ${r.clientId}`);
      return undefined;
    }
    const ledger = this.ledgers.get(strategy)!;
    ledger.apply(r.symbol, r.side, r.qty, r.price);
    const fee = leg.fee?.(r.liquidity, r.qty, r.price);
    if (fee !== undefined && !(fee instanceof Decimal ? fee.isZero() : fee.units === 0)) {
      ledger.addFee(fee);
      // Only a running algo's fills make its execution's fees (a late report for an ended one is not its).
      if (this.algoStart.has(algoId)) {
        let fees = this.algoFees.get(algoId);
        if (fees === undefined) this.algoFees.set(algoId, (fees = new ExactSum()));
        fees.add(fee);
      }
    }
    this.fills.next({
      at,
      strategy,
      algoId,
      clientId: r.clientId,
      tradeId: r.tradeId,
      symbol: r.symbol,
      side: r.side > 0 ? 'buy' : 'sell',
      qty: leg.qtyText(r.qty),
      price: leg.priceText(r.price),
      liquidity: r.liquidity ?? null,
      fee: fee === undefined ? '0' : amountText(fee),
    });
    return strategy;
  }

  private algoStarted(spec: AlgoSpec, market: MarketView | null): void {
    const at = this.clock.now();
    this.algoStart.set(spec.id, at);
    const cause = this.algoRecords.get(spec.strategy)?.cause(spec, market) ?? {};
    this.record({ kind: 'algo.started', at, algoId: spec.id, strategy: spec.strategy, purpose: spec.purpose, side: spec.side, qty: spec.qty, limit: spec.limit, ...cause });
  }

  private algoEnded(r: AlgoResult): void {
    const at = this.clock.now();
    const startedAt = this.algoStart.get(r.algoId) ?? at;
    this.algoStart.delete(r.algoId);
    const execution = this.algoRecords.get(r.strategy)!.execution(r, startedAt, at, this.algoFees.get(r.algoId));
    this.algoFees.delete(r.algoId);
    this.executionCount++;
    this.totals.add(execution);
    this.executionList.push(execution);
    if (this.executionList.length > this.keepExecutions) this.executionList.splice(0, this.executionList.length - this.keepExecutions);
    this.record({ kind: 'algo.ended', at, execution });
    this.executionsSubject.next(execution);
  }

  private watchStates(actor: string, ref: AnyActorRef | undefined, strategy: string): void {
    if (!ref) return;
    let last = '';
    let lastValue: unknown;
    const emit = (value: unknown): void => {
      if (value === lastValue) return;
      lastValue = value;
      const state = stateString(value) ?? '';
      if (state === last) return;
      last = state;
      const change = { at: this.clock.now(), actor, state };
      this.record({ kind: 'state', at: change.at, change });
      this.states.next(change);
    };
    emit(ref.getSnapshot().value);
    const catchUp = (): void => emit(ref.getSnapshot().value);
    this.stateWatchers.push(catchUp);
    const own = this.stateWatchersOf.get(strategy);
    if (own) own.push(catchUp);
    else this.stateWatchersOf.set(strategy, [catchUp]);
    const sub = ref.subscribe({ next: (snap: { value: unknown }) => emit(snap.value), error: (e: unknown) => this.onError(actor, e) });
    this.subscriptions.push(sub);
  }

  /**
   * An actor failed (a bug, not a venue fault). The failed part of the tree no longer manages its orders, so
   * every order still live at the venue is cancelled: a failing strategy must not leave orders working.
   */
  private onError(actor: string, e: unknown): void {
    const message = e instanceof Error ? e.message : String(e);
    this.errors.push(`${actor}: ${message}`);
    this.record({ kind: 'error', at: this.clock.now(), actor, message });
    // Each failing actor up the tree reports the same failure: cancel each order once.
    for (const clientId of this.book.takeAll()) {
      this.record({ kind: 'order.cancelRequested', at: this.clock.now(), clientId });
      this.venue.cancel(clientId);
    }
  }
}

/** The longest single wait of a paced run (wall ms): it looks at an abort and new timers at least this often. */
const PACE_SLICE_MS = 250;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => (ms <= 0 ? setImmediate(resolve) : setTimeout(resolve, ms)));
}

/** Builds the engine (not started). */
export function createEngine(config: EngineConfig, options: EngineOptions = {}): Engine {
  return new Engine(config, options);
}

/** The strategy an algo id or a client id begins with (`<strategy>/<algo>[.<order>]`). */
function strategyOfId(id: string): string {
  return id.slice(0, id.lastIndexOf('/'));
}

/** The strategy a record is about, if it names one (a client id and an algo id begin with it). */
function recordStrategy(r: EngineRecord): string | undefined {
  switch (r.kind) {
    case 'control':
    case 'algo.started':
    case 'position.adopted':
      return r.strategy ?? undefined;
    case 'algo.ended':
      return r.execution.strategy;
    case 'ladder.step':
      return strategyOfId(r.algoId);
    case 'report':
      return strategyOfId(r.report.clientId);
    case 'order.submitted':
    case 'order.cancelRequested':
    case 'order.replaceRequested':
    case 'order.unanswered':
    case 'risk.refused':
    case 'order.throttled':
      return strategyOfId(r.clientId);
    default:
      return undefined;
  }
}

/**
 * A symbol's route (see `Engine.routes`): the stages that hear the symbol, each with the leg it reads it as. The
 * first is the route's own fields (a symbol is most often one strategy's leg: with thousands of strategies a quote
 * then reads the route and the stage, not two more arrays out of the CPU's caches), the others follow in `rest`.
 */
interface QuoteRoute {
  last: LegQuote | undefined;
  stage: MarketViewStage | undefined;
  leg: number;
  rest: readonly { readonly stage: MarketViewStage; readonly leg: number }[];
  /** Keyed by the string of a quote the venue sent (`keyByVenue`). */
  venueKeyed: boolean;
}
const NO_STAGES: QuoteRoute['rest'] = [];

/**
 * What the view gate asks of a strategy: the strategy, and its running algo if any. Built once per strategy and
 * per algo (a view passes here thousands of times between two launches), not once per view.
 */
function viewProbes(ref: AnyActorRef, runningAlgo: () => AnyActorRef | undefined): () => readonly ViewProbe[] {
  const strategy: ViewProbe = { ref, withView: (_, view) => strategyWithView(view) };
  const alone = [strategy];
  let algoRef: AnyActorRef | undefined;
  let both: readonly ViewProbe[] = alone;
  return () => {
    const algo = runningAlgo();
    if (algo === undefined) return alone;
    if (algo !== algoRef) {
      algoRef = algo;
      both = [strategy, { ref: algo, withView: algoWithView }];
    }
    return both;
  };
}

/**
 * What the quote path reads of a strategy on every quote: its triggers now (an operator may have changed them),
 * whether an algo runs, which triggers its state watches (`watchedPurposes`), and whether it holds a view at all,
 * written into its decision filter from the strategy's snapshots as they come (XState tells its observers after each
 * step, before the next event), so a quote reads the filter rather than the actor's snapshot, context and spec,
 * scattered in memory: at 1,000 strategies, asking the snapshot whether an algo ran cost about 0.45 µs a quote, most
 * of the quote path's own cost then. `algo` is the running algo, for the view gate.
 */
function liveStrategy(ref: AnyActorRef, configured: Triggers, filter: DecisionFilter, forgetView: () => void): { algo: () => AnyActorRef | undefined; subscription: { unsubscribe(): void } } {
  type Context = { spec?: { triggers?: Triggers }; algo?: { ref: AnyActorRef } | null; market?: unknown };
  let triggers = configured;
  let algo: AnyActorRef | undefined;
  const take = (snapshot: unknown): void => {
    const context = (snapshot as { context?: Context } | undefined)?.context;
    const now = context?.spec?.triggers ?? configured;
    if (now !== triggers) filter.setTriggers((triggers = now));
    algo = context?.algo?.ref;
    filter.executing = algo !== undefined;
    // A strategy that holds no view (forgotten at a session's close) hears the next one whatever its mask, even with
    // the books of the view it forgot.
    if (context?.market === null) {
      filter.forget();
      forgetView();
    }
    const watched = (snapshot as { tags?: unknown }).tags instanceof Set && context?.spec ? watchedPurposes(snapshot as Parameters<typeof watchedPurposes>[0]) : null;
    filter.watch(watched === null ? undefined : triggerBits(watched));
  };
  take(ref.getSnapshot());
  const subscription = ref.subscribe({
    next: take,
    // The engine's own subscription reports the actor's failure.
    error: () => {},
  });
  return { algo: () => algo, subscription };
}
