import { afterEach, describe, expect, it } from 'vitest';
import type { FixConnectionState } from '../../../src/venue/fix/fix-venue.js';
import { connectVenue, fixMessage, raw, record, startAcceptor, storeNumbers, tempDir, until } from './harness.js';

/**
 * One session per pair of CompIDs: a second Logon with the engine's CompIDs (a stray client, a second copy of
 * the engine) is refused while the engine is logged on, the engine trades on, and the refused connection
 * writes nothing to the session store. Every wait polls with a generous bound; no duration is asserted.
 */

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

describe('the FIX acceptor serves one session at a time', () => {
  it('refuses a second logon with the same CompIDs (and the right password) while the engine is logged on; the engine trades on', async () => {
    const acceptor = await startAcceptor({ password: 'sesame' });
    cleanup.push(() => acceptor.close());
    const engine = await connectVenue(acceptor, { password: 'sesame' });
    cleanup.push(() => engine.stop());
    const w = record(engine);
    const states: FixConnectionState[] = [];
    engine.state$.subscribe((s) => states.push(s.state));
    await until(() => w.last('RB') !== undefined, 'a quote');

    // The same identity, its own (empty) store: a second copy of the engine.
    await expect(connectVenue(acceptor, { password: 'sesame', storeDir: tempDir('stray') })).rejects.toThrow(/logon refused.*LEGATO is already logged on to LEGATO-VENUE \(since .*\): one session at a time/);
    // Without a store at all, numbered from 1: refused for the same reason, not as "too low".
    await expect(connectVenue(acceptor, { password: 'sesame', storeDir: undefined })).rejects.toThrow(/already logged on/);
    expect(acceptor.refused.filter((r) => r.includes('already logged on'))).toHaveLength(2);

    expect(engine.isConnected()).toBe(true);
    expect(acceptor.connected).toBe(true);
    engine.submit({ clientId: 'one-1', symbol: 'RB', side: 1, qty: 1, price: w.last('RB')!.ask + 20 });
    await until(() => w.fills('one-1').length === 1, 'a fill after the refusals');
    expect(states).not.toContain('disconnected');
  });

  it('a refused connection leaves the session store as the session logged on wrote it', async () => {
    const store = tempDir('one-store');
    // No time heartbeats and a long HeartBtInt: nothing is sent at rest, so only the refused connection could write.
    const acceptor = await startAcceptor({ storeDir: store, timeMs: 0, heartbeatSeconds: 30 });
    cleanup.push(() => acceptor.close());
    const engine = await connectVenue(acceptor, { heartbeatSeconds: 30, marketData: false });
    cleanup.push(() => engine.stop());
    const w = record(engine);
    // The stray connects (and reads the store) now, and logs on only after the session has numbered past it.
    const stray = raw(acceptor.port);
    cleanup.push(() => void stray.socket.destroy());
    for (let i = 1; i <= 3; i++) {
      engine.submit({ clientId: `st-${i}`, symbol: 'RB', side: 1, qty: 1, price: 1 });
      await until(() => w.of(`st-${i}`).length > 0, `st-${i} answered`);
    }
    await until(() => storeNumbers(store).sender === acceptor.sequences()!.nextOut, 'the store written');
    const before = storeNumbers(store);
    const stamp = '20260105-09:00:00.000';
    stray.socket.write(fixMessage([[35, 'A'], [49, 'LEGATO'], [56, 'LEGATO-VENUE'], [34, '1'], [52, stamp], [98, '0'], [108, '30']]));
    await until(() => stray.text().includes('35=5|'), 'the Logout');
    expect(stray.text()).toMatch(/35=5\|.*58=LEGATO is already logged on to LEGATO-VENUE/);
    await until(() => stray.closed(), 'the stray closed');
    expect(storeNumbers(store)).toEqual(before);
    // The session goes on with its own numbers.
    engine.submit({ clientId: 'st-4', symbol: 'RB', side: 1, qty: 1, price: 1 });
    await until(() => w.of('st-4').length > 0, 'st-4 answered');
    expect(storeNumbers(store).sender).toBeGreaterThan(before.sender);
    expect(engine.isConnected()).toBe(true);
  });

  it('once the engine is gone (killed), the next logon is served and continues the numbering', async () => {
    const acceptor = await startAcceptor();
    cleanup.push(() => acceptor.close());
    const store = tempDir('one-restart');
    const first = await connectVenue(acceptor, { storeDir: store });
    const w = record(first);
    await until(() => w.last('RB') !== undefined, 'a quote');
    const sent = acceptor.sequences()!.nextOut;
    first.crash();
    await until(() => !acceptor.connected, 'the acceptor seeing it gone');
    const second = await connectVenue(acceptor, { storeDir: store });
    cleanup.push(() => second.stop());
    expect(second.isConnected()).toBe(true);
    expect(acceptor.sequences()!.nextOut).toBeGreaterThan(sent);
  });
});
