/**
 * Legato's `orders.jsonl` in the FIX session store, read back at a restart: each order's symbol, side and size
 * (`{c, s, d, q}`), each replace sent (`{r, b}`: a ClOrdID of the order `b`'s chain) and each replace confirmed
 * (`{k, b, q?}`: the order's ClOrdID and size from then on). The file is ours, but it sits on a disk anyone may
 * edit: it is read only as a regular file of a bounded size (a FIFO there would hang the connect), and a record
 * whose fields are not what we write is skipped and counted, never loaded with the wrong types.
 */
import { FileReadError, readRegularFile } from '../../io/read-file.js';
import type { Side } from '../../domain/orders.js';

/** The most of `orders.jsonl` read: about four million orders' lines. */
export const MAX_ORDER_STORE_BYTES = 256 * 1024 * 1024;
/** The longest ClOrdID or symbol taken from it (as the engine's report check bounds a venue's). */
const MAX_NAME = 512;

export type OrderStoreRecord =
  | { kind: 'order'; clientId: string; symbol: string; side: Side; qty: number }
  | { kind: 'replaceSent'; clOrdId: string; clientId: string }
  | { kind: 'replaced'; clOrdId: string; clientId: string; qty: number | undefined };

/** The records of an order store, in file order, and how many lines were not records we write (a torn last line included). */
export interface OrderStore {
  records: OrderStoreRecord[];
  skipped: number;
}

const name = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= MAX_NAME;
const lots = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

/** One line's record, or undefined when it is not one we write. */
export function orderStoreRecord(line: string): OrderStoreRecord | undefined {
  let r: unknown;
  try {
    r = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return undefined;
  const o = r as Record<string, unknown>;
  if (o.c !== undefined) {
    return name(o.c) && name(o.s) && (o.d === 1 || o.d === -1) && lots(o.q) ? { kind: 'order', clientId: o.c, symbol: o.s, side: o.d, qty: o.q } : undefined;
  }
  if (o.r !== undefined) return name(o.r) && name(o.b) ? { kind: 'replaceSent', clOrdId: o.r, clientId: o.b } : undefined;
  if (o.k !== undefined) {
    if (!name(o.k) || !name(o.b) || (o.q !== undefined && !lots(o.q))) return undefined;
    return { kind: 'replaced', clOrdId: o.k, clientId: o.b, qty: o.q };
  }
  return undefined;
}

/**
 * Reads `file` (none there: an empty store). Throws FileReadError when it is there and cannot be read as a regular
 * file of at most MAX_ORDER_STORE_BYTES (its reason says why: "is a FIFO, not a regular file").
 */
export function readOrderStore(file: string): OrderStore {
  let text: string;
  try {
    text = readRegularFile(file, MAX_ORDER_STORE_BYTES).toString('utf8');
  } catch (e) {
    if (e instanceof FileReadError && e.code === 'ENOENT') return { records: [], skipped: 0 };
    throw e;
  }
  const out: OrderStore = { records: [], skipped: 0 };
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const rec = orderStoreRecord(line);
    if (rec) out.records.push(rec);
    else out.skipped++;
  }
  return out;
}
