/** What a sweep worker thread runs (see sweep-worker.mjs). */
export { runSweepJob } from './sweep.js';
