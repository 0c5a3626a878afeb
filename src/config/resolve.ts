import { readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { StrategySpec } from '../../machines/strategy.machine.js';
import { ConfigError, ConfigErrors } from '../domain/errors.js';
import { Decimal } from '../domain/decimal.js';
import { SessionCalendar, isoToInstant, type CalendarSpec } from '../domain/session-calendar.js';
import { SpreadDefinition } from '../domain/spread.js';
import type { Triggers } from '../domain/triggers.js';
import type { InstrumentLimits, RiskLimits } from '../engine/risk.js';
import type { ReplayVenueSpec } from '../venue/replay/replay-venue.js';
import type { SimVenueSpec } from '../venue/simulated/simulated-venue.js';
import { ALWAYS_OPEN, configSchema, type ConfigShape } from './schema.js';

export interface ResolvedStrategy {
  spec: StrategySpec;
  definition: SpreadDefinition;
  staleAfterMs: number;
  /** Pre-trade risk: the largest naked notional an entry may risk (undefined: no limit). */
  maxNakedNotional?: number;
  /** The trigger prices as written (Decimal strings), for reports. */
  triggerPrices: Record<keyof Triggers, string | null>;
}

/** A validated configuration, ready for createEngine. */
export interface EngineConfig {
  source: string;
  /** A replay's start is its first quote (set by the backtest runner); NaN until then. */
  run: { start: number; days: number };
  venue: (SimVenueSpec & { kind: 'simulated' }) | ReplayVenueSpec;
  strategies: ResolvedStrategy[];
  /** Pre-trade risk limits (none set: no checks). */
  risk: RiskLimits;
  /** The journal (see docs/journal.md); absent when the config does not name one. */
  journal?: { dir?: string; unknownOrders: 'cancel' | 'leave' };
}

export interface Overrides {
  seed?: number;
  days?: number;
}

/** Reads a YAML or JSON config file; every problem is reported with its field path. */
export function loadConfigFile(path: string, overrides: Overrides = {}): EngineConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigErrors(path, [new ConfigError('(file)', `cannot be read: ${(e as Error).message}`)]);
  }
  return resolveConfig(parseConfigText(text, path), path, overrides);
}

/** YAML is a superset of JSON, so one parser reads both. */
export function parseConfigText(text: string, source: string): unknown {
  try {
    return parseYaml(text, { prettyErrors: true });
  } catch (e) {
    if (e instanceof YAMLParseError) {
      const where = e.linePos?.[0] ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '(file)';
      const reason = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      throw new ConfigErrors(source, [new ConfigError(where, reason)]);
    }
    throw e;
  }
}

function pathOf(path: readonly PropertyKey[]): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s === '' ? String(p) : `.${String(p)}`;
  return s;
}

/** Validates a parsed config object and resolves it into domain objects. Throws ConfigErrors. */
export function resolveConfig(raw: unknown, source: string, overrides: Overrides = {}): EngineConfig {
  const parsed = configSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    throw new ConfigErrors(
      source,
      parsed.error.issues.flatMap((i) => {
        const at = pathOf(i.path);
        if (i.code === 'unrecognized_keys') return i.keys.map((k) => new ConfigError(at ? `${at}.${k}` : k, 'is not a known field'));
        if (i.code === 'invalid_type' && i.input === undefined) return [new ConfigError(at, `is required (${i.expected})`)];
        const value = i.input !== null && typeof i.input === 'object' ? undefined : i.input;
        return [new ConfigError(at, i.message, value)];
      }),
    );
  }
  const errors: ConfigError[] = [];
  const attempt = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (e) {
      if (e instanceof ConfigError) {
        errors.push(e);
        return undefined;
      }
      throw e;
    }
  };
  const c: ConfigShape = parsed.data;

  const v = c.venue;
  const venueCalendarSpec = (v.calendar ?? ALWAYS_OPEN) as CalendarSpec;
  const venueCalendar = attempt(() => new SessionCalendar(venueCalendarSpec, 'venue.calendar.'));
  let startMs = NaN;
  if (v.kind === 'simulated') {
    if (c.run.start === undefined) errors.push(new ConfigError('run.start', 'is required for the simulated venue'));
    else {
      // Without a valid zone (reported above) the start cannot be read; do not report it twice.
      // A local time at a DST switch is resolved like a session boundary (isoToInstant).
      const start = c.run.start;
      startMs = attempt(() => isoToInstant(start, venueCalendar ? venueCalendarSpec.timeZone : 'UTC', 'run.start')) ?? NaN;
    }
  }

  const instruments = new Map<string, { tickSize: string; lotSize: string }>();
  v.instruments.forEach((i, n) => {
    if (instruments.has(i.symbol)) errors.push(new ConfigError(`venue.instruments[${n}].symbol`, 'is listed twice', i.symbol));
    instruments.set(i.symbol, i);
    if ('size' in i && i.size.min > i.size.max) errors.push(new ConfigError(`venue.instruments[${n}].size`, 'min must not exceed max', i.size));
    for (const k of ['tickSize', 'lotSize'] as const) {
      if (new Decimal(i[k]).lte(0)) errors.push(new ConfigError(`venue.instruments[${n}].${k}`, 'must be greater than 0', i[k]));
    }
    if (v.kind !== 'simulated' || !('quoteIntervalMs' in i)) return;
    if (i.follows && !v.instruments.some((x) => x.symbol === i.follows!.symbol)) {
      errors.push(new ConfigError(`venue.instruments[${n}].follows.symbol`, 'names no instrument of this venue', i.follows.symbol));
    } else if (i.follows?.symbol === i.symbol) {
      errors.push(new ConfigError(`venue.instruments[${n}].follows.symbol`, 'an instrument cannot follow itself', i.symbol));
    }
    if (!i.follows && (i.start === undefined || i.volatility === undefined)) {
      errors.push(new ConfigError(`venue.instruments[${n}]`, 'needs either `follows`, or both `start` and `volatility`', i.symbol));
    }
  });

  // Pre-trade risk: per-instrument limits name instruments of the venue, once each.
  const riskLimits = new Map<string, InstrumentLimits>();
  (c.risk?.instruments ?? []).forEach((r, n) => {
    const p = `risk.instruments[${n}]`;
    if (!instruments.has(r.symbol)) errors.push(new ConfigError(`${p}.symbol`, 'is not an instrument of the venue', r.symbol));
    else if (riskLimits.has(r.symbol)) errors.push(new ConfigError(`${p}.symbol`, 'is listed twice', r.symbol));
    const maxNotional = r.maxNotional === undefined ? undefined : new Decimal(r.maxNotional);
    if (maxNotional !== undefined && !maxNotional.gt(0)) errors.push(new ConfigError(`${p}.maxNotional`, 'must be greater than 0', r.maxNotional));
    riskLimits.set(r.symbol, {
      ...(r.maxPosition !== undefined ? { maxPosition: r.maxPosition } : {}),
      ...(r.maxOrderLots !== undefined ? { maxOrderLots: r.maxOrderLots } : {}),
      ...(maxNotional !== undefined ? { maxNotional: maxNotional.toNumber() } : {}),
    });
  });
  const risk: RiskLimits = {
    ...(c.risk?.orderRate ? { orderRate: { ...c.risk.orderRate } } : {}),
    ...(c.risk?.priceBandTicks !== undefined ? { priceBandTicks: c.risk.priceBandTicks } : {}),
    instruments: riskLimits,
  };

  const names = new Set<string>();
  const strategies: ResolvedStrategy[] = [];
  c.strategies.forEach((s, n) => {
    const p = `strategies[${n}]`;
    if (names.has(s.name)) errors.push(new ConfigError(`${p}.name`, 'is used by another strategy', s.name));
    names.add(s.name);
    const def = attempt(() => new SpreadDefinition({ name: s.name, legs: s.legs }, p));
    if (!def) return;
    def.legs.forEach((leg) => {
      const inst = instruments.get(leg.symbol);
      const lp = `${p}.legs[${leg.index}]`;
      if (!inst) return errors.push(new ConfigError(`${lp}.symbol`, 'is not an instrument of the venue', leg.symbol));
      if (!leg.tickSize.eq(inst.tickSize)) errors.push(new ConfigError(`${lp}.tickSize`, `differs from the venue's tick size ${inst.tickSize}`, leg.tickSize.toFixed()));
      if (!leg.lotSize.eq(inst.lotSize)) errors.push(new ConfigError(`${lp}.lotSize`, `differs from the venue's lot size ${inst.lotSize}`, leg.lotSize.toFixed()));
    });
    const calendar = (s.session.calendar ?? venueCalendarSpec) as CalendarSpec;
    if (s.session.calendar) attempt(() => new SessionCalendar(calendar, `${p}.session.calendar.`));

    const t = s.triggers;
    const scaled: Triggers = {
      longEntry: t.longEntry === undefined ? null : def.toScaled(t.longEntry, 'down'),
      longExit: t.longExit === undefined ? null : def.toScaled(t.longExit, 'up'),
      shortEntry: t.shortEntry === undefined ? null : def.toScaled(t.shortEntry, 'up'),
      shortExit: t.shortExit === undefined ? null : def.toScaled(t.shortExit, 'down'),
    };
    if (t.longEntry === undefined && t.shortEntry === undefined) errors.push(new ConfigError(`${p}.triggers`, 'needs longEntry or shortEntry'));
    if (t.longEntry !== undefined && t.longExit !== undefined && !new Decimal(t.longExit).gt(t.longEntry)) {
      errors.push(new ConfigError(`${p}.triggers.longExit`, `must be above longEntry (${t.longEntry})`, t.longExit));
    }
    if (t.shortEntry !== undefined && t.shortExit !== undefined && !new Decimal(t.shortExit).lt(t.shortEntry)) {
      errors.push(new ConfigError(`${p}.triggers.shortExit`, `must be below shortEntry (${t.shortEntry})`, t.shortExit));
    }

    const x = s.execution;
    const a = x.activeLeg;
    const activeLeg = a === undefined ? null : typeof a === 'number' ? a : def.legs.findIndex((l) => l.symbol === a);
    if (activeLeg !== null && (activeLeg < 0 || activeLeg >= def.legs.length)) {
      errors.push(new ConfigError(`${p}.execution.activeLeg`, 'names no leg of this spread', a));
      return;
    }
    if (activeLeg !== null && def.legs[activeLeg]!.tradingMultiplier === 0) {
      errors.push(new ConfigError(`${p}.execution.activeLeg`, 'is a price-only leg (tradingMultiplier 0)', a));
      return;
    }
    if (x.hedge.unwindAfterMs < x.hedge.crossAfterMs) {
      errors.push(new ConfigError(`${p}.execution.hedge.unwindAfterMs`, `must not be before crossAfterMs (${x.hedge.crossAfterMs})`, x.hedge.unwindAfterMs));
    }
    const maxNaked = s.risk.maxNakedNotional === undefined ? undefined : new Decimal(s.risk.maxNakedNotional);
    if (maxNaked !== undefined && !maxNaked.gt(0)) errors.push(new ConfigError(`${p}.risk.maxNakedNotional`, 'must be greater than 0', s.risk.maxNakedNotional));
    strategies.push({
      definition: def,
      staleAfterMs: s.staleAfterMs,
      ...(maxNaked !== undefined ? { maxNakedNotional: maxNaked.toNumber() } : {}),
      triggerPrices: {
        longEntry: t.longEntry ?? null,
        longExit: t.longExit ?? null,
        shortEntry: t.shortEntry ?? null,
        shortExit: t.shortExit ?? null,
      },
      spec: {
        name: s.name,
        triggers: scaled,
        target: s.target,
        session: { calendar, closingLeadMs: Math.round(s.session.closingLeadSeconds * 1000) },
        algo: {
          kind: x.kind,
          tradingMultipliers: [...def.tradingMultipliers],
          factors: def.legs.map((l) => l.factor),
          symbols: def.legs.map((l) => l.symbol),
          activeLeg,
          payupTicks: x.payupTicks,
          resubmitMs: x.resubmitMs,
          repriceTicks: x.repriceTicks,
          entryWhileHedging: x.entryWhileHedging,
          rounding: x.hedgeRounding,
          hedge: { ...x.hedge },
          stopPolicy: x.stopPolicy,
          legTimeoutMs: x.legTimeoutMs,
          requoteTicks: x.requoteTicks,
          minHedgeUnits: x.minHedgeUnits,
          tickValue: def.legs.map((l) => l.tickSize.times(l.lotSize).times(l.contractMultiplier).toNumber()),
          maxOrderLots: def.legs.map((l) => riskLimits.get(l.symbol)?.maxOrderLots ?? null),
        },
      },
    });
  });

  if (errors.length > 0 || !venueCalendar) throw new ConfigErrors(source, errors);
  return {
    source,
    run: { start: startMs, days: overrides.days ?? c.run.days },
    venue:
      v.kind === 'simulated'
        ? { kind: 'simulated', seed: overrides.seed ?? v.seed, latencyMs: v.latencyMs, calendar: venueCalendarSpec, instruments: v.instruments, faults: v.faults }
        : { kind: 'replay', seed: overrides.seed ?? v.seed, latencyMs: v.latencyMs, calendar: venueCalendarSpec, instruments: v.instruments, faults: v.faults },
    strategies,
    risk,
    ...(c.journal ? { journal: { ...(c.journal.dir !== undefined ? { dir: c.journal.dir } : {}), unknownOrders: c.journal.unknownOrders } } : {}),
  };
}
