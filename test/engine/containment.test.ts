import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock/virtual-clock.js';
import { demoConfig } from '../../src/config/demo.js';
import { resolveConfig } from '../../src/config/resolve.js';
import type { SimulatedConfigInput } from '../../src/config/schema.js';
import { createEngine } from '../../src/engine/engine.js';
import type { EngineRecord, Execution } from '../../src/engine/records.js';
import { ScriptedVenue } from '../helpers/scripted-venue.js';

/**
 * Leg-out containment: each leak found by replaying real quotes, reproduced on the demo spread HC − RB
 * through the whole engine on a venue the test plays (Tuesday 2026-11-24, Shanghai: sessions 09:00–10:15,
 * 10:30–11:30, 13:30–15:00, 21:00–23:00).
 */
const zone = 'Asia/Shanghai';
const at = (time: string): number => DateTime.fromISO(`2026-11-24T${time}`, { zone }).toMillis();

type Execution_ = SimulatedConfigInput['strategies'][number]['execution'];

function scenario(start: string, change: (c: SimulatedConfigInput) => void = () => {}) {
  const c: SimulatedConfigInput = structuredClone(demoConfig);
  c.run = { start: `2026-11-24T${start}`, days: 1 };
  c.strategies[0]!.session = { closingLeadSeconds: 5 };
  change(c);
  const config = resolveConfig(c, 'containment');
  const clock = new VirtualClock(config.run.start);
  const venue = new ScriptedVenue(clock, ['HC', 'RB']);
  const engine = createEngine(config, { clock, venue });
  const records: EngineRecord[] = [];
  const executions: Execution[] = [];
  engine.records$.subscribe((r) => records.push(r));
  engine.executions$.subscribe((e) => executions.push(e));
  engine.start();
  /** A leg's book with its own sizes on each side. */
  const book = (symbol: string, bid: number, ask: number, bidSize = 10, askSize = 10): void =>
    venue.quotes$.next({ symbol, bid, ask, bidSize, askSize, ts: clock.now() });
  const steps = (): string[] => records.filter((r) => r.kind === 'ladder.step').map((r) => (r as { step: string }).step);
  const sent = (): string[] => venue.submitted.map((o) => `${o.clientId} ${o.symbol} ${o.side > 0 ? 'buy' : 'sell'} ${o.qty}@${o.price}`);
  /** Net signed lots the test's fills have given each leg. */
  return { clock, venue, engine, records, executions, book, steps, sent, until: (t: string) => clock.runUntil(at(t)) };
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
