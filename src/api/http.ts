import { NetworkErrorCode, StackExchangeNetworkError } from '../errors/network-error.js';
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
  fetch: typeof fetch;
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
 * Reads the (already decompressed) body chunk by chunk and stops as soon as it passes `req.maxBytes`:
 * a huge answer or a gzip bomb costs at most the cap in memory and is cancelled there, instead of
 * being inflated whole by `res.text()`.
 */
async function readCapped(res: Response, req: HttpRequest): Promise<string> {
  if (res.body === null) return '';
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    bytes += value.byteLength;
    if (bytes > req.maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new StackExchangeNetworkError(`${req.method} ${req.apiMethod}: the answer is larger than ${req.maxBytes} bytes (maxResponseBytes)`, {
        code: NetworkErrorCode.TooLarge,
        method: req.apiMethod,
        status: 502,
      });
    }
    text += decoder.decode(value, { stream: true });
  }
}

/**
 * Sends one request and parses the JSON answer, whatever its HTTP status (Stack Exchange answers
 * errors with 400 and a JSON wrapper). Compressed answers (gzip, deflate) are decoded by fetch.
 * Redirects are not followed: the URL carries the key and token.
 *
 * @throws StackExchangeNetworkError `NETWORK_TIMEOUT` when the whole answer did not arrive within
 * `timeout` (even when an injected fetch ignores the abort signal), `NETWORK_TOO_LARGE` when the
 * decompressed body passes `maxBytes` (read no further), `NETWORK_FAILED` when the
 * connection failed, the API redirected, or the body is not JSON. Causes are sanitised copies (see
 * {@link safeCause}). When `signal` aborts before the whole answer arrived: its `reason`, as is.
 */
export async function sendRequest(req: HttpRequest): Promise<HttpAnswer> {
  req.signal?.throwIfAborted();
  const timeout = AbortSignal.timeout(req.timeout);
  // AbortSignal.any adds no listener to the caller's signal, so a reused signal collects none.
  const signal = req.signal === undefined ? timeout : AbortSignal.any([req.signal, timeout]);
  const timedOut = (cause: unknown): StackExchangeNetworkError =>
    new StackExchangeNetworkError(`${req.method} ${req.apiMethod}: no answer within ${req.timeout} ms`, {
      code: NetworkErrorCode.Timeout,
      method: req.apiMethod,
      cause: safeCause(cause),
    });

  // An injected fetch may ignore `signal`: stop waiting for it anyway, or a request (and its rate
  // slot) could be held forever.
  let rejectAborted: (reason: unknown) => void = () => undefined;
  const aborted = new Promise<never>((_resolve, reject) => (rejectAborted = reject));
  aborted.catch(() => undefined);
  const onAbort = (): void => rejectAborted(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });

  let text: string;
  let status: number;
  let contentType: string;
  try {
    const res = await Promise.race([
      req.fetch(req.url, {
        method: req.method,
        headers: req.headers,
        redirect: 'manual',
        signal,
        ...(req.body === undefined ? {} : { body: req.body }),
      }),
      aborted,
    ]);
    status = res.status;
    contentType = res.headers.get('content-type') ?? 'no content type';
    if (status >= 300 && status < 400) {
      await res.body?.cancel().catch(() => undefined);
      throw failed(req, `unexpected redirect (HTTP ${status})`, undefined, 502);
    }
    text = await Promise.race([readCapped(res, req), aborted]);
  } catch (error) {
    if (error instanceof StackExchangeNetworkError) throw error;
    if (req.signal?.aborted) throw req.signal.reason as unknown;
    if (timeout.aborted) throw timedOut(error);
    throw failed(req, `the request failed (${rootMessage(error)})`, error);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }

  try {
    return { status, body: JSON.parse(text) as unknown };
  } catch (error) {
    throw failed(req, `the answer is not JSON (HTTP ${status}, ${contentType})`, error, 502);
  }
}
