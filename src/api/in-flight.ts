import { abortable } from '../util/abortable.js';

interface Shared<T> {
  promise: Promise<T>;
  controller: AbortController;
  joiners: number;
  /** The work has finished (resolved or rejected). */
  settled: boolean;
}

/**
 * Identical reads in flight, shared: the first caller starts the work, later ones with the same key
 * wait for it. Each caller's signal only stops its own wait; the work is aborted (its signal fires)
 * once every caller has left, so abandoned reads stop consuming the rate limit.
 */
export class InFlight<T> {
  readonly #shared = new Map<string, Shared<T>>();

  /** How many keys are in flight. */
  get size(): number {
    return this.#shared.size;
  }

  /** Joins the work for `key`, starting it with `start` when none is in flight. */
  run(key: string, start: (signal: AbortSignal) => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    signal?.throwIfAborted();
    let entry = this.#shared.get(key);
    if (entry === undefined) {
      const controller = new AbortController();
      const created: Shared<T> = { promise: Promise.resolve().then(() => start(controller.signal)), controller, joiners: 0, settled: false };
      created.promise
        .finally(() => {
          created.settled = true;
          if (this.#shared.get(key) === created) this.#shared.delete(key);
        })
        .catch(() => undefined);
      this.#shared.set(key, created);
      entry = created;
    }
    const joined = entry;
    joined.joiners++;
    let left = false;
    const leave = (): void => {
      if (left) return;
      left = true;
      joined.joiners--;
      // Nobody waits any more for work still under way: a later identical read starts afresh instead of
      // joining aborted work. Finished work (the usual case) has nothing to abort.
      if (joined.joiners === 0 && !joined.settled) {
        if (this.#shared.get(key) === joined) this.#shared.delete(key);
        joined.controller.abort(new DOMException('every caller left', 'AbortError'));
      }
    };
    return abortable(joined.promise, signal).finally(leave);
  }
}
