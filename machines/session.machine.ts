import { assign, sendParent, setup } from 'xstate';
import { calendarFor, type CalendarSpec } from '../src/domain/session-calendar.js';

/**
 * The trading session window: closed | open (trading → closing, or continuous when the session never ends). It
 * computes its next boundary from the
 * calendar once per boundary and waits for it on the system clock, telling its parent at each change.
 * `closing` is the last `closingLeadMs` of a session: no new executions, but hedges can still go out,
 * so stopping never leaves legs unbalanced and no order is sent after the window closes.
 * Times are kept as timestamps in context (`at` = the boundary just reached), never read from a clock.
 */

export interface SessionInput {
  calendar: CalendarSpec;
  /** How long before each session end the window stops launching and stops running algos. */
  closingLeadMs: number;
  /** The time the window starts at (ms since the epoch). */
  now: number;
}

export interface SessionContext {
  calendar: CalendarSpec;
  closingLeadMs: number;
  at: number;
  /** When the current session ends (null: never) or the next one starts (null: never). */
  closesAt: number | null;
  opensAt: number | null;
}

export type SessionNotice =
  | { type: 'session.opened'; at: number; closesAt: number | null }
  | { type: 'session.closing'; at: number; closesAt: number | null }
  | { type: 'session.closed'; at: number; opensAt: number | null };

const until = (t: number | null, now: number): number => (t === null ? Infinity : Math.max(0, t - now));

/**
 * The engine resumed a journalled run at `at`: the window decides again from the timestamps in its context
 * and the time now (XState does not restore `after` timers, and one that fell due while the engine was down
 * would otherwise shift every later boundary by the downtime).
 */
export type SessionEvent = { type: 'engine.resumed'; at: number };

export const sessionMachine = setup({
  types: {
    context: {} as SessionContext,
    input: {} as SessionInput,
    events: {} as SessionEvent,
  },
  actions: {
    planClosing: assign(({ context }) => {
      const end = calendarFor(context.calendar).intervalAt(context.at)?.end ?? context.at;
      return { closesAt: Number.isFinite(end) ? end : null, opensAt: null };
    }),
    planOpening: assign(({ context }) => ({ opensAt: calendarFor(context.calendar).nextBoundary(context.at)?.at ?? null, closesAt: null })),
    advanceToClosing: assign(({ context }) => ({ at: Math.max(context.at, (context.closesAt ?? Infinity) - context.closingLeadMs) })),
    advanceToClose: assign(({ context }) => ({ at: context.closesAt ?? context.at })),
    advanceToOpen: assign(({ context }) => ({ at: context.opensAt ?? context.at })),
    resumeAt: assign({ at: ({ event }) => event.at }),
    tellOpened: sendParent(({ context }) => ({ type: 'session.opened', at: context.at, closesAt: context.closesAt }) satisfies SessionNotice),
    tellClosing: sendParent(({ context }) => ({ type: 'session.closing', at: context.at, closesAt: context.closesAt }) satisfies SessionNotice),
    tellClosed: sendParent(({ context }) => ({ type: 'session.closed', at: context.at, opensAt: context.opensAt }) satisfies SessionNotice),
  },
  guards: {
    isOpenNow: ({ context }) => calendarFor(context.calendar).isOpen(context.at),
    isWithinClosingLead: ({ context }) => context.closesAt !== null && context.at >= context.closesAt - context.closingLeadMs,
    neverCloses: ({ context }) => context.closesAt === null,
  },
  delays: {
    untilOpen: ({ context }) => until(context.opensAt, context.at),
    untilClosing: ({ context }) => (context.closesAt === null ? Infinity : until(context.closesAt - context.closingLeadMs, context.at)),
    untilClose: ({ context }) => until(context.closesAt, context.at),
  },
}).createMachine({
  id: 'session',
  context: ({ input }) => ({ calendar: input.calendar, closingLeadMs: input.closingLeadMs, at: input.now, closesAt: null, opensAt: null }),
  on: { 'engine.resumed': { target: '.deciding', actions: 'resumeAt' } },
  initial: 'deciding',
  states: {
    deciding: {
      always: [{ guard: 'isOpenNow', target: 'open' }, { target: 'closed' }],
    },
    closed: {
      entry: ['planOpening', 'tellClosed'],
      after: { untilOpen: { target: 'open', actions: 'advanceToOpen' } },
    },
    open: {
      entry: 'planClosing',
      initial: 'entering',
      states: {
        // Opened inside the closing lead (a session shorter than the lead, or a resume near its end): straight
        // to closing, so the strategy never hears an open it must not trade in.
        entering: {
          always: [{ guard: 'isWithinClosingLead', target: 'closing' }, { guard: 'neverCloses', target: 'continuous' }, { target: 'trading' }],
        },
        // A session with no end (a market open around the clock): nothing to wait for. XState keeps every delayed
        // event of the actor system in one list that it scans whenever any actor stops, so a window waiting
        // forever would cost each algo's and order's end a look at it.
        continuous: {
          entry: 'tellOpened',
        },
        trading: {
          entry: 'tellOpened',
          after: { untilClosing: { target: 'closing', actions: 'advanceToClosing' } },
        },
        closing: {
          entry: 'tellClosing',
          after: { untilClose: { target: '#session.closed', actions: 'advanceToClose' } },
        },
      },
    },
  },
});
