/**
 * `legato why <id>`: the chain that led to an algo or an order, in words and in order, read from a journal (a
 * data directory) or a recording (`legato run --record`). The logic is the library's (src/report/why.ts).
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { DateTime } from 'luxon';
import { algoIdOf, defaultDataDir, explain, journalRunWith, LegatoError, loadConfigFile, renderWhy, type WhyChain, type WhyInput } from '../index.js';
import { readRecording, recordingWhyInput } from '../inspector/index.js';

export interface WhyFlags {
  dataDir?: string;
  recording?: string;
  zone?: string;
  config?: string;
  json?: boolean;
}

/** Characters that must not reach a terminal from a file's content: C0 and C1 controls, line and bidi overrides. */
const UNPRINTABLE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const printable = (s: string): string => s.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** Registers `legato why` on the program; `setExit` receives its exit code. */
export function registerWhyCommand(program: Command, out: NodeJS.WritableStream, err: NodeJS.WritableStream, setExit: (code: number) => void): void {
  program
    .command('why')
    .description(
      'Why did it do that? The chain that led to an algo (<strategy>/<n>) or an order (<strategy>/<n>.<k>), in order: ' +
        'the session window, the crossing that fired (the spread and the legs\' books then), the strategy\'s transition, ' +
        'the algo\'s launch and hedge ladder steps, each order and its reports, and how it ended; with times and prices. ' +
        'Read from a journal (--data-dir) or a recording (--recording, written by legato run --record).',
    )
    .argument('<id>', 'an algo id (hc-rb/3) or an order id (hc-rb/3.2)')
    .option('--data-dir <dir>', "a journalled run's data directory (default: $LEGATO_DATA_DIR, else ./.legato)")
    .option('--recording <file>', 'a recording written by legato run --record, instead of a journal')
    .option('--zone <zone>', "the time zone of the times shown (default: the recording's; for a journal the --config's venue calendar, else UTC)")
    .option('--config <file>', "the run's config: only its venue calendar's time zone is used")
    .option('--json', 'print the chain as JSON (every step with its record)')
    .addHelpText(
      'after',
      `
Exit codes: 0 the chain was printed, 2 an unknown id, a missing or unreadable journal or recording, bad flags.
A journal holds every run made in its directory: the latest run that launched the algo is read.

Examples:
  legato run --data-dir run1 && legato why hc-rb/1 --data-dir run1
  legato run --record day.jsonl && legato why hc-rb/1.2 --recording day.jsonl
  legato why hc-rb/4 --data-dir run1 --zone Asia/Shanghai`,
    )
    .action(async (id: string, flags: WhyFlags) => {
      setExit(whyCommand(id, flags, out, err));
    });
}

/** Runs `legato why`; returns the exit code. Every expected failure is a named error on stderr, exit 2. */
export function whyCommand(id: string, flags: WhyFlags, out: NodeJS.WritableStream, err: NodeJS.WritableStream): number {
  const fail = (message: string): number => {
    err.write(`legato: ${printable(message)}\n`);
    return 2;
  };
  if (flags.recording !== undefined && flags.dataDir !== undefined) return fail('give --data-dir (a journal) or --recording (a recording), not both');
  if (flags.zone !== undefined && !DateTime.now().setZone(flags.zone).isValid) return fail(`--zone ${flags.zone.slice(0, 60)} is not a time zone (an IANA name such as Asia/Shanghai, or UTC)`);
  let zone = flags.zone;
  let input: WhyInput;
  let chain: WhyChain;
  try {
    if (flags.config !== undefined && zone === undefined) zone = loadConfigFile(flags.config).venue.calendar.timeZone;
    if (flags.recording !== undefined) {
      const file = resolve(flags.recording);
      if (!existsSync(file)) return fail(`no recording ${flags.recording}: the file does not exist`);
      if (statSync(file).isDirectory()) return fail(`${flags.recording} is a directory, not a recording (for a journal use --data-dir)`);
      const r = recordingWhyInput(readRecording(file));
      if (r.engineRecords === 0) return fail(`the recording ${flags.recording} holds no engine records (it was written before \`legato why\` existed): record the run again`);
      input = r;
      zone ??= r.zone;
    } else {
      input = journalRunWith(resolve(flags.dataDir ?? defaultDataDir()), algoIdOf(id));
    }
    chain = explain(input, id);
  } catch (e) {
    if (e instanceof LegatoError) return fail(e.message);
    throw e;
  }
  if (flags.json) out.write(`${JSON.stringify(chain, null, 2)}\n`);
  else out.write(`${printable(renderWhy(chain, { zone: zone ?? 'UTC' }))}\n`);
  return 0;
}
