/** What {@link settleWithin} saw: the value, the rejection, or nothing yet. */
export type Outcome<T> = { value: T } | { error: unknown } | 'pending';

/**
 * How `promise` settled within `ms` milliseconds (`'pending'` if it has not), so that a call that would
 * wait far longer fails its test at once instead of at the test timeout.
 */
export async function settleWithin<T>(promise: Promise<T>, ms = 2000): Promise<Outcome<T>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'pending'>((resolve) => (timer = setTimeout(() => resolve('pending'), ms)));
  try {
    return await Promise.race([promise.then((value) => ({ value }), (error: unknown) => ({ error })), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The rejection of `promise` within `ms`; fails when it resolves or is still pending. */
export async function rejectionWithin(promise: Promise<unknown>, ms = 2000): Promise<unknown> {
  const outcome = await settleWithin(promise, ms);
  if (outcome === 'pending') throw new Error(`still pending after ${ms} ms`);
  if ('value' in outcome) throw new Error('expected a rejection');
  return outcome.error;
}

/** Resolves once `condition()` holds, checking every few milliseconds; fails after `ms`. */
export async function until(condition: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
