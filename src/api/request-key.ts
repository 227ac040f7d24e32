import { createHash } from 'node:crypto';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('base64url');

/**
 * The cache and coalescing key of a read: a hash of its whole URL (API root, path, params, `key` and
 * `access_token`), so that two reads share a key exactly when Stack Exchange would see the same
 * request, and no key or token is kept in clear.
 */
export function requestKey(url: string): string {
  return sha256(`GET\n${url}`);
}

/** The cache group of the reads made with one token: what a write with that token drops. */
export function tokenGroup(apiURL: string, key: string, token: string): string {
  return sha256(`token\n${apiURL}\n${key}\n${token}`);
}

/** Whose daily quota a request spends: the key's, or the key-and-token pair's with a token (Stack Exchange counts so). */
export function quotaId(apiURL: string, key: string, token: string | undefined): string {
  return sha256(`quota\n${apiURL}\n${key}\n${token ?? ''}`);
}
