// A sweep worker thread. From the TypeScript sources it loads them through tsx; from a build, the compiled file.
import { parentPort, workerData } from 'node:worker_threads';

let mod;
try {
  mod = await import('./sweep-worker-run.js');
} catch {
  const { register } = await import('tsx/esm/api');
  register();
  mod = await import('./sweep-worker-run.ts');
}
await mod.runSweepJob(workerData, (index, row) => parentPort.postMessage({ index, row }));
