/**
 * What a replay allocates, by V8's sampling heap profiler (one sample per 512 bytes allocated on average, objects
 * collected by either generation kept): megabytes per replay of the whole engine. Garbage sets how often the young
 * generation is collected, and the collections set the latencies' p99 and much of what a quote costs with thousands
 * of strategies (docs/benchmarks.md). A sampled figure, not a count: repeated runs agree to about 1 %.
 */
import { Session } from 'node:inspector/promises';

interface SamplingNode {
  selfSize: number;
  children: SamplingNode[];
}

/** Megabytes allocated per call of `run` (`runs` calls after one untimed warm-up), sampled. */
export async function allocatedMBPerRun(run: () => Promise<unknown>, runs = 5): Promise<number> {
  await run();
  const session = new Session();
  session.connect();
  try {
    await session.post('HeapProfiler.enable');
    await session.post('HeapProfiler.startSampling', { samplingInterval: 512, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    for (let k = 0; k < runs; k++) await run();
    const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: SamplingNode } };
    let bytes = 0;
    const walk = (n: SamplingNode): void => {
      bytes += n.selfSize;
      for (const c of n.children) walk(c);
    };
    walk(profile.head);
    return Math.round((bytes / runs / 1e6) * 10) / 10;
  } finally {
    await session.post('HeapProfiler.disable').catch(() => undefined);
    session.disconnect();
  }
}
