/** Names whose values are secrets wherever they appear: query strings, form bodies, JSON, headers. */
const SECRET_NAMES = ['access_token', 'accessToken', 'key', 'client_secret', 'clientSecret', 'code', 'code_verifier', 'codeVerifier'] as const;

const REDACTED = '[REDACTED]';
const names = SECRET_NAMES.join('|');
// `name=value` in URLs and form bodies, up to the next separator.
const formPair = new RegExp(`(^|[?&;\\s"'])(${names})=([^&#\\s"']*)`, 'g');
// `"name":"value"` in JSON (and `'name': 'value'` in inspected objects).
const jsonPair = new RegExp(`(["']?)(${names})\\1(\\s*:\\s*)(["'])((?:\\\\.|(?!\\4).)*)\\4`, 'g');
// Path segments of token methods: /access-tokens/{tokens} and /apps/{tokens}/de-authenticate.
const tokenPath = /(\/(?:access-tokens|apps)\/)([^/?#\s]+)/g;

/**
 * Replaces the values of secret-bearing names (`access_token`, `key`, `client_secret`, `code`,
 * `code_verifier`) in URLs, form bodies and JSON with `[REDACTED]`, and the tokens in the path of the
 * `/access-tokens/{tokens}` and `/apps/{tokens}` methods.
 */
export function redact(text: string): string {
  return text
    .replace(formPair, (_m, pre: string, name: string) => `${pre}${name}=${REDACTED}`)
    .replace(jsonPair, (_m, q: string, name: string, colon: string, quote: string) => `${q}${name}${q}${colon}${quote}${REDACTED}${quote}`)
    .replace(tokenPath, (_m, pre: string) => `${pre}${REDACTED}`);
}
