import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { resolveConfig } from '../config/resolve.js';
import type { ConfigInput } from '../config/schema.js';
import { loadQuotes } from '../data/load.js';
import { Decimal } from '../domain/decimal.js';
import { ConfigError, ConfigErrors } from '../domain/errors.js';
import { runBacktest } from './run-backtest.js';

/**
 * Parameter sweeps: a backtest for every combination of the given values, spread over worker threads.
 * Each worker loads the data once and runs its share of the combinations on it.
 */

/** The parameters a sweep may vary, and where they live in a strategy's config. */
export const SWEEP_KEYS: Record<string, { path: string[]; kind: 'decimal' | 'integer' }> = {
  longEntry: { path: ['triggers', 'longEntry'], kind: 'decimal' },
  longExit: { path: ['triggers', 'longExit'], kind: 'decimal' },
  shortEntry: { path: ['triggers', 'shortEntry'], kind: 'decimal' },
  shortExit: { path: ['triggers', 'shortExit'], kind: 'decimal' },
  target: { path: ['target'], kind: 'integer' },
  payupTicks: { path: ['execution', 'payupTicks'], kind: 'integer' },
  resubmitMs: { path: ['execution', 'resubmitMs'], kind: 'integer' },
  'hedge.payupTicks': { path: ['execution', 'hedge', 'payupTicks'], kind: 'integer' },
  'hedge.repriceMs': { path: ['execution', 'hedge', 'repriceMs'], kind: 'integer' },
  'hedge.crossAfterMs': { path: ['execution', 'hedge', 'crossAfterMs'], kind: 'integer' },
  'hedge.crossPayupTicks': { path: ['execution', 'hedge', 'crossPayupTicks'], kind: 'integer' },
  'hedge.maxCrossTicks': { path: ['execution', 'hedge', 'maxCrossTicks'], kind: 'integer' },
  'hedge.unwindAfterMs': { path: ['execution', 'hedge', 'unwindAfterMs'], kind: 'integer' },
  'hedge.unwindPayupTicks': { path: ['execution', 'hedge', 'unwindPayupTicks'], kind: 'integer' },
};

export interface SweepAxis {
  key: string;
  values: string[];
}

/** `key=from:to:step` (inclusive) or `key=v1,v2,…`. Errors name the argument. */
export function parseSweep(specs: readonly string[]): SweepAxis[] {
  const axes = specs.map((spec, n) => {
    const where = `--sweep[${n}]`;
    const m = /^([A-Za-z.]+)=(.+)$/.exec(spec.trim());
    if (!m) throw new ConfigError(where, 'must be key=from:to:step or key=v1,v2,…', spec);
    const key = m[1]!;
    const def = Object.hasOwn(SWEEP_KEYS, key) ? SWEEP_KEYS[key] : undefined; // not a name Object's prototype holds (constructor)
    if (!def) throw new ConfigError(where, `unknown parameter ${key}; one of ${Object.keys(SWEEP_KEYS).join(', ')}`, spec);
    const body = m[2]!;
    let values: string[];
    // Each end and the step a decimal (1, 1.5, .5, 1.): "1.2.3" or "." is not a range, and is refused below.
    const range = /^(-?(?:\d+(?:\.\d*)?|\.\d+)):(-?(?:\d+(?:\.\d*)?|\.\d+)):(\d+(?:\.\d*)?|\.\d+)$/.exec(body);
    if (range) {
      const [from, to, step] = [new Decimal(range[1]!), new Decimal(range[2]!), new Decimal(range[3]!)];
      if (step.lte(0)) throw new ConfigError(where, 'step must be greater than 0', spec);
      if (to.lt(from)) throw new ConfigError(where, 'the range must not run backwards', spec);
      values = [];
      for (let v = from; v.lte(to); v = v.plus(step)) {
        values.push(v.toFixed());
        if (values.length > 1000) throw new ConfigError(where, 'more than 1000 values', spec);
      }
    } else values = body.split(',').map((v) => v.trim());
    for (const v of values) {
      const ok = def.kind === 'integer' ? /^-?\d+$/.test(v) : /^-?(\d+(\.\d*)?|\.\d+)$/.test(v);
      if (!ok) throw new ConfigError(where, `${key} takes ${def.kind === 'integer' ? 'whole numbers' : 'decimals'}`, v);
    }
    return { key, values };
  });
  // Every combination is a backtest: the product, not each axis, is what must stay bounded.
  const total = axes.reduce((n, a) => n * a.values.length, 1);
  if (total > MAX_COMBINATIONS) throw new ConfigError('--sweep', `makes ${total} combinations, more than ${MAX_COMBINATIONS}: sweep fewer values, or in stages`, specs.join(' '));
  return axes;
}

/** The most combinations a sweep runs (each is a backtest of the whole data). */
export const MAX_COMBINATIONS = 10_000;

/** Every combination of the axes' values. */
export function combinations(axes: readonly SweepAxis[]): Record<string, string>[] {
  let out: Record<string, string>[] = [{}];
  for (const a of axes) out = out.flatMap((c) => a.values.map((v) => ({ ...c, [a.key]: v })));
  return out;
}

/** The config with a combination applied to every strategy. */
export function applyCombination(raw: ConfigInput, combo: Record<string, string>): ConfigInput {
  const c = structuredClone(raw) as ConfigInput;
  for (const s of c.strategies as Record<string, unknown>[]) {
    for (const [key, value] of Object.entries(combo)) {
      const def = SWEEP_KEYS[key]!;
      let node = s;
      for (const p of def.path.slice(0, -1)) {
        node[p] ??= {};
        node = node[p] as Record<string, unknown>;
      }
      node[def.path.at(-1)!] = def.kind === 'integer' ? Number(value) : value;
    }
  }
  return c;
}

export interface SweepRow {
  params: Record<string, string>;
  executions: number;
  units: number;
  pnl: string | null;
  /** The largest naked notional of any execution at one moment (currency). */
  maxNakedNotional: string;
  /** ∫ naked notional dt over the run, currency·seconds. */
  nakedNotionalSeconds: string;
  /** Mean slippage over executions with fills, in spread points. */
  meanSlippage: string | null;
  /** Why this combination could not run (an invalid config, say). */
  error?: string;
}

export interface SweepJob {
  raw: ConfigInput;
  source: string;
  data: string[];
  badData: 'skip' | 'stop';
  timeZone?: string | undefined;
  combos: { index: number; params: Record<string, string> }[];
}

/** Data loaded for sweep runs, by what was loaded; a long-lived caller (a distributed sweep worker) keeps one across jobs. */
export type SweepDataCache = Map<string, NonNullable<Parameters<typeof runBacktest>[1]['quotes']>>;

/** Runs a share of the combinations in this thread, loading the data once (or taking it from `cache`, which keeps the last). */
export async function runSweepJob(job: SweepJob, onRow: (index: number, row: SweepRow) => void, cache?: SweepDataCache): Promise<void> {
  let quotes: Parameters<typeof runBacktest>[1]['quotes'];
  for (const { index, params } of job.combos) {
    let row: SweepRow;
    try {
      const config = resolveConfig(applyCombination(job.raw, params), job.source);
      if (!quotes && config.venue.kind === 'replay') {
        const v = config.venue;
        const load = {
          instruments: new Map(v.instruments.map((i) => [i.symbol, { tickSize: Number(i.tickSize), maxWidthTicks: i.maxWidthTicks }])),
          timeZone: job.timeZone ?? v.calendar.timeZone,
          badData: job.badData,
        };
        const key = JSON.stringify([job.data, [...load.instruments], load.timeZone, load.badData]);
        quotes = cache?.get(key) ?? loadQuotes(job.data, load);
        if (cache && !cache.has(key)) cache.clear(), cache.set(key, quotes);
      }
      const r = await runBacktest(config, { data: job.data, badData: job.badData, series: false, ...(quotes ? { quotes } : {}) });
      const s = r.summary;
      const slips = s.executions.filter((e) => e.slippage !== null).map((e) => new Decimal(e.slippage!));
      row = {
        params,
        executions: s.executions.length,
        units: s.executions.reduce((a, e) => a + e.units, 0),
        pnl: s.pnl,
        maxNakedNotional: s.exposure.maxNakedNotional,
        nakedNotionalSeconds: s.exposure.nakedNotionalSeconds,
        meanSlippage: slips.length ? slips.reduce((a, b) => a.plus(b), new Decimal(0)).div(slips.length).toDecimalPlaces(4).toFixed() : null,
      };
    } catch (e) {
      const message = e instanceof ConfigErrors ? e.errors.map((x) => x.message).join('; ') : e instanceof Error ? e.message : String(e);
      row = { params, executions: 0, units: 0, pnl: null, maxNakedNotional: '0', nakedNotionalSeconds: '0', meanSlippage: null, error: message };
    }
    onRow(index, row);
  }
}

export interface SweepOptions {
  data: string[];
  badData?: 'skip' | 'stop';
  timeZone?: string;
  /** Worker threads (default: the cores available, at most one per combination). 0 runs in this thread. */
  workers?: number;
  onRow?: (done: number, total: number) => void;
}

/** Runs every combination, on worker threads, and returns the rows in combination order. */
export async function runSweep(raw: ConfigInput, source: string, axes: readonly SweepAxis[], options: SweepOptions): Promise<SweepRow[]> {
  const combos = combinations(axes).map((params, index) => ({ index, params }));
  const rows: SweepRow[] = new Array(combos.length);
  let done = 0;
  const onRow = (index: number, row: SweepRow): void => {
    rows[index] = row;
    options.onRow?.(++done, combos.length);
  };
  const base = { raw, source, data: options.data, badData: options.badData ?? 'skip', timeZone: options.timeZone } as const;
  const workers = Math.min(options.workers ?? availableParallelism(), combos.length);
  if (workers <= 1) {
    await runSweepJob({ ...base, combos }, onRow);
    return rows;
  }
  const shares = Array.from({ length: workers }, (_, w) => combos.filter((_, i) => i % workers === w));
  await Promise.all(
    shares.map(
      (share) =>
        new Promise<void>((resolve, reject) => {
          const worker = new Worker(new URL('./sweep-worker.mjs', import.meta.url), { workerData: { ...base, combos: share } satisfies SweepJob });
          worker.on('message', (m: { index: number; row: SweepRow }) => onRow(m.index, m.row));
          worker.on('error', reject);
          worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`sweep worker exited with code ${code}`))));
        }),
    ),
  );
  return rows;
}

/** Rows by PnL (highest first) or by exposure (fewest naked notional-seconds first); failed rows last. */
export function sortRows(rows: readonly SweepRow[], by: 'pnl' | 'exposure'): SweepRow[] {
  const key = (r: SweepRow): number => (r.error ? Infinity : by === 'pnl' ? -Number(r.pnl ?? -Infinity) : Number(r.nakedNotionalSeconds));
  return [...rows].sort((a, b) => key(a) - key(b));
}
