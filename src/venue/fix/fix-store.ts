import { closeSync, constants, ftruncateSync, openSync, writeSync } from 'node:fs';
import type { Jspurefix } from './jspurefix.js';

/**
 * The session store on disk: jspurefix's QuickFIX-format file store, with the sequence numbers written
 * synchronously and the next outgoing number never lowered (docs/fix.md, *Sequence numbers*).
 */

/** The session store's sequence-number part as Legato drives it (fix-session.ts). */
export type SeqStore = {
  senderSeqNum: number;
  setSenderSeqNum(n: number): Promise<void>;
  /** Legato's file store: stores `n` as the next number to send now, synchronously, if it is higher. */
  storeNextOut?(n: number): void;
};

/**
 * jspurefix's file store on the synchronous provider, with the next outgoing number that never goes down: jspurefix
 * calls setSenderSeqNum(MsgSeqNum + 1) for every message it encodes, and a PossDupFlag copy or a GapFill carries
 * an old number. `storeNextOut` writes the record at once (the session calls it as it numbers each message).
 */
export function fileStore(fix: Jspurefix, sessionId: unknown, dir: string): unknown {
  const provider = syncProvider(fix, sessionId, dir);
  const store = new fix.FileSessionStore(sessionId, provider.provider, true) as unknown as SeqStore & { targetSeqNum: number };
  const storeNextOut = (n: number): void => {
    if (!(n > store.senderSeqNum)) return;
    store.senderSeqNum = n;
    provider.writeNow(`${String(n).padStart(20, ' ')} : ${String(store.targetSeqNum).padStart(20, ' ')}`);
  };
  store.storeNextOut = storeNextOut;
  store.setSenderSeqNum = async (n: number): Promise<void> => storeNextOut(n);
  return store;
}

/**
 * jspurefix's QuickFIX-format file provider, with the sequence numbers and the index written synchronously:
 * each number is on disk before the next message is handled. The numbers are one fixed-width record
 * (`%20d : %20d`), written in place at offset 0 through a descriptor kept open: one small positional write
 * (a process killed mid-way has written it or not), not a file created and renamed per message, which cost
 * about half a millisecond each and, at hundreds of messages a second, held the event loop long enough to
 * put the engine seconds behind its venue.
 */
function syncProvider(fix: Jspurefix, sessionId: unknown, dir: string): { provider: unknown; writeNow(content: string): void } {
  const provider = new fix.FileSessionStreamProvider(sessionId, dir);
  const p = provider as unknown as { seqNumsPath: string; headerPath: string; reset(): Promise<void>; dispose(): Promise<void> };
  let seqFd: number | null = null;
  let seqLength = -1;
  let headerFd: number | null = null;
  const close = (): void => {
    for (const fd of [seqFd, headerFd]) if (fd !== null) closeSync(fd);
    seqFd = headerFd = null;
    seqLength = -1;
  };
  const writeNow = (content: string): void => {
    // Opened without truncating: the file always holds a whole record, the last one written.
    seqFd ??= openSync(p.seqNumsPath, constants.O_WRONLY | constants.O_CREAT, 0o644);
    const bytes = Buffer.from(content, 'utf8');
    writeSync(seqFd, bytes, 0, bytes.length, 0);
    if (bytes.length !== seqLength) ftruncateSync(seqFd, bytes.length);
    seqLength = bytes.length;
  };
  provider.writeSeqNums = async (content: string): Promise<void> => writeNow(content);
  provider.appendHeaderLine = async (line: string): Promise<void> => {
    headerFd ??= openSync(p.headerPath, 'a');
    writeSync(headerFd, line + '\n');
  };
  // A reset deletes the files (our descriptors would write to deleted ones); a disposed store lets them go.
  const reset = p.reset.bind(provider);
  p.reset = async () => {
    close();
    await reset();
  };
  const dispose = p.dispose.bind(provider);
  p.dispose = async () => {
    close();
    await dispose();
  };
  return { provider, writeNow };
}

