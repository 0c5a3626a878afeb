/**
 * The operator's desk: what each spread is quoted at, what each strategy and algo is doing, what is naked and
 * which orders work, as plain rows for the page's tables. Built from the engine's public API (its config, its
 * summary, its actors' snapshots) and the latest leg quotes, only while a page watches, at most a few times a
 * second (see Inspector). Prices are decimal strings, quantities lots or spread units, times the engine clock's.
 */
import { hedgedUnits, legQuoteProblem, nakedDeviation, spreadQuote, stateString, type Engine, type LegQuote, type ResolvedStrategy, type Summary, type TriggerPrices } from '../index.js';

export interface DeskLeg {
  symbol: string;
  /** Best bid and ask (decimal strings) and their sizes in lots; null without a fresh two-sided quote. */
  bid: string | null;
  bidSize: number | null;
  ask: string | null;
  askSize: number | null;
  /** Signed lots the strategy holds, and how many of them are away from the nearest balanced position. */
  lots: number;
  naked: number;
}

export interface DeskSpread {
  strategy: string;
  legs: DeskLeg[];
  /** The spread quote (decimal strings, sizes in spread units); null sides while any leg is missing, crossed or stale. */
  bid: string | null;
  bidSize: number | null;
  ask: string | null;
  askSize: number | null;
  /** Signed spread units held (the hedged part of the legs). */
  position: number;
  /** Net PnL to the cent, marked at the legs' last mids; null before every held leg has one. */
  pnl: string | null;
}

export interface DeskStrategy {
  strategy: string;
  /** Its state (`flat.idle`, `long.working`, `flattening`, …, or `stopped`). */
  state: string;
  paused: boolean;
  /** The trigger prices in force (an operator may have changed them). */
  triggers: TriggerPrices;
  target: number;
  position: number;
  pnl: string | null;
  /** The session window's state (`open.trading`, `open.closing`, `open.continuous`, `closed`). */
  session: string;
  /** The running algo, if any. */
  algo: string | null;
  /** The algo kind it launches (the ticket's default). */
  kind: string;
}

export interface DeskAlgo {
  id: string;
  strategy: string;
  purpose: string;
  kind: string;
  side: 'buy' | 'sell';
  /** The limit spread price, or null for a flatten (it takes every leg to 0 at the market). */
  limit: string | null;
  /** Spread units asked for and executed with balanced legs. */
  qty: number;
  filled: number;
  /** Signed lots filled per leg, and the lots away from balance per leg. */
  lots: number[];
  naked: number[];
  /** The hedge ladder: balanced, resting, crossing, unwinding, paused or failed. */
  ladder: string;
  /** When it was spawned and when it ended (engine clock; null while it runs). */
  startedAt: number;
  endedAt: number | null;
  /** pending, working (its entry's state), completed or stopped. */
  status: string;
  active: boolean;
  /** Why it ended, once it has. */
  reason: string | null;
}

export interface DeskOrder {
  id: string;
  algo: string;
  strategy: string;
  symbol: string;
  role: string;
  side: 'buy' | 'sell';
  price: string;
  /** Lots ordered and filled. */
  qty: number;
  filled: number;
  /** The order's state: submitted, working, pendingCancel, … */
  status: string;
  createdAt: number;
}

export interface Desk {
  spreads: DeskSpread[];
  strategies: DeskStrategy[];
  algos: DeskAlgo[];
  orders: DeskOrder[];
}

/** What the desk reads of an actor the inspector tracks. */
export interface DeskActor {
  id: string;
  createdAt: number;
  snapshot: unknown;
  /** When it ended, or null while it runs. */
  endedAt: number | null;
}

/** Finished algos kept on the desk (the latest), besides every running one. */
export const DESK_ENDED_ALGOS = 20;
/** At most this many rows per table (a page is not a database). */
export const DESK_MAX_ROWS = 500;

interface Snap {
  value?: unknown;
  status?: string;
  context?: Record<string, unknown>;
}

/**
 * The desk now. `actors` are the algos and orders the inspector tracks (ended ones included), `quotes` the
 * latest leg quotes seen since a page connected (a leg without one falls back to the strategy's last view).
 */
export function buildDesk(engine: Engine, actors: Iterable<DeskActor>, quotes: ReadonlyMap<string, LegQuote>): Desk {
  const now = engine.clock.now();
  let summary: Summary | null = null;
  try {
    summary = engine.summary();
  } catch {
    summary = null; // a summary is a read; if it cannot be made now, the desk shows no PnL rather than failing
  }
  const strategies: DeskStrategy[] = [];
  const spreads: DeskSpread[] = [];
  for (const s of engine.config.strategies) {
    const name = s.spec.name;
    const ref = engine.actor.system.get(`strategy:${name}`) as { getSnapshot(): Snap } | undefined;
    const snap = ref?.getSnapshot();
    const alive = snap?.status === 'active';
    const ctx = (alive ? snap!.context : undefined) as
      | { spec: { triggers: Record<keyof TriggerPrices, number | null>; target: number }; paused: boolean; legLots: number[]; algo: { id: string } | null; market: { legs: (LegQuote | null)[] } | null }
      | undefined;
    const session = engine.actor.system.get(`session:${name}`) as { getSnapshot(): Snap } | undefined;
    const sum = summary?.strategies.find((x) => x.name === name);
    const def = s.definition;
    const lots = def.legs.map((l) => sum?.legs[l.index]?.lots ?? ctx?.legLots[l.index] ?? 0);
    const naked = nakedDeviation(lots, def.tradingMultipliers);
    const position = hedgedUnits(lots, def.tradingMultipliers);
    strategies.push({
      strategy: name,
      state: alive ? (stateString(snap!.value) ?? '') : 'stopped',
      paused: ctx?.paused ?? false,
      triggers: triggerText(s, ctx?.spec.triggers ?? s.spec.triggers),
      target: ctx?.spec.target ?? s.spec.target,
      position,
      pnl: sum?.pnl ?? null,
      session: session ? (stateString(session.getSnapshot().value) ?? '') : 'stopped',
      algo: ctx?.algo?.id ?? null,
      kind: s.spec.algo.kind,
    });
    const legQuotes = def.legs.map((l) => quotes.get(l.symbol) ?? ctx?.market?.legs[l.index] ?? undefined);
    const q = spreadQuote(def, legQuotes, now, s.staleAfterMs);
    spreads.push({
      strategy: name,
      legs: def.legs.map((l) => {
        const lq = legQuotes[l.index];
        // A leg's book is shown while it is fresh and two-sided (a crossed one too: that is news); an old one is not.
        const problem = legQuoteProblem(lq ?? undefined, now, s.staleAfterMs);
        const two = lq && (problem === undefined || problem === 'crossed');
        return {
          symbol: l.symbol,
          bid: two ? String(l.tickSize.times(lq.bid)) : null,
          bidSize: two ? lq.bidSize : null,
          ask: two ? String(l.tickSize.times(lq.ask)) : null,
          askSize: two ? lq.askSize : null,
          lots: lots[l.index]!,
          naked: naked[l.index]!,
        };
      }),
      bid: q ? String(def.fromScaled(q.bid)) : null,
      bidSize: q ? q.bidSize : null,
      ask: q ? String(def.fromScaled(q.ask)) : null,
      askSize: q ? q.askSize : null,
      position,
      pnl: sum?.pnl ?? null,
    });
  }

  const byName = new Map(engine.config.strategies.map((s) => [s.spec.name, s]));
  const running: DeskAlgo[] = [];
  const ended: DeskAlgo[] = [];
  const orders: DeskOrder[] = [];
  for (const a of actors) {
    if (a.id.startsWith('algo:')) {
      const row = algoRow(a, byName);
      if (row) (row.active ? running : ended).push(row);
    } else if (a.id.startsWith('order:') && a.endedAt === null) {
      const row = orderRow(a, byName);
      if (row) orders.push(row);
    }
  }
  const algos = [...running, ...ended.slice(-DESK_ENDED_ALGOS)].slice(-DESK_MAX_ROWS);
  return { spreads, strategies, algos, orders: orders.slice(-DESK_MAX_ROWS) };
}

/** Scaled triggers as decimal strings: the config's text while a trigger is the configured one. */
function triggerText(s: ResolvedStrategy, t: Record<keyof TriggerPrices, number | null>): TriggerPrices {
  const one = (k: keyof TriggerPrices): string | null => {
    const v = t[k];
    if (v === null || v === undefined) return null;
    return v === s.spec.triggers[k] && s.triggerPrices[k] !== null ? s.triggerPrices[k] : String(s.definition.fromScaled(v));
  };
  return { longEntry: one('longEntry'), longExit: one('longExit'), shortEntry: one('shortEntry'), shortExit: one('shortExit') };
}

interface AlgoCtx {
  spec: { id: string; strategy: string; purpose: string; kind: string; side: 1 | -1; qty: number; limit: number; tradingMultipliers: number[]; carried?: number[] };
  fills: { lots: number[] };
  exposure: { lots: number[] };
  reason: string | null;
}

function algoRow(a: DeskActor, byName: Map<string, ResolvedStrategy>): DeskAlgo | undefined {
  const snap = a.snapshot as Snap | undefined;
  const ctx = snap?.context as AlgoCtx | undefined;
  if (!ctx?.spec || !Array.isArray(ctx.fills?.lots)) return undefined;
  // A strategy's next algo, spawned ahead and dormant until its launch, is not an algo of the desk's yet.
  if (snap!.value === 'dormant') return undefined;
  const spec = ctx.spec;
  const s = byName.get(spec.strategy);
  const carried = spec.carried ?? spec.tradingMultipliers.map(() => 0);
  const lots = ctx.fills.lots.map((l, i) => l - (carried[i] ?? 0));
  const flatten = spec.purpose === 'flatten';
  const value = snap!.value;
  const status = snap!.status ?? 'active';
  const active = status === 'active' && a.endedAt === null;
  return {
    id: a.id.slice('algo:'.length),
    strategy: spec.strategy,
    purpose: spec.purpose,
    kind: spec.kind,
    side: spec.side > 0 ? 'buy' : 'sell',
    limit: flatten || !s ? null : String(s.definition.fromScaled(spec.limit)),
    qty: spec.qty,
    filled: flatten ? 0 : Math.abs(hedgedUnits(lots, spec.tradingMultipliers)),
    lots,
    naked: flatten ? [...ctx.fills.lots] : [...(ctx.exposure?.lots ?? lots.map(() => 0))],
    ladder: ladderOf(value),
    startedAt: a.createdAt,
    endedAt: a.endedAt,
    status: active ? entryOf(value) : typeof value === 'string' ? value : status,
    active,
    reason: active ? null : (ctx.reason ?? null),
  };
}

/** The algo's entry region as the desk says it: pending, or the entry's state (`taker.working`, `halted`, …). */
function entryOf(value: unknown): string {
  if (typeof value === 'string') return value;
  const entry = (value as { active?: { entry?: unknown } } | null)?.active?.entry;
  return entry === undefined ? (stateString(value) ?? '') : (stateString(entry) ?? '');
}

/** The hedge ladder's step: balanced, resting, crossing, unwinding, paused or failed ('' outside `active`). */
function ladderOf(value: unknown): string {
  const hedge = (value as { active?: { hedge?: unknown } } | null)?.active?.hedge;
  if (hedge === undefined) return '';
  if (typeof hedge === 'string') return hedge;
  const step = (hedge as { ladder?: { step?: unknown } }).ladder?.step;
  return typeof step === 'string' ? step : (stateString(hedge) ?? '');
}

interface OrderCtx {
  order: { clientId: string; symbol: string; side: 1 | -1; qty: number; price: number };
  role: string;
  fill: { qty: number };
}

function orderRow(a: DeskActor, byName: Map<string, ResolvedStrategy>): DeskOrder | undefined {
  const snap = a.snapshot as Snap | undefined;
  const ctx = snap?.context as OrderCtx | undefined;
  // A dormant order is an algo's spare, not yet sent: not a working order of the desk's.
  if (!ctx?.order || snap?.status !== 'active' || snap.value === 'dormant') return undefined;
  const o = ctx.order;
  const algo = o.clientId.slice(0, o.clientId.lastIndexOf('.'));
  const strategy = algo.slice(0, algo.lastIndexOf('/'));
  const leg = byName.get(strategy)?.definition.legs.find((l) => l.symbol === o.symbol);
  return {
    id: o.clientId,
    algo,
    strategy,
    symbol: o.symbol,
    role: ctx.role,
    side: o.side > 0 ? 'buy' : 'sell',
    price: leg ? String(leg.tickSize.times(o.price)) : String(o.price),
    qty: o.qty,
    filled: ctx.fill?.qty ?? 0,
    status: stateString(snap.value) ?? '',
    createdAt: a.createdAt,
  };
}
