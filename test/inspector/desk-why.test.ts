/**
 * "Why did it do that?" on the desk, in a real headless Chromium (Debian's, at /usr/bin/chromium): clicking a
 * working order or an algo shows the chain that led to it (src/report/why.ts) under the tables; an id the engine
 * no longer holds is an error in the panel, not a broken page. Also the `why` message itself over the WebSocket,
 * live and over a recording. The engine runs on its virtual clock, moved by the test. Without Chromium the browser
 * part is reported as skipped with the reason, never passed.
 */
import { join } from 'node:path';
import { type BrowserContext } from 'playwright-core';
import { CHROMIUM, chromiumMissing, launchChromium } from './chromium.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRecording, startInspectorServer } from '../../src/inspector/index.js';
import { client, inspectedDemo, memoryStream } from './helpers.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any;

const missing = chromiumMissing;
if (missing) console.warn(`desk "why" browser test skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium)`);
const MIN = 60_000;
const wait = { timeout: 30_000 };
/** The demo's first algo (hc-rb/1) launches at 21:18:22.321 Shanghai, 48 min 22.321 s after the run's start; its hedge rests from .361 to 23.441. */
const HEDGE_WORKING = 48 * MIN + 22_400;
const wsUrl = (url: string): string => `${url.replace(/^http/, 'ws')}ws`;
/** The next answer to a page's message, past the stream's batches (a live page gets those at any time). */
async function reply(c: { next: () => Promise<Record<string, unknown>> }): Promise<Record<string, unknown>> {
  for (;;) {
    const m = await c.next();
    if (m.type !== 'records' && m.type !== 'reset') return m;
  }
}

describe('the why message over the WebSocket', () => {
  it('live: the chain of an algo, and a named error for an id the engine does not hold', async () => {
    const { engine, config, inspector } = inspectedDemo({ flushMs: 20 });
    engine.start();
    engine.runUntil(config.run.start + 50 * MIN);
    const server = await startInspectorServer({ kind: 'live', inspector }, { port: 0 });
    const c = await client(wsUrl(server.url));
    try {
      expect((await reply(c)).type).toBe('hello');
      c.send(JSON.stringify({ type: 'why', id: 1, subject: 'hc-rb/1' }));
      const answer = (await reply(c)) as { type: string; id: number; headline: string; steps: { kind: string; text: string }[] };
      expect(answer).toMatchObject({ type: 'why', id: 1, subject: { kind: 'algo', id: 'hc-rb/1' }, headline: 'longEntry, buy 5 units at ≤ 172, taker — completed (filled), 5/5 units' });
      expect(answer.steps.map((s) => s.kind)).toEqual([
        'session',
        'crossing',
        'strategy',
        'algo.started',
        'order.submitted',
        'order.report',
        'order.report',
        'ladder',
        'order.submitted',
        'order.report',
        'order.report',
        'order.report',
        'order.report',
        'algo.ended',
        'strategy',
      ]);
      c.send(JSON.stringify({ type: 'why', id: 2, subject: 'hc-rb/7' }));
      expect(await reply(c)).toEqual({ type: 'error', id: 2, error: 'no algo "hc-rb/7" in these records (1 algo: hc-rb/1)' });
      c.send(JSON.stringify({ type: 'why', id: 3, subject: { not: 'an id' } }));
      expect(await reply(c)).toEqual({ type: 'error', id: 3, error: 'malformed message: "subject" must be an algo or order id' });
    } finally {
      c.ws.close();
      await server.close();
      await engine.stop();
    }
  });

  it('over a recording (legato inspect): read from its engine records', async () => {
    const rec = memoryStream();
    const { engine, config, inspector } = inspectedDemo({ flushMs: 20, record: rec.stream });
    engine.start();
    engine.runUntil(config.run.start + 50 * MIN);
    await engine.stop();
    await inspector.close();
    const records = parseRecording(rec.text());
    const server = await startInspectorServer({ kind: 'replay', records, name: 'day.jsonl' }, { port: 0 });
    const c = await client(wsUrl(server.url));
    try {
      const hello = (await reply(c)) as { records: { k: string }[] };
      // The page is not sent the engine records (nor the quotes): they stay on the server.
      expect(hello.records.some((r) => r.k === 'record')).toBe(false);
      c.send(JSON.stringify({ type: 'why', id: 'a', subject: 'hc-rb/1.2' }));
      expect(await reply(c)).toMatchObject({ type: 'why', id: 'a', subject: { kind: 'order', id: 'hc-rb/1.2' }, headline: 'hedge order, sell 5 RB at 3207, of algo hc-rb/1 (longEntry, buy 5 units at ≤ 172, taker)' });
    } finally {
      c.ws.close();
      await server.close();
    }
  });
});

describe.skipIf(missing)(`why on the desk in headless Chromium${missing ? ` (skipped: no Chromium at ${CHROMIUM})` : ''}`, () => {
  let browser: BrowserContext;
  let close: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    ({ context: browser, close } = await launchChromium({ width: 1500, height: 1000 }));
  }, 60_000);
  afterAll(async () => {
    await close?.();
  });

  it('clicking a working order, then the algo once it has ended, shows each chain with times and prices', { timeout: 120_000 }, async () => {
    const { engine, config, inspector } = inspectedDemo({ flushMs: 20, deskMs: 50 });
    engine.start();
    engine.runUntil(config.run.start + 40 * MIN);
    const server = await startInspectorServer({ kind: 'live', inspector }, { port: 0 });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    /** The why panel's rows as "time | actor | text". */
    const shown = (): Promise<string[]> =>
      page.evaluate(() => [...document.querySelectorAll('#why tr')].map((tr: any) => [...tr.cells].map((td: any) => td.textContent).join(' | ')));
    try {
      await page.goto(server.url);
      await page.locator('#strategies tbody tr[data-key="hc-rb"]').waitFor(wait);
      expect(await page.locator('#why').textContent()).toBe('No algo or order chosen yet.');
      // The hedge of hc-rb/1 rests: click its row in the working orders.
      engine.runUntil(config.run.start + HEDGE_WORKING);
      await page.locator('#orders tbody tr[data-key="hc-rb/1.2"]').click(wait);
      await page.locator('#why[data-state="shown"][data-subject="hc-rb/1.2"]').waitFor(wait);
      expect(await page.locator('#why .headline').textContent()).toBe('order hc-rb/1.2: hedge order, sell 5 RB at 3207, of algo hc-rb/1 (longEntry, buy 5 units at ≤ 172, taker)');
      expect(await shown()).toEqual([
        '21:00:00.000 | session:hc-rb | session window open.trading',
        '21:18:22.321 | strategy:hc-rb | spread ask 172 (48 units) at or below the long entry 172: HC 3378×36 / 3379×48, RB 3207×73 / 3208×47',
        '21:18:22.321 | strategy:hc-rb | flat.idle → flat.working',
        '21:18:22.321 | algo:hc-rb/1 | started: longEntry, buy 5 units at ≤ 172, taker',
        '21:18:22.361 | order:hc-rb/1.1 | filled 5 at 3379 (taker)',
        '21:18:22.361 | algo:hc-rb/1 | hedge ladder resting: naked HC +5 lots',
        '21:18:22.361 | order:hc-rb/1.2 | hedge: sell 5 RB at 3207',
      ]);
      // Once the algo has ended, its row (now among the ended ones) explains the whole execution.
      engine.runUntil(config.run.start + 50 * MIN);
      await page.locator('#algos tbody tr[data-key="hc-rb/1"].ended').click(wait);
      await page.locator('#why[data-state="shown"][data-subject="hc-rb/1"]').waitFor(wait);
      expect(await page.locator('#why .headline').textContent()).toBe('algo hc-rb/1: longEntry, buy 5 units at ≤ 172, taker — completed (filled), 5/5 units');
      const rows = await shown();
      expect(rows).toHaveLength(15);
      expect(rows[rows.length - 2]).toBe('21:18:23.441 | algo:hc-rb/1 | completed (filled): 5/5 units, realized 173, slippage 1; HC +5 @ 3379, RB -5 @ 3206');
      expect(rows[rows.length - 1]).toBe('21:18:23.441 | strategy:hc-rb | flat.working → long.idle');
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await server.close();
      await engine.stop();
    }
  });
});
