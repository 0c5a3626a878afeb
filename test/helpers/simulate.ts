import type { EngineConfig } from '../../src/config/resolve.js';
import { createEngine, type Engine } from '../../src/engine/engine.js';
import type { EngineRecord, FillRecord } from '../../src/engine/records.js';

/** Runs an engine on its default venue and clock to the end of the config, keeping every record and fill. */
export async function simulate(config: EngineConfig, attach: (engine: Engine) => void = () => {}) {
  const engine = createEngine(config);
  attach(engine);
  const records: EngineRecord[] = [];
  const fills: FillRecord[] = [];
  engine.records$.subscribe((r) => records.push(r));
  engine.fills$.subscribe((f) => fills.push(f));
  const summary = await engine.run();
  return { engine, records, fills, summary };
}
