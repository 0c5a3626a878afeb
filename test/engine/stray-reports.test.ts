import { describe, expect, it } from 'vitest';
import { scriptedDemo } from '../helpers/scripted-demo.js';

/**
 * Venue reports a sound exchange never sends, played through the whole engine: fills for orders that have ended or
 * were never ours, fills past an order's size, reports with numbers that are not lots or ticks, and a hedge leg
 * that refuses every order. Each once left a leg naked with nothing said (found by playing a hostile venue
 * against the engine); each now has a defined outcome: hedged, or counted, named in the errors and paused.
 */

/** The demo HC − RB strategy on a scripted venue; a long entry at 10:00:10 (spread ask 172). */
function entry() {
  const s = scriptedDemo('10:00:00');
  s.until('10:00:10');
  s.venue.quote('HC', 3379, 3380);
  s.venue.quote('RB', 3208, 3209); // spread ask 172: hc-rb/1.1 buys HC 5 @ 3381
  s.venue.accept('hc-rb/1.1');
  const pos = () => ({ HC: s.engine.position('hc-rb', 'HC'), RB: s.engine.position('hc-rb', 'RB') });
  const strategy = () => (s.engine.actor.system.get('strategy:hc-rb')!.getSnapshot() as { context: { legLots: number[]; paused: boolean } }).context;
  const naked = () => s.engine.summary().strategies[0]!.legs.map((l) => l.nakedLots);
  return { ...s, pos, strategy, naked };
}

/** ... and the entry filled: hc-rb/1.2 (sell RB 5 @ 3208) is the resting hedge. */
function legOut() {
  const s = entry();
  s.venue.fill('hc-rb/1.1', 5, 3380);
  s.venue.accept('hc-rb/1.2');
  return s;
}

/** The spread back at the long entry a while later: a strategy that may launch does. */
function entryAgain(s: ReturnType<typeof entry>) {
  s.clock.advance(10_000);
  s.venue.quote('HC', 3379, 3380);
  s.venue.quote('RB', 3208, 3209);
  s.clock.advance(10_000);
}

describe('fills no working order hears', () => {
  it('a hedge fill after the venue confirmed its cancel: counted by the strategy, named, and the strategy pauses', () => {
    const s = legOut();
    s.venue.quote('RB', 3206, 3207); // the hedge's price moves: re-priced by cancel and a new order
    s.clock.advance(1000);
    expect(s.venue.cancels.map((c) => c.clientId)).toEqual(['hc-rb/1.2']);
    s.venue.canceled('hc-rb/1.2', 0);
    s.venue.accept('hc-rb/1.3');
    s.venue.fill('hc-rb/1.3'); // the re-priced hedge fills: the algo completes balanced
    expect(s.executions).toMatchObject([{ algoId: 'hc-rb/1', status: 'completed', residualLots: [0, 0] }]);
    s.venue.fill('hc-rb/1.2', 5, 3208, 'late'); // the old hedge's fill, which raced the cancel
    expect(s.pos()).toEqual({ HC: 5, RB: -10 });
    expect(s.strategy()).toMatchObject({ legLots: [5, -10], paused: true });
    expect(s.naked()).toEqual([0, -5]);
    expect(s.engine.summary().errors).toEqual(['venue: fill late of -5 RB for hc-rb/1.2, an order no longer working: counted by strategy hc-rb']);
    expect(s.records.filter((r) => r.kind === 'error')).toMatchObject([{ actor: 'venue', message: 'fill late of -5 RB for hc-rb/1.2, an order no longer working: counted by strategy hc-rb' }]);
    entryAgain(s);
    expect(s.venue.submitted.map((o) => o.clientId)).toEqual(['hc-rb/1.1', 'hc-rb/1.2', 'hc-rb/1.3']);
  });

  it('a fill after the reject of the same order, while its algo still works: the ladder hedges it', () => {
    const s = legOut();
    s.venue.reject('hc-rb/1.2', 'late reject');
    s.venue.fill('hc-rb/1.2', 5, 3208, 'late'); // out of order: the hedge had traded
    expect(s.engine.summary().errors).toEqual(['venue: fill late of -5 RB for hc-rb/1.2, an order no longer working: its algo hc-rb/1 hedges it']);
    s.clock.advance(5000);
    // Balanced already: the ladder sends nothing more, and the algo completes with the late fill's 5 lots.
    expect(s.venue.submitted.map((o) => o.clientId)).toEqual(['hc-rb/1.1', 'hc-rb/1.2']);
    expect(s.pos()).toEqual({ HC: 5, RB: -5 });
    expect(s.executions).toMatchObject([{ algoId: 'hc-rb/1', status: 'completed', units: 5, residualLots: [0, 0] }]);
    expect(s.strategy()).toMatchObject({ legLots: [5, -5], paused: false });
  });

  it('a second report past a filled order\'s size: the extra lots are the strategy\'s, named, and it pauses', () => {
    const s = legOut();
    s.venue.fill('hc-rb/1.2'); // the hedge fills: the algo completes
    s.venue.fill('hc-rb/1.1', 2, 3380, 'over'); // the venue reports 2 more lots on the filled 5-lot entry
    expect(s.pos()).toEqual({ HC: 7, RB: -5 });
    expect(s.strategy()).toMatchObject({ legLots: [7, -5], paused: true });
    expect(s.naked()).toEqual([2, 0]);
    expect(s.engine.summary().errors).toEqual(['venue: fill over of 2 HC for hc-rb/1.1, an order no longer working: counted by strategy hc-rb']);
  });

  it('a fill for an order the engine never sent, under the strategy\'s prefix: counted, named, paused', () => {
    const s = entry();
    s.venue.reports$.next({ type: 'order.filled', clientId: 'hc-rb/77.1', tradeId: 'Z1', symbol: 'HC', side: 1, qty: 3, price: 3380, at: s.clock.now() });
    expect(s.engine.position('hc-rb', 'HC')).toBe(3);
    expect(s.engine.summary().errors).toEqual(['venue: fill Z1 of 3 HC for hc-rb/77.1, an order no longer working: counted by strategy hc-rb']);
  });

  it("a report naming the algo's spare order (dormant, never sent) reaches no order: unrouted, the spare left dormant", () => {
    const s = entry();
    const spare = s.engine.actor.system.get('order:hc-rb/1.2')!;
    expect(spare.getSnapshot().value).toBe('dormant');
    const unrouted = s.engine.summary().counts.unrouted;
    s.venue.accept('hc-rb/1.2');
    s.venue.canceled('hc-rb/1.2');
    expect(s.records.filter((r) => r.kind === 'report' && r.report.clientId === 'hc-rb/1.2').map((r) => (r as { routed: boolean }).routed)).toEqual([false, false]);
    expect(s.engine.summary().counts.unrouted).toBe(unrouted + 2);
    expect(spare.getSnapshot().value).toBe('dormant');
    expect(s.venue.submitted.map((o) => o.clientId)).toEqual(['hc-rb/1.1']);
  });

  it('stray fills that make a whole spread unit count toward the position: paused at the first, it trades on once resumed', () => {
    const s = scriptedDemo('10:00:00');
    s.until('10:00:10');
    s.venue.quote('HC', 3379, 3380);
    s.venue.quote('RB', 3204, 3205); // spread 174/176: no trigger
    s.venue.reports$.next({ type: 'order.filled', clientId: 'hc-rb/0.1', tradeId: 'Z1', symbol: 'HC', side: 1, qty: 1, price: 3380, at: s.clock.now() });
    s.venue.reports$.next({ type: 'order.filled', clientId: 'hc-rb/0.2', tradeId: 'Z2', symbol: 'RB', side: -1, qty: 1, price: 3204, at: s.clock.now() });
    const snap = s.engine.actor.system.get('strategy:hc-rb')!.getSnapshot() as { value: unknown; context: { legLots: number[]; paused: boolean } };
    expect(snap.value).toEqual({ long: 'idle' });
    // The first left HC naked: the pause stays for the operator to lift.
    expect(snap.context).toMatchObject({ legLots: [1, -1], paused: true });
    s.venue.quote('RB', 3208, 3209);
    expect(s.venue.submitted).toEqual([]);
    s.engine.control('resume', { source: 'test' });
    // The long entry buys the 4 units short of the target.
    s.venue.quote('RB', 3208, 3209);
    expect(s.venue.submitted.map((o) => [o.clientId, o.symbol, o.side, o.qty])).toEqual([['hc-rb/1.1', 'HC', 1, 4]]);
  });
});

describe('a fill past its order\'s size', () => {
  it('one hedge fill of 9 lots on a 5-lot order: named, and only the 4 lots over are hedged (9 units, not 13)', () => {
    const s = legOut();
    s.venue.fill('hc-rb/1.2', 9, 3208); // RB −9 against HC +5
    expect(s.engine.summary().errors).toEqual(['venue: order hc-rb/1.2 of 5 lots reported filled 9: the 4 lots over are hedged as any fill']);
    expect(s.venue.submitted.slice(2).map((o) => `${o.symbol} ${o.side} ${o.qty}`)).toEqual(['HC 1 4']);
    s.venue.accept(s.venue.submitted[2]!.clientId);
    s.venue.fill(s.venue.submitted[2]!.clientId);
    s.clock.advance(10_000);
    expect(s.venue.submitted).toHaveLength(3);
    expect(s.pos()).toEqual({ HC: 9, RB: -9 });
    expect(s.executions).toMatchObject([{ algoId: 'hc-rb/1', status: 'completed', qty: 5, units: 9, residualLots: [0, 0] }]);
  });
});

describe('reports whose numbers are not lots or ticks', () => {
  const bad = [
    { name: 'qty NaN', change: { qty: NaN }, says: 'qty NaN is not a whole number of lots above 0' },
    { name: 'a negative qty', change: { qty: -3 }, says: 'qty -3 is not a whole number of lots above 0' },
    { name: 'a fractional qty', change: { qty: 2.5 }, says: 'qty 2.5 is not a whole number of lots above 0' },
    { name: 'qty 0', change: { qty: 0 }, says: 'qty 0 is not a whole number of lots above 0' },
    { name: 'price NaN', change: { price: NaN }, says: 'price NaN is not a whole number of ticks' },
    { name: 'a fractional price', change: { price: 3380.5 }, says: 'price 3380.5 is not a whole number of ticks' },
    { name: 'side 0', change: { side: 0 }, says: 'side 0 is neither 1 (buy) nor -1 (sell)' },
    { name: 'no trade id', change: { tradeId: '' }, says: 'has no trade id' },
    // What the journal holds a resume to (journal-records.ts): accepted live, such a fill made the resume refuse the journal.
    { name: 'a trade id of 600 characters', change: { tradeId: 'T'.repeat(600) }, says: 'trade id of 600 characters is longer than 512' },
    { name: 'liquidity "sometimes"', change: { liquidity: 'sometimes' }, says: 'liquidity "sometimes" is neither maker nor taker' },
    { name: 'a symbol of 600 characters', change: { symbol: 'S'.repeat(600) }, says: 'symbol of 600 characters is longer than 512' },
  ];
  for (const b of bad) {
    it(`a fill with ${b.name} is refused by name, neither booked nor routed, and the sound report after it counts`, () => {
      const s = entry();
      s.venue.reports$.next({ type: 'order.filled', clientId: 'hc-rb/1.1', tradeId: 'N1', symbol: 'HC', side: 1, qty: 5, price: 3380, at: s.clock.now(), ...b.change } as never);
      expect(s.engine.summary().errors).toEqual([`venue: report order.filled for hc-rb/1.1 refused: ${b.says}`]);
      expect(s.pos()).toEqual({ HC: 0, RB: 0 });
      expect(s.venue.submitted).toHaveLength(1);
      s.venue.fill('hc-rb/1.1', 5, 3380);
      expect(s.pos()).toEqual({ HC: 5, RB: 0 });
      expect(s.venue.submitted.map((o) => `${o.symbol} ${o.side} ${o.qty}`)).toEqual(['HC 1 5', 'RB -1 5']);
    });
  }

  it('a fill whose symbol or side is not its working order\'s is refused by name', () => {
    const s = entry();
    s.venue.reports$.next({ type: 'order.filled', clientId: 'hc-rb/1.1', tradeId: 'W1', symbol: 'RB', side: 1, qty: 5, price: 3209, at: s.clock.now() });
    s.venue.reports$.next({ type: 'order.filled', clientId: 'hc-rb/1.1', tradeId: 'W2', symbol: 'HC', side: -1, qty: 5, price: 3380, at: s.clock.now() });
    expect(s.engine.summary().errors).toEqual([
      "venue: report order.filled for hc-rb/1.1 refused: side 1 of RB is not the order's (side 1 of HC)",
      "venue: report order.filled for hc-rb/1.1 refused: side -1 of HC is not the order's (side 1 of HC)",
    ]);
    expect(s.pos()).toEqual({ HC: 0, RB: 0 });
    expect(s.venue.submitted).toHaveLength(1);
  });

  it('a cancel confirmation with a fractional filledQty, and a report of an unknown type, are refused by name', () => {
    const s = entry();
    s.venue.canceled('hc-rb/1.1', 0.5);
    s.venue.reports$.next({ type: 'order.exploded', clientId: 'hc-rb/1.1', at: s.clock.now() } as never);
    expect(s.engine.summary().errors).toEqual([
      'venue: report order.canceled for hc-rb/1.1 refused: filledQty 0.5 is not a whole number of lots',
      'venue: report order.exploded for hc-rb/1.1 refused: type order.exploded is not a report the engine knows',
    ]);
    expect(s.records.filter((r) => r.kind === 'report')).toHaveLength(1); // the acceptance only
  });
});

describe('a hedge leg that refuses every order', () => {
  it('the algo ends residual and the strategy pauses: no new entry piles lots onto the naked leg', () => {
    // RB (the hedge leg) rejects every order, as a limit-locked or halted contract would; HC fills every buy.
    const s = scriptedDemo('10:00:00');
    s.until('10:00:10');
    const seen = new Set<string>();
    for (let i = 0; i < 800; i++) {
      // 400 s
      if (i % 4 === 0) {
        s.venue.quote('HC', 3379, 3380);
        s.venue.quote('RB', 3208, 3209);
      }
      for (const o of s.venue.submitted) {
        if (seen.has(o.clientId)) continue;
        seen.add(o.clientId);
        if (o.symbol === 'HC' && o.side > 0) {
          s.venue.accept(o.clientId);
          s.venue.fill(o.clientId);
        } else s.venue.reject(o.clientId, 'limit locked');
      }
      s.clock.advance(500);
    }
    expect(s.executions.map((e) => [e.algoId, e.reason, e.residualLots])).toEqual([['hc-rb/1', 'residual', [5, 0]]]);
    expect(s.engine.position('hc-rb', 'HC')).toBe(5);
    const snap = s.engine.actor.system.get('strategy:hc-rb')!.getSnapshot() as { context: { legLots: number[]; paused: boolean } };
    expect(snap.context).toMatchObject({ legLots: [5, 0], paused: true });
  });
});
