import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RemoteVenue } from '../../../src/venue/remote/remote-venue.js';
import { VenueHost, VenueServer } from '../../../src/venue/remote/venue-host.js';
import { T0, fixSpec } from './market.js';
import { poll } from './poll.js';
import { venueContract } from './venue-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'legato-contract-remote-'));
let n = 0;

venueContract('the venue process (JSON lines over a Unix socket)', {
  capabilities: { sync: true, reconnect: true, faults: true, replace: true },
  make: async (o = {}) => {
    const sock = join(dir, `v${++n}.sock`);
    const host = new VenueHost(fixSpec(o.faults ? { faults: o.faults } : {}), T0);
    let server = await VenueServer.start(host, { listen: sock, speed: 20 });
    const connect = async (): Promise<RemoteVenue> => {
      const v = await RemoteVenue.connect(sock, { reconnect: true, backoffMs: { first: 20, max: 200 } });
      // As the durable engine does: live messages flow once the engine has synced, and after every reconnection.
      v.onReconnected = async () => void (await v.sync([]));
      await v.sync([]);
      return v;
    };
    const clients = [await connect()];
    return {
      venue: clients[0]!,
      until: poll,
      outage: async () => {
        await server.close();
        return async () => void (server = await VenueServer.start(host, { listen: sock, speed: 20 }));
      },
      restart: async () => {
        clients.at(-1)!.stop();
        const next = await connect();
        clients.push(next);
        return next;
      },
      close: async () => {
        for (const c of clients) c.stop();
        await server.close();
      },
    };
  },
});
