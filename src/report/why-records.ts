/**
 * The engine records "why" (why.ts) can read, from values of unknown shape: a journal's or a recording's JSON is
 * hostile input, so a record is kept only when the fields the chain reads have the right types.
 */
import type { EngineRecord } from '../engine/records.js';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * The records "why" can read, from values of unknown shape (a journal's or a recording's JSON): a record is kept
 * when the fields the chain reads have the right types; any other value is left out, never thrown on.
 */
export function wellFormedRecords(values: readonly unknown[]): EngineRecord[] {
  return values.filter((v): v is EngineRecord => isObj(v) && isNum(v.at) && isStr(v.kind) && wellFormed(v));
}

function wellFormed(r: Record<string, unknown>): boolean {
  switch (r.kind) {
    case 'state':
      return isObj(r.change) && isStr(r.change.actor) && isStr(r.change.state);
    case 'algo.started':
      return (
        isStr(r.algoId) && isStr(r.strategy) && isStr(r.purpose) && isNum(r.side) && isNum(r.qty) && isNum(r.limit) && (r.limitPrice === undefined || isStr(r.limitPrice)) && (r.view === undefined || r.view === null || wellFormedView(r.view))
      );
    case 'algo.ended': {
      const e = r.execution;
      return isObj(e) && isStr(e.algoId) && isStr(e.status) && isNum(e.units) && isNum(e.qty) && Array.isArray(e.legs) && e.legs.every((l) => isObj(l) && isStr(l.symbol) && isNum(l.lots));
    }
    case 'ladder.step':
      return isStr(r.algoId) && isStr(r.step) && Array.isArray(r.nakedLots) && r.nakedLots.every(isNum);
    case 'order.submitted':
      return isStr(r.clientId) && isStr(r.symbol) && isNum(r.side) && isNum(r.qty) && isNum(r.price);
    case 'order.cancelRequested':
    case 'order.unanswered':
    case 'risk.refused':
    case 'order.throttled':
      return isStr(r.clientId);
    case 'report':
      return isObj(r.report) && isStr(r.report.type) && isStr(r.report.clientId);
    case 'control':
      return isStr(r.action) && isStr(r.source) && (r.strategy === null || isStr(r.strategy));
    default:
      return true;
  }
}

function wellFormedView(v: unknown): boolean {
  if (!isObj(v) || !Array.isArray(v.legs)) return false;
  const s = v.spread;
  if (s !== null && !(isObj(s) && isStr(s.bid) && isStr(s.ask))) return false;
  return v.legs.every((l) => l === null || (isObj(l) && isStr(l.symbol) && isStr(l.bid) && isStr(l.ask)));
}
