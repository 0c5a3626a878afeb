import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRecording } from '../../src/inspector/index.js';

describe('legato run --inspect --record, as a user runs it', () => {
  it('serves the page during and after the run, records it, and exits 0 on Ctrl-C', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'legato-rec-')), 'run.jsonl');
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'run', '--inspect', '--port', '0', '--days', '0.05', '--speed', 'max', '--record', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    const after = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /the inspector stays at (http:\/\/127\.0\.0\.1:\d+\/) until Ctrl-C/.exec(err);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
    });
    expect(err).toMatch(/legato: inspector at http:\/\/127\.0\.0\.1:\d+\/ \(read-only; control token [0-9a-f]{32}\)/);
    expect(err).toContain(`legato: recorded to ${file} (legato inspect ${file} replays it)`);
    const page = await fetch(after);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Legato inspector</title>');
    const code = await new Promise<number | null>((resolve) => {
      child.once('exit', (c) => resolve(c));
      child.kill('SIGINT');
    });
    expect(code).toBe(0);
    const records = parseRecording(readFileSync(file, 'utf8'), file);
    expect(records[0]!.k).toBe('meta');
    // Every actor that was created has ended (orders and algos done, the rest stopped with the engine).
    const ids = (k: string): string[] => records.filter((r) => r.k === k).map((r) => (r as { id: string }).id).sort();
    expect(ids('end')).toEqual(ids('actor'));
    // The tree, whatever the simulated market did in those 72 minutes: the root, the strategy and its session, and
    // each algo with its orders.
    const actors = ids('actor');
    expect(actors.filter((id) => !/^(algo|order):/.test(id))).toEqual(['engine', 'session:hc-rb', 'strategy:hc-rb']);
    expect(actors.some((id) => id.startsWith('algo:hc-rb/'))).toBe(true);
    for (const id of actors.filter((x) => x.startsWith('order:'))) expect(actors).toContain(`algo:${id.slice(6, id.lastIndexOf('.'))}`);
  });
});
