import { isApiLimits } from '../api/api-limits.js';
import type { ApiLimits } from '../api/api-limits.js';
import { isResponseCache } from '../api/response-cache.js';
import type { ResponseCache } from '../api/response-cache.js';
import { isRecord } from '../util/is-record.js';
import { optionFailure } from '../util/option-error.js';
import type { OptionFailure } from '../util/option-error.js';
import { boolean, func, nonEmptyString, oneOf, optional, parseOptions, passThrough, positiveNumber } from '../util/options-schema.js';
import type { OptionRule, RuleFailure } from '../util/options-schema.js';
import { PENDING_LOGINS_KEY } from './pending-logins.js';
import type { PendingLoginStore } from './pending-logins.js';
import { splitScopeList } from '../util/scope-list.js';
import { userAgent, userAgentOption } from '../util/user-agent.js';
import { MAX_TIMER_MS } from '../util/timers.js';
import { isHttpToken } from '../util/http-token.js';
import { isSecureEndpoint, SECURE_ENDPOINT_RULE } from '../util/loopback.js';

/** The OAuth scopes Stack Exchange knows. */
export const STACKEXCHANGE_SCOPES = ['read_inbox', 'no_expiry', 'write_access', 'private_info'] as const;

/** One of {@link STACKEXCHANGE_SCOPES}. */
export type StackExchangeScope = (typeof STACKEXCHANGE_SCOPES)[number];

/** Default endpoints and limits of {@link StackExchangeStrategyOptions}. */
export const STRATEGY_DEFAULTS = {
  authorizationURL: 'https://stackoverflow.com/oauth',
  tokenURL: 'https://stackoverflow.com/oauth/access_token/json',
  apiURL: 'https://api.stackexchange.com/2.3',
  site: 'stackoverflow',
  networkUsers: false,
  /** Milliseconds for the token exchange and for each profile request. */
  timeout: 10_000,
  /** Seconds a pending login stays valid. */
  stateTTL: 600,
  /** Pending logins kept per session; the oldest is dropped beyond this. */
  maxPendingLogins: 10,
} as const;

/** Options of `StackExchangeStrategy`. */
export interface StackExchangeStrategyOptions {
  /** The app's client id from Stack Apps (not secret). Required. */
  clientID: string;
  /** The app's client secret. Omit it for a public client (desktop, mobile): PKCE alone then protects the code. */
  clientSecret?: string | undefined;
  /** The app's API key, sent with every API call (for the profile). Required. */
  key: string;
  /** The absolute `redirect_uri` registered for the app, e.g. `https://app.example/auth/callback`. Required. */
  callbackURL: string;
  /** Scopes to ask for: an array or a comma/space-separated string. Default: none (identify the user only). */
  scope?: readonly StackExchangeScope[] | string;
  /** The site whose user the profile describes (`stackoverflow` or a domain). Default `stackoverflow`. */
  site?: string;
  /** Add the user's accounts across the network (`/me/associated`) to the profile. Default `false`. */
  networkUsers?: boolean;
  /** Milliseconds allowed for the token exchange and for each profile request. Default `10000`. */
  timeout?: number;
  /** Seconds a pending login stays valid. Default `600`. */
  stateTTL?: number;
  /** Pending logins kept per session (one per open login tab); the oldest is dropped. Default `10`. */
  maxPendingLogins?: number;
  /** Authorization endpoint. Default `https://stackoverflow.com/oauth`. */
  authorizationURL?: string;
  /** Token endpoint (JSON or form-encoded answers). Default `https://stackoverflow.com/oauth/access_token/json`. */
  tokenURL?: string;
  /** API base URL. Default `https://api.stackexchange.com/2.3`. */
  apiURL?: string;
  /** The app's own product token, put in front of the package's in the `User-Agent`, e.g. `my-app/1.2`. */
  userAgent?: string;
  /** Pass the request as the first argument of `verify`. Default `false`. */
  passReqToCallback?: boolean;
  /**
   * A `fetch` for the token exchange and the profile (tests, proxies). Default: `node:http`/`node:https`
   * over Node's global keep-alive agents.
   */
  fetch?: typeof fetch;
  /**
   * The limits the profile requests pass (30 requests/s window, backoffs, bans, quota). Default: the
   * process-wide ones for `apiURL`, shared with every `StackExchangeClient`; a Redis-backed `ApiLimits`
   * shares them across instances.
   */
  apiLimits?: ApiLimits;
  /**
   * The response cache of the profile reads and, through the router, of `req.stackexchange`: the
   * profile's `/me` at login then answers the app's first identical `/me` read. `false` for none.
   * Default: the process-wide `MemoryResponseCache` of `apiURL`; a `RedisResponseCache` shares it
   * across instances.
   */
  cache?: ResponseCache | false;
  /** Milliseconds a read's answer is reused. Default 60000. */
  cacheTTL?: number;
  /**
   * Skip loading the profile (no `/me` request): `true`, or passport-oauth2's `(accessToken, done)`
   * deciding per login. `verify` then gets `undefined` as the profile and is required. Default `false`.
   */
  skipUserProfile?: boolean | ((accessToken: string, done: (err: unknown, skip?: boolean) => void) => void) | (() => boolean);
  /** Further headers sent with the token request (`content-type` and `accept` stay the package's). */
  customHeaders?: Readonly<Record<string, string>>;
  /** How the scopes are joined in the authorize URL: `' '` (the default) or `','` (Stack Exchange takes both). */
  scopeSeparator?: ' ' | ',';
  /** The session property where the default `SessionPendingLoginStore` keeps pending logins. Default `'stackexchangePending'`. */
  sessionKey?: string;
  /** Where pending logins are kept. Default: a `SessionPendingLoginStore` under `sessionKey`; `RedisPendingLoginStore` for several instances. */
  store?: PendingLoginStore;
  /** Accepted for passport-oauth2 compatibility: PKCE S256 is always on (`true` or `'S256'` only). */
  pkce?: true | 'S256';
  /** Accepted for passport-oauth2 compatibility: state is always on (`true` only). */
  state?: true;
}

/** {@link StackExchangeStrategyOptions} after validation, with defaults applied. */
export interface ResolvedStrategyOptions {
  clientID: string;
  clientSecret: string | undefined;
  key: string;
  callbackURL: string;
  scope: StackExchangeScope[];
  site: string;
  networkUsers: boolean;
  timeout: number;
  stateTTL: number;
  maxPendingLogins: number;
  authorizationURL: string;
  tokenURL: string;
  apiURL: string;
  /** The full `User-Agent` header value (the app's product token, then the package's). */
  userAgent: string;
  /** The app's own product token as given, if any. */
  appUserAgent: string | undefined;
  passReqToCallback: boolean;
  /** The `fetch` given in the options; `undefined` means `node:http(s)`. */
  fetch: typeof fetch | undefined;
  apiLimits: ApiLimits | undefined;
  cache: ResponseCache | false | undefined;
  cacheTTL: number | undefined;
  /** `false` (the default), `true`, or the function given, which decides per login. */
  skipUserProfile: NonNullable<StackExchangeStrategyOptions['skipUserProfile']>;
  customHeaders: Readonly<Record<string, string>>;
  scopeSeparator: ' ' | ',';
  sessionKey: string;
  store: PendingLoginStore | undefined;
}

const SITE = /^[a-z0-9][a-z0-9.-]{0,99}$/i;
const HEADER_VALUE = /^[\t\x20-\x7e]*$/;
const CALLBACK_EXAMPLE = '"https://app.example/auth/callback"';

/**
 * Checks that `value` is an absolute http(s) URL without a fragment or credentials and returns it
 * unchanged; `fail(rule, example)` otherwise.
 */
function checkAbsoluteURL(value: unknown, fail: RuleFailure, example: string, relativeHint: string, secure: boolean): string {
  if (typeof value !== 'string' || value === '') return fail('must be an absolute http(s) URL', example);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail(`must be an absolute http(s) URL${value.startsWith('/') ? relativeHint : ''}`, example);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return fail('must use http: or https:', example);
  // Stack Exchange's endpoints get the client secret, the code and the verifier.
  if (secure && !isSecureEndpoint(url)) return fail(SECURE_ENDPOINT_RULE, example);
  if (url.hash !== '' || value.includes('#')) return fail('must not have a fragment', example);
  if (url.username !== '' || url.password !== '') return fail('must not carry credentials', example);
  return value;
}

const RELATIVE_CALLBACK =
  ': a relative one would be resolved against the Host header, which the client controls, and Stack Exchange compares redirect_uri byte for byte; give the full URL registered on Stack Apps';

/** Rule for an absolute http(s) URL; `secure`: https, or http on a loopback host only. */
function urlRule(example: string, { relativeHint = '', secure = false }: { relativeHint?: string; secure?: boolean } = {}): OptionRule<string> {
  return (value, fail) => checkAbsoluteURL(value, fail, example, relativeHint, secure);
}

/**
 * Checks that `value` is an absolute http(s) URL without a fragment and returns it unchanged.
 * Throws a `TypeError` naming `option` otherwise.
 */
export function absoluteURL(option: string, value: unknown, example: string): string {
  const fail = optionFailure('StackExchangeStrategy');
  return checkAbsoluteURL(value, (rule, ex) => fail(option, rule, ex), example, option === 'callbackURL' ? RELATIVE_CALLBACK : '', false);
}

/** Rule for a required string without surrounding spaces. */
function requiredString(example: string): OptionRule<string> {
  return (value, fail) => {
    if (value === undefined || value === null || value === '') return fail('is required', example);
    if (typeof value !== 'string' || value.trim() !== value) return fail('must be a string without surrounding spaces', example);
    return value;
  };
}

function isPendingLoginStore(value: unknown): value is PendingLoginStore {
  return isRecord(value) && typeof value['store'] === 'function' && typeof value['verify'] === 'function';
}

function isHeaders(value: unknown): value is Record<string, string> {
  return (
    isRecord(value) &&
    Object.entries(value).every(([name, text]) => isHttpToken(name) && typeof text === 'string' && HEADER_VALUE.test(text))
  );
}

/**
 * Parses a scope given as an array or as a comma/space-separated string into a de-duplicated list of
 * known Stack Exchange scopes. Throws a `TypeError` naming `option` for anything else.
 */
export function parseScope(value: unknown, option = 'scope'): StackExchangeScope[] {
  const fail: OptionFailure = optionFailure('StackExchangeStrategy');
  return scopeRule((rule, example) => fail(option, rule, example), value);
}

function scopeRule(fail: RuleFailure, value: unknown): StackExchangeScope[] {
  const example = "['read_inbox', 'no_expiry']";
  if (value === undefined) return [];
  let names: unknown[];
  if (typeof value === 'string') names = splitScopeList(value);
  else if (Array.isArray(value)) names = value;
  else return fail('must be an array of scopes or a comma/space-separated string', example);
  const scopes: StackExchangeScope[] = [];
  for (const name of names) {
    if (!(STACKEXCHANGE_SCOPES as readonly unknown[]).includes(name)) return fail(`may only contain ${STACKEXCHANGE_SCOPES.join(', ')}`, example);
    if (!scopes.includes(name as StackExchangeScope)) scopes.push(name as StackExchangeScope);
  }
  return scopes;
}

const STRATEGY_SCHEMA = {
  clientID: requiredString('"1234"'),
  clientSecret: optional<string, undefined>((value, fail) => {
    if (typeof value !== 'string' || value === '') return fail('must be a non-empty string, or left out for a public client', '"abc"');
    return value;
  }, undefined),
  key: requiredString('"api-key(("'),
  callbackURL: urlRule(CALLBACK_EXAMPLE, { relativeHint: RELATIVE_CALLBACK }),
  scope: ((value, fail) => scopeRule(fail, value)) as OptionRule<StackExchangeScope[]>,
  site: optional<string, string>((value, fail) => {
    const site = nonEmptyString('"stackoverflow"')(value, fail);
    if (!SITE.test(site)) return fail('must be a site parameter or domain', '"stackoverflow" or "math.stackexchange.com"');
    return site;
  }, STRATEGY_DEFAULTS.site),
  networkUsers: optional(boolean('true'), STRATEGY_DEFAULTS.networkUsers as boolean),
  timeout: optional(positiveNumber(String(STRATEGY_DEFAULTS.timeout), { max: MAX_TIMER_MS, integer: true }), STRATEGY_DEFAULTS.timeout as number),
  stateTTL: optional(positiveNumber(String(STRATEGY_DEFAULTS.stateTTL), { max: 86_400 }), STRATEGY_DEFAULTS.stateTTL as number),
  maxPendingLogins: optional(positiveNumber(String(STRATEGY_DEFAULTS.maxPendingLogins), { max: 100, integer: true }), STRATEGY_DEFAULTS.maxPendingLogins as number),
  authorizationURL: optional(urlRule(JSON.stringify(STRATEGY_DEFAULTS.authorizationURL), { secure: true }), STRATEGY_DEFAULTS.authorizationURL as string),
  tokenURL: optional(urlRule(JSON.stringify(STRATEGY_DEFAULTS.tokenURL), { secure: true }), STRATEGY_DEFAULTS.tokenURL as string),
  apiURL: optional(urlRule(JSON.stringify(STRATEGY_DEFAULTS.apiURL), { secure: true }), STRATEGY_DEFAULTS.apiURL as string),
  userAgent: optional(userAgentOption('"my-app/1.0 (+https://app.example)"'), undefined),
  passReqToCallback: optional(boolean('true'), false),
  fetch: optional(func<typeof fetch>('globalThis.fetch'), undefined),
  apiLimits: optional(passThrough(isApiLimits, 'must be an ApiLimits (take, release, backoff, ban, quota)', 'new MemoryApiLimits()'), undefined),
  cache: optional<ResponseCache | false, undefined>(
    (value, fail) => (value === false || isResponseCache(value) ? value : fail('must be a ResponseCache (MemoryResponseCache, RedisResponseCache) or false', 'new RedisResponseCache({ client })')),
    undefined,
  ),
  cacheTTL: optional(positiveNumber('60000', { max: MAX_TIMER_MS }), undefined),
  skipUserProfile: optional<ResolvedStrategyOptions['skipUserProfile'], false>((value, fail) => {
    if (typeof value !== 'boolean' && typeof value !== 'function') return fail('must be a boolean or a function (accessToken, done) => done(null, skip)', 'true');
    return value as ResolvedStrategyOptions['skipUserProfile'];
  }, false),
  customHeaders: optional<Readonly<Record<string, string>>, Readonly<Record<string, string>>>(
    passThrough(isHeaders, 'must be an object of header names and string values', "{ 'x-request-source': 'login' }"),
    Object.freeze({}),
  ),
  scopeSeparator: optional(oneOf([' ', ','] as const, "','"), ' ' as const),
  sessionKey: optional(nonEmptyString('"stackexchangePending"'), undefined),
  store: optional(passThrough(isPendingLoginStore, 'must be a PendingLoginStore (store and verify methods)', 'new RedisPendingLoginStore({ client })'), undefined),
  pkce: optional(
    (value, fail) => (value === true || value === 'S256' ? value : fail('cannot be changed: PKCE S256 is always used; remove the option', 'true')),
    true,
  ),
  state: optional((value, fail) => (value === true ? value : fail('cannot be turned off: state is always used; remove the option', 'true')), true),
} satisfies Record<string, OptionRule<unknown>>;

/**
 * Validates the options of `StackExchangeStrategy` with `parseOptions` and applies the defaults in
 * {@link STRATEGY_DEFAULTS}. Unknown keys are refused, naming the nearest known one.
 *
 * @throws TypeError naming the first unknown, missing or malformed option, with an example of a correct value.
 */
export function resolveStrategyOptions(options: StackExchangeStrategyOptions): ResolvedStrategyOptions {
  const parsed = parseOptions('StackExchangeStrategy', options, STRATEGY_SCHEMA, '{ clientID: "1234", key: "api-key((", callbackURL: "https://app.example/auth/callback" }');
  const { pkce: _pkce, state: _state, userAgent: appUserAgent, sessionKey, ...rest } = parsed;
  if (sessionKey !== undefined && rest.store !== undefined) {
    optionFailure('StackExchangeStrategy')('sessionKey', 'only applies to the default session store; leave it out with options.store', 'undefined');
  }
  return { ...rest, sessionKey: sessionKey ?? PENDING_LOGINS_KEY, userAgent: userAgent(appUserAgent), appUserAgent };
}
