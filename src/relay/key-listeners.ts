/**
 * Who is waiting for which relay key: the long-polls of this process. Both stores keep one; the Redis
 * store feeds it from pub/sub so that a result stored on any instance wakes the polls here.
 */
export class KeyListeners {
  readonly #byKey = new Map<string, Set<() => void>>();

  /** Adds `listener` for `key` and returns its removal. The same function added twice counts twice. */
  add(key: string, listener: () => void): () => void {
    let set = this.#byKey.get(key);
    if (!set) {
      set = new Set();
      this.#byKey.set(key, set);
    }
    const entry = (): void => listener();
    set.add(entry);
    return () => {
      const current = this.#byKey.get(key);
      current?.delete(entry);
      if (current?.size === 0) this.#byKey.delete(key);
    };
  }

  /** Calls every listener of `key`. */
  notify(key: string): void {
    for (const listener of this.#byKey.get(key) ?? []) listener();
  }

  /** Forgets every listener. */
  clear(): void {
    this.#byKey.clear();
  }
}
