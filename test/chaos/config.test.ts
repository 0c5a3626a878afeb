import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { demoConfig } from '../../src/config/demo.js';
import { parseConfigText, resolveConfig, resolveConfigData, type EngineConfig } from '../../src/config/resolve.js';
import { ConfigError, ConfigErrors } from '../../src/domain/errors.js';

/**
 * Hostile configs (issue 12, chaos suite: config and data). The demo config, a fuller one (every optional
 * section) and the CME replay example are mutated at random paths: values of random types, huge and tiny
 * numbers, Infinity, NaN and NaN-like strings, deep nesting, deleted and added keys; and random YAML text
 * (alias bombs, tags, directives, brackets) is parsed. Invariants: `parseConfigText` and `resolveConfig`
 * return a config or throw ConfigErrors (each error a ConfigError with a message), never anything else; a
 * config they return has only finite numbers (a replay's run.start is NaN until its data sets it).
 */

const SEED = 20_261_212;
const RUNS = { objects: 600, text: 400, demoText: 300 };

type Raw = any;
type Path = (string | number)[];

const DEMO_YAML = readFileSync(new URL('../../examples/demo.yaml', import.meta.url), 'utf8');
const REPLAY_YAML = readFileSync(new URL('../../examples/backtest-cme-calendar.yaml', import.meta.url), 'utf8');

/** The demo with every optional section filled in, so mutations reach them too. */
function fullConfig(): Raw {
  const c: Raw = structuredClone(demoConfig);
  c.venue.faults = { rejectRate: 0.1, cancelRejectRate: 0.1, duplicateRate: 0.1, lateRate: 0.1, lateMs: 300, disconnects: [{ afterMs: 60_000, durationMs: 5_000 }] };
  c.venue.instruments[0].latency = { submitMs: 10, cancelMs: 10, reportMs: 10 };
  c.venue.instruments[0].queue = false;
  c.venue.instruments[0].widthTicks = 2;
  c.venue.calendar.shortDays = [{ date: '2026-12-31', close: '11:30' }];
  const s = c.strategies[0];
  s.staleAfterMs = 4000;
  s.risk = { maxNakedNotional: '200000' };
  s.session = { closingLeadSeconds: 30, calendar: structuredClone(c.venue.calendar) };
  s.execution = {
    kind: 'taker',
    activeLeg: 'HC',
    payupTicks: 1,
    resubmitMs: 2000,
    repriceTicks: 1,
    entryWhileHedging: false,
    hedgeRounding: 'nearest',
    stopPolicy: 'hedge',
    legTimeoutMs: 2000,
    requoteTicks: 2,
    minHedgeUnits: 0,
    hedge: { firstStep: 'resting', payupTicks: 1, repriceMs: 1000, repriceTicks: 1, crossAfterMs: 3000, crossPayupTicks: 2, maxCrossTicks: 10, unwindAfterMs: 10_000, unwindPayupTicks: 5, giveUpAfterMs: 60_000 },
  };
  c.risk = { orderRate: { maxOrders: 20, perMs: 1000 }, priceBandTicks: 20, instruments: [{ symbol: 'HC', maxPosition: 20, maxOrderLots: 10, maxNotional: '1000000' }] };
  c.journal = { dir: './run1', unknownOrders: 'cancel' };
  return c;
}

const BASES: Raw[] = [structuredClone(demoConfig), fullConfig(), parseConfigText(REPLAY_YAML, 'replay')];

function pathsOf(v: unknown, at: Path = [], out: Path[] = []): Path[] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => pathsOf(x, [...at, i], out));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) pathsOf(x, [...at, k], out);
  return out;
}
const BASE_PATHS = BASES.map((b) => pathsOf(b));
const KEYS = [
  ...new Set([
    ...BASE_PATHS.flat(2).filter((k): k is string => typeof k === 'string'),
    ...['latency', 'queue', 'faults', 'risk', 'journal', 'activeLeg', 'calendar', 'shortDays', 'holidays', 'maxWidthTicks', 'contractMultiplier'],
    ...['follows', 'start', 'volatility', 'kind', 'days', '__proto__', 'constructor', 'toString', ''],
  ]),
];

// ---- values ----------------------------------------------------------------------------------------

const hugeNumbers = fc.constantFrom(
  1e308, -1e308, Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e21, 1e16, 1e15, 1e-300, -1e-300, -0, 0, -1, 0.5,
  NaN, Infinity, -Infinity, 3660, 3661, 86_399, 86_400, 86_400_000, 86_400_001, 60_001, 10_001, 1_000_001,
);
const nanLikeStrings = fc.constantFrom(
  'NaN', 'nan', '.nan', 'Infinity', '-Infinity', '.inf', '-.inf', '1e400', '-1e400', '1e-400', '1e308', '1e16', '1e15', '-1e15', '0x10', '0b1', '0o7',
  '1_000', '', ' ', '\u0663', '9007199254740993', '00001', '+1', '-0', '1.', '.5', '5.', 'null', 'undefined', 'true', '1e', 'e1', '--1', '1/2',
  '0.000000000001', '0.000000001', '3200', '-3200', 'RB', 'HC', 'replay', 'simulated', 'Asia/Shanghai', '25:00', '2026-02-30', 'Mars/Base',
);
/** Nested arrays and objects, up to 400 levels. */
const deepValue = fc.tuple(fc.integer({ min: 1, max: 400 }), hugeNumbers).map(([n, leaf]) => {
  let v: unknown = leaf;
  for (let i = 0; i < n; i++) v = i % 2 ? [v] : { a: v };
  return v;
});
const oddObjects = fc.constantFrom<unknown>(new Date(0), new Date(NaN), new Map([['a', 1]]), new Set([1]), new Uint8Array(2), JSON.parse('{"__proto__": {"days": 1e308}}'), Object.create(null), [], {}, [[]]);
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hugeNumbers },
  { weight: 4, arbitrary: nanLikeStrings },
  { weight: 2, arbitrary: fc.double() },
  { weight: 2, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.bigInt() },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constantFrom(null, undefined) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: deepValue },
  { weight: 1, arbitrary: oddObjects },
  { weight: 1, arbitrary: fc.array(hugeNumbers, { maxLength: 5 }) },
);

type Mutation = { op: 'set' | 'delete' | 'add' | 'duplicate'; at: number; key: string; value: unknown };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom('set', 'set', 'set', 'delete', 'add', 'duplicate'),
  at: fc.nat(),
  key: fc.constantFrom(...KEYS),
  value: anyValue,
});

/** Applies mutations to a copy of a base config (paths are taken from the copy as it is at each step). */
function mutate(base: Raw, mutations: readonly Mutation[]): Raw {
  let root: Raw = structuredClone(base);
  for (const m of mutations) {
    const paths = pathsOf(root);
    const path = paths[m.at % paths.length]!;
    if (path.length === 0) {
      if (m.op === 'set') root = m.value;
      continue;
    }
    const parent = path.slice(0, -1).reduce((o: Raw, k) => o[k], root);
    const last = path[path.length - 1]!;
    if (m.op === 'set') parent[last] = m.value;
    else if (m.op === 'delete') {
      if (Array.isArray(parent) && typeof last === 'number') parent.splice(last, 1);
      else delete parent[last];
    } else if (m.op === 'add') {
      const target = parent[last];
      if (target !== null && typeof target === 'object') Object.defineProperty(target, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
    } else if (Array.isArray(parent) && typeof last === 'number') parent.push(structuredClone(parent[last]));
  }
  return root;
}

// ---- invariants ------------------------------------------------------------------------------------

/** Every number reachable from a resolved config (own fields, arrays, Maps), with its path. */
function nonFinite(config: EngineConfig): string[] {
  const bad: string[] = [];
  const seen = new Set<unknown>();
  const walk = (v: unknown, at: string): void => {
    if (typeof v === 'number') {
      if (!Number.isFinite(v) && !(at === 'run.start' && config.venue.kind === 'replay')) bad.push(`${at} = ${v}`);
      return;
    }
    if (v === null || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    if (v instanceof Map) for (const [k, x] of v) walk(x, `${at}.${String(k)}`);
    else for (const [k, x] of Object.entries(v)) walk(x, at ? `${at}.${k}` : k);
  };
  walk(config, '');
  return bad;
}

const counts = { runs: 0, accepted: 0, refused: 0 };

/** Runs one step of the pipeline: a ConfigErrors is a refusal, anything else thrown fails the property. */
function outcome<T>(fn: () => T): { ok: true; value: T } | { ok: false } {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    if (!(e instanceof ConfigErrors)) throw new Error(`threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)} instead of ConfigErrors`, { cause: e });
    expect(e.errors.length).toBeGreaterThan(0);
    for (const x of e.errors) {
      expect(x).toBeInstanceOf(ConfigError);
      expect(typeof x.message).toBe('string');
    }
    return { ok: false };
  }
}

/** resolveConfig: a config with finite numbers, or ConfigErrors. */
function check(raw: unknown, source: string): void {
  counts.runs++;
  const r = outcome(() => resolveConfigData(raw, source));
  if (!r.ok) {
    counts.refused++;
    return;
  }
  counts.accepted++;
  expect(nonFinite(r.value)).toEqual([]);
}

/** parseConfigText then resolveConfig. */
function checkText(text: string, source: string): void {
  const parsed = outcome(() => parseConfigText(text, source));
  if (!parsed.ok) {
    counts.runs++;
    counts.refused++;
    return;
  }
  check(parsed.value, source);
}

// ---- YAML text ---------------------------------------------------------------------------------------

const YAML_TOKENS = [
  '[', ']', '{', '}', ': ', ', ', '- ', '? ', '\n', '  ', '    ', '\t', '&a ', '*a', '&b [*a,*a,*a,*a,*a,*a,*a,*a,*a]', '<<: *a', '*b',
  '!!binary ', '!!set ', '!!omap ', '!!timestamp ', '!!int ', '!!float ', '!!str ', '!!map ', '!!seq ', '!foo ', '!<tag:x> ',
  '%YAML 1.1\n---\n', '%YAML 1.3\n---\n', '%TAG ! tag:x,2000:\n---\n', '--- ', '...\n', '# c\n', '"', "'", '\\', '|\n', '>-\n',
  '.inf', '-.inf', '.nan', '~', 'null', '1e308', '-1e308', '0x1F', '0o17', '1:30:00', '2001-12-14t21:59:43.10-05:00', 'yes', 'on',
  'run', 'venue', 'strategies', 'days', 'start', 'kind: replay', 'latencyMs', 'target', '\uFEFF', '\u0000', '\r', '\u2028', '\uD800',
];
const yamlText = fc.oneof(
  fc.array(fc.constantFrom(...YAML_TOKENS), { maxLength: 60 }).map((t) => t.join('')),
  fc.string({ unit: 'grapheme-ascii', maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 100 }),
  fc.tuple(fc.constantFrom('[', '{a: ', '- ', ' k:\n'), fc.integer({ min: 1, max: 5000 })).map(([t, n]) => t.repeat(n)),
  fc.integer({ min: 2, max: 12 }).map((levels) => {
    // A "billion laughs" of `levels` levels, nine aliases each.
    const lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < levels; i++) lines.push(`l${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(',')}]`);
    return lines.join('\n');
  }),
);
/** The demo YAML with a few tokens spliced in (and a few characters cut). */
const spliced = fc.tuple(fc.constantFrom(DEMO_YAML, REPLAY_YAML), fc.array(fc.tuple(fc.nat(), fc.constantFrom(...YAML_TOKENS, '1e308', '-1', '0', 'NaN'), fc.nat(4)), { minLength: 1, maxLength: 4 })).map(
  ([text, edits]) => edits.reduce((t, [at, token, cut]) => t.slice(0, at % (t.length + 1)) + token + t.slice((at % (t.length + 1)) + cut), text),
);

// -------------------------------------------------------------------------------------------------

describe('chaos: hostile configs are refused with named errors, never another exception', () => {
  // YAML warnings (unresolved tags, unknown versions) go to process.emitWarning: keep the output readable.
  beforeAll(() => {
    vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
  });
  afterAll(() => {
    vi.restoreAllMocks();
    console.log(`config chaos: ${counts.runs} runs, ${counts.accepted} accepted, ${counts.refused} refused`);
  });

  it('the bases themselves are accepted', () => {
    for (const b of BASES) expect(nonFinite(resolveConfig(b, 'base'))).toEqual([]);
  });

  it('mutated config objects (random values of random types at random paths, deletions, additions)', () => {
    const before = { ...counts };
    fc.assert(
      fc.property(fc.nat(BASES.length - 1), fc.array(mutation, { minLength: 1, maxLength: 4 }), (b, mutations) => {
        check(mutate(BASES[b], mutations), 'mutated');
      }),
      { seed: SEED, numRuns: RUNS.objects },
    );
    const accepted = counts.accepted - before.accepted;
    const refused = counts.refused - before.refused;
    console.log(`config chaos, objects: ${counts.runs - before.runs} runs, ${accepted} accepted, ${refused} refused`);
    // Both outcomes are exercised.
    expect(accepted).toBeGreaterThan(10);
    expect(refused).toBeGreaterThan(10);
  });

  it('mutated configs written as YAML go through parseConfigText the same way', () => {
    const before = { ...counts };
    fc.assert(
      fc.property(fc.nat(BASES.length - 1), fc.array(mutation, { minLength: 1, maxLength: 3 }), (b, mutations) => {
        let text: string;
        try {
          text = stringify(mutate(BASES[b], mutations));
        } catch {
          return; // a value YAML cannot write (a BigInt, say): nothing to parse
        }
        checkText(text, 'mutated.yaml');
      }),
      { seed: SEED + 1, numRuns: RUNS.demoText },
    );
    console.log(`config chaos, YAML of mutated objects: ${counts.runs - before.runs} runs, ${counts.accepted - before.accepted} accepted, ${counts.refused - before.refused} refused`);
  });

  it('random YAML text: tokens, strings, bytes, deep nesting, alias bombs', () => {
    const before = { ...counts };
    fc.assert(
      fc.property(yamlText, (text) => checkText(text, 'random.yaml')),
      { seed: SEED + 2, numRuns: RUNS.text },
    );
    console.log(`config chaos, random YAML: ${counts.runs - before.runs} runs, ${counts.accepted - before.accepted} accepted, ${counts.refused - before.refused} refused`);
  });

  it('the demo and replay YAML with tokens spliced in', () => {
    const before = { ...counts };
    fc.assert(
      fc.property(spliced, (text) => checkText(text, 'spliced.yaml')),
      { seed: SEED + 3, numRuns: RUNS.demoText },
    );
    console.log(`config chaos, spliced YAML: ${counts.runs - before.runs} runs, ${counts.accepted - before.accepted} accepted, ${counts.refused - before.refused} refused`);
  });
});
