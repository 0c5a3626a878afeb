/**
 * The kill switch from the command line: a running `legato run` takes SIGUSR2 as a control request, and
 * `legato control` asks it for one. The request travels in a small JSON file (`<data dir>/control.json`
 * for a journalled run, `--control-file` for a plain one), which the run reads, validates and removes; a
 * signal without a file is a pause of every strategy.
 */
import { closeSync, constants, existsSync, fstatSync, openSync, readFileSync, readSync, renameSync, rmdirSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FileReadError, defaultDataDir, readRegularFile, type ControlAction, type ControlResult } from '../index.js';
import { UNPRINTABLE_ALL } from './format.js';

/** The request file of a journalled run, in its data directory. */
export const CONTROL_FILE = 'control.json';
/** The pid of a journalled run while it runs, in its data directory. */
export const PID_FILE = 'run.pid';
/** The largest request file read; a larger one is refused unread. */
export const CONTROL_MAX_BYTES = 4096;
const STRATEGY_MAX_CHARS = 200;
const ACTIONS: readonly ControlAction[] = ['pause', 'resume', 'flatten'];
/** Characters that must not reach a terminal from hostile input: C0 and C1 controls, line and bidi overrides. */
const UNPRINTABLE = new RegExp(UNPRINTABLE_ALL.source);

export interface ControlRequest {
  action: ControlAction;
  /** Absent: every strategy. */
  strategy?: string;
}

export type ControlParse = { ok: true; request: ControlRequest } | { ok: false; error: string };

/** A hostile value, shown safely and briefly: JSON, with controls escaped, at most 40 characters. */
function shown(value: unknown): string {
  let s = value === undefined ? 'undefined' : (JSON.stringify(value) ?? String(value));
  s = s.replace(UNPRINTABLE_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return s.length > 40 ? `${s.slice(0, 39)}…` : s;
}

function kindOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** Checks a strategy name from outside (a request file, --strategy): the message says what is wrong, or null. */
export function strategyNameProblem(name: unknown): string | null {
  if (typeof name !== 'string') return `"strategy" must be a string, not ${kindOf(name)}`;
  if (name.length === 0) return '"strategy" is empty';
  if (name.length > STRATEGY_MAX_CHARS) return `"strategy" is longer than ${STRATEGY_MAX_CHARS} characters`;
  if (UNPRINTABLE.test(name)) return `"strategy" holds control characters (${shown(name)})`;
  return null;
}

/** Checks an action from outside: the message says what is wrong, or null. */
export function actionProblem(action: unknown): string | null {
  return typeof action === 'string' && (ACTIONS as readonly string[]).includes(action) ? null : `"action" must be "pause", "resume" or "flatten", not ${shown(action)}`;
}

/**
 * Parses the text of a request file: `{"action":"pause"|"resume"|"flatten","strategy"?:"<name>"}` and
 * nothing else (a null strategy is every strategy). The error names what is wrong, never echoing more than
 * a short, escaped piece of the input.
 */
export function parseControlRequest(text: string): ControlParse {
  if (text.trim() === '') return { ok: false, error: 'an empty request' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, error: 'not valid JSON' };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, error: `${kindOf(value)}, not a JSON object` };
  const fields = value as Record<string, unknown>;
  const unknown = Object.keys(fields).find((k) => k !== 'action' && k !== 'strategy');
  if (unknown !== undefined) return { ok: false, error: `an unknown key ${shown(unknown)} (allowed: action, strategy)` };
  if (!('action' in fields)) return { ok: false, error: 'no "action"' };
  const badAction = actionProblem(fields.action);
  if (badAction) return { ok: false, error: badAction };
  const request: ControlRequest = { action: fields.action as ControlAction };
  if (fields.strategy !== undefined && fields.strategy !== null) {
    const badName = strategyNameProblem(fields.strategy);
    if (badName) return { ok: false, error: badName };
    request.strategy = fields.strategy as string;
  }
  return { ok: true, request };
}

function errorCode(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? 'unknown error';
}

/**
 * Takes the request file: moves it aside (so a request written meanwhile is not lost), reads at most
 * CONTROL_MAX_BYTES of it without following a link or blocking on a pipe, removes it, and parses it.
 * Null when there is no file.
 */
export function takeControlFile(file: string): ControlParse | null {
  const taken = `${file}.${process.pid}.taken`;
  try {
    renameSync(file, taken);
  } catch (e) {
    if (errorCode(e) === 'ENOENT') return null;
    return { ok: false, error: `an unreadable file (${errorCode(e)})` };
  }
  try {
    let fd: number;
    try {
      fd = openSync(taken, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
    } catch (e) {
      return { ok: false, error: errorCode(e) === 'ELOOP' ? 'a symbolic link, not a file' : `an unreadable file (${errorCode(e)})` };
    }
    let text: string;
    try {
      if (!fstatSync(fd).isFile()) return { ok: false, error: 'not a regular file' };
      const buf = Buffer.alloc(CONTROL_MAX_BYTES + 1);
      let n = 0;
      for (let got = -1; got !== 0 && n < buf.length; n += got) got = readSync(fd, buf, n, buf.length - n, n);
      if (n > CONTROL_MAX_BYTES) return { ok: false, error: `more than ${CONTROL_MAX_BYTES} bytes` };
      text = buf.subarray(0, n).toString('utf8');
    } catch (e) {
      return { ok: false, error: `an unreadable file (${errorCode(e)})` };
    } finally {
      closeSync(fd);
    }
    return parseControlRequest(text);
  } finally {
    try {
      unlinkSync(taken);
    } catch {
      try {
        rmdirSync(taken); // an empty directory; anything else is left for a human
      } catch {
        // Gone already, or not ours to clear.
      }
    }
  }
}

/** How a request reads in messages: `flatten (all strategies)`, `pause (strategy hc-rb)`. */
export function describeRequest(r: ControlRequest): string {
  return `${r.action} (${r.strategy === undefined ? 'all strategies' : `strategy ${r.strategy}`})`;
}

/** What the kill switch needs of an engine. */
export interface Controllable {
  control(action: ControlAction, options: { strategy?: string; source?: string }): ControlResult;
}

// One SIGUSR2 listener for the life of the process, installed on first use: between runs (and once a run has
// ended) a late signal is ignored rather than ending the process, which is what SIGUSR2 does by default.
const handlers = new Set<() => void>();
let installed = false;
function dispatch(): void {
  for (const h of handlers) h();
}

/**
 * Makes a running `legato run` take SIGUSR2 as a control request for `engine`: the request in `file` when
 * there is one (see takeControlFile), else a pause of every strategy; a bad file is reported and ignored.
 * It removes a request left in `file` from before, and writes the process id to `pidFile` (removed again by
 * the returned function, which also stops listening).
 */
export function listenForControl(engine: Controllable, options: { file?: string; pidFile?: string; err: NodeJS.WritableStream }): () => void {
  const { file, pidFile, err } = options;
  // On a terminal the progress line has no newline yet: clear it first so the control line stands alone.
  const write = (line: string): boolean => err.write(`${'isTTY' in err && (err as NodeJS.WriteStream).isTTY === true ? '\r\x1b[2K' : ''}${line}\n`);
  if (file !== undefined) {
    const left = takeControlFile(file);
    if (left !== null) write(`legato: control: removed a request left from before this run (${left.ok ? describeRequest(left.request) : left.error}) in ${file}`);
  }
  const handle = (): void => {
    let request: ControlRequest = { action: 'pause' };
    if (file !== undefined) {
      const taken = takeControlFile(file);
      if (taken && !taken.ok) {
        write(`legato: control: ${taken.error} in ${file}`);
        return;
      }
      if (taken) request = taken.request;
    }
    let result: ControlResult;
    try {
      result = engine.control(request.action, { ...(request.strategy !== undefined ? { strategy: request.strategy } : {}), source: 'signal' });
    } catch (e) {
      result = { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
    write(result.ok ? `legato: control: ${describeRequest(request)}` : `legato: control: ${describeRequest(request)} refused: ${result.error}`);
  };
  handlers.add(handle);
  if (!installed) {
    installed = true;
    process.on('SIGUSR2', dispatch);
  }
  if (pidFile !== undefined) {
    try {
      // Without blocking or following a link: a FIFO there waited for a reader for ever, a link wrote where it pointed.
      const fd = openSync(pidFile, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0), 0o644);
      try {
        if (!fstatSync(fd).isFile()) throw Object.assign(new Error('not a regular file'), { code: 'not a regular file' });
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
    } catch (e) {
      write(`legato: warning: cannot write ${pidFile} (${errorCode(e)}): legato control will not find this run`);
    }
  }
  return () => {
    handlers.delete(handle);
    if (pidFile === undefined) return;
    try {
      if (readRegularFile(pidFile, 4096).toString('utf8').trim() === String(process.pid)) unlinkSync(pidFile);
    } catch {
      // Gone already.
    }
  };
}

export interface ControlFlags {
  strategy?: string;
  dataDir?: string;
}

/** How long `legato control` waits for the run to take the request before saying it has not yet. */
const PICKUP_WAIT_MS = 5_000;

/**
 * `legato control <action>`: writes the request to `<data dir>/control.json` (a temp file, then a rename)
 * and sends SIGUSR2 to the run whose pid is in `<data dir>/run.pid`; then waits a little for the run to take
 * it. Exit 0 once the signal was sent; 2 for a bad action or strategy name, or no run running there.
 */
export async function controlCommand(action: string, flags: ControlFlags, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const badAction = actionProblem(action);
  if (badAction) {
    err.write(`legato: control: unknown action ${shown(action)}: pause, resume or flatten\n`);
    return 2;
  }
  if (flags.strategy !== undefined) {
    const badName = strategyNameProblem(flags.strategy);
    if (badName) {
      err.write(`legato: control: --strategy: ${badName.replace('"strategy" ', 'the name ')}\n`);
      return 2;
    }
  }
  const request: ControlRequest = { action: action as ControlAction, ...(flags.strategy !== undefined ? { strategy: flags.strategy } : {}) };
  const dir = resolve(flags.dataDir ?? defaultDataDir());
  const pidFile = join(dir, PID_FILE);
  let pidText: string;
  try {
    // A pid file a run wrote is a line of digits: a FIFO, a device or a large file there is refused unread.
    pidText = readRegularFile(pidFile, 4096).toString('utf8');
  } catch (e) {
    if (errorCode(e) === 'ENOENT') err.write(`legato: control: no run is running in ${dir}: there is no ${pidFile} (a journalled legato run writes it while it runs)\n`);
    else if (e instanceof FileReadError && (e.code === 'EINVAL' || e.code === 'EFBIG')) err.write(`legato: control: cannot read ${pidFile} (${e.reason})\n`);
    else err.write(`legato: control: cannot read ${pidFile} (${errorCode(e)})\n`);
    return 2;
  }
  const pid = /^\s*(\d{1,10})\s*$/.exec(pidText) ? Number(pidText.trim()) : NaN;
  if (!Number.isSafeInteger(pid) || pid <= 1) {
    err.write(`legato: control: ${pidFile} does not hold a process id\n`);
    return 2;
  }
  const notRunning = (why: string): number => {
    err.write(`legato: control: the run in ${dir} is not running: ${why} (a stale ${PID_FILE}: the run ended without removing it)\n`);
    return 2;
  };
  try {
    process.kill(pid, 0);
  } catch (e) {
    if (errorCode(e) === 'ESRCH') return notRunning(`there is no process ${pid}`);
    err.write(`legato: control: cannot signal process ${pid} from ${pidFile} (${errorCode(e)})\n`);
    return 2;
  }
  // The pid of a run that died may have gone to another program: where the system says, check it is legato.
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (!/legato|cli[\\/]main\.[jt]s/.test(cmdline)) return notRunning(`process ${pid} is not a legato run`);
  } catch {
    // No /proc (not Linux) or not readable: trust the pid file.
  }

  const file = join(dir, CONTROL_FILE);
  const temp = join(dir, `.${CONTROL_FILE}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(temp, `${JSON.stringify(request)}\n`, { flag: 'wx', mode: 0o600 });
    renameSync(temp, file);
  } catch (e) {
    try {
      unlinkSync(temp);
    } catch {
      // Not written.
    }
    err.write(`legato: control: cannot write ${file} (${errorCode(e)})\n`);
    return 2;
  }
  try {
    process.kill(pid, 'SIGUSR2');
  } catch (e) {
    try {
      unlinkSync(file);
    } catch {
      // Taken meanwhile.
    }
    if (errorCode(e) === 'ESRCH') return notRunning(`process ${pid} has exited`);
    err.write(`legato: control: cannot signal process ${pid} (${errorCode(e)})\n`);
    return 2;
  }
  out.write(`legato: control: asked the run in ${dir} (pid ${pid}) to ${describeRequest(request)}\n`);
  const t0 = Date.now();
  while (existsSync(file) && Date.now() - t0 < PICKUP_WAIT_MS) await new Promise((r) => setTimeout(r, 25));
  if (existsSync(file)) err.write(`legato: control: the run has not taken ${file} yet; its output (and journal) will say what it did\n`);
  return 0;
}
