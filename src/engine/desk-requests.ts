import type { AlgoKind } from '../../machines/algo.machine.js';
import type { ManualOrder } from '../../machines/strategy.machine.js';
import type { ResolvedStrategy } from '../config/resolve.js';
import { strategySchema } from '../config/schema.js';
import { Decimal, str } from '../domain/decimal.js';
import { ConfigError } from '../domain/errors.js';
import { triggerOrderProblems, type Triggers } from '../domain/triggers.js';
import type { TriggerPrices } from './records.js';

/**
 * The desk's requests (Engine.control, setTriggers, setTarget, startAlgo, stopAlgo, stopStrategy): what they are,
 * what they answer, and the checks of what an operator asks, with the config's own rules, before the engine
 * journals a control and sends it into the machines. A refusal is an answer, never thrown.
 */

/** The kill switch (see `Engine.control`). */
export type ControlAction = 'pause' | 'resume' | 'flatten';
/** Why a control was refused (its `error` says it in words). */
export type ControlRefusal =
  /** No strategy (or algo) by that name. */
  | 'unknownStrategy'
  | 'unknownAlgo'
  /** The engine has not started, or has stopped; or the strategy (or algo) has ended. */
  | 'notRunning'
  /** A value that the config would refuse too (a malformed price, overlapping triggers, a target out of range). */
  | 'invalid'
  /** The strategy is not idle: its own algo works, or it flattens or stops. */
  | 'busy'
  /** The strategy's session window is closed (or closing). */
  | 'windowClosed';
/** What a control did: the strategies it reached (and the algo it started), or why it was refused. Never thrown. */
export type ControlResult = { ok: true; strategies: string[]; algoId?: string } | { ok: false; error: string; refusal?: ControlRefusal };
/** Who asked for a control: journalled as the record's `source`. Default 'library'. */
export interface ControlOptions {
  source?: string;
}
/** New trigger prices: decimal strings (or numbers) as a config writes them; null turns one off, an absent key keeps it. */
export type TriggerUpdate = Partial<Record<keyof Triggers, string | number | null>>;
/** A manual spread order (the desk's ticket), worked by an algo under the strategy, which books its fills. */
export interface ManualAlgoRequest {
  /** Buy or sell the spread. */
  side: 'buy' | 'sell';
  /** Spread units: a whole number from 1 to 1,000,000. */
  qty: number;
  /** The limit spread price (a decimal string, or a number): buy at or below, sell at or above. */
  limit: string | number;
  /**
   * How it is worked. `taker` takes what the spread offers at the limit now and ends when the price leaves (it
   * expires after `resubmitMs` if the price is not there); `contingent` sends every leg at once; `quoting` rests
   * the active leg at the price the limit implies until filled or stopped. Default: the strategy's kind.
   */
  kind?: AlgoKind;
}

/** A control refused for a value the config would refuse too. */
function invalid(error: string): { ok: false; error: string; refusal: ControlRefusal } {
  return { ok: false, error, refusal: 'invalid' };
}

/**
 * What the config's checks say of a set of trigger prices (src/config/resolve.ts applies the same rules to a config
 * file): exact as scaled spread prices, a long or short entry, and no overlap (long entry below short entry, long
 * exit above long entry, short exit below short entry). Each problem is a ConfigError naming the field.
 */
export function triggerProblems(t: TriggerPrices, scale: number): ConfigError[] {
  const errors: ConfigError[] = [];
  for (const k of ['longEntry', 'longExit', 'shortEntry', 'shortExit'] as const) {
    const price = t[k];
    if (price !== null && new Decimal(price).abs().times(scale).gt(Number.MAX_SAFE_INTEGER)) {
      errors.push(new ConfigError(`triggers.${k}`, `is too large for exact spread prices (|price|${scale === 1 ? '' : ` × ${scale}`} must stay below 2^53)`, price));
    }
  }
  if (errors.length > 0) return errors;
  return triggerOrderProblems(t, 'triggers');
}

/** A refusal or the value asked for, checked. */
type Checked<T> = ({ ok: true } & T) | { ok: false; error: string; refusal: ControlRefusal };

const TRIGGER_KEYS = ['longEntry', 'longExit', 'shortEntry', 'shortExit'] as const;

/**
 * New trigger prices for a strategy whose prices are `previous` (as decimal strings): an absent key keeps one, null
 * turns one off. Checked as the config checks them (decimal prices within range, exact when scaled, no overlap),
 * each refusal naming the field as the config would. The prices after the change, as text and scaled.
 */
export function parseTriggerUpdate(s: ResolvedStrategy, previous: TriggerPrices, triggers: unknown): Checked<{ next: TriggerPrices; scaled: Triggers }> {
  const def = s.definition;
  if (triggers === null || typeof triggers !== 'object' || Array.isArray(triggers)) return invalid('triggers must be an object of trigger prices');
  const stray = Object.keys(triggers).find((k) => !(TRIGGER_KEYS as readonly string[]).includes(k));
  if (stray !== undefined) return invalid(new ConfigError(`triggers.${stray.slice(0, 40)}`, 'is not a trigger (longEntry, longExit, shortEntry, shortExit)').message);
  const next: TriggerPrices = { ...previous };
  const given: Record<string, unknown> = {};
  for (const k of TRIGGER_KEYS) {
    const v = (triggers as Record<string, unknown>)[k];
    if (v === undefined) continue;
    if (v === null) next[k] = null;
    else given[k] = v;
  }
  // The config's own field check: a decimal number, at most 10^15 in absolute value.
  const parsed = strategySchema.shape.triggers.safeParse(given);
  if (!parsed.success) return invalid(parsed.error.issues.map((i) => new ConfigError(`triggers.${i.path.join('.')}`, i.message, given[String(i.path[0])]).message).join('; '));
  for (const k of TRIGGER_KEYS) if (parsed.data[k] !== undefined) next[k] = parsed.data[k];
  const problems = triggerProblems(next, def.scale);
  if (problems.length > 0) return invalid(problems.map((e) => e.message).join('; '));
  const scaled: Triggers = {
    longEntry: next.longEntry === null ? null : def.toScaled(next.longEntry, 'down'),
    longExit: next.longExit === null ? null : def.toScaled(next.longExit, 'up'),
    shortEntry: next.shortEntry === null ? null : def.toScaled(next.shortEntry, 'up'),
    shortExit: next.shortExit === null ? null : def.toScaled(next.shortExit, 'down'),
  };
  return { ok: true, next, scaled };
}

/** A target position, checked as the config checks it (spread units, a whole number from 1 to 1,000,000). */
export function parseTarget(target: unknown): Checked<{ target: number }> {
  const parsed = strategySchema.shape.target.safeParse(target);
  if (!parsed.success) return invalid(new ConfigError('target', parsed.error.issues[0]?.message ?? 'is not a valid target', target).message);
  return { ok: true, target: parsed.data };
}

/**
 * A manual spread order (the desk's ticket) on a strategy's spread, checked: side, units as a target is, the limit as a
 * trigger price is (and exact when scaled), the kind. The order the strategy is sent (its limit scaled, rounded to
 * the side's advantage), and what the control record journals.
 */
export function parseManualOrder(s: ResolvedStrategy, request: unknown): Checked<{ order: ManualOrder; side: 'buy' | 'sell'; qty: number; limit: string; kind: AlgoKind }> {
  if (request === null || typeof request !== 'object') return invalid('a manual order needs side, qty and limit');
  const { side, qty, limit } = request as Partial<ManualAlgoRequest>;
  const kind = (request as Partial<ManualAlgoRequest>).kind ?? s.spec.algo.kind;
  if (side !== 'buy' && side !== 'sell') return invalid(new ConfigError('side', 'must be "buy" or "sell"', side).message);
  const q = strategySchema.shape.target.safeParse(qty);
  if (!q.success) return invalid(new ConfigError('qty', `${q.error.issues[0]?.message ?? 'is not valid'} (spread units)`, qty).message);
  if (limit === undefined || limit === null) return invalid(new ConfigError('limit', 'is required: the limit spread price').message);
  const l = strategySchema.shape.triggers.shape.longEntry.safeParse(limit);
  if (!l.success || l.data === undefined) return invalid(new ConfigError('limit', l.success ? 'is required' : (l.error.issues[0]?.message ?? 'is not valid'), limit).message);
  if (new Decimal(l.data).abs().times(s.definition.scale).gt(Number.MAX_SAFE_INTEGER)) return invalid(new ConfigError('limit', 'is too large for exact spread prices', limit).message);
  if (kind !== 'taker' && kind !== 'contingent' && kind !== 'quoting') return invalid(new ConfigError('kind', 'must be "taker", "contingent" or "quoting"', kind).message);
  const order: ManualOrder = { side: side === 'buy' ? 1 : -1, qty: q.data, limit: s.definition.toScaled(l.data, side === 'buy' ? 'down' : 'up'), kind };
  return { ok: true, order, side, qty: q.data, limit: l.data, kind };
}

/** Scaled triggers as decimal strings: the config's text while a trigger is as configured. */
export function triggerText(s: ResolvedStrategy, t: Triggers): TriggerPrices {
  const text = (k: keyof Triggers): string | null => {
    const v = t[k];
    if (v === null) return null;
    return v === s.spec.triggers[k] && s.triggerPrices[k] !== null ? s.triggerPrices[k] : str(s.definition.fromScaled(v));
  };
  return { longEntry: text('longEntry'), longExit: text('longExit'), shortEntry: text('shortEntry'), shortExit: text('shortExit') };
}
