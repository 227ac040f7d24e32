import { onAbort } from './abortable.js';

/**
 * The longest delay Node keeps for a timer (about 24.8 days). Node fires a longer timer after 1 ms, so
 * timeouts are validated against it and longer waits are split.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Waits `ms` milliseconds on a timer, at most about 24.8 days (the longest timer Node keeps); callers
 * that need longer check their deadline and wait again. When `signal` aborts, the timer is cleared and
 * the wait rejects with `signal.reason`.
 */
export const realSleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as unknown);
      return;
    }
    const timer = setTimeout(() => {
      unsubscribe?.();
      resolve();
    }, Math.min(Math.max(ms, 0), MAX_TIMER_MS));
    const unsubscribe =
      signal === undefined
        ? undefined
        : onAbort(signal, () => {
            clearTimeout(timer);
            reject(signal.reason as unknown);
          });
  });

/**
 * `promise`, or the error `timedOut()` makes once `ms` pass first (the timer is cleared either way).
 * For commands that are accepted but may never be answered (a Redis behind a partition).
 */
export async function withTimeout<T>(promise: Promise<T>, ms: number, timedOut: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(timedOut()), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
