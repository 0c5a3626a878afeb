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
 * Cash and positions from fills, and costs apart from them, exact. Gross PnL = cash + Σ position · mark ·
 * multiplier, where cash is −Σ signed quantity · price · multiplier over fills; net PnL = gross − fees − funding
 * (fees and funding positive as costs, a rebate or funding received negative). Quantities in lots, prices in ticks.
 */
export class Ledger {
  private readonly lots = new Map<string, number>();
  private cash = new Decimal(0);
  private feeTotal = new Decimal(0);
  private fundingTotal = new Decimal(0);

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

  /** Books a fee (currency, positive: a cost; a rebate negative). */
  addFee(amount: Decimal): void {
    this.feeTotal = this.feeTotal.plus(amount);
  }

  /** Books a funding payment (currency, positive: paid; received negative). */
  addFunding(amount: Decimal): void {
    this.fundingTotal = this.fundingTotal.plus(amount);
  }

  /** Fees paid so far (rebates netted). */
  get fees(): Decimal {
    return this.feeTotal;
  }

  /** Funding paid so far (funding received netted). */
  get funding(): Decimal {
    return this.fundingTotal;
  }

  /** Net PnL: gross − fees − funding, marking open positions at the given prices (Decimal per symbol). */
  pnl(marks: ReadonlyMap<string, Decimal>): Decimal {
    return this.gross(marks).minus(this.feeTotal).minus(this.fundingTotal);
  }

  /** Gross PnL, before costs: cash from fills plus open positions marked at the given prices (Decimal per symbol). */
  gross(marks: ReadonlyMap<string, Decimal>): Decimal {
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
