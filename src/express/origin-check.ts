import type { IncomingHttpHeaders } from 'node:http';

/** The origin (`scheme://host[:port]`) of an absolute URL, or `undefined` when it has none. */
export function originOf(value: string): string | undefined {
  try {
    const origin = new URL(value).origin;
    return origin === 'null' ? undefined : origin;
  } catch {
    return undefined;
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * True when a request comes from the app's own pages: its `Origin` header, or when absent its
 * `Referer`'s origin, equals `expectedOrigin`. A missing or opaque (`null`) origin is refused.
 *
 * `expectedOrigin` must come from configuration (the callback URL or the router's `origin` option),
 * never from `Host` or `X-Forwarded-Host`, which the client controls.
 */
export function isSameOriginRequest(headers: IncomingHttpHeaders, expectedOrigin: string): boolean {
  const origin = single(headers.origin);
  if (origin !== undefined) return origin !== 'null' && origin === expectedOrigin;
  const referer = single(headers.referer);
  if (referer === undefined) return false;
  return originOf(referer) === expectedOrigin;
}
