/**
 * The inspector's local server: the page and its scripts over HTTP, the inspection stream over a
 * WebSocket (/ws). Loopback only unless `allowRemote`; read-only unless a message carries the token printed
 * at start; every message from a page that is not understood is answered with an error, never a crash.
 * Hostile input is refused with a status, never a throw: an unparseable or foreign Origin 403, a foreign Host
 * (or one naming another port) 421, a malformed request or upgrade 400, a socket over the cap 503; an
 * unexpected error answers 500 (or closes that socket with 1011) and is logged once.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { STATUS_CODES, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import { LegatoError, explain, type ControlResult, type WhyChain } from '../index.js';
import { parseControl } from './controls.js';
import { machineDiagram, toSvg, type MachineLike } from './diagram.js';
import type { Batch, Inspector } from './inspector.js';
import { MACHINES } from './machines-export.js';
import type { InspectRecord } from './records.js';
import { recordingWhyInput } from './recording.js';

export interface InspectorServerOptions {
  /** TCP port; 0 picks a free one. Default 4400. */
  port?: number;
  /** Address to bind. Default 127.0.0.1. Anything but a loopback address needs `allowRemote`. */
  host?: string;
  /** Allow binding a non-loopback address (anyone who can reach it sees the run). Default false. */
  allowRemote?: boolean;
  /** The control token; default: 16 random bytes, hex. Control messages must carry it. */
  token?: string;
  /** Where an unexpected error is logged, one line each (at most 100 lines). Default: stderr. */
  log?: (line: string) => void;
}

/** A live engine (an attached Inspector) or a recording's records. */
export type InspectorSource = { kind: 'live'; inspector: Inspector } | { kind: 'replay'; records: InspectRecord[]; name: string };

export interface InspectorServer {
  /** http://host:port/ */
  url: string;
  port: number;
  host: string;
  /** The token control actions need. */
  token: string;
  close(): Promise<void>;
}

export class InspectorServerError extends LegatoError {
  override readonly name = 'InspectorServerError';
}

/** True for 127.0.0.0/8, ::1 and localhost. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || h === '::ffff:127.0.0.1';
}

const pageDir = join(dirname(fileURLToPath(import.meta.url)), 'page');
const require = createRequire(import.meta.url);
const STATIC: Record<string, { file: () => string; type: string }> = {
  '/': { file: () => join(pageDir, 'index.html'), type: 'text/html; charset=utf-8' },
  '/app.js': { file: () => join(pageDir, 'app.js'), type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: () => join(pageDir, 'style.css'), type: 'text/css; charset=utf-8' },
  '/vendor/lightweight-charts.js': {
    file: () => join(dirname(require.resolve('lightweight-charts/package.json')), 'dist', 'lightweight-charts.standalone.production.js'),
    type: 'text/javascript; charset=utf-8',
  },
};

/** The largest WebSocket message a page may send; a larger one closes its socket with 1009. */
const MAX_MESSAGE = 64 * 1024;
/** The most WebSockets held at once; one more is refused with 503. */
const MAX_SOCKETS = 32;
/** No real Origin or Host is longer; a longer one is refused without parsing it. */
const MAX_ORIGIN = 2048;
const MAX_HOST = 300;
/** Unexpected errors logged before the log goes quiet. */
const MAX_LOGGED = 100;
const LAGGING_BYTES = 8 * 2 ** 20;

/** Starts the server; resolves once it listens. Throws InspectorServerError for a non-loopback host without allowRemote. */
export async function startInspectorServer(source: InspectorSource, options: InspectorServerOptions = {}): Promise<InspectorServer> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host) && !options.allowRemote) {
    throw new InspectorServerError(`the inspector binds only loopback addresses; host "${host}" needs --allow-remote (anyone who can reach it sees the run)`);
  }
  const port = options.port ?? 4400;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InspectorServerError(`port must be a whole number from 0 to 65535, not ${port}`);
  const token = options.token ?? randomBytes(16).toString('hex');
  const tokenBuf = Buffer.from(token);
  /** The port listened on (known once listening; no request arrives before). */
  let listening = -1;
  const svgs = new Map<string, Promise<string>>();
  const replayRecords = source.kind === 'replay' ? source.records.filter((r) => r.k !== 'quote' && r.k !== 'record') : [];
  let replayWhyInput: ReturnType<typeof recordingWhyInput> | undefined;
  const replayWhy = (): ReturnType<typeof recordingWhyInput> => (replayWhyInput ??= recordingWhyInput(source.kind === 'replay' ? source.records : []));
  const machine = (id: string): MachineLike | undefined => (source.kind === 'live' ? source.inspector.machines().get(id) : undefined) ?? MACHINES.find((m) => m.id === id);

  let logged = 0;
  /** Logs an unexpected error, one line (the first MAX_LOGGED of them); never throws. */
  const report = (what: string, e: unknown): void => {
    if (logged > MAX_LOGGED) return;
    logged++;
    const line = logged > MAX_LOGGED ? 'inspector: more unexpected errors, not logged' : `inspector: ${what} failed: ${(e instanceof Error ? e.message : String(e)).slice(0, 500)}`;
    try {
      if (options.log) options.log(line);
      else process.stderr.write(`${line}\n`);
    } catch {
      // Logging must not be what crashes the run.
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      report(`a request for ${(pathOf(req.url) ?? '?').slice(0, 100)}`, e);
      try {
        if (res.headersSent) res.destroy();
        else text(res, 500, 'internal error');
      } catch {
        res.destroy();
      }
    });
  });
  // Nobody tunnels through the inspector: without this listener Node drops a CONNECT without a reply.
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    socket.on('error', () => socket.destroy());
    refuse(socket, 405, 'the inspector is read-only over HTTP');
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const bad = refusal(req);
    if (bad) return text(res, bad.status, bad.reason);
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(res, 405, 'the inspector is read-only over HTTP');
    const path = pathOf(req.url);
    if (path === undefined) return text(res, 400, 'malformed request target');
    if (path === '/favicon.ico') return text(res, 204, '');
    const asset = STATIC[path];
    if (asset) {
      // Read before the head is written: a failure still gets its 500.
      const body = readFileSync(asset.file());
      res.writeHead(200, { 'content-type': asset.type, 'cache-control': 'no-cache', ...securityHeaders });
      res.end(body);
      return;
    }
    const m = path.length <= 200 ? /^\/machines\/([A-Za-z0-9_.-]+)\.svg$/.exec(path) : null;
    if (m) {
      const def = machine(m[1]!);
      if (!def) return text(res, 404, `no machine ${m[1]!.slice(0, 64)}`);
      let svg = svgs.get(def.id);
      if (!svg) svgs.set(def.id, (svg = toSvg(machineDiagram(def))));
      const body = await svg.catch((e: unknown) => {
        svgs.delete(def.id); // not cached: the next request tries again
        throw e;
      });
      res.writeHead(200, { 'content-type': 'image/svg+xml', ...securityHeaders });
      res.end(body);
      return;
    }
    text(res, 404, 'not found');
  }

  /**
   * Why a request (or an upgrade) is refused for its headers, or undefined. A loopback server answers only to
   * a loopback Host naming its own port (no DNS rebinding); any server only to a parseable page Origin, and
   * without `allowRemote` only to a loopback one (`null`, file:, data: and other pages are refused).
   */
  function refusal(req: IncomingMessage): { status: number; reason: string } | undefined {
    if (!options.allowRemote) {
      const h = parseHost(req.headers.host);
      if (!h) return { status: 400, reason: 'malformed or missing Host header' };
      if (!isLoopback(h.name) || h.port !== listening) return { status: 421, reason: 'unexpected Host header' };
    }
    const origin = req.headers.origin;
    if (origin !== undefined) {
      const hostname = parseOrigin(origin);
      if (hostname === undefined || (!options.allowRemote && !isLoopback(hostname))) return { status: 403, reason: 'unexpected Origin header' };
    }
    return undefined;
  }

  // ws answers a malformed upgrade (method, Upgrade, Sec-WebSocket-Key or -Version) with 400 (405 for the method).
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node takes its own listener off an upgraded socket: without one, a reset would end the process.
    socket.on('error', () => socket.destroy());
    try {
      const bad = refusal(req);
      if (bad) return refuse(socket, bad.status, bad.reason);
      const path = pathOf(req.url);
      if (path === undefined) return refuse(socket, 400, 'malformed request target');
      if (path !== '/ws') return refuse(socket, 404, 'not found');
      if (wss.clients.size >= MAX_SOCKETS) return refuse(socket, 503, `the inspector holds at most ${MAX_SOCKETS} pages at once`);
      wss.handleUpgrade(req, socket, head, (ws) => connected(ws));
    } catch (e) {
      report('an upgrade', e);
      refuse(socket, 500, 'internal error');
    }
  });

  const send = (ws: WebSocket, msg: unknown): void => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
  };

  /** Runs `fn`; an unexpected error is logged and closes that socket (1011), never the process. */
  function guarded(ws: WebSocket, what: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      report(what, e);
      try {
        ws.close(1011, 'internal error');
      } catch {
        ws.terminate();
      }
    }
  }

  function connected(ws: WebSocket): void {
    let unsubscribe = (): void => {};
    // ws closes the socket itself on a protocol error (1009 for a message over maxPayload, 1007 for bad UTF-8,
    // 1002 otherwise): terminating here could drop that close frame.
    ws.on('error', () => {});
    ws.on('close', () => unsubscribe());
    ws.on('message', (data, isBinary) => guarded(ws, 'a message', () => send(ws, answer(isBinary ? null : data.toString()))));
    guarded(ws, 'a connection', () => {
      const control = source.kind === 'live';
      // A replay's leg quotes stay on the server: the page charts the spread records.
      const records = source.kind === 'live' ? source.inspector.snapshot() : replayRecords;
      send(ws, { type: 'hello', mode: source.kind, name: source.kind === 'replay' ? source.name : null, control, records });
      if (source.kind === 'live') {
        let lagging = false;
        unsubscribe = source.inspector.subscribe((b: Batch) =>
          guarded(ws, 'a stream batch', () => {
            if (ws.bufferedAmount > LAGGING_BYTES) {
              lagging = true;
              return;
            }
            if (lagging) {
              lagging = false;
              send(ws, { type: 'reset', records: source.inspector.snapshot() });
              return;
            }
            send(ws, { type: 'records', records: b.records, skipped: b.skipped });
          }),
        );
        // Closed while subscribing (a guarded failure): nothing may stay subscribed.
        if (ws.readyState !== ws.OPEN) unsubscribe();
      }
    });
  }

  /** The reply to one message from a page. */
  function answer(raw: string | null): Record<string, unknown> {
    if (raw === null) return { type: 'error', error: 'malformed message: expected JSON text, got binary' };
    let msg: unknown;
    try {
      msg = JSON.parse(raw);
    } catch {
      return { type: 'error', error: 'malformed message: not JSON' };
    }
    if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) return { type: 'error', error: 'malformed message: expected an object with a "type"' };
    const m = msg as Record<string, unknown>;
    const id = typeof m.id === 'string' || typeof m.id === 'number' ? m.id : null;
    if (typeof m.type !== 'string') return { type: 'error', id, error: 'malformed message: "type" must be a string' };
    switch (m.type) {
      case 'ping':
        return { type: 'pong', id };
      case 'why': {
        // Read-only: why an algo or an order did what it did (src/report/why.ts), for a row of the desk.
        if (typeof m.subject !== 'string' || m.subject.length > 200) return { type: 'error', id, error: 'malformed message: "subject" must be an algo or order id' };
        try {
          const chain: WhyChain = source.kind === 'live' ? source.inspector.why(m.subject) : explain(replayWhy(), m.subject);
          return { type: 'why', id, subject: chain.subject, headline: chain.headline, steps: chain.steps.map((s) => ({ at: s.at, kind: s.kind, actor: s.actor, text: s.text })) };
        } catch (e) {
          if (e instanceof LegatoError) return { type: 'error', id, error: e.message.slice(0, 2000) };
          throw e;
        }
      }
      case 'stop': {
        if (source.kind !== 'live') return { type: 'error', id, error: 'a recording cannot be controlled' };
        if (typeof m.token !== 'string' || !tokenMatches(m.token)) return { type: 'error', id, error: 'control needs the token printed when the inspector started' };
        if (typeof m.target !== 'string') return { type: 'error', id, error: 'malformed message: "target" must be an actor id (strategy:<name> or algo:<id>)' };
        const r = source.inspector.stop(m.target);
        return r.ok ? { type: 'result', id, ok: true, target: m.target } : { type: 'error', id, error: r.error };
      }
      case 'control': {
        if (source.kind !== 'live') return { type: 'error', id, error: 'a recording cannot be controlled' };
        if (typeof m.token !== 'string' || !tokenMatches(m.token)) return { type: 'error', id, error: 'control needs the token printed when the inspector started' };
        // The kill switch (pause, resume, flatten) and the desk's controls (setTriggers, setTarget, startAlgo, stopAlgo).
        const parsed = parseControl(m);
        if (!parsed.ok) return { type: 'error', id, error: parsed.error };
        const action = parsed.control.action;
        let r: ControlResult;
        try {
          r = source.inspector.apply(parsed.control);
        } catch (e) {
          return { type: 'error', id, error: `control failed: ${(e instanceof Error ? e.message : String(e)).slice(0, 500)}` };
        }
        if (!r.ok) return { type: 'error', id, error: r.error.slice(0, 2000), ...(r.refusal ? { refusal: r.refusal } : {}) };
        return { type: 'result', id, ok: true, action, strategies: r.strategies, ...(r.algoId ? { algoId: r.algoId } : {}) };
      }
      default:
        return { type: 'error', id, error: `unknown message type "${m.type.slice(0, 40)}"` };
    }
  }

  function tokenMatches(t: string): boolean {
    const b = Buffer.from(t);
    return b.length === tokenBuf.length && timingSafeEqual(b, tokenBuf);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'EADDRINUSE' ? new InspectorServerError(`port ${port} on ${host} is in use: pick another with --port`) : e.code === 'EADDRNOTAVAIL' ? new InspectorServerError(`cannot bind ${host}: no such local address`) : e),
    );
    server.listen(port, host, () => resolve());
  });
  // After listening, a server error is logged, not thrown.
  server.on('error', (e) => report('the server', e));
  const addr = server.address() as AddressInfo;
  listening = addr.port;
  const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${shown}:${addr.port}/`,
    port: addr.port,
    host: addr.address,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}

const securityHeaders = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'self'; connect-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'",
};

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(body);
}

/** Answers `status` on a raw socket (an upgrade or a CONNECT) and closes it. */
function refuse(socket: Duplex, status: number, reason: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = `${reason}\n`;
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

/** A request target's path, or undefined when it does not parse (`http://[`, say). */
function pathOf(url: string | undefined): string | undefined {
  try {
    return new URL(url ?? '/', 'http://x').pathname;
  } catch {
    return undefined;
  }
}

/** A Host header's name (lower case, an IPv6 literal in brackets) and port (80 when absent), or undefined unless it is a plain host[:port]. */
function parseHost(h: string | undefined): { name: string; port: number } | undefined {
  if (h === undefined || h.length > MAX_HOST) return undefined;
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(h);
  if (!m) return undefined;
  const port = m[2] === undefined ? 80 : Number(m[2]);
  return port <= 65535 ? { name: m[1]!.toLowerCase(), port } : undefined;
}

/** An Origin header's host name, or undefined unless it is an http(s) scheme://host[:port] (so `null`, file:, data: and junk are undefined). */
function parseOrigin(o: string): string | undefined {
  if (o.length > MAX_ORIGIN) return undefined;
  let u: URL;
  try {
    u = new URL(o);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
  if (u.username !== '' || u.password !== '' || u.pathname !== '/' || u.search !== '' || u.hash !== '') return undefined;
  return u.hostname;
}
