import { describe, expect, it } from 'vitest';
import { createSandbox } from 'passport-stackexchange-oauth2/sandbox';
import { apiGet, manualClock } from './fixtures.js';

describe('createSandbox', () => {
  it('listens on 127.0.0.1 and hands out localhost URLs', async () => {
    const se = await createSandbox({ port: 0 });
    try {
      expect(se.url).toMatch(/^http:\/\/localhost:\d+$/);
      expect(se.authorizationURL).toBe(`${se.url}/oauth`);
      expect(se.implicitURL).toBe(`${se.url}/oauth/dialog`);
      expect(se.tokenURL).toBe(`${se.url}/oauth/access_token/json`);
      expect(se.formTokenURL).toBe(`${se.url}/oauth/access_token`);
      expect(se.apiURL).toBe(`${se.url}/2.3`);
      expect(se.loginSuccessURL).toBe(`${se.url}/oauth/login_success`);
      expect((await fetch(se.url)).status).toBe(200);
      // The address really is 127.0.0.1: reachable by it too.
      expect((await fetch(se.url.replace('localhost', '127.0.0.1'))).status).toBe(200);
    } finally {
      await se.close();
    }
  });

  // Linux routes all of 127.0.0.0/8 to loopback.
  it.runIf(process.platform === 'linux')('names the address in URLs when listening on a specific non-127.0.0.1 one', async () => {
    const se = await createSandbox({ port: 0, host: '127.0.0.2' });
    try {
      expect(se.url).toMatch(/^http:\/\/127\.0\.0\.2:\d+$/);
    } finally {
      await se.close();
    }
  });

  it('refuses unknown options naming the nearest known one, through parseOptions', async () => {
    await expect(createSandbox({ banSecond: 5 } as never)).rejects.toThrow('createSandbox: unknown option "banSecond" (did you mean banSeconds?)');
    await expect(createSandbox({ pageSize: 5 } as never)).rejects.toThrow(/createSandbox: unknown option "pageSize"/);
    await expect(createSandbox(null as never)).rejects.toThrow(TypeError);
  });

  it('has two ready-made apps on localhost and the sample users', async () => {
    const se = await createSandbox();
    try {
      expect(se.clients).toHaveLength(2);
      for (const c of se.clients) {
        expect(c).toEqual({ clientId: expect.any(String) as string, clientSecret: expect.any(String) as string, key: expect.any(String) as string, domain: 'localhost', name: expect.any(String) as string });
      }
      expect(se.users[0]?.sites.stackoverflow).toBeDefined();
      expect(se.users.find((u) => !u.sites.stackoverflow)).toBeDefined();
    } finally {
      await se.close();
    }
  });

  it('takes custom clients (secret generated when left out) and users', async () => {
    const se = await createSandbox({ clients: [{ clientId: '77', key: 'k77((', domain: 'example.test' }], tokenLifetime: 600 });
    try {
      expect(se.clients[0]?.clientSecret).toMatch(/\)\)$/);
      expect(se.clients[0]?.name).toBe('App 77');
      expect(se.issueToken({ accountId: se.users[0]?.accountId ?? 0 }).expires).toBe(600);
      const res = await fetch(`${se.authorizationURL}?client_id=77&redirect_uri=${encodeURIComponent('https://www.example.test/cb')}`);
      expect(res.status).toBe(200);
    } finally {
      await se.close();
    }
  });

  it('issueToken checks its input and honours scope', async () => {
    const se = await createSandbox();
    try {
      const accountId = se.users[0]?.accountId ?? 0;
      expect(se.issueToken({ accountId, scope: ['no_expiry'] })).toEqual({ accessToken: expect.stringMatching(/\)\)$/) as string });
      expect(() => se.issueToken({ accountId: 1 })).toThrow(TypeError);
      expect(() => se.issueToken({ accountId, clientId: 'nope' })).toThrow(TypeError);
      expect(() => se.issueToken({ accountId, scope: ['admin'] })).toThrow(/sandbox\.issueToken: options\.scope must be an array of scopes/);
      expect(() => se.issueToken({ accountId, scopes: ['read_inbox'] } as never)).toThrow('sandbox.issueToken: unknown option "scopes" (did you mean scope?)');
      expect(() => se.fault('api', 'ban', { time: 1 } as never)).toThrow('sandbox.fault: unknown option "time" (did you mean times?)');
      await expect(se.authorize(se.authorizationURL, { approved: false } as never)).rejects.toThrow('sandbox.authorize: unknown option "approved" (did you mean approve?)');
      await expect(se.authorize(se.authorizationURL, { accountId: 'ada' } as never)).rejects.toThrow(/sandbox\.authorize: options\.accountId/);
      // Generated people can hold tokens too.
      const generated = se.generatedUsers[0]?.accountId ?? 0;
      expect(se.issueToken({ accountId: generated }).accessToken).toMatch(/\)\)$/);
    } finally {
      await se.close();
    }
  });

  it('records every request: method, path, query (repeats as arrays), form, headers, time by the clock', async () => {
    const clock = manualClock();
    const se = await createSandbox({ clock: clock.now });
    try {
      await fetch(`${se.apiURL}/users/1001?site=stackoverflow&tag=a&tag=b`, { headers: { 'user-agent': 'my-app/1.0' } });
      clock.advance(5);
      await fetch(se.tokenURL, { method: 'POST', body: new URLSearchParams({ client_id: '1001', client_secret: 's))' }) });
      expect(se.requests).toEqual([
        { method: 'GET', path: '/2.3/users/1001', query: { site: 'stackoverflow', tag: ['a', 'b'] }, form: null, headers: expect.objectContaining({ 'user-agent': 'my-app/1.0' }) as object, time: clock.now() - 5 },
        { method: 'POST', path: '/oauth/access_token/json', query: {}, form: { client_id: '1001', client_secret: 's))' }, headers: expect.objectContaining({ 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' }) as object, time: clock.now() },
      ]);
    } finally {
      await se.close();
    }
  });

  it('reset() clears records, faults and quota but keeps tokens', async () => {
    const se = await createSandbox();
    try {
      const key = se.clients[0]?.key ?? '';
      const token = se.issueToken({ accountId: se.users[0]?.accountId ?? 0 }).accessToken;
      await apiGet(se, '/me', { site: 'stackoverflow', key, access_token: token });
      se.fault('api', 'unavailable');
      se.fault('token', 'hang');
      const live = se.requests;
      se.reset();
      expect(live).toHaveLength(0);
      const again = await apiGet(se, '/me', { site: 'stackoverflow', key, access_token: token });
      expect(again.status).toBe(200);
      expect(again.body.quota_remaining).toBe(9999);
      expect((await fetch(se.tokenURL, { method: 'POST', body: new URLSearchParams() })).status).toBe(400);
    } finally {
      await se.close();
    }
  });

  it('close() resolves with keep-alive connections open, and twice', async () => {
    const se = await createSandbox();
    await fetch(se.url);
    await se.close();
    await se.close();
    await expect(fetch(se.url)).rejects.toThrow();
  });

  it('fails to start on a port in use', async () => {
    const se = await createSandbox();
    try {
      await expect(createSandbox({ port: Number(new URL(se.url).port) })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await se.close();
    }
  });
});
