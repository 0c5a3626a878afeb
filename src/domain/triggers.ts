import { Decimal } from './decimal.js';
import { ConfigError } from './errors.js';
/** A strategy's four trigger prices, as scaled spread prices (see SpreadDefinition); null disables one. */
export interface Triggers {
  /** Buy the spread when its ask is at or below. */
  longEntry: number | null;
  /** Sell a long position when the bid is at or above. */
  longExit: number | null;
  /** Sell the spread when its bid is at or above. */
  shortEntry: number | null;
  /** Buy back a short position when the ask is at or below. */
  shortExit: number | null;
}

/** Trigger prices as decimal strings, null for one that is off. */
export interface TriggerPriceText {
  longEntry: string | null;
  longExit: string | null;
  shortEntry: string | null;
  shortExit: string | null;
}

/**
 * The rules four trigger prices must keep, for the config and for an operator's change alike: an entry at all,
 * the long entry below the short entry (between them the spread would trigger a buy and a sell at once), each
 * exit on the profitable side of its entry. `at` is where they are (`strategies[0].triggers`, `triggers`).
 */
export function triggerOrderProblems(t: TriggerPriceText, at: string): ConfigError[] {
  const errors: ConfigError[] = [];
  if (t.longEntry === null && t.shortEntry === null) errors.push(new ConfigError(at, 'needs longEntry or shortEntry'));
  if (t.longEntry !== null && t.shortEntry !== null && !new Decimal(t.longEntry).lt(t.shortEntry)) {
    errors.push(new ConfigError(`${at}.longEntry`, `must be below shortEntry (${t.shortEntry}): between them the spread would trigger a buy and a sell at once`, t.longEntry));
  }
  if (t.longEntry !== null && t.longExit !== null && !new Decimal(t.longExit).gt(t.longEntry)) {
    errors.push(new ConfigError(`${at}.longExit`, `must be above longEntry (${t.longEntry})`, t.longExit));
  }
  if (t.shortEntry !== null && t.shortExit !== null && !new Decimal(t.shortExit).lt(t.shortEntry)) {
    errors.push(new ConfigError(`${at}.shortExit`, `must be below shortEntry (${t.shortEntry})`, t.shortExit));
  }
  return errors;
}
