import { TokenError, TokenErrorCode } from '../errors/token-error.js';
import { logger } from '../util/debug.js';
import { splitScopeList } from '../util/scope-list.js';
import { isRecord } from '../util/is-record.js';
import { safeCause } from '../util/safe-cause.js';
import { ExchangeTimeout, boundedExchange } from '../util/bounded-exchange.js';

/** What {@link exchangeCode} needs to trade an authorization code for a token. */
export interface TokenExchangeRequest {
  /** The token endpoint, e.g. `https://stackoverflow.com/oauth/access_token/json`. */
  tokenURL: string;
  clientID: string;
  /** Sent only when given: a public client sends no `client_secret` field at all. */
  clientSecret?: string;
  /** The authorization code from the callback. */
  code: string;
  /** The `redirect_uri` used in the authorization request, byte for byte. */
  redirectURI: string;
  /** The PKCE code verifier of this login. */
  codeVerifier: string;
  /** Milliseconds allowed for the whole exchange (connect, answer, body). */
  timeout: number;
  /** The full `User-Agent` header value. */
  userAgent: string;
  /** An injected `fetch`; without one the request goes out with `node:http(s)`. */
  fetch?: typeof fetch | undefined;
  /**
   * Further form fields (a strategy's `tokenParams()`); they never replace `grant_type`, `client_id`,
   * `client_secret`, `code`, `redirect_uri` or `code_verifier`.
   */
  extraParams?: Readonly<Record<string, string>>;
  /** Further request headers (the strategy's `customHeaders`); `content-type` and `accept` stay the package's. */
  headers?: Readonly<Record<string, string>>;
}

/** The outcome of a successful exchange. */
export interface TokenSet {
  accessToken: string;
  /** Seconds until expiry as the endpoint sent it (`expires` or `expires_in`); absent with `no_expiry`. */
  expires?: number;
  /** When the token expires (ms since the epoch), or `null` when it does not (`no_expiry`). */
  expiresAt: number | null;
  /** The granted scopes when the endpoint reports them (Stack Exchange does not), otherwise `[]`. */
  scope: string[];
  /** The answer as received (JSON or form-encoded fields). It contains the access token. */
  raw: Record<string, unknown>;
}

/** The token endpoint's answer, read but not yet interpreted. */
export interface TokenAnswer {
  status: number;
  /** The `Content-Type` header, lower-cased (empty when absent). */
  contentType: string;
  /** The body as text (at most {@link MAX_TOKEN_ANSWER_BYTES} bytes). */
  body: string;
}

/** The most of a token answer that is read; a longer answer is a `TOKEN_TOO_LARGE` error. */
export const MAX_TOKEN_ANSWER_BYTES = 64 * 1024;

/** The form fields only the package sets (a `tokenParams()` hook cannot replace them). */
const PROTECTED_TOKEN_PARAMS: readonly string[] = ['grant_type', 'client_id', 'client_secret', 'code', 'redirect_uri', 'code_verifier'];

// Headers that describe the body, its framing or the answer the package can read: the app's
// `customHeaders` cannot set them, in any letter case (fetch's Headers would join two spellings).
const PACKAGE_HEADERS: readonly string[] = ['content-type', 'content-length', 'transfer-encoding', 'accept', 'accept-encoding', 'host', 'connection'];

/** The app's extra headers, names in lower case, without the package's own. */
function appHeaders(headers: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const lower = name.toLowerCase();
    if (!PACKAGE_HEADERS.includes(lower)) kept[lower] = value;
  }
  return kept;
}

const log = logger('token');
const PROVIDER_ERROR = /^[\w.-]{1,64}$/;
// Single character classes under one quantifier: matching is linear whatever the input.
const FORM_KEY = /^[\w.%+~-]+$/;
const FORM_VALUE_FORBIDDEN = /[<>\s]/;
const ACCESS_TOKEN = /^[\x21-\x7e]{1,512}$/;
const SECONDS = /^\d{1,15}(?:\.\d{1,9})?$/;

type Parsed = { kind: 'fields'; fields: Record<string, unknown> } | { kind: 'invalid' };

/** Reads `key=value&...` without a regular expression over the whole body (no backtracking on hostile input). */
function parseForm(text: string): Parsed {
  if (text === '') return { kind: 'invalid' };
  for (const pair of text.split('&')) {
    const eq = pair.indexOf('=');
    if (eq <= 0 || !FORM_KEY.test(pair.slice(0, eq)) || FORM_VALUE_FORBIDDEN.test(pair.slice(eq + 1))) return { kind: 'invalid' };
  }
  return { kind: 'fields', fields: Object.fromEntries(new URLSearchParams(text)) };
}

function parseBody(text: string, contentType: string): Parsed {
  const trimmed = text.trim();
  if (contentType.includes('json') || trimmed.startsWith('{')) {
    try {
      const value: unknown = JSON.parse(trimmed);
      if (isRecord(value)) return { kind: 'fields', fields: value };
    } catch {
      // Not JSON after all: the answer is invalid.
    }
    return { kind: 'invalid' };
  }
  // Stack Exchange's /oauth/access_token answers form-encoded, often labelled text/plain.
  return parseForm(trimmed);
}

/** The provider's error type: Stack Exchange's `{"error":{"type"}}`, RFC 6749's `{"error":"..."}` or form `error=`. */
function providerErrorOf(fields: Record<string, unknown>): string | undefined | null {
  const error = fields['error'];
  if (error === undefined || error === null) return null;
  const type = typeof error === 'object' ? (error as Record<string, unknown>)['type'] : error;
  const text = typeof type === 'number' ? String(type) : type;
  return typeof text === 'string' && PROVIDER_ERROR.test(text) ? text : undefined;
}

function secondsField(fields: Record<string, unknown>, name: string, status: number): number | undefined {
  const value = fields[name];
  if (value === undefined || value === null || value === '') return undefined;
  const seconds = typeof value === 'string' && SECONDS.test(value) ? Number(value) : value;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
    throw new TokenError(`The token endpoint sent a malformed ${name}`, { code: TokenErrorCode.InvalidResponse, providerStatus: status });
  }
  return seconds;
}

function scopeField(fields: Record<string, unknown>): string[] {
  const scope = fields['scope'];
  if (typeof scope === 'string') return splitScopeList(scope);
  if (Array.isArray(scope)) return scope.filter((name): name is string => typeof name === 'string');
  return [];
}

function tooLarge(status: number): TokenError {
  return new TokenError(`The token endpoint's answer is larger than ${MAX_TOKEN_ANSWER_BYTES} bytes`, { code: TokenErrorCode.TooLarge, providerStatus: status });
}

/**
 * Sends the token request: one form-encoded `POST` (`grant_type`, `client_id`, `client_secret` only for
 * confidential clients, `code`, `redirect_uri`, `code_verifier`, then `extraParams`) with
 * `Accept: application/json`, the `User-Agent` and `headers`. Redirects are not followed, the request
 * is never retried (a code is single use) and at most {@link MAX_TOKEN_ANSWER_BYTES} of the answer are read.
 *
 * @throws TokenError `TOKEN_TIMEOUT`, `TOKEN_NETWORK` or `TOKEN_TOO_LARGE`.
 */
export async function requestToken(req: TokenExchangeRequest): Promise<TokenAnswer> {
  const form = new URLSearchParams({ grant_type: 'authorization_code', client_id: req.clientID });
  if (req.clientSecret !== undefined && req.clientSecret !== '') form.set('client_secret', req.clientSecret);
  form.set('code', req.code);
  form.set('redirect_uri', req.redirectURI);
  form.set('code_verifier', req.codeVerifier);
  for (const [name, value] of Object.entries(req.extraParams ?? {})) {
    if (!PROTECTED_TOKEN_PARAMS.includes(name)) form.set(name, value);
  }

  try {
    const answer = await boundedExchange({
      url: req.tokenURL,
      method: 'POST',
      headers: {
        'user-agent': req.userAgent,
        ...appHeaders(req.headers),
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: form.toString(),
      timeout: req.timeout,
      maxBytes: MAX_TOKEN_ANSWER_BYTES,
      fetch: req.fetch,
    });
    log(`token endpoint answered HTTP ${answer.status}`);
    if (answer.body === undefined) throw tooLarge(answer.status);
    return { status: answer.status, contentType: answer.contentType, body: answer.body };
  } catch (err) {
    if (err instanceof TokenError) throw err;
    // An injected fetch may time out or abort on its own: its TimeoutError/AbortError is a timeout too.
    if (err instanceof ExchangeTimeout || (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError'))) {
      throw new TokenError(`The token endpoint did not answer within ${req.timeout} ms`, { code: TokenErrorCode.Timeout, cause: safeCause(err) });
    }
    throw new TokenError('The token endpoint could not be reached', { code: TokenErrorCode.Network, cause: safeCause(err) });
  }
}

/**
 * The error an answer stands for when it is an error answer (an OAuth error in the body, or a status
 * other than 200): `TOKEN_REJECTED` with the provider's error type, else `TOKEN_HTTP_STATUS`.
 * `undefined` for a 200 without an OAuth error.
 */
export function tokenAnswerError(answer: TokenAnswer): TokenError | undefined {
  const parsed = parseBody(answer.body, answer.contentType);
  const providerError = parsed.kind === 'fields' ? providerErrorOf(parsed.fields) : null;
  if (providerError !== null) {
    return new TokenError(`The token endpoint refused the authorization code (HTTP ${answer.status})`, {
      code: TokenErrorCode.Rejected,
      providerStatus: answer.status,
      ...(providerError === undefined ? {} : { providerError }),
    });
  }
  if (answer.status !== 200) return new TokenError(`The token endpoint answered HTTP ${answer.status}`, { code: TokenErrorCode.HttpStatus, providerStatus: answer.status });
  return undefined;
}

/**
 * Reads a successful answer: JSON or form-encoded fields, `expires` or `expires_in` (without either,
 * `no_expiry`, `expiresAt` is `null`), an `access_token` of 1–512 visible ASCII characters.
 *
 * @throws TokenError `TOKEN_REJECTED`/`TOKEN_HTTP_STATUS` (see {@link tokenAnswerError}),
 *   `TOKEN_INVALID_RESPONSE`, `TOKEN_MISSING` or `TOKEN_MALFORMED`.
 */
export function readTokenAnswer(answer: TokenAnswer): TokenSet {
  const failure = tokenAnswerError(answer);
  if (failure !== undefined) throw failure;
  const { status } = answer;
  const parsed = parseBody(answer.body, answer.contentType);
  if (parsed.kind === 'invalid') {
    throw new TokenError('The token endpoint answered with something other than JSON or form fields', { code: TokenErrorCode.InvalidResponse, providerStatus: status });
  }
  const fields = parsed.fields;
  const accessToken = fields['access_token'];
  if (typeof accessToken !== 'string' || accessToken === '') {
    throw new TokenError('The token endpoint answered without an access_token', { code: TokenErrorCode.MissingToken, providerStatus: status });
  }
  if (!ACCESS_TOKEN.test(accessToken)) {
    throw new TokenError('The token endpoint answered with an access_token that is not 1-512 visible ASCII characters', { code: TokenErrorCode.MalformedToken, providerStatus: status });
  }
  const expires = secondsField(fields, 'expires', status) ?? secondsField(fields, 'expires_in', status);
  return {
    accessToken,
    ...(expires === undefined ? {} : { expires }),
    expiresAt: expires === undefined ? null : Date.now() + expires * 1000,
    scope: scopeField(fields),
    raw: fields,
  };
}

/**
 * Trades an authorization code for an access token: one form-encoded `POST` to `tokenURL` (`grant_type`,
 * `client_id`, `client_secret` only for confidential clients, `code`, `redirect_uri`, `code_verifier`,
 * then `extraParams`), never redirected or retried (a code is single use), of which at most
 * {@link MAX_TOKEN_ANSWER_BYTES} are read; then the answer is checked and read into a {@link TokenSet}.
 *
 * @throws TokenError with code `TOKEN_TIMEOUT` (no answer within `timeout`), `TOKEN_NETWORK`
 *   (connection failed), `TOKEN_TOO_LARGE` (more than 64 KiB), `TOKEN_REJECTED` (an OAuth error
 *   answer; `providerError` holds its type), `TOKEN_HTTP_STATUS` (any other non-200 status, including
 *   redirects), `TOKEN_INVALID_RESPONSE` (HTML or garbage), `TOKEN_MISSING` (no `access_token`) or
 *   `TOKEN_MALFORMED`. Messages never contain the code, the verifier, the secret or a token.
 */
export async function exchangeCode(req: TokenExchangeRequest): Promise<TokenSet> {
  return readTokenAnswer(await requestToken(req));
}
