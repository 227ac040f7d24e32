/** The parameters a relay route reads: each at most once, as a plain string. */
export type RelayParams = ReadonlyMap<string, string>;

/**
 * Reads the parameters named in `names` from a query string or a form body. Returns `undefined` when
 * one of them is repeated (`key=a&key=b`) or structured (`key[]=a`, `key[x]=a`): such requests are
 * answered 400, never guessed at. Other parameters are ignored.
 */
export function readParams(encoded: string, names: readonly string[]): RelayParams | undefined {
  return collect(new URLSearchParams(encoded), names);
}

/**
 * Reads parameters from a body another middleware already parsed into an object (e.g. the app's own
 * `express.urlencoded()`): like {@link readParams}, a non-string value (an array or object) is refused.
 */
export function readParsedParams(body: Readonly<Record<string, unknown>>, names: readonly string[]): RelayParams | undefined {
  return collect(Object.entries(body), names);
}

function collect(entries: Iterable<readonly [string, unknown]>, names: readonly string[]): RelayParams | undefined {
  const params = new Map<string, string>();
  for (const [name, value] of entries) {
    const bracket = name.indexOf('[');
    if (bracket !== -1 && names.includes(name.slice(0, bracket))) return undefined;
    if (!names.includes(name)) continue;
    if (typeof value !== 'string' || params.has(name)) return undefined;
    params.set(name, value);
  }
  return params;
}

/** The query string of a request URL (after the first `?`), without parsing the path. */
export function queryOf(url: string): string {
  const mark = url.indexOf('?');
  return mark === -1 ? '' : url.slice(mark + 1);
}
