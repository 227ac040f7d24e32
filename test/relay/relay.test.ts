import { createRequire } from 'node:module';
import { format } from 'node:util';
import createDebug from 'debug';
import express from 'express';
import { createSandbox } from 'passport-stackexchange-oauth2/sandbox';
import type { Sandbox } from 'passport-stackexchange-oauth2/sandbox';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { MemoryRelayStore } from '../../src/relay/memory-store.js';
import { RedisRelayStore } from '../../src/relay/redis-store.js';
import type { RelayStore } from '../../src/relay/relay-store.js';
import { codeChallengeS256, createCodeVerifier } from '../../src/util/pkce.js';
import { randomToken } from '../../src/util/random.js';
import { connectRedis, deletePrefix, startRedisProxy, uniquePrefix, unreachableRedis } from './redis-helpers.js';
import type { TestRedisClient } from './redis-helpers.js';
import { startRelay } from './relay-server.js';
import type { AppFactory, RunningRelay } from './relay-server.js';

const express4 = createRequire(import.meta.url)('express4') as AppFactory;

let se: Sandbox;
let redis: TestRedisClient;
const prefix = uniquePrefix('relay');
const running: RunningRelay[] = [];
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  se = await createSandbox({ port: 0 });
  redis = await connectRedis();
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  se.reset();
});

afterAll(async () => {
  await deletePrefix(redis, prefix);
  await redis.close();
  await se.close();
});

/** `inner` with a count of its live subscriptions (long-poll waiters), to check none is left behind. */
function countingSubscriptions(inner: RelayStore): { store: RelayStore; live: () => number } {
  let live = 0;
  const store: RelayStore = {
    setIfAbsent: (k, v, t) => inner.setIfAbsent(k, v, t),
    take: (k) => inner.take(k),
    async subscribe(k, l) {
      const unsubscribe = await inner.subscribe(k, l);
      live += 1;
      return () => {
        live -= 1;
        unsubscribe();
      };
    },
  };
  return { store, live: () => live };
}

async function relayWith(...args: Parameters<typeof startRelay>): Promise<RunningRelay> {
  const relay = await startRelay(...args);
  running.push(relay);
  return relay;
}

function redisStore(client: TestRedisClient = redis, commandTimeout = 1000): RedisRelayStore {
  const store = new RedisRelayStore({ client, prefix, commandTimeout });
  cleanups.push(() => store.close());
  return store;
}

/** The desktop client: a public app of the sandbox. */
const desktop = () => se.clients[1]!;

/** An authorize URL whose redirect_uri is the relay's `/redirect` (with `?appid=` when given). */
function authorizeURL(relay: RunningRelay, state: string, options: { appId?: string; implicit?: boolean } = {}): URL {
  const url = new URL(options.implicit ? se.implicitURL : se.authorizationURL);
  url.searchParams.set('client_id', desktop().clientId);
  url.searchParams.set('redirect_uri', `${relay.url}/redirect${options.appId ? `?appid=${options.appId}` : ''}`);
  url.searchParams.set('state', state);
  if (!options.implicit) {
    url.searchParams.set('code_challenge', codeChallengeS256(createCodeVerifier()));
    url.searchParams.set('code_challenge_method', 'S256');
  }
  return url;
}

async function getToken(relay: RunningRelay, query: string, init?: RequestInit): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(`${relay.url}/token?${query}`, init);
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

/** A `GET /token` answer as bytes: status, every header but `Date`, and the body text. */
async function rawToken(relay: RunningRelay, query: string): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const res = await fetch(`${relay.url}/token?${query}`);
  const headers: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    if (name !== 'date') headers[name] = value;
  });
  return { status: res.status, headers, body: await res.text() };
}

/**
 * A relay (rate limits off) behind a middleware whose `left` resolves once the server sees a client
 * leave before its answer. Registered before the relay's own listener, so by then the relay knows too.
 */
async function relayNoticingLeave(store: RelayStore): Promise<{ relay: RunningRelay; left: Promise<void> }> {
  let serverSawLeave: () => void = () => undefined;
  const left = new Promise<void>((resolve) => {
    serverSawLeave = resolve;
  });
  const relay = await relayWith({ store, rateLimit: false }, () => {
    const app = express();
    app.use((_req, res, next) => {
      res.on('close', () => {
        if (!res.writableFinished) serverSawLeave();
      });
      next();
    });
    return app;
  });
  return { relay, left };
}

async function redirect(relay: RunningRelay, query: string): Promise<Response> {
  const res = await fetch(`${relay.url}/redirect?${query}`);
  await res.text();
  return res;
}

async function post(relay: RunningRelay, body: string, init: { query?: string; headers?: Record<string, string> } = {}): Promise<Response> {
  const res = await fetch(`${relay.url}/redirect${init.query ? `?${init.query}` : ''}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...init.headers },
    body,
  });
  await res.text();
  return res;
}

const NO_TOKEN = { error_name: 'no_token', error_message: 'No result for this key: unknown, already fetched or expired' };

/**
 * Checks that a key whose result was fetched is used: the same redirect again (a reload), another code,
 * a refusal and the page's post all get the 409 of a second write, and a fetch, with or without wait,
 * gets the same bytes as an unknown key.
 */
async function expectUsed(relay: RunningRelay, state: string, location: URL): Promise<void> {
  expect((await redirect(relay, location.search.slice(1))).status).toBe(409);
  expect((await redirect(relay, `code=planted&state=${state}`)).status).toBe(409);
  expect((await redirect(relay, `error=access_denied&state=${state}`)).status).toBe(409);
  const posted = await fetch(`${relay.url}/redirect`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `access_token=planted&state=${state}`,
  });
  expect({ status: posted.status, body: (await posted.json()) as unknown }).toEqual({
    status: 409,
    body: { error_name: 'already_stored', error_message: 'A result was already stored for this key' },
  });
  const unknown = randomToken();
  const [used, fresh, usedWait, freshWait] = await Promise.all(
    [`key=${state}`, `key=${unknown}`, `key=${state}&wait=1`, `key=${unknown}&wait=1`].map((query) => rawToken(relay, query)),
  );
  expect(used).toMatchObject({ status: 404, body: JSON.stringify(NO_TOKEN) });
  expect(used).toEqual(fresh);
  expect(usedWait).toEqual(fresh);
  expect(freshWait).toEqual(fresh);
}

describe('tokenRelay: the code grant (recommended)', () => {
  it('stores the code from Stack Exchange\'s redirect and hands it to the app once; the relay never exchanges it', async () => {
    const relay = await relayWith();
    const state = randomToken();
    const location = await se.authorize(authorizeURL(relay, state, { appId: '1002' }));
    expect(location.origin + location.pathname).toBe(`${relay.url}/redirect`);
    const code = location.searchParams.get('code');
    expect(code).toBeTruthy();

    const landing = await fetch(location);
    expect(landing.status).toBe(200);
    expect(await landing.text()).toContain('return to the app');

    const first = await getToken(relay, `key=${state}&appid=1002`);
    expect(first).toMatchObject({ status: 200, body: { code } });
    const second = await getToken(relay, `key=${state}&appid=1002`);
    expect(second).toMatchObject({ status: 404, body: NO_TOKEN });
    expect(se.requests.filter((r) => r.path.startsWith('/oauth/access_token'))).toEqual([]);
  });

  it('stores a refusal so that the app learns it at once (403 access_denied)', async () => {
    const relay = await relayWith();
    const state = randomToken();
    const location = await se.authorize(authorizeURL(relay, state), { approve: false });
    expect(location.searchParams.get('error')).toBe('access_denied');
    const landing = await fetch(location);
    expect(landing.status).toBe(200);
    expect(await landing.text()).toContain('You declined access');
    expect(await getToken(relay, `key=${state}`)).toMatchObject({
      status: 403,
      body: { error_name: 'access_denied', error_message: 'The user declined access' },
    });
    expect(await getToken(relay, `key=${state}`)).toMatchObject({ status: 404, body: NO_TOKEN });
  });

  it('never reflects error_description and maps unknown errors to a fixed name', async () => {
    const relay = await relayWith();
    const state = randomToken();
    const res = await fetch(`${relay.url}/redirect?error=%3Cscript%3E&error_description=%3Cimg%20src%3Dx%3E&state=${state}`);
    const html = await res.text();
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<script>');
    expect((await getToken(relay, `key=${state}`)).body).toEqual({
      error_name: 'authorization_error',
      error_message: 'The authorization server reported an error',
    });
  });
});

describe('tokenRelay: the implicit grant', () => {
  it('serves the page when the values are in the fragment, stores the page\'s post, hands the token out once', async () => {
    const relay = await relayWith();
    const state = randomToken();
    const location = await se.authorize(authorizeURL(relay, state, { appId: '1002', implicit: true }));
    expect(location.search).toBe('?appid=1002');
    const fragment = new URLSearchParams(location.hash.slice(1));
    const token = fragment.get('access_token');
    expect(token).toBeTruthy();

    // The browser requests the URL without its fragment: it gets the page.
    const page = await fetch(`${location.origin}${location.pathname}${location.search}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('location.hash');

    // What the page's script sends (the real browser does it in redirect-page.test.ts).
    const stored = await post(relay, location.hash.slice(1), { query: 'appid=1002' });
    expect(stored.status).toBe(204);
    const answer = await getToken(relay, `key=${state}&appid=1002`);
    expect(answer).toMatchObject({ status: 200, body: { access_token: token, expires: Number(fragment.get('expires')) } });
    expect(Object.keys(answer.body).sort()).toEqual(['access_token', 'expires']);
    expect(await getToken(relay, `key=${state}&appid=1002`)).toMatchObject({ status: 404, body: NO_TOKEN });
    // The token works at the API: it is the one the sandbox issued.
    const me = await fetch(`${se.apiURL}/me?site=stackoverflow&key=${desktop().key}&access_token=${encodeURIComponent(token!)}`);
    expect(me.status).toBe(200);
  });

  it('stores a refusal posted by the page', async () => {
    const relay = await relayWith();
    const state = randomToken();
    expect((await post(relay, `error=access_denied&error_description=no&state=${state}`)).status).toBe(204);
    expect((await getToken(relay, `key=${state}`)).body).toMatchObject({ error_name: 'access_denied' });
  });

  it('refuses a token in the query string: a fragment must never become one', async () => {
    const store = new MemoryRelayStore();
    const relay = await relayWith({ store });
    const res = await redirect(relay, `access_token=tok&state=${randomToken()}`);
    expect(res.status).toBe(400);
    expect(store.size).toBe(0);
  });

  it('refuses cross-site posts, other content types and malformed bodies, storing nothing', async () => {
    const store = new MemoryRelayStore();
    const relay = await relayWith({ store });
    const state = randomToken();
    const cases: Array<[Response, number]> = [
      [await post(relay, `access_token=t&state=${state}`, { headers: { 'sec-fetch-site': 'cross-site' } }), 403],
      [await post(relay, `access_token=t&state=${state}`, { headers: { 'sec-fetch-site': 'same-site' } }), 403],
      [await post(relay, JSON.stringify({ access_token: 't', state }), { headers: { 'content-type': 'application/json' } }), 415],
      [await post(relay, `access_token=t&access_token=u&state=${state}`), 400],
      [await post(relay, `access_token[]=t&state=${state}`), 400],
      [await post(relay, `access_token=t&state=short`), 400],
      [await post(relay, `access_token=t&expires=soon&state=${state}`), 400],
      [await post(relay, `code=c&state=${state}`), 400],
      [await post(relay, `state=${state}`), 400],
      [await post(relay, `access_token=${'x'.repeat(10_000)}&state=${state}`), 413],
    ];
    expect(cases.map(([res]) => res.status)).toEqual(cases.map(([, status]) => status));
    for (const [res] of cases) expect(res.headers.get('cache-control')).toBe('no-store');
    expect(store.size).toBe(0);
    // A same-origin browser post is accepted.
    expect((await post(relay, `access_token=t&state=${state}`, { headers: { 'sec-fetch-site': 'same-origin' } })).status).toBe(204);
  });
});

describe('tokenRelay: keys, first write wins, once only, TTL', () => {
  it('refuses a second redirect or post for a stored key: no overwriting, no planting', async () => {
    const relay = await relayWith();
    const state = randomToken();
    expect((await redirect(relay, `code=first&state=${state}`)).status).toBe(200);
    expect((await redirect(relay, `code=second&state=${state}`)).status).toBe(409);
    expect((await redirect(relay, `error=access_denied&state=${state}`)).status).toBe(409);
    expect((await post(relay, `access_token=planted&state=${state}`)).status).toBe(409);
    expect((await getToken(relay, `key=${state}`)).body).toEqual({ code: 'first' });
    // And when the page's post came first.
    const posted = randomToken();
    expect((await post(relay, `access_token=first&expires=60&state=${posted}`)).status).toBe(204);
    expect((await post(relay, `access_token=planted&state=${posted}`)).status).toBe(409);
    expect((await post(relay, `error=access_denied&state=${posted}`)).status).toBe(409);
    expect((await redirect(relay, `code=planted&state=${posted}`)).status).toBe(409);
    expect((await getToken(relay, `key=${posted}`)).body).toEqual({ access_token: 'first', expires: 60 });
  });

  it('answers 400 to short and malformed keys and stores nothing', async () => {
    const store = new MemoryRelayStore();
    const relay = await relayWith({ store });
    for (const state of ['a'.repeat(21), `${'a'.repeat(22)}+`, `${'a'.repeat(22)}.`, 'a'.repeat(129), `${'a'.repeat(22)}%2F`, '']) {
      const res = await redirect(relay, `code=c&state=${state}`);
      expect(res.status, state).toBe(400);
    }
    expect((await redirect(relay, 'code=c')).status).toBe(400);
    expect(store.size).toBe(0);
    expect(await getToken(relay, 'key=short')).toMatchObject({ status: 400, body: { error_name: 'invalid_key' } });
    expect(await getToken(relay, `key=${'a'.repeat(22)}%3D`)).toMatchObject({ status: 400, body: { error_name: 'invalid_key' } });
    expect(await getToken(relay, '')).toMatchObject({ status: 400, body: { error_name: 'no_key' } });
    expect(await getToken(relay, 'key=')).toMatchObject({ status: 400, body: { error_name: 'no_key' } });
    // The bounds themselves are keys.
    for (const state of ['a'.repeat(22), `${'A-z_0'.repeat(25)}abc`]) {
      expect((await redirect(relay, `code=c&state=${state}`)).status, state).toBe(200);
      expect((await getToken(relay, `key=${state}`)).body).toEqual({ code: 'c' });
    }
  });

  it('answers 400, never 5xx, to repeated or structured parameters', async () => {
    const relay = await relayWith();
    const key = randomToken();
    for (const query of [`key=${key}&key=${key}`, `key[]=${key}`, `key[a]=${key}`, `key=${key}&appid=1&appid=2`, `key=${key}&wait[]=1`]) {
      expect((await getToken(relay, query)).status, query).toBe(400);
    }
    for (const query of [`code=a&code=b&state=${key}`, `code=a&state=${key}&state=${key}`, `code[]=a&state=${key}`, `code=a&state[x]=${key}`]) {
      expect((await redirect(relay, query)).status, query).toBe(400);
    }
    expect((await getToken(relay, `key=${key}`)).status).toBe(404);
  });

  it('gives unknown, used and expired keys the same 404', async () => {
    let now = Date.now();
    const relay = await relayWith({ store: new MemoryRelayStore({ now: () => now }), ttl: 300 });
    const used = randomToken();
    const expired = randomToken();
    await redirect(relay, `code=c1&state=${used}`);
    await redirect(relay, `code=c2&state=${expired}`);
    expect((await getToken(relay, `key=${used}`)).status).toBe(200);
    now += 299_000;
    const stillThere = randomToken();
    await redirect(relay, `code=c3&state=${stillThere}`);
    now += 1_000;
    const answers = await Promise.all([used, expired, randomToken()].map((key) => rawToken(relay, `key=${key}`)));
    expect(answers[0]).toMatchObject({ status: 404, body: JSON.stringify(NO_TOKEN) });
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    expect((await getToken(relay, `key=${stillThere}`)).body).toEqual({ code: 'c3' });
  });

  it('gives unknown, used and expired keys the same 404 in Redis, with and without wait', async () => {
    const relay = await relayWith({ store: redisStore(), ttl: 0.05 });
    const used = randomToken();
    const expired = randomToken();
    await redirect(relay, `code=c1&state=${used}`);
    await redirect(relay, `code=c2&state=${expired}`);
    expect((await getToken(relay, `key=${used}`)).status).toBe(200);
    await vi.waitFor(async () => expect(await redis.exists(`${prefix}:${expired}`)).toBe(0), { interval: 10 });
    const unknown = await rawToken(relay, `key=${randomToken()}`);
    expect(unknown).toMatchObject({ status: 404, body: JSON.stringify(NO_TOKEN) });
    const queries = [`key=${used}`, `key=${expired}`, `key=${used}&wait=1`, `key=${expired}&wait=1`, `key=${randomToken()}&wait=1`];
    const answers = await Promise.all(queries.map((query) => rawToken(relay, query)));
    answers.forEach((answer, i) => expect(answer, queries[i]).toEqual(unknown));
  });

  it('keeps a fetched key used until its ttl ends: later writes get 409 and store nothing (MemoryRelayStore)', async () => {
    let now = Date.now();
    const store = new MemoryRelayStore({ now: () => now });
    cleanups.push(() => store.close());
    const relay = await relayWith({ store, ttl: 300 });
    const state = randomToken();
    const location = await se.authorize(authorizeURL(relay, state));
    expect((await fetch(location)).status).toBe(200);
    expect(await getToken(relay, `key=${state}`)).toMatchObject({ status: 200, body: { code: location.searchParams.get('code') } });
    now += 1_000;
    await expectUsed(relay, state, location);
    expect(store.size).toBe(1);
    now += 298_999;
    expect((await redirect(relay, `code=planted&state=${state}`)).status).toBe(409);
    now += 1;
    // The ttl is over: the key is free again.
    expect((await redirect(relay, `code=next&state=${state}`)).status).toBe(200);
    expect((await getToken(relay, `key=${state}`)).body).toEqual({ code: 'next' });
  });

  it('keeps a fetched key used until its ttl ends: later writes get 409 and store nothing (RedisRelayStore, real Redis)', async () => {
    const relay = await relayWith({ store: redisStore(), ttl: 3 });
    const state = randomToken();
    const location = await se.authorize(authorizeURL(relay, state));
    expect((await fetch(location)).status).toBe(200);
    expect(await getToken(relay, `key=${state}`)).toMatchObject({ status: 200, body: { code: location.searchParams.get('code') } });
    const tombstone = await redis.get(`${prefix}:${state}`);
    // A NUL byte, `used:` and the SHA-1 of the value taken.
    expect(tombstone?.startsWith('\0used:')).toBe(true);
    expect(tombstone?.slice('\0used:'.length)).toMatch(/^[0-9a-f]{40}$/);
    await expectUsed(relay, state, location);
    expect(await redis.get(`${prefix}:${state}`)).toBe(tombstone);
    // The ttl is over: the key is free again.
    await vi.waitFor(async () => expect(await redis.exists(`${prefix}:${state}`)).toBe(0), { timeout: 6000, interval: 20 });
    expect((await redirect(relay, `code=next&state=${state}`)).status).toBe(200);
    expect((await getToken(relay, `key=${state}`)).body).toEqual({ code: 'next' });
  });

  it('keeps results in Redis for ttl seconds', async () => {
    const relay = await relayWith({ store: redisStore(), ttl: 120 });
    const state = randomToken();
    await redirect(relay, `code=c&state=${state}&appid=7`);
    const ttl = await redis.pTTL(`${prefix}7:${state}`);
    expect(ttl).toBeGreaterThan(115_000);
    expect(ttl).toBeLessThanOrEqual(120_000);
  });

  it('separates apps: a key stored for one app id is invisible to another and to none', async () => {
    const relay = await relayWith();
    const state = randomToken();
    expect((await redirect(relay, `appid=1001&code=for-1001&state=${state}`)).status).toBe(200);
    expect((await redirect(relay, `appid=1002&code=for-1002&state=${state}`)).status).toBe(200);
    expect((await getToken(relay, `key=${state}`)).status).toBe(404);
    expect((await getToken(relay, `key=${state}&appid=9999`)).status).toBe(404);
    expect((await getToken(relay, `key=${state}&appid=1002`)).body).toEqual({ code: 'for-1002' });
    expect((await getToken(relay, `key=${state}&appid=1001`)).body).toEqual({ code: 'for-1001' });
    expect((await getToken(relay, `key=${state}&appid=a:b`)).body).toMatchObject({ error_name: 'invalid_appid' });
  });

  it('with clientIds, accepts only listed app ids on every route', async () => {
    const store = new MemoryRelayStore();
    const relay = await relayWith({ store, clientIds: ['1002'] });
    const state = randomToken();
    expect((await redirect(relay, `code=c&state=${state}`)).status).toBe(403);
    expect((await redirect(relay, `appid=1001&code=c&state=${state}`)).status).toBe(403);
    expect((await post(relay, `access_token=t&state=${state}`, { query: 'appid=1001' })).status).toBe(403);
    expect(store.size).toBe(0);
    expect(await getToken(relay, `key=${state}&appid=1001`)).toMatchObject({ status: 403, body: { error_name: 'app_not_allowed' } });
    expect(await getToken(relay, `key=${state}`)).toMatchObject({ status: 403, body: { error_name: 'app_not_allowed' } });
    expect((await redirect(relay, `appid=1002&code=c&state=${state}`)).status).toBe(200);
    expect((await getToken(relay, `key=${state}&appid=1002`)).body).toEqual({ code: 'c' });
  });
});

describe('tokenRelay: headers and methods', () => {
  it('sends Cache-Control: no-store and no CORS header on every answer, OPTIONS included', async () => {
    const relay = await relayWith();
    const state = randomToken();
    const origin = { origin: 'https://evil.example' };
    const answers = [
      await fetch(`${relay.url}/redirect`, { headers: origin }),
      await fetch(`${relay.url}/redirect?code=c&state=${state}`, { headers: origin }),
      await fetch(`${relay.url}/redirect?code=c&state=${state}`, { headers: origin }),
      await fetch(`${relay.url}/redirect?code=c&state=bad`, { headers: origin }),
      await fetch(`${relay.url}/token?key=${state}`, { headers: origin }),
      await fetch(`${relay.url}/token?key=${state}`, { headers: origin }),
      await fetch(`${relay.url}/token`, { headers: origin }),
      await fetch(`${relay.url}/token`, { method: 'OPTIONS', headers: { ...origin, 'access-control-request-method': 'GET' } }),
      await fetch(`${relay.url}/redirect`, { method: 'OPTIONS', headers: { ...origin, 'access-control-request-method': 'POST' } }),
      await fetch(`${relay.url}/token`, { method: 'DELETE', headers: origin }),
      await fetch(`${relay.url}/redirect`, { method: 'POST', headers: { ...origin, 'content-type': 'application/x-www-form-urlencoded' }, body: `access_token=t&state=${randomToken()}` }),
    ];
    expect(answers.map((res) => res.status)).toEqual([200, 200, 409, 400, 200, 404, 400, 204, 204, 405, 204]);
    for (const res of answers) {
      expect(res.headers.get('cache-control'), res.url).toBe('no-store');
      const cors: string[] = [];
      res.headers.forEach((_value, name) => {
        if (name.startsWith('access-control-')) cors.push(name);
      });
      expect(cors, res.url).toEqual([]);
    }
    expect(answers[7]?.headers.get('allow')).toBe('GET, OPTIONS');
  });

  it('serves pages with a strict CSP carrying a fresh nonce, and no referrer', async () => {
    const relay = await relayWith();
    const [a, b] = [await fetch(`${relay.url}/redirect`), await fetch(`${relay.url}/redirect`)];
    const csp = a.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/script-src 'nonce-[A-Za-z0-9_-]{22}'/);
    expect(csp).toMatch(/base-uri 'none'/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(csp).toMatch(/form-action 'self'/);
    expect(csp).not.toBe(b.headers.get('content-security-policy'));
    expect(a.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await a.text();
    expect(html).not.toMatch(/https?:\/\//);
    expect(html.match(/<script/g)).toHaveLength(1);
  });

  it('refuses HEAD, which would otherwise run a GET that stores or hands out', async () => {
    const relay = await relayWith();
    const state = randomToken();
    await redirect(relay, `code=c&state=${state}`);
    expect((await fetch(`${relay.url}/token?key=${state}`, { method: 'HEAD' })).status).toBe(405);
    expect((await fetch(`${relay.url}/redirect?code=x&state=${randomToken()}`, { method: 'HEAD' })).status).toBe(405);
    expect((await getToken(relay, `key=${state}`)).body).toEqual({ code: 'c' });
  });

  it('rate-limits GET /token per client address with 429 and Retry-After', async () => {
    const relay = await relayWith({ rateLimit: { burst: 2, perSecond: 0.1 } });
    const key = randomToken();
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push(await getToken(relay, `key=${key}`));
    expect(statuses.map((s) => s.status)).toEqual([404, 404, 429]);
    expect(statuses[2]?.body).toMatchObject({ error_name: 'throttle_violation' });
    expect(statuses[2]?.headers.get('retry-after')).toBe('10');
    // Writes count in their own bucket: polling does not use them up.
    expect((await redirect(relay, `code=c&state=${key}`)).status).toBe(200);
  });

  it('rate-limits writes (GET and POST /redirect) per address with 429 and Retry-After, storing nothing beyond the limit', async () => {
    const store = new MemoryRelayStore();
    cleanups.push(() => store.close());
    const relay = await relayWith({ store, writeRateLimit: { burst: 5, perSecond: 0.1, now: () => 0 } });
    const answers: Response[] = [];
    for (let i = 0; i < 4; i++) answers.push(await redirect(relay, `code=c${i}&state=${randomToken()}`));
    // The post shares the bucket: the fifth write passes, the sixth (a GET) and seventh (a POST) do not.
    answers.push(await post(relay, `access_token=t&state=${randomToken()}`));
    const flood = [await fetch(`${relay.url}/redirect?code=c&state=${randomToken()}`), await fetch(`${relay.url}/redirect`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `access_token=t&state=${randomToken()}`,
    })];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 204]);
    expect(flood.map((a) => a.status)).toEqual([429, 429]);
    expect(flood.map((a) => a.headers.get('retry-after'))).toEqual(['10', '10']);
    expect(flood[0]!.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await flood[0]!.text()).toContain('Too many sign-ins');
    expect(await flood[1]!.json()).toMatchObject({ error_name: 'throttle_violation' });
    expect(store.size).toBe(5);
    // Polls have their own bucket: the app can still fetch.
    expect((await getToken(relay, `key=${randomToken()}`)).status).toBe(404);
  });

  it('bounds what a flood from one address stores: burst + perSecond × ttl keys per ttl', async () => {
    let now = 0;
    const store = new MemoryRelayStore({ now: () => now });
    cleanups.push(() => store.close());
    const relay = await relayWith({ store, ttl: 10, writeRateLimit: { burst: 5, perSecond: 0.5, now: () => now } });
    let stored = 0;
    // 20 writes a second for one ttl (10 s of the injected clock).
    for (let second = 0; second < 10; second++) {
      now = second * 1000;
      const statuses = await Promise.all(Array.from({ length: 20 }, () => fetch(`${relay.url}/redirect?code=c&state=${randomToken()}`).then((r) => r.status)));
      stored += statuses.filter((status) => status === 200).length;
      expect(statuses.every((status) => status === 200 || status === 429)).toBe(true);
    }
    // The burst of 5 at once, then one every 2 s of the 9 s that followed.
    expect(stored).toBe(5 + Math.floor(0.5 * 9));
    expect(store.size).toBe(stored);
  }, 30_000);

  it('keeps one rate-limit bucket per client address (req.ip): a forged X-Forwarded-For only counts behind trust proxy', async () => {
    const limit = { rateLimit: { burst: 2, perSecond: 0.1 } };
    const behindProxy = await relayWith(limit, () => express().set('trust proxy', 'loopback'));
    const statuses = async (relay: RunningRelay, clients: string[]) => {
      const out: number[] = [];
      for (const client of clients) out.push((await getToken(relay, `key=${randomToken()}`, { headers: { 'x-forwarded-for': client } })).status);
      return out;
    };
    expect(await statuses(behindProxy, ['203.0.113.1', '203.0.113.1', '203.0.113.1', '203.0.113.2', '203.0.113.2', '203.0.113.2'])).toEqual([404, 404, 429, 404, 404, 429]);
    // Without trust proxy the header is ignored: every request is the one loopback client.
    const direct = await relayWith(limit);
    expect(await statuses(direct, ['203.0.113.1', '203.0.113.2', '203.0.113.3'])).toEqual([404, 404, 429]);
  });

  it('never logs codes, tokens or keys, even with debug logging on', async () => {
    const lines: string[] = [];
    const originalLog = createDebug.log;
    const enabled = createDebug.disable();
    createDebug.enable('passport-stackexchange-oauth2:*');
    createDebug.log = (...args: unknown[]) => void lines.push(format(...args));
    try {
      const relay = await relayWith();
      const [s1, s2] = [randomToken(), randomToken()];
      await redirect(relay, `code=SECRETCODE1234&state=${s1}`);
      await post(relay, `access_token=SECRETTOKEN5678&state=${s2}`);
      await getToken(relay, `key=${s1}`);
      await getToken(relay, `key=${s2}&wait=1`);
      await redirect(relay, `code=SECRETCODE1234&state=${s1}`);
      expect(lines.length).toBeGreaterThan(0);
      for (const secret of ['SECRETCODE1234', 'SECRETTOKEN5678', s1, s2]) expect(lines.join('\n')).not.toContain(secret);
    } finally {
      createDebug.log = originalLog;
      createDebug.enable(enabled);
    }
  });

  it('works mounted on an Express 4 app', async () => {
    const relay = await relayWith({}, express4);
    const state = randomToken();
    const location = await se.authorize(authorizeURL(relay, state));
    expect((await fetch(location)).status).toBe(200);
    expect((await getToken(relay, `key=${state}&key=${state}`)).status).toBe(400);
    expect((await getToken(relay, `key[a]=${state}`)).status).toBe(400);
    expect((await getToken(relay, `key=${state}`)).body).toEqual({ code: location.searchParams.get('code') });
    expect((await post(relay, `access_token=t&state=${state}`)).status).toBe(409);
    expect((await post(relay, `access_token=t&state=${randomToken()}`)).status).toBe(204);
    expect((await fetch(`${relay.url}/token?key=${state}`, { method: 'OPTIONS' })).headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('tokenRelay: a flood from many addresses against the memory store (the audit replayed)', () => {
  // Write limits off: the flood stands for many addresses, each under its limit.
  async function floodedRelay(): Promise<{ relay: RunningRelay; store: MemoryRelayStore }> {
    const store = new MemoryRelayStore({ maxEntries: 40 });
    cleanups.push(() => store.close());
    return { relay: await relayWith({ store, writeRateLimit: false }), store };
  }

  async function flood(relay: RunningRelay, count: number): Promise<number[]> {
    const statuses: number[] = [];
    for (let i = 0; i < count; i += 20) {
      statuses.push(...(await Promise.all(Array.from({ length: 20 }, () => redirect(relay, `code=planted&state=${randomToken()}`).then((r) => r.status)))));
    }
    return statuses;
  }

  it('keeps an unread result through a flood: the store refuses new writes with 503 instead of evicting it', async () => {
    const { relay, store } = await floodedRelay();
    const state = randomToken();
    const location = await se.authorize(authorizeURL(relay, state));
    expect((await fetch(location)).status).toBe(200);
    const statuses = await flood(relay, 100);
    expect(statuses.filter((status) => status === 200)).toHaveLength(39);
    expect(statuses.filter((status) => status === 503)).toHaveLength(61);
    expect(store.size).toBe(40);
    expect((await getToken(relay, `key=${state}`)).body).toEqual({ code: location.searchParams.get('code') });
  });

  it('keeps a used key used through a flood: a second write is still refused (409), nothing planted', async () => {
    const { relay } = await floodedRelay();
    const state = randomToken();
    const location = await se.authorize(authorizeURL(relay, state));
    await fetch(location);
    expect((await getToken(relay, `key=${state}`)).status).toBe(200);
    await flood(relay, 100);
    expect((await redirect(relay, `code=planted&state=${state}`)).status).toBe(409);
    expect((await post(relay, `access_token=planted&state=${state}`)).status).toBe(409);
    expect(await getToken(relay, `key=${state}`)).toMatchObject({ status: 404, body: NO_TOKEN });
  });

  it('says the relay is unavailable on the page of a refused write', async () => {
    const { relay } = await floodedRelay();
    await flood(relay, 40);
    const page = await fetch(`${relay.url}/redirect?code=c&state=${randomToken()}`);
    expect(page.status).toBe(503);
    expect(await page.text()).toContain('unavailable');
  });
});

describe('tokenRelay: a flood of writes from one address, Redis store, default limits', () => {
  it('refuses the flood with 429 after the burst, stores at most the burst, and the app still fetches the result stored before it', async () => {
    const store = redisStore();
    const relay = await relayWith({ store });
    const state = randomToken();
    const location = await se.authorize(authorizeURL(relay, state));
    expect((await fetch(location)).status).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < 60; i += 20) {
      statuses.push(...(await Promise.all(Array.from({ length: 20 }, () => redirect(relay, `code=planted&state=${randomToken()}`).then((r) => r.status)))));
    }
    // The login's redirect took one write of the burst of 20; a token or two may have come back meanwhile.
    const stored = statuses.filter((status) => status === 200).length;
    expect(stored).toBeGreaterThanOrEqual(19);
    expect(stored).toBeLessThanOrEqual(21);
    expect(statuses.filter((status) => status === 429)).toHaveLength(60 - stored);
    expect((await getToken(relay, `key=${state}`)).body).toEqual({ code: location.searchParams.get('code') });
    expect((await redirect(relay, `code=planted&state=${state}`)).status).toBe(429);
  });
});

describe('tokenRelay: long-poll', () => {
  /**
   * `inner` recording how each long-poll found its result: whether a store notification (not the
   * relay's recheck timer, nor the end of the wait) came before the take that returned it.
   */
  function wakeRecording(inner: RelayStore): { store: RelayStore; wakes: boolean[]; takes: () => number } {
    let notified = false;
    let takes = 0;
    const wakes: boolean[] = [];
    const store: RelayStore = {
      setIfAbsent: (k, v, t) => inner.setIfAbsent(k, v, t),
      async take(k) {
        takes += 1;
        const value = await inner.take(k);
        if (value !== undefined) wakes.push(notified);
        return value;
      },
      subscribe: (k, l) =>
        inner.subscribe(k, () => {
          notified = true;
          l();
        }),
    };
    return { store, wakes, takes: () => takes };
  }

  it('holds a fetch with wait and answers it when the redirect arrives, woken by the store (no timer)', async () => {
    const memory = new MemoryRelayStore();
    cleanups.push(() => memory.close());
    const { store, wakes, takes } = wakeRecording(memory);
    const relay = await relayWith({ store });
    const state = randomToken();
    const polling = getToken(relay, `key=${state}&wait=30`);
    await vi.waitFor(() => expect(takes()).toBe(1), { interval: 5 });
    const redirected = await redirect(relay, `code=c&state=${state}`);
    expect(redirected.status).toBe(200);
    expect(await polling).toMatchObject({ status: 200, body: { code: 'c' } });
    expect(wakes).toEqual([true]);
    expect(takes()).toBe(2);
  });

  it('answers when the redirect reached another instance sharing Redis, woken by pub/sub (no timer)', async () => {
    const a = await relayWith({ store: redisStore() });
    const { store, wakes, takes } = wakeRecording(redisStore());
    const b = await relayWith({ store });
    const state = randomToken();
    const polling = getToken(b, `key=${state}&appid=1002&wait=30`);
    // The poll is subscribed once Redis shows its subscriber connection on the channel (instance a has none).
    await vi.waitFor(async () => expect(await redis.sendCommand(['PUBSUB', 'NUMSUB', `${prefix}ready`])).toEqual([`${prefix}ready`, 1]), { interval: 10 });
    await vi.waitFor(() => expect(takes()).toBe(1), { interval: 5 });
    const location = await se.authorize(authorizeURL(a, state, { appId: '1002' }));
    expect((await fetch(location)).status).toBe(200);
    const answer = await polling;
    expect(answer).toMatchObject({ status: 200, body: { code: location.searchParams.get('code') } });
    expect(wakes).toEqual([true]);
    expect(takes()).toBe(2);
  });

  it('ends the wait with the same 404 as an unknown key, after looking once more at its end', async () => {
    const memory = new MemoryRelayStore();
    cleanups.push(() => memory.close());
    const { store, takes } = wakeRecording(memory);
    const relay = await relayWith({ store });
    const answer = await getToken(relay, `key=${randomToken()}&wait=1`);
    expect({ status: answer.status, body: answer.body }).toEqual({ status: 404, body: NO_TOKEN });
    // One look at the start, one when the wait ended: it held the poll rather than answering at once.
    expect(takes()).toBe(2);
  });

  it('answers 400 to a wait that is not whole seconds from 0 to 30', async () => {
    const relay = await relayWith();
    for (const wait of ['31', '-1', '1.5', 'abc', '', '1e1']) {
      expect(await getToken(relay, `key=${randomToken()}&wait=${wait}`), wait).toMatchObject({ status: 400, body: { error_name: 'invalid_wait' } });
    }
    expect((await getToken(relay, `key=${randomToken()}&wait=0`)).status).toBe(404);
  });

  it('drops the waiter when the client disconnects, taking nothing', async () => {
    const inner = new MemoryRelayStore();
    const { store, live } = countingSubscriptions(inner);
    cleanups.push(() => inner.close());
    const relay = await relayWith({ store });
    const state = randomToken();
    const controller = new AbortController();
    const polling = fetch(`${relay.url}/token?key=${state}&wait=30`, { signal: controller.signal }).catch((e: unknown) => e);
    await vi.waitFor(() => expect(live()).toBe(1), { interval: 5 });
    controller.abort();
    await polling;
    await vi.waitFor(() => expect(live()).toBe(0), { interval: 5 });
    await redirect(relay, `code=c&state=${state}`);
    expect((await getToken(relay, `key=${state}`)).body).toEqual({ code: 'c' });
  });

  for (const [name, makeStore] of [
    ['MemoryRelayStore', () => new MemoryRelayStore()],
    ['RedisRelayStore (real Redis)', () => redisStore()],
  ] as const) {
    for (const wait of ['0', '30']) {
      it(`takes nothing for a fetch (wait=${wait}) whose client left while an async middleware in front held it, and the next fetch gets the result (${name})`, async () => {
        const inner = makeStore();
        cleanups.push(() => inner.close());
        let takes = 0;
        let subscriptions = 0;
        const store: RelayStore = {
          setIfAbsent: (k, v, t) => inner.setIfAbsent(k, v, t),
          take(k) {
            takes += 1;
            return inner.take(k);
          },
          subscribe(k, l) {
            subscriptions += 1;
            return inner.subscribe(k, l);
          },
        };
        let holding: () => void = () => undefined;
        const held = new Promise<void>((resolve) => {
          holding = resolve;
        });
        let handedOn: () => void = () => undefined;
        const dispatched = new Promise<void>((resolve) => {
          handedOn = resolve;
        });
        const relay = await relayWith({ store, rateLimit: false }, () => {
          const app = express();
          // An async middleware (a session load, say) that is still busy when the client disconnects:
          // it hands the request on only after the server saw it leave, so the relay's handler comes too late for that `close`.
          app.use((req, res, next) => {
            if (req.get('x-hold') === undefined) return next();
            res.on('close', () => {
              next();
              handedOn();
            });
            holding();
          });
          return app;
        });
        const state = randomToken();
        expect((await redirect(relay, `code=c&state=${state}`)).status).toBe(200);
        const leaving = new AbortController();
        const gone = fetch(`${relay.url}/token?key=${state}&wait=${wait}`, { headers: { 'x-hold': '1' }, signal: leaving.signal }).catch((e: unknown) => e);
        await held;
        leaving.abort();
        expect(((await gone) as Error).name).toBe('AbortError');
        await dispatched;
        expect({ takes, subscriptions }).toEqual({ takes: 0, subscriptions: 0 });
        expect(await getToken(relay, `key=${state}`)).toMatchObject({ status: 200, body: { code: 'c' } });
        expect(takes).toBe(1);
      });
    }
  }

  for (const wait of [0, 30]) {
    it(`answers a fetch (wait=${wait}) whose body a middleware read before an async one (a rawBody capture, then a session load): the client is still there`, async () => {
      const relay = await relayWith({ rateLimit: false }, () => {
        const app = express();
        app.use((req, _res, next) => {
          req.resume();
          req.on('end', () => setImmediate(next));
        });
        app.use((_req, _res, next) => void setTimeout(next, 5));
        return app;
      });
      const state = randomToken();
      expect((await redirect(relay, `code=c&state=${state}`)).status).toBe(200);
      expect(await getToken(relay, `key=${state}&wait=${wait}`)).toMatchObject({ status: 200, body: { code: 'c' } });
    });
  }

  for (const [name, makeStore] of [
    ['MemoryRelayStore', () => new MemoryRelayStore()],
    ['RedisRelayStore (real Redis)', () => redisStore()],
  ] as const) {
    it(`leaves no subscription or timer behind after many answered, expired and abandoned polls (${name})`, async () => {
      const inner = makeStore();
      const { store, live } = countingSubscriptions(inner);
      const relay = await relayWith({ store, rateLimit: false });
      const timers = () => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
      const before = timers();
      const answered = Array.from({ length: 20 }, () => randomToken());
      const controller = new AbortController();
      const polls = [
        ...answered.map((key) => getToken(relay, `key=${key}&wait=10`)),
        ...Array.from({ length: 20 }, () => getToken(relay, `key=${randomToken()}&wait=1`)),
        ...Array.from({ length: 20 }, () => fetch(`${relay.url}/token?key=${randomToken()}&wait=30`, { signal: controller.signal }).catch(() => undefined)),
      ];
      await vi.waitFor(() => expect(live()).toBe(60), { interval: 5 });
      controller.abort();
      for (const key of answered) await redirect(relay, `code=c&state=${key}`);
      const statuses = (await Promise.all(polls)).slice(0, 40).map((answer) => answer?.status);
      expect(statuses).toEqual([...Array<number>(20).fill(200), ...Array<number>(20).fill(404)]);
      await vi.waitFor(() => expect(live()).toBe(0), { interval: 5 });
      expect(timers()).toBeLessThanOrEqual(before);
    });
  }

  for (const [name, makeStore] of [
    ['MemoryRelayStore', () => new MemoryRelayStore()],
    ['RedisRelayStore (real Redis)', () => redisStore()],
  ] as const) {
    it(`puts a result back when its client left right after the take: a waiting poll wakes and gets it, the key stays used (${name})`, async () => {
      const inner = makeStore();
      cleanups.push(() => inner.close());
      let takes = 0;
      let afterTake: (() => Promise<void>) | undefined;
      const store: RelayStore = {
        setIfAbsent: (k, v, t) => inner.setIfAbsent(k, v, t),
        subscribe: (k, l) => inner.subscribe(k, l),
        async take(k) {
          const value = await inner.take(k);
          takes += 1;
          const hook = value === undefined ? undefined : afterTake;
          if (hook) {
            afterTake = undefined;
            await hook();
          }
          return value;
        },
      };
      const { relay, left } = await relayNoticingLeave(store);
      const state = randomToken();
      expect((await redirect(relay, `code=c&state=${state}`)).status).toBe(200);
      const leaving = new AbortController();
      let waiting: ReturnType<typeof getToken> | undefined;
      afterTake = async () => {
        // A second poll starts, finds the key used and waits on it...
        const before = takes;
        waiting = getToken(relay, `key=${state}&wait=10`);
        await vi.waitFor(() => expect(takes).toBe(before + 1), { interval: 5 });
        // ...then the client whose poll took the result disconnects before its answer is written.
        leaving.abort();
        await left;
      };
      const gone = await fetch(`${relay.url}/token?key=${state}&wait=10`, { signal: leaving.signal }).catch((e: unknown) => e);
      expect((gone as Error).name).toBe('AbortError');
      // The put-back woke the waiting poll (well before its 5 s recheck) and it got the result.
      expect(await waiting).toMatchObject({ status: 200, body: { code: 'c' } });
      // Restored over the tombstone, not written afresh: the key is still write-once.
      expect((await redirect(relay, `code=planted&state=${state}`)).status).toBe(409);
      expect(await getToken(relay, `key=${state}`)).toMatchObject({ status: 404, body: NO_TOKEN });
    });
  }

  for (const [name, makeStore] of [
    ['MemoryRelayStore', () => new MemoryRelayStore()],
    ['RedisRelayStore (real Redis)', () => redisStore()],
  ] as const) {
    it(`puts a result back when the client of a fetch without wait left during the take: the next fetch gets it (${name})`, async () => {
      const inner = makeStore();
      cleanups.push(() => inner.close());
      let afterTake: (() => Promise<void>) | undefined;
      const writes: Array<Promise<boolean>> = [];
      const store: RelayStore = {
        setIfAbsent(k, v, t) {
          const write = inner.setIfAbsent(k, v, t);
          writes.push(write);
          return write;
        },
        subscribe: (k, l) => inner.subscribe(k, l),
        async take(k) {
          const value = await inner.take(k);
          const hook = value === undefined ? undefined : afterTake;
          afterTake = undefined;
          await hook?.();
          return value;
        },
      };
      const { relay, left } = await relayNoticingLeave(store);
      const state = randomToken();
      expect((await redirect(relay, `code=c&state=${state}`)).status).toBe(200);
      const leaving = new AbortController();
      afterTake = async () => {
        leaving.abort();
        await left;
      };
      const gone = await fetch(`${relay.url}/token?key=${state}`, { signal: leaving.signal }).catch((e: unknown) => e);
      expect((gone as Error).name).toBe('AbortError');
      // The relay wrote the taken result back (the redirect's write was the first), and the app's next fetch gets it.
      await vi.waitFor(() => expect(writes).toHaveLength(2), { interval: 5 });
      expect(await writes[1]).toBe(true);
      expect(await getToken(relay, `key=${state}`)).toMatchObject({ status: 200, body: { code: 'c' } });
      // Restored over the used marker, not written afresh: the key is still write-once.
      expect((await redirect(relay, `code=planted&state=${state}`)).status).toBe(409);
    });
  }

  it('ends pending long-polls with 503 on close()', async () => {
    const inner = new MemoryRelayStore();
    cleanups.push(() => inner.close());
    const { store, live } = countingSubscriptions(inner);
    const relay = await startRelay({ store });
    cleanups.push(() => relay.close());
    const polling = getToken(relay, `key=${randomToken()}&wait=30`);
    // Closed once the poll is waiting (subscribed), however long the request took to arrive.
    await vi.waitFor(() => expect(live()).toBe(1), { timeout: 5000, interval: 10 });
    await relay.relay.close();
    expect(await polling).toMatchObject({ status: 503, body: { error_name: 'shutting_down' } });
  });

  it('ends a long-poll at once when close() comes while the store is looking', async () => {
    const inner = new MemoryRelayStore();
    cleanups.push(() => inner.close());
    let release: (() => void) | undefined;
    const store: RelayStore = {
      setIfAbsent: (k, v, t) => inner.setIfAbsent(k, v, t),
      subscribe: (k, l) => inner.subscribe(k, l),
      async take(k) {
        takes += 1;
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return inner.take(k);
      },
    };
    let takes = 0;
    const relay = await relayWith({ store });
    const polling = getToken(relay, `key=${randomToken()}&wait=30`);
    await vi.waitFor(() => expect(release).toBeDefined(), { interval: 5 });
    await relay.relay.close();
    release?.();
    expect(await polling).toMatchObject({ status: 503, body: { error_name: 'shutting_down' } });
    // Answered after the one look in progress, not after another (the periodic look is 5 s away).
    expect(takes).toBe(1);
  });
});

describe('tokenRelay: concurrency', () => {
  for (const [name, makeStore] of [
    ['MemoryRelayStore', () => new MemoryRelayStore()],
    ['RedisRelayStore (real Redis)', () => redisStore()],
  ] as const) {
    it(`gives exactly one of 50 simultaneous fetches of one key a 200 (${name})`, async () => {
      const relay = await relayWith({ store: makeStore(), rateLimit: false });
      const state = randomToken();
      await redirect(relay, `code=c&state=${state}`);
      const answers = await Promise.all(Array.from({ length: 50 }, () => getToken(relay, `key=${state}`)));
      expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
      expect(answers.filter((a) => a.status === 404)).toHaveLength(49);
      // The key stays used: a second redirect can plant nothing for a 51st fetch.
      expect((await redirect(relay, `code=planted&state=${state}`)).status).toBe(409);
      expect(await getToken(relay, `key=${state}`)).toMatchObject({ status: 404, body: NO_TOKEN });
    });

    it(`gives exactly one of 50 simultaneous long-polls the result (${name})`, async () => {
      const relay = await relayWith({ store: makeStore(), rateLimit: false });
      const state = randomToken();
      const polls = Promise.all(Array.from({ length: 50 }, () => getToken(relay, `key=${state}&wait=1`)));
      await new Promise((resolve) => setTimeout(resolve, 200));
      await redirect(relay, `code=c&state=${state}`);
      const answers = await polls;
      expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
      expect(answers.filter((a) => a.status === 404)).toHaveLength(49);
    });
  }
});

describe('tokenRelay: store down', () => {
  it('answers 503 at once on every route when Redis cannot be reached: nothing is sent or queued', async () => {
    const down = unreachableRedis(1);
    cleanups.push(() => down.destroy());
    // A command timeout longer than the test's: only failing without waiting can pass.
    const relay = await relayWith({ store: redisStore(down, 60_000) });
    const state = randomToken();
    const [page, posted, fetched, waited] = await Promise.all([
      fetch(`${relay.url}/redirect?code=c&state=${state}`),
      post(relay, `access_token=t&state=${state}`),
      getToken(relay, `key=${state}`),
      getToken(relay, `key=${state}&wait=10`),
    ]);
    expect(page.status).toBe(503);
    expect(await page.text()).toContain('unavailable');
    expect(posted.status).toBe(503);
    expect(fetched).toMatchObject({ status: 503, body: { error_name: 'store_unavailable' } });
    expect(waited).toMatchObject({ status: 503, body: { error_name: 'store_unavailable' } });
  });

  it('answers 503 quickly when Redis takes commands and never answers, and resumes when it answers again', async () => {
    const proxy = await startRedisProxy();
    cleanups.push(() => proxy.close());
    const { createClient } = await import('redis');
    const client = createClient({ url: `redis://127.0.0.1:${proxy.port}` });
    client.on('error', () => undefined);
    cleanups.push(() => client.destroy());
    await client.connect();
    const relay = await relayWith({ store: redisStore(client, 300) });
    const state = randomToken();
    expect((await getToken(relay, `key=${state}&wait=1`)).status).toBe(404);
    proxy.freeze();
    // The commandTimeout (300 ms) ends every request well inside the test's timeout and the 10 s wait.
    const [page, posted, fetched, waited] = await Promise.all([
      redirect(relay, `code=c&state=${state}`),
      post(relay, `access_token=t&state=${randomToken()}`),
      getToken(relay, `key=${state}`),
      getToken(relay, `key=${state}&wait=10`),
    ]);
    expect([page.status, posted.status, fetched.status, waited.status]).toEqual([503, 503, 503, 503]);
    proxy.thaw();
    const again = randomToken();
    expect((await redirect(relay, `code=c&state=${again}`)).status).toBe(200);
    expect((await getToken(relay, `key=${again}&wait=1`)).body).toEqual({ code: 'c' });
  });

  it('resumes when Redis comes back', async () => {
    const proxy = await startRedisProxy();
    cleanups.push(() => proxy.close());
    const client = await (async () => {
      const { createClient } = await import('redis');
      const c = createClient({ url: `redis://127.0.0.1:${proxy.port}`, socket: { reconnectStrategy: 20 } });
      c.on('error', () => undefined);
      await c.connect();
      return c;
    })();
    cleanups.push(() => client.destroy());
    const relay = await relayWith({ store: redisStore(client, 300) });
    const state = randomToken();
    await proxy.stop();
    await vi.waitFor(() => expect(client.isReady).toBe(false), { interval: 5 });
    expect((await redirect(relay, `code=c&state=${state}`)).status).toBe(503);
    await proxy.start();
    await vi.waitFor(() => expect(client.isReady).toBe(true), { interval: 10, timeout: 5000 });
    expect((await redirect(relay, `code=c&state=${state}`)).status).toBe(200);
    expect((await getToken(relay, `key=${state}&wait=1`)).body).toEqual({ code: 'c' });
  });
});
