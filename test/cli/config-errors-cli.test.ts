import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/processes.js';

const dir = mkdtempSync(join(tmpdir(), 'legato-config-cli-'));
let n = 0;
const file = (text: string, ext = 'yaml'): string => {
  const p = join(dir, `c${++n}.${ext}`);
  writeFileSync(p, text);
  return p;
};
const demoYaml = readFileSync(new URL('../../examples/demo.yaml', import.meta.url), 'utf8');

describe('legato run --config: a config that is not right is one message in our words, exit 2, no stack trace', () => {
  it('an empty file', async () => {
    const p = file('');
    expect(await cli(['run', '--config', p])).toEqual({ code: 2, out: '', err: `legato: invalid configuration in ${p}:\n  - (file): is empty: a config is a mapping of fields (run, venue, strategies)\n` });
  });

  it('a JSON syntax error, at its line and column', async () => {
    const p = file('{\n  "run": { "days": 1 }\n  "venue": {}\n}\n', 'json');
    expect(await cli(['run', '--config', p])).toEqual({
      code: 2,
      out: '',
      err: `legato: invalid configuration in ${p}:\n  - line 3, column 3: JSON syntax error: Expected ',' or '}' after property value\n`,
    });
  });

  it('a YAML syntax error, at its line and column', async () => {
    const p = file('run:\n  days: [1, 2\nvenue: {}\n');
    const r = await cli(['run', '--config', p]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`^legato: invalid configuration in ${p}:\\n  - line \\d+, column \\d+: YAML syntax error: [^\\n]+\\n$`));
  });

  it('a misspelled field: "did you mean", and a value out of bounds in our words', async () => {
    const p = file(demoYaml.replace('triggers:', 'triger:').replace('target: 5', 'target: 0'));
    expect(await cli(['run', '--config', p])).toEqual({
      code: 2,
      out: '',
      err: `legato: invalid configuration in ${p}:\n  - strategies[0].target: must be greater than 0 (got 0)\n  - strategies[0].triger: is not a known field; did you mean "triggers"?\n`,
    });
  });

  it('a value of the wrong kind, and a choice misspelled', async () => {
    const p = file(demoYaml.replace('seed: 1', 'seed: one').replace('hedgeRounding: nearest', 'hedgeRounding: nearst'));
    expect(await cli(['run', '--config', p])).toEqual({
      code: 2,
      out: '',
      err:
        `legato: invalid configuration in ${p}:\n  - venue.seed: must be a number (got "one")\n` +
        '  - strategies[0].execution.hedgeRounding: must be one of "nearest", "down" or "up"; did you mean "nearest"? (got "nearst")\n',
    });
  });

  it('legato venue and legato backtest say the same', async () => {
    const p = file('');
    const message = `legato: invalid configuration in ${p}:\n  - (file): is empty: a config is a mapping of fields (run, venue, strategies)\n`;
    expect(await cli(['venue', '--socket', join(dir, 'v.sock'), '--config', p])).toEqual({ code: 2, out: '', err: message });
    expect(await cli(['backtest', '--config', p, '--data', p])).toEqual({ code: 2, out: '', err: message });
  });

  it('a long value is shown by its start and length, not echoed whole (was: 400 KB on stderr for a 200,000-character run.start)', async () => {
    const long = 'A'.repeat(200_000);
    const start = file(demoYaml.replace('start: "2026-11-23T20:30:00"', `start: "${long}"`));
    expect(await cli(['run', '--config', start])).toEqual({
      code: 2,
      out: '',
      err: `legato: invalid configuration in ${start}:\n  - run.start: is not an ISO 8601 date-time (longer than 100 characters) (got "${'A'.repeat(60)}"... (200000 characters))\n`,
    });
    const seed = file(demoYaml.replace('seed: 1', `seed: "${'9'.repeat(200_000)}"`));
    expect(await cli(['run', '--config', seed])).toEqual({
      code: 2,
      out: '',
      err: `legato: invalid configuration in ${seed}:\n  - venue.seed: must be a number (got "${'9'.repeat(60)}"... (200000 characters))\n`,
    });
  });

  it('a file that is not UTF-8 text is named so, at its line (was: UTF-16 read as one 42 KB string of \\u0000s; Latin-1 bytes read as U+FFFD)', async () => {
    const refusedAs = async (p: string, reason: string): Promise<void> =>
      expect(await cli(['run', '--config', p])).toEqual({ code: 2, out: '', err: `legato: invalid configuration in ${p}:\n  - ${reason}\n` });
    const at = (bytes: Buffer): string => {
      const p = join(dir, `c${++n}.yaml`);
      writeFileSync(p, bytes);
      return p;
    };
    const utf16 = 'is UTF-16 text: save it as UTF-8';
    await refusedAs(at(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(demoYaml, 'utf16le')])), `(file): ${utf16}`);
    await refusedAs(at(Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(demoYaml, 'utf16le').swap16()])), `(file): ${utf16}`);
    await refusedAs(at(Buffer.from(demoYaml, 'utf16le')), `(file): ${utf16}`);
    await refusedAs(at(Buffer.from(demoYaml.replace('name: hc-rb', 'name: hc-rb\0'))), `line ${demoYaml.split('name: hc-rb')[0]!.split('\n').length}: holds a NUL byte: a config is UTF-8 text`);
    await refusedAs(at(Buffer.concat([Buffer.from(demoYaml.split('name: hc-rb')[0]! + 'name: caf'), Buffer.from([0xe9]), Buffer.from(demoYaml.split('name: hc-rb')[1]!)])), `line ${demoYaml.split('name: hc-rb')[0]!.split('\n').length}: is not UTF-8 text (a byte that is no UTF-8 character): save the file as UTF-8`);
    // A UTF-8 byte-order mark is UTF-8: read as before.
    const bom = at(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(demoYaml.replace('days: 1\n', 'days: 0.001\n'))]));
    expect((await cli(['run', '--config', bom])).code).toBe(0);
  });
});
