import { describe, expect, it } from 'vitest';
import { dormantOrderContext, orderMachine, UNHEARD_BY_PARENT, type OrderInput } from '../../machines/order.machine.js';
import type { OrderCommand } from '../../src/domain/orders.js';
import { harness } from '../helpers/harness.js';

const order: OrderCommand = { clientId: 'S/1.1', symbol: 'HC', side: 1, qty: 5, price: 3380 };
const input: OrderInput = { order, leg: 0, role: 'entry', staleAfterMs: 2000 };

/** An order spawned dormant under its client id, as its algo spawns it ahead; `launch` sends it (false: left dormant). */
function setupOrder(launch = true) {
  const submitted: OrderCommand[] = [];
  const cancels: string[] = [];
  const replaces: { clientId: string; price: number; qty?: number }[] = [];
  const logic = orderMachine.provide({
    actions: {
      submitOrder: (_, p) => void submitted.push(p.order),
      cancelOrder: (_, p) => void cancels.push(p.clientId),
      replaceOrder: (_, p) => void replaces.push({ clientId: p.order.clientId, ...p.change }),
    },
  });
  const h = harness(logic, { clientId: 'S/1.1' }, { systemId: 'order:S/1.1' });
  if (launch) h.send({ type: 'order.launched', ...input });
  return { ...h, submitted, cancels, replaces };
}

const fill = (tradeId: string, qty: number, price = 3380, at = 0) => ({ type: 'order.filled', clientId: 'S/1.1', tradeId, symbol: 'HC', side: 1, qty, price, at }) as const;
const accepted = { type: 'order.accepted', clientId: 'S/1.1', at: 0 } as const;

describe('leg order machine', () => {
  it('submits once on its launch and waits in submitted', () => {
    const h = setupOrder();
    expect(h.submitted).toEqual([order]);
    expect(h.state()).toBe('submitted');
    expect(h.context()).toEqual({ ...input, fill: { qty: 0, notional: 0, tradeIds: [] }, replacing: null, venueFilled: null, waitMs: 0, reason: null, status: null });
  });

  it('spawned dormant: an order of nothing under its client id, which sends nothing, arms no timer and hears nothing but its launch', () => {
    const h = setupOrder(false);
    expect(h.state()).toBe('dormant');
    expect(h.context()).toEqual(dormantOrderContext('S/1.1'));
    expect(h.context().order).toEqual({ clientId: 'S/1.1', symbol: '', side: 1, qty: 0, price: 0 });
    for (const e of [accepted, fill('T1', 1), { type: 'cancel.requested' } as const, { type: 'replace.requested', price: 3378 } as const, { type: 'order.canceled', clientId: 'S/1.1', filledQty: 0, at: 0 } as const]) h.send(e);
    h.clock.advance(60_000);
    expect(h.state()).toBe('dormant');
    expect(h.context()).toEqual(dormantOrderContext('S/1.1'));
    expect([h.submitted, h.cancels, h.replaces, h.received]).toEqual([[], [], [], []]);
    h.send({ type: 'order.launched', ...input });
    expect(h.state()).toBe('submitted');
    expect(h.submitted).toEqual([order]);
  });

  it('goes accepted → partiallyFilled → filled, tells its parent each fill, and outputs the end', () => {
    const h = setupOrder();
    h.send(accepted);
    expect(h.state()).toBe('working.accepted');
    h.send(fill('T1', 2, 3380, 10));
    expect(h.state()).toBe('working.partiallyFilled');
    h.send(fill('T2', 3, 3381, 12));
    expect(h.state()).toBe('filled');
    expect(h.received.filter((e) => e.type === 'leg.filled')).toEqual([
      { type: 'leg.filled', clientId: 'S/1.1', leg: 0, side: 1, qty: 2, price: 3380, at: 10 },
      { type: 'leg.filled', clientId: 'S/1.1', leg: 0, side: 1, qty: 3, price: 3381, at: 12 },
    ]);
    expect(h.output()).toEqual({ clientId: 'S/1.1', leg: 0, role: 'entry', status: 'filled', filled: 5, reason: null });
  });

  it('counts a fill that overtakes the acknowledgement, and ignores the late acknowledgement', () => {
    const h = setupOrder();
    h.send(fill('T1', 1));
    expect(h.state()).toBe('working.partiallyFilled');
    h.send(accepted);
    expect(h.state()).toBe('working.partiallyFilled');
    expect(h.context().fill.qty).toBe(1);
  });

  it('ignores a duplicate fill with the same trade id', () => {
    const h = setupOrder();
    h.send(accepted);
    h.send(fill('T1', 2));
    h.send(fill('T1', 2));
    expect(h.context().fill).toEqual({ qty: 2, notional: 2 * 3380, tradeIds: ['T1'] });
    expect(h.received.filter((e) => e.type === 'leg.filled')).toHaveLength(1);
  });

  it('cancels: pendingCancel sends one cancel, then canceled reports the filled count', () => {
    const h = setupOrder();
    h.send(accepted);
    h.send({ type: 'cancel.requested' });
    h.send({ type: 'cancel.requested' });
    expect(h.state()).toBe('pendingCancel');
    expect(h.cancels).toEqual(['S/1.1']);
    h.send({ type: 'order.canceled', clientId: 'S/1.1', filledQty: 0, at: 5 });
    expect(h.state()).toBe('canceled');
    expect(h.output()).toMatchObject({ status: 'canceled', filled: 0 });
  });

  it('counts a fill that races the cancel, and can complete the order while pending cancel', () => {
    const h = setupOrder();
    h.send(accepted);
    h.send({ type: 'cancel.requested' });
    h.send(fill('T1', 2));
    expect(h.state()).toBe('pendingCancel');
    h.send(fill('T2', 3));
    expect(h.state()).toBe('filled');
    expect(h.output()).toMatchObject({ status: 'filled', filled: 5 });
  });

  it('waits for fills still in flight when the cancel confirmation overtakes them', () => {
    const h = setupOrder();
    h.send(accepted);
    h.send({ type: 'cancel.requested' });
    h.send({ type: 'order.canceled', clientId: 'S/1.1', filledQty: 3, at: 5 });
    expect(h.state()).toBe('awaitingFills');
    h.send(fill('T1', 1));
    expect(h.state()).toBe('awaitingFills');
    h.send(fill('T1', 1)); // duplicate: still waiting
    expect(h.state()).toBe('awaitingFills');
    h.send(fill('T2', 2));
    expect(h.state()).toBe('canceled');
    expect(h.output()).toMatchObject({ status: 'canceled', filled: 3 });
  });

  it('returns to working when the cancel is rejected (partially filled if it has fills)', () => {
    const h = setupOrder();
    h.send(accepted);
    h.send({ type: 'cancel.requested' });
    h.send({ type: 'order.cancelRejected', clientId: 'S/1.1', reason: 'too late', at: 1 });
    expect(h.state()).toBe('working.accepted');
    h.send(fill('T1', 1));
    h.send({ type: 'cancel.requested' });
    h.send({ type: 'order.cancelRejected', clientId: 'S/1.1', reason: 'too late', at: 2 });
    expect(h.state()).toBe('working.partiallyFilled');
    expect(h.cancels).toEqual(['S/1.1', 'S/1.1']);
  });

  it('ends rejected with the venue reason, from submitted or while a cancel is pending', () => {
    const a = setupOrder();
    a.send({ type: 'order.rejected', clientId: 'S/1.1', reason: 'market closed', at: 1 });
    expect(a.state()).toBe('rejected');
    expect(a.output()).toMatchObject({ status: 'rejected', reason: 'market closed', filled: 0 });
    const b = setupOrder();
    b.send({ type: 'cancel.requested' });
    b.send({ type: 'order.rejected', clientId: 'S/1.1', reason: 'bad price', at: 1 });
    expect(b.state()).toBe('rejected');
  });

  it('tells its parent it is stale every staleAfterMs of working, and a partial fill does not reset the timer', () => {
    const h = setupOrder();
    h.send(accepted);
    h.clock.advance(1500);
    h.send(fill('T1', 1));
    h.clock.advance(499);
    expect(h.received.filter((e) => e.type === 'order.stale')).toHaveLength(0);
    h.clock.advance(1);
    expect(h.received.filter((e) => e.type === 'order.stale')).toEqual([{ type: 'order.stale', clientId: 'S/1.1' }]);
    expect(h.state()).toBe('working.partiallyFilled');
    h.clock.advance(2000);
    expect(h.received.filter((e) => e.type === 'order.stale')).toHaveLength(2);
    h.send({ type: 'cancel.requested' });
    h.clock.advance(10_000);
    expect(h.received.filter((e) => e.type === 'order.stale')).toHaveLength(2);
  });

  describe('re-priced in place (replace)', () => {
    const replaced = (price: number, qty = 5) => ({ type: 'order.replaced', clientId: 'S/1.1', price, qty, at: 0 }) as const;
    const replaceRejected = (reason: string) => ({ type: 'order.replaceRejected', clientId: 'S/1.1', reason, at: 0 }) as const;
    const parentHeard = (h: ReturnType<typeof setupOrder>) => h.received.filter((e) => e.type === 'order.replaced' || e.type === 'order.replaceFailed');

    it('asks the venue once, works on at the old price while replacing, then works at the new price under the same id', () => {
      const h = setupOrder();
      h.send(accepted);
      h.send({ type: 'replace.requested', price: 3378 });
      expect(h.state()).toBe('replacing');
      expect(h.replaces).toEqual([{ clientId: 'S/1.1', price: 3378 }]);
      expect(h.context().order.price).toBe(3380);
      h.send(replaced(3378));
      expect(h.state()).toBe('working.accepted');
      expect(h.context().order).toEqual({ ...order, price: 3378 });
      expect(h.context().replacing).toBeNull();
      expect(parentHeard(h)).toEqual([{ type: 'order.replaced', clientId: 'S/1.1', price: 3378, qty: 5 }]);
      expect(h.submitted).toHaveLength(1);
    });

    it('a fill racing the replace counts at the old price; one that completes the order ends it filled', () => {
      const h = setupOrder();
      h.send(accepted);
      h.send({ type: 'replace.requested', price: 3378 });
      h.send(fill('T1', 2, 3380));
      expect(h.state()).toBe('replacing');
      h.send(fill('T1', 2, 3380));
      expect(h.context().fill.qty).toBe(2);
      h.send(fill('T2', 3, 3380));
      expect(h.state()).toBe('filled');
      expect(h.output()).toMatchObject({ status: 'filled', filled: 5 });
      expect(h.received.filter((e) => e.type === 'leg.filled').map((e) => (e as unknown as { qty: number }).qty)).toEqual([2, 3]);
    });

    it('partly filled, then replaced: back to partiallyFilled at the new price', () => {
      const h = setupOrder();
      h.send(accepted);
      h.send(fill('T1', 2));
      h.send({ type: 'replace.requested', price: 3379 });
      h.send(replaced(3379));
      expect(h.state()).toBe('working.partiallyFilled');
      expect(h.context().order.price).toBe(3379);
    });

    it('a replace refused returns it to working at the old price, and the parent hears why', () => {
      const h = setupOrder();
      h.send(accepted);
      h.send(fill('T1', 1));
      h.send({ type: 'replace.requested', price: 3378 });
      h.send(replaceRejected('simulated replace reject'));
      expect(h.state()).toBe('working.partiallyFilled');
      expect(h.context().order.price).toBe(3380);
      expect(parentHeard(h)).toEqual([{ type: 'order.replaceFailed', clientId: 'S/1.1', reason: 'simulated replace reject' }]);
      const h2 = setupOrder();
      h2.send(accepted);
      h2.send({ type: 'replace.requested', price: 3378 });
      h2.send(replaceRejected('order already filled or canceled'));
      expect(h2.state()).toBe('working.accepted');
    });

    it('a cancel while replacing is sent; the replace answer that follows is told to the parent, and the cancel ends it', () => {
      const h = setupOrder();
      h.send(accepted);
      h.send({ type: 'replace.requested', price: 3378 });
      h.send({ type: 'cancel.requested' });
      expect(h.state()).toBe('pendingCancel');
      expect(h.cancels).toEqual(['S/1.1']);
      h.send(replaced(3378));
      expect(h.context().order.price).toBe(3378);
      h.send({ type: 'order.canceled', clientId: 'S/1.1', filledQty: 0, at: 0 });
      expect(h.output()).toMatchObject({ status: 'canceled', filled: 0 });
      expect(parentHeard(h)).toEqual([{ type: 'order.replaced', clientId: 'S/1.1', price: 3378, qty: 5 }]);
    });

    it('the venue cancels or rejects while replacing: the order ends (waiting for fills the cancel counts)', () => {
      const h = setupOrder();
      h.send(accepted);
      h.send({ type: 'replace.requested', price: 3378 });
      h.send({ type: 'order.canceled', clientId: 'S/1.1', filledQty: 1, at: 0 });
      expect(h.state()).toBe('awaitingFills');
      h.send(replaced(3378));
      expect(h.state()).toBe('awaitingFills');
      h.send(fill('T1', 1));
      expect(h.output()).toMatchObject({ status: 'canceled', filled: 1 });
      const r = setupOrder();
      r.send(accepted);
      r.send({ type: 'replace.requested', price: 3378 });
      r.send({ type: 'order.rejected', clientId: 'S/1.1', reason: 'risk', at: 0 });
      expect(r.output()).toMatchObject({ status: 'rejected', reason: 'risk' });
    });

    it('a duplicate replaced report changes nothing but is told again; a late refusal too', () => {
      const h = setupOrder();
      h.send(accepted);
      h.send({ type: 'replace.requested', price: 3378 });
      h.send(replaced(3378));
      h.send(replaced(3378));
      expect(h.state()).toBe('working.accepted');
      expect(h.context().order.price).toBe(3378);
      h.send(replaceRejected('late'));
      expect(h.state()).toBe('working.accepted');
      expect(parentHeard(h).map((e) => e.type)).toEqual(['order.replaced', 'order.replaced', 'order.replaceFailed']);
      expect(h.replaces).toHaveLength(1);
    });

    it('not yet working (awaiting its acknowledgement): nothing is sent, and the parent hears the replace failed', () => {
      const h = setupOrder();
      h.send({ type: 'replace.requested', price: 3378 });
      expect(h.state()).toBe('submitted');
      expect(h.replaces).toEqual([]);
      expect(parentHeard(h)).toEqual([{ type: 'order.replaceFailed', clientId: 'S/1.1', reason: 'the order is not working' }]);
    });

    it('no stale report while replacing; the stale clock starts again once replaced', () => {
      const h = setupOrder();
      h.send(accepted);
      h.clock.advance(1500);
      h.send({ type: 'replace.requested', price: 3378 });
      h.clock.advance(3000);
      expect(h.received.filter((e) => e.type === 'order.stale')).toEqual([]);
      h.send(replaced(3378));
      h.clock.advance(1999);
      expect(h.received.filter((e) => e.type === 'order.stale')).toEqual([]);
      h.clock.advance(1);
      expect(h.received.filter((e) => e.type === 'order.stale')).toEqual([{ type: 'order.stale', clientId: 'S/1.1' }]);
    });
  });
});

describe('what the order does not tell its parent (UNHEARD_BY_PARENT: the engine does not bring views up to date before these)', () => {
  interface Node {
    type: string;
    key: string;
    parent?: Node;
    states: Record<string, Node>;
    entry: unknown[];
    exit: unknown[];
    always?: unknown[];
    initial?: { target: Node[] };
    transitions: Map<string, { actions: unknown[]; target?: Node[] }[]>;
  }
  const all = (n: Node): Node[] => [n, ...Object.values(n.states).flatMap(all)];
  const nodes = all(orderMachine.root as unknown as Node);
  const actionType = (a: unknown): string => (typeof a === 'string' ? a : typeof a === 'function' ? ((a as { type?: string }).type ?? a.name) : (a as { type: string }).type);
  /** The states a transition to `t` may enter: `t`, its ancestors, and its initial descendants. */
  const entered = (t: Node): Node[] => {
    const up: Node[] = [];
    for (let n: Node | undefined = t; n; n = n.parent) up.push(n);
    const down: Node[] = [];
    for (let n = t.initial?.target[0]; n; n = n.initial?.target[0]) down.push(n);
    return [...up, ...down];
  };
  /** Why handling `type` in some state could reach the parent, or the end of the order (none: it cannot). */
  const heard = (type: string): string[] =>
    nodes.flatMap((n) =>
      (n.transitions.get(type) ?? []).flatMap((t) => [
        ...t.actions.map((a) => `${n.key}: action ${actionType(a)}`),
        ...(t.target ?? []).flatMap((target) => [
          // Leaving a state with an `after` cancels XState's delayed event (raised to the order itself): not heard.
          ...n.exit.filter((a) => actionType(a) !== 'xstate.cancel').map((a) => `${n.key}: exits, exit ${actionType(a)}`),
          ...(target.type === 'final' ? [`${n.key}: ends in ${target.key}`] : []),
          ...entered(target).flatMap((e) => ((e.always?.length ?? 0) > 0 ? [`${n.key}: enters ${e.key}, which has eventless transitions`] : [])),
          // XState's own delayed events (a state's \`after\`) are raised to the order itself, later.
          ...entered(target).flatMap((e) => e.entry.filter((a) => actionType(a) !== 'xstate.raise').map((a) => `${n.key}: enters ${e.key}, entry ${actionType(a)}`)),
        ]),
      ]),
    );

  it('an acknowledgement changes only the order: in every state it is ignored, or it takes the order to working', () => {
    expect([...UNHEARD_BY_PARENT]).toEqual(['order.accepted']);
    expect(nodes.filter((n) => n.transitions.has('order.accepted')).map((n) => n.key)).toEqual(['submitted', 'working', 'replacing', 'pendingCancel']);
    for (const type of UNHEARD_BY_PARENT) expect(heard(type)).toEqual([]);
    // No wildcard transition (`order.*`, `*`) could take an acknowledgement elsewhere.
    expect(nodes.flatMap((n) => [...n.transitions.keys()]).filter((k) => k.includes('*'))).toEqual([]);
  });

  it('the walk tells a fill, a cancel and a reject apart: each reaches the parent or ends the order', () => {
    expect(heard('order.filled')).toContain('submitted: action reportFill');
    expect(heard('order.canceled').some((r) => r.includes('ends in'))).toBe(true);
    expect(heard('order.rejected')).toContain('submitted: ends in rejected');
  });
});
