import { describe, expect, it } from 'vitest';
import type { SimulatedConfigInput } from '../../src/config/schema.js';
import { at, scriptedDemo } from '../helpers/scripted-demo.js';

/**
 * Leg-out containment: each leak found by replaying real quotes, reproduced on the demo spread HC − RB
 * through the whole engine on a venue the test plays (Tuesday 2026-11-24, Shanghai: sessions 09:00–10:15,
 * 10:30–11:30, 13:30–15:00, 21:00–23:00).
 */
type Execution_ = SimulatedConfigInput['strategies'][number]['execution'];

function scenario(start: string, change: (c: SimulatedConfigInput) => void = () => {}) {
  const s = scriptedDemo(start, change);
  /** A leg's book with its own sizes on each side. */
  const book = (symbol: string, bid: number, ask: number, bidSize = 10, askSize = 10): void =>
    s.venue.quotes$.next({ symbol, bid, ask, bidSize, askSize, ts: s.clock.now() });
  const sent = (): string[] => s.venue.submitted.map((o) => `${o.clientId} ${o.symbol} ${o.side > 0 ? 'buy' : 'sell'} ${o.qty}@${o.price}`);
  return { ...s, book, sent };
}

const withExecution = (x: Execution_) => (c: SimulatedConfigInput) => {
  c.strategies[0]!.execution = { ...c.strategies[0]!.execution, ...x };
};

describe('leak 1: a taker never sells hedge liquidity it does not have', () => {
  // Short the spread at 188: sell HC at its bid, buy RB. RB shows 5 lots, 20 ticks wide; HC's size changes
  // four times while RB does not move. Before the fix each HC update sent another slice of 5 (20 in all).
  const setup = (x: Execution_ = {}) => {
    const s = scenario('10:00:00', (c) => {
      c.strategies[0]!.target = 20;
      withExecution({ hedge: { crossAfterMs: 60_000, unwindAfterMs: 120_000 }, ...x })(c);
    });
    s.until('10:00:10');
    s.book('RB', 3190, 3210, 5, 5);
    s.book('HC', 3399, 3400, 30, 30); // spread bid 3399 − 3210 = 189 ≥ 188, size min(30, 5) = 5
    return s;
  };

  it('sends one slice of what the hedge leg shows, and no further slice while that hedge works', () => {
    const s = setup();
    expect(s.sent()).toEqual(['hc-rb/1.1 HC sell 5@3398']);
    s.venue.fill('hc-rb/1.1', 5, 3399);
    expect(s.sent().at(-1)).toBe('hc-rb/1.2 RB buy 5@3191'); // the hedge rests at the RB bid + 1
    for (const size of [25, 40, 35, 50]) {
      s.clock.advance(10);
      s.book('HC', 3399, 3400, size, size);
    }
    expect(s.sent()).toHaveLength(2);
    // The hedge fills: the legs are whole again, and the next view may send the next slice.
    s.venue.fill('hc-rb/1.2', 5, 3191);
    s.clock.advance(10);
    s.book('HC', 3399, 3400, 45, 45);
    expect(s.sent().at(-1)).toBe('hc-rb/1.3 HC sell 5@3398');
  });

  it('with entryWhileHedging, a slice is what the hedge leg shows net of the hedges already working', () => {
    const s = setup({ entryWhileHedging: true });
    s.venue.fill('hc-rb/1.1', 5, 3399);
    // RB shows 5, and 5 are already working as a hedge there: nothing is left to absorb another slice.
    s.clock.advance(10);
    s.book('HC', 3399, 3400, 25, 25);
    expect(s.sent()).toHaveLength(2);
    // RB now shows 8 on its ask: 3 more can be hedged, so the next slice is 3.
    s.clock.advance(10);
    s.book('RB', 3190, 3210, 5, 8);
    expect(s.sent().at(-1)).toBe('hc-rb/1.3 HC sell 3@3398');
  });

  it('never leaves more than one slice naked (the real-data shape: an entry partially filled, then new views)', () => {
    const s = setup();
    s.venue.fill('hc-rb/1.1', 2, 3399); // 2 of 5 filled; the rest of the slice works on
    expect(s.sent().at(-1)).toBe('hc-rb/1.2 RB buy 2@3191');
    s.clock.advance(10);
    s.book('HC', 3399, 3400, 25, 25);
    s.clock.advance(10);
    s.book('HC', 3399, 3400, 31, 31);
    expect(s.sent()).toHaveLength(2);
    s.venue.fill('hc-rb/1.1', 3, 3399);
    expect(s.sent().at(-1)).toBe('hc-rb/1.3 RB buy 3@3191');
    expect(s.engine.position('hc-rb', 'HC')).toBe(-5);
  });
});

describe('leak 2: a hedge paused over a break resumes when the market reopens', () => {
  for (const order of ['book before the open notice', 'open notice before the book'] as const) {
    it(`${order}, at the same instant, and the book then does not change`, () => {
      const s = scenario('11:29:00', withExecution({ hedge: { crossAfterMs: 10_000, unwindAfterMs: 20_000 } }));
      // Timers due at the same instant fire in the order they were armed: a timer armed now fires before the
      // session window's own 13:30 timer (armed at the 11:30 close), one armed after the close fires after it.
      const reopen = (): void => {
        s.book('HC', 3385, 3386);
        s.book('RB', 3204, 3205);
      };
      if (order === 'book before the open notice') s.clock.setTimeout(reopen, at('13:30:00') - s.clock.now());
      s.until('11:29:50');
      s.book('HC', 3379, 3380);
      s.book('RB', 3208, 3209); // spread ask 172: long entry
      s.clock.advance(20);
      s.venue.fill('hc-rb/1.1', 5, 3380);
      expect(s.sent().at(-1)).toBe('hc-rb/1.2 RB sell 5@3208');
      s.venue.accept('hc-rb/1.2');
      s.until('12:00:00');
      expect(s.steps()).toEqual(['resting', 'paused']);
      if (order === 'open notice before the book') s.clock.setTimeout(reopen, at('13:30:00') - s.clock.now());
      s.until('13:30:00');
      expect(s.steps()).toEqual(['resting', 'paused', 'resting']);
      // The resting hedge (3208) is re-priced to the new RB ask − 1 = 3204 at its next interval, then fills.
      s.until('13:30:01');
      expect(s.venue.cancels.map((x) => x.clientId)).toEqual(['hc-rb/1.2']);
      s.venue.canceled('hc-rb/1.2');
      expect(s.sent().at(-1)).toBe('hc-rb/1.3 RB sell 5@3204');
      s.venue.fill('hc-rb/1.3');
      expect(s.executions).toMatchObject([{ status: 'completed', units: 5, residualLots: [0, 0] }]);
    });
  }
});

describe('leak 3: no order uses a book from before the current session', () => {
  it('a strategy does not launch at the reopen on its pre-break view, and waits for a book of the new session', () => {
    // Books older than the break stay "fresh" by staleAfterMs (3 h), and the last pre-close view is at the trigger.
    const s = scenario('11:29:00', (c) => {
      c.strategies[0]!.staleAfterMs = 3 * 3_600_000;
    });
    s.until('11:29:57'); // inside the 5 s closing lead: the strategy may not launch
    s.book('HC', 3379, 3380);
    s.book('RB', 3208, 3209); // spread ask 172: long entry
    expect(s.sent()).toEqual([]);
    s.until('13:30:00.200');
    expect(s.sent()).toEqual([]);
    // One leg requoted in the new session is not enough: the spread needs both.
    s.book('HC', 3379, 3380);
    expect(s.sent()).toEqual([]);
    s.clock.advance(100);
    s.book('RB', 3208, 3209);
    expect(s.venue.submitted.map((o) => [o.clientId, o.at])).toEqual([['hc-rb/1.1', at('13:30:00.300')]]);
  });
});

describe('leak 4: a resting order is re-priced only when its price would move', () => {
  it('a hedge whose price has not moved is kept, not cancelled and re-sent every interval', () => {
    const s = scenario('10:00:00', withExecution({ hedge: { crossAfterMs: 60_000, unwindAfterMs: 120_000 } }));
    s.until('10:00:10');
    s.book('HC', 3379, 3380);
    s.book('RB', 3208, 3209);
    s.venue.fill('hc-rb/1.1', 5, 3380);
    expect(s.sent().at(-1)).toBe('hc-rb/1.2 RB sell 5@3208');
    s.venue.accept('hc-rb/1.2');
    s.clock.advance(5_000); // five re-price intervals, the RB book unchanged (re-quoted to stay fresh)
    s.book('RB', 3208, 3209);
    s.clock.advance(5_000);
    expect(s.venue.cancels).toEqual([]);
    expect(s.sent()).toHaveLength(2);
    // The RB ask moves down a tick: at the next interval the hedge follows it.
    s.book('RB', 3207, 3208);
    s.clock.advance(1_000);
    expect(s.venue.cancels.map((x) => x.clientId)).toEqual(['hc-rb/1.2']);
    s.venue.canceled('hc-rb/1.2');
    expect(s.sent().at(-1)).toBe('hc-rb/1.3 RB sell 5@3207');
  });

  it('a taker entry order still at the price is kept; with repriceTicks 2 a one-tick move keeps it too', () => {
    const s = scenario('10:00:00', withExecution({ repriceTicks: 2 }));
    s.until('10:00:10');
    s.book('HC', 3379, 3380);
    s.book('RB', 3208, 3209);
    expect(s.sent()).toEqual(['hc-rb/1.1 HC buy 5@3381']);
    s.venue.accept('hc-rb/1.1');
    s.clock.advance(4_000);
    s.book('HC', 3380, 3381); // the far touch moves one tick; the spread ask 3381 − 3208 = 173 is past the limit
    s.book('RB', 3209, 3210); // back at 3381 − 3209 = 172: still at the price
    s.clock.advance(4_000);
    expect(s.venue.cancels).toEqual([]);
    // The price leaves the limit: the taker cancels at its next interval.
    s.book('RB', 3200, 3201);
    s.clock.advance(2_000);
    expect(s.venue.cancels.map((x) => x.clientId)).toEqual(['hc-rb/1.1']);
  });
});

describe('a ladder that starts at crossing', () => {
  it('with hedge.firstStep crossing, the hedge crosses at once: no resting order first', () => {
    const s = scenario('10:00:00', withExecution({ hedge: { firstStep: 'crossing' } }));
    s.until('10:00:10');
    s.book('HC', 3379, 3380);
    s.book('RB', 3208, 3209);
    s.venue.fill('hc-rb/1.1', 5, 3380);
    // The RB bid minus crossPayupTicks (2): a marketable sell.
    expect(s.sent()).toEqual(['hc-rb/1.1 HC buy 5@3381', 'hc-rb/1.2 RB sell 5@3206']);
    expect(s.steps()).toEqual(['crossing']);
    expect(s.venue.cancels).toEqual([]);
    s.venue.fill('hc-rb/1.2', 5, 3208);
    expect(s.executions).toMatchObject([{ status: 'completed', units: 5 }]);
  });
});

describe('the kill switch (library): pause, resume, flatten', () => {
  it('pause: no entry at the trigger until resumed, and the control is recorded', () => {
    const s = scenario('10:00:00');
    s.until('10:00:10');
    expect(s.engine.control('pause', { source: 'test' })).toEqual({ ok: true, strategies: ['hc-rb'] });
    s.book('HC', 3379, 3380);
    s.book('RB', 3208, 3209); // spread ask 172: the long entry
    expect(s.sent()).toEqual([]);
    expect(s.records.filter((r) => r.kind === 'control')).toEqual([{ kind: 'control', at: at('10:00:10'), action: 'pause', strategy: null, source: 'test' }]);
    expect(s.engine.control('resume', { strategy: 'hc-rb' })).toEqual({ ok: true, strategies: ['hc-rb'] });
    s.clock.advance(10);
    s.book('HC', 3379, 3380, 9, 9);
    expect(s.sent()).toEqual(['hc-rb/1.1 HC buy 5@3381']);
    expect(s.engine.control('flatten', { strategy: 'nope' })).toEqual({ ok: false, error: 'no strategy named "nope" (strategies: hc-rb)' });
  });

  it('pause with a leg-out: the entry stops, the hedge completes, and nothing new goes out', () => {
    const s = scenario('10:00:00', withExecution({ hedge: { crossAfterMs: 60_000, unwindAfterMs: 120_000 } }));
    s.until('10:00:10');
    s.book('HC', 3379, 3380);
    s.book('RB', 3208, 3209);
    s.venue.accept('hc-rb/1.1');
    s.venue.fill('hc-rb/1.1', 2, 3380); // 2 of 5; the hedge for 2 rests
    expect(s.sent().at(-1)).toBe('hc-rb/1.2 RB sell 2@3208');
    s.engine.control('pause');
    expect(s.venue.cancels.map((c) => c.clientId)).toEqual(['hc-rb/1.1']);
    s.venue.canceled('hc-rb/1.1', 2);
    s.venue.fill('hc-rb/1.2');
    expect(s.executions).toMatchObject([{ algoId: 'hc-rb/1', status: 'stopped', reason: 'stopRequested', units: 2, residualLots: [0, 0] }]);
    s.clock.advance(10);
    s.book('RB', 3207, 3208); // still at the long entry: nothing while paused
    expect(s.sent()).toHaveLength(2);
  });

  it('flatten: the working algo unwinds its leg-out, then every leg of the position goes to 0 at the far touch', () => {
    const s = scenario('10:00:00', withExecution({ hedge: { crossAfterMs: 60_000, unwindAfterMs: 120_000 } }));
    s.until('10:00:10');
    s.book('HC', 3379, 3380);
    s.book('RB', 3208, 3209);
    s.venue.fill('hc-rb/1.1', 5, 3380);
    s.venue.fill('hc-rb/1.2', 5, 3208); // long 5 units
    expect(s.engine.position('hc-rb', 'HC')).toBe(5);
    s.clock.advance(10);
    s.book('HC', 3381, 3382);
    s.book('RB', 3199, 3200); // spread 181/183: the long exit at 180
    expect(s.sent().at(-1)).toBe('hc-rb/2.1 HC sell 5@3380');
    s.venue.fill('hc-rb/2.1', 3, 3381); // 3 of 5 sold; the RB hedge buy of 3 rests
    expect(s.sent().at(-1)).toBe('hc-rb/2.2 RB buy 3@3200');
    expect(s.engine.control('flatten')).toEqual({ ok: true, strategies: ['hc-rb'] });
    // The exit algo unwinds its leg-out: both working orders are cancelled, then the 3 HC sold are bought back.
    expect(s.venue.cancels.map((c) => c.clientId)).toEqual(['hc-rb/2.1', 'hc-rb/2.2']);
    s.venue.canceled('hc-rb/2.1', 3);
    s.venue.canceled('hc-rb/2.2');
    expect(s.sent().at(-1)).toBe('hc-rb/2.3 HC buy 3@3387'); // the HC ask + unwindPayupTicks 5
    s.venue.fill('hc-rb/2.3', 3, 3382);
    // Then the flatten algo takes the 5 units to 0 on both legs at once, at the far touch ∓ 5 ticks.
    expect(s.sent().slice(-2)).toEqual(['hc-rb/3.1 HC sell 5@3376', 'hc-rb/3.2 RB buy 5@3205']);
    s.venue.fill('hc-rb/3.1', 5, 3381);
    s.venue.fill('hc-rb/3.2', 5, 3200);
    expect(s.engine.position('hc-rb', 'HC')).toBe(0);
    expect(s.engine.position('hc-rb', 'RB')).toBe(0);
    expect(s.executions.map((e) => [e.algoId, e.purpose, e.status, e.reason, e.legs.map((l) => l.lots)])).toEqual([
      ['hc-rb/1', 'longEntry', 'completed', 'filled', [5, -5]],
      ['hc-rb/2', 'longExit', 'stopped', 'stopRequested', [0, 0]],
      ['hc-rb/3', 'flatten', 'stopped', 'unwound', [-5, 5]],
    ]);
    expect(s.executions[2]!.trigger).toBeNull();
    // Flat and paused: the long entry price brings nothing until a resume.
    s.clock.advance(10);
    s.book('HC', 3379, 3380);
    s.book('RB', 3208, 3209);
    expect(s.sent()).toHaveLength(7);
  });
});

describe('pre-trade risk', () => {
  const withRisk = (risk: SimulatedConfigInput['risk'], strategyRisk?: { maxNakedNotional: string }) => (c: SimulatedConfigInput) => {
    c.risk = risk;
    if (strategyRisk) c.strategies[0]!.risk = strategyRisk;
    c.strategies[0]!.execution = { ...c.strategies[0]!.execution, hedge: { crossAfterMs: 60_000, unwindAfterMs: 120_000 } };
  };
  const longEntry = (s: ReturnType<typeof scenario>): void => {
    s.until('10:00:10');
    s.book('HC', 3379, 3380);
    s.book('RB', 3208, 3209);
  };
  const refusals = (s: ReturnType<typeof scenario>) => s.records.filter((r) => r.kind === 'risk.refused').map((r) => `${(r as { clientId: string }).clientId}: ${(r as { reason: string }).reason}`);

  it('maxOrderLots: taker slices are sized within it, so nothing is refused', () => {
    const s = scenario('10:00:00', withRisk({ instruments: [{ symbol: 'HC', maxOrderLots: 3 }] }));
    longEntry(s);
    expect(s.sent()).toEqual(['hc-rb/1.1 HC buy 3@3381']);
    expect(refusals(s)).toEqual([]);
  });

  it('maxPosition on the entry leg: the entry is refused, not sent; the algo ends riskRefused and the strategy pauses', () => {
    const s = scenario('10:00:00', withRisk({ instruments: [{ symbol: 'HC', maxPosition: 4 }] }));
    longEntry(s);
    expect(s.sent()).toEqual([]);
    expect(refusals(s)).toEqual(['hc-rb/1.1: HC position could reach 5 lots (held 0, working 0, this 5), over maxPosition 4']);
    expect(s.executions).toMatchObject([{ algoId: 'hc-rb/1', status: 'stopped', reason: 'riskRefused', units: 0 }]);
    // Paused: the next view at the price launches nothing, until a resume.
    s.clock.advance(10);
    s.book('HC', 3379, 3380, 9, 9);
    expect(s.executions).toHaveLength(1);
    expect(s.engine.summary().counts.refused).toBe(1);
  });

  it('maxPosition on the hedge leg: the hedge is refused, and the ladder unwinds the filled leg instead', () => {
    const s = scenario('10:00:00', withRisk({ instruments: [{ symbol: 'RB', maxPosition: 3 }] }));
    longEntry(s);
    s.venue.fill('hc-rb/1.1', 5, 3380);
    expect(refusals(s)).toEqual(['hc-rb/1.2: RB position could reach -5 lots (held 0, working 0, this -5), over maxPosition 3']);
    // Unwinding: sell the 5 HC back at the HC bid − unwindPayupTicks (5).
    expect(s.sent()).toEqual(['hc-rb/1.1 HC buy 5@3381', 'hc-rb/1.3 HC sell 5@3374']);
    s.venue.fill('hc-rb/1.3', 5, 3379);
    expect(s.executions).toMatchObject([{ status: 'stopped', reason: 'unwound', units: 0, residualLots: [0, 0], legs: [{ lots: 0 }, { lots: 0 }] }]);
  });

  it('maxPosition counts what every strategy holds: a second strategy on the same legs is refused on the first one\'s position', () => {
    const s = scenario('10:00:00', (c) => {
      withRisk({ instruments: [{ symbol: 'HC', maxPosition: 7 }] })(c);
      const first = c.strategies[0]!;
      c.strategies.push({ ...structuredClone(first), name: 'hc-rb-2', triggers: { ...first.triggers, longEntry: '170' } });
    });
    longEntry(s);
    s.venue.fill('hc-rb/1.1', 5, 3380);
    s.venue.fill('hc-rb/1.2', 5, 3208);
    expect(s.executions).toMatchObject([{ algoId: 'hc-rb/1', status: 'completed', units: 5 }]);
    // Spread ask 3380 − 3210 = 170: the second strategy's long entry.
    s.clock.advance(10);
    s.book('RB', 3210, 3211);
    expect(refusals(s)).toEqual(['hc-rb-2/1.1: HC position could reach 10 lots (held 5, working 0, this 5), over maxPosition 7']);
  });

  it('maxNotional on a leg: an entry whose worst-case position would be worth more is refused', () => {
    const s = scenario('10:00:00', withRisk({ instruments: [{ symbol: 'HC', maxNotional: '150000' }] }));
    longEntry(s);
    // 5 lots × 3381 × 10 per tick = 169050.
    expect(refusals(s)).toEqual(['hc-rb/1.1: HC notional could reach 169050.00, over maxNotional 150000']);
    expect(s.sent()).toEqual([]);
  });

  it('the price band: an order further through the last fresh quote than priceBandTicks is refused', () => {
    const s = scenario('10:00:00', withRisk({ priceBandTicks: 0 }));
    longEntry(s);
    expect(refusals(s)).toEqual(['hc-rb/1.1: buy at 3381 is 1 ticks through the ask 3380 of HC, over priceBandTicks 0']);
    expect(s.sent()).toEqual([]);
  });

  it('maxNakedNotional: an entry that could leave more naked than the strategy allows is refused', () => {
    const s = scenario('10:00:00', withRisk(undefined, { maxNakedNotional: '100000' }));
    longEntry(s);
    // 5 lots × 3381 × 10 per tick = 169050.
    expect(refusals(s)).toEqual(['hc-rb/1.1: naked notional could reach 169050.00 (now 0.00, this entry 169050.00), over maxNakedNotional 100000']);
  });

  it('the order-rate budget: an order over it waits, unsent, in its throttled state, and goes when the budget allows', () => {
    const s = scenario('10:00:00', withRisk({ orderRate: { maxOrders: 1, perMs: 1000 }, instruments: [] }));
    longEntry(s);
    expect(s.venue.submitted.map((o) => [o.clientId, o.at])).toEqual([['hc-rb/1.1', at('10:00:10')]]);
    s.clock.advance(100);
    s.venue.fill('hc-rb/1.1', 5, 3380);
    expect(s.sent()).toHaveLength(1);
    expect(s.engine.actor.system.get('order:hc-rb/1.2')?.getSnapshot().value).toBe('throttled');
    expect(s.records.filter((r) => r.kind === 'order.throttled')).toEqual([{ kind: 'order.throttled', at: at('10:00:10.100'), clientId: 'hc-rb/1.2', symbol: 'RB', waitMs: 900 }]);
    s.until('10:00:11');
    expect(s.venue.submitted.map((o) => [o.clientId, o.at])).toEqual([['hc-rb/1.1', at('10:00:10')], ['hc-rb/1.2', at('10:00:11')]]);
  });

  it('refuses a risk section naming an instrument the venue does not have', () => {
    expect(() => scenario('10:00:00', withRisk({ instruments: [{ symbol: 'ZZ', maxPosition: 1 }] }))).toThrow(/risk\.instruments\[0\]\.symbol: is not an instrument of the venue/);
  });
});

describe('adopting the venue positions at start', () => {
  it('books each at its first mid and starts the strategy from them; a symbol no strategy trades is refused', async () => {
    const { createEngine } = await import('../../src/engine/engine.js');
    const { resolveConfig } = await import('../../src/config/resolve.js');
    const { demoConfig } = await import('../../src/config/demo.js');
    const config = resolveConfig(demoConfig, 'demo');
    expect(() => createEngine(config, { adopt: { ZZ: 3 } })).toThrow("cannot adopt the venue's 3 lots of ZZ: no strategy trades it");
    const s = scenario('10:00:00');
    expect(s.engine.position('hc-rb', 'HC')).toBe(0);
    const adopted = createEngine(config, { clock: s.clock, venue: s.venue, adopt: { HC: 2, RB: -2 } });
    const records: { kind: string }[] = [];
    adopted.records$.subscribe((r) => records.push(r));
    adopted.start();
    expect(adopted.actor.system.get('strategy:hc-rb')?.getSnapshot().context.legLots).toEqual([2, -2]);
    s.book('HC', 3379, 3381);
    expect(adopted.position('hc-rb', 'HC')).toBe(2);
    expect(records.filter((r) => r.kind === 'position.adopted')).toEqual([{ kind: 'position.adopted', at: s.clock.now(), strategy: 'hc-rb', symbol: 'HC', lots: 2, price: 3380 }]);
  });
});
