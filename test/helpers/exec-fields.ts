import type { ExecFields } from '../../src/venue/fix/fix-codec.js';

/** An ExecutionReport's fields as fix-venue.ts reads them: order o1 (V1) buying 20 HC at 3380.5, nothing filled. */
const NONE: ExecFields = {
  clOrdId: 'o1',
  origClOrdId: null,
  orderId: 'V1',
  execId: 'E1',
  execType: null,
  ordStatus: null,
  symbol: 'HC',
  side: '1',
  orderQty: '20',
  price: '3380.5',
  lastQty: null,
  lastPx: null,
  cumQty: '0',
  avgPx: '0',
  text: null,
  lastLiquidityInd: null,
  ordRejReason: null,
};

/** Those fields with some changed. */
export const execFields = (over: Partial<ExecFields> = {}): ExecFields => ({ ...NONE, ...over });
