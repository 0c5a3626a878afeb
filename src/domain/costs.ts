import { DateTime } from 'luxon';
import { Decimal, parseDecimal } from './decimal.js';

/**
 * Trading costs, exact: fees per fill and funding on perpetual legs. Pure rules; the config builds them
 * (src/config/resolve.ts) and the engine applies them (src/engine/engine.ts). See docs/costs.md.
 */

/** One side's fee: a fixed amount per lot and basis points of the fill's notional, summed. */
export interface FeeRate {
  /** Currency per lot filled (a lot is the leg's lotSize); negative: a rebate. */
  readonly perLot: Decimal;
  /** Basis points of the notional (qty × price × contractMultiplier); negative: a rebate. */
  readonly bps: Decimal;
}

/** What a leg's fills pay: resting orders (maker) and orders that cross on arrival (taker) apart. */
export interface FeeSchedule {
  readonly maker: FeeRate;
  readonly taker: FeeRate;
}

/** The instrument facts a fee or a funding payment needs. */
export interface CostInstrument {
  readonly tickSize: Decimal;
  readonly lotSize: Decimal;
  readonly contractMultiplier: Decimal;
}

/** A leg's costs (each null when the config gives none). */
export interface LegCosts {
  readonly fees: FeeSchedule | null;
  readonly funding: FundingSchedule | null;
}

export const NO_FEE: FeeRate = { perLot: new Decimal(0), bps: new Decimal(0) };

/**
 * The fee of one fill, in currency (positive: a cost; a rebate is negative): perLot × lots + bps / 10,000 ×
 * lots × lotSize × price × contractMultiplier. A fill whose liquidity the venue did not give pays the taker rate.
 */
export function fillFee(fees: FeeSchedule, liquidity: 'maker' | 'taker' | undefined, lots: number, priceTicks: number, i: CostInstrument): Decimal {
  const rate = liquidity === 'maker' ? fees.maker : fees.taker;
  const notional = i.tickSize.times(priceTicks).times(i.lotSize).times(lots).times(i.contractMultiplier);
  return rate.perLot.times(lots).plus(notional.times(rate.bps).div(10_000));
}

const BASIS_POINT = new Decimal('0.0001');

/** `fillFee` for one leg's fills, with what the leg never changes worked out once (the same Decimals). */
export function legFillFee(fees: FeeSchedule, i: CostInstrument): (liquidity: 'maker' | 'taker' | undefined, lots: number, priceTicks: number) => Decimal {
  const notional = fillNotional(i);
  return (liquidity, lots, priceTicks) => {
    const rate = liquidity === 'maker' ? fees.maker : fees.taker;
    // × 1/10,000 rather than ÷ 10,000: a power of ten moves the point only, so both give the same Decimal.
    return rate.perLot.times(lots).plus(notional(lots, priceTicks).times(rate.bps).times(BASIS_POINT));
  };
}

/**
 * An amount of currency as a whole number of 10^-places (a fixed point): `units × 10^-places`. What the engine books
 * per fill; a Decimal only when the amount is not such a safe integer.
 */
export interface FixedAmount {
  readonly units: number;
  readonly places: number;
}

/** An amount of currency: exact either way. */
export type Amount = Decimal | FixedAmount;

/** The Decimal of an amount. */
export function amountDecimal(a: Amount): Decimal {
  return a instanceof Decimal ? a : new Decimal(a.units).div(new Decimal(`1e${a.places}`));
}

/**
 * One leg's fill fee (fillFee) as a fixed amount: perLot × lots + (bps / 10,000 × tickSize × lotSize ×
 * contractMultiplier) × lots × ticks, both rates written once as whole numbers of 10^-places, so a fill costs integer
 * arithmetic. While every product and the sum are safe integers, the Decimal fee's every step is exact (each is a
 * whole number of 10^-places of at most 16 digits, and the notional is exact, see fillNotional), so it is the same
 * amount. Otherwise (or when the rates have no such form) the fee is fillFee's Decimal.
 */
export function legFixedFee(fees: FeeSchedule, i: CostInstrument): (liquidity: 'maker' | 'taker' | undefined, lots: number, priceTicks: number) => Amount {
  const decimal = legFillFee(fees, i);
  const perTickLot = exactPerTickLot(i);
  // The fee rates per tick and lot must be exact too (bps × that, × 1/10,000: at most 40 digits).
  if (perTickLot === undefined || [fees.maker, fees.taker].some((r) => r.bps.sd() + perTickLot.sd() + 1 > 40)) return decimal;
  const perTickLotAt = (r: FeeRate): Decimal => r.bps.times(perTickLot).times(BASIS_POINT);
  const places = Math.max(...[fees.maker, fees.taker].flatMap((r) => [r.perLot.decimalPlaces(), perTickLotAt(r).decimalPlaces()]));
  const scale = new Decimal(`1e${places}`);
  const fixed = (r: FeeRate): { perLot: number; perTickLot: number } => ({ perLot: r.perLot.times(scale).toNumber(), perTickLot: perTickLotAt(r).times(scale).toNumber() });
  const maker = fixed(fees.maker);
  const taker = fixed(fees.taker);
  if (![maker.perLot, maker.perTickLot, taker.perLot, taker.perTickLot].every(Number.isSafeInteger)) return decimal;
  return (liquidity, lots, priceTicks) => {
    const r = liquidity === 'maker' ? maker : taker;
    const ticksLots = lots * priceTicks;
    const perLot = r.perLot * lots;
    const notional = r.perTickLot * ticksLots;
    const units = perLot + notional;
    return Number.isInteger(lots) && Number.isInteger(priceTicks) && Number.isSafeInteger(ticksLots) && Number.isSafeInteger(perLot) && Number.isSafeInteger(notional) && Number.isSafeInteger(units)
      ? { units, places }
      : decimal(liquidity, lots, priceTicks);
  };
}

/**
 * A fill's notional in currency, tickSize × priceTicks × lotSize × lots × contractMultiplier, as a function of the
 * lots and the price for one instrument. Whole ticks and lots whose product is a safe integer take one
 * multiplication by the instrument's tickSize × lotSize × contractMultiplier: every product, this one and the
 * five-factor one, is then exact (within Decimal's 40 digits, see exactPerTickLot), so both are the same Decimal.
 * Anything else multiplies it out.
 */
export function fillNotional(i: CostInstrument): (lots: number, priceTicks: number) => Decimal {
  const multiplied = (lots: number, priceTicks: number): Decimal => i.tickSize.times(priceTicks).times(i.lotSize).times(lots).times(i.contractMultiplier);
  const perTickLot = exactPerTickLot(i);
  if (perTickLot === undefined) return multiplied;
  return (lots, priceTicks) => {
    const ticksLots = lots * priceTicks;
    return Number.isInteger(lots) && Number.isInteger(priceTicks) && Number.isSafeInteger(ticksLots) ? perTickLot.times(ticksLots) : multiplied(lots, priceTicks);
  };
}

/**
 * tickSize × lotSize × contractMultiplier, when the sizes leave room for a fill in Decimal's 40 digits: whole lots
 * and ticks with a safe product have at most 17 significant digits between them, so every product of a fill's
 * notional is exact when the three sizes have at most 23. Undefined when they have more.
 */
export function exactPerTickLot(i: CostInstrument): Decimal | undefined {
  if (i.tickSize.sd() + i.lotSize.sd() + i.contractMultiplier.sd() > 40 - 17) return undefined;
  return i.tickSize.times(i.lotSize).times(i.contractMultiplier);
}

/**
 * A funding payment, in currency: lots × lotSize × mark × contractMultiplier × rate. Positive is a cost: a long
 * pays a positive rate and a short receives it (a negative rate the other way round).
 */
export function fundingAmount(lots: number, mark: Decimal, rate: Decimal, i: CostInstrument): Decimal {
  return i.lotSize.times(lots).times(mark).times(i.contractMultiplier).times(rate);
}

const HOUR_MS = 3_600_000;

/** When funding falls due on a perpetual leg, and at what rate. */
export abstract class FundingSchedule {
  /** The first funding time strictly after `t` (ms since the epoch), with its rate; undefined when none is left. */
  abstract next(t: number): { at: number; rate: Decimal } | undefined;
  /** A stable description, to tell whether two legs share a schedule. */
  abstract readonly key: string;

  /** A constant rate every `everyHours` hours (a divisor of 24), at `atMinute` minutes past midnight UTC and every period from there. */
  static constant(rate: Decimal, everyHours: number, atMinute: number): FundingSchedule {
    return new ConstantFunding(rate, everyHours, atMinute);
  }

  /** Rates at given times (strictly increasing ms since the epoch), as read from a file. */
  static table(times: readonly number[], rates: readonly Decimal[], source: string): FundingSchedule {
    return new TabledFunding(times, rates, source);
  }
}

class ConstantFunding extends FundingSchedule {
  private readonly periodMs: number;
  private readonly offsetMs: number;
  readonly key: string;

  constructor(
    readonly rate: Decimal,
    everyHours: number,
    atMinute: number,
  ) {
    super();
    this.periodMs = everyHours * HOUR_MS;
    this.offsetMs = (atMinute * 60_000) % this.periodMs;
    // The same times, however `at` names them (08:00 or 16:00 every 8 h is 00:00 every 8 h).
    this.key = `constant ${rate.toFixed()} every ${everyHours} h from minute ${this.offsetMs / 60_000}`;
  }

  next(t: number): { at: number; rate: Decimal } {
    // Funding times are offset + k × period from the epoch (a midnight UTC): the same times every day, as the
    // period divides 24 hours.
    const k = Math.floor((t - this.offsetMs) / this.periodMs) + 1;
    return { at: this.offsetMs + k * this.periodMs, rate: this.rate };
  }
}

class TabledFunding extends FundingSchedule {
  readonly key: string;

  constructor(
    private readonly times: readonly number[],
    private readonly rates: readonly Decimal[],
    source: string,
  ) {
    super();
    this.key = `file ${source}`;
  }

  next(t: number): { at: number; rate: Decimal } | undefined {
    // The first time > t, by binary search.
    let lo = 0;
    let hi = this.times.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.times[mid]! > t) hi = mid;
      else lo = mid + 1;
    }
    return lo < this.times.length ? { at: this.times[lo]!, rate: this.rates[lo]! } : undefined;
  }
}

/** The latest (and earliest) time a Date holds, ms from 1970. */
const MAX_TIME = 8.64e15;

const TS_NAMES = ['ts', 'timestamp', 'time', 'calc_time', 'funding_time', 'fundingtime'];
const RATE_NAMES = ['rate', 'funding_rate', 'fundingrate', 'last_funding_rate'];

export interface FundingRows {
  times: number[];
  rates: Decimal[];
  /** Bad lines: 1-based line number and why; empty when the file is good. */
  errors: { line: number; reason: string }[];
}

/**
 * Reads a funding schedule: CSV with a header naming `ts` and `rate` (also Binance's `calc_time` and
 * `last_funding_rate`; other columns are ignored), one row per funding time. `ts` is epoch milliseconds or
 * ISO 8601 (UTC when it has no offset); `rate` a decimal fraction within ±maxRate (0.0001 = 1 bp). Rows must be
 * in strictly increasing time. Blank lines are passed over. Every bad line is listed; at most `maxRows` rows.
 */
export function parseFundingCsv(text: string, limits: { maxRows: number; maxRate: number }): FundingRows {
  const { maxRows, maxRate } = limits;
  const out: FundingRows = { times: [], rates: [], errors: [] };
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  let header: { ts: number; rate: number; width: number } | undefined;
  let lastTs = -Infinity;
  for (let n = 1; n <= lines.length; n++) {
    const line = lines[n - 1]!.replace(/\r$/, '');
    if (line.trim() === '') continue;
    const fields = line.split(',').map((f) => f.trim());
    if (!header) {
      const names = fields.map((f) => f.toLowerCase());
      const ts = names.findIndex((f) => TS_NAMES.includes(f));
      const rate = names.findIndex((f) => RATE_NAMES.includes(f));
      const missing = [...(ts < 0 ? ['ts'] : []), ...(rate < 0 ? ['rate'] : [])];
      if (missing.length > 0) {
        out.errors.push({ line: n, reason: `the header lacks ${missing.join(' and ')} (expected a header naming ts and rate, e.g. "ts,rate")` });
        return out;
      }
      header = { ts, rate, width: fields.length };
      continue;
    }
    if (out.times.length >= maxRows) {
      out.errors.push({ line: n, reason: `more than ${maxRows.toLocaleString('en-US')} funding rows` });
      return out;
    }
    if (fields.length < header.width) {
      out.errors.push({ line: n, reason: `${fields.length} fields, expected ${header.width}` });
      continue;
    }
    const tsText = fields[header.ts]!;
    const rateText = fields[header.rate]!;
    const ts = parseFundingTime(tsText);
    if (ts === undefined) {
      out.errors.push({ line: n, reason: `ts ${JSON.stringify(tsText)} is neither epoch milliseconds nor an ISO 8601 time` });
      continue;
    }
    const rate = parseDecimal(rateText);
    if (rate === undefined) {
      out.errors.push({ line: n, reason: `rate ${JSON.stringify(rateText)} is not a decimal number` });
      continue;
    }
    if (rate.abs().gt(maxRate)) {
      out.errors.push({ line: n, reason: `rate ${rateText} is outside ±${maxRate} (a fraction per funding time: 0.0001 is 1 bp)` });
      continue;
    }
    if (!(ts > lastTs)) {
      out.errors.push({ line: n, reason: `ts ${tsText} is not after the row before (${new Date(lastTs).toISOString()}): rows must be in time order, one per funding time` });
      continue;
    }
    lastTs = ts;
    out.times.push(ts);
    out.rates.push(rate);
  }
  if (!header) out.errors.push({ line: 1, reason: 'is empty: expected a header naming ts and rate, then one row per funding time' });
  else if (out.times.length === 0 && out.errors.length === 0) out.errors.push({ line: 1, reason: 'holds no funding rows' });
  return out;
}

/** Epoch milliseconds (a whole number) or ISO 8601 (UTC without an offset); undefined when neither or out of range. */
function parseFundingTime(text: string): number | undefined {
  let ms: number;
  if (/^\d+$/.test(text)) ms = Number(text);
  else {
    const d = DateTime.fromISO(text, { zone: 'UTC' });
    if (!d.isValid) return undefined;
    ms = d.toMillis();
  }
  return Number.isSafeInteger(ms) && Math.abs(ms) <= MAX_TIME ? ms : undefined;
}
