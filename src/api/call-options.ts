/** Per-call options of the {@link StackExchangeClient} methods (their optional last argument). */
export interface CallOptions {
  /**
   * Cancels the call. A call whose signal has already aborted sends nothing. An abort while the call
   * waits (in the rate-limit queue, for a `backoff`, or between retries) stops the wait without
   * taking a rate slot; during a request it aborts the request. The call then rejects with
   * `signal.reason` (an `AbortError` `DOMException` unless the caller gave a reason), never with a
   * {@link StackExchangeNetworkError}, and is not retried. Once an answer has arrived, the call settles
   * with it. The client's `timeout` still applies to each request. Default: none.
   *
   * @example
   * await client.get('/me', {}, { signal: AbortSignal.timeout(5000) });
   */
  signal?: AbortSignal | undefined;
  /**
   * `false` neither reads nor stores this call's answer in the client's response cache (identical
   * reads in flight still share one request). Default `true`; ignored by writes.
   */
  cache?: boolean;
}

/** {@link CallOptions} validated. */
export interface ResolvedCallOptions {
  signal: AbortSignal | undefined;
  cache: boolean;
}

/**
 * Validates the `options` argument of the client method `caller`.
 *
 * @throws TypeError when `options` is not an object, `options.signal` is not an `AbortSignal` or `options.cache` not a boolean.
 */
export function callOptions(caller: string, options: CallOptions | undefined): ResolvedCallOptions {
  const signal = callSignal(caller, options);
  const cache = options?.cache ?? true;
  if (typeof cache !== 'boolean') throw new TypeError(`StackExchangeClient: ${caller}() options.cache must be a boolean (e.g. { cache: false })`);
  return { signal, cache };
}

/**
 * Validates the `options` argument of the client method `caller` and returns its signal.
 *
 * @throws TypeError when `options` is not an object or `options.signal` is not an `AbortSignal`.
 */
export function callSignal(caller: string, options: CallOptions | undefined): AbortSignal | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`StackExchangeClient: ${caller}() options must be an object (e.g. { signal: controller.signal })`);
  }
  const { signal } = options;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(`StackExchangeClient: ${caller}() options.signal must be an AbortSignal (e.g. { signal: controller.signal })`);
  }
  return signal;
}
