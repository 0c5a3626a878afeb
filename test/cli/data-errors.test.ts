import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { cli, proc } from '../helpers/processes.js';

/**
 * Data that cannot be right, through `legato backtest` (issue 13, items 3 and 4): times in the wrong unit, negative
 * times, units mixed across files, a JSON 1e400, broken gzip. Each is exit 2 with one named `legato: …` line on
 * stderr (the file, the line, the likely unit), nothing on stdout and no stack trace; a `ts_ms` header is read.
 */

/** A fresh folder with a tiny replay config: one spread of A − B, both on a 0.25 tick. */
function setup(): { dir: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), 'legato-data-cli-'));
  const config = join(dir, 'replay.yaml');
  writeFileSync(
    config,
    [
      'venue:',
      '  kind: replay',
      '  latencyMs: 20',
      '  instruments:',
      '    - { symbol: A, tickSize: "0.25", lotSize: "1" }',
      '    - { symbol: B, tickSize: "0.25", lotSize: "1" }',
      'strategies:',
      '  - name: a-b',
      '    legs:',
      '      - { symbol: A, tickSize: "0.25", lotSize: "1", priceMultiplier: "1", tradingMultiplier: 1, contractMultiplier: "50" }',
      '      - { symbol: B, tickSize: "0.25", lotSize: "1", priceMultiplier: "-1", tradingMultiplier: -1, contractMultiplier: "50" }',
      '    triggers: { longEntry: "-1", longExit: "0", shortEntry: "1", shortExit: "0" }',
      '    target: 1',
      '    staleAfterMs: 120000',
      '    session: { closingLeadSeconds: 0 }',
      '    execution:',
      '      kind: taker',
      '      resubmitMs: 60000',
      '      hedge: { repriceMs: 60000, crossAfterMs: 120000, unwindAfterMs: 600000 }',
      '',
    ].join('\n'),
  );
  return { dir, config };
}

const HEADER = 'ts,symbol,bid,bid_size,ask,ask_size';
/** 2024-08-08T23:54:14.087Z */
const MS = 1723161254087;
/** Two-sided quotes of both legs at `t` and a second later, timed as written by `time`. */
const quotes = (time: (ms: number) => string | number, t = MS): string[] => [`${time(t)},A,100,5,100.25,5`, `${time(t)},B,99,5,99.25,5`, `${time(t + 1000)},A,100.25,5,100.5,5`, `${time(t + 1000)},B,99.25,5,99.5,5`];
const csv = (lines: string[], header = HEADER): string => [header, ...lines].join('\n') + '\n';

/** Runs `legato backtest --config <config> --data <data…> [extra…]` in this process. */
async function backtest(config: string, data: string[], ...extra: string[]) {
  return cli(['backtest', '--config', config, '--data', ...data, ...extra]);
}

/** Exit 2, exactly `legato: <message>` on stderr, nothing on stdout, no stack trace. */
function refused(r: { code: number; out: string; err: string }, message: string): void {
  expect(r.err).toBe(`legato: ${message}\n`);
  expect(r.code).toBe(2);
  expect(r.out).toBe('');
  expect(r.err).not.toMatch(/\n\s+at /);
}

describe('legato backtest: times that cannot be right are refused, exit 2, naming file, line and likely unit (issue 13)', () => {
  it('a CSV in seconds', async () => {
    const { dir, config } = setup();
    const data = join(dir, 'seconds.csv');
    writeFileSync(data, csv(quotes((ms) => Math.floor(ms / 1000))));
    refused(await backtest(config, [data]), `${data}:2: ts 1723161254 is 1970-01-20 if read as milliseconds; it looks like seconds (multiply by 1000, or write ISO 8601 times)`);
  });

  it('a CSV in microseconds', async () => {
    const { dir, config } = setup();
    const data = join(dir, 'micro.csv');
    writeFileSync(data, csv(quotes((ms) => ms * 1000)));
    refused(await backtest(config, [data]), `${data}:2: ts 1723161254087000 is +056574-10-21 if read as milliseconds; it looks like microseconds (divide by 1000, or write ISO 8601 times)`);
  });

  it('a CSV in nanoseconds', async () => {
    const { dir, config } = setup();
    const data = join(dir, 'nano.csv');
    writeFileSync(data, csv(quotes((ms) => `${ms}000000`)));
    refused(await backtest(config, [data]), `${data}:2: ts 1723161254087000000 is past the year 275760 if read as milliseconds; it looks like nanoseconds (divide by 1000000, or write ISO 8601 times)`);
  });

  it('a negative time, under --bad-data skip as under stop (a whole-file problem, not a bad row)', async () => {
    const { dir, config } = setup();
    const data = join(dir, 'negative.csv');
    writeFileSync(data, csv([...quotes((ms) => ms), `-${MS + 2000},A,100,5,100.25,5`]));
    const message = `${data}:6: ts -1723161256087 is negative, 1915-05-26 if read as milliseconds; without the minus sign it looks like milliseconds`;
    refused(await backtest(config, [data]), message);
    refused(await backtest(config, [data], '--bad-data', 'stop'), message);
  });

  it('one file in milliseconds and another in seconds', async () => {
    const { dir, config } = setup();
    const folder = join(dir, 'data');
    mkdirSync(folder);
    const a = join(folder, 'a.csv');
    const b = join(folder, 'b.csv');
    writeFileSync(a, csv(quotes((ms) => ms)));
    writeFileSync(b, csv(quotes((ms) => Math.floor(ms / 1000), MS + 60_000)));
    refused(
      await backtest(config, [folder]),
      `${b}:2: ts 1723161314 is 1970-01-20 if read as milliseconds; it looks like seconds (multiply by 1000, or write ISO 8601 times); ${a}:2 is in milliseconds: the data mixes units`,
    );
  });

  it('a LEAN minute file whose time is past the end of the day (an epoch time, not ms since midnight)', async () => {
    const { dir, config } = setup();
    const data = join(dir, '20240808_a_minute_quote_x.csv');
    writeFileSync(data, `${MS},100,100,100,100,5,100.25,100.25,100.25,100.25,5\n`);
    refused(
      await backtest(config, [data]),
      `${data}:1: time 1723161254087 is past the end of the day: a LEAN minute file counts milliseconds since midnight UTC, 0 to 86399999; it looks like an epoch time in milliseconds`,
    );
  });
});

describe('legato backtest: JSON 1e400 and broken gzip (issue 13)', () => {
  it('JSONL ts 1e400 is a malformed row as the CSV text "1e400" is: --bad-data stop names it, exit 2; skip skips it and reports it', async () => {
    const { dir, config } = setup();
    const jsonl = join(dir, 'inf.jsonl');
    const line = (ts: string | number, symbol: string, bid: number): string => `{"ts":${ts},"symbol":"${symbol}","bid":${bid},"bidSize":5,"ask":${bid + 0.25},"askSize":5}`;
    writeFileSync(jsonl, [line('1e400', 'A', 100), line(MS, 'A', 100), line(MS, 'B', 99), line(MS + 1000, 'A', 100.25), line(MS + 1000, 'B', 99.25)].join('\n') + '\n');
    const text = join(dir, 'inf.csv');
    writeFileSync(text, csv(['1e400,A,100,5,100.25,5', ...quotes((ms) => ms)]));
    for (const [data, line] of [
      [jsonl, 1],
      [text, 2],
    ] as const) {
      const stop = await backtest(config, [data], '--bad-data', 'stop');
      expect(stop.code).toBe(2);
      expect(stop.out).toBe('');
      expect(stop.err.split('\n')[0]).toBe(`legato: bad data at ${data}:${line}: timestamp is not a time (malformed); --bad-data skip would skip such rows`);
      expect(stop.err).toContain(`  malformed: 1\n    ${data}:${line}: timestamp is not a time\n`);
      expect(stop.err).not.toMatch(/\n\s+at /);
      const skip = await backtest(config, [data]);
      expect(skip.code).toBe(0);
      expect(skip.out).toContain(`Data: 1 file(s), 5 rows read, 4 used (0 one-sided), 2024-08-08T23:54:14.087Z to 2024-08-08T23:54:15.087Z\n`);
      expect(skip.out).toContain(`Bad rows (skipped):\n  malformed: 1\n    ${data}:${line}: timestamp is not a time\n`);
    }
  });

  it('a truncated .gz names the file and zlib’s reason', async () => {
    const { dir, config } = setup();
    const data = join(dir, 'cut.csv.gz');
    const whole = gzipSync(Buffer.from(csv(quotes((ms) => ms))));
    writeFileSync(data, whole.subarray(0, whole.length - 12));
    refused(await backtest(config, [data]), `${data}: the gzip data is truncated or corrupt (unexpected end of file)`);
  });

  it('a corrupt .gz (the gzip magic bytes, then random bytes) names the file and zlib’s reason', async () => {
    const { dir, config } = setup();
    const data = join(dir, 'junk.csv.gz');
    // The gzip magic and the deflate method byte, then 200 bytes of a fixed pseudo-random sequence (its first, the flags byte, has reserved bits set).
    let x = 20_240_808;
    const junk = Array.from({ length: 200 }, () => ((x = (x * 1_103_515_245 + 12_345) % 2 ** 31), x >> 16) & 0xff);
    writeFileSync(data, Buffer.from([0x1f, 0x8b, 0x08, ...junk]));
    refused(await backtest(config, [data]), `${data}: the gzip data is truncated or corrupt (unknown header flags set)`);
  });

  it('as a process: the bin exits 2 with the one line on a .gz cut after 20 bytes, no stack trace', async () => {
    const { dir, config } = setup();
    const data = join(dir, 'cut.csv.gz');
    const whole = gzipSync(Buffer.from(csv(quotes((ms) => ms))));
    writeFileSync(data, whole.subarray(0, 20));
    const p = proc(['backtest', '--config', config, '--data', data]);
    expect(await p.exit).toBe(2);
    expect(p.err()).toBe(`legato: ${data}: the gzip data is truncated or corrupt (unexpected end of file)\n`);
    expect(p.out()).toBe('');
  });
});

describe('legato backtest: a `ts_ms` header is read as `ts` (issue 13)', () => {
  it('runs, exit 0, with every row used', async () => {
    const { dir, config } = setup();
    const data = join(dir, 'ms.csv');
    writeFileSync(data, csv(quotes((ms) => ms), 'ts_ms,symbol,bid,bid_size,ask,ask_size'));
    const r = await backtest(config, [data], '--json');
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(0);
    const { data: report } = JSON.parse(r.out) as { data: { files: unknown[]; rows: number; used: number; from: string; to: string } };
    expect(report.files).toEqual([{ path: data, format: 'csv', rows: 4 }]);
    expect([report.rows, report.used, report.from, report.to]).toEqual([4, 4, '2024-08-08T23:54:14.087Z', '2024-08-08T23:54:15.087Z']);
  });
});

describe('legato backtest: data files that are not plain, bounded files are refused by name (never a hang or a stack trace)', () => {
  it('a FIFO given as --data (reading it would block for ever)', async () => {
    const { dir, config } = setup();
    const fifo = join(dir, 'quotes.csv');
    execFileSync('mkfifo', [fifo]);
    refused(await backtest(config, [fifo]), `${fifo}: not a regular file (a folder of data files, or a file, is expected)`);
  });

  it('a FIFO named like a data file in a --data folder (it was passed over, the run going on without it)', async () => {
    const { dir, config } = setup();
    const data = join(dir, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'a.csv'), csv(quotes((ms) => ms), 'ts_ms,symbol,bid,bid_size,ask,ask_size'));
    const fifo = join(data, 'b.csv');
    execFileSync('mkfifo', [fifo]);
    refused(await backtest(config, [data]), `${fifo}: not a regular file (a folder of data files, or a file, is expected)`);
  });

  it('a gzip that unzips to more than 256 MB', async () => {
    const { dir, config } = setup();
    const bomb = join(dir, 'bomb.csv.gz');
    writeFileSync(bomb, gzipSync(Buffer.alloc(257 * 1024 * 1024, 0x20)));
    refused(await backtest(config, [bomb]), `${bomb}: unzipped, more than the 256 MB a data file may hold; split it (by day)`);
  });

  it('a FIFO given as --config', async () => {
    const { dir } = setup();
    const fifo = join(dir, 'config.yaml');
    execFileSync('mkfifo', [fifo]);
    const r = await backtest(fifo, [dir]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`legato: invalid configuration in ${fifo}:\n  - (file): is not a regular file\n`);
  });

  it('prints a hostile symbol in the data report with its control characters escaped', async () => {
    const { dir, config } = setup();
    const data = join(dir, 'evil.csv');
    writeFileSync(data, csv([...quotes((ms) => ms), `${MS + 2000},\x1b[2J\x1b]0;pwned\x07EVIL,1,5,2,5`]));
    const r = await backtest(config, [data], '--bad-data', 'skip');
    expect(r.err + r.out).not.toContain('\x1b');
    expect(r.err + r.out).toContain('\\u001b[2J\\u001b]0;pwned\\u0007EVIL');
  });
});
