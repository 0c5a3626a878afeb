/**
 * Trading-session calendar: when is a market open, in epoch milliseconds.
 *
 * Rules:
 * - A session belongs to the local calendar date D (in `timeZone`) on which it STARTS. It applies on D
 *   when D's weekday is in `session.days ?? spec.days` and D is not listed in `holidays`. A night
 *   session that started the evening before a holiday therefore still runs until its end.
 * - `end > start`: [D start, D end). `end < start`: crosses midnight, [D start, D+1 end).
 *   `end == start`: 24 hours of wall-clock time, [D start, D+1 start). D+1 is the next calendar date,
 *   so a session spanning a DST switch lasts 23 h or 25 h of real time (or 1 h less/more than usual).
 * - Local wall-clock times are converted to instants in `timeZone` (luxon's IANA zone data):
 *   - a time that does not exist (spring-forward gap, e.g. 02:30 in Berlin on 2026-03-29) moves
 *     forward to the FIRST VALID INSTANT, the moment of the switch (03:00 CEST = 01:00Z). Note that
 *     luxon's own `DateTime.fromObject` does something else: it shifts the time forward by the length
 *     of the gap (02:30 -> 03:30), so that resolution is done here, not left to luxon;
 *   - a time that exists twice (fall-back repeated hour, e.g. 02:30 in Berlin on 2026-10-25) resolves
 *     to the FIRST (earlier) occurrence (02:30 CEST = 00:30Z). luxon's own choice here depends on the
 *     zone's offset at the moment the process first asked (the earlier occurrence if that was summer
 *     time, the later one otherwise), so it is not relied upon either.
 *   A session whose start and end both fall in the same gap is empty and ignored. The same rule reads a
 *   local date-time without an offset anywhere else, e.g. a config's `run.start`: see {@link isoToInstant}.
 * - `shortDays` (early closes, late opens, as in exchange holiday schedules) adjust single local dates D:
 *   - `open`: a session that starts on D, or is open at D `open`, starts at D `open` at the earliest;
 *   - `close`: a session that ends on D (an end at 00:00 is 24:00 of the day before), or is open at
 *     D `close`, ends at D `close` at the latest;
 *   - a session left with no time is dropped. So an early close ends the session in progress and drops the
 *     rest of that day's sessions, but a session that starts after `close` and runs past midnight (CME's
 *     17:00 reopen for the next trading day) keeps its hours, and so does a night session that started the
 *     day before and ended before a late `open`. Times are converted by the DST rule above.
 * - Intervals are half-open [start, end). Intervals that touch or overlap are merged, so the market is
 *   never reported closed for zero time between adjacent sessions. A merged interval that extends more
 *   than {@link LOOK_DAYS} days beyond the instant asked about is reported as unbounded on that side
 *   (`start: -Infinity` / `end: Infinity`), and `nextBoundary` then returns null (e.g. a 24/7 calendar).
 *
 * Generated intervals are cached per local start date (a Map keyed by the day number), so repeated
 * `isOpen` calls cost a few Map lookups. Following merged intervals out to the {@link LOOK_DAYS} horizon (370 steps
 * on a 24/7 calendar) is done once: each step's answer is remembered, and a later walk jumps to where the last one
 * ended, so `intervalAt` and `nextBoundary` cost about a microsecond once the calendar has answered near that time
 * (the first answer of a 24/7 calendar generates the sessions of the 740 days around it: tens of milliseconds).
 */
import { DateTime, FixedOffsetZone, IANAZone } from 'luxon';
import { ConfigError } from './errors.js';

export type Weekday = 'Mon' | 'Tue' | 'Wed' | 'Thu' | 'Fri' | 'Sat' | 'Sun';
export const WEEKDAYS: readonly Weekday[] = Object.freeze(['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const);

/** "HH:mm", 24 h, local exchange time. */
export interface SessionSpec {
  start: string;
  end: string;
  days?: Weekday[];
}

export interface CalendarSpec {
  /** IANA zone, e.g. "Asia/Shanghai", "America/Chicago". */
  timeZone: string;
  /** Trading days of the week; the default for sessions without their own `days`. */
  days: Weekday[];
  /** At least one. */
  sessions: SessionSpec[];
  /** "yyyy-MM-dd" local dates on which NO session starts. */
  holidays?: string[];
  /** Early closes and late opens on single local dates; at most one entry per date. */
  shortDays?: ShortDaySpec[];
}

/** Special hours on one local date; at least one of `open` and `close`, and `open` before `close`. */
export interface ShortDaySpec {
  /** "yyyy-MM-dd", local. */
  date: string;
  /** "HH:mm" local: sessions that start on `date`, or are open at this time, start no earlier. */
  open?: string;
  /** "HH:mm" local: sessions that end on `date`, or are open at this time, end no later. */
  close?: string;
}

/** Epoch ms, half-open [start, end). */
export interface Interval {
  start: number;
  end: number;
}

/** `open` = whether the market is open right after `at`. */
export interface Boundary {
  at: number;
  open: boolean;
}

/** How far (in days) to look ahead/behind before declaring a merged interval unbounded. */
export const LOOK_DAYS = 370;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const LOOK_MS = LOOK_DAYS * DAY;
/**
 * Raw intervals that can contain an instant in UTC day `u` start on a local date in [u - 3, u + 1]:
 * offsets are within -12 h..+14 h and a session lasts at most ~25 h (plus a gap shift).
 */
const DAYS_BEFORE = 3;
const DAYS_AFTER = 1;

/**
 * IANA zones whose offset never changes: UTC and its aliases, and the `Etc/GMT±N` zones (no daylight saving, no
 * history). A calendar in one converts wall-clock times by that offset, not through luxon's per-instant look-up
 * (an `Intl` call each: a 24/7 calendar walks 740 days of them when it first looks for its session's ends).
 */
const FIXED_ZONE = /^(?:(?:Etc\/)?(?:UTC|UCT|Universal|Zulu|Greenwich|GMT|GMT0|GMT[+-]0)|Etc\/GMT(?:\+(?:\d|1[0-2])|-(?:\d|1[0-4])))$/i;

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

interface CompiledSession {
  startMin: number;
  endMin: number;
  /** Indexed by weekday, Mon = 0. */
  days: readonly boolean[];
}

/** A short day's bounds in minutes after local midnight; null = not bounded on that side. */
interface CompiledShortDay {
  openMin: number | null;
  closeMin: number | null;
}

export class SessionCalendar {
  readonly spec: CalendarSpec;
  private readonly zone: IANAZone;
  /** The zone's offset in ms when it never changes (`FIXED_ZONE`), else undefined. */
  private readonly fixedOffsetMs: number | undefined;
  private readonly sessions: readonly CompiledSession[];
  private readonly holidays: ReadonlySet<string>;
  private readonly shortDays: ReadonlyMap<string, CompiledShortDay>;
  /** Raw (unmerged) intervals of the sessions starting on a local date (by day number), sorted by start. */
  private readonly byDate = new Map<number, readonly Interval[]>();
  /**
   * The walks of `extendForward` and `extendBack`, remembered: per instant on a walk, a later instant on the same
   * walk (the walk's next step at first, then, once a walk has passed it, where that walk stopped). An instant that
   * maps to itself is where its walk ends (no raw interval reaches past it).
   */
  private readonly ahead = new Map<number, number>();
  private readonly behind = new Map<number, number>();
  private windowDay = Number.NaN;
  private windowRaws: readonly Interval[] = [];

  constructor(spec: CalendarSpec, pathPrefix = '') {
    const fail = (path: string, reason: string, value?: unknown): never => {
      throw new ConfigError(path === '' ? pathPrefix.replace(/\.$/, '') : pathPrefix + path, reason, value);
    };
    if (spec === null || typeof spec !== 'object') fail('', 'must be a calendar object', spec);

    const tz: unknown = spec.timeZone;
    if (!isTimeZone(tz)) {
      fail('timeZone', 'must be a valid IANA time zone, e.g. "Asia/Shanghai"', tz);
    }
    const defaultDays = compileDays(spec.days, 'days', fail);

    const sessions: unknown = spec.sessions;
    if (!Array.isArray(sessions) || sessions.length === 0) {
      fail('sessions', 'must list at least one session', sessions);
    }
    const compiled = (sessions as unknown[]).map((raw, i): CompiledSession => {
      const at = `sessions[${i}]`;
      if (raw === null || typeof raw !== 'object') fail(at, 'must be an object with start and end', raw);
      const s = raw as Partial<SessionSpec>;
      const startMin = parseHHmm(s.start, `${at}.start`, fail);
      const endMin = parseHHmm(s.end, `${at}.end`, fail);
      const days = s.days === undefined ? defaultDays : compileDays(s.days, `${at}.days`, fail);
      return { startMin, endMin, days };
    });

    const holidays = new Set<string>();
    const hs: unknown = spec.holidays;
    if (hs !== undefined) {
      if (!Array.isArray(hs)) fail('holidays', 'must be a list of "yyyy-MM-dd" dates', hs);
      (hs as unknown[]).forEach((h, i) => {
        if (typeof h !== 'string' || !isRealDate(h)) fail(`holidays[${i}]`, 'must be a real date "yyyy-MM-dd"', h);
        holidays.add(h as string);
      });
    }

    const shortDays = new Map<string, CompiledShortDay>();
    const sds: unknown = spec.shortDays;
    if (sds !== undefined) {
      if (!Array.isArray(sds)) fail('shortDays', 'must be a list of { date, open?, close? }', sds);
      (sds as unknown[]).forEach((raw, i) => {
        const at = `shortDays[${i}]`;
        if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail(at, 'must be an object with a date and an open and/or close time', raw);
        const sd = raw as Partial<ShortDaySpec>;
        const date: unknown = sd.date;
        if (typeof date !== 'string' || !isRealDate(date)) fail(`${at}.date`, 'must be a real date "yyyy-MM-dd"', date);
        if (shortDays.has(date as string)) fail(`${at}.date`, 'is listed twice', date);
        const openMin = sd.open === undefined ? null : parseHHmm(sd.open, `${at}.open`, fail);
        const closeMin = sd.close === undefined ? null : parseHHmm(sd.close, `${at}.close`, fail);
        if (openMin === null && closeMin === null) fail(at, 'needs an open or a close time (or both)', raw);
        if (openMin !== null && closeMin !== null && closeMin <= openMin) fail(`${at}.close`, `must be after open (${sd.open})`, sd.close);
        shortDays.set(date as string, { openMin, closeMin });
      });
    }

    this.spec = spec;
    this.zone = IANAZone.create(tz as string);
    this.fixedOffsetMs = FIXED_ZONE.test(tz as string) ? this.zone.offset(0) * MINUTE : undefined;
    this.sessions = compiled;
    this.holidays = holidays;
    this.shortDays = shortDays;
  }

  isOpen(ms: number): boolean {
    return this.rawAt(ms) !== null;
  }

  /** The merged interval containing ms, or null when closed at ms. */
  intervalAt(ms: number): Interval | null {
    const hit = this.rawAt(ms);
    if (hit === null) return null;
    return { start: this.extendBack(hit.start, ms - LOOK_MS), end: this.extendForward(hit.end, ms + LOOK_MS) };
  }

  /** The next instant strictly after ms at which open/closed changes; null when it never changes (a 24/7 calendar). */
  nextBoundary(ms: number): Boundary | null {
    const open = this.intervalAt(ms);
    if (open !== null) return Number.isFinite(open.end) ? { at: open.end, open: false } : null;
    // Closed at ms: the next change is the earliest session start after ms.
    const u = utcDay(ms);
    let best = Infinity;
    for (let d = u - DAYS_BEFORE; d <= u + LOOK_DAYS; d++) {
      // Every start of date d is after (d - 1) 00:00Z, so nothing later can beat `best`.
      if ((d - 1) * DAY > best) break;
      for (const r of this.rawForDay(d)) {
        if (r.start > ms && r.start < best) best = r.start;
      }
    }
    return Number.isFinite(best) ? { at: best, open: true } : null;
  }

  /** All merged intervals that overlap [from, to), in order, whole (not clipped to [from, to)). */
  intervals(from: number, to: number): Interval[] {
    assertInstant(from);
    assertInstant(to);
    if (!(to > from)) return [];
    const raws: Interval[] = [];
    for (let d = utcDay(from) - DAYS_BEFORE; d <= utcDay(to) + DAYS_AFTER; d++) raws.push(...this.rawForDay(d));
    raws.sort((a, b) => a.start - b.start);
    const merged: Interval[] = [];
    for (const r of raws) {
      const last = merged[merged.length - 1];
      if (last !== undefined && r.start <= last.end) {
        if (r.end > last.end) last.end = r.end;
      } else {
        merged.push({ start: r.start, end: r.end });
      }
    }
    const out = merged.filter((iv) => iv.start < to && iv.end > from);
    const first = out[0];
    const last = out[out.length - 1];
    if (first !== undefined) first.start = this.extendBack(first.start, from - LOOK_MS);
    if (last !== undefined) last.end = this.extendForward(last.end, to + LOOK_MS);
    return out;
  }

  // ---------------------------------------------------------------------------------------------

  /** Some raw interval containing ms, or null. */
  private rawAt(ms: number): Interval | null {
    assertInstant(ms);
    for (const r of this.rawsAround(utcDay(ms))) {
      if (r.start <= ms && ms < r.end) return r;
    }
    return null;
  }

  /** Raw intervals that can contain an instant of UTC day `u`; the last window is kept for hot `isOpen` loops. */
  private rawsAround(u: number): readonly Interval[] {
    if (u !== this.windowDay) {
      const raws: Interval[] = [];
      for (let d = u - DAYS_BEFORE; d <= u + DAYS_AFTER; d++) raws.push(...this.rawForDay(d));
      this.windowRaws = raws;
      this.windowDay = u;
    }
    return this.windowRaws;
  }

  /**
   * Follow raw intervals that touch or overlap `end` until none does; Infinity past `limit`. The walk's instants
   * only grow, so it is past `limit` exactly when it reaches an instant past it, by steps or by remembered jumps.
   */
  private extendForward(end: number, limit: number): number {
    const jump = this.ahead;
    let e = end;
    while (e <= limit) {
      let next = jump.get(e);
      if (next === undefined) {
        next = this.stepForward(e);
        jump.set(e, next);
      }
      if (next === e) break;
      e = next;
    }
    // The next walk from any instant passed jumps straight here.
    for (let p = end; p !== e; ) {
      const n = jump.get(p)!;
      jump.set(p, e);
      p = n;
    }
    return e > limit ? Infinity : e;
  }

  /** The furthest end of a raw interval that contains `e` (`e` itself when none reaches past it). */
  private stepForward(e: number): number {
    let next = e;
    const u = utcDay(e);
    for (let d = u - DAYS_BEFORE; d <= u + DAYS_AFTER; d++) {
      for (const r of this.rawForDay(d)) {
        if (r.start <= e && r.end > next) next = r.end;
      }
    }
    return next;
  }

  /** Follow raw intervals that touch or overlap `start` backwards until none does; -Infinity before `limit`. */
  private extendBack(start: number, limit: number): number {
    const jump = this.behind;
    let s = start;
    while (s >= limit) {
      let prev = jump.get(s);
      if (prev === undefined) {
        prev = this.stepBack(s);
        jump.set(s, prev);
      }
      if (prev === s) break;
      s = prev;
    }
    for (let p = start; p !== s; ) {
      const n = jump.get(p)!;
      jump.set(p, s);
      p = n;
    }
    return s < limit ? -Infinity : s;
  }

  /** The earliest start of a raw interval that ends at or after `s` and starts before it (`s` itself when none). */
  private stepBack(s: number): number {
    let prev = s;
    const u = utcDay(s);
    for (let d = u - DAYS_BEFORE; d <= u + DAYS_AFTER; d++) {
      for (const r of this.rawForDay(d)) {
        if (r.end >= s && r.start < prev) prev = r.start;
      }
    }
    return prev;
  }

  /** The raw intervals of the sessions starting on local date `day` (days since 1970-01-01), cached. */
  private rawForDay(day: number): readonly Interval[] {
    const cached = this.byDate.get(day);
    if (cached !== undefined) return cached;
    const key = dateKey(day);
    const out: Interval[] = [];
    if (!this.holidays.has(key)) {
      const wd = weekdayIndex(day);
      // A session of `day` ends by 24:00 of `day + 1`, so only short days on `day` and `day + 1` can touch it.
      const today = this.shortDays.get(key);
      const tomorrow = this.shortDays.get(dateKey(day + 1));
      for (const s of this.sessions) {
        if (!s.days[wd]) continue;
        const endDay = s.endMin > s.startMin ? day : day + 1;
        let start = this.toInstant(day, s.startMin);
        let end = this.toInstant(endDay, s.endMin);
        if (today !== undefined || tomorrow !== undefined) {
          // The local date the session ends on: an end at 00:00 is 24:00 of the day before.
          const endDate = s.endMin === 0 ? endDay - 1 : endDay;
          // In date order, so a session already ended by today's close is not "open" at tomorrow's open.
          for (const [d, sd] of [
            [day, today],
            [day + 1, tomorrow],
          ] as const) {
            if (sd === undefined) continue;
            if (sd.openMin !== null) {
              const open = this.toInstant(d, sd.openMin);
              if ((d === day || (start < open && open < end)) && open > start) start = open;
            }
            if (sd.closeMin !== null) {
              const close = this.toInstant(d, sd.closeMin);
              if ((d === endDate || (start < close && close < end)) && close < end) end = close;
            }
          }
        }
        if (end > start) out.push(Object.freeze({ start, end }));
      }
      out.sort((a, b) => a.start - b.start);
    }
    const frozen = Object.freeze(out);
    this.byDate.set(day, frozen);
    return frozen;
  }

  /**
   * The instant of local wall-clock time `minute` (minutes after midnight) on local date `day`:
   * the earlier occurrence when ambiguous, the first valid instant after a gap when nonexistent.
   */
  private toInstant(day: number, minute: number): number {
    const local = day * DAY + minute * MINUTE;
    return this.fixedOffsetMs !== undefined ? local - this.fixedOffsetMs : wallClockToInstant(this.zone, local);
  }
}

/**
 * Epoch ms of an ISO 8601 date-time (luxon's `DateTime.fromISO` syntax, e.g. "2026-03-08T02:30",
 * "2026-03-08T02:30:15.250", "2026-03-08").
 * - With an offset or `Z` it is that exact instant, whatever a trailing "[Zone]" says.
 * - Without one it is a wall-clock time in `timeZone` (or in a trailing "[Zone]"), converted by the
 *   calendar's own rule for session boundaries: a time in a spring-forward gap is the first valid instant
 *   (the moment of the switch: 02:30 on 2026-03-08 in America/Chicago is 03:00 CDT = 08:00Z), a time in a
 *   repeated fall-back hour its first occurrence (01:30 on 2026-11-01 in Chicago is 01:30 CDT = 06:30Z).
 *   Unlike luxon's own reading (a gap shifted by its length; a repeated hour resolved by the offset in
 *   force when the process runs), the result does not depend on the date the process runs on.
 * Throws a ConfigError at `path` (naming the input) when the text is not ISO 8601, and a RangeError when
 * `timeZone` is not a valid IANA zone.
 */
/**
 * Whether a value names an IANA time zone. The longest name is 32 characters: a longer string is refused before
 * luxon looks at it (its check takes time that grows with the square of the length: 15 s for 512,000 characters).
 */
export function isTimeZone(tz: unknown): tz is string {
  return typeof tz === 'string' && tz.length <= 64 && IANAZone.isValidZone(tz);
}

/** The longest ISO 8601 text read: "2026-03-08T02:30:15.250-03:00[America/Argentina/ComodRivadavia]" is 63 characters. */
const MAX_ISO = 100;

export function isoToInstant(iso: string, timeZone: string, path = ''): number {
  if (!isTimeZone(timeZone)) throw new RangeError(`isoToInstant: not a valid IANA time zone: ${JSON.stringify(String(timeZone).slice(0, 64))}`);
  const zone = IANAZone.create(timeZone);
  if (!zone.isValid) throw new RangeError(`isoToInstant: not a valid IANA time zone: ${JSON.stringify(timeZone)}`);
  // luxon's explanation repeats the text: a longer one than any date-time with an offset and a zone name is refused unread.
  if (iso.length > MAX_ISO) throw new ConfigError(path, `is not an ISO 8601 date-time (longer than ${MAX_ISO} characters)`, iso);
  const whole = DateTime.fromISO(iso, { zone: FixedOffsetZone.utcInstance, setZone: true });
  if (!whole.isValid) throw new ConfigError(path, `is not an ISO 8601 date-time (${whole.invalidExplanation ?? whole.invalidReason})`, iso);
  // Read the text without a "[Zone]" suffix in two fixed zones: the instants agree only when it carries an offset.
  const bare = iso.replace(/\[[^\]]*\]$/, '');
  const asUtc = DateTime.fromISO(bare, { zone: FixedOffsetZone.utcInstance, setZone: true }).toMillis();
  const asPlusOne = DateTime.fromISO(bare, { zone: FixedOffsetZone.instance(60), setZone: true }).toMillis();
  if (asUtc === asPlusOne) return asUtc; // the offset's instant (luxon would let a "[Zone]" override it)
  // No offset: `asUtc` is the wall-clock time read as if it were UTC.
  return wallClockToInstant(whole.zone instanceof IANAZone ? whole.zone : zone, asUtc);
}

/**
 * The instant of wall-clock time `local` (a local date-time in `zone`, read as if it were UTC, in ms):
 * the earlier occurrence when ambiguous, the first valid instant after a gap when nonexistent.
 */
function wallClockToInstant(zone: IANAZone, local: number): number {
  const offsetAt = (ts: number): number => zone.offset(ts) * MINUTE;
  // Real offsets are within -12 h..+14 h, so the instant lies in [local - 14 h, local + 12 h]:
  // sample the offsets in force around that window.
  const candidates = new Set([offsetAt(local - 15 * HOUR), offsetAt(local), offsetAt(local + 13 * HOUR)]);
  let best = Infinity;
  for (const o of candidates) {
    const ts = local - o;
    if (offsetAt(ts) === o && ts < best) best = ts;
  }
  if (Number.isFinite(best)) return best;
  // Nonexistent (spring-forward gap): find the switch, the first instant whose wall clock is >= local.
  let lo = local - Math.max(...candidates); // wall clock before `local`
  let hi = local - Math.min(...candidates); // wall clock after `local`
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (mid + offsetAt(mid) >= local) hi = mid;
    else lo = mid;
  }
  return hi;
}

const memo = new WeakMap<CalendarSpec, SessionCalendar>();

/**
 * Memoized: one SessionCalendar per spec object (WeakMap), so pure code can keep the plain spec in state, and every
 * user of one spec shares the calendar's caches. `pathPrefix` names the spec in the ConfigError of an invalid one.
 */
export function calendarFor(spec: CalendarSpec, pathPrefix = ''): SessionCalendar {
  let cal = memo.get(spec);
  if (cal === undefined) {
    cal = new SessionCalendar(spec, pathPrefix);
    memo.set(spec, cal);
  }
  return cal;
}

// -----------------------------------------------------------------------------------------------

type Fail = (path: string, reason: string, value?: unknown) => never;

function parseHHmm(value: unknown, path: string, fail: Fail): number {
  if (typeof value !== 'string' || !HHMM.test(value)) fail(path, 'must be a 24 h time "HH:mm"', value);
  const [h, m] = (value as string).split(':');
  return Number(h) * 60 + Number(m);
}

function compileDays(value: unknown, path: string, fail: Fail): boolean[] {
  if (!Array.isArray(value) || value.length === 0) {
    fail(path, `must list at least one weekday (${WEEKDAYS.join(', ')})`, value);
  }
  const days = WEEKDAYS.map(() => false);
  (value as unknown[]).forEach((d, i) => {
    const idx = WEEKDAYS.indexOf(d as Weekday);
    if (idx < 0) fail(`${path}[${i}]`, `unknown weekday; expected one of ${WEEKDAYS.join(', ')}`, d);
    days[idx] = true;
  });
  return days;
}

function isRealDate(s: string): boolean {
  if (!DATE.test(s)) return false;
  const [y, m, d] = s.split('-').map(Number) as [number, number, number];
  const t = new Date(0);
  t.setUTCFullYear(y, m - 1, d);
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

function assertInstant(ms: number): void {
  if (!Number.isFinite(ms)) throw new RangeError(`SessionCalendar: instant must be finite epoch ms, got ${ms}`);
}

/** Days since 1970-01-01 of the UTC date of `ms`. */
function utcDay(ms: number): number {
  return Math.floor(ms / DAY);
}

/** "yyyy-MM-dd" of a day number (days since 1970-01-01). */
function dateKey(day: number): string {
  return new Date(day * DAY).toISOString().slice(0, 10);
}

/** Mon = 0 .. Sun = 6; 1970-01-01 (day 0) was a Thursday. */
function weekdayIndex(day: number): number {
  return (((day + 3) % 7) + 7) % 7;
}
