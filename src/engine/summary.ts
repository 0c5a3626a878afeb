import type { EngineConfig } from '../config/resolve.js';
import { Decimal, str } from '../domain/decimal.js';
import type { FixedAmount } from '../domain/costs.js';
import { ExactSum, type Ledger } from '../domain/ledger.js';
import { hedgedUnits, nakedLots } from '../domain/position.js';
import type { LegQuote } from '../domain/quote.js';
import type { LadderStep } from '../../machines/algo.machine.js';
import type { Execution } from './records.js';

export interface StrategySummary {
  name: string;
  state: string;
  /** Hedged spread units (signed). */
  spreadPosition: number;
  legs: { symbol: string; lots: number; qty: string; nakedLots: number; mark: string | null }[];
  /** Before costs: cash from fills plus open legs marked at their last mid, exact. Null when an open leg has no mark. */
  gross: string | null;
  /** Fees paid (rebates netted), exact currency. */
  fees: string;
  /** Funding paid (funding received netted), exact currency. */
  funding: string;
  /** gross − fees − funding, exact. Null when gross is. */
  net: string | null;
  /** The net PnL to the cent (2 decimals). */
  pnl: string | null;
}

export interface Summary {
  run: { from: string; to: string; seed: number; venue: string; config: string };
  counts: { quotes: number; views: number; orders: number; fills: number; duplicateFills: number; rejects: number; refused: number; throttled: number; unrouted: number; disconnects: number; unanswered: number; executions: number };
  /** The executions, in order of ending; on very long runs only the latest `keepExecutions` (counts.executions has them all). */
  executions: Execution[];
  /**
   * Naked exposure over the run's executions: per leg, the lots away from the nearest balanced position,
   * valued at the leg's last fill price. Totals are in notional only (lots of different legs differ in size).
   */
  exposure: {
    /** The largest naked notional of any execution at one moment (currency). */
    maxNakedNotional: string;
    /** The longest time any execution had a naked leg, and which one. */
    longestNakedMs: number;
    longestNakedAlgo: string | null;
    totalNakedMs: number;
    /** ∫ naked notional dt over every execution, currency·seconds. */
    nakedNotionalSeconds: string;
    /** Per strategy (by name), per leg: the largest naked deviation of any of its executions. */
    legs: Record<string, LegExposure[]>;
  };
  /** Hedge ladder steps taken over the run, by step. */
  ladder: Record<LadderStep, number>;
  strategies: StrategySummary[];
  /** Sum of the strategies' gross PnL (before costs), exact; null when one is. */
  gross: string | null;
  /**
   * Sum of the strategies' costs, exact currency (positive: paid). `configured`: whether any leg has fees or
   * funding in the config (when not, both are "0" by construction).
   */
  costs: { configured: boolean; fees: string; funding: string };
  /** gross − fees − funding, exact; null when gross is. */
  net: string | null;
  /** The net PnL to the cent (2 decimals): the sum of the strategies' net PnL. */
  pnl: string | null;
  errors: string[];
}

/** A leg's largest naked deviation over a run: in lots, in quantity (lots × lot size) and in notional. */
export interface LegExposure {
  symbol: string;
  lotSize: string;
  maxLots: number;
  maxQty: string;
  maxNotional: string;
}

/**
 * An execution's largest naked deviation per leg as a quantity (lots × lot size, from the summary's
 * exposure legs), which compares across legs where lots do not; lots when the leg is unknown.
 */
export function nakedQuantities(s: Summary, e: Execution): string[] {
  const legs = s.exposure.legs[e.strategy];
  return e.exposure.maxLots.map((n, i) => (legs?.[i] ? str(new Decimal(legs[i].lotSize).times(n)) : `${n} lots`));
}

/** Exposure over every execution of a run, kept as they end (the list of executions may be cut). */
export class ExposureTotals {
  longestNakedMs = 0;
  longestNakedAlgo: string | null = null;
  totalNakedMs = 0;
  /** Per strategy, per leg index: the largest |deviation| in lots and the largest leg notional. */
  readonly legs = new Map<string, { maxLots: number[]; maxNotional: LargestText[] }>();
  private readonly maxNotional = new LargestText(false);
  private readonly seconds = new ExactSum();

  /** The largest naked notional of any execution at one moment. */
  get maxNakedNotional(): Decimal {
    return this.maxNotional.value;
  }

  /** ∫ naked notional dt over every execution, currency·seconds. */
  get notionalSeconds(): Decimal {
    return this.seconds.value;
  }

  add(e: Execution): void {
    let legs = this.legs.get(e.strategy);
    if (!legs) this.legs.set(e.strategy, (legs = { maxLots: [], maxNotional: [] }));
    e.exposure.maxLots.forEach((n, i) => (legs.maxLots[i] = Math.max(legs.maxLots[i] ?? 0, n)));
    // Decimal.max(the largest so far or 0, the text): a NaN wins.
    e.exposure.maxLegNotional.forEach((text, i) => (legs.maxNotional[i] ??= new LargestText(true)).offer(text));
    this.maxNotional.offer(e.exposure.maxNotional);
    if (e.exposure.nakedMs > this.longestNakedMs) {
      this.longestNakedMs = e.exposure.nakedMs;
      this.longestNakedAlgo = e.algoId;
    }
    this.totalNakedMs += e.exposure.nakedMs;
    // The Decimal sum of the texts (ExactSum: with integers while they are short fixed-point texts, as toFixed(3) writes them).
    this.seconds.add(parseFixed(e.exposure.notionalSeconds) ?? new Decimal(e.exposure.notionalSeconds));
  }
}

const ZERO = new Decimal(0);

/**
 * The largest of decimal texts, as Decimal comparisons from 0 find it, reading a text as a Decimal only when it may be
 * larger: a text whose number is below the largest's number is below it (the nearest double of a decimal never passes
 * a larger decimal's). `nanWins`: a NaN text, as Decimal.max has it, becomes the largest and stays.
 */
class LargestText {
  value: Decimal = ZERO;
  private number = 0;

  constructor(private readonly nanWins: boolean) {}

  offer(text: string): void {
    const n = Number(text);
    if (n < this.number) return;
    const d = new Decimal(text);
    if (d.gt(this.value) || (this.nanWins && d.isNaN())) {
      this.value = d;
      this.number = n;
    }
  }
}

/** A plain decimal text (as toFixed writes one) as a fixed amount, when its digits make a safe integer. */
function parseFixed(text: string): FixedAmount | undefined {
  const m = /^(-?)(\d{1,15})(?:\.(\d{1,15}))?$/.exec(text);
  if (!m) return undefined;
  const digits = m[2]! + (m[3] ?? '');
  if (digits.length > 15) return undefined;
  const units = Number(digits);
  return { units: m[1] ? -units : units, places: m[3]?.length ?? 0 };
}

export interface SummaryInput {
  config: EngineConfig;
  from: number;
  to: number;
  venue: string;
  /** The executions kept (the latest, when a long run keeps only so many). */
  executions: readonly Execution[];
  totals: ExposureTotals;
  ledgers: ReadonlyMap<string, Ledger>;
  lastQuote: Pick<ReadonlyMap<string, LegQuote>, 'get'>;
  strategyState: (name: string) => string;
  counts: Summary['counts'];
  ladder: Summary['ladder'];
  errors: readonly string[];
}

export function buildSummary(i: SummaryInput): Summary {
  const x = i.totals;
  let total: Decimal | null = new Decimal(0);
  let fees = new Decimal(0);
  let funding = new Decimal(0);
  const strategies = i.config.strategies.map((s): StrategySummary => {
    const ledger = i.ledgers.get(s.spec.name)!;
    const def = s.definition;
    const lots = def.legs.map((l) => ledger.position(l.symbol));
    const naked = nakedLots(lots, def.tradingMultipliers);
    const marks = new Map<string, Decimal>();
    for (const l of def.legs) {
      const q = i.lastQuote.get(l.symbol);
      if (q) marks.set(l.symbol, l.tickSize.times(q.bid + q.ask).div(2));
    }
    let gross: Decimal | null;
    try {
      gross = ledger.gross(marks);
    } catch {
      gross = null;
    }
    const net = gross === null ? null : gross.minus(ledger.fees).minus(ledger.funding);
    total = total === null || gross === null ? null : total.plus(gross);
    fees = fees.plus(ledger.fees);
    funding = funding.plus(ledger.funding);
    return {
      name: s.spec.name,
      state: i.strategyState(s.spec.name),
      spreadPosition: hedgedUnits(lots, def.tradingMultipliers),
      legs: def.legs.map((l) => ({
        symbol: l.symbol,
        lots: lots[l.index]!,
        qty: str(l.lotSize.times(lots[l.index]!)),
        nakedLots: naked[l.index]!,
        mark: marks.has(l.symbol) ? str(marks.get(l.symbol)!) : null,
      })),
      gross: gross === null ? null : str(gross),
      fees: str(ledger.fees),
      funding: str(ledger.funding),
      net: net === null ? null : str(net),
      pnl: net === null ? null : net.toFixed(2),
    };
  });
  const net = total === null ? null : (total as Decimal).minus(fees).minus(funding);

  return {
    run: {
      from: new Date(i.from).toISOString(),
      to: new Date(i.to).toISOString(),
      seed: i.config.venue.seed,
      venue: i.venue,
      config: i.config.source,
    },
    counts: i.counts,
    executions: [...i.executions],
    exposure: {
      maxNakedNotional: x.maxNakedNotional.toFixed(2),
      longestNakedMs: x.longestNakedMs,
      longestNakedAlgo: x.longestNakedAlgo,
      totalNakedMs: Math.round(x.totalNakedMs * 1000) / 1000,
      nakedNotionalSeconds: x.notionalSeconds.toFixed(3),
      legs: Object.fromEntries(
        i.config.strategies.map((s) => {
          const t = x.legs.get(s.spec.name);
          return [
            s.spec.name,
            s.definition.legs.map((l): LegExposure => {
              const maxLots = t?.maxLots[l.index] ?? 0;
              return { symbol: l.symbol, lotSize: str(l.lotSize), maxLots, maxQty: str(l.lotSize.times(maxLots)), maxNotional: (t?.maxNotional[l.index]?.value ?? new Decimal(0)).toFixed(2) };
            }),
          ];
        }),
      ),
    },
    ladder: i.ladder,
    strategies,
    gross: total === null ? null : str(total),
    costs: { configured: i.config.strategies.some((s) => s.costs.some((c) => c.fees !== null || c.funding !== null)), fees: str(fees), funding: str(funding) },
    net: net === null ? null : str(net),
    pnl: net === null ? null : net.toFixed(2),
    errors: [...i.errors],
  };
}
