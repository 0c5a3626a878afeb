import type { Clock, TimerId } from '../clock/clock.js';
import type { ResolvedStrategy } from '../config/resolve.js';
import { fundingAmount, type FundingSchedule } from '../domain/costs.js';
import { Decimal, str } from '../domain/decimal.js';
import type { LedgerInstrument } from '../domain/ledger.js';
import type { EngineRecord, FundingRecord } from './records.js';

/** What the funding clerk needs from its engine. */
export interface FundingHost {
  readonly clock: Clock;
  /** Signed lots a strategy holds of a symbol now. */
  position(strategy: string, symbol: string): number;
  /** The symbol's last two-sided mid, in price units, if any quote has been seen. */
  mark(symbol: string): Decimal | undefined;
  /** Journals the settlement of one funding time (with its charges, possibly none). */
  record(r: Extract<EngineRecord, { kind: 'funding' }>): void;
  /** Books one charge (the ledger, the funding stream). */
  charge(c: FundingRecord): void;
}

/** A perpetual symbol's funding: its schedule, who trades it, and which funding times are settled or waiting. */
interface FundingSymbol {
  symbol: string;
  instrument: LedgerInstrument;
  schedule: FundingSchedule;
  /** The strategies that trade it (a symbol has one schedule, whichever strategy trades it). */
  strategies: string[];
  /** The last funding time settled (journalled), undefined before the first. */
  settled: number | undefined;
  /** The next funding time, once armed. */
  next: { at: number; rate: Decimal } | undefined;
  /** Funding times passed but not settled: a strategy held the symbol and there was no mark yet (a resumed run). */
  waiting: { due: number; rate: Decimal; lots: number[] }[];
}

/**
 * Funding on perpetual legs (docs/costs.md): accounting on the engine's clock, not a decision, so not a machine.
 * Each symbol's next funding time after the last one settled (or after the run's start) is armed on the clock;
 * at a funding time every strategy's position is taken and charged at the leg's last two-sided mid.
 */
export class FundingClerk {
  private readonly symbols = new Map<string, FundingSymbol>();
  private timer: TimerId | undefined;
  /** Funding times passed and not yet settled, over every symbol (nonzero only while one waits for a mark). */
  private waitingTimes = 0;

  constructor(
    strategies: readonly ResolvedStrategy[],
    private readonly host: FundingHost,
  ) {
    for (const s of strategies) {
      for (const leg of s.definition.legs) {
        const schedule = s.costs[leg.index]?.funding;
        if (!schedule) continue;
        const f = this.symbols.get(leg.symbol);
        if (f) f.strategies.push(s.spec.name);
        else this.symbols.set(leg.symbol, { symbol: leg.symbol, instrument: leg, schedule, strategies: [s.spec.name], settled: undefined, next: undefined, waiting: [] });
      }
    }
  }

  /** True when some leg has funding. */
  get active(): boolean {
    return this.symbols.size > 0;
  }

  /** A journalled settlement, on restore: that funding time is not due again. */
  restored(symbol: string, due: number): void {
    const f = this.symbols.get(symbol);
    if (f && (f.settled === undefined || due > f.settled)) f.settled = due;
  }

  /**
   * Arms the next funding times. A resumed run first settles the times it slept through (their records were not
   * committed to the journal), on the positions it holds now.
   */
  start(startedAt: number): void {
    const now = this.host.clock.now();
    for (const f of this.symbols.values()) {
      f.next = f.schedule.next(f.settled ?? startedAt);
      while (f.next && f.next.at <= now) {
        this.due(f, f.next.at, f.next.rate);
        f.next = f.schedule.next(f.next.at);
      }
    }
    this.arm();
  }

  /**
   * A two-sided quote of `symbol` arrived: funding times waiting for its mark are settled now. Asked on every quote,
   * so it answers from a count before anything else: when it looked the symbol up first, the call cost the engine's
   * quote handler about 48 bytes of garbage a quote (4.5 MB a replay of the Binance day, by V8's sampling heap
   * profiler; none when the clerk is called alone).
   */
  quoted(symbol: string): void {
    if (this.waitingTimes > 0) this.settle(symbol);
  }

  stop(): void {
    if (this.timer !== undefined) this.host.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Funding times passed and not charged for want of a mark: named in the summary's errors. */
  unsettled(): string[] {
    const out: string[] = [];
    for (const f of this.symbols.values()) {
      for (const w of f.waiting) out.push(`funding of ${f.symbol} due ${new Date(w.due).toISOString()} not charged: no two-sided quote of ${f.symbol} since the engine started`);
    }
    return out;
  }

  private arm(): void {
    let at = Infinity;
    for (const f of this.symbols.values()) if (f.next && f.next.at < at) at = f.next.at;
    const clock = this.host.clock;
    this.timer = at === Infinity ? undefined : clock.setTimeout(() => this.fire(at), at - clock.now());
  }

  private fire(at: number): void {
    this.timer = undefined;
    for (const f of this.symbols.values()) {
      if (f.next?.at !== at) continue;
      this.due(f, at, f.next.rate);
      f.next = f.schedule.next(at);
    }
    this.arm();
  }

  /** A funding time of `f` has come: the positions are taken now; it is settled at once if it can be. */
  private due(f: FundingSymbol, due: number, rate: Decimal): void {
    f.waiting.push({ due, rate, lots: f.strategies.map((s) => this.host.position(s, f.symbol)) });
    this.waitingTimes++;
    this.settle(f.symbol);
  }

  /**
   * Settles a symbol's waiting funding times, in order: each charges every strategy that held the symbol, at the
   * leg's last two-sided mid. One that needs a mark the engine has not seen yet (a resumed run, before the
   * symbol's first quote) waits for it, and so do the times after it.
   */
  private settle(symbol: string): void {
    const f = this.symbols.get(symbol);
    if (!f) return;
    while (f.waiting.length > 0) {
      const w = f.waiting[0]!;
      const mark = this.host.mark(symbol);
      if (!mark && w.lots.some((n) => n !== 0)) return;
      f.waiting.shift();
      this.waitingTimes--;
      const charges: FundingRecord[] = [];
      f.strategies.forEach((strategy, k) => {
        const lots = w.lots[k]!;
        if (lots === 0 || !mark) return;
        charges.push({ at: w.due, strategy, symbol, lots, rate: str(w.rate), mark: str(mark), amount: str(fundingAmount(lots, mark, w.rate, f.instrument)) });
      });
      f.settled = w.due;
      this.host.record({ kind: 'funding', at: this.host.clock.now(), symbol, due: w.due, rate: str(w.rate), mark: mark ? str(mark) : null, charges });
      for (const c of charges) this.host.charge(c);
    }
  }
}
