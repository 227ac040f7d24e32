import { request } from 'node:http';
import { gunzipSync, inflateSync } from 'node:zlib';
import type { Sandbox } from 'passport-stackexchange-oauth2/sandbox';

/** RFC 7636 Appendix B. */
export const RFC7636_VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
export const RFC7636_CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

export const REDIRECT_URI = 'http://localhost:3000/auth/callback';

/** An authorize URL for `clients[0]` with the given parameters (`undefined` values left out). */
export function authorizeUrl(se: Sandbox, params: Record<string, string | undefined> = {}, base = se.authorizationURL): string {
  const defaults: Record<string, string | undefined> = { client_id: se.clients[0]?.clientId, redirect_uri: REDIRECT_URI };
  const merged = { ...defaults, ...params };
  const query = new URLSearchParams(Object.entries(merged).filter((e): e is [string, string] => e[1] !== undefined));
  return `${base}?${query}`;
}

/** POSTs a form to a token endpoint. */
export async function postForm(url: string, form: Record<string, string | undefined>): Promise<Response> {
  const body = new URLSearchParams(Object.entries(form).filter((e): e is [string, string] => e[1] !== undefined));
  return fetch(url, { method: 'POST', body });
}

/** A code for `clients[0]` via the consent page, with the RFC 7636 challenge unless told otherwise. */
export async function codeFor(se: Sandbox, params: Record<string, string | undefined> = {}): Promise<string> {
  const location = await se.authorize(authorizeUrl(se, { code_challenge: RFC7636_CHALLENGE, code_challenge_method: 'S256', ...params }));
  const code = location.searchParams.get('code');
  if (code === null) throw new Error(`no code in ${location.href}`);
  return code;
}

/** The raw answer of a GET over node:http (no automatic decompression). */
export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** GETs a URL with node:http, so the bytes on the wire can be checked; `localAddress` picks the client's address. */
export function rawGet(url: string, headers: Record<string, string> = {}, localAddress?: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, localAddress === undefined ? { headers } : { headers, localAddress }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Decompresses a raw API answer by its `Content-Encoding` and parses the JSON. */
export function decodeRaw(answer: RawAnswer): Record<string, unknown> {
  const encoding = answer.headers['content-encoding'];
  const bytes = encoding === 'gzip' ? gunzipSync(answer.body) : encoding === 'deflate' ? inflateSync(answer.body) : answer.body;
  return JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
}

/** An API URL with parameters. */
export function apiUrl(se: Sandbox, path: string, params: Record<string, string | undefined> = {}): string {
  const query = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
  const q = query.toString();
  return `${se.apiURL}${path}${q ? `?${q}` : ''}`;
}

/** GETs an API method with fetch (which decompresses) and returns status and JSON wrapper. */
export async function apiGet(se: Sandbox, path: string, params: Record<string, string | undefined> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(apiUrl(se, path, params));
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** A controllable clock for the `clock` option. */
export function manualClock(start = Date.UTC(2024, 0, 15, 12)): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => { t += ms; } };
}
