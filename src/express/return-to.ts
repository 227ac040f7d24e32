/**
 * Which paths a login may return to: a predicate over the normalised path (`/a/b?x#y`), or a list of
 * path prefixes (`'/app'` allows `/app`, `/app/x`, `/app?x`, not `/apple`).
 */
export type AllowedReturnTo = ((path: string) => boolean) | readonly string[];

/** Longer values are refused: nobody needs them and they bloat the session. */
const MAX_LENGTH = 2048;
/** Percent-decoding rounds checked; a value still changing after that is refused. */
const MAX_DECODE_ROUNDS = 4;
// Controls and whitespace other than the plain space (C0, DEL, C1, tabs, newlines, Unicode separators,
// format characters such as bidi overrides): URL parsers strip or reinterpret them, which is how
// `/\t/evil.example` becomes `//evil.example`.
const FORBIDDEN_CHARACTER = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]|[^\S ]/u;
const BASE = 'http://return-to.invalid';

/** One layer of the value, raw or decoded: must be a rooted path that no browser reads as another origin. */
function isSafeLayer(layer: string): boolean {
  if (!layer.startsWith('/')) return false;
  // `//host` and `/\host` are protocol-relative; a backslash anywhere is read as `/` by browsers.
  if (layer.startsWith('//') || layer.includes('\\')) return false;
  if (FORBIDDEN_CHARACTER.test(layer)) return false;
  return true;
}

/** Every percent-decoded layer of `value` (itself first), or `undefined` when one is malformed or too deep. */
function decodedLayers(value: string): string[] | undefined {
  const layers = [value];
  let current = value;
  for (let round = 0; round < MAX_DECODE_ROUNDS; round += 1) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      return undefined;
    }
    if (next === current) return layers;
    layers.push(next);
    current = next;
  }
  return undefined;
}

function matchesPrefix(path: string, prefix: string): boolean {
  if (prefix.endsWith('/')) return path.startsWith(prefix);
  return path === prefix || path.startsWith(`${prefix}/`) || path.startsWith(`${prefix}?`) || path.startsWith(`${prefix}#`);
}

/**
 * Validates a `returnTo` value: a same-origin relative path.
 *
 * Refused: anything not starting with a single `/`; `//x`, `/\x`, `\\x` and any backslash; schemes;
 * whitespace and control characters; and each of those in percent-encoded form, also double-encoded.
 * The accepted path is returned normalised (dot segments resolved), so the `allowed` check sees what
 * the browser will load.
 *
 * @param value - the untrusted value, e.g. `req.query.returnTo` (non-strings are refused).
 * @param allowed - optional further restriction, see {@link AllowedReturnTo}.
 * @returns the path to redirect to, or `undefined` when the value is refused. Never throws.
 */
export function safeReturnTo(value: unknown, allowed?: AllowedReturnTo): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_LENGTH) return undefined;
  const layers = decodedLayers(value);
  if (!layers?.every(isSafeLayer)) return undefined;
  let url: URL;
  try {
    url = new URL(value, BASE);
  } catch {
    return undefined;
  }
  if (url.origin !== BASE) return undefined;
  const path = `${url.pathname}${url.search}${url.hash}`;
  // The normalised form is what gets sent in `Location`; it must pass the same checks.
  const normalised = decodedLayers(path);
  if (!normalised?.every(isSafeLayer)) return undefined;
  if (allowed !== undefined) {
    const ok = typeof allowed === 'function' ? allowed(path) : allowed.some((prefix) => matchesPrefix(url.pathname, prefix));
    if (!ok) return undefined;
  }
  return path;
}
