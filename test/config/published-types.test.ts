import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const TSC = join(ROOT, 'node_modules/.bin/tsc');

/** The README's TypeScript blocks, in order. */
export function readmeSnippets(readme: string): string[] {
  return [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

function tsc(args: string[], cwd: string): { code: number | null; out: string } {
  const r = spawnSync(TSC, args, { cwd, encoding: 'utf8' });
  return { code: r.status, out: `${r.stdout}${r.stderr}`.trim() };
}

describe('the package as a host meets it (dist types, README snippets)', () => {
  it('README: the inspector snippet imports what it uses; the library example is examples/embed.ts as it is', () => {
    const blocks = readmeSnippets(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    const inspector = blocks.find((b) => b.includes("from 'legato/inspector'"))!;
    expect(inspector.split('\n')[0]).toBe("import { createWriteStream } from 'node:fs';");
    // The example file as the README shows it: without its two header comments.
    const embed = readFileSync(join(ROOT, 'examples/embed.ts'), 'utf8').replace(/^(\/\/.*\n)+/, '');
    expect(blocks.filter((b) => b === embed)).toHaveLength(1);
  });

  it(
    'the published declarations compile with skipLibCheck false, a misspelled config field is a compile error, and the README snippets type-check against them',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'legato-types-'));
      // The package as published: its declarations (as `npm run build` makes them, into a folder of its own, not
      // dist/) and its package.json (exports, ESM), with the dependencies it declares.
      const pkg = join(dir, 'legato');
      const built = tsc(['-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(pkg, 'dist'), '--declaration', '--emitDeclarationOnly', '--sourceMap', 'false'], ROOT);
      expect(built).toEqual({ code: 0, out: '' });
      copyFileSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
      symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'), 'dir');

      // A host: an ES module of its own, strict, checking every declaration file it loads.
      const host = join(dir, 'host');
      mkdirSync(join(host, 'node_modules'), { recursive: true });
      symlinkSync(pkg, join(host, 'node_modules', 'legato'), 'dir');
      writeFileSync(join(host, 'package.json'), JSON.stringify({ type: 'module' }));
      writeFileSync(
        join(host, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: false, noEmit: true, types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')] },
          include: ['*.ts'],
        }),
      );
      writeFileSync(
        join(host, 'host.ts'),
        [
          "import { createEngine, demoConfig, resolveConfig, type ConfigInput, type EngineConfig } from 'legato';",
          "const strategy = demoConfig.strategies[0]!;",
          "const good: EngineConfig = resolveConfig({ ...demoConfig, strategies: [{ ...strategy, target: 3 }] }, 'host');",
          '// @ts-expect-error: triger is not a field of a strategy',
          "resolveConfig({ ...demoConfig, strategies: [{ ...strategy, triger: strategy.triggers }] }, 'host');",
          '// @ts-expect-error: target is a number of spread units',
          "const bad: ConfigInput = { ...demoConfig, strategies: [{ ...strategy, target: 'five' }] };",
          'export const run = () => createEngine(good).run({ speed: 60 });',
          'export { bad };',
        ].join('\n'),
      );
      // Without the directive the same typo must be the one error (so the check above can fail).
      writeFileSync(
        join(host, 'typo.ts'),
        "import { demoConfig, resolveConfig } from 'legato';\nexport const c = resolveConfig({ ...demoConfig, venue: { ...demoConfig.venue, sede: 3 } }, 'typo');\n",
      );
      const snippets = readmeSnippets(readFileSync(join(ROOT, 'README.md'), 'utf8')).filter((b) => /from 'legato(\/inspector)?'/.test(b));
      expect(snippets.length).toBe(1);
      snippets.forEach((b, i) => writeFileSync(join(host, `readme-${i + 1}.ts`), b));

      const checked = tsc(['-p', join(host, 'tsconfig.json')], host);
      expect(checked.code).toBe(2);
      const errors = checked.out.split('\n').filter((l) => /error TS\d+/.test(l));
      expect(errors.length, checked.out).toBe(1);
      expect(errors[0]).toMatch(/^typo\.ts\(2,\d+\): error TS2353: Object literal may only specify known properties, and 'sede' does not exist in type /);
    },
    600_000,
  );
});
