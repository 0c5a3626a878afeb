import { Decimal, str } from '../../domain/decimal.js';

/**
 * The venue process's wire protocol: newline-delimited JSON over a Unix domain socket (or TCP on
 * 127.0.0.1). Prices are decimal strings at the instrument's tick size; quantities are whole lots. Every
 * message from the venue carries `now`, the venue's market time (ms since the epoch): the engine's clock
 * follows it. See docs/journal.md.
 *
 * venue → engine: hello, quote, report, time, reply
 * engine → venue: submit, cancel, sync, stats
 */

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
  | { type: 'order.filled'; clientId: string; tradeId: string; symbol: string; side: 1 | -1; qty: number; price: string; at: number }
  | { type: 'order.canceled'; clientId: string; filledQty: number; at: number }
  | { type: 'order.cancelRejected'; clientId: string; reason: string; at: number };

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
  | { t: 'hello'; now: number; name: string; instruments: WireInstrument[] }
  | { t: 'quote'; now: number; symbol: string; bid: string; ask: string; bidSize: number; askSize: number; ts: number }
  | { t: 'report'; now: number; r: WireReport }
  | { t: 'time'; now: number }
  | { t: 'reply'; now: number; id: number; sync?: { orders: WireOrderState[]; open: string[]; positions: Record<string, number> }; stats?: WireStats }
  | { t: 'error'; now: number; message: string };

export type EngineMessage =
  | { t: 'submit'; order: WireOrder }
  | { t: 'cancel'; clientId: string }
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

/** Splits a byte stream into lines and parses each as JSON. */
export function lineReader(onMessage: (m: unknown) => void, onBad: (line: string) => void): (chunk: Buffer | string) => void {
  let rest = '';
  return (chunk) => {
    rest += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    let nl: number;
    while ((nl = rest.indexOf('\n')) >= 0) {
      const line = rest.slice(0, nl);
      rest = rest.slice(nl + 1);
      if (line.trim() === '') continue;
      let m: unknown;
      try {
        m = JSON.parse(line);
      } catch {
        onBad(line);
        continue;
      }
      onMessage(m);
    }
  };
}
