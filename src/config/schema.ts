import { z } from 'zod';
import { parseDecimal } from '../domain/decimal.js';

/**
 * The shape of a Legato config file (YAML or JSON). Decimals may be written as strings or numbers and
 * are kept as strings; each is at most 10^15 in absolute value. Defaults and bounds (LIMITS) are documented
 * here and in the README's config reference.
 * Nested objects use `prefault` so their own defaults apply when they are omitted (zod 4 semantics).
 */
/**
 * The bounds of a config's numbers, documented at each field and in the README's config reference: every
 * number has a finite upper bound, so no value runs forever, never trades or overflows.
 */
export const LIMITS = {
  /** run.days (and --days). */
  maxDays: 3660,
  /** Timeouts and intervals of an algo or a risk window, ms: one day. */
  maxTimeoutMs: 86_400_000,
  /** One-way latencies, ms: a minute. */
  maxLatencyMs: 60_000,
  /** A simulated instrument's mean time between quotes, ms: 1 ms to an hour. */
  minQuoteIntervalMs: 1,
  maxQuoteIntervalMs: 3_600_000,
  /** Pay-ups, re-price thresholds, quote widths and price bands, ticks. */
  maxTicks: 10_000,
  /** A replay's maxWidthTicks. */
  maxWidthTicks: 1_000_000,
  /** target and minHedgeUnits, spread units. */
  maxUnits: 1_000_000,
  /** |tradingMultiplier|, lots per spread unit, and a simulated instrument's displayed size, lots. */
  maxLots: 1_000_000,
  /** Risk limits in lots, and orders per order-rate window. */
  maxRiskLots: 1_000_000_000,
  maxOrders: 1_000_000,
  /** closingLeadSeconds: shorter than a day. */
  closingLeadSecondsBelow: 86_400,
  /** follows.halfLifeSeconds: a year (366 days). */
  maxHalfLifeSeconds: 31_622_400,
  /** Fault times (disconnects), ms: the longest run. */
  maxRunMs: 3660 * 86_400_000,
  /** Every decimal (prices, sizes, multipliers, notionals): at most 10^15 in absolute value. */
  maxDecimal: 1e15,
  /** The smallest instrument tick size: 10^-9. */
  minTickSize: '0.000000001',
  /** A simulated instrument's reference price (its start, or beta × the other's + mean) and sd, ticks. */
  maxPriceTicks: 1e12,
  /** Spread prices stay exact integers (below 2^53 scaled units) up to this multiple of the venue's reference prices. */
  spreadHeadroom: 1000,
  /** YAML aliases (*name) a config file may resolve: refuses "billion laughs" alias bombs. */
  maxAliasCount: 100,
  /** YAML nesting, counted as open brackets plus each line's indentation columns and block indicators. */
  maxNesting: 200,
  /** A fee's fixed part, currency per lot: within ±1,000,000 (a maker's may be negative: a rebate). */
  maxFeePerLot: 1_000_000,
  /** A fee's proportional part, basis points of the notional: within ±1,000 (10%; a maker's may be negative). */
  maxFeeBps: 1000,
  /** A funding rate, a fraction per funding time: within ±1 (0.0001 is 1 bp). */
  maxFundingRate: 1,
  /** A constant funding's period, hours: a divisor of 24 (1 to 24). */
  maxFundingHours: 24,
  /** A funding file: at most this many rows ... */
  maxFundingRows: 1_000_000,
  /** ... and bytes (64 MiB). */
  maxFundingFileBytes: 64 * 1024 * 1024,
  /** A FIX venue's HeartBtInt, seconds: 1 to 300 (a gateway silent 2.5 × it is lost). */
  maxFixHeartbeatSeconds: 300,
} as const;

const fmt = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 20 });

/** A finite number within documented bounds; a value outside is refused with the bound, e.g. "must be at most 86,400,000 ms (a day)". */
function num(b: { int?: boolean; gt?: number; min?: number; max?: number; lt?: number; unit?: string; note?: string }) {
  const unit = b.unit ? ` ${b.unit}` : '';
  const upper = `${unit}${b.note ? ` (${b.note})` : ''}`;
  return z.number().superRefine((v, ctx) => {
    const why =
      b.int && !Number.isInteger(v)
        ? 'must be a whole number'
        : b.gt !== undefined && !(v > b.gt)
          ? `must be greater than ${fmt(b.gt)}`
          : b.min !== undefined && v < b.min
            ? `must be at least ${fmt(b.min)}${unit}`
            : b.max !== undefined && v > b.max
              ? `must be at most ${fmt(b.max)}${upper}`
              : b.lt !== undefined && !(v < b.lt)
                ? `must be less than ${fmt(b.lt)}${upper}`
                : undefined;
    if (why) ctx.addIssue({ code: 'custom', message: why });
  });
}
/** Whole milliseconds, at most a day. */
const timeoutMs = (zero: 'zero' | 'positive') => num({ int: true, ...(zero === 'zero' ? { min: 0 } : { gt: 0 }), max: LIMITS.maxTimeoutMs, unit: 'ms', note: 'a day' });
/** Whole ticks, at most 10,000. */
const ticks = (zero: 'zero' | 'positive') => num({ int: true, ...(zero === 'zero' ? { min: 0 } : { gt: 0 }), max: LIMITS.maxTicks, unit: 'ticks' });
/** A one-way latency, ms, 0 to 60,000 (a minute). */
const latencyMs = () => num({ min: 0, max: LIMITS.maxLatencyMs, unit: 'ms', note: 'a minute' });

const decimal = z
  .union([z.string(), z.number()])
  .transform((v) => String(v).trim())
  .refine((v) => parseDecimal(v) !== undefined, { message: 'must be a decimal number' })
  .refine((v) => parseDecimal(v)?.abs().lte(LIMITS.maxDecimal) ?? true, { message: 'must be at most 10^15 in absolute value' });

/** A decimal within ±max, or from 0 to max when `negative` is false (a taker's fee); `unit` and `note` name the bound. */
function boundedDecimal(max: number, unit: string, note: string | undefined, negative: boolean) {
  const u = `${unit ? ` ${unit}` : ''}${note ? ` (${note})` : ''}`;
  return decimal.superRefine((v, ctx) => {
    const d = parseDecimal(v);
    // Not a decimal, or beyond 10^15: already said.
    if (!d || d.abs().gt(LIMITS.maxDecimal)) return;
    const why = !negative && d.isNegative() && !d.isZero()
      ? 'must not be negative: a taker pays (only a maker fee may be negative, a rebate)'
      : d.abs().gt(max)
        ? negative
          ? `must be within ±${fmt(max)}${u}`
          : `must be at most ${fmt(max)}${u}`
        : undefined;
    if (why) ctx.addIssue({ code: 'custom', message: why });
  });
}

/** One side's fee; both parts optional (default 0) and summed. */
const feeRate = (rebate: boolean) =>
  z.strictObject({
    /** Currency per lot filled (a lot is the leg's lotSize). Within ±1,000,000; a taker's not negative. Default 0. */
    perLot: boundedDecimal(LIMITS.maxFeePerLot, 'currency per lot', undefined, rebate).optional(),
    /** Basis points of the fill's notional (qty × price × contractMultiplier). Within ±1,000; a taker's not negative. Default 0. */
    bps: boundedDecimal(LIMITS.maxFeeBps, 'bps', '10% of the notional', rebate).optional(),
  });

const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;

const weekday = z.enum(['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']);

export const calendarSchema = z.strictObject({
  timeZone: z.string(),
  days: z.array(weekday),
  sessions: z.array(z.strictObject({ start: z.string(), end: z.string(), days: z.array(weekday).optional() })),
  holidays: z.array(z.string()).optional(),
  /**
   * Early closes and late opens on single local dates (exchange holiday schedules), at most one entry per
   * date. Each bound is optional but one is needed; a session left with no time that day is dropped.
   */
  shortDays: z
    .array(
      z.strictObject({
        /** The local date, "yyyy-MM-dd". */
        date: z.string(),
        /** "HH:mm" local: sessions that start on `date`, or are open at this time, start no earlier (a late open). */
        open: z.string().optional(),
        /** "HH:mm" local, after `open`: sessions that end on `date`, or are open at this time, end no later (an early close). */
        close: z.string().optional(),
      }),
    )
    .optional(),
});

export const legSchema = z.strictObject({
  symbol: z.string().min(1),
  tickSize: decimal,
  lotSize: decimal,
  priceMultiplier: decimal,
  /** Whole lots per spread unit, -1,000,000 to 1,000,000. */
  tradingMultiplier: num({ int: true, min: -LIMITS.maxLots, max: LIMITS.maxLots, unit: 'lots' }),
  contractMultiplier: decimal.optional(),
  /**
   * What this leg's fills pay (see docs/costs.md): `maker` for a resting order filled, `taker` for one that
   * crossed on arrival (and for a fill whose venue does not say). Each side's `perLot` and `bps` are summed.
   * Default: no fees.
   */
  fees: z.strictObject({ maker: feeRate(true).optional(), taker: feeRate(false).optional() }).optional(),
  /**
   * Funding on a perpetual leg, charged on the position held at each funding time (a long pays a positive
   * rate): either a constant `rate` every `everyHours` from `at`, or a `file` of rates per funding time.
   * Default: no funding.
   */
  funding: z
    .strictObject({
      /** A constant rate, a fraction per funding time within ±1 (0.0001 is 1 bp). */
      rate: boundedDecimal(LIMITS.maxFundingRate, '', 'a fraction per funding time: 0.0001 is 1 bp', true).optional(),
      /** With `rate`: hours between funding times, a divisor of 24 (1, 2, 3, 4, 6, 8, 12, 24). Default 8. */
      everyHours: num({ int: true, gt: 0, max: LIMITS.maxFundingHours, unit: 'hours' }).optional(),
      /** With `rate`: a funding time, "HH:mm" UTC; the others follow every `everyHours`. Default "00:00". */
      at: z.string().regex(HH_MM, 'must be a UTC time "HH:mm" (00:00 to 23:59)').optional(),
      /**
       * A CSV of funding times and rates (header `ts,rate`; ts epoch ms or ISO 8601, UTC without an offset),
       * relative to the config file's directory. At most 1,000,000 rows and 64 MiB.
       */
      file: z.string().min(1).optional(),
    })
    .optional(),
});

export const strategySchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'may hold only letters, digits, "_", "." and "-"'),
  legs: z.array(legSchema).min(1, 'must list at least one leg'),
  triggers: z.strictObject({
    longEntry: decimal.optional(),
    longExit: decimal.optional(),
    shortEntry: decimal.optional(),
    shortExit: decimal.optional(),
  }),
  /** Target position in spread units, 1 to 1,000,000. */
  target: num({ int: true, gt: 0, max: LIMITS.maxUnits, unit: 'spread units' }),
  /** Pre-trade risk for this strategy. */
  risk: z
    .strictObject({
      /** Refuse an entry order that, filled and left unhedged, would take the strategy's naked notional above this. Default: no limit. */
      maxNakedNotional: decimal.optional(),
    })
    .prefault({}),
  /** A leg quote older than this (ms) leaves the spread unquoted. Default 5000; at most a day. */
  staleAfterMs: timeoutMs('positive').default(5000),
  session: z
    .strictObject({
      /** Defaults to the venue's calendar. */
      calendar: calendarSchema.optional(),
      /** Stop launching, and stop running algos, this long before each session end. Default 60; shorter than a day (< 86,400). */
      closingLeadSeconds: num({ min: 0, lt: LIMITS.closingLeadSecondsBelow, unit: 's', note: 'a day' }).default(60),
    })
    .prefault({}),
  execution: z
    .strictObject({
      /** taker (cross the active leg at the trigger), contingent (all legs at once) or quoting (rest the active leg). Default taker. */
      kind: z.enum(['taker', 'contingent', 'quoting']).default('taker'),
      /**
       * The leg worked first: an index (below the number of legs, checked with the legs) or a symbol. Default: the
       * first traded leg; for quoting, the least liquid leg at launch.
       */
      activeLeg: z.union([num({ int: true, min: 0, max: LIMITS.maxLots }), z.string()]).optional(),
      /** Entry orders: ticks beyond the far touch (buy higher, sell lower). Default 1; at most 10,000. */
      payupTicks: ticks('zero').default(1),
      /** Entry orders older than this (ms) are re-priced; also the wait after a reject. Default 2000; at most a day. */
      resubmitMs: timeoutMs('positive').default(2000),
      /**
       * Taker: a resting entry order still at the price is kept (not cancelled and re-sent) unless the far
       * touch plus payup has moved at least this many ticks from its price (an autospreader's "slop"). Default 1;
       * at most 10,000.
       */
      repriceTicks: ticks('positive').default(1),
      /**
       * Taker: send a new entry slice while a hedge is working or a leg is naked (each slice then sized to what
       * the hedge legs show net of the hedges already working). Default false: one slice at a time.
       */
      entryWhileHedging: z.boolean().default(false),
      /** How a fill that is not a whole spread unit is hedged. Default nearest. */
      hedgeRounding: z.enum(['nearest', 'down', 'up']).default('nearest'),
      /** On a stop or a session close: complete the hedge, or unwind what filled. Default hedge. */
      stopPolicy: z.enum(['hedge', 'unwind']).default('hedge'),
      /** Contingent: how long the legs may take to fill before the rest is cancelled and the filled unwound. Default 2000; at most a day. */
      legTimeoutMs: timeoutMs('positive').default(2000),
      /** Quoting: re-quote when the implied price moves by at least this many ticks. Default 2; at most 10,000. */
      requoteTicks: ticks('positive').default(2),
      /** Quoting: quote only while every hedge leg shows at least this many spread units (0 = always). Default 0; at most 1,000,000. */
      minHedgeUnits: num({ min: 0, max: LIMITS.maxUnits, unit: 'spread units' }).default(0),
      /** The hedge ladder. */
      hedge: z
        .strictObject({
          /**
           * Where the ladder starts when a leg is naked: `resting` (step 1, rest at the near touch plus payup) or
           * `crossing` (step 3 at once: the far touch plus crossPayupTicks, with no resting order first). Default resting.
           */
          firstStep: z.enum(['resting', 'crossing']).default('resting'),
          // Ticks are at most 10,000 and times (ms) at most a day (86,400,000).
          /** Step 1: rest the hedge at the near touch plus this many ticks. Default 1. */
          payupTicks: ticks('zero').default(1),
          /** Step 2: look at hedge orders this often (ms); one is re-priced when its price would move. Default 1000. */
          repriceMs: timeoutMs('positive').default(1000),
          /** A working hedge order is re-priced only when its price would move at least this many ticks. Default 1. */
          repriceTicks: ticks('positive').default(1),
          /** Step 3: after this long naked (ms), cross the spread. Default 3000. */
          crossAfterMs: timeoutMs('zero').default(3000),
          /** Crossing: the far touch plus this many ticks ... Default 2. */
          crossPayupTicks: ticks('zero').default(2),
          /** ... no worse than this many ticks beyond the far touch when the ladder began. Default 10. */
          maxCrossTicks: ticks('zero').default(10),
          /** Step 4: after this long naked (ms), unwind what filled. Default 10000. */
          unwindAfterMs: timeoutMs('zero').default(10_000),
          /** Unwinding: the far touch plus this many ticks. Default 5. */
          unwindPayupTicks: ticks('zero').default(5),
          /** Give up unwinding after this long (ms) and report the residual. Default 60000. */
          giveUpAfterMs: timeoutMs('positive').default(60_000),
        })
        .prefault({}),
    })
    .prefault({}),
});

/**
 * Every venue's: how long an order waits for the venue's answer (its acknowledgement, a cancel's or a replace's
 * answer, the fills a cancel confirmation counted) before the engine chases it: records the silence, asks the venue
 * for the order's status where it can, and sends a cancel or a replace again. At most a day. Default 5,000, or, on a
 * simulated or replay venue, twice the longest round trip if that is longer; there it must be longer than the
 * longest round trip (checked with the latencies, src/config/resolve.ts).
 */
const answerTimeoutField = { answerTimeoutMs: timeoutMs('positive').optional() };

/** What every venue's instruments share with the exchange core. */
const exchangeInstrumentFields = {
  /** This leg's own one-way latencies, ms; each defaults to venue.latencyMs; at most 60,000 (a minute). */
  latency: z
    .strictObject({
      submitMs: latencyMs().optional(),
      cancelMs: latencyMs().optional(),
      reportMs: latencyMs().optional(),
    })
    .optional(),
  /** Queue position for resting orders. Default true. */
  queue: z.boolean().default(true),
};

export const instrumentSchema = z.strictObject({
  symbol: z.string().min(1),
  tickSize: decimal,
  lotSize: decimal,
  /** Mean time between quote updates, ms. Default 500; 1 to 3,600,000 (an hour). */
  quoteIntervalMs: num({ min: LIMITS.minQuoteIntervalMs, max: LIMITS.maxQuoteIntervalMs, unit: 'ms' }).default(500),
  /** Displayed size per side, lots. Default 5..100; each 1 to 1,000,000. */
  size: z
    .strictObject({ min: num({ int: true, gt: 0, max: LIMITS.maxLots, unit: 'lots' }), max: num({ int: true, gt: 0, max: LIMITS.maxLots, unit: 'lots' }) })
    .prefault({ min: 5, max: 100 }),
  /** Bid–ask width, ticks. Default 1; at most 10,000. */
  widthTicks: ticks('positive').default(1),
  /** A random walk's start price, > 0, at most 10^12 ticks (checked with the tick size). */
  start: decimal.optional(),
  /** Price units per √second, > 0 and at most the start price. */
  volatility: decimal.optional(),
  follows: z
    .strictObject({
      symbol: z.string(),
      beta: decimal,
      mean: decimal,
      /** Not negative; at most 10^12 ticks. */
      sd: decimal,
      /** At most 31,622,400 (a year). */
      halfLifeSeconds: num({ gt: 0, max: LIMITS.maxHalfLifeSeconds, unit: 's', note: 'a year' }),
    })
    .optional(),
  ...exchangeInstrumentFields,
});

const rate = z.number().min(0).max(1);

/** Seeded venue faults; every rate is a probability from 0 to 1 and defaults to 0 (none). */
export const faultsSchema = z.strictObject({
  rejectRate: rate.default(0),
  cancelRejectRate: rate.default(0),
  duplicateRate: rate.default(0),
  lateRate: rate.default(0),
  /** Default 500; at most 86,400,000 (a day). */
  lateMs: timeoutMs('zero').default(500),
  /** Each time at most 316,224,000,000 ms (3660 days, the longest run). */
  disconnects: z
    .array(
      z.strictObject({
        afterMs: num({ min: 0, max: LIMITS.maxRunMs, unit: 'ms', note: '3660 days' }),
        durationMs: num({ gt: 0, max: LIMITS.maxRunMs, unit: 'ms', note: '3660 days' }),
      }),
    )
    .default([]),
});

export const venueSchema = z.strictObject({
  kind: z.literal('simulated'),
  /** Seed of the simulated market; `--seed` overrides it. Default 1; a whole number within ±(2^53 − 1). */
  seed: z.number().int().default(1),
  /** One-way latency, ms. Default 20; at most 60,000 (a minute). */
  latencyMs: latencyMs().default(20),
  calendar: calendarSchema,
  instruments: z.array(instrumentSchema).min(1),
  ...answerTimeoutField,
  faults: faultsSchema.prefault({}),
});

/** Always open: the default calendar of a replay. */
export const ALWAYS_OPEN = { timeZone: 'UTC', days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const, sessions: [{ start: '00:00', end: '00:00' }] };

export const replayInstrumentSchema = z.strictObject({
  symbol: z.string().min(1),
  tickSize: decimal,
  lotSize: decimal,
  /** Quotes wider than this many ticks are bad data. Default: no limit; at most 1,000,000. */
  maxWidthTicks: num({ gt: 0, max: LIMITS.maxWidthTicks, unit: 'ticks' }).optional(),
  ...exchangeInstrumentFields,
});

/** A backtest venue: recorded quotes (given with --data) matched by the same exchange core. */
export const replayVenueSchema = z.strictObject({
  kind: z.literal('replay'),
  /** Seeds the fault stream. Default 1; a whole number within ±(2^53 − 1). */
  seed: z.number().int().default(1),
  /** One-way latency, ms. Default 20; at most 60,000 (a minute). */
  latencyMs: latencyMs().default(20),
  /** When orders are accepted. Default: always. */
  calendar: calendarSchema.optional(),
  instruments: z.array(replayInstrumentSchema).min(1),
  ...answerTimeoutField,
  faults: faultsSchema.prefault({}),
});

/** A host name (letters, digits, dots, hyphens), an IPv4 address, or an IPv6 address in brackets or bare. */
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?|\[?[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*\]?)$/;

/**
 * A FIX 4.4 venue (a broker's gateway, or `legato venue --protocol fix`): the engine connects as the initiator.
 * Only what is not secret is here: the CompIDs, user name and password come from the environment or a
 * credentials file (`--fix-credentials`), never from the config. The instruments are the legs' symbols with
 * their tick and lot sizes (Price = ticks × tickSize, OrderQty = lots × lotSize on the wire). See docs/fix.md.
 */
export const fixVenueSchema = z.strictObject({
  kind: z.literal('fix'),
  /** The gateway's host name or address. */
  host: z.string().max(253).regex(HOST, 'must be a host name or an IP address'),
  /** Its TCP port, 1 to 65535. */
  port: num({ int: true, min: 1, max: 65_535 }),
  /** HeartBtInt asked for, seconds. Default 30; 1 to 300. */
  heartbeatSeconds: num({ int: true, min: 1, max: LIMITS.maxFixHeartbeatSeconds, unit: 's' }).default(30),
  /**
   * The session store (sequence numbers, messages sent, orders.jsonl), relative to the working directory.
   * Default: `fix` in the data directory. Keep it with the journal: without it the session starts over.
   */
  storeDir: z.string().min(1).max(4096).optional(),
  /** `wall` (default): the engine runs on the wall clock (a broker); `venue`: it follows SendingTime (52) (a simulated venue). */
  clock: z.enum(['wall', 'venue']).default('wall'),
  /** Trading hours (strategies' sessions default to it). Default: always open. */
  calendar: calendarSchema.optional(),
  /** Account (1) on orders and the party of RequestForPositions. Default LEGATO; 1 to 64 printable ASCII characters. */
  account: z.string().regex(/^[\x21-\x7e][\x20-\x7e]{0,63}$/, 'must be 1 to 64 printable ASCII characters, not starting with a space').optional(),
  /** Subscribe to top of book (MarketDataRequest) for every leg at logon. Default true. */
  marketData: z.boolean().default(true),
  /** Ask for positions (RequestForPositions) when reconciling. Default true; a gateway without it: false. */
  positions: z.boolean().default(true),
  ...answerTimeoutField,
});

/** Pre-trade risk, checked on every order before it leaves (see README: Pre-trade risk). Every limit is off unless set. */
export const riskSchema = z.strictObject({
  /**
   * New orders per window for the venue; an order over the budget waits, unsent, in its `throttled` state.
   * maxOrders 1 to 1,000,000; perMs 1 to 86,400,000 (a day).
   */
  orderRate: z.strictObject({ maxOrders: num({ int: true, gt: 0, max: LIMITS.maxOrders, unit: 'orders' }), perMs: timeoutMs('positive') }).optional(),
  /** Refuse a buy priced more than this many ticks above its leg's last fresh ask (a sell below the bid). At most 10,000. */
  priceBandTicks: ticks('zero').optional(),
  /** Per instrument, across all strategies. */
  instruments: z
    .array(
      z.strictObject({
        symbol: z.string().min(1),
        /** Largest |position|, lots, counting every working order on the same side as filled. 1 to 1,000,000,000. */
        maxPosition: num({ int: true, gt: 0, max: LIMITS.maxRiskLots, unit: 'lots' }).optional(),
        /** Largest order, lots (taker slices and quotes are sized within it). 1 to 1,000,000,000. */
        maxOrderLots: num({ int: true, gt: 0, max: LIMITS.maxRiskLots, unit: 'lots' }).optional(),
        /** Largest |position| × price × lot value, in currency, worst case as for maxPosition. > 0, at most 10^15. */
        maxNotional: decimal.optional(),
      }),
    )
    .default([]),
});

export const configSchema = z.strictObject({
  run: z
    .strictObject({
      /** ISO 8601 start; without an offset it is read in the venue calendar's time zone. A replay starts with its data. */
      start: z.string().optional(),
      /** Simulated days to run (24 h each). Default 1; > 0 and at most 3660 (ten years). A replay runs to the end of its data. */
      days: num({ gt: 0, max: LIMITS.maxDays, unit: 'days' }).default(1),
    })
    .prefault({}),
  // The venue's kind defaults to simulated.
  venue: z.preprocess(
    (v) => (v !== null && typeof v === 'object' && !('kind' in v) ? { ...v, kind: 'simulated' } : v),
    z.discriminatedUnion('kind', [venueSchema, replayVenueSchema, fixVenueSchema]),
  ),
  strategies: z.array(strategySchema).min(1, 'must list at least one strategy'),
  risk: riskSchema.optional(),
  /** The journal, when a run keeps one (`legato run --data-dir`, `--resume`, `--venue`). */
  journal: z
    .strictObject({
      /** The data directory; `--data-dir` overrides it. Default: $LEGATO_DATA_DIR, else ./.legato. */
      dir: z.string().min(1).optional(),
      /** Orders open at the venue that the run does not know, found when it starts or resumes: cancel (default) or leave. */
      unknownOrders: z.enum(['cancel', 'leave']).default('cancel'),
    })
    .optional(),
});

/** A config for the simulated venue, as written. */
export type SimulatedConfigInput = Omit<z.input<typeof configSchema>, 'venue'> & {
  venue: Omit<z.input<typeof venueSchema>, 'kind'> & { kind?: 'simulated' };
};

/**
 * A config as written, typed: what `resolveConfig` takes (or a FixConfigInput), so a host's misspelled field fails
 * to compile. The venue's kind may be left out (simulated). (A FIX venue's config is not swept: see fixVenueSchema.)
 */
export type ConfigInput = Omit<z.input<typeof configSchema>, 'venue'> & {
  venue: (Omit<z.input<typeof venueSchema>, 'kind'> & { kind?: 'simulated' }) | z.input<typeof replayVenueSchema>;
};
/** A config for a FIX venue (a broker's gateway), as written. */
export type FixConfigInput = Omit<z.input<typeof configSchema>, 'venue'> & { venue: z.input<typeof fixVenueSchema> };
export type ConfigShape = z.output<typeof configSchema>;
