import { z } from 'zod';
import { parseDecimal } from '../domain/decimal.js';

/**
 * The shape of a Legato config file (YAML or JSON). Decimals may be written as strings or numbers and
 * are kept as strings. Defaults are documented here and in the README's config reference.
 * Nested objects use `prefault` so their own defaults apply when they are omitted (zod 4 semantics).
 */
const decimal = z
  .union([z.string(), z.number()])
  .transform((v) => String(v).trim())
  .refine((v) => parseDecimal(v) !== undefined, { message: 'must be a decimal number' });

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
  tradingMultiplier: z.number().int(),
  contractMultiplier: decimal.optional(),
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
  /** Target position in spread units. */
  target: z.number().int().positive(),
  /** Pre-trade risk for this strategy. */
  risk: z
    .strictObject({
      /** Refuse an entry order that, filled and left unhedged, would take the strategy's naked notional above this. Default: no limit. */
      maxNakedNotional: decimal.optional(),
    })
    .prefault({}),
  /** A leg quote older than this (ms) leaves the spread unquoted. Default 5000. */
  staleAfterMs: z.number().int().positive().default(5000),
  session: z
    .strictObject({
      /** Defaults to the venue's calendar. */
      calendar: calendarSchema.optional(),
      /** Stop launching, and stop running algos, this long before each session end. Default 60. */
      closingLeadSeconds: z.number().nonnegative().default(60),
    })
    .prefault({}),
  execution: z
    .strictObject({
      /** taker (cross the active leg at the trigger), contingent (all legs at once) or quoting (rest the active leg). Default taker. */
      kind: z.enum(['taker', 'contingent', 'quoting']).default('taker'),
      /** The leg worked first: an index or a symbol. Default: the first traded leg; for quoting, the least liquid leg at launch. */
      activeLeg: z.union([z.number().int().nonnegative(), z.string()]).optional(),
      /** Entry orders: ticks beyond the far touch (buy higher, sell lower). Default 1. */
      payupTicks: z.number().int().nonnegative().default(1),
      /** Entry orders older than this (ms) are re-priced; also the wait after a reject. Default 2000. */
      resubmitMs: z.number().int().positive().default(2000),
      /**
       * Taker: a resting entry order still at the price is kept (not cancelled and re-sent) unless the far
       * touch plus payup has moved at least this many ticks from its price (an autospreader's "slop"). Default 1.
       */
      repriceTicks: z.number().int().positive().default(1),
      /**
       * Taker: send a new entry slice while a hedge is working or a leg is naked (each slice then sized to what
       * the hedge legs show net of the hedges already working). Default false: one slice at a time.
       */
      entryWhileHedging: z.boolean().default(false),
      /** How a fill that is not a whole spread unit is hedged. Default nearest. */
      hedgeRounding: z.enum(['nearest', 'down', 'up']).default('nearest'),
      /** On a stop or a session close: complete the hedge, or unwind what filled. Default hedge. */
      stopPolicy: z.enum(['hedge', 'unwind']).default('hedge'),
      /** Contingent: how long the legs may take to fill before the rest is cancelled and the filled unwound. Default 2000. */
      legTimeoutMs: z.number().int().positive().default(2000),
      /** Quoting: re-quote when the implied price moves by at least this many ticks. Default 2. */
      requoteTicks: z.number().int().positive().default(2),
      /** Quoting: quote only while every hedge leg shows at least this many spread units (0 = always). Default 0. */
      minHedgeUnits: z.number().nonnegative().default(0),
      /** The hedge ladder. */
      hedge: z
        .strictObject({
          /**
           * Where the ladder starts when a leg is naked: `resting` (step 1, rest at the near touch plus payup) or
           * `crossing` (step 3 at once: the far touch plus crossPayupTicks, with no resting order first). Default resting.
           */
          firstStep: z.enum(['resting', 'crossing']).default('resting'),
          /** Step 1: rest the hedge at the near touch plus this many ticks. Default 1. */
          payupTicks: z.number().int().nonnegative().default(1),
          /** Step 2: look at hedge orders this often (ms); one is re-priced when its price would move. Default 1000. */
          repriceMs: z.number().int().positive().default(1000),
          /** A working hedge order is re-priced only when its price would move at least this many ticks. Default 1. */
          repriceTicks: z.number().int().positive().default(1),
          /** Step 3: after this long naked (ms), cross the spread. Default 3000. */
          crossAfterMs: z.number().int().nonnegative().default(3000),
          /** Crossing: the far touch plus this many ticks ... Default 2. */
          crossPayupTicks: z.number().int().nonnegative().default(2),
          /** ... no worse than this many ticks beyond the far touch when the ladder began. Default 10. */
          maxCrossTicks: z.number().int().nonnegative().default(10),
          /** Step 4: after this long naked (ms), unwind what filled. Default 10000. */
          unwindAfterMs: z.number().int().nonnegative().default(10_000),
          /** Unwinding: the far touch plus this many ticks. Default 5. */
          unwindPayupTicks: z.number().int().nonnegative().default(5),
          /** Give up unwinding after this long (ms) and report the residual. Default 60000. */
          giveUpAfterMs: z.number().int().positive().default(60_000),
        })
        .prefault({}),
    })
    .prefault({}),
});

/** What every venue's instruments share with the exchange core. */
const exchangeInstrumentFields = {
  /** This leg's own one-way latencies, ms; each defaults to venue.latencyMs. */
  latency: z
    .strictObject({
      submitMs: z.number().nonnegative().optional(),
      cancelMs: z.number().nonnegative().optional(),
      reportMs: z.number().nonnegative().optional(),
    })
    .optional(),
  /** Queue position for resting orders. Default true. */
  queue: z.boolean().default(true),
};

export const instrumentSchema = z.strictObject({
  symbol: z.string().min(1),
  tickSize: decimal,
  lotSize: decimal,
  quoteIntervalMs: z.number().positive().default(500),
  size: z.strictObject({ min: z.number().int().positive(), max: z.number().int().positive() }).prefault({ min: 5, max: 100 }),
  widthTicks: z.number().int().positive().default(1),
  start: decimal.optional(),
  volatility: decimal.optional(),
  follows: z
    .strictObject({
      symbol: z.string(),
      beta: decimal,
      mean: decimal,
      sd: decimal,
      halfLifeSeconds: z.number().positive(),
    })
    .optional(),
  ...exchangeInstrumentFields,
});

const rate = z.number().min(0).max(1);

/** Seeded venue faults; every rate defaults to 0 (none). */
export const faultsSchema = z.strictObject({
  rejectRate: rate.default(0),
  cancelRejectRate: rate.default(0),
  duplicateRate: rate.default(0),
  lateRate: rate.default(0),
  lateMs: z.number().nonnegative().default(500),
  disconnects: z.array(z.strictObject({ afterMs: z.number().nonnegative(), durationMs: z.number().positive() })).default([]),
});

export const venueSchema = z.strictObject({
  kind: z.literal('simulated'),
  /** Seed of the simulated market; `--seed` overrides it. Default 1. */
  seed: z.number().int().default(1),
  /** One-way latency, ms. Default 20. */
  latencyMs: z.number().nonnegative().default(20),
  calendar: calendarSchema,
  instruments: z.array(instrumentSchema).min(1),
  faults: faultsSchema.prefault({}),
});

/** Always open: the default calendar of a replay. */
export const ALWAYS_OPEN = { timeZone: 'UTC', days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const, sessions: [{ start: '00:00', end: '00:00' }] };

export const replayInstrumentSchema = z.strictObject({
  symbol: z.string().min(1),
  tickSize: decimal,
  lotSize: decimal,
  /** Quotes wider than this many ticks are bad data. Default: no limit. */
  maxWidthTicks: z.number().positive().optional(),
  ...exchangeInstrumentFields,
});

/** A backtest venue: recorded quotes (given with --data) matched by the same exchange core. */
export const replayVenueSchema = z.strictObject({
  kind: z.literal('replay'),
  /** Seeds the fault stream. Default 1. */
  seed: z.number().int().default(1),
  latencyMs: z.number().nonnegative().default(20),
  /** When orders are accepted. Default: always. */
  calendar: calendarSchema.optional(),
  instruments: z.array(replayInstrumentSchema).min(1),
  faults: faultsSchema.prefault({}),
});

/** Pre-trade risk, checked on every order before it leaves (see README: Pre-trade risk). Every limit is off unless set. */
export const riskSchema = z.strictObject({
  /** New orders per window for the venue; an order over the budget waits, unsent, in its `throttled` state. */
  orderRate: z.strictObject({ maxOrders: z.number().int().positive(), perMs: z.number().int().positive() }).optional(),
  /** Refuse a buy priced more than this many ticks above its leg's last fresh ask (a sell below the bid). */
  priceBandTicks: z.number().int().nonnegative().optional(),
  /** Per instrument, across all strategies. */
  instruments: z
    .array(
      z.strictObject({
        symbol: z.string().min(1),
        /** Largest |position|, lots, counting every working order on the same side as filled. */
        maxPosition: z.number().int().positive().optional(),
        /** Largest order, lots (taker slices and quotes are sized within it). */
        maxOrderLots: z.number().int().positive().optional(),
        /** Largest |position| × price × lot value, in currency, worst case as for maxPosition. */
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
      /** Simulated days to run (24 h each). Default 1. A replay runs to the end of its data. */
      days: z.number().positive().default(1),
    })
    .prefault({}),
  // The venue's kind defaults to simulated.
  venue: z.preprocess(
    (v) => (v !== null && typeof v === 'object' && !('kind' in v) ? { ...v, kind: 'simulated' } : v),
    z.discriminatedUnion('kind', [venueSchema, replayVenueSchema]),
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

/** A config as written: the venue's kind may be left out (simulated). */
export type ConfigInput = Omit<z.input<typeof configSchema>, 'venue'> & {
  venue: (Omit<z.input<typeof venueSchema>, 'kind'> & { kind?: 'simulated' }) | z.input<typeof replayVenueSchema>;
};
export type ConfigShape = z.output<typeof configSchema>;
