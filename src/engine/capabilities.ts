import type { EngineConfig } from '../config/resolve.js';
import type { Leg } from '../domain/spread.js';
import { ConfigError, ConfigErrors } from '../domain/errors.js';
import type { InstrumentInfo, Venue } from '../venue/venue.js';

/**
 * Venue capability checks, made when a venue becomes known and before anything trades: every leg of every
 * strategy must be an instrument the venue offers, with the configured tick and lot size. A config's own
 * venue (the embedded simulated venue, the replay venue) is checked when the config resolves; a venue
 * process tells its instruments when the engine connects, and recorded data tells which symbols it has.
 * Problems are reported all at once, as ConfigErrors naming each leg by its field path.
 */

/** Every leg of every strategy with its field path and a label for messages. */
function legsOf(config: EngineConfig): { path: string; label: string; leg: Leg }[] {
  return config.strategies.flatMap((s, n) =>
    s.definition.legs.map((leg) => ({ path: `strategies[${n}].legs[${leg.index}]`, label: `leg ${leg.index} of strategy "${s.spec.name}"`, leg })),
  );
}

/**
 * Throws ConfigErrors (one ConfigError per problem) when a leg's symbol is not among the venue's
 * instruments, or its tick size or lot size differs from the venue's (compared as decimals).
 * `venue` names the venue in messages, e.g. `the venue at /tmp/v.sock`.
 */
export function checkVenueCapabilities(config: EngineConfig, instruments: readonly InstrumentInfo[], venue = 'the venue'): void {
  const offered = new Map(instruments.map((i) => [i.symbol, i]));
  const list = instruments.length ? instruments.map((i) => i.symbol).join(', ') : 'none';
  const errors: ConfigError[] = [];
  for (const { path, label, leg } of legsOf(config)) {
    const inst = offered.get(leg.symbol);
    if (!inst) {
      errors.push(new ConfigError(`${path}.symbol`, `${label}: ${leg.symbol} is not offered by ${venue} (it offers ${list})`));
      continue;
    }
    if (!leg.tickSize.eq(inst.tickSize)) {
      errors.push(new ConfigError(`${path}.tickSize`, `${label} (${leg.symbol}): tick size ${leg.tickSize.toFixed()} differs from ${inst.tickSize.toFixed()} at ${venue}`));
    }
    if (!leg.lotSize.eq(inst.lotSize)) {
      errors.push(new ConfigError(`${path}.lotSize`, `${label} (${leg.symbol}): lot size ${leg.lotSize.toFixed()} differs from ${inst.lotSize.toFixed()} at ${venue}`));
    }
  }
  if (errors.length > 0) throw new ConfigErrors(config.source, errors);
}

/**
 * Whether the venue can replace a working order (`Venue.replace`): the engine's algos then re-price the hedge
 * ladder's orders and a quote in place, keeping the order; without it they cancel and send a new one. Read once,
 * when the engine is built.
 */
export function venueReplaces(venue: Pick<Venue, 'replace'>): boolean {
  return typeof venue.replace === 'function';
}

/**
 * For a backtest: throws ConfigErrors when a leg has no usable quote in the recorded data (`quoted`: the
 * symbols with at least one, e.g. a QuoteTable's `symbols`), naming the data files or folders given.
 */
export function checkLegQuotes(config: EngineConfig, quoted: Iterable<string>, data: readonly string[]): void {
  const has = new Set(quoted);
  const errors: ConfigError[] = [];
  for (const { path, label, leg } of legsOf(config)) {
    if (!has.has(leg.symbol)) errors.push(new ConfigError(`${path}.symbol`, `${label}: ${leg.symbol} has no quotes in the data${data.length ? ` (${data.join(', ')})` : ''}`));
  }
  if (errors.length > 0) throw new ConfigErrors(config.source, errors);
}
