import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SweepJob, SweepRow } from '../backtest/sweep.js';
import type { ThreadReply } from './worker-thread.js';

/** A job's answer: the thread's, or `timedOut` (ms) when the run outlasted its time limit and was ended. */
type JobReply = ThreadReply | { timedOut: number };

/** The URL of tsx's ESM register API (what src/backtest/sweep-worker.mjs imports as tsx/esm/api). */
function tsxApi(): string {
  const pkgFile = createRequire(import.meta.url).resolve('tsx/package.json');
  const entry = (JSON.parse(readFileSync(pkgFile, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports['./esm/api']!.import.default;
  return pathToFileURL(join(dirname(pkgFile), entry)).href;
}

/**
 * Runs sweep jobs one at a time on a thread of their own (worker-thread.ts), started once and kept, so the data it
 * loaded serves the next job. From the TypeScript sources the thread loads them through tsx; from a build, the
 * compiled files. `stop()` ends the thread, and a run in progress with it.
 */
export class JobThread {
  private worker: Worker | undefined;
  /** The job running, and the thread it runs on: a thread ended (timed out, stopped) answers no later job. */
  private pending: { resolve: (r: JobReply) => void; on: Worker } | undefined;

  private start(): Worker {
    const fromSource = import.meta.url.endsWith('.ts');
    const target = new URL(fromSource ? './worker-thread.ts' : './worker-thread.js', import.meta.url).href;
    const tsx = fromSource ? tsxApi() : null;
    // An inline (CommonJS) bootstrap: no extra file to ship beside the compiled sources.
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      (async () => {
        if (workerData.tsx) (await import(workerData.tsx)).register();
        (await import(workerData.target)).serve(parentPort);
        parentPort.postMessage({ ready: true });
      })().catch((e) => parentPort.postMessage({ failed: 'the job thread could not start: ' + (e && e.message), start: true }));`;
    const w = new Worker(code, { eval: true, workerData: { target, tsx } });
    w.on('message', (m: ThreadReply | { ready: true }) => {
      if ('ready' in m || this.pending?.on !== w) return;
      const p = this.pending;
      this.pending = undefined;
      p?.resolve(m);
    });
    const lost = (why: string): void => {
      if (this.worker === w) this.worker = undefined;
      if (this.pending?.on !== w) return;
      const p = this.pending;
      this.pending = undefined;
      p?.resolve({ failed: why });
    };
    w.on('error', (e) => lost(`the job thread failed: ${e.message}`));
    w.on('exit', (code) => lost(`the job thread exited with code ${code}`));
    w.unref();
    return w;
  }

  /**
   * Runs one job (one combination). A thread that could not start, or died meanwhile, is a `failed` reply (`start`:
   * it never started), and the next job gets a new thread. A run still going after `timeLimitMs` is ended with its
   * thread (`timedOut`); the next job gets a new thread.
   */
  run(job: SweepJob, timeLimitMs = Infinity): Promise<{ row: SweepRow } | { failed: string; start?: true } | { timedOut: number }> {
    if (this.pending) return Promise.resolve({ failed: 'a job is already running' });
    this.worker ??= this.start();
    const w = this.worker;
    w.ref();
    let timer: NodeJS.Timeout | undefined;
    return new Promise<JobReply>((resolve) => {
      this.pending = { resolve, on: w };
      w.postMessage({ job });
      if (Number.isFinite(timeLimitMs)) {
        timer = setTimeout(() => {
          if (this.pending?.resolve !== resolve) return;
          this.pending = undefined;
          if (this.worker === w) this.worker = undefined;
          resolve({ timedOut: timeLimitMs });
          void w.terminate();
          // setTimeout holds at most 2^31 - 1 ms (24.8 days): a longer limit waits that long.
        }, Math.min(timeLimitMs, 2_147_483_647));
      }
    }).finally(() => {
      clearTimeout(timer);
      w.unref();
    });
  }

  /** Starts the thread now (loading the engine's code takes a moment), so the first job does not wait for it. */
  warm(): void {
    this.worker ??= this.start();
  }

  /** Ends the thread (and the run on it, if any). */
  async stop(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }
}
