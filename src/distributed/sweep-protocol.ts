import { createHash } from 'node:crypto';
import { AckPolicy, DeliverPolicy, RetentionPolicy, StorageType, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { SWEEP_KEYS, type SweepRow } from '../backtest/sweep.js';
import type { ConfigInput } from '../config/schema.js';
import { LegatoError } from '../domain/errors.js';
import { NatsUnavailableError } from './nats.js';

/**
 * What a distributed sweep puts on NATS JetStream (docs/distributed.md, Distributed sweeps): the streams, their subjects, the
 * job and result messages, their ids, and the checks every received message passes before it is used.
 *
 * - Jobs: stream LEGATO_SWEEP_JOBS (work-queue retention: a job leaves the stream when a worker acks it), subject
 *   `legato.sweep.job.<sweep>.<job>`, message id `<sweep>.<job>` (a job published again within the duplicate window is
 *   dropped; see jobMsgId for a sweep run again after it finished). One durable pull consumer, `legato-sweep-workers`, shared by every worker.
 * - Results: stream LEGATO_SWEEP_RESULTS (limits retention, kept 7 days), subject `legato.sweep.result.<sweep>`,
 *   message id `result.<sweep>.<job>.<job message's stream sequence>`; the coordinator counts the first result of each job and ignores the others.
 */

export const JOBS_STREAM = 'LEGATO_SWEEP_JOBS';
export const RESULTS_STREAM = 'LEGATO_SWEEP_RESULTS';
export const WORKERS_CONSUMER = 'legato-sweep-workers';
export const DEFAULT_ACK_WAIT_MS = 30_000;
/** A job delivered this many times without an ack (each worker running it died) is given up: its row is an error. */
export const MAX_DELIVER = 5;
/** The largest job or result message read (a config and its paths are a few kB). */
export const MAX_MESSAGE_BYTES = 1 << 20;
const DUPLICATE_WINDOW_MS = 10 * 60_000;
const RESULTS_MAX_AGE_MS = 7 * 24 * 3_600_000;
const nanos = (ms: number): number => ms * 1_000_000;

export const jobSubject = (sweep: string, job: string): string => `legato.sweep.job.${sweep}.${job}`;
export const jobsOfSweep = (sweep: string): string => `legato.sweep.job.${sweep}.>`;
export const resultSubject = (sweep: string): string => `legato.sweep.result.${sweep}`;
/** A job's message id: `<sweep>.<job>`, then `<sweep>.<job>.<n>` for the same sweep run again within the duplicate window. */
export const jobMsgId = (sweep: string, job: string, generation = 0): string => `${sweep}.${job}${generation ? `.${generation}` : ''}`;
/** A result's message id: the job and the stream sequence of the job message run (each redelivery of it has the same). */
export const resultMsgId = (sweep: string, job: string, jobSeq: number): string => `result.${sweep}.${job}.${jobSeq}`;
export const maxDeliveriesAdvisory = `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${JOBS_STREAM}.${WORKERS_CONSUMER}`;

/** One run of a sweep: everything a worker needs, nothing of where it came from. */
export interface JobContent {
  /** The base config as the coordinator parsed it (the combination is applied by the worker). */
  raw: ConfigInput;
  /** The config's file name: relative files in it (funding) are read from its folder. */
  source: string;
  data: string[];
  badData: 'skip' | 'stop';
  timeZone: string | null;
  params: Record<string, string>;
}

export interface JobMessage extends JobContent {
  v: 1;
  sweep: string;
  job: string;
}

export interface ResultMessage {
  v: 1;
  sweep: string;
  job: string;
  row: SweepRow;
  /** Who ran it and on which delivery (1 the first time), for the record. */
  worker: string;
  delivery: number;
}

/** JSON with object keys sorted, so equal content hashes equally whatever the key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

/** A job's id: the hash of its content (config, data, combination), 32 hex digits. */
export const jobId = (content: JobContent): string => sha(canonical({ v: 1, ...content })).slice(0, 32);

/** A sweep's id: the hash of its jobs in order, 16 hex digits; the same arguments give the same sweep. */
export const sweepId = (jobs: readonly string[]): string => sha(jobs.join('\n')).slice(0, 16);

/** Why a received message cannot be used (named in the log and the term reason), or its content. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

function parseJson(data: Uint8Array): Parsed<Record<string, unknown>> {
  if (data.length > MAX_MESSAGE_BYTES) return { ok: false, reason: `message of ${data.length} bytes, more than ${MAX_MESSAGE_BYTES}` };
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch (e) {
    return { ok: false, reason: `not JSON (${e instanceof Error ? e.message.slice(0, 100) : 'unreadable'})` };
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return { ok: false, reason: 'not a JSON object' };
  return { ok: true, value: v as Record<string, unknown> };
}

const HEX = (n: number): RegExp => new RegExp(`^[0-9a-f]{${n}}$`);
const isString = (v: unknown, max = 4096): v is string => typeof v === 'string' && v.length > 0 && v.length <= max && !v.includes('\0');

/** Checks a job message byte by byte: it may come from anyone who can publish on the subject. */
export function parseJob(data: Uint8Array, subject: string): Parsed<JobMessage> {
  const json = parseJson(data);
  if (!json.ok) return json;
  const m = json.value;
  const bad = (reason: string): Parsed<JobMessage> => ({ ok: false, reason });
  if (m['v'] !== 1) return bad(`unknown job version ${JSON.stringify(m['v'])?.slice(0, 20)}`);
  const sweep = m['sweep'];
  const job = m['job'];
  if (typeof sweep !== 'string' || !HEX(16).test(sweep)) return bad('sweep is not 16 hex digits');
  if (typeof job !== 'string' || !HEX(32).test(job)) return bad('job is not 32 hex digits');
  if (subject !== jobSubject(sweep, job)) return bad(`subject ${subject.slice(0, 120)} does not match the job's sweep and id`);
  const raw = m['raw'];
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return bad('raw (the config) is not an object');
  if (!Array.isArray((raw as Record<string, unknown>)['strategies'])) return bad('raw.strategies is not a list');
  if (!(raw as { strategies: unknown[] }).strategies.every((s) => s !== null && typeof s === 'object' && !Array.isArray(s))) return bad('raw.strategies holds something other than objects');
  if (!isString(m['source'])) return bad('source is not a file name');
  const dataPaths = m['data'];
  if (!Array.isArray(dataPaths) || dataPaths.length === 0 || dataPaths.length > 1000 || !dataPaths.every((p) => isString(p))) return bad('data is not a list of 1 to 1000 paths');
  if (m['badData'] !== 'skip' && m['badData'] !== 'stop') return bad('badData is not skip or stop');
  const tz = m['timeZone'];
  if (tz !== null && !isString(tz, 100)) return bad('timeZone is not a zone name or null');
  const params = m['params'];
  if (params === null || typeof params !== 'object' || Array.isArray(params)) return bad('params is not an object');
  const entries = Object.entries(params as Record<string, unknown>);
  if (entries.length > Object.keys(SWEEP_KEYS).length) return bad('params has more keys than there are sweep parameters');
  for (const [k, v] of entries) {
    if (!Object.hasOwn(SWEEP_KEYS, k)) return bad(`params.${k.slice(0, 40)} is not a sweep parameter`);
    if (typeof v !== 'string' || !/^-?(\d+(\.\d*)?|\.\d+)$/.test(v) || v.length > 40) return bad(`params.${k} is not a number`);
  }
  const content: JobContent = {
    raw: raw as ConfigInput,
    source: m['source'] as string,
    data: dataPaths as string[],
    badData: m['badData'],
    timeZone: tz as string | null,
    params: params as Record<string, string>,
  };
  let id: string;
  try {
    id = jobId(content);
  } catch (e) {
    return bad(`the job cannot be read (${e instanceof RangeError ? 'nested too deeply' : e instanceof Error ? e.message.slice(0, 100) : 'unreadable'})`);
  }
  if (id !== job) return bad('job id does not match its content');
  return { ok: true, value: { v: 1, sweep, job, ...content } };
}

const isDecimalText = (v: unknown): boolean => typeof v === 'string' && v.length <= 60 && /^-?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(v);
const isCount = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Checks a result message (from a worker, still bytes from a socket). */
export function parseResult(data: Uint8Array, sweep: string): Parsed<ResultMessage> {
  const json = parseJson(data);
  if (!json.ok) return json;
  const m = json.value;
  const bad = (reason: string): Parsed<ResultMessage> => ({ ok: false, reason });
  if (m['v'] !== 1) return bad('unknown result version');
  if (m['sweep'] !== sweep) return bad('result of another sweep');
  if (typeof m['job'] !== 'string' || !HEX(32).test(m['job'])) return bad('job is not 32 hex digits');
  const row = m['row'] as Record<string, unknown> | null;
  if (row === null || typeof row !== 'object' || Array.isArray(row)) return bad('row is not an object');
  if (!isCount(row['executions']) || !isCount(row['units'])) return bad('row.executions or row.units is not a count');
  if (!(row['pnl'] === null || isDecimalText(row['pnl']))) return bad('row.pnl is not a decimal or null');
  if (!isDecimalText(row['maxNakedNotional']) || !isDecimalText(row['nakedNotionalSeconds'])) return bad('row exposure is not a decimal');
  if (!(row['meanSlippage'] === null || isDecimalText(row['meanSlippage']))) return bad('row.meanSlippage is not a decimal or null');
  if (row['error'] !== undefined && !isString(row['error'], 10_000)) return bad('row.error is not text');
  if (typeof m['worker'] !== 'string' || !isCount(m['delivery'])) return bad('worker or delivery missing');
  const clean: SweepRow = {
    params: {},
    executions: row['executions'] as number,
    units: row['units'] as number,
    pnl: row['pnl'] as string | null,
    maxNakedNotional: row['maxNakedNotional'] as string,
    nakedNotionalSeconds: row['nakedNotionalSeconds'] as string,
    meanSlippage: row['meanSlippage'] as string | null,
    ...(row['error'] !== undefined ? { error: row['error'] as string } : {}),
  };
  return { ok: true, value: { v: 1, sweep, job: m['job'], row: clean, worker: m['worker'].slice(0, 200), delivery: m['delivery'] as number } };
}

/** The server refused or failed an operation of the sweep (after the connection was made), or holds its streams in a form it cannot use: named, with what. */
export class NatsSweepError extends LegatoError {
  override name = 'NatsSweepError';
}

/** The JetStream manager of a connection with the sweep's streams in place; NatsUnavailableError when the server has no JetStream. */
export async function openSweepStreams(nc: NatsConnection, url: string, opts: { ackWaitMs?: number } = {}): Promise<JetStreamManager> {
  try {
    const jsm = await jetstreamManager(nc);
    await ensureSweepStreams(jsm, opts);
    return jsm;
  } catch (e) {
    if (e instanceof LegatoError) throw e;
    throw new NatsUnavailableError(url, `its JetStream cannot be used (${e instanceof Error ? e.message : String(e)}); start the server with -js`);
  }
}

type StreamConfig = Parameters<JetStreamManager['streams']['add']>[0];
const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;

/** How an existing stream differs from what a sweep needs (its subjects, retention, and no limit that drops a message the sweep still needs). */
function streamDifferences(have: Partial<StreamConfig>, want: StreamConfig): string[] {
  const out: string[] = [];
  const subject = want.subjects![0]!;
  if (!(have.subjects ?? []).includes(subject)) out.push(`subjects ${(have.subjects ?? []).join(' ').slice(0, 200) || 'none'} instead of ${subject}`);
  if (have.retention !== want.retention) out.push(`retention ${have.retention} instead of ${want.retention}`);
  if ((have.max_msgs ?? -1) > 0) out.push(`at most ${plural(have.max_msgs!, 'message')}`);
  if ((have.max_bytes ?? -1) > 0) out.push(`at most ${plural(have.max_bytes!, 'byte')}`);
  if ((have.max_msgs_per_subject ?? -1) > 0) out.push(`at most ${plural(have.max_msgs_per_subject!, 'message')} per subject`);
  const age = have.max_age ?? 0;
  const wantAge = want.max_age ?? 0;
  if (age > 0 && (wantAge === 0 || age < wantAge)) out.push(`messages kept ${age / 1e9} s instead of ${wantAge ? `${wantAge / 1e9} s` : 'until taken'}`);
  const size = have.max_msg_size ?? -1;
  if (size > 0 && size < MAX_MESSAGE_BYTES) out.push(`messages of at most ${plural(size, 'byte')} instead of ${MAX_MESSAGE_BYTES}`);
  return out;
}

/** How the existing workers' consumer differs from the one every worker shares (the ack wait is set by workers: not a difference). */
function consumerDifferences(have: { ack_policy?: string; deliver_policy?: string; filter_subject?: string; filter_subjects?: string[]; max_deliver?: number; deliver_subject?: string }): string[] {
  const out: string[] = [];
  if (have.deliver_subject) out.push(`push delivery to ${have.deliver_subject.slice(0, 100)} instead of pull`);
  if (have.ack_policy !== AckPolicy.Explicit) out.push(`ack policy ${have.ack_policy} instead of explicit`);
  if (have.deliver_policy !== DeliverPolicy.All) out.push(`deliver policy ${have.deliver_policy} instead of all`);
  if (have.filter_subject) out.push(`filter subject ${have.filter_subject.slice(0, 200)}`);
  if (have.filter_subjects?.length) out.push(`filter subjects ${have.filter_subjects.join(' ').slice(0, 200)}`);
  if (have.max_deliver !== MAX_DELIVER) out.push(`max deliveries ${have.max_deliver} instead of ${MAX_DELIVER}`);
  return out;
}

/**
 * Creates the streams and the workers' consumer when missing. Existing ones are used as they are when they fit; one
 * left with another config (by another program or an older run) that would lose jobs or results, or hand a worker
 * none, is a NatsSweepError naming the differences, rather than a sweep that waits for ever.
 */
export async function ensureSweepStreams(jsm: JetStreamManager, opts: { ackWaitMs?: number } = {}): Promise<void> {
  const add = async (cfg: StreamConfig): Promise<void> => {
    let have;
    try {
      have = (await jsm.streams.info(cfg.name)).config;
    } catch {
      try {
        await jsm.streams.add(cfg);
        return;
      } catch (e) {
        // Another process created it meanwhile.
        have = (
          await jsm.streams.info(cfg.name).catch(() => {
            throw e;
          })
        ).config;
      }
    }
    const differences = streamDifferences(have, cfg);
    if (differences.length > 0) throw new NatsSweepError(`the stream ${cfg.name} exists with another config (${differences.join(', ')}): remove it (nats stream rm ${cfg.name}) and start again`);
  };
  await add({
    name: JOBS_STREAM,
    subjects: ['legato.sweep.job.>'],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    max_msg_size: MAX_MESSAGE_BYTES,
  });
  await add({
    name: RESULTS_STREAM,
    subjects: ['legato.sweep.result.>'],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    max_age: nanos(RESULTS_MAX_AGE_MS),
    max_msg_size: MAX_MESSAGE_BYTES,
  });
  const misfit = (config: Parameters<typeof consumerDifferences>[0]): void => {
    const differences = consumerDifferences(config);
    if (differences.length > 0) {
      throw new NatsSweepError(
        `the workers' consumer ${WORKERS_CONSUMER} of stream ${JOBS_STREAM} exists with another config (${differences.join(', ')}): remove it (nats consumer rm ${JOBS_STREAM} ${WORKERS_CONSUMER}) and start again`,
      );
    }
  };
  let exists = false;
  try {
    const info = await jsm.consumers.info(JOBS_STREAM, WORKERS_CONSUMER);
    exists = true;
    misfit(info.config);
    if (opts.ackWaitMs !== undefined && info.config.ack_wait !== nanos(opts.ackWaitMs)) {
      await jsm.consumers.update(JOBS_STREAM, WORKERS_CONSUMER, { ack_wait: nanos(opts.ackWaitMs) });
    }
  } catch (e) {
    if (exists) throw e;
    try {
      await jsm.consumers.add(JOBS_STREAM, {
        durable_name: WORKERS_CONSUMER,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: nanos(opts.ackWaitMs ?? DEFAULT_ACK_WAIT_MS),
        max_deliver: MAX_DELIVER,
      });
    } catch (again) {
      const info = await jsm.consumers.info(JOBS_STREAM, WORKERS_CONSUMER).catch(() => {
        throw again;
      });
      misfit(info.config);
    }
  }
}
