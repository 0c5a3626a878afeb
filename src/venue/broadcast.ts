import { Observable, type Subscriber } from 'rxjs';

/**
 * An RxJS Observable that multicasts what it is given to its subscribers of the moment, as a `Subject` does, for a
 * stream that carries a value per quote.
 *
 * Why not a `Subject`: Node loads RxJS 7's CommonJS build, compiled to ES5, whose `Subject.next` allocates per value
 * a closure (for its deprecated synchronous error handling), an iterator over its observers and an iterator result
 * per observer. On the Binance day that was a quarter of everything the engine allocated (66 of 277 MB over three
 * replays, by V8's sampling heap profiler), and garbage sets how often the young generation is collected, which
 * sets the latencies' p99 (docs/benchmarks.md). Here a value goes to each subscriber through RxJS's own
 * `Subscriber.next`, which allocates nothing, so errors thrown by a consumer are handled as RxJS handles them for
 * a Subject's.
 *
 * The same order as a `Subject`: subscribers hear a value in the order they subscribed; one that subscribes while
 * a value is being delivered hears the next one; one that unsubscribes hears nothing more, even mid-delivery. After
 * `complete` or `error`, `next` does nothing and a new subscriber hears the end at once.
 */
export class Broadcast<T> extends Observable<T> {
  // Replaced, never changed in place: a delivery loops over the list as it was when it began.
  private subscribers: readonly Subscriber<T>[] = [];
  private end: { error: true; cause: unknown } | { error: false } | undefined;

  constructor() {
    super((subscriber) => {
      const end = this.end;
      if (end !== undefined) {
        if (end.error) subscriber.error(end.cause);
        else subscriber.complete();
        return undefined;
      }
      this.subscribers = [...this.subscribers, subscriber];
      return () => {
        this.subscribers = this.subscribers.filter((s) => s !== subscriber);
      };
    });
  }

  next(value: T): void {
    if (this.end !== undefined) return;
    const list = this.subscribers;
    // An unsubscribed subscriber is closed, and RxJS's `Subscriber.next` ignores a value sent to it.
    for (let i = 0; i < list.length; i++) list[i]!.next(value);
  }

  error(cause: unknown): void {
    if (this.end !== undefined) return;
    this.end = { error: true, cause };
    const list = this.subscribers;
    this.subscribers = [];
    for (const s of list) s.error(cause);
  }

  complete(): void {
    if (this.end !== undefined) return;
    this.end = { error: false };
    const list = this.subscribers;
    this.subscribers = [];
    for (const s of list) s.complete();
  }

  /** True while someone is subscribed. */
  get observed(): boolean {
    return this.subscribers.length > 0;
  }
}
