import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Every import specifier of every .ts file under a folder. */
function imports(dir: string): { file: string; spec: string }[] {
  const out: { file: string; spec: string }[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...imports(path));
    else if (name.endsWith('.ts')) {
      const text = readFileSync(path, 'utf8');
      for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g)) out.push({ file: relative('.', path), spec: m[1]! });
      for (const m of text.matchAll(/import\(['"]([^'"]+)['"]\)/g)) out.push({ file: relative('.', path), spec: m[1]! });
    }
  }
  return out;
}

/** The imports of a folder that break its rule: returns "file → specifier" lines. */
function violations(dir: string, allowed: (spec: string, file: string) => boolean): string[] {
  return imports(dir)
    .filter(({ spec, file }) => !allowed(spec, file))
    .map(({ file, spec }) => `${file} → ${spec}`);
}

const local = (spec: string): boolean => spec.startsWith('./');

describe('layers point one way (DESIGN.md §2)', () => {
  it('finds the imports it checks', () => {
    expect(imports('machines')).toContainEqual({ file: 'machines/algo-context.ts', spec: '../src/domain/position.js' });
    expect(imports('src/cli')).toContainEqual({ file: 'src/cli/main.ts', spec: '../index.js' });
  });

  it('machines import only xstate, each other and src/domain', () => {
    expect(violations('machines', (s) => s === 'xstate' || local(s) || s.startsWith('../src/domain/'))).toEqual([]);
  });

  it('domain is pure: only luxon, decimal.js and itself', () => {
    expect(violations('src/domain', (s) => s === 'luxon' || s === 'decimal.js' || local(s))).toEqual([]);
  });

  it('io (reading a file a user named) is node built-ins and the domain\'s errors only', () => {
    expect(imports('src/io').length).toBeGreaterThan(0);
    expect(violations('src/io', (s) => s.startsWith('node:') || s === '../domain/errors.js')).toEqual([]);
  });

  it('the clock imports nothing but itself', () => {
    expect(violations('src/clock', local)).toEqual([]);
  });

  it('the venue never imports machines, streams or the engine', () => {
    expect(violations('src/venue', (s) => !/machines|streams|engine|config|cli/.test(s))).toEqual([]);
  });

  it('streams use rxjs, the clock and the domain only', () => {
    expect(violations('src/streams', (s) => s === 'rxjs' || local(s) || s.startsWith('../domain/') || s.startsWith('../clock/'))).toEqual([]);
  });

  it('the journal is a layer of its own: node built-ins, the domain, io and itself', () => {
    expect(imports('src/journal').length).toBeGreaterThan(0);
    expect(violations('src/journal', (s) => s.startsWith('node:') || local(s) || s.startsWith('../domain/') || s === '../io/read-file.js')).toEqual([]);
  });

  it('only the engine (the composition root) uses the journal', () => {
    const users = ['src/venue', 'src/streams', 'src/clock', 'src/domain', 'machines'].flatMap((d) => imports(d)).filter(({ spec }) => spec.includes('journal/'));
    expect(users).toEqual([]);
  });

  it('the CLI uses only the public API (and the inspector\'s public entry, and the distributed layer)', () => {
    expect(violations('src/cli', (s) => s === '../index.js' || s === '../inspector/index.js' || s.startsWith('../distributed/') || local(s) || s === 'commander' || s === 'luxon' || s.startsWith('node:'))).toEqual([]);
  });

  it('distributed sits beside backtest (cli → distributed → backtest → engine): NATS, node and the layers beneath, never the CLI, the inspector or the reports', () => {
    expect(imports('src/distributed')).toContainEqual({ file: 'src/distributed/worker-thread.ts', spec: '../backtest/sweep.js' });
    const beneath = /^\.\.\/(backtest|engine|config|data|venue|streams|clock|journal|domain)\//;
    expect(violations('src/distributed', (s) => local(s) || beneath.test(s) || s.startsWith('@nats-io/') || s === 'rxjs' || s.startsWith('node:'))).toEqual([]);
  });

  it('only the CLI and the public API (src/index.ts) import the distributed layer', () => {
    const users = ['src/backtest', 'src/engine', 'src/config', 'src/data', 'src/venue', 'src/streams', 'src/clock', 'src/journal', 'src/domain', 'src/report', 'src/inspector', 'machines']
      .flatMap((d) => imports(d))
      .filter(({ spec }) => spec.includes('distributed/'));
    expect(users).toEqual([]);
  });

  it('the inspector uses only the public API, its own files, ws, elkjs and node', () => {
    expect(imports('src/inspector')).toContainEqual({ file: 'src/inspector/machines-export.ts', spec: '../index.js' });
    expect(violations('src/inspector', (s) => s === '../index.js' || local(s) || s === 'ws' || s.startsWith('elkjs/') || s.startsWith('node:'))).toEqual([]);
  });
});
