import type { AlgoContext } from '../../machines/algo.machine.js';
import type { OrderRole } from '../../machines/order.machine.js';
import type { ResolvedStrategy } from '../../src/config/resolve.js';
import { nakedDeviation } from '../../src/domain/position.js';
import type { LegQuote } from '../../src/domain/quote.js';
import { calendarFor } from '../../src/domain/session-calendar.js';
import type { Engine } from '../../src/engine/engine.js';

/**
 * Leg-out containment invariants, watched live on a running engine from outside it (its venue's quotes, its
 * records and its actors' snapshots), so they hold whatever the machines believe:
 * 1. no taker entry slice exceeds what each hedge leg shows at send time, net of the hedges already working
 *    there (and none goes out while a hedge works, unless `entryWhileHedging`);
 * 2. no leg is ever more than one entry slice away from the nearest balanced position;
 * 3. a paused ladder resumes by the first quote after every leg's book is usable again;
 * 4. no order goes out outside its strategy's session, or on a book quoted before the current session began.
 * Attach it before the engine starts (it must see each quote before the engine does).
 */
export class ContainmentWatch {
  readonly violations: string[] = [];
  readonly counts = { orders: 0, entrySlices: 0, pauses: 0, resumes: 0, fills: 0 };
  /** Per strategy and leg symbol: the largest deviation from a balanced position seen, in lots. */
  readonly maxNakedLots: Record<string, Record<string, number>> = {};

  private readonly quotes = new Map<string, LegQuote>();
  private readonly slice = new Map<string, number>();
  private readonly algoLots = new Map<string, number[]>();
  private readonly paused = new Map<string, { strategy: ResolvedStrategy; readyAt: number | null }>();
  private readonly strategies = new Map<string, ResolvedStrategy>();

  constructor(private readonly engine: Engine) {
    for (const s of engine.config.strategies) {
      this.strategies.set(s.spec.name, s);
      this.maxNakedLots[s.spec.name] = Object.fromEntries(s.definition.legs.map((l) => [l.symbol, 0]));
    }
    engine.venue.quotes$.subscribe((q) => this.onQuote(q));
    engine.records$.subscribe((r) => {
      if (r.kind === 'order.submitted') this.onOrder(r.clientId, r.symbol, r.qty, r.at, r.role);
      else if (r.kind === 'ladder.step') this.onStep(r.algoId, r.step);
      else if (r.kind === 'algo.ended') this.paused.delete(r.execution.algoId);
    });
    engine.fills$.subscribe((f) => this.onFill(f.strategy, f.algoId, f.symbol, f.side, f.qty));
  }

  private fail(message: string): void {
    if (this.violations.length < 50) this.violations.push(message);
  }

  private sessionStart(s: ResolvedStrategy, at: number): number | null {
    return calendarFor(s.spec.session.calendar).intervalAt(at)?.start ?? null;
  }

  private usable(s: ResolvedStrategy, symbol: string, at: number): boolean {
    const q = this.quotes.get(symbol);
    const start = this.sessionStart(s, at);
    return q !== undefined && start !== null && q.ts >= start && q.bidSize > 0 && q.askSize > 0 && q.bid < q.ask && at - q.ts <= s.staleAfterMs;
  }

  private onQuote(q: LegQuote): void {
    this.quotes.set(q.symbol, q);
    // 3. A paused ladder whose legs have all been usable since an earlier instant should have resumed by now.
    for (const [algoId, p] of this.paused) {
      const ready = p.strategy.definition.legs.every((l) => l.tradingMultiplier === 0 || this.usable(p.strategy, l.symbol, q.ts));
      if (!ready) p.readyAt = null;
      else if (p.readyAt === null) p.readyAt = q.ts;
      else if (q.ts > p.readyAt) {
        this.fail(`${algoId}: its ladder is still paused at ${iso(q.ts)} though every leg has been usable since ${iso(p.readyAt)}`);
        this.paused.delete(algoId);
      }
    }
  }

  private onStep(algoId: string, step: string): void {
    if (step === 'paused') {
      this.counts.pauses++;
      const s = this.strategies.get(algoId.slice(0, algoId.lastIndexOf('/')));
      if (s) this.paused.set(algoId, { strategy: s, readyAt: null });
    } else if (this.paused.delete(algoId)) this.counts.resumes++;
  }

  /**
   * An order as its record says it was sent (its role, its leg by its symbol): the order actor's snapshot is still its
   * dormant one then (the submission is its launch's entry effect), while its algo's step, which sent it, is set.
   */
  private onOrder(clientId: string, symbol: string, qty: number, at: number, role: OrderRole | undefined): void {
    this.counts.orders++;
    const algoId = clientId.slice(0, clientId.lastIndexOf('.'));
    const s = this.strategies.get(algoId.slice(0, algoId.lastIndexOf('/')));
    const algo = this.engine.actor.system.get(`algo:${algoId}`)?.getSnapshot()?.context as AlgoContext | undefined;
    const order = algo && role ? { role, leg: algo.spec.symbols.indexOf(symbol) } : undefined;
    if (!s || !order || order.leg < 0 || !algo) return this.fail(`${clientId}: no strategy, order or algo actor to check it against`);
    // 4. Inside the session, on books of this session: an entry prices from every leg, a ladder order from its own.
    const start = this.sessionStart(s, at);
    if (start === null) return this.fail(`${clientId} (${symbol}) sent at ${iso(at)}, outside the session`);
    const priced = order.role === 'entry' ? s.definition.legs.filter((l) => l.tradingMultiplier !== 0).map((l) => l.symbol) : [symbol];
    for (const sym of priced) {
      const q = this.quotes.get(sym);
      if (!q || q.ts < start) this.fail(`${clientId} (${symbol}) sent at ${iso(at)} on a ${sym} book from ${q ? iso(q.ts) : 'nowhere'}, before the session began at ${iso(start)}`);
    }
    if (order.role !== 'entry') return;
    const spec = algo.spec;
    const units = qty / Math.abs(spec.tradingMultipliers[order.leg]!);
    this.slice.set(algoId, Math.max(this.slice.get(algoId) ?? 0, Math.ceil(units)));
    if (spec.kind !== 'taker') return;
    // 1. A taker's slice against each hedge leg's displayed size, net of the hedges working there.
    this.counts.entrySlices++;
    const working = spec.tradingMultipliers.map(() => 0);
    for (const o of Object.values(algo.orders)) if (o.role !== 'entry') working[o.leg]! += o.qty - o.filled;
    spec.tradingMultipliers.forEach((tm, i) => {
      if (i === order.leg || tm === 0) return;
      if (!spec.entryWhileHedging && working[i]! > 0) this.fail(`${clientId}: an entry slice went out with ${working[i]} hedge lots working on ${spec.symbols[i]}`);
      const q = this.quotes.get(spec.symbols[i]!);
      const buys = spec.side * Math.sign(tm) > 0;
      const shown = q ? (buys ? q.askSize : q.bidSize) : 0;
      if (units * Math.abs(tm) > shown - working[i]!) this.fail(`${clientId}: a slice of ${units} units needs ${units * Math.abs(tm)} lots of ${spec.symbols[i]}, which shows ${shown} with ${working[i]} already working`);
    });
  }

  private onFill(strategy: string, algoId: string, symbol: string, side: 'buy' | 'sell', qty: string): void {
    this.counts.fills++;
    const s = this.strategies.get(strategy);
    if (!s) return;
    const def = s.definition;
    const leg = def.legs.find((l) => l.symbol === symbol)!;
    const lots = this.algoLots.get(algoId) ?? def.legs.map(() => 0);
    lots[leg.index]! += (side === 'buy' ? 1 : -1) * Math.round(Number(qty) / leg.lotSize.toNumber());
    this.algoLots.set(algoId, lots);
    // 2. Never more than one slice naked on any leg.
    const slice = this.slice.get(algoId) ?? 0;
    const dev = nakedDeviation(lots, def.tradingMultipliers);
    dev.forEach((d, i) => {
      const l = def.legs[i]!;
      const max = this.maxNakedLots[strategy]!;
      max[l.symbol] = Math.max(max[l.symbol]!, Math.abs(d));
      if (Math.abs(d) > slice * Math.abs(l.tradingMultiplier)) this.fail(`${algoId}: ${l.symbol} is ${d} lots from balanced, more than one slice (${slice} units)`);
    });
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();
