import { describe, expect, it } from 'vitest';
import { Decimal } from '../../src/domain/decimal.js';
import { decodeFrame, encodeQuote, encodeTime, MdSubjectError, quoteSubject, QUOTE_FRAME_BYTES, timeSubject, TIME_FRAME_BYTES, WireUnits } from '../../src/distributed/md-codec.js';

const quote = { seq: 7, ts: Date.UTC(2026, 0, 5, 9), more: true, priceExp: -2, sizeExp: -3, bid: 10_025, bidSize: 1_500, ask: 10_050, askSize: 2_000 };

describe('the market-data frame', () => {
  it('carries a quote exactly in 56 bytes and a time tick in 24', () => {
    const q = encodeQuote(quote);
    expect(q.length).toBe(QUOTE_FRAME_BYTES);
    expect(decodeFrame(q)).toEqual({ ok: true, frame: { kind: 'quote', ...quote } });
    const t = encodeTime({ seq: 3, ts: quote.ts, end: true });
    expect(t.length).toBe(TIME_FRAME_BYTES);
    expect(decodeFrame(t)).toEqual({ ok: true, frame: { kind: 'time', seq: 3, ts: quote.ts, end: true } });
  });

  it('names the first problem of hostile bytes and never throws', () => {
    const q = encodeQuote(quote);
    const with_ = (set: (v: DataView) => void, bytes = q): Uint8Array => {
      const c = bytes.slice();
      set(new DataView(c.buffer));
      return c;
    };
    expect(decodeFrame(new Uint8Array(0))).toEqual({ ok: false, problem: 'size' });
    expect(decodeFrame(q.slice(0, 55))).toEqual({ ok: false, problem: 'size' });
    expect(decodeFrame(new TextEncoder().encode('{"bid":"1"}'))).toEqual({ ok: false, problem: 'size' });
    expect(decodeFrame(with_((v) => v.setUint8(0, 0x7b)))).toEqual({ ok: false, problem: 'magic' });
    expect(decodeFrame(with_((v) => v.setUint8(1, 2)))).toEqual({ ok: false, problem: 'version' });
    expect(decodeFrame(with_((v) => v.setUint8(2, 9)))).toEqual({ ok: false, problem: 'kind' });
    // A time frame's kind in a quote-sized frame, and the other way round.
    expect(decodeFrame(with_((v) => v.setUint8(2, 2)))).toEqual({ ok: false, problem: 'size' });
    expect(decodeFrame(with_((v) => v.setUint8(2, 1), encodeTime({ seq: 1, ts: 1, end: false })))).toEqual({ ok: false, problem: 'size' });
    expect(decodeFrame(with_((v) => v.setUint8(3, 2)))).toEqual({ ok: false, problem: 'flags' });
    expect(decodeFrame(with_((v) => v.setUint16(6, 1, true)))).toEqual({ ok: false, problem: 'flags' });
    expect(decodeFrame(with_((v) => v.setInt8(4, -19)))).toEqual({ ok: false, problem: 'exponent' });
    expect(decodeFrame(with_((v) => v.setInt8(5, 19)))).toEqual({ ok: false, problem: 'exponent' });
    for (const [at, x] of [[8, 0], [8, 1.5], [16, -1], [24, NaN], [32, -1], [40, Infinity], [48, 2 ** 53], [24, 0.5]] as const) {
      expect(decodeFrame(with_((v) => v.setFloat64(at, x, true)))).toEqual({ ok: false, problem: 'field' });
    }
    // Random bytes of both lengths: decoded or refused, never thrown.
    let seed = 1;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 256;
    for (let i = 0; i < 2000; i++) {
      const b = new Uint8Array(i % 2 ? 56 : 24).map(() => rnd());
      b[0] = 0x4c;
      b[1] = 1;
      expect(() => decodeFrame(b)).not.toThrow();
    }
  });

  it('writes a price with its tick size\'s decimals and reads any exponent back to exact ticks and whole lots', () => {
    const u = new WireUnits('ES', new Decimal('0.25'), new Decimal('0.001'));
    expect([u.priceExp, u.sizeExp]).toEqual([-2, -3]);
    expect(u.priceMantissa(21_001)).toBe(525_025); // 5250.25
    expect(u.sizeMantissa(1_500)).toBe(1_500); // 1.5
    expect(u.ticks(525_025, -2)).toBe(21_001);
    expect(u.ticks(5_250_250, -3)).toBe(21_001);
    expect(u.ticks(5_250, 0)).toBe(21_000);
    expect(u.ticks(525_010, -2)).toBeUndefined(); // 5250.10 is off the 0.25 grid
    expect(u.ticks(2 ** 52, 3)).toBeUndefined(); // beyond a safe integer of ticks
    expect(u.lots(1_500, -3)).toBe(1_500);
    expect(u.lots(15, -4)).toBe(1); // 0.0015 is one whole lot of 0.001, rounded down
    expect(u.lots(2, 0)).toBe(2_000);
  });

  it('makes subjects only of tokens NATS and a person can read', () => {
    expect(quoteSubject('sim', 'HC')).toBe('md.sim.HC');
    expect(timeSubject('sim')).toBe('mdtime.sim');
    expect(() => quoteSubject('sim', 'BTC.P')).toThrow(MdSubjectError);
    expect(() => quoteSubject('sim', 'A*')).toThrow('the symbol "A*" cannot be a NATS subject token');
    expect(() => quoteSubject('a b', 'HC')).toThrow(MdSubjectError);
  });
});
