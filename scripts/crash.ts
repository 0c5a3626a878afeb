/**
 * Crash test: kills the engine with SIGKILL at random moments of simulated sessions on a venue process,
 * restarts it with --resume, and checks the result against the venue.
 *
 *   npm run crash -- --runs 200 [--seed 1] [--speed 200] [--minutes 20] [--max-kills 3] [--parallel 2] [--venue-faults] [--fix]
 *
 * With --fix the venue process speaks FIX 4.4 (`legato venue --protocol fix`, its session store kept across its
 * restarts) and the engine connects with `--venue fix://127.0.0.1:<port>`; the default speed is then 60 (at 200 this
 * market sends 2,000 quotes a second, more than an engine parsing FIX in JavaScript follows on a small machine).
 * The venue's own account then comes from the file it writes when it stops (`--stats-file`), its trade ids the
 * ExecIDs it sent; a stray client is a second FIX logon with the engine's own CompIDs and password.
 *
 * Each run: a fresh data directory and a fresh `legato venue` process (its market keeps trading while the
 * engine is down); the engine is started, killed 1..max-kills times at random moments after it has begun its
 * run (a kill that lands before, because the engine was slow to start, is counted apart, and a pass where
 * most kills landed before trading began fails: it tested nothing), restarted with --resume each time, and
 * finally left to finish its session. With --venue-faults each run also meets one venue fault: the venue
 * frozen (SIGSTOP) past the engine's heartbeat, then resumed; the venue killed and replaced by a new one with no
 * memory (then the old venue's share is what the journal holds of it, and the rest is checked against the new
 * one); or a stray client, which must be refused while the engine trades on. Then, against the venue's own records:
 *   duplicates      orders the venue received twice (the same client id)        must be 0
 *   lost fills      fills the venue made that the journal never recorded         must be 0
 *   double counted  fills the engine counted more than once (its count vs venue)  must be 0
 *   mismatches      runs whose final positions differ from the venue's           must be 0
 *   unfinished      algos started (and committed) and never ended, orders left open  must be 0
 * It prints the counts and exits 1 when any is not 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Decimal, FixVenue, FixVenueError, JOURNAL_FILE, RemoteVenue, journalStatus, readJournal, type ConfigInput, type JournalEntry, type Summary, type WireStats } from '../src/index.js';
import { Random } from '../src/venue/simulated/random.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'legato.js');

export interface CrashOptions {
  runs: number;
  seed: number;
  /** The venue's speed: simulated seconds per real second. */
  speed: number;
  /** Simulated minutes each session lasts. */
  minutes: number;
  maxKills: number;
  parallel: number;
  /** One venue fault per run: a freeze past the heartbeat, a venue restart, or a stray client. */
  venueFaults?: boolean;
  /** The faults in turn (run i meets fault i mod 3: freeze, restart, stray) instead of drawn at random. */
  rotateFaults?: boolean;
  /** The venue process speaks FIX 4.4 and the engine connects with fix:// (jspurefix must be installed). */
  fix?: boolean;
  log?: (line: string) => void;
}

export interface CrashCounts {
  runs: number;
  kills: number;
  /** Kills that landed before the engine had begun its run (it was slow to start): they test nothing. */
  killsBeforeStart: number;
  /** Venue faults met: freezes past the heartbeat (and the engine's reconnections), stray clients refused. */
  venueFreezes: number;
  /** Venue processes killed (SIGKILL) and replaced by a new one with no memory, from the engine's time on. */
  venueRestarts: number;
  reconnections: number;
  strayRefused: number;
  /** Stray clients the venue served beside the engine: must be 0. Faults that found no engine running to hit. */
  strayServed: number;
  faultsSkipped: number;
  /** Runs whose last engine could not finish its algos and was resumed once more to reconcile. */
  finalResumes: number;
  starts: number;
  orders: number;
  fills: number;
  duplicates: number;
  voidRefused: number;
  lostFills: number;
  doubleCounted: number;
  positionMismatches: number;
  unfinishedAlgos: number;
  openOrdersLeft: number;
  failedRuns: number;
  /** What the restarts did: resumes from a snapshot, orders adopted, orders that never reached the venue, fills found at reconciliation, reports replayed. */
  resumedFromSnapshot: number;
  adopted: number;
  neverReached: number;
  fillsAtReconcile: number;
  replayedReports: number;
}

export interface CrashResult {
  counts: CrashCounts;
  failures: string[];
}

const KINDS = ['taker', 'quoting', 'contingent'] as const;

/** A fast, thin, always-open market so a short session has leg-outs, partial fills and resting orders. */
export function crashConfig(seed: number, minutes: number, kind: (typeof KINDS)[number]): ConfigInput {
  return {
    run: { start: '2026-11-23T09:00:00', days: minutes / 1440 },
    venue: {
      seed,
      latencyMs: 20,
      calendar: { timeZone: 'UTC', days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'], sessions: [{ start: '00:00', end: '00:00' }] },
      instruments: [
        { symbol: 'RB', tickSize: '1', lotSize: '1', quoteIntervalMs: 200, size: { min: 1, max: 6 }, start: '3200', volatility: '0.5' },
        { symbol: 'HC', tickSize: '1', lotSize: '1', quoteIntervalMs: 200, size: { min: 1, max: 6 }, follows: { symbol: 'RB', beta: '1', mean: '180', sd: '4', halfLifeSeconds: 60 } },
      ],
    },
    strategies: [
      {
        name: 'hc-rb',
        legs: [
          { symbol: 'HC', tickSize: '1', lotSize: '1', priceMultiplier: '1', tradingMultiplier: 1, contractMultiplier: '10' },
          { symbol: 'RB', tickSize: '1', lotSize: '1', priceMultiplier: '-1', tradingMultiplier: -1, contractMultiplier: '10' },
        ],
        triggers: { longEntry: '177', longExit: '180', shortEntry: '183', shortExit: '180' },
        target: 5,
        execution: { kind, resubmitMs: 500, hedge: { repriceMs: 300, crossAfterMs: 1000, unwindAfterMs: 3000 } },
      },
    ],
  };
}

/** The FIX session's identity, as the environment gives it to the engine (and, read from its side, to the venue). */
export const FIX_CREDENTIALS = { senderCompId: 'LEGATO', targetCompId: 'LEGATO-VENUE', password: 'crash-test' };
const FIX_ENV = {
  LEGATO_FIX_SENDER_COMP_ID: FIX_CREDENTIALS.senderCompId,
  LEGATO_FIX_TARGET_COMP_ID: FIX_CREDENTIALS.targetCompId,
  LEGATO_FIX_PASSWORD: FIX_CREDENTIALS.password,
};

function legato(args: string[], fix = false): { child: ChildProcess; out: () => string; err: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: fix ? { ...process.env, ...FIX_ENV } : process.env });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (err += String(d)));
  const exit = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return { child, out: () => out, err: () => err, exit };
}

async function waitFor(p: { err: () => string; exit: Promise<number | null> }, text: string, ms: number): Promise<void> {
  const t0 = Date.now();
  let exited = false;
  void p.exit.then(() => (exited = true));
  while (!p.err().includes(text)) {
    if (exited) throw new Error(`exited before "${text}": ${p.err()}`);
    if (Date.now() - t0 > ms) throw new Error(`no "${text}" within ${ms} ms: ${p.err()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A timer that does not keep the process alive (the races below leave theirs pending). */
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref());

/** One session with kills; returns its counts and what went wrong. */
export async function crashRun(index: number, options: CrashOptions): Promise<{ counts: CrashCounts; failures: string[] }> {
  const rng = new Random(options.seed * 7919 + index);
  const dir = mkdtempSync(join(tmpdir(), 'legato-crash-'));
  const cfg = join(dir, 'config.json');
  const sock = join(dir, 'venue.sock');
  const data = join(dir, 'data');
  const fix = options.fix === true;
  // Over FIX: the venue's session store (kept across its restarts) and the file its account is written to.
  const venueStore = join(dir, 'venue-fix');
  const statsFile = join(dir, 'venue-stats.json');
  let port = 0;
  const venueArgs = (config: string): string[] =>
    fix
      ? ['venue', '--protocol', 'fix', '--port', String(port), '--store-dir', venueStore, '--stats-file', statsFile, '--config', config, '--speed', String(options.speed)]
      : ['venue', '--socket', sock, '--config', config, '--speed', String(options.speed)];
  // The venue prints where it listens; over FIX it picked a free port, which its restart reuses.
  const listening = async (v: ReturnType<typeof legato>): Promise<void> => {
    await waitFor(v, 'listening on', 90_000);
    if (fix) port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(v.err())![1]);
  };
  const address = (): string => (fix ? `fix://127.0.0.1:${port}` : sock);
  const kind = KINDS[index % KINDS.length]!;
  writeFileSync(cfg, JSON.stringify(crashConfig(options.seed + index, options.minutes, kind)));
  const c: CrashCounts = { runs: 1, kills: 0, killsBeforeStart: 0, venueFreezes: 0, venueRestarts: 0, reconnections: 0, strayRefused: 0, strayServed: 0, faultsSkipped: 0, finalResumes: 0, starts: 0, orders: 0, fills: 0, duplicates: 0, voidRefused: 0, lostFills: 0, doubleCounted: 0, positionMismatches: 0, unfinishedAlgos: 0, openOrdersLeft: 0, failedRuns: 0, resumedFromSnapshot: 0, adopted: 0, neverReached: 0, fillsAtReconcile: 0, replayedReports: 0 };
  const failures: string[] = [];
  const fail = (m: string): void => {
    failures.push(`run ${index} (${kind}, seed ${options.seed + index}): ${m}`);
  };
  // Market time starts when the first engine connects, so a slow start on a busy machine does not eat the session.
  let venue = legato([...venueArgs(cfg), '--wait-for-engine'], fix);
  // A venue restart: the process is killed and a new one, with no memory of orders, fills or positions, serves the
  // same market from the engine's time on (a venue cannot restart earlier than the engine, whose clock never runs back).
  let restarted = false;
  const restartVenue = async (): Promise<void> => {
    const at = journalTime(data);
    venue.child.kill('SIGKILL');
    await venue.exit;
    const end = Date.parse('2026-11-23T09:00:00Z') + options.minutes * 60_000;
    const base = crashConfig(options.seed + index, options.minutes, kind) as { run: { start: string; days: number } };
    const cfg2 = join(dir, 'venue-restarted.json');
    writeFileSync(cfg2, JSON.stringify({ ...base, run: { start: new Date(at).toISOString(), days: (Math.max(end - at, 0) + 60_000) / 86_400_000 } }));
    venue = legato(venueArgs(cfg2), fix);
    restarted = true;
    await listening(venue);
  };
  try {
    await listening(venue);
    const kills = rng.int(1, options.maxKills);
    // The session lasts minutes·60/speed seconds of wall time; kills fall anywhere from startup to near its end.
    const sessionMs = (options.minutes * 60_000) / options.speed;
    let last: ReturnType<typeof legato> | undefined;
    let code: number | null = null;
    let faults: Promise<void> | undefined;
    for (let k = 0; ; k++) {
      // Resume what the journal holds; a kill that landed before the first run was written leaves nothing to resume.
      const args = ['run', '--config', cfg, '--venue', address(), '--data-dir', data, '--json', ...(journalStatus(data).lastRun !== null ? ['--resume'] : [])];
      const engine = legato(args, fix);
      c.starts++;
      last = engine;
      // The venue fault meets the first incarnation soon after it has begun, and its kill waits until the fault has
      // played out, so a reconnection can be seen through. (A frozen venue's market time runs on meanwhile.)
      if (k === 0 && options.venueFaults) {
        const kind = options.rotateFaults ? FAULTS[index % FAULTS.length]! : undefined;
        faults = venueFault(engine, { address: address(), fix, pid: () => (venue.child.exitCode === null ? venue.child.pid : undefined) }, rng, c, restartVenue, kind);
      }
      if (k < kills) {
        // The moment counts from when the engine has begun its run (journal open, run.started or run.resumed
        // written), so a slow start on a busy machine does not turn the kill into a kill of nothing.
        const begun = await Promise.race([
          waitFor(engine, `ing run 1 (incarnation `, 60_000).then(() => true, () => false),
          engine.exit.then(() => false),
        ]);
        if (k === 0 && faults) await faults.catch(() => {});
        const at = 50 + rng.uniform() * (sessionMs * 0.8 + 600);
        const done = await Promise.race([engine.exit.then(() => true), sleep(at).then(() => false)]);
        if (!done) {
          engine.child.kill('SIGKILL');
          await engine.exit;
          c.kills++;
          if (!begun) c.killsBeforeStart++;
          continue;
        }
      }
      code = await Promise.race([engine.exit, sleep(120_000).then(() => -1)]);
      if (code === -1) {
        engine.child.kill('SIGKILL');
        fail(`the engine did not finish within 120 s: ${engine.err().slice(-500)}`);
      }
      break;
    }
    // A run whose engine finished before its last planned kill never reached the incarnation the fault waits for.
    if (options.venueFaults && faults === undefined) c.faultsSkipped++;
    await faults;
    // A run that could not finish its algos in its stop's grace (a cancel unanswered under load) leaves the journal
    // open and says to resume: as an operator would, resume it, and the next start reconciles what it could not learn.
    for (let again = 0; again < 2 && code === 1 && last!.err().includes('resume it with --resume'); again++) {
      c.finalResumes++;
      const engine = legato(['run', '--config', cfg, '--venue', address(), '--data-dir', data, '--json', '--resume'], fix);
      c.starts++;
      last = engine;
      code = await Promise.race([engine.exit, sleep(120_000).then(() => -1)]);
      if (code === -1) {
        engine.child.kill('SIGKILL');
        fail(`the resumed engine did not finish within 120 s: ${engine.err().slice(-500)}`);
      }
    }
    if (code !== 0) fail(`the last engine exited ${code}: ${last!.err().slice(-800)}`);

    // The venue's own account of the session: asked for (JSON lines), or written by the FIX venue as it stops.
    let stats: WireStats;
    if (fix) {
      venue.child.kill('SIGTERM');
      const code = await Promise.race([venue.exit, sleep(30_000).then(() => 'hung' as const)]);
      if (code !== 0) throw new Error(`the FIX venue did not stop cleanly on SIGTERM (${code}): ${venue.err().slice(-400)}`);
      stats = JSON.parse(readFileSync(statsFile, 'utf8')) as WireStats;
    } else {
      const client = await RemoteVenue.connect(sock);
      stats = await client.stats();
      client.stop();
    }
    const mine = stats.orders.filter((o) => o.clientId.startsWith('r1.'));
    // A fill is its order and its trade id (a restarted venue numbers its trades from T1 again).
    const venueTrades = new Set(mine.flatMap((o) => o.fills.map((f) => `${o.clientId.slice(3)} ${f.tradeId}`)));
    c.orders = mine.length;
    c.fills = venueTrades.size;
    c.duplicates = stats.duplicates;
    c.voidRefused = stats.voidRefused;
    c.openOrdersLeft = stats.open.length;

    // The journal's.
    const entries = readJournal(join(data, JOURNAL_FILE)).records.map((r) => r.value as JournalEntry);
    const journalTrades = new Set<string>();
    // Lots per symbol from the journal's fills, by trade: after a venue restart, those the old venue made are known
    // only from the journal (the new venue never saw them).
    const journalLots = new Map<string, { symbol: string; lots: number }>();
    const started = new Set<string>();
    const ended = new Set<string>();
    // Algos started since the last snapshot. A launch is journalled in one write with the snapshot that commits
    // it; a kill that tears that write leaves the launch's record without its snapshot (the torn tail is cut on
    // resume), and the resumed run restarts from the snapshot before it: that launch never happened for it (it
    // may launch again, under the same id, if the market still calls for it).
    let sinceSnapshot: string[] = [];
    for (const e of entries) {
      if (e.kind === 'snapshot') sinceSnapshot = [];
      if (e.kind === 'algo.started') sinceSnapshot.push(e.algoId);
      if (e.kind === 'run.resumed') {
        for (const id of sinceSnapshot) started.delete(id);
        sinceSnapshot = [];
      }
      if (e.kind === 'report' && e.report.type === 'order.filled') {
        const key = `${e.report.clientId} ${e.report.tradeId}`;
        journalTrades.add(key);
        journalLots.set(key, { symbol: e.report.symbol, lots: e.report.side * e.report.qty });
      }
      if (e.kind === 'algo.started') started.add(e.algoId);
      if (e.kind === 'algo.ended') ended.add(e.execution.algoId);
      if (e.kind === 'run.resumed') {
        if (e.snapshotAt !== null) c.resumedFromSnapshot++;
        c.replayedReports += e.replayed;
      }
      if (e.kind === 'reconciled') {
        c.adopted += e.adopted.length;
        c.neverReached += e.lost.length;
        c.fillsAtReconcile += e.fillsApplied;
      }
    }
    c.lostFills = [...venueTrades].filter((t) => !journalTrades.has(t)).length;
    c.unfinishedAlgos = [...started].filter((a) => !ended.has(a)).length;
    if (!entries.some((e) => e.kind === 'run.ended')) fail('the journal has no run.ended');

    // The engine's final summary (its ledger and fill count over the whole run, all incarnations).
    const text = last!.out();
    if (text.trim() === '') {
      if (code === 0) fail('the last engine printed no summary');
    } else {
      const summary = JSON.parse(text) as Summary;
      // What the venue(s) made: this venue's trades and positions, plus, after a restart, the old venue's as journalled.
      const expected: Record<string, number> = { ...stats.positions };
      let made = venueTrades.size;
      if (restarted) {
        for (const [key, f] of journalLots) {
          if (venueTrades.has(key)) continue;
          made++;
          expected[f.symbol] = (expected[f.symbol] ?? 0) + f.lots;
        }
      }
      c.doubleCounted = Math.max(0, summary.counts.fills - made);
      if (summary.counts.fills < made) fail(`the engine counted ${summary.counts.fills} fills, the venue made ${made}`);
      const engine: Record<string, number> = {};
      for (const s of summary.strategies) for (const l of s.legs) engine[l.symbol] = (engine[l.symbol] ?? 0) + l.lots;
      const off = Object.keys({ ...engine, ...expected }).filter((s) => (engine[s] ?? 0) !== (expected[s] ?? 0));
      if (off.length > 0) {
        c.positionMismatches = 1;
        fail(`positions differ: engine ${JSON.stringify(engine)}, venue ${JSON.stringify(expected)}${restarted ? ' (the old venue\'s as journalled plus the new one\'s)' : ''}`);
      }
    }
    if (c.duplicates > 0) fail(`${c.duplicates} duplicate orders`);
    if (c.lostFills > 0) fail(`${c.lostFills} fills the journal never recorded`);
    if (c.doubleCounted > 0) fail(`${c.doubleCounted} fills counted twice`);
    if (c.unfinishedAlgos > 0) fail(`${c.unfinishedAlgos} algos never ended`);
    if (c.openOrdersLeft > 0) fail(`${c.openOrdersLeft} orders left open at the venue: ${stats.open.join(', ')}`);
    if (c.strayServed > 0) fail('the venue served a stray client beside the running engine');
  } catch (e) {
    fail(`error: ${(e as Error).message}`);
  } finally {
    venue.child.kill('SIGTERM');
    await Promise.race([venue.exit, sleep(3000)]);
    if (failures.length === 0) rmSync(dir, { recursive: true, force: true });
    else failures.push(`  (kept ${dir})`);
  }
  if (failures.length > 0) c.failedRuns = 1;
  return { counts: c, failures };
}

const FAULTS = ['freeze', 'restart', 'stray'] as const;

/** Where the venue is, and its process id now (it changes when the venue is restarted). */
interface VenueAt {
  address: string;
  fix: boolean;
  pid: () => number | undefined;
}

/**
 * One venue fault during the first incarnation, soon after it has begun, each a third of the time: the venue frozen
 * past the engine's heartbeat (3 s over JSON lines, 2.5 × 1 s over FIX) and resumed (the engine must notice,
 * reconnect and reconcile); the venue killed and replaced by a new one with no memory (the engine must reconnect,
 * void what the new venue never saw, and trade on); or a stray client (the venue must refuse it, and the engine
 * trade on).
 */
async function venueFault(
  engine: ReturnType<typeof legato>,
  at: VenueAt,
  rng: Random,
  c: CrashCounts,
  restartVenue: () => Promise<void>,
  kind?: (typeof FAULTS)[number],
): Promise<void> {
  const draw = rng.uniform();
  const freeze = kind ? kind === 'freeze' : draw < 1 / 3;
  const restart = kind ? kind === 'restart' : draw >= 2 / 3;
  try {
    await waitFor(engine, 'ing run 1 (incarnation ', 60_000);
  } catch {
    c.faultsSkipped++;
    return;
  }
  await sleep(50 + rng.uniform() * 300);
  const venuePid = at.pid();
  if (freeze && venuePid === undefined) {
    c.faultsSkipped++;
  } else if (freeze && venuePid !== undefined) {
    process.kill(venuePid, 'SIGSTOP');
    c.venueFreezes++;
    await sleep(4500);
    process.kill(venuePid, 'SIGCONT');
    try {
      await waitFor(engine, 'trading again', 30_000);
      c.reconnections++;
    } catch {
      // It had finished its session before the freeze was noticed: nothing to reconnect for.
      // It had reached the end of its session (100 %) when the freeze was noticed: it stops with the venue away and
      // says to resume (the last-run resume below does), or it finished before noticing.
      if (!engine.err().includes('lost the venue') || engine.err().includes('100%')) {
        c.venueFreezes--;
        c.faultsSkipped++;
      }
      else throw new Error(`the engine lost the venue and did not trade again: ${engine.err().slice(-400)}`);
    }
  } else if (restart) {
    await restartVenue();
    c.venueRestarts++;
    try {
      await waitFor(engine, 'trading again', 30_000);
      c.reconnections++;
    } catch {
      // It had reached the end of its session, or finished, before it noticed: nothing to reconnect for.
      if (!engine.err().includes('lost the venue') || engine.err().includes('100%')) {
        c.venueRestarts--;
        c.faultsSkipped++;
      } else throw new Error(`the engine lost the venue and did not trade again: ${engine.err().slice(-400)}`);
    }
  } else {
    // Served: fine only when no engine was connected: it had ended its session and was exiting, or it had
    // been killed. An engine still running its session 3 s later was connected, and the venue let a second in.
    const served = async (): Promise<void> => {
      const exited = await Promise.race([engine.exit.then(() => true), sleep(3000).then(() => false)]);
      if (exited || engine.err().includes('100%')) c.faultsSkipped++;
      else c.strayServed++;
    };
    if (!at.fix) {
      try {
        const stray = await RemoteVenue.connect(at.address, { timeoutMs: 5000 });
        stray.stop();
        await served();
      } catch {
        c.strayRefused++;
      }
      return;
    }
    // Over FIX: a second logon with the engine's own CompIDs and password, numbered from 1 (its store is in memory).
    const port = Number(/:(\d+)$/.exec(at.address)![1]);
    const losses = (): number => engine.err().split('legato: lost the venue').length - 1;
    const lostBefore = losses();
    try {
      const stray = await FixVenue.connect({
        host: '127.0.0.1',
        port,
        ...FIX_CREDENTIALS,
        heartbeatSeconds: 1,
        instruments: ['HC', 'RB'].map((symbol) => ({ symbol, tickSize: new Decimal(1), lotSize: new Decimal(1) })),
        marketData: false,
        positions: false,
        timeoutMs: 10_000,
      });
      stray.stop();
      await served();
    } catch (e) {
      if (e instanceof FixVenueError && /already logged on/.test(e.message)) {
        c.strayRefused++;
        return;
      }
      // Refused for another reason (its sequence number too low for the session): right only when no engine was
      // logged on: it had finished, been killed, or lost its session (it then says so within its heartbeat
      // timeout, and reconnects). While one was logged on, the venue must have said so.
      const t0 = Date.now();
      while (Date.now() - t0 < 15_000 && engine.child.exitCode === null && losses() === lostBefore) await sleep(100);
      if (engine.child.exitCode !== null || engine.err().includes('100%') || losses() > lostBefore) c.faultsSkipped++;
      else throw new Error(`the stray FIX client was refused, but not for the session being logged on: ${(e as Error).message}`);
    }
  }
}

/** The latest time in the journal (the engine's clock, which follows the venue's), or the session's start. */
function journalTime(data: string): number {
  let at = Date.parse('2026-11-23T09:00:00Z');
  try {
    for (const r of readJournal(join(data, JOURNAL_FILE)).records) {
      const t = (r.value as { at?: unknown }).at;
      if (typeof t === 'number' && t > at) at = t;
    }
  } catch {
    // not written yet
  }
  return at;
}

/** Runs `options.runs` sessions, `options.parallel` at a time, and adds up their counts. */
export async function crashRuns(options: CrashOptions): Promise<CrashResult> {
  const total: CrashCounts = { runs: 0, kills: 0, killsBeforeStart: 0, venueFreezes: 0, venueRestarts: 0, reconnections: 0, strayRefused: 0, strayServed: 0, faultsSkipped: 0, finalResumes: 0, starts: 0, orders: 0, fills: 0, duplicates: 0, voidRefused: 0, lostFills: 0, doubleCounted: 0, positionMismatches: 0, unfinishedAlgos: 0, openOrdersLeft: 0, failedRuns: 0, resumedFromSnapshot: 0, adopted: 0, neverReached: 0, fillsAtReconcile: 0, replayedReports: 0 };
  const failures: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < options.runs) {
      const i = next++;
      const r = await crashRun(i, options);
      for (const k of Object.keys(total) as (keyof CrashCounts)[]) total[k] += r.counts[k];
      failures.push(...r.failures);
      options.log?.(`run ${i + 1}/${options.runs}: kills ${r.counts.kills}, orders ${r.counts.orders}, fills ${r.counts.fills}${r.failures.length ? ` FAILED: ${r.failures[0]}` : ''}`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.parallel) }, worker));
  // A pass must have tested something: most kills land after the engine began its run.
  if (total.kills > 0 && total.killsBeforeStart * 2 >= total.kills) {
    failures.push(`${total.killsBeforeStart} of ${total.kills} kills landed before the engine had begun its run: the crash test tested too little`);
  }
  return { counts: total, failures };
}

export function formatCounts(c: CrashCounts): string {
  return [
    `runs ${c.runs}, engine starts ${c.starts}, kills (SIGKILL) ${c.kills}, of which before the run had begun ${c.killsBeforeStart}, resumed once more to finish ${c.finalResumes}`,
    `venue faults: freezes past the heartbeat ${c.venueFreezes}, venue restarts ${c.venueRestarts} (reconnected ${c.reconnections}), stray clients refused ${c.strayRefused}, served ${c.strayServed}, faults that found no engine ${c.faultsSkipped}`,
    `orders ${c.orders}, fills ${c.fills}`,
    `duplicate orders ${c.duplicates}, lost fills ${c.lostFills}, fills counted twice ${c.doubleCounted}, position mismatches ${c.positionMismatches}`,
    `algos unfinished ${c.unfinishedAlgos}, orders left open ${c.openOrdersLeft}, late copies refused ${c.voidRefused}, failed runs ${c.failedRuns}`,
    `restarts from a snapshot ${c.resumedFromSnapshot}, orders adopted ${c.adopted}, orders that never reached the venue ${c.neverReached}, fills found at reconciliation ${c.fillsAtReconcile}, reports replayed from the journal ${c.replayedReports}`,
  ].join('\n');
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) {
    process.stderr.write(`crash: --${name} must be a positive number (got ${process.argv[i + 1]})\n`);
    process.exit(2);
  }
  return v;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const fix = process.argv.includes('--fix');
  const options: CrashOptions = {
    runs: arg('runs', 200),
    seed: arg('seed', 1),
    speed: arg('speed', fix ? 60 : 200),
    minutes: arg('minutes', 20),
    maxKills: arg('max-kills', 3),
    parallel: arg('parallel', 2),
    venueFaults: process.argv.includes('--venue-faults'),
    fix,
    log: (l) => process.stderr.write(`${l}\n`),
  };
  process.stderr.write(`crash: ${options.runs} sessions over ${fix ? 'FIX 4.4' : 'JSON lines'} at ${options.speed}x${options.venueFaults ? ', with venue faults' : ''}\n`);
  const t0 = Date.now();
  const result = await crashRuns(options);
  process.stdout.write(`${formatCounts(result.counts)}\nwall time ${Math.round((Date.now() - t0) / 1000)} s\n`);
  for (const f of result.failures) process.stdout.write(`${f}\n`);
  process.exitCode = result.failures.length > 0 ? 1 : 0;
}
