import { DateTime } from 'luxon';
import type { Summary } from '../index.js';

/** Left-aligned text columns; numbers are right-aligned. */
export function table(head: string[], rows: (string | number)[][]): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, c) => Math.max(...cells.map((r) => r[c]!.length)));
  const numeric = head.map((_, c) => rows.length > 0 && rows.every((r) => typeof r[c] === 'number' || /^-?[\d.,]+( ms| s| min| lots?)?$/.test(String(r[c]))));
  return cells
    .map((r) => r.map((v, c) => (numeric[c] ? v.padStart(widths[c]!) : v.padEnd(widths[c]!))).join('  ').trimEnd())
    .join('\n');
}

export function time(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toFormat('yyyy-MM-dd HH:mm:ss');
}

export function duration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

/** The human summary printed at the end of a run. */
export function formatSummary(s: Summary, zone: string): string {
  const out: string[] = [];
  const from = Date.parse(s.run.from);
  const to = Date.parse(s.run.to);
  out.push(`Legato run on the ${s.run.venue} venue, seed ${s.run.seed}: ${time(from, zone)} to ${time(to, zone)} (${zone})`);
  const c = s.counts;
  out.push(
    `quotes ${c.quotes}, market updates to strategies ${c.views}, orders ${c.orders}, fills ${c.fills}, rejects ${c.rejects}` +
      (c.duplicateFills ? `, duplicate fills ignored ${c.duplicateFills}` : '') +
      (c.unrouted ? `, reports for finished orders ${c.unrouted}` : '') +
      (c.disconnects ? `, disconnects ${c.disconnects}` : ''),
  );
  out.push('');
  out.push(`Executions (${s.executions.length})`);
  if (s.executions.length === 0) out.push('  none');
  else {
    out.push(
      table(
        ['algo', 'start', 'purpose', 'side', 'status', 'units', 'trigger', 'realized', 'slippage', 'naked max', 'naked for', 'lot·s', 'took', 're-prices', 'ladder'],
        s.executions.map((e) => [
          e.algoId,
          time(e.startedAt, zone).slice(11),
          e.purpose,
          e.side,
          e.reason && e.reason !== 'filled' ? `${e.status} (${e.reason})` : e.status,
          `${e.units}/${e.qty}`,
          e.trigger,
          e.realizedSpread ?? '-',
          e.slippage ?? '-',
          `${e.exposure.maxLots} lot${e.exposure.maxLots === 1 ? '' : 's'}`,
          duration(e.exposure.nakedMs),
          e.exposure.lotSeconds,
          duration(e.durationMs),
          e.reprices,
          e.ladderSteps,
        ]),
      )
        .split('\n')
        .map((l) => `  ${l}`)
        .join('\n'),
    );
  }
  out.push('');
  const x = s.exposure;
  out.push(
    `Naked exposure: max ${x.maxNakedLots} lots (notional ${x.maxNakedNotional}); longest ${duration(x.longestNakedMs)}` +
      `${x.longestNakedAlgo ? ` (${x.longestNakedAlgo})` : ''}; total ${duration(x.totalNakedMs)}; ${x.nakedLotSeconds} lot-seconds`,
  );
  const l = s.ladder;
  out.push(`Hedge ladder steps: resting ${l.resting}, crossing ${l.crossing}, unwinding ${l.unwinding}, paused ${l.paused}, failed ${l.failed}`);
  out.push('');
  out.push('Positions');
  for (const st of s.strategies) {
    const legs = st.legs.map((l) => `${l.symbol} ${l.lots >= 0 ? '+' : ''}${l.lots} lots${l.nakedLots !== 0 ? ` (naked ${l.nakedLots})` : ''}`).join(', ');
    out.push(`  ${st.name}: spread ${st.spreadPosition >= 0 ? '+' : ''}${st.spreadPosition} units; ${legs}; state ${st.state}; PnL ${st.pnl ?? 'n/a'}`);
  }
  out.push('');
  out.push(`PnL (fills, open legs marked at mid): ${s.pnl ?? 'n/a'}`);
  if (s.errors.length > 0) {
    out.push('');
    out.push('Errors');
    for (const e of s.errors) out.push(`  ${e}`);
  }
  return out.join('\n');
}
