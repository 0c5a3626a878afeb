import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Decimal } from '../domain/decimal.js';

/** What the backtest and sweep reports share: escaping, the style sheet, the inlined chart library. */

export const esc = (s: unknown): string => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** JSON that is safe inside a <script> element. */
export const scriptJson = (v: unknown): string => JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

export const STYLE = `
body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1280px}
table{border-collapse:collapse;margin:8px 0 20px;font-size:13px}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:right;white-space:nowrap}
th{background:#f3f3f3}
td.l,th.l{text-align:left}
h2{margin-top:32px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{margin:20px 0 6px}
.kpi{display:inline-block;margin:0 24px 12px 0;vertical-align:top}
.kpi b{display:block;font-size:20px}
.kpi small{display:block;color:#666}
.pos{color:#1a7f37}.neg{color:#cf222e}
.chart{width:100%;margin:4px 0 4px;border:1px solid #e5e5e5}
.legend{font-size:13px;color:#444;margin:4px 0 14px}
.legend span{margin-right:16px;white-space:nowrap}
.sw{display:inline-block;width:14px;height:3px;vertical-align:middle;margin-right:4px}
.tip{position:absolute;display:none;z-index:10;pointer-events:none;background:rgba(255,255,255,0.96);border:1px solid #999;border-radius:3px;padding:4px 8px;font:12px ui-monospace,monospace;white-space:pre;box-shadow:0 1px 4px rgba(0,0,0,.15)}
.tip .when{font-weight:bold}
.bar{display:inline-block;height:12px;background:#1f77b4;vertical-align:middle}
table.heat td{min-width:70px}
.note{color:#555;font-size:13px;max-width:1100px}
footer{margin-top:40px;color:#666;font-size:12px}
`;

let library: string | undefined;

/**
 * TradingView Lightweight Charts' standalone build (it defines window.LightweightCharts), read from
 * node_modules once, to inline in the page so that it opens offline as one file.
 */
export function chartLibrary(): string {
  if (library === undefined) {
    const require = createRequire(import.meta.url);
    const file = join(dirname(require.resolve('lightweight-charts/package.json')), 'dist', 'lightweight-charts.standalone.production.js');
    library = readFileSync(file, 'utf8').replace(/<\/(script)/gi, '<\\/$1');
  }
  return library;
}

/** The notice the library's licence asks for (its logo on each chart links to tradingview.com). */
export const ATTRIBUTION =
  'Charts: TradingView Lightweight Charts™, Copyright © TradingView, Inc., Apache License 2.0 (https://www.tradingview.com/), inlined in this file.';

/** A signed money figure with its colour. */
export function signed(v: string | null | undefined, digits = 2): string {
  if (v === null || v === undefined || v === 'n/a') return 'n/a';
  const d = new Decimal(v);
  return `<span class="${d.gt(0) ? 'pos' : d.lt(0) ? 'neg' : ''}">${esc(d.toFixed(digits))}</span>`;
}
