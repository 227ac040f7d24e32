import { decodeHtmlEntities } from '../util/html-entities.js';
import { ApiFailure } from './wrapper.js';

/**
 * Filters as Stack Exchange has them: a filter names the wrapper fields (`.total`) and item fields
 * (`user.about_me`) an answer carries. Built-in: `default`, `withbody`, `none`, `total`; custom ones
 * come from `/filters/create` and are immutable and never expire. The sandbox makes that true by
 * construction: a custom filter string is its own definition, encoded (`!` + base64url of a canonical
 * JSON form), so the same definition always gives the same string and any sandbox understands it.
 * Fields apply to the top level of each item; nested objects (`owner`, `badge_counts`, `site`) are
 * kept or dropped whole.
 */

/** The item types the sandbox answers with. */
export type ItemType = 'user' | 'network_user' | 'inbox_item' | 'access_token' | 'question' | 'site' | 'network_activity' | 'error' | 'filter';

/** The built-in filters. */
export const BUILT_IN_FILTERS = ['default', 'withbody', 'none', 'total'] as const;

type BuiltIn = (typeof BUILT_IN_FILTERS)[number];

type Item = Record<string, unknown>;

interface TypeFields {
  /** Fields in the default filter. */
  defaults: readonly string[];
  /** Fields outside the default filter, computed from the item when a filter asks for them. */
  extras: Readonly<Record<string, (item: Item) => unknown>>;
}

// A deterministic small number from an id, for counts the sample data does not hold.
const spread = (id: unknown, mod: number): number => (typeof id === 'number' ? (id * 31) % mod : 0);

const TYPES: Readonly<Record<ItemType, TypeFields>> = {
  user: {
    defaults: ['account_id', 'accept_rate', 'badge_counts', 'creation_date', 'display_name', 'is_employee', 'last_access_date', 'last_modified_date', 'link', 'location', 'profile_image', 'reputation', 'reputation_change_day', 'reputation_change_month', 'reputation_change_quarter', 'reputation_change_week', 'reputation_change_year', 'user_id', 'user_type', 'website_url'],
    extras: {
      about_me: (u) => `<p>About ${String(u.display_name)}.</p>`,
      answer_count: (u) => spread(u.user_id, 97),
      question_count: (u) => spread(u.user_id, 13),
      view_count: (u) => spread(u.user_id, 5000),
      up_vote_count: (u) => spread(u.user_id, 700),
      down_vote_count: (u) => spread(u.user_id, 40),
    },
  },
  network_user: {
    defaults: ['account_id', 'answer_count', 'badge_counts', 'creation_date', 'last_access_date', 'question_count', 'reputation', 'site_name', 'site_url', 'user_id', 'user_type'],
    extras: {},
  },
  inbox_item: {
    defaults: ['answer_id', 'body', 'comment_id', 'creation_date', 'is_unread', 'item_type', 'link', 'question_id', 'site', 'title'],
    extras: {},
  },
  access_token: { defaults: ['access_token', 'account_id', 'expires_on_date', 'scope'], extras: {} },
  question: {
    defaults: ['accepted_answer_id', 'answer_count', 'closed_date', 'closed_reason', 'content_license', 'creation_date', 'is_answered', 'last_activity_date', 'last_edit_date', 'link', 'owner', 'question_id', 'score', 'tags', 'title', 'upvoted', 'view_count'],
    extras: {
      body: (q) => `<p>The body of &quot;${String(q.title)}&quot;.</p>`,
      up_vote_count: (q) => (typeof q.score === 'number' ? q.score : 0),
      down_vote_count: () => 0,
      comment_count: (q) => spread(q.question_id, 5),
    },
  },
  site: { defaults: ['api_site_parameter', 'audience', 'name', 'site_type', 'site_url'], extras: {} },
  network_activity: {
    defaults: ['account_id', 'activity_type', 'api_site_parameter', 'creation_date', 'description', 'link', 'post_id', 'score', 'tags', 'title'],
    extras: {},
  },
  error: { defaults: ['description', 'error_id', 'error_name'], extras: {} },
  filter: { defaults: ['filter', 'filter_type', 'included_fields'], extras: {} },
};

const WRAPPER_DEFAULTS = ['items', 'has_more', 'quota_max', 'quota_remaining', 'backoff', 'error_id', 'error_message', 'error_name'] as const;
const WRAPPER_EXTRAS = ['page', 'page_size', 'total', 'type'] as const;
const WRAPPER_FIELDS: readonly string[] = [...WRAPPER_DEFAULTS, ...WRAPPER_EXTRAS];

// `withbody` adds the bodies of posts to the default filter.
const BODY_FIELDS = ['question.body', 'answer.body', 'comment.body'];

/** Every field name a filter may mention: `.has_more`, `user.about_me`, ... */
function knownFields(): Set<string> {
  const names = new Set<string>(WRAPPER_FIELDS.map((f) => `.${f}`));
  for (const [type, fields] of Object.entries(TYPES)) {
    for (const f of [...fields.defaults, ...Object.keys(fields.extras)]) names.add(`${type}.${f}`);
  }
  for (const f of BODY_FIELDS) names.add(f);
  return names;
}

const KNOWN = knownFields();

function builtInFields(base: BuiltIn): Set<string> {
  if (base === 'none') return new Set();
  if (base === 'total') return new Set(['.total']);
  const fields = new Set<string>(WRAPPER_DEFAULTS.map((f) => `.${f}`));
  for (const [type, t] of Object.entries(TYPES)) for (const f of t.defaults) fields.add(`${type}.${f}`);
  if (base === 'withbody') for (const f of BODY_FIELDS) fields.add(f);
  return fields;
}

/** A filter in force for one request. */
export interface ResolvedFilter {
  /** The filter string (`default`, `!…`). */
  name: string;
  /** Every included field, `.wrapper` and `type.field`. */
  included: ReadonlySet<string>;
  /** Unsafe filters answer text fields without HTML encoding. */
  unsafe: boolean;
  /** True for `default`: answers are sent exactly as built. */
  isDefault: boolean;
}

/** What `/filters/create` takes. */
export interface FilterDefinition {
  base: string;
  include: readonly string[];
  exclude: readonly string[];
  unsafe: boolean;
}

// Built once, not per request: every request naming a built-in shares its definition (never mutated:
// a filter made from one copies its fields).
const BUILT_IN: ReadonlyMap<string, ResolvedFilter> = new Map(
  BUILT_IN_FILTERS.map((name): [string, ResolvedFilter] => [name, Object.freeze({ name, included: builtInFields(name), unsafe: false, isDefault: name === 'default' })]),
);

// Canonical stored form: [included fields sorted, unsafe as 0/1]. The base is already folded in.
function encode(included: ReadonlySet<string>, unsafe: boolean): string {
  return `!${Buffer.from(JSON.stringify([[...included].sort(), unsafe ? 1 : 0])).toString('base64url')}`;
}

function decode(name: string): ResolvedFilter | undefined {
  if (!name.startsWith('!') || !/^[\w-]+$/.test(name.slice(1))) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(name.slice(1), 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || !Array.isArray(parsed[0]) || (parsed[1] !== 0 && parsed[1] !== 1)) return undefined;
  const fields = parsed[0] as unknown[];
  if (!fields.every((f): f is string => typeof f === 'string' && KNOWN.has(f))) return undefined;
  const included = new Set(fields);
  // Only the canonical spelling names a filter, so that a filter string has exactly one meaning.
  if (encode(included, parsed[1] === 1) !== name) return undefined;
  return { name, included, unsafe: parsed[1] === 1, isDefault: false };
}

/** The filter a `filter` parameter names; `default` when absent. Throws `bad_parameter` for an unknown one. */
export function resolveFilter(name: string | undefined): ResolvedFilter {
  const wanted = name === undefined || name === '' ? 'default' : name;
  const builtIn = BUILT_IN.get(wanted);
  if (builtIn) return builtIn;
  const custom = decode(wanted);
  if (!custom) throw new ApiFailure(400, `filter: no filter named ${JSON.stringify(wanted)} exists`);
  return custom;
}

/** Creates (that is, names) a filter; throws `bad_parameter` for an unknown base or field. */
export function createFilter(definition: FilterDefinition): ResolvedFilter {
  const base = resolveFilter(definition.base);
  const unknown = [...definition.include, ...definition.exclude].find((f) => !KNOWN.has(f));
  if (unknown !== undefined) throw new ApiFailure(400, `include/exclude: unknown field ${JSON.stringify(unknown)} (e.g. .total or user.about_me)`);
  const included = new Set(base.included);
  for (const f of definition.include) included.add(f);
  for (const f of definition.exclude) included.delete(f);
  const unsafe = definition.unsafe || base.unsafe;
  return { name: encode(included, unsafe), included, unsafe, isDefault: false };
}

/** The `filter` item `/filters/create` and `/filters/{filters}` answer. */
export function filterItem(filter: ResolvedFilter): Record<string, unknown> {
  return { filter: filter.name, filter_type: filter.unsafe ? 'unsafe' : 'safe', included_fields: [...filter.included].sort() };
}

function unescapeDeep(value: unknown): unknown {
  if (typeof value === 'string') return decodeHtmlEntities(value);
  if (Array.isArray(value)) return value.map(unescapeDeep);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unescapeDeep(v)]));
  return value;
}

/** One item through the filter: included default fields kept, included extras computed, text unescaped for unsafe filters. */
export function filterItemFields(filter: ResolvedFilter, type: ItemType, item: unknown): unknown {
  if (filter.isDefault || typeof item !== 'object' || item === null) return item;
  const source = item as Item;
  const out: Item = {};
  for (const [field, value] of Object.entries(source)) if (filter.included.has(`${type}.${field}`)) out[field] = value;
  for (const [field, compute] of Object.entries(TYPES[type].extras)) {
    if (filter.included.has(`${type}.${field}`) && !(field in out)) out[field] = compute(source);
  }
  return filter.unsafe ? unescapeDeep(out) : out;
}

/** The wrapper fields of a successful answer, before filtering. */
export interface FullWrapper {
  items: unknown[];
  has_more: boolean;
  quota_max: number;
  quota_remaining: number;
  backoff?: number;
  page: number;
  page_size: number;
  total: number;
  type: ItemType;
}

/** A successful answer through the filter. The default filter gives `items, has_more, quota_max, quota_remaining` and `backoff` when set. */
export function filterWrapper(filter: ResolvedFilter, w: FullWrapper): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of WRAPPER_FIELDS) {
    const value = w[field as keyof FullWrapper];
    if (value === undefined || !filter.included.has(`.${field}`)) continue;
    out[field] = field === 'items' ? w.items.map((item) => filterItemFields(filter, w.type, item)) : value;
  }
  return out;
}
