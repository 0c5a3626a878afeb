import { connect, type NatsConnection } from '@nats-io/transport-node';
import { LegatoError } from '../domain/errors.js';

/**
 * The one place Legato opens and closes a NATS connection (distributed sweeps, market-data fan-out).
 * Kept small on purpose: a connection that cannot be had is a named error, closing never throws.
 */

/** The server at the URL cannot be reached (or the URL is not one): the CLI prints it and exits 2. */
export class NatsUnavailableError extends LegatoError {
  override name = 'NatsUnavailableError';
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`cannot reach the NATS server at ${shownUrl(url)}: ${reason}`);
  }
}

/**
 * A URL as an error shows it: a password (user:password@) or a token (token@) as ***, so a secret never reaches
 * stderr or a log, and at most 200 characters (the URL is whatever was typed).
 */
export function shownUrl(url: string): string {
  const hidden = url.replace(/^([^/]*\/\/)([^@/]*)@/, (_, scheme: string, user: string) => `${scheme}${user.includes(':') ? `${user.slice(0, user.indexOf(':'))}:***` : '***'}@`);
  return hidden.length > 200 ? `${hidden.slice(0, 200)}… (${hidden.length} characters)` : hidden;
}

export interface NatsConnectOptions {
  /** The client's name, shown by the server's monitoring (e.g. `legato-worker`). */
  name?: string;
  /** How long the first connection may take, ms (default 5000). */
  timeoutMs?: number;
  /** Reconnect attempts after a connection is lost; -1 never gives up (default -1). */
  maxReconnectAttempts?: number;
}

/** `nats://host:port`, `host:port`, `tls://…` or `ws(s)://…`: what the client takes, checked before it dials. */
function checkUrl(url: string): string | undefined {
  if (url.trim() === '') return 'the URL is empty';
  if (/\s/.test(url)) return 'the URL contains white space';
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `nats://${url}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    return 'not a URL (nats://host:port)';
  }
  if (!['nats:', 'tls:', 'ws:', 'wss:'].includes(u.protocol)) return `unknown scheme ${u.protocol.slice(0, -1)} (nats://host:port)`;
  if (u.hostname === '') return 'no host (nats://host:port)';
  return undefined;
}

/** Connects, or throws NatsUnavailableError naming the URL and why. */
export async function connectNats(url: string, opts: NatsConnectOptions = {}): Promise<NatsConnection> {
  const bad = checkUrl(url);
  if (bad) throw new NatsUnavailableError(url, bad);
  try {
    return await connect({
      servers: url,
      timeout: opts.timeoutMs ?? 5_000,
      maxReconnectAttempts: opts.maxReconnectAttempts ?? -1,
      ...(opts.name !== undefined ? { name: opts.name } : {}),
    });
  } catch (e) {
    throw new NatsUnavailableError(url, e instanceof Error ? e.message : String(e));
  }
}

/** Drains (delivers what is in flight) and closes; a connection already closed or broken is simply let go. */
export async function closeNats(nc: NatsConnection | undefined): Promise<void> {
  if (!nc || nc.isClosed()) return;
  try {
    await nc.drain();
  } catch {
    try {
      await nc.close();
    } catch {
      // already gone
    }
  }
}
