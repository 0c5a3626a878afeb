/**
 * A state value as dotted paths of its active leaves, parallel regions joined by ',':
 * `{ long: 'working' }` → `long.working`; `{ active: { entry: 'working', hedge: 'balanced' } }` →
 * `active.entry.working,active.hedge.balanced`.
 */
export function stateString(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const leaves = (v: unknown, prefix: string): string[] =>
    typeof v === 'string' ? [prefix + v] : Object.entries(v as Record<string, unknown>).flatMap(([k, sub]) => leaves(sub, `${prefix}${k}.`));
  return leaves(value, '').join(',');
}
