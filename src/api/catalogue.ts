import type { ParamValue, RequestParams } from './params.js';
import type {
  AccessTokenInfo,
  Answer,
  ApiObject,
  Badge,
  Comment,
  Filter,
  InboxItem,
  NetworkUser,
  Post,
  Question,
  Site,
  Tag,
  User,
} from './types.js';

/** The scopes a method may need beyond a plain token. */
export type MethodScope = 'read_inbox' | 'private_info' | 'write_access';

/**
 * What the catalogue knows of one API 2.3 method. `T` (the item type) exists only for the compiler.
 */
export interface MethodSpec<T> {
  /** Network-wide: takes no `site` (Stack Exchange refuses one on some of these). */
  readonly network?: true;
  /** Needs an access token. */
  readonly token?: true;
  /** The scope the token must carry. */
  readonly scope?: MethodScope;
  /** A write: sent with POST, never retried, never cached. */
  readonly write?: true;
  /** Phantom field carrying the item type; never set. */
  readonly __item?: T;
}

const read = <T>(flags: Omit<MethodSpec<T>, '__item' | 'write'> = {}): MethodSpec<T> => flags;
const write = <T>(flags: Omit<MethodSpec<T>, '__item' | 'write' | 'token' | 'scope'> = {}): MethodSpec<T> & { readonly write: true } => ({ ...flags, token: true, scope: 'write_access', write: true });
const mine = <T>(flags: Omit<MethodSpec<T>, '__item' | 'write' | 'token'> = {}): MethodSpec<T> => ({ ...flags, token: true });

/**
 * The catalogue of Stack Exchange API 2.3 methods, from api.stackexchange.com/docs: path template →
 * item type, network-wide or per site, token and scope, read or write. Vector limits follow from the
 * placeholder names (`{ids}`, `{tags}`, `{filters}`: 100; `{tokens}`: 20; `{id}`, `{tag}`, `{toid}`,
 * `{period}`: one value) and backoff families from the template (`/me…` counts as `/users/{ids}…`).
 */
export const API_METHODS = {
  // answers
  '/answers': read<Answer>(),
  '/answers/{ids}': read<Answer>(),
  '/answers/{ids}/comments': read<Comment>(),
  '/answers/{ids}/questions': read<Question>(),
  '/answers/{id}/flags/options': mine<ApiObject>(),
  '/answers/{id}/accept': write<Answer>(),
  '/answers/{id}/accept/undo': write<Answer>(),
  '/answers/{id}/delete': write<Answer>(),
  '/answers/{id}/downvote': write<Answer>(),
  '/answers/{id}/downvote/undo': write<Answer>(),
  '/answers/{id}/edit': write<Answer>(),
  '/answers/{id}/flags/add': write<ApiObject>(),
  '/answers/{id}/upvote': write<Answer>(),
  '/answers/{id}/upvote/undo': write<Answer>(),
  // badges
  '/badges': read<Badge>(),
  '/badges/{ids}': read<Badge>(),
  '/badges/{ids}/recipients': read<Badge>(),
  '/badges/name': read<Badge>(),
  '/badges/recipients': read<Badge>(),
  '/badges/tags': read<Badge>(),
  // collectives
  '/collectives': read<ApiObject>(),
  '/collectives/{ids}': read<ApiObject>(),
  '/collectives/{ids}/answers': read<Answer>(),
  '/collectives/{ids}/questions': read<Question>(),
  '/collectives/{ids}/tags': read<Tag>(),
  '/collectives/{ids}/users': read<ApiObject>(),
  // comments
  '/comments': read<Comment>(),
  '/comments/{ids}': read<Comment>(),
  '/comments/{id}/flags/options': mine<ApiObject>(),
  '/comments/{id}/delete': write<Comment>(),
  '/comments/{id}/edit': write<Comment>(),
  '/comments/{id}/flags/add': write<ApiObject>(),
  '/comments/{id}/upvote': write<Comment>(),
  '/comments/{id}/upvote/undo': write<Comment>(),
  // events, info, privileges
  '/events': mine<ApiObject>({ scope: 'private_info' }),
  '/info': read<ApiObject>(),
  '/privileges': read<ApiObject>(),
  // posts
  '/posts': read<Post>(),
  '/posts/{ids}': read<Post>(),
  '/posts/{ids}/comments': read<Comment>(),
  '/posts/{ids}/revisions': read<ApiObject>(),
  '/posts/{ids}/suggested-edits': read<ApiObject>(),
  '/posts/{id}/comments/add': write<Comment>(),
  '/posts/{id}/comments/render': write<ApiObject>(),
  // questions
  '/questions': read<Question>(),
  '/questions/{ids}': read<Question>(),
  '/questions/{ids}/answers': read<Answer>(),
  '/questions/{ids}/comments': read<Comment>(),
  '/questions/{ids}/linked': read<Question>(),
  '/questions/{ids}/related': read<Question>(),
  '/questions/{ids}/timeline': read<ApiObject>(),
  '/questions/featured': read<Question>(),
  '/questions/no-answers': read<Question>(),
  '/questions/unanswered': read<Question>(),
  '/questions/unanswered/my-tags': mine<Question>(),
  '/questions/{id}/close/options': mine<ApiObject>(),
  '/questions/{id}/flags/options': mine<ApiObject>(),
  '/questions/add': write<Question>(),
  '/questions/render': write<ApiObject>(),
  '/questions/{id}/answers/add': write<Answer>(),
  '/questions/{id}/answers/render': write<ApiObject>(),
  '/questions/{id}/delete': write<Question>(),
  '/questions/{id}/downvote': write<Question>(),
  '/questions/{id}/downvote/undo': write<Question>(),
  '/questions/{id}/edit': write<Question>(),
  '/questions/{id}/favorite': write<Question>(),
  '/questions/{id}/favorite/undo': write<Question>(),
  '/questions/{id}/flags/add': write<ApiObject>(),
  '/questions/{id}/upvote': write<Question>(),
  '/questions/{id}/upvote/undo': write<Question>(),
  // revisions, search, suggested edits
  '/revisions/{ids}': read<ApiObject>(),
  '/search': read<Question>(),
  '/search/advanced': read<Question>(),
  '/search/excerpts': read<ApiObject>(),
  '/similar': read<Question>(),
  '/suggested-edits': read<ApiObject>(),
  '/suggested-edits/{ids}': read<ApiObject>(),
  // tags
  '/tags': read<Tag>(),
  '/tags/moderator-only': read<Tag>(),
  '/tags/required': read<Tag>(),
  '/tags/synonyms': read<ApiObject>(),
  '/tags/{tags}/faq': read<Question>(),
  '/tags/{tags}/info': read<Tag>(),
  '/tags/{tags}/related': read<Tag>(),
  '/tags/{tags}/synonyms': read<ApiObject>(),
  '/tags/{tags}/wikis': read<ApiObject>(),
  '/tags/{tag}/top-answerers/{period}': read<ApiObject>(),
  '/tags/{tag}/top-askers/{period}': read<ApiObject>(),
  // users
  '/users': read<User>(),
  '/users/{ids}': read<User>(),
  '/users/{ids}/answers': read<Answer>(),
  '/users/{ids}/associated': read<NetworkUser>({ network: true }),
  '/users/{ids}/badges': read<Badge>(),
  '/users/{ids}/comments': read<Comment>(),
  '/users/{ids}/comments/{toid}': read<Comment>(),
  '/users/{ids}/favorites': read<Question>(),
  '/users/{ids}/mentioned': read<Comment>(),
  '/users/{ids}/merges': read<ApiObject>({ network: true }),
  '/users/{ids}/network-activity': read<ApiObject>({ network: true }),
  '/users/{ids}/posts': read<Post>(),
  '/users/{ids}/questions': read<Question>(),
  '/users/{ids}/questions/featured': read<Question>(),
  '/users/{ids}/questions/no-answers': read<Question>(),
  '/users/{ids}/questions/unaccepted': read<Question>(),
  '/users/{ids}/questions/unanswered': read<Question>(),
  '/users/{ids}/reputation': read<ApiObject>(),
  '/users/{ids}/reputation-history': read<ApiObject>(),
  '/users/{ids}/suggested-edits': read<ApiObject>(),
  '/users/{ids}/tags': read<Tag>(),
  '/users/{ids}/timeline': read<ApiObject>(),
  '/users/{id}/inbox': mine<InboxItem>({ scope: 'read_inbox' }),
  '/users/{id}/inbox/unread': mine<InboxItem>({ scope: 'read_inbox' }),
  '/users/{id}/notifications': mine<ApiObject>({ scope: 'read_inbox' }),
  '/users/{id}/notifications/unread': mine<ApiObject>({ scope: 'read_inbox' }),
  '/users/{id}/privileges': read<ApiObject>(),
  '/users/{id}/reputation-history/full': mine<ApiObject>({ scope: 'private_info' }),
  '/users/{id}/tags/{tags}/top-answers': read<Answer>(),
  '/users/{id}/tags/{tags}/top-questions': read<Question>(),
  '/users/{id}/top-answer-tags': read<ApiObject>(),
  '/users/{id}/top-question-tags': read<ApiObject>(),
  '/users/{id}/top-tags': read<ApiObject>(),
  '/users/{id}/write-permissions': read<ApiObject>(),
  '/users/moderators': read<User>(),
  '/users/moderators/elected': read<User>(),
  // the authenticated user: as their /users equivalents, with a token
  '/me': mine<User>(),
  '/me/answers': mine<Answer>(),
  '/me/associated': mine<NetworkUser>({ network: true }),
  '/me/badges': mine<Badge>(),
  '/me/comments': mine<Comment>(),
  '/me/comments/{toid}': mine<Comment>(),
  '/me/favorites': mine<Question>(),
  '/me/inbox': mine<InboxItem>({ scope: 'read_inbox' }),
  '/me/inbox/unread': mine<InboxItem>({ scope: 'read_inbox' }),
  '/me/mentioned': mine<Comment>(),
  '/me/merges': mine<ApiObject>({ network: true }),
  '/me/network-activity': mine<ApiObject>({ network: true }),
  '/me/notifications': mine<ApiObject>({ scope: 'read_inbox' }),
  '/me/notifications/unread': mine<ApiObject>({ scope: 'read_inbox' }),
  '/me/posts': mine<Post>(),
  '/me/privileges': mine<ApiObject>(),
  '/me/questions': mine<Question>(),
  '/me/questions/featured': mine<Question>(),
  '/me/questions/no-answers': mine<Question>(),
  '/me/questions/unaccepted': mine<Question>(),
  '/me/questions/unanswered': mine<Question>(),
  '/me/reputation': mine<ApiObject>(),
  '/me/reputation-history': mine<ApiObject>(),
  '/me/reputation-history/full': mine<ApiObject>({ scope: 'private_info' }),
  '/me/suggested-edits': mine<ApiObject>(),
  '/me/tags': mine<Tag>(),
  '/me/tags/{tags}/top-answers': mine<Answer>(),
  '/me/tags/{tags}/top-questions': mine<Question>(),
  '/me/timeline': mine<ApiObject>(),
  '/me/top-answer-tags': mine<ApiObject>(),
  '/me/top-question-tags': mine<ApiObject>(),
  '/me/top-tags': mine<ApiObject>(),
  '/me/write-permissions': mine<ApiObject>(),
  // network-wide
  '/access-tokens/{tokens}': read<AccessTokenInfo>({ network: true }),
  '/access-tokens/{tokens}/invalidate': read<AccessTokenInfo>({ network: true }),
  '/apps/{tokens}/de-authenticate': read<AccessTokenInfo>({ network: true }),
  '/errors': read<ApiObject>({ network: true }),
  '/errors/{id}': read<ApiObject>({ network: true }),
  '/filters/create': read<Filter>({ network: true }),
  '/filters/{filters}': read<Filter>({ network: true }),
  '/inbox': mine<InboxItem>({ network: true, scope: 'read_inbox' }),
  '/inbox/unread': mine<InboxItem>({ network: true, scope: 'read_inbox' }),
  '/notifications': mine<ApiObject>({ network: true, scope: 'read_inbox' }),
  '/notifications/unread': mine<ApiObject>({ network: true, scope: 'read_inbox' }),
  '/sites': read<Site>({ network: true }),
} as const satisfies Record<string, MethodSpec<unknown>>;

/** A path template the catalogue knows, e.g. `/questions` or `/users/{ids}`. */
export type ApiPath = keyof typeof API_METHODS;

/** The item type of a known method: `ApiItem<'/questions'>` is {@link Question}. */
export type ApiItem<P extends ApiPath> = (typeof API_METHODS)[P] extends MethodSpec<infer T> ? T : never;

/** A known read method (the templates {@link StackExchangeClient.get} types). */
export type ApiReadPath = { [P in ApiPath]: (typeof API_METHODS)[P] extends { write: true } ? never : P }[ApiPath];

/** A known write method (the templates {@link StackExchangeClient.post} types). */
export type ApiWritePath = { [P in ApiPath]: (typeof API_METHODS)[P] extends { write: true } ? P : never }[ApiPath];

/** The placeholder names of a template, as a union: `PathPlaceholders<'/users/{id}/tags/{tags}/top-answers'>` is `'id' | 'tags'`. */
export type PathPlaceholders<P extends string> = P extends `${string}{${infer Name}}${infer Rest}` ? Name | PathPlaceholders<Rest> : never;

/** The params every list method takes (paging, sorting, ranges, the filter), besides `site`. */
export interface CommonParams {
  /** The site of a per-site method; `null` sends none. Default: the client's `site`. */
  site?: string | null;
  /** The page, from 1. */
  page?: number;
  /** Items per page, 0–100. Default 30 at Stack Exchange; the client sends 100 on vector calls. */
  pagesize?: number;
  order?: 'desc' | 'asc';
  sort?: string;
  min?: ParamValue;
  max?: ParamValue;
  fromdate?: Date | number;
  todate?: Date | number;
  /** A built-in filter (`default`, `withbody`, `none`, `total`) or one from {@link StackExchangeClient.createFilter}. */
  filter?: string;
}

/**
 * The value of a path placeholder such as `{ids}`: one value, or a vector of them (sent joined by `;`;
 * at most {@link MAX_VECTOR_LENGTH} items, {@link MAX_TOKEN_VECTOR_LENGTH} for `{tokens}`).
 */
export type Vector = ParamValue | readonly ParamValue[];

/** The params of a known method: its placeholders (required), the common params, and any others. */
export type ApiParams<P extends ApiPath> = Record<PathPlaceholders<P>, Vector> & CommonParams & RequestParams;

/** How the client treats one request, looked up from the catalogue (or guessed for an unknown template). */
export interface MethodInfo {
  /** The catalogue's template, or the caller's for an unknown method. */
  template: string;
  /** Known to the catalogue. */
  known: boolean;
  /** Takes no `site`. */
  network: boolean;
  /** Needs a token. */
  token: boolean;
  /** A write (POST). */
  write: boolean;
  /** The backoff family: the `/users/{ids}` form for `/me` routes, the template otherwise. */
  family: string;
}

/** Most ids a vector may carry in one request (Stack Exchange's documented limit). */
export const MAX_VECTOR_LENGTH = 100;
/** Most tokens a vector may carry on the token methods (`/access-tokens/{tokens}`, `/apps/{tokens}`). */
export const MAX_TOKEN_VECTOR_LENGTH = 20;

const entries = Object.entries(API_METHODS) as Array<[ApiPath, MethodSpec<unknown>]>;
const segmentsOf = (path: string): string[] => path.split('/').slice(1);
const isPlaceholder = (segment: string): boolean => segment.startsWith('{') && segment.endsWith('}');
const shapeOf = (path: string): string => segmentsOf(path).map((s) => (isPlaceholder(s) ? '{}' : s)).join('/');
const byShape = new Map(entries.map(([template, spec]) => [shapeOf(template), { template, spec }]));

/** A catalogue entry with its path split once. */
interface IndexedEntry {
  template: ApiPath;
  spec: MethodSpec<unknown>;
  segments: string[];
  /** How many of its segments are literal (not placeholders): the more specific entry wins. */
  literals: number;
}

// A concrete path is matched only against the entries of its length and first segment (every template
// starts with a literal one: `/users`, `/questions`), not against all of them: an app writing
// `/users/${id}/answers` pays a few lookups instead of a scan of the catalogue per call.
const candidateKey = (length: number, first: string | undefined): string => `${length} ${first ?? ''}`;
const candidates = new Map<string, IndexedEntry[]>();
for (const [template, spec] of entries) {
  const segments = segmentsOf(template);
  const key = candidateKey(segments.length, segments[0]);
  const list = candidates.get(key) ?? [];
  list.push({ template, spec, segments, literals: segments.filter((k) => !isPlaceholder(k)).length });
  candidates.set(key, list);
}

/** The catalogue entry a template (any placeholder names) or a concrete path (`/users/1;2/answers`) belongs to. */
function findEntry(path: string): { template: ApiPath; spec: MethodSpec<unknown> } | undefined {
  const exact = byShape.get(shapeOf(path));
  if (exact !== undefined) return exact;
  // A concrete value where the catalogue has a placeholder: the literal segments must match and the
  // others must not be literal segments of another method (`/questions/featured` is not an id).
  const segments = segmentsOf(path);
  let found: IndexedEntry | undefined;
  for (const entry of candidates.get(candidateKey(segments.length, segments[0])) ?? []) {
    if (entry.segments.every((k, i) => k === segments[i] || (isPlaceholder(k) && segments[i] !== ''))) {
      if (found === undefined || entry.literals > found.literals) found = entry;
    }
  }
  return found === undefined ? undefined : { template: found.template, spec: found.spec };
}

/** The `/users` form of a `/me` route, as Stack Exchange counts it for `backoff` (`/me/inbox` → `/users/{id}/inbox`). */
function meFamily(template: string): string {
  const users = `/users/{}${template.slice('/me'.length)}`;
  return byShape.get(shapeOf(users))?.template ?? users.replace('{}', '{ids}');
}

/**
 * Looks a template or concrete path up in the catalogue. Unknown templates are treated as per-site
 * reads that need no token, with their own backoff family (numeric segments counted as `{ids}`).
 */
export function describeMethod(path: string): MethodInfo {
  const entry = findEntry(path);
  if (entry === undefined) {
    const family = segmentsOf(path)
      .map((s) => (/^\d+(?:;\d+)*$/.test(s) ? '{ids}' : s))
      .join('/');
    return { template: path, known: false, network: false, token: false, write: false, family: `/${family}` };
  }
  const { template, spec } = entry;
  const family = template === '/me' || template.startsWith('/me/') ? meFamily(template) : template;
  return { template, known: true, network: spec.network === true, token: spec.token === true, write: spec.write === true, family };
}
