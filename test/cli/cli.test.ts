import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

const run = promisify(execFile);

function sink() {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, cb) {
      text += String(chunk);
      cb();
    },
  });
  return { stream, text: () => text };
}

async function cli(args: string[]) {
  const out = sink();
  const err = sink();
  const code = await main(args, { out: out.stream, err: err.stream });
  return { code, out: out.text(), err: err.text() };
}

describe('legato CLI', () => {
  it('documents every command and option in --help, exit 0', async () => {
    const top = await cli(['--help']);
    expect(top.code).toBe(0);
    expect(top.out).toContain('run [options]');
    const r = await cli(['run', '--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--config <file>', '--speed <N|max>', '--seed <N>', '--days <N>', '--json']) expect(r.out).toContain(flag);
    expect(r.out).toContain('Exit codes');
  });

  it('runs the built-in demo and prints the summary', async () => {
    const r = await cli(['run']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Executions (16)');
    expect(r.out).toContain('hc-rb/1');
    expect(r.out).toContain('Naked exposure: max notional 169075.00; longest 1.1 s (hc-rb/1); total 1.7 s; 281442.000 notional-seconds\n  hc-rb: HC max 5 lots, notional 169075.00; RB max 0 lots, notional 0.00\n');
    expect(r.out).toContain('PnL (fills, open legs marked at mid): 3300.00');
    expect(r.err).toContain('legato: running hc-rb from built-in demo, seed 1');
  });

  it('prints the same summary as JSON with --json, and --seed and --days change the run', async () => {
    const r = await cli(['run', '--json', '--seed', '3', '--days', '0.5']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out);
    expect(s.run.seed).toBe(3);
    expect(Date.parse(s.run.to) - Date.parse(s.run.from)).toBe(12 * 3_600_000);
    expect(Object.keys(s)).toEqual(['run', 'counts', 'executions', 'exposure', 'ladder', 'strategies', 'gross', 'costs', 'net', 'pnl', 'errors']);
    expect(Object.keys(s.executions[0])).toEqual(expect.arrayContaining(['kind', 'realizedSpread', 'slippage', 'exposure', 'durationMs', 'reprices', 'ladderSteps']));
    expect(Object.keys(s.executions[0].exposure)).toEqual(['maxLots', 'maxNotional', 'maxLegNotional', 'notionalSeconds', 'nakedMs']);
    expect(Object.keys(s.exposure)).toEqual(['maxNakedNotional', 'longestNakedMs', 'longestNakedAlgo', 'totalNakedMs', 'nakedNotionalSeconds', 'legs']);
    expect(Object.keys(s.exposure.legs)).toEqual(['hc-rb']);
    expect(s.exposure.legs['hc-rb'].map((l: { symbol: string }) => l.symbol)).toEqual(['HC', 'RB']);
    expect(s.executions[0]).toHaveProperty('realizedSpread');
    expect(s.executions[0]).toHaveProperty('slippage');
  });

  it('refuses an invalid config with the field and the reason, exit 2, and starts nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'legato-cli-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'run: { start: "2026-11-23T20:30:00" }\nvenue: { calendar: { timeZone: Mars/Base, days: [Mon], sessions: [{start: "09:00", end: "10:00"}] }, instruments: [] }\nstrategies: []\n');
    const r = await cli(['run', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain(`invalid configuration in ${file}`);
    expect(r.err).toContain('venue.instruments: ');
    expect(r.err).toContain('strategies: must list at least one strategy');
    expect(r.err).not.toContain('legato: running');
  });

  it('refuses a missing config file and bad option values with exit 2', async () => {
    const missing = await cli(['run', '--config', '/nonexistent/legato.yaml']);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('cannot be read');
    const speed = await cli(['run', '--speed', 'fast']);
    expect(speed.code).toBe(2);
    expect(speed.err).toContain("option '--speed <N|max>' argument 'fast' is invalid. must be a positive number or \"max\".");
    const unknown = await cli(['run', '--bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("unknown option '--bogus'");
  });

  it('as a process: `npm run -s start -- --json` prints only JSON on stdout', async () => {
    const { stdout, stderr } = await run('npm', ['run', '-s', 'start', '--', '--json'], { cwd: process.cwd() });
    const s = JSON.parse(stdout);
    expect(s.executions).toHaveLength(16);
    expect(stderr).toContain('legato: running hc-rb');
  });

  it('as a process: the bin exits 2 on an invalid config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'legato-bin-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, '{"run": {"start": "yesterday"}}');
    const err = await run('node', ['bin/legato.js', 'run', '--config', file]).catch((e: { code: number; stderr: string }) => e);
    expect((err as { code: number }).code).toBe(2);
    expect((err as { stderr: string }).stderr).toContain('venue: ');
  });

  it('the embedding example in examples/embed.ts runs', async () => {
    const { stdout } = await run('npx', ['tsx', 'examples/embed.ts'], { cwd: process.cwd() });
    expect(stdout).toMatch(/executions \d+, position -?\d+, PnL -?\d+\.\d\d\n$/);
    expect(stdout).toContain('strategy:hc-rb → flat.working');
  });
});

describe('legato CLI: configs refused before anything starts (issue 12, item 5)', () => {
  it('`legato run` refuses a replay config with a named error pointing to `legato backtest`, exit 2, no stack trace', async () => {
    const r = await cli(['run', '--config', 'examples/backtest-cme-calendar.yaml']);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe(
      'legato: invalid configuration in examples/backtest-cme-calendar.yaml:\n' +
        '  - venue.kind: must be simulated for `legato run`; a replay runs on recorded quotes: legato backtest --config examples/backtest-cme-calendar.yaml --data <files> (got "replay")\n',
    );
    // With a journal too (--data-dir), before the journal is opened.
    const journalled = await cli(['run', '--config', 'examples/backtest-cme-calendar.yaml', '--data-dir', mkdtempSync(join(tmpdir(), 'legato-cli-'))]);
    expect(journalled.code).toBe(2);
    expect(journalled.err).toContain('venue.kind: must be simulated for `legato run`');
  });

  it('as a process: the replay config exits 2 with the message and no stack trace (it crashed on a NaN start before)', async () => {
    const e = await run('node', ['bin/legato.js', 'run', '--config', 'examples/backtest-cme-calendar.yaml']).catch((x: { code: number; stderr: string }) => x);
    expect((e as { code: number }).code).toBe(2);
    const stderr = (e as { stderr: string }).stderr;
    expect(stderr).toContain('venue.kind: must be simulated for `legato run`');
    expect(stderr).not.toContain('VirtualClock');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('a bound through the CLI: run.days 1e308 in the file, and --days 1e308, exit 2 with the field and the bound', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'legato-cli-'));
    const file = join(dir, 'forever.yaml');
    writeFileSync(file, readFileSync('examples/demo.yaml', 'utf8').replace('days: 1', 'days: 1e308'));
    const r = await cli(['run', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`legato: invalid configuration in ${file}:\n  - run.days: must be at most 3,660 days (got 1e+308)\n`);
    expect(r.err).not.toContain('legato: running');
    const flag = await cli(['run', '--days', '1e308']);
    expect(flag.code).toBe(2);
    expect(flag.err).toBe('legato: invalid configuration in built-in demo:\n  - run.days: must be greater than 0 and at most 3660 days (the --days override) (got 1e+308)\n');
  });

  it('a YAML alias bomb is a named error, exit 2, no stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'legato-cli-'));
    const file = join(dir, 'bomb.yaml');
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (const [i, k] of [...'bcdefghi'].entries()) lines.push(`${k}: &${k} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(',')}]`);
    writeFileSync(file, lines.join('\n'));
    const r = await cli(['run', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`legato: invalid configuration in ${file}:\n  - (file): has more than 100 alias expansions (*name): refused as a "billion laughs" alias bomb\n`);
  });
});
