import { NetworkErrorCode, StackExchangeNetworkError } from '../errors/network-error.js';
import { ExchangeTimeout, boundedExchange, type BoundedAnswer } from '../util/bounded-exchange.js';
import { rootMessage, safeCause } from '../util/safe-cause.js';

/** One HTTP exchange with the API. */
export interface HttpRequest {
  /** The full URL, query included (it carries `key` and possibly `access_token`: never logged raw). */
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  /** Form-encoded body of a POST. */
  body?: string;
  /** Milliseconds to wait for the whole answer, body included. */
  timeout: number;
  /** An injected fetch; `undefined` sends with `node:http(s)` (see {@link boundedExchange}). */
  fetch: typeof fetch | undefined;
  /** The API method (path template) for error messages, already redacted. */
  apiMethod: string;
  /** The caller's abort signal: aborts the request alongside `timeout`. */
  signal?: AbortSignal;
  /** Most bytes of decompressed body to read; a longer answer fails with `NETWORK_TOO_LARGE`. */
  maxBytes: number;
}

/** The API's answer: HTTP status and parsed JSON body. */
export interface HttpAnswer {
  status: number;
  body: unknown;
}

function failed(req: HttpRequest, what: string, cause?: unknown, status: 502 | 503 = 503): StackExchangeNetworkError {
  return new StackExchangeNetworkError(`${req.method} ${req.apiMethod}: ${what}`, {
    code: NetworkErrorCode.Failed,
    method: req.apiMethod,
    status,
    ...(cause === undefined ? {} : { cause: safeCause(cause) }),
  });
}

/**
 * Sends one request and parses the JSON answer, whatever its HTTP status (Stack Exchange answers
 * errors with 400 and a JSON wrapper). Compressed answers (gzip, deflate, br) are decoded, at most
 * `maxBytes` of them. Redirects are not followed: the URL carries the key and token.
 *
 * @throws StackExchangeNetworkError `NETWORK_TIMEOUT` when the whole answer did not arrive within
 * `timeout` (even when an injected fetch ignores the abort signal), `NETWORK_TOO_LARGE` when the
 * decompressed body passes `maxBytes` (read no further), `NETWORK_FAILED` when the
 * connection failed, the API redirected, or the body is not JSON. Causes are sanitised copies (see
 * {@link safeCause}). When `signal` aborts before the whole answer arrived: its `reason`, as is.
 */
export async function sendRequest(req: HttpRequest): Promise<HttpAnswer> {
  let answer: BoundedAnswer;
  try {
    answer = await boundedExchange({
      url: req.url,
      method: req.method,
      headers: req.headers,
      signal: req.signal,
      timeout: req.timeout,
      maxBytes: req.maxBytes,
      fetch: req.fetch,
      ...(req.body === undefined ? {} : { body: req.body }),
    });
  } catch (error) {
    if (req.signal?.aborted) throw req.signal.reason as unknown;
    if (error instanceof ExchangeTimeout) {
      throw new StackExchangeNetworkError(`${req.method} ${req.apiMethod}: no answer within ${req.timeout} ms`, {
        code: NetworkErrorCode.Timeout,
        method: req.apiMethod,
        cause: safeCause(error),
      });
    }
    throw failed(req, `the request failed (${rootMessage(error)})`, error);
  }

  const { status, contentType, body } = answer;
  if (status >= 300 && status < 400) throw failed(req, `unexpected redirect (HTTP ${status})`, undefined, 502);
  if (body === undefined) {
    throw new StackExchangeNetworkError(`${req.method} ${req.apiMethod}: the answer is larger than ${req.maxBytes} bytes (maxResponseBytes)`, {
      code: NetworkErrorCode.TooLarge,
      method: req.apiMethod,
      status: 502,
    });
  }
  try {
    return { status, body: JSON.parse(body) as unknown };
  } catch (error) {
    throw failed(req, `the answer is not JSON (HTTP ${status}, ${contentType === '' ? 'no content type' : contentType})`, error, 502);
  }
}
