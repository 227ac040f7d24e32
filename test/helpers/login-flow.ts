import request from 'supertest';
import type { Sandbox } from 'passport-stackexchange-oauth2/sandbox';

/** A supertest agent that keeps cookies and takes absolute URLs, so one "browser" can visit several instances. */
export type Browser = request.Agent;

/** A cookie-keeping agent for absolute URLs (cookies are shared across ports of `localhost`, as in browsers). */
export function createBrowser(): Browser {
  // An empty base: supertest then uses each request's URL as given.
  return request.agent('');
}

/** Options of {@link startLogin} and {@link login}. */
export interface LoginOptions {
  /** The router's basePath. Default `/auth`. */
  basePath?: string;
  /** `returnTo` of the start route. */
  returnTo?: string;
  /** `scope` of the start route, e.g. `'read_inbox,no_expiry'`. */
  scope?: string;
  /** Start a popup login (`popup=1`). */
  popup?: boolean;
  /** Ask for the network users (`networkUsers=1`). */
  networkUsers?: boolean;
  /** Who logs in on the consent page. Default: the sandbox's first user. */
  accountId?: number;
  /** Approve (default) or decline on the consent page. */
  approve?: boolean;
  /** Send the callback to this instance (`http://localhost:PORT`) instead of the callback URL's own. */
  callbackVia?: string;
}

/** The start route's URL for `options`. */
export function startPath(options: LoginOptions = {}): string {
  const params = new URLSearchParams();
  if (options.returnTo !== undefined) params.set('returnTo', options.returnTo);
  if (options.scope !== undefined) params.set('scope', options.scope);
  if (options.popup) params.set('popup', '1');
  if (options.networkUsers) params.set('networkUsers', '1');
  const query = params.toString();
  const start = `${options.basePath ?? '/auth'}/start`;
  return query === '' ? start : `${start}?${query}`;
}

/**
 * `GET {appURL}/auth/start?...` and returns the authorize URL it redirects to.
 * @throws Error when the start does not answer 302.
 */
export async function startLogin(browser: Browser, appURL: string, options: LoginOptions = {}): Promise<URL> {
  const res = await browser.get(`${appURL}${startPath(options)}`);
  if (res.status !== 302) throw new Error(`the start answered ${res.status}: ${res.text}`);
  return new URL(String(res.headers['location']));
}

/** Acts as the person on the sandbox's consent page and returns the callback URL it sends the browser to. */
export async function consent(se: Sandbox, authorizeURL: URL, options: LoginOptions = {}): Promise<URL> {
  const accountId = options.accountId ?? se.users[0]?.accountId;
  const redirect = await se.authorize(authorizeURL, { approve: options.approve ?? true, ...(accountId === undefined ? {} : { accountId }) });
  if (options.callbackVia === undefined) return redirect;
  const via = new URL(options.callbackVia);
  redirect.protocol = via.protocol;
  redirect.host = via.host;
  return redirect;
}

/** Follows a callback URL (as {@link consent} returned it) with the browser. */
export function completeLogin(browser: Browser, callbackURL: URL): Promise<request.Response> {
  return browser.get(callbackURL.href);
}

/**
 * Drives a whole login through the sandbox: start on `appURL`, consent as `options.accountId`, then
 * the callback (on `options.callbackVia` when given). Returns the callback's answer (a 303 on success).
 */
export async function login(browser: Browser, se: Sandbox, appURL: string, options: LoginOptions = {}): Promise<request.Response> {
  const authorizeURL = await startLogin(browser, appURL, options);
  const callbackURL = await consent(se, authorizeURL, options);
  return completeLogin(browser, callbackURL);
}
