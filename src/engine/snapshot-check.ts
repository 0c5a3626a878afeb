import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { algoMachine } from '../../machines/algo.machine.js';
import { engineMachine } from '../../machines/engine.machine.js';
import { dormantOrderContext, orderMachine } from '../../machines/order.machine.js';
import { sessionMachine } from '../../machines/session.machine.js';
import { strategyMachine } from '../../machines/strategy.machine.js';
import type { EngineConfig } from '../config/resolve.js';
import { MAX_LIST, RecordProblem, count, int, lots, name, num, problemOf, shown, side, time } from './journal-check.js';

/**
 * The actor tree of a journal's snapshot (XState's persisted snapshot of the engine machine), checked before a
 * resume restores it: what XState dereferences to restore it (each child's snapshot, `src`, `systemId`, the
 * actor references in a context), that every state value names a state of its machine, and the fields of each
 * machine's context (engine, strategy, session, algo, order) with their types and, for lists per leg, their
 * lengths. What a strategy fixes once from its config (its algo template, its session) must be the config's
 * (the config's fingerprint matched, so anything else there was edited). It is not the whole of XState's format:
 * fields XState rebuilds or ignores are not read.
 */

type Path = (string | number)[];
type Obj = Record<string, unknown>;
type Problem = RecordProblem;

const STATUS = z.enum(['active', 'done', 'error', 'stopped']);
/** An actor reference in a persisted context: `{ xstate$$type: 1, id }`. */
const ref = (id?: string) => z.object({ xstate$$type: z.literal(1), id: id === undefined ? z.string() : z.literal(id) });

const leg = (n: number) => z.object({ symbol: z.string(), bid: num, ask: num, bidSize: num, askSize: num, ts: time });
const view = (n: number) =>
  z
    .object({
      at: time,
      spread: z.object({ bid: num, bidSize: num, ask: num, askSize: num }).nullable(),
      legs: z.array(leg(n).nullable()).length(n),
    })
    .nullable();
const perLeg = <T extends z.ZodType>(t: T, n: number) => z.array(t).length(n);
const purpose = z.enum(['longEntry', 'longExit', 'shortEntry', 'shortExit', 'flatten', 'manual']);
const trigger = num.nullable();

const engineContext = (n: number) => z.object({ strategies: z.array(ref()).length(n), stopped: z.array(z.string()).max(n) });

const strategyContext = (n: number) =>
  z.object({
    spec: z.object({
      name,
      triggers: z.object({ longEntry: trigger, longExit: trigger, shortEntry: trigger, shortExit: trigger }),
      target: lots,
      algo: z.object({}).loose(),
      session: z.object({}).loose(),
    }),
    legLots: perLeg(int, n),
    market: view(n),
    algo: z.object({ id: name, purpose, ref: ref('algo') }).nullable(),
    // The next algo, spawned dormant ahead of its launch (absent in journals written before it existed).
    next: ref('algo').nullable().optional(),
    seq: count,
    gateOpen: z.boolean(),
    paused: z.boolean(),
    session: ref('session'),
  });

const sessionContext = z.object({ calendar: z.object({}).loose(), closingLeadMs: num.min(0), at: time, closesAt: time.nullable(), opensAt: time.nullable() });

const exposure = (n: number) =>
  z.object({
    lots: perLeg(int, n),
    maxLots: perLeg(num.min(0), n),
    maxLegNotional: perLeg(num.min(0), n),
    maxNotional: num.min(0),
    // Figures of the report, not of the position; builds before 2026-12-03 could count them below 0 (venue stamps out
    // of order), and their journals still resume.
    notionalMs: num,
    nakedMs: num,
    since: time.nullable(),
  });

const workingOrder = (n: number) =>
  z.object({
    ref: ref(),
    slot: z.string().min(1),
    leg: int.min(0).max(n - 1),
    role: z.enum(['entry', 'hedge', 'unwind']),
    side,
    qty: lots,
    price: int,
    filled: count,
    cancelling: z.boolean(),
    replacing: z.boolean(),
  });

const algoContext = (n: number) =>
  z.object({
    spec: z
      .object({
        id: name,
        strategy: name,
        purpose,
        kind: z.enum(['taker', 'contingent', 'quoting']),
        side,
        qty: lots,
        limit: num,
        activeLeg: int.min(0).max(n - 1),
        carried: perLeg(int, n).optional(),
      })
      .loose(),
    market: view(n),
    latest: view(n),
    sessionOpen: z.boolean(),
    fills: z.object({ lots: perLeg(int, n), notional: perLeg(num, n), lastPrice: perLeg(num, n), firstAt: time.nullable(), lastAt: time.nullable() }),
    orders: z.record(z.string(), workingOrder(n)),
    // The next orders, spawned dormant ahead of their sending, one per traded leg at most (absent in journals written
    // before they existed; `spare`, one, in those of the eighteenth round of issue 14).
    spares: z.array(ref()).max(n).optional(),
    spare: ref().nullable().optional(),
    seq: count,
    entry: z.object({ pricedAt: time.nullable(), quoted: num.nullable(), closed: z.boolean() }),
    ladder: z.object({ mode: z.enum(['rest', 'cross', 'unwind']), arrival: perLeg(num.nullable(), n), policy: z.enum(['complete', 'unwind']) }),
    reason: z.enum(['filled', 'priceLeft', 'stopRequested', 'expired', 'legFailed', 'unwound', 'residual', 'riskRefused']).nullable(),
    status: z.enum(['completed', 'stopped']).nullable(),
    exposure: exposure(n),
    counts: z.object({ orders: count, reprices: count, rejects: count, ladderSteps: count }),
  });

const orderContext = (n: number) =>
  z.object({
    order: z.object({ clientId: name, symbol: name, side, qty: lots, price: int }),
    leg: int.min(0).max(n - 1),
    role: z.enum(['entry', 'hedge', 'unwind']),
    staleAfterMs: num.min(0),
    fill: z.object({ qty: count, notional: num, tradeIds: z.array(z.string()).max(MAX_LIST) }),
    replacing: z.object({ price: int, qty: lots.optional() }).nullable(),
    venueFilled: count.nullable(),
    waitMs: num.min(0),
    reason: z.string().nullable(),
    status: z.enum(['filled', 'canceled', 'rejected', 'refused']).nullable(),
  });

/** A persisted actor: the parts XState reads to restore it (its children are checked one by one). */
const persisted = z.object({
  status: STATUS,
  value: z.unknown(),
  context: z.object({}).loose(),
  children: z.record(z.string(), z.unknown()),
  historyValue: z.record(z.string(), z.unknown()).optional(),
});
const child = z.object({ snapshot: z.unknown(), src: z.string(), systemId: z.string() });

/** A state node as XState builds it: what `valueProblem` walks. */
interface StateNodeLike {
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  states: Record<string, StateNodeLike>;
}

/**
 * What is wrong with a state value for a node, or undefined when it names one of its states all the way down: a
 * compound node's value is the name of an atomic (or final) child, or `{ child: its value }` for one compound or
 * parallel child; a parallel node's value names every region.
 */
function valueProblem(node: StateNodeLike, value: unknown, where: string): string | undefined {
  const names = Object.keys(node.states);
  const known = (k: string): string => `"${k}" is not a state of ${where} (its states: ${names.join(', ')})`;
  if (node.type === 'parallel') {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return `must name a state of each region of ${where} (got ${shown(value)})`;
    const keys = Object.keys(value);
    for (const k of keys) if (!Object.hasOwn(node.states, k)) return known(k);
    for (const k of names) {
      if (!keys.includes(k)) return `must name a state of region "${k}" of ${where}`;
      const p = valueProblem(node.states[k]!, (value as Obj)[k], `${where}.${k}`);
      if (p) return p;
    }
    return undefined;
  }
  if (typeof value === 'string') {
    if (!Object.hasOwn(node.states, value)) return known(value);
    const next = node.states[value]!;
    if (next.type === 'compound' || next.type === 'parallel') return `"${value}" is a ${next.type} state of ${where}, and names none of its own states`;
    if (next.type === 'history') return `"${value}" is a history state of ${where}, not a state an actor can be in`;
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value) || Object.keys(value).length !== 1) return `must name one state of ${where} (got ${shown(value)})`;
  const [k] = Object.keys(value) as [string];
  if (!Object.hasOwn(node.states, k)) return known(k);
  const next = node.states[k]!;
  if (next.type !== 'compound' && next.type !== 'parallel') return `"${k}" is a state of ${where} with no states of its own (got ${shown((value as Obj)[k])} under it)`;
  return valueProblem(next, (value as Obj)[k], `${where}.${k}`);
}

/** The checks of one persisted actor: its shape, its state value, its context. Returns it when sound. */
function actorProblem(machine: { root: unknown; id: string }, v: unknown, context: z.ZodType, path: Path): { problem: Problem } | { actor: z.infer<typeof persisted> } {
  const p = problemOf(persisted, v, path);
  if (p) return { problem: p };
  const actor = v as z.infer<typeof persisted>;
  const state = valueProblem(machine.root as StateNodeLike, actor.value, `the ${machine.id} machine`);
  if (state) return { problem: new RecordProblem([...path, 'value'], state) };
  const c = problemOf(context, actor.context, [...path, 'context']);
  if (c) return { problem: c };
  return { actor };
}

/** A child of a persisted actor: present, with the `src` and `systemId` its parent spawns it with. */
function childProblem(children: Obj, id: string, src: string, systemId: string, path: Path): { problem: Problem } | { snapshot: unknown } {
  const at = [...path, 'children', id];
  if (!Object.hasOwn(children, id)) return { problem: new RecordProblem(at, `is missing (the ${src} actor ${systemId})`) };
  const p = problemOf(child, children[id], at);
  if (p) return { problem: p };
  const c = children[id] as z.infer<typeof child>;
  if (c.src !== src) return { problem: new RecordProblem([...at, 'src'], `must be "${src}" (got ${shown(c.src)})`) };
  if (c.systemId !== systemId) return { problem: new RecordProblem([...at, 'systemId'], `must be "${systemId}" (got ${shown(c.systemId)})`) };
  return { snapshot: c.snapshot };
}

/** Children beyond those a machine spawns: XState would restore nothing for them, or something no machine here made. */
function extraChild(children: Obj, allowed: readonly string[], path: Path): Problem | undefined {
  const extra = Object.keys(children).find((k) => !allowed.includes(k));
  return extra === undefined ? undefined : new RecordProblem([...path, 'children', extra], 'is not an actor this machine spawns');
}

/** As JSON would hold it (a config's fields compared with a snapshot's). */
const asJson = (v: unknown): unknown => JSON.parse(JSON.stringify(v)) as unknown;

/** What is wrong with the actor tree of a snapshot that a resume would restore, or undefined when it is sound. */
export function actorTreeProblem(actor: unknown, config: EngineConfig): Problem | undefined {
  const strategies = config.strategies;
  const root = actorProblem(engineMachine, actor, engineContext(strategies.length), ['actor']);
  if ('problem' in root) return root.problem;
  const context = root.actor.context as z.infer<ReturnType<typeof engineContext>>;
  const children = root.actor.children;
  const extra = extraChild(
    children,
    strategies.map((_, i) => String(i)),
    ['actor'],
  );
  if (extra) return extra;
  for (const [i, s] of strategies.entries()) {
    const name = s.spec.name;
    // The context's reference to it (what the engine machine sends its stop to), and the child it names: a strategy
    // that has stopped stays in the tree, done.
    const r = context.strategies[i];
    if (r === undefined || r.id !== String(i)) return new RecordProblem(['actor', 'context', 'strategies', i], `must be the reference to strategy ${name}, child "${i}" (got ${shown(r)})`);
    const c = childProblem(children, String(i), 'strategy', `strategy:${name}`, ['actor']);
    if ('problem' in c) return c.problem;
    const p = strategyProblem(c.snapshot, s, ['actor', 'children', String(i), 'snapshot']);
    if (p) return p;
  }
  return undefined;
}

function strategyProblem(v: unknown, s: EngineConfig['strategies'][number], path: Path): Problem | undefined {
  const n = s.definition.legs.length;
  const r = actorProblem(strategyMachine, v, strategyContext(n), path);
  if ('problem' in r) return r.problem;
  const context = r.actor.context as z.infer<ReturnType<typeof strategyContext>>;
  const spec = asJson(s.spec) as { name: string; algo: Obj; session: Obj };
  if (context.spec.name !== spec.name) return new RecordProblem([...path, 'context', 'spec', 'name'], `must be "${spec.name}", the config's strategy ${s.spec.name} (got ${shown(context.spec.name)})`);
  for (const part of ['algo', 'session'] as const) {
    if (!isDeepStrictEqual(context.spec[part], spec[part])) return new RecordProblem([...path, 'context', 'spec', part], `differs from the config's (strategy ${spec.name}), which the run started with`);
  }
  const children = r.actor.children;
  const extra = extraChild(children, ['session', 'algo'], path);
  if (extra) return extra;
  if (r.actor.status === 'active') {
    const session = childProblem(children, 'session', 'session', `session:${spec.name}`, path);
    if ('problem' in session) return session.problem;
    const sr = actorProblem(sessionMachine, session.snapshot, sessionContext, [...path, 'children', 'session', 'snapshot']);
    if ('problem' in sr) return sr.problem;
    const sc = sr.actor.context as Obj;
    for (const k of ['calendar', 'closingLeadMs'] as const) {
      if (!isDeepStrictEqual(sc[k], spec.session[k])) return new RecordProblem([...path, 'children', 'session', 'snapshot', 'context', k], `differs from the config's (strategy ${spec.name}), which the run started with`);
    }
  }
  if (context.algo) {
    if (context.next) return new RecordProblem([...path, 'context', 'next'], 'must be null while an algo runs (the strategy has one algo child)');
    const algo = childProblem(children, 'algo', 'algo', `algo:${context.algo.id}`, path);
    if ('problem' in algo) return algo.problem;
    return algoProblem(algo.snapshot, spec, n, [...path, 'children', 'algo', 'snapshot'], false);
  }
  if (context.next) {
    // The next algo, dormant under the id its launch will give it.
    const algo = childProblem(children, 'algo', 'algo', `algo:${spec.name}/${context.seq + 1}`, path);
    if ('problem' in algo) return algo.problem;
    return algoProblem(algo.snapshot, spec, n, [...path, 'children', 'algo', 'snapshot'], true);
  }
  if (Object.hasOwn(children, 'algo')) return new RecordProblem([...path, 'children', 'algo'], 'is an algo the strategy does not work (its context.algo and context.next are null)');
  return undefined;
}

function algoProblem(v: unknown, spec: { name: string; algo: Obj }, n: number, path: Path, dormant: boolean): Problem | undefined {
  const r = actorProblem(algoMachine, v, algoContext(n), path);
  if ('problem' in r) return r.problem;
  // A running algo has been launched; the next one waits for its launch (and holds nothing until then).
  if ((r.actor.value === 'dormant') !== dormant) return new RecordProblem([...path, 'value'], dormant ? 'must be "dormant": the strategy\'s next algo, not yet launched' : 'must not be "dormant": the strategy runs this algo');
  const context = r.actor.context as z.infer<ReturnType<typeof algoContext>> & { spec: Obj };
  if (context.spec.strategy !== spec.name) return new RecordProblem([...path, 'context', 'spec', 'strategy'], `must be "${spec.name}" (got ${shown(context.spec.strategy)})`);
  // The strategy's template, as the algo was launched with it (its active leg is picked at launch).
  for (const [k, want] of Object.entries(spec.algo)) {
    if (k === 'activeLeg') continue;
    if (!isDeepStrictEqual(context.spec[k], want)) return new RecordProblem([...path, 'context', 'spec', k], `differs from the config's (strategy ${spec.name}), which the run started with`);
  }
  const children = r.actor.children;
  const slots = new Set<string>();
  for (const [clientId, o] of Object.entries(context.orders)) {
    const at = [...path, 'context', 'orders', clientId];
    if (o.ref.id !== o.slot) return new RecordProblem([...at, 'ref', 'id'], `must be the order's slot "${o.slot}" (got ${shown(o.ref.id)})`);
    if (slots.has(o.slot)) return new RecordProblem([...at, 'slot'], `"${o.slot}" is the slot of another order too`);
    slots.add(o.slot);
    const c = childProblem(children, o.slot, 'order', `order:${clientId}`, path);
    if ('problem' in c) return c.problem;
    const p = orderProblem(c.snapshot, clientId, n, [...path, 'children', o.slot, 'snapshot']);
    if (p) return p;
  }
  if (context.spares !== undefined && context.spare !== undefined) return new RecordProblem([...path, 'context', 'spare'], 'must be absent: the algo holds its spare orders in spares (spare is the one of older snapshots)');
  const spares = context.spares ?? (context.spare ? [context.spare] : []);
  // The config's legs (the context's spec is checked against them above).
  const traded = (spec.algo['tradingMultipliers'] as number[]).filter((tm) => tm !== 0).length;
  if (spares.length > traded) return new RecordProblem([...path, 'context', 'spares'], `holds ${spares.length} orders: at most one per traded leg (${traded})`);
  for (const [i, spare] of spares.entries()) {
    // The next orders, in order, each dormant under its client id and in a slot of its own (no working order's).
    const slot = spare.id;
    const at = [...path, 'context', ...(context.spares ? ['spares', i] : ['spare']), 'id'];
    if (slots.has(slot)) return new RecordProblem(at, `"${slot}" is the slot of another order: each spare order needs one of its own`);
    const clientId = `${context.spec.id as string}.${context.seq + 1 + i}`;
    const c = childProblem(children, slot, 'order', `order:${clientId}`, path);
    if ('problem' in c) return c.problem;
    const p = dormantOrderProblem(c.snapshot, clientId, [...path, 'children', slot, 'snapshot']);
    if (p) return p;
    slots.add(slot);
  }
  return extraChild(children, [...slots], path);
}

function orderProblem(v: unknown, clientId: string, n: number, path: Path): Problem | undefined {
  const r = actorProblem(orderMachine, v, orderContext(n), path);
  if ('problem' in r) return r.problem;
  // Only the spare is dormant: an order its algo works has been launched.
  if (r.actor.value === 'dormant') return new RecordProblem([...path, 'value'], `must not be "dormant": the algo works order ${clientId} (only its spare orders are dormant)`);
  const context = r.actor.context as z.infer<ReturnType<typeof orderContext>>;
  if (context.order.clientId !== clientId) return new RecordProblem([...path, 'context', 'order', 'clientId'], `must be "${clientId}", the order's key in its algo (got ${shown(context.order.clientId)})`);
  return undefined;
}

/**
 * The algo's spare order: in `dormant`, its context exactly a dormant order's under the client id the algo's next
 * order will have (an order of nothing: see `dormantOrderContext`). Any field that differs is named.
 */
function dormantOrderProblem(v: unknown, clientId: string, path: Path): Problem | undefined {
  const r = actorProblem(orderMachine, v, z.object({}).loose(), path);
  if ('problem' in r) return r.problem;
  if (r.actor.value !== 'dormant') return new RecordProblem([...path, 'value'], `must be "dormant": the algo's spare order ${clientId}, not yet sent (got ${shown(r.actor.value)})`);
  const want = dormantOrderContext(clientId) as unknown as Obj;
  const got = r.actor.context;
  const field = (w: Obj, g: Obj, at: Path): Problem | undefined => {
    for (const k of new Set([...Object.keys(w), ...Object.keys(g)])) {
      if (!Object.hasOwn(w, k)) return new RecordProblem([...at, k], `is not a field of a dormant order`);
      const wv = w[k];
      const gv = g[k];
      if (wv !== null && typeof wv === 'object' && !Array.isArray(wv) && gv !== null && typeof gv === 'object' && !Array.isArray(gv)) {
        const p = field(wv as Obj, gv as Obj, [...at, k]);
        if (p) return p;
      } else if (!isDeepStrictEqual(gv, wv)) return new RecordProblem([...at, k], `must be ${shown(wv)}, a dormant order's (got ${shown(gv)})`);
    }
    return undefined;
  };
  return field(want, got, [...path, 'context']);
}

/** A delayed event to re-arm: the actor it is for, its id, the event and its due time. */
export const timerSchema = z.object({ systemId: z.string(), id: z.string(), event: z.object({ type: z.string() }).loose(), dueAt: time });
export const timersSchema = z.array(timerSchema).max(MAX_LIST);
