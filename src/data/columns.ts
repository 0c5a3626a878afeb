/** Helpers shared by the columnar tables (quotes, trades): growing a column, and a stable time order. */

/** A copy of a column with room for n values. */
export function grown<T extends Float64Array<ArrayBuffer> | Uint16Array<ArrayBuffer>>(column: T, n: number): T {
  const out = new (column.constructor as new (n: number) => T)(n);
  out.set(column);
  return out;
}

/** Row indices ordered by time; rows with equal times keep their order (a stable sort). */
export function timeOrder(ts: Float64Array, length: number): number[] {
  const order = Array.from({ length }, (_, i) => i);
  return order.sort((a, b) => ts[a]! - ts[b]! || a - b);
}
