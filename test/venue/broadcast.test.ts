import { describe, expect, it } from 'vitest';
import { map, Subject, type Subscription } from 'rxjs';
import { Broadcast } from '../../src/venue/broadcast.js';

/** What a subject-like stream does under a script of subscriptions, values and ends, as a log. */
function script(make: () => { next(v: number): void; complete(): void; error(e: unknown): void; subscribe: Subject<number>['subscribe']; pipe: Subject<number>['pipe'] }): string[] {
  const log: string[] = [];
  const s = make();
  const subs: Record<string, Subscription> = {};
  const watch = (name: string): void => {
    subs[name] = s.subscribe({ next: (v) => log.push(`${name} ${v}`), error: (e) => log.push(`${name} error ${String(e)}`), complete: () => log.push(`${name} complete`) });
  };
  s.next(0);
  watch('a');
  // b unsubscribes c and subscribes d while the value 1 is delivered: c hears no more, d hears from 2.
  subs.b = s.subscribe((v) => {
    log.push(`b ${v}`);
    if (v === 1) {
      subs.c!.unsubscribe();
      watch('d');
    }
  });
  watch('c');
  s.pipe(map((v) => v * 10)).subscribe((v) => log.push(`x ${v}`));
  s.next(1);
  s.next(2);
  subs.a!.unsubscribe();
  s.next(3);
  s.complete();
  s.next(4);
  watch('late');
  s.error('ignored after complete');
  return log;
}

describe('Broadcast', () => {
  it('delivers, subscribes, unsubscribes mid-delivery and completes as a Subject does', () => {
    const expected = script(() => new Subject<number>());
    expect(script(() => new Broadcast<number>())).toEqual(expected);
    expect(expected).toEqual(['a 1', 'b 1', 'x 10', 'a 2', 'b 2', 'x 20', 'd 2', 'b 3', 'x 30', 'd 3', 'd complete', 'late complete']);
  });

  it('ends in an error as a Subject does: every subscriber hears it, a later one at once', () => {
    const run = (s: Subject<number> | Broadcast<number>): string[] => {
      const log: string[] = [];
      s.subscribe({ next: (v) => log.push(`a ${v}`), error: (e) => log.push(`a error ${String(e)}`) });
      s.next(1);
      s.error('boom');
      s.next(2);
      s.subscribe({ error: (e) => log.push(`late error ${String(e)}`) });
      return log;
    };
    expect(run(new Broadcast<number>())).toEqual(run(new Subject<number>()));
    expect(run(new Broadcast<number>())).toEqual(['a 1', 'a error boom', 'late error boom']);
  });

  it('says whether anyone listens', () => {
    const b = new Broadcast<number>();
    expect(b.observed).toBe(false);
    const sub = b.subscribe(() => {});
    expect(b.observed).toBe(true);
    sub.unsubscribe();
    expect(b.observed).toBe(false);
  });
});
