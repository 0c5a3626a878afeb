import { existsSync, statSync } from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { ConfigInput, SweepAxis, SweepOptions, SweepRow } from '../index.js';
import { NatsUnavailableError } from '../distributed/nats.js';
import { NatsSweepError, runNatsSweep } from '../distributed/sweep-coordinator.js';
import { SweepWorker } from '../distributed/worker.js';
import { decimalOption } from './options.js';

/**
 * The distributed sweep on the command line (docs/distributed.md, Distributed sweeps): `legato worker --nats <url>`, and the
 * `--nats <url>` option of `legato backtest --sweep`, which hands the sweep's runs to the workers instead of threads.
 */

interface Io {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  setExit: (code: number) => void;
}

interface WorkerFlags {
  nats: string;
  dataRoot?: string;
  ackWait?: number;
  jobTimeLimit?: number;
  name?: string;
}

function parseSeconds(v: string): number {
  const n = decimalOption(v);
  if (!Number.isFinite(n) || n < 0.1 || n > 3600) throw new InvalidArgumentError('must be a number of seconds from 0.1 to 3600.');
  return n;
}

/** A job's time limit: from 1 s to a week. */
function parseLimit(v: string): number {
  const n = decimalOption(v);
  if (!Number.isFinite(n) || n < 1 || n > 604_800) throw new InvalidArgumentError('must be a number of seconds from 1 to 604800 (a week).');
  return n;
}

/** The backtest command's option. */
export const natsOption = (): Option =>
  new Option('--nats <url>', 'with --sweep: run the sweep on `legato worker` processes through this NATS server (JetStream on), e.g. nats://127.0.0.1:4222');

/** A flag of a distributed sweep that does not fit the others: the message, else null (checked before anything runs). */
export function natsFlagProblem(flags: { nats?: string; sweep?: string[]; workers?: number }): string | null {
  if (flags.nats === undefined) return null;
  if (!flags.sweep) return '--nats hands the runs of a sweep to workers; without --sweep there is one run: leave --nats out';
  if (flags.workers !== undefined) return '--workers sets the threads of a local sweep; with --nats the runs go to `legato worker` processes: leave one out';
  return null;
}

/** Errors of a distributed sweep that are the user's to fix (exit 2, the message only). */
export const isNatsError = (e: unknown): e is NatsUnavailableError | NatsSweepError => e instanceof NatsUnavailableError || e instanceof NatsSweepError;

/** `runSweep`'s shape, on the workers of a NATS server: the rows of a local sweep of the same grid. */
export function natsSweep(url: string, err: NodeJS.WritableStream) {
  return async (raw: ConfigInput, source: string, axes: readonly SweepAxis[], options: SweepOptions): Promise<SweepRow[]> =>
    (await runNatsSweep(raw, source, axes, { ...options, url, log: (line) => err.write(`${line}\n`) })).rows;
}

/** Adds `legato worker`. */
export function registerWorkerCommand(program: Command, io: Io): void {
  program
    .command('worker')
    .description(
      'Run the jobs of distributed sweeps (legato backtest --sweep … --nats <url>): pull one run at a time from the ' +
        "server's work queue, run it with the same engine, publish its row. Start any number, on any machine that sees the data.",
    )
    .requiredOption('--nats <url>', 'the NATS server (JetStream on), e.g. nats://127.0.0.1:4222')
    .option('--data-root <dir>', "read the jobs' relative data paths and config files from this folder, and refuse paths outside it (default: the current folder, not confined)")
    .addOption(new Option('--ack-wait <s>', "the ack wait of the workers' shared consumer, seconds: a job whose worker went silent this long goes to another (default: as set, 30 when created)").argParser(parseSeconds))
    .addOption(new Option('--job-time-limit <s>', 'the longest one job may run, seconds: a run still going then is ended and its row is an error (default 3600)').argParser(parseLimit))
    .option('--name <name>', 'this worker in logs and results (default host:pid)')
    .addHelpText(
      'after',
      `
Exit codes: 0 stopped by SIGINT or SIGTERM (the job in progress is given back at once, another worker runs it),
2 the server cannot be reached or bad arguments. A lost connection later is retried without end.
Log lines go to stderr: each job started and done, and each message refused (not a valid job) with the reason.

Examples:
  nats-server -js &                                   a server with JetStream
  legato worker --nats nats://127.0.0.1:4222 &        a worker (start one per core, on any machine)
  legato backtest -c examples/backtest-binance-basis.yaml --data ../shared/data/binance-btc-2024-08 \\
    --sweep longEntry=-34:-28:2 --nats nats://127.0.0.1:4222   the sweep, run by the workers`,
    )
    .action(async (flags: WorkerFlags) => {
      io.setExit(await workerCommand(flags, io.err));
    });
}

async function workerCommand(flags: WorkerFlags, err: NodeJS.WritableStream): Promise<number> {
  if (flags.dataRoot !== undefined && !(existsSync(flags.dataRoot) && statSync(flags.dataRoot).isDirectory())) {
    err.write(`legato: --data-root ${flags.dataRoot}: no such folder\n`);
    return 2;
  }
  let worker: SweepWorker;
  try {
    worker = await SweepWorker.start({
      url: flags.nats,
      ...(flags.dataRoot !== undefined ? { dataRoot: flags.dataRoot } : {}),
      ...(flags.ackWait !== undefined ? { ackWaitMs: Math.round(flags.ackWait * 1000) } : {}),
      ...(flags.jobTimeLimit !== undefined ? { jobTimeLimitMs: Math.round(flags.jobTimeLimit * 1000) } : {}),
      ...(flags.name !== undefined ? { name: flags.name } : {}),
      log: (line) => err.write(`${line}\n`),
    });
  } catch (e) {
    if (isNatsError(e)) {
      err.write(`legato: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const onSignal = (): void => void worker.stop('nak');
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await worker.done;
    if (worker.fatal) {
      err.write(`legato: worker stopped: ${worker.fatal}\n`);
      return 1;
    }
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
