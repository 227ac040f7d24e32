import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createSandbox } from 'passport-stackexchange-oauth2/sandbox';
import type { Sandbox } from 'passport-stackexchange-oauth2/sandbox';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { isStackExchangeError } from '../../src/errors/stackexchange-error.js';
import { isTokenError } from '../../src/errors/token-error.js';
import { desktopLogin } from '../../src/relay/desktop-login.js';
import type { DesktopLoginOptions } from '../../src/relay/desktop-login.js';
import { MemoryRelayStore } from '../../src/relay/memory-store.js';
import { RelayStoreError } from '../../src/relay/relay-store.js';
import type { RelayStore } from '../../src/relay/relay-store.js';
import { PACKAGE_USER_AGENT } from '../../src/util/user-agent.js';
import { startRelay } from './relay-server.js';
import type { RunningRelay } from './relay-server.js';

let se: Sandbox;
const running: RunningRelay[] = [];

beforeAll(async () => {
  se = await createSandbox({ port: 0 });
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
  se.fault('token', null);
  se.reset();
});

afterAll(async () => {
  await se.close();
});

async function relayWith(...args: Parameters<typeof startRelay>): Promise<RunningRelay> {
  const relay = await startRelay(...args);
  running.push(relay);
  return relay;
}

/** Acts as the person: approves (or refuses) on the consent page, then the browser follows the redirect to the relay. */
function browser(options: { approve?: boolean; delay?: number; after?: () => boolean } = {}): (url: string) => void {
  return (url) => {
    void (async () => {
      await new Promise((resolve) => setTimeout(resolve, options.delay ?? 50));
      // Waits for the test's condition (e.g. the polls it scripted), so a busy machine cannot reorder them.
      while (options.after !== undefined && !options.after()) await new Promise((resolve) => setTimeout(resolve, 5));
      const location = await se.authorize(url, { approve: options.approve ?? true });
      await (await fetch(location)).text();
    })();
  };
}

function loginOptions(relay: RunningRelay, overrides: Partial<DesktopLoginOptions> = {}): DesktopLoginOptions {
  return {
    clientID: se.clients[1]!.clientId,
    relayURL: relay.url,
    authorizationURL: se.authorizationURL,
    tokenURL: se.tokenURL,
    openBrowser: browser(),
    ...overrides,
  };
}

/**
 * A `sleep` option whose waits the test ends: `fire(ms)` resolves the pending waits of `ms`; waits
 * shorter than `resolveBelow` resolve at once (the pauses between polls, when a test is not about them).
 */
function capturedSleep(options: { resolveBelow?: number } = {}) {
  const waits: Array<{ ms: number; resolve: () => void }> = [];
  const sleep = (ms: number, signal: AbortSignal): Promise<void> => {
    if (ms < (options.resolveBelow ?? 0)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const wait = { ms, resolve };
      waits.push(wait);
      signal.addEventListener('abort', () => {
        waits.splice(waits.indexOf(wait), 1);
        reject(signal.reason as Error);
      }, { once: true });
    });
  };
  return {
    sleep,
    pending: () => waits.map((w) => w.ms),
    fire(ms: number) {
      for (const wait of waits.filter((w) => w.ms === ms)) {
        waits.splice(waits.indexOf(wait), 1);
        wait.resolve();
      }
    },
  };
}

/** An http URL nothing listens on (a port just released). */
async function closedPortURL(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}/auth`;
}

function recordingFetch(urls: string[]): typeof fetch {
  return (input, init) => {
    urls.push(input instanceof Request ? input.url : String(input));
    return fetch(input, init);
  };
}

describe('desktopLogin', () => {
  it('logs in through the relay: PKCE, 256-bit state, one long-poll, public-client exchange at the JSON endpoint', async () => {
    const relay = await relayWith();
    const urls: string[] = [];
    const started = Date.now();
    const result = await desktopLogin(loginOptions(relay, { scope: ['read_inbox', 'private_info'], fetch: recordingFetch(urls), userAgent: 'test-cli/1.0' }));

    expect(result.scope).toEqual(['read_inbox', 'private_info']);
    expect(result.expiresAt).toBeGreaterThan(started);
    const me = await fetch(`${se.apiURL}/me?site=stackoverflow&key=${se.clients[1]!.key}&access_token=${encodeURIComponent(result.accessToken)}`);
    expect(me.status).toBe(200);

    const authorize = se.requests.find((r) => r.method === 'GET' && r.path === '/oauth');
    const exchange = se.requests.filter((r) => r.path === '/oauth/access_token/json');
    expect(authorize?.query).toMatchObject({
      client_id: '1002',
      redirect_uri: `${relay.url}/redirect?appid=1002`,
      scope: 'read_inbox private_info',
      code_challenge_method: 'S256',
    });
    const state = authorize?.query['state'];
    expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(exchange).toHaveLength(1);
    const form = exchange[0]!.form!;
    expect(form).not.toHaveProperty('client_secret');
    expect(form).toMatchObject({ client_id: '1002', redirect_uri: `${relay.url}/redirect?appid=1002` });
    const verifier = form['code_verifier'] as string;
    expect(createHash('sha256').update(verifier).digest('base64url')).toBe(authorize?.query['code_challenge']);
    expect(exchange[0]!.headers['user-agent']).toBe(`test-cli/1.0 ${PACKAGE_USER_AGENT}`);

    const polls = urls.filter((u) => u.startsWith(`${relay.url}/token`));
    expect(polls).toHaveLength(1);
    expect(Object.fromEntries(new URL(polls[0]!).searchParams)).toEqual({ key: state, appid: '1002', wait: '30' });
  });

  it('prints the authorize URL to stderr by default', async () => {
    const relay = await relayWith();
    const printed: string[] = [];
    const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      printed.push(String(chunk));
      return true;
    });
    try {
      const login = desktopLogin({ clientID: '1002', relayURL: relay.url, authorizationURL: se.authorizationURL, tokenURL: se.tokenURL });
      await vi.waitFor(() => expect(printed.join('')).toContain(se.authorizationURL));
      const url = /(http:\/\/\S+\/oauth\?\S+)/.exec(printed.join(''))?.[1];
      browser({ delay: 0 })(url!);
      expect((await login).accessToken).toBeTruthy();
    } finally {
      write.mockRestore();
    }
  });

  it('still takes the former name open for openBrowser', async () => {
    const relay = await relayWith();
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- the alias under test
    const result = await desktopLogin({ clientID: '1002', relayURL: relay.url, authorizationURL: se.authorizationURL, tokenURL: se.tokenURL, open: browser() });
    expect(result.accessToken).toBeTruthy();
  });

  it('sends no appid with appId: false', async () => {
    const relay = await relayWith();
    await desktopLogin(loginOptions(relay, { appId: false }));
    expect(se.requests.find((r) => r.path === '/oauth')?.query['redirect_uri']).toBe(`${relay.url}/redirect`);
  });

  it('rejects with ACCESS_DENIED when the person refuses, and exchanges nothing', async () => {
    const relay = await relayWith();
    const error: unknown = await desktopLogin(loginOptions(relay, { openBrowser: browser({ approve: false }) })).catch((e: unknown) => e);
    expect(isStackExchangeError(error) && error.code).toBe('ACCESS_DENIED');
    expect(se.requests.filter((r) => r.path.startsWith('/oauth/access_token'))).toEqual([]);
  });

  it('rejects with LOGIN_TIMEOUT when its timeout timer fires while a long-poll is held, and leaves no poll behind', async () => {
    const relay = await relayWith();
    const timers = capturedSleep();
    const urls: string[] = [];
    const login = desktopLogin(loginOptions(relay, { openBrowser: () => undefined, timeout: 120_000, sleep: timers.sleep, fetch: recordingFetch(urls) })).catch((e: unknown) => e);
    await vi.waitFor(() => expect(urls.filter((u) => u.includes('/token?'))).toHaveLength(1), { interval: 5 });
    expect(timers.pending()).toEqual([120_000]);
    timers.fire(120_000);
    const error = await login;
    expect(isStackExchangeError(error) && error.code).toBe('LOGIN_TIMEOUT');
    expect((error as Error).message).toBe('No sign-in arrived within 120000 ms');
    expect(urls.filter((u) => u.includes('/token?'))).toHaveLength(1);
    expect(new URL(urls[0]!).searchParams.get('wait')).toBe('30');
  });

  it('rejects with LOGIN_TIMEOUT when its timeout timer fires during the pause between polls', async () => {
    const relay = await relayWith({ maxWait: 0 });
    const timers = capturedSleep();
    const login = desktopLogin(loginOptions(relay, { openBrowser: () => undefined, timeout: 60_000, pollInterval: 5000, sleep: timers.sleep })).catch((e: unknown) => e);
    // The first poll asks for a wait the relay refuses; the second, without one, finds nothing: then it pauses.
    await vi.waitFor(() => expect(timers.pending()).toHaveLength(2), { interval: 5 });
    // The pause: pollInterval less the time the empty poll took.
    expect(timers.pending()[1]).toBeLessThanOrEqual(5000);
    timers.fire(60_000);
    const error = await login;
    expect(isStackExchangeError(error) && error.code).toBe('LOGIN_TIMEOUT');
    expect(timers.pending()).toEqual([]);
  });

  it('rejects with RELAY_UNREACHABLE after maxConnectionFailures consecutive connection failures', async () => {
    const dead = await closedPortURL();
    const timers = capturedSleep({ resolveBelow: 60_000 });
    const urls: string[] = [];
    const open = vi.fn();
    const error: unknown = await desktopLogin({
      clientID: '1002', relayURL: dead, authorizationURL: se.authorizationURL, tokenURL: se.tokenURL,
      openBrowser: open, sleep: timers.sleep, fetch: recordingFetch(urls),
    }).catch((e: unknown) => e);
    expect(isStackExchangeError(error) && error.code).toBe('RELAY_UNREACHABLE');
    expect((error as Error).message).toContain('3 times in a row');
    expect(urls).toHaveLength(3);
    expect(open).toHaveBeenCalledTimes(1);
    expect(JSON.stringify((error as Error & { cause?: unknown }).cause ?? null)).not.toContain('key=');
  });

  it('counts only consecutive connection failures: an answer in between starts the count again', async () => {
    const relay = await relayWith();
    const dead = await closedPortURL();
    const timers = capturedSleep({ resolveBelow: 60_000 });
    // Connection refused twice, an answer (404 no_token), refused twice, then the relay again.
    const plan = ['dead', 'dead', 'live', 'dead', 'dead'];
    const urls: string[] = [];
    const flaky: typeof fetch = (input, init) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      urls.push(url);
      const target = plan.shift() === 'dead' ? url.replace(relay.url, dead) : url.replace(/&wait=\d+/, '');
      return fetch(target, init);
    };
    // The person approves once the scripted polls are spent: the answer in between must come from the relay's 404, not the code.
    const result = await desktopLogin(loginOptions(relay, { maxConnectionFailures: 3, sleep: timers.sleep, fetch: flaky, openBrowser: browser({ delay: 0, after: () => plan.length === 0 }) }));
    expect(result.accessToken).toBeTruthy();
    expect(urls.length).toBeGreaterThanOrEqual(6);
  });

  it('rejects with LOGIN_ABORTED when the signal aborts', async () => {
    const relay = await relayWith();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const error: unknown = await desktopLogin(loginOptions(relay, { openBrowser: () => undefined, signal: controller.signal })).catch((e: unknown) => e);
    expect(isStackExchangeError(error) && error.code).toBe('LOGIN_ABORTED');
  });

  it('rejects with LOGIN_TIMEOUT when the timeout passes while openBrowser has not settled, and polls nothing', async () => {
    const relay = await relayWith();
    const timers = capturedSleep();
    const urls: string[] = [];
    const open = vi.fn(() => new Promise<never>(() => undefined));
    const login = desktopLogin(loginOptions(relay, { openBrowser: open, timeout: 90_000, sleep: timers.sleep, fetch: recordingFetch(urls) })).catch((e: unknown) => e);
    await vi.waitFor(() => expect(open).toHaveBeenCalledTimes(1), { interval: 5 });
    expect(timers.pending()).toEqual([90_000]);
    timers.fire(90_000);
    const error = await login;
    expect(isStackExchangeError(error) && error.code).toBe('LOGIN_TIMEOUT');
    expect(urls).toEqual([]);
  });

  it('rejects with LOGIN_ABORTED when the signal aborts while openBrowser has not settled, and polls nothing', async () => {
    const relay = await relayWith();
    const controller = new AbortController();
    const urls: string[] = [];
    const open = vi.fn(() => new Promise<never>(() => undefined));
    const login = desktopLogin(loginOptions(relay, { openBrowser: open, signal: controller.signal, fetch: recordingFetch(urls) })).catch((e: unknown) => e);
    await vi.waitFor(() => expect(open).toHaveBeenCalledTimes(1), { interval: 5 });
    controller.abort();
    const error = await login;
    expect(isStackExchangeError(error) && error.code).toBe('LOGIN_ABORTED');
    expect(urls).toEqual([]);
  });

  it('rejects with the error of an openBrowser that throws or rejects, and polls nothing', async () => {
    const relay = await relayWith();
    for (const open of [
      () => {
        throw new Error('no browser');
      },
      () => Promise.reject(new Error('no browser')),
    ]) {
      const urls: string[] = [];
      const error: unknown = await desktopLogin(loginOptions(relay, { openBrowser: open, fetch: recordingFetch(urls) })).catch((e: unknown) => e);
      expect((error as Error).message).toBe('no browser');
      expect(urls).toEqual([]);
    }
  });

  it('does not open the authorize URL when the signal is already aborted', async () => {
    const relay = await relayWith();
    const open = vi.fn();
    const urls: string[] = [];
    const error: unknown = await desktopLogin(loginOptions(relay, { openBrowser: open, signal: AbortSignal.abort(), fetch: recordingFetch(urls) })).catch((e: unknown) => e);
    expect(isStackExchangeError(error) && error.code).toBe('LOGIN_ABORTED');
    expect(open).not.toHaveBeenCalled();
    expect(urls).toEqual([]);
  });

  it('refuses a token planted under its state (taking it would undo PKCE), and exchanges nothing', async () => {
    const relay = await relayWith();
    const plant = async (url: string): Promise<void> => {
      // Someone who learnt the state (it is in the URL the person opens) posts a token of their own first.
      const state = new URL(url).searchParams.get('state')!;
      const res = await fetch(`${relay.url}/redirect?appid=1002`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `access_token=PLANTEDTOKEN&expires=86400&state=${state}`,
      });
      expect(res.status).toBe(204);
    };
    const error: unknown = await desktopLogin(loginOptions(relay, { openBrowser: plant })).catch((e: unknown) => e);
    expect(isStackExchangeError(error) && error.code).toBe('RELAY_ERROR');
    expect((error as Error).message).not.toContain('PLANTEDTOKEN');
    expect(se.requests.filter((r) => r.path.startsWith('/oauth/access_token'))).toEqual([]);
  });

  it('polls without wait when the relay holds polls for less than it asks (maxWait), then completes', async () => {
    for (const maxWait of [0, 10]) {
      const relay = await relayWith({ maxWait });
      const urls: string[] = [];
      const result = await desktopLogin(loginOptions(relay, { pollInterval: 20, fetch: recordingFetch(urls), openBrowser: browser({ delay: 100 }) }));
      expect(result.accessToken, `maxWait ${maxWait}`).toBeTruthy();
      const waits = urls.filter((u) => u.includes('/token?')).map((u) => new URL(u).searchParams.get('wait'));
      expect(waits[0]).toBe('30');
      expect(waits.length).toBeGreaterThan(1);
      expect(waits.slice(1).every((wait) => wait === null)).toBe(true);
    }
  });

  it('polls again while the relay answers 503, then completes', async () => {
    const inner = new MemoryRelayStore();
    let failures = 2;
    const flaky: RelayStore = {
      setIfAbsent: (k, v, t) => inner.setIfAbsent(k, v, t),
      take: (k) => (failures-- > 0 ? Promise.reject(new RelayStoreError('down')) : inner.take(k)),
      subscribe: (k, l) => inner.subscribe(k, l),
    };
    const relay = await relayWith({ store: flaky });
    const urls: string[] = [];
    const result = await desktopLogin(loginOptions(relay, { pollInterval: 10, fetch: recordingFetch(urls) }));
    expect(result.accessToken).toBeTruthy();
    expect(urls.filter((u) => u.includes('/token?')).length).toBeGreaterThanOrEqual(3);
    await inner.close();
  });

  it('rejects with RELAY_ERROR when the relay refuses the app id', async () => {
    const relay = await relayWith({ clientIds: ['9999'] });
    const error: unknown = await desktopLogin(loginOptions(relay, { openBrowser: () => undefined })).catch((e: unknown) => e);
    expect(isStackExchangeError(error) && error.code).toBe('RELAY_ERROR');
    expect((error as Error).message).toContain('app_not_allowed');
  });

  it('rejects with the TokenError when the exchange fails, without retrying it', async () => {
    const relay = await relayWith();
    se.fault('token', '500');
    const error: unknown = await desktopLogin(loginOptions(relay)).catch((e: unknown) => e);
    expect(isTokenError(error) && error.code).toBe('TOKEN_HTTP_STATUS');
    expect(se.requests.filter((r) => r.path === '/oauth/access_token/json')).toHaveLength(1);
  });

  it('throws a TypeError naming a bad option', async () => {
    const base = { clientID: '1', relayURL: 'https://relay.example/auth' };
    await expect(desktopLogin({ ...base, clientID: '' })).rejects.toThrow(/options\.clientID/);
    await expect(desktopLogin({ ...base, relayURL: 'relay.example' })).rejects.toThrow(/options\.relayURL/);
    await expect(desktopLogin({ ...base, relayURL: 'https://relay.example/auth?x=1' })).rejects.toThrow(/options\.relayURL/);
    await expect(desktopLogin({ ...base, scope: ['read inbox'] })).rejects.toThrow(/options\.scope/);
    await expect(desktopLogin({ ...base, appId: 'a:b' })).rejects.toThrow(/options\.appId/);
    await expect(desktopLogin({ ...base, timeout: 0 })).rejects.toThrow(/options\.timeout/);
    await expect(desktopLogin({ ...base, tokenURL: 'ftp://x' })).rejects.toThrow(/options\.tokenURL/);
    // The code and the verifier would cross the network in clear.
    await expect(desktopLogin({ ...base, tokenURL: 'http://stackoverflow.com/oauth/access_token/json' })).rejects.toThrow(/options\.tokenURL must be an https URL \(plain http only on a loopback host/);
    await expect(desktopLogin({ ...base, authorizationURL: 'http://stackoverflow.com/oauth' })).rejects.toThrow(/options\.authorizationURL must be an https URL/);
    await expect(desktopLogin({ ...base, site: 'a/b' })).rejects.toThrow(/options\.site/);
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- the deprecated alias is still validated
    await expect(desktopLogin({ ...base, open: 'x' as never })).rejects.toThrow(/options\.open/);
    await expect(desktopLogin({ ...base, openBrowser: 'x' as never })).rejects.toThrow(/options\.openBrowser/);
    await expect(desktopLogin({ ...base, maxConnectionFailures: 0 })).rejects.toThrow(/options\.maxConnectionFailures/);
    await expect(desktopLogin({ ...base, sleep: 5 as never })).rejects.toThrow(/options\.sleep must be a function/);
    await expect(desktopLogin({ ...base, pollIntervall: 5 } as never)).rejects.toThrow(/unknown option "pollIntervall" \(did you mean pollInterval\?\)/);
    await expect(desktopLogin({ ...base, redirect: 'popup' } as never)).rejects.toThrow(/options\.redirect must be one of "relay", "loopback"/);
    await expect(desktopLogin({ ...base, port: 8080 })).rejects.toThrow(/options\.port is only used with redirect: 'loopback'/);
    await expect(desktopLogin({ clientID: '1', redirect: 'loopback', relayURL: 'https://relay.example/auth' } as never)).rejects.toThrow(/options\.relayURL is only used with redirect: 'relay'/);
    await expect(desktopLogin({ clientID: '1', redirect: 'loopback', port: 70_000 })).rejects.toThrow(/options\.port/);
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- both names at once are refused
    await expect(desktopLogin({ ...base, open: () => undefined, openBrowser: () => undefined })).rejects.toThrow(/not both/);
  });
});
