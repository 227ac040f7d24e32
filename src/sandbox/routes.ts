import type { AccessTokenInfo, NetworkUser, Question, User } from '../api/types.js';
import type { SandboxContext } from './context.js';
import { createFilter, filterItem, resolveFilter, type ItemType } from './filters.js';
import type { Incoming, Params } from './incoming.js';
import { findSite, SAMPLE_SITES, type SampleSite } from './sample-data.js';
import type { TokenRecord } from './state.js';
import type { Family } from './throttle.js';
import type { SandboxUser } from './types.js';
import { API_ERRORS, ApiFailure, type ApiErrorId } from './wrapper.js';

/** A request that passed the common checks, as method handlers see it. */
export interface Call {
  ctx: SandboxContext;
  inc: Incoming;
  params: Params;
  /** The path's vector or id segment, decoded. */
  segment: string;
  token: TokenRecord | undefined;
  /** The token's person. */
  user: SandboxUser | undefined;
  /** The validated `site`, on per-site methods. */
  site: SampleSite | undefined;
}

/** One API method. */
export interface Route {
  /** The HTTP methods it answers. */
  methods: ReadonlyArray<'GET' | 'POST'>;
  pattern: RegExp;
  family: Family;
  /**
   * `required`: a per-site method, `site` must name a known site. `refused`: a network-wide method,
   * which Stack Exchange answers `bad_parameter` when a `site` is sent.
   */
  site: 'required' | 'refused';
  /** Needs an access token (and then a key). */
  token: boolean;
  /** The scope the token needs. */
  scope?: string;
  /** The type of its items, for filters. */
  type: ItemType;
  /** Every item of the answer, in order; the caller pages them. */
  handle(call: Call): unknown[];
}

const MAX_IDS = 100;
const MAX_TOKENS = 20;
const MAX_FILTERS = 20;

function sitePart(call: Call): SampleSite {
  if (!call.site) throw new ApiFailure(400, 'site is required');
  return call.site;
}

function me(call: Call): SandboxUser {
  if (!call.user) throw new ApiFailure(401, 'This method requires an access_token');
  return call.user;
}

/** Splits a `;`-joined vector of numeric ids; a non-numeric id means no such method, as on Stack Exchange. */
function numericIds(segment: string): number[] {
  const parts = segment.split(';');
  if (parts.some((p) => !/^\d+$/.test(p))) throw new ApiFailure(404, 'no method found with this name');
  if (parts.length > MAX_IDS) throw new ApiFailure(400, `ids: at most ${MAX_IDS} ids may be sent at once`);
  return [...new Set(parts.map(Number))];
}

function stringVector(segment: string, name: string, max: number): string[] {
  const parts = segment.split(';').filter((p) => p !== '');
  if (parts.length === 0) throw new ApiFailure(400, `${name}: none given`);
  if (parts.length > max) throw new ApiFailure(400, `${name}: at most ${max} may be sent at once`);
  return [...new Set(parts)];
}

/** The records of the path's tokens that are valid; unknown, expired and revoked ones are left out. */
function validTokens(call: Call): TokenRecord[] {
  return stringVector(call.segment, 'accessTokens', MAX_TOKENS).flatMap((t) => call.ctx.state.validToken(t) ?? []);
}

function tokenInfo(record: TokenRecord): AccessTokenInfo {
  const info: AccessTokenInfo = { access_token: record.token, account_id: record.accountId };
  if (record.expiresAt !== null) info.expires_on_date = Math.floor(record.expiresAt / 1000);
  if (record.scope.length > 0) info.scope = [...record.scope];
  return info;
}

function byReputation(a: User, b: User): number {
  return b.reputation - a.reputation || a.user_id - b.user_id;
}

function sortQuestions(questions: Question[], params: Params): Question[] {
  const sort = params.sort ?? 'activity';
  const order = params.order ?? 'desc';
  if (order !== 'desc' && order !== 'asc') throw new ApiFailure(400, 'order must be desc or asc');
  // A Map: a sort such as `constructor` must not find what every object has.
  const keys = new Map<string, (q: Question) => number>([
    ['activity', (q) => q.last_activity_date],
    ['creation', (q) => q.creation_date],
    ['votes', (q) => q.score],
  ]);
  const key = typeof sort === 'string' ? keys.get(sort) : undefined;
  if (!key) throw new ApiFailure(400, 'sort must be activity, creation or votes');
  const sign = order === 'desc' ? -1 : 1;
  return [...questions].sort((a, b) => sign * (key(a) - key(b)) || a.question_id - b.question_id);
}

/** A person's recent activity across the network: one answer per site account, newest first (deterministic). */
function networkActivity(network: readonly NetworkUser[]): Array<Record<string, unknown>> {
  return network
    .map((n, i) => {
      const site = findSite(new URL(n.site_url).hostname);
      const postId = n.user_id * 10 + i;
      return {
        account_id: n.account_id,
        activity_type: 'answer',
        api_site_parameter: site?.apiSiteParameter ?? '',
        creation_date: n.last_access_date - (i + 1) * 3600,
        post_id: postId,
        score: n.reputation % 7,
        title: `An answer on ${n.site_name}`,
        link: `${n.site_url}/a/${postId}`,
      };
    })
    .sort((a, b) => b.creation_date - a.creation_date);
}

const ERROR_DESCRIPTIONS: Record<ApiErrorId, string> = {
  400: 'An invalid parameter was passed, this includes even &quot;high level&quot; parameters like key or site.',
  401: 'A method that requires an access token (obtained via authentication) was called without one.',
  402: 'An invalid access token was passed to a method.',
  403: 'A method which requires certain permissions was called with an access token that lacks those permissions.',
  404: 'An attempt was made to call a method that does not exist.',
  405: 'A method was called in a manner that requires an application key (generally, with an access token), but no key was passed.',
  406: 'An access token is no longer believed to be secure, normally because it was used on a non-HTTPS call.',
  407: 'A write operation was rejected by the server.',
  409: 'A request identified by a request_id has already been run.',
  500: 'An unexpected error occurred in the API.',
  502: 'A client has violated a rate limit, and must wait before making more requests.',
  503: 'The method is temporarily unavailable; back off.',
};

function upvote(call: Call): unknown[] {
  const { ctx, params } = call;
  const user = me(call);
  const site = sitePart(call);
  if (!/^\d+$/.test(call.segment)) throw new ApiFailure(404, 'no method found with this name');
  const question = ctx.questions.get(site.apiSiteParameter)?.find((q) => q.question_id === Number(call.segment));
  if (!question) throw new ApiFailure(400, 'id: no question with this id');
  if (question.owner?.account_id === user.accountId) throw new ApiFailure(407, 'You cannot vote on your own post');
  const preview = params.preview === 'true';
  const now = call.inc.time;
  const last = ctx.lastWrite.get(user.accountId);
  if (!preview && last !== undefined && now - last < ctx.writeIntervalMs) {
    throw new ApiFailure(407, 'You may only write once every few seconds', Math.ceil((last + ctx.writeIntervalMs - now) / 1000));
  }
  const requestId = typeof params.request_id === 'string' ? params.request_id : undefined;
  if (!preview && requestId !== undefined) {
    if (ctx.writeRequestIds.has(requestId)) throw new ApiFailure(409, 'request_id has already been used');
    ctx.writeRequestIds.add(requestId);
  }
  if (preview) return [{ ...question, upvoted: true, score: question.score + 1 }];
  const already = ctx.upvotes.some((u) => u.questionId === question.question_id && u.accountId === user.accountId && u.site === site.apiSiteParameter);
  if (!already) question.score += 1;
  ctx.upvotes.push({ questionId: question.question_id, accountId: user.accountId, site: site.apiSiteParameter, time: now });
  ctx.lastWrite.set(user.accountId, now);
  return [{ ...question, upvoted: true }];
}

function fieldList(params: Params, name: string): string[] {
  const raw = params[name];
  if (raw === undefined) return [];
  if (typeof raw !== 'string') throw new ApiFailure(400, `${name} was sent more than once`);
  return raw.split(';').map((f) => f.trim()).filter((f) => f !== '');
}

function createFilterItem(call: Call): unknown[] {
  const { params } = call;
  const unsafe = params.unsafe ?? 'false';
  if (unsafe !== 'true' && unsafe !== 'false') throw new ApiFailure(400, 'unsafe must be true or false');
  const base = typeof params.base === 'string' && params.base !== '' ? params.base : 'default';
  return [filterItem(createFilter({ base, include: fieldList(params, 'include'), exclude: fieldList(params, 'exclude'), unsafe: unsafe === 'true' }))];
}

function readFilters(call: Call): unknown[] {
  return stringVector(call.segment, 'filters', MAX_FILTERS).map((name) => {
    try {
      return filterItem(resolveFilter(name));
    } catch {
      return { filter: name, filter_type: 'invalid', included_fields: [] };
    }
  });
}

/** The methods the sandbox serves. */
export const ROUTES: readonly Route[] = [
  {
    methods: ['GET'], pattern: /^\/me$/, family: '/users/{ids}', site: 'required', token: true, type: 'user',
    handle: (call) => {
      const account = me(call).sites[sitePart(call).apiSiteParameter];
      return account ? [account] : [];
    },
  },
  {
    methods: ['GET'], pattern: /^\/me\/associated$/, family: '/users/{ids}/associated', site: 'refused', token: true, type: 'network_user',
    handle: (call) => me(call).network,
  },
  {
    methods: ['GET'], pattern: /^\/me\/network-activity$/, family: '/users/{ids}/network-activity', site: 'refused', token: true, type: 'network_activity',
    handle: (call) => networkActivity(me(call).network),
  },
  {
    // The docs call /me/inbox the single-site alias of /inbox ("for consumers who make strong
    // assumptions about operating within the context of a single site"): it takes `site`.
    methods: ['GET'], pattern: /^\/me\/inbox$/, family: '/users/{id}/inbox', site: 'required', token: true, scope: 'read_inbox', type: 'inbox_item',
    handle: (call) => me(call).inbox,
  },
  {
    methods: ['GET'], pattern: /^\/inbox$/, family: '/inbox', site: 'refused', token: true, scope: 'read_inbox', type: 'inbox_item',
    handle: (call) => me(call).inbox,
  },
  {
    methods: ['GET'], pattern: /^\/users\/([^/]+)$/, family: '/users/{ids}', site: 'required', token: false, type: 'user',
    handle: (call) => {
      const ids = new Set(numericIds(call.segment));
      const site = sitePart(call).apiSiteParameter;
      const found = call.ctx.allUsers.flatMap((u) => (u.sites[site] && ids.has(u.sites[site].user_id) ? [u.sites[site]] : []));
      return found.sort(byReputation);
    },
  },
  {
    methods: ['GET'], pattern: /^\/users\/([^/]+)\/associated$/, family: '/users/{ids}/associated', site: 'refused', token: false, type: 'network_user',
    handle: (call) => numericIds(call.segment).flatMap((id) => call.ctx.usersById.get(id)?.network ?? []),
  },
  {
    methods: ['GET'], pattern: /^\/users\/([^/]+)\/network-activity$/, family: '/users/{ids}/network-activity', site: 'refused', token: false, type: 'network_activity',
    handle: (call) => networkActivity(numericIds(call.segment).flatMap((id) => call.ctx.usersById.get(id)?.network ?? [])),
  },
  {
    methods: ['GET'], pattern: /^\/users\/([^/]+)\/inbox$/, family: '/users/{id}/inbox', site: 'required', token: true, scope: 'read_inbox', type: 'inbox_item',
    handle: (call) => {
      const [id, ...rest] = numericIds(call.segment);
      const own = me(call).sites[sitePart(call).apiSiteParameter];
      if (rest.length > 0 || !own || own.user_id !== id) throw new ApiFailure(403, 'You may only read the inbox of the user the access_token belongs to');
      return me(call).inbox;
    },
  },
  {
    methods: ['GET'], pattern: /^\/access-tokens\/([^/]+)$/, family: '/access-tokens/{tokens}', site: 'refused', token: false, type: 'access_token',
    handle: (call) => validTokens(call).map(tokenInfo),
  },
  {
    methods: ['GET'], pattern: /^\/access-tokens\/([^/]+)\/invalidate$/, family: '/access-tokens/{tokens}/invalidate', site: 'refused', token: false, type: 'access_token',
    handle: (call) => {
      const records = validTokens(call);
      const infos = records.map(tokenInfo);
      for (const record of records) call.ctx.state.revoke(record.token);
      return infos;
    },
  },
  {
    methods: ['GET'], pattern: /^\/apps\/([^/]+)\/de-authenticate$/, family: '/apps/{tokens}/de-authenticate', site: 'refused', token: false, type: 'access_token',
    handle: (call) => {
      const records = validTokens(call);
      const infos = records.map(tokenInfo);
      for (const record of records) call.ctx.state.revokeApp(record.clientId, record.accountId);
      return infos;
    },
  },
  {
    methods: ['GET'], pattern: /^\/questions$/, family: '/questions', site: 'required', token: false, type: 'question',
    handle: (call) => {
      let questions = call.ctx.questions.get(sitePart(call).apiSiteParameter) ?? [];
      const tagged = call.params.tagged;
      if (typeof tagged === 'string' && tagged !== '') {
        const tags = tagged.split(';').map((t) => t.trim().toLowerCase()).filter((t) => t !== '');
        if (tags.length > 5) throw new ApiFailure(400, 'tagged: at most 5 tags');
        questions = questions.filter((q) => tags.every((t) => q.tags.includes(t)));
      }
      return sortQuestions(questions, call.params);
    },
  },
  {
    methods: ['POST'], pattern: /^\/questions\/([^/]+)\/upvote$/, family: '/questions/{id}/upvote', site: 'required', token: true, scope: 'write_access', type: 'question',
    handle: upvote,
  },
  {
    methods: ['GET'], pattern: /^\/sites$/, family: '/sites', site: 'refused', token: false, type: 'site',
    handle: () => SAMPLE_SITES.map((s) => ({ api_site_parameter: s.apiSiteParameter, name: s.name, site_url: s.siteUrl, site_type: 'main_site', audience: s.name })),
  },
  {
    methods: ['GET', 'POST'], pattern: /^\/filters\/create$/, family: '/filters/create', site: 'refused', token: false, type: 'filter',
    handle: createFilterItem,
  },
  {
    methods: ['GET'], pattern: /^\/filters\/([^/]+)$/, family: '/filters/{filters}', site: 'refused', token: false, type: 'filter',
    handle: readFilters,
  },
  {
    methods: ['GET'], pattern: /^\/errors$/, family: '/errors', site: 'refused', token: false, type: 'error',
    handle: () => Object.entries(API_ERRORS).map(([id, name]) => ({ error_id: Number(id), error_name: name, description: ERROR_DESCRIPTIONS[Number(id) as ApiErrorId] })),
  },
];

/** The route a path (after `/2.3`) names and its vector segment, if any. */
export function matchRoute(path: string): { route: Route; segment: string } | undefined {
  for (const route of ROUTES) {
    const m = route.pattern.exec(path);
    if (m) return { route, segment: m[1] ?? '' };
  }
  return undefined;
}
