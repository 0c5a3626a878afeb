/**
 * Two builds of the engine replaying the shared Binance day alternately in one process:
 *
 *   npm run -s bench:ab -- <checkout> [--rounds N] [--json]
 *
 * compares this checkout's engine (compiled by the script into dist-bench/) with another checkout's, compiled there
 * by its own `npx tsc -p tsconfig.bench.json` (a `git worktree add` of the commit to compare, with node_modules, e.g.
 * a link to this checkout's). Each round replays the day once with each build, the order of the two reversed every
 * other round, after five warm-ups of each; the medians and quartiles of the wall time of a replay are reported, and
 * the ratio of the medians.
 *
 * Why in one process: two builds each in a process of its own, alternated (`npm run bench -- --only replay` in each),
 * see the machine's load as it comes, and on a shared machine whole processes run at half speed; in the twenty-first
 * round of issue 14 three sets of such pairs disagreed on the direction of a difference, and this settled it
 * (docs/benchmarks-history.md). In one process both builds run under the same load, the same heap and the same
 * collections; they share XState when the other checkout's node_modules resolves to the same files.
 *
 * The two builds must make the same decisions on the day (executions, orders, fills, gross): a comparison of
 * different work is refused.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runBacktest } from '../src/backtest/run-backtest.js';
import { loadConfigFile } from '../src/config/resolve.js';
import { loadQuotes } from '../src/data/load.js';
import type { ReplayVenueSpec } from '../src/venue/replay/replay-venue.js';
import { BINANCE_CONFIG, BINANCE_DAY, BINANCE_DIR } from './binance-day.js';

const WARM = 5;

/** What one build offers: the three functions a replay of the day needs, from its own modules. */
interface Build {
  name: string;
  runBacktest: typeof runBacktest;
  loadConfigFile: typeof loadConfigFile;
  loadQuotes: typeof loadQuotes;
}

/** One build's replay of the day, ready to run, and what it decided. */
interface Replay {
  name: string;
  /** Leg quotes in the day, as the build loaded them. */
  quotes: number;
  run: () => Promise<string>;
  times: number[];
}

/** A comparison refused before it ran: its message says why (exit 2). */
export class AbError extends Error {}

function usage(why: string): never {
  throw new AbError(`${why}\nusage: npm run -s bench:ab -- <checkout> [--rounds N] [--json]`);
}

/** The command line: the other checkout, the rounds (default 30) and whether to print JSON. */
export function abOptions(argv: readonly string[]): { other: string; rounds: number; json: boolean } {
  let other: string | undefined;
  let rounds = 30;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') json = true;
    else if (a === '--rounds') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 3 || n > 1000) usage(`--rounds takes a whole number from 3 to 1000, not ${JSON.stringify(argv[i] ?? '')}`);
      rounds = n;
    } else if (a.startsWith('-')) usage(`unknown option ${JSON.stringify(a.slice(0, 200))}`);
    else if (other === undefined) other = a;
    else usage(`one checkout to compare with, not two (${JSON.stringify(other.slice(0, 200))} and ${JSON.stringify(a.slice(0, 200))})`);
  }
  if (other === undefined) usage('no checkout to compare with');
  return { other, rounds, json };
}

/** The other checkout's compiled engine, or an AbError naming the file it lacks. */
export async function otherBuild(dir: string): Promise<Build> {
  const root = resolve(dir, 'dist-bench');
  const files = ['src/backtest/run-backtest.js', 'src/config/resolve.js', 'src/data/load.js'].map((f) => resolve(root, f));
  const missing = files.find((f) => !existsSync(f));
  if (missing !== undefined) throw new AbError(`${dir}: no compiled engine (${missing} is missing): run \`npx tsc -p tsconfig.bench.json\` there first`);
  const [backtest, config, load] = await Promise.all(files.map((f) => import(pathToFileURL(f).href)));
  return { name: resolve(dir), runBacktest: backtest.runBacktest, loadConfigFile: config.loadConfigFile, loadQuotes: load.loadQuotes };
}

/** The day loaded by the build's own modules, and a replay of it that returns its decisions as one line. */
function replayOf(build: Build): Replay {
  const config = build.loadConfigFile(BINANCE_CONFIG);
  const venue = config.venue as ReplayVenueSpec;
  const instruments = new Map(venue.instruments.map((i) => [i.symbol, { tickSize: Number(i.tickSize), maxWidthTicks: i.maxWidthTicks }]));
  const quotes = build.loadQuotes(BINANCE_DAY, { instruments, timeZone: 'UTC', badData: 'skip' });
  return {
    name: build.name,
    quotes: quotes.table.length,
    run: async () => {
      const { summary } = await build.runBacktest(config, { data: [], quotes, series: false });
      return `${summary.counts.executions} executions, ${summary.counts.orders} orders, ${summary.counts.fills} fills, gross ${summary.gross}`;
    },
    times: [],
  };
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function main(): Promise<void> {
  const { other, rounds, json } = abOptions(process.argv.slice(2));
  if (!BINANCE_DAY.every((f) => existsSync(f))) throw new AbError(`${BINANCE_DIR} is absent: the comparison replays the shared Binance day`);
  const builds = [replayOf({ name: resolve('.'), runBacktest, loadConfigFile, loadQuotes }), replayOf(await otherBuild(other))];
  const decisions = new Set<string>();
  for (let k = 0; k < WARM; k++) for (const b of builds) decisions.add(await b.run());
  if (decisions.size !== 1) throw new AbError(`the two builds decide differently on the day (${[...decisions].join('; ')}): not the same work`);
  for (let k = 0; k < rounds; k++) {
    for (const b of k % 2 === 0 ? builds : [...builds].reverse()) {
      const t0 = performance.now();
      await b.run();
      b.times.push(performance.now() - t0);
    }
  }
  const rows = builds.map((b) => {
    const t = [...b.times].sort((x, y) => x - y);
    return { build: b.name, medianMs: round(quantile(t, 0.5)), q1Ms: round(quantile(t, 0.25)), q3Ms: round(quantile(t, 0.75)), quotesPerSec: Math.round(b.quotes / (quantile(t, 0.5) / 1000)) };
  });
  const ratio = round(rows[1]!.medianMs / rows[0]!.medianMs, 3);
  if (json) {
    console.log(JSON.stringify({ rounds, decisions: [...decisions][0], builds: rows, otherOverThis: ratio }));
    return;
  }
  console.log(`the Binance day, ${rounds} rounds alternated in one process after ${WARM} warm-ups of each; both builds: ${[...decisions][0]}`);
  for (const r of rows) console.log(`  ${r.build}: median ${r.medianMs} ms a replay (quartiles ${r.q1Ms}–${r.q3Ms}), ${r.quotesPerSec.toLocaleString('en-US')} quotes/s`);
  console.log(`  the other build's median over this one's: ${ratio}`);
}

function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

// Run as a script (not when a test imports the functions above).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) void main().catch((e: unknown) => {
  if (e instanceof AbError) {
    console.error(`bench:ab: ${e.message}`);
    process.exit(2);
  }
  console.error(`bench:ab: the comparison failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
