import { MsgType, Tag } from './fix-codec.js';
import { fileStore, type SeqStore } from './fix-store.js';
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
 *   and logs out). The store here writes them synchronously, in place (one fixed-width record at offset 0).
 *   jspurefix also stores the next number only after the encoded bytes were pushed to the socket (a kill in
 *   between leaves the store one behind what the peer received), and stores `MsgSeqNum + 1` of every message
 *   it encodes, a PossDupFlag copy or a SequenceReset-GapFill too, whose number is an old one (the store then
 *   went back to it until the next new message). Here the next number is stored as each message is numbered,
 *   before its bytes exist, and the stored number never goes down (a reset deletes the store instead).
 * - Logon refusals name their reason in the Logout's Text (jspurefix says "logon rejected by application").
 *   A Logon is screened (`checkLogon`) before its sequence number is counted, and a refused connection's
 *   store is muted: every connection opens the session's one store, so a stray that is refused must not
 *   write its (stale) sequence numbers over those of the session that is logged on.
 * - A Logout answering our Logon (a refusal) ends the attempt without counting its sequence number: the
 *   refusing side may not have counted it either, and a number counted too high is fatal (the next Logon
 *   answer looks "too low") where one counted too low is recovered by a ResendRequest.
 * - Liveness is judged after what arrived has been read (see `tick`), not by a timer that may fire first.
 * - Both sides check every message's integrity (checksum, known MsgType, required tags), not only the acceptor.
 */

/** A MsgSeqNum: a whole number from 1, at most 15 digits (a safe integer). */
const SEQ_NUM = /^[1-9][0-9]{0,14}$/;

export interface SessionHooks {
  /** Every message, before the session layer acts on it (the venue's clock follows SendingTime). */
  onMessage?(msgType: string, view: FixView): void;
  /** Application messages, in order, once the session is logged on. */
  onApplication(msgType: string, view: FixView): void;
  /**
   * The acceptor's check of a Logon, before its sequence number is looked at or anything is stored:
   * undefined to accept, else the reason it is refused (the Logout's Text; the store is left untouched).
   */
  checkLogon?(view: FixView, user: string | null, password: string | null): string | undefined;
  /** A Logon accepted, before the answer is sent (the acceptor continues the previous session's numbering here). */
  onLogon?(view: FixView): void;
  /** Logged on: application messages may be sent. */
  onReady(): void;
  /** The session ended (logout, a dropped connection, a timeout, a refusal). */
  onStopped(error: Error | undefined): void;
  /** Which application messages this side keeps to replay on a ResendRequest. */
  keep?(msgType: string): boolean;
  /**
   * The initiator, before its Logon is numbered: a number to send it with when the stored one is lower (the
   * counterparty refused the last Logon as "MsgSeqNum too low, expecting N"); undefined to use the store's.
   */
  logonSeqNum?(): number | undefined;
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
  /**
   * Continues numbering from at least these: the next number to send, the last received (a connection that
   * read the store while an earlier session was still writing it). Call before the Logon is answered.
   */
  continueFrom(nextOut: number, lastIn: number): void;
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
  sessionStore?: SeqStore;
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
      // jspurefix forwards a socket's error to the session (rxOnError → terminate → emit 'error'), and after the
      // session's run has settled nobody listens: an emitter's unheard 'error' throws, out of the event loop (a TLS
      // alert after the handshake did it). The error ends the session through onStopped like any other end.
      (this as unknown as NodeJS.EventEmitter).on('error', () => {});
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

    continueFrom(nextOut: number, lastIn: number): void {
      const transmitter = this.self.transport?.transmitter;
      if (transmitter && nextOut > transmitter.msgSeqNum) {
        transmitter.msgSeqNum = nextOut;
        this.storeNextOut(nextOut);
      }
      if (lastIn > this.self.sessionState.lastPeerMsgSeqNum) this.self.sessionState.lastPeerMsgSeqNum = lastIn;
    }

    /** Stores `n` as the next number to send (synchronously, in Legato's file store; never lower). */
    private storeNextOut(n: number): void {
      const store = this.self.sessionStore;
      if (store?.storeNextOut) store.storeNextOut(n);
      else if (store && n > store.senderSeqNum) store.setSenderSeqNum(n).catch(() => {});
    }

    /**
     * Each message's number is stored as it is numbered: the transmitter's encodeMessage numbers it and
     * returns, and only then are its bytes pushed towards the socket (jspurefix stored it after that push).
     */
    run(transport: FixTransport): Promise<unknown> {
      // The parser and the transmitter re-emit their stream's errors, and once the session has stopped (unsubscribed)
      // nobody hears them: an unheard 'error' throws out of the event loop (a TLS alert arriving after the session
      // ended on the same failure did). The session has ended, or ends, on that error through its own handlers.
      for (const emitter of [(transport as unknown as { receiver?: NodeJS.EventEmitter }).receiver, transport.transmitter as unknown as NodeJS.EventEmitter]) emitter?.on('error', () => {});
      const tx = transport.transmitter as unknown as { msgSeqNum: number; encodeMessage(msgType: string, obj: FixObject): FixObject | null };
      const encode = tx.encodeMessage.bind(tx);
      tx.encodeMessage = (msgType, obj) => {
        const header = encode(msgType, obj);
        if (header && !header['PossDupFlag']) this.storeNextOut(tx.msgSeqNum);
        return header;
      };
      return (Base.prototype as unknown as { run(this: unknown, t: FixTransport): Promise<unknown> }).run.call(this, transport);
    }

    /** The initiator's Logon goes with the number the counterparty asked for, when that is above the store's. */
    protected async onPreLogon(): Promise<void> {
      await (Base.prototype as unknown as { onPreLogon(this: unknown): Promise<void> }).onPreLogon.call(this);
      const n = this.hooks.logonSeqNum?.();
      const transmitter = this.self.transport?.transmitter;
      if (n !== undefined && transmitter && n > transmitter.msgSeqNum) {
        transmitter.msgSeqNum = n;
        this.storeNextOut(n);
      }
    }

    /** Refuses the Logon of a connection not logged on: its store is muted first, then the Logout names why. */
    private refuse(why: string): void {
      this.mute();
      this.refusal = why;
      this.self.sendLogout(why);
      this.kill(why);
    }

    /** This connection writes nothing more to the session store (sequence numbers, messages). */
    private mute(): void {
      const store = (this as unknown as { sessionStore?: Record<string, unknown> }).sessionStore;
      if (!store) return;
      const nothing = async (): Promise<void> => {};
      for (const k of ['put', 'setSenderSeqNum', 'setTargetSeqNum', 'reset']) store[k] = nothing;
      store['storeNextOut'] = () => {};
      store['nextSenderSeqNum'] = async () => 0;
      store['nextTargetSeqNum'] = async () => 0;
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
      // BeginSeqNo and EndSeqNo (0: to the end) must be numbers: a request for "x" to "y" is answered with a Reject
      // naming it (it used to get no answer at all, and the peer waited).
      const beginText = view.getString(7) ?? '1';
      const endText = view.getString(16) ?? '0';
      const bad = !SEQ_NUM.test(beginText) ? [7, 'BeginSeqNo', beginText] : endText !== '0' && !SEQ_NUM.test(endText) ? [16, 'EndSeqNo', endText] : undefined;
      if (bad) {
        const seq = Number(view.getString(Tag.MsgSeqNum) ?? '0');
        this.reject(seq, MsgType.ResendRequest, SessionRejectReason.ValueIsIncorrect, `${bad[1]} ${JSON.stringify(String(bad[2]).slice(0, 20))} is not a sequence number`, bad[0] as number);
        return;
      }
      const begin = Math.max(1, Number(beginText));
      const asked = Number(endText);
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

    private tickQueued = false;

    /**
     * jspurefix's heartbeat and liveness tick, run after the event loop has read what arrived: a timer that fires
     * after this process itself stalled (a busy or starved event loop) comes before the socket data that
     * arrived meanwhile is read, and would judge a peer silent that was not. setImmediate runs after that read.
     */
    protected tick(): void {
      if (this.tickQueued) return;
      this.tickQueued = true;
      setImmediate(() => {
        this.tickQueued = false;
        (Base.prototype as unknown as { tick(this: unknown): void }).tick.call(this);
      });
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
      // A MsgSeqNum that is not a number (jspurefix reads "~~~" as 8.67e20 and "abc" as 5451) would be counted,
      // and stored, as one: the session's numbers would be wrong for good. Refused before anything counts it.
      const seqText = view.getString(Tag.MsgSeqNum);
      if (seqText === null || !SEQ_NUM.test(seqText)) {
        const why = `MsgSeqNum ${seqText === null ? 'missing' : `${JSON.stringify(seqText.slice(0, 20))}${seqText.length > 20 ? '...' : ''} is not a sequence number`}`;
        if (!this.isReady) return this.refuse(why);
        this.refusal = why;
        this.self.sendLogout(why);
        this.kill(why);
        return;
      }
      // A garbled Logon (its checksum wrong) is not counted either: the connection is refused before it is.
      if (!this.isReady && msgType === MsgType.Logon && Number(view.getString(10)) !== view.checksum()) return this.refuse('checksum failed');
      if (!this.isReady && msgType === MsgType.Logout) {
        // A refusal of our Logon (or a peer leaving before it logged on): the attempt ends, its number uncounted.
        this.kill(`logged out before the logon completed${view.getString(Tag.Text) ? `: ${view.getString(Tag.Text)}` : ''}`);
        return;
      }
      if (!this.isReady && msgType === MsgType.Logon && this.hooks.checkLogon) {
        const why = this.hooks.checkLogon(view, view.getString(553), view.getString(554));
        if (why !== undefined) return this.refuse(why);
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

    /** Reached only by a Logon that passed `checkLogon` (screened in onMsg, before its number was counted). */
    protected onLogon(view: FixView, _user: string | null, _password: string | null): boolean {
      this.hooks.onLogon?.(view);
      return true;
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
    config.sessionStoreFactory = { create: (sessionId: unknown) => fileStore(fix, sessionId, storeDir) };
  }
  return config;
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
