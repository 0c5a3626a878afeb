import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SweepRow } from '../../src/backtest/sweep.js';
import { runNatsSweep } from '../../src/distributed/sweep-coordinator.js';
import { JOBS_STREAM, RESULTS_STREAM } from '../../src/distributed/sweep-protocol.js';
import { SweepWorker } from '../../src/distributed/worker.js';
import { natsServerMissing, startNatsServer, type NatsServer } from '../helpers/nats-server.js';
import { axes, config, grid, legato, localRows, until, writeData } from './sweep-fixture.js';

const missing = natsServerMissing();

describe.skipIf(missing !== undefined)(`a sweep across workers on NATS JetStream${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let server: NatsServer;
  let fixture: ReturnType<typeof writeData>;
  let local: SweepRow[];

  beforeAll(async () => {
    server = await startNatsServer();
    fixture = writeData(15_000);
    local = await localRows(fixture.data, fixture.configFile);
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  /** Messages left in the sweep's streams (both are emptied of a sweep's messages when it finishes). */
  async function leftOver(): Promise<[number, number]> {
    const nc = await connect({ servers: server.url });
    const jsm = await jetstreamManager(nc);
    const counts = [(await jsm.streams.info(JOBS_STREAM)).state.messages, (await jsm.streams.info(RESULTS_STREAM)).state.messages] as [number, number];
    await nc.close();
    return counts;
  }

  it('the local sweep has rows that differ, so equal rows mean something', () => {
    expect(local.map((r) => r.params)).toEqual([
      { longEntry: '3', longExit: '10' },
      { longEntry: '3', longExit: '12' },
      { longEntry: '4', longExit: '10' },
      { longEntry: '4', longExit: '12' },
      { longEntry: '5', longExit: '10' },
      { longEntry: '5', longExit: '12' },
    ]);
    expect(new Set(local.map((r) => r.pnl)).size).toBe(6);
    expect(local.every((r) => r.executions > 0 && r.error === undefined)).toBe(true);
  });

  it('on 3 workers gives the local sweep row for row, counting each finished run once', async () => {
    const workers = await Promise.all(['w1', 'w2', 'w3'].map((name) => SweepWorker.start({ url: server.url, name })));
    const progress: [number, number][] = [];
    const r = await runNatsSweep(config, fixture.configFile, axes, { url: server.url, data: [fixture.data], onRow: (done, total) => progress.push([done, total]) });
    await Promise.all(workers.map((w) => w.stop()));
    expect(r.rows).toEqual(local);
    expect(progress).toEqual([1, 2, 3, 4, 5, 6].map((n) => [n, 6]));
    expect([r.published, r.resumed]).toEqual([6, 0]);
    expect(workers.reduce((a, w) => a + w.stats.completed, 0)).toBe(6);
    expect(await leftOver()).toEqual([0, 0]);

    // The same sweep again (within the duplicate window): published anew, the same rows.
    const w = await SweepWorker.start({ url: server.url, name: 'again' });
    const again = await runNatsSweep(config, fixture.configFile, axes, { url: server.url, data: [fixture.data] });
    await w.stop();
    expect(again.rows).toEqual(local);
    expect([again.sweep, again.published, w.stats.completed]).toEqual([r.sweep, 6, 6]);
  }, 300_000);

  it('a coordinator killed mid-sweep and started again with the same arguments resumes: the runs done count, the rest are run, the rows are the local ones', async () => {
    // The first coordinator, a process of its own, publishes the jobs; one worker runs some of them.
    const first = legato(['backtest', '--config', fixture.configFile, '--data', fixture.data, ...grid.flatMap((g) => ['--sweep', g]), '--nats', server.url]);
    await first.line(/published on/);
    const w1 = await SweepWorker.start({ url: server.url, name: 'w1' });
    await until(() => w1.stats.completed >= 2);
    await w1.stop('finish');
    first.child.kill('SIGKILL');
    await first.exit;
    const doneBefore = w1.stats.completed;
    expect(doneBefore).toBeGreaterThanOrEqual(2);
    expect(doneBefore).toBeLessThan(6);

    // The second finds those results, publishes nothing (the rest are still queued), and the rows come out whole.
    const w2 = await SweepWorker.start({ url: server.url, name: 'w2' });
    const second = await runNatsSweep(config, fixture.configFile, axes, { url: server.url, data: [fixture.data] });
    await w2.stop();
    expect([second.resumed, second.published]).toEqual([doneBefore, 0]);
    expect(w2.stats.completed).toBe(6 - doneBefore);
    expect(second.rows).toEqual(local);
    expect(await leftOver()).toEqual([0, 0]);
  }, 300_000);
});
