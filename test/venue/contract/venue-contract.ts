import { describe, expect, it } from 'vitest';
import type { OrderCanceled, OrderFilled, VenueReport } from '../../../src/domain/orders.js';
import type { LegQuote } from '../../../src/domain/quote.js';
import type { SimFaults } from '../../../src/venue/exchange.js';
import type { Venue } from '../../../src/venue/venue.js';

/**
 * One contract for the Venue port, run against every implementation (DESIGN.md §8): the embedded simulated
 * venue, the replay venue, the venue process (JSON lines) and the FIX venue over loopback. Every
 * implementation trades the same two instruments on the same exchange core: RB (tick 1, lot 1) and HC (tick
 * 0.5, lot 10), always open, quoting 2 to 6 lots a side.
 *
 * What an implementation cannot do it declares in its capabilities, and the suite then checks that it indeed
 * does not (a test of the declaration), rather than skipping anything silently.
 */
export interface Capabilities {
  /** `sync()`: what the venue knows of orders after the engine restarted (needs a venue that outlives it). */
  sync: boolean;
  /** The connection can drop and come back: status$ tells it, and orders meanwhile are refused at once. */
  reconnect: boolean;
  /** The venue can be asked to play duplicate and late reports (seeded faults of the exchange core). */
  faults: boolean;
}

export interface ContractVenue {
  venue: Venue;
  /** Runs the venue until `check` holds: steps its virtual clock, or polls real time with generous bounds. */
  until(check: () => boolean, what: string): Promise<void>;
  /** Starts an outage (reconnect capability); the returned function ends it. */
  outage?(): Promise<() => Promise<void>>;
  /** The engine restarts (sync capability): a new client of the same venue, with the same store. */
  restart?(): Promise<Venue>;
  close(): Promise<void>;
}

export interface VenueFactory {
  capabilities: Capabilities;
  make(options?: { faults?: SimFaults }): Promise<ContractVenue>;
}

/** What a test sees of a venue: its reports and quotes, as delivered. */
function watch(venue: Venue) {
  const reports: VenueReport[] = [];
  const quotes: LegQuote[] = [];
  const status: boolean[] = [];
  venue.reports$.subscribe((r) => reports.push(r));
  venue.quotes$.subscribe((q) => quotes.push(q));
  venue.status$?.subscribe((s) => status.push(s.connected));
  const of = (id: string): VenueReport[] => reports.filter((r) => r.clientId === id);
  const fills = (id: string): OrderFilled[] => of(id).filter((r): r is OrderFilled => r.type === 'order.filled');
  /** Fills counted once per trade id (a duplicate report repeats one). */
  const distinct = (id: string): OrderFilled[] => [...new Map(fills(id).map((f) => [f.tradeId, f])).values()];
  const filled = (id: string): number => distinct(id).reduce((n, f) => n + f.qty, 0);
  const canceled = (id: string): OrderCanceled | undefined => of(id).find((r): r is OrderCanceled => r.type === 'order.canceled');
  const last = (symbol: string): LegQuote | undefined => quotes.findLast((q) => q.symbol === symbol);
  return { reports, quotes, status, of, fills, distinct, filled, canceled, last };
}

let ids = 0;
const id = (what: string): string => `c${++ids}.${what}`;

export function venueContract(name: string, factory: VenueFactory): void {
  const caps = factory.capabilities;

  async function use(fn: (h: ContractVenue, w: ReturnType<typeof watch>) => Promise<void>, options?: { faults?: SimFaults }): Promise<void> {
    const h = await factory.make(options);
    const w = watch(h.venue);
    h.venue.start();
    try {
      await h.until(() => w.last('RB') !== undefined && w.last('HC') !== undefined, 'a quote of each instrument');
      await fn(h, w);
    } finally {
      await h.close();
    }
  }

  describe(`the Venue contract: ${name}`, () => {
    it('lists its instruments with their tick and lot sizes', async () => {
      await use(async (h) => {
        expect(h.venue.instruments().map((i) => [i.symbol, i.tickSize.toString(), i.lotSize.toString()])).toEqual([
          ['RB', '1', '1'],
          ['HC', '0.5', '10'],
        ]);
      });
    });

    it('quotes every instrument in whole ticks and lots, the bid below the ask', async () => {
      await use(async (h, w) => {
        await h.until(() => w.quotes.length >= 20, '20 quotes');
        for (const q of w.quotes) {
          expect(Number.isSafeInteger(q.bid) && Number.isSafeInteger(q.ask) && Number.isSafeInteger(q.bidSize) && Number.isSafeInteger(q.askSize)).toBe(true);
          if (q.bidSize > 0 && q.askSize > 0) expect(q.bid).toBeLessThan(q.ask);
        }
        // HC around (3200 + 180) / 0.5 ticks: the tick size was applied, not ignored.
        expect(Math.abs(w.last('HC')!.bid - 6760)).toBeLessThan(200);
      });
    });

    it('a marketable order is accepted, then filled at its limit or better, with a trade id', async () => {
      await use(async (h, w) => {
        const c = id('take');
        const limit = w.last('HC')!.ask + 6;
        h.venue.submit({ clientId: c, symbol: 'HC', side: 1, qty: 1, price: limit });
        await h.until(() => w.filled(c) === 1, 'its fill');
        expect(w.of(c)[0]!.type).toBe('order.accepted');
        const f = w.fills(c)[0]!;
        expect(f).toMatchObject({ symbol: 'HC', side: 1, qty: 1 });
        expect(f.price).toBeLessThanOrEqual(limit);
        expect(f.tradeId.length).toBeGreaterThan(0);
      });
    });

    it('a resting order is accepted, and canceled with 0 lots filled', async () => {
      await use(async (h, w) => {
        const c = id('rest');
        h.venue.submit({ clientId: c, symbol: 'RB', side: 1, qty: 2, price: w.last('RB')!.bid - 100 });
        await h.until(() => w.of(c).some((r) => r.type === 'order.accepted'), 'its acceptance');
        h.venue.cancel(c);
        await h.until(() => w.canceled(c) !== undefined, 'its cancel');
        expect(w.canceled(c)!.filledQty).toBe(0);
        expect(w.fills(c)).toEqual([]);
      });
    });

    it('partial fills add up, never past the order; a fill racing the cancel is counted in its filledQty', async () => {
      await use(async (h, w) => {
        const c = id('race');
        h.venue.submit({ clientId: c, symbol: 'RB', side: 1, qty: 40, price: w.last('RB')!.ask + 2 });
        await h.until(() => w.fills(c).length > 0, 'a first fill');
        h.venue.cancel(c);
        await h.until(() => w.canceled(c) !== undefined || w.of(c).some((r) => r.type === 'order.cancelRejected'), 'the cancel answered');
        const done = w.canceled(c);
        if (done) await h.until(() => w.filled(c) === done.filledQty, `fills adding up to the cancel's ${done.filledQty} lots`);
        else expect(w.filled(c)).toBe(40); // filled completely before the cancel arrived: it was rejected
        expect(w.filled(c)).toBeLessThanOrEqual(40);
        expect(w.distinct(c).length).toBeGreaterThan(0);
      });
    });

    it('rejects an order for an unknown symbol, naming it', async () => {
      await use(async (h, w) => {
        const c = id('zz');
        h.venue.submit({ clientId: c, symbol: 'ZZ', side: 1, qty: 1, price: 100 });
        await h.until(() => w.of(c).length > 0, 'an answer');
        expect(w.of(c)[0]).toMatchObject({ type: 'order.rejected', reason: expect.stringContaining('ZZ') });
      });
    });

    it('rejects a second order with a client id already used', async () => {
      await use(async (h, w) => {
        const c = id('dup');
        const order = { clientId: c, symbol: 'RB', side: 1 as const, qty: 1, price: w.last('RB')!.bid - 100 };
        h.venue.submit(order);
        h.venue.submit(order);
        await h.until(() => w.of(c).some((r) => r.type === 'order.rejected'), 'the copy rejected');
        expect(w.of(c).find((r) => r.type === 'order.rejected')).toMatchObject({ reason: expect.stringMatching(/duplicate/) });
      });
    });

    it('rejects the cancel of an order it does not know, and of a filled one', async () => {
      await use(async (h, w) => {
        const unknown = id('nope');
        h.venue.cancel(unknown);
        await h.until(() => w.of(unknown).length > 0, 'an answer');
        expect(w.of(unknown)[0]!.type).toBe('order.cancelRejected');
        const c = id('gone');
        h.venue.submit({ clientId: c, symbol: 'RB', side: -1, qty: 1, price: w.last('RB')!.bid - 6 });
        await h.until(() => w.filled(c) === 1, 'its fill');
        h.venue.cancel(c);
        await h.until(() => w.of(c).some((r) => r.type === 'order.cancelRejected'), 'the cancel rejected');
        expect(w.canceled(c)).toBeUndefined();
      });
    });

    if (caps.faults) {
      it('a duplicate report repeats the same fill (same trade id, lots and price): counted once it adds up', async () => {
        await use(
          async (h, w) => {
            const c = id('twice');
            h.venue.submit({ clientId: c, symbol: 'HC', side: -1, qty: 2, price: w.last('HC')!.bid - 10 });
            await h.until(() => w.filled(c) === 2, 'its fills');
            const byId = new Map<string, OrderFilled>();
            for (const f of w.fills(c)) {
              const seen = byId.get(f.tradeId);
              if (seen) expect([f.qty, f.price]).toEqual([seen.qty, seen.price]);
              byId.set(f.tradeId, f);
            }
            expect(w.fills(c).length).toBeGreaterThanOrEqual(w.distinct(c).length);
          },
          { faults: { duplicateRate: 1 } },
        );
      });

      it('late reports: a cancel confirmation may overtake fills, and the fills it counts still arrive', async () => {
        await use(
          async (h, w) => {
            const c = id('late');
            h.venue.submit({ clientId: c, symbol: 'RB', side: 1, qty: 40, price: w.last('RB')!.ask + 2 });
            await h.until(() => w.of(c).length > 0, 'a first report');
            h.venue.cancel(c);
            await h.until(() => w.canceled(c) !== undefined || w.of(c).some((r) => r.type === 'order.cancelRejected' || r.type === 'order.rejected'), 'the cancel answered');
            const done = w.canceled(c);
            if (done) await h.until(() => w.filled(c) === done.filledQty, `late fills adding up to ${done.filledQty}`);
            expect(w.filled(c)).toBeLessThanOrEqual(40);
          },
          { faults: { lateRate: 0.5, lateMs: 300 } },
        );
      });
    } else {
      it('cannot play duplicate or late reports (declared)', () => {
        expect(caps.faults).toBe(false);
      });
    }

    if (caps.reconnect) {
      it('an outage is a state: status$ tells it, orders and cancels meanwhile are refused at once, and trading resumes', async () => {
        await use(async (h, w) => {
          const end = await h.outage!();
          await h.until(() => w.status.includes(false), 'the disconnection');
          const c = id('out');
          h.venue.submit({ clientId: c, symbol: 'RB', side: 1, qty: 1, price: 1 });
          h.venue.cancel(c);
          expect(w.of(c).map((r) => [r.type, 'reason' in r ? r.reason : ''])).toEqual([
            ['order.rejected', 'disconnected'],
            ['order.cancelRejected', 'disconnected'],
          ]);
          await end();
          await h.until(() => w.status.at(-1) === true, 'the reconnection');
          const after = id('back');
          await h.until(() => w.last('RB') !== undefined, 'a quote');
          h.venue.submit({ clientId: after, symbol: 'RB', side: 1, qty: 1, price: w.last('RB')!.ask + 10 });
          await h.until(() => w.filled(after) === 1, 'a fill after the outage');
        });
      });
    } else {
      it('has no connection to lose (declared): no status$', async () => {
        const h = await factory.make();
        try {
          expect(h.venue.status$).toBeUndefined();
        } finally {
          await h.close();
        }
      });
    }

    if (caps.sync) {
      it("sync after a restart: each order's status and fills, every open order, positions; ids it never got are void", async () => {
        await use(async (h, w) => {
          const taken = id('taken');
          const resting = id('resting');
          const never = id('never');
          h.venue.submit({ clientId: taken, symbol: 'HC', side: 1, qty: 2, price: w.last('HC')!.ask + 10 });
          h.venue.submit({ clientId: resting, symbol: 'RB', side: -1, qty: 1, price: w.last('RB')!.ask + 200 });
          await h.until(() => w.filled(taken) === 2 && w.of(resting).some((r) => r.type === 'order.accepted'), 'the fills and the acceptance');
          const live = w.distinct(taken).map((f) => f.tradeId).sort();
          const next = await h.restart!();
          const s = await next.sync!([taken, resting, never]);
          const by = new Map(s.orders.map((o) => [o.clientId, o]));
          expect(by.get(taken)).toMatchObject({ status: 'filled', symbol: 'HC', side: 1, qty: 2, filled: 2 });
          expect(by.get(taken)!.fills.map((f) => f.tradeId).sort()).toEqual(live);
          expect(by.get(taken)!.fills.reduce((n, f) => n + f.qty, 0)).toBe(2);
          expect(by.get(resting)).toMatchObject({ status: 'open', symbol: 'RB', side: -1, qty: 1, filled: 0, fills: [] });
          expect(by.get(never)).toMatchObject({ status: 'unknown', filled: 0, fills: [] });
          expect(s.open).toContain(resting);
          expect(s.open).not.toContain(taken);
          expect(s.positions['HC']).toBe(2);
          // The void id is refused if a late copy of it arrives.
          const seen: VenueReport[] = [];
          next.reports$.subscribe((r) => seen.push(r));
          next.submit({ clientId: never, symbol: 'RB', side: 1, qty: 1, price: 1 });
          await h.until(() => seen.some((r) => r.clientId === never), 'the late copy answered');
          expect(seen.find((r) => r.clientId === never)).toMatchObject({ type: 'order.rejected', reason: expect.stringMatching(/void/) });
        });
      });
    } else {
      it('has no sync (declared): it cannot report on orders after a restart, so a resume rejects them', async () => {
        const h = await factory.make();
        try {
          expect(h.venue.sync).toBeUndefined();
        } finally {
          await h.close();
        }
      });
    }
  });
}
