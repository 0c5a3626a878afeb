/**
 * The machines' share of a replay, counted (not timed): per machine, the actors created, the events they receive,
 * the microsteps those take and the states active in each microstep, through XState's inspection in one replay of
 * its own. XState's cost per event grows with the number of active states (docs/benchmarks-history.md, "The sixth
 * round of issue 14: what an execution is made of"), so these counts, per execution, are what a change to the machines' shape moves. Deterministic for a
 * given config and table: the bench reports them beside its timings, and a test pins them for the Binance day.
 */
import type { InspectionEvent } from 'xstate';
import { runBacktest } from '../src/backtest/run-backtest.js';
import type { EngineConfig } from '../src/config/resolve.js';
import type { DataReport } from '../src/data/load.js';
import type { QuoteTable } from '../src/data/quote-table.js';
import type { TradeTable } from '../src/data/trade-table.js';

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

/** Replays the quotes once (a backtest without series) with every machine's inspection events counted. */
export async function replayShape(config: EngineConfig, quotes: { table: QuoteTable; trades?: TradeTable; report: DataReport }): Promise<ReplayShape> {
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
  const { summary } = await runBacktest(config, { data: [], quotes, series: false, inspect });
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
