import { AUTHORIZATION_ERROR_TYPES } from '../strategy/authorization-error.js';
import { randomToken } from '../util/random.js';
import type { RelayParams } from './relay-params.js';

/**
 * Authorization error names a relay passes on (RFC 6749 §4.1.2.1); any other `error` value becomes
 * `authorization_error`. `error_description` is untrusted text and is never stored or reflected.
 */
export const RELAY_ERROR_NAMES = ['access_denied', ...AUTHORIZATION_ERROR_TYPES, 'authorization_error'] as const;

/** One of {@link RELAY_ERROR_NAMES}. */
export type RelayErrorName = (typeof RELAY_ERROR_NAMES)[number];

/** What a relay holds for a key: a code (code grant), a token (implicit grant) or a refusal. */
export type RelayResult =
  | { readonly code: string }
  | { readonly access_token: string; readonly expires?: number }
  | { readonly error: RelayErrorName };

/** The JSON body and status `GET /token` answers with for a stored result. */
export interface RelayAnswer {
  readonly status: number;
  readonly body: Readonly<Record<string, string | number>>;
}

// Codes and tokens are opaque printable ASCII (Stack Exchange's contain `(`, `)`, `*`); bounded.
const OPAQUE = /^[\x21-\x7e]{1,2048}$/;
const SECONDS = /^\d{1,10}$/;

const ERROR_MESSAGES: Readonly<Record<RelayErrorName, string>> = {
  access_denied: 'The user declined access',
  invalid_request: 'The authorization request was invalid',
  unauthorized_client: 'The app is not allowed to request authorization this way',
  unsupported_response_type: 'The authorization server does not support this response type',
  invalid_scope: 'The requested scope is invalid',
  server_error: 'The authorization server failed',
  temporarily_unavailable: 'The authorization server is temporarily unavailable',
  authorization_error: 'The authorization server reported an error',
};

/**
 * The result carried by a redirect's query (`code` or `error`), `null` when it carries neither (the
 * implicit grant: the values are in the fragment), `undefined` when it is malformed (both, an empty or
 * oversized code, or an `access_token` in the query — a fragment must never become a query string).
 */
export function resultFromQuery(params: RelayParams): RelayResult | null | undefined {
  const code = params.get('code');
  const error = params.get('error');
  if (params.has('access_token')) return undefined;
  if (code !== undefined && error !== undefined) return undefined;
  if (code !== undefined) return OPAQUE.test(code) ? { code } : undefined;
  if (error !== undefined) return { error: errorName(error) };
  return null;
}

/** The result the redirect page posts (`access_token` [+ `expires`] or `error`); `undefined` when malformed. */
export function resultFromPost(params: RelayParams): RelayResult | undefined {
  const token = params.get('access_token');
  const expires = params.get('expires');
  const error = params.get('error');
  if (params.has('code')) return undefined;
  if (token !== undefined && error !== undefined) return undefined;
  if (error !== undefined) return { error: errorName(error) };
  if (token === undefined || !OPAQUE.test(token)) return undefined;
  if (expires === undefined) return { access_token: token };
  return SECONDS.test(expires) ? { access_token: token, expires: Number(expires) } : undefined;
}

/**
 * Serializes a result for a {@link RelayStore}, with a random `nonce` (128 bits, never handed out) so
 * that no two writes store the same value: a store lets only the exact value taken from a key be put
 * back, and a replayed redirect can never match it.
 */
export function encodeResult(result: RelayResult): string {
  return JSON.stringify({ ...result, nonce: randomToken(16) });
}

/**
 * The answer `GET /token` gives for a stored value: 200 `{code}` or `{access_token[, expires]}`, 403
 * `{error_name, error_message}` for a refusal or another authorization error, 502 for a value the relay
 * did not write (a store shared with something else).
 */
export function answerFor(stored: string): RelayAnswer {
  const result = decodeResult(stored);
  if (!result) return { status: 502, body: { error_name: 'bad_store_value', error_message: 'The relay store returned a value it cannot read' } };
  if ('error' in result) return { status: 403, body: { error_name: result.error, error_message: ERROR_MESSAGES[result.error] } };
  if ('code' in result) return { status: 200, body: { code: result.code } };
  return { status: 200, body: result.expires === undefined ? { access_token: result.access_token } : { access_token: result.access_token, expires: result.expires } };
}

/** Parses a stored value back into a result; `undefined` when it is not one the relay wrote. */
export function decodeResult(stored: string): RelayResult | undefined {
  let value: unknown;
  try {
    value = JSON.parse(stored);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record['code'] === 'string') return { code: record['code'] };
  if (typeof record['error'] === 'string') return { error: errorName(record['error']) };
  if (typeof record['access_token'] === 'string') {
    const expires = record['expires'];
    return typeof expires === 'number' ? { access_token: record['access_token'], expires } : { access_token: record['access_token'] };
  }
  return undefined;
}

function errorName(value: string): RelayErrorName {
  return (RELAY_ERROR_NAMES as readonly string[]).includes(value) ? (value as RelayErrorName) : 'authorization_error';
}
