/** The p-th percentile of `xs` (the value at index ⌊p/100 · n⌋ of the sorted values), NaN for none. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** `x` rounded to `d` decimals (1 unless given). */
export function round(x: number, d = 1): number {
  return Math.round(x * 10 ** d) / 10 ** d;
}
