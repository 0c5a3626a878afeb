import type { ResolvedStrategy } from '../config/resolve.js';
import { legFixedFee, type Amount } from '../domain/costs.js';
import { Decimal } from '../domain/decimal.js';
import type { Leg } from '../domain/spread.js';
import { stepText, type StepText } from './step-text.js';

/** What the engine's bookkeeping needs of one leg of a strategy (see StrategyLegs). */
export interface LegBook {
  readonly leg: Leg;
  /** Currency per tick per lot, tickSize × lotSize × contractMultiplier, as a number (pre-trade risk's notional). */
  readonly lotValue: number;
  /** The fee of one fill (fillFee with the leg's schedule, see legFixedFee); null when the config gives the leg none. */
  readonly fee: ((liquidity: 'maker' | 'taker' | undefined, lots: number, priceTicks: number) => Amount) | null;
  /** Ticks as a price and lots as a quantity, in decimal text: `str(tickSize × n)`, `str(lotSize × n)`. */
  readonly priceText: StepText;
  readonly qtyText: StepText;
}

/**
 * A strategy's legs as the engine's bookkeeping uses them on every order, fill and execution, worked out once per
 * strategy rather than with Decimals at each use: the legs by symbol, each one's lot value, fee and text of its
 * prices and quantities, and the text of the spread's scaled prices.
 */
export class StrategyLegs {
  /** By leg index. */
  readonly legs: readonly LegBook[];
  /** A scaled spread price as decimal text: `str(definition.fromScaled(n))`. */
  readonly spreadText: StepText;
  private readonly bySymbol: ReadonlyMap<string, LegBook>;

  constructor(s: ResolvedStrategy) {
    const def = s.definition;
    this.spreadText = stepText(new Decimal(1).div(def.scale));
    this.legs = def.legs.map((leg) => {
      const fees = s.costs[leg.index]?.fees;
      return {
        leg,
        lotValue: leg.tickSize.times(leg.lotSize).times(leg.contractMultiplier).toNumber(),
        fee: fees ? legFixedFee(fees, leg) : null,
        priceText: stepText(leg.tickSize),
        qtyText: stepText(leg.lotSize),
      };
    });
    // A spread lists a symbol once (SpreadDefinition checks it).
    this.bySymbol = new Map(this.legs.map((book) => [book.leg.symbol, book]));
  }

  /** The strategy's leg of a symbol, if it trades one. */
  of(symbol: string): LegBook | undefined {
    return this.bySymbol.get(symbol);
  }
}
