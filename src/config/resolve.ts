import { statSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { CST, Lexer, parse as parseYaml, YAMLParseError } from 'yaml';
import type { StrategySpec } from '../../machines/strategy.machine.js';
import { ConfigError, ConfigErrors } from '../domain/errors.js';
import { FileReadError, readRegularFile } from '../io/read-file.js';
import { FundingSchedule, NO_FEE, parseFundingCsv, type FeeRate, type FeeSchedule, type LegCosts } from '../domain/costs.js';
import { Decimal } from '../domain/decimal.js';
import { SessionCalendar, isoToInstant, type CalendarSpec } from '../domain/session-calendar.js';
import { SpreadDefinition } from '../domain/spread.js';
import { triggerOrderProblems, type Triggers } from '../domain/triggers.js';
import type { InstrumentLimits, RiskLimits } from '../engine/risk.js';
import type { FixVenueSpec } from '../venue/fix/fix-venue.js';
import type { ReplayVenueSpec } from '../venue/replay/replay-venue.js';
import type { SimVenueSpec } from '../venue/simulated/simulated-venue.js';
import type { z } from 'zod';
import { configErrorMap, didYouMean, knownFields } from './messages.js';
import { ALWAYS_OPEN, LIMITS, configSchema, type ConfigInput, type ConfigShape, type FixConfigInput } from './schema.js';

export interface ResolvedStrategy {
  spec: StrategySpec;
  definition: SpreadDefinition;
  staleAfterMs: number;
  /** Pre-trade risk: the largest naked notional an entry may risk (undefined: no limit). */
  maxNakedNotional?: number;
  /** The trigger prices as written (Decimal strings), for reports. */
  triggerPrices: Record<keyof Triggers, string | null>;
  /** Fees and funding per leg, by leg index (see docs/costs.md). */
  costs: LegCosts[];
}

/** A validated configuration, ready for createEngine. */
export interface EngineConfig {
  source: string;
  /** A replay's start is its first quote (set by the backtest runner); NaN until then. */
  run: { start: number; days: number };
  venue: (SimVenueSpec & { kind: 'simulated' }) | ReplayVenueSpec | FixVenueSpec;
  strategies: ResolvedStrategy[];
  /** How long an order waits for the venue's answer before the engine chases it, ms (venue.answerTimeoutMs). */
  answerTimeoutMs: number;
  /** Pre-trade risk limits (none set: no checks). */
  risk: RiskLimits;
  /** The journal (see docs/journal.md); absent when the config does not name one. */
  journal?: { dir?: string; unknownOrders: 'cancel' | 'leave' };
}

export interface Overrides {
  seed?: number;
  days?: number;
  /**
   * Where relative file paths in the config (funding files) are read from. Default: the directory of `source`
   * (loadConfigFile passes the config file's path, so they are relative to the config file).
   */
  baseDir?: string;
}

/** The range of `run.start`: 1970-01-01 to 2100-01-01 (UTC). */
const START_FROM = 0;
const START_TO = Date.UTC(2100, 0, 1);

/** The largest config file read: a config of 1,000 strategies is well under a megabyte. */
const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

/** Reads a YAML or JSON config file; every problem is reported with its field path. */
export function loadConfigFile(path: string, overrides: Overrides = {}): EngineConfig {
  let bytes: Buffer;
  try {
    // A regular file of a sane size only, checked on the descriptor read: a FIFO would block for ever, a device
    // (/dev/zero) never end.
    bytes = readRegularFile(path, MAX_CONFIG_BYTES);
  } catch (e) {
    const f = e as FileReadError;
    const why = f.code === 'EINVAL' ? 'is not a regular file' : f.code === 'EFBIG' ? `is more than a config may be (${MAX_CONFIG_BYTES} bytes)` : `cannot be read: ${f.message}`;
    throw new ConfigErrors(path, [new ConfigError('(file)', why)]);
  }
  const text = configText(bytes, path);
  return resolveConfigData(parseConfigText(text, path), path, { baseDir: dirname(path), ...overrides });
}

/** A funding file's text: a regular file (a FIFO would block the read for ever, a device never end it), of at most the bound. */
function fundingText(path: string): string {
  try {
    return readRegularFile(path, LIMITS.maxFundingFileBytes).toString('utf8');
  } catch (e) {
    throw e instanceof FileReadError && (e.code === 'EINVAL' || e.code === 'EFBIG') ? new Error(`${path} ${e.reason}`) : e;
  }
}

/**
 * A config file's bytes as text: UTF-8 (a byte-order mark allowed), without NUL bytes. Read leniently, UTF-16
 * became one string of NULs and letters, and a Latin-1 byte a silent U+FFFD in a name: refused here, named.
 */
function configText(bytes: Buffer, path: string): string {
  const refuse = (where: string, reason: string): ConfigErrors => new ConfigErrors(path, [new ConfigError(where, reason)]);
  const lineAt = (index: number): string => `line ${bytes.subarray(0, index).toString('latin1').split('\n').length}`;
  const bom = bytes.subarray(0, 2);
  const nul = bytes.indexOf(0);
  // A UTF-16 byte-order mark, or NULs in the first two bytes (ASCII written as UTF-16 without one).
  if (bom.equals(Buffer.from([0xff, 0xfe])) || bom.equals(Buffer.from([0xfe, 0xff])) || (nul >= 0 && nul < 2)) throw refuse('(file)', 'is UTF-16 text: save it as UTF-8');
  if (nul >= 0) throw refuse(lineAt(nul), 'holds a NUL byte: a config is UTF-8 text');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // The first byte that is no UTF-8 character: where the lenient reading first put U+FFFD (one of its bytes, EF BF BD, is no ASCII).
    const lenient = bytes.toString('utf8');
    const at = Buffer.byteLength(lenient.slice(0, Math.max(0, lenient.indexOf('\ufffd'))));
    throw refuse(lineAt(at), 'is not UTF-8 text (a byte that is no UTF-8 character): save the file as UTF-8');
  }
}

/**
 * YAML is a superset of JSON, so one parser reads both. Every failure is a ConfigErrors: a syntax error with
 * its line and column, an alias bomb (more than LIMITS.maxAliasCount aliases resolved), nesting deeper than
 * LIMITS.maxNesting (refused before parsing: the parser recurses once per level, and near the end of the stack
 * V8 may abort the process rather than throw), or anything else the parser throws (an undefined alias).
 */
export function parseConfigText(text: string, source: string): unknown {
  const empty = (): ConfigErrors =>
    new ConfigErrors(source, [new ConfigError('(file)', `is empty${text.trim() === '' ? '' : ' (only comments)'}: a config is a mapping of fields (run, venue, strategies)`)]);
  if (/^(\s|#[^\n]*)*$/.test(text)) throw empty();
  let parsed: unknown;
  try {
    const deep = nestingEstimate(text);
    if (deep) throw new ConfigErrors(source, [new ConfigError(`line ${deep.line}`, `is nested too deeply: more than ${LIMITS.maxNesting} levels of indentation and brackets`)]);
    // A .json file is JSON, strictly (YAML would take a trailing comma); its syntax errors are JSON's.
    if (/\.json$/i.test(source)) {
      const bad = jsonSyntaxError(text);
      if (bad) throw new ConfigErrors(source, [bad]);
    }
    parsed = parseYaml(text, { prettyErrors: true, maxAliasCount: LIMITS.maxAliasCount });
  } catch (e) {
    if (e instanceof ConfigErrors) throw e;
    if (e instanceof YAMLParseError) {
      // Text that opens like JSON gets JSON's account of what is wrong.
      const bad = /^\s*[[{]/.test(text) ? jsonSyntaxError(text) : undefined;
      if (bad) throw new ConfigErrors(source, [bad]);
      const where = e.linePos?.[0] ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '(file)';
      const reason = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      throw new ConfigErrors(source, [new ConfigError(where, `YAML syntax error: ${reason}`)]);
    }
    const message = e instanceof Error ? e.message.split('\n')[0]! : String(e);
    if (/excessive alias count/i.test(message)) {
      throw new ConfigErrors(source, [new ConfigError('(file)', `has more than ${LIMITS.maxAliasCount} alias expansions (*name): refused as a "billion laughs" alias bomb`)]);
    }
    if (e instanceof RangeError && /call stack/i.test(message)) throw new ConfigErrors(source, [new ConfigError('(file)', 'is nested too deeply to read')]);
    throw new ConfigErrors(source, [new ConfigError('(file)', `cannot be read as YAML: ${message}`)]);
  }
  return parsed;
}

/** JSON's syntax error in `text`, at its line and column; undefined when the text is valid JSON. */
function jsonSyntaxError(text: string): ConfigError | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const m = /at position (\d+)/.exec(message);
    const pos = m ? Number(m[1]) : /Unexpected end of JSON input/.test(message) ? text.length : undefined;
    const reason = message.replace(/ in JSON at position \d+.*$/, '').replace(/ \(line \d+ column \d+\)$/, '').replace(/^Unexpected end of JSON input$/, 'the text ends before the JSON does');
    if (pos === undefined) return new ConfigError('(file)', `JSON syntax error: ${reason}`);
    const before = text.slice(0, pos);
    const line = before.split('\n').length;
    const column = pos - before.lastIndexOf('\n');
    return new ConfigError(`line ${line}, column ${column}`, `JSON syntax error: ${reason}`);
  }
}

/**
 * Where a YAML text first nests deeper than LIMITS.maxNesting, from its tokens (no recursion): open flow brackets
 * plus each line's indentation (columns) and block indicators (`-`, `?`, `:`), an upper estimate of the depth.
 */
function nestingEstimate(text: string): { line: number } | undefined {
  let flow = 0;
  let onLine = 0;
  let line = 1;
  let lineStart = true;
  let scalarSource = false;
  for (const token of new Lexer().lex(text)) {
    if (scalarSource) {
      // A scalar's source (possibly several lines of a block scalar) follows its marker.
      line += token.split('\n').length - 1;
      scalarSource = false;
      lineStart = false;
      continue;
    }
    switch (CST.tokenType(token)) {
      case 'scalar':
        scalarSource = true;
        break;
      case 'newline':
        line += 1;
        onLine = 0;
        lineStart = true;
        continue;
      case 'space':
        if (lineStart) onLine = token.length;
        break;
      case 'seq-item-ind':
      case 'explicit-key-ind':
      case 'map-value-ind':
        onLine += 1;
        break;
      case 'flow-seq-start':
      case 'flow-map-start':
        flow += 1;
        break;
      case 'flow-seq-end':
      case 'flow-map-end':
        flow = Math.max(0, flow - 1);
        break;
    }
    lineStart = false;
    if (flow + onLine > LIMITS.maxNesting) return { line };
  }
  return undefined;
}

/** What a config that is not a mapping holds, for its error. */
function notAMapping(raw: unknown): string | undefined {
  if (raw === null || raw === undefined) return 'is empty: a config is a mapping of fields (run, venue, strategies)';
  if (Array.isArray(raw)) return 'is a list: a config is a mapping of fields (run, venue, strategies)';
  if (typeof raw !== 'object') return `is a ${typeof raw === 'bigint' ? 'number' : typeof raw}: a config is a mapping of fields (run, venue, strategies)`;
  return undefined;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

function pathOf(path: readonly PropertyKey[]): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s === '' ? String(p) : `.${String(p)}`;
  return s;
}

/**
 * The schema's issues as ConfigErrors in our words (configErrorMap). An unknown field near a known one says which
 * (`strategies[0].triger: is not a known field; did you mean "triggers"?`), and the missing field it was meant
 * to be is then not reported again.
 */
function schemaProblems(issues: readonly z.core.$ZodIssue[], raw: unknown): ConfigError[] {
  const meant = new Set<string>();
  const typos = new Map<z.core.$ZodIssue, ConfigError[]>();
  for (const i of issues) {
    if (i.code !== 'unrecognized_keys') continue;
    const at = pathOf(i.path);
    const input = i.path.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined), raw);
    const present = input !== null && typeof input === 'object' ? Object.keys(input) : [];
    // Only a field not written already can be the one meant.
    const known = knownFields(configSchema, raw, i.path).filter((k) => !present.includes(k));
    typos.set(
      i,
      i.keys.map((k) => {
        const near = didYouMean(k, known);
        if (near !== undefined) meant.add(at ? `${at}.${near}` : near);
        return new ConfigError(at ? `${at}.${k}` : k, `is not a known field${near !== undefined ? `; did you mean "${near}"?` : ''}`);
      }),
    );
  }
  return issues.flatMap((i) => {
    const at = pathOf(i.path);
    if (i.code === 'unrecognized_keys') return typos.get(i)!;
    if (i.code === 'invalid_type' && i.input === undefined) return meant.has(at) ? [] : [new ConfigError(at, i.message)];
    // Objects are not repeated; Infinity and NaN are named by the message (JSON would print them as null).
    const value = (i.input !== null && typeof i.input === 'object') || (typeof i.input === 'number' && !Number.isFinite(i.input)) ? undefined : i.input;
    return [new ConfigError(at, i.message, value)];
  });
}

/**
 * Validates a config written in code (typed: a misspelled field fails to compile) and resolves it into domain
 * objects. Everything is checked again at run time: throws ConfigErrors naming each bad field.
 */
export function resolveConfig(input: ConfigInput | FixConfigInput, source: string, overrides: Overrides = {}): EngineConfig {
  return resolveConfigData(input, source, overrides);
}

/** The same for a config of unknown shape (parsed from a file or received): checked at run time only. Throws ConfigErrors. */
export function resolveConfigData(raw: unknown, source: string, overrides: Overrides = {}): EngineConfig {
  const shape = notAMapping(raw);
  if (shape) throw new ConfigErrors(source, [new ConfigError('', shape, raw === null || raw === undefined || Array.isArray(raw) ? undefined : raw)]);
  if (overrides.days !== undefined && !(overrides.days > 0 && overrides.days <= LIMITS.maxDays)) {
    throw new ConfigErrors(source, [new ConfigError('run.days', `must be greater than 0 and at most ${LIMITS.maxDays} days (the --days override)`, overrides.days)]);
  }
  const parsed = configSchema.safeParse(raw, { reportInput: true, error: configErrorMap });
  if (!parsed.success) throw new ConfigErrors(source, schemaProblems(parsed.error.issues, raw));
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
  if (v.kind !== 'replay') {
    if (c.run.start === undefined) errors.push(new ConfigError('run.start', v.kind === 'simulated' ? 'is required for the simulated venue' : 'is required for a FIX venue (the run ends at run.start + run.days)'));
    else {
      // Without a valid zone (reported above) the start cannot be read; do not report it twice.
      // A local time at a DST switch is resolved like a session boundary (isoToInstant).
      const start = c.run.start;
      startMs = attempt(() => isoToInstant(start, venueCalendar ? venueCalendarSpec.timeZone : 'UTC', 'run.start')) ?? NaN;
      // Dates far out (year 275760, the edge of a JS Date) leave nothing that reads a time able to work.
      if (startMs < START_FROM || startMs >= START_TO) {
        errors.push(new ConfigError('run.start', 'must be from 1970-01-01 and before 2100-01-01', start));
        startMs = NaN;
      }
    }
  }

  const instruments = new Map<string, { tickSize: string; lotSize: string }>();
  // A FIX venue's instruments are the legs': one tick and lot size per symbol, whichever strategy trades it.
  const fixInstruments: { symbol: string; tickSize: string; lotSize: string }[] = [];
  if (v.kind === 'fix') {
    const first = new Map<string, { tickSize: Decimal; lotSize: Decimal; at: string }>();
    c.strategies.forEach((s, n) =>
      s.legs.forEach((leg, i) => {
        const at = `strategies[${n}].legs[${i}]`;
        let tick: Decimal;
        let lot: Decimal;
        try {
          tick = new Decimal(leg.tickSize);
          lot = new Decimal(leg.lotSize);
        } catch {
          return; // reported with the leg
        }
        const seen = first.get(leg.symbol);
        if (!seen) {
          first.set(leg.symbol, { tickSize: tick, lotSize: lot, at });
          fixInstruments.push({ symbol: leg.symbol, tickSize: String(leg.tickSize), lotSize: String(leg.lotSize) });
          instruments.set(leg.symbol, { tickSize: String(leg.tickSize), lotSize: String(leg.lotSize) });
          return;
        }
        for (const k of ['tickSize', 'lotSize'] as const) {
          const mine = k === 'tickSize' ? tick : lot;
          if (!mine.eq(seen[k])) errors.push(new ConfigError(`${at}.${k}`, `differs from ${seen.at}.${k} (${seen[k].toFixed()}): ${leg.symbol} has one ${k === 'tickSize' ? 'tick' : 'lot'} size at the venue`, mine.toFixed()));
        }
      }),
    );
  }
  (v.kind === 'fix' ? [] : v.instruments).forEach((i, n) => {
    if (instruments.has(i.symbol)) errors.push(new ConfigError(`venue.instruments[${n}].symbol`, 'is listed twice', i.symbol));
    instruments.set(i.symbol, i);
    if ('size' in i && i.size.min > i.size.max) errors.push(new ConfigError(`venue.instruments[${n}].size`, 'min must not exceed max', i.size));
    for (const k of ['tickSize', 'lotSize'] as const) {
      if (new Decimal(i[k]).lte(0)) errors.push(new ConfigError(`venue.instruments[${n}].${k}`, 'must be greater than 0', i[k]));
      else if (k === 'tickSize' && new Decimal(i[k]).lt(LIMITS.minTickSize)) {
        errors.push(new ConfigError(`venue.instruments[${n}].tickSize`, `must be at least ${LIMITS.minTickSize} (10^-9), so prices stay exact in ticks`, i[k]));
      }
    }
    if (v.kind !== 'simulated' || !('quoteIntervalMs' in i)) return;
    // Simulated prices: positive, and a reference price (and sd) of at most LIMITS.maxPriceTicks ticks.
    const ip = `venue.instruments[${n}]`;
    const tick = new Decimal(i.tickSize);
    const tooManyTicks = (d: Decimal): boolean => tick.gt(0) && d.abs().div(tick).gt(LIMITS.maxPriceTicks);
    const manyTicks = `is more than 10^12 ticks of ${i.tickSize}: prices would not stay exact`;
    if (i.start !== undefined) {
      const start = new Decimal(i.start);
      if (start.lte(0)) errors.push(new ConfigError(`${ip}.start`, 'must be greater than 0', i.start));
      else if (tooManyTicks(start)) errors.push(new ConfigError(`${ip}.start`, manyTicks, i.start));
      if (i.volatility !== undefined) {
        const vol = new Decimal(i.volatility);
        if (vol.lte(0)) errors.push(new ConfigError(`${ip}.volatility`, 'must be greater than 0', i.volatility));
        else if (start.gt(0) && vol.gt(start)) errors.push(new ConfigError(`${ip}.volatility`, `must be at most the start price (${i.start}) per √second`, i.volatility));
      }
    } else if (i.volatility !== undefined && new Decimal(i.volatility).lte(0)) {
      errors.push(new ConfigError(`${ip}.volatility`, 'must be greater than 0', i.volatility));
    }
    if (i.follows) {
      const sd = new Decimal(i.follows.sd);
      if (sd.lt(0)) errors.push(new ConfigError(`${ip}.follows.sd`, 'must not be negative', i.follows.sd));
      else if (tooManyTicks(sd)) errors.push(new ConfigError(`${ip}.follows.sd`, manyTicks, i.follows.sd));
    }
    if (i.follows && !v.instruments.some((x) => x.symbol === i.follows!.symbol)) {
      errors.push(new ConfigError(`venue.instruments[${n}].follows.symbol`, 'names no instrument of this venue', i.follows.symbol));
    } else if (i.follows?.symbol === i.symbol) {
      errors.push(new ConfigError(`venue.instruments[${n}].follows.symbol`, 'an instrument cannot follow itself', i.symbol));
    }
    if (!i.follows && (i.start === undefined || i.volatility === undefined)) {
      errors.push(new ConfigError(`venue.instruments[${n}]`, 'needs either `follows`, or both `start` and `volatility`', i.symbol));
    }
  });

  // A simulated instrument's reference price: its start, or beta × the reference of the one it follows + mean.
  const reference = new Map<string, Decimal>();
  if (v.kind === 'simulated') {
    for (const i of v.instruments) if (!i.follows && i.start !== undefined) reference.set(i.symbol, new Decimal(i.start));
    v.instruments.forEach((i, n) => {
      if (!i.follows || i.follows.symbol === i.symbol) return;
      const base = v.instruments.find((x) => x.symbol === i.follows!.symbol);
      if (base?.follows) {
        errors.push(new ConfigError(`venue.instruments[${n}].follows.symbol`, `${base.symbol} itself follows another instrument; follow a random-walk instrument`, i.follows.symbol));
        return;
      }
      const baseRef = reference.get(i.follows.symbol);
      if (baseRef === undefined) return;
      const ref = new Decimal(i.follows.beta).times(baseRef).plus(i.follows.mean);
      const tick = new Decimal(i.tickSize);
      if (tick.gt(0) && ref.abs().div(tick).gt(LIMITS.maxPriceTicks)) {
        errors.push(new ConfigError(`venue.instruments[${n}].follows`, `puts the price near ${ref.toSignificantDigits(6).toString()}, more than 10^12 ticks of ${i.tickSize}: prices would not stay exact`, i.symbol));
      } else reference.set(i.symbol, ref);
    });
  }

  const answerTimeoutMs = answerTimeout(v, errors);

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

  // Costs: a funding file is read once however many legs name it; a symbol has one funding schedule.
  const baseDir = overrides.baseDir ?? dirname(source);
  const fundingFiles = new Map<string, FundingSchedule | null>();
  const fundingOf = new Map<string, { path: string; key: string }>();
  const legCosts = (leg: ConfigShape['strategies'][number]['legs'][number], lp: string): LegCosts => {
    const rate = (r: { perLot?: string | undefined; bps?: string | undefined } | undefined): FeeRate =>
      r === undefined ? NO_FEE : { perLot: new Decimal(r.perLot ?? 0), bps: new Decimal(r.bps ?? 0) };
    const fees: FeeSchedule | null = leg.fees ? { maker: rate(leg.fees.maker), taker: rate(leg.fees.taker) } : null;
    let funding: FundingSchedule | null = null;
    const f = leg.funding;
    if (f) {
      const fp = `${lp}.funding`;
      if (f.rate === undefined && f.file === undefined) errors.push(new ConfigError(fp, 'needs either `rate` (a constant rate) or `file` (a rate per funding time)'));
      else if (f.rate !== undefined && f.file !== undefined) errors.push(new ConfigError(fp, 'takes `rate` or `file`, not both'));
      else if (f.file !== undefined) {
        for (const k of ['everyHours', 'at'] as const) {
          if (f[k] !== undefined) errors.push(new ConfigError(`${fp}.${k}`, 'applies to a constant `rate` only: a file gives each funding time', f[k]));
        }
        funding = fundingFile(f.file, `${fp}.file`);
      } else {
        const everyHours = f.everyHours ?? 8;
        if (24 % everyHours !== 0) {
          errors.push(new ConfigError(`${fp}.everyHours`, 'must divide 24 (1, 2, 3, 4, 6, 8, 12 or 24), so funding falls at the same UTC times every day', f.everyHours));
        } else {
          const [h, m] = (f.at ?? '00:00').split(':').map(Number) as [number, number];
          funding = FundingSchedule.constant(new Decimal(f.rate!), everyHours, h * 60 + m);
        }
      }
    }
    return { fees, funding };
  };
  const fundingFile = (file: string, at: string): FundingSchedule | null => {
    const path = resolvePath(baseDir, file);
    if (fundingFiles.has(path)) return fundingFiles.get(path)!;
    let schedule: FundingSchedule | null = null;
    try {
      const size = statSync(path).size;
      if (size > LIMITS.maxFundingFileBytes) throw new ConfigError(at, `${path} is ${size.toLocaleString('en-US')} bytes, more than ${LIMITS.maxFundingFileBytes.toLocaleString('en-US')} (64 MiB)`);
      const rows = parseFundingCsv(fundingText(path), { maxRows: LIMITS.maxFundingRows, maxRate: LIMITS.maxFundingRate });
      const shown = 5;
      for (const e of rows.errors.slice(0, shown)) errors.push(new ConfigError(at, `${path}:${e.line}: ${e.reason}`));
      if (rows.errors.length > shown) errors.push(new ConfigError(at, `${path}: ${rows.errors.length - shown} more bad lines`));
      if (rows.errors.length === 0) schedule = FundingSchedule.table(rows.times, rows.rates, path);
    } catch (e) {
      if (e instanceof ConfigError) errors.push(e);
      else errors.push(new ConfigError(at, `cannot be read: ${(e as Error).message}`, file));
    }
    fundingFiles.set(path, schedule);
    return schedule;
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
      // A FIX venue's instruments are the legs themselves (a difference between two legs is reported above).
      if (v.kind === 'fix') return;
      if (!leg.tickSize.eq(inst.tickSize)) errors.push(new ConfigError(`${lp}.tickSize`, `differs from the venue's tick size ${inst.tickSize}`, leg.tickSize.toFixed()));
      if (!leg.lotSize.eq(inst.lotSize)) errors.push(new ConfigError(`${lp}.lotSize`, `differs from the venue's lot size ${inst.lotSize}`, leg.lotSize.toFixed()));
    });
    const costs = s.legs.map((leg, i) => legCosts(leg, `${p}.legs[${i}]`));
    costs.forEach((c, i) => {
      const symbol = s.legs[i]!.symbol;
      const here = { path: `${p}.legs[${i}].funding`, key: c.funding?.key ?? (s.legs[i]!.funding ? 'invalid' : 'none') };
      const first = fundingOf.get(symbol);
      if (!first) fundingOf.set(symbol, here);
      else if (first.key !== here.key && first.key !== 'invalid' && here.key !== 'invalid') {
        const why =
          here.key === 'none'
            ? `is not given, but ${first.path} is`
            : first.key === 'none'
              ? `is given, but ${first.path} is not`
              : `differs from ${first.path}`;
        errors.push(new ConfigError(here.path, `${why} for the same symbol ${symbol}: a market has one funding schedule`));
      }
    });
    const calendar = (s.session.calendar ?? venueCalendarSpec) as CalendarSpec;
    if (s.session.calendar) attempt(() => new SessionCalendar(calendar, `${p}.session.calendar.`));

    const t = s.triggers;
    // Spread prices are integers in units of 1/scale: a trigger must be one below 2^53 ...
    const scaleText = def.scale === 1 ? '' : ` × ${def.scale}`;
    for (const k of ['longEntry', 'longExit', 'shortEntry', 'shortExit'] as const) {
      const price = t[k];
      if (price !== undefined && new Decimal(price).abs().times(def.scale).gt(MAX_SAFE)) {
        errors.push(new ConfigError(`${p}.triggers.${k}`, `is too large for exact spread prices (|price|${scaleText} must stay below 2^53)`, price));
        return;
      }
    }
    // ... and so must the spread's prices on the simulated venue, up to LIMITS.spreadHeadroom × its reference prices.
    if (v.kind === 'simulated' && def.legs.every((l) => reference.has(l.symbol))) {
      const range = def.legs.reduce((sum, l) => sum.plus(l.priceMultiplier.times(reference.get(l.symbol)!).abs()), new Decimal(0));
      if (range.times(def.scale).times(LIMITS.spreadHeadroom).gt(MAX_SAFE)) {
        errors.push(
          new ConfigError(
            `${p}.legs`,
            `spread prices would not stay exact: Σ |priceMultiplier × price|${scaleText} is ${range.times(def.scale).toSignificantDigits(6).toString()} at the venue's reference prices, and must stay below 2^53 at ${LIMITS.spreadHeadroom}× them`,
          ),
        );
      }
    }
    const scaled: Triggers = {
      longEntry: t.longEntry === undefined ? null : def.toScaled(t.longEntry, 'down'),
      longExit: t.longExit === undefined ? null : def.toScaled(t.longExit, 'up'),
      shortEntry: t.shortEntry === undefined ? null : def.toScaled(t.shortEntry, 'up'),
      shortExit: t.shortExit === undefined ? null : def.toScaled(t.shortExit, 'down'),
    };
    const text = (v: string | undefined): string | null => (v === undefined ? null : String(v));
    errors.push(...triggerOrderProblems({ longEntry: text(t.longEntry), longExit: text(t.longExit), shortEntry: text(t.shortEntry), shortExit: text(t.shortExit) }, `${p}.triggers`));

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
    // Entries are sized in whole spread units: a leg whose order cap is below one unit's lots could never send one
    // (a taker or a quote would wait for ever, sizing no slice).
    def.legs.forEach((l, i) => {
      const cap = riskLimits.get(l.symbol)?.maxOrderLots;
      const lots = Math.abs(l.tradingMultiplier);
      if (cap !== undefined && cap < lots) {
        errors.push(new ConfigError(`${p}.legs[${i}].tradingMultiplier`, `needs ${lots} lots of ${l.symbol} in every spread unit, more than its risk limit maxOrderLots (${cap}): no entry could ever be sent`, l.tradingMultiplier));
      }
    });
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
      costs,
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
        : v.kind === 'replay'
          ? { kind: 'replay', seed: overrides.seed ?? v.seed, latencyMs: v.latencyMs, calendar: venueCalendarSpec, instruments: v.instruments, faults: v.faults }
          : {
              kind: 'fix',
              seed: 0,
              host: v.host.replace(/^\[(.*)\]$/, '$1'),
              port: v.port,
              heartbeatSeconds: v.heartbeatSeconds,
              ...(v.storeDir !== undefined ? { storeDir: v.storeDir } : {}),
              clock: v.clock,
              calendar: venueCalendarSpec,
              instruments: fixInstruments,
              ...(v.account !== undefined ? { account: v.account } : {}),
              marketData: v.marketData,
              positions: v.positions,
            },
    strategies,
    answerTimeoutMs,
    risk,
    ...(c.journal ? { journal: { ...(c.journal.dir !== undefined ? { dir: c.journal.dir } : {}), unknownOrders: c.journal.unknownOrders } } : {}),
  };
}

/** The default wait for a venue's answer, ms, where no round trip to the venue is longer than half of it. */
const DEFAULT_ANSWER_TIMEOUT_MS = 5000;

/**
 * How long an order waits for the venue's answer before the engine chases it: as set, which must be longer than the
 * longest round trip to a simulated or replay venue (an order's or a cancel's way there, and its report's back; a
 * `late` fault's delay is a silence, and not counted), else 5,000 ms or twice that round trip if it is longer.
 */
function answerTimeout(v: ConfigShape['venue'], errors: ConfigError[]): number {
  let roundTrip = 0;
  if (v.kind !== 'fix') {
    for (const i of v.instruments) {
      const l = i.latency ?? {};
      roundTrip = Math.max(roundTrip, Math.max(l.submitMs ?? v.latencyMs, l.cancelMs ?? v.latencyMs) + (l.reportMs ?? v.latencyMs));
    }
  }
  if (v.answerTimeoutMs === undefined) return Math.max(DEFAULT_ANSWER_TIMEOUT_MS, Math.ceil(2 * roundTrip));
  if (v.answerTimeoutMs <= roundTrip) errors.push(new ConfigError('venue.answerTimeoutMs', `must be longer than the longest round trip to the venue (${roundTrip} ms): every order would be chased before its answer could come`, v.answerTimeoutMs));
  return v.answerTimeoutMs;
}
