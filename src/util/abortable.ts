interface Subscribers {
  callbacks: Set<() => void>;
  dispatch: () => void;
}

// One real listener per signal however many calls wait on it: a signal shared by many concurrent
// calls would otherwise pass Node's limit of 10 listeners and print MaxListenersExceededWarning.
const subscribers = new WeakMap<AbortSignal, Subscribers>();

/**
 * Calls `callback` once when `signal` aborts, and returns the function that unsubscribes it (call it
 * once the wait is over). Every subscriber of a signal shares one `abort` listener, which is removed
 * with the last subscriber, so nothing stays on a signal reused across many calls.
 */
export function onAbort(signal: AbortSignal, callback: () => void): () => void {
  let entry = subscribers.get(signal);
  if (entry === undefined) {
    const callbacks = new Set<() => void>();
    const dispatch = (): void => {
      subscribers.delete(signal);
      for (const fn of callbacks) fn();
    };
    entry = { callbacks, dispatch };
    subscribers.set(signal, entry);
    signal.addEventListener('abort', dispatch, { once: true });
  }
  const { callbacks, dispatch } = entry;
  const subscription = (): void => callback();
  callbacks.add(subscription);
  return () => {
    callbacks.delete(subscription);
    if (callbacks.size === 0 && subscribers.get(signal) === entry) {
      subscribers.delete(signal);
      signal.removeEventListener('abort', dispatch);
    }
  };
}

/**
 * Settles like `promise`, or rejects with `signal.reason` as soon as `signal` aborts, whichever comes
 * first (at once when it already has). Its abort subscription ends when `promise` settles, so a
 * signal reused across many calls does not collect listeners. Without a signal, returns `promise`.
 *
 * Aborting only stops the wait: `promise` itself goes on (a later rejection of it is ignored).
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason as unknown);
  }
  return new Promise<T>((resolve, reject) => {
    const unsubscribe = onAbort(signal, () => reject(signal.reason as unknown));
    promise.then(resolve, reject).finally(unsubscribe);
  });
}
