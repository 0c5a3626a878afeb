/**
 * Commands to a venue and the reports that come back. Prices are integer ticks and quantities integer
 * lots of the instrument. Report `type`s are the leg order machine's event names, so the engine routes a
 * report to `order:<clientId>` as it is.
 */
export type Side = 1 | -1;

export interface OrderCommand {
  readonly clientId: string;
  readonly symbol: string;
  /** +1 buy, −1 sell. */
  readonly side: Side;
  /** Lots, a positive integer. */
  readonly qty: number;
  /** Limit price in ticks. */
  readonly price: number;
}

export interface OrderAccepted {
  readonly type: 'order.accepted';
  readonly clientId: string;
  readonly at: number;
}
export interface OrderRejected {
  readonly type: 'order.rejected';
  readonly clientId: string;
  readonly reason: string;
  readonly at: number;
}
export interface OrderFilled {
  readonly type: 'order.filled';
  readonly clientId: string;
  /** Unique per execution at the venue: a report repeated with the same tradeId is a duplicate. */
  readonly tradeId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly qty: number;
  readonly price: number;
  readonly at: number;
  /**
   * Who made the trade: `maker` when the order was resting and the market came to it, `taker` when it crossed
   * on arrival. Fees differ by it; absent when the venue does not say (costs then use the taker rate).
   */
  readonly liquidity?: 'maker' | 'taker';
  /**
   * The venue's cumulative filled lots of the order with this fill, where it says (FIX CumQty). The engine books
   * only the lots beyond those it has already counted for the order: a fill the venue first gave only as a count
   * (a status answer's CumQty) and then reports live is not booked twice.
   */
  readonly cumQty?: number;
}
export interface OrderCanceled {
  readonly type: 'order.canceled';
  readonly clientId: string;
  /** The venue's cumulative filled lots at the cancel: fills still in flight make up the difference. */
  readonly filledQty: number;
  readonly at: number;
}
export interface OrderCancelRejected {
  readonly type: 'order.cancelRejected';
  readonly clientId: string;
  readonly reason: string;
  readonly at: number;
}

/**
 * A change to a working order's price or size (a cancel-replace, FIX OrderCancelReplaceRequest). `qty` is the
 * order's new total lots, what filled included (FIX OrderQty); absent, the size stays.
 */
export interface OrderChange {
  /** The new limit price in ticks. */
  readonly price: number;
  readonly qty?: number;
}
/**
 * The venue replaced the order: from now on it works at `price` for `qty` lots in all (what filled included). The
 * order keeps its client id on the port (a FIX adapter maps the ClOrdID chain, docs/fix.md). Fills made before
 * the replace came through at the old price and count as usual.
 */
export interface OrderReplaced {
  readonly type: 'order.replaced';
  readonly clientId: string;
  readonly price: number;
  readonly qty: number;
  readonly at: number;
}
/** The venue refused a replace: the order works on unchanged (or has ended, and its own reports say how). */
export interface OrderReplaceRejected {
  readonly type: 'order.replaceRejected';
  readonly clientId: string;
  readonly reason: string;
  readonly at: number;
}

export type VenueReport = OrderAccepted | OrderRejected | OrderFilled | OrderCanceled | OrderCancelRejected | OrderReplaced | OrderReplaceRejected;
