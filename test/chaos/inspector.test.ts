// Chaos: random and hostile HTTP requests and WebSocket messages against a live inspector server
// (127.0.0.1, an engine attached). Fixed seeds and bounded runs; nothing here asserts a duration.
// Invariants: the process does not crash (vitest fails on an uncaught error), every request gets a status
// in a known set, GET / still answers 200 afterwards, and no control action is applied without the token.
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { connect } from 'node:net';
import WebSocket from 'ws';
import { startInspectorServer, type InspectorServer } from '../../src/inspector/index.js';
import type { EngineRecord } from '../../src/index.js';
import { inspectedDemo } from '../inspector/helpers.js';

const SEED = 20_240_612;
const HTTP_RUNS = 400;
const WS_RUNS = 400;
/** Not a timing assertion: a request with no reply by then counts as "no reply" (status 0), which fails. */
const NO_REPLY_MS = 10_000;

/**
 * Statuses the server may give: ours (101 upgrade, 200, 204, 400 malformed, 403 Origin, 404, 405 method,
 * 421 Host, 503 socket cap) and Node's own for what never reaches a handler (400, 417 for an unknown
 * Expect, 431 for an oversize head). 500 would be an unexpected error: not in the set.
 */
const KNOWN = new Set([101, 200, 204, 400, 403, 404, 405, 417, 421, 431, 503]);

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
});

async function live(): Promise<{ server: InspectorServer; demo: ReturnType<typeof inspectedDemo>; controls: EngineRecord[] }> {
  const demo = inspectedDemo();
  demo.engine.start();
  demo.engine.runUntil(demo.config.run.start + 45 * 60_000); // 21:15, the session open
  const controls: EngineRecord[] = [];
  demo.engine.records$.subscribe((r) => {
    if (r.kind === 'control') controls.push(r);
  });
  // The default token: 16 random bytes, never known to the generators.
  const server = await startInspectorServer({ kind: 'live', inspector: demo.inspector }, { port: 0, log: () => {} });
  open.push(server, { close: () => demo.engine.stop() }, { close: () => demo.inspector.close() });
  return { server, demo, controls };
}

/** The engine is still trading as before: the strategy is alive and idle, nothing stopped or paused, no control record. */
function stillRunning(demo: ReturnType<typeof inspectedDemo>, controls: EngineRecord[]): void {
  expect(controls).toEqual([]);
  const strategy = demo.engine.actor.system.get('strategy:hc-rb');
  expect(strategy?.getSnapshot().status).toBe('active');
  expect(strategy?.getSnapshot().value).toEqual({ flat: 'idle' });
  expect(demo.engine.actor.getSnapshot().context.stopped).toEqual([]);
  // And it keeps running: ten more simulated minutes, still no control record, the strategy still active.
  demo.engine.runUntil(demo.config.run.start + 55 * 60_000);
  expect(controls).toEqual([]);
  expect(demo.engine.actor.system.get('strategy:hc-rb')?.getSnapshot().status).toBe('active');
}

/** Writes `head` on a raw connection; resolves the final status of the reply (past any 100 Continue), 0 for none. */
function raw(port: number, head: Buffer): Promise<number> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let got = '';
    let settled = false;
    const done = (status: number): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(status);
    };
    const timer = setTimeout(() => done(0), NO_REPLY_MS);
    socket.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      for (;;) {
        const m = /^HTTP\/1\.[01] (\d{3})[^\r\n]*\r\n/.exec(got);
        if (!m) return;
        const status = Number(m[1]);
        if (status !== 100) return done(status);
        const end = got.indexOf('\r\n\r\n');
        if (end < 0) return;
        got = got.slice(end + 4);
      }
    });
    socket.on('error', () => done(0));
    socket.on('close', () => done(0));
    socket.write(head);
  });
}

/** Header values nobody should send: unparseable, foreign, control characters, raw bytes, very long. */
const hostile: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    'null',
    '',
    ' ',
    'file://',
    'data:text/html,x',
    'javascript:alert(1)',
    'http://evil.example',
    'http://127.0.0.1.evil.example',
    'http://evil.example@127.0.0.1',
    'http://[2001:db8::1]:8080',
    'http://[::1',
    'http://127.0.0.1:99999',
    '%00',
    '\t',
    '\u0000',
    '\r\nX-Injected: 1',
    'a'.repeat(6000),
    `http://${'a'.repeat(6000)}.example`,
    'x'.repeat(20_000),
  ),
  fc.string({ maxLength: 40 }),
  // Any code points, sent as their UTF-8 bytes; and any bytes at all.
  fc.string({ unit: 'binary', maxLength: 30 }).map((s) => Buffer.from(s, 'utf8').toString('latin1')),
  fc.uint8Array({ maxLength: 30 }).map((b) => Buffer.from(b).toString('latin1')),
);

function request(port: number): fc.Arbitrary<Buffer> {
  const maybe = (a: fc.Arbitrary<string>, weight = 1): fc.Arbitrary<string | undefined> => fc.oneof({ arbitrary: fc.constant(undefined), weight: 1 }, { arbitrary: a, weight });
  const method = fc.oneof(
    { arbitrary: fc.constantFrom('GET', 'HEAD'), weight: 6 },
    { arbitrary: fc.constantFrom('POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE', 'CONNECT', 'PRI', 'get', 'FOO'), weight: 2 },
    { arbitrary: hostile, weight: 1 },
  );
  const path = fc.oneof(
    { arbitrary: fc.constantFrom('/', '/ws', '/app.js', '/style.css', '/vendor/lightweight-charts.js', '/machines/session.svg', '/machines/nope.svg', '/favicon.ico'), weight: 6 },
    { arbitrary: fc.constantFrom('*', 'http://[', '//evil.example/x', '/%zz', '/ws?x=1#y', '/../../etc/passwd', `/machines/${'m'.repeat(5000)}.svg`, `127.0.0.1:${port}`, ''), weight: 2 },
    { arbitrary: fc.string({ maxLength: 40 }).map((s) => `/${s}`), weight: 1 },
    { arbitrary: hostile, weight: 1 },
  );
  const version = fc.oneof({ arbitrary: fc.constant('HTTP/1.1'), weight: 8 }, { arbitrary: fc.constantFrom('HTTP/1.0', 'HTTP/2.0', 'HTTP/0.9', 'http/1.1', 'HTTP/1.1 x'), weight: 1 });
  const host = fc.oneof(
    { arbitrary: fc.constantFrom(`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`), weight: 4 },
    { arbitrary: fc.constantFrom(`127.0.0.1:${port + 1}`, '127.0.0.1', `evil.example:${port}`, `[::1`, `127.0.0.1@evil.example:${port}`, `LOCALHOST:${port}`), weight: 2 },
    { arbitrary: hostile, weight: 1 },
  );
  const origin = fc.oneof(
    { arbitrary: fc.constantFrom(`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://[::1]:${port}`), weight: 2 },
    { arbitrary: hostile, weight: 2 },
  );
  const upgrade = fc.oneof({ arbitrary: fc.constantFrom('websocket', 'WebSocket', 'h2c', 'websocket, h2c'), weight: 3 }, { arbitrary: hostile, weight: 1 });
  const connection = fc.oneof({ arbitrary: fc.constantFrom('Upgrade', 'keep-alive, Upgrade', 'close', 'keep-alive'), weight: 3 }, { arbitrary: hostile, weight: 1 });
  const key = fc.oneof(
    { arbitrary: fc.constantFrom('dGhlIHNhbXBsZSBub25jZQ==', 'short', 'dGhlIHNhbXBsZSBub25jZQ', '========================'), weight: 3 },
    { arbitrary: fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('base64')), weight: 2 },
    { arbitrary: hostile, weight: 1 },
  );
  const wsVersion = fc.oneof({ arbitrary: fc.constantFrom('13', '8', '99', '-1', ''), weight: 3 }, { arbitrary: hostile, weight: 1 });
  const extraName = fc.oneof(
    fc.constantFrom('X-Junk', 'Cookie', 'Content-Length', 'Transfer-Encoding', 'Expect', 'Sec-WebSocket-Protocol', 'Sec-WebSocket-Extensions', 'Origin', 'Host', 'Upgrade'),
    fc.stringMatching(/^[A-Za-z-]{1,20}$/),
    hostile,
  );
  const extra = fc.array(fc.tuple(extraName, hostile), { maxLength: 3 });
  const fields = { method, path, version, host: maybe(host, 8), origin: maybe(origin), upgrade: maybe(upgrade), connection: maybe(connection), key: maybe(key, 2), wsVersion: maybe(wsVersion, 2), extra };
  type Fields = { [K in keyof typeof fields]: (typeof fields)[K] extends fc.Arbitrary<infer T> ? T : never };
  // Well-formed requests (a page, an asset, an upgrade) with one field replaced by a random one reach the
  // handlers; wholly random ones mostly reach Node's parser.
  const plain: Fields = { method: 'GET', path: '/', version: 'HTTP/1.1', host: `127.0.0.1:${port}`, origin: undefined, upgrade: undefined, connection: undefined, key: undefined, wsVersion: undefined, extra: [] };
  const upgradeRequest: Fields = { ...plain, path: '/ws', origin: `http://127.0.0.1:${port}`, upgrade: 'websocket', connection: 'Upgrade', key: 'dGhlIHNhbXBsZSBub25jZQ==', wsVersion: '13' };
  const names = Object.keys(fields) as (keyof Fields)[];
  const oneField = fc.oneof(...names.map((name) => (fields[name] as fc.Arbitrary<unknown>).map((value) => ({ name, value }))));
  const mutated = fc.tuple(fc.constantFrom(plain, upgradeRequest), fc.array(oneField, { minLength: 0, maxLength: 2 })).map(([base, changes]) => {
    const r: Record<string, unknown> = { ...base };
    for (const c of changes) r[c.name] = c.value;
    return r as Fields;
  });
  return fc.oneof({ arbitrary: mutated, weight: 3 }, { arbitrary: fc.record(fields), weight: 1 }).map((r) => {
    const lines = [`${r.method} ${r.path} ${r.version}`];
    const add = (name: string, value: string | undefined): void => {
      if (value !== undefined) lines.push(`${name}: ${value}`);
    };
    add('Host', r.host);
    add('Origin', r.origin);
    add('Upgrade', r.upgrade);
    add('Connection', r.connection);
    add('Sec-WebSocket-Key', r.key);
    add('Sec-WebSocket-Version', r.wsVersion);
    for (const [name, value] of r.extra) add(name, value);
    return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  });
}

/** A page's connection that collects the replies (past stream batches) and notes how it closed. */
class Page {
  readonly ws: WebSocket;
  closed: number | undefined;
  private readonly replies: Record<string, unknown>[] = [];
  private wake: (() => void) | undefined;

  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.on('error', () => {});
    this.ws.on('message', (d: Buffer) => {
      const m = JSON.parse(d.toString()) as Record<string, unknown>;
      if (m.type !== 'records' && m.type !== 'reset') this.replies.push(m);
      this.wake?.();
    });
    this.ws.on('close', (code) => {
      this.closed = code;
      this.wake?.();
    });
  }

  /** The next reply, or the close code; 'none' when neither arrives (a hang, which fails). */
  async next(): Promise<{ reply: Record<string, unknown> } | { closed: number } | 'none'> {
    const ready = (): boolean => this.replies.length > 0 || this.closed !== undefined;
    if (!ready()) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => resolve(), NO_REPLY_MS);
        this.wake = () => {
          if (!ready()) return;
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
    if (this.replies.length > 0) return { reply: this.replies.shift()! };
    if (this.closed !== undefined) return { closed: this.closed };
    return 'none';
  }
}

type Message = { label: string; data: string | Buffer; binary: boolean };

function message(token: string): fc.Arbitrary<Message> {
  const notToken = fc
    .oneof(fc.constant(undefined), fc.string(), fc.constantFrom('', 'secret-token', token.slice(0, -1), `${token}x`, token.toUpperCase()), fc.stringMatching(/^[0-9a-f]{32}$/), fc.integer(), fc.constant(null))
    .filter((t) => t !== token);
  const shaped = fc
    .record(
      {
        type: fc.oneof(fc.constantFrom('ping', 'stop', 'control', 'hello', 'records', 'result', 'PING', ''), fc.string(), fc.integer()),
        id: fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.object()),
        token: notToken,
        action: fc.oneof(fc.constantFrom('pause', 'resume', 'flatten'), fc.anything()),
        strategy: fc.oneof(fc.constantFrom('hc-rb', 'nope'), fc.string(), fc.anything()),
        target: fc.oneof(fc.constantFrom('strategy:hc-rb', 'algo:hc-rb/1', 'engine'), fc.string()),
      },
      { requiredKeys: [] },
    )
    .map((o) => ({ label: 'protocol-shaped', data: JSON.stringify(o), binary: false }));
  return fc.oneof(
    { arbitrary: shaped, weight: 5 },
    { arbitrary: fc.json().map((s) => ({ label: 'json', data: s, binary: false })), weight: 2 },
    { arbitrary: fc.json({ maxDepth: 2 }).map((s) => ({ label: 'broken json', data: `${s.slice(0, Math.max(0, s.length - 1))}{`, binary: false })), weight: 2 },
    { arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((s) => ({ label: 'text', data: s, binary: false })), weight: 1 },
    { arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => ({ label: 'binary', data: Buffer.from(b), binary: true })), weight: 1 },
    // Raw bytes in a text frame: often not UTF-8 (ws closes with 1007).
    { arbitrary: fc.uint8Array({ minLength: 1, maxLength: 50 }).map((b) => ({ label: 'bytes as text', data: Buffer.from(b), binary: false })), weight: 1 },
    // Over the 64 KiB bound (closed with 1009), and just under it (answered).
    { arbitrary: fc.integer({ min: 64 * 1024 + 1, max: 256 * 1024 }).map((n) => ({ label: 'huge', data: 'x'.repeat(n), binary: false })), weight: 1 },
    { arbitrary: fc.integer({ min: 60 * 1024, max: 64 * 1024 - 30 }).map((n) => ({ label: 'large', data: JSON.stringify({ type: 'ping', id: 'y'.repeat(n) }), binary: false })), weight: 1 },
  );
}

describe('chaos: the inspector server under random and hostile input', () => {
  it('answers every random HTTP request and upgrade with a known status, and keeps serving', async () => {
    const { server, demo, controls } = await live();
    const statuses = new Map<number, number>();
    let requests = 0;
    await fc.assert(
      fc.asyncProperty(request(server.port), async (head) => {
        const status = await raw(server.port, head);
        requests++;
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        expect(KNOWN.has(status), `status ${status} for ${JSON.stringify(head.toString('latin1').slice(0, 300))}`).toBe(true);
      }),
      { seed: SEED, numRuns: HTTP_RUNS },
    );
    const seen = Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0]));
    console.log(`chaos inspector http: ${requests} requests, statuses ${JSON.stringify(seen)}`);
    expect(requests).toBe(HTTP_RUNS);
    // The generators reach the handlers, not only Node's parser.
    for (const s of [101, 200, 400, 403, 404, 405, 421]) expect(statuses.get(s) ?? 0, `status ${s} seen`).toBeGreaterThan(0);
    expect((await fetch(`http://127.0.0.1:${server.port}/`)).status).toBe(200);
    stillRunning(demo, controls);
  });

  it('answers or closes on every random WebSocket message, never applying control without the token', async () => {
    const { server, demo, controls } = await live();
    const url = `ws://127.0.0.1:${server.port}/ws`;
    const replies = new Map<string, number>();
    const closes = new Map<number, number>();
    const kinds = new Map<string, number>();
    let messages = 0;
    let connections = 0;
    let page: Page | undefined;
    const connectPage = async (): Promise<Page> => {
      const p = new Page(url);
      connections++;
      const hello = await p.next();
      expect(hello !== 'none' && 'reply' in hello ? hello.reply.type : hello).toBe('hello');
      return p;
    };
    await fc.assert(
      fc.asyncProperty(message(server.token), async (m) => {
        if (!page || page.closed !== undefined) page = await connectPage();
        page.ws.send(m.data, { binary: m.binary });
        messages++;
        kinds.set(m.label, (kinds.get(m.label) ?? 0) + 1);
        const got = await page.next();
        expect(got, `no reply to a ${m.label} message`).not.toBe('none');
        if (got === 'none') return;
        if ('reply' in got) {
          const type = String(got.reply.type);
          replies.set(type, (replies.get(type) ?? 0) + 1);
          // Without the token every control or stop is refused: only errors and pongs come back.
          expect(['error', 'pong'], `reply ${JSON.stringify(got.reply).slice(0, 300)} to a ${m.label} message`).toContain(type);
        } else {
          closes.set(got.closed, (closes.get(got.closed) ?? 0) + 1);
          // Closed only for an oversize message (1009) or text that is not UTF-8 (1007).
          expect([1007, 1009], `close ${got.closed} after a ${m.label} message`).toContain(got.closed);
        }
      }),
      { seed: SEED, numRuns: WS_RUNS },
    );
    page?.ws.close();
    console.log(
      `chaos inspector ws: ${messages} messages on ${connections} connections, kinds ${JSON.stringify(Object.fromEntries(kinds))}, replies ${JSON.stringify(Object.fromEntries(replies))}, closes ${JSON.stringify(Object.fromEntries(closes))}`,
    );
    expect(messages).toBe(WS_RUNS);
    expect(closes.get(1009) ?? 0).toBeGreaterThan(0);
    expect(replies.get('error') ?? 0).toBeGreaterThan(0);
    expect((await fetch(`http://127.0.0.1:${server.port}/`)).status).toBe(200);
    const after = await connectPage();
    after.ws.send('{"type":"ping","id":"after"}');
    expect(await after.next()).toEqual({ reply: { type: 'pong', id: 'after' } });
    after.ws.close();
    stillRunning(demo, controls);
  });
});
