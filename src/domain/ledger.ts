import { amountDecimal, exactPerTickLot, fillNotional, type Amount, type FixedAmount } from './costs.js';
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
 * A running sum of currency amounts: the very Decimal that adding them one by one to a Decimal 0 gives, made with
 * integers where it can. Fixed amounts (whole numbers of 10^-places, as the engine books fills and fees) add as one
 * integer, Decimals as a Decimal. Adding one by one rounds only when a partial sum needs more than Decimal's 40
 * digits; while a bound on every partial sum shows that none can, the sum is exact in any grouping. Past that bound
 * every amount is added to the Decimal in turn, as one by one does.
 */
export class ExactSum {
  /** The Decimal amounts (and fixed ones too large for the integer). */
  private decimal = new Decimal(0);
  /** The fixed amounts, in whole 10^-places. */
  private units = 0;
  private places = 0;
  /** Σ |amount| (a float) and the most decimals of any amount: every partial sum is within the one, a whole number of 10^-(the other). */
  private bound = 0;
  private maxPlaces = 0;
  /** Past the bound: every amount goes into the Decimal, in turn. */
  private oneByOne = false;

  add(amount: Amount): void {
    if (amount instanceof Decimal) return this.addDecimal(amount);
    const { units, places } = amount;
    const size = Math.abs(units) / 10 ** places;
    const maxPlaces = Math.max(this.maxPlaces, places);
    if (this.oneByOne || !this.within(size, maxPlaces)) return this.addDecimal(amountDecimal(amount));
    this.bound += size;
    this.maxPlaces = maxPlaces;
    // One integer in the finer of the two units, when it stays safe; else the Decimal (exact here too).
    if (places > this.places) {
      const finer = this.units * 10 ** (places - this.places);
      if (Number.isSafeInteger(finer)) {
        this.units = finer;
        this.places = places;
      }
    }
    const added = places === this.places ? units : places < this.places ? units * 10 ** (this.places - places) : NaN;
    const sum = this.units + added;
    if (Number.isSafeInteger(added) && Number.isSafeInteger(sum)) this.units = sum;
    else this.decimal = this.decimal.plus(amountDecimal(amount));
  }

  /** The sum. */
  get value(): Decimal {
    return this.units === 0 ? this.decimal : this.decimal.plus(amountDecimal({ units: this.units, places: this.places }));
  }

  /** The sum as a fixed amount, while no amount has gone into the Decimal. */
  get fixed(): FixedAmount | undefined {
    return this.oneByOne || !this.decimal.isZero() ? undefined : { units: this.units, places: this.places };
  }

  private addDecimal(d: Decimal): void {
    if (!this.oneByOne) {
      const size = d.abs().toNumber();
      const maxPlaces = Math.max(this.maxPlaces, d.decimalPlaces());
      if (this.within(size, maxPlaces)) {
        this.bound += size;
        this.maxPlaces = maxPlaces;
        this.decimal = this.decimal.plus(d);
        return;
      }
      // From here on one by one, from the sum so far (exact).
      this.decimal = this.value;
      this.units = 0;
      this.oneByOne = true;
    }
    this.decimal = this.decimal.plus(d);
  }

  /**
   * Whether every partial sum stays exact with one more amount of this size: a whole number of 10^-places below
   * 10^(38 - places) has at most 38 digits (two to spare for the float bound's error). False for a NaN.
   */
  private within(size: number, places: number): boolean {
    return this.bound + size < 10 ** (38 - places);
  }
}

/** A symbol's fills in cash: their notional, and one tick-lot's as whole 10^-places when it has that form. */
interface FillCash {
  notional: (lots: number, priceTicks: number) => Decimal;
  perTickLot: number | undefined;
  places: number;
}

/**
 * Cash and positions from fills, and costs apart from them, exact. Gross PnL = cash + Σ position · mark ·
 * multiplier, where cash is −Σ signed quantity · price · multiplier over fills; net PnL = gross − fees − funding
 * (fees and funding positive as costs, a rebate or funding received negative). Quantities in lots, prices in ticks.
 */
export class Ledger {
  private readonly lots = new Map<string, number>();
  private readonly cash = new ExactSum();
  private readonly feeTotal = new ExactSum();
  private fundingTotal = new Decimal(0);
  /** Each symbol's, made at its first fill. */
  private readonly fillCash = new Map<string, FillCash>();

  /**
   * `net`: a book shared by several ledgers (one per strategy), kept at each symbol's net position over all of
   * them, so that a position across every strategy is one look-up rather than one per ledger.
   */
  constructor(
    private readonly instruments: ReadonlyMap<string, LedgerInstrument>,
    private readonly net?: Map<string, number>,
  ) {}

  apply(symbol: string, side: 1 | -1, qtyLots: number, priceTicks: number): void {
    const c = this.fillCashOf(symbol);
    this.lots.set(symbol, (this.lots.get(symbol) ?? 0) + side * qtyLots);
    if (this.net !== undefined) this.net.set(symbol, (this.net.get(symbol) ?? 0) + side * qtyLots);
    // The fill's notional as a fixed amount (the same amount as its Decimal: see fillNotional) where it is one.
    const ticksLots = qtyLots * priceTicks;
    const units = c.perTickLot === undefined ? NaN : c.perTickLot * ticksLots;
    if (Number.isInteger(qtyLots) && Number.isInteger(priceTicks) && Number.isSafeInteger(ticksLots) && Number.isSafeInteger(units)) {
      this.cash.add({ units: side > 0 ? -units : units, places: c.places });
    } else {
      const value = c.notional(qtyLots, priceTicks);
      this.cash.add(side > 0 ? value.neg() : value);
    }
  }

  position(symbol: string): number {
    return this.lots.get(symbol) ?? 0;
  }

  /** Books a fee (currency, positive: a cost; a rebate negative). */
  addFee(amount: Amount): void {
    this.feeTotal.add(amount);
  }

  /** Books a funding payment (currency, positive: paid; received negative). */
  addFunding(amount: Decimal): void {
    this.fundingTotal = this.fundingTotal.plus(amount);
  }

  /** Fees paid so far (rebates netted). */
  get fees(): Decimal {
    return this.feeTotal.value;
  }

  /** Funding paid so far (funding received netted). */
  get funding(): Decimal {
    return this.fundingTotal;
  }

  /** Net PnL: gross − fees − funding, marking open positions at the given prices (Decimal per symbol). */
  pnl(marks: ReadonlyMap<string, Decimal>): Decimal {
    return this.gross(marks).minus(this.feeTotal.value).minus(this.fundingTotal);
  }

  /** Gross PnL, before costs: cash from fills plus open positions marked at the given prices (Decimal per symbol). */
  gross(marks: ReadonlyMap<string, Decimal>): Decimal {
    let total = this.cash.value;
    for (const [symbol, lots] of this.lots) {
      if (lots === 0) continue;
      const i = this.instrument(symbol);
      const mark = marks.get(symbol);
      if (!mark) throw new LedgerError(`Ledger: no mark price for ${symbol}, which has an open position`);
      total = total.plus(mark.times(i.lotSize).times(lots).times(i.contractMultiplier));
    }
    return total;
  }

  private fillCashOf(symbol: string): FillCash {
    let c = this.fillCash.get(symbol);
    if (c === undefined) {
      const i = this.instrument(symbol);
      const perTickLot = exactPerTickLot(i);
      const places = perTickLot?.decimalPlaces() ?? 0;
      const units = perTickLot?.times(new Decimal(`1e${places}`)).toNumber();
      this.fillCash.set(symbol, (c = { notional: fillNotional(i), perTickLot: units !== undefined && Number.isSafeInteger(units) ? units : undefined, places }));
    }
    return c;
  }

  private instrument(symbol: string): LedgerInstrument {
    const i = this.instruments.get(symbol);
    if (!i) throw new LedgerError(`Ledger: unknown symbol ${symbol}`);
    return i;
  }
}
