import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { crashConfig } from '../../scripts/crash.js';
import { ConfigErrors, createEngine, LegatoError, resolveConfigData, type WireStats } from '../../src/index.js';
import { cli, until } from '../helpers/processes.js';

/**
 * The CLI over FIX 4.4: `legato venue --protocol fix`, `legato run --venue fix://host:port` and a config's
 * `venue.kind: fix`, their refusals (exit 2, a message, no stack trace), and a CLI that never loads jspurefix
 * unless a FIX venue is used. Waits poll with generous bounds; no duration is asserted.
 */

const BIN = resolve('bin/legato.js');
const FIX_ENV = { LEGATO_FIX_SENDER_COMP_ID: 'LEGATO', LEGATO_FIX_TARGET_COMP_ID: 'LEGATO-VENUE' };

/** `legato <args>` as its own process, with extra environment and node options. */
function proc(args: string[], env: Record<string, string> = {}, nodeArgs: string[] = []) {
  const child = spawn(process.execPath, [...nodeArgs, BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += String(d)));
  child.stderr.on('data', (d) => (err += String(d)));
  const exit = new Promise<number | null>((done) => child.on('exit', (c) => done(c)));
  return { child, exit, out: () => out, err: () => err };
}

/** Node code run in a child process with tsx (so module loading starts from nothing). */
function node(code: string, nodeArgs: string[] = []): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.stderr.on('data', (d) => (err += String(d)));
    child.on('exit', (c) => done({ code: c, out, err }));
  });
}

const temp = (what: string): string => mkdtempSync(join(tmpdir(), `legato-fix-cli-${what}-`));

/** A preload that makes `jspurefix` impossible to resolve: the machine of `npm ci --omit=optional`. */
function withoutJspurefix(): string {
  const file = join(temp('absent'), 'no-jspurefix.cjs');
  writeFileSync(
    file,
    `const Module = require('module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'jspurefix' || request.startsWith('jspurefix/')) { const e = new Error("Cannot find module '" + request + "'"); e.code = 'MODULE_NOT_FOUND'; throw e; }
  return resolve.call(this, request, ...rest);
};
`,
  );
  return file;
}

/** The crash test's market (two always-open instruments, one spread) in a config file. */
function crashConfigFile(dir: string, minutes = 6, over: (c: Record<string, unknown>) => void = () => {}): string {
  const c = crashConfig(9, minutes, 'taker') as Record<string, unknown>;
  over(c);
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(c));
  return file;
}

/** The same strategies on a FIX venue named by the config. */
function fixConfig(over: Record<string, unknown> = {}): Record<string, unknown> {
  const c = crashConfig(9, 6, 'taker') as { run: unknown; strategies: unknown };
  return { run: c.run, venue: { kind: 'fix', host: '127.0.0.1', port: 9878, ...over }, strategies: c.strategies };
}

const saved: Record<string, string | undefined> = {};
beforeEach(() => {
  for (const k of ['LEGATO_FIX_SENDER_COMP_ID', 'LEGATO_FIX_TARGET_COMP_ID', 'LEGATO_FIX_USERNAME', 'LEGATO_FIX_PASSWORD']) {
    saved[k] = process.env[k];
    delete process.env[k];
  }
});
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

describe('jspurefix is loaded only by a FIX venue', () => {
  it('importing the CLI, its help and a demo run load nothing of jspurefix (nor reflect-metadata, nor mathjs)', { timeout: 120_000 }, async () => {
    const r = await node(`
      import { createRequire } from 'node:module';
      import { Writable } from 'node:stream';
      const { main } = await import(${JSON.stringify(resolve('src/cli/main.ts'))});
      const sink = () => new Writable({ write: (_c, _e, cb) => cb() });
      const codes = [await main(['--help'], { out: sink(), err: sink() }), await main(['run', '--days', '0.05', '--json'], { out: sink(), err: sink() })];
      const loaded = () => Object.keys(createRequire(import.meta.url).cache).filter((k) => /node_modules[\\\\/](jspurefix|reflect-metadata|mathjs)[\\\\/]/.test(k));
      const before = loaded();
      // The check can see it: loading it for real shows up.
      const { loadJspurefix } = await import(${JSON.stringify(resolve('src/venue/fix/jspurefix.ts'))});
      await loadJspurefix();
      console.log(JSON.stringify({ codes, before, after: loaded().length }));
    `);
    expect(r.code).toBe(0);
    const got = JSON.parse(r.out.trim().split('\n').at(-1)!) as { codes: number[]; before: string[]; after: number };
    expect(got.codes).toEqual([0, 0]);
    expect(got.before).toEqual([]);
    expect(got.after).toBeGreaterThan(0);
  });

  it('without jspurefix installed: `legato run` works, and a FIX venue (either side) exits 2 naming the package, no stack trace', { timeout: 120_000 }, async () => {
    const block = withoutJspurefix();
    const pre = ['--require', block];
    const demo = proc(['run', '--days', '0.05', '--json'], {}, pre);
    expect(await demo.exit).toBe(0);
    expect(JSON.parse(demo.out()).counts).toBeDefined();

    const dir = temp('absent-run');
    const run = proc(['run', '--config', crashConfigFile(dir), '--venue', 'fix://127.0.0.1:9', '--data-dir', join(dir, 'data')], FIX_ENV, pre);
    expect(await run.exit).toBe(2);
    expect(run.err()).toContain('legato: the FIX venue needs the package jspurefix, which is not installed: install it with `npm install jspurefix`');
    expect(run.err()).not.toMatch(/\n\s+at /);

    const venue = proc(['venue', '--protocol', 'fix', '--port', '0', '--config', crashConfigFile(temp('absent-venue'))], {}, pre);
    expect(await venue.exit).toBe(2);
    expect(venue.err()).toContain('the FIX venue needs the package jspurefix, which is not installed');
    expect(venue.err()).not.toMatch(/\n\s+at /);
  });
});

describe('`legato run` and `legato venue` refuse FIX flags that do not fit, exit 2, before anything starts', () => {
  it('a fix:// address that is not host:port, and --fix-credentials without a FIX venue', async () => {
    const dir = temp('flags');
    const cfg = crashConfigFile(dir);
    for (const bad of ['fix://127.0.0.1', 'fix://127.0.0.1:0', 'fix://127.0.0.1:70000', 'fix://a b:1', 'fix:127.0.0.1:9878']) {
      const r = await cli(['run', '--config', cfg, '--venue', bad, '--data-dir', join(dir, 'data')]);
      expect(r.code, bad).toBe(2);
      expect(r.err).toBe(`legato: --venue ${bad}: a FIX venue is fix://host:port (port 1 to 65535; an IPv6 host in brackets)\n`);
    }
    const creds = await cli(['run', '--config', cfg, '--fix-credentials', join(dir, 'x.env')]);
    expect(creds.code).toBe(2);
    expect(creds.err).toBe('legato: --fix-credentials is for a FIX venue (--venue fix://host:port, or venue.kind: fix in the config)\n');
    const alsoSocket = await cli(['run', '--config', cfg, '--venue', join(dir, 'v.sock'), '--fix-credentials', join(dir, 'x.env')]);
    expect(alsoSocket.code).toBe(2);
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });

  it('credentials: none in the environment, a file readable by others, a file with an unknown key (FixCredentialsError)', async () => {
    const dir = temp('creds');
    const cfg = crashConfigFile(dir);
    const args = ['run', '--config', cfg, '--venue', 'fix://127.0.0.1:9', '--data-dir', join(dir, 'data')];
    const none = await cli(args);
    expect(none.code).toBe(2);
    expect(none.err).toBe('legato: the FIX venue needs LEGATO_FIX_SENDER_COMP_ID and LEGATO_FIX_TARGET_COMP_ID, in the environment or a credentials file (never in the config file)\n');
    const open = join(dir, 'open.env');
    writeFileSync(open, 'LEGATO_FIX_SENDER_COMP_ID=LEGATO\nLEGATO_FIX_TARGET_COMP_ID=LEGATO-VENUE\n');
    chmodSync(open, 0o644);
    const readable = await cli([...args, '--fix-credentials', open]);
    expect(readable.code).toBe(2);
    expect(readable.err).toContain(`the FIX credentials file ${open} is readable by others (mode 644): chmod 600 it`);
    const odd = join(dir, 'odd.env');
    writeFileSync(odd, 'LEGATO_FIX_SENDER_COMP_ID=LEGATO\nPASSWORD=x\n');
    chmodSync(odd, 0o600);
    const unknown = await cli([...args, '--fix-credentials', odd]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain(`${odd}:2: expected one of LEGATO_FIX_SENDER_COMP_ID`);
    const missing = await cli([...args, '--fix-credentials', join(dir, 'nope.env')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain(`cannot read the FIX credentials file ${join(dir, 'nope.env')}`);
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });

  it('`legato venue`: flags of the other protocol, a missing --socket or --port, a bad --heartbeat', async () => {
    const cfg = crashConfigFile(temp('venue-flags'));
    const cases: [string[], string][] = [
      [['venue', '--config', cfg], "legato: the JSON-lines venue needs --socket <path> (a Unix socket, or a TCP port on 127.0.0.1); or --protocol fix --port <N>\n"],
      [['venue', '--socket', '/tmp/x.sock', '--port', '9', '--store-dir', 's', '--config', cfg], 'legato: --port, --store-dir: for --protocol fix only; the JSON-lines venue listens on --socket <path|port>\n'],
      [['venue', '--protocol', 'fix', '--config', cfg], 'legato: the FIX venue needs --port <N> (a TCP port on 127.0.0.1; 0 picks a free one, printed)\n'],
      [['venue', '--protocol', 'fix', '--socket', '/tmp/x.sock', '--config', cfg], 'legato: --socket is for the JSON-lines protocol; the FIX venue listens on a TCP port on 127.0.0.1: --port <N> (0 picks a free one)\n'],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toBe(message);
    }
    const beat = await cli(['venue', '--protocol', 'fix', '--port', '0', '--heartbeat', '0']);
    expect(beat.code).toBe(2);
    expect(beat.err).toContain("option '--heartbeat <s>' argument '0' is invalid. must be a whole number of seconds from 1 to 300.");
    const proto = await cli(['venue', '--protocol', 'fixt', '--port', '0']);
    expect(proto.code).toBe(2);
    expect(proto.err).toContain("argument 'fixt' is invalid. Allowed choices are jsonl, fix.");
  });
});

describe('venue.kind: fix in the config (a broker gateway)', () => {
  it('an engine built on it without its connection is a named error, not a simulated market', () => {
    const r = resolveConfigData(fixConfig(), 'fix.json');
    expect(() => createEngine(r)).toThrow(LegatoError);
    expect(() => createEngine(r)).toThrow('a FIX venue needs its connection: pass a FixVenue (FixVenue.connect) as options.venue');
  });

  it('resolves: host, port, heartbeat, store, clock, calendar, account; the instruments are the legs', () => {
    const r = resolveConfigData(fixConfig({ heartbeatSeconds: 15, storeDir: 'fix-store', clock: 'venue', account: 'ACC 1' }), 'fix.json');
    expect(r.venue).toMatchObject({ kind: 'fix', seed: 0, host: '127.0.0.1', port: 9878, heartbeatSeconds: 15, storeDir: 'fix-store', clock: 'venue', account: 'ACC 1', marketData: true, positions: true });
    expect(r.venue.kind === 'fix' && r.venue.instruments).toEqual([
      { symbol: 'HC', tickSize: '1', lotSize: '1' },
      { symbol: 'RB', tickSize: '1', lotSize: '1' },
    ]);
    const defaults = resolveConfigData(fixConfig({ host: '[::1]' }), 'fix.json');
    expect(defaults.venue).toMatchObject({ kind: 'fix', host: '::1', heartbeatSeconds: 30, clock: 'wall' });
    expect(defaults.venue.calendar.timeZone).toBe('UTC');
  });

  it('refuses what is out of bounds, each with its field (ConfigErrors)', () => {
    const errors = (c: Record<string, unknown>): string[] => {
      try {
        resolveConfigData(c, 'fix.json');
      } catch (e) {
        if (e instanceof ConfigErrors) return e.errors.map((x) => x.message);
        throw e;
      }
      return [];
    };
    expect(errors(fixConfig({ port: 70_000 }))).toEqual(['venue.port: must be at most 65,535 (got 70000)']);
    expect(errors(fixConfig({ port: 0 }))).toEqual(['venue.port: must be at least 1 (got 0)']);
    expect(errors(fixConfig({ port: 98.5 }))).toEqual(['venue.port: must be a whole number (got 98.5)']);
    expect(errors(fixConfig({ host: 'bad host!' }))).toEqual(['venue.host: must be a host name or an IP address (got "bad host!")']);
    expect(errors(fixConfig({ heartbeatSeconds: 301 }))).toEqual(['venue.heartbeatSeconds: must be at most 300 s (got 301)']);
    expect(errors(fixConfig({ heartbeatSeconds: 0 }))).toEqual(['venue.heartbeatSeconds: must be at least 1 s (got 0)']);
    expect(errors(fixConfig({ clock: 'exchange' }))[0]).toMatch(/^venue\.clock: /);
    expect(errors(fixConfig({ account: '' }))[0]).toMatch(/^venue\.account: must be 1 to 64 printable ASCII characters/);
    expect(errors(fixConfig({ password: 'secret' }))).toEqual(['venue.password: is not a known field']);
    expect(errors(fixConfig({ instruments: [] }))).toEqual(['venue.instruments: is not a known field']);
    const noStart = fixConfig();
    delete (noStart['run'] as Record<string, unknown>)['start'];
    expect(errors(noStart)).toEqual(['run.start: is required for a FIX venue (the run ends at run.start + run.days)']);
    // One symbol, one tick and lot size at the venue, whichever strategy trades it.
    const two = fixConfig();
    const strategies = two['strategies'] as { name: string; legs: { symbol: string; tickSize: string }[] }[];
    strategies.push({ ...structuredClone(strategies[0]!), name: 'other' });
    strategies[1]!.legs[0]!.tickSize = '0.5';
    expect(errors(two)).toEqual(['strategies[1].legs[0].tickSize: differs from strategies[0].legs[0].tickSize (1): HC has one tick size at the venue (got "0.5")']);
  });

  it('the CLI: a FIX config takes no --venue, is always journalled (no --inspect), is not a venue process nor a backtest', async () => {
    const dir = temp('kind');
    const file = join(dir, 'broker.json');
    writeFileSync(file, JSON.stringify(fixConfig()));
    const withVenue = await cli(['run', '--config', file, '--venue', 'fix://127.0.0.1:1']);
    expect(withVenue.code).toBe(2);
    expect(withVenue.err).toBe('legato: --venue fix://127.0.0.1:1: the config names its FIX venue (venue.kind: fix, venue.host 127.0.0.1, venue.port 9878); run it without --venue\n');
    const inspect = await cli(['run', '--config', file, '--inspect']);
    expect(inspect.code).toBe(2);
    expect(inspect.err).toContain('--inspect and --record do not work with a journal yet');
    const asVenue = await cli(['venue', '--protocol', 'fix', '--port', '0', '--config', file]);
    expect(asVenue.code).toBe(2);
    expect(asVenue.err).toBe('legato: venue.kind must be simulated for `legato venue`\n');
    const backtest = await cli(['backtest', '--config', file, '--data', dir]);
    expect(backtest.code).toBe(2);
    expect(backtest.err).toContain('venue.kind: must be "replay" for a backtest');
    // No credentials: refused before the journal or the session store is touched.
    const data = join(dir, 'data');
    const noCreds = await cli(['run', '--config', file, '--data-dir', data]);
    expect(noCreds.code).toBe(2);
    expect(noCreds.err).toContain('LEGATO_FIX_SENDER_COMP_ID');
    // --resume with nothing to resume: refused before a logon (which would number the session and create its store).
    process.env['LEGATO_FIX_SENDER_COMP_ID'] = 'LEGATO';
    process.env['LEGATO_FIX_TARGET_COMP_ID'] = 'LEGATO-VENUE';
    const resume = await cli(['run', '--config', file, '--data-dir', data, '--resume']);
    expect(resume.code).toBe(2);
    expect(resume.err).toBe(`legato: nothing to resume in ${data}: the directory does not exist; start a run without --resume\n`);
    expect(existsSync(data)).toBe(false);
  });
});

describe('over FIX end to end: `legato venue --protocol fix` and `legato run --venue fix://…`', () => {
  it(
    'trades, prints the connection states as over JSON lines when the venue freezes past the heartbeat, refuses a second engine with the same CompIDs, and the venue writes its account on SIGTERM',
    { timeout: 300_000 },
    async () => {
      const dir = temp('e2e');
      const cfg = crashConfigFile(dir, 120);
      const statsFile = join(dir, 'stats.json');
      const venue = proc(['venue', '--protocol', 'fix', '--port', '0', '--store-dir', join(dir, 'vstore'), '--stats-file', statsFile, '--config', cfg, '--speed', '20'], FIX_ENV);
      try {
        await until(() => venue.err().includes('listening on'), 90_000);
        expect(venue.err()).toMatch(/legato venue: FIX 4\.4 acceptor listening on 127\.0\.0\.1:\d+ as LEGATO-VENUE for LEGATO; market time from 2026-11-23T09:00:00\.000Z at 20x; session store /);
        const port = Number(/127\.0\.0\.1:(\d+)/.exec(venue.err())![1]);
        const at = `fix://127.0.0.1:${port}`;
        const data = join(dir, 'data');
        const engine = proc(['run', '--config', cfg, '--venue', at, '--data-dir', data, '--json'], FIX_ENV);
        await until(() => engine.err().includes('running run 1'), 90_000);
        expect(engine.err()).toContain(`; venue ${at}\n`);
        await until(() => /orders [1-9]/.test(engine.err()) || existsSync(join(data, 'fix', 'orders.jsonl')), 90_000);

        // A second engine with the same identity, while the first is logged on: its logon is refused.
        const stray = proc(['run', '--config', cfg, '--venue', at, '--data-dir', join(dir, 'stray'), '--json'], FIX_ENV);
        expect(await stray.exit).toBe(2);
        expect(stray.err()).toMatch(/legato: fix:\/\/127\.0\.0\.1:\d+: logon refused: LEGATO is already logged on to LEGATO-VENUE \(since .*\): one session at a time\n/);

        // The venue frozen past the heartbeat (2.5 × 1 s), then back.
        venue.child.kill('SIGSTOP');
        await until(() => engine.err().includes(`legato: lost the venue at ${at} (`), 60_000);
        venue.child.kill('SIGCONT');
        await until(() => engine.err().includes('trading again'), 60_000);
        expect(engine.err()).toContain(`legato: reconnected to the venue at ${at}; reconciling\n`);
        expect(engine.err()).toMatch(/legato: reconciled with the venue: \d+ orders adopted, \d+ never reached it, \d+ fills applied; trading again\n/);

        engine.child.kill('SIGTERM');
        expect(await engine.exit).toBe(0);
        const summary = JSON.parse(engine.out()) as { strategies: { legs: { symbol: string; lots: number }[] }[] };
        venue.child.kill('SIGTERM');
        expect(await venue.exit).toBe(0);
        expect(venue.err()).toContain(`legato venue: wrote its account to ${statsFile}\nlegato venue: stopped\n`);
        const stats = JSON.parse(readFileSync(statsFile, 'utf8')) as WireStats;
        expect(stats.duplicates).toBe(0);
        expect(stats.open).toEqual([]);
        const legs = Object.fromEntries(summary.strategies[0]!.legs.map((l) => [l.symbol, l.lots]));
        expect(legs).toEqual({ HC: stats.positions['HC'] ?? 0, RB: stats.positions['RB'] ?? 0 });
        // Its fills carry the ExecIDs it sent: the trade ids the engine journalled.
        const tradeIds = stats.orders.flatMap((o) => o.fills.map((f) => f.tradeId));
        for (const id of tradeIds) expect(id).toMatch(/^[0-9a-z]+\.T\d+$/);
      } finally {
        venue.child.kill('SIGCONT');
        venue.child.kill('SIGTERM');
      }
    },
  );

  it('a config naming the FIX venue (venue.kind: fix, clock venue) runs the same way, its session store where the config says', { timeout: 300_000 }, async () => {
    const dir = temp('kind-e2e');
    const cfg = crashConfigFile(dir, 6);
    const venue = proc(['venue', '--protocol', 'fix', '--port', '0', '--config', cfg, '--speed', '60', '--wait-for-engine'], FIX_ENV);
    try {
      await until(() => venue.err().includes('listening on'), 90_000);
      const port = Number(/127\.0\.0\.1:(\d+)/.exec(venue.err())![1]);
      const broker = join(dir, 'broker.json');
      const c = crashConfig(9, 6, 'taker') as { run: unknown; strategies: unknown };
      writeFileSync(broker, JSON.stringify({ run: c.run, venue: { kind: 'fix', host: '127.0.0.1', port, heartbeatSeconds: 1, clock: 'venue', storeDir: join(dir, 'engine-store') }, strategies: c.strategies }));
      const engine = proc(['run', '--config', broker, '--data-dir', join(dir, 'data'), '--json'], FIX_ENV);
      expect(await engine.exit).toBe(0);
      expect(engine.err()).toContain(`; venue fix://127.0.0.1:${port}\n`);
      const summary = JSON.parse(engine.out()) as { run: { venue: string; seed: number } };
      expect(summary.run.venue).toBe(`fix://127.0.0.1:${port}`);
      expect(existsSync(join(dir, 'engine-store', 'FIX.4.4-LEGATO-LEGATO-VENUE.seqnums'))).toBe(true);
      expect(existsSync(join(dir, 'data', 'fix'))).toBe(false);
    } finally {
      venue.child.kill('SIGTERM');
      await venue.exit;
    }
  });
});
