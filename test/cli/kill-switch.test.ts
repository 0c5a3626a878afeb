import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { exitWithin, proc, until } from '../helpers/processes.js';
import { describe, expect, it } from 'vitest';
import { crashConfig } from '../../scripts/crash.js';
import { CONTROL_FILE, PID_FILE, listenForControl, parseControlRequest, takeControlFile, type Controllable } from '../../src/cli/control.js';
import { main } from '../../src/cli/main.js';
import { JOURNAL_FILE, type JournalEntry } from '../../src/engine/durable.js';
import { readJournal } from '../../src/journal/journal-file.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'legato-kill-switch-'));

function sink() {
  let text = '';
  return { stream: new Writable({ write: (c, _e, cb) => ((text += String(c)), cb()) }), text: () => text };
}

async function cli(args: string[]) {
  const [out, err] = [sink(), sink()];
  const code = await main(args, { out: out.stream, err: err.stream });
  return { code, out: out.text(), err: err.text() };
}


const bad = (error: string) => ({ ok: false, error });

describe('the control request file: parsing', () => {
  it('accepts the three actions, for all strategies or one', () => {
    expect(parseControlRequest('{"action":"pause"}')).toEqual({ ok: true, request: { action: 'pause' } });
    expect(parseControlRequest(' {"action":"resume"}\n')).toEqual({ ok: true, request: { action: 'resume' } });
    expect(parseControlRequest('{"action":"flatten","strategy":"hc-rb"}')).toEqual({ ok: true, request: { action: 'flatten', strategy: 'hc-rb' } });
    expect(parseControlRequest('{"strategy":null,"action":"pause"}')).toEqual({ ok: true, request: { action: 'pause' } });
  });

  it('refuses hostile or malformed requests, naming what is wrong and echoing only a short, escaped piece', () => {
    expect(parseControlRequest('')).toEqual(bad('an empty request'));
    expect(parseControlRequest(' \n')).toEqual(bad('an empty request'));
    expect(parseControlRequest('{"action":"pause"')).toEqual(bad('not valid JSON'));
    expect(parseControlRequest('pause')).toEqual(bad('not valid JSON'));
    expect(parseControlRequest('"pause"')).toEqual(bad('a string, not a JSON object'));
    expect(parseControlRequest('null')).toEqual(bad('null, not a JSON object'));
    expect(parseControlRequest('[{"action":"pause"}]')).toEqual(bad('an array, not a JSON object'));
    expect(parseControlRequest('{}')).toEqual(bad('no "action"'));
    expect(parseControlRequest('{"strategy":"hc-rb"}')).toEqual(bad('no "action"'));
    expect(parseControlRequest('{"action":"stop"}')).toEqual(bad('"action" must be "pause", "resume" or "flatten", not "stop"'));
    expect(parseControlRequest('{"action":"PAUSE"}')).toEqual(bad('"action" must be "pause", "resume" or "flatten", not "PAUSE"'));
    expect(parseControlRequest('{"action":1}')).toEqual(bad('"action" must be "pause", "resume" or "flatten", not 1'));
    expect(parseControlRequest('{"action":["pause"]}')).toEqual(bad('"action" must be "pause", "resume" or "flatten", not ["pause"]'));
    expect(parseControlRequest(`{"action":"${'x'.repeat(100)}"}`)).toEqual(bad(`"action" must be "pause", "resume" or "flatten", not "${'x'.repeat(38)}…`));
    expect(parseControlRequest('{"action":"\\u001b[2Jpause"}')).toEqual(bad('"action" must be "pause", "resume" or "flatten", not "\\u001b[2Jpause"'));
    expect(parseControlRequest('{"action":"\\u009b2Jpause"}')).toEqual(bad('"action" must be "pause", "resume" or "flatten", not "\\u009b2Jpause"'));
    expect(parseControlRequest('{"action":"pause","force":true}')).toEqual(bad('an unknown key "force" (allowed: action, strategy)'));
    expect(parseControlRequest('{"action":"pause","__proto__":{"strategy":"x"}}')).toEqual(bad('an unknown key "__proto__" (allowed: action, strategy)'));
    expect(parseControlRequest('{"action":"pause","strategy":""}')).toEqual(bad('"strategy" is empty'));
    expect(parseControlRequest('{"action":"pause","strategy":7}')).toEqual(bad('"strategy" must be a string, not a number'));
    expect(parseControlRequest('{"action":"pause","strategy":{}}')).toEqual(bad('"strategy" must be a string, not an object'));
    expect(parseControlRequest(`{"action":"pause","strategy":"${'s'.repeat(201)}"}`)).toEqual(bad('"strategy" is longer than 200 characters'));
    expect(parseControlRequest('{"action":"pause","strategy":"hc\\nrb"}')).toEqual(bad('"strategy" holds control characters ("hc\\nrb")'));
    expect(parseControlRequest('{"action":"pause","strategy":"hc\\u202erb"}')).toEqual(bad('"strategy" holds control characters ("hc\\u202erb")'));
  });
});

describe('the control request file: reading', () => {
  it('is null when there is no file; reads, parses and removes a good one', () => {
    const dir = tmp();
    const file = join(dir, CONTROL_FILE);
    expect(takeControlFile(file)).toBeNull();
    writeFileSync(file, '{"action":"flatten","strategy":"hc-rb"}');
    expect(takeControlFile(file)).toEqual({ ok: true, request: { action: 'flatten', strategy: 'hc-rb' } });
    expect(existsSync(file)).toBe(false);
    expect(execFileSync('ls', ['-A', dir], { encoding: 'utf8' })).toBe('');
  });

  it('refuses (and removes) a file that is too large, a link, a directory or a pipe, without reading it', () => {
    const dir = tmp();
    const file = join(dir, CONTROL_FILE);
    writeFileSync(file, `{"action":"pause"}${' '.repeat(4096 - 18)}`);
    expect(takeControlFile(file)).toEqual({ ok: true, request: { action: 'pause' } });
    writeFileSync(file, `{"action":"pause"}${' '.repeat(4096 - 17)}`);
    expect(takeControlFile(file)).toEqual(bad('more than 4096 bytes'));
    expect(existsSync(file)).toBe(false);
    writeFileSync(join(dir, 'real.json'), '{"action":"flatten"}');
    symlinkSync(join(dir, 'real.json'), file);
    expect(takeControlFile(file)).toEqual(bad('a symbolic link, not a file'));
    expect(existsSync(file)).toBe(false);
    expect(readFileSync(join(dir, 'real.json'), 'utf8')).toBe('{"action":"flatten"}');
    mkdirSync(file);
    expect(takeControlFile(file)).toEqual(bad('not a regular file'));
    expect(existsSync(file)).toBe(false);
    writeFileSync(file, Buffer.from([0xff, 0xfe, 0x00, 0x7b]));
    expect(takeControlFile(file)).toEqual(bad('not valid JSON'));
  });

  it.skipIf(process.platform === 'win32')('refuses a named pipe without blocking on it', () => {
    const dir = tmp();
    const file = join(dir, CONTROL_FILE);
    execFileSync('mkfifo', [file]);
    expect(takeControlFile(file)).toEqual(bad('not a regular file'));
    expect(existsSync(file)).toBe(false);
  });
});

describe('SIGUSR2 in a running legato run (in process)', () => {
  it('applies the request file, else pauses everything; reports a bad file and a refusal; writes and removes the pid file', () => {
    const dir = tmp();
    const file = join(dir, CONTROL_FILE);
    const pidFile = join(dir, PID_FILE);
    writeFileSync(file, '{"action":"flatten"}'); // left from before the run: removed, never applied
    const calls: unknown[] = [];
    const engine: Controllable = {
      control: (action, options) => {
        calls.push([action, options]);
        return options.strategy === 'nope' ? { ok: false, error: 'no strategy named "nope" (strategies: hc-rb)' } : { ok: true, strategies: ['hc-rb'] };
      },
    };
    const err = sink();
    const stop = listenForControl(engine, { file, pidFile, err: err.stream });
    try {
      expect(readFileSync(pidFile, 'utf8')).toBe(`${process.pid}\n`);
      process.emit('SIGUSR2', 'SIGUSR2');
      writeFileSync(file, '{"action":"resume","strategy":"hc-rb"}');
      process.emit('SIGUSR2', 'SIGUSR2');
      writeFileSync(file, '{"action":"pause","strategy":"nope"}');
      process.emit('SIGUSR2', 'SIGUSR2');
      writeFileSync(file, '{"action":"flatten","strategy":""}');
      process.emit('SIGUSR2', 'SIGUSR2');
      expect(existsSync(file)).toBe(false);
    } finally {
      stop();
    }
    expect(existsSync(pidFile)).toBe(false);
    process.emit('SIGUSR2', 'SIGUSR2'); // after the run: ignored
    expect(calls).toEqual([
      ['pause', { source: 'signal' }],
      ['resume', { strategy: 'hc-rb', source: 'signal' }],
      ['pause', { strategy: 'nope', source: 'signal' }],
    ]);
    expect(err.text()).toBe(
      `legato: control: removed a request left from before this run (flatten (all strategies)) in ${file}\n` +
        'legato: control: pause (all strategies)\n' +
        'legato: control: resume (strategy hc-rb)\n' +
        'legato: control: pause (strategy nope) refused: no strategy named "nope" (strategies: hc-rb)\n' +
        `legato: control: "strategy" is empty in ${file}\n`,
    );
  });
});

describe('legato control', () => {
  it('a run.pid that is a FIFO, a device or a large file: exit 2 at once, named (was: a FIFO waited for a writer for ever, /dev/zero was read until the heap ran out)', async () => {
    const dir = tmp();
    const pidFile = join(dir, PID_FILE);
    execFileSync('mkfifo', [pidFile]);
    const p = proc(['control', 'pause', '--data-dir', dir]);
    const code = await exitWithin(p, 20_000);
    expect(p.err()).toBe(`legato: control: cannot read ${pidFile} (is a FIFO, not a regular file)\n`);
    expect(code).toBe(2);
    const device = tmp();
    symlinkSync('/dev/zero', join(device, PID_FILE));
    expect(await cli(['control', 'pause', '--data-dir', device])).toEqual({ code: 2, out: '', err: `legato: control: cannot read ${join(device, PID_FILE)} (is a device, not a regular file)\n` });
    const large = tmp();
    writeFileSync(join(large, PID_FILE), `${process.pid}${' '.repeat(5000)}\n`);
    expect(await cli(['control', 'pause', '--data-dir', large])).toEqual({ code: 2, out: '', err: `legato: control: cannot read ${join(large, PID_FILE)} (is more than 4,096 bytes, the most read)\n` });
    expect(existsSync(join(large, CONTROL_FILE))).toBe(false);
  });

  it('a run whose run.pid is a FIFO warns and runs (was: it waited for a reader of the FIFO for ever, deaf to SIGTERM)', async () => {
    const dir = tmp();
    execFileSync('mkfifo', [join(dir, PID_FILE)]);
    const p = proc(['run', '--days', '0.02', '--data-dir', dir]);
    const code = await exitWithin(p, 30_000);
    expect(p.err()).toContain(`legato: warning: cannot write ${join(dir, PID_FILE)} (ENXIO): legato control will not find this run\n`);
    expect(code).toBe(0);
  });

  it('exits 2 naming the missing run, a stale pid file, a bad action or a bad strategy name', async () => {
    const dir = tmp();
    const none = await cli(['control', 'flatten', '--data-dir', dir]);
    expect(none).toEqual({ code: 2, out: '', err: `legato: control: no run is running in ${dir}: there is no ${join(dir, PID_FILE)} (a journalled legato run writes it while it runs)\n` });

    const gone = spawn(process.execPath, ['-e', '']);
    await new Promise((done) => gone.on('exit', done));
    writeFileSync(join(dir, PID_FILE), `${gone.pid}\n`);
    const stale = await cli(['control', 'pause', '--data-dir', dir]);
    expect(stale).toEqual({ code: 2, out: '', err: `legato: control: the run in ${dir} is not running: there is no process ${gone.pid} (a stale run.pid: the run ended without removing it)\n` });
    expect(existsSync(join(dir, CONTROL_FILE))).toBe(false);

    writeFileSync(join(dir, PID_FILE), 'hello\n');
    expect((await cli(['control', 'pause', '--data-dir', dir])).err).toBe(`legato: control: ${join(dir, PID_FILE)} does not hold a process id\n`);

    const action = await cli(['control', 'stop', '--data-dir', dir]);
    expect(action).toEqual({ code: 2, out: '', err: 'legato: control: unknown action "stop": pause, resume or flatten\n' });
    const name = await cli(['control', 'pause', '--strategy', 'a\u001bb', '--data-dir', dir]);
    expect(name).toEqual({ code: 2, out: '', err: 'legato: control: --strategy: the name holds control characters ("a\\u001bb")\n' });
  });

  it.skipIf(!existsSync('/proc/self/cmdline'))('does not signal a live process that is not a legato run (its pid reused)', async () => {
    const dir = tmp();
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      await until(() => other.pid !== undefined, 10_000);
      writeFileSync(join(dir, PID_FILE), String(other.pid));
      const r = await cli(['control', 'pause', '--data-dir', dir]);
      expect(r).toEqual({ code: 2, out: '', err: `legato: control: the run in ${dir} is not running: process ${other.pid} is not a legato run (a stale run.pid: the run ended without removing it)\n` });
      expect(other.exitCode).toBeNull();
      expect(existsSync(join(dir, CONTROL_FILE))).toBe(false);
    } finally {
      other.kill('SIGTERM');
    }
  });

  it('refuses --control-file with a journalled run (exit 2): that run reads <data dir>/control.json', async () => {
    const dir = tmp();
    const r = await cli(['run', '--data-dir', dir, '--control-file', join(dir, 'c.json')]);
    expect(r).toEqual({ code: 2, out: '', err: 'legato: --control-file is for a run without a journal; a journalled run reads <data dir>/control.json (legato control writes it)\n' });
  });
});

describe('the kill switch end to end', () => {
  it('legato control pause reaches a journalled run on a venue process, which journals it and keeps running until SIGTERM', async () => {
    const dir = tmp();
    const cfg = join(dir, 'config.json');
    writeFileSync(cfg, JSON.stringify(crashConfig(11, 60, 'quoting')));
    const sock = join(dir, 'venue.sock');
    const data = join(dir, 'data');
    const venue = proc(['venue', '--socket', sock, '--config', cfg, '--speed', '100']);
    try {
      await until(() => venue.err().includes('listening on'), 20_000);
      const engine = proc(['run', '--config', cfg, '--venue', sock, '--data-dir', data, '--json']);
      try {
        await until(() => engine.err().includes('running run 1'), 20_000);
        expect(readFileSync(join(data, PID_FILE), 'utf8')).toBe(`${engine.child.pid}\n`);
        const r = await cli(['control', 'pause', '--data-dir', data]);
        expect(r).toMatchObject({ code: 0, out: `legato: control: asked the run in ${data} (pid ${engine.child.pid}) to pause (all strategies)\n` });
        await until(() => engine.err().includes('legato: control: pause (all strategies)\n'), 20_000);
        expect(existsSync(join(data, CONTROL_FILE))).toBe(false);
        expect(engine.child.exitCode).toBeNull();
      } finally {
        engine.child.kill('SIGTERM');
      }
      expect(await engine.exit).toBe(0);
      expect(engine.err()).not.toContain('refused');
      expect(existsSync(join(data, PID_FILE))).toBe(false);
      const entries = readJournal(join(data, JOURNAL_FILE)).records.map((x) => x.value as JournalEntry);
      const controls = entries.filter((e) => e.kind === 'control').map((e) => ({ ...e, at: undefined }));
      expect(controls).toEqual([{ kind: 'control', at: undefined, action: 'pause', strategy: null, source: 'signal' }]);
      expect(entries.at(-1)).toMatchObject({ kind: 'run.ended', run: 1, reason: 'interrupted' });

      const after = await cli(['control', 'resume', '--data-dir', data]);
      expect(after).toEqual({ code: 2, out: '', err: `legato: control: no run is running in ${data}: there is no ${join(data, PID_FILE)} (a journalled legato run writes it while it runs)\n` });
    } finally {
      venue.child.kill('SIGTERM');
      await venue.exit;
    }
  });

  it('a plain run (no journal) takes --control-file on SIGUSR2, and a bare SIGUSR2 pauses every strategy', async () => {
    const dir = tmp();
    const file = join(dir, 'request.json');
    const engine = proc(['run', '--speed', '600', '--control-file', file, '--json']);
    try {
      await until(() => engine.err().includes('legato: running hc-rb'), 20_000);
      writeFileSync(file, '{"action":"flatten","strategy":"hc-rb"}');
      engine.child.kill('SIGUSR2');
      await until(() => engine.err().includes('legato: control: flatten (strategy hc-rb)\n'), 20_000);
      expect(existsSync(file)).toBe(false);
      writeFileSync(file, '{"action":"resume","strategy":"rb-hc"}');
      engine.child.kill('SIGUSR2');
      await until(() => engine.err().includes('legato: control: resume (strategy rb-hc) refused: no strategy named "rb-hc" (strategies: hc-rb)\n'), 20_000);
      engine.child.kill('SIGUSR2');
      await until(() => engine.err().includes('legato: control: pause (all strategies)\n'), 20_000);
      writeFileSync(file, 'x'.repeat(5000));
      engine.child.kill('SIGUSR2');
      await until(() => engine.err().includes(`legato: control: more than 4096 bytes in ${file}\n`), 20_000);
      expect(engine.child.exitCode).toBeNull();
    } finally {
      engine.child.kill('SIGTERM');
    }
    expect(await engine.exit).toBe(0);
    expect(engine.err().match(/legato: control: .*/g)).toEqual([
      'legato: control: flatten (strategy hc-rb)',
      'legato: control: resume (strategy rb-hc) refused: no strategy named "rb-hc" (strategies: hc-rb)',
      'legato: control: pause (all strategies)',
      `legato: control: more than 4096 bytes in ${file}`,
    ]);
    expect(engine.err()).not.toMatch(/\n\s+at /);
  });
});
