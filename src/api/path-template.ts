import { redact } from '../util/redact.js';
import { describeMethod, MAX_TOKEN_VECTOR_LENGTH, MAX_VECTOR_LENGTH } from './catalogue.js';
import { encodeValue, type ParamValue, type RequestParams } from './params.js';

export { MAX_TOKEN_VECTOR_LENGTH, MAX_VECTOR_LENGTH };

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** One request of a call after its path template was filled. */
export interface FilledPath {
  /** The path with every placeholder replaced by its URL-encoded value, e.g. `/users/1;2;3`. */
  path: string;
  /** The params left for the query string or form body. */
  rest: RequestParams;
  /** A placeholder was given an array: a vector call, paged like a list. */
  vector: boolean;
}

/**
 * Checks that `template` is a path under the API root (`/users/{ids}`, `/me`), not a URL or a path
 * with a query. Throws `TypeError` otherwise.
 */
export function assertPathTemplate(template: string): void {
  if (typeof template !== 'string' || !/^\/(?!\/)[^?#\s]*$/.test(template)) {
    // What was passed may be a full URL with the key or token in it.
    throw new TypeError(`StackExchangeClient: path must be an API path starting with "/" and without a query (e.g. '/users/{ids}'), got ${redact(JSON.stringify(template) ?? 'undefined')}`);
  }
}

/** The placeholder names of a template, in order: `/users/{ids}/tags/{tags}` → `['ids', 'tags']`. */
export function placeholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1] as string);
}

/**
 * The method family a path belongs to for `backoff`, named as in Stack Exchange's docs and the
 * catalogue ({@link API_METHODS}): `/me` routes count as their `/users` equivalents (`/me` →
 * `/users/{ids}`, `/me/inbox` → `/users/{id}/inbox`), and a concrete path (`/users/1;2`,
 * `/access-tokens/abc`) as its template, so that no id or token reaches `onBackoff` or a log.
 */
export function methodFamily(template: string): string {
  return describeMethod(template).family;
}

/** True for methods that take no `site` parameter (`/me/associated`, `/access-tokens`, `/apps`, `/inbox`, `/sites`, `/filters`, ...), from the catalogue. */
export function isNetworkWide(template: string): boolean {
  return describeMethod(template).network;
}

/** The most values one vector may carry on this method: 20 on token methods, 100 elsewhere. */
export function vectorLimit(template: string): number {
  return /^\/(?:access-tokens|apps)\//.test(template) ? MAX_TOKEN_VECTOR_LENGTH : MAX_VECTOR_LENGTH;
}

function assertVectorItem(name: string, value: unknown): asserts value is string | number {
  const ok = (typeof value === 'string' && value !== '') || (typeof value === 'number' && Number.isFinite(value));
  if (!ok) throw new TypeError(`StackExchangeClient: params.${name} must hold non-empty strings or numbers (e.g. ${name}: [1, 2, 3])`);
  // Alone in a segment (also as the last part of a split vector) the URL would resolve it as a step:
  // `/users/../questions` is `/questions`, another method.
  if (value === '.' || value === '..') throw new TypeError(`StackExchangeClient: params.${name} must not be "${value}" (a path step, not an id)`);
}

function chunk<T>(values: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size));
  return out;
}

/**
 * Fills the placeholders of `template` from `params` (URL-encoding every value, vectors joined with
 * `;`) and returns one {@link FilledPath} per request: a vector longer than the method's limit (100,
 * or 20 on token methods) is split into several requests when `split` is true.
 *
 * Throws `TypeError` when a placeholder has no value, a vector is empty or holds something other than
 * strings and numbers, more than one vector is over the limit, or (with `split` false) a vector is over
 * the limit.
 */
export function fillPath(template: string, params: RequestParams, split: boolean): FilledPath[] {
  assertPathTemplate(template);
  const names = placeholders(template);
  const rest: RequestParams = Object.fromEntries(Object.entries(params).filter(([name]) => !names.includes(name)));
  const values = new Map<string, Array<string | number>>();
  const limit = vectorLimit(template);
  let oversized: string | undefined;
  let vector = false;

  for (const name of names) {
    const value = params[name];
    if (value === undefined || value === null) {
      throw new TypeError(`StackExchangeClient: params.${name} is required by ${template} (e.g. ${name}: ${name.endsWith('s') ? '[1, 2]' : '42'})`);
    }
    if (Array.isArray(value)) vector = true;
    const list: unknown[] = Array.isArray(value) ? [...(value as readonly ParamValue[])] : [value];
    if (list.length === 0) throw new TypeError(`StackExchangeClient: params.${name} must not be empty (e.g. ${name}: [1, 2, 3])`);
    for (const item of list) assertVectorItem(name, item);
    // A vector is a set: a value sent twice (also in two parts of a split one) would answer twice.
    const items = [...new Map((list as Array<string | number>).map((item) => [String(item), item])).values()];
    if (items.length > limit) {
      if (!split) throw new TypeError(`StackExchangeClient: params.${name} holds ${items.length} values; ${template} takes at most ${limit} in one write`);
      if (oversized !== undefined) throw new TypeError(`StackExchangeClient: params.${oversized} and params.${name} both hold more than ${limit} values; only one vector can be split`);
      oversized = name;
    }
    values.set(name, items);
  }

  const render = (vectors: Map<string, Array<string | number>>): string =>
    template.replace(PLACEHOLDER, (_m, name: string) =>
      (vectors.get(name) ?? []).map((v) => encodeURIComponent(encodeValue(name, v))).join(';'),
    );

  if (oversized === undefined) return [{ path: render(values), rest, vector }];
  const big = oversized;
  return chunk(values.get(big) ?? [], limit).map((part) => ({ path: render(new Map(values).set(big, part)), rest, vector }));
}
