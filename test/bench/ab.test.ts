import { describe, expect, it } from 'vitest';
import { AbError, abOptions, otherBuild } from '../../bench/ab.js';

describe('the two-build comparison (bench/ab.ts): what it is asked', () => {
  it('takes the other checkout, and the rounds and JSON when given', () => {
    expect(abOptions(['../base'])).toEqual({ other: '../base', rounds: 30, json: false });
    expect(abOptions(['--rounds', '12', '/tmp/base', '--json'])).toEqual({ other: '/tmp/base', rounds: 12, json: true });
  });

  it('refuses by name what it cannot compare', () => {
    const refusal = (argv: string[]): string => {
      try {
        abOptions(argv);
      } catch (e) {
        expect(e).toBeInstanceOf(AbError);
        return (e as Error).message.split('\n')[0]!;
      }
      throw new Error(`${JSON.stringify(argv)} was taken`);
    };
    expect(refusal([])).toBe('no checkout to compare with');
    expect(refusal(['a', 'b'])).toBe('one checkout to compare with, not two ("a" and "b")');
    expect(refusal(['a', '--rounds', '2'])).toBe('--rounds takes a whole number from 3 to 1000, not "2"');
    expect(refusal(['a', '--rounds'])).toBe('--rounds takes a whole number from 3 to 1000, not ""');
    expect(refusal(['a', '--fast'])).toBe('unknown option "--fast"');
  });

  it('names the compiled file a checkout lacks', async () => {
    await expect(otherBuild('/nonexistent/legato')).rejects.toThrow(
      new AbError('/nonexistent/legato: no compiled engine (/nonexistent/legato/dist-bench/src/backtest/run-backtest.js is missing): run `npx tsc -p tsconfig.bench.json` there first'),
    );
  });
});
