import { describe, it, expect, vi } from 'vitest';
import { DateTime, IANAZone, Settings } from 'luxon';
import { ConfigError } from '../../src/domain/errors.js';
import {
  SessionCalendar,
  WEEKDAYS,
  calendarFor,
  isoToInstant,
  type Boundary,
  type CalendarSpec,
  type Interval,
  type Weekday,
} from '../../src/domain/session-calendar.js';

const MON_FRI: Weekday[] = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'];
const HOUR = 3_600_000;

/** Epoch ms of an unambiguous local time in `zone` (never use this for a time in a DST gap or repeated hour). */
const local = (iso: string, zone: string): number => {
  const dt = DateTime.fromISO(iso, { zone });
  if (!dt.isValid) throw new Error(`bad test time ${iso}`);
  return dt.toMillis();
};
/** Epoch ms of an instant written in UTC ("...Z") or with an explicit offset. */
const utc = (iso: string): number => {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad test instant ${iso}`);
  return ms;
};
const isoUtc = (ms: number): string => new Date(ms).toISOString();
const isoIn = (ms: number, zone: string): string | null => DateTime.fromMillis(ms, { zone }).toISO();
const boundaryIn = (b: Boundary | null, zone: string) => (b === null ? null : { at: isoIn(b.at, zone), open: b.open });
const boundaryUtc = (b: Boundary | null) => (b === null ? null : { at: isoUtc(b.at), open: b.open });
const intervalUtc = (iv: Interval | null) => (iv === null ? null : [isoUtc(iv.start), isoUtc(iv.end)]);
const hours = (iv: Interval | null): number => (iv === null ? Number.NaN : (iv.end - iv.start) / HOUR);

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

// -------------------------------------------------------------------------------------------------

describe('SessionCalendar: Shanghai futures day (Asia/Shanghai, Mon–Fri, 09:00–10:15, 10:30–11:30, 13:30–15:00, 21:00–23:00)', () => {
  const SH = 'Asia/Shanghai';
  const spec: CalendarSpec = {
    timeZone: SH,
    days: MON_FRI,
    sessions: [
      { start: '09:00', end: '10:15' },
      { start: '10:30', end: '11:30' },
      { start: '13:30', end: '15:00' },
      { start: '21:00', end: '23:00' },
    ],
  };
  const cal = new SessionCalendar(spec);
  // 2026-03-05 is a Thursday, 2026-03-06 a Friday, 2026-03-07 a Saturday, 2026-03-09 a Monday.
  const t = (iso: string) => local(iso, SH);

  it('keeps the spec object it was given', () => {
    expect(cal.spec).toBe(spec);
  });

  it('is closed before 09:00 and open from exactly 09:00 (start inclusive)', () => {
    expect(cal.isOpen(t('2026-03-05T08:59:59.999'))).toBe(false);
    expect(cal.isOpen(t('2026-03-05T09:00'))).toBe(true);
  });

  it('closes for the morning break at exactly 10:15 (end exclusive) and reopens at 10:30', () => {
    expect(cal.isOpen(t('2026-03-05T10:14:59.999'))).toBe(true);
    expect(cal.isOpen(t('2026-03-05T10:15'))).toBe(false);
    expect(cal.isOpen(t('2026-03-05T10:29:59.999'))).toBe(false);
    expect(cal.isOpen(t('2026-03-05T10:30'))).toBe(true);
  });

  it('is closed over the lunch break 11:30–13:30', () => {
    expect(cal.isOpen(t('2026-03-05T11:29'))).toBe(true);
    expect(cal.isOpen(t('2026-03-05T11:30'))).toBe(false);
    expect(cal.isOpen(t('2026-03-05T12:30'))).toBe(false);
    expect(cal.isOpen(t('2026-03-05T13:30'))).toBe(true);
  });

  it('nextBoundary from inside a session is that session closing', () => {
    expect(boundaryIn(cal.nextBoundary(t('2026-03-05T09:30')), SH)).toEqual({ at: '2026-03-05T10:15:00.000+08:00', open: false });
    expect(boundaryUtc(cal.nextBoundary(t('2026-03-05T14:00')))).toEqual({ at: '2026-03-05T07:00:00.000Z', open: false });
  });

  it('nextBoundary from a break is the next session opening', () => {
    expect(boundaryIn(cal.nextBoundary(t('2026-03-05T10:20')), SH)).toEqual({ at: '2026-03-05T10:30:00.000+08:00', open: true });
    expect(boundaryIn(cal.nextBoundary(t('2026-03-05T12:00')), SH)).toEqual({ at: '2026-03-05T13:30:00.000+08:00', open: true });
    expect(boundaryUtc(cal.nextBoundary(t('2026-03-05T15:00')))).toEqual({ at: '2026-03-05T13:00:00.000Z', open: true });
  });

  it('nextBoundary is strictly after the instant: from a closing instant it is the next opening', () => {
    expect(boundaryIn(cal.nextBoundary(t('2026-03-05T10:15')), SH)).toEqual({ at: '2026-03-05T10:30:00.000+08:00', open: true });
    expect(boundaryIn(cal.nextBoundary(t('2026-03-05T10:30')), SH)).toEqual({ at: '2026-03-05T11:30:00.000+08:00', open: false });
  });

  it('walking nextBoundary through a Thursday yields exactly the eight session edges, then Friday 09:00', () => {
    const seen: { at: string | null; open: boolean }[] = [];
    let ms = t('2026-03-05T08:00');
    for (let i = 0; i < 9; i++) {
      const b = cal.nextBoundary(ms);
      if (b === null) throw new Error('unexpected null boundary');
      seen.push({ at: isoIn(b.at, SH), open: b.open });
      ms = b.at;
    }
    expect(seen).toEqual([
      { at: '2026-03-05T09:00:00.000+08:00', open: true },
      { at: '2026-03-05T10:15:00.000+08:00', open: false },
      { at: '2026-03-05T10:30:00.000+08:00', open: true },
      { at: '2026-03-05T11:30:00.000+08:00', open: false },
      { at: '2026-03-05T13:30:00.000+08:00', open: true },
      { at: '2026-03-05T15:00:00.000+08:00', open: false },
      { at: '2026-03-05T21:00:00.000+08:00', open: true },
      { at: '2026-03-05T23:00:00.000+08:00', open: false },
      { at: '2026-03-06T09:00:00.000+08:00', open: true },
    ]);
  });

  it('the Friday night session applies (21:00–23:00 on Friday)', () => {
    expect(cal.isOpen(t('2026-03-06T21:00'))).toBe(true);
    expect(cal.isOpen(t('2026-03-06T22:59'))).toBe(true);
    expect(cal.isOpen(t('2026-03-06T23:00'))).toBe(false);
    expect(intervalUtc(cal.intervalAt(t('2026-03-06T22:00')))).toEqual(['2026-03-06T13:00:00.000Z', '2026-03-06T15:00:00.000Z']);
  });

  it('is closed all Saturday and Sunday; after the Friday night close the next opening is Monday 09:00', () => {
    for (const h of ['00:00', '09:30', '14:00', '21:30']) {
      expect(cal.isOpen(t(`2026-03-07T${h}`))).toBe(false);
      expect(cal.isOpen(t(`2026-03-08T${h}`))).toBe(false);
    }
    expect(boundaryIn(cal.nextBoundary(t('2026-03-06T23:00')), SH)).toEqual({ at: '2026-03-09T09:00:00.000+08:00', open: true });
    expect(boundaryIn(cal.nextBoundary(t('2026-03-07T10:00')), SH)).toEqual({ at: '2026-03-09T09:00:00.000+08:00', open: true });
  });

  it('intervalAt returns the session containing the instant, or null when closed', () => {
    expect(intervalUtc(cal.intervalAt(t('2026-03-05T10:00')))).toEqual(['2026-03-05T01:00:00.000Z', '2026-03-05T02:15:00.000Z']);
    expect(cal.intervalAt(t('2026-03-05T10:15'))).toBeNull();
  });

  it('intervals(from, to) lists every interval overlapping [from, to) in order, whole rather than clipped', () => {
    expect(cal.intervals(t('2026-03-06T00:00'), t('2026-03-07T00:00')).map(intervalUtc)).toEqual([
      ['2026-03-06T01:00:00.000Z', '2026-03-06T02:15:00.000Z'],
      ['2026-03-06T02:30:00.000Z', '2026-03-06T03:30:00.000Z'],
      ['2026-03-06T05:30:00.000Z', '2026-03-06T07:00:00.000Z'],
      ['2026-03-06T13:00:00.000Z', '2026-03-06T15:00:00.000Z'],
    ]);
    expect(cal.intervals(t('2026-03-06T09:30'), t('2026-03-06T10:31')).map(intervalUtc)).toEqual([
      ['2026-03-06T01:00:00.000Z', '2026-03-06T02:15:00.000Z'],
      ['2026-03-06T02:30:00.000Z', '2026-03-06T03:30:00.000Z'],
    ]);
    // half-open on both sides: [10:15, 10:30) touches neither session
    expect(cal.intervals(t('2026-03-06T10:15'), t('2026-03-06T10:30'))).toEqual([]);
    expect(cal.intervals(t('2026-03-07T00:00'), t('2026-03-09T00:00'))).toEqual([]);
  });
});

describe('SessionCalendar: a night session crossing midnight (21:00–02:30, Mon–Fri)', () => {
  const SH = 'Asia/Shanghai';
  const cal = new SessionCalendar({ timeZone: SH, days: MON_FRI, sessions: [{ start: '21:00', end: '02:30' }] });
  const t = (iso: string) => local(iso, SH);

  it('is open at 01:00 on Saturday morning, because the session started on Friday', () => {
    expect(cal.isOpen(t('2026-03-07T01:00'))).toBe(true);
    expect(intervalUtc(cal.intervalAt(t('2026-03-07T01:00')))).toEqual(['2026-03-06T13:00:00.000Z', '2026-03-06T18:30:00.000Z']);
  });

  it('closes at exactly 02:30 (half-open)', () => {
    expect(cal.isOpen(t('2026-03-07T02:29:59.999'))).toBe(true);
    expect(cal.isOpen(t('2026-03-07T02:30'))).toBe(false);
  });

  it('nextBoundary from Friday 23:59 is the Saturday 02:30 close', () => {
    expect(boundaryIn(cal.nextBoundary(t('2026-03-06T23:59')), SH)).toEqual({ at: '2026-03-07T02:30:00.000+08:00', open: false });
  });

  it('no session starts on Saturday or Sunday, so Monday 01:00 is closed and Monday 21:00 opens', () => {
    expect(cal.isOpen(t('2026-03-08T01:00'))).toBe(false);
    expect(cal.isOpen(t('2026-03-09T01:00'))).toBe(false);
    expect(boundaryIn(cal.nextBoundary(t('2026-03-07T02:30')), SH)).toEqual({ at: '2026-03-09T21:00:00.000+08:00', open: true });
  });

  it('the Monday session runs into Tuesday morning', () => {
    expect(cal.isOpen(t('2026-03-10T02:00'))).toBe(true);
  });
});

describe('SessionCalendar: holidays', () => {
  const SH = 'Asia/Shanghai';
  // 2026-10-01 is a Thursday.
  const cal = new SessionCalendar({
    timeZone: SH,
    days: MON_FRI,
    sessions: [
      { start: '09:00', end: '15:00' },
      { start: '21:00', end: '02:30' },
    ],
    holidays: ['2026-10-01', '2026-10-01'], // duplicates are fine
  });
  const t = (iso: string) => local(iso, SH);

  it('no session starts on a holiday date', () => {
    expect(cal.isOpen(t('2026-10-01T09:00'))).toBe(false);
    expect(cal.isOpen(t('2026-10-01T12:00'))).toBe(false);
    expect(cal.isOpen(t('2026-10-01T21:30'))).toBe(false);
    expect(cal.isOpen(t('2026-10-02T01:00'))).toBe(false); // the holiday's own night session never started
  });

  it('the night session of the evening before the holiday still runs until its end on the holiday', () => {
    expect(cal.isOpen(t('2026-09-30T23:00'))).toBe(true);
    expect(cal.isOpen(t('2026-10-01T02:29'))).toBe(true);
    expect(cal.isOpen(t('2026-10-01T02:30'))).toBe(false);
    expect(boundaryIn(cal.nextBoundary(t('2026-09-30T23:00')), SH)).toEqual({ at: '2026-10-01T02:30:00.000+08:00', open: false });
  });

  it('after the pre-holiday night session the next opening is the day after the holiday', () => {
    expect(boundaryIn(cal.nextBoundary(t('2026-10-01T02:30')), SH)).toEqual({ at: '2026-10-02T09:00:00.000+08:00', open: true });
  });
});

describe('SessionCalendar: DST in America/Chicago and America/New_York (2026-03-08 and 2026-11-01)', () => {
  const CH = 'America/Chicago';
  const NY = 'America/New_York';
  // CME-style Globex week: Sunday–Thursday 17:00 to the next day 16:00.
  const cme = new SessionCalendar({ timeZone: CH, days: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu'], sessions: [{ start: '17:00', end: '16:00' }] });

  it('a CME session before the March switch is 23 h in CST (23:00Z to 22:00Z)', () => {
    const iv = cme.intervalAt(local('2026-03-05T18:00', CH));
    expect(intervalUtc(iv)).toEqual(['2026-03-05T23:00:00.000Z', '2026-03-06T22:00:00.000Z']);
    expect(hours(iv)).toBe(23);
  });

  it('the weekend that contains the March switch is one hour short (48 h), and Sunday opens at 17:00 CDT = 22:00Z', () => {
    const b = cme.nextBoundary(local('2026-03-06T16:00', CH));
    expect(boundaryUtc(b)).toEqual({ at: '2026-03-08T22:00:00.000Z', open: true });
    expect(boundaryIn(b, CH)).toEqual({ at: '2026-03-08T17:00:00.000-05:00', open: true });
    expect((b!.at - local('2026-03-06T16:00', CH)) / HOUR).toBe(48);
  });

  it('a CME session after the March switch is 23 h in CDT (22:00Z to 21:00Z)', () => {
    const iv = cme.intervalAt(local('2026-03-08T18:00', CH));
    expect(intervalUtc(iv)).toEqual(['2026-03-08T22:00:00.000Z', '2026-03-09T21:00:00.000Z']);
    expect(hours(iv)).toBe(23);
  });

  it('the weekend that contains the November switch is one hour long (50 h), and Sunday opens at 17:00 CST = 23:00Z', () => {
    expect(boundaryUtc(cme.nextBoundary(local('2026-10-29T18:00', CH)))).toEqual({ at: '2026-10-30T21:00:00.000Z', open: false });
    const b = cme.nextBoundary(utc('2026-10-30T21:00:00Z'));
    expect(boundaryUtc(b)).toEqual({ at: '2026-11-01T23:00:00.000Z', open: true });
    expect((b!.at - utc('2026-10-30T21:00:00Z')) / HOUR).toBe(50);
    const iv = cme.intervalAt(b!.at);
    expect(intervalUtc(iv)).toEqual(['2026-11-01T23:00:00.000Z', '2026-11-02T22:00:00.000Z']);
    expect(hours(iv)).toBe(23);
  });

  it('a 24 h wall-clock session (Sat 12:00–12:00) spanning the switch lasts 23 h in March and 25 h in November', () => {
    const cal = new SessionCalendar({ timeZone: NY, days: ['Sat'], sessions: [{ start: '12:00', end: '12:00' }] });
    const march = cal.intervalAt(local('2026-03-07T13:00', NY));
    expect(intervalUtc(march)).toEqual(['2026-03-07T17:00:00.000Z', '2026-03-08T16:00:00.000Z']);
    expect(hours(march)).toBe(23);
    const nov = cal.intervalAt(local('2026-10-31T13:00', NY));
    expect(intervalUtc(nov)).toEqual(['2026-10-31T16:00:00.000Z', '2026-11-01T17:00:00.000Z']);
    expect(hours(nov)).toBe(25);
  });

  it('a start in the spring-forward gap (02:30 on 2026-03-08) moves to the first valid instant, 03:00 EDT = 07:00Z', () => {
    const cal = new SessionCalendar({ timeZone: NY, days: ['Sun'], sessions: [{ start: '02:30', end: '04:00' }] });
    const b = cal.nextBoundary(utc('2026-03-08T06:59:00Z')); // 01:59 EST
    expect(boundaryUtc(b)).toEqual({ at: '2026-03-08T07:00:00.000Z', open: true });
    expect(boundaryIn(b, NY)).toEqual({ at: '2026-03-08T03:00:00.000-04:00', open: true });
    const iv = cal.intervalAt(b!.at);
    expect(intervalUtc(iv)).toEqual(['2026-03-08T07:00:00.000Z', '2026-03-08T08:00:00.000Z']);
    expect(hours(iv)).toBe(1);
    // an ordinary Sunday for comparison: 02:30 EST to 04:00 EST
    expect(intervalUtc(cal.intervalAt(local('2026-03-01T03:00', NY)))).toEqual(['2026-03-01T07:30:00.000Z', '2026-03-01T09:00:00.000Z']);
  });

  it('a start in the repeated hour (01:30 on 2026-11-01) is the first occurrence, 01:30 EDT = 05:30Z', () => {
    const cal = new SessionCalendar({ timeZone: NY, days: ['Sun'], sessions: [{ start: '01:30', end: '03:00' }] });
    expect(cal.isOpen(utc('2026-11-01T05:29:59.999Z'))).toBe(false);
    expect(cal.isOpen(utc('2026-11-01T05:30:00Z'))).toBe(true);
    expect(cal.isOpen(utc('2026-11-01T06:30:00Z'))).toBe(true); // the second 01:30 (EST)
    const iv = cal.intervalAt(utc('2026-11-01T05:30:00Z'));
    expect(intervalUtc(iv)).toEqual(['2026-11-01T05:30:00.000Z', '2026-11-01T08:00:00.000Z']);
    expect(hours(iv)).toBe(2.5);
  });

  it('an end in the repeated hour (00:00–01:30 on 2026-11-01) closes at the first 01:30 and stays closed through the repeat', () => {
    const cal = new SessionCalendar({ timeZone: NY, days: ['Sun'], sessions: [{ start: '00:00', end: '01:30' }] });
    const b = cal.nextBoundary(utc('2026-11-01T04:00:00Z'));
    expect(boundaryUtc(b)).toEqual({ at: '2026-11-01T05:30:00.000Z', open: false });
    expect(boundaryIn(b, NY)).toEqual({ at: '2026-11-01T01:30:00.000-04:00', open: false });
    expect(cal.isOpen(utc('2026-11-01T06:00:00Z'))).toBe(false); // 01:00 EST, the repeated hour
    expect(cal.isOpen(utc('2026-11-01T06:45:00Z'))).toBe(false); // 01:45 EST
  });
});

describe('SessionCalendar: DST in Europe/Berlin and Europe/London (2026-03-29 and 2026-10-25)', () => {
  const BE = 'Europe/Berlin';
  const LO = 'Europe/London';

  it('a start in the gap (02:30 in Berlin on 2026-03-29) opens at the first valid instant, 03:00 CEST = 01:00Z', () => {
    const cal = new SessionCalendar({ timeZone: BE, days: ['Sun'], sessions: [{ start: '02:30', end: '05:00' }] });
    const b = cal.nextBoundary(utc('2026-03-29T00:59:00Z')); // 01:59 CET
    expect(boundaryUtc(b)).toEqual({ at: '2026-03-29T01:00:00.000Z', open: true });
    expect(boundaryIn(b, BE)).toEqual({ at: '2026-03-29T03:00:00.000+02:00', open: true });
    expect(cal.isOpen(utc('2026-03-29T00:59:59.999Z'))).toBe(false);
    const iv = cal.intervalAt(b!.at);
    expect(intervalUtc(iv)).toEqual(['2026-03-29T01:00:00.000Z', '2026-03-29T03:00:00.000Z']);
    expect(hours(iv)).toBe(2);
  });

  it("(deliberately) differs from luxon's own gap handling, which shifts 02:30 by the gap length to 03:30", () => {
    const luxonOwn = DateTime.fromObject({ year: 2026, month: 3, day: 29, hour: 2, minute: 30 }, { zone: BE });
    expect(luxonOwn.toISO()).toBe('2026-03-29T03:30:00.000+02:00');
  });

  it('an end in the gap (Sat 22:00–02:30 into 2026-03-29) closes at 03:00 CEST = 01:00Z: a 4 h session', () => {
    const cal = new SessionCalendar({ timeZone: BE, days: ['Sat'], sessions: [{ start: '22:00', end: '02:30' }] });
    const iv = cal.intervalAt(local('2026-03-28T23:00', BE));
    expect(intervalUtc(iv)).toEqual(['2026-03-28T21:00:00.000Z', '2026-03-29T01:00:00.000Z']);
    expect(hours(iv)).toBe(4);
    expect(boundaryIn(cal.nextBoundary(local('2026-03-28T23:00', BE)), BE)).toEqual({ at: '2026-03-29T03:00:00.000+02:00', open: false });
  });

  it('a start in the repeated hour (02:30 in Berlin on 2026-10-25) is the first occurrence, 02:30 CEST = 00:30Z', () => {
    const cal = new SessionCalendar({ timeZone: BE, days: ['Sun'], sessions: [{ start: '02:30', end: '05:00' }] });
    const b = cal.nextBoundary(utc('2026-10-24T22:00:00Z')); // Sunday 00:00 CEST
    expect(boundaryUtc(b)).toEqual({ at: '2026-10-25T00:30:00.000Z', open: true });
    expect(boundaryIn(b, BE)).toEqual({ at: '2026-10-25T02:30:00.000+02:00', open: true });
    expect(cal.isOpen(utc('2026-10-25T01:30:00Z'))).toBe(true); // the second 02:30 (CET)
    const iv = cal.intervalAt(b!.at);
    expect(intervalUtc(iv)).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-25T04:00:00.000Z']);
    expect(hours(iv)).toBe(3.5);
  });

  it('an end in the repeated hour (Sat 22:00–02:30 into 2026-10-25) closes at the first 02:30 and stays closed at the second', () => {
    const cal = new SessionCalendar({ timeZone: BE, days: ['Sat'], sessions: [{ start: '22:00', end: '02:30' }] });
    const iv = cal.intervalAt(local('2026-10-24T23:00', BE));
    expect(intervalUtc(iv)).toEqual(['2026-10-24T20:00:00.000Z', '2026-10-25T00:30:00.000Z']);
    expect(hours(iv)).toBe(4.5);
    expect(cal.isOpen(utc('2026-10-25T00:30:00Z'))).toBe(false);
    expect(cal.isOpen(utc('2026-10-25T01:30:00Z'))).toBe(false);
  });

  it('an overnight London session (Sat 22:00–06:00) lasts 7 h over the March switch and 9 h over the October one', () => {
    const cal = new SessionCalendar({ timeZone: LO, days: ['Sat'], sessions: [{ start: '22:00', end: '06:00' }] });
    const march = cal.intervalAt(local('2026-03-28T23:00', LO));
    expect(intervalUtc(march)).toEqual(['2026-03-28T22:00:00.000Z', '2026-03-29T05:00:00.000Z']);
    expect(hours(march)).toBe(7);
    const oct = cal.intervalAt(local('2026-10-24T23:00', LO));
    expect(intervalUtc(oct)).toEqual(['2026-10-24T21:00:00.000Z', '2026-10-25T06:00:00.000Z']);
    expect(hours(oct)).toBe(9);
  });
});

describe('SessionCalendar: merging', () => {
  const LO = 'Europe/London';

  it('a 24/7 calendar (every day 00:00–00:00) is always open and nextBoundary is null', () => {
    const cal = new SessionCalendar({ timeZone: LO, days: [...WEEKDAYS], sessions: [{ start: '00:00', end: '00:00' }] });
    for (const iso of ['2026-01-01T00:00:00Z', '2026-03-29T01:00:00Z', '2026-10-25T01:30:00Z', '2026-12-31T23:59:59.999Z']) {
      expect(cal.isOpen(utc(iso))).toBe(true);
      expect(cal.nextBoundary(utc(iso))).toBeNull();
    }
    expect(cal.intervalAt(utc('2026-06-01T12:00:00Z'))).toEqual({ start: -Infinity, end: Infinity });
    expect(cal.intervals(utc('2026-06-01T00:00:00Z'), utc('2026-06-08T00:00:00Z'))).toEqual([{ start: -Infinity, end: Infinity }]);
  });

  it('adjacent sessions (10:00–11:00 and 11:00–12:00) merge into one interval with no boundary at 11:00', () => {
    const cal = new SessionCalendar({
      timeZone: LO,
      days: MON_FRI,
      sessions: [
        { start: '11:00', end: '12:00' },
        { start: '10:00', end: '11:00' },
      ],
    });
    // 2026-06-03 is a Wednesday (BST, +01:00)
    expect(cal.isOpen(local('2026-06-03T11:00', LO))).toBe(true);
    expect(intervalUtc(cal.intervalAt(local('2026-06-03T10:30', LO)))).toEqual(['2026-06-03T09:00:00.000Z', '2026-06-03T11:00:00.000Z']);
    expect(boundaryIn(cal.nextBoundary(local('2026-06-03T10:30', LO)), LO)).toEqual({ at: '2026-06-03T12:00:00.000+01:00', open: false });
    expect(cal.intervals(local('2026-06-03T00:00', LO), local('2026-06-04T00:00', LO)).map(intervalUtc)).toEqual([
      ['2026-06-03T09:00:00.000Z', '2026-06-03T11:00:00.000Z'],
    ]);
  });

  it('overlapping sessions (09:00–11:00 and 10:00–12:00) merge into 09:00–12:00', () => {
    const cal = new SessionCalendar({
      timeZone: LO,
      days: MON_FRI,
      sessions: [
        { start: '09:00', end: '11:00' },
        { start: '10:00', end: '12:00' },
      ],
    });
    expect(intervalUtc(cal.intervalAt(local('2026-06-03T11:30', LO)))).toEqual(['2026-06-03T08:00:00.000Z', '2026-06-03T11:00:00.000Z']);
  });

  it('24 h sessions on Mon–Fri merge into one week-long interval from Monday 00:00 to Saturday 00:00', () => {
    const cal = new SessionCalendar({ timeZone: LO, days: MON_FRI, sessions: [{ start: '00:00', end: '00:00' }] });
    const iv = cal.intervalAt(local('2026-06-03T12:00', LO));
    expect(intervalUtc(iv)).toEqual(['2026-05-31T23:00:00.000Z', '2026-06-05T23:00:00.000Z']);
    expect(hours(iv)).toBe(120);
    expect(boundaryIn(cal.nextBoundary(local('2026-06-02T09:00', LO)), LO)).toEqual({ at: '2026-06-06T00:00:00.000+01:00', open: false });
    expect(boundaryIn(cal.nextBoundary(local('2026-06-06T09:00', LO)), LO)).toEqual({ at: '2026-06-08T00:00:00.000+01:00', open: true });
    // a window inside the week returns the whole merged interval
    expect(cal.intervals(local('2026-06-03T10:00', LO), local('2026-06-03T11:00', LO)).map(intervalUtc)).toEqual([
      ['2026-05-31T23:00:00.000Z', '2026-06-05T23:00:00.000Z'],
    ]);
  });

  it("a session's own days override the calendar's days", () => {
    const cal = new SessionCalendar({
      timeZone: LO,
      days: MON_FRI,
      sessions: [
        { start: '09:00', end: '17:00' },
        { start: '10:00', end: '12:00', days: ['Sat'] },
      ],
    });
    // 2026-06-06 is a Saturday
    expect(cal.isOpen(local('2026-06-06T09:30', LO))).toBe(false);
    expect(cal.isOpen(local('2026-06-06T11:00', LO))).toBe(true);
    expect(cal.isOpen(local('2026-06-05T16:00', LO))).toBe(true);
    expect(cal.isOpen(local('2026-06-07T11:00', LO))).toBe(false);
  });
});

describe('calendarFor', () => {
  const spec: CalendarSpec = { timeZone: 'UTC', days: MON_FRI, sessions: [{ start: '08:00', end: '16:00' }] };

  it('returns the same SessionCalendar for the same spec object, and a new one for another object', () => {
    const a = calendarFor(spec);
    expect(calendarFor(spec)).toBe(a);
    expect(a.spec).toBe(spec);
    expect(calendarFor({ ...spec })).not.toBe(a);
  });

  it('validates like the constructor', () => {
    expect(configError(() => calendarFor({ ...spec, timeZone: 'Nowhere/Land' })).path).toBe('timeZone');
  });
});

describe('SessionCalendar: validation throws a ConfigError naming the field and the bad value', () => {
  const ok: CalendarSpec = {
    timeZone: 'Asia/Shanghai',
    days: MON_FRI,
    sessions: [
      { start: '09:00', end: '10:15' },
      { start: '10:30', end: '11:30' },
    ],
  };
  const bad = (patch: Record<string, unknown>) => ({ ...ok, ...patch }) as unknown as CalendarSpec;

  it.each([
    ['an unknown IANA zone', bad({ timeZone: 'Mars/Olympus_Mons' }), 'timeZone', '"Mars/Olympus_Mons"'],
    ['an empty time zone', bad({ timeZone: '' }), 'timeZone', '""'],
    ['empty sessions', bad({ sessions: [] }), 'sessions', '[]'],
    ['a start of 24:00', bad({ sessions: [ok.sessions[0], { start: '24:00', end: '10:00' }] }), 'sessions[1].start', '"24:00"'],
    ['a start without a leading zero', bad({ sessions: [{ start: '9:00', end: '10:00' }] }), 'sessions[0].start', '"9:00"'],
    ['an end with minute 60', bad({ sessions: [ok.sessions[0], { start: '10:30', end: '11:60' }] }), 'sessions[1].end', '"11:60"'],
    ['an unknown weekday', bad({ days: ['Mon', 'Tue', 'Funday'] }), 'days[2]', '"Funday"'],
    ['a lower-case weekday', bad({ days: ['mon'] }), 'days[0]', '"mon"'],
    ['empty days', bad({ days: [] }), 'days', '[]'],
    ["an empty session's own days", bad({ sessions: [{ start: '09:00', end: '10:00', days: [] }] }), 'sessions[0].days', '[]'],
    ["an unknown weekday in a session's own days", bad({ sessions: [ok.sessions[0], { start: '21:00', end: '23:00', days: ['Fri', 'Sab'] }] }), 'sessions[1].days[1]', '"Sab"'],
    ['a holiday that is not a real date', bad({ holidays: ['2026-01-01', '2026-02-30'] }), 'holidays[1]', '"2026-02-30"'],
    ['a holiday in the wrong format', bad({ holidays: ['2026-1-5'] }), 'holidays[0]', '"2026-1-5"'],
  ])('%s', (_title, spec, path, shown) => {
    const err = configError(() => new SessionCalendar(spec));
    expect(err.path).toBe(path);
    expect(err.message).toContain(path);
    expect(err.message).toContain(shown);
  });

  it('prefixes every path with pathPrefix', () => {
    const err = configError(() => new SessionCalendar(bad({ sessions: [ok.sessions[0], { start: '10:30', end: '25:00' }] }), 'strategies[0].session.'));
    expect(err.path).toBe('strategies[0].session.sessions[1].end');
    expect(err.message).toBe('strategies[0].session.sessions[1].end: must be a 24 h time "HH:mm" (got "25:00")');
    expect(configError(() => new SessionCalendar(bad({ timeZone: 'X/Y' }), 'strategies[2].session.')).path).toBe('strategies[2].session.timeZone');
  });

  it('accepts duplicate holidays, a leap day, and a zone like "UTC"', () => {
    expect(() => new SessionCalendar({ ...ok, timeZone: 'UTC', holidays: ['2028-02-29', '2028-02-29'] })).not.toThrow();
  });
});

// -------------------------------------------------------------------------------------------------

/** Runs `fn` with luxon believing the process runs at `nowMs`, then restores the real clock. */
function atProcessDate<T>(nowMs: number, fn: () => T): T {
  const real = Settings.now;
  Settings.now = () => nowMs;
  try {
    return fn();
  } finally {
    Settings.now = real;
  }
}
const JANUARY = Date.UTC(2026, 0, 15, 12); // CST in force
const JULY = Date.UTC(2026, 6, 15, 12); // CDT in force

describe('isoToInstant: a local date-time at a DST switch is read by the calendar rule, whatever the process date', () => {
  const CH = 'America/Chicago';
  // 2026-03-08: 02:00 CST jumps to 03:00 CDT at 08:00Z. 2026-11-01: 02:00 CDT falls back to 01:00 CST at 07:00Z.
  const SKIPPED = 1_772_956_800_000; // 2026-03-08T08:00:00Z = 03:00 CDT, the moment of the switch
  const REPEATED_FIRST = 1_793_514_600_000; // 2026-11-01T06:30:00Z = 01:30 CDT, the first 01:30
  const REPEATED_SECOND = 1_793_518_200_000; // 2026-11-01T07:30:00Z = 01:30 CST, the second 01:30

  it('the hand-computed constants are what they say', () => {
    expect(SKIPPED).toBe(Date.UTC(2026, 2, 8, 8, 0));
    expect(REPEATED_FIRST).toBe(Date.UTC(2026, 10, 1, 6, 30));
    expect(REPEATED_SECOND).toBe(Date.UTC(2026, 10, 1, 7, 30));
  });

  it('a skipped time (02:30 on 2026-03-08) is the first valid instant, 03:00 CDT = 08:00Z, in January and in July', () => {
    for (const now of [JANUARY, JULY]) {
      atProcessDate(now, () => {
        expect(isoToInstant('2026-03-08T02:30', CH)).toBe(SKIPPED);
        expect(isoToInstant('2026-03-08T02:00', CH)).toBe(SKIPPED);
        expect(isoToInstant('2026-03-08T02:59:59.999', CH)).toBe(SKIPPED);
      });
    }
    expect(isoToInstant('2026-03-08T01:59:59.999', CH)).toBe(SKIPPED - 1); // 01:59:59.999 CST
    expect(isoToInstant('2026-03-08T03:00', CH)).toBe(SKIPPED);
    expect(isoToInstant('2026-03-08T03:30', CH)).toBe(SKIPPED + HOUR / 2);
  });

  it('an ambiguous time (01:30 on 2026-11-01) is the first occurrence, 01:30 CDT = 06:30Z, in January and in July', () => {
    for (const now of [JANUARY, JULY]) {
      atProcessDate(now, () => {
        expect(isoToInstant('2026-11-01T01:30', CH)).toBe(REPEATED_FIRST);
        expect(isoToInstant('2026-11-01T01:30:00.000', CH)).toBe(REPEATED_FIRST);
        expect(isoToInstant('2026-11-01T01:59:59.999', CH)).toBe(Date.UTC(2026, 10, 1, 6, 59, 59, 999));
        expect(isoToInstant('2026-11-01T02:00', CH)).toBe(Date.UTC(2026, 10, 1, 8, 0)); // 02:00 CST, once
      });
    }
  });

  it("(deliberately) differs from luxon's own reading, which shifts a gap by its length and picks a repeated hour by the process date", () => {
    const luxonOwn = (iso: string, now: number) => atProcessDate(now, () => DateTime.fromISO(iso, { zone: CH, setZone: true }).toMillis());
    expect(luxonOwn('2026-03-08T02:30', JULY)).toBe(SKIPPED + HOUR / 2); // 03:30 CDT
    expect(luxonOwn('2026-11-01T01:30', JULY)).toBe(REPEATED_FIRST);
    expect(luxonOwn('2026-11-01T01:30', JANUARY)).toBe(REPEATED_SECOND);
  });

  it('is the same instant the calendar uses for a session boundary at that local time', () => {
    const gap = new SessionCalendar({ timeZone: CH, days: ['Sun'], sessions: [{ start: '02:30', end: '04:00' }] });
    expect(gap.nextBoundary(Date.UTC(2026, 2, 8, 0, 0))).toEqual({ at: isoToInstant('2026-03-08T02:30', CH), open: true });
    const repeat = new SessionCalendar({ timeZone: CH, days: ['Sun'], sessions: [{ start: '01:30', end: '04:00' }] });
    expect(repeat.nextBoundary(Date.UTC(2026, 10, 1, 0, 0))).toEqual({ at: isoToInstant('2026-11-01T01:30', CH), open: true });
  });

  it('an explicit offset or Z keeps its exact meaning, even in the repeated hour or the gap', () => {
    expect(isoToInstant('2026-11-01T01:30:00-06:00', CH)).toBe(REPEATED_SECOND);
    expect(isoToInstant('2026-11-01T01:30:00-05:00', CH)).toBe(REPEATED_FIRST);
    expect(isoToInstant('2026-11-01T07:30:00Z', CH)).toBe(REPEATED_SECOND);
    expect(isoToInstant('2026-03-08T02:30:00-06:00', CH)).toBe(Date.UTC(2026, 2, 8, 8, 30));
    expect(isoToInstant('2026-03-08T16:30:00+0800', CH)).toBe(Date.UTC(2026, 2, 8, 8, 30));
    expect(isoToInstant('2026-03-08T02:30:00-06:00[Europe/Berlin]', CH)).toBe(Date.UTC(2026, 2, 8, 8, 30));
  });

  it('a date alone is local midnight; a trailing [Zone] without an offset is read in that zone by the same rule', () => {
    expect(isoToInstant('2026-03-08', CH)).toBe(Date.UTC(2026, 2, 8, 6, 0)); // 00:00 CST
    expect(isoToInstant('2026-03-29T02:30[Europe/Berlin]', CH)).toBe(Date.UTC(2026, 2, 29, 1, 0)); // 03:00 CEST
    expect(isoToInstant('2026-03-08T12:00', 'UTC')).toBe(Date.UTC(2026, 2, 8, 12, 0));
  });

  it('text that is not ISO 8601 throws a ConfigError at the given path, naming it; an unknown zone a RangeError', () => {
    const err = configError(() => isoToInstant('tomorrow', CH, 'run.start'));
    expect(err.path).toBe('run.start');
    expect(err.message).toMatch(/^run\.start: is not an ISO 8601 date-time \(.*\) \(got "tomorrow"\)$/);
    expect(configError(() => isoToInstant('2026-02-30T10:00', CH)).path).toBe('');
    expect(() => isoToInstant('2026-03-08T02:30', 'Mars/Olympus_Mons')).toThrow(RangeError);
  });
});

describe('SessionCalendar: short days (early closes and late opens)', () => {
  const CH = 'America/Chicago';
  const SH = 'Asia/Shanghai';
  const NY = 'America/New_York';
  // CME-style Globex week: Sunday–Thursday 17:00 to the next day 16:00.
  const CME = { timeZone: CH, days: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu'] as Weekday[], sessions: [{ start: '17:00', end: '16:00' }] };
  const SHANGHAI: CalendarSpec = {
    timeZone: SH,
    days: MON_FRI,
    sessions: [
      { start: '09:00', end: '10:15' },
      { start: '10:30', end: '11:30' },
      { start: '13:30', end: '15:00' },
      { start: '21:00', end: '23:00' },
    ],
  };
  const sh = (iso: string) => local(iso, SH);

  it('an early close (Monday 2026-01-19, 12:00 CT) ends the Sunday session at exactly 12:00; the Monday 17:00 open is unchanged', () => {
    const cal = new SessionCalendar({ ...CME, shortDays: [{ date: '2026-01-19', close: '12:00' }] });
    expect(intervalUtc(cal.intervalAt(local('2026-01-19T10:00', CH)))).toEqual(['2026-01-18T23:00:00.000Z', '2026-01-19T18:00:00.000Z']);
    expect(cal.isOpen(Date.UTC(2026, 0, 19, 17, 59, 59, 999))).toBe(true);
    expect(cal.isOpen(Date.UTC(2026, 0, 19, 18, 0))).toBe(false);
    expect(cal.nextBoundary(local('2026-01-19T10:00', CH))).toEqual({ at: 1_768_845_600_000, open: false }); // 18:00Z
    const reopen = cal.nextBoundary(1_768_845_600_000);
    expect(reopen).toEqual({ at: 1_768_863_600_000, open: true }); // 17:00 CST = 23:00Z, as on any Monday
    expect(boundaryIn(reopen, CH)).toEqual({ at: '2026-01-19T17:00:00.000-06:00', open: true });
    expect(intervalUtc(cal.intervalAt(reopen!.at))).toEqual(['2026-01-19T23:00:00.000Z', '2026-01-20T22:00:00.000Z']);
    // the week around it is untouched
    const plain = new SessionCalendar(CME);
    expect(cal.intervals(Date.UTC(2026, 0, 12), Date.UTC(2026, 0, 18)).map(intervalUtc)).toEqual(plain.intervals(Date.UTC(2026, 0, 12), Date.UTC(2026, 0, 18)).map(intervalUtc));
    expect(cal.intervals(Date.UTC(2026, 0, 20), Date.UTC(2026, 0, 25)).map(intervalUtc)).toEqual(plain.intervals(Date.UTC(2026, 0, 20), Date.UTC(2026, 0, 25)).map(intervalUtc));
  });

  it('an early close on a Friday (2026-11-27, 12:15 CT) ends the week at 18:15Z; the next open is Sunday 17:00 CST as usual', () => {
    const cal = new SessionCalendar({ ...CME, shortDays: [{ date: '2026-11-27', close: '12:15' }] });
    const close = cal.nextBoundary(local('2026-11-27T09:00', CH));
    expect(boundaryUtc(close)).toEqual({ at: '2026-11-27T18:15:00.000Z', open: false });
    expect(boundaryUtc(cal.nextBoundary(close!.at))).toEqual({ at: '2026-11-29T23:00:00.000Z', open: true });
  });

  it('a late open (Thursday 2026-03-05, 09:30) starts the first session at exactly 09:30; the rest of the day is unchanged', () => {
    const cal = new SessionCalendar({ ...SHANGHAI, shortDays: [{ date: '2026-03-05', open: '09:30' }] });
    expect(cal.isOpen(sh('2026-03-05T09:00'))).toBe(false);
    expect(cal.isOpen(sh('2026-03-05T09:29:59.999'))).toBe(false);
    expect(cal.isOpen(sh('2026-03-05T09:30'))).toBe(true);
    expect(boundaryIn(cal.nextBoundary(sh('2026-03-05T08:00')), SH)).toEqual({ at: '2026-03-05T09:30:00.000+08:00', open: true });
    expect(cal.intervals(sh('2026-03-05T00:00'), sh('2026-03-06T00:00')).map(intervalUtc)).toEqual([
      ['2026-03-05T01:30:00.000Z', '2026-03-05T02:15:00.000Z'],
      ['2026-03-05T02:30:00.000Z', '2026-03-05T03:30:00.000Z'],
      ['2026-03-05T05:30:00.000Z', '2026-03-05T07:00:00.000Z'],
      ['2026-03-05T13:00:00.000Z', '2026-03-05T15:00:00.000Z'],
    ]);
    expect(cal.isOpen(sh('2026-03-06T09:00'))).toBe(true); // the next day opens at 09:00 again
  });

  it('sessions wholly outside the short day are dropped that day: close 11:30 drops the afternoon and the night session', () => {
    const cal = new SessionCalendar({ ...SHANGHAI, shortDays: [{ date: '2026-03-05', close: '11:30' }] });
    expect(cal.intervals(sh('2026-03-05T00:00'), sh('2026-03-06T00:00')).map(intervalUtc)).toEqual([
      ['2026-03-05T01:00:00.000Z', '2026-03-05T02:15:00.000Z'],
      ['2026-03-05T02:30:00.000Z', '2026-03-05T03:30:00.000Z'],
    ]);
    expect(cal.isOpen(sh('2026-03-05T14:00'))).toBe(false);
    expect(cal.isOpen(sh('2026-03-05T22:00'))).toBe(false);
    expect(boundaryIn(cal.nextBoundary(sh('2026-03-05T11:30')), SH)).toEqual({ at: '2026-03-06T09:00:00.000+08:00', open: true });
  });

  it('a late open after the first session drops it, and open and close together keep only what lies between', () => {
    const late = new SessionCalendar({ ...SHANGHAI, shortDays: [{ date: '2026-03-05', open: '10:30' }] });
    expect(boundaryIn(late.nextBoundary(sh('2026-03-05T08:00')), SH)).toEqual({ at: '2026-03-05T10:30:00.000+08:00', open: true });
    expect(late.isOpen(sh('2026-03-05T10:00'))).toBe(false);
    const both = new SessionCalendar({ ...SHANGHAI, shortDays: [{ date: '2026-03-05', open: '10:00', close: '14:00' }] });
    expect(both.intervals(sh('2026-03-05T00:00'), sh('2026-03-06T00:00')).map(intervalUtc)).toEqual([
      ['2026-03-05T02:00:00.000Z', '2026-03-05T02:15:00.000Z'],
      ['2026-03-05T02:30:00.000Z', '2026-03-05T03:30:00.000Z'],
      ['2026-03-05T05:30:00.000Z', '2026-03-05T06:00:00.000Z'],
    ]);
  });

  it('a session in progress at the close ends then, including its part after midnight', () => {
    const cal = new SessionCalendar({ timeZone: SH, days: MON_FRI, sessions: [{ start: '21:00', end: '02:30' }], shortDays: [{ date: '2026-03-05', close: '23:00' }] });
    expect(intervalUtc(cal.intervalAt(sh('2026-03-05T22:00')))).toEqual(['2026-03-05T13:00:00.000Z', '2026-03-05T15:00:00.000Z']);
    expect(cal.isOpen(sh('2026-03-06T01:00'))).toBe(false);
    expect(boundaryIn(cal.nextBoundary(sh('2026-03-05T23:00')), SH)).toEqual({ at: '2026-03-06T21:00:00.000+08:00', open: true });
  });

  it('a night session that ended before a late open keeps its hours; a close at 00:00 cuts it at midnight', () => {
    const late = new SessionCalendar({ timeZone: SH, days: MON_FRI, sessions: [{ start: '21:00', end: '02:30' }], shortDays: [{ date: '2026-03-06', open: '09:00' }] });
    expect(intervalUtc(late.intervalAt(sh('2026-03-06T01:00')))).toEqual(['2026-03-05T13:00:00.000Z', '2026-03-05T18:30:00.000Z']);
    expect(intervalUtc(late.intervalAt(sh('2026-03-06T22:00')))).toEqual(['2026-03-06T13:00:00.000Z', '2026-03-06T18:30:00.000Z']);
    // the eve of a holiday: the holiday's close at 00:00 ends the eve's night session at midnight
    const eve = new SessionCalendar({
      timeZone: SH,
      days: MON_FRI,
      sessions: [{ start: '21:00', end: '02:30' }],
      holidays: ['2026-10-01'],
      shortDays: [{ date: '2026-10-01', close: '00:00' }],
    });
    expect(intervalUtc(eve.intervalAt(sh('2026-09-30T22:00')))).toEqual(['2026-09-30T13:00:00.000Z', '2026-09-30T16:00:00.000Z']);
    expect(eve.isOpen(sh('2026-10-01T00:30'))).toBe(false);
  });

  it('a late open cuts a session in progress at that time: a 24 h Mon–Fri market closed until 10:00 on Wednesday', () => {
    const LO = 'Europe/London';
    const cal = new SessionCalendar({ timeZone: LO, days: MON_FRI, sessions: [{ start: '00:00', end: '00:00' }], shortDays: [{ date: '2026-06-03', open: '10:00' }] });
    expect(cal.intervals(local('2026-06-01T12:00', LO), local('2026-06-05T12:00', LO)).map(intervalUtc)).toEqual([
      ['2026-05-31T23:00:00.000Z', '2026-06-02T23:00:00.000Z'],
      ['2026-06-03T09:00:00.000Z', '2026-06-05T23:00:00.000Z'],
    ]);
    expect(boundaryIn(cal.nextBoundary(local('2026-06-01T12:00', LO)), LO)).toEqual({ at: '2026-06-03T00:00:00.000+01:00', open: false });
    expect(boundaryIn(cal.nextBoundary(local('2026-06-03T00:00', LO)), LO)).toEqual({ at: '2026-06-03T10:00:00.000+01:00', open: true });
  });

  it('a late open cuts a session that started the evening before and is still open then (Sunday 17:00 CT session, Monday open 08:30)', () => {
    const cal = new SessionCalendar({ ...CME, shortDays: [{ date: '2026-01-19', open: '08:30' }] });
    expect(cal.isOpen(local('2026-01-18T18:00', CH))).toBe(false);
    expect(cal.isOpen(local('2026-01-19T08:29:59.999', CH))).toBe(false);
    expect(intervalUtc(cal.intervalAt(local('2026-01-19T08:30', CH)))).toEqual(['2026-01-19T14:30:00.000Z', '2026-01-19T22:00:00.000Z']);
    expect(boundaryIn(cal.nextBoundary(local('2026-01-16T16:00', CH)), CH)).toEqual({ at: '2026-01-19T08:30:00.000-06:00', open: true });
    expect(boundaryIn(cal.nextBoundary(local('2026-01-19T12:00', CH)), CH)).toEqual({ at: '2026-01-19T16:00:00.000-06:00', open: false });
  });

  it('a short-day time in the repeated hour is its first occurrence, like a session boundary (New York, 2026-11-01 close 01:30)', () => {
    const cal = new SessionCalendar({ timeZone: NY, days: ['Sun'], sessions: [{ start: '00:00', end: '03:00' }], shortDays: [{ date: '2026-11-01', close: '01:30' }] });
    expect(intervalUtc(cal.intervalAt(utc('2026-11-01T05:00:00Z')))).toEqual(['2026-11-01T04:00:00.000Z', '2026-11-01T05:30:00.000Z']);
    expect(cal.isOpen(utc('2026-11-01T06:30:00Z'))).toBe(false); // the second 01:30 (EST)
  });
});

describe('SessionCalendar: short-day validation throws a ConfigError naming the field and the bad value', () => {
  const ok: CalendarSpec = { timeZone: 'America/Chicago', days: MON_FRI, sessions: [{ start: '08:30', end: '15:00' }] };
  const withShort = (shortDays: unknown) => ({ ...ok, shortDays }) as unknown as CalendarSpec;

  it.each([
    ['not a list', withShort('2026-01-19'), 'shortDays', 'must be a list', '"2026-01-19"'],
    ['an entry that is not an object', withShort(['2026-01-19']), 'shortDays[0]', 'must be an object', '"2026-01-19"'],
    ['a date that is not a real date', withShort([{ date: '2026-02-30', close: '12:00' }]), 'shortDays[0].date', 'must be a real date "yyyy-MM-dd"', '"2026-02-30"'],
    ['a date in the wrong format', withShort([{ date: '19.01.2026', close: '12:00' }]), 'shortDays[0].date', 'must be a real date', '"19.01.2026"'],
    ['a missing date', withShort([{ close: '12:00' }]), 'shortDays[0].date', 'must be a real date', 'shortDays[0].date: must be a real date "yyyy-MM-dd"'],
    ['a bad close time', withShort([{ date: '2026-01-19', close: '24:00' }]), 'shortDays[0].close', 'must be a 24 h time "HH:mm"', '"24:00"'],
    ['a bad open time', withShort([{ date: '2026-01-19', close: '12:00' }, { date: '2026-01-20', open: '9:30' }]), 'shortDays[1].open', 'must be a 24 h time "HH:mm"', '"9:30"'],
    ['neither open nor close', withShort([{ date: '2026-01-19' }]), 'shortDays[0]', 'needs an open or a close time', '{"date":"2026-01-19"}'],
    ['open equal to close', withShort([{ date: '2026-01-19', open: '12:00', close: '12:00' }]), 'shortDays[0].close', 'must be after open (12:00)', '"12:00"'],
    ['open after close', withShort([{ date: '2026-01-19', open: '13:00', close: '12:00' }]), 'shortDays[0].close', 'must be after open (13:00)', '"12:00"'],
    ['a date listed twice', withShort([{ date: '2026-01-19', close: '12:00' }, { date: '2026-01-20', close: '12:00' }, { date: '2026-01-19', open: '10:00' }]), 'shortDays[2].date', 'is listed twice', '"2026-01-19"'],
  ])('%s', (_title, spec, path, reason, shown) => {
    const err = configError(() => new SessionCalendar(spec));
    expect(err.path).toBe(path);
    expect(err.reason).toContain(reason);
    expect(err.message).toContain(shown);
  });

  it('prefixes the path with pathPrefix, and accepts an open alone, a close alone, a close at 00:00 and a short day on a holiday', () => {
    const err = configError(() => new SessionCalendar(withShort([{ date: '2026-01-19', open: '12:00', close: '11:00' }]), 'venue.calendar.'));
    expect(err.message).toBe('venue.calendar.shortDays[0].close: must be after open (12:00) (got "11:00")');
    expect(
      () =>
        new SessionCalendar({
          ...ok,
          holidays: ['2026-01-19'],
          shortDays: [
            { date: '2026-01-19', close: '00:00' },
            { date: '2026-01-20', open: '10:00' },
            { date: '2026-01-21', close: '12:00' },
          ],
        }),
    ).not.toThrow();
  });
});

describe('SessionCalendar: zones whose offset never changes', () => {
  /** A calendar's intervals over 2026, in UTC text. */
  const year = (timeZone: string, sessions: CalendarSpec['sessions']): string[][] =>
    new SessionCalendar({ timeZone, days: MON_FRI, sessions, shortDays: [{ date: '2026-07-02', close: '12:00' }] })
      .intervals(utc('2026-01-01T00:00:00Z'), utc('2027-01-01T00:00:00Z'))
      .map((iv) => intervalUtc(iv)!);
  const sessions = [
    { start: '09:00', end: '11:30' },
    { start: '21:00', end: '02:30' },
  ];

  it.each([
    // Each pair: a fixed zone (its offset taken once) and a named zone with the same offset all through 2026 (read
    // through luxon at every instant): the same intervals.
    // The count: two sessions on each of 2026's 261 weekdays, give or take a night session crossing a year's end
    // (in UTC the one of 2025-12-31 runs into 2026; west of it the one of 2026-12-31 starts in 2027).
    ['UTC', 'Africa/Abidjan', 0, 523],
    ['Etc/GMT-8', 'Asia/Shanghai', 8, 522],
    ['Etc/GMT+5', 'America/Bogota', -5, 522],
  ])('%s gives the intervals %s gives (UTC%i h)', (fixed, named, offset, count) => {
    const a = year(fixed, sessions);
    expect(a).toEqual(year(named, sessions));
    expect(a.length).toBe(count);
    // The Monday 2026-01-05 morning session, 09:00 local.
    expect(a.find((iv) => iv[0]!.startsWith('2026-01-05'))?.[0]).toBe(new Date(Date.UTC(2026, 0, 5, 9 - offset)).toISOString());
  });

  it("a fixed zone's offset is read once, where a named zone's is read at each wall-clock time converted", () => {
    const offset = vi.spyOn(IANAZone.prototype, 'offset');
    try {
      year('Etc/GMT-8', sessions);
      expect(offset).toHaveBeenCalledTimes(1);
      offset.mockClear();
      year('Asia/Shanghai', sessions);
      expect(offset.mock.calls.length).toBeGreaterThan(1000);
    } finally {
      offset.mockRestore();
    }
  });

  it('a zone with daylight saving is not taken as fixed: New York opens at 09:00 local in winter and in summer', () => {
    const cal = new SessionCalendar({ timeZone: 'America/New_York', days: MON_FRI, sessions: [{ start: '09:00', end: '16:00' }] });
    expect(intervalUtc(cal.intervalAt(utc('2026-01-05T15:00:00Z')))).toEqual(['2026-01-05T14:00:00.000Z', '2026-01-05T21:00:00.000Z']);
    expect(intervalUtc(cal.intervalAt(utc('2026-07-06T15:00:00Z')))).toEqual(['2026-07-06T13:00:00.000Z', '2026-07-06T20:00:00.000Z']);
  });
});
