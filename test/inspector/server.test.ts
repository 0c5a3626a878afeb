import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { connect } from 'node:net';
import WebSocket from 'ws';
import { InspectorServerError, isLoopback, startInspectorServer, type Inspector, type InspectorServer } from '../../src/inspector/index.js';
import type { EngineRecord } from '../../src/index.js';
import { client, inspectedDemo, quietDemoConfig } from './helpers.js';

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
  // The demo's triggers out of the market's reach: the strategy is flat and idle at 21:15 whatever path the market took.
  const demo = inspectedDemo({}, quietDemoConfig());
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
    const actionError = 'malformed message: "action" must be one of "pause", "resume", "flatten", "setTriggers", "setTarget", "startAlgo", "stopAlgo"';
    c.send(JSON.stringify({ type: 'control', id: 5, action: 'explode', token: 'secret-token' }));
    expect(await reply(c)).toEqual({ type: 'error', id: 5, error: actionError });
    c.send(JSON.stringify({ type: 'control', id: 6, token: 'secret-token' }));
    expect(await reply(c)).toEqual({ type: 'error', id: 6, error: actionError });
    c.send(JSON.stringify({ type: 'control', id: 7, action: ['pause'], token: 'secret-token' }));
    expect(await reply(c)).toEqual({ type: 'error', id: 7, error: actionError });
    const strategyError = 'malformed message: "strategy", when present, must be a strategy name (a string of 1 to 200 characters)';
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

describe('the inspector server: hostile headers and oversize input are refused with a status, never a crash', () => {
  /** Sends `head` (a request's head, ending with a blank line) on a raw TCP connection; resolves the status of the reply (0: closed without one). */
  function raw(port: number, head: string | Buffer): Promise<number> {
    return new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1');
      let got = Buffer.alloc(0);
      const done = (status: number): void => {
        socket.destroy();
        resolve(status);
      };
      socket.on('data', (d: Buffer) => {
        got = Buffer.concat([got, d]);
        const m = /^HTTP\/1\.[01] (\d{3})/.exec(got.toString('latin1'));
        if (m) done(Number(m[1]));
      });
      socket.on('error', () => done(0));
      socket.on('close', () => done(0));
      socket.write(head);
    });
  }

  /** A WebSocket upgrade request for /ws with `extra` header lines. */
  function upgrade(port: number, extra: string[], host = `127.0.0.1:${port}`): string {
    return [`GET /ws HTTP/1.1`, `Host: ${host}`, 'Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', ...extra, '', ''].join('\r\n');
  }

  it('refuses an unparseable or foreign Origin with 403 (Origin: null used to throw and end the process), and keeps serving', async () => {
    const { server } = await live();
    const base = `http://127.0.0.1:${server.port}`;
    const origins: (string | Buffer)[] = [
      'null',
      'file://',
      'data:text/html,x',
      Buffer.from([0x80, 0xff, 0xfe, 0x25, 0x25, 0x5b, 0xc3]),
      'http://[2001:db8::1]:8080',
      `http://${'a'.repeat(8000)}.example`,
      'http://evil.example@127.0.0.1',
      'ftp://127.0.0.1',
    ];
    for (const origin of origins) {
      const head = Buffer.concat([Buffer.from(upgrade(server.port, []).slice(0, -2)), Buffer.from('Origin: '), Buffer.from(origin), Buffer.from('\r\n\r\n')]);
      expect(await raw(server.port, head)).toBe(403);
      expect((await fetch(`${base}/`)).status).toBe(200);
    }
    // A plain request with such an Origin is refused too; a loopback page's origin is welcome.
    expect((await fetch(`${base}/`, { headers: { origin: 'null' } })).status).toBe(403);
    expect((await fetch(`${base}/`, { headers: { origin: `http://localhost:${server.port}` } })).status).toBe(200);
    expect(await raw(server.port, upgrade(server.port, [`Origin: http://[::1]:${server.port}`]))).toBe(101);
    expect(await raw(server.port, upgrade(server.port, [`Origin: http://127.0.0.1:${server.port}`]))).toBe(101);
    expect(await raw(server.port, upgrade(server.port, []))).toBe(101);
  });

  it('refuses a foreign Host or one naming another port with 421, a malformed one with 400', async () => {
    const { server } = await live();
    expect(await statusWithHost(server.port, `127.0.0.1:${server.port + 1}`)).toBe(421);
    expect(await statusWithHost(server.port, `localhost:${server.port === 80 ? 81 : 80}`)).toBe(421);
    expect(await statusWithHost(server.port, '127.0.0.1')).toBe(server.port === 80 ? 200 : 421);
    expect(await statusWithHost(server.port, `[::1]:${server.port}`)).toBe(200);
    expect(await statusWithHost(server.port, `evil.example:${server.port}`)).toBe(421);
    expect(await statusWithHost(server.port, `127.0.0.1@evil.example:${server.port}`)).toBe(400);
    expect(await statusWithHost(server.port, `127.0.0.1:${server.port}/x`)).toBe(400);
    expect(await statusWithHost(server.port, `127.0.0.1:99999999`)).toBe(400);
    expect(await raw(server.port, upgrade(server.port, [], `127.0.0.1:${server.port + 1}`))).toBe(421);
    expect(await raw(server.port, upgrade(server.port, [], `evil.example:${server.port}`))).toBe(421);
    expect(await raw(server.port, upgrade(server.port, [], '[::1'))).toBe(400);
    expect(await raw(server.port, `GET / HTTP/1.0\r\n\r\n`)).toBe(400);
    expect(await statusWithHost(server.port, `127.0.0.1:${server.port}`)).toBe(200);
  });

  it('answers a malformed upgrade with 400, another path with 404, another method with 405, and CONNECT with 405', async () => {
    const { server } = await live();
    const p = server.port;
    const h = `Host: 127.0.0.1:${p}`;
    const key = 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==';
    expect(await raw(p, [`GET /ws HTTP/1.1`, h, 'Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', '', ''].join('\r\n'))).toBe(400);
    expect(await raw(p, [`GET /ws HTTP/1.1`, h, 'Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: short', '', ''].join('\r\n'))).toBe(400);
    expect(await raw(p, [`GET /ws HTTP/1.1`, h, 'Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 99', key, '', ''].join('\r\n'))).toBe(400);
    expect(await raw(p, [`GET /ws HTTP/1.1`, h, 'Connection: Upgrade', 'Upgrade: h2c', 'Sec-WebSocket-Version: 13', key, '', ''].join('\r\n'))).toBe(400);
    expect(await raw(p, [`GET /elsewhere HTTP/1.1`, h, 'Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', key, '', ''].join('\r\n'))).toBe(404);
    expect(await raw(p, [`POST /ws HTTP/1.1`, h, 'Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', key, '', ''].join('\r\n'))).toBe(405);
    expect(await raw(p, [`GET http://[ HTTP/1.1`, h, 'Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', key, '', ''].join('\r\n'))).toBe(400);
    expect(await raw(p, [`GET http://[ HTTP/1.1`, h, '', ''].join('\r\n'))).toBe(400);
    expect(await raw(p, [`CONNECT 127.0.0.1:${p} HTTP/1.1`, h, '', ''].join('\r\n'))).toBe(405);
    // Node bounds a request's head (16 KiB): a huge URL or header is refused before the handler sees it.
    expect(await raw(p, [`GET /${'x'.repeat(20_000)} HTTP/1.1`, h, '', ''].join('\r\n'))).toBe(431);
    expect(await raw(p, [`GET / HTTP/1.1`, h, `Origin: http://${'a'.repeat(20_000)}`, '', ''].join('\r\n'))).toBe(431);
    // A long URL within the bound: 404, its name not echoed in full.
    const long = await fetch(`http://127.0.0.1:${p}/machines/${'m'.repeat(8000)}.svg`);
    expect(long.status).toBe(404);
    expect((await long.text()).length).toBeLessThan(200);
    expect((await fetch(`http://127.0.0.1:${p}/`)).status).toBe(200);
  });

  it('closes a socket that sends a message over 64 KiB with 1009, and keeps serving', async () => {
    const { ws, server } = await live();
    const c = await client(ws);
    await c.next(); // hello
    const closed = new Promise<number>((resolve) => c.ws.once('close', (code) => resolve(code)));
    c.ws.on('error', () => {});
    c.send(JSON.stringify({ type: 'ping', id: 'x'.repeat(64 * 1024) }));
    expect(await closed).toBe(1009);
    // Just under the bound is answered.
    const d = await client(ws);
    await d.next();
    const id = 'y'.repeat(64 * 1024 - 40);
    d.send(JSON.stringify({ type: 'ping', id }));
    let m = await d.next();
    while (m.type === 'records' || m.type === 'reset') m = await d.next();
    expect(m).toEqual({ type: 'pong', id });
    d.ws.close();
    expect((await fetch(`http://127.0.0.1:${server.port}/`)).status).toBe(200);
  });

  it('holds at most 32 sockets: the 33rd is refused with 503 until one closes', async () => {
    const { ws, server } = await live();
    const sockets = [];
    for (let i = 0; i < 32; i++) {
      const c = await client(ws);
      await c.next(); // hello
      sockets.push(c);
    }
    expect(await raw(server.port, upgrade(server.port, []))).toBe(503);
    expect((await fetch(`http://127.0.0.1:${server.port}/`)).status).toBe(200);
    const first = sockets.shift()!;
    await new Promise<void>((resolve) => {
      first.ws.once('close', () => resolve());
      first.ws.close();
    });
    // The server forgets the socket once its side has closed too.
    let status = 503;
    for (let i = 0; i < 100 && status === 503; i++) {
      status = await raw(server.port, upgrade(server.port, []));
      if (status === 503) await new Promise((r) => setTimeout(r, 10));
    }
    expect(status).toBe(101);
    for (const c of sockets) c.ws.close();
  });

  it('answers an unexpected failure with 500 or closes that socket with 1011, logging it once, and keeps serving', async () => {
    const logged: string[] = [];
    const broken = {
      snapshot: () => {
        throw new Error('snapshot broke');
      },
      machines: () => {
        throw new Error('machines broke');
      },
      subscribe: () => () => {},
    } as unknown as Inspector;
    const server = await startInspectorServer({ kind: 'live', inspector: broken }, { port: 0, token: 'secret-token', log: (line) => logged.push(line) });
    open.push(server);
    const base = `http://127.0.0.1:${server.port}`;
    const svg = await fetch(`${base}/machines/session.svg`);
    expect(svg.status).toBe(500);
    expect(await svg.text()).toBe('internal error');
    expect(logged).toEqual(['inspector: a request for /machines/session.svg failed: machines broke']);
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`);
    const code = await new Promise<number>((resolve) => ws.once('close', (c) => resolve(c)));
    expect(code).toBe(1011);
    expect(logged).toEqual(['inspector: a request for /machines/session.svg failed: machines broke', 'inspector: a connection failed: snapshot broke']);
    expect((await fetch(`${base}/`)).status).toBe(200);
  });
});
