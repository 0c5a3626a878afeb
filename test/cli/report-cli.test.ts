import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/processes.js';
import { scriptedConfig, scriptedFiles } from '../report/scripted.js';

/** No stack trace: a named error is one line (or a few), never "    at …". */
const noStack = (err: string): void => expect(err).not.toMatch(/^\s+at /m);

describe('legato backtest: flags that do nothing in a mode are errors (exit 2, named, before anything runs)', () => {
  const { config, data } = scriptedFiles();

  it('--sort without --sweep', async () => {
    const r = await cli(['backtest', '--config', config, '--data', data, '--sort', 'exposure']);
    expect(r).toEqual({ code: 2, out: '', err: 'legato: --sort orders the runs of a sweep; without --sweep there is one run and nothing to sort\n' });
  });

  it('--workers without --sweep', async () => {
    const r = await cli(['backtest', '--config', config, '--data', data, '--workers', '2']);
    expect(r).toEqual({ code: 2, out: '', err: 'legato: --workers sets the threads of a sweep; without --sweep the backtest runs in this thread\n' });
  });

  it('--workers 0', async () => {
    const r = await cli(['backtest', '--config', config, '--data', data, '--sweep', 'longEntry=5,6', '--workers', '0']);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe("error: option '--workers <n>' argument '0' is invalid. must be a whole number of at least 1 (the worker threads of a sweep).\n(run legato --help for usage)\n");
  });
});

describe('legato backtest: outputs are checked before the backtest runs', () => {
  const { dir, config } = scriptedFiles();
  // Data that does not exist: had the run started, it would fail on the data instead.
  const missingData = join(dir, 'no-such-data.csv');

  it('--html into a folder that does not exist', async () => {
    const target = join(dir, 'nope', 'report.html');
    const r = await cli(['backtest', '--config', config, '--data', missingData, '--html', target]);
    expect(r).toEqual({ code: 2, out: '', err: `legato: --html ${target}: the folder ${join(dir, 'nope')} does not exist\n` });
    noStack(r.err);
  });

  it('--html naming a folder', async () => {
    const r = await cli(['backtest', '--config', config, '--data', missingData, '--html', dir]);
    expect(r).toEqual({ code: 2, out: '', err: `legato: --html ${dir}: is a folder; give the file to write\n` });
  });

  it('--html naming a FIFO: refused before the run (was: the run went ahead, then waited for a reader for ever)', async () => {
    const fifo = join(dir, 'report-fifo.html');
    execFileSync('mkfifo', [fifo]);
    const r = await cli(['backtest', '--config', config, '--data', missingData, '--html', fifo]);
    expect(r).toEqual({ code: 2, out: '', err: `legato: --html ${fifo}: is a FIFO; give a file to write (the report is written when the run ends)\n` });
  });

  it('--csv whose parent folder does not exist, or naming a file', async () => {
    const deep = join(dir, 'nope', 'csv');
    expect(await cli(['backtest', '--config', config, '--data', missingData, '--csv', deep])).toEqual({
      code: 2,
      out: '',
      err: `legato: --csv ${deep}: the folder ${join(dir, 'nope')} does not exist (only the last folder of the path is created)\n`,
    });
    expect(await cli(['backtest', '--config', config, '--data', missingData, '--csv', config])).toEqual({
      code: 2,
      out: '',
      err: `legato: --csv ${config}: is a file; give a folder to write the CSV files into\n`,
    });
  });

  it('a sweep too', async () => {
    const target = join(dir, 'nope', 'sweep.html');
    const r = await cli(['backtest', '--config', config, '--data', missingData, '--sweep', 'longEntry=5,6', '--html', target]);
    expect(r).toEqual({ code: 2, out: '', err: `legato: --html ${target}: the folder ${join(dir, 'nope')} does not exist\n` });
  });
});

describe('legato backtest: the report, the CSV files and the analytics in the summary', () => {
  it('--html, --csv (the folder created) and the analytics in the text and in --json', async () => {
    const { dir, config, data } = scriptedFiles();
    const html = join(dir, 'report.html');
    const out = join(dir, 'csv');
    const r = await cli(['backtest', '--config', config, '--data', data, '--html', html, '--csv', out]);
    expect(r.code).toBe(0);
    expect(r.err).toBe(`legato: wrote ${html}\nlegato: wrote fills.csv, executions.csv, round-trips.csv in ${out}\n`);
    expect(readFileSync(html, 'utf8')).toContain('<div class="chart" id="chart-equity"></div>');
    expect(readdirSync(out).sort()).toEqual(['executions.csv', 'fills.csv', 'round-trips.csv']);
    expect(readFileSync(join(out, 'fills.csv'), 'utf8').split('\r\n')).toHaveLength(12); // header, 10 fills, and the end
    const text = r.out.slice(r.out.indexOf('Analytics'), r.out.indexOf('\n\nData:'));
    expect(text).toBe(
      [
        "Analytics (equity marked at the legs' mids, net of fees and funding)",
        '  net 280.00 = gross 280.00 − fees 0.00 − funding 0.00',
        '    max drawdown 60.00: 0.00 at 2026-01-05 09:00:00.000 to -60.00 at 2026-01-05 09:00:02.000, recovered 2026-01-05 09:00:03.000 (3.0 s)',
        '    round trips: 2 closed (2 won, 0 lost, hit rate 100.0%; average win 130.00, average loss n/a; Σ 260.00), 1 open (marked 20.00); outside round trips 0.00',
        '    slippage per execution (spread points, + worse): 5 executions, mean -0.8, median -1, best -1, worst 0; -1 ×4, 0 ×1',
        '  costs: fees 0 (maker 0, taker 0), funding 0',
      ].join('\n'),
    );
    // An existing CSV folder is written into.
    const again = await cli(['backtest', '--config', config, '--data', data, '--csv', out, '--json']);
    expect(again.code).toBe(0);
    const json = JSON.parse(again.out);
    expect(Object.keys(json)).toEqual(['summary', 'analytics', 'data', 'rowsPerSecond']);
    expect([json.analytics.net, json.analytics.equity.maxDrawdown.amount, json.analytics.trips.hitRate]).toEqual(['280', '60', '1']);
  });

  it('a sweep: --html with the PnL and exposure heatmaps over the two swept parameters, --csv the table', async () => {
    const { dir, data } = scriptedFiles();
    // Long only: buy at the entry, sell at the exit (see test/report/scripted.ts for the market).
    const config = join(dir, 'long.json');
    writeFileSync(config, JSON.stringify({ ...scriptedConfig, strategies: [{ ...scriptedConfig.strategies[0]!, triggers: { longEntry: '6', longExit: '11' } }] }));
    const html = join(dir, 'sweep.html');
    const out = join(dir, 'out');
    mkdirSync(out);
    const r = await cli(['backtest', '--config', config, '--data', data, '--sweep', 'longEntry=3,5', '--sweep', 'longExit=11,13', '--workers', '1', '--html', html, '--csv', out]);
    expect(r.code).toBe(0);
    expect(r.err).toBe(`legato: wrote ${html}\nlegato: wrote sweep.csv in ${out}\n`);
    // Entry 3 buys at 3 (2 s), entry 5 at 5 (1 s); exit 11 sells at 12 (4 s); exit 13 never: marked at 7 (the last mids).
    expect(readFileSync(join(out, 'sweep.csv'), 'utf8')).toBe(
      'longEntry,longExit,executions,units,pnl,max_naked_notional,naked_notional_seconds,mean_slippage,error\r\n' +
        '3,11,2,4,180.00,2250.00,0.000,-0.5,\r\n' +
        '5,11,2,4,140.00,2250.00,0.000,-0.5,\r\n' +
        '3,13,1,2,80.00,2030.00,0.000,0,\r\n' +
        '5,13,1,2,40.00,2070.00,0.000,0,\r\n',
    );
    const page = readFileSync(html, 'utf8');
    const pnl = page.slice(page.indexOf('<table class="heat" data-metric="pnl">'), page.indexOf('</table>', page.indexOf('data-metric="pnl"')));
    expect([...pnl.matchAll(/<td data-y="(\d+)" data-x="(\d+)"[^>]*>([^<]*)</g)].map((m) => `${m[1]}/${m[2]}: ${m[3]}`)).toEqual(['3/11: 180.00', '3/13: 80.00', '5/11: 140.00', '5/13: 40.00']);
    expect(page).toContain('<table class="heat" data-metric="exposure">');
    expect(existsSync(join(dir, 'out', 'fills.csv'))).toBe(false);
  });
});
