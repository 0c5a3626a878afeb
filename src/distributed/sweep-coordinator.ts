import { jetstream, type ConsumerMessages, type JetStreamManager } from '@nats-io/jetstream';
import type { Subscription } from '@nats-io/transport-node';
import { combinations, type SweepAxis, type SweepOptions, type SweepRow } from '../backtest/sweep.js';
import type { ConfigInput } from '../config/schema.js';
import { LegatoError } from '../domain/errors.js';
import { closeNats, connectNats, shownUrl } from './nats.js';
import {
  JOBS_STREAM,
  MAX_DELIVER,
  RESULTS_STREAM,
  jobId,
  jobMsgId,
  jobSubject,
  jobsOfSweep,
  maxDeliveriesAdvisory,
  NatsSweepError,
  openSweepStreams,
  parseResult,
  resultSubject,
  sweepId,
  type JobContent,
} from './sweep-protocol.js';

/**
 * The coordinator of a distributed sweep (`legato backtest --sweep … --nats <url>`): the same combinations as a local
 * sweep, each published as a job, the rows collected from the workers' results and returned in combination order,
 * so the table, the reports and the CSV are a local sweep's. Restarted with the same arguments it resumes: the
 * results already in the stream count, and only the jobs neither done nor queued are published again.
 */

export interface NatsSweepOptions extends SweepOptions {
  /** The NATS server. */
  url: string;
  /** Lines for the user (published, resumed, a job given up, a result ignored). */
  log?: (line: string) => void;
}

export interface NatsSweepResult {
  rows: SweepRow[];
  sweep: string;
  /** Jobs published by this coordinator (not counting those found done or queued). */
  published: number;
  /** Runs whose results were already in the stream when it started. */
  resumed: number;
}

export { NatsSweepError };

/** Runs the sweep on the workers of the server at `url`; rows in combination order, as `runSweep` returns them. */
export async function runNatsSweep(raw: ConfigInput, source: string, axes: readonly SweepAxis[], options: NatsSweepOptions): Promise<NatsSweepResult> {
  try {
    return await coordinate(raw, source, axes, options);
  } catch (e) {
    if (e instanceof LegatoError) throw e;
    throw new NatsSweepError(`the sweep on ${shownUrl(options.url)} failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}

async function coordinate(raw: ConfigInput, source: string, axes: readonly SweepAxis[], options: NatsSweepOptions): Promise<NatsSweepResult> {
  const log = options.log ?? (() => undefined);
  const combos = combinations(axes);
  const base = { raw, source, data: options.data, badData: options.badData ?? 'skip', timeZone: options.timeZone ?? null } as const;
  const contents: JobContent[] = combos.map((params) => ({ ...base, params }));
  const ids = contents.map(jobId);
  const sweep = sweepId(ids);
  // A combination given twice is one job: its row fills every index it stands at.
  const indices = new Map<string, number[]>();
  ids.forEach((id, i) => indices.set(id, [...(indices.get(id) ?? []), i]));

  const nc = await connectNats(options.url, { name: `legato-sweep ${sweep}` });
  let results: ConsumerMessages | undefined;
  let advisories: Subscription | undefined;
  try {
    const jsm = await openSweepStreams(nc, options.url);
    const js = jetstream(nc);

    const rows: SweepRow[] = new Array(combos.length);
    const done = new Set<string>();
    let finished = 0;
    let resolveAll!: () => void;
    const all = new Promise<void>((r) => (resolveAll = r));
    const complete = (id: string, row: SweepRow): void => {
      if (done.has(id) || !indices.has(id)) return; // a result delivered twice counts once
      done.add(id);
      for (const i of indices.get(id)!) {
        rows[i] = { ...row, params: combos[i]! };
        options.onRow?.(++finished, combos.length);
      }
      if (done.size === indices.size) resolveAll();
    };

    // Every result of this sweep in the stream, from the first: those of an earlier coordinator, then new ones.
    const already = await subjectCount(jsm, RESULTS_STREAM, resultSubject(sweep));
    let seen = 0;
    let resolveCaughtUp!: () => void;
    const caughtUp = new Promise<void>((r) => (resolveCaughtUp = r));
    if (already === 0) resolveCaughtUp();
    // Should results expire between the count and the read (7 days old), the count is not reached: go on after a while
    // (a job published again is at worst run twice, and counted once).
    setTimeout(resolveCaughtUp, 15_000).unref();
    const oc = await js.consumers.get(RESULTS_STREAM, { filter_subjects: resultSubject(sweep) });
    results = await oc.consume();
    const reading = (async () => {
      for await (const m of results!) {
        seen++;
        const parsed = parseResult(m.data, sweep);
        if (!parsed.ok) log(`legato: sweep ${sweep}: ignored result message ${m.seq}: ${parsed.reason}`);
        else complete(parsed.value.job, parsed.value.row);
        if (seen >= already || m.info.pending === 0) resolveCaughtUp();
      }
    })();
    // A job that no worker finished in MAX_DELIVER deliveries (each one died running it) is given up as an error row.
    advisories = nc.subscribe(maxDeliveriesAdvisory, {
      callback: (e, msg) => {
        if (e) return;
        void (async () => {
          try {
            const seq = (msg.json() as { stream_seq?: unknown }).stream_seq;
            if (typeof seq !== 'number') return;
            const stored = await jsm.streams.getMessage(JOBS_STREAM, { seq });
            if (!stored) return;
            const [, , , s, id] = stored.subject.split('.');
            if (s !== sweep || !id || done.has(id) || !indices.has(id)) return;
            const reason = `no worker finished this run in ${MAX_DELIVER} deliveries`;
            log(`legato: sweep ${sweep}: job ${id} given up: ${reason}`);
            complete(id, { params: {}, executions: 0, units: 0, pnl: null, maxNakedNotional: '0', nakedNotionalSeconds: '0', meanSlippage: null, error: reason });
          } catch {
            // the advisory of another sweep's job, already purged
          }
        })();
      },
    });
    await caughtUp;

    // Jobs still in the work queue (waiting, or being run) are not published again.
    const queued = new Set(Object.keys((await jsm.streams.info(JOBS_STREAM, { subjects_filter: jobsOfSweep(sweep) })).state.subjects ?? {}).map((s) => s.split('.').at(-1)!));
    const resumed = done.size;
    let published = 0;
    for (const [id, at] of indices) {
      if (done.has(id) || queued.has(id)) continue;
      const body = JSON.stringify({ v: 1, sweep, job: id, ...contents[at[0]!]! });
      // Dropped as a duplicate: the job is queued after all (another coordinator of the same sweep), done, or it is
      // the same sweep run again within the duplicate window after the first finished: then it goes out under a
      // new generation of its message id.
      for (let generation = 0; generation < 100; generation++) {
        const ack = await js.publish(jobSubject(sweep, id), body, { msgID: jobMsgId(sweep, id, generation) });
        if (!ack.duplicate || done.has(id) || (await subjectCount(jsm, JOBS_STREAM, jobSubject(sweep, id))) > 0) break;
      }
      published++;
    }
    log(
      `legato: sweep ${sweep}: ${combos.length} runs; ${resumed ? `${resumed} done earlier, ` : ''}${queued.size ? `${queued.size} still queued, ` : ''}${published} published on ${shownUrl(options.url)}; waiting for workers (legato worker --nats ${shownUrl(options.url)})`,
    );
    if (done.size === indices.size) resolveAll();
    await all;
    await results.close();
    await reading;
    // Done: the sweep's results and any job left in the queue (given up) are removed; its rows are returned.
    await jsm.streams.purge(RESULTS_STREAM, { filter: resultSubject(sweep) });
    await jsm.streams.purge(JOBS_STREAM, { filter: jobsOfSweep(sweep) });
    return { rows, sweep, published, resumed };
  } finally {
    advisories?.unsubscribe();
    await results?.close().catch(() => undefined);
    await closeNats(nc);
  }
}

/** How many messages a stream holds on one subject. */
async function subjectCount(jsm: JetStreamManager, stream: string, subject: string): Promise<number> {
  const info = await jsm.streams.info(stream, { subjects_filter: subject });
  return info.state.subjects?.[subject] ?? 0;
}
