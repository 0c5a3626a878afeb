import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, Socket, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FixSequenceError, FixVenueError, type FixConnectionState } from '../../../src/venue/fix/fix-venue.js';
import { connectVenue, record, startAcceptor, tempDir, until } from './harness.js';

/**
 * The engine's outgoing sequence number on disk. A number stored behind what the counterparty received makes the
 * restarted engine's Logon "MsgSeqNum too low", which a counterparty answers with a Logout: these tests leave the
 * store in the states a crash can leave it in, and check that the next number is stored before the bytes leave,
 * that nothing sent later moves it back, and that a Logon refused as too low is recovered (once, with a named
 * error when the counterparty keeps refusing). Every wait polls with a generous bound; no duration is asserted.
 */

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function seqFile(dir: string): string {
  const file = readdirSync(dir).find((f) => f.endsWith('.seqnums'));
  if (!file) throw new Error(`no .seqnums in ${dir}`);
  return join(dir, file);
}

/** A store's sequence numbers: the next it sends, the next it expects. */
function stored(dir: string): { sender: number; target: number } {
  const [sender, target] = readFileSync(seqFile(dir), 'utf8').split(':').map((x) => Number(x.trim()));
  return { sender: sender!, target: target! };
}

/** Rewrites the store's next outgoing number, as a process killed at some point would have left it. */
function storeSender(dir: string, sender: number): void {
  const { target } = stored(dir);
  writeFileSync(seqFile(dir), `${String(sender).padStart(20, ' ')} : ${String(target).padStart(20, ' ')}`);
}

/** A hand-made FIX message (BodyLength and CheckSum computed). */
function fixMessage(fields: [number, string][]): string {
  const body = fields.map(([t, v]) => `${t}=${v}\x01`).join('');
  const head = `8=FIX.4.4\x019=${Buffer.byteLength(body)}\x01`;
  const sum = [...Buffer.from(head + body)].reduce((a, b) => a + b, 0) % 256;
  return `${head}${body}10=${String(sum).padStart(3, '0')}\x01`;
}

describe('the FIX engine stores its next sequence number durably', () => {
  it('stores the next number before the message reaches the socket', async () => {
    const acceptor = await startAcceptor({ timeMs: 0, heartbeatSeconds: 30 });
    cleanup.push(() => acceptor.close());
    const store = tempDir('seq-before-send');
    // Every write to a socket in this process: the engine's outgoing message, and its store as it was then.
    const seen: { seq: number; storedNext: number }[] = [];
    const write = Socket.prototype.write;
    Socket.prototype.write = function (this: Socket, chunk: unknown, ...rest: unknown[]) {
      const text = Buffer.isBuffer(chunk) ? chunk.toString('latin1') : String(chunk);
      const m = text.includes('\x0149=LEGATO\x01') ? /\x0134=(\d+)\x01/.exec(text) : null;
      if (m) {
        try {
          seen.push({ seq: Number(m[1]), storedNext: stored(store).sender });
        } catch {
          seen.push({ seq: Number(m[1]), storedNext: 0 });
        }
      }
      return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof Socket.prototype.write;
    cleanup.push(() => void (Socket.prototype.write = write));
    const venue = await connectVenue(acceptor, { storeDir: store, heartbeatSeconds: 30, marketData: false });
    cleanup.push(() => venue.stop());
    const w = record(venue);
    venue.submit({ clientId: 'sb-1', symbol: 'RB', side: 1, qty: 1, price: 1 });
    await until(() => w.of('sb-1').length > 0, 'sb-1 answered');
    expect(seen.length).toBeGreaterThanOrEqual(2); // the Logon and the order at least
    // Each message's number was on disk as used (the next one stored) when its bytes were handed to the socket.
    for (const s of seen) expect(s.storedNext).toBeGreaterThan(s.seq);
  });

  it('a SequenceReset-GapFill the engine sends (its old number, PossDupFlag=Y) does not move the stored number back', async () => {
    const acceptor = await startAcceptor({ timeMs: 0, heartbeatSeconds: 30 });
    cleanup.push(() => acceptor.close());
    const store = tempDir('seq-gapfill');
    const first = await connectVenue(acceptor, { storeDir: store, heartbeatSeconds: 30, marketData: false });
    first.crash();
    await until(() => !acceptor.connected, 'the acceptor seeing it gone');
    // Two messages the engine counted that never reached the venue (sent as the connection died): the venue will
    // ask for them on the next Logon and the engine gap-fills them.
    const left = stored(store).sender;
    storeSender(store, left + 2);
    const second = await connectVenue(acceptor, { storeDir: store, heartbeatSeconds: 30, marketData: false });
    await until(() => (acceptor.received.get('4') ?? 0) >= 1, 'the engine gap-filling the venue\'s ResendRequest');
    const next = second.sequences()!.nextOut;
    expect(next).toBe(left + 3); // its Logon took left + 2
    expect(stored(store).sender).toBe(next);
    // Killed now, before it sends anything else: the next engine must log on where this one stopped.
    second.crash();
    await until(() => !acceptor.connected, 'the acceptor seeing it gone');
    const third = await connectVenue(acceptor, { storeDir: store, heartbeatSeconds: 30, marketData: false });
    cleanup.push(() => third.stop());
    expect(third.isConnected()).toBe(true);
    expect(third.counts.sequenceResumes).toBe(0);
  });
});

describe('a Logon refused as "MsgSeqNum too low" is recovered', () => {
  it('after a kill between send and store (the store one behind), the engine resumes from the number the venue expects, logs on and trades', async () => {
    const acceptor = await startAcceptor();
    cleanup.push(() => acceptor.close());
    const store = tempDir('seq-behind');
    const first = await connectVenue(acceptor, { storeDir: store });
    const w1 = record(first);
    await until(() => w1.last('RB') !== undefined, 'a quote');
    first.submit({ clientId: 'sl-1', symbol: 'RB', side: 1, qty: 1, price: w1.last('RB')!.ask + 20 });
    await until(() => w1.fills('sl-1').length === 1, 'a fill');
    first.crash();
    await until(() => !acceptor.connected, 'the acceptor seeing it gone');
    const expected = acceptor.sequences()!.lastIn + 1;
    // The last message's number was sent but not stored.
    storeSender(store, expected - 1);
    const second = await connectVenue(acceptor, { storeDir: store });
    cleanup.push(() => second.stop());
    expect(second.isConnected()).toBe(true);
    expect(second.counts.sequenceResumes).toBe(1);
    expect(acceptor.ended.map((e) => e.error).filter((e) => e?.startsWith('MsgSeqNum'))).toEqual([`MsgSeqNum too low, expecting ${expected} but received ${expected - 1}`]);
    // It logged on with the number the venue expected, and stored what follows.
    expect(second.sequences()!.nextOut).toBeGreaterThan(expected);
    expect(stored(store).sender).toBe(second.sequences()!.nextOut);
    // What it may have sent with the lost number is found by the reconciliation: sl-1 filled, its fill's id kept.
    const s = await second.sync(['sl-1']);
    expect(s.orders[0]).toMatchObject({ clientId: 'sl-1', status: 'filled', filled: 1 });
    expect(s.orders[0]!.fills.map((f) => f.tradeId)).toEqual(w1.fills('sl-1').map((f) => f.tradeId));
    const w2 = record(second);
    await until(() => w2.last('RB') !== undefined, 'a quote');
    second.submit({ clientId: 'sl-2', symbol: 'RB', side: 1, qty: 1, price: w2.last('RB')!.ask + 20 });
    await until(() => w2.fills('sl-2').length === 1, 'trading after the recovery');
  });

  it('a reconnection refused as too low recovers the same way, and says so in state$', async () => {
    const acceptor = await startAcceptor();
    cleanup.push(() => acceptor.close());
    const store = tempDir('seq-behind-reconnect');
    const venue = await connectVenue(acceptor, { storeDir: store, reconnect: true, backoffMs: { first: 20, max: 200 } });
    venue.onReconnected = async () => void (await venue.sync([]));
    cleanup.push(() => venue.stop());
    const states: { state: FixConnectionState; detail?: string }[] = [];
    venue.state$.subscribe((s) => states.push({ state: s.state, ...(s.detail !== undefined ? { detail: s.detail } : {}) }));
    const w = record(venue);
    await until(() => w.last('RB') !== undefined, 'a quote');
    // The line drops, and the venue has counted one message more from the engine than the engine's store says (as
    // after a store write lost in a kill): the engine's next Logon is one too low.
    acceptor.disconnect();
    acceptor.assumeReceived(1);
    const expected = acceptor.sequences()!.lastIn + 1;
    await until(() => states.at(-1)?.state === 'connected', 'the reconnection', 30_000);
    expect(venue.counts.sequenceResumes).toBe(1);
    expect(states.map((s) => s.detail ?? '')).toContain(`MsgSeqNum too low: the venue expects ${expected}, resuming from it`);
    venue.submit({ clientId: 'sr-1', symbol: 'RB', side: 1, qty: 1, price: w.last('RB')!.ask + 20 });
    await until(() => w.fills('sr-1').length === 1, 'trading after the recovery');
  });

  it('a counterparty that keeps refusing as too low gets one retry, then a named error (no loop)', async () => {
    // A gateway that answers every Logon with a Logout saying it expects 5000.
    let logons = 0;
    const server: Server = createServer((socket) => {
      socket.on('error', () => {});
      socket.on('data', (d) => {
        const text = d.toString('latin1');
        if (!text.includes('\x0135=A\x01')) return;
        logons++;
        const seq = /\x0134=(\d+)\x01/.exec(text)?.[1] ?? '0';
        socket.write(fixMessage([[35, '5'], [49, 'LEGATO-VENUE'], [56, 'LEGATO'], [34, '1'], [52, '20260105-09:00:00.000'], [58, `MsgSeqNum too low, expecting 5000 but received ${seq}`]]));
        socket.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
    const port = (server.address() as { port: number }).port;
    const store = tempDir('seq-stubborn');
    const attempt = connectVenue({ port } as never, { storeDir: store, port });
    await expect(attempt).rejects.toThrow(FixSequenceError);
    await expect(attempt).rejects.toThrow(/logon refused as MsgSeqNum too low again after resuming from 5000/);
    await expect(attempt).rejects.toBeInstanceOf(FixVenueError);
    expect(logons).toBe(2);
  });

  it('a "too low" refusal whose expected number is not above what was sent is not followed (a named error at once)', async () => {
    let logons = 0;
    const server: Server = createServer((socket) => {
      socket.on('error', () => {});
      socket.on('data', (d) => {
        if (!d.toString('latin1').includes('\x0135=A\x01')) return;
        logons++;
        socket.write(fixMessage([[35, '5'], [49, 'LEGATO-VENUE'], [56, 'LEGATO'], [34, '1'], [52, '20260105-09:00:00.000'], [58, 'MsgSeqNum too low, expecting 1 but received 1']]));
        socket.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
    const port = (server.address() as { port: number }).port;
    const attempt = connectVenue({ port } as never, { storeDir: tempDir('seq-nonsense'), port });
    await expect(attempt).rejects.toThrow(/logon refused: MsgSeqNum too low, expecting 1 but received 1/);
    expect(logons).toBe(1);
  });
});
