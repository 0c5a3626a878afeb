/**
 * The desk in a real headless Chromium (Debian's, at /usr/bin/chromium): the tables, the manual ticket, a stop,
 * a trigger change (refused when the triggers overlap, then taken) and the kill switch, checked in the page and in
 * the engine; the statechart follows the active state; the spread chart's axis is linear in time. Without Chromium
 * the test is reported as skipped with the reason, never passed. The engine runs on its virtual clock, moved by
 * the test: nothing here depends on how fast anything runs.
 * LEGATO_DESK_SCREENSHOT=docs/desk.png saves the README's screenshot of the desk.
 */
import { type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM, chromiumMissing, launchChromium } from './chromium.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlRecord, EngineRecord } from '../../src/index.js';
import { startInspectorServer } from '../../src/inspector/index.js';
import { inspectedDemo, quietDemoConfig } from './helpers.js';

// The page's globals, in the functions playwright runs in the browser (this project's TypeScript has no DOM types).
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any;
declare const window: any;
type HTMLTableElement = any;
type HTMLElement = any;

const missing = chromiumMissing;
if (missing) console.warn(`desk browser test skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium)`);
const MIN = 60_000;
const wait = { timeout: 30_000 };

describe.skipIf(missing)(`the desk in headless Chromium${missing ? ` (skipped: no Chromium at ${CHROMIUM})` : ''}`, () => {
  let browser: BrowserContext;
  let close: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    ({ context: browser, close } = await launchChromium({ width: 1500, height: 1000 }));
  }, 60_000);
  afterAll(async () => {
    await close?.();
  });

  /** A table cell's text, by row key and column header key. */
  async function cell(page: Page, table: string, row: string, column: string): Promise<string> {
    return page.evaluate(
      ([t, r, c]) => {
        const el = document.querySelector(`#${t}`) as HTMLTableElement | null;
        if (!el?.tHead) return '';
        const i = [...el.tHead.rows[0]!.cells].findIndex((th) => th.dataset.key === c);
        const tr = [...el.tBodies[0]!.rows].find((x) => x.dataset.key === r);
        return tr && i >= 0 ? (tr.cells[i]!.textContent ?? '') : '';
      },
      [table, row, column] as const,
    );
  }

  it('trades by hand, stops an algo, changes a trigger and flattens, with the tables and the machines following', async () => {
    // The demo's spread with its triggers out of the market's reach: the strategy trades only when the desk says.
    const { engine, config, inspector } = inspectedDemo({ flushMs: 20, deskMs: 50 }, quietDemoConfig());
    engine.start();
    engine.runUntil(config.run.start + 29 * MIN); // 20:59, the night session about to open
    const controls: ControlRecord[] = [];
    const records: EngineRecord[] = [];
    engine.records$.subscribe((r) => {
      records.push(r);
      if (r.kind === 'control') controls.push(r);
    });
    const server = await startInspectorServer({ kind: 'live', inspector }, { port: 0, token: 'desk-token' });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.accept();
    });
    const result = page.locator('#desk-result');
    /** Moves the engine's clock on; the page follows through the stream. */
    const run = (ms: number): void => engine.runUntil(engine.clock.now() + ms);
    try {
      await page.goto(server.url);
      await page.locator('#strategies tbody tr[data-key="hc-rb"]').waitFor(wait);
      // To 21:15 with the page open. For the screenshot, in steps the desk can follow (so the chart has the market
      // spread of those minutes); the engine does the same either way.
      if (process.env.LEGATO_DESK_SCREENSHOT) {
        while (engine.clock.now() < config.run.start + 45 * MIN) {
          run(5_000);
          await new Promise((r) => setTimeout(r, 60));
        }
      }
      engine.runUntil(config.run.start + 45 * MIN);
      // The tables: the strategy idle with its configured triggers, the spread and its legs.
      await page.locator('#strategies tbody tr[data-key="hc-rb"]').waitFor(wait);
      await expect.poll(() => cell(page, 'strategies', 'hc-rb', 'state'), wait).toBe('flat.idle');
      expect(await cell(page, 'strategies', 'hc-rb', 'longEntry')).toBe('100');
      expect(await cell(page, 'strategies', 'hc-rb', 'shortEntry')).toBe('260');
      expect(await cell(page, 'strategies', 'hc-rb', 'target')).toBe('5');
      expect(await cell(page, 'strategies', 'hc-rb', 'session')).toBe('open.trading');
      await page.locator('#spreads tbody tr[data-key="l:hc-rb:RB"]').waitFor(wait);
      // The desk follows the leg quotes from the moment a page watches: a few seconds of them.
      run(3_000);
      await expect.poll(async () => Number(await cell(page, 'spreads', 's:hc-rb', 'ask')), wait).toBeGreaterThan(0);
      const desk = () => inspector.desk()!;
      expect(await cell(page, 'spreads', 's:hc-rb', 'position')).toBe('0');

      // The ticket, without the token: refused, nothing reaches the engine.
      const ask = Number(desk().spreads[0]!.ask);
      await page.selectOption('#ticket-side', 'buy');
      await page.fill('#ticket-qty', '2');
      await page.fill('#ticket-limit', String(ask - 6));
      await page.selectOption('#ticket-kind', 'quoting');
      await page.click('#ticket-send');
      await page.locator('#desk-result[data-state="bad"]').waitFor(wait);
      expect(await result.textContent()).toContain('refused: control needs the token printed when the inspector started');
      expect(controls).toEqual([]);

      // With the token: a quoting buy of 2 rests 6 below the ask.
      await page.fill('#token', 'desk-token');
      await page.click('#ticket-send');
      await page.locator('#desk-result[data-state="ok"]', { hasText: 'started algo hc-rb/1' }).waitFor(wait);
      expect(controls).toEqual([{ kind: 'control', at: engine.clock.now(), action: 'startAlgo', strategy: 'hc-rb', source: 'inspector', algoId: 'hc-rb/1', side: 'buy', qty: 2, limit: String(ask - 6), algoKind: 'quoting' }]);
      run(3_000);
      await expect.poll(() => cell(page, 'algos', 'hc-rb/1', 'status'), wait).toBe('quoting.quoted');
      expect(await cell(page, 'algos', 'hc-rb/1', 'purpose')).toBe('manual');
      expect(await cell(page, 'algos', 'hc-rb/1', 'limit')).toBe(String(ask - 6));
      expect(await cell(page, 'algos', 'hc-rb/1', 'ladder')).toBe('balanced');
      await expect.poll(() => cell(page, 'orders', 'hc-rb/1.1', 'side'), wait).toBe('buy');
      expect(await cell(page, 'orders', 'hc-rb/1.1', 'symbol')).toBe('HC');
      expect(await cell(page, 'orders', 'hc-rb/1.1', 'qty')).toBe('2');
      expect(await cell(page, 'strategies', 'hc-rb', 'state')).toBe('flat.working');
      expect(await cell(page, 'strategies', 'hc-rb', 'algo')).toBe('hc-rb/1');

      // A row opens that actor's statechart, which follows the active state: the quote is on screen.
      await page.click('#algos tbody tr[data-key="hc-rb/1"]');
      await page.locator('#statechart svg[data-machine="algo"] g.state.active[data-path="active.entry.quoting.quoted"]').waitFor(wait);
      expect(await page.locator('#algos tbody tr[data-key="hc-rb/1"]').getAttribute('class')).toContain('selected');
      const inView = (path: string) =>
        page.evaluate((p) => {
          const box = document.querySelector('#statechart')!.getBoundingClientRect();
          const r = document.querySelector(`#statechart g.state[data-path="${p}"] > rect`)!.getBoundingClientRect();
          return r.left >= box.left && r.right <= box.right && r.top >= box.top && r.bottom <= box.bottom && r.width > 40;
        }, path);
      await expect.poll(() => inView('active.entry.quoting.quoted'), wait).toBe(true);
      // Zoom and pan: Fit shows the whole machine (smaller), and stops following; 1:1 is natural size.
      await page.click('#zoom-fit');
      expect(Number(await page.locator('#statechart').getAttribute('data-zoom'))).toBeLessThan(0.5);
      expect(await page.locator('#follow-state').isChecked()).toBe(false);
      await page.click('#zoom-one');
      expect(await page.locator('#statechart').getAttribute('data-zoom')).toBe('1.000');
      await page.check('#follow-state');
      await expect.poll(() => inView('active.entry.quoting.quoted'), wait).toBe(true);

      // Stop the algo from its row: the order is cancelled, the algo ends stopped.
      await page.click('#algos tbody tr[data-key="hc-rb/1"] button');
      await page.locator('#desk-result[data-state="ok"]', { hasText: 'stop hc-rb/1 sent to hc-rb' }).waitFor(wait);
      run(3_000);
      await expect.poll(() => cell(page, 'algos', 'hc-rb/1', 'status'), wait).toBe('stopped (stopRequested)');
      await expect.poll(() => page.locator('#orders tbody').getAttribute('data-rows'), wait).toBe('0');
      expect(controls.at(-1)).toEqual({ kind: 'control', at: engine.clock.now() - 3_000, action: 'stopAlgo', strategy: 'hc-rb', source: 'inspector', algoId: 'hc-rb/1' });

      // New triggers: overlapping ones are refused with the config's message; then a long entry above the ask now.
      await page.click('#strategies tbody tr[data-key="hc-rb"] button:has-text("Edit")');
      expect(await page.inputValue('#set-longEntry')).toBe('100');
      await page.fill('#set-longEntry', '270');
      await page.click('#apply-triggers');
      await page.locator('#desk-result[data-state="bad"]').waitFor(wait);
      expect(await result.textContent()).toContain('triggers.longEntry: must be below shortEntry (260)');
      const now = Number(desk().spreads[0]!.ask);
      const set = { longEntry: now + 1, longExit: now + 10, shortEntry: now + 20, shortExit: now + 15 };
      for (const [k, v] of Object.entries(set)) await page.fill(`#set-${k}`, String(v));
      await page.click('#apply-triggers');
      await page.locator('#desk-result[data-state="ok"]', { hasText: 'triggers of hc-rb sent to hc-rb' }).waitFor(wait);
      await expect.poll(() => cell(page, 'strategies', 'hc-rb', 'longEntry'), wait).toBe(String(now + 1));
      expect(controls.at(-1)).toMatchObject({ action: 'setTriggers', strategy: 'hc-rb', source: 'inspector', triggers: { longEntry: String(now + 1) } });
      // The chart's trigger lines follow.
      await expect.poll(() => page.evaluate(() => window.legatoDesk.series().lines.map((l: { options(): { price: number } }) => l.options().price).sort((a: number, b: number) => a - b)), wait).toEqual(
        Object.values(set).sort((a, b) => a - b),
      );
      // The strategy buys at its new long entry on the next view: its own algo, then a long position of 5.
      run(60_000);
      expect(records.find((r) => r.kind === 'algo.started' && r.purpose === 'longEntry')).toMatchObject({ limit: now + 1, qty: 5 });
      await expect.poll(() => cell(page, 'strategies', 'hc-rb', 'position'), wait).toBe('5');
      await expect.poll(() => cell(page, 'algos', 'hc-rb/2', 'purpose'), wait).toBe('longEntry');

      // Sort the algos by id, both ways.
      const ids = () => page.locator('#algos tbody tr').evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.key));
      await page.click('#algos th[data-key="id"]');
      await expect.poll(ids, wait).toEqual(['hc-rb/1', 'hc-rb/2']);
      await page.click('#algos th[data-key="id"]');
      await expect.poll(ids, wait).toEqual(['hc-rb/2', 'hc-rb/1']);

      // A manual quoting sell of 1 resting above the bid, from the long position (its statechart followed again).
      const bid = Number(desk().spreads[0]!.bid);
      await page.selectOption('#ticket-side', 'sell');
      await page.fill('#ticket-qty', '1');
      await page.fill('#ticket-limit', String(bid + 6));
      await page.click('#ticket-send');
      await page.locator('#desk-result[data-state="ok"]', { hasText: 'started algo hc-rb/3' }).waitFor(wait);
      run(3_000);
      await expect.poll(() => cell(page, 'orders', 'hc-rb/3.1', 'side'), wait).toBe('sell');
      await page.click('#algos tbody tr[data-key="hc-rb/3"]');
      await expect.poll(() => inView('active.entry.quoting.quoted'), wait).toBe(true);
      expect(await cell(page, 'strategies', 'hc-rb', 'state')).toBe('long.working');
      if (process.env.LEGATO_DESK_SCREENSHOT) {
        await page.evaluate(() => window.scrollTo(0, 0));
        await page.screenshot({ path: process.env.LEGATO_DESK_SCREENSHOT, fullPage: true });
      }

      // The kill switch: Flatten all (after its confirm): the manual sell unwinds, the strategy sells its 5, ends flat and paused.
      await page.click('#flatten-all');
      await page.locator('#control-result[data-state="ok"]', { hasText: 'flatten sent to hc-rb' }).waitFor(wait);
      expect(dialogs).toEqual(['Flatten all: pause every strategy and trade every leg to flat?']);
      run(60_000);
      await expect.poll(() => cell(page, 'strategies', 'hc-rb', 'position'), wait).toBe('0');
      await expect.poll(() => cell(page, 'strategies', 'hc-rb', 'state'), wait).toBe('flat.idle paused');
      expect(await page.locator('#strategies tbody tr[data-key="hc-rb"] .badge.paused').count()).toBe(1);
      await expect.poll(() => cell(page, 'algos', 'hc-rb/4', 'purpose'), wait).toBe('flatten');
      // A flatten unwinds every leg to 0: it ends as an unwind does.
      expect(await cell(page, 'algos', 'hc-rb/4', 'status')).toBe('stopped (unwound)');
      expect(await cell(page, 'algos', 'hc-rb/3', 'status')).toMatch(/^stopped/);
      expect(engine.actor.system.get('strategy:hc-rb')!.getSnapshot().context.paused).toBe(true);
      expect([engine.position('hc-rb', 'HC'), engine.position('hc-rb', 'RB')]).toEqual([0, 0]);
      expect(controls.map((c) => c.action)).toEqual(['startAlgo', 'stopAlgo', 'setTriggers', 'startAlgo', 'flatten']);

      // The spread chart: a linear time axis (x is proportional to time, gaps with no quote included), labels with
      // seconds, marks without text beside them.
      const axis = await page.evaluate(() => {
        const d = window.legatoDesk;
        const data = d.series().ask.data() as { time: number }[];
        const ts = d.chart().timeScale();
        const times = [data[0]!.time, data[Math.floor(data.length / 3)]!.time, data[data.length - 1]!.time];
        const xs = times.map((t) => ts.timeToCoordinate(t) as number);
        return { step: d.grid().step, start: d.grid().start, times, xs, seconds: d.tickLabel(data[0]!.time + 7, 4), minutes: d.tickLabel(data[0]!.time, 3) };
      });
      expect(axis.times.every((t: number) => (t - axis.start) % axis.step === 0)).toBe(true);
      const [t0, t1, t2] = axis.times as [number, number, number];
      const [x0, x1, x2] = axis.xs as [number, number, number];
      expect(t2 - t0).toBeGreaterThan(60);
      expect((x2 - x1) / (t2 - t1)).toBeCloseTo((x1 - x0) / (t1 - t0), 3);
      expect(axis.seconds).toMatch(/^\d\d:\d\d:\d\d$/);
      expect(axis.minutes).toMatch(/^\d\d:\d\d$/);
      const texts = await page.evaluate(() => (window.legatoDesk.series().markers.markers() as { text?: string }[]).map((m) => m.text ?? ''));
      expect(texts.every((t: string) => /^\d*$/.test(t))).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await server.close();
      await engine.stop();
      await inspector.close();
    }
  });
});
