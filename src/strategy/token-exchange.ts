import { TokenError, TokenErrorCode } from '../errors/token-error.js';
import { logger } from '../util/debug.js';
import { splitScopeList } from '../util/scope-list.js';
import { isRecord } from '../util/is-record.js';
import { safeCause } from '../util/safe-cause.js';

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
  /** The `fetch` to use. Default: the global `fetch`. */
  fetch?: typeof fetch;
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

const log = logger('token');
const PROVIDER_ERROR = /^[\w.-]{1,64}$/;

type Parsed = { kind: 'fields'; fields: Record<string, unknown> } | { kind: 'invalid' };

function parseBody(text: string, contentType: string): Parsed {
  const trimmed = text.trim();
  if (contentType.includes('json') || trimmed.startsWith('{')) {
    try {
      const value: unknown = JSON.parse(trimmed);
      if (isRecord(value)) return { kind: 'fields', fields: value };
    } catch {
      // Not JSON after all: fall through to the form-encoded reading below.
    }
    return { kind: 'invalid' };
  }
  // Stack Exchange's /oauth/access_token answers form-encoded, often labelled text/plain.
  if (/^[\w.%+~-]+=[^<>\s]*(&[\w.%+~-]+=[^<>\s]*)*$/.test(trimmed)) {
    return { kind: 'fields', fields: Object.fromEntries(new URLSearchParams(trimmed)) };
  }
  return { kind: 'invalid' };
}

/** The provider's error type: Stack Exchange's `{"error":{"type"}}`, RFC 6749's `{"error":"..."}` or form `error=`. */
function providerErrorOf(fields: Record<string, unknown>): string | undefined | null {
  const error = fields['error'];
  if (error === undefined || error === null) return null;
  const type = typeof error === 'object' ? (error as Record<string, unknown>)['type'] : error;
  const text = typeof type === 'number' ? String(type) : type;
  return typeof text === 'string' && PROVIDER_ERROR.test(text) ? text : undefined;
}

function secondsField(fields: Record<string, unknown>, name: string): number | undefined {
  const value = fields[name];
  if (value === undefined || value === null || value === '') return undefined;
  const seconds = typeof value === 'string' && /^\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
    throw new TokenError(`The token endpoint sent a malformed ${name}`, { code: TokenErrorCode.InvalidResponse, status: 200 });
  }
  return seconds;
}

function scopeField(fields: Record<string, unknown>): string[] {
  const scope = fields['scope'];
  if (typeof scope === 'string') return splitScopeList(scope);
  if (Array.isArray(scope)) return scope.filter((name): name is string => typeof name === 'string');
  return [];
}

function isTimeout(err: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError'));
}

/**
 * Trades an authorization code for an access token: one form-encoded `POST` (`grant_type`, `client_id`,
 * `client_secret` only for confidential clients, `code`, `redirect_uri`, `code_verifier`) with
 * `Accept: application/json` and the given `User-Agent`. Redirects are not followed and the request is
 * never retried (a code is single use). JSON and form-encoded answers are read; `expires` and
 * `expires_in` are both accepted; without either (`no_expiry`) `expiresAt` is `null`.
 *
 * @throws TokenError with code `TOKEN_TIMEOUT` (no answer within `timeout`), `TOKEN_NETWORK`
 *   (connection failed), `TOKEN_REJECTED` (an OAuth error answer; `providerError` holds its type),
 *   `TOKEN_HTTP_STATUS` (any other non-200 status, including redirects), `TOKEN_INVALID_RESPONSE`
 *   (HTML or garbage) or `TOKEN_MISSING` (no string `access_token`). Messages never contain the code,
 *   the verifier, the secret or a token.
 */
export async function exchangeCode(req: TokenExchangeRequest): Promise<TokenSet> {
  const form = new URLSearchParams({ grant_type: 'authorization_code', client_id: req.clientID });
  if (req.clientSecret !== undefined && req.clientSecret !== '') form.set('client_secret', req.clientSecret);
  form.set('code', req.code);
  form.set('redirect_uri', req.redirectURI);
  form.set('code_verifier', req.codeVerifier);

  const signal = AbortSignal.timeout(req.timeout);
  const fetchImpl = req.fetch ?? fetch;
  let status: number;
  let contentType: string;
  let text: string;
  try {
    const response = await fetchImpl(req.tokenURL, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        'user-agent': req.userAgent,
      },
      body: form.toString(),
      redirect: 'manual',
      signal,
    });
    status = response.status;
    contentType = (response.headers.get('content-type') ?? '').toLowerCase();
    text = await response.text();
  } catch (err) {
    if (isTimeout(err, signal)) {
      throw new TokenError(`The token endpoint did not answer within ${req.timeout} ms`, { code: TokenErrorCode.Timeout, cause: safeCause(err) });
    }
    throw new TokenError('The token endpoint could not be reached', { code: TokenErrorCode.Network, cause: safeCause(err) });
  }
  log(`token endpoint answered HTTP ${status}`);

  const parsed = parseBody(text, contentType);
  const providerError = parsed.kind === 'fields' ? providerErrorOf(parsed.fields) : null;
  if (providerError !== null) {
    throw new TokenError(`The token endpoint refused the authorization code (HTTP ${status})`, {
      code: TokenErrorCode.Rejected,
      status,
      ...(providerError === undefined ? {} : { providerError }),
    });
  }
  if (status !== 200) {
    throw new TokenError(`The token endpoint answered HTTP ${status}`, { code: TokenErrorCode.HttpStatus, status });
  }
  if (parsed.kind === 'invalid') {
    throw new TokenError('The token endpoint answered with something other than JSON or form fields', {
      code: TokenErrorCode.InvalidResponse,
      status,
    });
  }
  const fields = parsed.fields;
  const accessToken = fields['access_token'];
  if (typeof accessToken !== 'string' || accessToken === '') {
    throw new TokenError('The token endpoint answered without an access_token', { code: TokenErrorCode.MissingToken, status });
  }
  const expires = secondsField(fields, 'expires') ?? secondsField(fields, 'expires_in');
  return {
    accessToken,
    ...(expires === undefined ? {} : { expires }),
    expiresAt: expires === undefined ? null : Date.now() + expires * 1000,
    scope: scopeField(fields),
    raw: fields,
  };
}
