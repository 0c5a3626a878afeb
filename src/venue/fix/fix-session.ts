import { appendFileSync, renameSync, writeFileSync } from 'node:fs';
import { MsgType, Tag } from './fix-codec.js';
import type { FixConfig, FixObject, FixSessionDescription, FixTransport, FixView, Jspurefix } from './jspurefix.js';

/**
 * One FIX session (either side) on jspurefix's AsciiSession, with what jspurefix leaves to the application
 * or gets wrong for us (each is a reason this file exists; docs/fix.md lists them):
 * - Resend. jspurefix answers a ResendRequest from an in-memory store that nothing fills (the session only
 *   writes encoded text to its file store), so stock, every resend is one GapFill. Here each session keeps its
 *   recent application messages (`keep` says which) and replays them with PossDupFlag=Y and OrigSendingTime,
 *   gap-filling the rest. The engine keeps nothing (a stale order must never be replayed into a market):
 *   orders lost in a gap are found by the reconciliation instead.
 * - Liveness. jspurefix terminates a session that receives an application message while it awaits a
 *   TestRequest's answer or is serving a ResendRequest ("received in state ..."): any message is a sign of
 *   life, and orders may cross a resend. Those states accept application messages here.
 * - Sequence numbers on disk. jspurefix's file store writes .seqnums with overlapping async writeFile calls,
 *   so a crash can leave an older number than the last message sent (the peer then sees a sequence too low
 *   and logs out). The store here writes them synchronously, through a temporary file and a rename.
 * - Logon refusals name their reason in the Logout's Text (jspurefix says "logon rejected by application").
 * - Both sides check every message's integrity (checksum, known MsgType, required tags), not only the acceptor.
 */

export interface SessionHooks {
  /** Every message, before the session layer acts on it (the venue's clock follows SendingTime). */
  onMessage?(msgType: string, view: FixView): void;
  /** Application messages, in order, once the session is logged on. */
  onApplication(msgType: string, view: FixView): void;
  /** The acceptor's check of a Logon: undefined to accept, else the reason it is refused. */
  checkLogon?(view: FixView, user: string | null, password: string | null): string | undefined;
  /** Logged on: application messages may be sent. */
  onReady(): void;
  /** The session ended (logout, a dropped connection, a timeout, a refusal). */
  onStopped(error: Error | undefined): void;
  /** Which application messages this side keeps to replay on a ResendRequest. */
  keep?(msgType: string): boolean;
}

/** What Legato calls on a session (the jspurefix class made at run time implements it). */
export interface LegatoFixSession {
  run(transport: FixTransport): Promise<unknown>;
  /** Sends an application message; `sent` gets its sequence number once it is encoded. */
  sendApp(msgType: string, body: FixObject, sent?: (seq: number | undefined, error?: Error) => void): void;
  /** A session-level Reject (35=3) of a received message. */
  reject(refSeqNum: number, refMsgType: string, reason: number, text: string, refTagId?: number): void;
  /** Logs out (Logout, then the peer's Logout or a timeout ends the session). */
  logout(): void;
  /** Ends the session now, without a Logout (the transport is closed). */
  kill(reason: string): void;
  /** Whether the session is logged on (application messages may be sent). */
  readonly ready: boolean;
  /** Test hook: replays the last `n` kept application messages with PossDupFlag=Y, as a resend would. */
  replayLast(n: number): void;
  /** The next sequence number this side will send, and the last one received. */
  sequences(): { nextOut: number; lastIn: number };
  /** Sends a Heartbeat now (the simulated venue's time signal when nothing else is sent). */
  heartbeatNow(): void;
  /** Test hook: stops the session's heartbeat and timeout timer (a frozen process runs none). */
  stopTimer(): void;
}

/** How many sent application messages a session keeps for resends. */
const KEEP = 10_000;

/** SessionRejectReason (373) values used here. */
export const SessionRejectReason = { RequiredTagMissing: 1, ValueIsIncorrect: 5, InvalidMsgType: 11, CompIDProblem: 9 } as const;

// States in which jspurefix would terminate on an application message (see above).
const AWAIT_TEST_REQUEST = 14;
const HANDLE_RESEND = 10;
const AWAIT_RESEND = 12;
const ACTIVE = 17;

type Internals = {
  config: FixConfig;
  transport: FixTransport | null;
  sessionState: { state: number; lastTestRequestAt: Date | null; lastPeerMsgSeqNum: number };
  send(msgType: string, obj: FixObject, cb?: (e: Error | null, r: { header: FixObject | null }) => void): void;
  sendLogout(msg: string): void;
  done(): void;
  stop(error?: Error | null): void;
  setState(state: number): void;
  checkMsgIntegrity: boolean;
  heartbeat: boolean;
};

/**
 * Builds the session class on the loaded library (jspurefix is loaded lazily, so the subclass can only be
 * made at run time). One class serves both roles.
 */
export function sessionClass(fix: Jspurefix): new (config: FixConfig, hooks: SessionHooks) => LegatoFixSession {
  const Base = fix.AsciiSession as unknown as new (config: FixConfig) => object;
  class Session extends Base {
    private readonly kept = new Map<number, { msgType: string; body: FixObject; at: Date }>();
    private refusal: string | undefined;
    private isReady = false;

    constructor(
      config: FixConfig,
      private readonly hooks: SessionHooks,
    ) {
      super(config);
      const self = this as unknown as Internals;
      self.checkMsgIntegrity = true;
    }

    private get self(): Internals {
      return this as unknown as Internals;
    }

    get ready(): boolean {
      return this.isReady && this.self.sessionState.state !== 23;
    }

    sequences(): { nextOut: number; lastIn: number } {
      return { nextOut: this.self.transport?.transmitter.msgSeqNum ?? 0, lastIn: this.self.sessionState.lastPeerMsgSeqNum };
    }

    sendApp(msgType: string, body: FixObject, sent?: (seq: number | undefined, error?: Error) => void): void {
      const keep = this.hooks.keep?.(msgType) ?? false;
      this.self.send(msgType, body, (e, r) => {
        const seq = r.header?.['MsgSeqNum'] as number | undefined;
        if (!e && keep && seq !== undefined) {
          this.kept.set(seq, { msgType, body, at: (r.header?.['SendingTime'] as Date | undefined) ?? new Date() });
          if (this.kept.size > KEEP) this.kept.delete(this.kept.keys().next().value as number);
        }
        sent?.(seq, e ?? undefined);
      });
    }

    reject(refSeqNum: number, refMsgType: string, reason: number, text: string, refTagId?: number): void {
      this.self.send(MsgType.Reject, { RefSeqNum: refSeqNum, RefMsgType: refMsgType, SessionRejectReason: reason, Text: text.slice(0, 200), ...(refTagId !== undefined ? { RefTagID: refTagId } : {}) });
    }

    logout(): void {
      this.self.done();
    }

    heartbeatNow(): void {
      if (this.ready) this.self.send(MsgType.Heartbeat, {});
    }

    stopTimer(): void {
      const self = this as unknown as { timer: NodeJS.Timeout | null };
      if (self.timer) clearInterval(self.timer);
      self.timer = null;
    }

    kill(reason: string): void {
      this.self.stop(new Error(reason));
    }

    replayLast(n: number): void {
      const seqs = [...this.kept.keys()].sort((a, b) => a - b).slice(-n);
      for (const seq of seqs) this.replay(seq);
    }

    private replay(seq: number): void {
      const k = this.kept.get(seq)!;
      const header = this.self.config.factory?.header(k.msgType, seq, k.at, { PossDupFlag: true }) ?? {};
      this.self.send(k.msgType, { ...k.body, StandardHeader: { ...header, MsgSeqNum: seq, PossDupFlag: true, SendingTime: k.at } });
    }

    /** ResendRequest: replay the kept application messages in the range, gap-fill everything else. */
    protected onResendRequest(view: FixView): void {
      const transmitter = this.self.transport?.transmitter;
      if (!transmitter) return;
      const last = transmitter.msgSeqNum - 1;
      const begin = Math.max(1, Number(view.getString(7) ?? '1'));
      const asked = Number(view.getString(16) ?? '0');
      const end = asked === 0 || asked > last ? last : asked;
      let gapFrom: number | undefined;
      const gap = (upTo: number): void => {
        if (gapFrom === undefined) return;
        const header = this.self.config.factory?.header(MsgType.SequenceReset, gapFrom, new Date(), { PossDupFlag: true }) ?? {};
        this.self.send(MsgType.SequenceReset, { GapFillFlag: true, NewSeqNo: upTo, StandardHeader: { ...header, MsgSeqNum: gapFrom, PossDupFlag: true } });
        gapFrom = undefined;
      };
      for (let seq = begin; seq <= end; seq++) {
        if (this.kept.has(seq)) {
          gap(seq);
          this.replay(seq);
        } else gapFrom ??= seq;
      }
      gap(end + 1);
    }

    protected validStateApplicationMsg(): boolean {
      const s = this.self.sessionState.state;
      if (s === AWAIT_TEST_REQUEST || s === HANDLE_RESEND || s === AWAIT_RESEND) {
        // Any message answers a TestRequest as well as a Heartbeat would.
        this.self.sessionState.lastTestRequestAt = null;
        this.self.setState(ACTIVE);
        return true;
      }
      return (Base.prototype as unknown as { validStateApplicationMsg(this: unknown): boolean }).validStateApplicationMsg.call(this);
    }

    protected onMsg(msgType: string, view: FixView): void {
      try {
        this.hooks.onMessage?.(msgType, view);
      } catch {
        // a hook's failure never takes the session down
      }
      if (msgType === MsgType.Logon && view.getString(141) !== 'Y') {
        // A Logon numbered below what this side expects: say so in a Logout (jspurefix just hangs up).
        const seq = Number(view.getString(Tag.MsgSeqNum) ?? '0');
        const last = this.self.sessionState.lastPeerMsgSeqNum;
        if (seq <= last) {
          this.refusal = `MsgSeqNum too low, expecting ${last + 1} but received ${seq}`;
          this.self.sendLogout(this.refusal);
          this.kill(this.refusal);
          return;
        }
      }
      (Base.prototype as unknown as { onMsg(this: unknown, t: string, v: FixView): void }).onMsg.call(this, msgType, view);
    }

    protected onApplicationMsg(msgType: string, view: FixView): void {
      try {
        this.hooks.onApplication(msgType, view);
      } catch (e) {
        const seq = Number(view.getString(Tag.MsgSeqNum) ?? '0');
        this.reject(seq, msgType, SessionRejectReason.ValueIsIncorrect, `could not process this message: ${(e as Error).message}`);
      }
    }

    protected onLogon(view: FixView, user: string | null, password: string | null): boolean {
      const why = this.hooks.checkLogon?.(view, user, password);
      if (why === undefined) return true;
      this.refusal = why;
      // The refused Logon was counted in the session's store (jspurefix checks its number first): give the
      // number back, so the counterparty's own next Logon is not "too low".
      const seq = Number(view.getString(Tag.MsgSeqNum) ?? '0');
      const store = (this as unknown as { sessionStore?: { setTargetSeqNum?: (n: number) => Promise<void> } }).sessionStore;
      if (seq > 0) store?.setTargetSeqNum?.(seq).catch(() => {});
      return false;
    }

    protected sendLogout(msg: string): void {
      (Base.prototype as unknown as { sendLogout(this: unknown, m: string): void }).sendLogout.call(this, this.refusal ?? msg);
    }

    protected onReady(_view: FixView): void {
      this.isReady = true;
      this.hooks.onReady();
    }

    protected onStopped(error?: Error): void {
      this.isReady = false;
      // Release the store's file (a reconnection opens it again in a new session).
      const store = (this as unknown as { sessionStore?: { dispose?: () => Promise<void> } }).sessionStore;
      store?.dispose?.().catch(() => {});
      this.hooks.onStopped(error);
    }

    protected onDecoded(_msgType: string, _txt: string): void {}
    protected onEncoded(_msgType: string, _txt: string): void {}
  }
  return Session as unknown as new (config: FixConfig, hooks: SessionHooks) => LegatoFixSession;
}

let global: Promise<void> | undefined;

/**
 * A session configuration: the dictionary loaded once, jspurefix's container made, and the session store
 * set to the synchronous file store in `storeDir` (or memory when it is undefined).
 */
export async function sessionConfig(fix: Jspurefix, description: FixSessionDescription, storeDir: string | undefined): Promise<FixConfig> {
  const container = new fix.SessionContainer();
  // jspurefix keeps its definitions factory and logger in tsyringe's global container: register them once.
  global ??= Promise.resolve(container.registerGlobal(process.env['LEGATO_FIX_LOG'] ? stderrLogs() : new fix.EmptyLogFactory()));
  await global;
  const system = await container.makeSystem(description);
  const config = system.resolve('IJsFixConfig') as FixConfig;
  if (storeDir !== undefined) {
    config.sessionStoreFactory = { create: (sessionId: unknown) => new fix.FileSessionStore(sessionId, syncProvider(fix, sessionId, storeDir), true) };
  }
  return config;
}

/** jspurefix's QuickFIX-format file provider, with the sequence numbers and the index written synchronously. */
function syncProvider(fix: Jspurefix, sessionId: unknown, dir: string): unknown {
  const provider = new fix.FileSessionStreamProvider(sessionId, dir);
  const paths = provider as unknown as { seqNumsPath: string; headerPath: string };
  provider.writeSeqNums = async (content: string): Promise<void> => {
    const tmp = `${paths.seqNumsPath}.tmp`;
    writeFileSync(tmp, content, 'utf8');
    renameSync(tmp, paths.seqNumsPath);
  };
  provider.appendHeaderLine = async (line: string): Promise<void> => {
    appendFileSync(paths.headerPath, line + '\n', 'utf8');
  };
  return provider;
}

/** A session description for jspurefix from Legato's settings. */
export function describeSession(o: {
  name: string;
  type: 'initiator' | 'acceptor';
  dictionary: string;
  senderCompId: string;
  targetCompId: string;
  username?: string;
  password?: string;
  heartbeatSeconds: number;
  host: string;
  port: number;
  storeDir: string | undefined;
}): FixSessionDescription {
  return {
    application: { name: o.name, type: o.type, protocol: 'ascii', dictionary: o.dictionary, reconnectSeconds: 1, resilient: false, tcp: { host: o.host, port: o.port } },
    Name: o.name,
    SenderCompId: o.senderCompId,
    TargetCompID: o.targetCompId,
    // Absent, not empty: jspurefix would send an empty field.
    SenderSubID: undefined as unknown as string,
    TargetSubID: undefined as unknown as string,
    BeginString: 'FIX.4.4',
    Username: (o.username || undefined) as string,
    Password: (o.password || undefined) as string,
    ResetSeqNumFlag: false,
    HeartBtInt: o.heartbeatSeconds,
    ...(o.storeDir !== undefined ? { store: { type: 'file' as const, directory: o.storeDir } } : {}),
  };
}

/** jspurefix's own session log on stderr (LEGATO_FIX_LOG=1), to diagnose a counterparty. */
function stderrLogs(): unknown {
  const logger = (type: string) => {
    const line = (level: string, m: unknown): void => void process.stderr.write(`fix ${level} [${type}] ${m instanceof Error ? m.message : String(m)}\n`);
    return { info: (m: string) => line('info', m), warning: (m: string) => line('warn', m), debug: () => {}, error: (e: Error) => line('error', e) };
  };
  return { logger, plain: () => logger('plain') };
}
