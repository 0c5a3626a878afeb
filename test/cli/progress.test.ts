import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { formatSummary, progressBar } from '../../src/cli/format.js';
import { demoConfig } from '../../src/config/demo.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { createEngine } from '../../src/engine/engine.js';
import { scriptedFiles } from '../report/scripted.js';

/** A stderr that says it is a terminal, keeping what is written. */
function terminal(): Writable & { isTTY: true; text: () => string } {
  let text = '';
  const w = new Writable({ write: (c, _e, cb) => ((text += String(c)), cb()) }) as Writable & { isTTY: true; text: () => string };
  w.isTTY = true;
  w.text = () => text;
  return w;
}
const sink = (): Writable => new Writable({ write: (_c, _e, cb) => cb() });
/** The bars drawn over each other (`\r` + clear line), one entry each. */
const frames = (text: string): string[] => text.split('\r\x1b[2K').filter((f) => f !== '');

describe('progressBar', () => {
  it('counts in the unit given, with a decimal for slow rates and no ETA before anything is done', () => {
    expect(progressBar(120_000, 260_000, 0.8)).toBe('[##############................]  46%  120,000/260,000 rows  150,000 rows/s  ETA <1s');
    expect(progressBar(2, 5, 5, 'runs')).toBe('[############..................]  40%  2/5 runs  0.4 runs/s  ETA 8s');
    expect(progressBar(0, 12, 0, 'files')).toBe('[..............................]   0%  0/12 files  0 files/s  ETA -');
  });
});

describe('progress on a terminal: while data loads, and a sweep counted in runs', () => {
  const { config, data } = scriptedFiles();

  it('legato backtest: a bar in files while the data loads, then the replay in rows', async () => {
    const err = terminal();
    expect(await main(['backtest', '--config', config, '--data', data], { out: sink(), err })).toBe(0);
    const f = frames(err.text());
    expect(f[0]).toBe('[..............................]   0%  0/1 files  0 files/s  ETA -  loading ab.csv');
    expect(f[1]).toMatch(/^\[#{30}\] 100%  1\/1 files  [\d.,]+ files\/s  ETA <1s  loaded 16 rows\n$/);
    expect(f.slice(2).every((x) => / rows {2}[\d.,]+ rows\/s {2}ETA /.test(x))).toBe(true);
    expect(f.at(-1)).toMatch(/^\[#{30}\] 100%  16\/16 rows /);
  });

  it('legato backtest --sweep: the bar counts runs (shown at once, before the data has loaded), not rows', async () => {
    const err = terminal();
    expect(await main(['backtest', '--config', config, '--data', data, '--sweep', 'longEntry=4,5,6', '--workers', '1'], { out: sink(), err })).toBe(0);
    const f = frames(err.text());
    expect(f[0]).toBe('[..............................]   0%  0/3 runs  0 runs/s  ETA -  loading data');
    expect(f.slice(1).map((x) => x.replace(/ {2}[\d.,]+ runs\/s {2}ETA \S+/, ''))).toEqual([
      '[##########....................]  33%  1/3 runs',
      '[####################..........]  67%  2/3 runs',
      '[##############################] 100%  3/3 runs\n',
    ]);
  });

  it('without a terminal: no bars at all', async () => {
    let text = '';
    const err = new Writable({ write: (c, _e, cb) => ((text += String(c)), cb()) });
    expect(await main(['backtest', '--config', config, '--data', data], { out: sink(), err })).toBe(0);
    expect(text).toBe('');
  });
});

describe('the executions table shows dates on a run over more than one date', () => {
  const config = resolveConfig(demoConfig, 'demo');
  const startColumn = (text: string): string[] =>
    text
      .split('\n')
      .filter((l) => /^ {2}hc-rb\/\d/.test(l))
      .map((l) => l.split(/ {2,}/)[2]!);

  it('the demo day (20:30 to 20:30 the next day): each start with its date', async () => {
    const s = await createEngine(config).run();
    const starts = startColumn(formatSummary(s, 'Asia/Shanghai'));
    expect(starts.slice(0, 4)).toEqual(['2026-11-23 21:18:22', '2026-11-23 22:29:40', '2026-11-23 22:54:00', '2026-11-24 09:00:00']);
  });

  it('a run within one date (20:30 to 23:00): the time alone', async () => {
    const s = await createEngine(config).run({ until: config.run.start + 150 * 60_000 });
    expect(startColumn(formatSummary(s, 'Asia/Shanghai'))).toEqual(['21:18:22', '22:29:40', '22:54:00']);
  });
});
