import { statSync } from 'node:fs';
import type { MessagePort } from 'node:worker_threads';
import { runSweepJob, type SweepDataCache, type SweepJob, type SweepRow } from '../backtest/sweep.js';
import { dataFiles } from '../data/load.js';

/**
 * The thread a sweep worker runs its jobs on (worker-runner.ts starts it): the engine's run stays off the thread that
 * talks to NATS, so progress (`working()`) and signals are handled while a long run goes on, and a stop can end
 * the run at once. It keeps the last data it loaded, as long as the files' sizes and times are unchanged.
 */

export type ThreadRequest = { job: SweepJob };
export type ThreadReply = { row: SweepRow } | { failed: string; start?: true };

/** Sizes and modification times of the data's files: loaded data is reused only while these are the same. */
function signature(paths: readonly string[]): string {
  try {
    return JSON.stringify(paths.flatMap((p) => dataFiles(p)).map((f) => [f, statSync(f).size, statSync(f).mtimeMs]));
  } catch {
    return `unreadable ${Math.random()}`; // the run reports the missing file itself
  }
}

export function serve(port: MessagePort): void {
  const cache: SweepDataCache = new Map();
  let seen = '';
  port.on('message', (req: ThreadRequest) => {
    void (async () => {
      try {
        const sig = signature(req.job.data);
        if (sig !== seen) cache.clear();
        seen = sig;
        let row: SweepRow | undefined;
        await runSweepJob(req.job, (_, r) => (row = r), cache);
        port.postMessage(row ? { row } : { failed: 'the run gave no row' });
      } catch (e) {
        port.postMessage({ failed: e instanceof Error ? e.message : String(e) } satisfies ThreadReply);
      }
    })();
  });
}
