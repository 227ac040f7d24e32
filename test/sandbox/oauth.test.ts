import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from 'passport-stackexchange-oauth2/sandbox';
import { authorizeUrl, codeFor, manualClock, postForm, REDIRECT_URI, RFC7636_CHALLENGE, RFC7636_VERIFIER } from './fixtures.js';

let se: Sandbox;
const clock = manualClock();

beforeAll(async () => {
  se = await createSandbox({ port: 0, clock: clock.now });
});
afterAll(async () => {
  await se.close();
});
beforeEach(() => se.reset());

async function openAuthorize(url: string): Promise<Response> {
  return fetch(url, { redirect: 'manual' });
}

function client(i = 0) {
  const c = se.clients[i];
  if (!c) throw new Error('no client');
  return c;
}

describe('GET /oauth: requests that cannot be trusted get an HTML error page and no redirect', () => {
  it.each([
    ['no client_id', { client_id: undefined }, 'client_id not provided'],
    ['an unknown client_id', { client_id: '999999' }, 'No application is registered'],
    ['no redirect_uri', { redirect_uri: undefined }, 'redirect_uri not provided'],
    ['a relative redirect_uri', { redirect_uri: '/callback' }, 'not an absolute URL'],
    ['a redirect_uri on another domain', { redirect_uri: 'https://evil.example/callback' }, 'OAuth domain (localhost)'],
    ['a look-alike domain', { redirect_uri: 'http://evillocalhost/callback' }, 'OAuth domain (localhost)'],
    ['a domain only prefixed with the app domain', { redirect_uri: 'http://localhost.evil.example/cb' }, 'OAuth domain (localhost)'],
    ['a non-http scheme', { redirect_uri: 'javascript://localhost/%0aalert(1)' }, 'OAuth domain (localhost)'],
    ['a fragment in redirect_uri', { redirect_uri: 'http://localhost:3000/cb#x' }, 'must not contain a fragment'],
    // The URL parser would drop the newline, while the redirect would carry it (a 500 after issuing a code).
    ['a newline in redirect_uri', { redirect_uri: 'http://localhost:3000/c\nb' }, 'printable ASCII'],
    ['a space in redirect_uri', { redirect_uri: 'http://localhost:3000/c b' }, 'printable ASCII'],
    ['a non-ASCII character in redirect_uri', { redirect_uri: 'http://localhost:3000/€' }, 'printable ASCII'],
  ])('%s', async (_name, params, message) => {
    const res = await openAuthorize(authorizeUrl(se, { state: 's', ...params }));
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toContain(message);
  });

  it('a repeated parameter', async () => {
    const res = await openAuthorize(`${authorizeUrl(se)}&client_id=${client(1).clientId}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('client_id was sent more than once');
  });

  it('HTML-escapes what it echoes', async () => {
    const res = await openAuthorize(authorizeUrl(se, { client_id: '<script>alert(1)</script>' }));
    const html = await res.text();
    expect(html).not.toContain('<script>');
    expect(html).toContain('&#60;script&#62;');
  });

  it('POST is refused', async () => {
    const res = await fetch(authorizeUrl(se), { method: 'POST', redirect: 'manual' });
    expect(res.status).toBe(405);
  });
});

describe('GET /oauth: valid requests', () => {
  it('shows the consent page for a redirect_uri on the domain, a subdomain, or the login_success page', async () => {
    for (const redirect of [REDIRECT_URI, 'https://app.localhost/cb?x=1', se.loginSuccessURL]) {
      const res = await openAuthorize(authorizeUrl(se, { redirect_uri: redirect }));
      expect(res.status, redirect).toBe(200);
      expect(await res.text()).toContain('name="tx"');
    }
  });

  it('passes state back only when sent, and keeps the redirect_uri query', async () => {
    const withState = await se.authorize(authorizeUrl(se, { state: 'abc 123' }));
    expect(withState.origin + withState.pathname).toBe(REDIRECT_URI);
    expect(withState.searchParams.get('state')).toBe('abc 123');
    expect(withState.searchParams.get('code')).toMatch(/^[\w-]{32}$/);
    const without = await se.authorize(authorizeUrl(se));
    expect(without.searchParams.has('state')).toBe(false);
    const kept = await se.authorize(authorizeUrl(se, { redirect_uri: 'http://localhost:3000/cb?from=x' }));
    expect(kept.searchParams.get('from')).toBe('x');
    expect(kept.searchParams.get('code')).not.toBeNull();
  });

  it('Reject redirects with error=access_denied, a description and the state', async () => {
    const location = await se.authorize(authorizeUrl(se, { state: 'st' }), { approve: false });
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('error_description')).toBeTruthy();
    expect(location.searchParams.get('state')).toBe('st');
    expect(location.searchParams.has('code')).toBe(false);
  });

  it.each([
    ['an unknown scope', { scope: 'read_inbox,admin' }, 'invalid_scope'],
    ['code_challenge_method=plain', { code_challenge: RFC7636_CHALLENGE, code_challenge_method: 'plain' }, 'invalid_request'],
    ['a challenge without a method (RFC 7636 reads it as plain)', { code_challenge: RFC7636_CHALLENGE }, 'invalid_request'],
    ['a method without a challenge', { code_challenge_method: 'S256' }, 'invalid_request'],
    ['a challenge that is not 43 base64url characters', { code_challenge: `${RFC7636_CHALLENGE}=`, code_challenge_method: 'S256' }, 'invalid_request'],
    ['a challenge with characters outside base64url', { code_challenge: `${RFC7636_CHALLENGE.slice(0, 42)}+`, code_challenge_method: 'S256' }, 'invalid_request'],
    ['a wrong response_type', { response_type: 'token' }, 'unsupported_response_type'],
  ])('%s is sent back to the app as an OAuth error', async (_name, params, error) => {
    const res = await openAuthorize(authorizeUrl(se, { state: 'st', ...params }));
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location') ?? '');
    expect(location.origin + location.pathname).toBe(REDIRECT_URI);
    expect(location.searchParams.get('error')).toBe(error);
    expect(location.searchParams.get('error_description')).toBeTruthy();
    expect(location.searchParams.get('state')).toBe('st');
  });

  it('accepts scopes separated by commas or spaces and lists them on the consent page', async () => {
    for (const scope of ['read_inbox,no_expiry', 'read_inbox no_expiry']) {
      const html = await (await openAuthorize(authorizeUrl(se, { scope }))).text();
      expect(html).toContain('(read_inbox)');
      expect(html).toContain('(no_expiry)');
    }
  });
});

describe('the consent form', () => {
  async function transaction(): Promise<string> {
    const html = await (await openAuthorize(authorizeUrl(se, { state: 's' }))).text();
    const tx = /name="tx" value="([^"]+)"/.exec(html)?.[1];
    if (!tx) throw new Error('no tx');
    return tx;
  }

  it('is single use: a second POST of the same transaction gets an error page', async () => {
    const tx = await transaction();
    const form = { tx, account_id: String(se.users[0]?.accountId), decision: 'approve' };
    const first = await fetch(`${se.url}/oauth/consent`, { method: 'POST', body: new URLSearchParams(form), redirect: 'manual' });
    expect(first.status).toBe(302);
    const second = await fetch(`${se.url}/oauth/consent`, { method: 'POST', body: new URLSearchParams(form), redirect: 'manual' });
    expect(second.status).toBe(400);
    expect(second.headers.get('location')).toBeNull();
  });

  it('cannot be forged without the page (no or unknown transaction id)', async () => {
    for (const tx of [undefined, 'forged']) {
      const body = new URLSearchParams({ account_id: String(se.users[0]?.accountId), decision: 'approve', ...(tx ? { tx } : {}) });
      const res = await fetch(`${se.url}/oauth/consent`, { method: 'POST', body, redirect: 'manual' });
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
    }
  });

  it('refuses an unknown account', async () => {
    const tx = await transaction();
    const res = await fetch(`${se.url}/oauth/consent`, { method: 'POST', body: new URLSearchParams({ tx, account_id: '42', decision: 'approve' }), redirect: 'manual' });
    expect(res.status).toBe(400);
  });

  it('expires after ten minutes', async () => {
    const tx = await transaction();
    clock.advance(10 * 60_000 + 1);
    const res = await fetch(`${se.url}/oauth/consent`, { method: 'POST', body: new URLSearchParams({ tx, account_id: String(se.users[0]?.accountId), decision: 'approve' }), redirect: 'manual' });
    expect(res.status).toBe(400);
  });
});

describe('GET /oauth/dialog (implicit grant)', () => {
  it('puts the token, expires and state in the fragment', async () => {
    const location = await se.authorize(authorizeUrl(se, { state: 'st', scope: 'read_inbox' }, se.implicitURL));
    expect(location.search).toBe('');
    const fragment = new URLSearchParams(location.hash.slice(1));
    expect(fragment.get('access_token')).toMatch(/\)\)$/);
    expect(fragment.get('expires')).toBe('86400');
    expect(fragment.get('state')).toBe('st');
    const me = await fetch(`${se.apiURL}/me?site=stackoverflow&key=${encodeURIComponent(client().key)}&access_token=${encodeURIComponent(fragment.get('access_token') ?? '')}`);
    expect(((await me.json()) as { items: unknown[] }).items).toHaveLength(1);
  });

  it('leaves expires out with no_expiry', async () => {
    const location = await se.authorize(authorizeUrl(se, { scope: 'no_expiry' }, se.implicitURL));
    const fragment = new URLSearchParams(location.hash.slice(1));
    expect(fragment.get('access_token')).toBeTruthy();
    expect(fragment.has('expires')).toBe(false);
  });

  it('puts errors in the fragment too', async () => {
    const denied = await se.authorize(authorizeUrl(se, { state: 'st' }, se.implicitURL), { approve: false });
    expect(denied.search).toBe('');
    expect(new URLSearchParams(denied.hash.slice(1)).get('error')).toBe('access_denied');
    const res = await openAuthorize(authorizeUrl(se, { scope: 'bogus' }, se.implicitURL));
    const location = new URL(res.headers.get('location') ?? '');
    expect(location.search).toBe('');
    expect(new URLSearchParams(location.hash.slice(1)).get('error')).toBe('invalid_scope');
  });
});

describe('POST /oauth/access_token/json', () => {
  async function errorOf(res: Response): Promise<{ type: string; message: string }> {
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    return ((await res.json()) as { error: { type: string; message: string } }).error;
  }

  it('exchanges a PKCE code (RFC 7636 Appendix B vector) for {access_token, expires} without a secret', async () => {
    expect(createHash('sha256').update(RFC7636_VERIFIER).digest('base64url')).toBe(RFC7636_CHALLENGE);
    const code = await codeFor(se);
    const res = await postForm(se.tokenURL, { client_id: client().clientId, code, redirect_uri: REDIRECT_URI, code_verifier: RFC7636_VERIFIER });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires']);
    expect(body.expires).toBe(86400);
    const sent = se.requests.find((r) => r.path === '/oauth/access_token/json');
    expect(sent?.form).toEqual({ client_id: client().clientId, code, redirect_uri: REDIRECT_URI, code_verifier: RFC7636_VERIFIER });
  });

  it('exchanges a code without PKCE when the secret is sent', async () => {
    const code = await codeFor(se, { code_challenge: undefined, code_challenge_method: undefined });
    const res = await postForm(se.tokenURL, { client_id: client().clientId, client_secret: client().clientSecret, code, redirect_uri: REDIRECT_URI });
    expect(res.status).toBe(200);
  });

  it('also accepts the secret together with PKCE', async () => {
    const code = await codeFor(se);
    const res = await postForm(se.tokenURL, { client_id: client().clientId, client_secret: client().clientSecret, code, redirect_uri: REDIRECT_URI, code_verifier: RFC7636_VERIFIER, grant_type: 'authorization_code' });
    expect(res.status).toBe(200);
  });

  it('leaves expires out with the no_expiry scope', async () => {
    const code = await codeFor(se, { scope: 'no_expiry' });
    const res = await postForm(se.tokenURL, { client_id: client().clientId, code, redirect_uri: REDIRECT_URI, code_verifier: RFC7636_VERIFIER });
    expect(Object.keys((await res.json()) as object)).toEqual(['access_token']);
  });

  it('requires a form body', async () => {
    const code = await codeFor(se);
    const res = await fetch(se.tokenURL, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_id: client().clientId, code }) });
    expect((await errorOf(res)).message).toMatch(/x-www-form-urlencoded/);
    expect(se.requests.at(-1)?.form).toBeNull();
  });

  it('refuses GET', async () => {
    const res = await fetch(se.tokenURL);
    expect(res.status).toBe(405);
  });

  it.each([
    ['no client_id', { client_id: undefined }, 'invalid_request', 'client_id not provided'],
    ['an unknown client_id', { client_id: '31337' }, 'invalid_client', 'client_id'],
    ['an empty client_secret field', { client_secret: '' }, 'invalid_client', 'client_secret is empty'],
    ['a wrong client_secret', { client_secret: 'nope' }, 'invalid_client', 'client_secret does not match'],
    ['another grant_type', { grant_type: 'client_credentials' }, 'unsupported_grant_type', 'grant_type'],
    ['no code', { code: undefined }, 'invalid_request', 'code not provided'],
    ['an unknown code', { code: 'not-a-code' }, 'invalid_grant', 'code is invalid'],
    ['no redirect_uri', { redirect_uri: undefined }, 'invalid_request', 'redirect_uri not provided'],
    ['a different redirect_uri', { redirect_uri: `${REDIRECT_URI}/` }, '2', 'redirect_uri does not match the uri used to create the passed code'],
    ['no code_verifier when the code has a challenge', { code_verifier: undefined }, 'invalid_grant', 'code_verifier not provided'],
    ['a wrong code_verifier', { code_verifier: 'x'.repeat(43) }, 'invalid_grant', 'does not match the code_challenge'],
    ['a malformed code_verifier', { code_verifier: 'short' }, 'invalid_request', 'code_verifier must be'],
  ])('%s → error', async (_name, change, type, message) => {
    const code = await codeFor(se);
    const res = await postForm(se.tokenURL, { client_id: client().clientId, code, redirect_uri: REDIRECT_URI, code_verifier: RFC7636_VERIFIER, ...change });
    const error = await errorOf(res);
    expect(error.type).toBe(type);
    expect(error.message).toContain(message);
    // A failed attempt does not use the code up.
    const retry = await postForm(se.tokenURL, { client_id: client().clientId, code, redirect_uri: REDIRECT_URI, code_verifier: RFC7636_VERIFIER });
    expect(retry.status).toBe(200);
  });

  it('requires the secret when the code has no challenge, and refuses a verifier for it (downgrade)', async () => {
    const code = await codeFor(se, { code_challenge: undefined, code_challenge_method: undefined });
    const noSecret = await postForm(se.tokenURL, { client_id: client().clientId, code, redirect_uri: REDIRECT_URI });
    expect((await errorOf(noSecret)).message).toContain('client_secret not provided');
    const verifier = await postForm(se.tokenURL, { client_id: client().clientId, client_secret: client().clientSecret, code, redirect_uri: REDIRECT_URI, code_verifier: RFC7636_VERIFIER });
    expect((await errorOf(verifier)).message).toContain('issued without a code_challenge');
  });

  it('refuses a code issued to another app', async () => {
    const code = await codeFor(se);
    const res = await postForm(se.tokenURL, { client_id: client(1).clientId, code, redirect_uri: REDIRECT_URI, code_verifier: RFC7636_VERIFIER });
    expect((await errorOf(res)).message).toContain('another client');
  });

  it('refuses a repeated field', async () => {
    const code = await codeFor(se);
    const body = new URLSearchParams({ client_id: client().clientId, code, redirect_uri: REDIRECT_URI, code_verifier: RFC7636_VERIFIER });
    body.append('code', code);
    const res = await fetch(se.tokenURL, { method: 'POST', body });
    expect((await errorOf(res)).message).toContain('code was sent more than once');
    expect(se.requests.at(-1)?.form?.code).toEqual([code, code]);
  });

  it('a code is single use, and reusing it revokes the token issued from it', async () => {
    const code = await codeFor(se);
    const form = { client_id: client().clientId, code, redirect_uri: REDIRECT_URI, code_verifier: RFC7636_VERIFIER };
    const first = await postForm(se.tokenURL, form);
    const { access_token: token } = (await first.json()) as { access_token: string };
    const me = () => fetch(`${se.apiURL}/me?site=stackoverflow&key=${encodeURIComponent(client().key)}&access_token=${encodeURIComponent(token)}`);
    expect((await me()).status).toBe(200);
    const second = await postForm(se.tokenURL, form);
    expect((await errorOf(second)).message).toContain('already been used');
    const after = await me();
    expect(after.status).toBe(400);
    expect(((await after.json()) as { error_id: number }).error_id).toBe(402);
  });

  it('a code expires after codeLifetime (60 s by the clock)', async () => {
    const form = async () => ({ client_id: client().clientId, code: await codeFor(se), redirect_uri: REDIRECT_URI, code_verifier: RFC7636_VERIFIER });
    const fresh = await form();
    clock.advance(59_999);
    expect((await postForm(se.tokenURL, fresh)).status).toBe(200);
    const stale = await form();
    clock.advance(60_000);
    expect((await errorOf(await postForm(se.tokenURL, stale))).message).toContain('code has expired');
  });

  it('a code from the login_success redirect is exchanged with that redirect_uri', async () => {
    const location = await se.authorize(authorizeUrl(se, { redirect_uri: se.loginSuccessURL, code_challenge: RFC7636_CHALLENGE, code_challenge_method: 'S256' }));
    expect(location.origin + location.pathname).toBe(se.loginSuccessURL);
    const res = await postForm(se.tokenURL, { client_id: client().clientId, code: location.searchParams.get('code') ?? '', redirect_uri: se.loginSuccessURL, code_verifier: RFC7636_VERIFIER });
    expect(res.status).toBe(200);
    const page = await fetch(location);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Authorization complete');
  });
});

describe('POST /oauth/access_token (form-encoded answer)', () => {
  it('answers access_token=...&expires=...', async () => {
    const code = await codeFor(se);
    const res = await postForm(se.formTokenURL, { client_id: client().clientId, code, redirect_uri: REDIRECT_URI, code_verifier: RFC7636_VERIFIER });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-www-form-urlencoded/);
    const answer = new URLSearchParams(await res.text());
    expect([...answer.keys()]).toEqual(['access_token', 'expires']);
    expect(answer.get('access_token')).toMatch(/\)\)$/);
    expect(answer.get('expires')).toBe('86400');
  });

  it('answers errors as JSON, like the JSON endpoint', async () => {
    const res = await postForm(se.formTokenURL, { client_id: client().clientId, code: 'nope', redirect_uri: REDIRECT_URI });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { type: 'invalid_grant', message: 'code is invalid' } });
  });
});

describe('token endpoint faults', () => {
  const form = async () => ({ client_id: client().clientId, code: await codeFor(se), redirect_uri: REDIRECT_URI, code_verifier: RFC7636_VERIFIER });

  it('500 answers an HTML 500 and leaves the code unused', async () => {
    se.fault('token', '500');
    const f = await form();
    const res = await postForm(se.tokenURL, f);
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    se.fault('token', null);
    expect((await postForm(se.tokenURL, f)).status).toBe(200);
  });

  it('html answers 200 with an HTML page', async () => {
    se.fault('token', 'html');
    const res = await postForm(se.tokenURL, await form());
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toContain('<!doctype html>');
  });

  it('no-token answers 200 JSON without access_token, on both endpoints', async () => {
    se.fault('token', 'no-token');
    const json = await postForm(se.tokenURL, await form());
    expect(json.status).toBe(200);
    expect(await json.json()).toEqual({ expires: 86400 });
    const formEncoded = await postForm(se.formTokenURL, await form());
    expect(await formEncoded.text()).toBe('expires=86400');
  });

  it('times limits a fault to the next N requests', async () => {
    se.fault('token', '500', { times: 1 });
    expect((await postForm(se.tokenURL, await form())).status).toBe(500);
    expect((await postForm(se.tokenURL, await form())).status).toBe(200);
  });

  it('hang never answers (the request is still recorded), and close() still finishes', async () => {
    const own = await createSandbox({ port: 0 });
    own.fault('token', 'hang');
    const c = own.clients[0];
    const request = fetch(own.tokenURL, { method: 'POST', body: new URLSearchParams({ client_id: c?.clientId ?? '', code: 'x' }) });
    const outcome = request.then(() => 'answered', () => 'failed');
    const winner = await Promise.race([outcome, new Promise((r) => setTimeout(() => r('pending'), 200))]);
    expect(winner).toBe('pending');
    expect(own.requests.map((r) => r.path)).toEqual(['/oauth/access_token/json']);
    await own.close();
    expect(await outcome).toBe('failed');
  });

  it('rejects unknown faults with a TypeError', () => {
    expect(() => se.fault('token', 'explode' as never)).toThrow(TypeError);
    expect(() => se.fault('nope' as never, null)).toThrow(TypeError);
    expect(() => se.fault('token', 'hang', { times: 0 })).toThrow(/times/);
  });
});
