import { describe, expect, it } from 'vitest';
import { scriptedDemo } from '../helpers/scripted-demo.js';

/**
 * Quotes reach a strategy by their symbol's route (engine.ts), re-keyed at its first quote by the venue's own string
 * for the symbol. A venue that also quotes symbols no strategy trades must trade exactly as one that does not. (A
 * venue that names each quote with a new string, as a FIX or NATS venue decoding one per message does, cannot be
 * told apart in JavaScript: a Map finds a string by its text, so only V8's speed sees the difference.)
 */
function run(unlisted: boolean) {
  const s = scriptedDemo('10:00:00', (c) => {
    c.strategies[0]!.target = 5;
  });
  const book = (symbol: string, bid: number, ask: number): void => {
    s.venue.quotes$.next({ symbol, bid, ask, bidSize: 10, askSize: 10, ts: s.clock.now() });
    if (unlisted) s.venue.quotes$.next({ symbol: 'ZZ', bid: 1, ask: 2, bidSize: 3, askSize: 3, ts: s.clock.now() });
  };
  s.until('10:00:10');
  book('RB', 3190, 3210);
  book('HC', 3380, 3390); // spread bid 3380 − 3210 = 170: no trigger
  s.clock.advance(100);
  book('HC', 3399, 3400); // spread bid 3399 − 3210 = 189 ≥ 188: short the spread
  s.venue.fill('hc-rb/1.1', 5, 3399);
  s.clock.advance(100);
  book('RB', 3195, 3205);
  const sent = s.venue.submitted.map((o) => `${o.clientId} ${o.symbol} ${o.side > 0 ? 'buy' : 'sell'} ${o.qty}@${o.price}`);
  return { sent, quotes: s.engine.summary().counts.quotes };
}

describe('quote routes', () => {
  const expected = ['hc-rb/1.1 HC sell 5@3398', 'hc-rb/1.2 RB buy 5@3191'];

  it("trade on a venue that quotes only the strategy's symbols", () => {
    expect(run(false)).toEqual({ sent: expected, quotes: 4 });
  });

  it('trade the same while the venue also quotes a symbol no strategy trades, counting its quotes', () => {
    expect(run(true)).toEqual({ sent: expected, quotes: 8 });
  });
});
