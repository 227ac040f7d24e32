import { createRequire } from 'node:module';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox } from 'passport-stackexchange-oauth2/sandbox';
import type { RecordedRequest, Sandbox } from 'passport-stackexchange-oauth2/sandbox';
import { StackExchangeStrategy, Strategy, TokenError, TokenErrorCode, isTokenError } from 'passport-stackexchange-oauth2';
import type { StackExchangeProfile, VerifyCallback } from 'passport-stackexchange-oauth2';
import { startLoginApp } from './login-app.js';
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
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function app(options: LoginAppOptions = {}): Promise<LoginApp> {
  const created = await startLoginApp(se, options);
  apps.push(created);
  return created;
}

const tokenRequests = (): RecordedRequest[] => se.requests.filter((r) => r.path === '/oauth/access_token/json');
const apiRequests = (): RecordedRequest[] => se.requests.filter((r) => r.path.startsWith('/2.3/'));

async function approvedCallback(login: LoginApp, query = ''): Promise<URL> {
  return se.authorize(await login.start(query), { accountId: se.users[0]!.accountId });
}

/** The JSON the login app answered (supertest types it `any`). */
interface AppAnswer {
  user?: unknown;
  info?: { state?: unknown; tokens: { scope: string[] } };
  failure?: unknown;
  error?: unknown;
}
const body = (res: { body: unknown }): AppAnswer => res.body as AppAnswer;

const keepToken = (accessToken: string, _refresh: undefined, profile: StackExchangeProfile | undefined, done: VerifyCallback): void =>
  done(null, { token: accessToken.length > 0, hasProfile: profile !== undefined });

describe("passport-oauth2's contract", () => {
  it('exports the strategy as Strategy, in ESM and in CommonJS', () => {
    expect(Strategy).toBe(StackExchangeStrategy);
    // The CommonJS build, when there is one (the package test checks the packed tarball).
    const require = createRequire(import.meta.url);
    let cjs: { Strategy?: unknown; StackExchangeStrategy?: unknown } | undefined;
    try {
      cjs = require('../../dist/index.cjs') as typeof cjs;
    } catch {
      cjs = undefined;
    }
    if (cjs !== undefined && 'Strategy' in cjs) expect(cjs.Strategy).toBe(cjs.StackExchangeStrategy);
  });

  it('skipUserProfile: true makes no /me request and verify gets no profile', async () => {
    const login = await app({ strategy: { skipUserProfile: true }, verify: keepToken });
    const res = await login.callback(await approvedCallback(login));
    expect(res.status).toBe(200);
    expect(body(res).user).toEqual({ token: true, hasProfile: false });
    expect(tokenRequests()).toHaveLength(1);
    expect(apiRequests()).toHaveLength(0);
  });

  it.each([
    [true, 0, false],
    [false, 1, true],
  ])('skipUserProfile as (accessToken, done) deciding %s makes %i /me request(s)', async (skip, calls, hasProfile) => {
    const seenTokens: string[] = [];
    const decide = (accessToken: string, done: (err: unknown, skip?: boolean) => void): void => {
      seenTokens.push(accessToken);
      done(null, skip);
    };
    const login = await app({ strategy: { skipUserProfile: decide }, verify: keepToken });
    const res = await login.callback(await approvedCallback(login));
    expect(body(res).user).toEqual({ token: true, hasProfile });
    expect(seenTokens).toHaveLength(1);
    expect(apiRequests().filter((r) => r.path === '/2.3/me')).toHaveLength(calls);
  });

  it.each([
    ['skipUserProfile', { strategy: { skipUserProfile: () => { throw new Error('skip decision failed'); } }, verify: keepToken }],
    ['an overridden userProfile', { profile: () => { throw new Error('profile mapping failed'); } }],
  ] as const)('answers with the app\'s error handler, not a crash, when %s throws', async (_name, options) => {
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown): void => void rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      const login = await app(options);
      const res = await login.callback(await approvedCallback(login));
      expect(res.status).toBe(500);
      expect(JSON.stringify(res.body)).toMatch(/(skip decision|profile mapping) failed/);
      await new Promise((resolve) => setImmediate(resolve));
      expect(rejections).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });

  it('sends customHeaders with the token request, keeping its own content type', async () => {
    const login = await app({ strategy: { customHeaders: { 'x-login-source': 'contract-test', 'content-type': 'text/plain' } } });
    expect((await login.callback(await approvedCallback(login))).status).toBe(200);
    const [token] = tokenRequests();
    expect(token?.headers['x-login-source']).toBe('contract-test');
    expect(token?.headers['content-type']).toBe('application/x-www-form-urlencoded');
  });

  it.each([
    ['node:http', undefined],
    ['an injected fetch', (input: string | URL | Request, init?: RequestInit) => fetch(input, init)],
  ] as const)('keeps its own content type and accept over customHeaders in any case, over %s', async (_name, injected) => {
    const customHeaders = { 'X-Login-Source': 'contract-test', 'Content-Type': 'text/plain', ACCEPT: 'text/html', 'Content-Length': '3' };
    const login = await app({ strategy: { customHeaders, ...(injected === undefined ? {} : { fetch: injected }) } });
    expect((await login.callback(await approvedCallback(login))).status).toBe(200);
    const [token] = tokenRequests();
    expect(token?.headers['x-login-source']).toBe('contract-test');
    expect(token?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(token?.headers['accept']).toBe('application/json');
    expect(token?.form?.['code_verifier']).toMatch(/^[\w-]{43,128}$/);
  });

  it("joins the scopes with scopeSeparator ','", async () => {
    const login = await app({ strategy: { scope: ['read_inbox', 'no_expiry'], scopeSeparator: ',' } });
    const authorize = await login.start();
    expect(authorize.searchParams.get('scope')).toBe('read_inbox,no_expiry');
    const res = await login.callback(await se.authorize(authorize, { accountId: se.users[0]!.accountId }));
    expect(body(res).info?.tokens.scope).toEqual(['read_inbox', 'no_expiry']);
  });

  it('keeps the pending logins under sessionKey', async () => {
    const login = await app({ strategy: { sessionKey: 'se:pending' } });
    const callback = await approvedCallback(login);
    // /pending reads the default key: nothing there.
    expect((await login.agent.get('/pending')).body).toEqual([]);
    expect((await login.callback(callback)).status).toBe(200);
  });

  it('uses a store given as options.store', async () => {
    const calls: string[] = [];
    const kept = new Map<string, { verifier: string; state: unknown }>();
    const store = {
      store(_req: object, verifier: string, state: unknown, context: { stateTTL: number }, cb: (err: Error | null, handle?: string) => void): void {
        calls.push(`store ttl=${context.stateTTL}`);
        const handle = `h${kept.size}`.padEnd(43, 'x');
        kept.set(handle, { verifier, state });
        cb(null, handle);
      },
      verify(_req: object, state: string | undefined, cb: (err: Error | null, verifier?: string | false, stored?: unknown) => void): void {
        calls.push('verify');
        const login = state === undefined ? undefined : kept.get(state);
        if (state !== undefined) kept.delete(state);
        if (login === undefined) cb(null, false, { message: 'nope' });
        else cb(null, login.verifier, login.state);
      },
    };
    const login = await app({ strategy: { store, stateTTL: 120 } });
    const callback = await approvedCallback(login, '?returnTo=%2Fkept');
    const res = await login.callback(callback);
    expect(res.status).toBe(200);
    expect(body(res).info?.state).toEqual({ returnTo: '/kept' });
    expect(calls).toEqual(['store ttl=120', 'verify']);
    const replay = await login.callback(callback);
    expect(replay.status).toBe(403);
    expect(body(replay).failure).toEqual({ message: 'nope', code: 'invalid_state' });
    expect(tokenRequests()).toHaveLength(1);
  });

  it('adds tokenParams() fields to the token form but never lets them replace the protected ones', async () => {
    class WithTokenParams extends StackExchangeStrategy {
      override tokenParams(): object {
        return { resource: 'https://api.example', client_id: 'evil', code: 'evil', redirect_uri: 'https://evil.example', code_verifier: 'evil', client_secret: 'evil', grant_type: 'password' };
      }
    }
    const login = await app({ strategyClass: WithTokenParams });
    const callback = await approvedCallback(login);
    expect((await login.callback(callback)).status).toBe(200);
    const form = tokenRequests()[0]?.form ?? {};
    expect(form).toMatchObject({
      resource: 'https://api.example',
      grant_type: 'authorization_code',
      client_id: se.clients[0]!.clientId,
      client_secret: se.clients[0]!.clientSecret,
      code: callback.searchParams.get('code'),
      redirect_uri: login.callbackURL,
    });
    expect(form['code_verifier']).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('adds authorizationParams() to the authorize URL', async () => {
    class WithAuthorizationParams extends StackExchangeStrategy {
      override authorizationParams(): object {
        return { prompt: 'consent' };
      }
    }
    const login = await app({ strategyClass: WithAuthorizationParams });
    expect((await login.start()).searchParams.get('prompt')).toBe('consent');
  });

  it('consults parseErrorResponse(body, status) for an error answer of the token endpoint', async () => {
    const seen: Array<[string, number]> = [];
    class WithErrorParser extends StackExchangeStrategy {
      override parseErrorResponse(body: string, status: number): Error | null {
        seen.push([body, status]);
        return new TokenError('parsed by the app', { code: TokenErrorCode.Rejected, providerStatus: status });
      }
    }
    const login = await app({ strategyClass: WithErrorParser });
    const callback = await approvedCallback(login);
    // A code used once is refused by the sandbox the second time: an error answer.
    expect((await login.callback(callback)).status).toBe(200);
    const again = await app({ strategyClass: WithErrorParser });
    const authorize = await again.start();
    const wrong = await se.authorize(authorize, { accountId: se.users[0]!.accountId });
    wrong.searchParams.set('code', callback.searchParams.get('code')!);
    const res = await again.callback(wrong);
    expect(res.status).toBe(502);
    expect(body(res).error).toMatchObject({ name: 'TokenError', message: 'parsed by the app' });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.[1]).toBeGreaterThanOrEqual(400);
    expect(seen[0]?.[0]).toContain('error');
  });

  it('keeps the package TokenError when parseErrorResponse gives nothing', async () => {
    class NullParser extends StackExchangeStrategy {
      override parseErrorResponse(): Error | null {
        return null;
      }
    }
    const login = await app({ strategyClass: NullParser });
    se.fault('token', '500', { times: 1 });
    const res = await login.callback(await approvedCallback(login));
    expect(body(res).error).toMatchObject({ name: 'TokenError', code: TokenErrorCode.HttpStatus, status: 502 });
  });

  it('uses an overridden userProfile()', async () => {
    class OwnProfile extends StackExchangeStrategy {
      override userProfile(accessToken: string, done: (err?: unknown, profile?: StackExchangeProfile) => void): void {
        done(null, { provider: 'stackexchange', id: `own-${accessToken.length > 0}` } as StackExchangeProfile);
      }
    }
    const login = await app({ strategyClass: OwnProfile });
    const res = await login.callback(await approvedCallback(login));
    expect(body(res).user).toMatchObject({ id: 'own-true' });
    expect(apiRequests()).toHaveLength(0);
  });

  it('refuses a refresh (passport-oauth2-refresh) with TOKEN_REFRESH_UNSUPPORTED and sends nothing', async () => {
    const login = await app();
    const oauth2 = (login.strategy as unknown as { _oauth2: { getOAuthAccessToken(code: string, params: object, cb: (err: unknown) => void): void } })._oauth2;
    const err = await new Promise((resolve) => oauth2.getOAuthAccessToken('a-refresh-token', { grant_type: 'refresh_token' }, resolve));
    expect(isTokenError(err) && err.code).toBe(TokenErrorCode.RefreshUnsupported);
    expect((err as Error).message).not.toContain('a-refresh-token');
    expect(se.requests).toHaveLength(0);
  });

  it('refuses a relative callbackURL, saying why and what to do', () => {
    expect(() => new StackExchangeStrategy({ clientID: '1', key: 'k', callbackURL: '/auth/callback' })).toThrow(
      /callbackURL must be an absolute http\(s\) URL: a relative one would be resolved against the Host header.*give the full URL registered on Stack Apps/,
    );
  });

  it('refuses an unknown option naming the nearest known one', () => {
    expect(() => new StackExchangeStrategy({ clientID: '1', key: 'k', callbackURL: 'https://app.example/cb', stateTtl: 60 } as never)).toThrow(
      'StackExchangeStrategy: unknown option "stateTtl" (did you mean stateTTL?)',
    );
  });
});
