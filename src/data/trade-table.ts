import { grown, timeOrder } from './columns.js';

/**
 * Recorded trades in columns, beside the quotes: what printed, where and how much. A row is one trade
 * (low = high = its price) or a bar of trades (the lowest and highest price printed over the bar, and the
 * volume over it), stamped at the time it is known (a bar at its end). Prices and volumes are the file's
 * decimal values as numbers; the replay venue converts them to ticks and lots of each instrument.
 */
export class TradeTable {
  ts = new Float64Array(256);
  sym = new Uint16Array(256);
  low = new Float64Array(256);
  high = new Float64Array(256);
  volume = new Float64Array(256);
  length = 0;
  readonly symbols: string[] = [];
  private readonly index = new Map<string, number>();

  symbolId(symbol: string): number {
    let id = this.index.get(symbol);
    if (id === undefined) {
      id = this.symbols.length;
      if (id > 0xffff) throw new RangeError('TradeTable: more than 65536 symbols');
      this.symbols.push(symbol);
      this.index.set(symbol, id);
    }
    return id;
  }

  push(ts: number, symbol: number, low: number, high: number, volume: number): void {
    if (this.length === this.ts.length) this.grow();
    const i = this.length++;
    this.ts[i] = ts;
    this.sym[i] = symbol;
    this.low[i] = low;
    this.high[i] = high;
    this.volume[i] = volume;
  }

  /** A copy ordered by time; rows with equal times keep their order (a stable sort). */
  sorted(): TradeTable {
    const order = timeOrder(this.ts, this.length);
    const out = new TradeTable();
    for (const s of this.symbols) out.symbolId(s);
    for (const i of order) out.push(this.ts[i]!, this.sym[i]!, this.low[i]!, this.high[i]!, this.volume[i]!);
    return out;
  }

  private grow(): void {
    const n = this.ts.length * 2;
    this.ts = grown(this.ts, n);
    this.low = grown(this.low, n);
    this.high = grown(this.high, n);
    this.volume = grown(this.volume, n);
    this.sym = grown(this.sym, n);
  }
}
