import type { z } from 'zod';

/**
 * A config's problems in our words, for every kind of issue the schema library reports: its own default
 * messages ("Too small: expected number to be >0") never reach a user. A message a schema field sets itself
 * (`must list at least one leg`) takes precedence over this map (zod: schema-level error > per-parse error).
 */
export const configErrorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return `is required (${kindName(issue.expected)})`;
      if (issue.expected === 'int') return 'must be a whole number';
      if (issue.expected === 'number' && typeof issue.input === 'number') return `must be a finite number (got ${issue.input})`;
      // A primitive value is quoted after the message (ConfigError); a mapping, a list, NaN or Infinity is named here.
      return `must be ${kindName(issue.expected)}${shownByValue(issue.input) ? '' : ` (got ${kindOf(issue.input)})`}`;
    case 'too_small':
      return bound(issue.origin, 'min', Number(issue.minimum), issue.inclusive === true, issue.exact === true);
    case 'too_big':
      return bound(issue.origin, 'max', Number(issue.maximum), issue.inclusive === true, issue.exact === true);
    case 'invalid_value': {
      const values = issue.values.map((v) => JSON.stringify(v));
      const near = typeof issue.input === 'string' ? didYouMean(issue.input, issue.values.filter((v): v is string => typeof v === 'string')) : undefined;
      return `${values.length === 1 ? `must be ${values[0]}` : `must be one of ${listOr(values)}`}${near ? `; did you mean ${JSON.stringify(near)}?` : ''}`;
    }
    case 'invalid_union': {
      // A discriminated union (venue.kind): name its options.
      const values = 'options' in issue && Array.isArray(issue.options) ? issue.options : [];
      if (issue.discriminator !== undefined && values.length > 0) {
        const input = issue.input !== null && typeof issue.input === 'object' ? (issue.input as Record<string, unknown>)[issue.discriminator] : undefined;
        const near = typeof input === 'string' ? didYouMean(input, values.filter((v): v is string => typeof v === 'string')) : undefined;
        const got = input === undefined ? '' : ` (got ${typeof input === 'string' ? JSON.stringify(input.slice(0, 40)) : kindOf(input)})`;
        return `must be one of ${listOr(values.map((v) => JSON.stringify(v)))}${near ? `; did you mean ${JSON.stringify(near)}?` : ''}${got}`;
      }
      return 'does not match any of the forms this field may take';
    }
    case 'invalid_format':
      return issue.format === 'regex' ? 'is not in the expected form' : `must be ${issue.format === 'url' ? 'a URL' : `a valid ${issue.format}`}`;
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    case 'unrecognized_keys':
      return 'is not a known field';
    case 'invalid_key':
      return 'has a key that is not valid';
    case 'invalid_element':
      return 'has an element that is not valid';
    case 'custom':
      return 'is not valid';
    default:
      return 'is not valid';
  }
};

/** The name of a kind of value, as a config file's author reads it (YAML words: a mapping, a list). */
function kindName(expected: string): string {
  switch (expected) {
    case 'number':
      return 'a number';
    case 'int':
      return 'a whole number';
    case 'string':
      return 'text (a string)';
    case 'boolean':
      return 'true or false';
    case 'array':
    case 'tuple':
    case 'set':
      return 'a list';
    case 'object':
    case 'record':
    case 'map':
      return 'a mapping of fields';
    case 'null':
      return 'null';
    default:
      return expected;
  }
}

/** Whether resolveConfig quotes this value after the message (it leaves out objects and non-finite numbers). */
function shownByValue(v: unknown): boolean {
  return !((v !== null && typeof v === 'object') || (typeof v === 'number' && !Number.isFinite(v)));
}

/** What a value is: "a list", "a mapping", "text", "a number", "true", "null", "NaN". */
function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return 'text';
  if (typeof v === 'number') return Number.isFinite(v) ? 'a number' : String(v);
  if (typeof v === 'boolean') return String(v);
  return typeof v;
}

function bound(origin: string, side: 'min' | 'max', n: number, inclusive: boolean, exact: boolean): string {
  const fmt = n.toLocaleString('en-US', { maximumFractionDigits: 20 });
  if (origin === 'string') {
    if (exact) return `must be exactly ${fmt} characters long`;
    if (side === 'min') return n <= 1 ? 'must not be empty' : `must be at least ${fmt} characters long`;
    return `must be at most ${fmt} characters long`;
  }
  if (origin === 'array' || origin === 'set') {
    const items = (k: number): string => `${k.toLocaleString('en-US')} ${k === 1 ? 'item' : 'items'}`;
    if (exact) return `must list exactly ${items(n)}`;
    if (side === 'min') return n <= 1 ? 'must list at least one item' : `must list at least ${items(n)}`;
    return `must list at most ${items(n)}`;
  }
  if (side === 'min') return inclusive ? `must be at least ${fmt}` : `must be greater than ${fmt}`;
  return inclusive ? `must be at most ${fmt}` : `must be less than ${fmt}`;
}

/** "a", "a or b", "a, b or c". */
function listOr(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/**
 * The known word nearest to `word`, when it is near enough to be a typo: the same but for case, or within an
 * edit distance (insertions, deletions, substitutions, swaps of neighbours) of a third of its length (at least
 * 1, at most 3). Ties go to the first candidate. Undefined when none is near.
 */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  if (word.length === 0 || word.length > 64) return undefined;
  const lower = word.toLowerCase();
  const same = candidates.find((c) => c.toLowerCase() === lower);
  if (same !== undefined) return same;
  const limit = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const c of candidates) {
    if (Math.abs(c.length - word.length) > limit) continue;
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** Optimal string alignment distance (Levenshtein plus swaps of neighbouring letters). */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) rows.push([i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}

/**
 * The field names the schema knows at `path` of the config `raw` (a discriminated union's option is chosen by the
 * value's discriminator), or [] when the path leads to no mapping.
 */
export function knownFields(schema: z.ZodType, raw: unknown, path: readonly PropertyKey[]): string[] {
  let s: unknown = schema;
  let value: unknown = raw;
  for (let i = 0; ; i++) {
    s = unwrap(s, value);
    if (s === undefined) return [];
    const def = (s as { _zod: { def: Record<string, unknown> } })._zod.def;
    if (i === path.length) return def.type === 'object' ? Object.keys(def.shape as object) : [];
    const key = path[i]!;
    if (def.type === 'object') s = (def.shape as Record<PropertyKey, unknown>)[key];
    else if (def.type === 'array') s = def.element;
    else return [];
    value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  }
}

/** A schema without its wrappers (optional, default, pipes, a union's option for this value). */
function unwrap(s: unknown, value: unknown): unknown {
  for (let n = 0; n < 50 && s !== undefined; n++) {
    const def = (s as { _zod: { def: Record<string, unknown> } })._zod.def;
    switch (def.type) {
      case 'optional':
      case 'nullable':
      case 'default':
      case 'prefault':
      case 'readonly':
      case 'catch':
      case 'nonoptional':
        s = def.innerType;
        continue;
      case 'pipe':
        // A preprocess is a pipe from a transform into the schema: the schema is the `out` side.
        s = (def.in as { _zod: { def: { type: string } } })._zod.def.type === 'transform' ? def.out : def.in;
        continue;
      case 'union': {
        const options = def.options as unknown[];
        const d = def.discriminator as string | undefined;
        const kind = d !== undefined && value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[d] : undefined;
        const pick = options.find((o) => {
          const od = (unwrap(o, value) as { _zod: { def: Record<string, unknown> } } | undefined)?._zod.def;
          if (od?.type !== 'object') return false;
          if (d === undefined) return true;
          const lit = (od.shape as Record<string, { _zod: { def: { type: string; values?: unknown[] } } }>)[d]?._zod.def;
          // Without a kind the first option (the default kind) is meant.
          return kind === undefined || (lit?.values?.includes(kind) ?? false);
        });
        s = pick;
        continue;
      }
      default:
        return s;
    }
  }
  return s;
}
