import { DEFAULT_HEDGE, HC_RB_TEMPLATE } from '../helpers/specs.js';
import type { SimVenueSpec } from '../../src/venue/simulated/simulated-venue.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Settings } from 'luxon';
import { demoConfig } from '../../src/config/demo.js';
import { loadConfigFile, parseConfigText, resolveConfig, resolveConfigData, type EngineConfig } from '../../src/config/resolve.js';
import type { SimulatedConfigInput } from '../../src/config/schema.js';
import { ConfigError, ConfigErrors } from '../../src/domain/errors.js';

const DEMO_YAML = fileURLToPath(new URL('../../examples/demo.yaml', import.meta.url));

const tmp = mkdtempSync(join(tmpdir(), 'legato-config-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let fileSeq = 0;
/** Writes `text` to a fresh file under the temp directory and returns its path. */
function tempFile(text: string, ext = 'yaml'): string {
  const path = join(tmp, `config-${++fileSeq}.${ext}`);
  writeFileSync(path, text);
  return path;
}

/** A deep copy of the demo config as plain data, to break in one place. */
type Raw = any;
const demo = (): Raw => structuredClone(demoConfig);

function configErrors(fn: () => unknown): ConfigErrors {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigErrors);
    return e as ConfigErrors;
  }
  throw new Error('expected ConfigErrors, nothing was thrown');
}

/** Resolves the demo config after `change`, expecting it to fail; returns the errors. */
function invalid(change: (c: Raw) => void): readonly ConfigError[] {
  const c = demo();
  change(c);
  const e = configErrors(() => resolveConfig(c, 'test.yaml'));
  expect(e.source).toBe('test.yaml');
  for (const err of e.errors) expect(err).toBeInstanceOf(ConfigError);
  return e.errors;
}
const paths = (errors: readonly ConfigError[]) => errors.map((e) => e.path);
const withoutSource = ({ source: _source, ...rest }: EngineConfig) => rest;

// -------------------------------------------------------------------------------------------------

describe('resolveConfig(demoConfig)', () => {
  const resolved = resolveConfig(demoConfig, 'demo', { seed: 7, days: 2 });

  it('resolves one strategy, hc-rb, over the legs HC and RB with spread scale 1', () => {
    expect(resolved.source).toBe('demo');
    expect(resolved.strategies.map((s) => s.spec.name)).toEqual(['hc-rb']);
    const s = resolved.strategies[0]!;
    expect(s.definition.name).toBe('hc-rb');
    expect(s.definition.scale).toBe(1);
    expect(s.definition.legs.map((l) => [l.symbol, l.factor, l.tradingMultiplier])).toEqual([
      ['HC', 1, 1],
      ['RB', -1, -1],
    ]);
    expect(s.staleAfterMs).toBe(5000);
  });

  it('scales the trigger prices (scale 1: 172, 180, 188, 180) and keeps the written strings for reports', () => {
    const s = resolved.strategies[0]!;
    expect(s.spec.triggers).toEqual({ longEntry: 172, longExit: 180, shortEntry: 188, shortExit: 180 });
    expect(s.triggerPrices).toEqual({ longEntry: '172', longExit: '180', shortEntry: '188', shortExit: '180' });
  });

  it('turns closingLeadSeconds 60 into closingLeadMs 60000 over the venue calendar, and fills the algo template', () => {
    const s = resolved.strategies[0]!;
    expect(s.spec.session).toEqual({ calendar: demoConfig.venue.calendar, closingLeadMs: 60_000 });
    expect(s.spec.target).toBe(5);
    expect(s.spec.algo).toEqual(HC_RB_TEMPLATE);
  });

  it('reads run.start 2026-11-23T20:30:00 (no offset) in the calendar zone Asia/Shanghai: 12:30:00Z', () => {
    expect(resolved.run.start).toBe(Date.parse('2026-11-23T12:30:00Z'));
    expect(resolved.run.start).toBe(Date.UTC(2026, 10, 23, 12, 30));
  });

  it('applies the overrides { seed: 7, days: 2 }; without them the file values (seed 1, 1 day) stand', () => {
    expect(resolved.venue.seed).toBe(7);
    expect(resolved.run.days).toBe(2);
    const plain = resolveConfig(demoConfig, 'demo');
    expect(plain.venue.seed).toBe(1);
    expect(plain.run.days).toBe(1);
    expect(resolveConfig(demoConfig, 'demo', { seed: 0 }).venue.seed).toBe(0);
  });

  it('hands the venue its spec with schema defaults filled in (widthTicks 1), latency 20 ms', () => {
    expect(resolved.venue.latencyMs).toBe(20);
    expect(resolved.venue.calendar).toEqual(demoConfig.venue.calendar);
    const venue = resolved.venue as SimVenueSpec;
    expect(resolved.venue.kind).toBe('simulated');
    expect(venue.instruments.map((i) => [i.symbol, i.tickSize, i.lotSize, i.quoteIntervalMs, i.widthTicks, i.size])).toEqual([
      ['RB', '1', '1', 500, 1, { min: 5, max: 120 }],
      ['HC', '1', '1', 500, 1, { min: 5, max: 120 }],
    ]);
    expect(venue.instruments[1]!.follows).toEqual({ symbol: 'RB', beta: '1', mean: '180', sd: '6', halfLifeSeconds: 900 });
  });

  it('does not modify the config object it is given', () => {
    const before = demo();
    resolveConfig(demoConfig, 'demo', { seed: 3 });
    expect(demoConfig).toEqual(before);
  });
});

describe('resolveConfig: defaults, explicit offsets and finer ticks', () => {
  it('fills the documented defaults when optional fields are left out', () => {
    const c = demo();
    delete c.run.days;
    delete c.venue.kind;
    delete c.venue.seed;
    delete c.venue.latencyMs;
    const s = c.strategies[0];
    delete s.staleAfterMs;
    delete s.session;
    delete s.execution;
    const r = resolveConfig(c, 'x');
    expect(r.run.days).toBe(1);
    expect(r.venue.seed).toBe(1);
    expect(r.venue.latencyMs).toBe(20);
    const spec = r.strategies[0]!.spec;
    expect(r.strategies[0]!.staleAfterMs).toBe(5000);
    expect(spec.session.closingLeadMs).toBe(60_000);
    // No activeLeg: chosen at launch (the first traded leg for a taker).
    expect([spec.algo.kind, spec.algo.activeLeg, spec.algo.payupTicks, spec.algo.resubmitMs, spec.algo.rounding, spec.algo.stopPolicy]).toEqual(['taker', null, 1, 2000, 'nearest', 'hedge']);
    expect(spec.algo.hedge).toEqual(DEFAULT_HEDGE);
    expect([spec.algo.legTimeoutMs, spec.algo.requoteTicks, spec.algo.minHedgeUnits]).toEqual([2000, 2, 0]);
  });

  it('accepts decimals written as numbers and an active leg named by symbol', () => {
    const c = demo();
    c.strategies[0].triggers = { longEntry: 172, longExit: 180 };
    c.strategies[0].legs[1].tickSize = 1;
    c.strategies[0].execution.activeLeg = 'RB';
    const r = resolveConfig(c, 'x');
    expect(r.strategies[0]!.spec.triggers).toEqual({ longEntry: 172, longExit: 180, shortEntry: null, shortExit: null });
    expect(r.strategies[0]!.triggerPrices).toEqual({ longEntry: '172', longExit: '180', shortEntry: null, shortExit: null });
    expect(r.strategies[0]!.spec.algo.activeLeg).toBe(1);
  });

  it('reads a run.start with an explicit offset as that instant', () => {
    const c = demo();
    c.run.start = '2026-11-23T12:30:00Z';
    expect(resolveConfig(c, 'x').run.start).toBe(Date.UTC(2026, 10, 23, 12, 30));
    c.run.start = '2026-11-23T21:30:00+09:00';
    expect(resolveConfig(c, 'x').run.start).toBe(Date.UTC(2026, 10, 23, 12, 30));
  });

  it('with a 0.5 tick the spread scale is 10 and triggers round to the safe side (entries away from the market, exits too)', () => {
    const c = demo();
    for (const i of c.venue.instruments) i.tickSize = '0.5';
    for (const l of c.strategies[0].legs) l.tickSize = '0.5';
    c.strategies[0].triggers = { longEntry: '172.25', longExit: '180.25', shortEntry: '188.25', shortExit: '179.75' };
    const s = resolveConfig(c, 'x').strategies[0]!;
    expect(s.definition.scale).toBe(10);
    // longEntry and shortExit (buy) round down, longExit and shortEntry (sell) round up.
    expect(s.spec.triggers).toEqual({ longEntry: 1722, longExit: 1803, shortEntry: 1883, shortExit: 1797 });
    expect(s.spec.algo.tickValue).toEqual([5, 5]);
  });
});

describe('examples/demo.yaml', () => {
  it('is the built-in demo written as YAML: it parses to exactly demoConfig', () => {
    expect(parseConfigText(readFileSync(DEMO_YAML, 'utf8'), DEMO_YAML)).toEqual(demoConfig);
  });

  it('loadConfigFile resolves it to the same result as resolveConfig(demoConfig), apart from the source', () => {
    const fromFile = loadConfigFile(DEMO_YAML);
    expect(fromFile.source).toBe(DEMO_YAML);
    expect(withoutSource(fromFile)).toEqual(withoutSource(resolveConfig(demoConfig, 'built-in demo')));
  });

  it('takes the same overrides as resolveConfig', () => {
    const fromFile = loadConfigFile(DEMO_YAML, { seed: 7, days: 2 });
    expect(withoutSource(fromFile)).toEqual(withoutSource(resolveConfig(demoConfig, 'demo', { seed: 7, days: 2 })));
    expect([fromFile.venue.seed, fromFile.run.days]).toEqual([7, 2]);
  });
});

describe('loadConfigFile: files', () => {
  it('accepts JSON text too (YAML is a superset of JSON)', () => {
    const path = tempFile(JSON.stringify(demoConfig, null, 2), 'json');
    const r = loadConfigFile(path);
    expect(r.source).toBe(path);
    expect(withoutSource(r)).toEqual(withoutSource(resolveConfig(demoConfig, 'demo')));
  });

  it('reports a YAML syntax error with its line and column, under the file name', () => {
    const path = tempFile('run:\n  start: "2026-11-23T20:30:00"\n  days: [1, 2\nvenue: {}\n');
    const e = configErrors(() => loadConfigFile(path));
    expect(e.source).toBe(path);
    expect(paths(e.errors)).toEqual(['line 4, column 1']);
    expect(e.errors[0]!.reason).toMatch(/^YAML syntax error: Flow sequence .* end with a \]$/);
    expect(e.message).toContain(`invalid configuration in ${path}:`);
  });

  it('reports tabs used as indentation at their line', () => {
    const path = tempFile('run:\n  start: "2026-11-23T20:30:00"\nvenue:\n\tseed: 1\n');
    expect(paths(configErrors(() => loadConfigFile(path)).errors)).toEqual(['line 4, column 1']);
  });

  it('reports a file that cannot be read, naming the file', () => {
    const path = join(tmp, 'missing.yaml');
    const e = configErrors(() => loadConfigFile(path));
    expect(e.source).toBe(path);
    expect(paths(e.errors)).toEqual(['(file)']);
    expect(e.errors[0]!.reason).toMatch(/^cannot be read: ENOENT/);
    expect(e.errors[0]!.message).toContain(path);
  });

  it('reports an empty file as empty, at (file)', () => {
    const e = configErrors(() => loadConfigFile(tempFile('')));
    expect(paths(e.errors)).toEqual(['(file)']);
    expect(e.errors[0]!.message).toBe('(file): is empty: a config is a mapping of fields (run, venue, strategies)');
  });

  it('validates a file like a config object: a bad field is reported with its path', () => {
    const path = tempFile(readFileSync(DEMO_YAML, 'utf8').replace('target: 5', 'target: five'));
    const e = configErrors(() => loadConfigFile(path));
    expect(e.source).toBe(path);
    expect(paths(e.errors)).toEqual(['strategies[0].target']);
  });
});

describe('resolveConfig: invalid configs name the field', () => {
  it('an unknown key (strict objects) is reported at its own path as not a known field', () => {
    const errors = invalid((c) => {
      c.venue.sede = 3;
    });
    expect(paths(errors)).toEqual(['venue.sede']);
    expect(errors[0]!.message).toBe('venue.sede: is not a known field');
    const nested = invalid((c) => {
      c.strategies[0].execution.payup = 2;
    });
    expect(paths(nested)).toEqual(['strategies[0].execution.payup']);
  });

  it('an unknown top-level key is reported by its name', () => {
    const errors = invalid((c) => {
      c.strategy = {};
    });
    expect(paths(errors)).toEqual(['strategy']);
    expect(errors[0]!.message).toBe('strategy: is not a known field');
  });

  it('a follower of an unknown instrument is reported before anything starts', () => {
    const errors = invalid((c) => {
      c.venue.instruments[1].follows.symbol = 'ZZ';
    });
    expect(errors.map((e) => e.message)).toEqual(['venue.instruments[1].follows.symbol: names no instrument of this venue (got "ZZ")']);
  });

  it('an unwind timeout before the cross timeout is refused', () => {
    const errors = invalid((c) => {
      c.strategies[0].execution.hedge = { crossAfterMs: 5000, unwindAfterMs: 4000 };
    });
    expect(errors.map((e) => e.message)).toEqual(['strategies[0].execution.hedge.unwindAfterMs: must not be before crossAfterMs (5000) (got 4000)']);
  });

  it('a missing required field says it is required', () => {
    const errors = invalid((c) => {
      delete c.strategies[0].target;
    });
    expect(errors.map((e) => e.message)).toEqual(['strategies[0].target: is required (a number)']);
  });

  it('a wrong type (target: "five") is reported at strategies[0].target', () => {
    const errors = invalid((c) => {
      c.strategies[0].target = 'five';
    });
    expect(paths(errors)).toEqual(['strategies[0].target']);
    expect(errors[0]!.message).toBe('strategies[0].target: must be a number (got "five")');
  });

  it('a tick size that is not a decimal ("abc") is reported at its leg and at the instrument', () => {
    expect(
      paths(
        invalid((c) => {
          c.strategies[0].legs[0].tickSize = 'abc';
        }),
      ),
    ).toEqual(['strategies[0].legs[0].tickSize']);
    const errors = invalid((c) => {
      c.venue.instruments[1].tickSize = 'abc';
    });
    expect(paths(errors)).toEqual(['venue.instruments[1].tickSize']);
    expect(errors[0]!.reason).toBe('must be a decimal number');
  });

  it('a leg whose symbol is not a venue instrument is reported at legs[i].symbol, naming the symbol', () => {
    const errors = invalid((c) => {
      c.strategies[0].legs[1].symbol = 'I';
    });
    expect(paths(errors)).toEqual(['strategies[0].legs[1].symbol']);
    expect(errors[0]!.message).toBe('strategies[0].legs[1].symbol: is not an instrument of the venue (got "I")');
  });

  it('a leg tick size (or lot size) different from the venue’s is reported at that leg', () => {
    const errors = invalid((c) => {
      c.strategies[0].legs[0].tickSize = '0.5';
    });
    expect(paths(errors)).toEqual(['strategies[0].legs[0].tickSize']);
    expect(errors[0]!.message).toBe('strategies[0].legs[0].tickSize: differs from the venue\'s tick size 1 (got "0.5")');
    const lots = invalid((c) => {
      c.strategies[0].legs[1].lotSize = '2';
    });
    expect(paths(lots)).toEqual(['strategies[0].legs[1].lotSize']);
    expect(lots[0]!.message).toContain('"2"');
  });

  it('longExit at or below longEntry is reported at triggers.longExit', () => {
    for (const longExit of ['172', '171.5']) {
      const errors = invalid((c) => {
        c.strategies[0].triggers.longExit = longExit;
      });
      expect(paths(errors)).toEqual(['strategies[0].triggers.longExit']);
      expect(errors[0]!.message).toBe(`strategies[0].triggers.longExit: must be above longEntry (172) (got "${longExit}")`);
    }
  });

  it('shortExit at or above shortEntry is reported at triggers.shortExit', () => {
    for (const shortExit of ['188', '190']) {
      const errors = invalid((c) => {
        c.strategies[0].triggers.shortExit = shortExit;
      });
      expect(paths(errors)).toEqual(['strategies[0].triggers.shortExit']);
      expect(errors[0]!.message).toBe(`strategies[0].triggers.shortExit: must be below shortEntry (188) (got "${shortExit}")`);
    }
  });

  it('triggers without longEntry or shortEntry are reported at triggers', () => {
    const errors = invalid((c) => {
      c.strategies[0].triggers = { longExit: '180', shortExit: '180' };
    });
    expect(paths(errors)).toEqual(['strategies[0].triggers']);
    expect(errors[0]!.reason).toBe('needs longEntry or shortEntry');
  });

  it('a strategy name used twice is reported at the second one, naming it', () => {
    const errors = invalid((c) => {
      c.strategies.push(structuredClone(c.strategies[0]));
    });
    expect(paths(errors)).toEqual(['strategies[1].name']);
    expect(errors[0]!.message).toBe('strategies[1].name: is used by another strategy (got "hc-rb")');
  });

  it('an instrument symbol listed twice is reported at the second one, naming it', () => {
    const errors = invalid((c) => {
      c.venue.instruments.push({ ...structuredClone(c.venue.instruments[0]), start: '3300' });
    });
    expect(paths(errors)).toEqual(['venue.instruments[2].symbol']);
    expect(errors[0]!.message).toBe('venue.instruments[2].symbol: is listed twice (got "RB")');
  });

  it('an active leg index out of range, or a symbol not in the spread, is reported at execution.activeLeg', () => {
    const byIndex = invalid((c) => {
      c.strategies[0].execution.activeLeg = 2;
    });
    expect(paths(byIndex)).toEqual(['strategies[0].execution.activeLeg']);
    expect(byIndex[0]!.message).toBe('strategies[0].execution.activeLeg: names no leg of this spread (got 2)');
    const bySymbol = invalid((c) => {
      c.strategies[0].execution.activeLeg = 'I';
    });
    expect(paths(bySymbol)).toEqual(['strategies[0].execution.activeLeg']);
    expect(bySymbol[0]!.message).toBe('strategies[0].execution.activeLeg: names no leg of this spread (got "I")');
    const negative = invalid((c) => {
      c.strategies[0].execution.activeLeg = -1;
    });
    expect(paths(negative)).toEqual(['strategies[0].execution.activeLeg']);
  });

  it('a price-only active leg (tradingMultiplier 0) is reported at execution.activeLeg', () => {
    const errors = invalid((c) => {
      c.strategies[0].legs[1].tradingMultiplier = 0;
      c.strategies[0].execution.activeLeg = 'RB';
    });
    expect(paths(errors)).toEqual(['strategies[0].execution.activeLeg']);
    expect(errors[0]!.message).toContain('price-only');
  });

  it('an unknown calendar time zone is reported at venue.calendar.timeZone, naming it', () => {
    const errors = invalid((c) => {
      c.venue.calendar.timeZone = 'Asia/Shanghay';
    });
    expect(paths(errors)).toEqual(['venue.calendar.timeZone']); // and not run.start a second time
    expect(errors[0]!.message).toBe('venue.calendar.timeZone: must be a valid IANA time zone, e.g. "Asia/Shanghai" (got "Asia/Shanghay")');
  });

  it('a bad session time is reported at venue.calendar.sessions[i].start, naming it', () => {
    const errors = invalid((c) => {
      c.venue.calendar.sessions[0].start = '25:00';
    });
    expect(paths(errors)).toEqual(['venue.calendar.sessions[0].start']);
    expect(errors[0]!.message).toBe('venue.calendar.sessions[0].start: must be a 24 h time "HH:mm" (got "25:00")');
    const end = invalid((c) => {
      c.venue.calendar.sessions[3].end = '9:00';
    });
    expect(paths(end)).toEqual(['venue.calendar.sessions[3].end']);
    expect(end[0]!.message).toContain('"9:00"');
  });

  it('a bad strategy calendar is reported under strategies[i].session.calendar', () => {
    const errors = invalid((c) => {
      c.strategies[0].session.calendar = { ...c.venue.calendar, days: ['Mon', 'Fry'] };
    });
    expect(paths(errors)).toEqual(['strategies[0].session.calendar.days[1]']);
    const zone = invalid((c) => {
      c.strategies[0].session.calendar = { ...c.venue.calendar, timeZone: 'Europe/Shanghai' };
    });
    expect(paths(zone)).toEqual(['strategies[0].session.calendar.timeZone']);
    expect(zone[0]!.message).toContain('"Europe/Shanghai"');
  });

  it.each(['tomorrow', '2026-02-30T10:00', '2026-11-23 20:30 CST'])('run.start %j is reported at run.start, naming it', (start) => {
    const errors = invalid((c) => {
      c.run.start = start;
    });
    expect(paths(errors)).toEqual(['run.start']);
    expect(errors[0]!.message).toMatch(/^run\.start: is not an ISO 8601 date-time/);
    expect(errors[0]!.message).toContain(JSON.stringify(start));
  });

  it('instrument sizes with min above max are reported at venue.instruments[i].size', () => {
    const errors = invalid((c) => {
      c.venue.instruments[1].size = { min: 50, max: 10 };
    });
    expect(paths(errors)).toEqual(['venue.instruments[1].size']);
  });

  it('several semantic problems are reported together, in one pass', () => {
    const errors = invalid((c) => {
      c.venue.instruments.push({ ...structuredClone(c.venue.instruments[1]) });
      c.strategies[0].legs[0].symbol = 'I';
      c.strategies[0].triggers.longExit = '170';
      c.run.start = 'soon';
    });
    expect(paths(errors)).toEqual(['run.start', 'venue.instruments[2].symbol', 'strategies[0].legs[0].symbol', 'strategies[0].triggers.longExit']);
  });

  it('ConfigErrors lists every error, one a line, under the source name', () => {
    const c = demo();
    c.strategies[0].target = 0;
    c.venue.latencyMs = -1;
    const e = configErrors(() => resolveConfig(c as SimulatedConfigInput, 'my.yaml'));
    expect(e.name).toBe('ConfigErrors');
    expect(paths(e.errors).sort()).toEqual(['strategies[0].target', 'venue.latencyMs']);
    const lines = e.message.split('\n');
    expect(lines[0]).toBe('invalid configuration in my.yaml:');
    expect(lines.slice(1).sort()).toEqual(e.errors.map((x) => `  - ${x.message}`).sort());
  });
});

describe('resolveConfig: exchange-zone start times and short days (issue 11, item 10)', () => {
  /** The demo on a Chicago calendar, starting at `start` (local, read in America/Chicago). */
  const chicagoAt = (start: string): Raw => {
    const c = demo();
    c.venue.calendar.timeZone = 'America/Chicago';
    c.run.start = start;
    return c;
  };
  /** Resolves with luxon believing the process runs at `nowMs`. */
  const startAt = (c: Raw, nowMs: number): number => {
    const real = Settings.now;
    Settings.now = () => nowMs;
    try {
      return resolveConfig(c, 'x').run.start;
    } finally {
      Settings.now = real;
    }
  };
  const JANUARY = Date.UTC(2026, 0, 15, 12);
  const JULY = Date.UTC(2026, 6, 15, 12);

  it('run.start at a skipped local time (2026-03-08T02:30 Chicago) is the switch, 03:00 CDT = 1772956800000, whatever the process date', () => {
    const c = chicagoAt('2026-03-08T02:30');
    expect(startAt(c, JANUARY)).toBe(1_772_956_800_000);
    expect(startAt(c, JULY)).toBe(1_772_956_800_000);
    expect(1_772_956_800_000).toBe(Date.UTC(2026, 2, 8, 8, 0));
  });

  it('run.start at an ambiguous local time (2026-11-01T01:30 Chicago) is the first one, 01:30 CDT = 1793514600000, whatever the process date', () => {
    const c = chicagoAt('2026-11-01T01:30');
    expect(startAt(c, JANUARY)).toBe(1_793_514_600_000);
    expect(startAt(c, JULY)).toBe(1_793_514_600_000);
    expect(1_793_514_600_000).toBe(Date.UTC(2026, 10, 1, 6, 30));
  });

  it('run.start with an explicit offset in the repeated hour keeps it: 01:30-06:00 is the second 01:30, 07:30Z', () => {
    expect(startAt(chicagoAt('2026-11-01T01:30:00-06:00'), JANUARY)).toBe(Date.UTC(2026, 10, 1, 7, 30));
    expect(startAt(chicagoAt('2026-11-01T01:30:00-06:00'), JULY)).toBe(Date.UTC(2026, 10, 1, 7, 30));
    expect(startAt(chicagoAt('2026-11-01T06:30:00Z'), JANUARY)).toBe(Date.UTC(2026, 10, 1, 6, 30));
  });

  it('accepts calendar short days and hands them on with the venue and strategy calendars', () => {
    const c = demo();
    const shortDays = [
      { date: '2026-11-24', close: '11:30' },
      { date: '2026-11-25', open: '10:30', close: '15:00' },
    ];
    c.venue.calendar.shortDays = shortDays;
    const r = resolveConfig(c, 'x');
    expect(r.venue.calendar.shortDays).toEqual(shortDays);
    expect(r.strategies[0]!.spec.session.calendar.shortDays).toEqual(shortDays);
  });

  it('a bad short-day date, time, order or duplicate is reported at its path under venue.calendar, naming the value', () => {
    const errors = invalid((c) => {
      c.venue.calendar.shortDays = [
        { date: '2026-11-31', close: '11:30' },
        { date: '2026-11-24', close: '11:30' },
      ];
    });
    expect(errors.map((e) => e.message)).toEqual(['venue.calendar.shortDays[0].date: must be a real date "yyyy-MM-dd" (got "2026-11-31")']);
    const time = invalid((c) => {
      c.venue.calendar.shortDays = [{ date: '2026-11-24', open: '25:00' }];
    });
    expect(time.map((e) => e.message)).toEqual(['venue.calendar.shortDays[0].open: must be a 24 h time "HH:mm" (got "25:00")']);
    const order = invalid((c) => {
      c.venue.calendar.shortDays = [{ date: '2026-11-24', open: '13:00', close: '11:30' }];
    });
    expect(order.map((e) => e.message)).toEqual(['venue.calendar.shortDays[0].close: must be after open (13:00) (got "11:30")']);
    const twice = invalid((c) => {
      c.venue.calendar.shortDays = [
        { date: '2026-11-24', close: '11:30' },
        { date: '2026-11-24', open: '10:00' },
      ];
    });
    expect(twice.map((e) => e.message)).toEqual(['venue.calendar.shortDays[1].date: is listed twice (got "2026-11-24")']);
    const neither = invalid((c) => {
      c.venue.calendar.shortDays = [{ date: '2026-11-24' }];
    });
    expect(paths(neither)).toEqual(['venue.calendar.shortDays[0]']);
  });

  it('short-day shape errors come from the schema: an unknown key, a time that is not a string', () => {
    expect(
      paths(
        invalid((c) => {
          c.venue.calendar.shortDays = [{ date: '2026-11-24', closes: '11:30' }];
        }),
      ),
    ).toEqual(['venue.calendar.shortDays[0].closes']);
    expect(
      paths(
        invalid((c) => {
          c.venue.calendar.shortDays = [{ date: '2026-11-24', close: 1130 }];
        }),
      ),
    ).toEqual(['venue.calendar.shortDays[0].close']);
  });

  it('a bad short day of a strategy calendar is reported under strategies[i].session.calendar', () => {
    const errors = invalid((c) => {
      c.strategies[0].session.calendar = { ...c.venue.calendar, shortDays: [{ date: '2026-11-24', open: '12:00', close: '12:00' }] };
    });
    expect(paths(errors)).toEqual(['strategies[0].session.calendar.shortDays[0].close']);
  });
});

describe('resolveConfig: every number has a documented bound (issue 12, item 5)', () => {
  /** The one error message of the demo config after `change`. */
  const only = (change: (c: Raw) => void): string[] => invalid(change).map((e) => e.message);

  it('run.days 1e308 (forever) and 0 are refused; 3660 days is the most', () => {
    expect(only((c) => (c.run.days = 1e308))).toEqual(['run.days: must be at most 3,660 days (got 1e+308)']);
    expect(only((c) => (c.run.days = 0))).toEqual(['run.days: must be greater than 0 (got 0)']);
    const c = demo();
    c.run.days = 3660;
    expect(resolveConfig(c, 'x').run.days).toBe(3660);
  });

  it('a --days override beyond the bound is refused at run.days too', () => {
    const e = configErrors(() => resolveConfig(demoConfig, 'demo', { days: 1e308 }));
    expect(e.errors.map((x) => x.message)).toEqual(['run.days: must be greater than 0 and at most 3660 days (the --days override) (got 1e+308)']);
    expect(configErrors(() => resolveConfig(demoConfig, 'demo', { days: 0 })).errors.map((x) => x.path)).toEqual(['run.days']);
  });

  it('closingLeadSeconds must be shorter than a day (1e308 would never trade); 86,399 is accepted', () => {
    expect(only((c) => (c.strategies[0].session.closingLeadSeconds = 1e308))).toEqual([
      'strategies[0].session.closingLeadSeconds: must be less than 86,400 s (a day) (got 1e+308)',
    ]);
    expect(only((c) => (c.strategies[0].session.closingLeadSeconds = 86_400))).toEqual([
      'strategies[0].session.closingLeadSeconds: must be less than 86,400 s (a day) (got 86400)',
    ]);
    const c = demo();
    c.strategies[0].session.closingLeadSeconds = 86_399;
    expect(resolveConfig(c, 'x').strategies[0]!.spec.session.closingLeadMs).toBe(86_399_000);
  });

  it('latencies are at most 60,000 ms: venue.latencyMs and a leg’s own latency', () => {
    expect(only((c) => (c.venue.latencyMs = 1e308))).toEqual(['venue.latencyMs: must be at most 60,000 ms (a minute) (got 1e+308)']);
    expect(only((c) => (c.venue.instruments[0].latency = { submitMs: 60_001 }))).toEqual([
      'venue.instruments[0].latency.submitMs: must be at most 60,000 ms (a minute) (got 60001)',
    ]);
    expect(only((c) => (c.venue.latencyMs = -1))).toEqual(['venue.latencyMs: must be at least 0 ms (got -1)']);
  });

  it('quoteIntervalMs is from 1 ms to an hour (1e-300 would never advance the clock)', () => {
    expect(only((c) => (c.venue.instruments[0].quoteIntervalMs = 1e-300))).toEqual(['venue.instruments[0].quoteIntervalMs: must be at least 1 ms (got 1e-300)']);
    expect(only((c) => (c.venue.instruments[1].quoteIntervalMs = 3_600_001))).toEqual([
      'venue.instruments[1].quoteIntervalMs: must be at most 3,600,000 ms (got 3600001)',
    ]);
  });

  it('a random walk’s start and volatility must be greater than 0, and the volatility at most the start price', () => {
    expect(only((c) => (c.venue.instruments[0].volatility = '0'))).toEqual(['venue.instruments[0].volatility: must be greater than 0 (got "0")']);
    expect(only((c) => (c.venue.instruments[0].volatility = -0.25))).toEqual(['venue.instruments[0].volatility: must be greater than 0 (got "-0.25")']);
    expect(only((c) => (c.venue.instruments[0].start = '0'))).toEqual(['venue.instruments[0].start: must be greater than 0 (got "0")']);
    expect(only((c) => (c.venue.instruments[0].start = -3200))).toEqual(['venue.instruments[0].start: must be greater than 0 (got "-3200")']);
    expect(only((c) => (c.venue.instruments[0].volatility = '3201'))).toEqual(['venue.instruments[0].volatility: must be at most the start price (3200) per √second (got "3201")']);
  });

  it('a follower’s sd must not be negative; its price near beta × the other’s + mean must be within 10^12 ticks', () => {
    expect(only((c) => (c.venue.instruments[1].follows.sd = '-6'))).toEqual(['venue.instruments[1].follows.sd: must not be negative (got "-6")']);
    expect(only((c) => (c.venue.instruments[1].follows.mean = '1e15'))).toEqual([
      'venue.instruments[1].follows: puts the price near 1000000000000000, more than 10^12 ticks of 1: prices would not stay exact (got "HC")',
    ]);
    expect(only((c) => (c.venue.instruments[1].follows.halfLifeSeconds = 1e308))).toEqual([
      'venue.instruments[1].follows.halfLifeSeconds: must be at most 31,622,400 s (a year) (got 1e+308)',
    ]);
  });

  it('a follower of a follower is refused before the venue is built', () => {
    expect(
      only((c) => {
        c.venue.instruments.push({ symbol: 'I', tickSize: '1', lotSize: '1', follows: { symbol: 'HC', beta: '1', mean: '1', sd: '1', halfLifeSeconds: 9 } });
      }),
    ).toEqual(['venue.instruments[2].follows.symbol: HC itself follows another instrument; follow a random-walk instrument (got "HC")']);
  });

  it('a tick so small that prices exceed 2^53 ticks is refused: tick at least 10^-9, a start of at most 10^12 ticks', () => {
    expect(
      only((c) => {
        c.venue.instruments[0].tickSize = '0.000000001';
        c.strategies[0].legs[1].tickSize = '0.000000001';
      }),
    ).toEqual(['venue.instruments[0].start: is more than 10^12 ticks of 0.000000001: prices would not stay exact (got "3200")']);
    const tiny = invalid((c) => {
      c.venue.instruments[0].tickSize = '1e-12';
      c.venue.instruments[0].start = '0.0001';
      c.venue.instruments[0].volatility = '0.00001';
    });
    expect(tiny.map((e) => e.message)).toEqual([
      'venue.instruments[0].tickSize: must be at least 0.000000001 (10^-9), so prices stay exact in ticks (got "1e-12")',
      "strategies[0].legs[1].tickSize: differs from the venue's tick size 1e-12 (got \"1\")",
    ]);
  });

  it('spread prices Σ factor·ticks must stay below 2^53 up to 1000× the venue’s reference prices', () => {
    const errors = only((c) => {
      for (const i of c.venue.instruments) i.tickSize = '0.001';
      for (const l of c.strategies[0].legs) l.tickSize = '0.001';
      c.strategies[0].legs[0].priceMultiplier = '10000000';
    });
    expect(errors).toEqual([
      "strategies[0].legs: spread prices would not stay exact: Σ |priceMultiplier × price| × 1000 is 33800000000000 at the venue's reference prices, and must stay below 2^53 at 1000× them",
    ]);
    // A tenth of that multiplier is within the headroom.
    const c = demo();
    for (const i of c.venue.instruments) i.tickSize = '0.001';
    for (const l of c.strategies[0].legs) l.tickSize = '0.001';
    c.strategies[0].legs[0].priceMultiplier = '1000000';
    expect(resolveConfig(c, 'x').strategies[0]!.definition.scale).toBe(1000);
  });

  it('a trigger too large for exact scaled spread prices, or any decimal above 10^15, is refused', () => {
    expect(
      only((c) => {
        for (const i of c.venue.instruments) i.tickSize = '0.5';
        for (const l of c.strategies[0].legs) l.tickSize = '0.5';
        c.strategies[0].triggers.shortEntry = '1e15';
      }),
    ).toEqual(['strategies[0].triggers.shortEntry: is too large for exact spread prices (|price| × 10 must stay below 2^53) (got "1e15")']);
    expect(only((c) => (c.strategies[0].triggers.longEntry = '1e16'))).toEqual(['strategies[0].triggers.longEntry: must be at most 10^15 in absolute value (got "1e16")']);
    expect(only((c) => (c.strategies[0].legs[0].contractMultiplier = '1e16'))).toEqual([
      'strategies[0].legs[0].contractMultiplier: must be at most 10^15 in absolute value (got "1e16")',
    ]);
  });

  it('overlapping entries are refused: a long entry at or above the short entry would buy and sell at once', () => {
    for (const longEntry of ['188', '190']) {
      expect(only((c) => (c.strategies[0].triggers = { longEntry, shortEntry: '188' }))).toEqual([
        `strategies[0].triggers.longEntry: must be below shortEntry (188): between them the spread would trigger a buy and a sell at once (got "${longEntry}")`,
      ]);
    }
  });

  it.each([
    ['staleAfterMs', (c: Raw) => (c.strategies[0].staleAfterMs = 86_400_001), 'strategies[0].staleAfterMs'],
    ['resubmitMs', (c: Raw) => (c.strategies[0].execution.resubmitMs = 86_400_001), 'strategies[0].execution.resubmitMs'],
    ['legTimeoutMs', (c: Raw) => (c.strategies[0].execution.legTimeoutMs = 86_400_001), 'strategies[0].execution.legTimeoutMs'],
    ['hedge.repriceMs', (c: Raw) => (c.strategies[0].execution.hedge = { repriceMs: 86_400_001 }), 'strategies[0].execution.hedge.repriceMs'],
    ['hedge.crossAfterMs', (c: Raw) => (c.strategies[0].execution.hedge = { crossAfterMs: 86_400_001 }), 'strategies[0].execution.hedge.crossAfterMs'],
    ['hedge.unwindAfterMs', (c: Raw) => (c.strategies[0].execution.hedge = { unwindAfterMs: 86_400_001 }), 'strategies[0].execution.hedge.unwindAfterMs'],
    ['hedge.giveUpAfterMs', (c: Raw) => (c.strategies[0].execution.hedge = { giveUpAfterMs: 86_400_001 }), 'strategies[0].execution.hedge.giveUpAfterMs'],
    ['faults.lateMs', (c: Raw) => (c.venue.faults = { lateMs: 86_400_001 }), 'venue.faults.lateMs'],
    ['risk.orderRate.perMs', (c: Raw) => (c.risk = { orderRate: { maxOrders: 10, perMs: 86_400_001 } }), 'risk.orderRate.perMs'],
  ])('%s is at most a day (86,400,000 ms)', (_name, change, path) => {
    expect(only(change)).toEqual([`${path}: must be at most 86,400,000 ms (a day) (got 86400001)`]);
  });

  it.each([
    ['payupTicks', (c: Raw) => (c.strategies[0].execution.payupTicks = 10_001), 'strategies[0].execution.payupTicks'],
    ['repriceTicks', (c: Raw) => (c.strategies[0].execution.repriceTicks = 10_001), 'strategies[0].execution.repriceTicks'],
    ['requoteTicks', (c: Raw) => (c.strategies[0].execution.requoteTicks = 10_001), 'strategies[0].execution.requoteTicks'],
    ['hedge.payupTicks', (c: Raw) => (c.strategies[0].execution.hedge = { payupTicks: 10_001 }), 'strategies[0].execution.hedge.payupTicks'],
    ['hedge.repriceTicks', (c: Raw) => (c.strategies[0].execution.hedge = { repriceTicks: 10_001 }), 'strategies[0].execution.hedge.repriceTicks'],
    ['hedge.crossPayupTicks', (c: Raw) => (c.strategies[0].execution.hedge = { crossPayupTicks: 10_001 }), 'strategies[0].execution.hedge.crossPayupTicks'],
    ['hedge.maxCrossTicks', (c: Raw) => (c.strategies[0].execution.hedge = { maxCrossTicks: 10_001 }), 'strategies[0].execution.hedge.maxCrossTicks'],
    ['hedge.unwindPayupTicks', (c: Raw) => (c.strategies[0].execution.hedge = { unwindPayupTicks: 10_001 }), 'strategies[0].execution.hedge.unwindPayupTicks'],
    ['widthTicks', (c: Raw) => (c.venue.instruments[0].widthTicks = 10_001), 'venue.instruments[0].widthTicks'],
    ['risk.priceBandTicks', (c: Raw) => (c.risk = { priceBandTicks: 10_001 }), 'risk.priceBandTicks'],
  ])('%s is at most 10,000 ticks', (_name, change, path) => {
    expect(only(change)).toEqual([`${path}: must be at most 10,000 ticks (got 10001)`]);
  });

  it('target and minHedgeUnits are at most 1,000,000 spread units; target is whole and positive', () => {
    expect(only((c) => (c.strategies[0].target = 1e308))).toEqual(['strategies[0].target: must be at most 1,000,000 spread units (got 1e+308)']);
    expect(only((c) => (c.strategies[0].target = 0))).toEqual(['strategies[0].target: must be greater than 0 (got 0)']);
    expect(only((c) => (c.strategies[0].target = 2.5))).toEqual(['strategies[0].target: must be a whole number (got 2.5)']);
    expect(only((c) => (c.strategies[0].execution.minHedgeUnits = 1_000_001))).toEqual([
      'strategies[0].execution.minHedgeUnits: must be at most 1,000,000 spread units (got 1000001)',
    ]);
  });

  it('lots: tradingMultiplier within ±1,000,000, displayed sizes at most 1,000,000', () => {
    expect(only((c) => (c.strategies[0].legs[1].tradingMultiplier = -1e7))).toEqual(['strategies[0].legs[1].tradingMultiplier: must be at least -1,000,000 lots (got -10000000)']);
    expect(only((c) => (c.venue.instruments[0].size = { min: 5, max: 1e9 }))).toEqual(['venue.instruments[0].size.max: must be at most 1,000,000 lots (got 1000000000)']);
  });

  it('faults: disconnects start and last at most 3660 days', () => {
    expect(only((c) => (c.venue.faults = { disconnects: [{ afterMs: 1e308, durationMs: 1000 }] }))).toEqual([
      'venue.faults.disconnects[0].afterMs: must be at most 316,224,000,000 ms (3660 days) (got 1e+308)',
    ]);
    expect(only((c) => (c.venue.faults = { disconnects: [{ afterMs: 0, durationMs: 1e308 }] }))).toEqual([
      'venue.faults.disconnects[0].durationMs: must be at most 316,224,000,000 ms (3660 days) (got 1e+308)',
    ]);
  });

  it('risk limits are positive and finite', () => {
    expect(only((c) => (c.risk = { orderRate: { maxOrders: 1e308, perMs: 1000 } }))).toEqual(['risk.orderRate.maxOrders: must be at most 1,000,000 orders (got 1e+308)']);
    expect(only((c) => (c.risk = { instruments: [{ symbol: 'HC', maxPosition: 1e308 }] }))).toEqual([
      'risk.instruments[0].maxPosition: must be at most 1,000,000,000 lots (got 1e+308)',
    ]);
    expect(only((c) => (c.risk = { instruments: [{ symbol: 'HC', maxOrderLots: 0 }] }))).toEqual(['risk.instruments[0].maxOrderLots: must be greater than 0 (got 0)']);
    expect(only((c) => (c.risk = { instruments: [{ symbol: 'HC', maxNotional: '1e300' }] }))).toEqual([
      'risk.instruments[0].maxNotional: must be at most 10^15 in absolute value (got "1e300")',
    ]);
    expect(only((c) => (c.strategies[0].risk = { maxNakedNotional: '-1' }))).toEqual(['strategies[0].risk.maxNakedNotional: must be greater than 0 (got "-1")']);
  });

  it('a leg whose maxOrderLots is below the lots of one spread unit is refused: no entry could ever be sent', () => {
    const capped = (c: Raw, tm: number, cap: number) => {
      c.strategies[0].legs[1].tradingMultiplier = tm;
      c.risk = { instruments: [{ symbol: 'RB', maxOrderLots: cap }] };
    };
    expect(only((c) => capped(c, -2, 1))).toEqual([
      'strategies[0].legs[1].tradingMultiplier: needs 2 lots of RB in every spread unit, more than its risk limit maxOrderLots (1): no entry could ever be sent (got -2)',
    ]);
    const fits = demo();
    capped(fits, -2, 2);
    expect(resolveConfig(fits, 'test.yaml').strategies[0]!.spec.algo.maxOrderLots).toEqual([null, 2]);
  });

  it('a replay’s maxWidthTicks is at most 1,000,000', () => {
    const c = {
      venue: { kind: 'replay', instruments: [{ symbol: 'HC', tickSize: '1', lotSize: '1', maxWidthTicks: 1e308 }, { symbol: 'RB', tickSize: '1', lotSize: '1' }] },
      strategies: demo().strategies,
    };
    expect(configErrors(() => resolveConfigData(c, 'x')).errors.map((e) => e.message)).toEqual(['venue.instruments[0].maxWidthTicks: must be at most 1,000,000 ticks (got 1e+308)']);
  });

  it('Infinity and NaN (YAML .inf, .nan) are refused as not numbers, without a misleading "got null"', () => {
    const path = tempFile(readFileSync(DEMO_YAML, 'utf8').replace('target: 5', 'target: .inf').replace('days: 1', 'days: .nan'));
    expect(configErrors(() => loadConfigFile(path)).errors.map((e) => e.message)).toEqual([
      'run.days: must be a finite number (got NaN)',
      'strategies[0].target: must be a finite number (got Infinity)',
    ]);
  });

  it('every bound itself is accepted', () => {
    const c = demo();
    c.run.days = 3660;
    c.venue.latencyMs = 60_000;
    c.venue.instruments[0].quoteIntervalMs = 1;
    c.venue.instruments[1].quoteIntervalMs = 3_600_000;
    c.venue.instruments[0].widthTicks = 10_000;
    c.venue.instruments[0].size = { min: 1_000_000, max: 1_000_000 };
    c.venue.instruments[0].volatility = '3200';
    c.venue.instruments[1].follows.halfLifeSeconds = 31_622_400;
    c.venue.faults = { lateMs: 86_400_000, disconnects: [{ afterMs: 316_224_000_000, durationMs: 316_224_000_000 }] };
    const s = c.strategies[0];
    s.target = 1_000_000;
    s.staleAfterMs = 86_400_000;
    s.execution = {
      payupTicks: 10_000,
      resubmitMs: 86_400_000,
      repriceTicks: 10_000,
      legTimeoutMs: 86_400_000,
      requoteTicks: 10_000,
      minHedgeUnits: 1_000_000,
      hedge: { payupTicks: 10_000, repriceMs: 86_400_000, repriceTicks: 10_000, crossAfterMs: 86_400_000, crossPayupTicks: 10_000, maxCrossTicks: 10_000, unwindAfterMs: 86_400_000, unwindPayupTicks: 10_000, giveUpAfterMs: 86_400_000 },
    };
    s.risk = { maxNakedNotional: '1e15' };
    c.risk = { orderRate: { maxOrders: 1_000_000, perMs: 86_400_000 }, priceBandTicks: 10_000, instruments: [{ symbol: 'HC', maxPosition: 1e9, maxOrderLots: 1e9, maxNotional: '1e15' }] };
    const r = resolveConfig(c, 'x');
    expect(r.run.days).toBe(3660);
    expect(r.strategies[0]!.maxNakedNotional).toBe(1e15);
  });
});

describe('parseConfigText: alias bombs, parser failures, empty and non-mapping configs', () => {
  /** Nine levels of nine aliases each: 9^9 strings once expanded. */
  const BILLION_LAUGHS = [
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    ...'bcdefghi'.split('').map((k, n) => `${k}: &${k} [${Array(9).fill(`*${'abcdefgh'[n]}`).join(',')}]`),
  ].join('\n');

  it('a "billion laughs" alias bomb is a named error at (file), quickly', () => {
    const t0 = performance.now();
    const e = configErrors(() => parseConfigText(BILLION_LAUGHS, 'bomb.yaml'));
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(e.message).toBe('invalid configuration in bomb.yaml:\n  - (file): has more than 100 alias expansions (*name): refused as a "billion laughs" alias bomb');
    expect(configErrors(() => loadConfigFile(tempFile(BILLION_LAUGHS))).errors.map((x) => x.path)).toEqual(['(file)']);
  });

  it('a few aliases are still fine', () => {
    expect(parseConfigText('a: &a [1, 2]\nb: [*a, *a]\n', 'x')).toEqual({ a: [1, 2], b: [[1, 2], [1, 2]] });
  });

  it('any other parser exception is a named error: an undefined alias', () => {
    expect(configErrors(() => parseConfigText('a: *nowhere\n', 'x.yaml')).errors.map((e) => e.message)).toEqual([
      '(file): cannot be read as YAML: Unresolved alias (the anchor must be set before the alias): nowhere',
    ]);
  });

  it('nesting deeper than 200 levels (brackets, indentation) is refused before the recursive parser sees it', () => {
    const message = 'is nested too deeply: more than 200 levels of indentation and brackets';
    const deep = (text: string) => configErrors(() => parseConfigText(text, 'deep.yaml')).errors.map((e) => e.message);
    expect(deep('['.repeat(20_000))).toEqual([`line 1: ${message}`]);
    expect(deep('{a: '.repeat(5_000))).toEqual([`line 1: ${message}`]);
    expect(deep(`a:\n${'  - '.repeat(5_000)}`)).toEqual([`line 2: ${message}`]);
    expect(deep(Array.from({ length: 300 }, (_, i) => `${' '.repeat(i)}k:`).join('\n'))).toEqual([`line 201: ${message}`]);
    // 199 brackets, and deep indentation inside a block scalar, are fine.
    expect(parseConfigText(`${'['.repeat(199)}${']'.repeat(199)}`, 'x')).toBeInstanceOf(Array);
    expect(parseConfigText(`k: |\n${' '.repeat(500)}text\n`, 'x')).toEqual({ k: 'text\n' });
  });

  it('an empty config (no text, only a comment) says it is empty', () => {
    for (const text of ['', '   \n']) {
      expect(configErrors(() => loadConfigFile(tempFile(text))).errors.map((e) => e.message)).toEqual(['(file): is empty: a config is a mapping of fields (run, venue, strategies)']);
    }
    expect(configErrors(() => loadConfigFile(tempFile('# nothing here\n'))).errors.map((e) => e.message)).toEqual([
      '(file): is empty (only comments): a config is a mapping of fields (run, venue, strategies)',
    ]);
    expect(configErrors(() => resolveConfigData(null, 'x')).errors.map((e) => e.message)).toEqual(['(root): is empty: a config is a mapping of fields (run, venue, strategies)']);
    expect(configErrors(() => resolveConfigData(undefined, 'x')).errors.map((e) => e.path)).toEqual(['']);
  });

  it('a config that is a list, a number or a string says it is not a mapping', () => {
    const message = (text: string) => configErrors(() => loadConfigFile(tempFile(text))).errors.map((e) => e.message);
    expect(message('- run\n- venue\n')).toEqual(['(root): is a list: a config is a mapping of fields (run, venue, strategies)']);
    expect(message('42\n')).toEqual(['(root): is a number: a config is a mapping of fields (run, venue, strategies) (got 42)']);
    expect(message('"a config"\n')).toEqual(['(root): is a string: a config is a mapping of fields (run, venue, strategies) (got "a config")']);
  });
});
