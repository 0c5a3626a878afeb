import { Writable } from 'node:stream';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SweepRow } from '../../src/backtest/sweep.js';
import { main } from '../../src/cli/main.js';
import { runNatsSweep } from '../../src/distributed/sweep-coordinator.js';
import { JOBS_STREAM, jobId, jobSubject } from '../../src/distributed/sweep-protocol.js';
import { SweepWorker } from '../../src/distributed/worker.js';
import { natsServerMissing, startNatsServer, type NatsServer } from '../helpers/nats-server.js';
import { axes, config, legato, localRows, until, writeData } from './sweep-fixture.js';

const missing = natsServerMissing();

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const sink = (f: (s: string) => void): Writable => new Writable({ write: (c, _e, cb) => (f(String(c)), cb()) });
  const code = await main(args, { out: sink((s) => (out += s)), err: sink((s) => (err += s)) });
  return { code, out, err };
}

describe('legato worker and --nats: named errors, no server needed', () => {
  it('a server that cannot be reached: exit 2, named', async () => {
    expect(await cli(['worker', '--nats', 'nats://127.0.0.1:1'])).toEqual({ code: 2, out: '', err: 'legato: cannot reach the NATS server at nats://127.0.0.1:1: connection refused\n' });
    expect(await cli(['worker', '--nats', 'http://example.org'])).toEqual({ code: 2, out: '', err: 'legato: cannot reach the NATS server at http://example.org: unknown scheme http (nats://host:port)\n' });
    const { data, configFile } = writeData(10);
    const sweep = await cli(['backtest', '--config', configFile, '--data', data, '--sweep', 'longEntry=3,4', '--nats', 'nats://127.0.0.1:1']);
    expect(sweep).toEqual({ code: 2, out: '', err: 'legato: cannot reach the NATS server at nats://127.0.0.1:1: connection refused\n' });
  });

  it('--nats without --sweep, or with --workers: exit 2 before anything runs', async () => {
    const { data, configFile } = writeData(10);
    expect(await cli(['backtest', '--config', configFile, '--data', data, '--nats', 'nats://127.0.0.1:1'])).toEqual({
      code: 2,
      out: '',
      err: 'legato: --nats hands the runs of a sweep to workers; without --sweep there is one run: leave --nats out\n',
    });
    expect(await cli(['backtest', '--config', configFile, '--data', data, '--sweep', 'longEntry=3,4', '--workers', '2', '--nats', 'nats://127.0.0.1:1'])).toEqual({
      code: 2,
      out: '',
      err: 'legato: --workers sets the threads of a local sweep; with --nats the runs go to `legato worker` processes: leave one out\n',
    });
    expect(await cli(['worker', '--nats', 'nats://127.0.0.1:1', '--data-root', '/nowhere/at/all'])).toEqual({ code: 2, out: '', err: 'legato: --data-root /nowhere/at/all: no such folder\n' });
    for (const limit of ['0', '1e9', 'soon']) {
      const r = await cli(['worker', '--nats', 'nats://127.0.0.1:1', '--job-time-limit', limit]);
      expect([r.code, r.out, r.err]).toEqual([2, '', `error: option '--job-time-limit <s>' argument '${limit}' is invalid. must be a number of seconds from 1 to 604800 (a week).\n(run legato --help for usage)\n`]);
    }
  });
});

describe.skipIf(missing !== undefined)(`sweep workers on NATS JetStream${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let server: NatsServer;
  let fixture: ReturnType<typeof writeData>;
  let local: SweepRow[];

  beforeAll(async () => {
    server = await startNatsServer();
    fixture = writeData(40_000);
    local = await localRows(fixture.data, fixture.configFile);
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('a worker killed (SIGKILL) mid-job: its job is redelivered after the ack wait and run by another; nothing lost, nothing counted twice', async () => {
    const doomed = legato(['worker', '--nats', server.url, '--ack-wait', '1', '--name', 'doomed']);
    await doomed.line(/pulling sweep jobs/);
    const progress: number[] = [];
    const sweep = runNatsSweep(config, fixture.configFile, axes, { url: server.url, data: [fixture.data], onRow: (done) => progress.push(done) });
    const started = await doomed.line(/job [0-9a-f]{32} of sweep [0-9a-f]{16} started \(delivery 1\)/);
    doomed.child.kill('SIGKILL');
    await doomed.exit;
    const job = /job ([0-9a-f]{32})/.exec(started)![1]!;
    expect(doomed.lines.some((l) => l.includes(`job ${job} done`))).toBe(false);

    const log: string[] = [];
    const rescuer = await SweepWorker.start({ url: server.url, name: 'rescuer', log: (l) => log.push(l) });
    const r = await sweep;
    await rescuer.stop();
    expect(r.rows).toEqual(local);
    expect(progress).toEqual([1, 2, 3, 4, 5, 6]);
    // The killed worker's job came back to the rescuer as a second delivery.
    expect(log.filter((l) => l.includes(`job ${job} of sweep ${r.sweep} started (delivery 2)`))).toHaveLength(1);
    expect(rescuer.stats.completed + doomed.lines.filter((l) => / done$/.test(l)).length).toBe(6);
  }, 300_000);

  it('hostile job messages are terminated with a named reason; the worker goes on and runs a real sweep', async () => {
    const log: string[] = [];
    const worker = await SweepWorker.start({ url: server.url, name: 'sturdy', dataRoot: fixture.dir, log: (l) => log.push(l) });
    const nc = await connect({ servers: server.url });
    const js = jetstream(nc);
    const sweep = 'ab'.repeat(8);
    const good = { raw: config, source: 'ab.json', data: ['ab.csv'], badData: 'skip' as const, timeZone: null, params: { longEntry: '3' } };
    const id = jobId(good);
    const outside = { ...good, data: ['../../etc/passwd'] };
    const nested = (n: number): string => '['.repeat(n) + ']'.repeat(n);
    const deep = JSON.stringify({ v: 1, sweep, job: id, ...good, raw: { strategies: [{ name: 'X' }] } }).replace('"X"', nested(100_000));
    const hostile: [string, string | Uint8Array, string][] = [
      [jobSubject(sweep, id), new Uint8Array([0xff, 0xfe, 0x00, 0x80]), 'not JSON (The encoded data was not valid for encoding utf-8)'],
      [jobSubject(sweep, id), '{"v":1', "not JSON (Expected ',' or '}' after property value in JSON at position 6)"],
      [jobSubject(sweep, id), deep, 'the job cannot be read (nested too deeply)'],
      [jobSubject(sweep, id), '[1,2,3]', 'not a JSON object'],
      [jobSubject(sweep, id), JSON.stringify({ v: 2 }), 'unknown job version 2'],
      [jobSubject(sweep, id), JSON.stringify({ v: 1, sweep, job: id, ...good, params: { longEntry: '4' } }), 'job id does not match its content'],
      [jobSubject(sweep, id), JSON.stringify({ v: 1, sweep, job: id, ...good, params: { PROTO: '1' } }).replace('PROTO', '__proto__'), 'params.__proto__ is not a sweep parameter'],
      [jobSubject(sweep, id), JSON.stringify({ v: 1, sweep, job: id, ...good, raw: { strategies: 'x' } }), 'raw.strategies is not a list'],
      [jobSubject(sweep, jobId(outside)), JSON.stringify({ v: 1, sweep, job: jobId(outside), ...outside }), `data path ../../etc/passwd is outside --data-root ${fixture.dir}`],
      [jobSubject(sweep, 'f'.repeat(32)), JSON.stringify({ v: 1, sweep, job: id, ...good }), `subject ${jobSubject(sweep, 'f'.repeat(32))} does not match the job's sweep and id`],
    ];
    for (const [subject, body] of hostile) await js.publish(subject, body);
    await until(() => worker.stats.refused === hostile.length);
    const refusals = log.filter((l) => l.includes('refused job message'));
    expect(refusals).toHaveLength(hostile.length);
    hostile.forEach(([subject, , reason], i) => expect(refusals[i]).toContain(`on ${subject}: ${reason}`));
    // Terminated messages leave the work queue (the worker removes them: a 2.9 server keeps them otherwise).
    const jsm = await jetstreamManager(nc);
    while ((await jsm.streams.info(JOBS_STREAM)).state.messages > 0) await new Promise((r) => setTimeout(r, 50));
    expect((await jsm.streams.info(JOBS_STREAM)).state.messages).toBe(0);
    await nc.close();

    // The same worker then runs a real sweep, its paths read from its data root.
    const r = await runNatsSweep(config, 'ab.json', axes, { url: server.url, data: ['ab.csv'] });
    expect(r.rows).toEqual(local);
    // The worker counts a job once its ack is acknowledged, a round trip after the result the sweep already has.
    await until(() => worker.stats.completed === 6);
    expect(worker.stats).toEqual({ completed: 6, refused: hostile.length, naked: 0 });
    await worker.stop();
  }, 300_000);

  it('a job that outlasts the worker\'s time limit is ended with its thread; its row is an error, published once, and the worker goes on (was: no limit, a job that never ends held a worker for ever)', async () => {
    const log: string[] = [];
    // A limit of 1 ms: no run (a thread's round trip, the engine, the data) ends within it.
    const strict = await SweepWorker.start({ url: server.url, name: 'strict', jobTimeLimitMs: 1, log: (l) => log.push(l) });
    const r = await runNatsSweep(config, fixture.configFile, axes, { url: server.url, data: [fixture.data] });
    expect(r.rows.map((row) => [row.params, row.executions, row.pnl, row.error])).toEqual(
      local.map((row) => [row.params, 0, null, "the run went past the worker's time limit of 0.001 s (legato worker --job-time-limit) and was ended"]),
    );
    await until(() => strict.stats.completed === 6);
    expect(strict.stats).toEqual({ completed: 6, refused: 0, naked: 0 });
    expect(log.filter((l) => l.includes('started (delivery 2)'))).toEqual([]);
    await strict.stop();
    // A worker with the default limit runs the same sweep in full.
    const patient = await SweepWorker.start({ url: server.url, name: 'patient' });
    expect((await runNatsSweep(config, fixture.configFile, axes, { url: server.url, data: [fixture.data] })).rows).toEqual(local);
    await patient.stop();
  }, 300_000);

  it('SIGTERM gives the job in progress back at once and exits 0; another worker runs it without waiting for the ack wait', async () => {
    const first = legato(['worker', '--nats', server.url, '--ack-wait', '600', '--name', 'leaving']);
    await first.line(/pulling sweep jobs/);
    const sweep = runNatsSweep(config, fixture.configFile, axes, { url: server.url, data: [fixture.data] });
    const started = await first.line(/started \(delivery 1\)/);
    first.child.kill('SIGTERM');
    expect(await first.exit).toBe(0);
    const job = /job ([0-9a-f]{32})/.exec(started)![1]!;
    expect(first.lines.filter((l) => l.includes('gave back job'))).toEqual([`legato: worker leaving: gave back job ${job} (stopping)`]);
    expect(first.lines.at(-1)).toMatch(/^legato: worker leaving: stopped \(\d jobs done, 0 refused, 1 given back\)$/);
    // With a 10-minute ack wait, only the nak lets the next worker have it now.
    const log: string[] = [];
    const next = await SweepWorker.start({ url: server.url, name: 'next', log: (l) => log.push(l) });
    const r = await sweep;
    await next.stop();
    expect(r.rows).toEqual(local);
    expect(log.filter((l) => l.includes(`job ${job} of sweep ${r.sweep} started (delivery 2)`))).toHaveLength(1);
  }, 300_000);
});
