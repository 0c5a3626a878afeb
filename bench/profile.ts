/**
 * Where the engine's time goes on the shared Binance day: a CPU profile by module (self time, with V8 builtins and
 * native code charged to the module that called them).
 *
 *   node --import tsx bench/profile.ts [--runs N] [--out file.cpuprofile]   profile N replays after a warm-up
 *   node --import tsx bench/profile.ts some.cpuprofile                       summarise a profile made elsewhere,
 *                                                                            e.g. by `node --cpu-prof`
 * (or, after `npm run bench` has compiled it, `node dist-bench/bench/profile.js …`: the engine as tsc builds it)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { runBacktest } from '../src/backtest/run-backtest.js';
import { loadConfigFile } from '../src/config/resolve.js';
import { loadQuotes } from '../src/data/load.js';
import type { ReplayVenueSpec } from '../src/venue/replay/replay-venue.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** The module a frame's code belongs to. */
function moduleOf(url: string, name: string): string | null {
  if (name === '(garbage collector)') return 'GC';
  if (name === '(idle)') return 'idle';
  if (name === '(program)') return 'program (V8, unattributed)';
  if (name === '(root)') return null;
  if (url === '') return null;
  const nm = /node_modules\/(@[^/]+\/[^/]+|[^/]+)\//.exec(url);
  if (nm) return nm[1]!;
  if (url.startsWith('node:')) return 'node internals';
  const ours = /\/(src\/[^/]+|machines|bench)\//.exec(url);
  if (ours) return `ours: ${ours[1]}`;
  return 'other';
}

/** Self time per module, ms; builtins and native frames go to the nearest caller that has a module. */
export function summarise(p: Profile): { module: string; ms: number; pct: number }[] {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const owner = new Map<number, string>();
  const ownerOf = (id: number): string => {
    const known = owner.get(id);
    if (known !== undefined) return known;
    const n = byId.get(id)!;
    let m = moduleOf(n.callFrame.url, n.callFrame.functionName);
    if (m === null) {
      const up = parent.get(id);
      m = up === undefined ? 'other' : ownerOf(up);
    }
    owner.set(id, m);
    return m;
  };
  const ms = new Map<string, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const m = ownerOf(p.samples[i]!);
    ms.set(m, (ms.get(m) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  }
  const total = [...ms.entries()].filter(([m]) => m !== 'idle').reduce((a, [, v]) => a + v, 0);
  return [...ms.entries()]
    .filter(([m]) => m !== 'idle')
    .map(([module, v]) => ({ module, ms: Math.round(v), pct: Math.round((v / total) * 1000) / 10 }))
    .sort((a, b) => b.ms - a.ms);
}

const args = process.argv.slice(2);
const file = args.find((a) => a.endsWith('.cpuprofile') && args[args.indexOf(a) - 1] !== '--out');
let profile: Profile;
if (file) profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
else {
  const runs = Number(args[args.indexOf('--runs') + 1] ?? NaN);
  const n = Number.isFinite(runs) ? runs : 5;
  const dir = '../shared/data/binance-btc-2024-08';
  const config = loadConfigFile('examples/backtest-binance-basis.yaml');
  const venue = config.venue as ReplayVenueSpec;
  const quotes = loadQuotes([`${dir}/spot_btcusdt_20240808_bookTicker.csv.gz`, `${dir}/usdm_btcusdt_20240808_bookTicker.csv.gz`], {
    instruments: new Map(venue.instruments.map((i) => [i.symbol, { tickSize: Number(i.tickSize) }])),
    timeZone: 'UTC',
    badData: 'skip',
  });
  for (let k = 0; k < 2; k++) await runBacktest(config, { data: [], quotes, series: false });
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  const t0 = performance.now();
  for (let k = 0; k < n; k++) await runBacktest(config, { data: [], quotes, series: false });
  const wall = performance.now() - t0;
  profile = (await session.post('Profiler.stop')).profile as unknown as Profile;
  session.disconnect();
  console.log(`${n} replays of ${quotes.table.length.toLocaleString('en-US')} leg quotes in ${Math.round(wall)} ms (${Math.round((n * quotes.table.length) / (wall / 1000)).toLocaleString('en-US')} quotes/s while profiled)`);
  const out = args.includes('--out') ? args[args.indexOf('--out') + 1] : undefined;
  if (out) writeFileSync(out, JSON.stringify(profile));
}
const rows = summarise(profile);
for (const r of rows) console.log(`${r.module.padEnd(34)} ${String(r.ms).padStart(7)} ms  ${String(r.pct).padStart(5)} %`);
