import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/backtest/run-backtest.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { backtestCsvFiles, csv, sweepCsv } from '../../src/report/csv.js';
import { scriptedConfig, scriptedFiles } from './scripted.js';

describe('CSV exports for a spreadsheet', async () => {
  const { data } = scriptedFiles();
  const r = await runBacktest(resolveConfig(scriptedConfig, 'ab'), { data: [data] });
  const files = Object.fromEntries(backtestCsvFiles(r).map((f) => [f.name, f.text.split('\r\n')]));

  it('writes fills.csv, executions.csv and round-trips.csv, each with a header row and CRLF lines', () => {
    expect(Object.keys(files)).toEqual(['fills.csv', 'executions.csv', 'round-trips.csv']);
    for (const lines of Object.values(files)) expect(lines.at(-1)).toBe(''); // the last line ends too
  });

  it('fills: one row per fill, in time order, ISO time in UTC and epoch ms, decimals as the engine printed them', () => {
    expect(files['fills.csv']).toEqual([
      'time_utc,time_ms,strategy,algo_id,purpose,client_id,trade_id,symbol,side,qty,price,liquidity,fee',
      '2026-01-05T09:00:01.000Z,1767603601000,ab,ab/1,longEntry,ab/1.1,T1,A,buy,2,104,taker,0',
      '2026-01-05T09:00:01.000Z,1767603601000,ab,ab/1,longEntry,ab/1.2,T2,B,sell,2,99,taker,0',
      '2026-01-05T09:00:04.000Z,1767603604000,ab,ab/2,longExit,ab/2.1,T3,A,sell,2,112,taker,0',
      '2026-01-05T09:00:04.000Z,1767603604000,ab,ab/2,longExit,ab/2.2,T4,B,buy,2,100,taker,0',
      '2026-01-05T09:00:04.000Z,1767603604000,ab,ab/3,shortEntry,ab/3.1,T5,A,sell,2,112,taker,0',
      '2026-01-05T09:00:04.000Z,1767603604000,ab,ab/3,shortEntry,ab/3.2,T6,B,buy,2,100,taker,0',
      '2026-01-05T09:00:06.000Z,1767603606000,ab,ab/4,shortExit,ab/4.1,T7,A,buy,2,105,taker,0',
      '2026-01-05T09:00:06.000Z,1767603606000,ab,ab/4,shortExit,ab/4.2,T8,B,sell,2,99,taker,0',
      '2026-01-05T09:00:06.000Z,1767603606000,ab,ab/5,longEntry,ab/5.1,T9,A,buy,2,105,taker,0',
      '2026-01-05T09:00:06.000Z,1767603606000,ab,ab/5,longEntry,ab/5.2,T10,B,sell,2,99,taker,0',
      '',
    ]);
  });

  it('executions: one row per execution, each leg in its own columns', () => {
    expect(files['executions.csv']![0]).toBe(
      'algo_id,strategy,purpose,kind,side,status,reason,qty,units,trigger,realized_spread,slippage,fees,started_utc,started_ms,ended_utc,ended_ms,duration_ms,' +
        'orders,reprices,rejects,ladder_steps,naked_max_notional,naked_ms,naked_notional_seconds,leg1_symbol,leg1_lots,leg1_avg_price,leg2_symbol,leg2_lots,leg2_avg_price',
    );
    expect(files['executions.csv']!.slice(1)).toEqual([
      'ab/1,ab,longEntry,taker,buy,completed,filled,2,2,6,5,-1,0,2026-01-05T09:00:01.000Z,1767603601000,2026-01-05T09:00:01.000Z,1767603601000,0,2,0,0,1,2070.00,0,0.000,A,2,104,B,-2,99',
      'ab/2,ab,longExit,taker,sell,completed,filled,2,2,11,12,-1,0,2026-01-05T09:00:04.000Z,1767603604000,2026-01-05T09:00:04.000Z,1767603604000,0,2,0,0,1,2250.00,0,0.000,A,-2,112,B,2,100',
      'ab/3,ab,shortEntry,taker,sell,completed,filled,2,2,11,12,-1,0,2026-01-05T09:00:04.000Z,1767603604000,2026-01-05T09:00:04.000Z,1767603604000,0,2,0,0,1,2250.00,0,0.000,A,-2,112,B,2,100',
      'ab/4,ab,shortExit,taker,buy,completed,filled,2,2,7,6,-1,0,2026-01-05T09:00:06.000Z,1767603606000,2026-01-05T09:00:06.000Z,1767603606000,0,2,0,0,1,2090.00,0,0.000,A,2,105,B,-2,99',
      'ab/5,ab,longEntry,taker,buy,completed,filled,2,2,6,6,0,0,2026-01-05T09:00:06.000Z,1767603606000,2026-01-05T09:00:06.000Z,1767603606000,0,2,0,0,1,2090.00,0,0.000,A,2,105,B,-2,99',
      '',
    ]);
  });

  it('round trips: closed ones with their exit, the open one marked at the end', () => {
    expect(files['round-trips.csv']).toEqual([
      'strategy,direction,units,entry_algo,entry_utc,entry_ms,entry_spread,exit_algo,exit_utc,exit_ms,exit_spread,open,pnl,fees,holding_ms',
      'ab,long,2,ab/1,2026-01-05T09:00:01.000Z,1767603601000,5,ab/2,2026-01-05T09:00:04.000Z,1767603604000,12,false,140,0,3000',
      'ab,short,2,ab/3,2026-01-05T09:00:04.000Z,1767603604000,12,ab/4,2026-01-05T09:00:06.000Z,1767603606000,6,false,120,0,2000',
      'ab,long,2,ab/5,2026-01-05T09:00:06.000Z,1767603606000,6,,,,,true,20,0,1001',
      '',
    ]);
  });

  it('quotes a field with a comma, a quote or a line break (RFC 4180)', () => {
    expect(csv(['a', 'b'], [['x,y', 'q"r'], ['line\nbreak', null], [-1.5, undefined]])).toBe('a,b\r\n"x,y","q""r"\r\n"line\nbreak",\r\n-1.5,\r\n');
  });

  it('a sweep: one column per swept parameter, then the results, failed runs with their reason', () => {
    const axes = [
      { key: 'longEntry', values: ['5', '6'] },
      { key: 'hedge.payupTicks', values: ['1'] },
    ];
    const rows = [
      { params: { longEntry: '5', 'hedge.payupTicks': '1' }, executions: 2, units: 4, pnl: '140.00', maxNakedNotional: '2250.00', nakedNotionalSeconds: '0.000', meanSlippage: '-0.5' },
      { params: { longEntry: '6', 'hedge.payupTicks': '1' }, executions: 0, units: 0, pnl: null, maxNakedNotional: '0', nakedNotionalSeconds: '0', meanSlippage: null, error: 'strategies[0].triggers.longExit: must be above longEntry (6), "really"' },
    ];
    expect(sweepCsv(rows, axes)).toBe(
      'longEntry,hedge.payupTicks,executions,units,pnl,max_naked_notional,naked_notional_seconds,mean_slippage,error\r\n' +
        '5,1,2,4,140.00,2250.00,0.000,-0.5,\r\n' +
        '6,1,0,0,,0,0,,"strategies[0].triggers.longExit: must be above longEntry (6), ""really"""\r\n',
    );
  });
});
