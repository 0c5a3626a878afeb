import type { AlgoResult, AlgoSpec, Purpose } from '../../machines/algo.machine.js';
import type { ResolvedStrategy } from '../config/resolve.js';
import { Decimal, str } from '../domain/decimal.js';
import type { ExactSum } from '../domain/ledger.js';
import { nakedLots } from '../domain/position.js';
import type { MarketView } from '../domain/quote.js';
import { cents, secondsOfMs } from './float-text.js';
import { ExecutionPrices, ratioOf, type PriceTexts, type Ratio } from './execution-prices.js';
import type { EngineRecord, Execution } from './records.js';
import { amountText } from './step-text.js';
import type { StrategyLegs } from './strategy-legs.js';

/** What an algo was launched on, as its `algo.started` record carries it. */
export type LaunchCause = Pick<Extract<EngineRecord, { kind: 'algo.started' }>, 'algoKind' | 'limitPrice' | 'view'>;

/**
 * One strategy's algo records in decimal text, from the integers the algos work in: what an algo was launched on
 * (its `algo.started` record) and the Execution it leaves when it ends (its `algo.ended` record).
 */
export class AlgoRecords {
  /** The configured trigger prices, made at their first use (by the text they were made from). */
  private readonly triggers = new Map<Purpose, { written: string; trigger: Trigger }>();
  private readonly prices: ExecutionPrices;

  constructor(
    private readonly s: ResolvedStrategy,
    private readonly legs: StrategyLegs,
  ) {
    this.prices = new ExecutionPrices(s.definition);
  }

  /** Its kind, its limit, and the market view in hand at the launch: for a trigger, the view whose spread crossed it. */
  cause(spec: AlgoSpec, market: MarketView | null): LaunchCause {
    const spreadText = this.legs.spreadText;
    const legs = this.legs.legs;
    return {
      algoKind: spec.kind,
      limitPrice: spreadText(spec.limit),
      view: market
        ? {
            at: market.at,
            spread: market.spread ? { bid: spreadText(market.spread.bid), bidSize: market.spread.bidSize, ask: spreadText(market.spread.ask), askSize: market.spread.askSize } : null,
            legs: market.legs.map((q, i) => {
              const price = legs[i]?.priceText;
              return q && price ? { symbol: q.symbol, bid: price(q.bid), bidSize: q.bidSize, ask: price(q.ask), askSize: q.askSize } : null;
            }),
          }
        : null,
    };
  }

  /** An ended algo's execution: `fees` is what its fills paid (undefined: none). */
  execution(r: AlgoResult, startedAt: number, endedAt: number, fees: ExactSum | undefined): Execution {
    const def = this.s.definition;
    const trigger = this.trigger(r);
    // From exact integers (ExecutionPrices), or where those cannot tell, with Decimals.
    const prices = (trigger === undefined || trigger.ratio !== undefined ? this.prices.texts(r.filledLots, r.notional, r.units, r.side, trigger?.ratio) : undefined) ?? this.decimalPrices(r, trigger);
    return {
      algoId: r.algoId,
      strategy: r.strategy,
      purpose: r.purpose,
      kind: r.kind,
      side: r.side > 0 ? 'buy' : 'sell',
      status: r.status,
      reason: r.reason,
      qty: r.qty,
      units: r.units,
      trigger: trigger === undefined ? null : trigger.text,
      realizedSpread: prices.realizedSpread,
      slippage: prices.slippage,
      legs: def.legs.map((l) => ({ symbol: l.symbol, lots: r.filledLots[l.index]!, avgPrice: prices.avgPrices[l.index]! })),
      residualLots: nakedLots(r.filledLots, def.tradingMultipliers),
      exposure: {
        maxLots: [...r.exposure.maxLots],
        maxNotional: cents(r.exposure.maxNotional),
        maxLegNotional: r.exposure.maxLegNotional.map(cents),
        notionalSeconds: secondsOfMs(r.exposure.notionalMs),
        nakedMs: ms3(r.exposure.nakedMs),
      },
      startedAt,
      endedAt,
      durationMs: ms3(endedAt - startedAt),
      orders: r.counts.orders,
      reprices: r.counts.reprices,
      rejects: r.counts.rejects,
      ladderSteps: r.counts.ladderSteps,
      fees: fees === undefined ? '0' : amountText(fees.fixed ?? fees.value),
    };
  }

  /**
   * The trigger price an algo worked. A flatten (the kill switch) works none: it has no slippage either. Any other
   * algo's is its limit, written as the config wrote it while the trigger is the configured one (an operator may
   * change it; a manual one has its own).
   */
  private trigger(r: AlgoResult): Trigger | undefined {
    if (r.purpose === 'flatten') return undefined;
    if (r.purpose !== 'manual' && this.s.spec.triggers[r.purpose] === r.limit) return this.configuredTrigger(r.purpose);
    const def = this.s.definition;
    return { text: this.legs.spreadText(r.limit), price: () => def.fromScaled(r.limit), ratio: Number.isSafeInteger(r.limit) ? { n: BigInt(r.limit), d: BigInt(def.scale) } : undefined };
  }

  /** A trigger price as the config wrote it (made once per text). */
  private configuredTrigger(purpose: Exclude<Purpose, 'flatten' | 'manual'>): Trigger {
    const text = this.s.triggerPrices[purpose]!;
    let t = this.triggers.get(purpose);
    if (t === undefined || t.written !== text) {
      const price = new Decimal(text);
      this.triggers.set(purpose, (t = { written: text, trigger: { text: str(price), price: () => price, ratio: price.isFinite() ? ratioOf(price) : undefined } }));
    }
    return t.trigger;
  }

  /** The execution's prices with Decimal arithmetic, as ExecutionPrices gives them where it can. */
  private decimalPrices(r: AlgoResult, trigger: Trigger | undefined): PriceTexts {
    const def = this.s.definition;
    const avg = def.legs.map((l) => (r.filledLots[l.index] === 0 ? undefined : new Decimal(r.notional[l.index]!).div(r.filledLots[l.index]!).times(l.tickSize)));
    const realized = r.units > 0 ? def.realized(avg) : undefined;
    const price = trigger?.price();
    const slippage = realized === undefined || price === undefined ? undefined : r.side > 0 ? realized.minus(price) : price.minus(realized);
    return {
      avgPrices: avg.map((a) => (a === undefined ? null : str(a.toDecimalPlaces(8)))),
      realizedSpread: realized === undefined ? null : str(realized.toDecimalPlaces(8)),
      slippage: slippage === undefined ? null : str(slippage.toDecimalPlaces(8)),
    };
  }
}

/** The trigger price an algo worked: its text, its Decimal, and the exact ratio (undefined: none). */
interface Trigger {
  text: string;
  price: () => Decimal;
  ratio: Ratio | undefined;
}

/** Milliseconds to the microsecond: replayed data carries sub-millisecond times. */
const ms3 = (ms: number): number => Math.round(ms * 1000) / 1000;
