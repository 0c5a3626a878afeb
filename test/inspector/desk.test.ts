/**
 * The desk: its tables (spreads, strategies, algos, working orders) as the inspector builds them, built and sent
 * only while a page watches and only when they changed; and the desk's controls over the WebSocket, with the token,
 * checked field by field, journalled with source `inspector`.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Subscription } from 'rxjs';
import { parseControl, startInspectorServer, type Batch, type Desk } from '../../src/inspector/index.js';
import type { ControlRecord } from '../../src/index.js';
import { QUIET_TRIGGERS, client, inspectedDemo, quietDemoConfig } from './helpers.js';

const MIN = 60_000;
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
});

/** The demo at 21:15 (its session open), its triggers out of the market's reach (it trades when told), inspected. */
function demo(): ReturnType<typeof inspectedDemo> {
  const d = inspectedDemo({ flushMs: 20, deskMs: 3_600_000 }, quietDemoConfig()); // the desk timer never fires here: tests call sendDesk()
  d.engine.start();
  d.engine.runUntil(d.config.run.start + 45 * MIN);
  open.push({ close: () => d.engine.stop() }, { close: () => d.inspector.close() });
  return d;
}

const deskOf = (b: Batch): Desk | undefined => b.records.find((r) => r.k === 'desk')?.desk;

/** A page watches from now (the desk follows the leg quotes from then on: a few seconds of them). */
function watch(d: ReturnType<typeof demo>): () => void {
  const off = d.inspector.subscribe(() => {});
  d.engine.runUntil(d.engine.clock.now() + 3_000);
  return off;
}

describe('the desk: built only while a page watches', () => {
  it('looks at no leg quote and builds nothing without a subscriber; follows the quotes while one is subscribed', () => {
    const { engine, inspector } = inspectedDemo({ deskMs: 3_600_000 });
    const subscribe = vi.spyOn(engine.venue.quotes$, 'subscribe');
    engine.start();
    const engineOwn = subscribe.mock.results.length;
    engine.runUntil(engine.config.run.start + 45 * MIN);
    // Nobody watches: the inspector took no quote subscription.
    expect(subscribe.mock.results.length).toBe(engineOwn);
    const off = inspector.subscribe(() => {});
    expect(subscribe.mock.results.length).toBe(engineOwn + 1);
    const sub = subscribe.mock.results.at(-1)!.value as Subscription;
    expect(sub.closed).toBe(false);
    off();
    expect(sub.closed).toBe(true);
    void engine.stop();
    void inspector.close();
  });

  it('sends the desk only when it changed', () => {
    const { engine, inspector } = demo();
    const desks: Desk[] = [];
    const off = inspector.subscribe((b) => {
      const d = deskOf(b);
      if (d) desks.push(d);
    });
    inspector.sendDesk();
    inspector.sendDesk();
    expect(desks.length).toBe(1);
    engine.runUntil(engine.clock.now() + 5_000); // quotes move
    inspector.sendDesk();
    expect(desks.length).toBe(2);
    off();
  });
});

describe('the desk: its tables', () => {
  it('shows the spread and its legs, the strategy with its triggers, target, position and session', () => {
    const d0 = demo();
    const { inspector } = d0;
    const off = watch(d0);
    const d = inspector.desk()!;
    expect(d.strategies).toEqual([
      { strategy: 'hc-rb', state: 'flat.idle', paused: false, triggers: QUIET_TRIGGERS, target: 5, position: 0, pnl: '0.00', session: 'open.trading', algo: null, kind: 'taker' },
    ]);
    const s = d.spreads[0]!;
    expect(s.strategy).toBe('hc-rb');
    expect(s.legs.map((l) => l.symbol)).toEqual(['HC', 'RB']);
    // HC − RB: the spread bid is HC's bid less RB's ask, its ask HC's ask less RB's bid.
    const [hc, rb] = s.legs;
    expect(Number(s.bid)).toBe(Number(hc!.bid) - Number(rb!.ask));
    expect(Number(s.ask)).toBe(Number(hc!.ask) - Number(rb!.bid));
    expect(s.bidSize).toBe(Math.min(hc!.bidSize!, rb!.askSize!));
    expect(s.position).toBe(0);
    expect(d.algos).toEqual([]);
    expect(d.orders).toEqual([]);
    off();
  });

  it('shows a manual algo working, its orders, a leg-out while the hedge works, and the position and PnL once it is done', () => {
    const d0 = demo();
    const { engine, inspector } = d0;
    const off = watch(d0);
    const ask = Number(inspector.desk()!.spreads[0]!.ask);
    const r = engine.startAlgo('hc-rb', { side: 'buy', qty: 3, limit: String(ask + 3) });
    expect(r).toMatchObject({ ok: true, algoId: 'hc-rb/1' });
    let d = inspector.desk()!;
    expect(d.strategies[0]).toMatchObject({ state: 'flat.working', algo: 'hc-rb/1' });
    expect(d.algos).toEqual([
      { id: 'hc-rb/1', strategy: 'hc-rb', purpose: 'manual', kind: 'taker', side: 'buy', limit: String(ask + 3), qty: 3, filled: 0, lots: [0, 0], naked: [0, 0], ladder: '', startedAt: engine.clock.now(), endedAt: null, status: 'pending', active: true, reason: null },
    ]);
    // Step through the algo: it prices from the next view, sends, a leg fills first (naked), the hedge follows.
    const seen = { orders: false, naked: false };
    for (let i = 0; i < 3000 && d.algos[0]!.active; i++) {
      engine.runUntil(engine.clock.now() + 5);
      d = inspector.desk()!;
      if (d.orders.length > 0) {
        seen.orders = true;
        const o = d.orders[0]!;
        expect(o.algo).toBe('hc-rb/1');
        expect(['HC', 'RB']).toContain(o.symbol);
        expect(o.id.startsWith('hc-rb/1.')).toBe(true);
        // A working order, never the algo's spare (dormant under the next client id).
        for (const row of d.orders) expect(engine.actor.system.get(`order:${row.id}`)!.getSnapshot().value).not.toBe('dormant');
      }
      if (d.algos[0]!.naked.some((n) => n !== 0)) {
        seen.naked = true;
        // The strategy's legs show the same leg-out.
        expect(d.spreads[0]!.legs.map((l) => l.naked)).toEqual(d.algos[0]!.naked);
        expect(['resting', 'crossing', 'unwinding', 'paused', 'balanced']).toContain(d.algos[0]!.ladder);
      }
    }
    expect(seen).toEqual({ orders: true, naked: true });
    expect(d.algos[0]).toMatchObject({ id: 'hc-rb/1', active: false, status: 'completed', reason: 'filled', filled: 3, lots: [3, -3], naked: [0, 0] });
    expect(d.algos[0]!.endedAt).toBeGreaterThan(d.algos[0]!.startedAt);
    // No working order; the next algo's spare order (dormant, never sent) is no order of the desk's.
    expect(engine.actor.system.get('order:hc-rb/2.1')!.getSnapshot().value).toBe('dormant');
    expect(d.orders).toEqual([]);
    expect(d.strategies[0]).toMatchObject({ state: 'long.idle', position: 3, algo: null });
    expect(d.spreads[0]).toMatchObject({ position: 3, legs: [expect.objectContaining({ lots: 3, naked: 0 }), expect.objectContaining({ lots: -3, naked: 0 })] });
    expect(d.spreads[0]!.pnl).toMatch(/^-?\d+\.\d\d$/);
    off();
  });

  it('shows the triggers and target an operator set, at the prices the strategy works', () => {
    const { engine, inspector } = demo();
    const off = inspector.subscribe(() => {});
    engine.setTriggers('hc-rb', { longEntry: '170.5', shortExit: null });
    engine.setTarget('hc-rb', 2);
    // The spread moves in whole units here: a long entry rounds down to one, as a config's does (the safe side).
    expect(inspector.desk()!.strategies[0]).toMatchObject({ triggers: { longEntry: '170', longExit: '300', shortEntry: '260', shortExit: null }, target: 2 });
    off();
  });
});

describe('the desk: controls over the WebSocket', () => {
  async function live(): Promise<{ ws: string; demo: ReturnType<typeof demo>; controls: ControlRecord[] }> {
    const d = demo();
    const controls: ControlRecord[] = [];
    d.engine.records$.subscribe((r) => {
      if (r.kind === 'control') controls.push(r);
    });
    const server = await startInspectorServer({ kind: 'live', inspector: d.inspector }, { port: 0, token: 'secret-token' });
    open.unshift(server);
    return { ws: `ws://127.0.0.1:${server.port}/ws`, demo: d, controls };
  }
  async function reply(c: Awaited<ReturnType<typeof client>>): Promise<Record<string, unknown>> {
    let m = await c.next();
    while (m.type === 'records' || m.type === 'reset') m = await c.next();
    return m;
  }

  it('greets a page with the desk', async () => {
    const { ws } = await live();
    const c = await client(ws);
    const hello = await c.next();
    const desk = (hello.records as { k: string; desk?: Desk }[]).find((r) => r.k === 'desk')?.desk;
    expect(desk?.strategies[0]?.strategy).toBe('hc-rb');
    expect(desk?.spreads[0]?.legs.length).toBe(2);
    c.ws.close();
  });

  it('sets triggers and target, starts and stops a manual algo with the token; refuses without it and on bad fields', async () => {
    const { ws, demo: d, controls } = await live();
    const c = await client(ws);
    await c.next();
    const token = 'secret-token';
    const send = (m: object): void => c.send(JSON.stringify({ type: 'control', token, ...m }));
    c.send(JSON.stringify({ type: 'control', id: 1, action: 'setTriggers', strategy: 'hc-rb', triggers: { longEntry: '171' } }));
    expect(await reply(c)).toEqual({ type: 'error', id: 1, error: 'control needs the token printed when the inspector started' });
    send({ id: 2, action: 'setTriggers', strategy: 'hc-rb', triggers: { longEntry: '270' } });
    expect(await reply(c)).toMatchObject({ type: 'error', id: 2, refusal: 'invalid', error: expect.stringContaining('triggers.longEntry: must be below shortEntry (260)') });
    send({ id: 3, action: 'setTriggers', strategy: 'hc-rb', triggers: { longEntry: '101' } });
    expect(await reply(c)).toEqual({ type: 'result', id: 3, ok: true, action: 'setTriggers', strategies: ['hc-rb'] });
    send({ id: 4, action: 'setTarget', strategy: 'hc-rb', target: 0 });
    expect(await reply(c)).toEqual({ type: 'error', id: 4, refusal: 'invalid', error: 'target: must be greater than 0 (got 0)' });
    send({ id: 5, action: 'setTarget', strategy: 'hc-rb', target: 4 });
    expect(await reply(c)).toEqual({ type: 'result', id: 5, ok: true, action: 'setTarget', strategies: ['hc-rb'] });
    send({ id: 6, action: 'startAlgo', strategy: 'hc-rb', side: 'buy', qty: 1, limit: '150', kind: 'quoting' });
    expect(await reply(c)).toEqual({ type: 'result', id: 6, ok: true, action: 'startAlgo', strategies: ['hc-rb'], algoId: 'hc-rb/1' });
    send({ id: 7, action: 'startAlgo', strategy: 'hc-rb', side: 'sell', qty: 1, limit: '200' });
    expect(await reply(c)).toEqual({ type: 'error', id: 7, refusal: 'busy', error: 'strategy "hc-rb" is working algo hc-rb/1: stop it (or pause the strategy) first' });
    send({ id: 8, action: 'stopAlgo', algoId: 'hc-rb/1' });
    expect(await reply(c)).toEqual({ type: 'result', id: 8, ok: true, action: 'stopAlgo', strategies: ['hc-rb'] });
    send({ id: 9, action: 'stopAlgo', algoId: 'hc-rb/1' });
    expect(await reply(c)).toEqual({ type: 'error', id: 9, refusal: 'unknownAlgo', error: 'no running algo hc-rb/1' });
    const at = d.engine.clock.now();
    expect(controls).toEqual([
      { kind: 'control', at, action: 'setTriggers', strategy: 'hc-rb', source: 'inspector', triggers: { ...QUIET_TRIGGERS, longEntry: '101' }, previous: QUIET_TRIGGERS },
      { kind: 'control', at, action: 'setTarget', strategy: 'hc-rb', source: 'inspector', target: 4, previous: 5 },
      { kind: 'control', at, action: 'startAlgo', strategy: 'hc-rb', source: 'inspector', algoId: 'hc-rb/1', side: 'buy', qty: 1, limit: '150', algoKind: 'quoting' },
      { kind: 'control', at, action: 'stopAlgo', strategy: 'hc-rb', source: 'inspector', algoId: 'hc-rb/1' },
    ]);
    c.ws.close();
  });

  it('answers malformed control fields with what is wrong, recording nothing', async () => {
    const { ws, controls } = await live();
    const c = await client(ws);
    await c.next();
    const cases: [object, string][] = [
      [{ action: 'setTriggers', triggers: { longEntry: '171' } }, 'malformed message: "strategy" must be a strategy name (a string of 1 to 200 characters)'],
      [{ action: 'setTriggers', strategy: 'hc-rb' }, 'malformed message: "triggers" must be an object of trigger prices (longEntry, longExit, shortEntry, shortExit)'],
      [{ action: 'setTriggers', strategy: 'hc-rb', triggers: [] }, 'malformed message: "triggers" must be an object of trigger prices (longEntry, longExit, shortEntry, shortExit)'],
      [{ action: 'setTriggers', strategy: 'hc-rb', triggers: {} }, 'malformed message: "triggers" is empty: name the trigger prices to change'],
      [{ action: 'setTriggers', strategy: 'hc-rb', triggers: { __proto__: 1, entry: 5 } }, 'malformed message: "triggers" holds an unknown key (allowed: longEntry, longExit, shortEntry, shortExit)'],
      [{ action: 'setTriggers', strategy: 'hc-rb', triggers: { longEntry: 'x'.repeat(65) } }, 'malformed message: "triggers.longEntry" must be a price (a decimal string of at most 64 characters, or a number), or null to turn it off'],
      [{ action: 'setTriggers', strategy: 'hc-rb', triggers: { longEntry: { x: 1 } } }, 'malformed message: "triggers.longEntry" must be a price (a decimal string of at most 64 characters, or a number), or null to turn it off'],
      [{ action: 'setTarget', strategy: 'hc-rb', target: '3' }, 'malformed message: "target" must be a number of spread units'],
      [{ action: 'setTarget', strategy: 'hc-rb' }, 'malformed message: "target" must be a number of spread units'],
      [{ action: 'startAlgo', strategy: 'hc-rb', side: 'BUY', qty: 1, limit: '170' }, 'malformed message: "side" must be "buy" or "sell"'],
      [{ action: 'startAlgo', strategy: 'hc-rb', side: 'buy', qty: null, limit: '170' }, 'malformed message: "qty" must be a number of spread units'],
      [{ action: 'startAlgo', strategy: 'hc-rb', side: 'buy', qty: 1 }, 'malformed message: "limit" must be a price (a decimal string of at most 64 characters, or a number)'],
      [{ action: 'startAlgo', strategy: 'hc-rb', side: 'buy', qty: 1, limit: '170', kind: 7 }, 'malformed message: "kind", when present, must be "taker", "contingent" or "quoting"'],
      [{ action: 'stopAlgo' }, 'malformed message: "algoId" must be an algo id (<strategy>/<n>, at most 230 characters)'],
      [{ action: 'stopAlgo', algoId: 'a'.repeat(231) }, 'malformed message: "algoId" must be an algo id (<strategy>/<n>, at most 230 characters)'],
    ];
    let id = 0;
    for (const [fields, error] of cases) {
      c.send(JSON.stringify({ type: 'control', id: ++id, token: 'secret-token', ...fields }));
      expect(await reply(c), JSON.stringify(fields)).toEqual({ type: 'error', id, error });
    }
    // The engine's own checks, past the message's: a limit that is no number, a manual qty out of range.
    c.send(JSON.stringify({ type: 'control', id: ++id, token: 'secret-token', action: 'startAlgo', strategy: 'hc-rb', side: 'buy', qty: 1e9, limit: '170' }));
    expect(await reply(c)).toEqual({ type: 'error', id, refusal: 'invalid', error: 'qty: must be at most 1,000,000 spread units (spread units) (got 1000000000)' });
    c.send(JSON.stringify({ type: 'control', id: ++id, token: 'secret-token', action: 'startAlgo', strategy: 'hc-rb', side: 'buy', qty: 1, limit: 'NaN' }));
    expect(await reply(c)).toEqual({ type: 'error', id, refusal: 'invalid', error: 'limit: must be a decimal number (got "NaN")' });
    expect(controls).toEqual([]);
    c.ws.close();
  });

  it('parses every action it documents and nothing else', () => {
    expect(parseControl({ action: 'pause' })).toEqual({ ok: true, control: { action: 'pause' } });
    expect(parseControl({ action: 'flatten', strategy: 'hc-rb' })).toEqual({ ok: true, control: { action: 'flatten', strategy: 'hc-rb' } });
    expect(parseControl({ action: 'setTriggers', strategy: 's', triggers: { longEntry: null, shortEntry: 171.5 } })).toEqual({ ok: true, control: { action: 'setTriggers', strategy: 's', triggers: { longEntry: null, shortEntry: 171.5 } } });
    expect(parseControl({ action: 'startAlgo', strategy: 's', side: 'sell', qty: 2, limit: 180 })).toEqual({ ok: true, control: { action: 'startAlgo', strategy: 's', order: { side: 'sell', qty: 2, limit: 180 } } });
    expect(parseControl({ action: 'toString' }).ok).toBe(false);
    expect(parseControl({ action: 'constructor' }).ok).toBe(false);
  });
});
