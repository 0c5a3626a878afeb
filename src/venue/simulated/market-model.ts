import type { Random } from './random.js';

/**
 * A seeded model of correlated instruments. Each `base` instrument's mid is a random walk; each follower's
 * mid is beta · base + s, where s is an Ornstein–Uhlenbeck process around `mean` (a cointegrated pair).
 *
 * The processes move in groups (a base and the instruments that follow it), and lazily: reading a mid at time t
 * moves only that instrument's group, from the time the group was last read to t, by the exact discretisation over
 * the gap (so the size of the step does not matter). A quote therefore costs the same however many other
 * instruments the venue lists. Within a group every process advances on one time line, so quotes of any of its legs
 * read one consistent state.
 *
 * The draws come from the venue's one stream, in the order the model always drew them within a group (the base,
 * then its followers in the order listed): a venue whose instruments form one group (the demo's pair) sees the same
 * market for a seed as when every process moved on every quote. With several groups, a quote no longer draws for
 * the groups it does not read, so the same seed gives another (equally random) market than before.
 */
export interface BaseModel {
  symbol: string;
  start: number;
  /** Price units per √second. */
  volatility: number;
}
export interface FollowerModel {
  symbol: string;
  follows: string;
  beta: number;
  mean: number;
  /** Stationary standard deviation of s. */
  sd: number;
  halfLifeSeconds: number;
}

/** A follower as a group moves it: its model's numbers copied beside its state (one object read per move). */
interface Follower {
  readonly beta: number;
  readonly mean: number;
  readonly sd: number;
  readonly kappa: number;
  /** s, the follower's spread to beta · base. */
  level: number;
}

/** A base and its followers: the processes that move together. */
interface Group {
  /** The base's volatility (price units per √second). */
  readonly volatility: number;
  readonly followers: Follower[];
  level: number;
  /** When the group last moved (ms); null before the model starts. */
  t: number | null;
}

export class MarketModel {
  private readonly groups: Group[] = [];
  /** Per symbol: its group, and its follower record (undefined for the base). */
  private readonly of = new Map<string, { group: Group; follower: Follower | undefined }>();

  constructor(
    private readonly random: Random,
    bases: BaseModel[],
    followers: FollowerModel[],
  ) {
    for (const b of bases) {
      const group: Group = { volatility: b.volatility, followers: [], level: b.start, t: null };
      this.groups.push(group);
      this.of.set(b.symbol, { group, follower: undefined });
    }
    for (const f of followers) {
      const base = this.of.get(f.follows);
      if (!base || base.follower !== undefined) throw new Error(`MarketModel: ${f.symbol} follows ${f.follows}, which is not a random-walk instrument`);
      const follower: Follower = { beta: f.beta, mean: f.mean, sd: f.sd, kappa: Math.LN2 / f.halfLifeSeconds, level: f.mean };
      base.group.followers.push(follower);
      this.of.set(f.symbol, { group: base.group, follower });
    }
  }

  /** The model starts at `t` (ms): every process is at its start level then. */
  start(t: number): void {
    for (const g of this.groups) g.t ??= t;
  }

  /** The model's fair price of a symbol at time `t` (ms): its group moves to `t` first (never back in time). */
  mid(symbol: string, t: number): number {
    return this.priceOf(symbol)(t);
  }

  /**
   * `mid` of one symbol, resolved once: a venue reads it on every quote, and with thousands of instruments a
   * look-up by name per quote reads a table that is no longer in the CPU's caches.
   */
  priceOf(symbol: string): (t: number) => number {
    const o = this.of.get(symbol);
    if (o === undefined) throw new Error(`MarketModel: unknown symbol ${symbol}`);
    const g = o.group;
    const f = o.follower;
    if (f === undefined) {
      return (t) => {
        this.advance(g, t);
        return g.level;
      };
    }
    return (t) => {
      this.advance(g, t);
      return f.beta * g.level + f.level;
    };
  }

  /** Moves a group to `t`: the base's random walk, then each follower's spread; exact discretisation. */
  private advance(g: Group, t: number): void {
    if (g.t === null) {
      g.t = t;
      return;
    }
    if (t <= g.t) return;
    const dt = (t - g.t) / 1000;
    g.t = t;
    g.level = g.level + g.volatility * Math.sqrt(dt) * this.random.normal();
    for (const f of g.followers) {
      const decay = Math.exp(-f.kappa * dt);
      f.level = f.mean + (f.level - f.mean) * decay + f.sd * Math.sqrt(1 - decay * decay) * this.random.normal();
    }
  }
}
