// An HTTP token (RFC 9110 `tchar`s): what a header name and a cookie name (RFC 6265) must be.
const HTTP_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** True when `value` is a non-empty HTTP token, usable as a header or cookie name. */
export function isHttpToken(value: unknown): value is string {
  return typeof value === 'string' && HTTP_TOKEN.test(value);
}
