import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigInput } from '../../src/config/schema.js';
import { parseSweep, runSweep, type SweepRow } from '../../src/backtest/sweep.js';
import { scriptedConfig, T0 } from '../report/scripted.js';

/**
 * A distributed sweep's fixture: a replay config and synthetic data written to a temporary folder (no
 * ../shared/data), a small grid, and the local sweep of it that the workers' rows must equal.
 */

/** The scripted replay config (S = A − B, two units), long only: buy at longEntry or below, sell at longExit or above. */
export const config: ConfigInput = {
  ...scriptedConfig,
  strategies: [{ ...scriptedConfig.strategies[0]!, triggers: { longEntry: '4', longExit: '11' } }],
};

export { T0 };

/**
 * `rows` quotes of each leg, 100 ms apart: B's mid walks, A's follows it at a spread that swings between about
 * 0 and 15 (a slow wave and a little noise from a fixed seed), so the entries and exits of the grid fire often.
 */
export function writeData(rows: number): { dir: string; data: string; configFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'legato-dsweep-'));
  let seed = 12345;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const lines = ['ts,symbol,bid,bid_size,ask,ask_size'];
  let b = 1000;
  for (let i = 0; i < rows; i++) {
    const t = T0 + i * 100;
    b += rand() < 0.5 ? -1 : 1;
    const s = Math.round(7.5 + 7.5 * Math.sin(i / 300) + (rand() - 0.5) * 4);
    lines.push(`${t},B,${b - 1},50,${b},50`);
    lines.push(`${t},A,${b + s - 1},50,${b + s},50`);
  }
  const data = join(dir, 'ab.csv');
  writeFileSync(data, lines.join('\n') + '\n');
  const configFile = join(dir, 'ab.json');
  writeFileSync(configFile, JSON.stringify(config));
  return { dir, data, configFile };
}

export const grid = ['longEntry=3,4,5', 'longExit=10,12'];
export const axes = parseSweep(grid);

/** The local sweep of the grid, in this thread. */
export function localRows(data: string, source: string): Promise<SweepRow[]> {
  return runSweep(config, source, axes, { data: [data], workers: 1 });
}

/** A `legato` child process; its stderr lines are collected and can be awaited. */
export interface Cli {
  child: ChildProcess;
  lines: string[];
  /** The first line (already seen or to come) that matches. */
  line(match: RegExp): Promise<string>;
  exit: Promise<number | null>;
}

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'legato.js');

export function legato(args: string[]): Cli {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters: { match: RegExp; resolve: (l: string) => void }[] = [];
  let buf = '';
  const take = (chunk: Buffer): void => {
    buf += chunk.toString('utf8');
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const l = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      lines.push(l);
      for (const w of [...waiters]) if (w.match.test(l)) waiters.splice(waiters.indexOf(w), 1), w.resolve(l);
    }
  };
  child.stderr!.on('data', take);
  child.stdout!.on('data', take);
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    child,
    lines,
    exit,
    line: (match) => {
      const seen = lines.find((l) => match.test(l));
      return seen !== undefined ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ match, resolve }));
    },
  };
}

/** Waits until `ok()` holds, checking every 20 ms (bounded by the test's timeout, never a measure of speed). */
export async function until(ok: () => boolean): Promise<void> {
  while (!ok()) await new Promise((r) => setTimeout(r, 20));
}
