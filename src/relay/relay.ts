import express from 'express';
import type { NextFunction, Request, Response, Router } from 'express';
import { logger } from '../util/debug.js';
import type { AddressRateLimiter } from './address-rate-limit.js';
import { fragmentPage, messagePage } from './redirect-page.js';
import type { PageMessage, RelayPage } from './redirect-page.js';
import { isAppId, isRelayKey, storageKey } from './relay-keys.js';
import { resolveRelayOptions } from './relay-options.js';
import type { ResolvedRelayOptions, TokenRelayOptions } from './relay-options.js';
import { queryOf, readParams, readParsedParams } from './relay-params.js';
import type { RelayParams } from './relay-params.js';
import { answerFor, encodeResult, resultFromPost, resultFromQuery } from './relay-result.js';
import type { RelayResult } from './relay-result.js';

const log = logger('relay');

/** The router {@link tokenRelay} returns: mount it with `app.use(path, relay)`. */
export interface TokenRelay extends Router {
  /**
   * Ends every pending long-poll (503 `shutting_down`) and closes the store if the relay created it
   * (the default memory store); a store you passed in stays open.
   */
  close(): Promise<void>;
}

const REDIRECT_NAMES = ['code', 'state', 'error', 'error_description', 'appid', 'access_token'] as const;
const POST_QUERY_NAMES = ['appid'] as const;
const POST_BODY_NAMES = ['access_token', 'expires', 'state', 'error', 'error_description', 'code'] as const;
const TOKEN_NAMES = ['key', 'appid', 'wait'] as const;
const WAIT = /^\d{1,3}$/;
// A pub/sub message can be lost while a store reconnects; a long-poll looks again this often anyway.
const RECHECK_MS = 5_000;

/** The `appid` a request names once checked: accepted (possibly none), or refused with its status and error name. */
type AppIdCheck = { readonly appId: string | undefined } | { readonly status: 400 | 403; readonly name: 'invalid_appid' | 'app_not_allowed' };

/**
 * An Express router (Express 4 and 5) that receives OAuth redirects for desktop apps and hands each
 * result out once to the app that holds the `state` — a hardened successor of the DSS token server.
 *
 * Routes, relative to where it is mounted (e.g. `app.use('/auth', tokenRelay())`):
 * - `GET /redirect` — the redirect_uri. `?code=&state=[&appid=]` stores `{code}`;
 *   `?error=...&state=` stores the refusal; a request without code, error and state (the implicit
 *   grant, values in the fragment) gets a page whose script posts the fragment to `POST /redirect`.
 *   Answers HTML: 200, 400 (malformed), 403 (app id not allowed), 409 (key already used), 429 (too many writes from this address, with `Retry-After`; see
 *   `writeRateLimit`), 503 (store down or full).
 * - `POST /redirect` — the page's `application/x-www-form-urlencoded` post of `access_token`,
 *   `expires`, `state` or `error`, `state`. Answers 204, or JSON errors 400/403/409/415/429/503; counts toward the same `writeRateLimit` as the GET.
 * - `GET /token?key=<state>[&appid=][&wait=<s>]` — the stored result, once: 200 `{code}` or
 *   `{access_token, expires}`, 403 `{error_name: 'access_denied', error_message}` for a refusal; 404
 *   `{error_name: 'no_token'}` for unknown, used and expired keys alike; 400 `no_key`, `invalid_key`,
 *   `invalid_appid`, `invalid_wait`, `bad_request`; 429 `throttle_violation` with `Retry-After`; 503
 *   `store_unavailable`. With `wait` the request is held until the result arrives (from any instance
 *   sharing the store) or the wait ends (then 404).
 *
 * Keys (states) must be 22–128 characters of `[A-Za-z0-9_-]`; results are stored under
 * `appid:state` and expire after `ttl`. A key is writable once per `ttl`: the first write wins, and
 * after the app fetched the result the key stays used until its `ttl` ends, so a later redirect or post
 * gets 409 and stores nothing. Every answer carries `Cache-Control: no-store` and no CORS header;
 * tokens and keys are never logged.
 *
 * @throws TypeError when an option is invalid (see {@link TokenRelayOptions}).
 */
export function tokenRelay(options: TokenRelayOptions = {}): TokenRelay {
  const config = resolveRelayOptions(options);
  const router = express.Router() as TokenRelay;
  const waits = new Set<AbortController>();
  const parseForm = express.text({ type: 'application/x-www-form-urlencoded', limit: '8kb' });

  // HEAD would run the GET handlers, and a GET stores or hands out a result: refuse it.
  router.head('/redirect', (_req, res) => methodNotAllowed(res, 'GET, POST, OPTIONS'));
  router.head('/token', (_req, res) => methodNotAllowed(res, 'GET, OPTIONS'));
  router.options('/redirect', (_req, res) => allow(res, 'GET, POST, OPTIONS'));
  router.options('/token', (_req, res) => allow(res, 'GET, OPTIONS'));
  router.get('/redirect', route((req, res) => redirectGet(config, req, res)));
  router.post('/redirect', route((req, res) => redirectPost(config, parseForm, req, res)));
  router.get('/token', route((req, res) => token(config, waits, req, res)));
  router.all('/redirect', (_req, res) => methodNotAllowed(res, 'GET, POST, OPTIONS'));
  router.all('/token', (_req, res) => methodNotAllowed(res, 'GET, OPTIONS'));

  router.close = async () => {
    for (const wait of waits) wait.abort();
    waits.clear();
    if (config.ownsStore) await config.store.close?.();
  };
  return router;
}

async function redirectGet(config: ResolvedRelayOptions, req: Request, res: Response): Promise<void> {
  const retryAfter = throttled(config.writeLimiter, req);
  if (retryAfter !== undefined) {
    res.set('Retry-After', String(retryAfter));
    return page(res, 429, messagePage('busy'));
  }
  const params = readParams(queryOf(req.originalUrl), REDIRECT_NAMES);
  if (!params) return page(res, 400, messagePage('invalid'));
  const app = checkAppId(config, params);
  if ('status' in app) return page(res, app.status, messagePage('invalid'));
  const result = resultFromQuery(params);
  if (result === undefined) return page(res, 400, messagePage('invalid'));
  const state = params.get('state');
  if (result === null && state === undefined) return page(res, 200, fragmentPage());
  if (result === null || !isRelayKey(state)) return page(res, 400, messagePage('invalid'));
  const outcome = await store(config, app.appId, state, result);
  const done: PageMessage = 'error' in result ? (result.error === 'access_denied' ? 'declined' : 'failed') : 'stored';
  const messages = { stored: [200, done], duplicate: [409, 'duplicate'], unavailable: [503, 'unavailable'] } as const;
  const [status, message] = messages[outcome];
  page(res, status, messagePage(message));
}

async function redirectPost(
  config: ResolvedRelayOptions,
  parseForm: (req: Request, res: Response, next: NextFunction) => void,
  req: Request,
  res: Response,
): Promise<void> {
  // The page posts from its own origin; a browser saying otherwise is a cross-site forgery attempt.
  const site = req.get('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return json(res, 403, 'cross_site', 'Cross-site posts are refused');
  const retryAfter = throttled(config.writeLimiter, req);
  if (retryAfter !== undefined) {
    res.set('Retry-After', String(retryAfter));
    return json(res, 429, 'throttle_violation', 'Too many writes from this address; try again later');
  }
  if (!req.is('application/x-www-form-urlencoded')) return json(res, 415, 'unsupported_media_type', 'Post application/x-www-form-urlencoded');
  const query = readParams(queryOf(req.originalUrl), POST_QUERY_NAMES);
  if (!query) return json(res, 400, 'bad_request', 'Repeated or structured parameters');
  const app = checkAppId(config, query);
  if ('status' in app) return json(res, app.status, app.name, 'This app id is not accepted');
  const body = await readBody(parseForm, req, res);
  if (body === 'too_large') return json(res, 413, 'too_large', 'The body is too large');
  if (!body) return json(res, 400, 'bad_request', 'Repeated, structured or unreadable parameters');
  const state = body.get('state');
  if (!isRelayKey(state)) return json(res, 400, 'invalid_key', 'The state must be 22-128 characters of A-Z a-z 0-9 _ -');
  const result = resultFromPost(body);
  if (!result) return json(res, 400, 'bad_request', 'Post access_token [expires] or error, with state');
  const outcome = await store(config, app.appId, state, result);
  if (outcome === 'duplicate') return json(res, 409, 'already_stored', 'A result was already stored for this key');
  if (outcome === 'unavailable') return json(res, 503, 'store_unavailable', 'The relay store is unavailable');
  noStore(res);
  res.status(204).end();
}

async function token(config: ResolvedRelayOptions, waits: Set<AbortController>, req: Request, res: Response): Promise<void> {
  const retryAfter = throttled(config.limiter, req);
  if (retryAfter !== undefined) {
    res.set('Retry-After', String(retryAfter));
    return json(res, 429, 'throttle_violation', 'Too many requests; poll more slowly');
  }
  const params = readParams(queryOf(req.originalUrl), TOKEN_NAMES);
  if (!params) return json(res, 400, 'bad_request', 'Repeated or structured parameters');
  const key = params.get('key');
  if (key === undefined || key === '') return json(res, 400, 'no_key', 'Give the key (the state) as ?key=');
  if (!isRelayKey(key)) return json(res, 400, 'invalid_key', 'The key must be 22-128 characters of A-Z a-z 0-9 _ -');
  const app = checkAppId(config, params);
  if ('status' in app) return json(res, app.status, app.name, 'This app id is not accepted');
  const waitParam = params.get('wait');
  const wait = waitParam === undefined ? 0 : WAIT.test(waitParam) ? Number(waitParam) : Number.NaN;
  if (!(wait >= 0 && wait <= config.maxWait)) return json(res, 400, 'invalid_wait', `wait must be whole seconds from 0 to ${config.maxWait}`);
  const id = storageKey(app.appId, key);
  try {
    const outcome = wait === 0 ? await takeFor(config, id, res) : await longPoll(config, waits, id, wait * 1000, res);
    if (outcome === 'gone') return;
    if (outcome === 'closing') return json(res, 503, 'shutting_down', 'The relay is shutting down');
    const stored = outcome.found;
    if (stored === undefined) return json(res, 404, 'no_token', 'No result for this key: unknown, already fetched or expired');
    const answer = answerFor(stored);
    noStore(res);
    res.status(answer.status).json(answer.body);
  } catch (error) {
    log(`store failed on fetch: ${String(error)}`);
    json(res, 503, 'store_unavailable', 'The relay store is unavailable');
  }
}

/**
 * Whether the client of a fetch can no longer be answered: its connection closed (also before the
 * handler ran, e.g. while an async middleware in front of the relay was loading a session, so its
 * `close` event is gone) or the response was already ended.
 */
function clientGone(res: Response): boolean {
  // Not `req.destroyed`: Node sets it once the request body was read to its end, with the client still waiting.
  return res.destroyed || res.socket?.destroyed === true || res.writableEnded;
}

/**
 * Takes the key's result for a client that is still there. `'gone'` when it is not: before the take
 * nothing is taken; when it left during the take, the result is put back.
 */
async function takeFor(config: ResolvedRelayOptions, id: string, res: Response): Promise<{ readonly found: string | undefined } | 'gone'> {
  if (clientGone(res)) return 'gone';
  const stored = await config.store.take(id);
  if (stored === undefined || !clientGone(res)) return { found: stored };
  // The client left while we took it: put it back rather than lose it. The key is used now, and a
  // store accepts only this exact value over it, for the rest of the key's TTL.
  const restored = await config.store.setIfAbsent(id, stored, config.ttlMs).catch(() => false);
  if (!restored) log('a result taken for a client that left could not be put back');
  return 'gone';
}

/**
 * Holds a fetch until the key's result is stored or `waitMs` passes. Subscribes before the first look,
 * so a result stored in between always wakes it. `'gone'`: the client disconnected, before or during
 * the wait (nothing taken, or what was taken put back).
 */
async function longPoll(
  config: ResolvedRelayOptions,
  waits: Set<AbortController>,
  id: string,
  waitMs: number,
  res: Response,
): Promise<{ readonly found: string | undefined } | 'gone' | 'closing'> {
  // A client that left before the handler ran fired its `close` already: no listener would hear it.
  if (clientGone(res)) return 'gone';
  const controller = new AbortController();
  const { signal } = controller;
  let gone = false;
  const onClose = (): void => {
    gone = true;
    controller.abort();
  };
  res.on('close', onClose);
  waits.add(controller);
  let notified = false;
  let wake: (() => void) | undefined;
  let unsubscribe: (() => void) | undefined;
  try {
    unsubscribe = await config.store.subscribe(id, () => {
      notified = true;
      wake?.();
    });
    const deadline = performance.now() + waitMs;
    // Set when the wait's last timer fired: the look after it is the last, even if that timer fired a
    // fraction of a millisecond before the deadline (timers are not exact to the millisecond).
    let waitOver = false;
    for (;;) {
      if (signal.aborted) return gone ? 'gone' : 'closing';
      notified = false;
      const took = await takeFor(config, id, res);
      if (took === 'gone' || took.found !== undefined) return took;
      const remaining = deadline - performance.now();
      if (remaining <= 0 || waitOver) return { found: undefined };
      // Aborted while the store was taking (close() or a disconnect): look no more, don't wait.
      if (!notified && !signal.aborted) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            clearTimeout(timer);
            signal.removeEventListener('abort', done);
            wake = undefined;
            resolve();
          };
          const last = remaining <= RECHECK_MS;
          const timer = setTimeout(() => {
            waitOver = last;
            done();
          }, Math.min(remaining, RECHECK_MS));
          signal.addEventListener('abort', done);
          wake = done;
        });
      }
    }
  } finally {
    unsubscribe?.();
    waits.delete(controller);
    res.off('close', onClose);
  }
}

async function store(config: ResolvedRelayOptions, appId: string | undefined, state: string, result: RelayResult): Promise<'stored' | 'duplicate' | 'unavailable'> {
  try {
    const stored = await config.store.setIfAbsent(storageKey(appId, state), encodeResult(result), config.ttlMs);
    log(`${'code' in result ? 'code' : 'access_token' in result ? 'token' : 'error'} for app ${appId ?? '-'}: ${stored ? 'stored' : 'refused, key already used'}`);
    return stored ? 'stored' : 'duplicate';
  } catch (error) {
    log(`store failed on redirect: ${String(error)}`);
    return 'unavailable';
  }
}

/** Takes one request of the client's address from `limiter`: `undefined` when allowed, else the seconds to wait. */
function throttled(limiter: AddressRateLimiter | undefined, req: Request): number | undefined {
  const verdict = limiter?.take(req.ip ?? req.socket.remoteAddress ?? 'unknown');
  return verdict && !verdict.allowed ? verdict.retryAfter : undefined;
}

function checkAppId(config: ResolvedRelayOptions, params: RelayParams): AppIdCheck {
  const appId = params.get('appid');
  if (appId !== undefined && !isAppId(appId)) return { status: 400, name: 'invalid_appid' };
  if (config.clientIds && (appId === undefined || !config.clientIds.has(appId))) return { status: 403, name: 'app_not_allowed' };
  return { appId };
}

function readBody(
  parseForm: (req: Request, res: Response, next: NextFunction) => void,
  req: Request,
  res: Response,
): Promise<RelayParams | 'too_large' | undefined> {
  return new Promise((resolve) => {
    parseForm(req, res, (error?: unknown) => {
      if (error) {
        const status = (error as { status?: unknown }).status;
        return resolve(status === 413 ? 'too_large' : undefined);
      }
      const body: unknown = req.body;
      if (typeof body === 'string') return resolve(readParams(body, POST_BODY_NAMES));
      // The app parsed the body already (its own express.urlencoded()).
      if (typeof body === 'object' && body !== null) return resolve(readParsedParams(body as Record<string, unknown>, POST_BODY_NAMES));
      resolve(readParams('', POST_BODY_NAMES));
    });
  });
}

function route(handler: (req: Request, res: Response) => Promise<void>) {
  // Express 4 ignores a rejected promise; pass unexpected failures on explicitly.
  return (req: Request, res: Response, next: NextFunction): void => {
    handler(req, res).catch(next);
  };
}

function noStore(res: Response): void {
  res.set({ 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' });
}

function json(res: Response, status: number, name: string, message: string): void {
  noStore(res);
  res.status(status).json({ error_name: name, error_message: message });
}

function page(res: Response, status: number, content: RelayPage): void {
  noStore(res);
  res.set(content.headers);
  res.status(status).send(content.html);
}

function allow(res: Response, methods: string): void {
  noStore(res);
  res.set('Allow', methods);
  res.status(204).end();
}

function methodNotAllowed(res: Response, methods: string): void {
  res.set('Allow', methods);
  json(res, 405, 'method_not_allowed', `Allowed: ${methods}`);
}
