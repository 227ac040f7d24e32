import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { codeChallengeS256 } from '../../src/util/pkce.js';
import { createSandbox } from 'passport-stackexchange-oauth2/sandbox';
import type { RecordedRequest, Sandbox } from 'passport-stackexchange-oauth2/sandbox';
import { MemoryApiLimits, SessionPendingLoginStore } from 'passport-stackexchange-oauth2';
import type { PendingLoginStore, StackExchangeProfile, StackExchangeTokenParams, VerifyCallback } from 'passport-stackexchange-oauth2';
import { appResponse, startLoginApp } from './login-app.js';
import type { LoginApp, LoginAppOptions } from './login-app.js';

let se: Sandbox;
const apps: LoginApp[] = [];

beforeAll(async () => {
  se = await createSandbox({ port: 0 });
});

afterAll(async () => {
  await se.close();
});

beforeEach(() => {
  se.reset();
});

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function app(options: LoginAppOptions = {}): Promise<LoginApp> {
  const created = await startLoginApp(se, options);
  apps.push(created);
  return created;
}

const tokenRequests = (): RecordedRequest[] => se.requests.filter((r) => r.path === '/oauth/access_token/json');
const apiRequests = (): RecordedRequest[] => se.requests.filter((r) => r.path.startsWith('/2.3/'));
const user0 = () => se.users[0]!;

/** Start a login, approve it at the sandbox, and return the callback URL (not yet followed). */
async function approvedCallback(login: LoginApp, query = '', accountId = user0().accountId): Promise<URL> {
  return se.authorize(await login.start(query), { accountId });
}

describe('StackExchangeStrategy against the sandbox', () => {
  it('logs in a confidential client with PKCE S256, the exact redirect_uri and the scope', async () => {
    const login = await app({ strategy: { scope: ['read_inbox'], userAgent: 'strategy-test/1.0' } });
    const authorize = await login.start('?returnTo=%2Fquestions');
    expect(`${authorize.origin}${authorize.pathname}`).toBe(se.authorizationURL);
    const q = authorize.searchParams;
    expect(q.get('response_type')).toBe('code');
    expect(q.get('client_id')).toBe(se.clients[0]!.clientId);
    expect(q.get('redirect_uri')).toBe(login.callbackURL);
    expect(q.get('scope')).toBe('read_inbox');
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('state')).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(authorize.searchParams.has('client_secret')).toBe(false);

    const callback = await se.authorize(authorize, { accountId: user0().accountId });
    expect(callback.searchParams.get('state')).toBe(q.get('state'));
    const before = Date.now();
    const res = await login.callback(callback);
    expect(res.status).toBe(200);

    const [token] = tokenRequests();
    expect(tokenRequests()).toHaveLength(1);
    expect(token?.method).toBe('POST');
    expect(token?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(token?.headers['user-agent']).toMatch(/^strategy-test\/1\.0 passport-stackexchange-oauth2\//);
    expect(token?.form).toMatchObject({
      grant_type: 'authorization_code',
      client_id: se.clients[0]!.clientId,
      client_secret: se.clients[0]!.clientSecret,
      code: callback.searchParams.get('code'),
      redirect_uri: login.callbackURL,
    });
    const verifier = token?.form?.['code_verifier'];
    expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(codeChallengeS256(verifier as string)).toBe(q.get('code_challenge'));
    // The verifier never left the server before the token request.
    expect(se.requests.filter((r) => r.path === '/oauth').every((r) => !JSON.stringify(r).includes(verifier as string))).toBe(true);

    const body = res.body as { user: StackExchangeProfile; info: { tokens: { accessToken: string; expiresAt: number; scope: string[] }; state: unknown } };
    expect(body.info.state).toEqual({ returnTo: '/questions' });
    expect(body.info.tokens.accessToken).toEqual(expect.any(String));
    expect(body.info.tokens.expiresAt).toBeGreaterThanOrEqual(before + 86_000_000);
    expect(body.info.tokens.scope).toEqual(['read_inbox']);
    const so = user0().sites['stackoverflow']!;
    expect(body.user).toMatchObject({
      provider: 'stackexchange',
      id: String(user0().accountId),
      accountId: user0().accountId,
      userId: so.user_id,
      displayName: so.display_name,
      profileUrl: so.link,
      reputation: so.reputation,
      userType: so.user_type,
      site: 'stackoverflow',
    });
    expect(body.user).not.toHaveProperty('networkUsers');

    const [me] = apiRequests();
    expect(apiRequests()).toHaveLength(1);
    expect(me?.path).toBe('/2.3/me');
    expect(me?.query).toMatchObject({ site: 'stackoverflow', key: se.clients[0]!.key, access_token: body.info.tokens.accessToken });
    expect((await login.agent.get('/pending')).body).toEqual([]);
  });

  it('logs in a public client that sends no client_secret field at all', async () => {
    const login = await app({ publicClient: true });
    const res = await login.callback(await approvedCallback(login));
    expect(res.status).toBe(200);
    const form = tokenRequests()[0]?.form ?? {};
    expect(form['client_id']).toBe(se.clients[1]!.clientId);
    expect(Object.keys(form)).not.toContain('client_secret');
    expect(form['code_verifier']).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(res.body.info?.tokens.accessToken).toEqual(expect.any(String));
  });

  it("hands a custom pending-login store only passport-oauth2's metadata and the limits: never the secret or the key", async () => {
    const contexts: object[] = [];
    const inner = new SessionPendingLoginStore();
    const store: PendingLoginStore = {
      store: (req, verifier, state, context, callback) => {
        contexts.push(context);
        inner.store(req, verifier, state, context, callback);
      },
      verify: (req, state, callback) => inner.verify(req, state, callback),
    };
    const login = await app({ strategy: { store } });
    await login.start();
    expect(contexts).toHaveLength(1);
    // Before: the strategy's whole settings were copied into every start's context (clientSecret, key, fetch...).
    expect(Object.keys(contexts[0] ?? {}).sort()).toEqual(['authorizationURL', 'callbackURL', 'clientID', 'maxPendingLogins', 'stateTTL', 'tokenURL']);
    expect(JSON.stringify(contexts[0])).not.toContain(se.clients[0]!.clientSecret);
  });

  it('treats clientSecret: undefined (an unset environment variable) as a public client', async () => {
    const login = await app({ client: 1, strategy: { clientSecret: undefined } });
    const res = await login.callback(await approvedCallback(login));
    expect(res.status).toBe(200);
    expect(Object.keys(tokenRequests()[0]?.form ?? {})).not.toContain('client_secret');
  });

  it('passes the profile requests through the apiLimits option', async () => {
    const limits = new MemoryApiLimits({ maxRequests: 5 });
    const take = vi.spyOn(limits, 'take');
    const login = await app({ strategy: { apiLimits: limits, networkUsers: true } });
    const res = await login.callback(await approvedCallback(login));
    expect(res.status).toBe(200);
    expect(apiRequests().map((r) => r.path)).toEqual(['/2.3/me', '/2.3/me/associated']);
    expect(take).toHaveBeenCalledTimes(2);
  });

  it('gives expiresAt null with no_expiry', async () => {
    const login = await app({ strategy: { scope: 'no_expiry read_inbox' } });
    const res = await login.callback(await approvedCallback(login));
    expect(res.status).toBe(200);
    expect(res.body.info?.tokens).toMatchObject({ expiresAt: null, scope: ['no_expiry', 'read_inbox'] });
  });

  it("records each login's own scopes, which Stack Exchange's token answer does not report", async () => {
    const verified: StackExchangeTokenParams[] = [];
    const login = await app({
      strategy: { scope: ['no_expiry'] },
      verify: (_a: string, _r: undefined, params: StackExchangeTokenParams, profile: StackExchangeProfile, done: VerifyCallback) => {
        verified.push(params);
        done(null, profile);
      },
    });
    const wider = await login.start('?scope=no_expiry,read_inbox');
    expect(wider.searchParams.get('scope')).toBe('no_expiry read_inbox');
    const plain = await login.start();
    expect(plain.searchParams.get('scope')).toBe('no_expiry');

    // Completed in reverse order: each login keeps the scopes it asked for, not the last one's.
    const plainDone = await login.callback(await se.authorize(plain, { accountId: user0().accountId }));
    const widerDone = await login.callback(await se.authorize(wider, { accountId: user0().accountId }));
    expect(plainDone.body.info?.tokens.scope).toEqual(['no_expiry']);
    expect(widerDone.body.info?.tokens.scope).toEqual(['no_expiry', 'read_inbox']);
    expect(verified.map((p) => p.scope)).toEqual([['no_expiry'], ['no_expiry', 'read_inbox']]);
    expect(tokenRequests().every((r) => r.form?.['scope'] === undefined)).toBe(true);
  });

  it('completes two tabs in reverse order, each with its own metadata', async () => {
    const login = await app();
    const tabA = await approvedCallback(login, '?returnTo=%2Fa');
    const tabB = await approvedCallback(login, '?returnTo=%2Fb');
    expect(tabA.searchParams.get('state')).not.toBe(tabB.searchParams.get('state'));
    expect((await login.agent.get('/pending')).body).toHaveLength(2);
    const b = await login.callback(tabB);
    expect(b.status).toBe(200);
    expect(b.body.info?.state).toEqual({ returnTo: '/b' });
    const a = await login.callback(tabA);
    expect(a.status).toBe(200);
    expect(a.body.info?.state).toEqual({ returnTo: '/a' });
    expect(tokenRequests()).toHaveLength(2);
  });

  it('refuses a replayed callback without a second token request', async () => {
    const login = await app();
    const callback = await approvedCallback(login);
    expect((await login.callback(callback)).status).toBe(200);
    const replay = await login.callback(callback);
    expect(replay.status).toBe(403);
    expect(replay.body.failure).toMatchObject({ code: 'invalid_state' });
    expect(tokenRequests()).toHaveLength(1);
  });

  it('expires a pending login after stateTTL', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const login = await app({ strategy: { stateTTL: 60 } });
    const callback = await approvedCallback(login);
    vi.setSystemTime(Date.now() + 61_000);
    const res = await login.callback(callback);
    expect(res.status).toBe(403);
    // The session held only the pending login, so its cookie lived stateTTL too: the login is unknown by now.
    expect(res.body.failure).toEqual({ message: expect.stringMatching(/expired|unknown state/) as unknown, code: 'invalid_state' });
    expect(tokenRequests()).toHaveLength(0);
    expect((await login.agent.get('/pending')).body).toEqual([]);
  });

  it('refuses a tampered or missing state without touching the pending login', async () => {
    const login = await app();
    const callback = await approvedCallback(login);
    const state = callback.searchParams.get('state')!;
    const tampered = new URL(callback);
    tampered.searchParams.set('state', `${state.slice(0, -1)}${state.endsWith('A') ? 'B' : 'A'}`);
    const res = await login.callback(tampered);
    expect(res.status).toBe(403);
    expect(res.body.failure).toMatchObject({ code: 'invalid_state' });
    const missing = new URL(callback);
    missing.searchParams.delete('state');
    expect((await login.callback(missing)).status).toBe(403);
    expect(tokenRequests()).toHaveLength(0);
    expect((await login.agent.get('/pending')).body).toEqual([state]);
    expect((await login.callback(callback)).status).toBe(200);
  });

  it('refuses a callback from another browser (no pending login in that session)', async () => {
    const victim = await app();
    const callback = await approvedCallback(victim);
    const otherBrowser = request.agent(victim.baseURL);
    const res = appResponse(await otherBrowser.get(`${callback.pathname}${callback.search}`));
    expect(res.status).toBe(403);
    expect(res.body.failure).toMatchObject({ code: 'invalid_state' });
    expect(tokenRequests()).toHaveLength(0);
    expect((await victim.agent.get('/pending')).body).toHaveLength(1);
  });

  it.each([
    ['code repeated', (u: URL) => u.searchParams.append('code', 'other')],
    ['state repeated', (u: URL) => u.searchParams.append('state', 'other')],
    ['state[]', (u: URL) => u.searchParams.append('state[]', 'x')],
    ['state[a]', (u: URL) => u.searchParams.append('state[a]', 'x')],
    ['code[x]', (u: URL) => u.searchParams.append('code[x]', 'x')],
  ])('answers 400 to a callback with %s, and makes no token request', async (_label, mutate) => {
    const login = await app();
    const callback = await approvedCallback(login);
    mutate(callback);
    const res = await login.callback(callback);
    expect(res.status).toBe(400);
    expect(res.body.failure).toMatchObject({ code: 'bad_request' });
    expect(tokenRequests()).toHaveLength(0);
  });

  it('turns access_denied into a failure that consumes the pending login and keeps the metadata', async () => {
    const login = await app();
    const callback = await se.authorize(await login.start('?returnTo=%2Fback'), { approve: false });
    expect(callback.searchParams.get('error')).toBe('access_denied');
    const res = await login.callback(callback);
    expect(res.status).toBe(401);
    expect(res.body.failure).toEqual({ message: 'You declined access', code: 'access_denied', state: { returnTo: '/back' } });
    expect(tokenRequests()).toHaveLength(0);
    expect((await login.agent.get('/pending')).body).toEqual([]);
    expect((await login.callback(callback)).body.failure).toMatchObject({ code: 'invalid_state' });
  });

  it('turns other authorization errors into AUTHORIZATION_ERROR without reflecting their text', async () => {
    const login = await app();
    const state = (await login.start()).searchParams.get('state')!;
    const res = await login.callback(
      `/auth/callback?error=%3Cscript%3Ealert(1)%3C%2Fscript%3E&error_description=%3Cimg%20src%3Dx%3E&state=${state}`,
    );
    expect(res.status).toBe(502);
    expect(res.body.error).toMatchObject({ name: 'StackExchangeAuthorizationError', code: 'AUTHORIZATION_ERROR' });
    expect(res.text).not.toMatch(/script|img/);
    const state2 = (await login.start()).searchParams.get('state')!;
    const unavailable = await login.callback(`/auth/callback?error=temporarily_unavailable&state=${state2}`);
    expect(unavailable.status).toBe(503);
    expect(unavailable.body.error?.message).toContain('temporarily_unavailable');
  });

  it('checks the state of an error callback first', async () => {
    const login = await app();
    await login.start();
    const res = await login.callback('/auth/callback?error=access_denied&state=unknown');
    expect(res.status).toBe(403);
    expect(res.body.failure).toMatchObject({ code: 'invalid_state' });
    expect((await login.agent.get('/pending')).body).toHaveLength(1);
  });

  it.each([
    ['hang', 'TOKEN_TIMEOUT'],
    ['500', 'TOKEN_HTTP_STATUS'],
    ['html', 'TOKEN_INVALID_RESPONSE'],
    ['no-token', 'TOKEN_MISSING'],
  ] as const)('fails cleanly when the token endpoint answers %s', async (fault, code) => {
    const login = await app({ strategy: { timeout: 300 } });
    const callback = await approvedCallback(login);
    se.fault('token', fault);
    const res = await login.callback(callback);
    expect(res.status).toBe(502);
    expect(res.body.error).toMatchObject({ name: 'TokenError', code });
    expect(res.text).not.toContain(callback.searchParams.get('code'));
    expect(tokenRequests()).toHaveLength(1);
    expect(apiRequests()).toHaveLength(0);
    expect((await login.agent.get('/pending')).body).toEqual([]);
  });

  it('reports a code the sandbox refuses as TOKEN_REJECTED', async () => {
    const login = await app();
    const callback = await approvedCallback(login);
    callback.searchParams.set('code', 'not-a-code');
    const res = await login.callback(callback);
    expect(res.body.error).toMatchObject({ name: 'TokenError', code: 'TOKEN_REJECTED' });
  });

  it('falls back to /me/associated for a user with no account on the site', async () => {
    const login = await app();
    const user = se.users.find((u) => !u.sites['stackoverflow'])!;
    const res = await login.callback(await approvedCallback(login, '', user.accountId));
    expect(res.status).toBe(200);
    const first = user.network[0]!;
    expect(res.body.user).toMatchObject({
      id: String(user.accountId),
      userId: first.user_id,
      reputation: first.reputation,
      site: new URL(first.site_url).hostname,
      displayName: `user${first.user_id}`,
    });
    expect(res.body.user).not.toHaveProperty('networkUsers');
    expect(apiRequests().map((r) => r.path)).toEqual(['/2.3/me', '/2.3/me/associated']);
  });

  it('adds the network accounts with networkUsers: true', async () => {
    const login = await app({ strategy: { networkUsers: true } });
    const res = await login.callback(await approvedCallback(login));
    expect(res.status).toBe(200);
    expect(res.body.user?.networkUsers).toEqual(user0().network);
    expect(res.body.user?.site).toBe('stackoverflow');
    expect(apiRequests().map((r) => r.path)).toEqual(['/2.3/me', '/2.3/me/associated']);
  });

  it('fails with the API error when the profile cannot be loaded, with no token in the message', async () => {
    const login = await app();
    const callback = await approvedCallback(login);
    se.fault('api', 'throttle');
    const res = await login.callback(callback);
    expect(res.status).toBe(429);
    expect(res.body.error).toMatchObject({ name: 'StackExchangeApiError', code: 'API_ERROR' });
    const token = se.requests.find((r) => r.path === '/2.3/me')?.query['access_token'];
    expect(token).toEqual(expect.any(String));
    expect(res.text).not.toContain(token as string);
  });

  it('answers 503 and does not redirect when the session store fails at the start', async () => {
    const login = await app();
    login.store.failing = true;
    const res = appResponse(await login.agent.get('/login'));
    expect(res.status).toBe(503);
    expect(res.headers['location']).toBeUndefined();
    expect(res.body.error).toMatchObject({ code: 'SESSION_STORE' });
  });

  it('needs a session', async () => {
    const login = await app({ noSession: true });
    const res = appResponse(await login.agent.get('/login'));
    expect(res.status).toBe(500);
    expect(res.body.error).toMatchObject({ code: 'SESSION_REQUIRED' });
  });

  it('refuses a string state option, which would bypass the state store', async () => {
    const login = await app();
    const res = appResponse(await login.agent.get('/login?rawState=abc'));
    expect(res.status).toBe(500);
    expect(res.body.error?.message).toMatch(/state must be an object/);
  });
});

describe('verify forms', () => {
  type Seen = { args: number; params?: StackExchangeTokenParams; profile?: StackExchangeProfile; hasReq?: boolean };

  async function loginWith(verify: unknown, strategy: LoginAppOptions['strategy'] = {}) {
    const login = await app({ verify, strategy });
    return login.callback(await approvedCallback(login, '?returnTo=%2Fv'));
  }

  it('calls (accessToken, refreshToken, profile, done) and keeps its own info next to tokens and state', async () => {
    const seen: Seen[] = [];
    const res = await loginWith((accessToken: string, refreshToken: undefined, profile: StackExchangeProfile, done: VerifyCallback) => {
      seen.push({ args: 4, profile });
      expect(typeof accessToken).toBe('string');
      expect(refreshToken).toBeUndefined();
      done(null, { id: profile.id, app: true }, { message: 'welcome', scope: 'mine' });
    });
    expect(res.status).toBe(200);
    expect(seen[0]?.profile?.provider).toBe('stackexchange');
    expect(res.body.user).toEqual({ id: String(user0().accountId), app: true });
    expect(res.body.info).toMatchObject({ message: 'welcome', scope: 'mine', state: { returnTo: '/v' }, tokens: { accessToken: expect.any(String) as unknown } });
  });

  it('calls (accessToken, refreshToken, params, profile, done) with expires and expiresAt', async () => {
    const seen: Seen[] = [];
    const res = await loginWith((_a: string, _r: undefined, params: StackExchangeTokenParams, profile: StackExchangeProfile, done: VerifyCallback) => {
      seen.push({ args: 5, params, profile });
      done(null, { id: profile.id }, 'a string info');
    });
    expect(res.status).toBe(200);
    expect(seen[0]?.params).toMatchObject({ expires: 86400, expiresAt: expect.any(Number) as unknown, scope: [] });
    expect(seen[0]?.profile?.id).toBe(String(user0().accountId));
    expect(res.body.info).toMatchObject({ message: 'a string info', tokens: { expiresAt: seen[0]?.params?.expiresAt } });
  });

  it('passes the request first with passReqToCallback, in both forms', async () => {
    const seen: Seen[] = [];
    const four = await loginWith(
      (req: unknown, _a: string, _r: undefined, profile: StackExchangeProfile, done: VerifyCallback) => {
        seen.push({ args: 5, hasReq: typeof (req as { get?: unknown }).get === 'function', profile });
        done(null, { id: profile.id });
      },
      { passReqToCallback: true },
    );
    const six = await loginWith(
      (req: unknown, _a: string, _r: undefined, params: StackExchangeTokenParams, profile: StackExchangeProfile, done: VerifyCallback) => {
        seen.push({ args: 6, hasReq: typeof (req as { get?: unknown }).get === 'function', params, profile });
        done(null, { id: profile.id });
      },
      { passReqToCallback: true },
    );
    expect([four.status, six.status]).toEqual([200, 200]);
    expect(seen.map((s) => [s.args, s.hasReq])).toEqual([
      [5, true],
      [6, true],
    ]);
    expect(seen[0]?.profile?.provider).toBe('stackexchange');
    expect(seen[1]?.params?.expires).toBe(86400);
    expect(six.body.info?.tokens.accessToken).toEqual(expect.any(String));
  });

  it('passes a refusal through without tokens', async () => {
    const res = await loginWith((_a: string, _r: undefined, _p: StackExchangeProfile, done: VerifyCallback) => done(null, false, { message: 'not allowed here' }));
    expect(res.status).toBe(401);
    expect(res.body.failure).toEqual({ message: 'not allowed here' });
  });

  it('passes a verify error to the app', async () => {
    const res = await loginWith((_a: string, _r: undefined, _p: StackExchangeProfile, done: VerifyCallback) => done(new Error('database down')));
    expect(res.status).toBe(500);
    expect(res.body.error?.message).toBe('database down');
  });
});
