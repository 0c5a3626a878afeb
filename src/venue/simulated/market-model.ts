import type { Random } from './random.js';

/**
 * A seeded model of correlated instruments. Each `base` instrument's mid is a random walk; each follower's
 * mid is beta · base + s, where s is an Ornstein–Uhlenbeck process around `mean` (a cointegrated pair).
 * Every instrument advances on the same time line, so quotes of any leg read one consistent state.
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

export class MarketModel {
  private t: number | null = null;
  private readonly level = new Map<string, number>();
  private readonly bases: BaseModel[];
  private readonly followers: (FollowerModel & { kappa: number })[];

  constructor(
    private readonly random: Random,
    bases: BaseModel[],
    followers: FollowerModel[],
  ) {
    this.bases = bases;
    this.followers = followers.map((f) => ({ ...f, kappa: Math.LN2 / f.halfLifeSeconds }));
    for (const b of bases) this.level.set(b.symbol, b.start);
    for (const f of this.followers) this.level.set(f.symbol, f.mean);
  }

  /** Moves every latent process to time `t` (ms); exact discretisation, so step size does not matter. */
  advance(t: number): void {
    if (this.t === null || t <= this.t) {
      this.t ??= t;
      return;
    }
    const dt = (t - this.t) / 1000;
    this.t = t;
    for (const b of this.bases) this.level.set(b.symbol, this.level.get(b.symbol)! + b.volatility * Math.sqrt(dt) * this.random.normal());
    for (const f of this.followers) {
      const decay = Math.exp(-f.kappa * dt);
      const s = this.level.get(f.symbol)!;
      this.level.set(f.symbol, f.mean + (s - f.mean) * decay + f.sd * Math.sqrt(1 - decay * decay) * this.random.normal());
    }
  }

  /** The model's fair price of a symbol now. */
  mid(symbol: string): number {
    const f = this.followers.find((x) => x.symbol === symbol);
    if (f) return f.beta * this.mid(f.follows) + this.level.get(symbol)!;
    const v = this.level.get(symbol);
    if (v === undefined) throw new Error(`MarketModel: unknown symbol ${symbol}`);
    return v;
  }
}
