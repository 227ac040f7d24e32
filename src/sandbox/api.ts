import type { ServerResponse } from 'node:http';
import { takeApiFault, type SandboxContext } from './context.js';
import { filterWrapper, resolveFilter } from './filters.js';
import { firstRepeated, type Incoming, type Params } from './incoming.js';
import { pageOf, readPaging } from './paging.js';
import { matchRoute, type Call } from './routes.js';
import { findSite, type SampleSite } from './sample-data.js';
import type { TokenRecord } from './state.js';
import type { ThrottleViolation } from './types.js';
import { ApiFailure, errorWrapper, sendCompressedJson } from './wrapper.js';

/** The path prefix of the API. */
export const API_PREFIX = '/2.3';

// Stack Exchange's daily quota for requests without a key, per address.
const ANONYMOUS_QUOTA = 300;
// What an injected `ban` fault lasts when the sandbox itself does not ban (banSeconds: 0).
const FAULT_BAN_SECONDS = 30;

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ApiFailure(400, 'the path is not correctly percent-encoded');
  }
}

function throttled(seconds: number): ApiFailure {
  return new ApiFailure(502, `too many requests from this IP, more requests available in ${seconds} seconds`);
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
  throw throttled(Math.ceil(Math.max(ctx.bans.remainingMs(address, time), ctx.rate.waitMs(address, time)) / 1000));
}

/**
 * Serves `/2.3/...`: records the request (duplicates, peak rate), per-address rate limit and ban,
 * faults, routing, `backoff` enforcement, `key`, `access_token`, scope and `site` checks (required on
 * per-site methods, refused on network-wide ones), paging, filter and quota, then the method itself.
 * Every answer is a compressed wrapper shaped by the filter; every error is HTTP 400 with `error_id`,
 * `error_name`, `error_message`.
 */
export function handleApi(ctx: SandboxContext, inc: Incoming, res: ServerResponse): void {
  const path = inc.path.slice(API_PREFIX.length);
  const matched = matchRoute(path);
  const family = matched?.route.family;
  const params: Params = inc.method === 'POST' ? { ...inc.query, ...(inc.form ?? {}) } : inc.query;
  ctx.requestLog.record(inc.method, inc.path, params, inc.time);
  try {
    throttleAddress(ctx, inc, family ?? path);
    const fault = takeApiFault(ctx);
    if (fault?.kind === 'throttle') throw throttled(30);
    if (fault?.kind === 'ban') {
      const ms = fault.seconds !== undefined ? fault.seconds * 1000 : ctx.bans.durationMs > 0 ? ctx.bans.durationMs : FAULT_BAN_SECONDS * 1000;
      ctx.bans.ban(inc.address, inc.time, ms);
      throw throttled(Math.ceil(ms / 1000));
    }
    if (fault?.kind === 'unavailable') throw new ApiFailure(503, 'The method is temporarily unavailable; back off and try again later');
    if (fault?.kind === 'internal') throw new ApiFailure(500, 'An internal error occurred');
    if (fault?.kind === 'compromised') {
      if (typeof params.access_token === 'string') ctx.state.revoke(params.access_token);
      throw new ApiFailure(406, 'The access_token was sent over an insecure channel and has been invalidated');
    }
    if (!matched) throw new ApiFailure(404, 'no method found with this name');
    const { route } = matched;
    if (!(route.methods as readonly string[]).includes(inc.method)) throw new ApiFailure(404, `this method must be called with ${route.methods.join(' or ')}`);
    if (inc.method === 'POST' && !inc.isForm) throw new ApiFailure(400, 'the body must be application/x-www-form-urlencoded');
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
    if (route.site === 'required') {
      if (p.site === undefined || p.site === '') throw new ApiFailure(400, 'site is required');
      site = findSite(p.site);
      if (!site) throw new ApiFailure(400, `site: no site found for name \`${p.site}\``);
    } else if (p.site !== undefined) {
      throw new ApiFailure(400, 'site: this method is network-wide and takes no site parameter');
    }
    const paging = readPaging(params);
    const filter = resolveFilter(p.filter);
    const segment = decodeSegment(matched.segment);
    const call: Call = { ctx, inc, params, segment, token, user: token ? ctx.usersById.get(token.accountId) : undefined, site };
    const quota = quotaSlot(ctx, inc, p.key, token);
    const all = route.handle(call);
    const { items, hasMore } = pageOf(all, paging);
    ctx.quotaUsed.set(quota.id, quota.used + 1);
    const backoff = ctx.backoffs.announce(route.family, inc.time);
    const wrapper = filterWrapper(filter, {
      items,
      has_more: hasMore,
      quota_max: quota.max,
      quota_remaining: quota.max - quota.used - 1,
      ...(backoff === undefined ? {} : { backoff }),
      page: paging.page,
      page_size: paging.pageSize,
      total: all.length,
      type: route.type,
    });
    sendCompressedJson(res, inc.headers, 200, wrapper);
  } catch (err) {
    if (!(err instanceof ApiFailure)) throw err;
    sendCompressedJson(res, inc.headers, 400, errorWrapper(err.errorId, err.message, err.backoff));
  }
}
