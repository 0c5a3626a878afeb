import { describe, expect, it } from 'vitest';
import { Decimal } from '../../../src/domain/decimal.js';
import { ExecType, OrdStatus, Units, cancelRejectReason, mapExecutionReport, parseUtcTimestamp, sideFromFix } from '../../../src/venue/fix/fix-codec.js';
import { FixUnavailableError, INSTALL_HINT } from '../../../src/venue/fix/jspurefix.js';
import { execFields } from '../../helpers/exec-fields.js';

const units = new Units([
  { symbol: 'RB', tickSize: new Decimal('1'), lotSize: new Decimal('1') },
  { symbol: 'HC', tickSize: new Decimal('0.5'), lotSize: new Decimal('10') },
  { symbol: 'BTC', tickSize: new Decimal('0.01'), lotSize: new Decimal('0.001') },
]);

const er = execFields;

describe('prices and quantities at the FIX edge are exact decimals of the tick and lot sizes', () => {
  it('converts ticks and lots to wire strings and back without floats', () => {
    expect(units.price('HC', 6761)).toBe('3380.5');
    expect(units.qty('HC', 3)).toBe('30');
    expect(units.price('BTC', 6_543_210_07)).toBe('6543210.07');
    expect(units.qty('BTC', 3)).toBe('0.003');
    expect(units.ticks('BTC', '6543210.07')).toBe(6_543_210_07);
    expect(units.lots('BTC', '0.003')).toBe(3);
    expect(units.ticks('HC', '3380.50')).toBe(6761);
  });

  it('refuses a price off the tick grid, a part lot, an exponent, and an unknown symbol', () => {
    expect(units.ticks('HC', '3380.25')).toBeUndefined();
    expect(units.lots('HC', '15')).toBeUndefined();
    expect(units.ticks('RB', '1e3')).toBeUndefined();
    expect(units.ticks('ZZ', '1')).toBeUndefined();
    expect(units.lots('RB', null)).toBeUndefined();
  });
});

describe('an ExecutionReport maps onto venue reports', () => {
  it('New → accepted; Trade → filled with ExecID as the trade id, LastQty in lots, LastPx in ticks, and LastLiquidityInd', () => {
    expect(mapExecutionReport(er({ execType: ExecType.New, ordStatus: OrdStatus.New }), units, 5)).toEqual({ kind: 'reports', reports: [{ type: 'order.accepted', clientId: 'o1', at: 5 }] });
    expect(mapExecutionReport(er({ execType: ExecType.Trade, lastQty: '10', lastPx: '3380.5', lastLiquidityInd: '1' }), units, 5)).toEqual({
      kind: 'reports',
      reports: [{ type: 'order.filled', clientId: 'o1', tradeId: 'E1', symbol: 'HC', side: 1, qty: 1, price: 6761, at: 5, liquidity: 'maker' }],
    });
    const taker = mapExecutionReport(er({ execType: ExecType.Trade, side: '2', lastQty: '20', lastPx: '3380', lastLiquidityInd: '2' }), units, 5);
    expect(taker).toMatchObject({ reports: [{ side: -1, qty: 2, price: 6760, liquidity: 'taker' }] });
    const unsaid = mapExecutionReport(er({ execType: ExecType.Trade, lastQty: '10', lastPx: '3380' }), units, 5);
    expect(unsaid.kind === 'reports' && 'liquidity' in unsaid.reports[0]!).toBe(false);
  });

  it('Trade carries CumQty in lots as cumQty (the engine books no lot a status answer already counted); a CumQty below LastQty or off the lot grid is left out, the fill stands', () => {
    const fill = (cumQty: string | null) => {
      const m = mapExecutionReport(er({ execType: ExecType.Trade, lastQty: '20', lastPx: '3380', cumQty }), units, 5);
      return m.kind === 'reports' && m.reports[0]!.type === 'order.filled' ? [m.reports[0]!.qty, m.reports[0]!.cumQty] : m.kind;
    };
    expect(fill('30')).toEqual([2, 3]);
    expect(fill('20')).toEqual([2, 2]);
    expect(fill('10')).toEqual([2, undefined]);
    expect(fill('25')).toEqual([2, undefined]);
    expect(fill(null)).toEqual([2, undefined]);
  });

  it('Canceled, Expired and DoneForDay → canceled with CumQty in lots; Rejected → rejected with Text', () => {
    for (const execType of [ExecType.Canceled, ExecType.Expired, ExecType.DoneForDay]) {
      expect(mapExecutionReport(er({ execType, cumQty: '30' }), units, 9)).toEqual({ kind: 'reports', reports: [{ type: 'order.canceled', clientId: 'o1', filledQty: 3, at: 9 }] });
    }
    expect(mapExecutionReport(er({ execType: ExecType.Rejected, text: 'market closed' }), units, 9)).toEqual({ kind: 'reports', reports: [{ type: 'order.rejected', clientId: 'o1', reason: 'market closed', at: 9 }] });
  });

  it('Replaced → replaced, with its new Price in ticks and OrderQty in lots (the caller maps the ClOrdID chain to the one id)', () => {
    expect(mapExecutionReport(er({ execType: ExecType.Replaced, clOrdId: 'o1', origClOrdId: 'o1~r1', cumQty: '10', price: '3381', orderQty: '30' }), units, 1)).toEqual({
      kind: 'reports',
      reports: [{ type: 'order.replaced', clientId: 'o1', price: 6762, qty: 3, at: 1 }],
    });
    // What cannot be a replace is invalid, naming the tag: no OrigClOrdID, a price off the grid, a part lot.
    expect(mapExecutionReport(er({ execType: ExecType.Replaced, origClOrdId: null }), units, 1)).toMatchObject({ kind: 'invalid', tag: 41 });
    expect(mapExecutionReport(er({ execType: ExecType.Replaced, origClOrdId: 'o0', price: '3380.2' }), units, 1)).toMatchObject({ kind: 'invalid', tag: 44 });
    expect(mapExecutionReport(er({ execType: ExecType.Replaced, origClOrdId: 'o0', orderQty: '15' }), units, 1)).toMatchObject({ kind: 'invalid', tag: 38 });
  });

  it('pending states and status answers mean nothing to the engine', () => {
    for (const execType of [ExecType.PendingNew, ExecType.PendingCancel, ExecType.PendingReplace, ExecType.OrderStatus]) expect(mapExecutionReport(er({ execType }), units, 1)).toEqual({ kind: 'none' });
  });

  it('what cannot be mapped is invalid, naming the tag: an unknown ExecType, a fill off the grid or of a part lot, no ClOrdID', () => {
    expect(mapExecutionReport(er({ execType: 'Z' }), units, 1)).toMatchObject({ kind: 'invalid', tag: 150 });
    expect(mapExecutionReport(er({ execType: ExecType.Trade, lastQty: '10', lastPx: '3380.2' }), units, 1)).toMatchObject({ kind: 'invalid', tag: 31 });
    expect(mapExecutionReport(er({ execType: ExecType.Trade, lastQty: '5', lastPx: '3380' }), units, 1)).toMatchObject({ kind: 'invalid', tag: 32 });
    expect(mapExecutionReport(er({ execType: ExecType.Trade, symbol: 'ZZ', lastQty: '1', lastPx: '1' }), units, 1)).toMatchObject({ kind: 'invalid', tag: 55 });
    expect(mapExecutionReport(er({ execType: ExecType.New, clOrdId: null }), units, 1)).toMatchObject({ kind: 'invalid', tag: 11 });
  });

  it('reads sides, cancel reject reasons and UTC timestamps', () => {
    expect([sideFromFix('1'), sideFromFix('2'), sideFromFix('5'), sideFromFix('8'), sideFromFix(null)]).toEqual([1, -1, -1, undefined, undefined]);
    expect(cancelRejectReason(null, '0')).toBe('too late to cancel');
    expect(cancelRejectReason('gone', '1')).toBe('gone');
    expect(parseUtcTimestamp('20260105-09:00:01.250')).toBe(Date.UTC(2026, 0, 5, 9, 0, 1, 250));
    expect(parseUtcTimestamp('20260105-09:00:01')).toBe(Date.UTC(2026, 0, 5, 9, 0, 1));
    expect(parseUtcTimestamp('yesterday')).toBeUndefined();
  });
});

describe('without jspurefix', () => {
  it('the FIX venue fails with a named error saying how to install it', () => {
    const e = new FixUnavailableError(`the FIX venue needs the package jspurefix, which is not installed: ${INSTALL_HINT}`);
    expect(e.name).toBe('FixUnavailableError');
    expect(e.message).toMatch(/npm install jspurefix/);
  });
});

describe('FIX credentials come from the environment or a private file, never the config', () => {
  it('reads the environment, and a file whose values win', async () => {
    const { fixCredentials, FixCredentialsError } = await import('../../../src/venue/fix/credentials.js');
    const { mkdtempSync, writeFileSync, chmodSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const env = { LEGATO_FIX_SENDER_COMP_ID: 'ME', LEGATO_FIX_TARGET_COMP_ID: 'BROKER' };
    expect(fixCredentials(env)).toEqual({ senderCompId: 'ME', targetCompId: 'BROKER' });
    expect(() => fixCredentials({})).toThrow(FixCredentialsError);
    const file = join(mkdtempSync(join(tmpdir(), 'legato-cred-')), 'fix.env');
    writeFileSync(file, '# broker UAT\nLEGATO_FIX_PASSWORD="s3cret"\nLEGATO_FIX_TARGET_COMP_ID=UAT\n');
    chmodSync(file, 0o644);
    expect(() => fixCredentials(env, file)).toThrow(/readable by others/);
    chmodSync(file, 0o600);
    expect(fixCredentials(env, file)).toEqual({ senderCompId: 'ME', targetCompId: 'UAT', password: 's3cret' });
    writeFileSync(file, 'PASSWORD=x\n');
    expect(() => fixCredentials(env, file)).toThrow(/:1: expected one of/);
  });
});
