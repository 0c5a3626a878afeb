import type { HedgeLadder } from '../../machines/algo.machine.js';
import type { AlgoTemplate } from '../../machines/strategy.machine.js';

/** The hedge ladder's documented defaults (as the config schema fills them). */
export const DEFAULT_HEDGE: HedgeLadder = { firstStep: 'resting', payupTicks: 1, repriceMs: 1000, repriceTicks: 1, crossAfterMs: 3000, crossPayupTicks: 2, maxCrossTicks: 10, unwindAfterMs: 10_000, unwindPayupTicks: 5, giveUpAfterMs: 60_000 };

/** The demo's algo template for the spread HC − RB (1:−1, tick value 10), with the documented defaults. */
export const HC_RB_TEMPLATE: AlgoTemplate = {
  kind: 'taker',
  tradingMultipliers: [1, -1],
  factors: [1, -1],
  symbols: ['HC', 'RB'],
  activeLeg: 0,
  payupTicks: 1,
  resubmitMs: 2000,
  repriceTicks: 1,
  entryWhileHedging: false,
  rounding: 'nearest',
  hedge: DEFAULT_HEDGE,
  stopPolicy: 'hedge',
  legTimeoutMs: 2000,
  requoteTicks: 2,
  minHedgeUnits: 0,
  tickValue: [10, 10],
  maxOrderLots: [null, null],
};
