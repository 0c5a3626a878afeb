/**
 * The inspector's local server: the page and its scripts over HTTP, the inspection stream over a
 * WebSocket (/ws). Loopback only unless `allowRemote`; read-only unless a message carries the token printed
 * at start; every message from a page that is not understood is answered with an error, never a crash.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import { LegatoError, type ControlResult } from '../index.js';
import { machineDiagram, toSvg, type MachineLike } from './diagram.js';
import type { Batch, Inspector } from './inspector.js';
import { MACHINES } from './machines-export.js';
import type { InspectRecord } from './records.js';

export interface InspectorServerOptions {
  /** TCP port; 0 picks a free one. Default 4400. */
  port?: number;
  /** Address to bind. Default 127.0.0.1. Anything but a loopback address needs `allowRemote`. */
  host?: string;
  /** Allow binding a non-loopback address (anyone who can reach it sees the run). Default false. */
  allowRemote?: boolean;
  /** The control token; default: 16 random bytes, hex. Control messages must carry it. */
  token?: string;
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

const MAX_MESSAGE = 64 * 1024;
/** The longest strategy name a control message may carry. */
const MAX_STRATEGY = 200;
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
  const svgs = new Map<string, Promise<string>>();
  const replayRecords = source.kind === 'replay' ? source.records.filter((r) => r.k !== 'quote') : [];
  const machine = (id: string): MachineLike | undefined => (source.kind === 'live' ? source.inspector.machines().get(id) : undefined) ?? MACHINES.find((m) => m.id === id);

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`error: ${e instanceof Error ? e.message : String(e)}`);
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hostAllowed(req.headers.host)) return text(res, 421, 'unexpected Host header');
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(res, 405, 'the inspector is read-only over HTTP');
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/favicon.ico') return text(res, 204, '');
    const asset = STATIC[path];
    if (asset) {
      res.writeHead(200, { 'content-type': asset.type, 'cache-control': 'no-cache', ...securityHeaders });
      res.end(readFileSync(asset.file()));
      return;
    }
    const m = /^\/machines\/([A-Za-z0-9_.-]+)\.svg$/.exec(path);
    if (m) {
      const def = machine(m[1]!);
      if (!def) return text(res, 404, `no machine ${m[1]}`);
      let svg = svgs.get(def.id);
      if (!svg) svgs.set(def.id, (svg = toSvg(machineDiagram(def))));
      res.writeHead(200, { 'content-type': 'image/svg+xml', ...securityHeaders });
      res.end(await svg);
      return;
    }
    text(res, 404, 'not found');
  }

  /** Loopback servers answer only to loopback Host names (no DNS rebinding). */
  function hostAllowed(h: string | undefined): boolean {
    if (options.allowRemote) return true;
    if (!h) return false;
    const name = h.startsWith('[') ? h.slice(0, h.indexOf(']') + 1) : h.split(':')[0]!;
    return isLoopback(name);
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE });
  server.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const origin = req.headers.origin;
    const originOk = origin === undefined || options.allowRemote || isLoopback(new URL(origin).hostname);
    if (path !== '/ws' || !hostAllowed(req.headers.host) || !originOk) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => connected(ws));
  });

  const send = (ws: WebSocket, msg: unknown): void => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
  };

  function connected(ws: WebSocket): void {
    const control = source.kind === 'live';
    // A replay's leg quotes stay on the server: the page charts the spread records.
    const records = source.kind === 'live' ? source.inspector.snapshot() : replayRecords;
    send(ws, { type: 'hello', mode: source.kind, name: source.kind === 'replay' ? source.name : null, control, records });
    let unsubscribe = (): void => {};
    if (source.kind === 'live') {
      let lagging = false;
      unsubscribe = source.inspector.subscribe((b: Batch) => {
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
      });
    }
    ws.on('message', (data, isBinary) => send(ws, answer(isBinary ? null : data.toString())));
    ws.on('error', () => ws.terminate());
    ws.on('close', () => unsubscribe());
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
        const action = m.action;
        if (action !== 'pause' && action !== 'resume' && action !== 'flatten') return { type: 'error', id, error: 'malformed message: "action" must be "pause", "resume" or "flatten"' };
        if (m.strategy !== undefined && (typeof m.strategy !== 'string' || m.strategy.length > MAX_STRATEGY)) {
          return { type: 'error', id, error: `malformed message: "strategy", when present, must be a strategy name (a string of at most ${MAX_STRATEGY} characters)` };
        }
        const strategy = m.strategy as string | undefined;
        let r: ControlResult;
        try {
          r = source.inspector.control(action, strategy);
        } catch (e) {
          return { type: 'error', id, error: `control failed: ${e instanceof Error ? e.message : String(e)}` };
        }
        return r.ok ? { type: 'result', id, ok: true, action, strategies: r.strategies } : { type: 'error', id, error: r.error };
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
  const addr = server.address() as AddressInfo;
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
