import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import WebSocket from 'ws';
import { InspectorServerError, isLoopback, startInspectorServer, type InspectorServer } from '../../src/inspector/index.js';
import type { EngineRecord } from '../../src/index.js';
import { client, inspectedDemo } from './helpers.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
});

/** fetch() may not set Host; node:http may. */
function statusWithHost(port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request({ port, host: '127.0.0.1', path: '/', headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .once('error', reject)
      .end();
  });
}

async function live(): Promise<{ server: InspectorServer; ws: string; demo: ReturnType<typeof inspectedDemo> }> {
  const demo = inspectedDemo();
  demo.engine.start();
  demo.engine.runUntil(demo.config.run.start + 45 * 60_000); // 21:15, the session open
  const server = await startInspectorServer({ kind: 'live', inspector: demo.inspector }, { port: 0, token: 'secret-token' });
  open.push(server, { close: () => demo.engine.stop() }, { close: () => demo.inspector.close() });
  return { server, ws: `ws://127.0.0.1:${server.port}/ws`, demo };
}

describe('the inspector server: loopback only unless told', () => {
  it('knows loopback addresses', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost'].map(isLoopback)).toEqual([true, true, true, true, true]);
    expect(['0.0.0.0', '192.168.1.5', '::', 'example.com', '128.0.0.1'].map(isLoopback)).toEqual([false, false, false, false, false]);
  });

  it('refuses a non-loopback address without allowRemote, naming the flag', async () => {
    const { inspector } = inspectedDemo();
    await expect(startInspectorServer({ kind: 'live', inspector }, { host: '0.0.0.0', port: 0 })).rejects.toThrow(InspectorServerError);
    await expect(startInspectorServer({ kind: 'live', inspector }, { host: '0.0.0.0', port: 0 })).rejects.toThrow('host "0.0.0.0" needs --allow-remote');
    const s = await startInspectorServer({ kind: 'live', inspector }, { host: '0.0.0.0', port: 0, allowRemote: true });
    expect(s.host).toBe('0.0.0.0');
    await s.close();
    await inspector.close();
  });

  it('answers only to loopback Host names and origins, and only GET', async () => {
    const { server } = await live();
    const base = `http://127.0.0.1:${server.port}`;
    expect((await fetch(`${base}/`)).status).toBe(200);
    expect((await fetch(`${base}/`, { method: 'POST', body: 'x' })).status).toBe(405);
    expect(await statusWithHost(server.port, 'evil.example:80')).toBe(421);
    expect(await statusWithHost(server.port, `localhost:${server.port}`)).toBe(200);
    expect((await fetch(`${base}/nothing`)).status).toBe(404);
    const svg = await fetch(`${base}/machines/session.svg`);
    expect(svg.headers.get('content-type')).toBe('image/svg+xml');
    expect(await svg.text()).toContain('data-path="open.trading"');
    const refused = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, { headers: { origin: 'http://evil.example' } });
    const outcome = await new Promise<string>((resolve) => {
      refused.once('open', () => resolve('open'));
      refused.once('error', (e) => resolve(e.message));
    });
    expect(outcome).toBe('Unexpected server response: 403');
  });
});

describe('the inspector server: the stream, the token and malformed messages', () => {
  it('greets a page with the current state of every actor', async () => {
    const { ws } = await live();
    const c = await client(ws);
    const hello = await c.next();
    expect(hello.type).toBe('hello');
    expect(hello.mode).toBe('live');
    const records = hello.records as { k: string; id?: string; value?: string }[];
    expect(records[0]!.k).toBe('meta');
    expect(records.filter((r) => r.k === 'actor').map((r) => r.id)).toEqual(['engine', 'strategy:hc-rb', 'session:hc-rb']);
    expect(records.filter((r) => r.k === 'state').map((r) => `${r.id} ${r.value}`)).toEqual(['engine running', 'strategy:hc-rb flat.idle', 'session:hc-rb open.trading']);
    c.ws.close();
  });

  it('answers malformed and unknown messages with an error and keeps serving', async () => {
    const { ws } = await live();
    const c = await client(ws);
    await c.next(); // hello
    c.send('not json');
    expect(await c.next()).toEqual({ type: 'error', error: 'malformed message: not JSON' });
    c.send('[1,2]');
    expect(await c.next()).toEqual({ type: 'error', error: 'malformed message: expected an object with a "type"' });
    c.send('{"type":5,"id":7}');
    expect(await c.next()).toEqual({ type: 'error', id: 7, error: 'malformed message: "type" must be a string' });
    c.send('{"type":"launch.missiles"}');
    expect(await c.next()).toEqual({ type: 'error', id: null, error: 'unknown message type "launch.missiles"' });
    c.send(Buffer.from([1, 2, 3]));
    expect(await c.next()).toEqual({ type: 'error', error: 'malformed message: expected JSON text, got binary' });
    c.send('{"type":"ping","id":"p"}');
    expect(await c.next()).toEqual({ type: 'pong', id: 'p' });
    c.ws.close();
  });

  it('refuses control without the token, and stops a strategy with it', async () => {
    const { ws, demo } = await live();
    const c = await client(ws);
    await c.next();
    c.send(JSON.stringify({ type: 'stop', id: 1, target: 'strategy:hc-rb' }));
    expect(await c.next()).toEqual({ type: 'error', id: 1, error: 'control needs the token printed when the inspector started' });
    c.send(JSON.stringify({ type: 'stop', id: 2, target: 'strategy:hc-rb', token: 'wrong-token!' }));
    expect(await c.next()).toEqual({ type: 'error', id: 2, error: 'control needs the token printed when the inspector started' });
    c.send(JSON.stringify({ type: 'stop', id: 3, target: 'session:hc-rb', token: 'secret-token' }));
    expect(await c.next()).toEqual({ type: 'error', id: 3, error: 'only a strategy:<name> or algo:<id> can be stopped, not "session:hc-rb"' });
    c.send(JSON.stringify({ type: 'stop', id: 4, target: 'algo:hc-rb/99', token: 'secret-token' }));
    expect(await c.next()).toEqual({ type: 'error', id: 4, error: 'no running actor algo:hc-rb/99' });
    expect(demo.engine.actor.system.get('strategy:hc-rb')!.getSnapshot().value).toEqual({ flat: 'idle' });
    c.send(JSON.stringify({ type: 'stop', id: 5, target: 'strategy:hc-rb', token: 'secret-token' }));
    let reply = await c.next();
    while (reply.type === 'records') reply = await c.next();
    expect(reply).toEqual({ type: 'result', id: 5, ok: true, target: 'strategy:hc-rb' });
    // The strategy stopped (its algo-less stop is immediate) and the engine noted it.
    expect(demo.engine.actor.system.get('strategy:hc-rb')).toBeUndefined();
    expect(demo.engine.actor.getSnapshot().context.stopped).toEqual(['hc-rb']);
    c.ws.close();
  });
});

describe('the inspector server: the kill switch (control)', () => {
  /** The next reply to a message, past any stream batches. */
  async function reply(c: Awaited<ReturnType<typeof client>>): Promise<Record<string, unknown>> {
    let m = await c.next();
    while (m.type === 'records' || m.type === 'reset') m = await c.next();
    return m;
  }

  it('refuses control without the token, with a wrong one, and with malformed fields, recording nothing', async () => {
    const { ws, demo } = await live();
    const controls: EngineRecord[] = [];
    demo.engine.records$.subscribe((r) => {
      if (r.kind === 'control') controls.push(r);
    });
    const c = await client(ws);
    await c.next(); // hello
    const tokenError = 'control needs the token printed when the inspector started';
    c.send(JSON.stringify({ type: 'control', id: 1, action: 'pause' }));
    expect(await reply(c)).toEqual({ type: 'error', id: 1, error: tokenError });
    c.send(JSON.stringify({ type: 'control', id: 2, action: 'pause', token: 'wrong-token!' }));
    expect(await reply(c)).toEqual({ type: 'error', id: 2, error: tokenError });
    c.send(JSON.stringify({ type: 'control', id: 3, action: 'pause', token: 'secret-token-and-more' }));
    expect(await reply(c)).toEqual({ type: 'error', id: 3, error: tokenError });
    c.send(JSON.stringify({ type: 'control', id: 4, action: 'pause', token: 42 }));
    expect(await reply(c)).toEqual({ type: 'error', id: 4, error: tokenError });
    const actionError = 'malformed message: "action" must be "pause", "resume" or "flatten"';
    c.send(JSON.stringify({ type: 'control', id: 5, action: 'explode', token: 'secret-token' }));
    expect(await reply(c)).toEqual({ type: 'error', id: 5, error: actionError });
    c.send(JSON.stringify({ type: 'control', id: 6, token: 'secret-token' }));
    expect(await reply(c)).toEqual({ type: 'error', id: 6, error: actionError });
    c.send(JSON.stringify({ type: 'control', id: 7, action: ['pause'], token: 'secret-token' }));
    expect(await reply(c)).toEqual({ type: 'error', id: 7, error: actionError });
    const strategyError = 'malformed message: "strategy", when present, must be a strategy name (a string of at most 200 characters)';
    c.send(JSON.stringify({ type: 'control', id: 8, action: 'pause', strategy: 5, token: 'secret-token' }));
    expect(await reply(c)).toEqual({ type: 'error', id: 8, error: strategyError });
    c.send(JSON.stringify({ type: 'control', id: 9, action: 'pause', strategy: null, token: 'secret-token' }));
    expect(await reply(c)).toEqual({ type: 'error', id: 9, error: strategyError });
    c.send(JSON.stringify({ type: 'control', id: 10, action: 'pause', strategy: 'x'.repeat(201), token: 'secret-token' }));
    expect(await reply(c)).toEqual({ type: 'error', id: 10, error: strategyError });
    // The engine's own refusal comes back as it is.
    c.send(JSON.stringify({ type: 'control', id: 11, action: 'flatten', strategy: 'nope', token: 'secret-token' }));
    expect(await reply(c)).toEqual({ type: 'error', id: 11, error: 'no strategy named "nope" (strategies: hc-rb)' });
    c.send(JSON.stringify({ type: 'control', id: 12, action: 'pause', strategy: 'x'.repeat(200), token: 'secret-token' }));
    expect(await reply(c)).toEqual({ type: 'error', id: 12, error: `no strategy named "${'x'.repeat(200)}" (strategies: hc-rb)` });
    // Still serving.
    c.send('{"type":"ping","id":"p"}');
    expect(await reply(c)).toEqual({ type: 'pong', id: 'p' });
    expect(controls).toEqual([]);
    c.ws.close();
  });

  it('pauses every strategy with the token, and resumes one, journalled as from the inspector', async () => {
    const { ws, demo } = await live();
    const controls: EngineRecord[] = [];
    demo.engine.records$.subscribe((r) => {
      if (r.kind === 'control') controls.push(r);
    });
    const at = demo.engine.clock.now();
    const c = await client(ws);
    await c.next(); // hello
    c.send(JSON.stringify({ type: 'control', id: 'k1', action: 'pause', token: 'secret-token' }));
    expect(await reply(c)).toEqual({ type: 'result', id: 'k1', ok: true, action: 'pause', strategies: ['hc-rb'] });
    expect(controls).toEqual([{ kind: 'control', at, action: 'pause', strategy: null, source: 'inspector' }]);
    c.send(JSON.stringify({ type: 'control', id: 'k2', action: 'resume', strategy: 'hc-rb', token: 'secret-token' }));
    expect(await reply(c)).toEqual({ type: 'result', id: 'k2', ok: true, action: 'resume', strategies: ['hc-rb'] });
    expect(controls).toEqual([
      { kind: 'control', at, action: 'pause', strategy: null, source: 'inspector' },
      { kind: 'control', at, action: 'resume', strategy: 'hc-rb', source: 'inspector' },
    ]);
    c.ws.close();
  });

  it('refuses control of a recording', async () => {
    const server = await startInspectorServer({ kind: 'replay', records: [], name: 'empty.jsonl' }, { port: 0, token: 'secret-token' });
    open.push(server);
    const c = await client(`ws://127.0.0.1:${server.port}/ws`);
    expect((await c.next()).control).toBe(false);
    c.send(JSON.stringify({ type: 'control', id: 1, action: 'pause', token: 'secret-token' }));
    expect(await c.next()).toEqual({ type: 'error', id: 1, error: 'a recording cannot be controlled' });
    c.ws.close();
  });
});
