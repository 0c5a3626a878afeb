import { describe, it, expect } from 'vitest';
import { hedgeNeeds, hedgedUnits, isBalanced, legDeviation, nakedDeviation, nakedLots, type HedgePlanInput } from '../../src/domain/position.js';

/** -0 and 0 are the same quantity; compare them as one value. */
const z = (n: number): number => (n === 0 ? 0 : n);

describe('hedgedUnits, nakedLots and isBalanced', () => {
  describe('1:−1', () => {
    const tms = [1, -1];

    it('a full long unit is hedged and balanced', () => {
      expect(hedgedUnits([1, -1], tms)).toBe(1);
      expect(nakedLots([1, -1], tms)).toEqual([0, 0]);
      expect(isBalanced([1, -1], tms)).toBe(true);
    });

    it('a long with one extra lot on A is hedged 2 with A naked 1', () => {
      expect(hedgedUnits([3, -2], tms)).toBe(2);
      expect(nakedLots([3, -2], tms)).toEqual([1, 0]);
      expect(isBalanced([3, -2], tms)).toBe(false);
    });

    it('a short is hedged negative', () => {
      expect(hedgedUnits([-2, 3], tms)).toBe(-2);
      expect(nakedLots([-2, 3], tms)).toEqual([0, 1]);
    });

    it('flat is balanced with 0 units', () => {
      expect(hedgedUnits([0, 0], tms)).toBe(0);
      expect(nakedLots([0, 0], tms)).toEqual([0, 0]);
      expect(isBalanced([0, 0], tms)).toBe(true);
    });

    it('one leg only is hedged 0 and fully naked', () => {
      expect(hedgedUnits([2, 0], tms)).toBe(0);
      expect(nakedLots([2, 0], tms)).toEqual([2, 0]);
      expect(isBalanced([2, 0], tms)).toBe(false);
    });

    it('legs held in opposite directions are hedged 0 and fully naked', () => {
      expect(hedgedUnits([1, 1], tms)).toBe(0);
      expect(nakedLots([1, 1], tms)).toEqual([1, 1]);
      expect(isBalanced([1, 1], tms)).toBe(false);
    });
  });

  describe('2:−3', () => {
    const tms = [2, -3];

    it('4 and −6 lots are 2 balanced units', () => {
      expect(hedgedUnits([4, -6], tms)).toBe(2);
      expect(isBalanced([4, -6], tms)).toBe(true);
    });

    it('a partial active leg (3 lots = 1.5 units) against one unit of B is hedged 1 with A naked 1', () => {
      expect(hedgedUnits([3, -3], tms)).toBe(1);
      expect(nakedLots([3, -3], tms)).toEqual([1, 0]);
      expect(isBalanced([3, -3], tms)).toBe(false);
    });

    it('2.5 units of A against 1⅓ of B is hedged 1 with both legs naked', () => {
      expect(hedgedUnits([5, -4], tms)).toBe(1);
      expect(nakedLots([5, -4], tms)).toEqual([3, -1]);
    });

    it('a short with partials rounds toward zero', () => {
      expect(hedgedUnits([-5, 4], tms)).toBe(-1);
      expect(nakedLots([-5, 4], tms)).toEqual([-3, 1]);
    });

    it('a short of less than one unit on every leg is hedged 0', () => {
      expect(z(hedgedUnits([-1, 1], tms))).toBe(0);
      expect(nakedLots([-1, 1], tms)).toEqual([-1, 1]);
    });

    it('legs in opposite directions are hedged 0', () => {
      expect(hedgedUnits([2, 3], tms)).toBe(0);
      expect(nakedLots([2, 3], tms)).toEqual([2, 3]);
    });
  });

  describe('price-only legs', () => {
    const tms = [2, 0, -3];

    it('are ignored when counting units', () => {
      expect(hedgedUnits([2, 0, -3], tms)).toBe(1);
      expect(nakedLots([2, 0, -3], tms)).toEqual([0, 0, 0]);
      expect(isBalanced([2, 0, -3], tms)).toBe(true);
    });

    it('do not hold the hedged position at 0', () => {
      expect(hedgedUnits([4, 0, -6], tms)).toBe(2);
    });
  });

  it('treats missing lots as 0', () => {
    expect(hedgedUnits([1], [1, -1])).toBe(0);
    expect(nakedLots([1], [1, -1])).toEqual([1, 0]);
  });

  it('is 0 when nothing is traded', () => {
    expect(hedgedUnits([], [])).toBe(0);
  });
});

describe('legDeviation (lots away from the nearest balanced position)', () => {
  it('ratio spread [−3, 2, 1]: −2/+2/+1 is one unit with the first leg 1 lot over, not 5 naked lots', () => {
    const tms = [-3, 2, 1];
    expect(legDeviation([-2, 2, 1], tms)).toEqual([1, 0, 0]);
    // The hedge logic's view rounds whole units toward 0 and calls every lot naked.
    expect(nakedLots([-2, 2, 1], tms)).toEqual([-2, 2, 1]);
    expect(legDeviation([-6, 4, 2], tms)).toEqual([0, 0, 0]);
    expect(legDeviation([-7, 4, 2], tms)).toEqual([-1, 0, 0]);
    expect(legDeviation([0, 0, 0], tms)).toEqual([0, 0, 0]);
  });

  it('2:−3: the nearest unit count, on either side of the fill', () => {
    const tms = [2, -3];
    // k = 2 costs 1 + 2 = 3 (k = 1: 3 + 1 = 4).
    expect(legDeviation([5, -4], tms)).toEqual([1, 2]);
    expect(nakedLots([5, -4], tms)).toEqual([3, -1]);
    expect(legDeviation([-5, 4], tms)).toEqual([-1, -2]);
  });

  it('two-leg basis (10 perp lots against −1000 spot lots)', () => {
    const tms = [10, -1000];
    expect(legDeviation([50, 0], tms)).toEqual([50, 0]);
    expect(legDeviation([50, -4000], tms)).toEqual([10, 0]);
    expect(legDeviation([50, -4600], tms)).toEqual([0, 400]);
    expect(legDeviation([50, -5000], tms)).toEqual([0, 0]);
  });

  it('ties go to the balanced position nearest flat', () => {
    const tms = [1, -1];
    // k = 0 and k = 1 both cost 1.
    expect(legDeviation([1, 0], tms)).toEqual([1, 0]);
    expect(legDeviation([-1, 0], tms)).toEqual([-1, 0]);
    // k = −1, 0, 1 all cost 2.
    expect(legDeviation([1, 1], tms)).toEqual([1, 1]);
    // k = 1, 2, 3 all cost 2 (k = 0 costs 4): the nearest flat is 1.
    expect(legDeviation([3, -1], tms)).toEqual([2, 0]);
    expect(legDeviation([-3, 1], tms)).toEqual([-2, 0]);
    // Notional weights of a basis: 60 a perp lot, 0.6000000000000001 a spot lot; k = 4 and 5 tie up to rounding.
    expect(legDeviation([50, -4000], [10, -1000], [600000 * 0.0001, 6000000 * (0.01 * 0.00001)])).toEqual([10, 0]);
    // 0.1 + 0.2 is 0.30000000000000004: still a tie with 0.3.
    expect(legDeviation([1, 0], tms, [0.1 + 0.2, 0.3])).toEqual([1, 0]);
  });

  it('weights change the choice', () => {
    const tms = [1, -1];
    // k = 1: 2·1 = 2; k = 2: 1·1 + 1·5 = 6.
    expect(legDeviation([3, -1], tms, [1, 5])).toEqual([2, 0]);
    // k = 3: 2·1 = 2; k = 2: 1·5 + 1·1 = 6; k = 1: 2·5 = 10.
    expect(legDeviation([3, -1], tms, [5, 1])).toEqual([0, 2]);
    // The basis with the perp a little dearer than spot: 10 perp lots cost 600.1, 1000 spot lots 600.
    expect(legDeviation([50, -4000], [10, -1000], [60.01, 0.6])).toEqual([0, 1000]);
  });

  it('ignores price-only legs and gives them 0', () => {
    const tms = [2, 0, -3];
    expect(legDeviation([2, 7, -3], tms)).toEqual([0, 0, 0]);
    // k = 1: 3 + 0; k = 2: 1 + 3.
    expect(legDeviation([5, 4, -3], tms)).toEqual([3, 0, 0]);
    expect(legDeviation([5, 4, -3], tms, [1, 1000, 1])).toEqual([3, 0, 0]);
  });

  it('treats missing lots as 0, and nothing traded as nothing naked', () => {
    expect(legDeviation([1], [1, -1])).toEqual([1, 0]);
    expect(legDeviation([], [])).toEqual([]);
    expect(legDeviation([3], [0])).toEqual([0]);
  });
});

describe('hedgeNeeds', () => {
  const plan = (over: Partial<HedgePlanInput>): HedgePlanInput => ({
    filled: [0, 0],
    working: [0, 0],
    tradingMultipliers: [2, -3],
    side: 1,
    activeLeg: 0,
    entryOpen: true,
    rounding: 'nearest',
    ...over,
  });

  describe('while the entry is open (buying 2:−3, A active)', () => {
    it('needs nothing before a fill', () => {
      expect(hedgeNeeds(plan({}))).toEqual([0, 0]);
    });

    it('1 lot filled (½ unit): nearest hedges 1 unit, −3 lots of B', () => {
      expect(hedgeNeeds(plan({ filled: [1, 0], rounding: 'nearest' }))).toEqual([0, -3]);
    });

    it('1 lot filled (½ unit): down hedges nothing yet', () => {
      expect(hedgeNeeds(plan({ filled: [1, 0], rounding: 'down' }))).toEqual([0, 0]);
    });

    it('1 lot filled (½ unit): up hedges 1 unit, −3 lots of B', () => {
      expect(hedgeNeeds(plan({ filled: [1, 0], rounding: 'up' }))).toEqual([0, -3]);
    });

    it('3 lots filled (1½ units): nearest and up hedge 2 units, down hedges 1', () => {
      expect(hedgeNeeds(plan({ filled: [3, 0], rounding: 'nearest' }))).toEqual([0, -6]);
      expect(hedgeNeeds(plan({ filled: [3, 0], rounding: 'up' }))).toEqual([0, -6]);
      expect(hedgeNeeds(plan({ filled: [3, 0], rounding: 'down' }))).toEqual([0, -3]);
    });

    it('a whole unit filled hedges exactly one unit with every rounding', () => {
      for (const rounding of ['nearest', 'down', 'up'] as const) {
        expect(hedgeNeeds(plan({ filled: [2, 0], rounding }))).toEqual([0, -3]);
      }
    });

    it('subtracts the passive leg’s fills', () => {
      expect(hedgeNeeds(plan({ filled: [4, -4] }))).toEqual([0, -2]);
    });

    it('counts working lots as sent', () => {
      expect(hedgeNeeds(plan({ filled: [2, -1], working: [0, -2] }))).toEqual([0, 0]);
      expect(hedgeNeeds(plan({ filled: [2, -1], working: [0, -1] }))).toEqual([0, -1]);
      expect(hedgeNeeds(plan({ filled: [4, 0], working: [0, -3] }))).toEqual([0, -3]);
    });

    it('never returns a reducing quantity when the passive leg is ahead', () => {
      expect(hedgeNeeds(plan({ filled: [2, -6] }))).toEqual([0, 0]);
      expect(hedgeNeeds(plan({ filled: [2, 0], working: [0, -5] }))).toEqual([0, 0]);
    });

    it('never sends anything on the active leg', () => {
      expect(hedgeNeeds(plan({ filled: [1, -6] }))).toEqual([0, 0]);
    });

    it('follows a negative active leg: B active, 1 lot of −3 filled', () => {
      expect(hedgeNeeds(plan({ activeLeg: 1, filled: [0, -1], rounding: 'nearest' }))).toEqual([0, 0]);
      expect(hedgeNeeds(plan({ activeLeg: 1, filled: [0, -1], rounding: 'up' }))).toEqual([2, 0]);
      expect(hedgeNeeds(plan({ activeLeg: 1, filled: [0, -2], rounding: 'nearest' }))).toEqual([2, 0]);
      expect(hedgeNeeds(plan({ activeLeg: 1, filled: [0, -2], rounding: 'down' }))).toEqual([0, 0]);
      expect(hedgeNeeds(plan({ activeLeg: 1, filled: [0, -3], rounding: 'down' }))).toEqual([2, 0]);
    });

    it('never sends anything on a price-only leg', () => {
      expect(hedgeNeeds(plan({ tradingMultipliers: [1, 0, -1], filled: [1, 0, 0], working: [0, 0, 0] }))).toEqual([0, 0, -1]);
    });
  });

  describe('once the entry is closed', () => {
    it('completes every leg, the active one included, to the next whole unit', () => {
      expect(hedgeNeeds(plan({ entryOpen: false, filled: [1, 0] }))).toEqual([1, -3]);
    });

    it('completes to ceil of the furthest leg’s progress', () => {
      // progress: A 1, B 4/3 → 2 units.
      expect(hedgeNeeds(plan({ entryOpen: false, filled: [2, -4] }))).toEqual([2, -2]);
      // progress: A 2, B 1 → 2 units.
      expect(hedgeNeeds(plan({ entryOpen: false, filled: [4, -3] }))).toEqual([0, -3]);
    });

    it('ignores the rounding option', () => {
      for (const rounding of ['nearest', 'down', 'up'] as const) {
        expect(hedgeNeeds(plan({ entryOpen: false, filled: [1, 0], rounding }))).toEqual([1, -3]);
      }
    });

    it('counts working lots as sent', () => {
      expect(hedgeNeeds(plan({ entryOpen: false, filled: [1, 0], working: [1, -1] }))).toEqual([0, -2]);
    });

    it('needs nothing when nothing filled or the legs are balanced', () => {
      expect(hedgeNeeds(plan({ entryOpen: false }))).toEqual([0, 0]);
      expect(hedgeNeeds(plan({ entryOpen: false, filled: [4, -6] }))).toEqual([0, 0]);
    });

    it('never sends anything on a price-only leg', () => {
      expect(hedgeNeeds(plan({ entryOpen: false, tradingMultipliers: [1, 0, -1], filled: [1, 0, 0], working: [0, 0, 0] }))).toEqual([0, 0, -1]);
    });
  });

  describe('selling the spread (side −1) mirrors the signs', () => {
    it('1 lot sold on A: nearest and up buy 3 lots of B, down nothing', () => {
      expect(hedgeNeeds(plan({ side: -1, filled: [-1, 0], rounding: 'nearest' }))).toEqual([0, 3]);
      expect(hedgeNeeds(plan({ side: -1, filled: [-1, 0], rounding: 'up' }))).toEqual([0, 3]);
      expect(hedgeNeeds(plan({ side: -1, filled: [-1, 0], rounding: 'down' }))).toEqual([0, 0]);
    });

    it('3 lots sold on A: nearest buys 6 lots of B, down 3', () => {
      expect(hedgeNeeds(plan({ side: -1, filled: [-3, 0], rounding: 'nearest' }))).toEqual([0, 6]);
      expect(hedgeNeeds(plan({ side: -1, filled: [-3, 0], rounding: 'down' }))).toEqual([0, 3]);
    });

    it('counts working lots and never reduces', () => {
      expect(hedgeNeeds(plan({ side: -1, filled: [-2, 1], working: [0, 1] }))).toEqual([0, 1]);
      expect(hedgeNeeds(plan({ side: -1, filled: [-2, 6] }))).toEqual([0, 0]);
    });

    it('once the entry is closed completes both legs to a whole unit', () => {
      expect(hedgeNeeds(plan({ side: -1, entryOpen: false, filled: [-1, 0] }))).toEqual([-1, 3]);
    });
  });
});

describe('nakedDeviation (leg-out exposure, counted in each leg’s spread units)', () => {
  it('on a two-leg spread the leg that filled is the naked one, whatever the prices', () => {
    expect(nakedDeviation([5, 0], [1, -1])).toEqual([5, 0]);
    expect(nakedDeviation([0, -5], [1, -1])).toEqual([0, -5]);
    // The Binance basis: 10 perp lots and 1000 spot lots per unit.
    expect(nakedDeviation([50, 0], [10, -1000])).toEqual([50, 0]);
    // 5 units of perp against 0.991 of spot: the nearest whole positions 1..5 units tie; the one nearest flat.
    expect(nakedDeviation([50, -991], [10, -1000])).toEqual([40, 9]);
  });
  it('on a ratio spread, the nearest whole position: −2/+2/+1 on −3:2:1 is one lot off on the first leg', () => {
    expect(nakedDeviation([-2, 2, 1], [-3, 2, 1])).toEqual([1, 0, 0]);
    expect(nakedDeviation([-3, 2, 0], [-3, 2, 1])).toEqual([0, 0, -1]);
  });
});

describe('the exposure and balance rules agree with their definitions', () => {
  // Spreads as configured (a basis, a ratio spread with a price-only leg, mixed signs) and positions around them.
  const spreads = [
    [1, -1],
    [10, -1000],
    [2, -3],
    [-3, 2, 1],
    [2, 0, -3],
    [1, 0],
  ];
  /** A grid of small positions, and whole positions k·tm with a few lots off on each leg. */
  const positions = (tms: number[]): number[][] => {
    const out: number[][] = [];
    const walk = (prefix: number[], values: (leg: number) => number[]): void => {
      if (prefix.length === tms.length) out.push(prefix);
      else for (const v of values(prefix.length)) walk([...prefix, v], values);
    };
    walk([], (leg) => [-7, -3, -1, 0, 1, 2, 5, 40].map((v) => v * (leg + 1)));
    for (let k = -2; k <= 3; k++) walk([], (leg) => [-1, 0, 1, 9].map((off) => k * tms[leg]! + off));
    return out;
  };

  it('nakedDeviation is legDeviation with each leg weighted 1/|trading multiplier|', () => {
    for (const tms of spreads) {
      const weights = tms.map((tm) => (tm === 0 ? 0 : 1 / Math.abs(tm)));
      for (const lots of positions(tms)) expect(nakedDeviation(lots, tms), `${lots} on ${tms}`).toEqual(legDeviation(lots, tms, weights));
    }
  });

  it('isBalanced says whether every leg’s nakedLots is 0', () => {
    for (const tms of spreads) {
      for (const lots of positions(tms)) expect(isBalanced(lots, tms), `${lots} on ${tms}`).toBe(nakedLots(lots, tms).every((n) => n === 0));
    }
  });
});
