import { FixAcceptor } from '../../../src/venue/fix/fix-acceptor.js';
import { FixVenue } from '../../../src/venue/fix/fix-venue.js';
import { T0, fixSpec, instrumentsOf } from './market.js';
import { poll } from './poll.js';
import { venueContract } from './venue-contract.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const temp = (what: string): string => mkdtempSync(join(tmpdir(), `legato-contract-fix-${what}-`));

venueContract('the FIX 4.4 venue (jspurefix, loopback)', {
  capabilities: { sync: true, reconnect: true, faults: true, replace: true },
  make: async (o = {}) => {
    const acceptor = await FixAcceptor.start({ spec: fixSpec(o.faults ? { faults: o.faults } : {}), start: T0, speed: 20, heartbeatSeconds: 1, storeDir: temp('acceptor') });
    const store = temp('engine');
    const connect = async (): Promise<FixVenue> => {
      const v = await FixVenue.connect({
        host: '127.0.0.1',
        port: acceptor.port,
        senderCompId: 'LEGATO',
        targetCompId: 'LEGATO-VENUE',
        heartbeatSeconds: 1,
        storeDir: store,
        instruments: instrumentsOf(fixSpec()),
        reconnect: true,
        backoffMs: { first: 20, max: 200 },
      });
      v.onReconnected = async () => void (await v.sync([]));
      return v;
    };
    const clients = [await connect()];
    return {
      venue: clients[0]!,
      until: poll,
      outage: async () => {
        acceptor.setAvailable(false);
        return async () => acceptor.setAvailable(true);
      },
      restart: async () => {
        const old = clients.at(-1)!;
        old.stop();
        await poll(() => !acceptor.connected, 'the old session gone');
        const next = await connect();
        clients.push(next);
        return next;
      },
      close: async () => {
        for (const c of clients) c.stop();
        await acceptor.close();
      },
    };
  },
});
