import { assign, createActor, sendTo, setup, stopChild, type AnyActorRef } from 'xstate';
import { orderMachine } from '/work/main/machines/order.machine.js';
let submitted = 0;
const order = orderMachine.provide({ actions: { submitOrder: () => void submitted++, cancelOrder: () => {}, replaceOrder: () => {} } });
const input = (n: number) => ({ order: { clientId: 'S/1.' + n, symbol: 'HC', side: 1 as const, qty: 1, price: 3381 }, leg: 0, role: 'entry' as const, staleAfterMs: 2000 });
// parent that spawns an order on 'go', stops on 'end'
const P = setup({ types: { context: {} as { o: AnyActorRef | null; n: number } }, actors: { order } }).createMachine({
  context: { o: null, n: 0 },
  on: {
    go: { actions: assign(({ context, spawn }) => ({ n: context.n + 1, o: spawn('order', { id: 'o1', systemId: 'order:S/1.' + (context.n + 1), input: input(context.n + 1) }) })) },
    end: { actions: [stopChild('o1'), assign({ o: null })] },
  },
});
// event cost to an existing order in 'working' (a stand-in for order.launched into dormant)
const Q = setup({ types: { context: {} as { o: AnyActorRef | null; n: number } }, actors: { order } }).createMachine({
  context: ({ spawn }) => ({ o: spawn('order', { id: 'o1', systemId: 'order:x', input: input(0) }), n: 0 }),
  on: {
    go: { actions: [assign(({ context }) => ({ n: context.n + 1 })), sendTo(({ context }) => context.o!, { type: 'order.accepted' } as any)] },
  },
});
function time(label: string, fn: () => void, after?: () => void) {
  const xs: number[] = [];
  for (let k = 0; k < 30000; k++) { const t0 = performance.now(); fn(); const t = performance.now() - t0; after?.(); if (k > 5000) xs.push(t * 1000); }
  xs.sort((a, b) => a - b);
  console.log(label, 'p50', xs[xs.length >> 1]!.toFixed(2), 'p99', xs[Math.floor(xs.length * 0.99)]!.toFixed(2));
}
const p = createActor(P).start();
time('spawn order in parent event', () => p.send({ type: 'go' }), () => p.send({ type: 'end' }));
const q = createActor(Q).start();
time('event relayed to existing order', () => q.send({ type: 'go' }));
