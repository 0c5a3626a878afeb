import { describe, expect, it } from 'vitest';
import { latencyStats } from '../../bench/latency.js';
import { percentile } from '../../bench/stats.js';

describe('latency statistics (bench/latency.ts)', () => {
  it('takes the value at ⌊p/100 · n⌋ of the sorted samples', () => {
    const xs = Array.from({ length: 200 }, (_, i) => 200 - i);
    expect(percentile(xs, 50)).toBe(101);
    expect(percentile(xs, 99)).toBe(199);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('counts the samples a pause overlapped, and gives the p99 of the others', () => {
    // Samples in ms on the timeline: 10 µs, 20 µs, 3 ms (paused), 40 µs, 2 ms (paused at its very start).
    const spans = [
      { start: 0, end: 0.01 },
      { start: 1, end: 1.02 },
      { start: 2, end: 5 },
      { start: 6, end: 6.04 },
      { start: 8, end: 10 },
    ];
    const pauses = [
      { start: 3, duration: 1.5 },
      // Ends as the 40 µs sample begins, and begins as the first one ends: neither overlaps.
      { start: 5.5, duration: 0.5 },
      { start: 0.01, duration: 0.2 },
      { start: 7.9, duration: 0.2 },
    ];
    expect(latencyStats(spans, pauses)).toEqual({ samples: 5, p50Us: 40, p99Us: 3000, maxUs: 3000, withCollection: 2, p99WithoutCollectionUs: 40 });
  });

  it('takes the p99 below the maximum once there are more than a hundred samples, paused or not', () => {
    // 200 samples of 1 … 200 µs, one ms apart; a pause overlaps the 200 µs one and the 150 µs one.
    const spans = Array.from({ length: 200 }, (_, i) => ({ start: i, end: i + (i + 1) / 1000 }));
    const pauses = [
      { start: 199.1, duration: 0.05 },
      { start: 149.149, duration: 0.5 },
    ];
    expect(latencyStats(spans, pauses)).toEqual({ samples: 200, p50Us: 101, p99Us: 199, maxUs: 200, withCollection: 2, p99WithoutCollectionUs: 198 });
  });

  it('reports no samples as NaN, not as zero', () => {
    const s = latencyStats([], []);
    expect(s.samples).toBe(0);
    expect(s.withCollection).toBe(0);
    expect(s.p99Us).toBeNaN();
    expect(s.maxUs).toBeNaN();
  });
});
