import { StackExchangeApiError } from '../errors/api-error.js';
import { NetworkErrorCode, StackExchangeNetworkError } from '../errors/network-error.js';
import { isRecord } from '../util/is-record.js';
import type { ApiResponse, Wrapper } from './types.js';
import type { HttpAnswer } from './http.js';

function unreadable(method: string, what: string): StackExchangeNetworkError {
  return new StackExchangeNetworkError(`${method}: ${what}`, { code: NetworkErrorCode.Failed, method, status: 502 });
}

// "too many requests from this IP, more requests available in 12 seconds": digits, then a fixed word.
const BAN_SECONDS = /more requests available in (\d{1,9}) seconds?/;

/**
 * The seconds of a throttle ban, from a `throttle_violation` message ("… more requests available in N
 * seconds"); `undefined` when the message does not say.
 */
export function banSeconds(message: string): number | undefined {
  const match = BAN_SECONDS.exec(message);
  return match === null ? undefined : Number(match[1]);
}

/**
 * Turns the API's wrapper into an {@link ApiResponse}: `items` (empty when the filter left them out),
 * `hasMore`, `quotaMax` and `quotaRemaining` (`NaN` when the filter left them out), `backoff` when set.
 *
 * @param method the API method (path template, redacted) for errors.
 * @throws StackExchangeApiError when the wrapper carries `error_id` (with `errorId`, `errorName`,
 * `method`, `httpStatus`, and `backoff` when set). A `throttle_violation` carries `retryAfter` (and
 * status 429) when its message says "more requests available in N seconds", status 503 otherwise.
 * @throws StackExchangeNetworkError `NETWORK_FAILED` when the body is not a wrapper, `items` is not an
 * array, or the HTTP status is not 2xx and no error wrapper explains it.
 */
export function parseResponse<T>(answer: HttpAnswer, method: string): ApiResponse<T> {
  const { status, body } = answer;
  if (!isRecord(body)) throw unreadable(method, `the answer is not the API's wrapper (HTTP ${status})`);
  const backoff = typeof body.backoff === 'number' && body.backoff > 0 ? body.backoff : undefined;

  if (typeof body.error_id === 'number') {
    const errorName = typeof body.error_name === 'string' ? body.error_name : 'unknown_error';
    const detail = typeof body.error_message === 'string' ? body.error_message : errorName;
    const banned = body.error_id === 502 ? { retryAfter: banSeconds(detail) } : undefined;
    throw new StackExchangeApiError(`${method}: ${detail} (${errorName}, error_id ${body.error_id})`, {
      errorId: body.error_id,
      errorName,
      method,
      httpStatus: status,
      ...(backoff === undefined ? {} : { backoff }),
      ...(banned === undefined ? {} : banned.retryAfter === undefined ? { status: 503 } : { retryAfter: banned.retryAfter }),
    });
  }
  if (status < 200 || status >= 300) throw unreadable(method, `HTTP ${status} without an error wrapper`);
  if (body.items !== undefined && !Array.isArray(body.items)) throw unreadable(method, 'the wrapper has no items array');

  const raw = body as Wrapper<T>;
  const count = (value: unknown): number => (typeof value === 'number' ? value : Number.NaN);
  return {
    items: raw.items ?? [],
    hasMore: raw.has_more === true,
    quotaMax: count(raw.quota_max),
    quotaRemaining: count(raw.quota_remaining),
    ...(backoff === undefined ? {} : { backoff }),
    raw,
  };
}
