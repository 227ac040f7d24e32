import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenErrorCode, exchangeCode, isTokenError } from 'passport-stackexchange-oauth2';
import type { StackExchangeProfile } from 'passport-stackexchange-oauth2';
import { startLoginApp } from './login-app.js';
import type { LoginApp } from './login-app.js';

// oidc-provider (OpenID Certified) as the authorization server, with PKCE required for every client:
// the strategy's OAuth part must work against a strict, standard server, not only against the sandbox.

/** The part of oidc-provider's API this test uses (the package ships no type declarations). */
interface OidcProvider {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<{ prompt: { name: string; details: Record<string, unknown> }; params: Record<string, unknown> }>;
  interactionFinished(req: IncomingMessage, res: ServerResponse, result: object, options: { mergeWithLastSubmission: boolean }): Promise<void>;
  Grant: new (init: { accountId: string; clientId: string }) => { addOIDCScope(scope: string): void; save(): Promise<string> };
}
type OidcProviderClass = new (issuer: string, configuration: Record<string, unknown>) => OidcProvider;

const WEB = { clientId: 'interop-web', clientSecret: 'interop-web-secret-0123456789', key: 'unused-key' };
const PUBLIC = { clientId: 'interop-public', clientSecret: '', key: 'unused-key' };
const ACCOUNT = 'interop-account-1';

let server: Server;
let issuer: string;
let provider: OidcProvider;
let logins: LoginApp[];
const tokenForms: URLSearchParams[] = [];

const recordingFetch: typeof fetch = async (input, init) => {
  if (typeof init?.body === 'string') tokenForms.push(new URLSearchParams(init.body));
  return fetch(input, init);
};

function profileFor(accessToken: string): StackExchangeProfile {
  return {
    provider: 'stackexchange',
    id: ACCOUNT,
    accountId: 1,
    userId: 1,
    displayName: `holder of a ${accessToken.length}-character token`,
    profileUrl: `${issuer}/me`,
    photos: [],
    reputation: 1,
    userType: 'registered',
    site: 'stackoverflow',
    _json: { account_id: 1, user_id: 1, site_name: 'Interop', site_url: issuer, reputation: 1, badge_counts: { bronze: 0, silver: 0, gold: 0 }, creation_date: 0, last_access_date: 0, answer_count: 0, question_count: 0, user_type: 'registered' },
  };
}

/** Auto-approves: logs the account in, then grants what the consent prompt says is missing. */
async function interaction(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  if (details.prompt.name === 'login') {
    await provider.interactionFinished(req, res, { login: { accountId: ACCOUNT } }, { mergeWithLastSubmission: false });
    return;
  }
  const grant = new provider.Grant({ accountId: ACCOUNT, clientId: String(details.params['client_id']) });
  const missing = details.prompt.details['missingOIDCScope'];
  if (Array.isArray(missing)) grant.addOIDCScope(missing.join(' '));
  await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
}

/** A minimal browser: follows redirects with a cookie jar until one leads to `stopAt`. */
async function browse(start: URL, stopAt: string): Promise<URL> {
  const jar = new Map<string, string>();
  let url = start;
  for (let hop = 0; hop < 10; hop++) {
    const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
    const res = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const name = pair.slice(0, pair.indexOf('='));
      const value = pair.slice(pair.indexOf('=') + 1);
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
    const location = res.headers.get('location');
    if (location === null) throw new Error(`the authorization server answered ${res.status} without a redirect: ${await res.text()}`);
    url = new URL(location, url);
    if (url.href.startsWith(stopAt)) return url;
  }
  throw new Error('too many redirects');
}

beforeAll(async () => {
  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const endpoints = { authorizationURL: `${issuer}/auth`, tokenURL: `${issuer}/token`, apiURL: `${issuer}/unused-api` };
  const common = { strategy: { scope: ['read_inbox'], fetch: recordingFetch }, profile: profileFor } as const;
  logins = [
    await startLoginApp({ ...endpoints, clients: [WEB] }, common),
    await startLoginApp({ ...endpoints, clients: [PUBLIC, PUBLIC] }, { ...common, publicClient: true }),
  ];
  const [web, pub] = logins as [LoginApp, LoginApp];
  const specifier = 'oidc-provider';
  const { default: Provider } = (await import(specifier)) as { default: OidcProviderClass };
  provider = new Provider(issuer, {
    clients: [
      { client_id: WEB.clientId, client_secret: WEB.clientSecret, token_endpoint_auth_method: 'client_secret_post', redirect_uris: [web.callbackURL], grant_types: ['authorization_code'], response_types: ['code'] },
      { client_id: PUBLIC.clientId, token_endpoint_auth_method: 'none', redirect_uris: [pub.callbackURL], grant_types: ['authorization_code'], response_types: ['code'] },
    ],
    pkce: { required: () => true },
    scopes: ['openid', 'read_inbox'],
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: unknown, details: { uid: string }) => `/interaction/${details.uid}` },
    cookies: { keys: ['interop-cookie-key-0123456789abcdef'] },
    ttl: { AccessToken: 3600, Interaction: 600, Session: 3600, Grant: 3600 },
    findAccount: (_ctx: unknown, sub: string) => ({ accountId: sub, claims: () => ({ sub }) }),
  });
  const callback = provider.callback();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith('/interaction/')) {
      interaction(req, res).catch((err: unknown) => {
        res.statusCode = 500;
        res.end(String(err));
      });
    } else callback(req, res);
  });
});

afterAll(async () => {
  await Promise.all(logins.map((login) => login.close()));
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('interoperability with oidc-provider (PKCE required)', () => {
  it.each([
    ['client_secret_post', 0],
    ['a public client (token_endpoint_auth_method none)', 1],
  ] as const)('logs in with %s and reads expires_in', async (_label, index) => {
    const login = logins[index]!;
    tokenForms.length = 0;
    const authorize = await login.start('?returnTo=%2Finterop');
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    const callback = await browse(authorize, login.callbackURL);
    expect(callback.searchParams.get('error')).toBeNull();
    expect(callback.searchParams.get('state')).toBe(authorize.searchParams.get('state'));

    const before = Date.now();
    const res = await login.callback(callback);
    expect(res.status).toBe(200);
    expect(res.body.info?.state).toEqual({ returnTo: '/interop' });
    expect(res.body.info?.tokens.expiresAt).toBeGreaterThanOrEqual(before + 3_590_000);
    expect(res.body.info?.tokens.expiresAt).toBeLessThanOrEqual(Date.now() + 3_600_000);
    expect(res.body.info?.tokens.scope).toEqual(['read_inbox']);
    expect(res.body.user?.id).toBe(ACCOUNT);

    expect(tokenForms).toHaveLength(1);
    const form = tokenForms[0]!;
    expect(form.get('grant_type')).toBe('authorization_code');
    expect(form.has('code_verifier')).toBe(true);
    if (index === 0) expect(form.get('client_secret')).toBe(WEB.clientSecret);
    else expect(form.has('client_secret')).toBe(false);

    // The same code again is refused by the server; the replay never even reaches it.
    const replay = await login.callback(callback);
    expect(replay.status).toBe(403);
    expect(tokenForms).toHaveLength(1);
  });

  it('is refused by the server with a wrong verifier, as TOKEN_REJECTED invalid_grant', async () => {
    const login = logins[1]!;
    const callback = await browse(await login.start(), login.callbackURL);
    const err = await exchangeCode({
      tokenURL: `${issuer}/token`,
      clientID: PUBLIC.clientId,
      code: callback.searchParams.get('code')!,
      redirectURI: login.callbackURL,
      codeVerifier: 'w'.repeat(43),
      timeout: 5000,
      userAgent: 'interop-test',
    }).catch((e: unknown) => e);
    expect(isTokenError(err) && [err.code, err.providerError, err.providerStatus]).toEqual([TokenErrorCode.Rejected, 'invalid_grant', 400]);
  });
});
