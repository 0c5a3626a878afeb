/**
 * What XState itself costs on this machine, warm and alone: the floor under the engine's latencies as long as
 * every algo and order is an actor of its own (docs/benchmarks.md, "What bounds what remains"). Each figure is the
 * median of several batches after a warm-up, in microseconds:
 *
 * - an event into a one-state machine that assigns one context field;
 * - the same event into a machine with 10 active states (three parallel regions, each two states deep: about the
 *   algo's configuration, 7.8 active states a microstep on the Binance day, bench/shape.ts): what each active state
 *   adds to every event;
 * - a spread view into the algo in its busiest steady state (taker working, hedge balanced);
 * - an order actor created (dormant, as every order is spawned), started and stopped on its own (what each leg order
 *   costs before any event);
 * - a launch: a parent sends its dormant algo (spawned ahead, as a strategy holds its next algo) the launch, and the
 *   algo launches its first spare order (spawned with it, dormant, one per traded leg), which submits (the actor part
 *   of a quote → order; the engine's own part and the strategy's event come on top), timed to the submission. The next
 *   dormant algo, with its spares, is spawned when the algo ends: off the timed path;
 * - a hedge: the launched algo's entry order, accepted, hears its whole fill; it tells the algo, whose ladder sends
 *   the hedge from its spare order, which submits (the actor part of a fill → hedge order), timed to the submission;
 * - what one more assign costs: the event into the machine of 10 active states, with a context of 30 fields, making
 *   four assigns against one, per further assign (an event's named assigns, each of which clones the snapshot and
 *   computes its state value again: 2,466 of them in 1,483 deliveries on the Binance day, 7 on a fill → hedge).
 */
import { assign, createActor, sendTo, setup, stopChild, type AnyActorRef } from 'xstate';
import { algoMachine, type AlgoSpec } from '../machines/algo.machine.js';
import { orderMachine } from '../machines/order.machine.js';
import { demoConfig } from '../src/config/demo.js';
import { resolveConfig } from '../src/config/resolve.js';
import type { OrderCommand } from '../src/domain/orders.js';
import type { MarketView } from '../src/domain/quote.js';

/** A taker buying 3 units of the demo's spread HC − RB at 172 or better, with the demo's algo settings. */
const template = resolveConfig(demoConfig, 'bench').strategies[0]!.spec.algo;
const spec: AlgoSpec = { ...template, activeLeg: template.activeLeg ?? 0, id: 'S/1', strategy: 'S', purpose: 'longEntry', side: 1, qty: 3, limit: 172 };

function view(rbBidSize: number): MarketView {
  const leg = (symbol: string, bid: number, ask: number, size: number) => ({ symbol, bid, ask, bidSize: size, askSize: size, ts: 0 });
  return { at: 0, spread: { bid: 3379 - 3209, ask: 3380 - 3208, bidSize: 10, askSize: 10 }, legs: [leg('HC', 3379, 3380, 10), leg('RB', 3208, 3209, rbBidSize)] };
}

/** Median µs per operation over `batches` batches of `n`, after one batch of warm-up. */
function perOp(n: number, batches: number, op: (i: number) => void): number {
  for (let i = 0; i < n; i++) op(i);
  const out: number[] = [];
  for (let b = 0; b < batches; b++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) op(i);
    out.push(((performance.now() - t0) * 1000) / n);
  }
  out.sort((a, b) => a - b);
  return Math.round(out[out.length >> 1]! * 100) / 100;
}

export function xstateFloor(): { eventUs: number; event10StatesUs: number; assignUs: number; algoViewUs: number; orderLifeUs: number; launchUs: number; hedgeUs: number } {
  // An event with one assign.
  const one = setup({}).createMachine({ context: { n: 0 }, on: { tick: { actions: assign({ n: ({ context }) => context.n + 1 }) } } });
  const counter = createActor(one).start();
  const eventUs = perOp(50_000, 5, () => counter.send({ type: 'tick' }));
  counter.stop();
  // The same event with 10 active states: the root, three regions, each with a compound state and its leaf.
  const region = { initial: 'a', states: { a: { initial: 'x', states: { x: {}, y: {} } }, b: {} } };
  const wide = setup({}).createMachine({
    context: { n: 0 },
    type: 'parallel',
    states: { r0: region, r1: region, r2: region },
    on: { tick: { actions: assign({ n: ({ context }) => context.n + 1 }) } },
  });
  const widened = createActor(wide).start();
  const active = (widened.getSnapshot() as unknown as { _nodes: unknown[] })._nodes.length;
  if (active !== 10) throw new Error(`floor: ${active} active states, not 10`);
  const event10StatesUs = perOp(50_000, 5, () => widened.send({ type: 'tick' }));
  widened.stop();
  // One assign against four in the same event, with 10 active states and a context of 30 fields (about the algo's).
  const fields = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`f${i}`, i]));
  const assigns = (k: number): number => {
    const m = setup({ types: { context: {} as Record<string, number> } }).createMachine({
      context: { ...fields },
      type: 'parallel',
      states: { r0: region, r1: region, r2: region },
      on: { tick: { actions: Array.from({ length: k }, (_, i) => assign(({ context }) => ({ [`f${i}`]: context[`f${i}`]! + 1 }))) } },
    });
    const a = createActor(m).start();
    const us = perOp(50_000, 5, () => a.send({ type: 'tick' }));
    a.stop();
    return us;
  };
  const oneAssign = assigns(1);
  const assignUs = Math.round(((assigns(4) - oneAssign) / 3) * 100) / 100;

  let submitted = 0;
  let submittedAt = 0;
  let lastSubmitted: OrderCommand | undefined;
  const order = orderMachine.provide({
    actions: {
      submitOrder: (_, params) => {
        submitted++;
        submittedAt = performance.now();
        lastSubmitted = params.order;
      },
      cancelOrder: () => {},
      replaceOrder: () => {},
    },
  });
  const algo = algoMachine.provide({ actors: { order }, actions: { reportLadderStep: () => {} }, guards: { venueReplaces: () => false } });
  // The algo's parent (the strategy, in the engine): it holds its next algo dormant, sends it the launch on
  // `launch`, and on `end` stops it and spawns the next one; it takes whatever the algo reports.
  const dormant = (n: number) => ({ id: 'algo' as const, systemId: `algo:S/${n}`, input: { spec: { ...spec, id: `S/${n}` }, market: null } });
  const parent = setup({ types: { context: {} as { algo: AnyActorRef | null; next: AnyActorRef | null; n: number } }, actors: { algo } }).createMachine({
    context: ({ spawn }) => ({ algo: null, next: spawn('algo', dormant(1)), n: 0 }),
    on: {
      // Each algo with an id of its own, as the strategy numbers them.
      launch: {
        actions: [
          assign(({ context }) => ({ n: context.n + 1, algo: context.next, next: null })),
          sendTo(({ context }) => context.algo!, ({ context }) => ({ type: 'algo.launched', spec: { ...spec, id: `S/${context.n}` }, market: view(10) })),
        ],
      },
      end: { actions: [stopChild('algo'), assign(({ context, spawn }) => ({ algo: null, next: spawn('algo', dormant(context.n + 1)) }))] },
    },
  });
  const host = createActor(parent).start();

  // A view into the algo in its busiest steady state.
  host.send({ type: 'launch' });
  const running = host.getSnapshot().context.algo!;
  const state = JSON.stringify(running.getSnapshot().value);
  if (state !== '{"active":{"entry":{"taker":"working"},"hedge":"balanced"}}') throw new Error(`floor: the algo is in ${state}, not taker working`);
  const views = [view(10), view(11)];
  const algoViewUs = perOp(20_000, 5, (i) => running.send({ type: 'spread.quoted', view: views[i & 1]! }));
  host.send({ type: 'end' });

  // An order actor's life with no event (spawned dormant, as every order is: its algo spawns it ahead).
  const input = { clientId: 'S/1.1' };
  const orderLifeUs = perOp(5_000, 5, () => {
    const a = createActor(order, { input });
    a.start();
    a.stop();
  });

  // A launch up to its first order's submission (timed one by one, to the submission, as the engine's quote → order is
  // timed to the venue), then the algo's stop (not timed).
  const launches = 2_000;
  const times: number[] = [];
  for (let k = 0; k < 6 * launches; k++) {
    const before = submitted;
    const t0 = performance.now();
    host.send({ type: 'launch' });
    const took = submittedAt - t0;
    if (submitted !== before + 1) throw new Error(`floor: a launch submitted ${submitted - before} orders, not 1`);
    if (k >= launches) times.push(took * 1000);
    host.send({ type: 'end' });
  }
  times.sort((a, b) => a - b);
  const launchUs = Math.round(times[times.length >> 1]! * 100) / 100;

  // A fill → hedge: the entry order (accepted) filled whole, up to the hedge's submission (timed one by one), then the
  // algo's stop (not timed).
  const hedges = 2_000;
  const hedgeTimes: number[] = [];
  for (let k = 0; k < 3 * hedges; k++) {
    host.send({ type: 'launch' });
    const entry = lastSubmitted!;
    const entryRef = host.system.get(`order:${entry.clientId}`) as AnyActorRef;
    entryRef.send({ type: 'order.accepted', clientId: entry.clientId, at: 0 });
    const before = submitted;
    const t0 = performance.now();
    entryRef.send({ type: 'order.filled', clientId: entry.clientId, tradeId: `t${k}`, symbol: entry.symbol, side: entry.side, qty: entry.qty, price: entry.price, at: 0 });
    const took = submittedAt - t0;
    const hedge = lastSubmitted!;
    if (submitted !== before + 1 || hedge.symbol === entry.symbol) throw new Error(`floor: a fill of ${entry.symbol} sent ${submitted - before} orders, the last of ${hedge.symbol}, not one hedge`);
    if (k >= hedges) hedgeTimes.push(took * 1000);
    host.send({ type: 'end' });
  }
  hedgeTimes.sort((a, b) => a - b);
  const hedgeUs = Math.round(hedgeTimes[hedgeTimes.length >> 1]! * 100) / 100;
  host.stop();
  return { eventUs, event10StatesUs, assignUs, algoViewUs, orderLifeUs, launchUs, hedgeUs };
}
