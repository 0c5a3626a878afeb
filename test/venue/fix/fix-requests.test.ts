import { describe, expect, it } from 'vitest';
import { Decimal } from '../../../src/domain/decimal.js';
import { Units } from '../../../src/venue/fix/fix-codec.js';
import { orderState, type FieldsAndMore } from '../../../src/venue/fix/fix-requests.js';
import { execFields } from '../../helpers/exec-fields.js';

const instruments = [
  { symbol: 'RB', tickSize: new Decimal('1'), lotSize: new Decimal('1') },
  { symbol: 'HC', tickSize: new Decimal('0.5'), lotSize: new Decimal('10') },
];
const units = new Units(instruments);
const NOW = 1_790_000_000_000;

/** An order's status report (ExecType I) as a counterparty answers an OrderStatusRequest. */
const status = (over: Partial<FieldsAndMore>): FieldsAndMore => ({ ...execFields({ execId: 'S1', execType: 'I', ordStatus: '1', orderQty: '50' }), ordRejReasonUnknown: false, ...over });
const ctx = { known: undefined, units, instruments, now: NOW };

describe("what an order's status answer means for the engine (orderState)", () => {
  it('the lots CumQty counts beyond the fills replayed become one fill at the price that makes the average AvgPx, on the tick grid', () => {
    // HC: tick 0.5, lot 10. Filled 40 (4 lots): 1 lot replayed at 3380 (6760 ticks); AvgPx 3381.2 makes the other 3
    // lots (3381.2 × 4 − 3380) / 3 = 3381.6, on the grid 3381.5 (6763 ticks).
    const s = orderState('o1', status({ cumQty: '40', avgPx: '3381.2' }), [{ tradeId: 'E1', qty: 1, price: 6760, at: NOW - 5 }], ctx);
    expect(s).toEqual({
      clientId: 'o1',
      status: 'open',
      symbol: 'HC',
      side: 1,
      qty: 5,
      price: 6761,
      filled: 4,
      fills: [
        { tradeId: 'E1', qty: 1, price: 6760, at: NOW - 5 },
        { tradeId: 'V1:cum:4', qty: 3, price: 6763, at: NOW },
      ],
    });
  });

  it('an order the counterparty does not know is unknown; a rejected one carries its text; a done one is canceled', () => {
    expect(orderState('o1', status({ ordStatus: '8', ordRejReason: '5', ordRejReasonUnknown: true }), [], ctx)).toEqual({ clientId: 'o1', status: 'unknown', filled: 0, fills: [] });
    expect(orderState('o1', status({ ordStatus: '8', orderId: 'NONE' }), [], ctx)).toEqual({ clientId: 'o1', status: 'unknown', filled: 0, fills: [] });
    expect(orderState('o1', status({ ordStatus: '8', text: 'price band' }), [], ctx)).toMatchObject({ status: 'rejected', reason: 'price band', filled: 0 });
    for (const done of ['3', '4', '5', 'C']) expect(orderState('o1', status({ ordStatus: done }), [], ctx).status).toBe('canceled');
    expect(orderState('o1', status({ ordStatus: 'A' }), [], ctx).status).toBe('pending');
    expect(orderState('o1', status({ ordStatus: '2', cumQty: '50', avgPx: '3380.5' }), [], ctx)).toMatchObject({ status: 'filled', filled: 5, fills: [{ tradeId: 'V1:cum:5', qty: 5, price: 6761 }] });
  });

  it('a symbol the answer leaves out, or one this venue does not trade, is the known order\'s', () => {
    const known = { symbol: 'RB', side: -1 as const, qty: 3 };
    expect(orderState('o1', status({ symbol: null, side: null, orderQty: '3', price: '3200' }), [], { ...ctx, known })).toEqual({ clientId: 'o1', status: 'open', symbol: 'RB', side: -1, qty: 3, price: 3200, filled: 0, fills: [] });
    expect(orderState('o1', status({ symbol: 'ZZ', side: null, orderQty: '3', price: '3200' }), [], { ...ctx, known })).toMatchObject({ symbol: 'RB', side: -1 });
  });
});
