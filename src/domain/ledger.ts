import { Decimal } from './decimal.js';
import { LedgerError } from './errors.js';

export interface LedgerInstrument {
  symbol: string;
  tickSize: Decimal;
  lotSize: Decimal;
  /** Currency per price point per unit of quantity. */
  contractMultiplier: Decimal;
}

/**
 * Cash and positions from fills, exact. PnL = cash + Σ position · mark · multiplier, where cash is
 * −Σ signed quantity · price · multiplier over fills. Quantities in lots, prices in ticks.
 */
export class Ledger {
  private readonly lots = new Map<string, number>();
  private cash = new Decimal(0);

  constructor(private readonly instruments: ReadonlyMap<string, LedgerInstrument>) {}

  apply(symbol: string, side: 1 | -1, qtyLots: number, priceTicks: number): void {
    const i = this.instrument(symbol);
    this.lots.set(symbol, (this.lots.get(symbol) ?? 0) + side * qtyLots);
    const value = i.tickSize.times(priceTicks).times(i.lotSize).times(qtyLots).times(i.contractMultiplier);
    this.cash = side > 0 ? this.cash.minus(value) : this.cash.plus(value);
  }

  position(symbol: string): number {
    return this.lots.get(symbol) ?? 0;
  }

  /** Total PnL, marking open positions at the given prices (Decimal per symbol). */
  pnl(marks: ReadonlyMap<string, Decimal>): Decimal {
    let total = this.cash;
    for (const [symbol, lots] of this.lots) {
      if (lots === 0) continue;
      const i = this.instrument(symbol);
      const mark = marks.get(symbol);
      if (!mark) throw new LedgerError(`Ledger: no mark price for ${symbol}, which has an open position`);
      total = total.plus(mark.times(i.lotSize).times(lots).times(i.contractMultiplier));
    }
    return total;
  }

  private instrument(symbol: string): LedgerInstrument {
    const i = this.instruments.get(symbol);
    if (!i) throw new LedgerError(`Ledger: unknown symbol ${symbol}`);
    return i;
  }
}
