import { readFileSync } from 'node:fs';
import { parseConfigText, resolveConfigData, type EngineConfig } from '../src/config/resolve.js';

/**
 * Trigger prices no spread of the shared data reaches (the Binance basis stays within ±100 USDT, the CME calendar
 * within ±10 points): with them a replay launches no algo, and what it costs is the quote path alone (the venue, the
 * exchange core, the market-view stage, the decision filter, the clock). The bench replays the day with them, engine
 * and baseline, to split the full run's cost between the quotes and the executions.
 */
export const UNREACHABLE_TRIGGERS = { longEntry: '-1000000', longExit: '-999999', shortExit: '999999', shortEntry: '1000000' };

/** `config` (as read from its file, `config.source`) with every strategy's triggers set to UNREACHABLE_TRIGGERS. */
export function withUnreachableTriggers(config: EngineConfig): EngineConfig {
  const raw = parseConfigText(readFileSync(config.source, 'utf8'), config.source) as { strategies: { triggers: Record<string, string> }[] };
  for (const s of raw.strategies) s.triggers = { ...UNREACHABLE_TRIGGERS };
  // Relative paths in it (funding files) are read from the config file's directory, as loadConfigFile reads them.
  return resolveConfigData(raw, config.source);
}
