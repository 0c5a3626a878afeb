import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IANAZone } from 'luxon';
import { describe, expect, it, vi } from 'vitest';
import { demoConfig } from '../../src/config/demo.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { parseSweep } from '../../src/backtest/sweep.js';
import { NatsUnavailableError } from '../../src/distributed/nats.js';
import { DurableEngine, JOURNAL_FILE } from '../../src/engine/durable.js';
import { JournalWriter, readJournal } from '../../src/journal/journal-file.js';
import { cli, exitWithin, proc } from '../helpers/processes.js';

/**
 * Input a user (or a hand-edited file) can give the CLI that once ended in a stack trace, an abort, a hang, or a
 * file lost; each is now exit 2 with one named line, and nothing lost. Found by a hostile-input pass over the CLI.
 */

const tmp = (): string => mkdtempSync(join(tmpdir(), 'legato-hostile-'));

/** Exit 2, `legato: <message>` on stderr, no stack trace. */
function refused(r: { code: number; err: string }, message: string): void {
  expect(r.err).toBe(`legato: ${message}\n`);
  expect(r.code).toBe(2);
}

describe('--sweep', () => {
  it('a range whose ends or step are not decimals is refused by name, not thrown from decimal.js', () => {
    for (const spec of ['longEntry=1..5:2:0.5', 'longEntry=1.2.3:2:1', 'longEntry=1:2:.', 'longEntry=.:2:1']) {
      expect(() => parseSweep([spec]), spec).toThrow('--sweep[0]');
      expect(() => parseSweep([spec]), spec).toThrow('longEntry takes decimals');
    }
    expect(parseSweep(['longEntry=.5:1.:.25'])).toEqual([{ key: 'longEntry', values: ['0.5', '0.75', '1'] }]);
  });

  it("a key that is a name Object's prototype holds is an unknown parameter (was: constructor=1 ran, every row the error \"Cannot read properties of undefined\", exit 1)", () => {
    for (const key of ['constructor', 'toString', 'valueOf', 'hasOwnProperty']) {
      expect(() => parseSweep([`${key}=1,2`]), key).toThrow(`--sweep[0]: unknown parameter ${key}; one of`);
    }
  });

  it('more than 10,000 combinations in all is refused before any is built (three axes of 1,000 ran the heap out)', () => {
    const axes = ['longEntry=-9.99:0:0.01', 'shortEntry=0:9.99:0.01', 'longExit=0:9.99:0.01'];
    expect(() => parseSweep(axes)).toThrow('--sweep: makes 1000000000 combinations, more than 10000: sweep fewer values, or in stages');
    expect(parseSweep(axes.slice(0, 1))[0]!.values).toHaveLength(1000);
  });

  it('data that is not there: exit 2 before any run, and the earlier results are kept', async () => {
    const dir = tmp();
    const config = join(dir, 'demo.yaml');
    writeFileSync(config, readFileSync('examples/backtest-binance-basis.yaml'));
    const html = join(dir, 'sweep.html');
    writeFileSync(html, 'earlier results');
    const missing = join(dir, 'nonexist.csv');
    refused(await cli(['backtest', '--config', config, '--data', missing, '--sweep', 'longEntry=-1,-2', '--html', html]), `${missing}: no such file or folder`);
    expect(readFileSync(html, 'utf8')).toBe('earlier results');
  });
});

describe('numeric options', () => {
  it('an empty or blank value, hex, octal or binary is refused by name (was: "" read as 0, "0x10" as 16)', async () => {
    const cases: [string[], string][] = [
      [['run', '--seed', ''], "option '--seed <N>' argument '' is invalid. must be a whole number."],
      [['run', '--seed', '  '], "option '--seed <N>' argument '  ' is invalid. must be a whole number."],
      [['run', '--seed', '0x10'], "option '--seed <N>' argument '0x10' is invalid. must be a whole number."],
      [['run', '--seed', '0b11'], "option '--seed <N>' argument '0b11' is invalid. must be a whole number."],
      [['run', '--inspect', '--port', ''], "option '--port <N>' argument '' is invalid. must be a whole number from 0 to 65535 (0 picks a free port)."],
      [['inspect', 'x.jsonl', '--port', '0o17'], "option '--port <N>' argument '0o17' is invalid. must be a whole number from 0 to 65535 (0 picks a free port)."],
      [['run', '--speed', '0x10'], "option '--speed <N|max>' argument '0x10' is invalid. must be a positive number or \"max\"."],
      [['run', '--days', '0x1'], "option '--days <N>' argument '0x1' is invalid. must be a positive number."],
      [['venue', '--protocol', 'fix', '--heartbeat', '0xA'], "option '--heartbeat <s>' argument '0xA' is invalid. must be a whole number of seconds from 1 to 300."],
      [['worker', '--nats', 'nats://127.0.0.1:1', '--ack-wait', '0x10'], "option '--ack-wait <s>' argument '0x10' is invalid. must be a number of seconds from 0.1 to 3600."],
      [['worker', '--nats', 'nats://127.0.0.1:1', '--job-time-limit', '0x10'], "option '--job-time-limit <s>' argument '0x10' is invalid. must be a number of seconds from 1 to 604800 (a week)."],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      expect(r.err.split('\n')[0], args.join(' ')).toBe(`error: ${message}`);
      expect(r.code, args.join(' ')).toBe(2);
    }
    // Decimal text, with a sign, a fraction or an exponent, still reads as before.
    for (const [option, value] of [['--seed', '-7'], ['--seed', '+7'], ['--days', '1e-3'], ['--days', '.5'], ['--speed', '60.']] as const) {
      const r = await cli(['run', option, value, '--port', '1']);
      expect(r.err, `${option} ${value}`).toBe('legato: --port only apply with --inspect\n');
    }
  });
});

describe('a NATS URL in an error', () => {
  it('shows its password as *** and at most 200 characters of it (was: nats://user:secret@… printed whole on stderr)', async () => {
    const r = await cli(['worker', '--nats', 'nats://ops:s3cret@[::1']);
    refused(r, 'cannot reach the NATS server at nats://ops:***@[::1: not a URL (nats://host:port)');
    const long = `nats://${'h'.repeat(100_000)}:1`;
    expect(new NatsUnavailableError(long, 'connection refused').message).toBe(`cannot reach the NATS server at ${long.slice(0, 200)}… (100009 characters): connection refused`);
    expect(new NatsUnavailableError('tls://a:b@host:4222', 'x').message).toBe('cannot reach the NATS server at tls://a:***@host:4222: x');
    expect(new NatsUnavailableError('nats://token@host:4222', 'x').message).toBe('cannot reach the NATS server at nats://***@host:4222: x');
  });
});

describe('config values with no bound', () => {
  it('a 512,000-character time zone is refused without luxon reading it (its check took 15 s on it)', () => {
    const c = structuredClone(demoConfig);
    c.venue.calendar!.timeZone = 'A'.repeat(512_000);
    const asked: number[] = [];
    const check = vi.spyOn(IANAZone, 'isValidZone').mockImplementation((zone: string) => (asked.push(zone.length), true));
    try {
      expect(() => resolveConfig(c, 'hostile')).toThrow('venue.calendar.timeZone: must be a valid IANA time zone, e.g. "Asia/Shanghai"');
      expect(asked.filter((n) => n > 64)).toEqual([]);
    } finally {
      check.mockRestore();
    }
  });

  it('run.start past 2100 or before 1970 is refused by name (year 275760 failed deep in the engine)', () => {
    for (const start of ['+275760-09-12T00:00:00Z', '-271821-04-21T00:00:00Z', '2100-01-01T00:00:00Z', '1969-12-31T23:59:59Z']) {
      const c = structuredClone(demoConfig);
      c.run = { ...c.run!, start };
      expect(() => resolveConfig(c, 'hostile'), start).toThrow('run.start: must be from 1970-01-01 and before 2100-01-01');
    }
  });
});

describe('files the CLI writes', () => {
  it('--record keeps an earlier recording when the run is refused (the port in use)', async () => {
    const dir = tmp();
    const recording = join(dir, 'keep.jsonl');
    writeFileSync(recording, 'an earlier recording\n');
    const busy = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => busy.once('listening', r));
    const port = (busy.address() as { port: number }).port;
    try {
      const r = await cli(['run', '--days', '0.01', '--inspect', '--port', String(port), '--record', recording]);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`${port}`);
      expect(readFileSync(recording, 'utf8')).toBe('an earlier recording\n');
      // A recording the refused run would have made is not left behind empty either.
      const fresh = join(dir, 'fresh.jsonl');
      expect((await cli(['run', '--days', '0.01', '--inspect', '--port', String(port), '--record', fresh])).code).toBe(2);
      expect(existsSync(fresh)).toBe(false);
    } finally {
      busy.close();
    }
  });

  it('--record naming a device or a FIFO: exit 2, named (was: /dev/null a stack trace from ftruncate, a FIFO a wait for a reader for ever)', async () => {
    refused(await cli(['run', '--days', '0.001', '--record', '/dev/null']), '--record /dev/null: not a regular file (a recording is a file, for legato inspect)');
    const fifo = join(tmp(), 'day.jsonl');
    execFileSync('mkfifo', [fifo]);
    const p = proc(['run', '--days', '0.001', '--record', fifo]);
    const code = await exitWithin(p, 20_000);
    expect(p.err()).toBe(`legato: --record ${fifo}: not a regular file (a recording is a file, for legato inspect)\n`);
    expect(code).toBe(2);
  });

  it('machines --out naming a file: exit 2, and the file kept', async () => {
    const dir = tmp();
    const file = join(dir, 'notes.txt');
    writeFileSync(file, 'notes');
    refused(await cli(['machines', '--out', file]), `--out ${file}: a file is there; give a folder (made if missing)`);
    expect(readFileSync(file, 'utf8')).toBe('notes');
  });
});

describe('a journal a crash left without its header', () => {
  it('a 0-byte journal (created, its header never written) does not block the directory: a fresh run goes ahead', async () => {
    const dir = tmp();
    writeFileSync(join(dir, JOURNAL_FILE), '');
    const r = await cli(['run', '--days', '0.02', '--data-dir', dir]);
    expect(r.err).not.toContain('not a Legato journal');
    expect(r.code).toBe(0);
    const entries = readJournal(join(dir, JOURNAL_FILE)).records.map((x) => x.value as { kind: string });
    expect(entries[0]!.kind).toBe('run.started');
    expect(entries.at(-1)!.kind).toBe('run.ended');
  });
});

describe('a journal record that is no entry', () => {
  it('a well-framed record whose payload is null: refused by its offset, exit 2, for every command on the directory', async () => {
    const dir = tmp();
    const d = DurableEngine.open(resolveConfig(demoConfig, 'built-in demo', { days: 0.05 }), { dataDir: dir, onWarning: () => {} });
    await d.start();
    d.engine.runUntil(d.engine.clock.now() + 10 * 60_000);
    d.detach();
    const file = join(dir, JOURNAL_FILE);
    // A record written with its frame and chain right (as a program or a careful hand would): only its content is wrong.
    const contents = readJournal(file);
    const w = JournalWriter.open(file, contents);
    w.append([null], true);
    w.close();
    const offset = readJournal(file).records.at(-1)!.offset;
    const message = `journal ${file} is unreadable at offset ${offset}: the record is not a journal entry (an object with a kind)`;
    refused(await cli(['run', '--days', '0.05', '--data-dir', dir, '--resume']), message);
    refused(await cli(['run', '--days', '0.05', '--data-dir', dir]), message);
  });
});

describe('arguments a message would echo wrongly', () => {
  it('an option of one value given twice is refused by name with both values (was: the last one ran, --config a.yaml --config b.yaml ran b)', async () => {
    const cases: [string[], string][] = [
      [['backtest', '--config', 'a.yaml', '--config', 'b.yaml', '--data', 'q.csv'], "option '-c, --config <file>' given twice ('a.yaml', then 'b.yaml')"],
      [['backtest', '-c', 'a.yaml', '--data', 'q.csv', '--config=b.yaml'], "option '-c, --config <file>' given twice ('a.yaml', then 'b.yaml')"],
      [['run', '--seed', '1', '--seed', '1'], "option '--seed <N>' given twice ('1', then '1')"],
      [['venue', '--protocol', 'fix', '--heartbeat', '5', '--heartbeat', '6'], "option '--heartbeat <s>' given twice ('5', then '6')"],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      expect(r.err, args.join(' ')).toBe(`error: ${message}: give it once\n(run legato --help for usage)\n`);
      expect(r.code, args.join(' ')).toBe(2);
    }
  });

  it('a list option gathers its values across repeats, and a flag given twice is the flag', async () => {
    // Both --data values reach the loader: the second is the one it cannot find.
    const dir = tmp();
    const config = join(dir, 'b.yaml');
    writeFileSync(config, readFileSync('examples/backtest-binance-basis.yaml'));
    const first = join(dir, 'q.csv');
    writeFileSync(first, 'ts,symbol,bid,bidSize,ask,askSize\n');
    const missing = join(dir, 'gone.csv');
    refused(await cli(['backtest', '--config', config, '--data', first, '--data', missing]), `${missing}: no such file or folder`);
    const twice = await cli(['run', '--days', '0.01', '--json', '--json']);
    expect(twice.code).toBe(0);
    expect((JSON.parse(twice.out) as { strategies: { name: string }[] }).strategies.map((s) => s.name)).toEqual(['hc-rb']);
  });

  it('a line break in an argument is refused by its position, written out (was: it split the message, its second line read as one of its own)', async () => {
    refused(await cli(['backtest', '--config', 'examples/backtest-binance-basis.yaml', '--data', '/tmp/no\nne.csv']), 'argument 5 ("/tmp/no\\nne.csv") holds a line break: give each argument on one line');
    refused(await cli(['back\r\ntest']), 'argument 1 ("back\\r\\ntest") holds a line break: give each argument on one line');
    refused(await cli(['run', '--seed', `1\u2028${'9'.repeat(300)}`]), `argument 3 ("1\\u2028${'9'.repeat(198)}… (302 characters)") holds a line break: give each argument on one line`);
  });
});

describe('control characters in what a message echoes', () => {
  it('an escape sequence typed into an argument is shown as \\u001b text, not sent to the terminal (was: written raw: it recoloured or cleared the screen)', async () => {
    const seed = await cli(['run', '--seed', 'x\u001b[31m']);
    expect(seed.code).toBe(2);
    expect(seed.err).not.toContain('\u001b');
    expect(seed.err).toContain("'x\\u001b[31m'");
    const format = await cli(['machines', '--format', '\u001b[2J\u0007']);
    expect(format.code).toBe(2);
    expect(format.err).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    expect(format.err).toContain('\\u001b[2J\\u0007');
  });

  it("a progress line's own clear goes through; a line break in a message stays a line break", async () => {
    const { Writable } = await import('node:stream');
    const { terminalSafeStream } = await import('../../src/cli/format.js');
    let seen = '';
    const sink = new Writable({ write: (c, _e, cb) => ((seen += String(c)), cb()) });
    const err = terminalSafeStream(sink);
    err.write('\r\u001b[2K[####      ] 40 %');
    err.write('legato: two\nlines, a tab\tand a bell \u0007 and \u009b31m\n');
    expect(seen).toBe('\r\u001b[2K[####      ] 40 %legato: two\nlines, a tab\tand a bell \\u0007 and \\u009b31m\n');
    expect(err.writable).toBe(true);
  });
});
