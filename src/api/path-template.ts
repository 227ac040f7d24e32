import { redact } from '../util/redact.js';
import { encodeValue, type ParamValue, type RequestParams } from './params.js';

/** Most ids a vector may carry in one request (Stack Exchange's documented limit). */
export const MAX_VECTOR_LENGTH = 100;
/** Most tokens a vector may carry on the token methods (`/access-tokens/{tokens}`, `/apps/{tokens}`). */
export const MAX_TOKEN_VECTOR_LENGTH = 20;

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
// Methods that take no `site`: they span the whole network.
const NETWORK_WIDE = /^\/(?:me\/associated|access-tokens|apps|inbox|sites|filters|errors)(?:\/|$)|^\/users\/[^/]+\/associated$/;

/** One request of a call after its path template was filled. */
export interface FilledPath {
  /** The path with every placeholder replaced by its URL-encoded value, e.g. `/users/1;2;3`. */
  path: string;
  /** The params left for the query string or form body. */
  rest: RequestParams;
}

/**
 * Checks that `template` is a path under the API root (`/users/{ids}`, `/me`), not a URL or a path
 * with a query. Throws `TypeError` otherwise.
 */
export function assertPathTemplate(template: string): void {
  if (typeof template !== 'string' || !/^\/(?!\/)[^?#\s]*$/.test(template)) {
    // What was passed may be a full URL with the key or token in it.
    throw new TypeError(`StackExchangeClient: path must be an API path starting with "/" and without a query (e.g. '/users/{ids}'), got ${redact(JSON.stringify(String(template)))}`);
  }
}

/** The placeholder names of a template, in order: `/users/{ids}/tags/{tags}` → `['ids', 'tags']`. */
export function placeholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1] as string);
}

// /users routes that take a single id in Stack Exchange's docs; every other /users route takes a vector.
const SINGLE_ID_USER_ROUTE = /^\/(?:inbox|notifications|privileges|reputation-history\/full|write-permissions|top-answer-tags|top-question-tags|top-tags|tags\/[^/]+\/top-(?:answers|questions))(?:\/|$)/;
// Writes and per-post helpers take a single id (`/questions/{id}/upvote`, `/posts/{id}/comments/add`).
const SINGLE_ID_POST_ROUTE = /^\/(?:upvote|downvote|favorite|accept|delete|edit|flags|close|render|answers\/(?:add|render)|comments\/(?:add|render))(?:\/|$)/;
const RESOURCE_AND_ID = /^\/([a-z-]+)\/(\{ids?\}|\d+(?:;\d+)*)(\/.*)?$/;
// A token written into the path (`/access-tokens/abc))`) is the `{tokens}` of its method.
const TOKEN_METHOD = /^\/(access-tokens|apps)\/[^/]+/;

/**
 * The method family a path belongs to for `backoff`, named as in Stack Exchange's docs: `/me` routes
 * count as their `/users` equivalents (`/me` → `/users/{ids}`, `/me/inbox` → `/users/{id}/inbox`), and
 * an id segment, concrete (`/users/1;2`) or a placeholder, becomes `{ids}` or `{id}` as the method takes,
 * and a concrete token vector `{tokens}` (so that no token reaches `onBackoff` or a log).
 */
export function methodFamily(template: string): string {
  const path = template.replace(/^\/me(?=\/|$)/, '/users/{ids}').replace(TOKEN_METHOD, '/$1/{tokens}');
  return path.replace(RESOURCE_AND_ID, (_m, resource: string, _id: string, tail: string | undefined = '') => {
    const single = (resource === 'users' ? SINGLE_ID_USER_ROUTE : SINGLE_ID_POST_ROUTE).test(tail);
    return `/${resource}/${single ? '{id}' : '{ids}'}${tail}`;
  });
}

/** True for methods that take no `site` parameter (`/me/associated`, `/access-tokens`, `/apps`, `/inbox`, `/sites`, `/filters`, ...). */
export function isNetworkWide(template: string): boolean {
  return NETWORK_WIDE.test(template);
}

/** The most values one vector may carry on this method: 20 on token methods, 100 elsewhere. */
export function vectorLimit(template: string): number {
  return /^\/(?:access-tokens|apps)\//.test(template) ? MAX_TOKEN_VECTOR_LENGTH : MAX_VECTOR_LENGTH;
}

function assertVectorItem(name: string, value: unknown): asserts value is string | number {
  const ok = (typeof value === 'string' && value !== '') || (typeof value === 'number' && Number.isFinite(value));
  if (!ok) throw new TypeError(`StackExchangeClient: params.${name} must hold non-empty strings or numbers (e.g. ${name}: [1, 2, 3])`);
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
  const rest: Record<string, RequestParams[string]> = { ...params };
  const values = new Map<string, Array<string | number>>();
  const limit = vectorLimit(template);
  let oversized: string | undefined;

  for (const name of names) {
    const value = params[name];
    delete rest[name];
    if (value === undefined || value === null) {
      throw new TypeError(`StackExchangeClient: params.${name} is required by ${template} (e.g. ${name}: ${name.endsWith('s') ? '[1, 2]' : '42'})`);
    }
    const list: unknown[] = Array.isArray(value) ? [...(value as readonly ParamValue[])] : [value];
    if (list.length === 0) throw new TypeError(`StackExchangeClient: params.${name} must not be empty (e.g. ${name}: [1, 2, 3])`);
    for (const item of list) assertVectorItem(name, item);
    const items = list as Array<string | number>;
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

  if (oversized === undefined) return [{ path: render(values), rest }];
  const big = oversized;
  return chunk(values.get(big) ?? [], limit).map((part) => ({ path: render(new Map(values).set(big, part)), rest }));
}
