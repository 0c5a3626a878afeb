import { execFileSync } from 'node:child_process';
import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { exitWithin, proc } from '../helpers/processes.js';
import { parseRecording, RecordingError, type InspectRecord } from '../../src/inspector/index.js';
import { inspectedDemo, memoryStream } from './helpers.js';

const HOUR = 3_600_000;

describe('recordings: the inspection stream and the market data as JSON lines', () => {
  it('records the demo until 22:00: header, actors, transitions, contexts with prices as strings, quotes, fills', async () => {
    const { stream, text } = memoryStream();
    const { engine, config, inspector } = inspectedDemo({ record: stream });
    engine.start();
    engine.runUntil(config.run.start + 1.5 * HOUR);
    await engine.stop();
    await inspector.close();
    const records = parseRecording(text());
    const meta = records[0] as Extract<InspectRecord, { k: 'meta' }>;
    expect(meta).toEqual({ k: 'meta', version: 1, zone: 'Asia/Shanghai', start: config.run.start, strategies: [{ name: 'hc-rb', triggers: { longEntry: '172', longExit: '180', shortEntry: '188', shortExit: '180' }, legs: ['HC', 'RB'] }], instruments: [{ symbol: 'HC', tickSize: '1' }, { symbol: 'RB', tickSize: '1' }] });

    // The session opens at 21:00 Shanghai (13:00 UTC), by its `after untilOpen` timer.
    const opened = records.find((r) => r.k === 'event' && r.target === 'session:hc-rb' && r.type.startsWith('xstate.after.')) as Extract<InspectRecord, { k: 'event' }>;
    expect(opened).toMatchObject({ type: 'xstate.after.untilOpen.session.closed', source: 'session:hc-rb', t: Date.UTC(2026, 10, 23, 13, 0), transitions: ['closed → open', 'open.entering → open.trading'] });
    const sessionStates = records.filter((r): r is Extract<InspectRecord, { k: 'state' }> => r.k === 'state' && r.id === 'session:hc-rb').map((r) => `${r.value} [${r.paths.join(' ')}] ${r.status}`);
    expect(sessionStates).toEqual(['closed [closed] active', 'open.entering [open open.entering] active', 'open.trading [open open.trading] active', 'open.trading [open open.trading] stopped']);
    const told = records.find((r) => r.k === 'event' && r.type === 'session.opened') as Extract<InspectRecord, { k: 'event' }>;
    expect(told).toMatchObject({ source: 'session:hc-rb', target: 'strategy:hc-rb' });

    // The first algo: hc-rb/1, a long entry at 21:18:22, a tree of two orders under it.
    const actors = records.filter((r): r is Extract<InspectRecord, { k: 'actor' }> => r.k === 'actor');
    expect(actors.slice(0, 6).map((a) => `${a.id} < ${a.parent ?? '-'} (${a.machine})`)).toEqual([
      'engine < - (engine)',
      'strategy:hc-rb < engine (strategy)',
      'session:hc-rb < strategy:hc-rb (session)',
      'algo:hc-rb/1 < strategy:hc-rb (algo)',
      'order:hc-rb/1.1 < algo:hc-rb/1 (order)',
      'order:hc-rb/1.2 < algo:hc-rb/1 (order)',
    ]);
    const start = records.find((r) => r.k === 'algo' && r.phase === 'start');
    expect(start).toMatchObject({ algoId: 'hc-rb/1', purpose: 'longEntry', side: 'buy', limit: '172' });
    const fills = records.filter((r) => r.k === 'fill' && r.algoId === 'hc-rb/1');
    expect(fills.map((f) => (f as { symbol: string }).symbol).sort()).toEqual(['HC', 'RB']);

    // Contexts: prices are decimal strings, refs are ids.
    const strategyContext = records.filter((r) => r.k === 'context' && r.id === 'strategy:hc-rb').at(-1) as { context: { spec: { triggers: unknown }; session: unknown; market: { spread: { bid: unknown } } } };
    expect(strategyContext.context.spec.triggers).toEqual({ longEntry: '172', longExit: '180', shortEntry: '188', shortExit: '180' });
    expect(strategyContext.context.session).toBe('→ session:hc-rb');
    expect(typeof strategyContext.context.market.spread.bid).toBe('string');
    const algoContext = records.find((r) => r.k === 'context' && r.id === 'algo:hc-rb/1') as { context: { spec: { limit: unknown } } };
    expect(algoContext.context.spec.limit).toBe('172');

    // The market data: every leg quote the venue published, and the spread the strategy reacted to.
    expect(records.filter((r) => r.k === 'quote').length).toBe(engine.summary().counts.quotes);
    expect(records.some((r) => r.k === 'spread' && r.bid !== null)).toBe(true);
  });

  it('names the first bad line of a file that is not a recording', () => {
    expect(() => parseRecording('{"k":"meta","version":1}\nnot json\n', 'x.jsonl')).toThrow(new RecordingError('x.jsonl:2: not JSON (is this a file written by legato run --record?)'));
    expect(() => parseRecording('{"k":"meta"}\n{"k":"state"}\n', 'x.jsonl')).toThrow('x.jsonl:2: a state record needs a numeric "t"');
    expect(() => parseRecording('{"k":"bogus","t":1}\n', 'x.jsonl')).toThrow('x.jsonl:1: not an inspection record');
    expect(() => parseRecording('', 'empty.jsonl')).toThrow('empty.jsonl: does not start with a meta record');
  });

  it('names a line nested more than 100 levels deep (was: read, then every page\'s hello failed to serialize: closed 1011, the recording never shown)', () => {
    const deep = (n: number): string => `{"k":"state","t":1,"x":${'['.repeat(n)}${']'.repeat(n)}}`;
    expect(() => parseRecording(`{"k":"meta"}\n${deep(100_000)}\n`, 'x.jsonl')).toThrow(new RecordingError('x.jsonl:2: nested more than 100 levels deep (is this a file written by legato run --record?)'));
    expect(() => parseRecording(`{"k":"meta"}\n${deep(99)}\n`, 'x.jsonl')).not.toThrow();
    // Brackets inside strings are text, not nesting.
    expect(() => parseRecording(`{"k":"meta","s":"${'['.repeat(1000)}\\"${'{'.repeat(1000)}"}\n`, 'x.jsonl')).not.toThrow();
  });
});

describe('the command line: inspection flags', () => {
  const run = async (argv: string[]): Promise<{ code: number; err: string }> => {
    let err = '';
    const sink = { write: (s: string) => ((err += s), true) } as unknown as NodeJS.WritableStream;
    const code = await main(argv, { out: sink, err: sink });
    return { code, err };
  };

  it('refuses a non-loopback --host without --allow-remote, and inspection flags without --inspect (exit 2)', async () => {
    expect(await run(['run', '--inspect', '--host', '0.0.0.0', '--port', '0'])).toEqual({ code: 2, err: 'legato: the inspector binds only loopback addresses; host "0.0.0.0" needs --allow-remote (anyone who can reach it sees the run)\n' });
    expect(await run(['run', '--port', '4400'])).toEqual({ code: 2, err: 'legato: --port only apply with --inspect\n' });
    const badPort = await run(['run', '--inspect', '--port', '70000']);
    expect(badPort.code).toBe(2);
    expect(badPort.err).toContain("option '--port <N>' argument '70000' is invalid. must be a whole number from 0 to 65535");
  });

  it('legato inspect names a missing or malformed recording (exit 2)', async () => {
    expect(await run(['inspect', 'no-such-file.jsonl'])).toEqual({ code: 2, err: 'legato: cannot read no-such-file.jsonl: ENOENT\n' });
    expect(await run(['inspect', 'package.json'])).toEqual({ code: 2, err: 'legato: package.json:1: not JSON (is this a file written by legato run --record?)\n' });
  });
});

describe('a recording that is no regular file of a bounded size (legato inspect, legato why --recording)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'legato-recording-'));

  it('a FIFO is refused by name at once (was: both commands waited for a writer for ever)', async () => {
    const fifo = join(dir, 'day.jsonl');
    execFileSync('mkfifo', [fifo]);
    for (const args of [['inspect', fifo, '--port', '0'], ['why', 'hc-rb/1', '--recording', fifo]]) {
      const p = proc(args);
      const code = await exitWithin(p, 20_000);
      expect(p.err(), args[0]).toBe(`legato: ${fifo} is a FIFO, not a regular file (a recording is a file written by legato run --record)\n`);
      expect(code, args[0]).toBe(2);
    }
  });

  it('a device, or a file of more than 512 MiB, is refused before it is read (was: /dev/zero read until the heap ran out)', async () => {
    const run = async (argv: string[]): Promise<{ code: number; err: string }> => {
      let err = '';
      const sink = { write: (s: string) => ((err += s), true) } as unknown as NodeJS.WritableStream;
      return { code: await main(argv, { out: sink, err: sink }), err };
    };
    expect(await run(['inspect', '/dev/zero', '--port', '0'])).toEqual({ code: 2, err: 'legato: /dev/zero is a device, not a regular file (a recording is a file written by legato run --record)\n' });
    const huge = join(dir, 'huge.jsonl');
    writeFileSync(huge, '{"k":"meta"}\n');
    truncateSync(huge, 512 * 2 ** 20 + 1); // sparse: no disk used
    const message = `legato: ${huge} is more than 536,870,912 bytes, the most read (a recording is a file written by legato run --record)\n`;
    expect(await run(['inspect', huge, '--port', '0'])).toEqual({ code: 2, err: message });
    expect(await run(['why', 'hc-rb/1', '--recording', huge])).toEqual({ code: 2, err: message });
  });
});
