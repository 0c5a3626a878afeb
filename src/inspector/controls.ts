/**
 * The controls a page may ask for (with the token), read from a hostile message: every field is checked for
 * type and size here, and the engine checks the values again (the same rules as the config) before anything
 * changes. A message that does not parse is answered with what is wrong, never thrown on.
 */
import type { ControlAction, ManualAlgoRequest, TriggerUpdate } from '../index.js';

/** What a page may ask for: the kill switch, and the desk's controls. */
export type DeskControl =
  | { action: ControlAction; strategy?: string }
  | { action: 'setTriggers'; strategy: string; triggers: TriggerUpdate }
  | { action: 'setTarget'; strategy: string; target: number }
  | { action: 'startAlgo'; strategy: string; order: ManualAlgoRequest }
  | { action: 'stopAlgo'; algoId: string };

export type DeskControlAction = DeskControl['action'];
export const DESK_ACTIONS: readonly DeskControlAction[] = ['pause', 'resume', 'flatten', 'setTriggers', 'setTarget', 'startAlgo', 'stopAlgo'];

/** The longest strategy name, algo id and price a control message may carry. */
export const MAX_STRATEGY = 200;
const MAX_ALGO_ID = 230;
const MAX_PRICE = 64;
const TRIGGER_KEYS = ['longEntry', 'longExit', 'shortEntry', 'shortExit'] as const;

export type ControlParse = { ok: true; control: DeskControl } | { ok: false; error: string };

const bad = (error: string): ControlParse => ({ ok: false, error: `malformed message: ${error}` });

/** A price from a page: a string of at most 64 characters, or a finite number. */
function priceProblem(v: unknown): boolean {
  return !((typeof v === 'string' && v.length <= MAX_PRICE) || (typeof v === 'number' && Number.isFinite(v)));
}

function strategyOf(m: Record<string, unknown>, required: boolean): { ok: true; strategy: string | undefined } | { ok: false; error: string } {
  const s = m.strategy;
  if (s === undefined && !required) return { ok: true, strategy: undefined };
  if (typeof s !== 'string' || s.length === 0 || s.length > MAX_STRATEGY) {
    return { ok: false, error: `malformed message: "strategy"${required ? '' : ', when present,'} must be a strategy name (a string of 1 to ${MAX_STRATEGY} characters)` };
  }
  return { ok: true, strategy: s };
}

/** Reads a `control` message's action and its fields. */
export function parseControl(m: Record<string, unknown>): ControlParse {
  const action = m.action;
  if (typeof action !== 'string' || !(DESK_ACTIONS as readonly string[]).includes(action)) {
    return bad(`"action" must be one of ${DESK_ACTIONS.map((a) => `"${a}"`).join(', ')}`);
  }
  switch (action as DeskControlAction) {
    case 'pause':
    case 'resume':
    case 'flatten': {
      const s = strategyOf(m, false);
      if (!s.ok) return s;
      return { ok: true, control: { action: action as ControlAction, ...(s.strategy === undefined ? {} : { strategy: s.strategy }) } };
    }
    case 'setTriggers': {
      const s = strategyOf(m, true);
      if (!s.ok) return s;
      const t = m.triggers;
      if (t === null || typeof t !== 'object' || Array.isArray(t)) return bad('"triggers" must be an object of trigger prices (longEntry, longExit, shortEntry, shortExit)');
      const keys = Object.keys(t);
      const stray = keys.find((k) => !(TRIGGER_KEYS as readonly string[]).includes(k));
      if (stray !== undefined) return bad(`"triggers" holds an unknown key (allowed: ${TRIGGER_KEYS.join(', ')})`);
      if (keys.length === 0) return bad('"triggers" is empty: name the trigger prices to change');
      const triggers: TriggerUpdate = {};
      for (const k of TRIGGER_KEYS) {
        const v = (t as Record<string, unknown>)[k];
        if (v === undefined) continue;
        if (v !== null && priceProblem(v)) return bad(`"triggers.${k}" must be a price (a decimal string of at most ${MAX_PRICE} characters, or a number), or null to turn it off`);
        triggers[k] = v as string | number | null;
      }
      return { ok: true, control: { action: 'setTriggers', strategy: s.strategy!, triggers } };
    }
    case 'setTarget': {
      const s = strategyOf(m, true);
      if (!s.ok) return s;
      if (typeof m.target !== 'number' || !Number.isFinite(m.target)) return bad('"target" must be a number of spread units');
      return { ok: true, control: { action: 'setTarget', strategy: s.strategy!, target: m.target } };
    }
    case 'startAlgo': {
      const s = strategyOf(m, true);
      if (!s.ok) return s;
      if (m.side !== 'buy' && m.side !== 'sell') return bad('"side" must be "buy" or "sell"');
      if (typeof m.qty !== 'number' || !Number.isFinite(m.qty)) return bad('"qty" must be a number of spread units');
      if (priceProblem(m.limit)) return bad(`"limit" must be a price (a decimal string of at most ${MAX_PRICE} characters, or a number)`);
      if (m.kind !== undefined && m.kind !== 'taker' && m.kind !== 'contingent' && m.kind !== 'quoting') return bad('"kind", when present, must be "taker", "contingent" or "quoting"');
      const order: ManualAlgoRequest = { side: m.side, qty: m.qty, limit: m.limit as string | number, ...(m.kind === undefined ? {} : { kind: m.kind }) };
      return { ok: true, control: { action: 'startAlgo', strategy: s.strategy!, order } };
    }
    case 'stopAlgo': {
      if (typeof m.algoId !== 'string' || m.algoId.length === 0 || m.algoId.length > MAX_ALGO_ID) return bad(`"algoId" must be an algo id (<strategy>/<n>, at most ${MAX_ALGO_ID} characters)`);
      return { ok: true, control: { action: 'stopAlgo', algoId: m.algoId } };
    }
  }
}
