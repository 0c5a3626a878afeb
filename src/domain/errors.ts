/**
 * Named errors. A factory that gets a bad option throws one of these and names the option and the value.
 * An expected outcome at run time (a reject, a timeout) is an event, never one of these.
 */
export class LegatoError extends Error {
  override name = 'LegatoError';
}

/** A configuration value is wrong. `path` names where, e.g. `strategies[0].spread.legs[1].tickSize`. */
export class ConfigError extends LegatoError {
  override name = 'ConfigError';
  constructor(
    readonly path: string,
    readonly reason: string,
    readonly value?: unknown,
  ) {
    super(`${path || '(root)'}: ${reason}${value === undefined ? '' : ` (got ${describe(value)})`}`);
  }
}

/** Several configuration errors at once, so a user can fix a file in one pass. */
export class ConfigErrors extends LegatoError {
  override name = 'ConfigErrors';
  constructor(
    readonly source: string,
    readonly errors: readonly ConfigError[],
  ) {
    super(`invalid configuration in ${source}:\n${errors.map((e) => `  - ${e.message}`).join('\n')}`);
  }
}

/** A value as an error shows it: a string of more than 80 characters by its first 60 and its length, anything else cut at 80. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return value.length > 80 ? `${JSON.stringify(value.slice(0, 60))}... (${value.length} characters)` : JSON.stringify(value);
  try {
    const s = JSON.stringify(value);
    return s === undefined ? String(value) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return String(value);
  }
}

/** The ledger was asked about a symbol it does not know, or to mark a position it has no price for. */
export class LedgerError extends LegatoError {
  override name = 'LedgerError';
}
