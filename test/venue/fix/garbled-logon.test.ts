import { afterEach, describe, expect, it } from 'vitest';
import { connectVenue, fixMessage, raw, startAcceptor, tempDir, until } from './harness.js';

/**
 * Logons a peer garbles, sent raw to the acceptor with the engine's own CompIDs (no password: anyone who knows the
 * CompIDs gets this far). None may count, or store, a sequence number: each once locked the real engine out of the
 * acceptor for good ("MsgSeqNum too low, expecting 866666666666666600000"). Every wait polls with a generous
 * bound; no duration is asserted.
 */

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

const stamp = '20260105-09:00:00.000';
const logon = (seq: string) => fixMessage([[35, 'A'], [49, 'LEGATO'], [56, 'LEGATO-VENUE'], [34, seq], [52, stamp], [98, '0'], [108, '30']]);

/** Sends one raw message, waits for the acceptor's Logout and the close; what the peer received. */
async function refusedWith(port: number, message: string): Promise<string> {
  const peer = raw(port);
  cleanup.push(() => void peer.socket.destroy());
  peer.socket.write(message);
  await until(() => peer.text().includes('35=5|') && peer.closed(), 'the Logout and the close');
  return peer.text();
}

describe('a garbled Logon counts no sequence number', () => {
  for (const seq of ['~~~~~~~~~~~~~~~~~~~~', 'abc', '1.5', '99999999999999999999999', '0', '-3']) {
    it(`MsgSeqNum ${JSON.stringify(seq)}: refused by name, and the engine then logs on from 1`, async () => {
      const acceptor = await startAcceptor({ heartbeatSeconds: 30 });
      cleanup.push(() => acceptor.close());
      const why = `MsgSeqNum ${seq.length > 20 ? `${JSON.stringify(seq.slice(0, 20))}...` : JSON.stringify(seq)} is not a sequence number`;
      expect(await refusedWith(acceptor.port, logon(seq))).toContain(`|58=${why}|`);
      await until(() => acceptor.ended.length === 1, 'the refused session ended');
      expect(acceptor.ended[0]!.error).toBe(why);
      const engine = await connectVenue(acceptor, { heartbeatSeconds: 30, storeDir: tempDir('garbled') });
      cleanup.push(() => engine.stop());
      expect(engine.isConnected()).toBe(true);
    });
  }

  it('a Logon whose checksum is wrong: refused, and the engine then logs on from 1', async () => {
    const acceptor = await startAcceptor({ heartbeatSeconds: 30 });
    cleanup.push(() => acceptor.close());
    const good = logon('1');
    const sum = Number(good.slice(-4, -1));
    const bad = `${good.slice(0, -4)}${String((sum + 1) % 256).padStart(3, '0')}\x01`;
    expect(await refusedWith(acceptor.port, bad)).toMatch(/35=5\|.*58=checksum failed\|/);
    await until(() => acceptor.ended.length === 1, 'the refused session ended');
    expect(acceptor.ended[0]!.error).toBe('checksum failed');
    const engine = await connectVenue(acceptor, { heartbeatSeconds: 30, storeDir: tempDir('checksum') });
    cleanup.push(() => engine.stop());
    expect(engine.isConnected()).toBe(true);
  });
});

describe('refused logons cost the acceptor bounded memory', () => {
  it('keeps the last 100 refusals, and names a 100 KB CompID by its first 40 characters', async () => {
    const acceptor = await startAcceptor({ heartbeatSeconds: 30 });
    cleanup.push(() => acceptor.close());
    const long = 'X'.repeat(100_000);
    const text = await refusedWith(acceptor.port, fixMessage([[35, 'A'], [49, long], [56, 'LEGATO-VENUE'], [34, '1'], [52, stamp], [98, '0'], [108, '30']]));
    expect(text.length).toBeLessThan(1000);
    expect(acceptor.refused).toEqual([`unknown SenderCompID "${'X'.repeat(40)}"… (100000 characters): this venue serves LEGATO`]);
    for (let i = 0; i < 105; i++) await refusedWith(acceptor.port, fixMessage([[35, 'A'], [49, `W${i}`], [56, 'LEGATO-VENUE'], [34, '1'], [52, stamp], [98, '0'], [108, '30']]));
    expect(acceptor.refused).toHaveLength(100);
    expect(acceptor.refused[0]).toBe('unknown SenderCompID "W5": this venue serves LEGATO');
    expect(acceptor.refused[99]).toBe('unknown SenderCompID "W104": this venue serves LEGATO');
    expect(acceptor.ended.length).toBeLessThanOrEqual(100);
  });
});

describe('a ResendRequest whose range is not numbers', () => {
  it('is answered with a Reject naming the field (it used to get no answer), and the session goes on', async () => {
    const acceptor = await startAcceptor({ heartbeatSeconds: 30, timeMs: 0 });
    cleanup.push(() => acceptor.close());
    const peer = raw(acceptor.port);
    cleanup.push(() => void peer.socket.destroy());
    peer.socket.write(logon('1'));
    await until(() => acceptor.connected, 'the logon');
    peer.socket.write(fixMessage([[35, '2'], [49, 'LEGATO'], [56, 'LEGATO-VENUE'], [34, '2'], [52, stamp], [7, 'x'], [16, 'y']]));
    await until(() => peer.text().includes('35=3|'), 'the Reject');
    expect(peer.text()).toMatch(/35=3\|.*45=2\|371=7\|372=2\|373=5\|58=BeginSeqNo "x" is not a sequence number\|/);
    peer.socket.write(fixMessage([[35, '2'], [49, 'LEGATO'], [56, 'LEGATO-VENUE'], [34, '3'], [52, stamp], [7, '1'], [16, 'y']]));
    await until(() => peer.text().includes('58=EndSeqNo'), 'the second Reject');
    expect(peer.text()).toMatch(/58=EndSeqNo "y" is not a sequence number\|/);
    expect(acceptor.connected).toBe(true);
  });
});
