import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crashConfig } from '../../scripts/crash.js';
import { resolveConfig } from '../../src/config/resolve.js';
import type { VenueReport } from '../../src/domain/orders.js';
import type { SimVenueSpec } from '../../src/venue/simulated/simulated-venue.js';
import { MAX_ENGINE_LINE_BYTES, lineReader, type VenueMessage } from '../../src/venue/remote/protocol.js';
import { RemoteVenue } from '../../src/venue/remote/remote-venue.js';
import { VenueHost, VenueServer, engineReader } from '../../src/venue/remote/venue-host.js';

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
      { clientId: 'r1.a/1.1', status: 'open', symbol: 'RB', side: 1, qty: 1, price: '1000', filled: 0, fills: [] },
      { clientId: 'r1.a/1.2', status: 'unknown', filled: 0, fills: [] },
    ]);
    expect(reply.sync!.open).toEqual(['r1.a/1.1']);
    expect(reply.sync!.positions).toEqual({ RB: 0, HC: 0 });
    h.handle({ t: 'submit', order: { clientId: 'r1.a/1.2', symbol: 'RB', side: 1, qty: 1, price: '1000' } }, () => {}, () => {});
    expect(h.stats()).toMatchObject({ submissions: 2, duplicates: 0, voidRefused: 1 });
  });

  it('replaces a recorded order (its record follows), and answers a hostile replace without changing anything', () => {
    const { h, start, reports } = host();
    h.handle({ t: 'submit', order: { clientId: 'r1.a/1.1', symbol: 'RB', side: 1, qty: 2, price: '1000' } }, () => {}, () => {});
    h.clock.runUntil(start + 1000);
    const errors: string[] = [];
    const say = (m: VenueMessage): void => void (m.t === 'error' && errors.push(m.message));
    // Malformed: refused at the protocol, naming the field.
    h.handle({ t: 'replace', clientId: 'r1.a/1.1', price: 'abc' }, say, () => {});
    h.handle({ t: 'replace', clientId: 'r1.a/1.1', price: '1001', qty: 0 }, say, () => {});
    h.handle({ t: 'replace', clientId: 'has space', price: '1001' }, say, () => {});
    expect(errors).toEqual([
      expect.stringMatching(/^replace of "r1.a\/1.1": price must be a decimal string/),
      expect.stringMatching(/^replace of "r1.a\/1.1": qty must be a positive whole number of lots/),
      expect.stringMatching(/^replace: clientId must be 1 to 128 printable ASCII/),
    ]);
    // Well-formed but not a replace this venue can make: an unknown or void id, a price off the grid or not above 0.
    h.handle({ t: 'replace', clientId: 'r1.a/9.9', price: '1001' }, say, () => {});
    h.handle({ t: 'replace', clientId: 'r1.a/1.1', price: '1000.5' }, say, () => {});
    h.handle({ t: 'replace', clientId: 'r1.a/1.1', price: '0' }, say, () => {});
    h.clock.runUntil(start + 2000);
    expect(reports().filter((r) => r.type === 'order.replaceRejected').map((r) => (r as { reason: string }).reason)).toEqual([
      'unknown order',
      'price "1000.5" is not on the tick grid of RB',
      'price "0" must be above 0',
    ]);
    expect(h.stats().orders.find((o) => o.clientId === 'r1.a/1.1')).toMatchObject({ price: '1000', qty: 2, status: 'open' });
    // A good one: the price (and size) it works at now, in its report and in its record.
    h.handle({ t: 'replace', clientId: 'r1.a/1.1', price: '1002', qty: 3 }, say, () => {});
    h.clock.runUntil(start + 3000);
    expect(reports().filter((r) => r.type === 'order.replaced')).toEqual([{ type: 'order.replaced', clientId: 'r1.a/1.1', symbol: 'RB', price: '1002', qty: 3, at: expect.any(Number) }]);
    expect(h.stats().orders.find((o) => o.clientId === 'r1.a/1.1')).toMatchObject({ price: '1002', qty: 3, status: 'open' });
    expect(h.hello()).toMatchObject({ t: 'hello', replace: true });
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

/** A synced host fed through the venue's own per-connection reader: every answer (replies and live messages) in order. */
function wired() {
  const config = resolveConfig(crashConfig(1, 10, 'taker'), 'crash', {});
  const h = new VenueHost(config.venue as SimVenueSpec, config.run.start);
  const answers: VenueMessage[] = [];
  const read = engineReader(h, (m) => answers.push(m), (send) => h.setSink(send));
  read('{"t":"sync","id":1,"clientIds":[]}\n');
  answers.length = 0;
  /** Feeds one line and returns the answers it got at once (the clock does not move). */
  const send = (line: string): VenueMessage[] => {
    const before = answers.length;
    read(line + '\n');
    return answers.slice(before);
  };
  const strip = (ms: VenueMessage[]) => ms.map((m) => ({ ...m, now: 0 }));
  /** Submits a valid order and runs the market a second: the report it got. */
  const trades = (clientId: string): VenueReport['type'] | undefined => {
    send(JSON.stringify({ t: 'submit', order: { clientId, symbol: 'RB', side: 1, qty: 1, price: '1000' } }));
    h.clock.runUntil(h.clock.now() + 1000);
    const r = answers.find((m): m is Extract<VenueMessage, { t: 'report' }> => m.t === 'report' && m.r.clientId === clientId);
    return r?.r.type;
  };
  return { h, read, send, strip, trades, answers };
}

describe('the venue process answers hostile input and keeps serving', () => {
  const killers: [string, VenueMessage][] = [
    ['null', { t: 'error', now: 0, message: 'a message must be a JSON object (got null)' }],
    ['{"t":"submit"}', { t: 'error', now: 0, message: 'submit: order is missing' }],
    ['{"t":"submit","order":null}', { t: 'error', now: 0, message: 'submit: order must be an object (got null)' }],
    ['{"t":"sync","id":1}', { t: 'reply', now: 0, id: 1, error: 'sync: clientIds is missing' }],
    ['{"t":"sync","id":1,"clientIds":"x"}', { t: 'reply', now: 0, id: 1, error: 'sync: clientIds must be an array of client ids (got "x")' }],
  ];
  for (const [line, answer] of killers) {
    it(`survives ${line}: one answer naming the problem, nothing changed, and a valid order still trades`, () => {
      const { h, send, strip, trades } = wired();
      const before = h.stats();
      expect(strip(send(line))).toEqual([answer]);
      expect(h.stats()).toEqual(before);
      expect(trades('ok-1')).toBe('order.accepted');
    });
  }

  it('rejects a negative or zero price as an order (recorded, with the reason), and keeps no position', () => {
    const { h, send, strip, trades } = wired();
    const order = (clientId: string, side: number, price: string) => JSON.stringify({ t: 'submit', order: { clientId, symbol: 'RB', side, qty: 1, price } });
    expect(strip(send(order('neg-1', 1, '-1000')))).toEqual([{ t: 'report', now: 0, r: { type: 'order.rejected', clientId: 'neg-1', reason: 'price "-1000" must be above 0', at: h.clock.now() } }]);
    expect(strip(send(order('zero-1', -1, '0')))).toEqual([{ t: 'report', now: 0, r: { type: 'order.rejected', clientId: 'zero-1', reason: 'price "0" must be above 0', at: h.clock.now() } }]);
    expect(h.stats()).toMatchObject({ submissions: 2, open: [], positions: { RB: 0, HC: 0 } });
    expect(h.stats().orders.map((o) => [o.clientId, o.status, o.reason])).toEqual([
      ['neg-1', 'rejected', 'price "-1000" must be above 0'],
      ['zero-1', 'rejected', 'price "0" must be above 0'],
    ]);
    expect(trades('ok-1')).toBe('order.accepted');
  });

  it('refuses an order without a client id, or with a bad one, as a protocol error (nothing recorded)', () => {
    const { h, send, strip } = wired();
    expect(strip(send('{"t":"submit","order":{"symbol":"RB","side":1,"qty":1,"price":"1000"}}'))).toEqual([{ t: 'error', now: 0, message: 'submit: order.clientId is missing' }]);
    expect(strip(send('{"t":"submit","order":{"clientId":"a b","symbol":"RB","side":1,"qty":1,"price":"1000"}}'))).toEqual([
      { t: 'error', now: 0, message: 'submit: order.clientId must be 1 to 128 printable ASCII characters without spaces (got "a b")' },
    ]);
    expect(strip(send(JSON.stringify({ t: 'cancel', clientId: 'x'.repeat(129) })))).toEqual([
      { t: 'error', now: 0, message: `cancel: clientId must be 1 to 128 printable ASCII characters without spaces (got "${'x'.repeat(40)}"… (129 characters))` },
    ]);
    expect(strip(send('{"t":"submit","order":{"clientId":"q1","symbol":"RB","side":2,"qty":1.5,"price":1000}}'))).toEqual([
      {
        t: 'error',
        now: 0,
        message:
          'submit of "q1": order.side must be 1 (buy) or -1 (sell) (got 2); order.qty must be a positive whole number of lots (got 1.5); order.price must be a decimal string such as "3381" or "3381.5" (at most 40 characters) (got 1000)',
      },
    ]);
    expect(h.stats()).toMatchObject({ submissions: 0, orders: [] });
  });

  it('drops an over-long line without buffering it (1 MB fed in chunks), answers once, and reads the next line', () => {
    const { h, read, answers, strip, trades } = wired();
    const head = '{"t":"sync","id":9,"clientIds":["';
    read(head);
    const chunk = 'x'.repeat(16 * 1024);
    const held: number[] = [];
    for (let fed = 0; fed < 1024 * 1024; fed += chunk.length) {
      read(chunk);
      held.push(read.buffered());
    }
    // Up to the cap the line is kept (head + 3 chunks); past it nothing is: the rest is skipped to the newline.
    expect(Math.max(...held)).toBe(head.length + 3 * chunk.length);
    expect(Math.max(...held)).toBeLessThanOrEqual(MAX_ENGINE_LINE_BYTES);
    expect(held.slice(3)).toEqual(new Array(held.length - 3).fill(0));
    const began = (head + 'x'.repeat(80)).slice(0, 40);
    expect(strip(answers)).toEqual([
      { t: 'error', now: 0, message: `line longer than 65536 bytes: dropped, reading resumes after the next newline (it began ${JSON.stringify(began)}… (80 characters))` },
    ]);
    read('xxx"]}\n');
    expect(answers).toHaveLength(1);
    expect(h.stats().orders).toEqual([]);
    expect(trades('ok-1')).toBe('order.accepted');
  });

  it('lineReader takes its cap as an option; its default keeps lines far longer than the venue accepts', () => {
    const lines: unknown[] = [];
    const long: number[] = [];
    const small = lineReader((m) => lines.push(m), () => {}, { maxLineBytes: 10, onTooLong: (i) => long.push(i.bytes) });
    small('[1,2]\n[1,2,3,4,5,6]\n[3]\n');
    expect(lines).toEqual([[1, 2], [3]]);
    expect(long).toEqual([13]);
    const big = lineReader((m) => lines.push(m), () => {});
    big(JSON.stringify('y'.repeat(1024 * 1024)) + '\n');
    expect(lines.at(-1)).toBe('y'.repeat(1024 * 1024));
    // A character split across chunks is put back together.
    const euro = Buffer.from('"€"\n');
    big(euro.subarray(0, 2));
    big(euro.subarray(2));
    expect(lines.at(-1)).toBe('€');
  });

  it('refuses a sync of more than 10,000 ids without keeping any of them, and serves one of 10,000', () => {
    const { h, send, strip, trades } = wired();
    const ids = Array.from({ length: 200_000 }, (_, i) => `c${i}`);
    const answers: VenueMessage[] = [];
    h.handle({ t: 'sync', id: 7, clientIds: ids }, (m) => answers.push(m), () => {});
    expect(strip(answers)).toEqual([{ t: 'reply', now: 0, id: 7, error: 'sync: clientIds must hold at most 10000 client ids (got an array of 200000)' }]);
    expect(h.stats().orders).toEqual([]);
    // None was voided: a later order with one of those ids trades.
    expect(trades('c5')).toBe('order.accepted');
    expect(h.stats()).toMatchObject({ voidRefused: 0 });
    // Over the wire such a sync does not even fit in a line.
    expect(send(JSON.stringify({ t: 'sync', id: 8, clientIds: ids })).map((m) => (m.t === 'error' ? m.message.slice(0, 30) : m.t))).toEqual(['line longer than 65536 bytes: ']);
    expect(h.stats().orders.map((o) => o.clientId)).toEqual(['c5']);
    answers.length = 0;
    h.handle({ t: 'sync', id: 9, clientIds: ids.slice(0, 10_000) }, (m) => answers.push(m), () => {});
    expect((answers[0] as Extract<VenueMessage, { t: 'reply' }>).sync!.orders).toHaveLength(10_000);
  });

  it('answers an unexpected failure while handling a message with an error, and keeps serving', () => {
    const { h, send, strip, trades } = wired();
    const submit = h.venue.submit.bind(h.venue);
    h.venue.submit = () => {
      throw new Error('boom');
    };
    expect(strip(send('{"t":"submit","order":{"clientId":"f1","symbol":"RB","side":1,"qty":1,"price":"1000"}}'))).toEqual([
      { t: 'error', now: 0, message: 'the venue failed handling this submit: boom' },
    ]);
    h.venue.submit = submit;
    expect(h.stats().orders).toEqual([]);
    expect(trades('f1')).toBe('order.accepted');
  });
});

describe('the venue process serves one engine at a time', () => {
  const dir = mkdtempSync(join(tmpdir(), 'legato-venue-host-'));
  const config = resolveConfig(crashConfig(1, 10, 'taker'), 'crash', {});

  /** A raw connection: every line it receives, and whether it was closed. */
  function raw(sock: string) {
    const s = connect(sock);
    const lines: VenueMessage[] = [];
    let closed = false;
    s.on('data', lineReader((m) => lines.push(m as VenueMessage), () => {}));
    s.on('error', () => {});
    const close = new Promise<void>((done) => s.on('close', () => ((closed = true), done())));
    return { s, lines, close, closed: () => closed };
  }

  it('refuses a second engine with the reason while the first keeps trading, past the old 2 s eviction', async () => {
    const sock = join(dir, 'one.sock');
    const server = await VenueServer.start(new VenueHost(config.venue as SimVenueSpec, config.run.start), { listen: sock, speed: 20 });
    const before = Date.now();
    const a = await RemoteVenue.connect(sock);
    const after = Date.now();
    try {
      await a.sync([]);
      const b = raw(sock);
      await b.close;
      expect(b.lines).toHaveLength(1);
      const refusal = b.lines[0] as Extract<VenueMessage, { t: 'error' }>;
      expect(refusal.t).toBe('error');
      const m = /^the venue serves another engine \(connected since (.+)\); one engine at a time$/.exec(refusal.message);
      expect(m).not.toBeNull();
      const since = Date.parse(m![1]!);
      expect(new Date(since).toISOString()).toBe(m![1]);
      expect(since).toBeGreaterThanOrEqual(before);
      expect(since).toBeLessThanOrEqual(after);
      // The refused client (RemoteVenue) is told why.
      await expect(RemoteVenue.connect(sock)).rejects.toThrow(/expected hello.*the venue serves another engine/);
      // The first engine is untouched, well past the 2 s after which it used to be dropped.
      await new Promise((r) => setTimeout(r, 2300));
      expect(a.isConnected()).toBe(true);
      const reports: VenueReport[] = [];
      a.reports$.subscribe((r) => reports.push(r));
      a.submit({ clientId: 'first-1', symbol: 'RB', side: 1, qty: 1, price: 1000 });
      const deadline = Date.now() + 5000;
      while (!reports.some((r) => r.clientId === 'first-1') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(reports.filter((r) => r.clientId === 'first-1').map((r) => r.type)).toEqual(['order.accepted']);
      expect((await a.stats()).open).toEqual(['first-1']);
    } finally {
      a.stop();
      await server.close();
    }
  });

  it('serves a new engine when the previous one has just closed its connection (its last bytes handled first)', async () => {
    const sock = join(dir, 'two.sock');
    const server = await VenueServer.start(new VenueHost(config.venue as SimVenueSpec, config.run.start), { listen: sock, speed: 20 });
    try {
      const a = raw(sock);
      await new Promise((r) => setTimeout(r, 50));
      a.s.end('{"t":"submit","order":{"clientId":"last-1","symbol":"RB","side":1,"qty":1,"price":"1000"}}\n');
      const b = raw(sock);
      const deadline = Date.now() + 5000;
      while (b.lines.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      expect(b.lines[0]!.t).toBe('hello');
      expect(b.closed()).toBe(false);
      expect(server.host.stats().submissions).toBe(1);
      b.s.destroy();
    } finally {
      await server.close();
    }
  });
});
