import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from 'passport-stackexchange-oauth2/sandbox';
import { authorizeUrl, REDIRECT_URI } from './fixtures.js';

let se: Sandbox;
beforeAll(async () => {
  se = await createSandbox({ port: 0 });
});
afterAll(async () => {
  await se.close();
});

describe('se.authorize()', () => {
  it('opens the page and posts the form like a browser, as the chosen account', async () => {
    se.reset();
    const who = se.users[2]?.accountId ?? 0;
    const location = await se.authorize(authorizeUrl(se, { state: 'st' }), { accountId: who });
    expect(location.origin + location.pathname).toBe(REDIRECT_URI);
    expect(se.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /oauth', 'POST /oauth/consent']);
    expect(se.requests[1]?.form).toMatchObject({ account_id: String(who), decision: 'approve' });
    expect(typeof se.requests[1]?.form?.tx).toBe('string');
    const code = location.searchParams.get('code') ?? '';
    const res = await fetch(se.tokenURL, { method: 'POST', body: new URLSearchParams({ client_id: se.clients[0]?.clientId ?? '', client_secret: se.clients[0]?.clientSecret ?? '', code, redirect_uri: REDIRECT_URI }) });
    const { access_token: token } = (await res.json()) as { access_token: string };
    const info = await fetch(`${se.apiURL}/access-tokens/${encodeURIComponent(token)}`);
    expect(((await info.json()) as { items: Array<{ account_id: number }> }).items[0]?.account_id).toBe(who);
  });

  it('rejects when approve is false', async () => {
    const location = await se.authorize(authorizeUrl(se), { approve: false });
    expect(location.searchParams.get('error')).toBe('access_denied');
  });

  it('returns an immediate redirect (an OAuth error sent to the app) as is', async () => {
    const location = await se.authorize(authorizeUrl(se, { scope: 'nope' }));
    expect(location.searchParams.get('error')).toBe('invalid_scope');
  });

  it('throws with the page message on an error page, or for an unknown account', async () => {
    await expect(se.authorize(authorizeUrl(se, { client_id: '404' }))).rejects.toThrow(/No application is registered/);
    await expect(se.authorize(authorizeUrl(se), { accountId: 1 })).rejects.toThrow(/Choose an account/);
  });

  it('autoApprove redirects at once (still recorded)', async () => {
    const auto = await createSandbox({ port: 0, autoApprove: se.users[1]?.accountId ?? 0 });
    try {
      const res = await fetch(authorizeUrl(auto, { state: 's' }), { redirect: 'manual' });
      expect(res.status).toBe(302);
      const location = new URL(res.headers.get('location') ?? '');
      expect(location.searchParams.get('code')).toBeTruthy();
      expect(location.searchParams.get('state')).toBe('s');
      expect(auto.requests.map((r) => r.path)).toEqual(['/oauth']);
      const viaHelper = await auto.authorize(authorizeUrl(auto, {}, auto.implicitURL));
      expect(new URLSearchParams(viaHelper.hash.slice(1)).get('access_token')).toBeTruthy();
    } finally {
      await auto.close();
    }
  });
});
