import { execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixCredentials, FixCredentialsError } from '../../../src/venue/fix/credentials.js';
import { FixTlsError, FixVenueError } from '../../../src/venue/fix/fix-venue.js';
import { connectVenue, record, startAcceptor, tempDir, until } from './harness.js';
import { certificates, hasOpenssl } from './pki.js';

/**
 * FIX over TLS on loopback, with certificates made at test time by `openssl` (pki.ts). Without an `openssl`
 * binary these tests are skipped (said in the run's output). Waits poll with generous bounds.
 */

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

const openssl = hasOpenssl();
if (!openssl) console.warn('test/venue/fix/tls.test.ts: no openssl binary, the TLS tests are skipped');

describe.skipIf(!openssl)('FIX over TLS', () => {
  it('orders flow over TLS (the venue\'s certificate checked against our CA); a plain-TCP engine cannot log on there', async () => {
    const p = certificates();
    const logs: string[] = [];
    const acceptor = await startAcceptor({ tls: { cert: p.serverCert, key: p.serverKey }, log: (l) => logs.push(l) });
    cleanup.push(() => acceptor.close());
    const venue = await connectVenue(acceptor, { tls: { ca: p.ca, rejectUnauthorized: true } });
    cleanup.push(() => venue.stop());
    const w = record(venue);
    await until(() => w.last('RB') !== undefined, 'a quote over TLS');
    venue.submit({ clientId: 'tls-1', symbol: 'RB', side: 1, qty: 1, price: w.last('RB')!.ask + 20 });
    await until(() => w.fills('tls-1').length === 1, 'a fill over TLS');
    expect(w.of('tls-1').map((r) => r.type)).toEqual(['order.accepted', 'order.filled']);
    // The same port does not speak FIX in the clear.
    await expect(connectVenue(acceptor, { storeDir: tempDir('plain'), timeoutMs: 5_000 })).rejects.toThrow(FixVenueError);
    await until(() => logs.some((l) => l.startsWith('a TLS handshake failed')), 'the venue logging the plain client');
    expect(venue.isConnected()).toBe(true);
  });

  it('a venue certificate from another CA is refused with FixTlsError (no logon, no crash); the venue keeps serving', async () => {
    const p = certificates();
    const acceptor = await startAcceptor({ tls: { cert: p.serverCert, key: p.serverKey } });
    cleanup.push(() => acceptor.close());
    const wrong = connectVenue(acceptor, { tls: { ca: p.otherCa, rejectUnauthorized: true } });
    await expect(wrong).rejects.toThrow(FixTlsError);
    await expect(wrong).rejects.toThrow(/TLS with the FIX venue at 127\.0\.0\.1:\d+ failed: unable to verify the first certificate \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/);
    // A name the certificate does not carry is refused too.
    await expect(connectVenue(acceptor, { tls: { ca: p.ca, servername: 'fix.example.com', rejectUnauthorized: true } })).rejects.toThrow(/ERR_TLS_CERT_ALTNAME_INVALID/);
    expect(acceptor.connected).toBe(false);
    const venue = await connectVenue(acceptor, { tls: { ca: p.ca, servername: 'localhost', rejectUnauthorized: true } });
    cleanup.push(() => venue.stop());
    expect(venue.isConnected()).toBe(true);
  });

  it('mutual TLS: a venue with a CA for clients refuses an engine without a client certificate, and serves one with it', async () => {
    const p = certificates();
    const logs: string[] = [];
    const acceptor = await startAcceptor({ tls: { cert: p.serverCert, key: p.serverKey, ca: p.ca }, log: (l) => logs.push(l) });
    cleanup.push(() => acceptor.close());
    await expect(connectVenue(acceptor, { storeDir: tempDir('no-client-cert'), tls: { ca: p.ca, rejectUnauthorized: true }, timeoutMs: 5_000 })).rejects.toThrow(FixVenueError);
    await until(() => logs.some((l) => l.startsWith('a TLS handshake failed')), 'the venue logging the refused handshake');
    expect(acceptor.connected).toBe(false);
    const venue = await connectVenue(acceptor, { tls: { ca: p.ca, cert: p.clientCert, key: p.clientKey, rejectUnauthorized: true } });
    cleanup.push(() => venue.stop());
    const w = record(venue);
    await until(() => w.last('RB') !== undefined, 'a quote');
    venue.submit({ clientId: 'mtls-1', symbol: 'RB', side: 1, qty: 1, price: w.last('RB')!.ask + 20 });
    await until(() => w.fills('mtls-1').length === 1, 'a fill over mutual TLS');
  });
});

describe.skipIf(!openssl)('TLS settings come from the credentials source', () => {
  const base = { LEGATO_FIX_SENDER_COMP_ID: 'LEGATO', LEGATO_FIX_TARGET_COMP_ID: 'LEGATO-VENUE' };

  it('none: plain TCP; LEGATO_FIX_TLS=1 alone: TLS with the public roots, certificates checked', () => {
    expect(fixCredentials(base).tls).toBeUndefined();
    expect(fixCredentials({ ...base, LEGATO_FIX_TLS: '1' }).tls).toEqual({ rejectUnauthorized: true });
  });

  it('reads the CA, the client certificate and key, the server name and the check from the environment or the file', () => {
    const p = certificates();
    const env = { ...base, LEGATO_FIX_TLS_CA: join(p.dir, 'ca.pem'), LEGATO_FIX_TLS_CERT: join(p.dir, 'client.pem'), LEGATO_FIX_TLS_KEY: join(p.dir, 'client.key'), LEGATO_FIX_TLS_SERVERNAME: 'fix.broker.example' };
    expect(fixCredentials(env).tls).toEqual({ ca: p.ca, cert: p.clientCert, key: p.clientKey, servername: 'fix.broker.example', rejectUnauthorized: true });
    const file = join(tempDir('tls-creds'), 'fix.env');
    writeFileSync(file, `LEGATO_FIX_TLS=yes\nLEGATO_FIX_TLS_CA=${join(p.dir, 'other-ca.pem')}\nLEGATO_FIX_TLS_REJECT_UNAUTHORIZED=0\n`);
    chmodSync(file, 0o600);
    expect(fixCredentials(base, file).tls).toEqual({ ca: p.otherCa, rejectUnauthorized: false });
  });

  it('refuses contradictions, half a client certificate, a key readable by others, a file that is not PEM (FixCredentialsError)', () => {
    const p = certificates();
    const ca = join(p.dir, 'ca.pem');
    const refused = (env: Record<string, string>): string => {
      try {
        fixCredentials({ ...base, ...env });
      } catch (e) {
        expect(e).toBeInstanceOf(FixCredentialsError);
        return (e as Error).message;
      }
      throw new Error('not refused');
    };
    expect(refused({ LEGATO_FIX_TLS: '0', LEGATO_FIX_TLS_CA: ca })).toBe('LEGATO_FIX_TLS is off but LEGATO_FIX_TLS_CA is set: remove it, or turn LEGATO_FIX_TLS on');
    expect(refused({ LEGATO_FIX_TLS: 'maybe' })).toBe('LEGATO_FIX_TLS="maybe": expected 1, true, yes or 0, false, no');
    expect(refused({ LEGATO_FIX_TLS_CERT: join(p.dir, 'client.pem') })).toBe('a client certificate needs both LEGATO_FIX_TLS_CERT and LEGATO_FIX_TLS_KEY (got only LEGATO_FIX_TLS_CERT)');
    const open = join(tempDir('tls-open'), 'client.key');
    writeFileSync(open, p.clientKey);
    chmodSync(open, 0o644);
    expect(refused({ LEGATO_FIX_TLS_CERT: join(p.dir, 'client.pem'), LEGATO_FIX_TLS_KEY: open })).toBe(`the FIX TLS client key (LEGATO_FIX_TLS_KEY) ${open} is readable by others (mode 644): chmod 600 it`);
    const notPem = join(tempDir('tls-der'), 'ca.der');
    writeFileSync(notPem, Buffer.from([0x30, 0x82, 0x01, 0x0a]));
    expect(refused({ LEGATO_FIX_TLS_CA: notPem })).toBe(`the FIX TLS CA file (LEGATO_FIX_TLS_CA) ${notPem} holds no PEM block (-----BEGIN …-----)`);
    expect(refused({ LEGATO_FIX_TLS_CA: join(p.dir, 'missing.pem') })).toMatch(/^cannot read the FIX TLS CA file \(LEGATO_FIX_TLS_CA\) .*missing\.pem: ENOENT/);
    // A FIFO (the read waited for a writer for ever), a device (/dev/zero was read until the heap ran out), over 1 MiB: refused unread.
    const fifo = join(tempDir('tls-fifo'), 'ca.pem');
    execFileSync('mkfifo', ['-m', '600', fifo]);
    expect(refused({ LEGATO_FIX_TLS_CA: fifo })).toBe(`cannot read the FIX TLS CA file (LEGATO_FIX_TLS_CA) ${fifo}: is a FIFO, not a regular file`);
    expect(refused({ LEGATO_FIX_TLS_CA: '/dev/zero' })).toBe('cannot read the FIX TLS CA file (LEGATO_FIX_TLS_CA) /dev/zero: is a device, not a regular file');
    const big = join(tempDir('tls-big'), 'ca.pem');
    writeFileSync(big, `${p.ca}${'#'.repeat(2 ** 20)}`);
    expect(refused({ LEGATO_FIX_TLS_CA: big })).toBe(`cannot read the FIX TLS CA file (LEGATO_FIX_TLS_CA) ${big}: is more than 1,048,576 bytes, the most read`);
    const credentials = join(tempDir('tls-cred-fifo'), 'fix.env');
    execFileSync('mkfifo', ['-m', '600', credentials]);
    expect(() => fixCredentials(base, credentials)).toThrow(`cannot read the FIX credentials file ${credentials}: is a FIFO, not a regular file`);
  });
});
