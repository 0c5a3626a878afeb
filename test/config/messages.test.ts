import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoConfig } from '../../src/config/demo.js';
import { didYouMean, editDistance } from '../../src/config/messages.js';
import { loadConfigFile, parseConfigText, resolveConfig } from '../../src/config/resolve.js';
import { ConfigErrors } from '../../src/domain/errors.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;
const demo = (): Loose => JSON.parse(JSON.stringify(demoConfig));

function messages(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigErrors) return e.errors.map((x) => x.message);
    throw e;
  }
  throw new Error('expected ConfigErrors');
}
const broken = (edit: (c: Loose) => void): string[] => {
  const c = demo();
  edit(c);
  return messages(() => resolveConfig(c, 'x.yaml'));
};

/** What the schema library says by default (zod 4): none of it may reach a user. */
const LIBRARY_WORDS = /Invalid input|Invalid option|Invalid discriminator|Invalid string|Too small|Too big|expected .*, received|Unrecognized key|Invalid element|Invalid key|[<>]=?\d/;

describe('config messages in our own words', () => {
  it('each kind of schema issue, in our words', () => {
    expect(broken((c) => (c.strategies[0].target = 0))).toEqual(['strategies[0].target: must be greater than 0 (got 0)']);
    expect(broken((c) => (c.strategies[0].target = 'five'))).toEqual(['strategies[0].target: must be a number (got "five")']);
    expect(broken((c) => (c.venue.seed = 1.5))).toEqual(['venue.seed: must be a whole number (got 1.5)']);
    expect(broken((c) => (c.venue.seed = 'a'))).toEqual(['venue.seed: must be a number (got "a")']);
    expect(broken((c) => (c.strategies[0].legs = 5))).toEqual(['strategies[0].legs: must be a list (got 5)']);
    expect(broken((c) => (c.strategies = {}))).toEqual(['strategies: must be a list (got a mapping)']);
    expect(broken((c) => (c.run = true))).toEqual(['run: must be a mapping of fields (got true)']);
    expect(broken((c) => (c.venue.calendar.timeZone = ['UTC']))).toEqual(['venue.calendar.timeZone: must be text (a string) (got a list)']);
    expect(broken((c) => delete c.venue.calendar.sessions)).toEqual(['venue.calendar.sessions: is required (a list)']);
    expect(broken((c) => delete c.strategies[0].triggers)).toEqual(['strategies[0].triggers: is required (a mapping of fields)']);
    expect(broken((c) => (c.strategies[0].legs[0].symbol = ''))).toEqual(['strategies[0].legs[0].symbol: must not be empty (got "")']);
    expect(broken((c) => (c.venue.faults = { rejectRate: 2 }))).toEqual(['venue.faults.rejectRate: must be at most 1 (got 2)']);
    expect(broken((c) => (c.venue.faults = { rejectRate: -0.5 }))).toEqual(['venue.faults.rejectRate: must be at least 0 (got -0.5)']);
    expect(broken((c) => (c.strategies[0].execution.kind = 'best'))).toEqual(['strategies[0].execution.kind: must be one of "taker", "contingent" or "quoting" (got "best")']);
    expect(broken((c) => (c.venue.kind = 'exchange'))).toEqual(['venue.kind: must be one of "simulated", "replay" or "fix" (got "exchange")']);
    // A message the schema field sets itself stands.
    expect(broken((c) => (c.strategies[0].legs = []))).toEqual(['strategies[0].legs: must list at least one leg']);
  });

  it('"did you mean" for an unknown field near a known one, and the field it meant is not reported missing too', () => {
    expect(
      broken((c) => {
        c.strategies[0].triger = c.strategies[0].triggers;
        delete c.strategies[0].triggers;
      }),
    ).toEqual(['strategies[0].triger: is not a known field; did you mean "triggers"?']);
    expect(
      broken((c) => {
        c.venue.sede = 3;
        delete c.venue.seed;
      }),
    ).toEqual(['venue.sede: is not a known field; did you mean "seed"?']);
    expect(broken((c) => (c.strategies[0].execution.stopPolicey = 'hedge'))).toEqual(['strategies[0].execution.stopPolicey: is not a known field; did you mean "stopPolicy"?']);
    expect(broken((c) => (c.riks = {}))).toEqual(['riks: is not a known field; did you mean "risk"?']);
    // The venue (a discriminated union) is looked up by its kind: a replay venue's fields are a replay's.
    expect(
      broken((c) => {
        c.venue = { kind: 'replay', latencyMs: 0, instrumnets: c.venue.instruments.map((i: Loose) => ({ symbol: i.symbol, tickSize: i.tickSize, lotSize: i.lotSize })) };
      }),
    ).toEqual(['venue.instrumnets: is not a known field; did you mean "instruments"?']);
    expect(
      broken((c) => {
        c.venue.latncyMs = 3;
        delete c.venue.latencyMs;
      }),
    ).toEqual(['venue.latncyMs: is not a known field; did you mean "latencyMs"?']);
    // Nothing near, or the near field is written already: no guess.
    expect(broken((c) => (c.venue.colour = 'red'))).toEqual(['venue.colour: is not a known field']);
    expect(broken((c) => (c.strategies[0].targett = 3))).toEqual(['strategies[0].targett: is not a known field']);
  });

  it('"did you mean" for a value near one of a field\'s choices', () => {
    expect(broken((c) => (c.strategies[0].execution.kind = 'tkaer'))).toEqual([
      'strategies[0].execution.kind: must be one of "taker", "contingent" or "quoting"; did you mean "taker"? (got "tkaer")',
    ]);
    expect(broken((c) => (c.venue.kind = 'simulted'))).toEqual(['venue.kind: must be one of "simulated", "replay" or "fix"; did you mean "simulated"? (got "simulted")']);
    expect(broken((c) => (c.venue.calendar.days = ['Mon', 'mon', 'Tues']))).toEqual([
      'venue.calendar.days[1]: must be one of "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" or "Sun"; did you mean "Mon"? (got "mon")',
      'venue.calendar.days[2]: must be one of "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" or "Sun"; did you mean "Tue"? (got "Tues")',
    ]);
  });

  it('no message anywhere in the schema is the library\'s: every field of the demo given a value of each wrong kind', () => {
    const wrong: unknown[] = ['text', -1, 0.5, true, null, [], {}, [1], { x: 1 }, Number.NaN, '', 'x'.repeat(300)];
    const seen = new Set<string>();
    let checked = 0;
    const visit = (value: unknown, path: (string | number)[]): void => {
      for (const w of wrong) {
        const c = demo();
        let at: Loose = c;
        for (const k of path.slice(0, -1)) at = at[k];
        at[path[path.length - 1]!] = w;
        let found: string[] = [];
        try {
          resolveConfig(c, 'x.yaml');
        } catch (e) {
          if (!(e instanceof ConfigErrors)) throw e;
          found = e.errors.map((x) => x.message);
        }
        for (const m of found) seen.add(m);
        checked++;
      }
      if (value !== null && typeof value === 'object') {
        for (const [k, v] of Object.entries(value)) visit(v, [...path, Array.isArray(value) ? Number(k) : k]);
      }
    };
    for (const [k, v] of Object.entries(demo())) visit(v, [k]);
    expect(checked).toBeGreaterThan(500);
    const leaked = [...seen].filter((m) => LIBRARY_WORDS.test(m.replace(/ \(got .*\)$/, '')));
    expect(leaked).toEqual([]);
    expect(seen.size).toBeGreaterThan(50);
  });

  it('didYouMean: a typo within a third of the word (case aside, swaps count once), else nothing', () => {
    expect(didYouMean('triger', ['target', 'triggers'])).toBe('triggers');
    expect(didYouMean('TARGET', ['target'])).toBe('target');
    expect(didYouMean('tagret', ['target'])).toBe('target');
    expect(didYouMean('xyz', ['target'])).toBeUndefined();
    expect(didYouMean('', ['a'])).toBeUndefined();
    expect(editDistance('tagret', 'target')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });
});

describe('config files that are not configs: empty, or with a syntax error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'legato-messages-'));
  let n = 0;
  const file = (text: string, ext: string): string => {
    const p = join(dir, `c${++n}.${ext}`);
    writeFileSync(p, text);
    return p;
  };

  it('an empty file, or one with only comments, says it is empty', () => {
    expect(messages(() => loadConfigFile(file('', 'yaml')))).toEqual(['(file): is empty: a config is a mapping of fields (run, venue, strategies)']);
    expect(messages(() => loadConfigFile(file('\n\n', 'json')))).toEqual(['(file): is empty: a config is a mapping of fields (run, venue, strategies)']);
    expect(messages(() => loadConfigFile(file('# todo\n  # later\n', 'yaml')))).toEqual(['(file): is empty (only comments): a config is a mapping of fields (run, venue, strategies)']);
  });

  it('a JSON syntax error says so, with its line and column', () => {
    expect(messages(() => loadConfigFile(file('{\n  "run": { "days": 1 },\n}\n', 'json')))).toEqual(['line 3, column 1: JSON syntax error: Expected double-quoted property name']);
    expect(messages(() => loadConfigFile(file('{"run": {', 'json')))).toEqual(["line 1, column 10: JSON syntax error: Expected property name or '}'"]);
    // JSON text in a .yaml file is read as YAML, but a broken one still gets JSON's account.
    expect(messages(() => parseConfigText('{"run": {"days": 1}\n "venue": {}}', 'c.yaml'))).toEqual(["line 2, column 2: JSON syntax error: Expected ',' or '}' after property value"]);
  });

  it('a YAML syntax error says so, with its line and column', () => {
    expect(messages(() => parseConfigText('run: {days: 1\nvenue: x\n', 'c.yaml'))[0]).toMatch(/^line \d+, column \d+: YAML syntax error: /);
    expect(messages(() => parseConfigText('a: b: c\n', 'c.yaml'))).toEqual(['line 1, column 4: YAML syntax error: Nested mappings are not allowed in compact mappings']);
  });
});
