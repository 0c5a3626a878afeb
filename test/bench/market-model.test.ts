import { describe, expect, it } from 'vitest';
import { MarketModel, type BaseModel, type FollowerModel } from '../../src/venue/simulated/market-model.js';
import { Random } from '../../src/venue/simulated/random.js';

/**
 * The simulated market's cost per quote (what bench/bench.ts's strategies benchmark measures): a quote moves only
 * the quoted instrument's group (its random walk and the instruments that follow it), never the rest of the venue;
 * and a venue whose instruments form one group draws exactly what the model drew when every process moved on every
 * quote, so the demo's market for a seed is unchanged.
 */

/** A Random that counts its normal draws. */
class Counting extends Random {
  draws = 0;
  override normal(): number {
    this.draws++;
    return super.normal();
  }
}

const pairs = (n: number): { bases: BaseModel[]; followers: FollowerModel[] } => ({
  bases: Array.from({ length: n }, (_, i) => ({ symbol: `A${i}`, start: 3000, volatility: 0.5 })),
  followers: Array.from({ length: n }, (_, i) => ({ symbol: `B${i}`, follows: `A${i}`, beta: 1, mean: 100, sd: 4, halfLifeSeconds: 120 })),
});

/** The model as it was: every process moves on every read (base first, then the followers), one shared stream. */
function everyProcessModel(random: Random, bases: BaseModel[], followers: FollowerModel[]) {
  let t: number | null = null;
  const level = new Map<string, number>();
  for (const b of bases) level.set(b.symbol, b.start);
  for (const f of followers) level.set(f.symbol, f.mean);
  const advance = (now: number): void => {
    if (t === null || now <= t) {
      t ??= now;
      return;
    }
    const dt = (now - t) / 1000;
    t = now;
    for (const b of bases) level.set(b.symbol, level.get(b.symbol)! + b.volatility * Math.sqrt(dt) * random.normal());
    for (const f of followers) {
      const decay = Math.exp(-(Math.LN2 / f.halfLifeSeconds) * dt);
      const s = level.get(f.symbol)!;
      level.set(f.symbol, f.mean + (s - f.mean) * decay + f.sd * Math.sqrt(1 - decay * decay) * random.normal());
    }
  };
  return (symbol: string, now: number): number => {
    advance(now);
    const f = followers.find((x) => x.symbol === symbol);
    return f ? f.beta * level.get(f.follows)! + level.get(symbol)! : level.get(symbol)!;
  };
}

describe('the simulated market model: a quote moves only what it reads', () => {
  it('with 1,000 pairs, a quote of one instrument draws for its own pair only (2 draws), and none again at the same time', () => {
    const random = new Counting(7);
    const { bases, followers } = pairs(1000);
    const model = new MarketModel(random, bases, followers);
    model.start(0);
    model.mid('B500', 1000);
    expect(random.draws).toBe(2);
    model.mid('A500', 1000);
    expect(random.draws).toBe(2);
    model.mid('A7', 1500);
    expect(random.draws).toBe(4);
  });

  it('a pair reads one time line: its base moved by its follower is where its own next quote starts from', () => {
    const { bases, followers } = pairs(3);
    const model = new MarketModel(new Random(3), bases, followers);
    model.start(0);
    const b = model.mid('B1', 2000);
    const a = model.mid('A1', 2000);
    // At one instant the follower is beta · base + s, with s near its mean (sd 4).
    expect(Math.abs(b - a - 100)).toBeLessThan(40);
    expect(model.mid('A1', 2000)).toBe(a);
  });

  it('one group (the demo\'s pair) gives the same market for a seed as when every process moved on every quote', () => {
    const bases: BaseModel[] = [{ symbol: 'RB', start: 3200, volatility: 0.25 }];
    const followers: FollowerModel[] = [{ symbol: 'HC', follows: 'RB', beta: 1, mean: 180, sd: 6, halfLifeSeconds: 900 }];
    const lazy = new MarketModel(new Random(1), bases, followers);
    const eager = everyProcessModel(new Random(1), bases, followers);
    lazy.start(0);
    eager('RB', 0);
    const times = new Random(9);
    let t = 0;
    for (let k = 0; k < 2000; k++) {
      t += times.exponential(500);
      const symbol = times.uniform() < 0.5 ? 'RB' : 'HC';
      expect(lazy.mid(symbol, t)).toBe(eager(symbol, t));
    }
  });

  it('refuses a symbol it does not know, and a follower of a follower', () => {
    const { bases, followers } = pairs(1);
    expect(() => new MarketModel(new Random(1), bases, followers).mid('X', 0)).toThrow(/unknown symbol X/);
    expect(() => new MarketModel(new Random(1), bases, [...followers, { symbol: 'C0', follows: 'B0', beta: 1, mean: 0, sd: 1, halfLifeSeconds: 1 }])).toThrow(/not a random-walk instrument/);
  });
});
