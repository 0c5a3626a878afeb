import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

/** The CLI as a user runs it. */
export const BIN = resolve('bin/legato.js');

/** Runs `legato <args>` as its own process, collecting what it prints. */
export function proc(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += String(d)));
  child.stderr.on('data', (d) => (err += String(d)));
  const exit = new Promise<number | null>((done) => child.on('exit', (c) => done(c)));
  return { child, exit, out: () => out, err: () => err };
}

/**
 * The exit code of `p`, killed (SIGKILL, exit code null) if it has not exited after `ms`: for a run that used to hang
 * (on a FIFO, say), so that a regression fails the test's assertions instead of stalling the suite. A generous bound,
 * never a measure of speed.
 */
export async function exitWithin(p: ReturnType<typeof proc>, ms: number): Promise<number | null> {
  const timer = setTimeout(() => p.child.kill('SIGKILL'), ms);
  try {
    return await p.exit;
  } finally {
    clearTimeout(timer);
  }
}

/** Polls until `cond` holds; a generous `ms` bounds it (never a measure of speed). */
export async function until(cond: () => boolean, ms: number): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Runs `legato <args>` in this process (the CLI's `main`), collecting what it writes and its exit code. */
export async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const { Writable } = await import('node:stream');
  const { main } = await import('../../src/cli/main.js');
  let out = '';
  let err = '';
  const sink = (f: (s: string) => void) => new Writable({ write: (c, _e, cb) => (f(String(c)), cb()) });
  const code = await main(args, { out: sink((s) => (out += s)), err: sink((s) => (err += s)) });
  return { code, out, err };
}
