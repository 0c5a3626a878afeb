import { Command, CommanderError, Option } from 'commander';
import {
  ConfigError,
  ConfigErrors,
  DataError,
  SWEEP_KEYS,
  dataFiles,
  parseConfigText,
  parseSweep,
  runSweep,
  sortRows,
  type ConfigInput,
  type SweepAxis,
  type SweepRow,
  createEngine,
  loadQuotes,
  htmlReport,
  sweepHtmlReport,
  backtestCsvFiles,
  sweepCsv,
  analyticsText,
  loadConfigFile,
  runBacktest,
  type BacktestResult,
  type EngineConfig,
  type Progress,
} from '../index.js';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { formatDataReport, formatSummary, progressBar, table, terminalSafeStream, time } from './format.js';
import { inspectFileCommand, machinesCommand, startRunInspection, type InspectFileFlags, type InspectRunFlags, type MachinesFlags } from './inspect-commands.js';
import { checkVenueFlags, durableRun, venueCommand, wantsJournal, type VenueFlags } from './durable-run.js';
import { controlCommand, listenForControl, type ControlFlags } from './control.js';
import { commandConfig, lineBreakArgument, parseHeartbeat, parseInteger, parsePort, parsePositive, parseSpeed, parseVenue, parseWorkers, refuseRepeatedOptions } from './options.js';
import { isNatsError, natsFlagProblem, natsOption, natsSweep, registerWorkerCommand } from './distributed.js';
import { parseMdOption, registerFeedCommand, shardRunCommand } from './feed.js';
import { registerWhyCommand } from './why.js';

interface RunFlags extends InspectRunFlags {
  config?: string;
  speed?: number | 'max';
  seed?: number;
  days?: number;
  json?: boolean;
  venue?: string;
  dataDir?: string;
  resume?: boolean;
  unknownOrders?: 'cancel' | 'leave';
  existing?: 'refuse' | 'adopt' | 'ignore';
  controlFile?: string;
  fixCredentials?: string;
  md?: { url: string; venue: string };
}

/** This package's version, from its package.json (two folders up from src/cli, three from dist/src/cli). */
function packageVersion(): string {
  for (const up of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'legato' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not there: the next place up
    }
  }
  return 'unknown';
}

/** Runs the CLI with the given arguments (without `node legato`); resolves to the exit code. */
export async function main(argv: string[], io: { out?: NodeJS.WritableStream; err?: NodeJS.WriteStream | NodeJS.WritableStream } = {}): Promise<number> {
  const out = io.out ?? process.stdout;
  // What an argument, a file or a peer put in a message is shown, not acted on by the terminal.
  const err = terminalSafeStream(io.err ?? process.stderr);
  const broken = lineBreakArgument(argv);
  if (broken !== undefined) {
    err.write(`legato: ${broken}\n`);
    return 2;
  }
  let exitCode = 0;
  const program = new Command()
    .name('legato')
    .description('Spread execution engine: statechart strategies and algos on an embedded simulated exchange.')
    .exitOverride()
    .configureOutput({ writeOut: (s) => out.write(s), writeErr: (s) => err.write(s) })
    .showHelpAfterError('(run legato --help for usage)')
    .version(packageVersion(), '-V, --version', 'print the version of legato (from its package.json)');

  program
    .command('run')
    .description(
      'Run the strategies of a config on the simulated venue and print a summary. Without --config it runs the ' +
        'built-in demo: a HC/RB spread on a Shanghai futures calendar (night, morning and afternoon sessions) for one ' +
        'simulated day at max speed.',
    )
    .option('-c, --config <file>', 'YAML or JSON config (see README, Config reference); default: the built-in demo')
    .addOption(new Option('--speed <N|max>', 'simulated seconds per real second while the market is open (closed hours pass at once), or max (default: max; 300 with --inspect)').argParser(parseSpeed))
    .addOption(new Option('--seed <N>', 'seed of the simulated market (overrides venue.seed)').argParser(parseInteger))
    .addOption(new Option('--days <N>', 'simulated days to run, 24 h each (overrides run.days); on a venue process from when trading starts there').argParser(parsePositive))
    .option('--json', 'print the summary as JSON on stdout (progress still goes to stderr)')
    .option('--inspect', 'serve the live inspector page (actor tree, statecharts, event log, spread chart) on 127.0.0.1')
    .addOption(new Option('--port <N>', 'inspector port (default 4400; 0 picks a free one)').argParser(parsePort))
    .option('--host <address>', 'inspector address (default 127.0.0.1; others need --allow-remote)')
    .option('--allow-remote', 'let the inspector bind a non-loopback address')
    .option('--record <file>', 'write the inspection stream and the market data to a file (legato inspect <file> replays it)')
    .addOption(
      new Option(
        '--venue <socket|fix://host:port>',
        'trade on a venue process (`legato venue`) at this Unix socket (or 127.0.0.1 port), or over FIX 4.4 at fix://host:port (`legato venue --protocol fix`; needs jspurefix); implies a journal',
      ).argParser(parseVenue),
    )
    .option('--fix-credentials <file>', 'a FIX venue: CompIDs and logon secrets from this file (KEY=value lines, chmod 600) instead of the LEGATO_FIX_* environment; never in the config')
    .option('--data-dir <dir>', 'keep a journal in this directory (default: journal.dir, $LEGATO_DATA_DIR, else ./.legato)')
    .option('--resume', "continue the journal's unfinished run: restore, reconcile with the venue, then trade")
    .addOption(new Option('--unknown-orders <policy>', 'open orders at the venue that the run does not know: cancel or leave').choices(['cancel', 'leave']))
    .addOption(
      new Option('--existing <policy>', 'a fresh run on a venue that already holds positions or open orders in its symbols: refuse (default, exit 2), adopt the positions, or ignore them').choices(['refuse', 'adopt', 'ignore']),
    )
    .option('--control-file <file>', 'without a journal: the kill-switch request file SIGUSR2 reads (a journalled run reads <data dir>/control.json)')
    .addOption(new Option('--md <nats://host:port[/venue]>', "a strategy shard: take the market data of the symbols its strategies trade from a feed on NATS (`legato feed`; subjects md.<venue>.<symbol>, venue default sim) and trade on paper against it, on the feed's market time").argParser(parseMdOption))
    .addHelpText(
      'after',
      `
Exit codes: 0 done, 2 bad arguments, an invalid config or an unreadable journal (nothing starts), 1 an engine error.
A FIX venue (--venue fix://…, or venue.kind: fix in the config) also exits 2 when jspurefix is not installed,
its credentials cannot be read (LEGATO_FIX_SENDER_COMP_ID, LEGATO_FIX_TARGET_COMP_ID, LEGATO_FIX_USERNAME,
LEGATO_FIX_PASSWORD, or --fix-credentials), or its first logon fails; a session lost later is reconnected.
SIGINT and SIGTERM stop every algo (cancel, then hedge per stopPolicy), flush the journal and exit 0.
SIGUSR2 is the kill switch: it applies the request in the control file (see legato control --help), or
without one pauses every strategy; every use is journalled (with a journal) and printed on stderr.
Progress goes to stderr; the summary (or --json) to stdout.

Examples:
  legato run                               the demo, one simulated day at max speed
  legato run --json > summary.json         the same, as JSON
  legato run --config my.yaml --days 5     five days of your own config
  legato run --speed 600                   the demo at 10 simulated minutes per second
  legato venue --socket /tmp/v.sock &      a venue process; then:
  legato run --venue /tmp/v.sock --data-dir run1            trade on it, journalled
  legato run --venue /tmp/v.sock --data-dir run1 --resume   after a crash: restore, reconcile, continue
  legato venue --protocol fix --port 9878 --store-dir vstore &   the same venue over FIX 4.4; then:
  LEGATO_FIX_SENDER_COMP_ID=LEGATO LEGATO_FIX_TARGET_COMP_ID=LEGATO-VENUE \
    legato run --venue fix://127.0.0.1:9878 --data-dir run2   trade on it over FIX (session store in run2/fix)
  legato run --config broker.yaml --fix-credentials ~/.legato/fix.env   a broker's gateway (venue.kind: fix)
  legato run --inspect                     watch it at http://127.0.0.1:4400/ (300× real time; the page
                                           stays up after the run until Ctrl-C)
  legato run --record day.jsonl            record it; legato inspect day.jsonl replays it`,
    )
    .action(async (flags: RunFlags) => {
      exitCode = await runCommand(flags, out, err);
    });

  program
    .command('venue')
    .description(
      'Run the simulated venue as its own process: it keeps its market time (real time x speed) and keeps trading ' +
        'while no engine is connected; `legato run --venue <socket>` trades on it (over FIX 4.4: `legato run --venue fix://127.0.0.1:<port>`).',
    )
    .addOption(
      new Option('--protocol <p>', 'jsonl: newline-delimited JSON on a Unix socket; fix: FIX 4.4 on a TCP port of 127.0.0.1 (needs jspurefix)').choices(['jsonl', 'fix']).default('jsonl'),
    )
    .option('--socket <path>', 'jsonl: the Unix socket to listen on (or a TCP port on 127.0.0.1)')
    .addOption(new Option('--port <N>', 'fix: the TCP port on 127.0.0.1 (0 picks a free one; the port is printed)').argParser(parsePort))
    .option('--store-dir <dir>', 'fix: the session store (sequence numbers, messages sent), so a restarted venue continues the session (default: in memory)')
    .addOption(new Option('--heartbeat <s>', 'fix: the HeartBtInt it announces, seconds (default 1): an engine drops the venue after 2.5 times as long without a message').argParser(parseHeartbeat))
    .option('--fix-credentials <file>', "fix: the engine's credentials file, read from the venue's side (default: the LEGATO_FIX_* environment, else LEGATO-VENUE serving LEGATO)")
    .option('--tls-cert <file>', 'fix: serve over TLS with this certificate (PEM; needs --tls-key)')
    .option('--tls-key <file>', 'fix: the private key of --tls-cert (PEM, chmod 600)')
    .option('--tls-ca <file>', 'fix: with TLS, require a client certificate signed by this CA (PEM)')
    .option('--stats-file <file>', "write the venue's account (orders received, duplicates, every order with its fills, open orders, positions) to this file as JSON when it stops")
    .option('-c, --config <file>', 'YAML or JSON config: its venue and run.start (default: the built-in demo)')
    .addOption(new Option('--seed <N>', 'seed of the simulated market (overrides venue.seed)').argParser(parseInteger))
    .addOption(new Option('--speed <N>', 'simulated seconds per real second').default(60).argParser(parsePositive))
    .option('--wait-for-engine', 'hold market time until the first engine has connected')
    .addHelpText(
      'after',
      `
Stops on SIGINT or SIGTERM (exit 0), writing --stats-file first. Exit 2: flags that do not fit the protocol, an
invalid config, jspurefix not installed (fix), unreadable credentials; exit 1: it cannot listen.
Over FIX it serves one session: a second logon with the same CompIDs is refused while one is logged on.

Examples:
  legato venue --socket /tmp/v.sock --config my.yaml                        JSON lines on a Unix socket
  legato venue --protocol fix --port 9878 --store-dir vstore --config my.yaml   FIX 4.4 on 127.0.0.1:9878`,
    )
    .action(async (flags: VenueFlags & { config?: string; seed?: number }) => {
      const config = commandConfig({ ...(flags.config !== undefined ? { config: flags.config } : {}), ...(flags.seed !== undefined ? { seed: flags.seed } : {}) }, err);
      exitCode = config === null ? 2 : await venueCommand(config, flags, err);
    });

  registerFeedCommand(program, out, err, (code) => (exitCode = code));

  program
    .command('control')
    .description(
      'The kill switch of a running journalled `legato run`: pause (no new entries; a working algo stops its entry ' +
        'and hedges per its stopPolicy), resume (entries allowed again) or flatten (pause, then trade every leg to ' +
        'flat), for every strategy or one. It writes <data dir>/control.json and sends SIGUSR2 to the run (its pid is ' +
        'in <data dir>/run.pid); the run journals the request.',
    )
    .argument('<action>', 'pause, resume or flatten')
    .option('--strategy <name>', 'only this strategy (default: every strategy)')
    .option('--data-dir <dir>', "the run's data directory (default: $LEGATO_DATA_DIR, else ./.legato)")
    .addHelpText(
      'after',
      `
Exit codes: 0 the request was sent, 2 a bad action or strategy name, or no run running in the data directory.
The run prints what it did on its stderr ("legato: control: pause (all strategies)"), or why it refused.
Without a journal, a run takes the same request from --control-file <file> (write it, then kill -USR2 <pid>);
the file is JSON: {"action":"pause"|"resume"|"flatten","strategy"?:"<name>"}, at most 4096 bytes.

Examples:
  legato control pause --data-dir run1                      no new entries in any strategy of the run in run1
  legato control flatten --strategy hc-rb --data-dir run1   trade hc-rb's legs to flat
  legato control resume --data-dir run1                     entries allowed again`,
    )
    .action(async (action: string, flags: ControlFlags) => {
      exitCode = await controlCommand(action, flags, out, err);
    });

  program
    .command('backtest')
    .description(
      'Replay recorded leg quotes through the same engine, algos and matching (venue.kind: replay in the config) ' +
        'and report the executions, exposure, PnL and what was wrong with the data.',
    )
    .requiredOption('--data <paths...>', 'data files or folders: csv, jsonl, Binance bookTicker csv or LEAN minute quote bars, gzip accepted')
    .requiredOption('-c, --config <file>', 'YAML or JSON config with venue.kind: replay (see examples/backtest-*.yaml)')
    .addOption(new Option('--bad-data <policy>', 'skip bad rows (reported), or stop at the first').choices(['skip', 'stop']).default('skip'))
    .option('--tz <zone>', "zone of ISO timestamps without an offset (default: the venue calendar's)")
    .option('--json', 'print the report (summary, analytics, data report, rate) as JSON on stdout')
    .option('--html <file>', 'write a self-contained HTML report to this file (its folder must exist): charts, round trips, executions, data; with --sweep, heatmaps and the table')
    .option('--csv <dir>', 'write CSV files into this folder (created if missing; its parent must exist): fills.csv, executions.csv, round-trips.csv; with --sweep, sweep.csv')
    .option('--sweep <key=values...>', 'run every combination: key=from:to:step or key=v1,v2 (keys: ' + Object.keys(SWEEP_KEYS).join(', ') + ')')
    .addOption(new Option('--sort <by>', 'with --sweep: sort the runs by PnL (highest first, the default) or exposure (least first)').choices(['pnl', 'exposure']))
    .addOption(new Option('--workers <n>', 'with --sweep: worker threads, at least 1 (default: the cores available; 1 runs in this thread)').argParser(parseWorkers))
    .addOption(natsOption())
    .addHelpText(
      'after',
      `
Exit codes: 0 done, 2 bad arguments (a flag that does nothing in this mode, an output folder that is missing:
checked before anything runs), an invalid config or bad data under --bad-data stop, 1 an engine error.
A progress bar with rate and ETA goes to stderr on a terminal; nothing when stderr is not a terminal.

Examples:
  legato backtest --config examples/backtest-cme-calendar.yaml --data ../shared/data/cme-es-calendar-2013-10
  legato backtest -c examples/backtest-binance-basis.yaml --data ../shared/data/binance-btc-2024-08 --html report.html --csv out
  legato backtest -c examples/backtest-binance-basis.yaml --data ../shared/data/binance-btc-2024-08 \
    --sweep longEntry=-34:-28:2 --sweep shortEntry=-18:-14:2 --html sweep.html --csv out`,
    )
    .action(async (flags: BacktestFlags) => {
      exitCode = await backtestCommand(flags, out, err);
    });

  program
    .command('inspect')
    .description('Serve the inspector page over a recording (legato run --record), with a slider to step through transitions.')
    .argument('<file>', 'a recording written by legato run --record')
    .addOption(new Option('--port <N>', 'port (default 4400; 0 picks a free one)').argParser(parsePort))
    .option('--host <address>', 'address (default 127.0.0.1; others need --allow-remote)')
    .option('--allow-remote', 'allow binding a non-loopback address')
    .action(async (file: string, flags: InspectFileFlags) => {
      exitCode = await inspectFileCommand(file, flags, err);
    });

  program
    .command('machines')
    .description("Export every machine's diagram and transition table, computed from the machine definitions.")
    .option('--format <f>', 'mermaid | svg | json | md (an index page) | all, or a comma list (default: mermaid on stdout; all with --out)')
    .option('--out <dir>', 'write one file per machine and format into this folder (docs/machines is generated this way)')
    .addHelpText(
      'after',
      `
Examples:
  legato machines                           Mermaid stateDiagram-v2 text of every machine on stdout
  legato machines --format json             the transition tables as JSON
  legato machines --out docs/machines       every format and an index page (npm run machines)`,
    )
    .action(async (flags: MachinesFlags) => {
      exitCode = await machinesCommand(flags, out, err);
    });

  registerWorkerCommand(program, { out, err, setExit: (code) => (exitCode = code) });
  registerWhyCommand(program, out, err, (code) => (exitCode = code));
  refuseRepeatedOptions(program);

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help' || e.code === 'commander.version') return 0;
      if (e.code === 'commander.executeSubCommandAsync') return 0;
      return 2;
    }
    throw e;
  }
  if (argv.length === 0) {
    program.outputHelp();
    return 2;
  }
  return exitCode;
}

async function runCommand(flags: RunFlags, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const config = commandConfig(flags, err);
  if (config === null) return 2;
  if (flags.md !== undefined) return shardRunCommand(config, { ...flags, md: flags.md }, out, err);
  // A replay has no simulated market and no start of its own: its recorded quotes drive it (legato backtest).
  if (config.venue.kind === 'replay') {
    const refusal = new ConfigError('venue.kind', `must be simulated for \`legato run\`; a replay runs on recorded quotes: legato backtest --config ${config.source} --data <files>`, 'replay');
    err.write(`legato: ${new ConfigErrors(config.source, [refusal]).message}\n`);
    return 2;
  }

  const badVenue = checkVenueFlags(config, flags);
  if (badVenue) {
    err.write(`legato: ${badVenue}\n`);
    return 2;
  }

  if (wantsJournal(flags, config)) {
    if (flags.inspect || flags.record) {
      err.write('legato: --inspect and --record do not work with a journal yet (--data-dir, --resume, --venue, a journal config or a FIX venue)\n');
      return 2;
    }
    if (flags.controlFile !== undefined) {
      err.write('legato: --control-file is for a run without a journal; a journalled run reads <data dir>/control.json (legato control writes it)\n');
      return 2;
    }
    return durableRun(config, { ...flags, speed: flags.speed ?? 'max' }, out, err);
  }
  const zone = config.venue.calendar.timeZone;
  const inspection = await startRunInspection(flags, err);
  if (typeof inspection === 'number') return inspection;
  const engine = createEngine(config, inspection ? { inspect: inspection.observer } : {});
  inspection?.attach(engine);
  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // The kill switch: SIGUSR2 takes the request in --control-file, or pauses every strategy.
  const stopControl = listenForControl(engine, { ...(flags.controlFile !== undefined ? { file: resolve(flags.controlFile) } : {}), err });
  const tty = 'isTTY' in err && (err as NodeJS.WriteStream).isTTY === true;
  const showProgress = (p: Progress): void => {
    const pct = Math.min(100, Math.round(((p.now - p.from) / Math.max(1, p.until - p.from)) * 100));
    const pos = Object.entries(p.positions)
      .map(([k, v]) => `${k} ${v >= 0 ? '+' : ''}${v}`)
      .join(' ');
    const line = `${time(p.now, zone)} ${String(pct).padStart(3)}%  quotes ${p.quotes}  orders ${p.orders}  fills ${p.fills}  executions ${p.executions}  position ${pos}`;
    err.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
  };
  err.write(`legato: running ${config.strategies.map((s) => s.spec.name).join(', ')} from ${config.source}, seed ${config.venue.seed}\n`);
  try {
    const summary = await engine.run({
      speed: flags.speed ?? (flags.inspect ? 300 : 'max'),
      signal: abort.signal,
      onProgress: showProgress,
      progressEveryMs: tty ? 5 * 60_000 : 2 * 3_600_000,
    });
    if (tty) err.write('\n');
    if (abort.signal.aborted) err.write('legato: interrupted; algos were stopped and the run ended cleanly\n');
    out.write(flags.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatSummary(summary, zone)}\n`);
    await inspection?.finish(abort.signal);
    return summary.errors.length > 0 ? 1 : 0;
  } finally {
    stopControl();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

interface BacktestFlags {
  data: string[];
  config: string;
  badData: 'skip' | 'stop';
  tz?: string;
  json?: boolean;
  html?: string;
  csv?: string;
  sweep?: string[];
  sort?: 'pnl' | 'exposure';
  workers?: number;
  nats?: string;
}

/** A flag that does nothing in this mode, or an output that cannot be written: the message, else null. Checked before anything runs. */
function checkBacktestFlags(flags: BacktestFlags): string | null {
  if (natsFlagProblem(flags)) return natsFlagProblem(flags);
  if (!flags.sweep) {
    if (flags.sort !== undefined) return '--sort orders the runs of a sweep; without --sweep there is one run and nothing to sort';
    if (flags.workers !== undefined) return '--workers sets the threads of a sweep; without --sweep the backtest runs in this thread';
  }
  const writable = (dir: string): boolean => {
    try {
      accessSync(dir, constants.W_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (flags.html !== undefined) {
    const file = resolve(flags.html);
    const dir = dirname(file);
    if (existsSync(file) && statSync(file).isDirectory()) return `--html ${flags.html}: is a folder; give the file to write`;
    // Writing a FIFO waits for a reader, for ever without one: after the whole run.
    if (existsSync(file) && (statSync(file).isFIFO() || statSync(file).isSocket())) return `--html ${flags.html}: is a ${statSync(file).isFIFO() ? 'FIFO' : 'socket'}; give a file to write (the report is written when the run ends)`;
    if (!existsSync(dir)) return `--html ${flags.html}: the folder ${dir} does not exist`;
    if (!statSync(dir).isDirectory()) return `--html ${flags.html}: ${dir} is not a folder`;
    if (!writable(dir) || (existsSync(file) && !writable(file))) return `--html ${flags.html}: cannot write there (permission denied)`;
  }
  if (flags.csv !== undefined) {
    const dir = resolve(flags.csv);
    if (existsSync(dir)) {
      if (!statSync(dir).isDirectory()) return `--csv ${flags.csv}: is a file; give a folder to write the CSV files into`;
      if (!writable(dir)) return `--csv ${flags.csv}: cannot write there (permission denied)`;
    } else {
      const parent = dirname(dir);
      if (!existsSync(parent) || !statSync(parent).isDirectory()) return `--csv ${flags.csv}: the folder ${parent} does not exist (only the last folder of the path is created)`;
      if (!writable(parent)) return `--csv ${flags.csv}: cannot create it in ${parent} (permission denied)`;
    }
  }
  return null;
}

/**
 * Writes the reports asked for: the HTML file, the CSV files into their folder (created if missing). Their
 * places were checked before the run; a failure now (a full disk, a folder removed meanwhile) is named.
 */
function writeOutputs(flags: BacktestFlags, html: () => string, csv: () => { name: string; text: string }[], err: NodeJS.WritableStream): string | null {
  let target = '';
  try {
    if (flags.html !== undefined) {
      target = flags.html;
      writeFileSync(flags.html, html());
      err.write(`legato: wrote ${flags.html}\n`);
    }
    if (flags.csv !== undefined) {
      const files = csv();
      target = flags.csv;
      if (!existsSync(flags.csv)) mkdirSync(flags.csv);
      for (const f of files) {
        target = join(flags.csv, f.name);
        writeFileSync(target, f.text);
      }
      err.write(`legato: wrote ${files.map((f) => f.name).join(', ')} in ${flags.csv}\n`);
    }
    return null;
  } catch (e) {
    return `cannot write ${target}: ${e instanceof Error ? e.message : String(e)}`;
  }
}

async function sweepCommand(flags: BacktestFlags, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  let raw: ConfigInput;
  let axes: SweepAxis[];
  try {
    loadConfigFile(flags.config); // the base config must be valid on its own
    raw = parseConfigText(readFileSync(flags.config, 'utf8'), flags.config) as ConfigInput;
    axes = parseSweep(flags.sweep!);
    // Data that is not there fails every combination alike: named once, before a run (and before any output is
    // replaced by a table of failures). Over NATS the workers read the data, from their own folders.
    if (flags.nats === undefined) for (const d of flags.data) dataFiles(d);
  } catch (e) {
    if (e instanceof ConfigErrors || e instanceof ConfigError || e instanceof DataError) {
      err.write(`legato: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const tty = 'isTTY' in err && (err as NodeJS.WriteStream).isTTY === true;
  const t0 = performance.now();
  // The bar counts runs; it shows at once (each worker loads the data before its first run ends).
  if (tty) err.write(`\r\x1b[2K${progressBar(0, axes.reduce((n, a) => n * a.values.length, 1), 0, 'runs')}  loading data`);
  let rows: SweepRow[];
  try {
    rows = await (flags.nats !== undefined ? natsSweep(flags.nats, err) : runSweep)(raw, flags.config, axes, {
      data: flags.data,
      badData: flags.badData,
      ...(flags.tz ? { timeZone: flags.tz } : {}),
      ...(flags.workers !== undefined ? { workers: flags.workers } : {}),
      onRow: tty ? (done, total) => err.write(`\r\x1b[2K${progressBar(done, total, (performance.now() - t0) / 1000, 'runs')}`) : undefined,
    });
  } catch (e) {
    if (e instanceof DataError || isNatsError(e)) {
      err.write(`legato: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  if (tty) err.write('\n');
  const sort = flags.sort ?? 'pnl';
  const sorted = sortRows(rows, sort);
  const failed = writeOutputs(
    flags,
    () => sweepHtmlReport(sorted, axes, { title: `Legato sweep: ${flags.config}`, config: flags.config, data: flags.data, sortedBy: sort }),
    () => [{ name: 'sweep.csv', text: sweepCsv(sorted, axes) }],
    err,
  );
  if (failed) {
    err.write(`legato: ${failed}\n`);
    return 2;
  }
  if (flags.json) out.write(`${JSON.stringify({ sortedBy: sort, rows: sorted }, null, 2)}\n`);
  else {
    out.write(`Sweep: ${rows.length} runs over ${axes.map((a) => `${a.key} (${a.values.length})`).join(' × ')}, sorted by ${sort}\n`);
    out.write(
      table(
        ['#', ...axes.map((a) => a.key), 'executions', 'units', 'PnL', 'max naked notional', 'naked notional·s', 'mean slippage', 'error'],
        sorted.map((r, i) => [i + 1, ...axes.map((a) => r.params[a.key]!), r.executions, r.units, r.pnl ?? '-', r.maxNakedNotional, r.nakedNotionalSeconds, r.meanSlippage ?? '-', r.error ?? '']),
      ) + '\n',
    );
  }
  return rows.some((r) => r.error) ? 1 : 0;
}

async function backtestCommand(flags: BacktestFlags, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const refused = checkBacktestFlags(flags);
  if (refused) {
    err.write(`legato: ${refused}\n`);
    return 2;
  }
  if (flags.sweep) return sweepCommand(flags, out, err);
  let config: EngineConfig;
  try {
    config = loadConfigFile(flags.config);
  } catch (e) {
    if (e instanceof ConfigErrors) {
      err.write(`legato: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const zone = flags.tz ?? config.venue.calendar.timeZone;
  const tty = 'isTTY' in err && (err as NodeJS.WriteStream).isTTY === true;
  let t0 = performance.now();
  let result: BacktestResult;
  try {
    // The data loads first (file by file, with its own bar), then the replay runs (a bar in rows).
    const v = config.venue;
    const quotes =
      v.kind === 'replay'
        ? loadQuotes(flags.data, {
            instruments: new Map(v.instruments.map((i) => [i.symbol, { tickSize: Number(i.tickSize), maxWidthTicks: i.maxWidthTicks }])),
            timeZone: flags.tz ?? v.calendar.timeZone,
            badData: flags.badData,
            ...(tty ? { onFile: (i: number, n: number, file: string) => err.write(`\r\x1b[2K${progressBar(i, n, (performance.now() - t0) / 1000, 'files')}  loading ${basename(file)}`) } : {}),
          })
        : undefined;
    if (quotes && tty) err.write(`\r\x1b[2K${progressBar(quotes.report.files.length, quotes.report.files.length, (performance.now() - t0) / 1000, 'files')}  loaded ${quotes.report.rows.toLocaleString('en-US')} rows\n`);
    t0 = performance.now();
    result = await runBacktest(config, {
      data: flags.data,
      badData: flags.badData,
      ...(flags.tz ? { timeZone: flags.tz } : {}),
      ...(quotes ? { quotes } : {}),
      progressEveryRows: 20_000,
      onProgress: tty ? (p) => err.write(`\r\x1b[2K${progressBar(p.done, p.total, (performance.now() - t0) / 1000)}`) : undefined,
    });
  } catch (e) {
    if (tty) err.write('\n');
    if (e instanceof ConfigErrors || e instanceof DataError) {
      err.write(`legato: ${e.message}\n`);
      if (e instanceof DataError && e.report) err.write(formatDataReport(e.report));
      return 2;
    }
    throw e;
  }
  if (tty) err.write('\n');
  const failed = writeOutputs(
    flags,
    () => htmlReport(result, zone, `Legato backtest: ${config.strategies.map((s) => s.spec.name).join(', ')}`),
    () => backtestCsvFiles(result),
    err,
  );
  if (failed) {
    err.write(`legato: ${failed}\n`);
    return 2;
  }
  if (flags.json) out.write(`${JSON.stringify({ summary: result.summary, analytics: result.analytics, data: result.data, rowsPerSecond: Math.round(result.rowsPerSecond) }, null, 2)}\n`);
  else {
    const analytics = result.analytics ? `\n\n${analyticsText(result.analytics, zone)}` : '';
    out.write(`${formatSummary(result.summary, zone)}${analytics}\n\n${formatDataReport(result.data)}replayed ${result.data.used} rows at ${Math.round(result.rowsPerSecond).toLocaleString('en-US')} rows/s\n`);
  }
  return result.summary.errors.length > 0 ? 1 : 0;
}

// Run when executed directly (npm start / tsx src/cli/main.ts).
if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
}
