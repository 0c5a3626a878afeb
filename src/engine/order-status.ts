import type { UnansweredRequest } from '../../machines/order.machine.js';
import type { VenueReport } from '../domain/orders.js';
import type { VenueOrderState, VenueSync } from '../venue/venue.js';
import type { EngineRecord } from './records.js';
import { stateString } from './state-string.js';

/** What an order actor has heard of its order: the part of its snapshot the venue's word is compared with. */
export interface HeardOrder {
  /** Its state (`submitted`, `pendingCancel`, `working.accepted`, ...). */
  state: string;
  tradeIds: readonly string[];
  /** The lots those fills hold. */
  filled: number;
  order: { symbol: string; side: 1 | -1; qty: number };
  /** The replace asked for and not yet answered. */
  replacing: { price: number; qty?: number } | null;
  /** The venue's count at its cancel confirmation, while the order awaits the fills it counted (else null). */
  venueFilled: number | null;
}

/** The part of an order actor's snapshot `heardOf` reads. */
interface OrderSnapshotLike {
  value: unknown;
  context: { fill: { qty: number; tradeIds: string[] }; order: { symbol: string; side: 1 | -1; qty: number }; replacing: { price: number; qty?: number } | null; venueFilled: number | null };
}

export function heardOf(snapshot: unknown): HeardOrder {
  const s = snapshot as OrderSnapshotLike;
  return { state: stateString(s.value) ?? '', tradeIds: s.context.fill.tradeIds, filled: s.context.fill.qty, order: s.context.order, replacing: s.context.replacing, venueFilled: s.context.venueFilled };
}

/**
 * The reports the actor of order `clientId` (the engine's id) missed, from the venue's word on the order (`Venue.sync`), in the order they would
 * have come: its acknowledgement, each fill it has not heard (by trade id), then its end (canceled, rejected). An
 * order the venue does not know is rejected with `unknownReason` (the port voids it: a late copy is refused). A
 * replace the venue carried out (the order has its price and size) is confirmed. What is still open stays as it is.
 */
export function missedReports(clientId: string, heard: HeardOrder, o: VenueOrderState, at: number, unknownReason: string): VenueReport[] {
  if (o.status === 'unknown') return [{ type: 'order.rejected', clientId, reason: unknownReason, at }];
  const out: VenueReport[] = [];
  if (heard.state === 'submitted' && o.status !== 'rejected') out.push({ type: 'order.accepted', clientId, at });
  // No more lots than the venue's count beyond what the order has heard: a venue that gives only its cumulative
  // count (a FIX broker's CumQty, made one fill under an id of its own, fix-venue.ts) counts the fills heard live too.
  let room = Number.isFinite(o.filled) ? o.filled - heard.filled : Infinity;
  for (const f of o.fills) {
    if (heard.tradeIds.includes(f.tradeId)) continue;
    if (room <= 0) break;
    const qty = f.qty > room ? room : f.qty;
    room -= qty;
    out.push({ type: 'order.filled', clientId, tradeId: f.tradeId, symbol: heard.order.symbol, side: heard.order.side, qty, price: f.price, at: f.at });
  }
  if (o.status === 'canceled') out.push({ type: 'order.canceled', clientId, filledQty: o.filled, at });
  else if (o.status === 'rejected') out.push({ type: 'order.rejected', clientId, reason: o.reason ?? 'rejected', at });
  else if ((o.status === 'open' || o.status === 'pending') && heard.state === 'replacing' && heard.replacing && replaceDone(heard, o)) {
    out.push({ type: 'order.replaced', clientId, price: heard.replacing.price, qty: heard.replacing.qty ?? heard.order.qty, at });
  }
  return out;
}

/** Whether the venue's price (and size, where it says) is the one the unanswered replace asked for. */
export function replaceDone(heard: HeardOrder, o: VenueOrderState): boolean {
  const change = heard.replacing;
  if (!change) return false;
  return o.price === change.price && (o.qty === undefined || o.qty === (change.qty ?? heard.order.qty));
}

/** What an order chase needs of the engine. */
export interface ChaseHost {
  now(): number;
  /** Whether the venue can say what it knows of an order (`Venue.sync`). */
  canSync(): boolean;
  /** The venue's status of some orders. */
  sync(clientIds: readonly string[]): Promise<VenueSync>;
  /** The order actor's snapshot while it runs (undefined once it has ended). */
  orderSnapshot(clientId: string): unknown;
  /** A report, as if it came from the venue (checked, booked, journalled and routed like one). */
  report(r: VenueReport): void;
  /** The silence chased (counted, journalled), or, later, the status that could not be asked. */
  record(r: Extract<EngineRecord, { kind: 'order.unanswered' }>): void;
  /** A venue's fault the run goes on through (named in the summary's errors, journalled). */
  fault(message: string): void;
}

/**
 * The venue has not answered an order for `ms` (the order machine's `chaseOrder`; a cancel or a replace has been sent
 * again by the machine). The silence is counted and journalled: not an error, as a late answer is the venue's to
 * give, and a lost connection is the reconnection's to reconcile. Where the venue can say (`sync`), it is asked for
 * the order's status, and the reports the order missed are delivered (`missedReports`): an acknowledgement, fills,
 * its end.
 */
export function chaseOrder(host: ChaseHost, clientId: string, waiting: UnansweredRequest, ms: number): void {
  const statusAsked = host.canSync();
  const base = { kind: 'order.unanswered', clientId, waiting, afterMs: ms, resent: waiting === 'cancel' || waiting === 'replace', statusAsked } as const;
  host.record({ ...base, at: host.now() });
  if (!statusAsked) return;
  const failed = (e: unknown): void => host.record({ ...base, at: host.now(), statusError: e instanceof Error ? e.message : String(e) });
  let answer: Promise<VenueSync>;
  try {
    answer = host.sync([clientId]);
  } catch (e) {
    return failed(e);
  }
  answer.then((a) => {
    try {
      const o = a.orders.find((x) => x.clientId === clientId);
      const snapshot = host.orderSnapshot(clientId);
      // Answered meanwhile (the order has ended), or not a word on it: nothing to add.
      if (o === undefined || snapshot === undefined) return;
      const heard = heardOf(snapshot);
      const reason = 'unknown to the venue when its status was asked';
      for (const r of missedReports(clientId, heard, o, host.now(), reason)) {
        // Each report may end the order: its status is then what the order ended with, but a fill the same answer
        // names beyond it (more lots than the order's size) is the venue's execution all the same, booked as a
        // live report of an ended order is (its algo hedges it, or its strategy counts it; named in the errors).
        if (r.type !== 'order.filled' && host.orderSnapshot(clientId) === undefined) continue;
        host.report(r);
      }
      if (waiting === 'fills') fillsInDoubt(host, clientId, heard, o.status === 'unknown' ? reason : undefined);
    } catch (e) {
      // A malformed answer (each report is checked again on its way in).
      failed(e);
    }
  }, failed);
}

/**
 * After a status answer to an order awaiting the fills its cancel confirmation counted: the lots the answer could not
 * give are named. When the venue no longer knows the order (`forgotten`), it has ended with the fills heard and the
 * rest are taken as unfilled (the ladder hedges on by what was heard); else it still waits for them.
 */
function fillsInDoubt(host: ChaseHost, clientId: string, before: HeardOrder, forgotten: string | undefined): void {
  const counted = before.venueFilled;
  if (counted === null) return;
  const now = host.orderSnapshot(clientId);
  const heard = now === undefined ? before.filled : heardOf(now).filled;
  // The count the order waits for now: the cancel's, or the one the answer restated (higher, or lower than the cancel's
  // but still above the fills heard).
  const awaited = now === undefined ? null : heardOf(now).venueFilled;
  const head = `order ${clientId} was canceled with ${counted} lots filled, ${heard} of them reported`;
  if (forgotten !== undefined && heard < counted) host.fault(`${head}; its status answer now gives no more (${forgotten}): ${counted - heard} lots in doubt, taken as unfilled`);
  else if (awaited !== null && heard < awaited) host.fault(`${head}; its status answer ${awaited === counted ? '' : `counts ${awaited} and `}gives no more: the order waits for them`);
}
