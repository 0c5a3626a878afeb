import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real nats-server for tests and benchmarks: Debian's `nats-server` binary (installed by .ci/run when missing),
 * on a free loopback port, JetStream on, its store in a temporary folder removed by `stop()`.
 * When the binary cannot be had, `natsServerMissing()` says why, so a test reports itself skipped with the reason.
 */
export interface NatsServer {
  readonly url: string;
  readonly port: number;
  /** Kills the server (SIGTERM, then SIGKILL) and removes its store. */
  stop(): Promise<void>;
}

const CANDIDATES = ['nats-server', '/usr/sbin/nats-server', '/usr/bin/nats-server'];

/** The binary that runs, or undefined. */
export function natsServerBinary(): string | undefined {
  for (const bin of CANDIDATES) {
    const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
    if (r.status === 0) return bin;
  }
  return undefined;
}

/** Why tests needing a server cannot run here, or undefined when they can. */
export function natsServerMissing(): string | undefined {
  return natsServerBinary() === undefined
    ? 'nats-server is not installed (Debian package nats-server; .ci/run installs it when it runs as root)'
    : undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Waits until the server accepts TCP connections (bounded by a generous `ms`, never a measure of speed). */
async function ready(child: ChildProcess, port: number, ms: number): Promise<void> {
  const { connect } = await import('node:net');
  const t0 = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode} before it listened`);
    const ok = await new Promise<boolean>((done) => {
      const c = connect(port, '127.0.0.1');
      c.once('connect', () => (c.destroy(), done(true)));
      c.once('error', () => done(false));
    });
    if (ok) return;
    if (Date.now() - t0 > ms) throw new Error(`nats-server did not listen on ${port} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts a server with JetStream; `port` reuses a port (a restart of the same server on the same store). */
export async function startNatsServer(opts: { port?: number; storeDir?: string } = {}): Promise<NatsServer> {
  const bin = natsServerBinary();
  if (!bin) throw new Error(natsServerMissing());
  const port = opts.port ?? (await freePort());
  const ownStore = opts.storeDir === undefined;
  const store = opts.storeDir ?? mkdtempSync(join(tmpdir(), 'legato-nats-'));
  const child = spawn(bin, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', store], { stdio: 'ignore' });
  await ready(child, port, 30_000);
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      if (ownStore) rmSync(store, { recursive: true, force: true });
    },
  };
}
