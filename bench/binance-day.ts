/** The shared Binance day, as the benchmarks replay it (bench.ts, ab.ts). */
export const BINANCE_DIR = '../shared/data/binance-btc-2024-08';
/** The two legs of examples/backtest-binance-basis.yaml on 2024-08-08 (94,129 leg quotes). */
export const BINANCE_DAY = [`${BINANCE_DIR}/spot_btcusdt_20240808_bookTicker.csv.gz`, `${BINANCE_DIR}/usdm_btcusdt_20240808_bookTicker.csv.gz`];
export const BINANCE_CONFIG = 'examples/backtest-binance-basis.yaml';
