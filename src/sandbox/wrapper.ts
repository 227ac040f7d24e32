import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { deflateSync, gzipSync } from 'node:zlib';

/** The API's error ids and their names. */
export const API_ERRORS = {
  400: 'bad_parameter',
  401: 'access_token_required',
  402: 'invalid_access_token',
  403: 'access_denied',
  404: 'no_method',
  405: 'key_required',
  406: 'access_token_compromised',
  407: 'write_failed',
  409: 'duplicate_request',
  500: 'internal_error',
  502: 'throttle_violation',
  503: 'temporarily_unavailable',
} as const;

/** An API error id the sandbox can answer. */
export type ApiErrorId = keyof typeof API_ERRORS;

/** Thrown by API handlers; becomes an error wrapper (HTTP 400, as Stack Exchange answers every error). */
export class ApiFailure extends Error {
  readonly errorId: ApiErrorId;
  /** Seconds of `backoff` the error carries (e.g. `write_failed` for writing too fast). */
  readonly backoff: number | undefined;

  constructor(errorId: ApiErrorId, message: string, backoff?: number) {
    super(message);
    this.errorId = errorId;
    this.backoff = backoff;
  }
}

/**
 * `gzip` unless the client accepts `deflate` and not `gzip`. Stack Exchange compresses whatever the
 * client asked, so no `Accept-Encoding` still gets gzip.
 */
export function pickEncoding(headers: IncomingHttpHeaders): 'gzip' | 'deflate' {
  const accepted = (headers['accept-encoding'] ?? '')
    .split(',')
    .map((part) => part.trim().toLowerCase())
    .filter((part) => !/;\s*q=0(?:\.0*)?$/.test(part))
    .map((part) => part.split(';')[0]);
  return !accepted.includes('gzip') && accepted.includes('deflate') ? 'deflate' : 'gzip';
}

/** Sends a JSON value compressed with gzip or deflate (chosen by {@link pickEncoding}). */
export function sendCompressedJson(res: ServerResponse, headers: IncomingHttpHeaders, status: number, value: unknown): void {
  const json = Buffer.from(JSON.stringify(value), 'utf8');
  const encoding = pickEncoding(headers);
  const body = encoding === 'gzip' ? gzipSync(json) : deflateSync(json);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Encoding': encoding,
    'Content-Length': body.length,
    'Cache-Control': 'private',
    'Access-Control-Allow-Origin': '*',
  });
  res.end(body);
}

/** The wire form of an error: `error_id, error_message, error_name`, and `backoff` when set. */
export function errorWrapper(errorId: ApiErrorId, message: string, backoff?: number): Record<string, unknown> {
  const out: Record<string, unknown> = { error_id: errorId, error_message: message, error_name: API_ERRORS[errorId] };
  if (backoff !== undefined) out.backoff = backoff;
  return out;
}
