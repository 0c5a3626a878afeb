import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AckPolicy, DeliverPolicy, RetentionPolicy, StorageType, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import { runNatsSweep } from '../../src/distributed/sweep-coordinator.js';
import { JOBS_STREAM, jobId, jobSubject, RESULTS_STREAM, resultSubject, WORKERS_CONSUMER } from '../../src/distributed/sweep-protocol.js';
import { SweepWorker } from '../../src/distributed/worker.js';
import { natsServerMissing, startNatsServer, type NatsServer } from '../helpers/nats-server.js';
import { axes, config, until, writeData } from './sweep-fixture.js';

const missing = natsServerMissing();

describe.skipIf(missing !== undefined)(`hostile sweep messages on NATS JetStream${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let server: NatsServer;
  let fixture: ReturnType<typeof writeData>;

  beforeAll(async () => {
    server = await startNatsServer();
    fixture = writeData(100);
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('a job whose config names a funding file outside --data-root is refused, named; the file is never read into a result', async () => {
    const secretDir = mkdtempSync(join(tmpdir(), 'legato-secret-'));
    const secret = join(secretDir, 'secret.csv');
    writeFileSync(secret, 'ts,rate\nTOP-SECRET-VALUE,1\n');
    const log: string[] = [];
    const worker = await SweepWorker.start({ url: server.url, name: 'confined', dataRoot: fixture.dir, log: (l) => log.push(l) });
    const nc = await connect({ servers: server.url });
    const js = jetstream(nc);
    const results: string[] = [];
    const sweep = 'cd'.repeat(8);
    const sub = nc.subscribe(resultSubject(sweep), { callback: (_e, m) => void results.push(m.string()) });
    const strategy = config.strategies![0]!;
    const legs = strategy.legs!.map((l, i) => (i === 0 ? { ...l, funding: { file: secret } } : l));
    const raw = { ...config, strategies: [{ ...strategy, legs }] } as ConfigInput;
    const relative = { ...config, strategies: [{ ...strategy, legs: strategy.legs!.map((l, i) => (i === 0 ? { ...l, funding: { file: '../../../../../../..' + secret } } : l)) }] } as ConfigInput;
    for (const r of [raw, relative]) {
      const content = { raw: r, source: 'ab.json', data: ['ab.csv'], badData: 'skip' as const, timeZone: null, params: { longEntry: '3' } };
      const id = jobId(content);
      await js.publish(jobSubject(sweep, id), JSON.stringify({ v: 1, sweep, job: id, ...content }));
    }
    await until(() => worker.stats.refused + worker.stats.completed === 2);
    await worker.stop();
    await nc.flush();
    sub.unsubscribe();
    await nc.close();
    expect(results.filter((r) => r.includes('TOP-SECRET-VALUE'))).toEqual([]);
    expect(worker.stats).toEqual({ completed: 0, refused: 2, naked: 0 });
    const refusals = log.filter((l) => l.includes('refused job message'));
    expect(refusals[0]).toContain(`: funding file ${secret} of strategies[0].legs[0] is outside --data-root ${fixture.dir}`);
    expect(refusals[1]).toContain(`: funding file ../../../../../../..${secret} of strategies[0].legs[0] is outside --data-root ${fixture.dir}`);
  }, 120_000);
});

describe.skipIf(missing !== undefined)(`sweep streams and consumer left behind with another config${missing ? ` (skipped: ${missing})` : ''}`, () => {
  /** What a promise came to within a generous bound (never a measure of speed): its error's name and message, 'ok', or 'still waiting'. */
  async function outcome(p: Promise<unknown>, ms = 30_000): Promise<string> {
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<string>((r) => (timer = setTimeout(() => r('still waiting'), ms)));
    const settled = p.then(
      () => 'ok',
      (e: Error) => `${e.name}: ${e.message}`,
    );
    try {
      return await Promise.race([settled, bound]);
    } finally {
      clearTimeout(timer);
    }
  }

  it("a workers' consumer with a subject filter and no delivery limit: the worker and the coordinator refuse it, named (not a sweep waiting for ever)", async () => {
    const server = await startNatsServer();
    const fixture = writeData(100);
    try {
      const nc = await connect({ servers: server.url });
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({ name: JOBS_STREAM, subjects: ['legato.sweep.job.>'], retention: RetentionPolicy.Workqueue, storage: StorageType.File });
      await jsm.consumers.add(JOBS_STREAM, { durable_name: WORKERS_CONSUMER, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, filter_subject: 'legato.sweep.job.0000000000000000.>', max_deliver: -1 });
      await nc.close();
      const why = `the workers' consumer ${WORKERS_CONSUMER} of stream ${JOBS_STREAM} exists with another config (filter subject legato.sweep.job.0000000000000000.>, max deliveries -1 instead of 5): remove it (nats consumer rm ${JOBS_STREAM} ${WORKERS_CONSUMER}) and start again`;
      expect(await outcome(SweepWorker.start({ url: server.url, name: 'w' }))).toBe(`NatsSweepError: ${why}`);
      expect(await outcome(runNatsSweep(config, fixture.configFile, axes, { url: server.url, data: [fixture.data] }))).toBe(`NatsSweepError: ${why}`);
    } finally {
      await server.stop();
    }
  }, 120_000);

  it('a results stream that keeps one message per subject and a minute of them: refused, named (results of a sweep would be lost)', async () => {
    const server = await startNatsServer();
    const fixture = writeData(100);
    try {
      const nc = await connect({ servers: server.url });
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({ name: RESULTS_STREAM, subjects: ['legato.sweep.result.>'], retention: RetentionPolicy.Limits, storage: StorageType.Memory, max_msgs_per_subject: 1, max_age: 60_000_000_000 });
      await nc.close();
      const why = `the stream ${RESULTS_STREAM} exists with another config (at most 1 message per subject, messages kept 60 s instead of 604800 s): remove it (nats stream rm ${RESULTS_STREAM}) and start again`;
      expect(await outcome(SweepWorker.start({ url: server.url, name: 'w' }))).toBe(`NatsSweepError: ${why}`);
      expect(await outcome(runNatsSweep(config, fixture.configFile, axes, { url: server.url, data: [fixture.data] }))).toBe(`NatsSweepError: ${why}`);
    } finally {
      await server.stop();
    }
  }, 120_000);
});
