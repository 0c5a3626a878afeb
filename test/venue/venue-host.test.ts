import { describe, expect, it } from 'vitest';
import { crashConfig } from '../../scripts/crash.js';
import { resolveConfig } from '../../src/config/resolve.js';
import type { SimVenueSpec } from '../../src/venue/simulated/simulated-venue.js';
import type { VenueMessage } from '../../src/venue/remote/protocol.js';
import { VenueHost } from '../../src/venue/remote/venue-host.js';

function host() {
  const config = resolveConfig(crashConfig(1, 10, 'taker'), 'crash', {});
  const h = new VenueHost(config.venue as SimVenueSpec, config.run.start);
  const sent: VenueMessage[] = [];
  const replies: VenueMessage[] = [];
  const attach = (send: (m: VenueMessage) => void): void => h.setSink((m) => (sent.push(m), send(m)));
  h.handle({ t: 'sync', id: 1, clientIds: [] }, (m) => replies.push(m), attach);
  const reports = () => sent.filter((m): m is Extract<VenueMessage, { t: 'report' }> => m.t === 'report').map((m) => m.r);
  return { h, start: config.run.start, reports, replies, attach };
}

describe('the venue process keeps what a restarting engine asks for', () => {
  it('counts and refuses an order whose client id it has already received', () => {
    const { h, start, reports } = host();
    const order = { clientId: 'r1.a/1.1', symbol: 'RB', side: 1 as const, qty: 1, price: '1000' };
    h.handle({ t: 'submit', order }, () => {}, () => {});
    h.handle({ t: 'submit', order }, () => {}, () => {});
    h.clock.runUntil(start + 1000);
    expect(reports().filter((r) => r.clientId === 'r1.a/1.1').map((r) => r.type === 'order.rejected' ? r.reason : r.type)).toEqual(['duplicate clientId', 'order.accepted']);
    expect(h.stats()).toMatchObject({ submissions: 2, duplicates: 1, voidRefused: 0, open: ['r1.a/1.1'] });
  });

  it('answers a sync with each order status and fills, voids the ids it never received, and refuses them later', () => {
    const { h, start, replies, attach } = host();
    h.handle({ t: 'submit', order: { clientId: 'r1.a/1.1', symbol: 'RB', side: 1, qty: 1, price: '1000' } }, () => {}, () => {});
    h.clock.runUntil(start + 1000);
    h.handle({ t: 'sync', id: 2, clientIds: ['r1.a/1.1', 'r1.a/1.2'] }, (m) => replies.push(m), attach);
    const reply = replies.at(-1) as Extract<VenueMessage, { t: 'reply' }>;
    expect(reply.sync!.orders).toEqual([
      { clientId: 'r1.a/1.1', status: 'open', symbol: 'RB', side: 1, qty: 1, filled: 0, fills: [] },
      { clientId: 'r1.a/1.2', status: 'unknown', filled: 0, fills: [] },
    ]);
    expect(reply.sync!.open).toEqual(['r1.a/1.1']);
    expect(reply.sync!.positions).toEqual({ RB: 0, HC: 0 });
    h.handle({ t: 'submit', order: { clientId: 'r1.a/1.2', symbol: 'RB', side: 1, qty: 1, price: '1000' } }, () => {}, () => {});
    expect(h.stats()).toMatchObject({ submissions: 2, duplicates: 0, voidRefused: 1 });
  });

  it('rejects a price off the tick grid and an unknown symbol, naming them', () => {
    const { h, reports } = host();
    h.handle({ t: 'submit', order: { clientId: 'x1', symbol: 'RB', side: 1, qty: 1, price: '3200.5' } }, () => {}, () => {});
    h.handle({ t: 'submit', order: { clientId: 'x2', symbol: 'ZZ', side: 1, qty: 1, price: '1' } }, () => {}, () => {});
    expect(reports().map((r) => (r.type === 'order.rejected' ? r.reason : r.type))).toEqual(['price "3200.5" is not on the tick grid of RB', 'unknown symbol ZZ']);
  });

  it('reports fills with decimal prices and keeps them per order and in its positions', () => {
    const { h, start, reports } = host();
    // A marketable buy far above the market fills at the ask.
    h.clock.runUntil(start + 5000);
    h.handle({ t: 'submit', order: { clientId: 'r1.a/1.1', symbol: 'RB', side: 1, qty: 1, price: '9999' } }, () => {}, () => {});
    h.clock.runUntil(start + 6000);
    const fill = reports().find((r) => r.type === 'order.filled');
    expect(fill).toMatchObject({ clientId: 'r1.a/1.1', symbol: 'RB', side: 1, qty: 1 });
    expect(typeof (fill as { price: unknown }).price).toBe('string');
    const o = h.stats().orders.find((x) => x.clientId === 'r1.a/1.1')!;
    expect(o.status).toBe('filled');
    expect(o.fills.map((f) => f.price)).toEqual([(fill as { price: string }).price]);
    expect(h.positions()).toEqual({ RB: 1, HC: 0 });
  });
});
