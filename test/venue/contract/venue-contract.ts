import { describe, expect, it } from 'vitest';
import type { OrderCanceled, OrderFilled, OrderReplaced, VenueReport } from '../../../src/domain/orders.js';
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
  /** `replace()`: a working order's price or size changed in place (docs/fill-model.md, docs/fix.md). */
  replace: boolean;
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
  const replaced = (id: string): OrderReplaced[] => of(id).filter((r): r is OrderReplaced => r.type === 'order.replaced');
  const answered = (id: string, n = 1): boolean => of(id).filter((r) => r.type === 'order.replaced' || r.type === 'order.replaceRejected').length >= n;
  const last = (symbol: string): LegQuote | undefined => quotes.findLast((q) => q.symbol === symbol);
  return { reports, quotes, status, of, fills, distinct, filled, canceled, replaced, answered, last };
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

    if (caps.replace) {
      it('replaces a resting order in place: the same id works at the new price, and a replace that crosses fills', async () => {
        await use(async (h, w) => {
          const c = id('move');
          const far = w.last('RB')!.bid - 100;
          h.venue.submit({ clientId: c, symbol: 'RB', side: 1, qty: 3, price: far });
          await h.until(() => w.of(c).some((r) => r.type === 'order.accepted'), 'its acceptance');
          h.venue.replace!(c, { price: far + 1 });
          await h.until(() => w.answered(c), 'the replace answered');
          expect(w.replaced(c)).toEqual([{ type: 'order.replaced', clientId: c, price: far + 1, qty: 3, at: expect.any(Number) }]);
          // A smaller size at the same price.
          h.venue.replace!(c, { price: far + 1, qty: 2 });
          await h.until(() => w.answered(c, 2), 'the second replace answered');
          expect(w.replaced(c).at(-1)).toMatchObject({ price: far + 1, qty: 2 });
          expect(w.fills(c)).toEqual([]);
          // Through the ask: an aggressive order now, it fills at its limit or better, never more than its size.
          const limit = w.last('RB')!.ask + 20;
          h.venue.replace!(c, { price: limit });
          await h.until(() => w.filled(c) === 2, 'its fills');
          expect(w.replaced(c).at(-1)).toMatchObject({ price: limit, qty: 2 });
          for (const f of w.distinct(c)) expect(f.price).toBeLessThanOrEqual(limit);
          h.venue.cancel(c);
          await h.until(() => w.of(c).some((r) => r.type === 'order.cancelRejected'), 'the cancel of the filled order rejected');
        });
      });

      it('a replace racing fills: fills before it count at the old price, and the cancel after it counts them all', async () => {
        await use(async (h, w) => {
          const c = id('rrace');
          h.venue.submit({ clientId: c, symbol: 'RB', side: 1, qty: 40, price: w.last('RB')!.ask + 2 });
          await h.until(() => w.fills(c).length > 0, 'a first fill');
          const away = w.last('RB')!.bid - 100;
          h.venue.replace!(c, { price: away });
          await h.until(() => w.answered(c), 'the replace answered');
          const rejected = w.of(c).find((r) => r.type === 'order.replaceRejected');
          if (rejected) {
            // Filled completely before the replace arrived: too late, and the fills say so.
            await h.until(() => w.filled(c) === 40, 'every fill');
            expect(rejected).toMatchObject({ reason: expect.stringMatching(/filled|canceled/) });
            return;
          }
          expect(w.replaced(c)[0]).toMatchObject({ price: away, qty: 40 });
          h.venue.cancel(c);
          await h.until(() => w.canceled(c) !== undefined, 'the cancel');
          await h.until(() => w.filled(c) === w.canceled(c)!.filledQty, `fills adding up to the cancel's ${w.canceled(c)!.filledQty} lots`);
          expect(w.filled(c)).toBeGreaterThan(0);
          expect(w.filled(c)).toBeLessThan(40);
        });
      });

      it('rejects the replace of an order it does not know and of a filled one, and a size not above what filled', async () => {
        await use(async (h, w) => {
          const unknown = id('rnope');
          h.venue.replace!(unknown, { price: 100 });
          await h.until(() => w.of(unknown).length > 0, 'an answer');
          expect(w.of(unknown)).toEqual([{ type: 'order.replaceRejected', clientId: unknown, reason: expect.stringMatching(/unknown/), at: expect.any(Number) }]);
          const gone = id('rgone');
          h.venue.submit({ clientId: gone, symbol: 'RB', side: -1, qty: 1, price: w.last('RB')!.bid - 6 });
          await h.until(() => w.filled(gone) === 1, 'its fill');
          h.venue.replace!(gone, { price: w.last('RB')!.bid + 50 });
          await h.until(() => w.answered(gone), 'the replace answered');
          expect(w.of(gone).find((r) => r.type === 'order.replaceRejected')).toMatchObject({ reason: expect.stringMatching(/filled|canceled|unknown/) });
          expect(w.replaced(gone)).toEqual([]);
          // Partly filled, then asked to shrink to what filled: refused, and it works on as it was.
          const part = id('rpart');
          const hcAsk = w.last('HC')!.ask;
          h.venue.submit({ clientId: part, symbol: 'HC', side: 1, qty: 40, price: hcAsk + 4 });
          await h.until(() => w.fills(part).length > 0, 'a first fill');
          const filled = w.filled(part);
          if (filled < 40) {
            h.venue.replace!(part, { price: hcAsk + 4, qty: filled });
            await h.until(() => w.answered(part), 'the replace answered');
            expect(w.of(part).some((r) => r.type === 'order.replaceRejected')).toBe(true);
            expect(w.replaced(part)).toEqual([]);
          }
        });
      });

      if (caps.faults) {
        it('a duplicate replaced report repeats the same price and size (an adapter may drop it: FIX by ExecID)', async () => {
          await use(
            async (h, w) => {
              const c = id('rtwice');
              const far = w.last('RB')!.bid - 100;
              h.venue.submit({ clientId: c, symbol: 'RB', side: 1, qty: 2, price: far });
              await h.until(() => w.of(c).some((r) => r.type === 'order.accepted'), 'its acceptance');
              h.venue.replace!(c, { price: far - 1 });
              await h.until(() => w.replaced(c).length >= 1, 'the replaced report');
              // A later order's answer comes after any copy of the replaced report.
              const marker = id('rmark');
              h.venue.submit({ clientId: marker, symbol: 'RB', side: 1, qty: 1, price: far });
              await h.until(() => w.of(marker).some((r) => r.type === 'order.accepted'), 'a later acceptance');
              expect(w.replaced(c).length).toBeGreaterThanOrEqual(1);
              for (const r of w.replaced(c)) expect([r.price, r.qty]).toEqual([far - 1, 2]);
            },
            { faults: { duplicateRate: 1 } },
          );
        });
      }

      if (caps.reconnect) {
        it('a replace during an outage is refused at once', async () => {
          await use(async (h, w) => {
            const c = id('rout');
            h.venue.submit({ clientId: c, symbol: 'RB', side: 1, qty: 1, price: w.last('RB')!.bid - 100 });
            await h.until(() => w.of(c).some((r) => r.type === 'order.accepted'), 'its acceptance');
            const end = await h.outage!();
            await h.until(() => w.status.includes(false), 'the disconnection');
            h.venue.replace!(c, { price: w.last('RB')!.bid - 99 });
            expect(w.of(c).at(-1)).toMatchObject({ type: 'order.replaceRejected', reason: 'disconnected' });
            await end();
            await h.until(() => w.status.at(-1) === true, 'the reconnection');
          });
        });
      }

      if (caps.sync) {
        it('sync after a restart finds a replaced order, with its new price and size', async () => {
          await use(async (h, w) => {
            const c = id('rsync');
            const far = w.last('RB')!.bid - 100;
            h.venue.submit({ clientId: c, symbol: 'RB', side: 1, qty: 3, price: far });
            await h.until(() => w.of(c).some((r) => r.type === 'order.accepted'), 'its acceptance');
            h.venue.replace!(c, { price: far + 2, qty: 2 });
            await h.until(() => w.answered(c), 'the replace answered');
            h.venue.replace!(c, { price: far + 3 });
            await h.until(() => w.answered(c, 2), 'the second replace answered');
            const next = await h.restart!();
            const s = await next.sync!([c]);
            expect(s.orders).toEqual([expect.objectContaining({ clientId: c, status: 'open', symbol: 'RB', side: 1, qty: 2, price: far + 3, filled: 0 })]);
            expect(s.open).toContain(c);
            // The new client can replace and cancel it by the same id.
            const seen: VenueReport[] = [];
            next.reports$.subscribe((r) => seen.push(r));
            next.replace!(c, { price: far + 4 });
            await h.until(() => seen.some((r) => r.type === 'order.replaced' || r.type === 'order.replaceRejected'), 'the replace after the restart answered');
            expect(seen.find((r) => r.clientId === c)).toMatchObject({ type: 'order.replaced', price: far + 4, qty: 2 });
            next.cancel(c);
            await h.until(() => seen.some((r) => r.type === 'order.canceled'), 'its cancel');
          });
        });
      }
    } else {
      it('cannot replace (declared): the engine cancels and re-sends instead', async () => {
        const h = await factory.make();
        try {
          expect(h.venue.replace).toBeUndefined();
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
