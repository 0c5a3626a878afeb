import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

async function help(args: string[]): Promise<string> {
  let text = '';
  const out = new Writable({ write: (c, _e, cb) => ((text += String(c)), cb()) });
  expect(await main([...args, '--help'], { out, err: out })).toBe(0);
  return text;
}

/** The long flags an Options section lists (`--help` aside). */
const flags = (text: string): string[] =>
  [...(text.split(/^Options:$/m)[1] ?? '').matchAll(/^ {2}(?:-\w, )?(--[a-z][a-z-]*)/gm)].map((m) => m[1]!).filter((f) => f !== '--help');

describe('the README synopsis lists every command and every flag the CLI has', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const synopsis = /### The command line\n\n```\n([\s\S]*?)\n```/.exec(readme)![1]!;

  it('every command, with every flag its --help lists', async () => {
    const commands = [...(await help([])).split(/^Commands:$/m)[1]!.matchAll(/^ {2}([a-z]+) /gm)].map((m) => m[1]!).filter((c) => c !== 'help');
    expect(commands).toContain('run');
    expect(commands).toContain('backtest');
    expect(commands).toContain('venue');
    const missing: string[] = [];
    for (const command of commands) {
      if (!synopsis.includes(`legato ${command}`)) missing.push(`legato ${command}`);
      for (const flag of flags(await help([command]))) {
        // Each flag on a line of its own command (a command's lines continue until the next `legato`).
        const lines = synopsis.split(/\n(?=legato )/).filter((l) => l.startsWith(`legato ${command}`)).join('\n');
        if (!new RegExp(`${flag}(?![a-z-])`).test(lines)) missing.push(`legato ${command} ${flag}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('the program flags: --version prints package.json\'s version, exit 0', async () => {
    let text = '';
    const out = new Writable({ write: (c, _e, cb) => ((text += String(c)), cb()) });
    expect(await main(['--version'], { out, err: out })).toBe(0);
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(text).toBe(`${pkg.version}\n`);
    expect(synopsis).toContain('legato --version');
  });
});
