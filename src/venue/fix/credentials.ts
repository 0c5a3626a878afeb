import { statSync } from 'node:fs';
import { readRegularFile } from '../../io/read-file.js';
import { LegatoError } from '../../domain/errors.js';

/** The FIX session's identity and secrets could not be read. */
export class FixCredentialsError extends LegatoError {
  override name = 'FixCredentialsError';
}

/**
 * TLS to the counterparty (FIXS): the PEM texts read from the files named (never the names of files in a config).
 * `ca` replaces Node's public roots (a broker's private CA); `cert` and `key` are our client certificate, for a
 * gateway that asks for one; `servername` is the name the gateway's certificate must carry (and SNI), by default
 * the host; `rejectUnauthorized` false accepts any certificate (a test gateway only: it says so in the logs).
 */
export interface FixTls {
  ca?: string;
  cert?: string;
  key?: string;
  servername?: string;
  rejectUnauthorized: boolean;
}

export interface FixCredentials {
  senderCompId: string;
  targetCompId: string;
  username?: string;
  password?: string;
  /** Present when the session runs over TLS (LEGATO_FIX_TLS=1, or any LEGATO_FIX_TLS_* setting). */
  tls?: FixTls;
}

const KEYS = {
  senderCompId: 'LEGATO_FIX_SENDER_COMP_ID',
  targetCompId: 'LEGATO_FIX_TARGET_COMP_ID',
  username: 'LEGATO_FIX_USERNAME',
  password: 'LEGATO_FIX_PASSWORD',
  tls: 'LEGATO_FIX_TLS',
  tlsCa: 'LEGATO_FIX_TLS_CA',
  tlsCert: 'LEGATO_FIX_TLS_CERT',
  tlsKey: 'LEGATO_FIX_TLS_KEY',
  tlsServername: 'LEGATO_FIX_TLS_SERVERNAME',
  tlsRejectUnauthorized: 'LEGATO_FIX_TLS_REJECT_UNAUTHORIZED',
} as const;

/** A yes/no setting: 1, true, yes / 0, false, no (any case); undefined when absent. */
function flag(name: string, value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  if (/^(1|true|yes)$/i.test(value)) return true;
  if (/^(0|false|no)$/i.test(value)) return false;
  throw new FixCredentialsError(`${name}=${JSON.stringify(value)}: expected 1, true, yes or 0, false, no`);
}

/** The largest credentials file (a dozen KEY=value lines) and PEM file (a certificate chain) read: a regular file only (a FIFO would block the read, a device never end it). */
const MAX_CREDENTIALS_BYTES = 64 * 1024;
const MAX_PEM_BYTES = 1024 * 1024;

/**
 * Reads a PEM file named by `what`. A private key must not be readable by others (as the credentials file), and
 * every file must hold PEM text: a wrong path or a DER file is said here, not as a handshake failure later.
 */
export function readPem(what: string, file: string, secret = false): string {
  let text: string;
  try {
    const mode = statSync(file).mode;
    if (secret && process.platform !== 'win32' && (mode & 0o077) !== 0) throw new FixCredentialsError(`${what} ${file} is readable by others (mode ${(mode & 0o777).toString(8)}): chmod 600 it`);
    text = readRegularFile(file, MAX_PEM_BYTES).toString('utf8');
  } catch (e) {
    if (e instanceof FixCredentialsError) throw e;
    throw new FixCredentialsError(`cannot read ${what} ${file}: ${(e as Error).message}`);
  }
  if (!/-----BEGIN [A-Z0-9 ]+-----/.test(text)) throw new FixCredentialsError(`${what} ${file} holds no PEM block (-----BEGIN …-----)`);
  return text;
}

/** The TLS settings among the values read, else undefined (plain TCP). */
function tlsOf(values: Record<string, string | undefined>): FixTls | undefined {
  const named = [KEYS.tlsCa, KEYS.tlsCert, KEYS.tlsKey, KEYS.tlsServername, KEYS.tlsRejectUnauthorized].filter((k) => values[k]);
  const on = flag(KEYS.tls, values[KEYS.tls]);
  if (on === false) {
    if (named.length > 0) throw new FixCredentialsError(`${KEYS.tls} is off but ${named.join(', ')} ${named.length > 1 ? 'are' : 'is'} set: remove ${named.length > 1 ? 'them' : 'it'}, or turn ${KEYS.tls} on`);
    return undefined;
  }
  if (on !== true && named.length === 0) return undefined;
  const cert = values[KEYS.tlsCert];
  const key = values[KEYS.tlsKey];
  if (!cert !== !key) throw new FixCredentialsError(`a client certificate needs both ${KEYS.tlsCert} and ${KEYS.tlsKey} (got only ${cert ? KEYS.tlsCert : KEYS.tlsKey})`);
  const ca = values[KEYS.tlsCa];
  const servername = values[KEYS.tlsServername];
  return {
    ...(ca ? { ca: readPem(`the FIX TLS CA file (${KEYS.tlsCa})`, ca) } : {}),
    ...(cert ? { cert: readPem(`the FIX TLS client certificate (${KEYS.tlsCert})`, cert) } : {}),
    ...(key ? { key: readPem(`the FIX TLS client key (${KEYS.tlsKey})`, key, true) } : {}),
    ...(servername ? { servername } : {}),
    rejectUnauthorized: flag(KEYS.tlsRejectUnauthorized, values[KEYS.tlsRejectUnauthorized]) ?? true,
  };
}

/**
 * The CompIDs and logon secrets, never from the config file (which is shared, committed, journalled as a
 * fingerprint): from a credentials file outside it (`KEY=value` lines, the keys below; it must not be
 * readable by others), else from the environment: LEGATO_FIX_SENDER_COMP_ID, LEGATO_FIX_TARGET_COMP_ID,
 * LEGATO_FIX_USERNAME, LEGATO_FIX_PASSWORD. A value in the file wins over the environment's.
 *
 * TLS (FIXS) is set the same way, never in the config: LEGATO_FIX_TLS=1 turns it on (with Node's public roots),
 * and so does any of LEGATO_FIX_TLS_CA, LEGATO_FIX_TLS_CERT with LEGATO_FIX_TLS_KEY (a client certificate),
 * LEGATO_FIX_TLS_SERVERNAME, LEGATO_FIX_TLS_REJECT_UNAUTHORIZED (0 accepts any certificate: test gateways only).
 * The files are read here (a key readable by others is refused, as the credentials file is).
 */
export function fixCredentials(env: NodeJS.ProcessEnv = process.env, file?: string): FixCredentials {
  const values: Record<string, string | undefined> = {};
  for (const k of Object.values(KEYS)) values[k] = env[k];
  if (file !== undefined) {
    let text: string;
    try {
      const mode = statSync(file).mode;
      if (process.platform !== 'win32' && (mode & 0o077) !== 0) throw new FixCredentialsError(`the FIX credentials file ${file} is readable by others (mode ${(mode & 0o777).toString(8)}): chmod 600 it`);
      text = readRegularFile(file, MAX_CREDENTIALS_BYTES).toString('utf8');
    } catch (e) {
      if (e instanceof FixCredentialsError) throw e;
      throw new FixCredentialsError(`cannot read the FIX credentials file ${file}: ${(e as Error).message}`);
    }
    for (const [n, raw] of text.split('\n').entries()) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      const m = /^([A-Z_]+)\s*=\s*(.*)$/.exec(line);
      if (!m || !Object.values(KEYS).includes(m[1] as (typeof KEYS)[keyof typeof KEYS])) throw new FixCredentialsError(`${file}:${n + 1}: expected one of ${Object.values(KEYS).join(', ')} as KEY=value`);
      values[m[1]!] = m[2]!.replace(/^"(.*)"$/, '$1');
    }
  }
  const sender = values[KEYS.senderCompId];
  const target = values[KEYS.targetCompId];
  if (!sender || !target) throw new FixCredentialsError(`the FIX venue needs ${KEYS.senderCompId} and ${KEYS.targetCompId}, in the environment or a credentials file (never in the config file)`);
  const tls = tlsOf(values);
  return {
    senderCompId: sender,
    targetCompId: target,
    ...(values[KEYS.username] ? { username: values[KEYS.username]! } : {}),
    ...(values[KEYS.password] ? { password: values[KEYS.password]! } : {}),
    ...(tls ? { tls } : {}),
  };
}
