/**
 * The inspection stream: what the page draws, what a recording holds (one JSON record per line), and what
 * a page that joins late is sent first. Times are the engine clock's (ms since the epoch); prices are
 * decimal strings.
 */
import type { EngineRecord } from '../index.js';
import type { Desk } from './desk.js';
export type InspectRecord =
  /** The header of a stream: the strategies (triggers as decimal strings) and the run's time zone. */
  | {
      k: 'meta';
      version: 1;
      zone: string;
      start: number;
      strategies: { name: string; triggers: Record<string, string | null>; legs: string[] }[];
      /** Each traded symbol's tick size (decimal string), to read leg prices in ticks (absent in older recordings). */
      instruments?: { symbol: string; tickSize: string }[];
    }
  /** An actor was created; `parent` is its parent's id, `machine` its machine's id (null: not a state machine). */
  | { k: 'actor'; t: number; id: string; parent: string | null; machine: string | null }
  /** An actor's state changed: the state string and its active state paths (what the page highlights). */
  | { k: 'state'; t: number; id: string; value: string; paths: string[]; status: string }
  /** An actor's context (coalesced: the latest per actor per flush). */
  | { k: 'context'; t: number; id: string; context: unknown }
  /** An event delivered to an actor and the transitions it took there (`source → target`). */
  | { k: 'event'; t: number; n: number; type: string; source: string | null; target: string; transitions: string[] }
  /** An actor finished (done, error or stopped). */
  | { k: 'end'; t: number; id: string; status: string }
  /** The spread quote a strategy reacted to (null sides: no quote). */
  | { k: 'spread'; t: number; strategy: string; bid: string | null; ask: string | null }
  | { k: 'fill'; t: number; strategy: string; algoId: string; side: 'buy' | 'sell'; symbol: string; price: string; qty: string }
  | { k: 'algo'; t: number; strategy: string; algoId: string; phase: 'start' | 'end'; purpose: string; side: 'buy' | 'sell'; limit?: string; status?: string; realized?: string | null }
  /** A leg quote from the venue (recordings only: the market data the run saw). */
  | { k: 'quote'; t: number; symbol: string; bid: number; bidSize: number; ask: number; askSize: number }
  /** An engine record (`records$`: orders, reports, algo starts and ends, ladder steps, state changes, controls); recordings only, what `legato why` reads. */
  | { k: 'record'; t: number; record: EngineRecord }
  /** The operator's desk now (live pages only, never recorded): spreads, strategies, algos and working orders. */
  | { k: 'desk'; t: number; desk: Desk };

export type RecordKind = InspectRecord['k'];
