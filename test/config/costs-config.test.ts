import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { demoConfig } from '../../src/config/demo.js';
import { loadConfigFile, resolveConfig } from '../../src/config/resolve.js';
import { FundingSchedule } from '../../src/domain/costs.js';
import { Decimal } from '../../src/domain/decimal.js';
import { ConfigErrors } from '../../src/domain/errors.js';

type Raw = any;
const tmp = mkdtempSync(join(tmpdir(), 'legato-costs-config-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The demo with `change` applied to its first strategy's legs. */
function withLegs(change: (legs: Raw[]) => void): Raw {
  const c: Raw = structuredClone(demoConfig);
  change(c.strategies[0].legs);
  return c;
}

/** The messages of the ConfigErrors that resolving `raw` throws. */
function messages(raw: Raw, options: { baseDir?: string } = {}): string[] {
  try {
    resolveConfig(raw, 'test.yaml', options);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigErrors);
    return (e as ConfigErrors).errors.map((x) => x.message);
  }
  throw new Error('expected ConfigErrors, nothing was thrown');
}

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('fees in the config', () => {
  it('resolves each side\'s perLot and bps as exact decimals, a missing part or side as 0, and no fees as null', () => {
    const r = resolveConfig(
      withLegs((legs) => {
        legs[0].fees = { maker: { perLot: '-0.25', bps: -1 }, taker: { bps: '4.5' } };
        legs[1].fees = { taker: { perLot: 2.25 } };
      }),
      'test.yaml',
    );
    const [hc, rb] = r.strategies[0]!.costs;
    const show = (f: { perLot: Decimal; bps: Decimal }): string[] => [f.perLot.toFixed(), f.bps.toFixed()];
    expect([show(hc!.fees!.maker), show(hc!.fees!.taker)]).toEqual([['-0.25', '-1'], ['0', '4.5']]);
    expect([show(rb!.fees!.maker), show(rb!.fees!.taker)]).toEqual([['0', '0'], ['2.25', '0']]);
    expect(resolveConfig(demoConfig, 'demo').strategies[0]!.costs).toEqual([{ fees: null, funding: null }, { fees: null, funding: null }]);
  });

  it('names every fee outside its bounds: a maker within ±1,000 bps and ±1,000,000 per lot, a taker not negative', () => {
    expect(
      messages(
        withLegs((legs) => {
          legs[0].fees = { maker: { perLot: '-1000001', bps: '1000.5' }, taker: { perLot: '-0.01', bps: -1 } };
          legs[1].fees = { maker: { bps: 'ten' }, taker: { bps: '1e16', perLot: 1_000_001 }, rebate: { bps: 1 } };
        }),
      ),
    ).toEqual([
      'strategies[0].legs[0].fees.maker.perLot: must be within ±1,000,000 currency per lot (got "-1000001")',
      'strategies[0].legs[0].fees.maker.bps: must be within ±1,000 bps (10% of the notional) (got "1000.5")',
      'strategies[0].legs[0].fees.taker.perLot: must not be negative: a taker pays (only a maker fee may be negative, a rebate) (got "-0.01")',
      'strategies[0].legs[0].fees.taker.bps: must not be negative: a taker pays (only a maker fee may be negative, a rebate) (got "-1")',
      'strategies[0].legs[1].fees.maker.bps: must be a decimal number (got "ten")',
      'strategies[0].legs[1].fees.taker.perLot: must be at most 1,000,000 currency per lot (got "1000001")',
      'strategies[0].legs[1].fees.taker.bps: must be at most 10^15 in absolute value (got "1e16")',
      'strategies[0].legs[1].fees.rebate: is not a known field',
    ]);
  });
});

describe('a constant funding rate', () => {
  it('falls every everyHours from `at` (UTC), the same times every day; everyHours defaults to 8 and at to 00:00', () => {
    const r = resolveConfig(
      withLegs((legs) => {
        legs[0].funding = { rate: '0.0001' };
        legs[1].funding = { rate: '-0.00025', everyHours: 8, at: '04:30' };
      }),
      'test.yaml',
    );
    const [hc, rb] = r.strategies[0]!.costs.map((c) => c.funding!);
    const t = Date.parse('2024-08-08T23:54:14Z');
    expect(iso(hc!.next(t)?.at)).toBe('2024-08-09T00:00:00.000Z');
    // Strictly after: a funding time itself gives the next one.
    expect(iso(hc!.next(Date.parse('2024-08-09T00:00:00Z'))?.at)).toBe('2024-08-09T08:00:00.000Z');
    expect(hc!.next(t)!.rate.toFixed()).toBe('0.0001');
    const times: string[] = [];
    for (let x = rb!.next(t); x && times.length < 4; x = rb!.next(x.at)) times.push(`${iso(x.at)} ${x.rate.toFixed()}`);
    expect(times).toEqual(['2024-08-09T04:30:00.000Z -0.00025', '2024-08-09T12:30:00.000Z -0.00025', '2024-08-09T20:30:00.000Z -0.00025', '2024-08-10T04:30:00.000Z -0.00025']);
  });

  it('names a rate beyond ±1, a period that does not divide 24 hours or is beyond it, a bad time, and rate with file or neither', () => {
    expect(
      messages(
        withLegs((legs) => {
          legs[0].funding = { rate: '1.01', everyHours: 25, at: '24:00' };
          legs[1].funding = { rate: 0.001, everyHours: 5 };
        }),
      ),
    ).toEqual([
      'strategies[0].legs[0].funding.rate: must be within ±1 (a fraction per funding time: 0.0001 is 1 bp) (got "1.01")',
      'strategies[0].legs[0].funding.everyHours: must be at most 24 hours (got 25)',
      'strategies[0].legs[0].funding.at: must be a UTC time "HH:mm" (00:00 to 23:59) (got "24:00")',
    ]);
    expect(messages(withLegs((legs) => (legs[1].funding = { rate: 0.001, everyHours: 5 })))).toEqual([
      'strategies[0].legs[1].funding.everyHours: must divide 24 (1, 2, 3, 4, 6, 8, 12 or 24), so funding falls at the same UTC times every day (got 5)',
    ]);
    expect(
      messages(
        withLegs((legs) => {
          legs[0].funding = { everyHours: 8 };
          legs[1].funding = { rate: '0.0001', file: 'funding.csv' };
        }),
      ),
    ).toEqual(['strategies[0].legs[0].funding: needs either `rate` (a constant rate) or `file` (a rate per funding time)', 'strategies[0].legs[1].funding: takes `rate` or `file`, not both']);
  });

  it('is one schedule per market: two strategies trading a symbol must give it the same funding', () => {
    const c: Raw = withLegs((legs) => (legs[0].funding = { rate: '0.0001' }));
    const other = structuredClone(c.strategies[0]);
    other.name = 'hc-rb-2';
    c.strategies.push(other, structuredClone(other), structuredClone(other));
    c.strategies[2].name = 'hc-rb-3';
    c.strategies[3].name = 'hc-rb-4';
    // Written differently, the same schedule (00:00, 08:00, 16:00 UTC): accepted.
    c.strategies[1].legs[0].funding = { rate: 0.0001, everyHours: 8, at: '16:00' };
    c.strategies[2].legs[0].funding = { rate: '0.0001', everyHours: 4 };
    delete c.strategies[3].legs[0].funding;
    c.strategies[3].legs[1].funding = { rate: '0.0001' };
    expect(messages(c)).toEqual([
      'strategies[2].legs[0].funding: differs from strategies[0].legs[0].funding for the same symbol HC: a market has one funding schedule',
      'strategies[3].legs[0].funding: is not given, but strategies[0].legs[0].funding is for the same symbol HC: a market has one funding schedule',
      'strategies[3].legs[1].funding: is given, but strategies[0].legs[1].funding is not for the same symbol RB: a market has one funding schedule',
    ]);
  });
});

describe('a funding file', () => {
  let n = 0;
  /** Writes a funding CSV under `dir` (default the temp directory) and returns its name. */
  function csv(text: string, dir = tmp): string {
    const name = `funding-${++n}.csv`;
    writeFileSync(join(dir, name), text);
    return name;
  }
  const withFile = (file: string): Raw => withLegs((legs) => (legs[0].funding = { file }));

  it('is read relative to the config file: ts in epoch ms or ISO 8601 (UTC without an offset), one rate per funding time', () => {
    const dir = join(tmp, 'configs');
    mkdirSync(dir, { recursive: true });
    const name = csv('ts,rate\n1723161600000,0.0001\r\n\n2024-08-09T08:00:00,-0.00005\n2024-08-09T17:00:00+01:00,0.000125\n', dir);
    const configPath = join(dir, 'config.json');
    writeFileSync(configPath, JSON.stringify(withFile(name)));
    const f = loadConfigFile(configPath).strategies[0]!.costs[0]!.funding!;
    const times: string[] = [];
    for (let x = f.next(0); x; x = f.next(x.at)) times.push(`${iso(x.at)} ${x.rate.toFixed()}`);
    expect(times).toEqual(['2024-08-09T00:00:00.000Z 0.0001', '2024-08-09T08:00:00.000Z -0.00005', '2024-08-09T16:00:00.000Z 0.000125']);
    // A library caller names the directory; without it, paths are relative to the directory of `source`.
    expect(resolveConfig(withFile(name), 'inline', { baseDir: dir }).strategies[0]!.costs[0]!.funding!.next(0)!.at).toBe(1723161600000);
    expect(resolveConfig(withFile(name), join(dir, 'x.yaml')).strategies[0]!.costs[0]!.funding!.next(0)!.at).toBe(1723161600000);
  });

  it("reads Binance's funding-rate CSV as it is (calc_time, last_funding_rate; other columns ignored)", () => {
    const name = csv('calc_time,funding_interval_hours,last_funding_rate\n1723161600000,8,0.00002867\n1723190400000,8,0.00010000\n');
    const f = resolveConfig(withFile(name), 'test.yaml', { baseDir: tmp }).strategies[0]!.costs[0]!.funding!;
    expect([f.next(0), f.next(1723161600000), f.next(1723190400000)].map((x) => x && `${iso(x.at)} ${x.rate.toFixed()}`)).toEqual([
      '2024-08-09T00:00:00.000Z 0.00002867',
      '2024-08-09T08:00:00.000Z 0.0001',
      undefined,
    ]);
  });

  it('names every bad line with the file and the line, five at most and how many more', () => {
    const name = csv(
      [
        'ts,rate,note',
        '1723161600000,0.0001,ok',
        '1723161600000,0.0001,again',
        'yesterday,0.0001,x',
        '1723190400000,1bp,x',
        '1723190400000,-1.5,x',
        '1723219200000,0.0001',
        '2024-08-09T16:00:00Z,0.0001,x',
        '2024-08-09T15:00:00Z,0.0001,x',
        '99999999999999999,0.0001,x',
        '',
      ].join('\n'),
    );
    const path = join(tmp, name);
    expect(messages(withFile(name), { baseDir: tmp })).toEqual([
      `strategies[0].legs[0].funding.file: ${path}:3: ts 1723161600000 is not after the row before (2024-08-09T00:00:00.000Z): rows must be in time order, one per funding time`,
      `strategies[0].legs[0].funding.file: ${path}:4: ts "yesterday" is neither epoch milliseconds nor an ISO 8601 time`,
      `strategies[0].legs[0].funding.file: ${path}:5: rate "1bp" is not a decimal number`,
      `strategies[0].legs[0].funding.file: ${path}:6: rate -1.5 is outside ±1 (a fraction per funding time: 0.0001 is 1 bp)`,
      `strategies[0].legs[0].funding.file: ${path}:7: 2 fields, expected 3`,
      `strategies[0].legs[0].funding.file: ${path}: 2 more bad lines`,
    ]);
  });

  it('names a file that is a FIFO or a device, unread (was: the config load waited on a FIFO for ever, and read /dev/zero until the heap ran out)', () => {
    const fifo = join(tmp, 'fifo.csv');
    execFileSync('mkfifo', [fifo]);
    expect(messages(withFile('fifo.csv'), { baseDir: tmp })).toEqual([`strategies[0].legs[0].funding.file: cannot be read: ${fifo} is a FIFO, not a regular file (got "fifo.csv")`]);
    expect(messages(withFile('/dev/zero'), { baseDir: tmp })).toEqual(['strategies[0].legs[0].funding.file: cannot be read: /dev/zero is a device, not a regular file (got "/dev/zero")']);
  });

  it('names a file that is missing, empty, only a header, or without a ts or rate column, and everyHours or at beside it', () => {
    const missing = join(tmp, 'missing.csv');
    expect(messages(withFile('missing.csv'), { baseDir: tmp })).toEqual([
      `strategies[0].legs[0].funding.file: cannot be read: ENOENT: no such file or directory, stat '${missing}' (got "missing.csv")`,
    ]);
    const empty = csv('\n\n');
    expect(messages(withFile(empty), { baseDir: tmp })).toEqual([
      `strategies[0].legs[0].funding.file: ${join(tmp, empty)}:1: is empty: expected a header naming ts and rate, then one row per funding time`,
    ]);
    const header = csv('ts,rate\n');
    expect(messages(withFile(header), { baseDir: tmp })).toEqual([`strategies[0].legs[0].funding.file: ${join(tmp, header)}:1: holds no funding rows`]);
    const noRate = csv('\ntime,value\n1723161600000,0.0001\n');
    expect(messages(withFile(noRate), { baseDir: tmp })).toEqual([
      `strategies[0].legs[0].funding.file: ${join(tmp, noRate)}:2: the header lacks rate (expected a header naming ts and rate, e.g. "ts,rate")`,
    ]);
    const good = csv('ts,rate\n1723161600000,0.0001\n');
    expect(messages(withLegs((legs) => (legs[0].funding = { file: good, everyHours: 8, at: '00:00' })), { baseDir: tmp })).toEqual([
      'strategies[0].legs[0].funding.everyHours: applies to a constant `rate` only: a file gives each funding time (got 8)',
      'strategies[0].legs[0].funding.at: applies to a constant `rate` only: a file gives each funding time (got "00:00")',
    ]);
  });

  it('is read once however many legs name it', () => {
    const name = csv('ts,rate\n1723161600000,0.0001\n');
    const c: Raw = withFile(name);
    const other = structuredClone(c.strategies[0]);
    other.name = 'hc-rb-2';
    c.strategies.push(other);
    const r = resolveConfig(c, 'test.yaml', { baseDir: tmp });
    expect(r.strategies[1]!.costs[0]!.funding).toBe(r.strategies[0]!.costs[0]!.funding);
  });
});

describe('FundingSchedule.table', () => {
  it('gives the first funding time strictly after a time, and nothing after the last', () => {
    const f = FundingSchedule.table([10, 20, 30], [new Decimal('0.1'), new Decimal('0.2'), new Decimal('0.3')], 'x');
    expect([5, 10, 19, 29, 30].map((t) => f.next(t)?.at)).toEqual([10, 20, 20, 30, undefined]);
  });
});
