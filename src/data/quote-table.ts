import { grown, timeOrder } from './columns.js';

/**
 * Recorded level-1 quotes in columns, so a replay of millions of rows stays compact and fast.
 * Prices and sizes are the file's decimal values as numbers; the replay venue converts them to ticks and
 * lots of each instrument (off-grid prices are refused before that, see load.ts).
 */
export class QuoteTable {
  ts = new Float64Array(1024);
  sym = new Uint16Array(1024);
  bid = new Float64Array(1024);
  bidSize = new Float64Array(1024);
  ask = new Float64Array(1024);
  askSize = new Float64Array(1024);
  length = 0;
  readonly symbols: string[] = [];
  private readonly index = new Map<string, number>();

  symbolId(symbol: string): number {
    let id = this.index.get(symbol);
    if (id === undefined) {
      id = this.symbols.length;
      if (id > 0xffff) throw new RangeError('QuoteTable: more than 65536 symbols');
      this.symbols.push(symbol);
      this.index.set(symbol, id);
    }
    return id;
  }

  push(ts: number, symbol: number, bid: number, bidSize: number, ask: number, askSize: number): void {
    if (this.length === this.ts.length) this.grow();
    const i = this.length++;
    this.ts[i] = ts;
    this.sym[i] = symbol;
    this.bid[i] = bid;
    this.bidSize[i] = bidSize;
    this.ask[i] = ask;
    this.askSize[i] = askSize;
  }

  /** A copy ordered by time; rows with equal times keep their order (a stable sort). */
  sorted(): QuoteTable {
    const order = timeOrder(this.ts, this.length);
    const out = new QuoteTable();
    for (const s of this.symbols) out.symbolId(s);
    for (const i of order) out.push(this.ts[i]!, this.sym[i]!, this.bid[i]!, this.bidSize[i]!, this.ask[i]!, this.askSize[i]!);
    return out;
  }

  private grow(): void {
    const n = this.ts.length * 2;
    this.ts = grown(this.ts, n);
    this.bid = grown(this.bid, n);
    this.bidSize = grown(this.bidSize, n);
    this.ask = grown(this.ask, n);
    this.askSize = grown(this.askSize, n);
    this.sym = grown(this.sym, n);
  }
}
