import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  Decimal,
  DurableEngine,
  FixAcceptor,
  FixCredentialsError,
  FixUnavailableError,
  FixVenue,
  FixVenueError,
  JOURNAL_FILE,
  LegatoError,
  RemoteVenue,
  RemoteVenueError,
  SocketPathError,
  VenueHost,
  VenueServer,
  calendarFor,
  checkVenueCapabilities,
  defaultDataDir,
  fixCredentials,
  readPem,
  journalStatus,
  journalledSummary,
  type EngineConfig,
  type FixCredentials,
  type InstrumentInfo,
  type Progress,
  type SimVenueSpec,
  type WireStats,
} from '../index.js';
import { CONTROL_FILE, PID_FILE, listenForControl } from './control.js';
import { formatSummary, time } from './format.js';
import { runEndLine, tradingStart, venueFactsLine } from './venue-facts.js';

export interface DurableFlags {
  speed: number | 'max';
  json?: boolean;
  venue?: string;
  dataDir?: string;
  resume?: boolean;
  unknownOrders?: 'cancel' | 'leave';
  /** A fresh run on a venue that already holds positions or open orders in its symbols: refuse (default), adopt or ignore them. */
  existing?: 'refuse' | 'adopt' | 'ignore';
  /** A FIX venue's credentials file (KEY=value, chmod 600); default: the LEGATO_FIX_* environment. */
  fixCredentials?: string;
}

/** A venue outside the process: a venue process over JSON lines, or a FIX venue. */
type OutsideVenue = RemoteVenue | FixVenue;

/** `fix://host:port` (an IPv6 host in brackets), or undefined when `address` is not a fix:// address. */
export function parseFixAddress(address: string): { host: string; port: number } | undefined {
  const m = /^fix:\/\/(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})\/?$/.exec(address);
  if (!m) return undefined;
  const port = Number(m[2]);
  if (port < 1 || port > 65_535) return undefined;
  return { host: m[1]!.replace(/^\[(.*)\]$/, '$1'), port };
}

/** What a FIX run connects to: the config's venue (venue.kind: fix) or `--venue fix://host:port` (a venue process). */
interface FixTarget {
  host: string;
  port: number;
  label: string;
  heartbeatSeconds: number;
  storeDir: string | undefined;
  clock: 'wall' | 'venue';
  instruments: InstrumentInfo[];
  account?: string;
  marketData: boolean;
  positions: boolean;
}

function fixTarget(config: EngineConfig, venue: string | undefined): FixTarget | undefined {
  const v = config.venue;
  const units = (list: readonly { symbol: string; tickSize: string; lotSize: string }[]): InstrumentInfo[] =>
    list.map((i) => ({ symbol: i.symbol, tickSize: new Decimal(i.tickSize), lotSize: new Decimal(i.lotSize) }));
  if (v.kind === 'fix') {
    return {
      host: v.host,
      port: v.port,
      label: `fix://${v.host.includes(':') ? `[${v.host}]` : v.host}:${v.port}`,
      heartbeatSeconds: v.heartbeatSeconds,
      storeDir: v.storeDir,
      clock: v.clock,
      instruments: units(v.instruments),
      ...(v.account !== undefined ? { account: v.account } : {}),
      marketData: v.marketData,
      positions: v.positions,
    };
  }
  const address = venue === undefined ? undefined : parseFixAddress(venue);
  if (!address || v.kind !== 'simulated') return undefined;
  // The venue process (`legato venue --protocol fix`) runs this config's market: its instruments, its clock. Each
  // side judges the other by the HeartBtInt the other announced: the venue announces 1 s (lost after 2.5 s of
  // silence, as the JSON-lines venue after 3 s); the engine announces 3 s, so a busy engine (starting up beside
  // other processes) is dropped only after 7.5 s.
  return { ...address, label: venue!, heartbeatSeconds: 3, storeDir: undefined, clock: 'venue', instruments: units(v.instruments), marketData: true, positions: true };
}

/**
 * The run's venue flags against its config, checked before anything starts: the message when they do not fit,
 * else null. A config naming a FIX venue takes no --venue; --fix-credentials needs a FIX venue.
 */
export function checkVenueFlags(config: EngineConfig, flags: Pick<DurableFlags, 'venue' | 'fixCredentials'>): string | null {
  if (flags.venue !== undefined && flags.venue.startsWith('fix:') && !parseFixAddress(flags.venue)) {
    return `--venue ${flags.venue}: a FIX venue is fix://host:port (port 1 to 65535; an IPv6 host in brackets)`;
  }
  if (config.venue.kind === 'fix' && flags.venue !== undefined) {
    return `--venue ${flags.venue}: the config names its FIX venue (venue.kind: fix, venue.host ${config.venue.host}, venue.port ${config.venue.port}); run it without --venue`;
  }
  if (flags.fixCredentials !== undefined && config.venue.kind !== 'fix' && !(flags.venue !== undefined && parseFixAddress(flags.venue))) {
    return '--fix-credentials is for a FIX venue (--venue fix://host:port, or venue.kind: fix in the config)';
  }
  return null;
}

/**
 * What a venue already holds in the run's symbols (positions, and open orders whatever sent them), as lines
 * naming each; empty when nothing. A fresh run over them would trade its target again on top.
 */
export async function existingAtVenue(config: EngineConfig, venue: OutsideVenue): Promise<{ lines: string[]; positions: Record<string, number> }> {
  const symbols = new Set(config.strategies.flatMap((s) => s.definition.legs.map((l) => l.symbol)));
  const first = await venue.sync([]);
  const held = Object.entries(first.positions).filter(([symbol, lots]) => symbols.has(symbol) && lots !== 0);
  const lines = held.map(([symbol, lots]) => `position ${symbol} ${lots > 0 ? '+' : ''}${lots} lots`);
  if (first.open.length > 0) {
    const open = await venue.sync(first.open);
    for (const o of open.orders) if (o.symbol !== undefined && symbols.has(o.symbol)) lines.push(`open order ${o.clientId} (${o.symbol} ${o.side === 1 ? 'buy' : 'sell'} ${o.qty})`);
  }
  return { lines, positions: Object.fromEntries(held) };
}

/** The data directory holds a run that has not ended (a fresh start is refused for that reason, with its own message). */
function hasUnfinishedRun(dataDir: string): boolean {
  const st = journalStatus(dataDir);
  return st.lastRun !== null && !st.ended;
}

/** A Node system error (EACCES, EISDIR, …): its message names the call and the path. */
function isSystemError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && typeof (e as NodeJS.ErrnoException).syscall === 'string';
}

/**
 * Whether a run keeps a journal: it names a data directory, resumes, uses a venue process, its config has
 * `journal`, or its venue is a FIX venue (a real venue outlives the engine: a run on one is always journalled).
 */
export function wantsJournal(flags: Pick<DurableFlags, 'venue' | 'dataDir' | 'resume'>, config: EngineConfig): boolean {
  return flags.venue !== undefined || flags.dataDir !== undefined || flags.resume === true || config.journal !== undefined || config.venue.kind === 'fix';
}

/** `legato run` with a journal (and possibly a venue process): start or resume, run, stop cleanly. */
export async function durableRun(config: EngineConfig, flags: DurableFlags, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const dataDir = resolve(flags.dataDir ?? config.journal?.dir ?? defaultDataDir());
  const refused = checkVenueFlags(config, flags);
  if (refused) {
    err.write(`legato: ${refused}\n`);
    return 2;
  }
  const fix = fixTarget(config, flags.venue);
  const venueLabel = fix?.label ?? flags.venue;
  // The FIX session's identity and secrets: from the environment or --fix-credentials, never from the config.
  let credentials: FixCredentials | undefined;
  if (fix) {
    try {
      credentials = fixCredentials(process.env, flags.fixCredentials);
    } catch (e) {
      if (e instanceof FixCredentialsError) {
        err.write(`legato: ${e.message}\n`);
        return 2;
      }
      throw e;
    }
  }
  try {
    const status = journalStatus(dataDir);
    if (flags.resume && status.ended) {
      err.write(`legato: run ${status.lastRun} in ${status.file} has ended; nothing to resume. Its summary, from the journal:\n`);
      const summary = journalledSummary(config, dataDir)!;
      out.write(flags.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatSummary(summary, config.venue.calendar.timeZone)}\n`);
      return 0;
    }
    // A FIX logon numbers the session and creates its store (in the data directory): refuse what the journal
    // would refuse before that (DurableEngine.open says the same after connecting to any other venue).
    if (fix && flags.resume && status.lastRun === null) {
      const why = !existsSync(dataDir) ? 'the directory does not exist' : status.exists ? `its journal ${status.file} holds no run` : `there is no journal (${JOURNAL_FILE}) in it`;
      err.write(`legato: nothing to resume in ${dataDir}: ${why}; start a run without --resume\n`);
      return 2;
    }
    if (fix && !flags.resume && status.lastRun !== null && !status.ended) {
      err.write(`legato: ${status.file} holds run ${status.lastRun}, which has not ended: continue it with --resume, or use another data directory\n`);
      return 2;
    }
  } catch (e) {
    // JournalError (damage, a missing or altered record, another format) or JournalAccessError (permissions, file types).
    if (e instanceof LegatoError || isSystemError(e)) {
      err.write(`legato: ${e.message}\n`);
      return 2;
    }
    throw e;
  }

  let venue: OutsideVenue | undefined;
  /** The market time of a JSON-lines venue's hello (its facts are about then). */
  let helloAt: number | undefined;
  if (fix) {
    try {
      // As over JSON lines: a lost session is a state; the run logs on again with backoff and reconciles.
      venue = await FixVenue.connect({
        host: fix.host,
        port: fix.port,
        ...credentials!,
        heartbeatSeconds: fix.heartbeatSeconds,
        // The session store (sequence numbers, orders) lives with the journal unless the config says otherwise.
        storeDir: resolve(fix.storeDir ?? join(dataDir, 'fix')),
        instruments: fix.instruments,
        clock: fix.clock,
        reconnect: true,
        ...(fix.account !== undefined ? { account: fix.account } : {}),
        marketData: fix.marketData,
        positions: fix.positions,
        name: fix.label,
        log: (l) => err.write(`legato: ${l}\n`),
      });
    } catch (e) {
      // jspurefix missing, the gateway unreachable, the logon refused (with the counterparty's reason).
      if (e instanceof FixUnavailableError || e instanceof FixVenueError) {
        err.write(`legato: ${e.message}\n`);
        return 2;
      }
      if (isSystemError(e)) {
        err.write(`legato: the FIX session store: ${e.message}\n`);
        return 2;
      }
      throw e;
    }
  } else if (flags.venue !== undefined) {
    try {
      // A lost connection is a state: the run reconnects with backoff and reconciles before trading again.
      venue = await RemoteVenue.connect(flags.venue, { reconnect: true });
      helloAt = venue.clock.now();
    } catch (e) {
      if (e instanceof RemoteVenueError) {
        err.write(`legato: ${e.message}\n`);
        return 1;
      }
      throw e;
    }
  }

  let durable: DurableEngine;
  try {
    // Every leg must exist at the venue with the configured tick and lot size, before anything is sent.
    if (venue) checkVenueCapabilities(config, venue.instruments(), `the venue at ${venueLabel}`);
    // A fresh run starts flat: a venue that already holds positions or orders in its symbols would be traded
    // on top of (the target twice). Refused unless asked to ignore them.
    let adopt: Record<string, number> | undefined;
    const existing = flags.existing ?? 'refuse';
    if (venue && !flags.resume && existing !== 'ignore' && !hasUnfinishedRun(dataDir)) {
      const held = await existingAtVenue(config, venue);
      if (held.lines.length > 0 && existing === 'refuse') {
        venue.stop();
        err.write(
          `legato: the venue at ${venueLabel} already holds, in this run's symbols: ${held.lines.join('; ')}. A fresh run would trade on top of them. ` +
            `Continue the run that made them with --resume (same --data-dir), flatten them first, or start with --existing adopt to take the positions over, or --existing ignore to trade beside them\n`,
        );
        return 2;
      }
      if (existing === 'adopt' && Object.keys(held.positions).length > 0) {
        adopt = held.positions;
        err.write(`legato: adopting the venue's positions: ${Object.entries(adopt).sort(([a], [b]) => (a < b ? -1 : 1)).map(([s, l]) => `${s} ${l > 0 ? '+' : ''}${l}`).join(', ')}\n`);
      }
    }
    durable = DurableEngine.open(config, {
      ...(adopt ? { adopt } : {}),
      dataDir,
      resume: flags.resume === true,
      ...(venue ? { venue, clock: venue.clock } : {}),
      unknownOrders: flags.unknownOrders ?? config.journal?.unknownOrders ?? 'cancel',
      onWarning: (m) => err.write(`legato: warning: ${m}\n`),
    });
  } catch (e) {
    venue?.stop();
    // JournalError, JournalStateError, JournalAccessError, or a run that cannot keep a journal (a replay venue);
    // a file system error not named by those is still a message, not a stack trace.
    if (e instanceof LegatoError || isSystemError(e)) {
      err.write(`legato: ${e.message}\n`);
      return 2;
    }
    throw e;
  }

  const zone = config.venue.calendar.timeZone;
  // A venue process: what it says of itself (seed, speed, its market time), and --days counted from when trading
  // starts there (a closed market's next opening), not from the config's run.start.
  const onVenueProcess = venue !== undefined && flags.venue !== undefined;
  if (onVenueProcess) {
    err.write(
      `${venueFactsLine({ label: venueLabel!, name: venue!.name, protocol: fix ? 'fix' : 'jsonl', now: venue!.clock.now(), zone, facts: venue instanceof RemoteVenue ? venue.facts : undefined })}\n`,
    );
  }
  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // The kill switch: SIGUSR2 with <data dir>/control.json (legato control), the pid in <data dir>/run.pid.
  const stopControl = listenForControl(durable.engine, { file: join(dataDir, CONTROL_FILE), pidFile: join(dataDir, PID_FILE), err });
  venue?.state$.subscribe((s) => {
    if (s.state === 'disconnected') err.write(`legato: lost the venue at ${venueLabel} (${s.detail ?? 'no reason'}); reconnecting, nothing trades meanwhile\n`);
    else if (s.state === 'reconciling') err.write(`legato: reconnected to the venue at ${venueLabel}; reconciling\n`);
    else if (s.state === 'connected') {
      const r = durable.reconciliation;
      err.write(`legato: reconciled with the venue${r ? `: ${r.adopted.length} orders adopted, ${r.lost.length} never reached it, ${r.fillsApplied} fills applied` : ''}; trading again\n`);
    }
  });
  const tty = 'isTTY' in err && (err as NodeJS.WriteStream).isTTY === true;
  const showProgress = (p: Progress): void => {
    const pct = Math.min(100, Math.round(((p.now - p.from) / Math.max(1, p.until - p.from)) * 100));
    const line = `${time(p.now, zone)} ${String(pct).padStart(3)}%  orders ${p.orders}  fills ${p.fills}  executions ${p.executions}`;
    err.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
  };
  err.write(
    `legato: ${durable.incarnation > 1 ? 'resuming' : 'running'} run ${durable.runNumber} (incarnation ${durable.incarnation}) of ${config.strategies.map((s) => s.spec.name).join(', ')}; ` +
      `journal ${durable.file}; venue ${venueLabel ?? 'embedded'}\n`,
  );
  try {
    try {
      await durable.start();
    } catch (e) {
      // The venue went away before the run could reconcile with it: nothing traded; the run stays resumable.
      if (!(e instanceof RemoteVenueError || e instanceof FixVenueError)) throw e;
      durable.detach();
      err.write(`legato: stopped while the venue at ${venueLabel} was unreachable (${e.message}); the journal is kept: continue with --resume\n`);
      return 1;
    }
    const r = durable.reconciliation;
    if (r && durable.incarnation > 1) {
      err.write(
        `legato: reconciled with the venue: ${r.adopted.length} orders adopted, ${r.lost.length} never reached it, ${r.fillsApplied} fills applied, ` +
          `${r.unknownOpen.length} unknown open (${r.canceledUnknown.length} cancelled)\n`,
      );
    }
    let until: number | undefined;
    if (onVenueProcess) {
      // The run's start: now for a fresh run, its first start for a resumed one (so a resume keeps its end).
      const began = Date.parse(durable.engine.summary().run.from);
      const facts = venue instanceof RemoteVenue ? venue.facts : undefined;
      const from = tradingStart(began, calendarFor(config.venue.calendar), facts, facts ? helloAt : undefined);
      until = from + config.run.days * 86_400_000;
      err.write(`${runEndLine({ from, until, days: config.run.days, began, zone })}\n`);
    }
    const summary = await durable.run({ ...(until !== undefined ? { until } : {}), speed: flags.speed, signal: abort.signal, onProgress: showProgress, progressEveryMs: tty ? 5 * 60_000 : 2 * 3_600_000 });
    if (tty) err.write('\n');
    if (!durable.ended && venue && venue.state !== 'connected') {
      // Stopped while the venue was away and the algos could not finish: the run stays open to resume. (With
      // nothing working, the stop needed nothing from the venue: the run ended, and says so below.)
      err.write(`legato: stopped while the venue at ${venueLabel} was unreachable; the journal is kept: continue with --resume\n`);
      return 1;
    }
    if (abort.signal.aborted) err.write('legato: interrupted; algos were stopped, the journal flushed, and the run ended cleanly\n');
    out.write(flags.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatSummary(summary, zone)}\n`);
    return summary.errors.length > 0 ? 1 : 0;
  } finally {
    stopControl();
    venue?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export interface VenueFlags {
  /** jsonl (default): newline-delimited JSON on a Unix socket (or a TCP port); fix: FIX 4.4 on a TCP port. */
  protocol?: 'jsonl' | 'fix';
  socket?: string;
  port?: number;
  speed: number;
  waitForEngine?: boolean;
  /** fix: the session store (sequence numbers, messages sent); undefined: in memory. */
  storeDir?: string;
  /** fix: HeartBtInt, seconds. Default 1. */
  heartbeat?: number;
  /** fix: the engine's credentials file: the venue accepts its SENDER_COMP_ID, is its TARGET_COMP_ID, wants its PASSWORD. */
  fixCredentials?: string;
  /** Where the venue writes its account (the `stats` of the JSON-lines protocol) when it stops. */
  statsFile?: string;
  /** fix: TLS with this certificate and key (PEM files); with tlsCa, a client certificate signed by it is required. */
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
}

/** The flags of `legato venue` that do not fit its protocol: the message, else null (checked before anything starts). */
export function checkVenueCommandFlags(flags: VenueFlags): string | null {
  if ((flags.protocol ?? 'jsonl') === 'jsonl') {
    const fixOnly = (
      [['port', '--port'], ['storeDir', '--store-dir'], ['heartbeat', '--heartbeat'], ['fixCredentials', '--fix-credentials'], ['tlsCert', '--tls-cert'], ['tlsKey', '--tls-key'], ['tlsCa', '--tls-ca']] as const
    ).filter(([k]) => flags[k] !== undefined);
    if (fixOnly.length > 0) return `${fixOnly.map(([, f]) => f).join(', ')}: for --protocol fix only; the JSON-lines venue listens on --socket <path|port>`;
    if (flags.socket === undefined) return "the JSON-lines venue needs --socket <path> (a Unix socket, or a TCP port on 127.0.0.1); or --protocol fix --port <N>";
    return null;
  }
  if (flags.socket !== undefined) return '--socket is for the JSON-lines protocol; the FIX venue listens on a TCP port on 127.0.0.1: --port <N> (0 picks a free one)';
  if (flags.port === undefined) return 'the FIX venue needs --port <N> (a TCP port on 127.0.0.1; 0 picks a free one, printed)';
  if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) return `TLS needs both --tls-cert and --tls-key (got only ${flags.tlsCert !== undefined ? '--tls-cert' : '--tls-key'})`;
  if (flags.tlsCa !== undefined && flags.tlsCert === undefined) return '--tls-ca (client certificates) needs TLS: --tls-cert and --tls-key';
  return null;
}

/** Writes the venue's account to `file` (through a temporary file and a rename, so a reader never sees half of it). */
function writeStats(file: string, stats: WireStats, err: NodeJS.WritableStream): boolean {
  try {
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, JSON.stringify(stats) + '\n');
    renameSync(tmp, file);
    err.write(`legato venue: wrote its account to ${file}\n`);
    return true;
  } catch (e) {
    err.write(`legato venue: cannot write its account to ${file}: ${(e as Error).message}\n`);
    return false;
  }
}

/** Resolves on SIGINT or SIGTERM. */
function untilStopped(): Promise<void> {
  return new Promise<void>((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** `legato venue`: the simulated venue as its own process, serving one engine at a time, in JSON lines or FIX 4.4. */
export async function venueCommand(config: EngineConfig, flags: VenueFlags, err: NodeJS.WritableStream): Promise<number> {
  const refused = checkVenueCommandFlags(flags);
  if (refused) {
    err.write(`legato: ${refused}\n`);
    return 2;
  }
  if (config.venue.kind !== 'simulated') {
    err.write('legato: venue.kind must be simulated for `legato venue`\n');
    return 2;
  }
  if (flags.protocol === 'fix') return fixVenueCommand(config, config.venue as SimVenueSpec, flags, err);
  const socket = flags.socket!;
  const host = new VenueHost(config.venue as SimVenueSpec, config.run.start);
  let server: VenueServer;
  try {
    server = await VenueServer.start(host, { listen: socket, speed: flags.speed, waitForEngine: flags.waitForEngine === true, log: (l) => err.write(`legato venue: ${l}\n`) });
  } catch (e) {
    if (e instanceof SocketPathError) {
      err.write(`legato: ${e.message}\n`);
      return 2;
    }
    err.write(`legato: cannot listen on ${socket}: ${(e as Error).message}\n`);
    return 1;
  }
  err.write(
    `legato venue: listening on ${server.address()}; market time from ${new Date(config.run.start).toISOString()} at ${flags.speed}x` +
      `${flags.waitForEngine ? ', once the first engine has connected' : ''}\n`,
  );
  await untilStopped();
  await server.close();
  const wrote = flags.statsFile === undefined || writeStats(flags.statsFile, host.stats(), err);
  err.write('legato venue: stopped\n');
  return wrote ? 0 : 1;
}

/**
 * `legato venue --protocol fix`: the same simulated venue behind a FIX 4.4 acceptor on 127.0.0.1. Its
 * counterparty's identity comes from the environment (LEGATO_FIX_*) or the engine's credentials file, read from
 * the venue's side: it accepts SENDER_COMP_ID, is TARGET_COMP_ID, and wants PASSWORD when one is set; without
 * them it is LEGATO-VENUE serving LEGATO, without a password.
 */
async function fixVenueCommand(config: EngineConfig, spec: SimVenueSpec, flags: VenueFlags, err: NodeJS.WritableStream): Promise<number> {
  let who: FixCredentials;
  try {
    who = fixCredentials({ LEGATO_FIX_SENDER_COMP_ID: 'LEGATO', LEGATO_FIX_TARGET_COMP_ID: 'LEGATO-VENUE', ...process.env }, flags.fixCredentials);
  } catch (e) {
    if (e instanceof FixCredentialsError) {
      err.write(`legato: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const storeDir = flags.storeDir === undefined ? undefined : resolve(flags.storeDir);
  let tls: { cert: string; key: string; ca?: string } | undefined;
  try {
    if (flags.tlsCert !== undefined && flags.tlsKey !== undefined) {
      tls = {
        cert: readPem('the TLS certificate (--tls-cert)', flags.tlsCert),
        key: readPem('the TLS key (--tls-key)', flags.tlsKey, true),
        ...(flags.tlsCa !== undefined ? { ca: readPem('the client CA (--tls-ca)', flags.tlsCa) } : {}),
      };
    }
  } catch (e) {
    if (e instanceof FixCredentialsError) {
      err.write(`legato: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  let acceptor: FixAcceptor;
  try {
    acceptor = await FixAcceptor.start({
      spec,
      start: config.run.start,
      speed: flags.speed,
      waitForEngine: flags.waitForEngine === true,
      port: flags.port!,
      senderCompId: who.targetCompId,
      targetCompId: who.senderCompId,
      ...(who.password !== undefined ? { password: who.password } : {}),
      heartbeatSeconds: flags.heartbeat ?? 1,
      ...(storeDir !== undefined ? { storeDir } : {}),
      ...(tls ? { tls } : {}),
      log: (l) => err.write(`legato venue: ${l}\n`),
    });
  } catch (e) {
    if (e instanceof FixUnavailableError || e instanceof FixCredentialsError) {
      err.write(`legato: ${e.message}\n`);
      return 2;
    }
    err.write(`legato: cannot listen on 127.0.0.1:${flags.port}: ${(e as Error).message}\n`);
    return 1;
  }
  err.write(
    `legato venue: FIX 4.4 acceptor listening on 127.0.0.1:${acceptor.port}${tls ? ` over TLS${tls.ca ? ' (client certificates required)' : ''}` : ''} as ${who.targetCompId} for ${who.senderCompId}${who.password !== undefined ? ' (password required)' : ''}; ` +
      `market time from ${new Date(config.run.start).toISOString()} at ${flags.speed}x${flags.waitForEngine ? ', once the first engine has logged on' : ''}; ` +
      `session store ${storeDir ?? 'in memory (a restarted venue starts the session over)'}\n`,
  );
  await untilStopped();
  await acceptor.close();
  const wrote = flags.statsFile === undefined || writeStats(flags.statsFile, acceptor.stats(), err);
  err.write('legato venue: stopped\n');
  return wrote ? 0 : 1;
}
