import { LOGIN_FAILURE_STATUS } from 'passport-stackexchange-oauth2';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startExample, type RunningExample } from './support/example-server.js';

let ex: RunningExample;

beforeAll(async () => {
  ex = await startExample();
});

afterAll(async () => {
  await ex.close();
});

beforeEach(() => {
  ex.se.reset();
});

type Agent = ReturnType<typeof request.agent>;

/** Logs an agent in through the real routes: start, the sandbox's consent step, callback. */
async function logIn(agent: Agent, options: { query?: string; accountId?: number } = {}): Promise<string> {
  const start = await agent.get(`/auth/start${options.query ?? ''}`).expect(302);
  const back = await ex.se.authorize(start.headers['location'] as string, options.accountId === undefined ? {} : { accountId: options.accountId });
  const callback = await agent.get(`${back.pathname}${back.search}`).expect(303);
  return callback.headers['location'] as string;
}

/** Every access token the sandbox saw the app use. */
function tokensUsed(): string[] {
  return ex.se.requests.flatMap((r) => (typeof r.query['access_token'] === 'string' ? [r.query['access_token']] : []));
}

const user = () => {
  const u = ex.se.users[0];
  if (u === undefined) throw new Error('no sample user');
  return u;
};

describe('pages without a login', () => {
  it('home offers the redirect login with scope choices and the popup login, under a strict CSP', async () => {
    const res = await request(ex.server).get('/').expect(200).expect('Content-Type', /text\/html/);
    expect(res.text).toContain('Log in with Stack Exchange');
    expect(res.text).toContain('<form method="get" action="/login" id="login-form">');
    expect(res.text).toContain('name="scope" value="read_inbox"');
    expect(res.text).toContain('name="scope" value="no_expiry"');
    expect(res.text).toContain('<script src="/auth/client.js" defer></script>');
    expect(res.text).toContain('<script src="/static/home.js" defer></script>');
    expect(res.text).not.toMatch(/<script(?![^>]+\bsrc=)[^>]*>/);
    const csp = res.headers['content-security-policy'] as string;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain(`form-action 'self' ${ex.se.url}`);
    expect(csp).not.toContain('upgrade-insecure-requests');
    expect(res.headers['cross-origin-opener-policy']).toBe('same-origin-allow-popups');
    expect(res.headers['referrer-policy']).toBe('same-origin');
    expect(res.headers['x-powered-by']).toBeUndefined();
    // Nothing was stored for an anonymous visit.
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('shows the "Sandbox mode" banner on every page, including 404 and failure pages', async () => {
    for (const path of ['/', '/login-failed?error=access_denied', '/no/such/page']) {
      const res = await request(ex.server).get(path);
      expect(res.text, path).toContain('<strong>Sandbox mode</strong>');
    }
  });

  it('answers unknown paths with the 404 page', async () => {
    const res = await request(ex.server).get('/no/such/page').expect(404).expect('Content-Type', /text\/html/);
    expect(res.text).toContain('Page not found');
  });

  it('links a favicon on every page and serves it, with /favicon.ico leading to it', async () => {
    const home = await request(ex.server).get('/').expect(200);
    expect(home.text).toContain('<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">');
    const icon = await request(ex.server).get('/static/favicon.svg').expect(200).expect('Content-Type', /image\/svg\+xml/);
    expect((icon.body as Buffer).toString()).toContain('<svg');
    await request(ex.server).get('/favicon.ico').expect(301).expect('Location', '/static/favicon.svg');
  });

  it('shows a logged-out visitor of /auth/logout that there is nothing to log out of', async () => {
    const res = await request(ex.server).get('/auth/logout').expect(200);
    expect(res.text).toContain('<p id="logout-none">You are not logged in.</p>');
    expect(res.text).not.toContain('<form method="post"');
  });

  it('serves the stylesheet and the page script', async () => {
    await request(ex.server).get('/static/style.css').expect(200).expect('Content-Type', /text\/css/);
    const script = await request(ex.server).get('/static/home.js').expect(200).expect('Content-Type', /javascript/);
    expect(script.text).toContain('StackExchangeLogin.authenticate');
  });

  it('sends a login that needs an account to the start route, remembering the page', async () => {
    for (const path of ['/profile', '/inbox']) {
      const res = await request(ex.server).get(path).set('Accept', 'text/html').expect(302);
      const location = new URL(res.headers['location'] as string, ex.url);
      expect(location.pathname).toBe('/auth/start');
      expect(location.searchParams.get('returnTo')).toBe(path);
    }
    const api = await request(ex.server).get('/profile').set('Accept', 'application/json').expect(401);
    expect(api.body).toMatchObject({ error: 'login_required' });
  });
});

describe('the login failure page', () => {
  // Every code the router sends, and requireLogin's; the page answers with the router's status for its codes.
  const pages: Record<string, string> = {
    access_denied: 'You declined access',
    invalid_state: 'That login link has expired',
    token_error: 'Stack Exchange could not complete the login',
    bad_request: 'The login answer was not valid',
    profile_error: 'Your profile could not be loaded',
    temporarily_unavailable: 'The login could not be saved',
    login_required: 'Please log in',
  };
  const statusOf = (code: string): number =>
    Object.hasOwn(LOGIN_FAILURE_STATUS, code) ? LOGIN_FAILURE_STATUS[code as keyof typeof LOGIN_FAILURE_STATUS] : 401;

  it.each(Object.entries(pages))('has its own text for %s', async (code, heading) => {
    const res = await request(ex.server).get(`/login-failed?error=${code}`);
    expect(res.status).toBe(statusOf(code));
    expect(res.text).toContain(`<h1 id="failure-heading">${heading}</h1>`);
  });

  it('names the app\'s configured address (not the request\'s Host) for an expired login, which a start at another address also gives', async () => {
    const res = await request(ex.server).get('/login-failed?error=invalid_state').set('Host', 'evil.example');
    expect(res.text).toContain(`<p id="failure-address">Opened this app at another address? Open it at <a href="${ex.url}/">${ex.url}</a> and log in there.</p>`);
    expect(res.text).not.toContain('evil.example');
  });

  it('covers every failure code of the router', () => {
    expect(Object.keys(LOGIN_FAILURE_STATUS).filter((code) => !Object.hasOwn(pages, code))).toEqual([]);
  });

  it('shows the generic text for unknown, missing, repeated or inherited codes and never echoes them', async () => {
    for (const query of ['?error=%3Cscript%3Ealert(1)%3C%2Fscript%3E', '', '?error=a&error=b', '?error=constructor', '?error[x]=1']) {
      const res = await request(ex.server).get(`/login-failed${query}`).expect(400);
      expect(res.text, query).toContain('<h1 id="failure-heading">The login did not work</h1>');
      expect(res.text).not.toContain('alert(1)');
      expect(res.text).not.toContain('constructor');
    }
  });

  it('is where a declined login ends, with "You declined access"', async () => {
    const agent = request.agent(ex.server);
    const start = await agent.get('/auth/start').expect(302);
    const back = await ex.se.authorize(start.headers['location'] as string, { approve: false });
    const callback = await agent.get(`${back.pathname}${back.search}`).expect(303);
    expect(callback.headers['location']).toBe('/login-failed?error=access_denied');
    const page = await agent.get(callback.headers['location'] as string).expect(403);
    expect(page.text).toContain('You declined access');
    expect(ex.se.requests.filter((r) => r.path === '/oauth/access_token/json')).toHaveLength(0);
  });
});

describe('the login form target /login', () => {
  it('keeps only the allowed scopes, joins them, and starts the login', async () => {
    const res = await request(ex.server).get('/login?scope=read_inbox&scope=write_access&scope=no_expiry&returnTo=/inbox').expect(303);
    const location = new URL(res.headers['location'] as string, ex.url);
    expect(location.pathname).toBe('/auth/start');
    expect(location.searchParams.get('scope')).toBe('read_inbox,no_expiry');
    expect(location.searchParams.get('returnTo')).toBe('/inbox');
  });

  it('asks for no scope when none is ticked, and returns to the profile by default', async () => {
    const res = await request(ex.server).get('/login').expect(303);
    expect(res.headers['location']).toBe('/auth/start?returnTo=%2Fprofile');
  });

  it('leads to Stack Exchange with the chosen scopes and PKCE', async () => {
    const agent = request.agent(ex.server);
    const res = await agent.get('/login?scope=read_inbox').redirects(1).expect(302);
    const authorize = new URL(res.headers['location'] as string);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(ex.se.authorizationURL);
    expect(authorize.searchParams.get('scope')?.split(/[ ,]/)).toEqual(['read_inbox']);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${ex.url}/auth/callback`);
  });
});

describe('logged in', () => {
  it('shows the profile with the network accounts from /me/associated and the token expiry', async () => {
    const agent = request.agent(ex.server);
    expect(await logIn(agent)).toBe('/profile');
    const res = await agent.get('/profile').expect(200);
    const u = user();
    const so = u.sites['stackoverflow'];
    expect(res.text).toContain(`<h1 id="display-name">${u.displayName}</h1>`);
    expect(res.text).toContain(`<strong id="reputation">${so?.reputation.toLocaleString('en-US')}</strong>`);
    expect(res.text).toContain('Stack Overflow');
    expect(u.network.length).toBeGreaterThan(1);
    for (const account of u.network) {
      expect(res.text).toContain(account.site_url);
      // Every number is grouped the same way (Intl, en-US).
      expect(res.text).toContain(`<td class="num">${account.reputation.toLocaleString('en-US')}</td>`);
    }
    expect(res.text).toMatch(/<span id="token-expiry"><time datetime="[^"]+">[^<]+ UTC<\/time> \(in about 24 hours\)<\/span>/);
    expect(res.text).toContain('<strong>Sandbox mode</strong>');
    expect(res.headers['cache-control']).toBe('no-store');
    // The avatar is drawn inline: sandbox pages never load images from the internet.
    expect(res.text).not.toContain('gravatar');
    const associated = ex.se.requests.filter((r) => r.path === '/2.3/me/associated');
    expect(associated.length).toBeGreaterThanOrEqual(1);
    expect(associated.at(-1)?.headers['user-agent']).toMatch(/^stackexchange-login-example\/1\.0 passport-stackexchange-oauth2\//);
    const token = tokensUsed()[0];
    expect(token).toBeDefined();
    expect(res.text).not.toContain(token);
  });

  it('shows names as Stack Exchange meant them: decoded once, escaped once', async () => {
    const sean = ex.se.users.find((u) => u.displayName === "Seán O'Sandbox");
    if (sean === undefined) throw new Error('no sample user Seán');
    const agent = request.agent(ex.server);
    await logIn(agent, { accountId: sean.accountId });
    const profile = await agent.get('/profile').expect(200);
    expect(profile.text).toContain('<h1 id="display-name">Seán O&#39;Sandbox</h1>');
    const home = await agent.get('/').expect(200);
    expect(home.text).toContain('Logged in as <strong id="home-name">Seán O&#39;Sandbox</strong>, 1 reputation on Stack Overflow.');
    expect(home.text).toContain('<p id="home-other-sites">Also on Unix &amp; Linux.</p>');
    expect(home.text).not.toContain('id="login-form"');
  });

  it('uses an httpOnly, SameSite=Lax session cookie, not Secure over plain http', async () => {
    const agent = request.agent(ex.server);
    const start = await agent.get('/auth/start').expect(302);
    const cookie = (start.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('example.sid='));
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Lax/);
    expect(cookie).not.toMatch(/; Secure/);
  });

  it('without read_inbox, the inbox explains and offers to log in again with it', async () => {
    const agent = request.agent(ex.server);
    await logIn(agent);
    const res = await agent.get('/inbox').expect(200);
    expect(res.text).toContain('id="inbox-missing-scope"');
    expect(res.text).toContain('href="/auth/start?returnTo=%2Finbox&amp;scope=read_inbox"');
    // The API's own refusal (error 403 access_denied) is what the page relies on.
    expect(ex.se.requests.filter((r) => r.path === '/2.3/me/inbox')).toHaveLength(1);
  });

  it('with read_inbox, the inbox lists the unread items with links', async () => {
    const agent = request.agent(ex.server);
    expect(await logIn(agent, { query: '?returnTo=/inbox&scope=read_inbox' })).toBe('/inbox');
    const res = await agent.get('/inbox').expect(200);
    const unread = user().inbox.filter((i) => i.is_unread);
    expect(unread.length).toBeGreaterThan(0);
    expect(res.text).toContain(`<h2>Unread <small>(${unread.length})</small></h2>`);
    for (const item of unread) expect(res.text).toContain(`href="${new URL(item.link).href}"`);
    expect(ex.se.requests.filter((r) => r.path === '/2.3/me/inbox')).toHaveLength(1);
    const profile = await agent.get('/profile').expect(200);
    expect(profile.text).toContain('<dd id="scopes">read_inbox</dd>');
  });

  it('a token revoked at Stack Exchange makes the next page a login prompt, with no details leaked', async () => {
    const agent = request.agent(ex.server);
    await logIn(agent);
    await agent.get('/profile').expect(200);
    const token = tokensUsed()[0] as string;
    ex.se.expireToken(token);
    // The inbox asks the API something new (the profile's answer is cached for a minute by the client).
    const res = await agent.get('/inbox').expect(401);
    expect(res.text).toContain('Please log in');
    expect(res.text).toContain('href="/auth/start?returnTo=%2Finbox"');
    expect(res.text).not.toMatch(/invalid_access_token|StackExchangeApiError|at .*\.ts/);
    expect(res.text).not.toContain(token);
    // The router dropped the token: the next visit is a fresh login.
    await agent.get('/profile').set('Accept', 'text/html').expect(302);
  });

  it('logs out only by POST from the app itself, revoking the token', async () => {
    const agent = request.agent(ex.server);
    await logIn(agent);
    await agent.get('/profile').expect(200);
    const token = tokensUsed()[0] as string;

    // A plain link (GET) shows a confirmation page whose form sends the POST; it logs nobody out.
    const confirm = await agent.get('/auth/logout').expect(200).expect('Content-Type', /text\/html/);
    expect(confirm.text).toContain('<form method="post" action="/auth/logout" class="actions">');
    expect(confirm.text).toContain('<span class="who">');
    expect(ex.se.requests.some((r) => r.path.endsWith('/invalidate'))).toBe(false);
    await agent.post('/auth/logout').set('Origin', 'http://evil.example').expect(403);
    await agent.get('/profile').expect(200);

    const out = await agent.post('/auth/logout').set('Origin', ex.url).expect(303);
    expect(out.headers['location']).toBe('/');
    expect(ex.se.requests.some((r) => r.path === `/2.3/access-tokens/${token}/invalidate`)).toBe(true);
    await agent.get('/profile').set('Accept', 'text/html').expect(302);
    const home = await agent.get('/').expect(200);
    expect(home.text).toContain('id="login-form"');
  });
});

describe('behind a proxy', () => {
  it('marks the cookie Secure when a trusted proxy says the request came over HTTPS', async () => {
    const proxied = await startExample({ app: { trustProxy: 'loopback' } });
    try {
      const res = await request(proxied.server).get('/auth/start').set('X-Forwarded-Proto', 'https').expect(302);
      const cookie = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('example.sid='));
      expect(cookie).toMatch(/; Secure/);
    } finally {
      await proxied.close();
    }
  });

  it('served over HTTPS (PUBLIC_URL https://...): HSTS and upgrade-insecure-requests', async () => {
    const secure = await startExample({ app: { trustProxy: 'loopback', publicURL: 'https://localhost' } });
    try {
      const res = await request(secure.server).get('/').set('X-Forwarded-Proto', 'https').expect(200);
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(res.headers['content-security-policy']).toContain('upgrade-insecure-requests');
    } finally {
      await secure.close();
    }
    const plain = await request(ex.server).get('/').expect(200);
    expect(plain.headers['strict-transport-security']).toBeUndefined();
  });

  it('ignores X-Forwarded-Proto when no proxy is trusted', async () => {
    const res = await request(ex.server).get('/auth/start').set('X-Forwarded-Proto', 'https').expect(302);
    const cookie = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('example.sid='));
    expect(cookie).toBeDefined();
    expect(cookie).not.toMatch(/; Secure/);
  });
});
