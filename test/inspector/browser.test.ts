/**
 * The inspector page in a real headless Chromium (Debian's, at /usr/bin/chromium; .ci/run installs it).
 * Without it the test is reported as skipped with the reason, never passed.
 * LEGATO_SCREENSHOT=docs/inspector.png saves the README's screenshot.
 */
import { type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM, chromiumMissing, launchChromium } from './chromium.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineRecord } from '../../src/index.js';
import { parseRecording, startInspectorServer, type InspectorServer } from '../../src/inspector/index.js';
import { inspectedDemo, memoryStream } from './helpers.js';

const missing = chromiumMissing;
if (missing) console.warn(`browser test skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium)`);
const MIN = 60_000;

describe.skipIf(missing)(`the inspector page in headless Chromium${missing ? ` (skipped: no Chromium at ${CHROMIUM})` : ''}`, () => {
  let browser: BrowserContext;
  let close: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    ({ context: browser, close } = await launchChromium({ width: 1500, height: 950 }));
  }, 60_000);
  afterAll(async () => {
    await close?.();
  });

  const errorsOf = (page: Page): string[] => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    return errors;
  };

  it('shows the actor tree, a highlighted state that changes on a known transition, the event log and the chart', async () => {
    const { engine, config, inspector } = inspectedDemo({ flushMs: 20 });
    engine.start();
    engine.runUntil(config.run.start + 20 * MIN); // 20:50: the night session (21:00) not open yet
    const server: InspectorServer = await startInspectorServer({ kind: 'live', inspector }, { port: 0 });
    const page = await browser.newPage();
    const errors = errorsOf(page);
    try {
      await page.goto(server.url);
      // The tree: engine → strategy → session.
      await page.locator('#tree li[data-id="engine"] li[data-id="strategy:hc-rb"] li[data-id="session:hc-rb"]').waitFor();
      expect(await page.locator('#tree li[data-id="session:hc-rb"] > .row .state').textContent()).toBe('closed');

      // Select the session: its statechart is drawn with `closed` highlighted.
      await page.click('#tree li[data-id="session:hc-rb"] > .row');
      await page.locator('#statechart svg[data-machine="session"] g.state.active[data-path="closed"]').waitFor();
      expect(await page.locator('#statechart g.state.active').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-path')))).toEqual(['closed']);

      // The known transition: at 21:00 the `after untilOpen` timer moves the session to open.trading.
      engine.runUntil(config.run.start + 31 * MIN);
      await page.locator('#statechart g.state.active[data-path="open.trading"]').waitFor();
      expect(await page.locator('#statechart g.state.active').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-path')))).toEqual(['open', 'open.trading']);
      expect(await page.locator('#tree li[data-id="session:hc-rb"] > .row .state').textContent()).toBe('open.trading');

      // The event log, filtered by event type and by actor.
      await page.fill('#filter-type', 'untilOpen');
      await page.locator('#log tbody[data-rows="1"]').waitFor();
      expect(await page.locator('#log tbody tr td').allTextContents()).toEqual([
        expect.stringMatching(/^\d+$/),
        '21:00:00.000',
        'xstate.after.untilOpen.session.closed',
        'session:hc-rb',
        'session:hc-rb',
        'closed → open; open.entering → open.trading',
      ]);
      await page.fill('#filter-type', 'session.opened');
      await page.fill('#filter-actor', 'strategy:hc-rb');
      await page.locator('#log tbody[data-rows="1"]').waitFor();
      expect((await page.locator('#log tbody tr td').allTextContents()).slice(2)).toEqual(['session.opened', 'session:hc-rb', 'strategy:hc-rb', '(machine): openGate, forwardToAlgo']);

      // Run past the first algo (21:18:22): the tree grows algo → orders, the chart gets fills and algo marks.
      engine.runUntil(config.run.start + 55 * MIN);
      await page.locator('#tree li[data-id="algo:hc-rb/1"] li[data-id="order:hc-rb/1.1"]').waitFor();
      expect(await page.locator('#tree li[data-id="algo:hc-rb/1"] > .row .state').textContent()).toBe('completed (done)');
      await page.locator('#spread[data-triggers="4"]').waitFor();
      // The chart is redrawn at most 4 times a second: wait for it to hold every point and fill.
      const attr = async (name: string): Promise<number> => Number(await page.locator('#spread').getAttribute(name));
      const fills = inspector.snapshot().filter((r) => r.k === 'fill' && r.strategy === 'hc-rb').length;
      await expect.poll(() => attr('data-fills'), { timeout: 30_000 }).toBe(fills);
      // Every spread point the inspector holds (the strategy's, and the desk's while a page watches) is drawn.
      await expect.poll(async () => (await attr('data-points')) - inspector.snapshot().filter((r) => r.k === 'spread').length, { timeout: 30_000 }).toBe(0);
      expect(fills).toBeGreaterThanOrEqual(2); // a fill on each leg
      // Marks are grouped per time slot (a start, an end, buys, sells): at least a start and the fills.
      expect(await attr('data-marks')).toBeGreaterThanOrEqual(2);
      expect(await page.locator('#spread canvas').count()).toBeGreaterThan(0);

      // The context of the selected strategy: prices as strings.
      await page.fill('#filter-type', '');
      await page.fill('#filter-actor', '');
      await page.click('#tree li[data-id="strategy:hc-rb"] > .row');
      await page.locator('#statechart svg[data-machine="strategy"]').waitFor();
      expect(await page.locator('#context').textContent()).toContain('"longEntry": "172"');
      if (process.env.LEGATO_SCREENSHOT) await page.screenshot({ path: process.env.LEGATO_SCREENSHOT });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await server.close();
      await engine.stop();
      await inspector.close();
    }
  });

  it('replays a recording: the slider steps back and forth through transitions', async () => {
    const { stream, text } = memoryStream();
    const { engine, config, inspector } = inspectedDemo({ record: stream });
    engine.start();
    engine.runUntil(config.run.start + 31 * MIN);
    await engine.stop();
    await inspector.close();
    const records = parseRecording(text());
    const events = records.filter((r) => r.k === 'event');
    const server = await startInspectorServer({ kind: 'replay', records, name: 'test.jsonl' }, { port: 0 });
    const page = await browser.newPage();
    const errors = errorsOf(page);
    try {
      await page.goto(server.url);
      await page.locator('#mode', { hasText: 'replay of test.jsonl' }).waitFor();
      expect(await page.locator('#slider').getAttribute('max')).toBe(String(events.length - 1));
      // Step to the transition that opened the session, then one back.
      const open = events.findIndex((e) => e.type === 'xstate.after.untilOpen.session.closed');
      await page.locator('#slider').fill(String(open));
      await page.locator('#position', { hasText: `transition ${open + 1} of ${events.length}: xstate.after.untilOpen.session.closed → session:hc-rb` }).waitFor();
      await page.locator('#statechart svg[data-machine="session"] g.state.active[data-path="open.trading"]').waitFor();
      await page.click('#back');
      await page.locator('#position', { hasText: `transition ${open} of ${events.length}` }).waitFor();
      await page.click('#tree li[data-id="session:hc-rb"] > .row');
      await page.locator('#statechart g.state.active[data-path="closed"]').waitFor();
      expect(await page.locator('#statechart g.state.active').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-path')))).toEqual(['closed']);
      await page.click('#fwd');
      await page.locator('#statechart g.state.active[data-path="open.trading"]').waitFor();
      expect(await page.locator('#log tr.current td:nth-child(3)').textContent()).toBe('xstate.after.untilOpen.session.closed');
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await server.close();
    }
  });

  it('the kill switch: Pause all, Flatten all (after a confirm) and Resume all send the token and show the result', async () => {
    const { engine, config, inspector } = inspectedDemo({ flushMs: 20 });
    engine.start();
    engine.runUntil(config.run.start + 45 * MIN); // 21:15, the session open
    const controls: EngineRecord[] = [];
    engine.records$.subscribe((r) => {
      if (r.kind === 'control') controls.push(r);
    });
    const at = engine.clock.now();
    const server = await startInspectorServer({ kind: 'live', inspector }, { port: 0, token: 'page-token' });
    const page = await browser.newPage();
    const errors = errorsOf(page);
    const dialogs: string[] = [];
    const result = page.locator('#control-result');
    const wait = { timeout: 30_000 };
    try {
      await page.goto(server.url);
      await page.locator('#pause-all').waitFor(wait); // shown: a live run can be controlled

      // Without the token: the server's refusal shows next to the buttons, and nothing reaches the engine.
      await page.click('#pause-all');
      await page.locator('#control-result[data-state="bad"]').waitFor(wait);
      expect(await result.textContent()).toBe('pause refused: control needs the token printed when the inspector started');
      expect(controls).toEqual([]);

      await page.fill('#token', 'page-token');
      await page.click('#pause-all');
      await page.locator('#control-result[data-state="ok"]', { hasText: 'pause sent to hc-rb' }).waitFor(wait);
      await expect.poll(() => controls.length, wait).toBe(1);
      expect(controls).toEqual([{ kind: 'control', at, action: 'pause', strategy: null, source: 'inspector' }]);

      // Flatten asks first: dismissed, nothing is sent; accepted, it is.
      page.once('dialog', (d) => {
        dialogs.push(`${d.type()}: ${d.message()}`);
        void d.dismiss();
      });
      await page.click('#flatten-all');
      await page.locator('#control-result', { hasText: 'flatten cancelled' }).waitFor(wait);
      page.once('dialog', (d) => {
        dialogs.push(`${d.type()}: ${d.message()}`);
        void d.accept();
      });
      await page.click('#flatten-all');
      await page.locator('#control-result[data-state="ok"]', { hasText: 'flatten sent to hc-rb' }).waitFor(wait);
      expect(dialogs).toEqual([
        'confirm: Flatten all: pause every strategy and trade every leg to flat?',
        'confirm: Flatten all: pause every strategy and trade every leg to flat?',
      ]);

      await page.click('#resume-all');
      await page.locator('#control-result[data-state="ok"]', { hasText: 'resume sent to hc-rb' }).waitFor(wait);
      await expect.poll(() => controls.length, wait).toBe(3);
      expect(controls).toEqual([
        { kind: 'control', at, action: 'pause', strategy: null, source: 'inspector' },
        { kind: 'control', at, action: 'flatten', strategy: null, source: 'inspector' },
        { kind: 'control', at, action: 'resume', strategy: null, source: 'inspector' },
      ]);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await server.close();
      await engine.stop();
      await inspector.close();
    }
  });
});
