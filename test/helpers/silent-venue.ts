import type { VenueOrderState, VenueSync } from '../../src/venue/venue.js';
import { scriptedDemo } from './scripted-demo.js';

/**
 * The demo HC − RB on a scripted venue, legged out: hc-rb/1.1 bought HC 5, hc-rb/1.2 (sell RB 5 @ 3208) rests. Its
 * ladder rests for a minute (it would cross after 3 s), so what follows is the venue's doing. For the tests of a
 * venue silent on an order (test/engine/venue-silence*.test.ts).
 */
export function legOut(change: Parameters<typeof scriptedDemo>[1] = () => {}) {
  const s = scriptedDemo('10:00:00', (c) => {
    c.strategies[0]!.execution = { ...c.strategies[0]!.execution, hedge: { crossAfterMs: 60_000, unwindAfterMs: 120_000, giveUpAfterMs: 180_000 } };
    change(c);
  });
  s.until('10:00:10');
  s.venue.quote('HC', 3379, 3380);
  s.venue.quote('RB', 3208, 3209);
  s.venue.accept('hc-rb/1.1');
  s.venue.fill('hc-rb/1.1', 5, 3380);
  s.venue.accept('hc-rb/1.2');
  const unanswered = () => s.records.filter((r) => r.kind === 'order.unanswered').map(({ at: _at, kind: _kind, ...rest }) => rest);
  const cancelsOf = (clientId: string) => s.venue.cancels.filter((c) => c.clientId === clientId).length;
  const orderState = (clientId: string) => s.engine.actor.system.get(`order:${clientId}`)?.getSnapshot().value;
  const freshBooks = () => {
    s.venue.quote('HC', 3379, 3380);
    s.venue.quote('RB', 3207, 3208);
  };
  /** Time passes with the books fresh (RB moved down a tick from the hedge's price: it is re-priced when stale). */
  const pass = (ms: number) => {
    for (let t = 0; t < ms; t += 500) {
      freshBooks();
      s.clock.advance(Math.min(500, ms - t));
    }
  };
  /** The same books every 500 ms on the clock's own timers, for Engine.run and stop. */
  const feed = () => {
    freshBooks();
    s.clock.setTimeout(feed, 500);
  };
  return { ...s, unanswered, cancelsOf, orderState, pass, feed };
}

/** Gives the venue a status answer (Venue.sync) the test writes; returns what it was asked, in order. */
export function answering(s: ReturnType<typeof legOut>, answer: (ids: readonly string[]) => VenueOrderState[]): string[][] {
  const asked: string[][] = [];
  (s.venue as { sync?: (ids: readonly string[]) => Promise<VenueSync> }).sync = async (ids) => {
    asked.push([...ids]);
    return { now: s.clock.now(), orders: answer(ids), open: [], positions: {} };
  };
  return asked;
}
