// Chaos: random and hostile desk controls WITH the token against a live inspector (127.0.0.1, an engine attached
// and moving between messages). Fixed seed, bounded run; nothing here asserts a duration.
// Invariants: every message is answered (a result or an error), never a closed socket or a crash; whatever was
// applied is journalled and valid (triggers that do not overlap, a target in range, a manual order with a side, a
// whole quantity and a decimal limit); the strategy is alive and its triggers are the last ones journalled.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { triggerProblems } from '../../src/engine/engine.js';
import type { ControlRecord, TriggerPrices } from '../../src/index.js';
import { DESK_ACTIONS, startInspectorServer } from '../../src/inspector/index.js';
import { QUIET_TRIGGERS, inspectedDemo, quietDemoConfig } from './helpers.js';

const SEED = 20_261_124;
const RUNS = 300;
const NO_REPLY_MS = 10_000;

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
});

const price = fc.oneof(
  fc.constantFrom('170', '171.5', '180', '260', '1e3', '-5', '0', '', ' 175 ', 'NaN', 'Infinity', '0x10', '1'.repeat(20), '9'.repeat(64)),
  fc.double({ noNaN: false }),
  fc.integer({ min: -1000, max: 1000 }).map(String),
  fc.string({ maxLength: 70 }),
  fc.constant(null),
  fc.anything(),
);

function message(): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(
    {
      action: fc.oneof(
        { arbitrary: fc.constantFrom('setTriggers', 'startAlgo'), weight: 6 },
        { arbitrary: fc.constantFrom('setTarget', 'stopAlgo'), weight: 3 },
        { arbitrary: fc.constantFrom(...DESK_ACTIONS), weight: 2 },
        { arbitrary: fc.anything(), weight: 1 },
      ),
      strategy: fc.oneof({ arbitrary: fc.constant('hc-rb'), weight: 6 }, { arbitrary: fc.oneof(fc.string({ maxLength: 250 }), fc.anything()), weight: 1 }),
      triggers: fc.oneof(
        // A set that may well pass (around the spread near 180), one trigger, or anything at all.
        {
          arbitrary: fc.tuple(fc.integer({ min: 150, max: 200 }), fc.integer({ min: -3, max: 12 }), fc.integer({ min: -3, max: 30 })).map(([b, x, y]) => ({ longEntry: String(b), longExit: String(b + x), shortEntry: String(b + y), shortExit: String(b + y - x) })),
          weight: 3,
        },
        { arbitrary: fc.dictionary(fc.constantFrom('longEntry', 'longExit', 'shortEntry', 'shortExit'), price), weight: 2 },
        { arbitrary: fc.anything(), weight: 1 },
      ),
      target: fc.oneof(fc.integer({ min: -3, max: 8 }), fc.double(), fc.anything()),
      side: fc.oneof(fc.constantFrom('buy', 'sell'), fc.anything()),
      qty: fc.oneof(fc.integer({ min: -2, max: 4 }), fc.double(), fc.constant(1e12), fc.anything()),
      limit: fc.oneof({ arbitrary: fc.integer({ min: 160, max: 200 }).map(String), weight: 2 }, { arbitrary: price, weight: 1 }),
      kind: fc.oneof(fc.constantFrom('taker', 'contingent', 'quoting', undefined), fc.anything()),
      algoId: fc.oneof(fc.constantFrom('hc-rb/1', 'hc-rb/2', 'hc-rb/3', 'hc-rb/999', 'x/1', '/1'), fc.string({ maxLength: 240 }), fc.anything()),
    },
    { requiredKeys: ['action'] },
  );
}

describe('chaos: hostile desk controls with the token', () => {
  it('answers every one, applies only valid ones (journalled), and the strategy keeps its last journalled triggers', async () => {
    const { engine, config, inspector } = inspectedDemo({}, quietDemoConfig());
    engine.start();
    engine.runUntil(config.run.start + 45 * 60_000); // 21:15, the session open
    const controls: ControlRecord[] = [];
    engine.records$.subscribe((r) => {
      if (r.kind === 'control') controls.push(r);
    });
    const server = await startInspectorServer({ kind: 'live', inspector }, { port: 0, token: 'chaos-token', log: () => {} });
    open.push(server, { close: () => engine.stop() }, { close: () => inspector.close() });
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`);
    const replies: Record<string, unknown>[] = [];
    let wake: (() => void) | undefined;
    let closed: number | undefined;
    ws.on('message', (d: Buffer) => {
      const m = JSON.parse(d.toString()) as Record<string, unknown>;
      if (m.type === 'result' || m.type === 'error') replies.push(m);
      wake?.();
    });
    ws.on('close', (code) => {
      closed = code;
      wake?.();
    });
    await new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject));
    const next = async (): Promise<Record<string, unknown> | 'none'> => {
      if (replies.length === 0 && closed === undefined) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, NO_REPLY_MS);
          wake = () => {
            if (replies.length > 0 || closed !== undefined) {
              clearTimeout(timer);
              resolve();
            }
          };
        });
        wake = undefined;
      }
      return replies.shift() ?? 'none';
    };
    const outcomes = new Map<string, number>();
    let id = 0;
    await fc.assert(
      fc.asyncProperty(message(), async (m) => {
        ws.send(JSON.stringify({ ...m, type: 'control', token: 'chaos-token', id: ++id }));
        const got = await next();
        expect(closed).toBeUndefined();
        expect(got).not.toBe('none');
        if (got === 'none') return;
        expect(got.id).toBe(id);
        expect(['result', 'error']).toContain(got.type);
        const key = `${String(got.type)} ${got.type === 'result' ? String(got.action) : String(got.refusal ?? 'malformed')}`;
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
        // The market moves on between messages: algos start, fill and end.
        engine.runUntil(engine.clock.now() + 700);
      }),
      { seed: SEED, numRuns: RUNS },
    );
    ws.close();
    console.log(`desk chaos: ${RUNS} controls, outcomes ${JSON.stringify(Object.fromEntries([...outcomes].sort()))}`);
    // Some of everything was applied, and much refused.
    for (const a of ['setTriggers', 'setTarget', 'startAlgo']) expect(outcomes.get(`result ${a}`) ?? 0, a).toBeGreaterThan(0);
    expect(outcomes.get('error invalid') ?? 0).toBeGreaterThan(0);
    // Every control applied is valid.
    let triggers: TriggerPrices = { ...QUIET_TRIGGERS };
    for (const c of controls) {
      expect(c.source).toBe('inspector');
      if (c.action === 'setTriggers') {
        expect(c.previous).toEqual(triggers);
        expect(triggerProblems(c.triggers, 1)).toEqual([]);
        triggers = c.triggers;
      } else if (c.action === 'setTarget') {
        expect(Number.isInteger(c.target) && c.target >= 1 && c.target <= 1_000_000).toBe(true);
      } else if (c.action === 'startAlgo') {
        expect(['buy', 'sell']).toContain(c.side);
        expect(Number.isInteger(c.qty) && c.qty >= 1 && c.qty <= 1_000_000).toBe(true);
        expect(c.limit).toMatch(/^-?\d+(\.\d+)?$/);
      }
    }
    // The strategy is alive and works the triggers last journalled (this spread's prices are whole: ticks of 1).
    const ctx = engine.actor.system.get('strategy:hc-rb')!.getSnapshot().context as { spec: { triggers: Record<string, number | null> } };
    const scaled = (v: string | null, mode: 'down' | 'up') => (v === null ? null : mode === 'down' ? Math.floor(Number(v)) : Math.ceil(Number(v)));
    expect(ctx.spec.triggers).toEqual({ longEntry: scaled(triggers.longEntry, 'down'), longExit: scaled(triggers.longExit, 'up'), shortEntry: scaled(triggers.shortEntry, 'up'), shortExit: scaled(triggers.shortExit, 'down') });
    expect((await fetch(`http://127.0.0.1:${server.port}/`)).status).toBe(200);
  });
});
