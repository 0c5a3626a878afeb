import type { AnyActorRef } from 'xstate';
import type { ResolvedStrategy } from '../config/resolve.js';
import { parseManualOrder, parseTarget, parseTriggerUpdate, triggerText, type ControlAction, type ControlOptions, type ControlRefusal, type ControlResult, type ManualAlgoRequest, type TriggerUpdate } from './desk-requests.js';
import { strategyOfId, type ControlRecord } from './records.js';
import { stateString } from './state-string.js';
import type { Triggers } from '../domain/triggers.js';

/** What the desk's controls need of the engine. */
export interface ControlHost {
  readonly strategies: ReadonlyMap<string, ResolvedStrategy>;
  /** Why the engine takes no control now (it has not started, or has stopped); undefined while it runs. */
  notRunning(): string | undefined;
  /** An actor of the tree by its system id (`strategy:<name>`, `algo:<id>`). */
  actor(systemId: string): AnyActorRef | undefined;
  now(): number;
  /** Journals the control, before it is applied. */
  record(r: ControlRecord): void;
  /** The strategy's next market view goes to it whatever its decision mask. */
  wantFreshView(strategy: string): void;
  /** An operator's event into the actor tree (held views go first). */
  sendIn(ref: AnyActorRef, event: { type: string; [key: string]: unknown }): void;
}

/**
 * The desk's requests applied (Engine.control and the methods beside it document each): the request is checked
 * (desk-requests.ts), journalled as a control record naming who asked, then sent into the strategy or algo it is for.
 * A refusal is an answer, never thrown, and journals nothing.
 */
export class DeskControls {
  constructor(private readonly host: ControlHost) {}

  control(action: ControlAction, options: { strategy?: string; source?: string }): ControlResult {
    const { strategies } = this.host;
    const names = options.strategy === undefined ? [...strategies.keys()] : [options.strategy];
    const unknown = names.find((n) => !strategies.has(n));
    if (unknown !== undefined) return { ok: false, error: `no strategy named "${unknown}" (strategies: ${this.names()})` };
    const notRunning = this.host.notRunning();
    if (notRunning !== undefined) return { ok: false, error: notRunning };
    this.host.record({ kind: 'control', at: this.host.now(), action, strategy: options.strategy ?? null, source: options.source ?? 'library' });
    for (const name of names) {
      const ref = this.host.actor(`strategy:${name}`);
      if (ref?.getSnapshot().status === 'active') this.host.sendIn(ref, { type: `${action}.requested` });
    }
    return { ok: true, strategies: names };
  }

  setTriggers(strategy: string, triggers: TriggerUpdate, options: ControlOptions): ControlResult {
    const c = this.controllable(strategy);
    if (!c.ok) return c;
    const { s, ref } = c;
    const previous = triggerText(s, (ref.getSnapshot() as { context: { spec: { triggers: Triggers } } }).context.spec.triggers);
    const parsed = parseTriggerUpdate(s, previous, triggers);
    if (!parsed.ok) return parsed;
    this.host.record({ kind: 'control', at: this.host.now(), action: 'setTriggers', strategy, source: options.source ?? 'library', triggers: parsed.next, previous });
    // The strategy forgets the view it holds; the next one is sent to it whatever its decision mask.
    this.host.wantFreshView(strategy);
    this.host.sendIn(ref, { type: 'triggers.requested', triggers: parsed.scaled });
    return { ok: true, strategies: [strategy] };
  }

  setTarget(strategy: string, target: number, options: ControlOptions): ControlResult {
    const c = this.controllable(strategy);
    if (!c.ok) return c;
    const parsed = parseTarget(target);
    if (!parsed.ok) return parsed;
    const previous = (c.ref.getSnapshot() as { context: { spec: { target: number } } }).context.spec.target;
    this.host.record({ kind: 'control', at: this.host.now(), action: 'setTarget', strategy, source: options.source ?? 'library', target: parsed.target, previous });
    this.host.wantFreshView(strategy);
    this.host.sendIn(c.ref, { type: 'target.requested', target: parsed.target });
    return { ok: true, strategies: [strategy] };
  }

  startAlgo(strategy: string, request: ManualAlgoRequest, options: ControlOptions): ControlResult {
    const c = this.controllable(strategy);
    if (!c.ok) return c;
    const { s, ref } = c;
    const parsed = parseManualOrder(s, request);
    if (!parsed.ok) return parsed;
    const { order, side, qty, limit, kind } = parsed;
    const event = { type: 'manual.requested' as const, order };
    const snap = ref.getSnapshot() as { can(e: unknown): boolean; value: unknown; context: { algo: { id: string } | null; gateOpen: boolean; seq: number } };
    if (!snap.can(event)) {
      const state = stateString(snap.value) ?? '';
      if (snap.context.algo) return { ok: false, refusal: 'busy', error: `strategy "${strategy}" is working algo ${snap.context.algo.id}: stop it (or pause the strategy) first` };
      if (state === 'flattening' || state === 'stopping') return { ok: false, refusal: 'busy', error: `strategy "${strategy}" is ${state}` };
      if (!snap.context.gateOpen) return { ok: false, refusal: 'windowClosed', error: `strategy "${strategy}"'s session window is closed (or closing)` };
      return { ok: false, refusal: 'busy', error: `strategy "${strategy}" cannot start a manual order in state ${state}` };
    }
    const algoId = `${strategy}/${snap.context.seq + 1}`;
    this.host.record({ kind: 'control', at: this.host.now(), action: 'startAlgo', strategy, source: options.source ?? 'library', algoId, side, qty, limit, algoKind: kind });
    this.host.sendIn(ref, event);
    return { ok: true, strategies: [strategy], algoId };
  }

  stopAlgo(algoId: string, options: ControlOptions): ControlResult {
    if (typeof algoId !== 'string' || !/^.+\/\d+$/.test(algoId)) return { ok: false, refusal: 'unknownAlgo', error: 'an algo id is <strategy>/<number>' };
    const strategy = strategyOfId(algoId);
    if (!this.host.strategies.has(strategy)) return { ok: false, refusal: 'unknownAlgo', error: `no strategy named "${strategy}" (strategies: ${this.names()})` };
    const notRunning = this.host.notRunning();
    if (notRunning !== undefined) return { ok: false, refusal: 'notRunning', error: notRunning };
    const ref = this.host.actor(`algo:${algoId}`);
    // The strategy's next algo, spawned ahead and dormant under its id, does not run until its launch.
    if (!ref || ref.getSnapshot().status !== 'active' || ref.getSnapshot().value === 'dormant') return { ok: false, refusal: 'unknownAlgo', error: `no running algo ${algoId}` };
    this.host.record({ kind: 'control', at: this.host.now(), action: 'stopAlgo', strategy, source: options.source ?? 'library', algoId });
    this.host.sendIn(ref, { type: 'stop.requested' });
    return { ok: true, strategies: [strategy] };
  }

  stopStrategy(strategy: string, options: ControlOptions): ControlResult {
    const c = this.controllable(strategy);
    if (!c.ok) return c;
    this.host.record({ kind: 'control', at: this.host.now(), action: 'stopStrategy', strategy, source: options.source ?? 'library' });
    this.host.sendIn(c.ref, { type: 'stop.requested' });
    return { ok: true, strategies: [strategy] };
  }

  /** A strategy that can take a control now (the engine running, the strategy alive), or why not. */
  private controllable(strategy: string): { ok: true; s: ResolvedStrategy; ref: AnyActorRef } | { ok: false; error: string; refusal: ControlRefusal } {
    const s = typeof strategy === 'string' ? this.host.strategies.get(strategy) : undefined;
    if (!s) return { ok: false, refusal: 'unknownStrategy', error: `no strategy named "${String(strategy).slice(0, 200)}" (strategies: ${this.names()})` };
    const notRunning = this.host.notRunning();
    if (notRunning !== undefined) return { ok: false, refusal: 'notRunning', error: notRunning };
    const ref = this.host.actor(`strategy:${strategy}`);
    if (!ref || ref.getSnapshot().status !== 'active') return { ok: false, refusal: 'notRunning', error: `strategy "${strategy}" has stopped` };
    return { ok: true, s, ref };
  }

  private names(): string {
    return [...this.host.strategies.keys()].join(', ');
  }
}
