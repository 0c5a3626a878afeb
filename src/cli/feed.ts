import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { commandConfig, parseInteger, parsePositive, parseSpeed } from './options.js';
import {
  ConfigErrors,
  DataError,
  LegatoError,
  Shard,
  defaultDataDir,
  journalStatus,
  runFeed,
  type EngineConfig,
  type MdCounts,
  type Progress,
  type ShardEvent,
  type Summary,
} from '../index.js';
import { formatSummary, time } from './format.js';
import { shownUrl } from '../distributed/nats.js';

/**
 * `legato feed` (the market-data fan-out's feed) and `legato run --md` (a strategy shard on it): docs/distributed.md.
 * A NATS URL's path names the venue of the subjects: `nats://127.0.0.1:4222/sim` publishes and subscribes on
 * `md.sim.<symbol>` and `mdtime.sim`; without a path the venue is `sim`.
 */

/** `nats://host:port[/venue]` → the server URL and the venue token, or the reason it is not one. */
export function parseMdUrl(v: string): { url: string; venue: string } | string {
  const m = /^((?:nats|tls|ws|wss):\/\/[^/\s]+)(?:\/([^/\s]*))?\/?$/.exec(v.trim());
  if (!m) return 'must be nats://host:port, optionally with the venue as its path (nats://host:port/sim)';
  const venue = m[2] === undefined || m[2] === '' ? 'sim' : m[2];
  if (!/^[A-Za-z0-9_:-]{1,64}$/.test(venue)) return `the venue "${venue.slice(0, 80)}" (the URL's path) must be 1 to 64 letters, digits, "_", ":" or "-"`;
  return { url: m[1]!, venue };
}

function parseUrlOption(v: string): { url: string; venue: string } {
  const r = parseMdUrl(v);
  if (typeof r === 'string') throw new InvalidArgumentError(`${r}.`);
  return r;
}


interface FeedFlags {
  nats: { url: string; venue: string };
  config?: string;
  data?: string[];
  badData: 'skip' | 'stop';
  tz?: string;
  speed: number | 'max';
  seed?: number;
  days?: number;
}

/** Adds `legato feed` to the program; its exit code goes to `setExit`. */
export function registerFeedCommand(program: Command, out: NodeJS.WritableStream, err: NodeJS.WritableStream, setExit: (code: number) => void): void {
  void out;
  program
    .command('feed')
    .description(
      "Publish a venue's leg quotes on NATS for strategy shards (`legato run --md`): the config's simulated market, or a " +
        'replay of recorded quotes (--data, with a replay config), on core subjects md.<venue>.<symbol> in a 56-byte binary frame, and its market time on mdtime.<venue>.',
    )
    .requiredOption('--nats <url>', 'the NATS server, nats://host:port; its path names the venue of the subjects (default sim): nats://127.0.0.1:4222/sim', parseUrlOption)
    .option('-c, --config <file>', 'YAML or JSON config: its simulated venue (default: the built-in demo), or with --data a replay config')
    .option('--data <paths...>', 'recorded quotes to replay (files or folders, as legato backtest takes them); the config must have venue.kind replay')
    .addOption(new Option('--bad-data <policy>', 'with --data: skip bad rows (reported) or stop at the first').choices(['skip', 'stop']).default('skip'))
    .option('--tz <zone>', "with --data: zone of ISO timestamps without an offset (default: the venue calendar's)")
    .addOption(new Option('--speed <N|max>', 'market seconds per real second, or max').default(60).argParser(parseSpeed))
    .addOption(new Option('--seed <N>', 'seed of the simulated market (overrides venue.seed)').argParser(parseInteger))
    .addOption(new Option('--days <N>', 'simulated days to publish (overrides run.days)').argParser(parsePositive))
    .addHelpText(
      'after',
      `
Core NATS keeps nothing: a shard sees what is published after it subscribed. Each subject is numbered from 1 (a
shard counts gaps), and a last time frame marked end tells the shards the feed has finished.
Exit codes: 0 published to the end (or stopped by SIGINT/SIGTERM), 2 bad arguments, an invalid config or data,
or a NATS server that cannot be reached.

Examples:
  legato feed --nats nats://127.0.0.1:4222 --config my.yaml --speed 60          the simulated market, 60x real time
  legato feed --nats nats://127.0.0.1:4222/binance -c examples/backtest-binance-basis.yaml \\
    --data ../shared/data/binance-btc-2024-08 --speed max                        a replay, as fast as it goes
  legato run --config shard-a.yaml --md nats://127.0.0.1:4222                  a shard trading on it`,
    )
    .action(async (flags: FeedFlags) => {
      setExit(await feedCommand(flags, err));
    });
}

async function feedCommand(flags: FeedFlags, err: NodeJS.WritableStream): Promise<number> {
  const config = commandConfig(flags, err);
  if (config === null) return 2;
  if (flags.data === undefined && (flags.tz !== undefined || flags.badData !== 'skip')) {
    err.write('legato: --tz and --bad-data read recorded quotes: they need --data\n');
    return 2;
  }
  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const counts = await runFeed(config, {
      url: flags.nats.url,
      venue: flags.nats.venue,
      ...(flags.data ? { data: flags.data } : {}),
      badData: flags.badData,
      ...(flags.tz ? { timeZone: flags.tz } : {}),
      speed: flags.speed,
      signal: abort.signal,
      onStart: (i) =>
        err.write(
          `legato feed: publishing ${i.subjects.join(', ')} on ${shownUrl(flags.nats.url)}, market time ${new Date(i.from).toISOString()} to ${new Date(i.until).toISOString()}` +
            `${i.data ? ` (${i.data.used} recorded rows)` : ''}, speed ${flags.speed}\n`,
        ),
    });
    err.write(
      `legato feed: ${abort.signal.aborted ? 'stopped' : 'done'}: ${counts.published} quotes published, ${counts.times} time frames` +
        `${counts.unencodable > 0 ? `, ${counts.unencodable} quotes beyond an exact frame not published` : ''}\n`,
    );
    return 0;
  } catch (e) {
    if (e instanceof LegatoError || e instanceof ConfigErrors || e instanceof DataError) {
      err.write(`legato: ${e.message}\n`);
      return 2;
    }
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The flags of `legato run` a shard reads (`--md` makes the run a shard). */
export interface ShardRunFlags {
  md: { url: string; venue: string };
  json?: boolean;
  dataDir?: string;
  resume?: boolean;
  unknownOrders?: 'cancel' | 'leave';
  venue?: string;
  speed?: number | 'max';
  inspect?: boolean;
  record?: string;
  existing?: string;
  controlFile?: string;
  fixCredentials?: string;
}

/** The `--md <url>` option's parser, for `legato run`. */
export const parseMdOption = parseUrlOption;

function dropped(c: MdCounts): string {
  const parts = Object.entries(c.dropped)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`);
  return parts.length > 0 ? parts.join(', ') : 'none';
}

/**
 * `legato run --md nats://…`: a strategy shard. It subscribes to the symbols its strategies trade, waits for the feed,
 * trades on paper against its quotes on the feed's market time, with a journal when given --data-dir or --resume.
 */
export async function shardRunCommand(config: EngineConfig, flags: ShardRunFlags, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const refuse = (
    [
      ['venue', '--venue: a shard trades on paper against the feed; it takes no venue process'],
      ['speed', '--speed: a shard runs on the feed\'s market time; the feed sets the pace (legato feed --speed)'],
      ['inspect', '--inspect does not work with --md yet'],
      ['record', '--record does not work with --md yet'],
      ['existing', '--existing: a shard\'s paper venue starts empty; there is nothing to adopt or refuse'],
      ['controlFile', '--control-file does not work with --md yet'],
      ['fixCredentials', '--fix-credentials is for a FIX venue'],
    ] as const
  ).find(([k]) => flags[k] !== undefined);
  if (refuse) {
    err.write(`legato: ${refuse[1]}\n`);
    return 2;
  }
  if (config.venue.kind !== 'simulated' && config.venue.kind !== 'replay') {
    err.write(`legato: --md: the config's venue must be kind simulated or replay (its instruments, latency and calendar make the paper venue), not ${config.venue.kind}\n`);
    return 2;
  }
  const dataDir = flags.dataDir !== undefined || flags.resume ? resolve(flags.dataDir ?? config.journal?.dir ?? defaultDataDir()) : undefined;
  if (dataDir !== undefined) {
    try {
      const st = journalStatus(dataDir);
      if (flags.resume && (st.lastRun === null || st.ended)) {
        err.write(`legato: nothing to resume in ${dataDir}: ${st.lastRun === null ? 'no run in it' : `run ${st.lastRun} has ended`}; start a run without --resume\n`);
        return 2;
      }
      if (!flags.resume && st.lastRun !== null && !st.ended) {
        err.write(`legato: ${st.file} holds run ${st.lastRun}, which has not ended: continue it with --resume, or use another data directory\n`);
        return 2;
      }
    } catch (e) {
      if (e instanceof LegatoError) {
        err.write(`legato: ${e.message}\n`);
        return 2;
      }
      throw e;
    }
  }
  const zone = config.venue.calendar.timeZone;
  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const onEvent = (e: ShardEvent): void => {
    if (e.kind === 'subscribed') err.write(`legato: md: subscribed to ${e.subjects.join(', ')} on ${shownUrl(flags.md.url)}; waiting for the feed\n`);
    else if (e.kind === 'started') err.write(`legato: ${flags.resume ? 'resuming' : 'running'} ${config.strategies.map((s) => s.spec.name).join(', ')} on the feed's quotes from ${time(e.at, zone)}${dataDir ? `; journal in ${dataDir}` : ''}\n`);
    else if (e.kind === 'disconnected') err.write('legato: md: lost the NATS server; the client reconnects, nothing trades meanwhile\n');
    else if (e.kind === 'reconnected') err.write('legato: md: reconnected; subscriptions resumed\n');
    else err.write(`legato: md: the feed has ended (${time(e.at, zone)})\n`);
  };
  let shard: Shard | undefined;
  try {
    shard = await Shard.open(
      config,
      {
        url: flags.md.url,
        venue: flags.md.venue,
        ...(dataDir !== undefined ? { dataDir, resume: flags.resume === true } : {}),
        unknownOrders: flags.unknownOrders ?? config.journal?.unknownOrders ?? 'cancel',
        onWarning: (m) => err.write(`legato: warning: ${m}\n`),
        onEvent,
      },
      abort.signal,
    );
    if (!shard) {
      err.write('legato: interrupted while waiting for the feed; nothing traded\n');
      return 0;
    }
    const tty = 'isTTY' in err && (err as NodeJS.WriteStream).isTTY === true;
    const showProgress = (p: Progress): void => {
      const pct = Math.min(100, Math.round(((p.now - p.from) / Math.max(1, p.until - p.from)) * 100));
      const line = `${time(p.now, zone)} ${String(pct).padStart(3)}%  quotes ${p.quotes}  orders ${p.orders}  fills ${p.fills}  executions ${p.executions}`;
      err.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
    };
    const summary: Summary = await shard.run({ signal: abort.signal, onProgress: showProgress, progressEveryMs: tty ? 5 * 60_000 : 2 * 3_600_000 });
    if (tty) err.write('\n');
    const c = shard.counts;
    err.write(`legato: md: ${c.quotes} quotes and ${c.times} time frames applied; dropped: ${dropped(c)}; ${c.lost} lost in ${c.gaps} gaps; ${c.feedRestarts} feed restarts; ${c.reconnects} reconnections\n`);
    if (abort.signal.aborted) err.write('legato: interrupted; algos were stopped and the run ended cleanly\n');
    out.write(flags.json ? `${JSON.stringify({ ...summary, md: c }, null, 2)}\n` : `${formatSummary(summary, zone)}\n`);
    return summary.errors.length > 0 ? 1 : 0;
  } catch (e) {
    if (e instanceof LegatoError) {
      err.write(`legato: ${e.message}\n`);
      return 2;
    }
    throw e;
  } finally {
    await shard?.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
