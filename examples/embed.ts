// Embedding Legato in a host application: build an engine from a config, watch its streams, run it.
// Run with: npm run example   (CI runs it too)
import { createEngine, demoConfig, resolveConfig } from '../src/index.js';

const config = resolveConfig(demoConfig, 'embed example', { seed: 42 });
const engine = createEngine(config); // the embedded simulated venue on a simulated clock

engine.stateChanges$.subscribe((c) => {
  if (c.actor.startsWith('strategy:')) console.log(`${new Date(c.at).toISOString()}  ${c.actor} → ${c.state}`);
});
engine.executions$.subscribe((e) => {
  console.log(`  ${e.algoId} ${e.purpose} ${e.side} ${e.units}/${e.qty} units at ${e.realizedSpread ?? '-'} (slippage ${e.slippage ?? '-'}, naked ${e.exposure.nakedMs} ms)`);
});

const summary = await engine.run(); // one simulated day at max speed, then a clean stop
console.log(`executions ${summary.executions.length}, position ${summary.strategies[0]!.spreadPosition}, PnL ${summary.pnl}`);
