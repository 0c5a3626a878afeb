import { describe, expect, it } from 'vitest';
import { formatDataReport } from '../../src/cli/format.js';
import { BAD_KINDS, type DataReport } from '../../src/data/load.js';

const report = (trades?: DataReport['trades']): DataReport => ({
  files: [{ path: 'q.csv.gz', format: 'lean-minute-quote', rows: 3 }, { path: 't.csv.gz', format: 'lean-minute-trade', rows: 4 }],
  ignoredFiles: [],
  rows: 3,
  used: 3,
  oneSided: 0,
  from: '2013-10-07T00:01:00.000Z',
  to: '2013-10-07T00:03:00.000Z',
  symbols: { ES201312: 3 },
  bad: Object.fromEntries(BAD_KINDS.map((k) => [k, { count: 0, first: [] as string[] }])) as unknown as DataReport['bad'],
  policy: 'skip',
  ...(trades ? { trades } : {}),
});

describe('the data report as printed', () => {
  it('says how many trade rows were read and used, per symbol, when the data has trades', () => {
    expect(formatDataReport(report({ rows: 4, used: 3, symbols: { ES201312: 3 } })).split('\n').slice(0, 3)).toEqual([
      'Data: 2 file(s), 3 rows read, 3 used (0 one-sided), 2013-10-07T00:01:00.000Z to 2013-10-07T00:03:00.000Z',
      '  ES201312: 3 rows',
      'Trades (used for resting fills, docs/fill-model.md): 4 rows read, 3 used (ES201312 3)',
    ]);
  });

  it('says nothing of trades when the data has none', () => {
    expect(formatDataReport(report({ rows: 0, used: 0, symbols: {} }))).not.toContain('Trades');
    expect(formatDataReport(report())).not.toContain('Trades');
  });
});
