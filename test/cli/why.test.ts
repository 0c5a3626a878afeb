/**
 * `legato why <id>` over a journal (--data-dir) and a recording (--recording): the chain in words, or a named
 * error and exit 2 (never a stack trace) for an unknown id, a missing or corrupt journal, a foreign file.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { JOURNAL_FILE } from '../../src/engine/durable.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'legato-why-'));

function sink() {
  let text = '';
  return { stream: new Writable({ write: (c, _e, cb) => ((text += String(c)), cb()) }), text: () => text };
}

async function cli(args: string[]) {
  const [out, err] = [sink(), sink()];
  const code = await main(args, { out: out.stream, err: err.stream });
  return { code, out: out.text(), err: err.text() };
}

/** The real command in its own process: what a user sees on stderr, stack traces included if there were any. */
async function legato(args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['bin/legato.js', ...args], { encoding: 'utf8' });
    return { code: 0, out: stdout, err: stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
}

let dataDir = '';
let recording = '';
beforeAll(async () => {
  dataDir = tmp();
  recording = join(tmp(), 'day.jsonl');
  expect((await cli(['run', '--data-dir', dataDir])).code).toBe(0);
  expect((await cli(['run', '--record', recording])).code).toBe(0);
}, 120_000);

const HC_RB_4 = [
  'Why algo hc-rb/4: longExit, sell 5 units at ≥ 180, taker — completed (filled), 5/5 units',
  '  (2026-11-24, times in Asia/Shanghai)',
  '  09:00:00.000  session:hc-rb    session window open.trading',
  '  09:00:00.407  strategy:hc-rb   spread bid 181 (10 units) at or above the long exit 180: HC 3327×10 / 3328×31, RB 3145×86 / 3146×47',
  '  09:00:00.407  strategy:hc-rb   long.idle → long.working',
  '  09:00:00.407  algo:hc-rb/4     started: longExit, sell 5 units at ≥ 180, taker',
  '  09:00:00.407  order:hc-rb/4.1  entry: sell 5 HC at 3326',
  '  09:00:00.447  order:hc-rb/4.1  accepted',
  '  09:00:00.447  order:hc-rb/4.1  filled 5 at 3327 (taker)',
  '  09:00:00.447  algo:hc-rb/4     hedge ladder resting: naked HC -5 lots',
  '  09:00:00.447  order:hc-rb/4.2  hedge: buy 5 RB at 3146',
  '  09:00:00.487  order:hc-rb/4.2  accepted',
  '  09:00:00.487  order:hc-rb/4.2  filled 5 at 3146 (taker)',
  '  09:00:00.487  algo:hc-rb/4     completed (filled): 5/5 units, realized 181, slippage -1; HC -5 @ 3327, RB +5 @ 3146',
  '  09:00:00.487  strategy:hc-rb   long.working → flat.idle',
  '',
].join('\n');

describe('legato why over a journal', () => {
  it('prints the chain of an algo, times in the zone asked for (the demo config\'s, via --config, gives the same)', async () => {
    expect(await cli(['why', 'hc-rb/4', '--data-dir', dataDir, '--zone', 'Asia/Shanghai'])).toEqual({ code: 0, out: HC_RB_4, err: '' });
    expect((await cli(['why', 'hc-rb/4', '--data-dir', dataDir, '--config', 'examples/demo.yaml'])).out).toBe(HC_RB_4);
  });

  it('an order: its headline names its role and algo; --json gives every step with its record', async () => {
    const text = await cli(['why', 'hc-rb/4.2', '--data-dir', dataDir]);
    expect(text.code).toBe(0);
    expect(text.out.split('\n')[0]).toBe('Why order hc-rb/4.2: hedge order, buy 5 RB at 3146, of algo hc-rb/4 (longExit, sell 5 units at ≥ 180, taker)');
    expect(text.out.split('\n')[1]).toBe('  (2026-11-24, times in UTC)');
    const json = await cli(['why', 'hc-rb/4.2', '--data-dir', dataDir, '--json']);
    const chain = JSON.parse(json.out) as { subject: unknown; steps: { kind: string; record: { kind: string } }[] };
    expect(chain.subject).toEqual({ kind: 'order', id: 'hc-rb/4.2' });
    expect(chain.steps.map((s) => `${s.kind}:${s.record.kind}`)).toEqual([
      'session:state',
      'crossing:algo.started',
      'strategy:state',
      'algo.started:algo.started',
      'order.report:report',
      'ladder:ladder.step',
      'order.submitted:order.submitted',
      'order.report:report',
      'order.report:report',
      'algo.ended:algo.ended',
      'strategy:state',
    ]);
  });

  it('the journal is the same byte for byte for the same config and seed', async () => {
    const again = tmp();
    expect((await cli(['run', '--data-dir', again])).code).toBe(0);
    expect(readFileSync(join(again, JOURNAL_FILE)).equals(readFileSync(join(dataDir, JOURNAL_FILE)))).toBe(true);
  });
});

describe('legato why over a recording', () => {
  it('reads the engine records a recording holds, in the recording\'s zone', async () => {
    expect(await cli(['why', 'hc-rb/4', '--recording', recording])).toEqual({ code: 0, out: HC_RB_4, err: '' });
  });

  it('a recording whose header names no time zone ("Mars/X", edited by hand) is read in UTC, never as Invalid DateTime', async () => {
    const edited = join(tmp(), 'mars.jsonl');
    const lines = readFileSync(recording, 'utf8').split('\n');
    lines[0] = JSON.stringify({ ...JSON.parse(lines[0]!), zone: 'Mars/X' });
    writeFileSync(edited, lines.join('\n'));
    const r = await cli(['why', 'hc-rb/4', '--recording', edited]);
    expect(r.code).toBe(0);
    expect(r.out).not.toContain('Invalid DateTime');
    expect(r).toEqual(await cli(['why', 'hc-rb/4', '--recording', recording, '--zone', 'UTC']));
  });

  it('a recording without engine records (an older one) says so', async () => {
    const old = join(tmp(), 'old.jsonl');
    writeFileSync(old, readFileSync(recording, 'utf8').split('\n').filter((l) => !l.startsWith('{"k":"record"')).join('\n'));
    expect(await cli(['why', 'hc-rb/4', '--recording', old])).toEqual({ code: 2, out: '', err: `legato: the recording ${old} holds no engine records (it was written before \`legato why\` existed): record the run again\n` });
  });
});

describe('legato why: named errors, exit 2, no stack trace', () => {
  it('an unknown algo or order, a malformed id', async () => {
    expect(await cli(['why', 'hc-rb/99', '--data-dir', dataDir])).toEqual({ code: 2, out: '', err: 'legato: no algo "hc-rb/99" in these records (16 algos: hc-rb/1, hc-rb/2, hc-rb/3, …, hc-rb/15, hc-rb/16)\n' });
    expect(await cli(['why', 'hc-rb/3.7', '--recording', recording])).toEqual({ code: 2, out: '', err: 'legato: no order "hc-rb/3.7" in these records (16 algos: hc-rb/1, hc-rb/2, hc-rb/3, …, hc-rb/15, hc-rb/16)\n' });
    expect(await cli(['why', 'hc-rb', '--data-dir', dataDir])).toEqual({ code: 2, out: '', err: 'legato: "hc-rb" is not an algo id (<strategy>/<n>) or an order id (<strategy>/<n>.<k>)\n' });
  });

  it('a missing data directory or journal, a missing recording, a file that is not one, both sources, a bad zone', async () => {
    const empty = tmp();
    const missing = join(empty, 'nope');
    expect(await cli(['why', 'hc-rb/1', '--data-dir', missing])).toEqual({ code: 2, out: '', err: `legato: no data directory ${missing}: give the --data-dir of a journalled run, or a recording (legato run --record)\n` });
    expect(await cli(['why', 'hc-rb/1', '--data-dir', empty])).toEqual({ code: 2, out: '', err: `legato: no journal in ${empty} (journal.lgj is missing): was the run journalled (--data-dir)?\n` });
    expect(await cli(['why', 'hc-rb/1', '--recording', missing])).toEqual({ code: 2, out: '', err: `legato: no recording ${missing}: the file does not exist\n` });
    const foreign = join(empty, 'notes.txt');
    writeFileSync(foreign, 'hello\n');
    expect(await cli(['why', 'hc-rb/1', '--recording', foreign])).toEqual({ code: 2, out: '', err: `legato: ${foreign}:1: not JSON (is this a file written by legato run --record?)\n` });
    expect((await cli(['why', 'hc-rb/1', '--recording', recording, '--data-dir', dataDir])).err).toBe('legato: give --data-dir (a journal) or --recording (a recording), not both\n');
    expect((await cli(['why', 'hc-rb/1', '--recording', recording, '--zone', 'Mars/Olympus'])).err).toBe('legato: --zone Mars/Olympus is not a time zone (an IANA name such as Asia/Shanghai, or UTC)\n');
  });

  it('a corrupt journal (a byte flipped inside it), in a process of its own: the journal\'s named error, no stack trace', { timeout: 60_000 }, async () => {
    const dir = tmp();
    const bytes = readFileSync(join(dataDir, JOURNAL_FILE));
    bytes[1000] = bytes[1000]! ^ 0xff;
    writeFileSync(join(dir, JOURNAL_FILE), bytes);
    const r = await legato(['why', 'hc-rb/1', '--data-dir', dir]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(new RegExp(`^legato: journal ${join(dir, JOURNAL_FILE)} is unreadable at offset \\d+: checksum mismatch, and a good record follows at offset \\d+, so this is damage inside the journal, not a torn tail\\n$`));
  });
});
