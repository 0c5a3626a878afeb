import { describe, expect, it } from 'vitest';
import { SessionCalendar, WEEKDAYS, type Boundary, type CalendarSpec, type Interval, type Weekday } from '../../src/domain/session-calendar.js';

/**
 * `intervalAt` and `nextBoundary` remember the walks that follow merged intervals out to the 370-day horizon (a
 * 24/7 calendar used to walk 370 days each way on every call). The answers must not change, nor depend on what was
 * asked before: every expected value below was computed by the calendar before it remembered anything (one fresh
 * walk per call), and each calendar is asked in the listed order (far and near, forward and back, so that later
 * questions start from remembered walks), then again in the reverse order on a new calendar.
 */

const MON_FRI: Weekday[] = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'];
const iso = (ms: number): string => (Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms));
const interval = (iv: Interval | null): [string, string] | null => (iv === null ? null : [iso(iv.start), iso(iv.end)]);
const boundary = (b: Boundary | null): [string, boolean] | null => (b === null ? null : [iso(b.at), b.open]);

type Row = [string, [string, string] | null, [string, boolean] | null];

const CASES: { name: string; spec: CalendarSpec; expected: Row[] }[] = [
  {
    name: '24/7 (UTC, every day 00:00–00:00): always open, unbounded both ways, no boundary',
    spec: { timeZone: 'UTC', days: [...WEEKDAYS], sessions: [{ start: '00:00', end: '00:00' }] },
    // [instant asked, intervalAt, nextBoundary], asked in this order
    expected: [
      ['2026-01-05T00:00:00Z', ['-Infinity', 'Infinity'], null],
      ['2026-01-05T12:34:56.789Z', ['-Infinity', 'Infinity'], null],
      ['2030-06-30T23:59:59.999Z', ['-Infinity', 'Infinity'], null],
      ['2026-01-05T00:00:00Z', ['-Infinity', 'Infinity'], null],
    ],
  },
  {
    name: '24/7 with a holiday on 2026-07-20: bounded by it only within 370 days, whatever was asked before',
    spec: { timeZone: 'UTC', days: [...WEEKDAYS], sessions: [{ start: '00:00', end: '00:00' }], holidays: ['2026-07-20'] },
    // [instant asked, intervalAt, nextBoundary], asked in this order
    expected: [
      ['2025-06-01T12:00:00Z', ['-Infinity', 'Infinity'], null],
      ['2026-01-05T12:00:00Z', ['-Infinity', '2026-07-20T00:00:00.000Z'], ['2026-07-20T00:00:00.000Z', false]],
      ['2026-07-19T23:59:59.999Z', ['-Infinity', '2026-07-20T00:00:00.000Z'], ['2026-07-20T00:00:00.000Z', false]],
      ['2026-07-20T00:00:00Z', null, ['2026-07-21T00:00:00.000Z', true]],
      ['2026-07-20T13:00:00Z', null, ['2026-07-21T00:00:00.000Z', true]],
      ['2026-07-21T00:00:00Z', ['2026-07-21T00:00:00.000Z', 'Infinity'], null],
      ['2027-07-01T00:00:00Z', ['2026-07-21T00:00:00.000Z', 'Infinity'], null],
      ['2027-07-30T00:00:00Z', ['-Infinity', 'Infinity'], null],
      ['2025-06-01T12:00:00Z', ['-Infinity', 'Infinity'], null],
      ['2026-01-05T12:00:00Z', ['-Infinity', '2026-07-20T00:00:00.000Z'], ['2026-07-20T00:00:00.000Z', false]],
    ],
  },
  {
    name: 'a split session (Shanghai, 09:00–10:15, 10:30–11:30, 13:30–15:00, 21:00–23:00, Mon–Fri)',
    spec: {
      timeZone: 'Asia/Shanghai',
      days: MON_FRI,
      sessions: [
        { start: '09:00', end: '10:15' },
        { start: '10:30', end: '11:30' },
        { start: '13:30', end: '15:00' },
        { start: '21:00', end: '23:00' },
      ],
    },
    // [instant asked, intervalAt, nextBoundary], asked in this order
    expected: [
      ['2026-01-07T00:59:59.999Z', null, ['2026-01-07T01:00:00.000Z', true]],
      ['2026-01-07T01:00:00Z', ['2026-01-07T01:00:00.000Z', '2026-01-07T02:15:00.000Z'], ['2026-01-07T02:15:00.000Z', false]],
      ['2026-01-07T02:20:00Z', null, ['2026-01-07T02:30:00.000Z', true]],
      ['2026-01-07T02:30:00Z', ['2026-01-07T02:30:00.000Z', '2026-01-07T03:30:00.000Z'], ['2026-01-07T03:30:00.000Z', false]],
      ['2026-01-07T04:00:00Z', null, ['2026-01-07T05:30:00.000Z', true]],
      ['2026-01-07T06:59:59Z', ['2026-01-07T05:30:00.000Z', '2026-01-07T07:00:00.000Z'], ['2026-01-07T07:00:00.000Z', false]],
      ['2026-01-07T13:00:00Z', ['2026-01-07T13:00:00.000Z', '2026-01-07T15:00:00.000Z'], ['2026-01-07T15:00:00.000Z', false]],
      ['2026-01-09T14:59:59Z', ['2026-01-09T13:00:00.000Z', '2026-01-09T15:00:00.000Z'], ['2026-01-09T15:00:00.000Z', false]],
      ['2026-01-09T15:00:00Z', null, ['2026-01-12T01:00:00.000Z', true]],
      ['2026-01-10T12:00:00Z', null, ['2026-01-12T01:00:00.000Z', true]],
    ],
  },
  {
    name: 'overnight (CME, Chicago, 17:00–16:00 Sun–Thu, holiday 2026-01-19, across the March DST switch)',
    spec: { timeZone: 'America/Chicago', days: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu'], sessions: [{ start: '17:00', end: '16:00' }], holidays: ['2026-01-19'] },
    // [instant asked, intervalAt, nextBoundary], asked in this order
    expected: [
      ['2026-01-15T12:00:00Z', ['2026-01-14T23:00:00.000Z', '2026-01-15T22:00:00.000Z'], ['2026-01-15T22:00:00.000Z', false]],
      ['2026-01-15T22:00:00Z', null, ['2026-01-15T23:00:00.000Z', true]],
      ['2026-01-15T23:00:00Z', ['2026-01-15T23:00:00.000Z', '2026-01-16T22:00:00.000Z'], ['2026-01-16T22:00:00.000Z', false]],
      ['2026-01-16T21:59:59.999Z', ['2026-01-15T23:00:00.000Z', '2026-01-16T22:00:00.000Z'], ['2026-01-16T22:00:00.000Z', false]],
      ['2026-01-17T12:00:00Z', null, ['2026-01-18T23:00:00.000Z', true]],
      ['2026-01-18T23:00:00Z', ['2026-01-18T23:00:00.000Z', '2026-01-19T22:00:00.000Z'], ['2026-01-19T22:00:00.000Z', false]],
      ['2026-01-19T12:00:00Z', ['2026-01-18T23:00:00.000Z', '2026-01-19T22:00:00.000Z'], ['2026-01-19T22:00:00.000Z', false]],
      ['2026-01-19T22:30:00Z', null, ['2026-01-20T23:00:00.000Z', true]],
      ['2026-01-20T23:00:00Z', ['2026-01-20T23:00:00.000Z', '2026-01-21T22:00:00.000Z'], ['2026-01-21T22:00:00.000Z', false]],
      ['2026-03-08T12:00:00Z', null, ['2026-03-08T22:00:00.000Z', true]],
      ['2026-03-08T22:00:00Z', ['2026-03-08T22:00:00.000Z', '2026-03-09T21:00:00.000Z'], ['2026-03-09T21:00:00.000Z', false]],
    ],
  },
  {
    name: '24 h Mon–Fri (London, holiday Good Friday 2026-04-03): week-long merged intervals across both DST switches',
    spec: { timeZone: 'Europe/London', days: MON_FRI, sessions: [{ start: '00:00', end: '00:00' }], holidays: ['2026-04-03'] },
    // [instant asked, intervalAt, nextBoundary], asked in this order
    expected: [
      ['2026-03-30T10:00:00Z', ['2026-03-29T23:00:00.000Z', '2026-04-02T23:00:00.000Z'], ['2026-04-02T23:00:00.000Z', false]],
      ['2026-04-01T10:00:00Z', ['2026-03-29T23:00:00.000Z', '2026-04-02T23:00:00.000Z'], ['2026-04-02T23:00:00.000Z', false]],
      ['2026-04-03T10:00:00Z', null, ['2026-04-05T23:00:00.000Z', true]],
      ['2026-04-04T10:00:00Z', null, ['2026-04-05T23:00:00.000Z', true]],
      ['2026-04-06T00:00:00Z', ['2026-04-05T23:00:00.000Z', '2026-04-10T23:00:00.000Z'], ['2026-04-10T23:00:00.000Z', false]],
      ['2026-03-28T23:30:00Z', null, ['2026-03-29T23:00:00.000Z', true]],
      ['2026-10-24T12:00:00Z', null, ['2026-10-26T00:00:00.000Z', true]],
      ['2026-10-28T12:00:00Z', ['2026-10-26T00:00:00.000Z', '2026-10-31T00:00:00.000Z'], ['2026-10-31T00:00:00.000Z', false]],
      ['2026-04-01T10:00:00Z', ['2026-03-29T23:00:00.000Z', '2026-04-02T23:00:00.000Z'], ['2026-04-02T23:00:00.000Z', false]],
    ],
  },
];

describe('SessionCalendar: intervalAt and nextBoundary give the answers they gave before remembering walks', () => {
  for (const { name, spec, expected } of CASES) {
    it(`${name}: in the listed order, then in reverse on a new calendar`, () => {
      const ask = (cal: SessionCalendar, t: string): Row => [t, interval(cal.intervalAt(Date.parse(t))), boundary(cal.nextBoundary(Date.parse(t)))];
      const forward = new SessionCalendar(spec);
      expect(expected.map(([t]) => ask(forward, t))).toEqual(expected);
      const backward = new SessionCalendar(spec);
      expect([...expected].reverse().map(([t]) => ask(backward, t))).toEqual([...expected].reverse());
    });
  }

  it('intervals() on the 24/7 calendar with a holiday: whole intervals, unbounded past 370 days', () => {
    const cal = new SessionCalendar(CASES[1]!.spec);
    const list = (from: string, to: string) => cal.intervals(Date.parse(from), Date.parse(to)).map((iv) => interval(iv));
    expect(list('2026-07-19T00:00:00Z', '2026-07-22T00:00:00Z')).toEqual([
      ['-Infinity', '2026-07-20T00:00:00.000Z'],
      ['2026-07-21T00:00:00.000Z', 'Infinity'],
    ]);
    expect(list('2025-01-01T00:00:00Z', '2025-01-02T00:00:00Z')).toEqual([['-Infinity', 'Infinity']]);
    expect(list('2026-07-21T00:00:00Z', '2026-08-01T00:00:00Z')).toEqual([['2026-07-21T00:00:00.000Z', 'Infinity']]);
  });
});
