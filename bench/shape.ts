/**
 * The machines' share of a replay, counted (not timed): per machine, the actors created, the events they receive,
 * the microsteps those take and the states active in each microstep, through XState's inspection in one replay of
 * its own. XState's cost per event grows with the number of active states (docs/benchmarks.md, "What an execution
 * is made of"), so these counts, per execution, are what a change to the machines' shape moves. Deterministic for a
 * given config and table: the bench reports them beside its timings, and a test pins them for the Binance day.
 */
import type { InspectionEvent } from 'xstate';
import { VirtualClock } from '../src/clock/virtual-clock.js';
import type { EngineConfig } from '../src/config/resolve.js';
import type { QuoteTable } from '../src/data/quote-table.js';
import type { TradeTable } from '../src/data/trade-table.js';
import { createEngine } from '../src/engine/engine.js';
import { ReplayVenue, type ReplayVenueSpec } from '../src/venue/replay/replay-venue.js';

export interface MachineShape {
  actors: number;
  events: number;
  microsteps: number;
  /** Active state nodes summed over the microsteps (the root included, as XState counts them). */
  activeStates: number;
}

export interface ReplayShape {
  executions: number;
  /** By machine id (`strategy`, `algo`, `order`, `session`, `engine`). */
  machines: Record<string, MachineShape>;
}

/** Replays `table` once with every machine's inspection events counted. */
export async function replayShape(config: EngineConfig, table: QuoteTable, trades?: TradeTable): Promise<ReplayShape> {
  const machines: Record<string, MachineShape> = {};
  const inspect = (ev: InspectionEvent): void => {
    const id = (ev.actorRef as { logic?: { id?: string } }).logic?.id ?? '?';
    const m = (machines[id] ??= { actors: 0, events: 0, microsteps: 0, activeStates: 0 });
    if (ev.type === '@xstate.actor') m.actors++;
    else if (ev.type === '@xstate.event') m.events++;
    else if (ev.type === '@xstate.microstep') {
      m.microsteps++;
      m.activeStates += (ev.snapshot as { _nodes?: unknown[] })._nodes?.length ?? 0;
    }
  };
  const start = table.ts[0]!;
  const end = table.ts[table.length - 1]!;
  const clock = new VirtualClock(start);
  const venue = new ReplayVenue(config.venue as ReplayVenueSpec, table, clock, trades);
  const engine = createEngine({ ...config, run: { start, days: (end - start) / 86_400_000 } }, { clock, venue, inspect });
  const summary = await engine.run();
  return { executions: summary.counts.executions, machines };
}

/** One line per machine: per execution, and the mean number of active states in a microstep. */
export function describeShape(shape: ReplayShape): string[] {
  const n = Math.max(1, shape.executions);
  return Object.entries(shape.machines).map(
    ([id, m]) =>
      `${id.padEnd(8)} ${m.actors} actors, ${m.events} events, ${m.microsteps} microsteps (per execution ${(m.events / n).toFixed(1)} events, ${(m.microsteps / n).toFixed(1)} microsteps), ${(m.activeStates / Math.max(1, m.microsteps)).toFixed(1)} active states a microstep`,
  );
}
