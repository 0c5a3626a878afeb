import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crashConfig } from '../../scripts/crash.js';
import { resolveConfig } from '../../src/config/resolve.js';
import type { SimVenueSpec } from '../../src/venue/simulated/simulated-venue.js';
import { SocketPathError, VenueHost, VenueServer } from '../../src/venue/remote/venue-host.js';

/**
 * The path a venue listens on: `legato venue --socket notes.txt` deleted notes.txt, and a second venue on a path
 * another listened on took it over (the first was cut off from every engine). Only a socket nothing answers on
 * is removed now.
 */

const tmp = (): string => mkdtempSync(join(tmpdir(), 'legato-socket-path-'));
const config = resolveConfig(crashConfig(5, 12, 'taker'), 'crash', {});
const host = (): VenueHost => new VenueHost(config.venue as SimVenueSpec, config.run.start);
const start = (listen: string) => VenueServer.start(host(), { listen, speed: 1 });

describe('the path a venue listens on', () => {
  it('a file there is refused and kept, byte for byte', async () => {
    const path = join(tmp(), 'notes.txt');
    writeFileSync(path, 'important notes\n');
    await expect(start(path)).rejects.toThrow(new SocketPathError(`cannot listen on ${path}: it is a file, which a venue will not remove; give the path of a socket`));
    expect(readFileSync(path, 'utf8')).toBe('important notes\n');
  });

  it('a directory there is refused', async () => {
    const path = join(tmp(), 'dir');
    mkdirSync(path);
    await expect(start(path)).rejects.toThrow(`cannot listen on ${path}: it is a directory, which a venue will not remove; give the path of a socket`);
    expect(lstatSync(path).isDirectory()).toBe(true);
  });

  it('a socket another venue listens on is refused, and that venue keeps it', async () => {
    const path = join(tmp(), 'venue.sock');
    const first = await start(path);
    try {
      await expect(start(path)).rejects.toThrow(`cannot listen on ${path}: another venue is listening there; stop it first, or give another path`);
      expect(lstatSync(path).isSocket()).toBe(true);
    } finally {
      await first.close();
    }
  });

  it('a socket left by a venue that was killed is taken over', async () => {
    const path = join(tmp(), 'stale.sock');
    // A process that listens and is killed at once (SIGKILL): its socket file stays, and nothing answers on it.
    spawnSync(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`]);
    expect(lstatSync(path).isSocket()).toBe(true);
    const server = await start(path);
    expect(server.address()).toBe(path);
    await server.close();
  });
});
