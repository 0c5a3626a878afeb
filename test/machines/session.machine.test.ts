import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { sessionMachine } from '../../machines/session.machine.js';
import type { CalendarSpec } from '../../src/domain/session-calendar.js';
import { harness } from '../helpers/harness.js';

const shanghai: CalendarSpec = {
  timeZone: 'Asia/Shanghai',
  days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'],
  sessions: [
    { start: '09:00', end: '10:15' },
    { start: '10:30', end: '11:30' },
    { start: '13:30', end: '15:00' },
    { start: '21:00', end: '23:00' },
  ],
};
const at = (iso: string): number => DateTime.fromISO(iso, { zone: 'Asia/Shanghai' }).toMillis();
const local = (ms: number): string => DateTime.fromMillis(ms, { zone: 'Asia/Shanghai' }).toFormat("ccc HH:mm:ss");

function run(startIso: string, closingLeadMs = 60_000, calendar = shanghai) {
  const start = at(startIso);
  const h = harness(sessionMachine, { calendar, closingLeadMs, now: start }, { start, systemId: 'session:test' });
  /** Notices received so far, as "type@local time". */
  const notices = (): string[] => h.received.map((e) => `${e.type}@${local(e.at as number)}`);
  return { ...h, notices };
}

describe('session window machine', () => {
  it('starts closed before the open and tells its parent when the next session opens', () => {
    const s = run('2026-11-24T08:00:00');
    expect(s.state()).toBe('closed');
    expect(s.context().opensAt).toBe(at('2026-11-24T09:00:00'));
    s.clock.runUntil(at('2026-11-24T08:59:59.999'));
    expect(s.state()).toBe('closed');
    s.clock.runUntil(at('2026-11-24T09:00:00'));
    expect(s.state()).toBe('open.trading');
    expect(s.notices()).toEqual(['session.closed@Tue 08:00:00', 'session.opened@Tue 09:00:00']);
  });

  it('walks a Shanghai day through the morning break, the lunch break and the night session, boundary by boundary', () => {
    const s = run('2026-11-24T08:00:00');
    s.clock.runUntil(at('2026-11-25T00:00:00'));
    expect(s.notices()).toEqual([
      'session.closed@Tue 08:00:00',
      'session.opened@Tue 09:00:00',
      'session.closing@Tue 10:14:00',
      'session.closed@Tue 10:15:00',
      'session.opened@Tue 10:30:00',
      'session.closing@Tue 11:29:00',
      'session.closed@Tue 11:30:00',
      'session.opened@Tue 13:30:00',
      'session.closing@Tue 14:59:00',
      'session.closed@Tue 15:00:00',
      'session.opened@Tue 21:00:00',
      'session.closing@Tue 22:59:00',
      'session.closed@Tue 23:00:00',
    ]);
    expect(s.clock.pending).toBe(1); // only the timer for Wednesday's open
  });

  it('starts open when created inside a session, and closing, without an open, when created inside the closing lead', () => {
    const a = run('2026-11-24T09:30:00');
    expect(a.state()).toBe('open.trading');
    expect(a.context().closesAt).toBe(at('2026-11-24T10:15:00'));
    const b = run('2026-11-24T10:14:30');
    expect(b.state()).toBe('open.closing');
    // No session.opened: the strategy must not launch anything in the closing lead, not even for a moment.
    expect(b.notices()).toEqual(['session.closing@Tue 10:14:30']);
  });

  it('skips the weekend: from Friday night to Monday morning', () => {
    const s = run('2026-11-27T22:00:00');
    s.clock.runUntil(at('2026-11-30T09:00:00'));
    expect(s.notices()).toEqual(['session.opened@Fri 22:00:00', 'session.closing@Fri 22:59:00', 'session.closed@Fri 23:00:00', 'session.opened@Mon 09:00:00']);
  });

  it('stays open with no timer on a 24/7 calendar: continuous, holding no delayed event in the actor system', () => {
    const s = run('2026-11-24T08:00:00', 60_000, { timeZone: 'UTC', days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'], sessions: [{ start: '00:00', end: '00:00' }] });
    expect(s.state()).toBe('open.continuous');
    expect(s.context().closesAt).toBeNull();
    // XState scans every delayed event of the system at each actor's stop: a window that never closes holds none.
    expect(Object.keys(s.system.getSnapshot()._scheduledEvents)).toEqual([]);
    s.clock.advance(30 * 86_400_000);
    expect(s.state()).toBe('open.continuous');
    expect(s.notices()).toEqual(['session.opened@Tue 08:00:00']);
  });

  it('waits for its close on the system with a session that ends, one delayed event', () => {
    const s = run('2026-11-24T09:30:00');
    expect(Object.values(s.system.getSnapshot()._scheduledEvents).map((e) => e.event.type)).toEqual(['xstate.after.untilClosing.session.open.trading']);
  });
});
