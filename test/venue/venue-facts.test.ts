import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { runEndLine, tradingStart, venueFactsLine } from '../../src/cli/venue-facts.js';
import { demoConfig } from '../../src/config/demo.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { calendarFor, isoToInstant } from '../../src/domain/session-calendar.js';
import { parseHello } from '../../src/venue/remote/protocol.js';
import { RemoteVenue } from '../../src/venue/remote/remote-venue.js';
import { VenueHost, VenueServer } from '../../src/venue/remote/venue-host.js';
import type { SimVenueSpec } from '../../src/venue/simulated/simulated-venue.js';

const demo = resolveConfig(demoConfig, 'demo');
const spec = demo.venue as SimVenueSpec;
const start = demo.run.start; // 2026-11-23 20:30 Shanghai, closed until the night session at 21:00
const sh = (iso: string): number => isoToInstant(iso, 'Asia/Shanghai');
const instruments = [{ symbol: 'RB', tickSize: '1', lotSize: '1' }];

describe("a venue process's hello carries its facts", () => {
  it('VenueHost: seed, speed, start, whether its time moves, and its market state then', () => {
    const h = new VenueHost(spec, start);
    expect(h.hello({ speed: 600, running: false })).toEqual({
      t: 'hello',
      now: start,
      name: 'simulated (remote)',
      instruments: [
        { symbol: 'RB', tickSize: '1', lotSize: '1' },
        { symbol: 'HC', tickSize: '1', lotSize: '1' },
      ],
      replace: true,
      facts: { seed: 1, speed: 600, startedAt: start, running: false, timeZone: 'Asia/Shanghai', open: false, nextChange: sh('2026-11-23T21:00:00') },
    });
    h.clock.runUntil(sh('2026-11-23T21:30:00'));
    expect((h.hello({ speed: 60, running: true }) as { facts?: unknown }).facts).toEqual({
      seed: 1,
      speed: 60,
      startedAt: start,
      running: true,
      timeZone: 'Asia/Shanghai',
      open: true,
      nextChange: sh('2026-11-23T23:00:00'),
    });
  });

  it('parseHello refuses an unsound time, name or instrument, naming it, and drops unsound facts', () => {
    const good = { t: 'hello', now: 5, name: 'v', instruments };
    expect(parseHello(good)).toEqual({ ok: true, hello: good });
    expect(parseHello({ ...good, now: 'soon' })).toEqual({ ok: false, error: 'hello: now must be a time in ms (got "soon")' });
    expect(parseHello({ ...good, now: null })).toEqual({ ok: false, error: 'hello: now must be a time in ms (got null)' });
    expect(parseHello({ ...good, name: '\u001b[31mred' })).toEqual({ ok: false, error: 'hello: name must be 1 to 200 printable characters (got "\\u001b[31mred")' });
    expect(parseHello({ ...good, instruments: [{ symbol: 'RB', tickSize: '0', lotSize: '1' }] })).toEqual({
      ok: false,
      error: 'hello: instruments[0] must be { symbol, tickSize, lotSize } with positive decimal strings (got an object)',
    });
    expect(parseHello({ ...good, instruments: 'all' })).toEqual({ ok: false, error: 'hello: instruments must be a list of at most 10000 (got "all")' });
    expect(parseHello([1])).toEqual({ ok: false, error: 'a hello must be a JSON object (got an array of 1)' });
    // A tick size decimal.js prints with an exponent is still a decimal.
    expect(parseHello({ ...good, instruments: [{ symbol: 'X', tickSize: '1e-9', lotSize: '1' }] }).ok).toBe(true);
    const facts = { seed: 3, speed: 60, startedAt: 1, running: true, timeZone: 'UTC', open: true, nextChange: null };
    expect(parseHello({ ...good, replace: true, facts })).toEqual({ ok: true, hello: { ...good, replace: true, facts } });
    expect(parseHello({ ...good, facts: { ...facts, speed: -1 } })).toEqual({ ok: true, hello: good });
    expect(parseHello({ ...good, facts: { ...facts, seed: 'x' } })).toEqual({ ok: true, hello: good });
    expect(parseHello({ ...good, facts: 7 })).toEqual({ ok: true, hello: good });
  });

  it('RemoteVenue: a hostile hello is a RemoteVenueError naming what is wrong, not a crash', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'legato-hello-'));
    const sock = join(dir, 'v.sock');
    const server = createServer((s) => s.end(JSON.stringify({ t: 'hello', now: 'NaN', name: 'x', instruments: [] }) + '\n'));
    await new Promise<void>((r) => server.listen(sock, r));
    try {
      await expect(RemoteVenue.connect(sock, { timeoutMs: 5000 })).rejects.toThrow(`venue ${sock}: expected hello: hello: now must be a time in ms (got "NaN")`);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('RemoteVenue.facts: what the venue process said when the engine connected', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'legato-facts-'));
    const server = await VenueServer.start(new VenueHost(spec, start), { listen: join(dir, 'v.sock'), speed: 3600, waitForEngine: true });
    try {
      const venue = await RemoteVenue.connect(server.address());
      expect(venue.facts).toEqual({ seed: 1, speed: 3600, startedAt: start, running: false, timeZone: 'Asia/Shanghai', open: false, nextChange: sh('2026-11-23T21:00:00') });
      expect(venue.clock.now()).toBe(start);
      venue.stop();
    } finally {
      await server.close();
    }
  });
});

describe('when a run on a venue process starts trading, and what it prints', () => {
  const calendar = calendarFor(spec.calendar);
  const closedFacts = { open: false, nextChange: sh('2026-11-23T21:00:00') };

  it('tradingStart: now when open, the next opening when closed; the venue\'s word while it holds, else the calendar', () => {
    expect(tradingStart(sh('2026-11-23T21:30:00'), calendar)).toBe(sh('2026-11-23T21:30:00'));
    expect(tradingStart(start, calendar)).toBe(sh('2026-11-23T21:00:00'));
    expect(tradingStart(sh('2026-11-24T11:45:00'), calendar)).toBe(sh('2026-11-24T13:30:00')); // lunch
    expect(tradingStart(sh('2026-11-28T10:00:00'), calendar)).toBe(sh('2026-11-30T09:00:00')); // a Saturday
    // The venue's own calendar opens at 20:45 (it differs from ours): its word counts.
    expect(tradingStart(start, calendar, { open: false, nextChange: sh('2026-11-23T20:45:00') }, start)).toBe(sh('2026-11-23T20:45:00'));
    // Its word is about the time of its hello; once past the change it named, the calendar decides.
    expect(tradingStart(sh('2026-11-23T21:10:00'), calendar, closedFacts, start)).toBe(sh('2026-11-23T21:10:00'));
  });

  it('venueFactsLine and runEndLine, for JSON lines (with and without facts) and for FIX', () => {
    const zone = 'Asia/Shanghai';
    const facts = { seed: 7, speed: 600, startedAt: start, running: false, timeZone: zone, ...closedFacts };
    expect(venueFactsLine({ label: '/tmp/v.sock', name: 'simulated (remote)', protocol: 'jsonl', now: start, zone, facts })).toBe(
      'legato: the venue at /tmp/v.sock: simulated (remote), seed 7, 600× real time, market time 2026-11-23 20:30:00 (Asia/Shanghai), started at 2026-11-23 20:30:00, ' +
        'its time held until this engine has synced (--wait-for-engine); its market is closed until 2026-11-23 21:00:00',
    );
    expect(venueFactsLine({ label: '/tmp/v.sock', name: 'old', protocol: 'jsonl', now: start, zone })).toBe(
      'legato: the venue at /tmp/v.sock: old, market time 2026-11-23 20:30:00 (Asia/Shanghai); it sends no seed or speed (a venue process older than this engine)',
    );
    expect(venueFactsLine({ label: 'fix://127.0.0.1:9878', name: 'fix', protocol: 'fix', now: start, zone })).toBe(
      'legato: the venue at fix://127.0.0.1:9878: market time 2026-11-23 20:30:00 (Asia/Shanghai), from its SendingTime; a FIX Logon carries no seed or speed (the venue process printed them when it started)',
    );
    expect(runEndLine({ from: sh('2026-11-23T21:00:00'), until: sh('2026-11-24T09:00:00'), days: 0.5, began: start, zone })).toBe(
      'legato: 0.5 days of trading from 2026-11-23 21:00:00 (its market opens then; the run began at 2026-11-23 20:30:00): the run ends at 2026-11-24 09:00:00',
    );
  });

  it('legato run --venue: prints the facts, and --days counts from the opening at 21:00, not from 20:30', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'legato-facts-run-'));
    const host = new VenueHost(spec, start);
    const server = await VenueServer.start(host, { listen: join(dir, 'v.sock'), speed: 600, waitForEngine: true });
    const out = new PassThrough();
    const err = new PassThrough();
    let text = '';
    err.on('data', (c: Buffer) => (text += c.toString()));
    out.resume();
    try {
      const code = await main(['run', '--venue', server.address(), '--data-dir', join(dir, 'run'), '--days', '0.001', '--json'], { out, err });
      expect(code, text).toBe(0);
    } finally {
      await server.close();
    }
    const lines = text.split('\n');
    expect(lines[0]).toBe(
      `legato: the venue at ${server.address()}: simulated (remote), seed 1, 600× real time, market time 2026-11-23 20:30:00 (Asia/Shanghai), started at 2026-11-23 20:30:00, ` +
        'its time held until this engine has synced (--wait-for-engine); its market is closed until 2026-11-23 21:00:00',
    );
    expect(lines).toContain('legato: 0.001 days of trading from 2026-11-23 21:00:00 (its market opens then; the run began at 2026-11-23 20:30:00): the run ends at 2026-11-23 21:01:26');
  }, 60_000);
});
