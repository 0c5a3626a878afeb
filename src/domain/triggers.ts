/** A strategy's four trigger prices, as scaled spread prices (see SpreadDefinition); null disables one. */
export interface Triggers {
  /** Buy the spread when its ask is at or below. */
  longEntry: number | null;
  /** Sell a long position when the bid is at or above. */
  longExit: number | null;
  /** Sell the spread when its bid is at or above. */
  shortEntry: number | null;
  /** Buy back a short position when the ask is at or below. */
  shortExit: number | null;
}
