import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crashConfig } from '../../../scripts/crash.js';
import { cli } from '../../helpers/processes.js';
import { tempDir, until } from './harness.js';
import { certificates, hasOpenssl } from './pki.js';

/**
 * TLS from the command line: `legato venue --protocol fix --tls-cert --tls-key` and `legato run --venue fix://…`
 * with its TLS settings in the environment (LEGATO_FIX_TLS_*). Refusals are exit 2 with one line, no stack trace.
 * Waits poll with generous bounds; no duration is asserted.
 */

const BIN = resolve('bin/legato.js');
const FIX_ENV = { LEGATO_FIX_SENDER_COMP_ID: 'LEGATO', LEGATO_FIX_TARGET_COMP_ID: 'LEGATO-VENUE' };

function proc(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += String(d)));
  child.stderr.on('data', (d) => (err += String(d)));
  const exit = new Promise<number | null>((done) => child.on('exit', (c) => done(c)));
  return { child, exit, out: () => out, err: () => err };
}

function configFile(): string {
  const file = join(tempDir('tls-cli-config'), 'config.json');
  writeFileSync(file, JSON.stringify(crashConfig(9, 6, 'taker')));
  return file;
}

describe('TLS flags of `legato venue`', () => {
  it('refuses half a certificate, a client CA without TLS, TLS flags on the JSON-lines venue, an unreadable certificate (exit 2)', async () => {
    const cfg = configFile();
    const cases: [string[], string][] = [
      [['venue', '--protocol', 'fix', '--port', '0', '--tls-cert', 'c.pem', '--config', cfg], 'legato: TLS needs both --tls-cert and --tls-key (got only --tls-cert)\n'],
      [['venue', '--protocol', 'fix', '--port', '0', '--tls-ca', 'ca.pem', '--config', cfg], 'legato: --tls-ca (client certificates) needs TLS: --tls-cert and --tls-key\n'],
      [['venue', '--socket', '/tmp/x.sock', '--tls-cert', 'c.pem', '--tls-key', 'k.pem', '--config', cfg], 'legato: --tls-cert, --tls-key: for --protocol fix only; the JSON-lines venue listens on --socket <path|port>\n'],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toBe(message);
    }
    const missing = await cli(['venue', '--protocol', 'fix', '--port', '0', '--tls-cert', '/nonexistent/c.pem', '--tls-key', '/nonexistent/k.pem', '--config', cfg]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^legato: cannot read the TLS certificate \(--tls-cert\) \/nonexistent\/c\.pem: ENOENT[^\n]*\n$/);
  });
});

describe.skipIf(!hasOpenssl())('over TLS from the command line', () => {
  it('the venue serves TLS; an engine whose CA is not the venue\'s exits 2 naming the TLS failure, no stack trace', { timeout: 180_000 }, async () => {
    const p = certificates();
    const venue = proc(['venue', '--protocol', 'fix', '--port', '0', '--config', configFile(), '--tls-cert', join(p.dir, 'server.pem'), '--tls-key', join(p.dir, 'server.key')], FIX_ENV);
    try {
      await until(() => venue.err().includes('listening on'), 'the venue listening', 120_000);
      expect(venue.err()).toMatch(/FIX 4\.4 acceptor listening on 127\.0\.0\.1:\d+ over TLS as LEGATO-VENUE for LEGATO/);
      const port = Number(/127\.0\.0\.1:(\d+)/.exec(venue.err())![1]);
      const engine = proc(['run', '--config', configFile(), '--venue', `fix://127.0.0.1:${port}`, '--data-dir', join(tempDir('tls-cli-run'), 'data')], { ...FIX_ENV, LEGATO_FIX_TLS_CA: join(p.dir, 'other-ca.pem') });
      expect(await engine.exit).toBe(2);
      expect(engine.err()).toBe(`legato: fix://127.0.0.1:${port}: TLS with the FIX venue at 127.0.0.1:${port} failed: unable to verify the first certificate (UNABLE_TO_VERIFY_LEAF_SIGNATURE)\n`);
      await until(() => venue.err().includes('a TLS handshake failed'), 'the venue logging the refused handshake', 30_000);
      expect(venue.child.exitCode).toBe(null);
    } finally {
      venue.child.kill('SIGTERM');
      await venue.exit;
    }
  });
});
