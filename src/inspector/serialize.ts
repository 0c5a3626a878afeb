/**
 * Actor contexts as plain JSON: Decimals and bigints as strings, actor refs as their ids, functions left
 * out, cycles and depth cut. A `price` hook may rewrite an object first (scaled spread prices and leg
 * ticks → decimal strings), so the page never shows an internal integer as if it were a price.
 */

export type Rewrite = (value: object, key: string) => unknown;

const MAX_DEPTH = 8;
const MAX_ITEMS = 100;

/** The id a person reads for an actor: its systemId when it has one, else its XState id. */
export function actorId(ref: unknown): string {
  const r = ref as { systemId?: string; options?: { systemId?: string }; id?: string; sessionId?: string };
  return r.systemId ?? r.options?.systemId ?? (r.id && r.id !== r.sessionId ? `${r.id} (${r.sessionId})` : (r.sessionId ?? '?'));
}

const isActorRef = (v: object): boolean => typeof (v as { send?: unknown }).send === 'function' && typeof (v as { sessionId?: unknown }).sessionId === 'string';
const isDecimal = (v: object): boolean => typeof (v as { toFixed?: unknown }).toFixed === 'function' && 'd' in v && 'e' in v && 's' in v;

export function toPlain(value: unknown, rewrite?: Rewrite, key = '', depth = 0, seen = new Set<object>()): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object') return undefined; // undefined, functions, symbols
  if (isActorRef(value)) return `→ ${actorId(value)}`;
  if (isDecimal(value)) return String(value);
  if (value instanceof Date) return value.toISOString();
  if (depth >= MAX_DEPTH) return '…';
  if (seen.has(value)) return '(cycle)';
  if (rewrite) {
    const r = rewrite(value, key);
    if (r !== undefined) return r;
  }
  seen.add(value);
  try {
    if (Array.isArray(value) || value instanceof Set) {
      const arr = [...value];
      const out = arr.slice(0, MAX_ITEMS).map((v) => toPlain(v, rewrite, key, depth + 1, seen) ?? null);
      if (arr.length > MAX_ITEMS) out.push(`… ${arr.length - MAX_ITEMS} more`);
      return out;
    }
    const entries = value instanceof Map ? [...value.entries()].map(([k, v]) => [String(k), v] as const) : Object.entries(value);
    const out: Record<string, unknown> = {};
    let n = 0;
    for (const [k, v] of entries) {
      if (n++ >= MAX_ITEMS) {
        out['…'] = `${entries.length - MAX_ITEMS} more`;
        break;
      }
      const p = toPlain(v, rewrite, k, depth + 1, seen);
      if (p !== undefined) out[k] = p;
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

/** Active state paths of a state value: `{ flat: 'idle' }` → ['flat', 'flat.idle']. */
export function activePaths(value: unknown, prefix = ''): string[] {
  if (typeof value === 'string') return [prefix ? `${prefix}.${value}` : value];
  if (value === null || typeof value !== 'object') return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    const p = prefix ? `${prefix}.${k}` : k;
    out.push(p, ...activePaths(v, p));
  }
  return out;
}
