/**
 * "Why did it do that?": the chain of records that led to an algo or an order, in words and in order — the
 * crossing that fired (the spread and the legs' books at that moment), the strategy's transition, the algo's
 * launch and its ladder steps, the order and its reports — with times and prices. Built from an engine's records
 * (`records$`, a journal, a recording), which are in causal order (test/engine/record-order.test.ts).
 */
import { DateTime } from 'luxon';
import { Decimal } from '../domain/decimal.js';
import { LegatoError } from '../domain/errors.js';
import { algoOfClientId, type EngineRecord, type LaunchView } from '../engine/records.js';
export { wellFormedRecords } from './why-records.js';

/** No algo or order by that id in the records, or an id that is neither. */
export class WhyError extends LegatoError {
  override name = 'WhyError';
}

/** A traded symbol's tick size (and lot size), to show leg prices as decimals (without one: in ticks). */
export interface WhyInstrument {
  symbol: string;
  tickSize: string;
}

export interface WhyInput {
  records: readonly EngineRecord[];
  instruments?: readonly WhyInstrument[];
}

export type WhyStepKind =
  | 'session'
  | 'control'
  | 'crossing'
  | 'strategy'
  | 'algo.started'
  | 'ladder'
  | 'order.unanswered'
  | 'order.submitted'
  | 'order.report'
  | 'order.cancel'
  | 'order.refused'
  | 'order.throttled'
  | 'algo.ended';

/** One link of the chain: when, which actor, what happened in words, and the record it was read from. */
export interface WhyStep {
  at: number;
  kind: WhyStepKind;
  /** `strategy:<name>`, `session:<name>`, `algo:<id>`, `order:<clientId>`, or `operator`. */
  actor: string;
  text: string;
  record: EngineRecord;
}

export interface WhyChain {
  /** What was asked about. */
  subject: { kind: 'algo' | 'order'; id: string };
  algoId: string;
  strategy: string;
  /** One line: what the algo (or order) was and how it ended. */
  headline: string;
  steps: WhyStep[];
}

type Rec<K extends EngineRecord['kind']> = Extract<EngineRecord, { kind: K }>;
const sideWord = (side: number): 'buy' | 'sell' => (side > 0 ? 'buy' : 'sell');

/** Where a record belongs: the algo id of an algo's or an order's record, else undefined. */
function algoOfRecord(r: EngineRecord): string | undefined {
  switch (r.kind) {
    case 'algo.started':
    case 'ladder.step':
      return r.algoId;
    case 'algo.ended':
      return r.execution.algoId;
    case 'order.submitted':
    case 'order.cancelRequested':
    case 'risk.refused':
    case 'order.throttled':
      return algoOfClientId(r.clientId);
    default: {
      const id = clientIdOf(r);
      return id === undefined ? undefined : algoOfClientId(id);
    }
  }
}

/** The order a record is about: its `clientId`, or its report's (a record kind added later with a clientId counts too). */
function clientIdOf(r: EngineRecord): string | undefined {
  if (r.kind === 'report') return r.report?.clientId;
  const id = (r as { clientId?: unknown }).clientId;
  return typeof id === 'string' ? id : undefined;
}

const TRIGGER_WORDS: Record<string, { name: string; side: 'ask' | 'bid'; cmp: string }> = {
  longEntry: { name: 'long entry', side: 'ask', cmp: 'at or below' },
  shortExit: { name: 'short exit', side: 'ask', cmp: 'at or below' },
  longExit: { name: 'long exit', side: 'bid', cmp: 'at or above' },
  shortEntry: { name: 'short entry', side: 'bid', cmp: 'at or above' },
};

/**
 * The chain behind an algo (`<strategy>/<n>`) or an order (`<strategy>/<n>.<k>`). Throws WhyError when the
 * records hold neither, naming some ids they do hold.
 */
export function explain(input: WhyInput, id: string): WhyChain {
  const records = input.records;
  const ticks = tickFormatter(input.instruments ?? []);
  const subject = typeof id === 'string' ? id.trim() : '';
  if (!/^.+\/\d+(\.\d+)?$/.test(subject)) throw new WhyError(`"${String(id).slice(0, 80)}" is not an algo id (<strategy>/<n>) or an order id (<strategy>/<n>.<k>)`);
  const isOrder = /\.\d+$/.test(subject) && records.some((r) => clientIdOf(r) === subject);
  const algoId = isOrder ? algoOfClientId(subject) : subject;
  const startIndex = records.findIndex((r) => r.kind === 'algo.started' && r.algoId === algoId);
  if (startIndex < 0 || (!isOrder && /\.\d+$/.test(subject) && !records.some((r) => r.kind === 'algo.started' && r.algoId === subject))) {
    throw new WhyError(`no ${/\.\d+$/.test(subject) ? 'order' : 'algo'} "${subject.slice(0, 80)}" in these records${knownIds(records)}`);
  }
  const started = records[startIndex] as Rec<'algo.started'>;
  const strategy = started.strategy;
  const steps: WhyStep[] = [];
  const push = (r: EngineRecord, kind: WhyStepKind, actor: string, text: string): void => void steps.push({ at: r.at, kind, actor, text, record: r });

  // The causes, before the launch: the session window, an operator's control, the strategy's transition.
  const before = records.slice(0, startIndex);
  const session = findLast(before, (r) => r.kind === 'state' && r.change.actor === `session:${strategy}`) as Rec<'state'> | undefined;
  if (session) push(session, 'session', session.change.actor, `session window ${session.change.state}`);
  const control = findLast(before, (r) => r.kind === 'control' && (r.strategy === strategy || r.strategy === null) && (r.action !== 'startAlgo' || r.algoId === algoId));
  if (control && control.kind === 'control' && (started.purpose === 'manual' || started.purpose === 'flatten' || control.at === started.at)) push(control, 'control', 'operator', controlText(control));
  const crossing = crossingText(started);
  if (crossing) push(started, 'crossing', `strategy:${strategy}`, crossing);
  const transition = lastTransition(before, `strategy:${strategy}`);
  if (transition) push(transition.record, 'strategy', `strategy:${strategy}`, `${transition.from ?? '(start)'} → ${transition.record.change.state}`);
  push(started, 'algo.started', `algo:${algoId}`, startedText(started));
  const legNames = started.view?.legs.map((l, i) => l?.symbol ?? `leg ${i + 1}`) ?? [];

  // The algo's own records: all of them for an algo; for an order, what led to it and what became of it.
  const mine = records.slice(startIndex + 1).filter((r) => algoOfRecord(r) === algoId);
  const chosen = isOrder ? orderRecords(mine, subject) : mine;
  let ended: Rec<'algo.ended'> | undefined;
  const symbols = new Map<string, string>();
  for (const r of mine) if (r.kind === 'order.submitted') symbols.set(r.clientId, r.symbol);
  for (const r of chosen) {
    if (r.kind === 'algo.ended') ended = r;
    const step = describe(r, ticks, legNames, symbols);
    if (step) push(r, step.kind, step.actor, step.text);
  }
  // What the strategy did when the algo ended.
  if (ended) {
    const after = records.slice(records.indexOf(ended) + 1);
    const next = after.find((r) => r.kind === 'state' && r.change.actor === `strategy:${strategy}`) as Rec<'state'> | undefined;
    if (next && next.at === ended.at) push(next, 'strategy', `strategy:${strategy}`, `${transition?.record.change.state ?? '?'} → ${next.change.state}`);
  }
  return { subject: { kind: isOrder ? 'order' : 'algo', id: subject }, algoId, strategy, headline: headline(started, ended, isOrder ? subject : undefined, records, ticks), steps };
}

/** The algo an id names: itself for an algo id, the part before the last dot for an order id (`hc-rb/1.2`). */
export function algoIdOf(id: string): string {
  return /\/\d+\.\d+$/.test(id) ? algoOfClientId(id) : id;
}

/** The chain as text: a headline, then one line per step (time in `zone`, actor, what happened). */
export function renderWhy(chain: WhyChain, options: { zone?: string } = {}): string {
  const zone = options.zone ?? 'UTC';
  const actorWidth = Math.max(...chain.steps.map((s) => s.actor.length));
  const lines = chain.steps.map((s) => `  ${clock(s.at, zone)}  ${s.actor.padEnd(actorWidth)}  ${s.text}`);
  const day = chain.steps.length > 0 ? DateTime.fromMillis(chain.steps[0]!.at, { zone }).toFormat('yyyy-MM-dd') : '';
  return [`Why ${chain.subject.kind} ${chain.subject.id}: ${chain.headline}`, `  (${day}, times in ${zone})`, ...lines].join('\n');
}

function clock(at: number, zone: string): string {
  return DateTime.fromMillis(at, { zone }).toFormat('HH:mm:ss.SSS');
}

function findLast<T>(xs: readonly T[], f: (x: T) => boolean): T | undefined {
  for (let i = xs.length - 1; i >= 0; i--) if (f(xs[i]!)) return xs[i];
  return undefined;
}

/** The last state record of an actor and the state it left. */
function lastTransition(records: readonly EngineRecord[], actor: string): { record: Rec<'state'>; from: string | null } | undefined {
  let last: Rec<'state'> | undefined;
  let from: string | null = null;
  for (const r of records) {
    if (r.kind !== 'state' || r.change.actor !== actor) continue;
    from = last?.change.state ?? null;
    last = r;
  }
  return last ? { record: last, from } : undefined;
}

function knownIds(records: readonly EngineRecord[]): string {
  const ids = records.filter((r): r is Rec<'algo.started'> => r.kind === 'algo.started').map((r) => r.algoId);
  if (ids.length === 0) return ' (they hold no algo)';
  const shown = ids.length <= 6 ? ids.join(', ') : `${ids.slice(0, 3).join(', ')}, …, ${ids.slice(-2).join(', ')}`;
  return ` (${ids.length} algo${ids.length === 1 ? '' : 's'}: ${shown})`;
}

function tickFormatter(instruments: readonly WhyInstrument[]): (symbol: string, ticks: number) => string {
  const sizes = new Map<string, Decimal>();
  for (const i of instruments) {
    try {
      sizes.set(i.symbol, new Decimal(i.tickSize));
    } catch {
      // a tick size that is not a number: that symbol's prices stay in ticks
    }
  }
  return (symbol, n) => {
    const t = sizes.get(symbol);
    return t ? t.times(n).toFixed() : `${n} ticks`;
  };
}

function controlText(r: Rec<'control'>): string {
  const by = `(${r.source})`;
  switch (r.action) {
    case 'startAlgo':
      return `manual order ${by}: ${r.side} ${r.qty} units at limit ${r.limit}, ${r.algoKind}`;
    case 'flatten':
      return `kill switch: flatten ${r.strategy ?? 'every strategy'} ${by}`;
    case 'pause':
    case 'resume':
      return `${r.action} ${r.strategy ?? 'every strategy'} ${by}`;
    case 'setTriggers':
      return `triggers set ${by}: ${Object.entries(r.triggers).map(([k, v]) => `${k} ${v ?? 'off'}`).join(', ')}`;
    case 'setTarget':
      return `target ${r.previous} → ${r.target} units ${by}`;
    case 'stopAlgo':
      return `stop ${r.algoId} ${by}`;
    case 'stopStrategy':
      return `stop strategy ${r.strategy} ${by}`;
  }
}

function viewLegs(view: LaunchView): string {
  return view.legs.map((l) => (l ? `${l.symbol} ${l.bid}×${l.bidSize} / ${l.ask}×${l.askSize}` : 'a leg without a book')).join(', ');
}

/** The crossing that fired a trigger: the spread side at that moment against the trigger, and the legs' books. */
function crossingText(r: Rec<'algo.started'>): string | undefined {
  const view = r.view;
  if (view === undefined) return undefined;
  const limit = r.limitPrice ?? String(r.limit);
  const t = TRIGGER_WORDS[r.purpose];
  if (!view) return `launched without a market view (limit ${limit}): it prices from the next one`;
  const spread = view.spread;
  const books = viewLegs(view);
  if (!t || !spread) return `spread ${spread ? `${spread.bid} / ${spread.ask}` : 'unquoted'}; ${books}`;
  const price = t.side === 'ask' ? spread.ask : spread.bid;
  const size = t.side === 'ask' ? spread.askSize : spread.bidSize;
  return `spread ${t.side} ${price} (${size} units) ${t.cmp} the ${t.name} ${limit}: ${books}`;
}

function startedText(r: Rec<'algo.started'>): string {
  const kind = r.algoKind ? `, ${r.algoKind}` : '';
  if (r.purpose === 'flatten') return `started: flatten every leg${kind}`;
  const limit = r.limitPrice ?? `${r.limit} (scaled)`;
  return `started: ${r.purpose}, ${sideWord(r.side)} ${r.qty} units at ${r.side > 0 ? '≤' : '≥'} ${limit}${kind}`;
}

/**
 * For one order: the ladder step that sent it (with the fill that left a leg naked), the order it replaced (a
 * re-price), the order itself and everything reported of it, and how the algo ended.
 */
function orderRecords(mine: readonly EngineRecord[], clientId: string): EngineRecord[] {
  const own = (r: EngineRecord): boolean => clientIdOf(r) === clientId;
  const first = mine.findIndex(own);
  const before = mine.slice(0, first);
  const self = mine[first];
  const symbol = self && 'symbol' in self ? self.symbol : undefined;
  const role = self?.kind === 'order.submitted' ? self.role : undefined;
  const picked = new Set<EngineRecord>();
  if (role !== 'entry') {
    const step = findLast(before, (r) => r.kind === 'ladder.step');
    if (step) {
      picked.add(step);
      const fill = findLast(before.slice(0, before.indexOf(step) + 1), (r) => r.kind === 'report' && r.report.type === 'order.filled');
      if (fill) picked.add(fill);
    }
  }
  // The order it replaces: the last one on the same symbol that was cancelled, and its confirmation.
  const prevCancel = findLast(before, (r) => r.kind === 'order.cancelRequested' && symbolOf(mine, r.clientId) === symbol);
  if (prevCancel && prevCancel.kind === 'order.cancelRequested') {
    picked.add(prevCancel);
    const done = before.find((r) => r.kind === 'report' && r.report.clientId === prevCancel.clientId && r.report.type === 'order.canceled');
    if (done) picked.add(done);
  }
  return mine.filter((r) => picked.has(r) || own(r) || r.kind === 'algo.ended');
}

function symbolOf(records: readonly EngineRecord[], clientId: string): string | undefined {
  const r = records.find((x) => x.kind === 'order.submitted' && x.clientId === clientId);
  return r?.kind === 'order.submitted' ? r.symbol : undefined;
}

function describe(
  r: EngineRecord,
  ticks: (symbol: string, n: number) => string,
  legNames: readonly string[],
  symbols: ReadonlyMap<string, string>,
): { kind: WhyStepKind; actor: string; text: string } | undefined {
  switch (r.kind) {
    case 'order.submitted':
      return { kind: 'order.submitted', actor: `order:${r.clientId}`, text: `${r.role ? `${r.role}: ` : ''}${sideWord(r.side)} ${r.qty} ${r.symbol} at ${ticks(r.symbol, r.price)}` };
    case 'order.cancelRequested':
      return { kind: 'order.cancel', actor: `order:${r.clientId}`, text: 'cancel requested' };
    case 'order.unanswered':
      return { kind: 'order.unanswered', actor: `order:${r.clientId}`, text: unansweredText(r) };
    case 'risk.refused':
      return { kind: 'order.refused', actor: `order:${r.clientId}`, text: `refused by pre-trade risk: ${r.reason}` };
    case 'order.throttled':
      return { kind: 'order.throttled', actor: `order:${r.clientId}`, text: `held by the order-rate budget for ${r.waitMs} ms` };
    case 'report':
      return { kind: 'order.report', actor: `order:${r.report.clientId}`, text: reportText(r, ticks, symbols) };
    case 'ladder.step': {
      const naked = r.nakedLots.map((n, i) => (n === 0 ? null : `${legNames[i] ?? `leg ${i + 1}`} ${n > 0 ? '+' : ''}${n}`)).filter((x) => x !== null);
      return { kind: 'ladder', actor: `algo:${r.algoId}`, text: `hedge ladder ${r.step}${naked.length > 0 ? `: naked ${naked.join(', ')} lots` : ''}` };
    }
    case 'algo.ended': {
      const e = r.execution;
      const price = e.realizedSpread === null ? 'nothing executed' : `realized ${e.realizedSpread}${e.slippage === null ? '' : `, slippage ${e.slippage}`}`;
      const legs = e.legs.map((l) => `${l.symbol} ${l.lots > 0 ? '+' : ''}${l.lots}${l.avgPrice === null ? '' : ` @ ${l.avgPrice}`}`).join(', ');
      return { kind: 'algo.ended', actor: `algo:${e.algoId}`, text: `${e.status} (${e.reason ?? 'no reason'}): ${e.units}/${e.qty} units, ${price}; ${legs}` };
    }
    default: {
      // Another record about one of the algo's orders (a kind this reader does not know by name).
      const id = clientIdOf(r);
      if (id === undefined) return undefined;
      const o = r as unknown as Record<string, unknown>;
      const sym = symbols.get(id);
      const price = typeof o.price === 'number' && sym ? ` at ${ticks(sym, o.price)}` : '';
      const words = r.kind.replace(/^order\./, '').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
      return { kind: 'order.report', actor: `order:${id}`, text: `${words}${price}` };
    }
  }
}

function reportText(r: Rec<'report'>, ticks: (symbol: string, n: number) => string, symbols: ReadonlyMap<string, string>): string {
  const rep = r.report as unknown as Record<string, unknown> & { type: string };
  const late = r.routed ? '' : ' (for an order already finished)';
  switch (rep.type) {
    case 'order.accepted':
      return `accepted${late}`;
    case 'order.filled': {
      const sym = String(rep.symbol);
      return `filled ${String(rep.qty)} at ${typeof rep.price === 'number' ? ticks(sym, rep.price) : '?'}${rep.liquidity ? ` (${String(rep.liquidity)})` : ''}${late}`;
    }
    case 'order.canceled':
      return `canceled (${String(rep.filledQty)} filled)${late}`;
    case 'order.rejected':
      return `rejected: ${String(rep.reason)}${late}`;
    case 'order.cancelRejected':
      return `cancel rejected: ${String(rep.reason)}${late}`;
    case 'order.replaced': {
      const sym = symbols.get(rep.clientId as string);
      return `replaced: now at ${typeof rep.price === 'number' && sym ? ticks(sym, rep.price) : String(rep.price)} for ${String(rep.qty)} lots${late}`;
    }
    default:
      return `${rep.type.replace(/^order\./, '')}${late}`;
  }
}

function headline(started: Rec<'algo.started'>, ended: Rec<'algo.ended'> | undefined, order: string | undefined, records: readonly EngineRecord[], ticks: (s: string, n: number) => string): string {
  const algo = startedText(started).replace(/^started: /, '');
  const outcome = ended ? `${ended.execution.status} (${ended.execution.reason ?? 'no reason'}), ${ended.execution.units}/${ended.execution.qty} units` : 'still working when the records end';
  if (!order) return `${algo} — ${outcome}`;
  const sub = records.find((r) => r.kind === 'order.submitted' && r.clientId === order);
  const what = sub?.kind === 'order.submitted' ? `${sub.role ? `${sub.role} order, ` : ''}${sideWord(sub.side)} ${sub.qty} ${sub.symbol} at ${ticks(sub.symbol, sub.price)}` : 'not sent';
  return `${what}, of algo ${started.algoId} (${algo})`;
}

const UNANSWERED: Record<Rec<'order.unanswered'>['waiting'], string> = {
  order: 'the new order',
  cancel: 'the cancel',
  replace: 'the replace',
  fills: 'the fills its cancel confirmation counted',
};

/** A venue silence the engine chased (or the status it could not ask). */
function unansweredText(r: Rec<'order.unanswered'>): string {
  const what = UNANSWERED[r.waiting] ?? String(r.waiting);
  if (r.statusError !== undefined) return `the venue's status of the order could not be asked: ${r.statusError}`;
  return `no answer from the venue in ${r.afterMs} ms to ${what}${r.resent ? '; sent again' : ''}${r.statusAsked ? '; its status asked' : ''}`;
}
