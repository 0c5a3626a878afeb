import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OrderFilled, VenueReport } from '../../../src/domain/orders.js';
import type { LegQuote } from '../../../src/domain/quote.js';
import { FixAcceptor, type FixAcceptorOptions } from '../../../src/venue/fix/fix-acceptor.js';
import { FixVenue, type FixVenueOptions } from '../../../src/venue/fix/fix-venue.js';
import { T0, fixSpec, instrumentsOf } from '../contract/market.js';

export { T0, fixSpec, instrumentsOf };

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `legato-fix-${prefix}-`));
}

export async function startAcceptor(over: Partial<FixAcceptorOptions> = {}): Promise<FixAcceptor> {
  return FixAcceptor.start({ spec: fixSpec(), start: T0, speed: 20, heartbeatSeconds: 1, storeDir: tempDir('acceptor'), ...over });
}

export async function connectVenue(acceptor: FixAcceptor, over: Partial<FixVenueOptions> = {}): Promise<FixVenue> {
  return FixVenue.connect({
    host: '127.0.0.1',
    port: acceptor.port,
    senderCompId: 'LEGATO',
    targetCompId: 'LEGATO-VENUE',
    heartbeatSeconds: 1,
    storeDir: tempDir('engine'),
    instruments: instrumentsOf(fixSpec()),
    ...over,
  });
}

/** Polls (real time) until `check` holds; generous bounds, no timing is asserted. */
export async function until(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function record(venue: { reports$: { subscribe(f: (r: VenueReport) => void): unknown }; quotes$: { subscribe(f: (q: LegQuote) => void): unknown } }) {
  const reports: VenueReport[] = [];
  const quotes: LegQuote[] = [];
  venue.reports$.subscribe((r) => reports.push(r));
  venue.quotes$.subscribe((q) => quotes.push(q));
  const of = (clientId: string) => reports.filter((r) => r.clientId === clientId);
  const fills = (clientId: string) => of(clientId).filter((r): r is OrderFilled => r.type === 'order.filled');
  return { reports, quotes, of, fills, last: (symbol: string) => [...quotes].reverse().find((q) => q.symbol === symbol) };
}

/** A hand-made FIX message (BodyLength and CheckSum computed). */
export function fixMessage(fields: [number, string][]): string {
  const body = fields.map(([t, v]) => `${t}=${v}\x01`).join('');
  const head = `8=FIX.4.4\x019=${Buffer.byteLength(body)}\x01`;
  const sum = [...Buffer.from(head + body)].reduce((a, b) => a + b, 0) % 256;
  return `${head}${body}10=${String(sum).padStart(3, '0')}\x01`;
}

/** A raw client: what it receives, as text with | for SOH. */
export function raw(port: number) {
  const socket: Socket = connect(port, '127.0.0.1');
  let text = '';
  let closed = false;
  socket.on('data', (d) => (text += d.toString('latin1').replaceAll('\x01', '|')));
  socket.on('error', () => {});
  socket.on('close', () => (closed = true));
  return { socket, text: () => text, closed: () => closed };
}

/** The acceptor store's sequence numbers: the next it sends, the next it expects. */
export function storeNumbers(dir: string): { sender: number; target: number } {
  const file = readdirSync(dir).find((f) => f.endsWith('.seqnums'))!;
  const [sender, target] = readFileSync(join(dir, file), 'utf8').split(':').map((x) => Number(x.trim()));
  return { sender: sender!, target: target! };
}
