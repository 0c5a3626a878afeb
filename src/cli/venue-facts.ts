import type { SessionCalendar, VenueFacts } from '../index.js';
import { time } from './format.js';

type Hours = Pick<SessionCalendar, 'isOpen' | 'nextBoundary'>;

/**
 * When trading starts for a run on a venue process that begins at market time `at`: then, when its market is open,
 * else at its next opening. The venue's own word (its hello's facts, about the time of its hello) counts while it
 * still holds; otherwise the run's calendar decides. A market that never opens again: `at`.
 */
export function tradingStart(at: number, calendar: Hours, facts?: Pick<VenueFacts, 'open' | 'nextChange'>, factsAt?: number): number {
  if (facts && factsAt !== undefined && at >= factsAt && (facts.nextChange === null || at < facts.nextChange)) {
    return facts.open ? at : (facts.nextChange ?? at);
  }
  if (calendar.isOpen(at)) return at;
  return calendar.nextBoundary(at)?.at ?? at;
}

/**
 * The line a run prints about the venue process it trades on: its name, seed, speed, market time and the state of
 * its market, as far as the protocol tells them. JSON lines: the hello's facts. FIX 4.4: only the market time (its
 * SendingTime); a Logon carries neither seed nor speed.
 */
export function venueFactsLine(o: { label: string; name: string; protocol: 'jsonl' | 'fix'; now: number; zone: string; facts?: VenueFacts | undefined }): string {
  const at = `market time ${time(o.now, o.zone)} (${o.zone})`;
  if (o.protocol === 'fix') {
    return `legato: the venue at ${o.label}: ${at}, from its SendingTime; a FIX Logon carries no seed or speed (the venue process printed them when it started)`;
  }
  const f = o.facts;
  if (!f) return `legato: the venue at ${o.label}: ${o.name}, ${at}; it sends no seed or speed (a venue process older than this engine)`;
  const market = f.open
    ? `its market is open${f.nextChange !== null ? ` until ${time(f.nextChange, o.zone)}` : ''}`
    : `its market is closed${f.nextChange !== null ? ` until ${time(f.nextChange, o.zone)}` : ' and never opens'}`;
  return (
    `legato: the venue at ${o.label}: ${o.name}, seed ${f.seed}, ${f.speed}× real time, ${at}, started at ${time(f.startedAt, o.zone)}` +
    `${f.running ? '' : ', its time held until this engine has synced (--wait-for-engine)'}; ${market}`
  );
}

/** The line saying when the run ends: `--days` (run.days) from when trading starts there. */
export function runEndLine(o: { from: number; until: number; days: number; began: number; zone: string }): string {
  const wait = o.from > o.began ? ` (its market opens then; the run began at ${time(o.began, o.zone)})` : '';
  return `legato: ${o.days} day${o.days === 1 ? '' : 's'} of trading from ${time(o.from, o.zone)}${wait}: the run ends at ${time(o.until, o.zone)}`;
}
