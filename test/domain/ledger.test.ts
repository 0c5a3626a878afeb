import { describe, it, expect } from 'vitest';
import { Decimal } from '../../src/domain/decimal.js';
import { Ledger, type LedgerInstrument } from '../../src/domain/ledger.js';
import { LedgerError } from '../../src/domain/errors.js';

const instrument = (symbol: string, tickSize: string, lotSize: string, contractMultiplier: string): LedgerInstrument => ({
  symbol,
  tickSize: new Decimal(tickSize),
  lotSize: new Decimal(lotSize),
  contractMultiplier: new Decimal(contractMultiplier),
});

const newLedger = (): Ledger =>
  new Ledger(
    new Map([
      ['X', instrument('X', '0.5', '1', '10')],
      ['Y', instrument('Y', '0.25', '2', '5')],
      ['Z', instrument('Z', '0.1', '1', '1')],
    ]),
  );
const marks = (entries: [string, string][]): Map<string, Decimal> => new Map(entries.map(([s, p]) => [s, new Decimal(p)]));

describe('Ledger', () => {
  it('keeps a book shared by several ledgers at the net position of each symbol: +2 − 3 + 1 = 0 X, −4 Y', () => {
    const instruments = new Map([
      ['X', instrument('X', '0.5', '1', '10')],
      ['Y', instrument('Y', '0.25', '2', '5')],
    ]);
    const net = new Map<string, number>();
    const a = new Ledger(instruments, net);
    const b = new Ledger(instruments, net);
    a.apply('X', 1, 2, 100);
    b.apply('X', -1, 3, 101);
    b.apply('Y', -1, 4, 40);
    expect([net.get('X'), net.get('Y')]).toEqual([-1, -4]);
    a.apply('X', 1, 1, 99);
    expect([a.position('X'), b.position('X'), net.get('X'), net.get('Y')]).toEqual([3, -3, 0, -4]);
  });

  it('buy 2 lots at 100 ticks and sell 2 at 104 (tick 0.5, multiplier 10): cash and PnL 40, flat', () => {
    const l = newLedger();
    l.apply('X', 1, 2, 100);
    expect(l.pnl(marks([['X', '50']])).toFixed()).toBe('0');
    l.apply('X', -1, 2, 104);
    expect(l.position('X')).toBe(0);
    // −2·50·10 + 2·52·10 = −1000 + 1040.
    expect(l.pnl(new Map()).toFixed()).toBe('40');
  });

  it('marks an open long at the given price: bought 2 at 50, marked 51 → 20, marked 49.5 → −10', () => {
    const l = newLedger();
    l.apply('X', 1, 2, 100);
    expect(l.position('X')).toBe(2);
    expect(l.pnl(marks([['X', '51']])).toFixed()).toBe('20');
    expect(l.pnl(marks([['X', '49.5']])).toFixed()).toBe('-10');
  });

  it('marks an open short: sold 3 at 50, marked 48 → 60', () => {
    const l = newLedger();
    l.apply('X', -1, 3, 100);
    expect(l.position('X')).toBe(-3);
    expect(l.pnl(marks([['X', '48']])).toFixed()).toBe('60');
  });

  it('multiplies by lot size: 1 lot of 2 units at 10 ticks of 0.25, multiplier 5, marked 3 → 5', () => {
    const l = newLedger();
    l.apply('Y', 1, 1, 10);
    // cash −2.5·2·5 = −25; mark 3·2·5 = 30.
    expect(l.pnl(marks([['Y', '3']])).toFixed()).toBe('5');
  });

  it('is exact where binary floating point is not: 3 lots bought at 0.1 and sold at 0.2 give 0.3', () => {
    const l = newLedger();
    l.apply('Z', 1, 3, 1);
    l.apply('Z', -1, 3, 2);
    expect(l.pnl(new Map()).toFixed()).toBe('0.3');
  });

  it('sums several symbols and partial closes', () => {
    const l = newLedger();
    l.apply('X', 1, 3, 100); // −1500
    l.apply('X', -1, 1, 106); // +530, 2 lots left
    l.apply('Y', -1, 2, 8); // +40, −2 lots
    expect(l.position('X')).toBe(2);
    expect(l.position('Y')).toBe(-2);
    // −1500 + 530 + 40 + 2·52·10 − 2·2·2·5 = −930 + 1040 − 40.
    expect(l.pnl(marks([['X', '52'], ['Y', '2']])).toFixed()).toBe('70');
  });

  it('needs no mark for a symbol traded back to flat', () => {
    const l = newLedger();
    l.apply('X', 1, 2, 100);
    l.apply('X', -1, 2, 104);
    l.apply('Y', 1, 1, 10);
    expect(l.pnl(marks([['Y', '2.5']])).toFixed()).toBe('40');
  });

  it('throws naming the symbol when an open position has no mark', () => {
    const l = newLedger();
    l.apply('X', 1, 2, 100);
    l.apply('Y', 1, 1, 10);
    expect(() => l.pnl(marks([['X', '50']]))).toThrow('Ledger: no mark price for Y, which has an open position');
  });

  it('throws naming an unknown symbol', () => {
    const l = newLedger();
    expect(() => l.apply('Q', 1, 1, 1)).toThrow('Ledger: unknown symbol Q');
    expect(() => l.apply('Q', 1, 1, 1)).toThrow(LedgerError);
    expect(l.position('Q')).toBe(0);
  });

  it('reports 0 lots and 0 PnL before any fill', () => {
    const l = newLedger();
    expect(l.position('X')).toBe(0);
    expect(l.pnl(new Map()).toFixed()).toBe('0');
  });
});
