import { join, resolve } from 'node:path';
import {
  DurableEngine,
  JournalStateError,
  LegatoError,
  RemoteVenue,
  RemoteVenueError,
  VenueHost,
  VenueServer,
  checkVenueCapabilities,
  defaultDataDir,
  journalStatus,
  journalledSummary,
  type EngineConfig,
  type Progress,
  type SimVenueSpec,
} from '../index.js';
import { CONTROL_FILE, PID_FILE, listenForControl } from './control.js';
import { formatSummary, time } from './format.js';

export interface DurableFlags {
  speed: number | 'max';
  json?: boolean;
  venue?: string;
  dataDir?: string;
  resume?: boolean;
  unknownOrders?: 'cancel' | 'leave';
  /** A fresh run on a venue that already holds positions or open orders in its symbols: refuse (default), adopt or ignore them. */
  existing?: 'refuse' | 'adopt' | 'ignore';
}

/**
 * What a venue already holds in the run's symbols (positions, and open orders whatever sent them), as lines
 * naming each; empty when nothing. A fresh run over them would trade its target again on top.
 */
export async function existingAtVenue(config: EngineConfig, venue: RemoteVenue): Promise<{ lines: string[]; positions: Record<string, number> }> {
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

/** Whether a run keeps a journal: it names a data directory, resumes, uses a venue process, or its config has `journal`. */
export function wantsJournal(flags: Pick<DurableFlags, 'venue' | 'dataDir' | 'resume'>, config: EngineConfig): boolean {
  return flags.venue !== undefined || flags.dataDir !== undefined || flags.resume === true || config.journal !== undefined;
}

/** `legato run` with a journal (and possibly a venue process): start or resume, run, stop cleanly. */
export async function durableRun(config: EngineConfig, flags: DurableFlags, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const dataDir = resolve(flags.dataDir ?? config.journal?.dir ?? defaultDataDir());
  try {
    const status = journalStatus(dataDir);
    if (flags.resume && status.ended) {
      err.write(`legato: run ${status.lastRun} in ${status.file} has ended; nothing to resume. Its summary, from the journal:\n`);
      const summary = journalledSummary(config, dataDir)!;
      out.write(flags.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatSummary(summary, config.venue.calendar.timeZone)}\n`);
      return 0;
    }
  } catch (e) {
    // JournalError (damage, a missing or altered record, another format) or JournalAccessError (permissions, file types).
    if (e instanceof LegatoError || isSystemError(e)) {
      err.write(`legato: ${e.message}\n`);
      return 2;
    }
    throw e;
  }

  let venue: RemoteVenue | undefined;
  if (flags.venue !== undefined) {
    try {
      // A lost connection is a state: the run reconnects with backoff and reconciles before trading again.
      venue = await RemoteVenue.connect(flags.venue, { reconnect: true });
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
    if (venue) checkVenueCapabilities(config, venue.instruments(), `the venue at ${flags.venue}`);
    // A fresh run starts flat: a venue that already holds positions or orders in its symbols would be traded
    // on top of (the target twice). Refused unless asked to ignore them.
    let adopt: Record<string, number> | undefined;
    const existing = flags.existing ?? 'refuse';
    if (venue && !flags.resume && existing !== 'ignore' && !hasUnfinishedRun(dataDir)) {
      const held = await existingAtVenue(config, venue);
      if (held.lines.length > 0 && existing === 'refuse') {
        venue.stop();
        err.write(
          `legato: the venue at ${flags.venue} already holds, in this run's symbols: ${held.lines.join('; ')}. A fresh run would trade on top of them. ` +
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
  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // The kill switch: SIGUSR2 with <data dir>/control.json (legato control), the pid in <data dir>/run.pid.
  const stopControl = listenForControl(durable.engine, { file: join(dataDir, CONTROL_FILE), pidFile: join(dataDir, PID_FILE), err });
  venue?.state$.subscribe((s) => {
    if (s.state === 'disconnected') err.write(`legato: lost the venue at ${flags.venue} (${s.detail ?? 'no reason'}); reconnecting, nothing trades meanwhile\n`);
    else if (s.state === 'reconciling') err.write(`legato: reconnected to the venue at ${flags.venue}; reconciling\n`);
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
      `journal ${durable.file}; venue ${flags.venue ?? 'embedded'}\n`,
  );
  try {
    try {
      await durable.start();
    } catch (e) {
      // The venue went away before the run could reconcile with it: nothing traded; the run stays resumable.
      if (!(e instanceof RemoteVenueError)) throw e;
      durable.detach();
      err.write(`legato: stopped while the venue at ${flags.venue} was unreachable (${e.message}); the journal is kept: continue with --resume\n`);
      return 1;
    }
    const r = durable.reconciliation;
    if (r && durable.incarnation > 1) {
      err.write(
        `legato: reconciled with the venue: ${r.adopted.length} orders adopted, ${r.lost.length} never reached it, ${r.fillsApplied} fills applied, ` +
          `${r.unknownOpen.length} unknown open (${r.canceledUnknown.length} cancelled)\n`,
      );
    }
    const summary = await durable.run({ speed: flags.speed, signal: abort.signal, onProgress: showProgress, progressEveryMs: tty ? 5 * 60_000 : 2 * 3_600_000 });
    if (tty) err.write('\n');
    if (venue && venue.state !== 'connected') {
      // Stopped while the venue was away: the algos could not finish, so the run stays open to resume.
      err.write(`legato: stopped while the venue at ${flags.venue} was unreachable; the journal is kept: continue with --resume\n`);
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

/** `legato venue`: the simulated venue as its own process, serving one engine at a time. */
export async function venueCommand(config: EngineConfig, flags: { socket: string; speed: number; waitForEngine?: boolean }, err: NodeJS.WritableStream): Promise<number> {
  if (config.venue.kind !== 'simulated') {
    err.write('legato: venue.kind must be simulated for `legato venue`\n');
    return 2;
  }
  const host = new VenueHost(config.venue as SimVenueSpec, config.run.start);
  let server: VenueServer;
  try {
    server = await VenueServer.start(host, { listen: flags.socket, speed: flags.speed, waitForEngine: flags.waitForEngine === true, log: (l) => err.write(`legato venue: ${l}\n`) });
  } catch (e) {
    err.write(`legato: cannot listen on ${flags.socket}: ${(e as Error).message}\n`);
    return 1;
  }
  err.write(
    `legato venue: listening on ${server.address()}; market time from ${new Date(config.run.start).toISOString()} at ${flags.speed}x` +
      `${flags.waitForEngine ? ', once the first engine has connected' : ''}\n`,
  );
  await new Promise<void>((done) => {
    process.once('SIGINT', () => done());
    process.once('SIGTERM', () => done());
  });
  await server.close();
  err.write('legato venue: stopped\n');
  return 0;
}
