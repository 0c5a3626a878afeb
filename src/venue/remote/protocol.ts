import { z } from 'zod';
import { Decimal, str } from '../../domain/decimal.js';

/**
 * The venue process's wire protocol: newline-delimited JSON over a Unix domain socket (or TCP on
 * 127.0.0.1). Prices are decimal strings at the instrument's tick size; quantities are whole lots. Every
 * message from the venue carries `now`, the venue's market time (ms since the epoch): the engine's clock
 * follows it. See docs/journal.md.
 *
 * venue → engine: hello, quote, report, time, reply, error
 * engine → venue: submit, cancel, replace (when the hello offers it), sync, stats
 *
 * Every engine → venue line is hostile until checked: `lineReader` bounds its length and
 * `parseEngineMessage` checks its shape (the caps below), so the venue answers a bad line and never throws.
 */

/** The longest engine → venue line the venue reads (a longer one is dropped and answered with an error). */
export const MAX_ENGINE_LINE_BYTES = 64 * 1024;
/**
 * lineReader's default cap: large enough for the venue's largest answer (a stats reply lists every order and
 * its fills), so a client reading the venue keeps working, yet bounded.
 */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;
/** A client id: 1 to 128 printable ASCII characters, no spaces. */
export const MAX_CLIENT_ID_LENGTH = 128;
/** The most client ids one sync may ask about. */
export const MAX_SYNC_IDS = 10_000;
export const MAX_SYMBOL_LENGTH = 64;
export const MAX_PRICE_LENGTH = 40;

export interface WireInstrument {
  symbol: string;
  tickSize: string;
  lotSize: string;
}

export interface WireOrder {
  clientId: string;
  symbol: string;
  side: 1 | -1;
  qty: number;
  price: string;
}

export type WireReport =
  | { type: 'order.accepted'; clientId: string; at: number }
  | { type: 'order.rejected'; clientId: string; reason: string; at: number }
  | { type: 'order.filled'; clientId: string; tradeId: string; symbol: string; side: 1 | -1; qty: number; price: string; at: number; liquidity?: 'maker' | 'taker'; cumQty?: number }
  | { type: 'order.canceled'; clientId: string; filledQty: number; at: number }
  | { type: 'order.cancelRejected'; clientId: string; reason: string; at: number }
  /** The order works on at `price` for `qty` lots in all; `symbol` gives the tick size of the price. */
  | { type: 'order.replaced'; clientId: string; symbol: string; price: string; qty: number; at: number }
  | { type: 'order.replaceRejected'; clientId: string; reason: string; at: number };

export interface WireFill {
  tradeId: string;
  qty: number;
  price: string;
  at: number;
}

export interface WireOrderState {
  clientId: string;
  status: 'pending' | 'open' | 'filled' | 'canceled' | 'rejected' | 'unknown';
  symbol?: string;
  side?: 1 | -1;
  qty?: number;
  /** The limit price now (after any replace). */
  price?: string;
  filled: number;
  fills: WireFill[];
  reason?: string;
}

export interface WireStats {
  /** Orders received, and how many of them repeated a client id already received (a duplicate order). */
  submissions: number;
  duplicates: number;
  /** Late copies of ids a sync had declared void. */
  voidRefused: number;
  orders: WireOrderState[];
  open: string[];
  positions: Record<string, number>;
}

export type VenueMessage =
  /** `replace: true`: the venue takes `replace` (an older one leaves it out, and the engine cancels and re-sends). */
  | { t: 'hello'; now: number; name: string; instruments: WireInstrument[]; replace?: boolean; facts?: VenueFacts }
  | { t: 'quote'; now: number; symbol: string; bid: string; ask: string; bidSize: number; askSize: number; ts: number }
  | { t: 'report'; now: number; r: WireReport }
  | { t: 'time'; now: number }
  | {
      t: 'reply';
      now: number;
      id: number;
      sync?: { orders: WireOrderState[]; open: string[]; positions: Record<string, number> };
      stats?: WireStats;
      /** The request was refused (malformed, or the venue failed handling it): why. Neither `sync` nor `stats` then. */
      error?: string;
    }
  /** A line the venue could not act on (not JSON, too long, malformed, or a second engine refused): why. */
  | { t: 'error'; now: number; message: string };

/**
 * What a venue process says of itself in its hello, for the engine to print at start (and to count `--days`
 * from the opening of its market when it is closed). An older venue sends none.
 */
export interface VenueFacts {
  /** The seed of its simulated market. */
  seed: number;
  /** Simulated seconds per real second. */
  speed: number;
  /** The market time it started from, ms since the epoch. */
  startedAt: number;
  /** Whether its market time moves now (false: held until this engine has synced, `--wait-for-engine`). */
  running: boolean;
  /** Its calendar's zone, whether its market is open now, and when that next changes (null: never). */
  timeZone: string;
  open: boolean;
  nextChange: number | null;
}

const MAX_HELLO_NAME = 200;
const MAX_HELLO_INSTRUMENTS = 10_000;
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const printable = (v: unknown, max: number): v is string => typeof v === 'string' && v.length > 0 && v.length <= max && !/[\x00-\x1f\x7f]/.test(v);
const positiveDecimal = (v: unknown): v is string => {
  if (!printable(v, MAX_PRICE_LENGTH)) return false;
  try {
    const d = new Decimal(v);
    return d.isFinite() && d.gt(0);
  } catch {
    return false;
  }
};

/**
 * Checks a venue's hello (any value parsed from its first line): its time, name and instruments must be sound,
 * or the connection is refused with what is wrong. Its facts are kept only when every one of them is sound (a
 * venue's word about itself is informative: bad facts are dropped, not fatal). Never throws.
 */
export function parseHello(raw: unknown): { ok: true; hello: Extract<VenueMessage, { t: 'hello' }> } | { ok: false; error: string } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, error: `a hello must be a JSON object (got ${preview(raw)})` };
  const m = raw as Record<string, unknown>;
  if (m.t !== 'hello') return { ok: false, error: `expected hello, got a message of type ${preview(m.t)}` };
  if (!finite(m.now)) return { ok: false, error: `hello: now must be a time in ms (got ${preview(m.now)})` };
  if (!printable(m.name, MAX_HELLO_NAME)) return { ok: false, error: `hello: name must be 1 to ${MAX_HELLO_NAME} printable characters (got ${preview(m.name)})` };
  if (!Array.isArray(m.instruments) || m.instruments.length > MAX_HELLO_INSTRUMENTS) return { ok: false, error: `hello: instruments must be a list of at most ${MAX_HELLO_INSTRUMENTS} (got ${preview(m.instruments)})` };
  const instruments: WireInstrument[] = [];
  for (const [n, i] of (m.instruments as unknown[]).entries()) {
    const x = (typeof i === 'object' && i !== null ? i : {}) as Record<string, unknown>;
    if (!printable(x.symbol, MAX_SYMBOL_LENGTH) || !positiveDecimal(x.tickSize) || !positiveDecimal(x.lotSize)) {
      return { ok: false, error: `hello: instruments[${n}] must be { symbol, tickSize, lotSize } with positive decimal strings (got ${preview(i)})` };
    }
    instruments.push({ symbol: x.symbol, tickSize: x.tickSize, lotSize: x.lotSize });
  }
  const f = (typeof m.facts === 'object' && m.facts !== null ? m.facts : {}) as Record<string, unknown>;
  const facts: VenueFacts | undefined =
    Number.isSafeInteger(f.seed) && finite(f.speed) && (f.speed as number) > 0 && finite(f.startedAt) && typeof f.running === 'boolean' && printable(f.timeZone, 64) && typeof f.open === 'boolean' && (f.nextChange === null || finite(f.nextChange))
      ? { seed: f.seed as number, speed: f.speed as number, startedAt: f.startedAt as number, running: f.running, timeZone: f.timeZone as string, open: f.open, nextChange: f.nextChange as number | null }
      : undefined;
  return {
    ok: true,
    hello: { t: 'hello', now: m.now, name: m.name, instruments, ...(m.replace === true ? { replace: true } : {}), ...(facts ? { facts } : {}) },
  };
}

export type EngineMessage =
  | { t: 'submit'; order: WireOrder }
  | { t: 'cancel'; clientId: string }
  /** A resting order's new price (a decimal string, as an order's) and optionally its new total lots. */
  | { t: 'replace'; clientId: string; price: string; qty?: number }
  | { t: 'sync'; id: number; clientIds: string[] }
  | { t: 'stats'; id: number };

/** Ticks → a decimal price string. */
export function priceString(ticks: number, tickSize: Decimal): string {
  return str(tickSize.times(ticks));
}

/** A decimal price string → ticks, or undefined when it is not a number on the tick grid. */
export function priceTicks(price: string, tickSize: Decimal): number | undefined {
  let d: Decimal;
  try {
    d = new Decimal(price);
  } catch {
    return undefined;
  }
  const t = d.div(tickSize);
  return t.isInteger() ? t.toNumber() : undefined;
}

const CLIENT_ID = new RegExp(`^[\x21-\x7e]{1,${MAX_CLIENT_ID_LENGTH}}$`);
const PRICE = /^-?\d+(\.\d+)?$/;

/** Whether a value is a valid client id: a string of 1 to 128 printable ASCII characters, no spaces. */
export function isClientId(v: unknown): v is string {
  return typeof v === 'string' && CLIENT_ID.test(v);
}

const clientIdRule = `must be 1 to ${MAX_CLIENT_ID_LENGTH} printable ASCII characters without spaces`;
const clientId = z.custom<string>(isClientId, { error: clientIdRule });
const requestId = z.custom<number>((v) => Number.isSafeInteger(v), { error: 'must be a whole number' });

const lots = z.custom<number>((v) => Number.isSafeInteger(v) && (v as number) > 0, { error: 'must be a positive whole number of lots' });
const price = z.custom<string>((v) => typeof v === 'string' && v.length <= MAX_PRICE_LENGTH && PRICE.test(v), {
  error: `must be a decimal string such as "3381" or "3381.5" (at most ${MAX_PRICE_LENGTH} characters)`,
});

const orderSchema = z.object(
  {
    clientId,
    symbol: z.custom<string>((v) => typeof v === 'string' && v.length > 0 && v.length <= MAX_SYMBOL_LENGTH && !/[\x00-\x1f\x7f]/.test(v), {
      error: `must be a symbol of 1 to ${MAX_SYMBOL_LENGTH} printable characters`,
    }),
    side: z.custom<1 | -1>((v) => v === 1 || v === -1, { error: 'must be 1 (buy) or -1 (sell)' }),
    qty: lots,
    price,
  },
  { error: 'must be an object' },
);

/** Sync ids: the length is checked before any id, and only the first bad id is named (no issue per id). */
const syncIds = z
  .array(z.unknown(), { error: `must be an array of client ids` })
  .max(MAX_SYNC_IDS, { error: `must hold at most ${MAX_SYNC_IDS} client ids` })
  .superRefine((ids, ctx) => {
    const bad = ids.findIndex((v) => !isClientId(v));
    if (bad >= 0) ctx.addIssue({ code: 'custom', path: [bad], message: clientIdRule });
  }) as unknown as z.ZodType<string[]>;

const engineSchemas = new Map<string, z.ZodType<EngineMessage>>([
  ['submit', z.object({ t: z.literal('submit'), order: orderSchema })],
  ['cancel', z.object({ t: z.literal('cancel'), clientId })],
  ['replace', z.object({ t: z.literal('replace'), clientId, price, qty: lots.optional() }) as z.ZodType<EngineMessage>],
  ['sync', z.object({ t: z.literal('sync'), id: requestId, clientIds: syncIds })],
  ['stats', z.object({ t: z.literal('stats'), id: requestId })],
]);

export type ParsedEngineMessage =
  | { ok: true; message: EngineMessage }
  /** `id`: the request's id when it is readable (so the answer can settle the request). */
  | { ok: false; error: string; id?: number };

/**
 * Checks one engine → venue message (any value parsed from a line) and returns it typed, or what is wrong
 * with it in a few words: `submit: order.side must be 1 (buy) or -1 (sell) (got 3)`. Unknown fields are
 * ignored. Never throws.
 */
export function parseEngineMessage(raw: unknown): ParsedEngineMessage {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, error: `a message must be a JSON object (got ${preview(raw)})` };
  const m = raw as Record<string, unknown>;
  const t = m.t;
  if (typeof t !== 'string') return { ok: false, error: `a message needs "t", its type: submit, cancel, replace, sync or stats (got ${preview(t)})` };
  const schema = engineSchemas.get(t);
  if (!schema) return { ok: false, error: `unknown message type ${preview(t)} (expected submit, cancel, replace, sync or stats)` };
  const r = schema.safeParse(raw);
  if (r.success) return { ok: true, message: r.data };
  const order = t === 'submit' && typeof m.order === 'object' && m.order !== null ? (m.order as Record<string, unknown>) : undefined;
  const about = order && isClientId(order.clientId) ? `${t} of ${JSON.stringify(order.clientId)}` : t === 'replace' && isClientId(m.clientId) ? `replace of ${JSON.stringify(m.clientId)}` : t;
  const error = `${about}: ${r.error.issues
    .slice(0, 3)
    .map((i) => describeIssue(raw, i.path, i.message))
    .join('; ')}`;
  const id = (t === 'sync' || t === 'stats') && Number.isSafeInteger(m.id) ? (m.id as number) : undefined;
  return id === undefined ? { ok: false, error } : { ok: false, error, id };
}

function describeIssue(raw: unknown, path: readonly PropertyKey[], message: string): string {
  let at: unknown = raw;
  let present = true;
  for (const k of path) {
    if (typeof at !== 'object' || at === null || !Object.prototype.hasOwnProperty.call(at, k)) {
      present = false;
      at = undefined;
      break;
    }
    at = (at as Record<PropertyKey, unknown>)[k];
  }
  const where = path.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i > 0 ? '.' : ''}${String(k)}`)).join('') || 'the message';
  return present ? `${where} ${message} (got ${preview(at)})` : `${where} is missing`;
}

/** A short, safe description of any value, for error messages (never throws, never long). */
export function preview(v: unknown): string {
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'string') return v.length > 40 ? `${JSON.stringify(v.slice(0, 40))}… (${v.length} characters)` : JSON.stringify(v);
  if (typeof v === 'object' && v !== null) return 'an object';
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  return typeof v;
}

export interface LineReaderOptions {
  /**
   * The longest line kept, in bytes (default DEFAULT_MAX_LINE_BYTES). A longer line is dropped as soon as it
   * passes the cap (reported once through `onTooLong`, or `onBad`), and the rest of it is skipped without
   * being buffered, up to the next newline.
   */
  maxLineBytes?: number;
  onTooLong?: (info: { bytes: number; preview: string }) => void;
}

/** A data handler, and how many bytes of an unfinished line it holds. */
export type LineReader = ((chunk: Buffer | string) => void) & { buffered(): number };

/** Splits a byte stream into lines (at most `maxLineBytes` each) and parses each as JSON. */
export function lineReader(onMessage: (m: unknown) => void, onBad: (line: string) => void, options: LineReaderOptions = {}): LineReader {
  const max = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  let parts: Buffer[] = [];
  let size = 0;
  let skipping = false;
  const line = (text: string): void => {
    if (text.trim() === '') return;
    let m: unknown;
    try {
      m = JSON.parse(text);
    } catch {
      onBad(text);
      return;
    }
    onMessage(m);
  };
  const read = (chunk: Buffer | string): void => {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let start = 0;
    while (start < buf.length) {
      const nl = buf.indexOf(0x0a, start);
      const piece = buf.subarray(start, nl < 0 ? buf.length : nl);
      if (!skipping && size + piece.length > max) {
        // Too long: report it once now, keep nothing of it, and skip to the next newline.
        const head = Buffer.concat([...parts, piece.subarray(0, 80)]).subarray(0, 80).toString('utf8');
        const bytes = size + piece.length;
        parts = [];
        size = 0;
        skipping = true;
        if (options.onTooLong) options.onTooLong({ bytes, preview: head });
        else onBad(head);
      } else if (!skipping && piece.length > 0) {
        parts.push(Buffer.from(piece)); // a copy: the chunk itself is not kept
        size += piece.length;
      }
      if (nl < 0) break;
      start = nl + 1;
      if (skipping) {
        skipping = false;
        continue;
      }
      const text = Buffer.concat(parts, size).toString('utf8');
      parts = [];
      size = 0;
      line(text);
    }
  };
  return Object.assign(read, { buffered: () => size });
}
