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

/**
 * The model's numbers, every group's in one typed array: with thousands of instruments each quote moves another
 * group, out of the CPU's caches, and each number kept in an object's field is a heap object of its own (a double
 * is boxed), so a move read about eight of them. Here it reads the group's few consecutive numbers. Per group, from
 * its offset: when it last moved (ms; NaN before the model starts), the base's level and volatility (price units per
 * √second), its number of followers, then per follower (`FOLLOWER` numbers each): beta, mean, stationary sd, kappa
 * (ln 2 / half-life in seconds) and s, its spread to beta · base.
 */
const T = 0;
const LEVEL = 1;
const VOLATILITY = 2;
const FOLLOWERS = 3;
const GROUP = 4;
const BETA = 0;
const MEAN = 1;
const SD = 2;
const KAPPA = 3;
const S = 4;
const FOLLOWER = 5;

/** Where a symbol's numbers are: its group's offset, and its own as a follower (−1 for the base). */
export interface ModelPlace {
  readonly group: number;
  readonly follower: number;
}

export class MarketModel {
  private readonly m: Float64Array;
  private readonly groups: number[] = [];
  private readonly of = new Map<string, ModelPlace>();

  constructor(
    private readonly random: Random,
    bases: BaseModel[],
    followers: FollowerModel[],
  ) {
    const byBase = new Map<string, { base: BaseModel; followers: FollowerModel[] }>();
    for (const b of bases) byBase.set(b.symbol, { base: b, followers: [] });
    for (const f of followers) {
      const base = byBase.get(f.follows);
      if (!base) throw new Error(`MarketModel: ${f.symbol} follows ${f.follows}, which is not a random-walk instrument`);
      base.followers.push(f);
    }
    this.m = new Float64Array(bases.length * GROUP + followers.length * FOLLOWER);
    const m = this.m;
    let o = 0;
    for (const { base, followers: fs } of byBase.values()) {
      this.groups.push(o);
      this.of.set(base.symbol, { group: o, follower: -1 });
      m[o + T] = NaN;
      m[o + LEVEL] = base.start;
      m[o + VOLATILITY] = base.volatility;
      m[o + FOLLOWERS] = fs.length;
      let p = o + GROUP;
      for (const f of fs) {
        this.of.set(f.symbol, { group: o, follower: p });
        m[p + BETA] = f.beta;
        m[p + MEAN] = f.mean;
        m[p + SD] = f.sd;
        m[p + KAPPA] = Math.LN2 / f.halfLifeSeconds;
        m[p + S] = f.mean;
        p += FOLLOWER;
      }
      o = p;
    }
  }

  /** The model starts at `t` (ms): every process is at its start level then. */
  start(t: number): void {
    for (const o of this.groups) if (Number.isNaN(this.m[o + T])) this.m[o + T] = t;
  }

  /** The model's fair price of a symbol at time `t` (ms): its group moves to `t` first (never back in time). */
  mid(symbol: string, t: number): number {
    const at = this.placeOf(symbol);
    return this.midAt(at.group, at.follower, t);
  }

  /**
   * Where a symbol's numbers are, for `midAt`: a venue reads a mid on every quote, and with thousands of instruments
   * a look-up by name per quote reads a table that is no longer in the CPU's caches.
   */
  placeOf(symbol: string): ModelPlace {
    const at = this.of.get(symbol);
    if (at === undefined) throw new Error(`MarketModel: unknown symbol ${symbol}`);
    return at;
  }

  /** `mid` of the symbol at `placeOf`'s place. */
  midAt(group: number, follower: number, t: number): number {
    this.advance(group, t);
    const m = this.m;
    return follower < 0 ? m[group + LEVEL]! : m[follower + BETA]! * m[group + LEVEL]! + m[follower + S]!;
  }

  /** Moves a group to `t`: the base's random walk, then each follower's spread; exact discretisation. */
  private advance(o: number, t: number): void {
    const m = this.m;
    const last = m[o + T]!;
    if (Number.isNaN(last)) {
      m[o + T] = t;
      return;
    }
    if (t <= last) return;
    const dt = (t - last) / 1000;
    m[o + T] = t;
    m[o + LEVEL] = m[o + LEVEL]! + m[o + VOLATILITY]! * Math.sqrt(dt) * this.random.normal();
    for (let k = 0, n = m[o + FOLLOWERS]!, p = o + GROUP; k < n; k++, p += FOLLOWER) {
      const decay = Math.exp(-m[p + KAPPA]! * dt);
      const mean = m[p + MEAN]!;
      m[p + S] = mean + (m[p + S]! - mean) * decay + m[p + SD]! * Math.sqrt(1 - decay * decay) * this.random.normal();
    }
  }
}
