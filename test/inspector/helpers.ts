import { PassThrough } from 'node:stream';
import WebSocket from 'ws';
import { createEngine, demoConfig, resolveConfig, type Engine, type EngineConfig, type EngineRecord } from '../../src/index.js';
import { createInspector, type Inspector, type InspectorOptions } from '../../src/inspector/index.js';

/**
 * The demo's config with its triggers out of the market's reach (long entry 100, exit 300; short entry 260, exit
 * 50, around a spread near 180): its strategy opens nothing and closes nothing unless a test tells it to, whatever
 * path the simulated market takes.
 */
export const QUIET_TRIGGERS = { longEntry: '100', longExit: '300', shortEntry: '260', shortExit: '50' };
export function quietDemoConfig(days = 1): EngineConfig {
  const input = structuredClone(demoConfig);
  input.strategies[0]!.triggers = { ...QUIET_TRIGGERS };
  return resolveConfig(input, 'quiet demo', { days });
}

/**
 * The quiet demo (a tenth of a day) started and run `minutes` past its start (45: inside the night session, which
 * opens at 21:00), with every record it has made kept, for a test to act on mid-run.
 */
export function quietDemoAt(minutes = 45): { config: EngineConfig; engine: Engine; records: EngineRecord[] } {
  const config = quietDemoConfig(0.1);
  const engine = createEngine(config);
  const records: EngineRecord[] = [];
  engine.records$.subscribe((r) => records.push(r));
  engine.start();
  engine.runUntil(config.run.start + minutes * 60_000);
  return { config, engine, records };
}

/** The demo (starts 20:30 Asia/Shanghai; the night session opens at 21:00) with an inspector attached; another config if given. */
export function inspectedDemo(options: InspectorOptions = {}, given?: EngineConfig): { config: EngineConfig; engine: Engine; inspector: Inspector } {
  const config = given ?? resolveConfig(demoConfig, 'demo', {});
  const inspector = createInspector(options);
  const engine = createEngine(config, { inspect: inspector.observer });
  inspector.attach(engine);
  return { config, engine, inspector };
}

/** A stream that collects what is written to it. */
export function memoryStream(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** A WebSocket client that queues the messages it receives. */
export async function client(url: string, headers: Record<string, string> = {}): Promise<{ ws: WebSocket; next: () => Promise<Record<string, unknown>>; send: (s: string | Buffer) => void }> {
  const ws = new WebSocket(url, { headers });
  const queue: Record<string, unknown>[] = [];
  const waiting: ((m: Record<string, unknown>) => void)[] = [];
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString()) as Record<string, unknown>;
    const w = waiting.shift();
    if (w) w(m);
    else queue.push(m);
  });
  await new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject));
  return {
    ws,
    next: () => (queue.length > 0 ? Promise.resolve(queue.shift()!) : new Promise((resolve) => waiting.push(resolve))),
    send: (s) => ws.send(s),
  };
}
