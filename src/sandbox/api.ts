import type { ServerResponse } from 'node:http';
import type { AccessTokenInfo, Question, User } from '../api/types.js';
import { takeApiFault, type SandboxContext } from './context.js';
import { firstRepeated, type Incoming, type Params } from './incoming.js';
import { pageOf, readPaging, type Paging } from './paging.js';
import { findSite, SAMPLE_SITES, type SampleSite } from './sample-data.js';
import type { TokenRecord } from './state.js';
import type { Family } from './throttle.js';
import type { SandboxUser, ThrottleViolation } from './types.js';
import { ApiFailure, errorWrapper, sendCompressedJson, successWrapper } from './wrapper.js';

/** The path prefix of the API. */
export const API_PREFIX = '/2.3';

const MAX_IDS = 100;
const MAX_TOKENS = 20;
// Stack Exchange's daily quota for requests without a key, per address.
const ANONYMOUS_QUOTA = 300;

/** A request that passed the common checks, as route handlers see it. */
interface Call {
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
  paging: Paging;
}

interface Route {
  method: 'GET' | 'POST';
  pattern: RegExp;
  family: Family;
  /** Needs `site`. */
  site: boolean;
  /** Needs an access token (and then a key). */
  token: boolean;
  /** The scope the token needs. */
  scope?: string;
  handle(call: Call): { items: unknown[]; hasMore: boolean };
}

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

function tokenVector(segment: string): string[] {
  const parts = segment.split(';').filter((p) => p !== '');
  if (parts.length === 0) throw new ApiFailure(400, 'accessTokens: no tokens given');
  if (parts.length > MAX_TOKENS) throw new ApiFailure(400, `accessTokens: at most ${MAX_TOKENS} tokens may be sent at once`);
  return [...new Set(parts)];
}

/** The records of the path's tokens that are valid; unknown, expired and revoked ones are left out. */
function validTokens(call: Call): TokenRecord[] {
  return tokenVector(call.segment).flatMap((t) => call.ctx.state.validToken(t) ?? []);
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
  const keys: Record<string, (q: Question) => number> = {
    activity: (q) => q.last_activity_date,
    creation: (q) => q.creation_date,
    votes: (q) => q.score,
  };
  const key = typeof sort === 'string' ? keys[sort] : undefined;
  if (!key) throw new ApiFailure(400, 'sort must be activity, creation or votes');
  const sign = order === 'desc' ? -1 : 1;
  return [...questions].sort((a, b) => sign * (key(a) - key(b)) || a.question_id - b.question_id);
}

function upvote(call: Call): { items: unknown[]; hasMore: boolean } {
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
  if (preview) return { items: [{ ...question, upvoted: true, score: question.score + 1 }], hasMore: false };
  const already = ctx.upvotes.some((u) => u.questionId === question.question_id && u.accountId === user.accountId && u.site === site.apiSiteParameter);
  if (!already) question.score += 1;
  ctx.upvotes.push({ questionId: question.question_id, accountId: user.accountId, site: site.apiSiteParameter, time: now });
  ctx.lastWrite.set(user.accountId, now);
  return { items: [{ ...question, upvoted: true }], hasMore: false };
}

const ROUTES: Route[] = [
  {
    method: 'GET', pattern: /^\/me$/, family: '/users/{ids}', site: true, token: true,
    handle: (call) => {
      const account = me(call).sites[sitePart(call).apiSiteParameter];
      return pageOf(account ? [account] : [], call.paging);
    },
  },
  {
    method: 'GET', pattern: /^\/me\/associated$/, family: '/users/{ids}/associated', site: false, token: true,
    handle: (call) => pageOf(me(call).network, call.paging),
  },
  {
    method: 'GET', pattern: /^\/me\/inbox$/, family: '/users/{id}/inbox', site: true, token: true, scope: 'read_inbox',
    handle: (call) => pageOf(me(call).inbox, call.paging),
  },
  {
    method: 'GET', pattern: /^\/inbox$/, family: '/inbox', site: false, token: true, scope: 'read_inbox',
    handle: (call) => pageOf(me(call).inbox, call.paging),
  },
  {
    method: 'GET', pattern: /^\/users\/([^/]+)$/, family: '/users/{ids}', site: true, token: false,
    handle: (call) => {
      const ids = new Set(numericIds(call.segment));
      const site = sitePart(call).apiSiteParameter;
      const found = call.ctx.users.flatMap((u) => (u.sites[site] && ids.has(u.sites[site].user_id) ? [u.sites[site]] : []));
      return pageOf(found.sort(byReputation), call.paging);
    },
  },
  {
    method: 'GET', pattern: /^\/users\/([^/]+)\/associated$/, family: '/users/{ids}/associated', site: false, token: false,
    handle: (call) => {
      const ids = numericIds(call.segment);
      return pageOf(ids.flatMap((id) => call.ctx.usersById.get(id)?.network ?? []), call.paging);
    },
  },
  {
    method: 'GET', pattern: /^\/users\/([^/]+)\/inbox$/, family: '/users/{id}/inbox', site: true, token: true, scope: 'read_inbox',
    handle: (call) => {
      const [id, ...rest] = numericIds(call.segment);
      const own = me(call).sites[sitePart(call).apiSiteParameter];
      if (rest.length > 0 || !own || own.user_id !== id) throw new ApiFailure(403, 'You may only read the inbox of the user the access_token belongs to');
      return pageOf(me(call).inbox, call.paging);
    },
  },
  {
    method: 'GET', pattern: /^\/access-tokens\/([^/]+)$/, family: '/access-tokens/{tokens}', site: false, token: false,
    handle: (call) => pageOf(validTokens(call).map(tokenInfo), call.paging),
  },
  {
    method: 'GET', pattern: /^\/access-tokens\/([^/]+)\/invalidate$/, family: '/access-tokens/{tokens}/invalidate', site: false, token: false,
    handle: (call) => {
      const records = validTokens(call);
      const infos = records.map(tokenInfo);
      for (const record of records) call.ctx.state.revoke(record.token);
      return pageOf(infos, call.paging);
    },
  },
  {
    method: 'GET', pattern: /^\/apps\/([^/]+)\/de-authenticate$/, family: '/apps/{tokens}/de-authenticate', site: false, token: false,
    handle: (call) => {
      const records = validTokens(call);
      const infos = records.map(tokenInfo);
      for (const record of records) call.ctx.state.revokeApp(record.clientId, record.accountId);
      return pageOf(infos, call.paging);
    },
  },
  {
    method: 'GET', pattern: /^\/questions$/, family: '/questions', site: true, token: false,
    handle: (call) => {
      let questions = call.ctx.questions.get(sitePart(call).apiSiteParameter) ?? [];
      const tagged = call.params.tagged;
      if (typeof tagged === 'string' && tagged !== '') {
        const tags = tagged.split(';').map((t) => t.trim().toLowerCase()).filter((t) => t !== '');
        if (tags.length > 5) throw new ApiFailure(400, 'tagged: at most 5 tags');
        questions = questions.filter((q) => tags.every((t) => q.tags.includes(t)));
      }
      return pageOf(sortQuestions(questions, call.params), call.paging);
    },
  },
  {
    method: 'POST', pattern: /^\/questions\/([^/]+)\/upvote$/, family: '/questions/{id}/upvote', site: true, token: true, scope: 'write_access',
    handle: upvote,
  },
  {
    method: 'GET', pattern: /^\/sites$/, family: '/sites', site: false, token: false,
    handle: (call) => pageOf(
      SAMPLE_SITES.map((s) => ({ api_site_parameter: s.apiSiteParameter, name: s.name, site_url: s.siteUrl, site_type: 'main_site', audience: s.name })),
      call.paging,
    ),
  },
];

function matchRoute(path: string): { route: Route; segment: string } | undefined {
  for (const route of ROUTES) {
    const m = route.pattern.exec(path);
    if (m) return { route, segment: m[1] ?? '' };
  }
  return undefined;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ApiFailure(400, 'the path is not correctly percent-encoded');
  }
}

interface QuotaSlot {
  id: string;
  max: number;
  used: number;
}

/** The quota this request counts against (per key, per key and user with a token, per address without a key); throws when spent. */
function quotaSlot(ctx: SandboxContext, inc: Incoming, key: string | undefined, token: TokenRecord | undefined): QuotaSlot {
  const day = Math.floor(inc.time / 86_400_000);
  const who = key === undefined ? `ip|${inc.address}` : token ? `${key}|${token.accountId}` : key;
  const max = key === undefined ? ANONYMOUS_QUOTA : ctx.quotaMax;
  const id = `${day}|${who}`;
  const used = ctx.quotaUsed.get(id) ?? 0;
  if (used >= max) throw new ApiFailure(502, 'too many requests from this key; the daily quota is spent');
  return { id, max, used };
}

/**
 * Refuses a request from a banned address (reason `ban`), or one over the per-second limit (reason
 * `rate`, which bans the address). Neither counts toward the rate window or the quota.
 */
function throttleAddress(ctx: SandboxContext, inc: Incoming, method: string): void {
  const { address, time } = inc;
  let reason: ThrottleViolation['reason'] | undefined;
  if (ctx.bans.remainingMs(address, time) > 0) reason = 'ban';
  else if (!ctx.rate.allow(address, time)) {
    reason = 'rate';
    ctx.bans.ban(address, time);
  }
  if (reason === undefined) return;
  ctx.throttleViolations.push({ method, reason, time });
  // After a ban the window may still be full (a ban shorter than a second): the later of the two.
  const seconds = Math.ceil(Math.max(ctx.bans.remainingMs(address, time), ctx.rate.waitMs(address, time)) / 1000);
  throw new ApiFailure(502, `too many requests from this IP, more requests available in ${seconds} seconds`);
}

/**
 * Serves `/2.3/...`: per-address rate limit and ban, faults, routing, `backoff` enforcement, `key`,
 * `access_token`, scope and `site` checks, paging and quota, then the method itself. Every answer
 * is a compressed wrapper; every error is HTTP 400 with `error_id`, `error_name`, `error_message`.
 */
export function handleApi(ctx: SandboxContext, inc: Incoming, res: ServerResponse): void {
  const path = inc.path.slice(API_PREFIX.length);
  const matched = matchRoute(path);
  const family = matched?.route.family;
  try {
    throttleAddress(ctx, inc, family ?? path);
    const params: Params = inc.method === 'POST' ? { ...inc.query, ...inc.form } : inc.query;
    const fault = takeApiFault(ctx);
    if (fault === 'throttle') throw new ApiFailure(502, 'too many requests from this IP, more requests available in 30 seconds');
    if (fault === 'unavailable') throw new ApiFailure(503, 'The method is temporarily unavailable; back off and try again later');
    if (fault === 'internal') throw new ApiFailure(500, 'An internal error occurred');
    if (fault === 'compromised') {
      if (typeof params.access_token === 'string') ctx.state.revoke(params.access_token);
      throw new ApiFailure(406, 'The access_token was sent over an insecure channel and has been invalidated');
    }
    if (!matched) throw new ApiFailure(404, 'no method found with this name');
    const { route } = matched;
    if (inc.method !== route.method) throw new ApiFailure(404, `this method must be called with ${route.method}`);
    if (route.method === 'POST' && !inc.isForm) throw new ApiFailure(400, 'the body must be application/x-www-form-urlencoded');
    if (family !== undefined && ctx.backoffs.violates(family, inc.time)) {
      ctx.throttleViolations.push({ method: family, reason: 'backoff', time: inc.time });
      throw new ApiFailure(502, `called ${family} before its backoff had passed`);
    }
    const repeated = firstRepeated(params);
    if (repeated !== undefined) throw new ApiFailure(400, `${repeated} was sent more than once`);
    const p = params as Record<string, string>;
    if (p.key !== undefined && !ctx.keys.has(p.key)) throw new ApiFailure(400, 'key: this is not a valid key');
    let token: TokenRecord | undefined;
    if (p.access_token !== undefined) {
      if (p.key === undefined) throw new ApiFailure(405, 'a key is required when an access_token is passed');
      token = ctx.state.validToken(p.access_token);
      if (!token) throw new ApiFailure(402, 'access_token is invalid, expired or revoked');
    }
    if (route.token && !token) throw new ApiFailure(401, 'This method requires an access_token');
    if (route.scope !== undefined && !token?.scope.includes(route.scope)) {
      throw new ApiFailure(403, `This method requires an access_token with the ${route.scope} scope`);
    }
    let site: SampleSite | undefined;
    if (route.site) {
      if (p.site === undefined || p.site === '') throw new ApiFailure(400, 'site is required');
      site = findSite(p.site);
      if (!site) throw new ApiFailure(400, `site: no site found for name \`${p.site}\``);
    }
    const paging = readPaging(params);
    const segment = decodeSegment(matched.segment);
    const call: Call = { ctx, inc, params, segment, token, user: token ? ctx.usersById.get(token.accountId) : undefined, site, paging };
    const quota = quotaSlot(ctx, inc, p.key, token);
    const { items, hasMore } = route.handle(call);
    ctx.quotaUsed.set(quota.id, quota.used + 1);
    const backoff = ctx.backoffs.announce(route.family, inc.time);
    sendCompressedJson(res, inc.headers, 200, successWrapper({ items, hasMore, quotaMax: quota.max, quotaRemaining: quota.max - quota.used - 1, backoff }));
  } catch (err) {
    if (!(err instanceof ApiFailure)) throw err;
    sendCompressedJson(res, inc.headers, 400, errorWrapper(err.errorId, err.message, err.backoff));
  }
}
