import { isRecord } from './is-record.js';

/**
 * The package's one mechanism for validating an options object: each factory and constructor declares
 * a schema (one rule per known key) and calls {@link parseOptions} once. Unknown keys are refused with
 * a `TypeError` naming the key and the nearest known one, so a typo (`stateTtl`) never becomes a
 * silently ignored option. A small helper of ours rather than a schema library: every rule's message
 * must name the option and show a correct value, and a library's messages would need rewriting anyway.
 */

/** Fails the option being checked: `rule` says what it must be, `example` shows a correct value. */
export type RuleFailure = (rule: string, example: string) => never;

/** Checks one option's value (possibly `undefined`) and returns it normalised, or calls `fail`. */
export type OptionRule<T> = (value: unknown, fail: RuleFailure) => T;

/** One rule per known option key. */
export type OptionsSchema = Record<string, OptionRule<unknown>>;

/** What {@link parseOptions} returns for a schema: each key's normalised value. */
export type ParsedOptions<S extends OptionsSchema> = { [K in keyof S]: S[K] extends OptionRule<infer T> ? T : never };

/** Edit distance, case-insensitive, for "did you mean" (option names are short: quadratic is fine). */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, i) => i);
  for (let i = 1; i <= x.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= y.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (x[i - 1] === y[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[y.length] ?? 0;
}

/** The known key nearest to `key`, if one is near enough to be a likely typo. */
export function nearestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = distance(key, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

/**
 * Validates `input` against `schema` for `owner` (the class or function name used in messages).
 *
 * @param example a correct options object, shown when `input` is not an object at all.
 * @param path how a malformed value is named, in front of `.key`: `Owner: options` by default; an
 *   options object nested in another option gives its whole path (`tokenRelay: options.rateLimit`).
 * @throws TypeError `Owner: options.x …` naming the first unknown, missing or malformed option.
 */
export function parseOptions<S extends OptionsSchema>(owner: string, input: unknown, schema: S, example: string, path = `${owner}: options`): ParsedOptions<S> {
  if (!isRecord(input)) throw new TypeError(`${owner}: options must be an object (e.g. ${example})`);
  // Only own keys of a plain object count: an inherited value (a Map's methods, a class's, a polluted
  // Object.prototype's tokenURL) would be taken as given while the unknown-key check never saw it.
  const proto: unknown = Object.getPrototypeOf(input);
  if (proto !== Object.prototype && proto !== null) throw new TypeError(`${owner}: options must be a plain object (e.g. ${example})`);
  const known = Object.keys(schema);
  for (const key of Object.keys(input)) {
    if (Object.hasOwn(schema, key)) continue;
    const near = nearestKey(key, known);
    throw new TypeError(`${owner}: unknown option ${JSON.stringify(key)}${near === undefined ? '' : ` (did you mean ${near}?)`}`);
  }
  const parsed: Record<string, unknown> = {};
  for (const key of known) {
    const rule = schema[key] as OptionRule<unknown>;
    parsed[key] = rule(Object.hasOwn(input, key) ? input[key] : undefined, (what, example) => {
      throw new TypeError(`${path}.${key} ${what} (e.g. ${key}: ${example})`);
    });
  }
  return parsed as ParsedOptions<S>;
}

/** Rule for an option that may be left out: `undefined` gives `fallback`, anything else goes to `rule`. */
export function optional<T, F>(rule: OptionRule<T>, fallback: F): OptionRule<T | F> {
  return (value, fail) => (value === undefined ? fallback : rule(value, fail));
}

/** Rule for a non-empty string without surrounding spaces. */
export function nonEmptyString(example: string): OptionRule<string> {
  return (value, fail) => {
    if (typeof value !== 'string' || value === '' || value.trim() !== value) return fail('must be a non-empty string without surrounding spaces', example);
    return value;
  };
}

/** Rule for a boolean. */
export function boolean(example = 'true'): OptionRule<boolean> {
  return (value, fail) => {
    if (typeof value !== 'boolean') return fail('must be a boolean', example);
    return value;
  };
}

/** Rule for a finite number in `(0, max]` (or `[0, max]` with `allowZero`), optionally an integer. */
export function positiveNumber(example: string, { max = Number.MAX_SAFE_INTEGER, integer = false, allowZero = false } = {}): OptionRule<number> {
  return (value, fail) => {
    const ok = typeof value === 'number' && Number.isFinite(value) && (allowZero ? value >= 0 : value > 0) && value <= max && (!integer || Number.isInteger(value));
    if (!ok) return fail(`must be a ${allowZero ? 'non-negative' : 'positive'} ${integer ? 'integer' : 'number'} no greater than ${max}`, example);
    return value;
  };
}

/** Rule for a function. */
export function func<F extends (...args: never[]) => unknown>(example: string): OptionRule<F> {
  return (value, fail) => {
    if (typeof value !== 'function') return fail('must be a function', example);
    return value as F;
  };
}

/** Rule for one of a fixed list of values. */
export function oneOf<const T extends readonly unknown[]>(values: T, example: string): OptionRule<T[number]> {
  const isListed = (value: unknown): value is T[number] => values.includes(value);
  return (value, fail) => {
    if (!isListed(value)) return fail(`must be one of ${values.map((v) => JSON.stringify(v)).join(', ')}`, example);
    return value;
  };
}

/** Rule for a value that passes `check` (e.g. an instance of a class, a store with the right methods). */
export function passThrough<T>(check: (value: unknown) => value is T, rule: string, example: string): OptionRule<T> {
  return (value, fail) => {
    if (!check(value)) return fail(rule, example);
    return value;
  };
}
