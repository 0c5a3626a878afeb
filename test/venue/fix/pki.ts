import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './harness.js';

/**
 * Certificates for the TLS tests, made by `openssl` at test time (nothing committed, nothing that expires in the
 * repository): a CA, the venue's certificate for localhost and 127.0.0.1 signed by it, an engine's client
 * certificate signed by it, and a second, unrelated CA. Keys are chmod 600.
 */

export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface Pki {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  otherCa: string;
}

let pki: Pki | undefined;

/** Makes the certificates once per file (EC P-256: fast), valid for two days. */
export function certificates(): Pki {
  if (pki) return pki;
  const dir = tempDir('tls');
  const ssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const ca = (name: string, file: string): void => ssl('req', '-x509', ...ec, '-keyout', `${file}.key`, '-out', `${file}.pem`, '-days', '2', '-subj', `/CN=${name}`);
  const signed = (name: string, file: string, ext: string): void => {
    ssl('req', ...ec, '-keyout', `${file}.key`, '-out', `${file}.csr`, '-subj', `/CN=${name}`);
    writeFileSync(join(dir, `${file}.ext`), ext);
    ssl('x509', '-req', '-in', `${file}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${file}.pem`, '-days', '2', '-extfile', `${file}.ext`);
  };
  ca('Legato Test CA', 'ca');
  ca('Some Other CA', 'other-ca');
  signed('localhost', 'server', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  signed('LEGATO', 'client', 'extendedKeyUsage=clientAuth\n');
  for (const f of ['ca.key', 'other-ca.key', 'server.key', 'client.key']) chmodSync(join(dir, f), 0o600);
  const read = (f: string): string => readFileSync(join(dir, f), 'utf8');
  pki = { dir, ca: read('ca.pem'), serverCert: read('server.pem'), serverKey: read('server.key'), clientCert: read('client.pem'), clientKey: read('client.key'), otherCa: read('other-ca.pem') };
  return pki;
}

