/**
 * Both ends of a FIX 4.4 session on loopback: the simulated exchange behind the acceptor, and the engine's
 * FIX venue trading one order on it, then reconciling. Needs jspurefix (`npm install jspurefix`).
 *
 *   npx tsx examples/fix/loopback.ts
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decimal } from '../../src/domain/decimal.js';
import { FixAcceptor } from '../../src/venue/fix/fix-acceptor.js';
import { FixVenue } from '../../src/venue/fix/fix-venue.js';
import type { SimVenueSpec } from '../../src/venue/simulated/simulated-venue.js';

const spec: SimVenueSpec = {
  seed: 1,
  latencyMs: 20,
  calendar: { timeZone: 'UTC', days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'], sessions: [{ start: '00:00', end: '00:00' }] },
  instruments: [{ symbol: 'RB', tickSize: '1', lotSize: '1', quoteIntervalMs: 500, size: { min: 1, max: 5 }, start: '3200', volatility: '0.5' }],
};
const dir = mkdtempSync(join(tmpdir(), 'legato-fix-example-'));
const acceptor = await FixAcceptor.start({ spec, start: Date.UTC(2026, 0, 5, 9), storeDir: join(dir, 'acceptor'), log: (l) => console.log(`venue: ${l}`) });
const venue = await FixVenue.connect({
  host: '127.0.0.1',
  port: acceptor.port,
  senderCompId: 'LEGATO',
  targetCompId: 'LEGATO-VENUE',
  heartbeatSeconds: 5,
  storeDir: join(dir, 'engine'),
  instruments: [{ symbol: 'RB', tickSize: new Decimal(1), lotSize: new Decimal(1) }],
});
venue.reports$.subscribe((r) => console.log('report', r));
const quote = await new Promise<{ ask: number }>((resolve) => venue.quotes$.subscribe((q) => resolve(q)));
venue.submit({ clientId: 'example-1', symbol: 'RB', side: 1, qty: 1, price: quote.ask + 2 });
await new Promise((r) => setTimeout(r, 1000));
console.log('sync', JSON.stringify(await venue.sync(['example-1'])));
venue.stop();
await acceptor.close();
