import { InvalidArgumentError, type Command } from 'commander';
import { ConfigErrors, demoConfig, loadConfigFile, resolveConfig, type EngineConfig } from '../index.js';

/**
 * The config a command runs: the file given with --config, else the built-in demo, with --seed and --days applied.
 * A config that does not resolve is named on `err` and gives null (the command exits 2).
 */
export function commandConfig(flags: { config?: string; seed?: number; days?: number }, err: NodeJS.WritableStream): EngineConfig | null {
  const overrides = { ...(flags.seed !== undefined ? { seed: flags.seed } : {}), ...(flags.days !== undefined ? { days: flags.days } : {}) };
  try {
    return flags.config ? loadConfigFile(flags.config, overrides) : resolveConfig(demoConfig, 'built-in demo', overrides);
  } catch (e) {
    if (!(e instanceof ConfigErrors)) throw e;
    err.write(`legato: ${e.message}\n`);
    return null;
  }
}

/**
 * The number an option's text writes in decimal (a sign, digits, a fraction, an exponent), else NaN. Number()
 * alone reads "" and "  " as 0 and "0x10", "0o17", "0b11" as 16, 15, 3: a value left out or mistyped would run.
 */
export function decimalOption(v: string): number {
  return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(v) ? Number(v) : NaN;
}

/** The argument parsers of the CLI's options: a bad value is commander's named error, exit 2. */
export function parseSpeed(v: string): number | 'max' {
  if (v === 'max') return 'max';
  const n = decimalOption(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number or "max".');
  return n;
}
export function parseInteger(v: string): number {
  const n = decimalOption(v);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError('must be a whole number.');
  return n;
}
export function parsePort(v: string): number {
  const n = decimalOption(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a whole number from 0 to 65535 (0 picks a free port).');
  return n;
}
export function parseHeartbeat(v: string): number {
  const n = decimalOption(v);
  if (!Number.isInteger(n) || n < 1 || n > 300) throw new InvalidArgumentError('must be a whole number of seconds from 1 to 300.');
  return n;
}
export function parseVenue(v: string): string {
  if (v.trim() === '') throw new InvalidArgumentError('must be a Unix socket path, a TCP port on 127.0.0.1, or fix://host:port.');
  return v;
}
export function parseWorkers(v: string): number {
  const n = decimalOption(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of at least 1 (the worker threads of a sweep).');
  return n;
}
export function parsePositive(v: string): number {
  const n = decimalOption(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number.');
  return n;
}

/**
 * An argument holding a line break, named (its position, its text with the break written out), or undefined. A
 * message that echoes an argument is one line; a break typed or pasted into one (a path, a value) would split it,
 * and a second line that reads like one of legato's own. No argument of the CLI is text of several lines.
 */
export function lineBreakArgument(argv: readonly string[]): string | undefined {
  const i = argv.findIndex((a) => /[\n\r\u0085\u2028\u2029]/.test(a));
  if (i < 0) return undefined;
  return `argument ${i + 1} (${JSON.stringify(shortened(argv[i]!))}) holds a line break: give each argument on one line`;
}

/** An argument as a message shows it: at most 200 characters. */
const shortened = (v: string): string => (v.length > 200 ? `${v.slice(0, 200)}… (${v.length} characters)` : v);

/**
 * Makes an option that takes one value, given twice, commander's named error (exit 2) on `cmd` and every command
 * under it: without it the last one wins in silence (`--config a.yaml --config b.yaml` runs b). A list option
 * (`--data <paths...>`) gathers its values across repeats, and a flag given twice says the same thing once more.
 */
export function refuseRepeatedOptions(cmd: Command): void {
  for (const option of cmd.options) {
    if (option.variadic || !(option.required || option.optional)) continue;
    let given: string | undefined;
    cmd.on(`option:${option.name()}`, (value: string) => {
      if (given !== undefined) cmd.error(`error: option '${option.flags}' given twice ('${shortened(String(given))}', then '${shortened(String(value))}'): give it once`, { exitCode: 2, code: 'legato.optionRepeated' });
      given = value;
    });
  }
  for (const sub of cmd.commands) refuseRepeatedOptions(sub);
}
