import { DateTime } from 'luxon';
import type { BacktestAnalytics, EquityCurve, SlippageStats, StrategyAnalytics, TripStats } from '../backtest/analytics.js';
import { Decimal } from '../domain/decimal.js';
import { durationText } from './html-report.js';

const money = (v: string | null): string => (v === null || v === 'n/a' ? 'n/a' : new Decimal(v).toFixed(2));
const pct = (v: string | null): string => (v === null ? 'n/a' : `${new Decimal(v).times(100).toFixed(1)}%`);

/** The analytics as the lines printed after a backtest's summary (`legato backtest`). */
export function analyticsText(a: BacktestAnalytics, zone: string): string {
  const t = (ms: number): string => DateTime.fromMillis(ms, { zone }).toFormat('yyyy-MM-dd HH:mm:ss.SSS');
  const out: string[] = ['Analytics (equity marked at the legs\' mids, net of fees and funding)'];
  const block = (indent: string, name: string | null, equity: EquityCurve, gross: string, net: string, fees: string, funding: string, trips: TripStats, slippage: SlippageStats | null): void => {
    const head = name ? `${indent}${name}: ` : indent;
    out.push(`${head}net ${money(net)} = gross ${money(gross)} − fees ${money(fees)} − funding ${money(funding)}`);
    out.push(`${indent}  max drawdown ${maxDrawdown(equity, t)}`);
    out.push(
      `${indent}  round trips: ${trips.closed} closed (${trips.wins} won, ${trips.losses} lost, hit rate ${pct(trips.hitRate)}; ` +
        `average win ${money(trips.averageWin)}, average loss ${money(trips.averageLoss)}; Σ ${money(trips.closedPnl)}), ` +
        `${trips.open} open (marked ${money(trips.openPnl)}); outside round trips ${money(trips.otherPnl)}`,
    );
    if (slippage) out.push(`${indent}  slippage per execution (spread points, + worse): ${slippageLine(slippage)}`);
  };
  const one = a.strategies.length === 1 ? a.strategies[0]! : null;
  if (one) block('  ', null, a.equity, a.gross, a.net, a.costs.fees, a.costs.funding, a.trips, one.slippage);
  else {
    block('  ', 'all strategies', a.equity, a.gross, a.net, a.costs.fees, a.costs.funding, a.trips, null);
    for (const s of a.strategies) block('  ', s.strategy, s.equity, s.gross, s.net, s.costs.fees, s.costs.funding, s.trips, s.slippage);
  }
  const c = a.costs;
  out.push(`  costs: fees ${c.fees} (maker ${c.feesMaker}, taker ${c.feesTaker}${c.feesUnknown !== '0' ? `, not given ${c.feesUnknown}` : ''}), funding ${c.funding}`);
  for (const s of a.strategies) out.push(...notes(s));
  return out.join('\n');
}

function maxDrawdown(e: EquityCurve, t: (ms: number) => string): string {
  const d = e.maxDrawdown;
  if (d.peakAt === null) return '0 (equity never fell below a peak)';
  return (
    `${money(d.amount)}: ${money(d.peak)} at ${t(d.peakAt)} to ${money(d.trough)} at ${t(d.troughAt!)}, ` +
    (d.recoveredAt === null ? `not recovered (${durationText(d.durationMs)} since the peak)` : `recovered ${t(d.recoveredAt)} (${durationText(d.durationMs)})`)
  );
}

function slippageLine(x: SlippageStats): string {
  if (x.count === 0) return 'none';
  const buckets = x.buckets.map((b) => `${b.from === b.to ? b.from : `[${b.from}, ${b.to})`} ×${b.count}`).join(', ');
  return `${x.count} executions, mean ${x.mean}, median ${x.median}, best ${x.best}, worst ${x.worst}; ${buckets}`;
}

function notes(s: StrategyAnalytics): string[] {
  const out: string[] = [];
  if (s.unattributedFills > 0) out.push(`  ${s.strategy}: ${s.unattributedFills} fills of algos that never ended are outside round trips`);
  if (s.unmarked > 0) out.push(`  ${s.strategy}: ${s.unmarked} equity points could not be marked (a held leg had no two-sided quote yet)`);
  return out;
}
