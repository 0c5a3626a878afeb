import { DateTime } from 'luxon';
import { VirtualClock } from '../../src/clock/virtual-clock.js';
import { demoConfig } from '../../src/config/demo.js';
import { resolveConfig } from '../../src/config/resolve.js';
import type { SimulatedConfigInput } from '../../src/config/schema.js';
import { createEngine } from '../../src/engine/engine.js';
import type { EngineRecord, Execution } from '../../src/engine/records.js';
import { ScriptedVenue } from './scripted-venue.js';

const zone = 'Asia/Shanghai';
/** A local time on Tuesday 2026-11-24 in Shanghai (the demo's calendar), as epoch ms. */
export const at = (time: string): number => DateTime.fromISO(`2026-11-24T${time}`, { zone }).toMillis();

/**
 * The demo strategy HC − RB from `start` (local time on Tuesday 2026-11-24), with a 5 s closing lead, on a
 * venue the test plays, through the whole engine. `change` edits the config first.
 */
export function scriptedDemo(start: string, change: (c: SimulatedConfigInput) => void = () => {}) {
  const c: SimulatedConfigInput = structuredClone(demoConfig);
  c.run = { start: `2026-11-24T${start}`, days: 1 };
  c.strategies[0]!.session = { closingLeadSeconds: 5 };
  change(c);
  const config = resolveConfig(c, 'scenario');
  const clock = new VirtualClock(config.run.start);
  const venue = new ScriptedVenue(clock, ['HC', 'RB']);
  const engine = createEngine(config, { clock, venue });
  const records: EngineRecord[] = [];
  const executions: Execution[] = [];
  engine.records$.subscribe((r) => records.push(r));
  engine.executions$.subscribe((e) => executions.push(e));
  engine.start();
  /** The hedge ladder's steps so far. */
  const steps = (): string[] => records.filter((r) => r.kind === 'ladder.step').map((r) => (r as { step: string }).step);
  return { config, clock, venue, engine, records, executions, steps, until: (t: string) => clock.runUntil(at(t)) };
}
