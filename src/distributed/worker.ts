import { hostname } from 'node:os';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { jetstream, type Consumer, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { SweepJob } from '../backtest/sweep.js';
import { closeNats, connectNats, shownUrl } from './nats.js';
import { JobThread } from './worker-runner.js';
import { DEFAULT_ACK_WAIT_MS, JOBS_STREAM, WORKERS_CONSUMER, openSweepStreams, parseJob, resultMsgId, resultSubject, type JobMessage, type ResultMessage } from './sweep-protocol.js';

/**
 * A sweep worker (`legato worker --nats <url>`): pulls one job at a time from the shared work-queue consumer, runs it
 * on its job thread with the same engine as a local sweep, publishes the row, then acks. While a run goes on it tells
 * the server it is working (every third of the ack wait), so a long run keeps its job; a worker that dies has its job
 * redelivered to another when the ack wait runs out. A message that is not a valid job is terminated (never
 * redelivered) with the reason, logged.
 */

export interface SweepWorkerOptions {
  url: string;
  /** Relative data paths and config sources are read from here; with it, paths outside it are refused. Default: the current folder, unconfined. */
  dataRoot?: string;
  /** The consumer's ack wait, ms: set on the shared consumer when given (default: as it is, 30 s when created). */
  ackWaitMs?: number;
  /** This worker's name in logs and results (default host:pid). */
  name?: string;
  /** Where log lines go (default: nowhere). */
  log?: (line: string) => void;
  /** How long one pull waits for a job before pulling again, ms (default 2000): also how long a stop may wait on an idle pull. */
  pullMs?: number;
  /**
   * The longest one job may run, ms (default one hour): a run still going then is ended and its row is an error,
   * published as its result, so a job that would never end (a hostile or mistaken config) holds no worker for ever
   * and goes to no other.
   */
  jobTimeLimitMs?: number;
}

/** The default of `SweepWorkerOptions.jobTimeLimitMs`. */
export const DEFAULT_JOB_TIME_LIMIT_MS = 3_600_000;

export interface SweepWorkerStats {
  completed: number;
  refused: number;
  naked: number;
}

export class SweepWorker {
  readonly stats: SweepWorkerStats = { completed: 0, refused: 0, naked: 0 };
  /** Settles when the worker has stopped (after `stop()`, or when its connection closed for good). */
  readonly done: Promise<void>;
  private stopping: 'finish' | 'nak' | undefined;
  /** Why the worker stopped by itself (its job thread cannot start), if it did. */
  fatal: string | undefined;
  private current: JsMsg | undefined;
  private readonly thread = new JobThread();
  private readonly log: (line: string) => void;
  private readonly name: string;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly consumer: Consumer,
    private readonly ackWaitMs: number,
    private readonly opts: SweepWorkerOptions,
  ) {
    this.log = opts.log ?? (() => undefined);
    this.name = opts.name ?? `${hostname()}:${process.pid}`;
    this.thread.warm();
    this.done = this.loop().finally(async () => {
      await this.thread.stop();
      await closeNats(this.nc);
    });
  }

  /** Connects (NatsUnavailableError when the server cannot be reached), makes the streams if missing, and starts pulling. */
  static async start(opts: SweepWorkerOptions): Promise<SweepWorker> {
    const nc = await connectNats(opts.url, { name: `legato-worker${opts.name ? ` ${opts.name}` : ''}` });
    try {
      const jsm = await openSweepStreams(nc, opts.url, opts.ackWaitMs !== undefined ? { ackWaitMs: opts.ackWaitMs } : {});
      const info = await jsm.consumers.info(JOBS_STREAM, WORKERS_CONSUMER);
      const js = jetstream(nc);
      const consumer = await js.consumers.get(JOBS_STREAM, WORKERS_CONSUMER);
      return new SweepWorker(nc, js, jsm, consumer, Math.round((info.config.ack_wait ?? DEFAULT_ACK_WAIT_MS * 1_000_000) / 1_000_000), opts);
    } catch (e) {
      await closeNats(nc);
      throw e;
    }
  }

  /**
   * Stops pulling. `finish`: the job in progress is finished and acked first; `nak`: it is given back at once (another
   * worker takes it) and its run ended. Resolves when the worker has stopped.
   */
  async stop(mode: 'finish' | 'nak' = 'finish'): Promise<void> {
    if (this.stopping !== 'nak') this.stopping = mode;
    if (mode === 'nak' && this.current) {
      const m = this.current;
      this.current = undefined;
      m.nak();
      this.stats.naked++;
      this.log(`legato: worker ${this.name}: gave back job ${m.subject.split('.').at(-1)} (stopping)`);
      await this.thread.stop();
    }
    await this.done;
  }

  private async loop(): Promise<void> {
    this.log(`legato: worker ${this.name}: pulling sweep jobs from ${shownUrl(this.opts.url)} (ack wait ${this.ackWaitMs} ms)`);
    while (!this.stopping && !this.nc.isClosed()) {
      let m: JsMsg | null;
      try {
        m = await this.consumer.next({ expires: this.opts.pullMs ?? 2_000 });
      } catch (e) {
        if (this.stopping || this.nc.isClosed()) break;
        this.log(`legato: worker ${this.name}: pull failed (${e instanceof Error ? e.message : String(e)}); retrying`);
        await new Promise((r) => setTimeout(r, 1_000));
        continue;
      }
      if (!m) continue;
      if (this.stopping) {
        m.nak();
        this.stats.naked++;
        break;
      }
      try {
        await this.handle(m);
      } catch (e) {
        // Nothing a message holds may stop the worker: whatever slipped past the checks ends that message only.
        if (this.current === m) this.current = undefined;
        await this.refuse(m, `the job failed the worker: ${e instanceof Error ? e.message.slice(0, 150) : 'unknown error'}`);
      }
    }
    this.log(`legato: worker ${this.name}: stopped (${this.stats.completed} jobs done, ${this.stats.refused} refused, ${this.stats.naked} given back)`);
  }

  private async handle(m: JsMsg): Promise<void> {
    const parsed = parseJob(m.data, m.subject);
    if (!parsed.ok) return this.refuse(m, parsed.reason);
    const job = parsed.value;
    const paths = this.paths(job);
    if (typeof paths === 'string') return this.refuse(m, paths);
    const delivery = m.info.deliveryCount;
    this.log(`legato: worker ${this.name}: job ${job.job} of sweep ${job.sweep} started (delivery ${delivery}) ${JSON.stringify(job.params)}`);
    this.current = m;
    const every = Math.max(50, Math.floor(this.ackWaitMs / 3));
    const heartbeat = setInterval(() => {
      if (this.current === m) m.working();
    }, every);
    const sweepJob: SweepJob = {
      raw: job.raw,
      source: paths.source,
      data: paths.data,
      badData: job.badData,
      ...(job.timeZone !== null ? { timeZone: job.timeZone } : {}),
      combos: [{ index: 0, params: job.params }],
    };
    let reply;
    const limit = this.opts.jobTimeLimitMs ?? DEFAULT_JOB_TIME_LIMIT_MS;
    try {
      reply = await this.thread.run(sweepJob, limit);
    } finally {
      clearInterval(heartbeat);
    }
    if (this.current !== m) return; // given back by stop('nak')
    this.current = undefined;
    if ('timedOut' in reply) {
      // The run's answer, as a row: given back, it would hold the next worker as long.
      const error = `the run went past the worker's time limit of ${seconds(limit)} s (legato worker --job-time-limit) and was ended`;
      reply = { row: { params: job.params, executions: 0, units: 0, pnl: null, maxNakedNotional: '0', nakedNotionalSeconds: '0', meanSlippage: null, error } };
    }
    if (!('row' in reply)) {
      // Not the run's answer (runSweepJob turns every error of a run into a row) but the thread's failure: the job
      // goes back, to this worker's next thread or another worker; after MAX_DELIVER tries the coordinator gives up.
      this.log(`legato: worker ${this.name}: job ${job.job} given back: ${reply.failed}`);
      m.nak(1_000);
      this.stats.naked++;
      if (reply.start) {
        this.fatal = reply.failed;
        this.stopping = 'finish';
      }
      return;
    }
    const row = reply.row;
    const result: ResultMessage = { v: 1, sweep: job.sweep, job: job.job, row, worker: this.name, delivery };
    try {
      await this.js.publish(resultSubject(job.sweep), JSON.stringify(result), { msgID: resultMsgId(job.sweep, job.job, m.info.streamSequence) });
    } catch (e) {
      // The result did not reach the stream: give the job back so it runs again.
      this.log(`legato: worker ${this.name}: could not publish the result of job ${job.job} (${e instanceof Error ? e.message : String(e)}); giving it back`);
      m.nak(1_000);
      this.stats.naked++;
      return;
    }
    // An ack after the ack wait may acknowledge a redelivery that another worker is running: harmless, since the
    // result is in and a second result of the same job is counted once.
    try {
      await m.ackAck();
    } catch {
      m.ack();
    }
    this.stats.completed++;
    this.log(`legato: worker ${this.name}: job ${job.job} done${row.error ? ` (error: ${row.error})` : ''}`);
  }

  private async refuse(m: JsMsg, reason: string): Promise<void> {
    this.stats.refused++;
    this.log(`legato: worker ${this.name}: refused job message ${m.seq} on ${m.subject.slice(0, 120)}: ${reason}`);
    m.term(reason.slice(0, 200));
    // A terminated message is never redelivered, but a work queue keeps it (nats-server 2.9): remove it.
    await this.jsm.streams.deleteMessage(JOBS_STREAM, m.info.streamSequence, false).catch(() => undefined);
  }

  /** The job's data paths and config source, read from the data root; a reason when one leaves a confining root. */
  private paths(job: JobMessage): { data: string[]; source: string } | string {
    const root = resolve(this.opts.dataRoot ?? '.');
    const confined = this.opts.dataRoot !== undefined;
    const place = (p: string): string | null => {
      if (!confined) return p; // as given, from the current folder: rows and their errors read as a local sweep's
      const full = resolve(root, p);
      const rel = relative(root, full);
      return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel)) ? full : null;
    };
    const data: string[] = [];
    for (const p of job.data) {
      const full = place(p);
      if (full === null) return `data path ${p.slice(0, 200)} is outside --data-root ${root}`;
      data.push(full);
    }
    const source = place(job.source);
    if (source === null) return `config source ${job.source.slice(0, 200)} is outside --data-root ${root}`;
    // The config itself names files too (a leg's funding file, read from the config's folder): confined the same way.
    if (confined) {
      const strategies = (job.raw as { strategies: unknown[] }).strategies;
      for (const [s, strategy] of strategies.entries()) {
        const legs = (strategy as { legs?: unknown }).legs;
        if (!Array.isArray(legs)) continue;
        for (const [l, leg] of legs.entries()) {
          const file = (leg as { funding?: { file?: unknown } } | null)?.funding?.file;
          if (typeof file !== 'string') continue;
          if (place(resolve(dirname(source), file)) === null) return `funding file ${file.slice(0, 200)} of strategies[${s}].legs[${l}] is outside --data-root ${root}`;
        }
      }
    }
    return { data, source };
  }
}

/** Milliseconds as seconds, without a trailing fraction when whole. */
function seconds(ms: number): string {
  return String(Math.round(ms) / 1000);
}
