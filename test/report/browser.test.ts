/**
 * The backtest report in a real headless Chromium (Debian's, at /usr/bin/chromium; .ci/run installs it), opened
 * from its file like a trader would. Without Chromium the test is reported as skipped with the reason.
 * LEGATO_REPORT_SCREENSHOT=docs/report.png saves the README's screenshot (the suite leaves the file alone).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/backtest/run-backtest.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { htmlReport } from '../../src/report/html-report.js';
import { scriptedConfig, scriptedFiles, T0 } from './scripted.js';

const CHROMIUM = process.env.LEGATO_CHROMIUM ?? '/usr/bin/chromium';
const missing = !existsSync(CHROMIUM);
if (missing) console.warn(`report browser test skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium)`);

/** The little of the page's globals these checks use (the test compiles without the DOM library). */
interface Canvas {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } };
}
interface Chart {
  timeScale(): { getVisibleRange(): { from: number; to: number } | null; timeToCoordinate(t: number): number | null };
}
interface PageGlobals {
  document: { querySelectorAll(selector: string): ArrayLike<Canvas> };
  legatoReport: { charts: Record<string, Chart> };
  scrollTo(x: number, y: number): void;
}

/** Per chart: canvases, their largest size, and how many pixels are not the white background (all canvases). */
interface Drawn {
  canvases: number;
  width: number;
  height: number;
  inked: number;
  /** Pixels close to a given colour. */
  colour: number;
}

describe.skipIf(missing)(`the backtest report in headless Chromium${missing ? ` (skipped: no Chromium at ${CHROMIUM})` : ''}`, () => {
  let browser: Browser;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'legato-report-browser-'));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('draws the equity, drawdown, spread, position and exposure charts from the one file, offline, with no console error', async () => {
    const { data } = scriptedFiles();
    const r = await runBacktest(resolveConfig(scriptedConfig, 'ab'), { data: [data] });
    const file = join(dir, 'report.html');
    writeFileSync(file, htmlReport(r, 'UTC', 'Legato backtest: ab (the scripted run of test/report/scripted.ts)'));
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, offline: true });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
    });
    const requests: string[] = [];
    page.on('request', (q) => requests.push(q.url()));
    try {
      await page.goto(`file://${file}`);
      await page.locator('body[data-charts="5"]').waitFor();
      const drawn = (id: string, rgb: [number, number, number]): Promise<Drawn> =>
        page.evaluate(
          ({ id, rgb }) => {
            const canvases = Array.from((globalThis as unknown as PageGlobals).document.querySelectorAll(`#${id} canvas`));
            let inked = 0;
            let colour = 0;
            for (const c of canvases) {
              if (c.width === 0 || c.height === 0) continue;
              const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
              for (let i = 0; i < px.length; i += 4) {
                if (px[i + 3]! === 0) continue;
                if (px[i]! < 250 || px[i + 1]! < 250 || px[i + 2]! < 250) inked++;
                if (Math.abs(px[i]! - rgb[0]) < 24 && Math.abs(px[i + 1]! - rgb[1]) < 24 && Math.abs(px[i + 2]! - rgb[2]) < 24) colour++;
              }
            }
            return { canvases: canvases.length, width: Math.max(...canvases.map((c) => c.width)), height: Math.max(...canvases.map((c) => c.height)), inked, colour };
          },
          { id, rgb },
        );
      // The library draws on the next animation frames.
      await page.waitForFunction(() => Array.from((globalThis as unknown as PageGlobals).document.querySelectorAll('#chart-drawdown canvas')).some((c) => c.width > 0));
      await page.waitForTimeout(300);
      const equity = await drawn('chart-equity', [34, 34, 34]); // the equity line, #222
      const drawdown = await drawn('chart-drawdown', [214, 39, 40]); // the drawdown line, #d62728
      const spread = await drawn('chart-spread-0', [255, 127, 14]); // the ask, #ff7f0e
      for (const d of [equity, drawdown, spread]) {
        expect(d.canvases).toBeGreaterThan(0);
        expect(d.width).toBeGreaterThan(500);
        expect(d.height).toBeGreaterThan(100);
        expect(d.inked).toBeGreaterThan(2000);
        expect(d.colour).toBeGreaterThan(100);
      }
      // Through the library's API: the whole run is in view, on the 1 s grid.
      const range = await page.evaluate(() => (globalThis as unknown as PageGlobals).legatoReport.charts['chart-equity']!.timeScale().getVisibleRange());
      expect(range).toEqual({ from: T0 / 1000, to: T0 / 1000 + 7 });

      // Hover the long entry (1 s): the execution and its leg fills.
      const box = (await page.locator('#chart-spread-0').boundingBox())!;
      const x = await page.evaluate((t) => (globalThis as unknown as PageGlobals).legatoReport.charts['chart-spread-0']!.timeScale().timeToCoordinate(t), T0 / 1000 + 1);
      await page.locator('#chart-spread-0').scrollIntoViewIfNeeded();
      const at = (await page.locator('#chart-spread-0').boundingBox())!;
      await page.mouse.move(at.x + x!, at.y + box.height / 2);
      const tip = page.locator('#chart-spread-0 .tip');
      await tip.waitFor({ state: 'visible' });
      expect(await tip.locator('div').allTextContents()).toEqual([
        '2026-01-05 09:00:01',
        'spread bid: 3',
        'spread ask: 5',
        '▲ ab/1 longEntry buy 2/2 at 5 (trigger 6, slippage -1)',
        '   A buy 2 @ 104  09:00:01.000 taker',
        '   B sell 2 @ 99  09:00:01.000 taker',
      ]);
      const shot = process.env.LEGATO_REPORT_SCREENSHOT;
      if (shot) {
        // Tall enough for the figures, the equity, the drawdown and the spread with the hover on the entry.
        await page.evaluate(() => (globalThis as unknown as PageGlobals).scrollTo(0, 0));
        const height = Math.round((await page.locator('#chart-position-0').boundingBox())!.y - 50);
        await page.setViewportSize({ width: 1400, height });
        await page.waitForTimeout(300);
        const b = (await page.locator('#chart-spread-0').boundingBox())!;
        await page.mouse.move(b.x + x!, b.y + b.height * 0.62);
        await tip.waitFor({ state: 'visible' });
        await page.screenshot({ path: shot });
      }
      expect(errors).toEqual([]);
      expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
