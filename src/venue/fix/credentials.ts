import { readFileSync, statSync } from 'node:fs';
import { LegatoError } from '../../domain/errors.js';

/** The FIX session's identity and secrets could not be read. */
export class FixCredentialsError extends LegatoError {
  override name = 'FixCredentialsError';
}

export interface FixCredentials {
  senderCompId: string;
  targetCompId: string;
  username?: string;
  password?: string;
}

const KEYS = {
  senderCompId: 'LEGATO_FIX_SENDER_COMP_ID',
  targetCompId: 'LEGATO_FIX_TARGET_COMP_ID',
  username: 'LEGATO_FIX_USERNAME',
  password: 'LEGATO_FIX_PASSWORD',
} as const;

/**
 * The CompIDs and logon secrets, never from the config file (which is shared, committed, journalled as a
 * fingerprint): from a credentials file outside it (`KEY=value` lines, the keys below; it must not be
 * readable by others), else from the environment: LEGATO_FIX_SENDER_COMP_ID, LEGATO_FIX_TARGET_COMP_ID,
 * LEGATO_FIX_USERNAME, LEGATO_FIX_PASSWORD. A value in the file wins over the environment's.
 */
export function fixCredentials(env: NodeJS.ProcessEnv = process.env, file?: string): FixCredentials {
  const values: Record<string, string | undefined> = {};
  for (const k of Object.values(KEYS)) values[k] = env[k];
  if (file !== undefined) {
    let text: string;
    try {
      const mode = statSync(file).mode;
      if (process.platform !== 'win32' && (mode & 0o077) !== 0) throw new FixCredentialsError(`the FIX credentials file ${file} is readable by others (mode ${(mode & 0o777).toString(8)}): chmod 600 it`);
      text = readFileSync(file, 'utf8');
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
  return {
    senderCompId: sender,
    targetCompId: target,
    ...(values[KEYS.username] ? { username: values[KEYS.username]! } : {}),
    ...(values[KEYS.password] ? { password: values[KEYS.password]! } : {}),
  };
}
