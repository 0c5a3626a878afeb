import { Subject, type Observable } from 'rxjs';
import { createActor, type Actor, type AnyActorRef, type InspectionEvent, type Observer, type Snapshot } from 'xstate';
import { algoMachine, type AlgoResult, type AlgoSpec } from '../../machines/algo.machine.js';
import { engineMachine } from '../../machines/engine.machine.js';
import { orderMachine } from '../../machines/order.machine.js';
import { strategyMachine } from '../../machines/strategy.machine.js';
import type { Clock, TimerId } from '../clock/clock.js';
import { VirtualClock } from '../clock/virtual-clock.js';
import { Pacer, type WallTime } from '../clock/pacer.js';
import { realWall } from '../clock/wall-clock.js';
import type { EngineConfig, ResolvedStrategy } from '../config/resolve.js';
import { FundingClerk } from './funding.js';
import { Decimal } from '../domain/decimal.js';
import type { LedgerInstrument } from '../domain/ledger.js';
import { calendarFor } from '../domain/session-calendar.js';
import type { OrderFilled } from '../domain/orders.js';
import { hedgedUnits } from '../domain/position.js';
import type { LegQuote, MarketView } from '../domain/quote.js';
import { DecisionFilter } from '../streams/decisions.js';
import { MarketViewStage } from '../streams/market-views.js';
import { ViewGate } from './view-gate.js';
import { SimulatedVenue, type SimVenueSpec } from '../venue/simulated/simulated-venue.js';
import { LegatoError } from '../domain/errors.js';
import type { Venue } from '../venue/venue.js';
import { recordStrategy, type EngineRecord, type Execution, type FillRecord, type FundingRecord, type StateChange } from './records.js';
import { stateString } from './state-string.js';
import { buildSummary, type Summary } from './summary.js';
import { PreTradeRisk } from './risk.js';
import { venueReplaces } from './capabilities.js';
import { AlgoRecords } from './algo-records.js';
import { StrategyLegs } from './strategy-legs.js';
import { chaseOrder, type ChaseHost } from './order-status.js';
import type { ControlAction, ControlOptions, ControlResult, ManualAlgoRequest, TriggerUpdate } from './desk-requests.js';
import { DeskControls } from './desk-controls.js';
import { EngineBooks, type RunCounts } from './books.js';
import { liveStrategy, viewProbes } from './live-strategy.js';
import { ReportIntake } from './report-intake.js';
import { OrderGate } from './order-gate.js';

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
  /** Ledgers, orders at the venue, counts, executions, errors (books.ts). */
  private readonly books: EngineBooks;
  /** The venue's reports, checked, booked and routed (report-intake.ts). */
  private readonly intake: ReportIntake;
  /** The books' own counts and errors (the same objects): most of the engine writes them. */
  private readonly counts: RunCounts;
  private readonly errors: string[];
  /** Per symbol: its last two-sided quote and the market-view stages that hear it (one look-up per quote). */
  private readonly routes = new Map<string, QuoteRoute>();
  /** Pre-trade risk, then the venue: every order, re-price and cancel the order machines ask for (order-gate.ts). */
  private readonly gate: OrderGate;
  /** Adopted positions not yet booked in the ledger (they are, at each symbol's first two-sided quote). */
  private readonly pendingAdoption = new Map<string, { strategy: string; lots: number }>();
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
  /** An actor of the tree by its system id (`strategy:<name>`, `algo:<id>`, `order:<clientId>`). */
  private readonly actorOf = (systemId: string): AnyActorRef | undefined => this.actor.system.get(systemId) as AnyActorRef | undefined;
  /** The desk's requests, applied (desk-controls.ts). */
  private readonly controls = new DeskControls({
    strategies: this.strategies,
    notRunning: () => (this.finished ? 'the engine has stopped' : this.started ? undefined : 'the engine has not started'),
    actor: this.actorOf,
    now: () => this.clock.now(),
    record: (r) => this.record(r),
    wantFreshView: (strategy) => this.wantFreshView(strategy),
    sendIn: (ref, event) => this.sendIn(ref, event),
  });

  constructor(
    readonly config: EngineConfig,
    options: EngineOptions = {},
  ) {
    this.clock = options.clock ?? new VirtualClock(config.run.start);
    this.crossingsOnly = options.crossingsOnly ?? true;
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
    this.books = new EngineBooks([...this.strategies.keys()], instruments, this.legsOf, this.algoRecords, options.keepExecutions ?? 100_000);
    this.counts = this.books.counts;
    this.errors = this.books.errors;
    this.gate = new OrderGate({
      venue: this.venue,
      risk: new PreTradeRisk(config.risk ?? { instruments: new Map() }),
      books: this.books,
      strategies: this.strategies,
      legsOf: this.legsOf,
      now: () => this.clock.now(),
      record: (r) => this.record(r),
      actor: this.actorOf,
      lastQuote: (symbol) => this.lastQuoteOf(symbol),
    });
    this.intake = new ReportIntake(
      {
        strategies: this.strategies,
        now: () => this.clock.now(),
        record: (r) => this.record(r),
        actor: this.actorOf,
        flushViews: (strategy) => this.flushViews(strategy),
        actingFor: (strategy, fn) => this.actingFor(strategy, fn),
        fill: (r, at) => this.onFill(r, at),
      },
      this.books,
    );
    this.funding = new FundingClerk(config.strategies, {
      clock: this.clock,
      position: (strategy, symbol) => this.books.ledgers.get(strategy)!.position(symbol),
      mark: (symbol) => {
        const q = this.lastQuoteOf(symbol);
        const leg = instruments.get(symbol);
        return q && leg ? leg.tickSize.times(q.bid + q.ask).div(2) : undefined;
      },
      record: (r) => this.record(r),
      charge: (c) => {
        this.books.ledgers.get(c.strategy)!.addFunding(new Decimal(c.amount));
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
        submitOrder: (_, params) => this.gate.submit(params.order, params.role),
        cancelOrder: (_, params) => this.gate.cancel(params.clientId),
        replaceOrder: (_, params) => this.gate.replace(params.order, params.role, params.change),
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
          this.books.ladderSteps[params.step]++;
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
      // The books from the journal's records; an adopted position they hold is booked already.
      this.books.replay(options.restore.records, this.funding);
      for (const r of options.restore.records) if (r.kind === 'position.adopted') this.pendingAdoption.delete(r.symbol);
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
      this.venue.reports$.subscribe((r) => this.intake.report(r)),
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
      executions: this.books.executions,
      totals: this.books.totals,
      ledgers: this.books.ledgers,
      lastQuote: { get: (symbol) => this.lastQuoteOf(symbol) },
      strategyState: (name) => stateString(this.actor.system.get(`strategy:${name}`)?.getSnapshot()?.value) ?? 'stopped',
      counts: { ...this.counts, executions: this.books.executed },
      ladder: { ...this.books.ladderSteps },
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
    return this.controls.control(action, options);
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
    return this.controls.setTriggers(strategy, triggers, options);
  }

  /**
   * Changes a strategy's target position (spread units, a whole number from 1 to 1,000,000, as in the config).
   * Entries work toward it from the next launch; a position already above it is not reduced (the exits close it).
   * Journalled as a `setTarget` control record with the target before and after.
   */
  setTarget(strategy: string, target: number, options: ControlOptions = {}): ControlResult {
    return this.controls.setTarget(strategy, target, options);
  }

  /**
   * Starts a manual spread order on a strategy's spread (the desk's ticket), worked by an algo of the given kind
   * under the strategy, which books its fills, exposure and execution like its own. Refused (`busy`) while the
   * strategy's own algo works or it flattens or stops, and (`windowClosed`) outside its session window; a paused
   * strategy takes one. The algo prices from the next market view. Journalled as a `startAlgo` control record;
   * the result names the algo (`algoId`), which `stopAlgo` stops.
   */
  startAlgo(strategy: string, request: ManualAlgoRequest, options: ControlOptions = {}): ControlResult {
    return this.controls.startAlgo(strategy, request, options);
  }

  /**
   * Asks one running algo (`<strategy>/<n>`, a manual one or the strategy's own) to stop: its entry stops and its
   * hedge completes or unwinds per its stop policy. A strategy whose trigger still holds launches again (pause it to
   * keep it from doing so). Journalled as a `stopAlgo` control record.
   */
  stopAlgo(algoId: string, options: ControlOptions = {}): ControlResult {
    return this.controls.stopAlgo(algoId, options);
  }

  /**
   * Stops one strategy for the rest of the run, as the engine's stop does for all: no new launch; its algo stops
   * per its stop policy, and the strategy ends once the algo has. (To stop trading for a while, pause it.)
   * Journalled as a `stopStrategy` control record.
   */
  stopStrategy(strategy: string, options: ControlOptions = {}): ControlResult {
    return this.controls.stopStrategy(strategy, options);
  }

  /** Whether every strategy has stopped (a clean stop: no algo left working). */
  hasStopped(): boolean {
    const snap = this.actor.getSnapshot();
    return snap.status === 'done' || snap.value === 'stopped';
  }

  /** Signed lots per symbol held by a strategy, from its fills. */
  position(strategy: string, symbol: string): number {
    return this.books.position(strategy, symbol);
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
      executions: this.books.executed,
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

  /** Books an adopted position at the first mid of its symbol. */
  private bookAdopted(q: LegQuote): void {
    const a = this.pendingAdoption.get(q.symbol);
    if (!a) return;
    this.pendingAdoption.delete(q.symbol);
    const price = (q.bid + q.ask) / 2;
    this.books.ledgers.get(a.strategy)!.apply(q.symbol, a.lots > 0 ? 1 : -1, Math.abs(a.lots), price);
    this.record({ kind: 'position.adopted', at: this.clock.now(), strategy: a.strategy, symbol: q.symbol, lots: a.lots, price });
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
      const ref = this.intake.sentOrder(clientId);
      const snapshot = ref?.getSnapshot();
      return snapshot?.status === 'active' ? snapshot : undefined;
    },
    report: (r) => this.intake.report(r),
    fault: (message) => this.intake.fault(message),
    record: (r) => {
      if (r.statusError === undefined) this.counts.unanswered++;
      this.record(r);
    },
  };

  /** Books a fill in its strategy's ledger and tells the host; the strategy, or undefined when no strategy owns it. */
  private onFill(r: OrderFilled, at: number): string | undefined {
    const fill = this.books.fill(r, at);
    if (fill === undefined) return undefined;
    this.fills.next(fill);
    return fill.strategy;
  }

  private algoStarted(spec: AlgoSpec, market: MarketView | null): void {
    const at = this.clock.now();
    this.books.algoStarted(spec.id, at);
    const cause = this.algoRecords.get(spec.strategy)?.cause(spec, market) ?? {};
    this.record({ kind: 'algo.started', at, algoId: spec.id, strategy: spec.strategy, purpose: spec.purpose, side: spec.side, qty: spec.qty, limit: spec.limit, ...cause });
  }

  private algoEnded(r: AlgoResult): void {
    const at = this.clock.now();
    const execution = this.books.algoEnded(r, at);
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
    for (const clientId of this.books.orders.takeAll()) this.gate.cancel(clientId);
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
