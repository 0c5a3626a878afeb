import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { LegatoError } from '../../domain/errors.js';

/**
 * The FIX venue's only door to jspurefix (an optional dependency of about 150 MB: see docs/fix.md). It is
 * loaded on first use, never at import time, so `npm ci --omit=optional && npm start` works without it and
 * only a FIX venue needs it. Nothing here imports jspurefix's types either: the few shapes Legato uses are
 * declared below (structurally), so `tsc` and the build pass on a machine where the package is absent.
 */

/** jspurefix is not installed (or failed to load): the FIX venue cannot run. */
export class FixUnavailableError extends LegatoError {
  override name = 'FixUnavailableError';
}

/** A parsed FIX message (jspurefix's MsgView): read fields as strings, so prices and quantities stay exact. */
export interface FixView {
  getString(tag: number | string): string | null;
  /** Every value of a field that repeats in the message (a group's instances). */
  getStrings(tag: number | string): (string | null)[] | null;
  getTyped(tag: number | string): unknown;
  getView(name: string): FixView | null;
  groupCount(): number;
  /** The checksum of the message's bytes as received (to compare with its CheckSum field). */
  checksum(): number;
  getGroupInstance(i: number): FixView | null;
  toString(): string;
}

/** A message to send: field names as in the FIX 4.4 dictionary, components and groups as nested objects. */
export type FixObject = Record<string, unknown>;

export interface FixSessionDescription {
  application: {
    name: string;
    type: 'initiator' | 'acceptor';
    protocol: 'ascii';
    dictionary: string;
    reconnectSeconds: number;
    resilient: boolean;
    tcp: { host: string; port: number };
  };
  Name: string;
  SenderCompId: string;
  TargetCompID: string;
  SenderSubID: string;
  TargetSubID: string;
  BeginString: string;
  Username: string;
  Password: string;
  ResetSeqNumFlag: boolean;
  HeartBtInt: number;
  store?: { type: 'memory' | 'file'; directory?: string };
}

/** jspurefix's IJsFixConfig, as far as Legato touches it. */
export interface FixConfig {
  description: FixSessionDescription;
  sessionContainer: unknown;
  sessionStoreFactory?: { create(sessionId: unknown): unknown };
  factory: { header(msgType: string, seqNum: number, time: Date, over?: FixObject): FixObject } | null;
}

export interface FixTransport {
  readonly id: number;
  readonly transmitter: { msgSeqNum: number; time: Date | undefined; encodeStream: NodeJS.ReadWriteStream };
  readonly duplex: { readable: NodeJS.ReadableStream; writable: NodeJS.WritableStream; end(): void; destroy(): void };
  end(): void;
}

/** The loaded library: constructors and helpers Legato uses, typed as far as it uses them. */
export interface Jspurefix {
  AsciiSession: abstract new (config: FixConfig) => object;
  SessionContainer: new () => { registerGlobal(logFactory: unknown): void; makeSystem(d: FixSessionDescription): Promise<{ resolve(token: string): unknown }> };
  EmptyLogFactory: new () => unknown;
  MsgTransport: new (id: number, config: FixConfig, duplex: unknown) => FixTransport;
  TcpDuplex: new (socket: import('node:net').Socket) => unknown;
  FileSessionStore: new (sessionId: unknown, provider: unknown, ownsProvider: boolean) => unknown;
  FileSessionStreamProvider: new (sessionId: unknown, directory: string) => { writeSeqNums(content: string): Promise<void>; appendHeaderLine(line: string): Promise<void> };
  FixMsgStoreRecord: new (msgType: string, timestamp: Date, seqNum: number, obj?: FixObject, encoded?: string | null) => unknown;
  makeSessionScope(config: FixConfig): FixConfig;
  /** The QuickFIX-format FIX 4.4 dictionary shipped inside the package (no unzip needed). */
  dictionary44: string;
}

let loading: Promise<Jspurefix> | undefined;

/** How to get the package, said by every error about it. */
export const INSTALL_HINT = 'install it with `npm install jspurefix` (an optional dependency of legato, left out by `npm ci --omit=optional`)';

/**
 * Loads jspurefix once per process (about 8 s on a small machine: it pulls in mathjs). tsyringe needs the
 * reflect-metadata polyfill before any of it loads; it is taken from jspurefix's own dependencies.
 */
export function loadJspurefix(): Promise<Jspurefix> {
  loading ??= load().catch((e: unknown) => {
    loading = undefined;
    throw e;
  });
  return loading;
}

async function load(): Promise<Jspurefix> {
  const require = createRequire(import.meta.url);
  let main: string;
  try {
    main = require.resolve('jspurefix');
  } catch {
    throw new FixUnavailableError(`the FIX venue needs the package jspurefix, which is not installed: ${INSTALL_HINT}`);
  }
  try {
    const fromFix = createRequire(main);
    fromFix('reflect-metadata');
    const lib = fromFix(main) as Record<string, unknown>;
    const scope = fromFix(join(dirname(main), 'runtime', 'session-scope.js')) as { makeSessionScope: Jspurefix['makeSessionScope'] };
    const need = ['AsciiSession', 'SessionContainer', 'EmptyLogFactory', 'MsgTransport', 'TcpDuplex', 'FileSessionStore', 'FileSessionStreamProvider', 'FixMsgStoreRecord'];
    const missing = need.filter((n) => typeof lib[n] !== 'function');
    if (missing.length > 0 || typeof scope.makeSessionScope !== 'function') {
      throw new Error(`this jspurefix lacks ${[...missing, ...(typeof scope.makeSessionScope === 'function' ? [] : ['makeSessionScope'])].join(', ')} (Legato was built against 5.11)`);
    }
    return { ...(lib as unknown as Omit<Jspurefix, 'makeSessionScope' | 'dictionary44'>), makeSessionScope: scope.makeSessionScope, dictionary44: join(dirname(main), '..', 'data', 'FIX44.xml') };
  } catch (e) {
    if (e instanceof FixUnavailableError) throw e;
    throw new FixUnavailableError(`the FIX venue could not load jspurefix: ${(e as Error).message}; ${INSTALL_HINT}`);
  }
}
