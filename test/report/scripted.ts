/**
 * A backtest small enough to compute by hand, for the analytics, report, CSV and CLI tests.
 *
 * S = A − B, 10 currency per point per lot on both legs, 2 units. B stays at 99/100; A's ask moves each second
 * (its bid one below), so the spread is bid = askA − 101, ask = askA − 99:
 *
 *   t   askA  spread  what happens (taker fills at the touch, no latency)
 *   0   109   8/10
 *   1   104   3/5     longEntry (ask ≤ 6): buy A 2 @ 104, sell B 2 @ 99        realized 5
 *   2   102   1/3     marks fall: equity −60
 *   3   107   6/8     equity +40
 *   4   113   12/14   longExit (bid ≥ 11): sell A 2 @ 112, buy B 2 @ 100     realized 12
 *                     shortEntry (bid ≥ 11): sell A 2 @ 112, buy B 2 @ 100   realized 12
 *   5   109   8/10
 *   6   105   4/6     shortExit (ask ≤ 7): buy A 2 @ 105, sell B 2 @ 99      realized 6
 *                     longEntry (ask ≤ 6): buy A 2 @ 105, sell B 2 @ 99      realized 6
 *   7   107   6/8     open long marked at A 106.5, B 99.5
 *
 * longExit and shortEntry share the price 11: two triggers at one price.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigInput } from '../../src/config/schema.js';

export const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

export const scriptedConfig: ConfigInput = {
  venue: {
    kind: 'replay',
    latencyMs: 0,
    instruments: [
      { symbol: 'A', tickSize: '1', lotSize: '1' },
      { symbol: 'B', tickSize: '1', lotSize: '1' },
    ],
  },
  strategies: [
    {
      name: 'ab',
      legs: [
        { symbol: 'A', tickSize: '1', lotSize: '1', priceMultiplier: '1', tradingMultiplier: 1, contractMultiplier: '10' },
        { symbol: 'B', tickSize: '1', lotSize: '1', priceMultiplier: '-1', tradingMultiplier: -1, contractMultiplier: '10' },
      ],
      triggers: { longEntry: '6', longExit: '11', shortEntry: '11', shortExit: '7' },
      target: 2,
      session: { closingLeadSeconds: 0 },
    },
  ],
};

export const ASKS_A = [109, 104, 102, 107, 113, 109, 105, 107];

/** Writes the data (and the config as JSON) into a new temporary folder. */
export function scriptedFiles(): { dir: string; data: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), 'legato-report-'));
  const lines = ['ts,symbol,bid,bid_size,ask,ask_size'];
  ASKS_A.forEach((ask, i) => {
    const t = T0 + i * 1000;
    lines.push(`${t},B,99,50,100,50`);
    lines.push(`${t},A,${ask - 1},50,${ask},50`);
  });
  const data = join(dir, 'ab.csv');
  writeFileSync(data, lines.join('\n') + '\n');
  const config = join(dir, 'ab.json');
  writeFileSync(config, JSON.stringify(scriptedConfig));
  return { dir, data, config };
}
