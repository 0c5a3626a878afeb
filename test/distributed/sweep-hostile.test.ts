import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import { jobId, jobSubject, RESULTS_STREAM, resultSubject } from '../../src/distributed/sweep-protocol.js';
import { SweepWorker } from '../../src/distributed/worker.js';
import { natsServerMissing, startNatsServer, type NatsServer } from '../helpers/nats-server.js';
import { config, until, writeData } from './sweep-fixture.js';

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
