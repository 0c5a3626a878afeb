import { z } from 'zod';

/**
 * Checking what a journal's records hold: a record's fields as a schema, and what is wrong with one said in words
 * with the field's path (`actor.children.0.snapshot.context.legLots.1 must be a whole number (got "5")`). The
 * frames and the chain of a journal are checked when it is read (journal-file.ts); this is what a record that is
 * framed and chained well (an edit with the checks recomputed, another program, a bug) must still be before a
 * resume builds anything from it. See journal-records.ts and snapshot-check.ts.
 */

/** What is wrong with a record: the field's path inside the record, and why. */
export class RecordProblem {
  constructor(
    readonly path: readonly (string | number)[],
    readonly why: string,
  ) {}

  /** `path why`: the path as dotted text (`actor.children.0`), or `the record` for the record itself. */
  get text(): string {
    return `${this.path.length === 0 ? 'the record' : this.path.join('.')} ${this.why}`;
  }
}

/** A value as a problem quotes it: short, and never the whole of a large one. */
export function shown(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v !== null && typeof v === 'object') return 'an object';
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function at(v: unknown, path: readonly PropertyKey[]): unknown {
  let x = v;
  for (const k of path) {
    if (x === null || typeof x !== 'object') return undefined;
    x = (x as Record<PropertyKey, unknown>)[k];
  }
  return x;
}

const TYPE_WORDS: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'a string',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
  record: 'an object',
  null: 'null',
  literal: 'a literal',
};

/** Our words for a zod issue (the value found is added by `problemOf`). */
function words(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.expected === 'nonoptional') return 'is missing';
      return `must be ${TYPE_WORDS[issue.expected] ?? issue.expected}`;
    case 'invalid_value':
      return `must be ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`;
    case 'too_small':
      if (issue.origin === 'array' && issue.exact) return `must hold ${String(issue.minimum)} item${issue.minimum === 1 ? '' : 's'}`;
      return issue.origin === 'array' ? `must hold at least ${String(issue.minimum)} item${issue.minimum === 1 ? '' : 's'}` : `must be ${issue.inclusive ? 'at least' : 'above'} ${String(issue.minimum)}`;
    case 'too_big':
      if (issue.origin === 'array' && issue.exact) return `must hold ${String(issue.maximum)} item${issue.maximum === 1 ? '' : 's'}`;
      return issue.origin === 'array' ? `must hold at most ${String(issue.maximum)} items` : `must be ${issue.inclusive ? 'at most' : 'below'} ${String(issue.maximum)}`;
    case 'invalid_union':
      return 'is none of the forms it may take';
    default:
      return issue.message;
  }
}

/** The first problem zod found in `value`, in our words with the value found, or undefined when it is sound. */
export function problemOf(schema: z.ZodType, value: unknown, prefix: readonly (string | number)[] = []): RecordProblem | undefined {
  const r = schema.safeParse(value);
  if (r.success) return undefined;
  // A union's own issue says little: the branch that got furthest says what is wrong.
  let issue: z.core.$ZodIssue = r.error.issues[0]!;
  while (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const deepest = issue.errors.map((e) => e[0]!).filter(Boolean).sort((a, b) => b.path.length - a.path.length)[0];
    if (!deepest || deepest.path.length === 0) break;
    issue = { ...deepest, path: [...issue.path, ...deepest.path] } as z.core.$ZodIssue;
  }
  const path = issue.path.map((k) => (typeof k === 'symbol' ? String(k) : k));
  const missing = issue.code === 'invalid_type' && issue.expected === 'nonoptional';
  const found = issue.code === 'unrecognized_keys' || missing ? '' : ` (got ${shown(at(value, issue.path))})`;
  return new RecordProblem([...prefix, ...path], `${words(issue)}${found}`);
}

/** Numbers as the engine keeps them. JSON cannot hold NaN; a number too large for a double reads as Infinity. */
export const num = z.number();
export const int = z.int();
export const count = z.int().min(0);
export const lots = z.int().min(1);
export const time = z.number();
export const side = z.union([z.literal(1), z.literal(-1)]);
export const name = z.string().min(1).max(512);
/** An array as large as a record holds is bounded before anything walks it. */
export const MAX_LIST = 100_000;
