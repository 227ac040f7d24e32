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

/** A signal that aborts when a time limit passes or a caller's signal aborts; see {@link deadline}. */
export interface Deadline {
  /** Aborts with a `TimeoutError` DOMException after the limit, or with the first caller signal's reason. */
  readonly signal: AbortSignal;
  /** True once the time limit passed (as opposed to a caller's signal aborting). */
  readonly timedOut: boolean;
  /** Clears the timer and the subscriptions to the callers' signals; call it once the work is over. */
  dispose(): void;
}

/**
 * One signal for "within `ms`, unless a caller cancels first": the job of `AbortSignal.any([...signals,
 * AbortSignal.timeout(ms)])` at a quarter of its cost per call (no weak references, no exception built
 * unless the time runs out), which counts on the login path where every request made two of them.
 * An already aborted caller signal aborts it at once.
 */
export function deadline(ms: number, signals: ReadonlyArray<AbortSignal | undefined>): Deadline {
  const controller = new AbortController();
  let timedOut = false;
  const unsubscribes: Array<() => void> = [];
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException(`no answer within ${ms} ms`, 'TimeoutError'));
  }, Math.min(Math.max(ms, 1), MAX_TIMER_MS));
  for (const signal of signals) {
    if (signal === undefined) continue;
    if (signal.aborted) {
      controller.abort(signal.reason);
      break;
    }
    unsubscribes.push(onAbort(signal, () => controller.abort(signal.reason)));
  }
  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    dispose() {
      clearTimeout(timer);
      for (const unsubscribe of unsubscribes) unsubscribe();
    },
  };
}
