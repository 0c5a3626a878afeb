import { closeSync, constants, createWriteStream, existsSync, fstatSync, ftruncateSync, mkdirSync, openSync, rmSync, statSync, writeFileSync, type WriteStream } from 'node:fs';
import { basename, join } from 'node:path';
import type { Engine } from '../index.js';
import {
  DIAGRAM_FORMATS,
  InspectorServerError,
  RecordingError,
  createInspector,
  isLoopback,
  machineFiles,
  readRecording,
  startInspectorServer,
  type DiagramFormat,
  type Inspector,
  type InspectorServer,
} from '../inspector/index.js';

export interface MachinesFlags {
  format?: string;
  out?: string;
}

/** `legato machines`: Mermaid on stdout, or files of the chosen formats in --out. */
export async function machinesCommand(flags: MachinesFlags, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const requested = flags.format ?? (flags.out ? 'all' : 'mermaid');
  const formats = requested === 'all' ? [...DIAGRAM_FORMATS] : requested.split(',').map((s) => s.trim());
  const bad = formats.filter((f) => !(DIAGRAM_FORMATS as readonly string[]).includes(f));
  if (bad.length > 0 || formats.length === 0) {
    err.write(`legato: --format ${requested}: unknown format ${bad.join(', ') || '(none)'}; use mermaid, svg, json, md or all\n`);
    return 2;
  }
  if (!flags.out && (formats.length !== 1 || formats[0] === 'svg')) {
    err.write(`legato: --format ${requested} writes several files: give --out <dir>\n`);
    return 2;
  }
  const files = await machineFiles(formats as DiagramFormat[]);
  if (!flags.out) {
    const texts = [...files.entries()];
    if (formats[0] === 'json') out.write(`[\n${texts.map(([, t]) => t.trimEnd()).join(',\n')}\n]\n`);
    else if (formats[0] === 'mermaid') out.write(texts.map(([name, t]) => `%% ${name}\n${t}`).join('\n'));
    else out.write(texts.map(([, t]) => t).join(''));
    return 0;
  }
  try {
    if (statSync(flags.out, { throwIfNoEntry: false })?.isDirectory() === false) {
      err.write(`legato: --out ${flags.out}: a file is there; give a folder (made if missing)\n`);
      return 2;
    }
    mkdirSync(flags.out, { recursive: true });
    for (const [name, text] of files) writeFileSync(join(flags.out, name), text);
  } catch (e) {
    err.write(`legato: --out ${flags.out}: cannot write (${(e as NodeJS.ErrnoException).code ?? String(e)})\n`);
    return 2;
  }
  err.write(`legato: wrote ${files.size} files to ${flags.out}\n`);
  return 0;
}

export interface InspectRunFlags {
  inspect?: boolean;
  port?: number;
  host?: string;
  allowRemote?: boolean;
  record?: string;
}

/** What `legato run --inspect/--record` adds to a run. */
export interface RunInspection {
  observer: Inspector['observer'];
  attach(engine: Engine): void;
  /** After the run: with --inspect keeps the page up until `signal` aborts (Ctrl-C); then closes everything. */
  finish(signal: AbortSignal): Promise<void>;
}

function notRegular(file: string, err: NodeJS.WritableStream): number {
  err.write(`legato: --record ${file}: not a regular file (a recording is a file, for legato inspect)\n`);
  return 2;
}

/** Validates the inspection flags and starts the server and the recording; an exit code on bad input. */
export async function startRunInspection(flags: InspectRunFlags, err: NodeJS.WritableStream): Promise<RunInspection | number | undefined> {
  if (!flags.inspect) {
    const stray = (['port', 'host', 'allowRemote'] as const).filter((k) => flags[k] !== undefined);
    if (stray.length > 0) {
      err.write(`legato: ${stray.map((k) => (k === 'allowRemote' ? '--allow-remote' : `--${k}`)).join(', ')} only apply with --inspect\n`);
      return 2;
    }
    if (!flags.record) return undefined;
  }
  // The recording is opened without truncating it (a run refused below must not have emptied an earlier one), and
  // emptied only once the run is sure to go ahead.
  let recordFd: number | undefined;
  let created = false;
  if (flags.record) {
    try {
      // A regular file only, opened without blocking: a FIFO waited for a reader for ever, a device (/dev/null) failed the truncation below.
      const regular = (st: { isFile(): boolean } | undefined): boolean => st === undefined || st.isFile();
      if (!regular(statSync(flags.record, { throwIfNoEntry: false }))) return notRegular(flags.record, err);
      created = !existsSync(flags.record);
      recordFd = openSync(flags.record, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (constants.O_NONBLOCK ?? 0), 0o666);
      if (!regular(fstatSync(recordFd))) {
        closeSync(recordFd);
        return notRegular(flags.record, err);
      }
    } catch (e) {
      err.write(`legato: --record ${flags.record}: cannot write (${(e as NodeJS.ErrnoException).code ?? String(e)})\n`);
      return 2;
    }
  }
  // Nothing is written to it before the engine is attached (after this function).
  const record: WriteStream | undefined = recordFd === undefined ? undefined : createWriteStream('', { fd: recordFd });
  const giveBackRecord = (): void => {
    if (recordFd === undefined) return;
    record!.destroy();
    if (created) rmSync(flags.record!, { force: true });
  };
  const inspector = createInspector(record ? { record } : {});
  let server: InspectorServer | undefined;
  if (flags.inspect) {
    try {
      server = await startInspectorServer({ kind: 'live', inspector }, { port: flags.port ?? 4400, host: flags.host ?? '127.0.0.1', allowRemote: flags.allowRemote === true });
    } catch (e) {
      giveBackRecord();
      if (e instanceof InspectorServerError) {
        err.write(`legato: ${e.message}\n`);
        return 2;
      }
      throw e;
    }
    err.write(`legato: inspector at ${server.url} (read-only; control token ${server.token})\n`);
  }
  if (recordFd !== undefined) ftruncateSync(recordFd, 0);
  if (server) {
    if (!isLoopback(server.host)) err.write(`legato: warning: the inspector listens on ${server.host}, not only on this machine\n`);
  }
  return {
    observer: inspector.observer,
    attach: (engine) => inspector.attach(engine),
    finish: async (signal) => {
      await inspector.close();
      if (record) err.write(`legato: recorded to ${flags.record} (legato inspect ${flags.record} replays it)\n`);
      if (server && !signal.aborted) {
        err.write(`legato: the run is over; the inspector stays at ${server.url} until Ctrl-C\n`);
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      }
      await server?.close();
    },
  };
}

export interface InspectFileFlags {
  port?: number;
  host?: string;
  allowRemote?: boolean;
}

/** `legato inspect <file>`: serves the page over a recording until Ctrl-C. */
export async function inspectFileCommand(file: string, flags: InspectFileFlags, err: NodeJS.WritableStream, signal?: AbortSignal): Promise<number> {
  let records;
  try {
    records = readRecording(file);
  } catch (e) {
    if (e instanceof RecordingError) {
      err.write(`legato: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  let server: InspectorServer;
  try {
    server = await startInspectorServer({ kind: 'replay', records, name: basename(file) }, { port: flags.port ?? 4400, host: flags.host ?? '127.0.0.1', allowRemote: flags.allowRemote === true });
  } catch (e) {
    if (e instanceof InspectorServerError) {
      err.write(`legato: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const events = records.filter((r) => r.k === 'event').length;
  err.write(`legato: replaying ${file} (${events} transitions) at ${server.url} until Ctrl-C\n`);
  const abort = new AbortController();
  const stop = (): void => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  signal?.addEventListener('abort', stop, { once: true });
  await new Promise<void>((resolve) => abort.signal.addEventListener('abort', () => resolve(), { once: true }));
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  await server.close();
  return 0;
}
