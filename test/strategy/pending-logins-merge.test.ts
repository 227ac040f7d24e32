import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { PENDING_LOGINS_KEY, SessionPendingLoginStore } from 'passport-stackexchange-oauth2';
import type { PendingLoginContext } from 'passport-stackexchange-oauth2';
import { createSandbox } from 'passport-stackexchange-oauth2/sandbox';
import type { Sandbox } from 'passport-stackexchange-oauth2/sandbox';
import { connectRedis, deletePrefix, uniquePrefix } from '../relay/redis-helpers.js';
import type { TestRedisClient } from '../relay/redis-helpers.js';
import { startClassicApp } from './classic-app.js';
import type { ClassicApp, SessionStoreKind } from './classic-app.js';

// SessionPendingLoginStore's merge on save: a start re-reads the stored session just before saving and
// keeps the pending logins other starts saved meanwhile, never one consumed meanwhile.

let se: Sandbox;
let redis: TestRedisClient;
const prefix = uniquePrefix('pending-logins-merge');

beforeAll(async () => {
  se = await createSandbox({ port: 0, maxRequestsPerSecond: Infinity });
  redis = await connectRedis();
});

afterAll(async () => {
  await deletePrefix(redis, prefix);
  await redis.quit();
  await se.close();
});

beforeEach(() => {
  se.reset();
});

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

const apps: ClassicApp[] = [];

/**
 * The classic passport app (see {@link startClassicApp}) with the default (session) pending-login store,
 * its starts held in pairs: without that, the second often arrives after the first saved.
 */
async function classicApp(kind: SessionStoreKind): Promise<() => request.Agent> {
  const app = await startClassicApp(se, { sessionStore: kind, redis, prefix, holdStartPairs: true });
  apps.push(app);
  return () => app.browser();
}

const tokenRequests = (): number => se.requests.filter((r) => r.path === '/oauth/access_token/json').length;

async function consent(res: request.Response): Promise<URL> {
  expect(res.status).toBe(302);
  return se.authorize(String(res.headers['location']), { accountId: se.users[0]!.accountId });
}

describe.each<SessionStoreKind>(['memory', 'connect-redis'])('SessionPendingLoginStore with %s sessions', (kind) => {
  it('30/30 trials: two simultaneous starts in one session both complete, one token request per callback', async () => {
    const browserOf = await classicApp(kind);
    const trials = 30;
    let completed = 0;
    for (let trial = 0; trial < trials; trial++) {
      const browser = browserOf();
      expect((await browser.get('/visit')).status).toBe(204);
      const starts = await Promise.all([browser.get('/login'), browser.get('/login')]);
      const callbacks = await Promise.all(starts.map(consent));
      const order = trial % 2 === 0 ? callbacks : [...callbacks].reverse();
      const before = tokenRequests();
      let done = 0;
      for (const callback of order) {
        const res = await browser.get(`${callback.pathname}${callback.search}`);
        const sent = tokenRequests() - before;
        // A callback whose pending login was kept exchanges its code once; a lost one sends nothing.
        if (res.status === 200) {
          done += 1;
          expect((res.body as { user: unknown }).user).toEqual({ id: String(se.users[0]!.accountId) });
        } else {
          expect(res.headers['location']).toBe('/failed');
        }
        expect(sent, `trial ${trial}`).toBe(done);
      }
      if (done === 2) completed += 1;
    }
    expect(`${completed}/${trials} trials completed both tabs`).toBe(`${trials}/${trials} trials completed both tabs`);
    expect(tokenRequests()).toBe(2 * trials);
  });
});

/** An express-session-like request: a session object and its store, read by `req.sessionID`. */
interface FakeRequest {
  session: Record<string, unknown> & { save(cb: (err?: unknown) => void): void };
  sessionID: string;
  sessionStore: { get(sid: string, cb: (err: unknown, stored?: Record<string, unknown> | null) => void): void };
}

interface FakeStoreCounts {
  reads: number;
  writes: number;
}

/**
 * A session store holding one session as a JSON string (as MemoryStore does), and requests that load
 * it as express-session would: each request's `session` is a copy made when the request arrived.
 */
function fakeStore(): { counts: FakeStoreCounts; stored(): Record<string, unknown>; load(): FakeRequest; failReads(on: boolean): void } {
  let data = JSON.stringify({ cookie: {} });
  let failing = false;
  const counts: FakeStoreCounts = { reads: 0, writes: 0 };
  const sessionStore: FakeRequest['sessionStore'] = {
    get(_sid, cb) {
      counts.reads += 1;
      const copy = JSON.parse(data) as Record<string, unknown>;
      setImmediate(() => (failing ? cb(new Error('redis down')) : cb(null, copy)));
    },
  };
  const load = (): FakeRequest => {
    const session = JSON.parse(data) as FakeRequest['session'];
    Object.defineProperty(session, 'save', {
      enumerable: false,
      value(cb: (err?: unknown) => void) {
        counts.writes += 1;
        data = JSON.stringify(session);
        setImmediate(cb);
      },
    });
    return { session, sessionID: 'sid', sessionStore };
  };
  return {
    counts,
    stored: () => JSON.parse(data) as Record<string, unknown>,
    load,
    failReads: (on) => {
      failing = on;
    },
  };
}

const context: PendingLoginContext = { stateTTL: 600, maxPendingLogins: 10 };

function start(store: SessionPendingLoginStore, req: object, verifier: string, ctx: PendingLoginContext = context): Promise<string> {
  return new Promise((resolve, reject) => store.store(req, verifier, { scope: [] }, ctx, (err, handle) => (err ? reject(err) : resolve(handle as string))));
}

function finish(store: SessionPendingLoginStore, req: object, state: string): Promise<string | false | undefined> {
  return new Promise((resolve, reject) => store.verify(req, state, (err, verifier) => (err ? reject(err) : resolve(verifier))));
}

const pendingOf = (data: Record<string, unknown> | undefined): string[] => Object.keys((data?.[PENDING_LOGINS_KEY] as object | undefined) ?? {});

describe('SessionPendingLoginStore merge on save', () => {
  it('keeps the logins other requests saved after this one loaded the session, with one read and one write per start', async () => {
    const backing = fakeStore();
    const store = new SessionPendingLoginStore();
    // Both requests load the session before either starts its login.
    const first = backing.load();
    const second = backing.load();
    const [a, b] = await Promise.all([start(store, first, 'a'.repeat(43)), start(store, second, 'b'.repeat(43))]);
    expect(pendingOf(backing.stored()).sort()).toEqual([a, b].sort());
    expect(backing.counts).toEqual({ reads: 2, writes: 2 });
    expect(await finish(store, backing.load(), a)).toBe('a'.repeat(43));
    expect(await finish(store, backing.load(), b)).toBe('b'.repeat(43));
  });

  it('never brings back a login consumed after this request loaded the session', async () => {
    const backing = fakeStore();
    const store = new SessionPendingLoginStore();
    const used = await start(store, backing.load(), 'u'.repeat(43));
    const kept = await start(store, backing.load(), 'k'.repeat(43));
    const starting = backing.load();
    expect(pendingOf(starting.session)).toEqual([used, kept]);
    expect(await finish(store, backing.load(), used)).toBe('u'.repeat(43));
    const fresh = await start(store, starting, 'f'.repeat(43));
    expect(pendingOf(backing.stored())).toEqual([kept, fresh]);
    expect(await finish(store, backing.load(), used)).toBe(false);
  });

  it('does not bring back the loaded logins when the stored session is gone (destroyed or expired meanwhile)', async () => {
    const backing = fakeStore();
    const store = new SessionPendingLoginStore();
    const old = await start(store, backing.load(), 'o'.repeat(43));
    const starting = backing.load();
    starting.sessionStore = { get: (_sid, cb) => setImmediate(() => cb(null, null)) };
    const fresh = await start(store, starting, 'f'.repeat(43));
    expect(pendingOf(backing.stored())).toEqual([fresh]);
    expect(old).not.toBe(fresh);
  });

  it('applies maxPendingLogins and stateTTL to the merged logins', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const backing = fakeStore();
    const store = new SessionPendingLoginStore();
    const ctx: PendingLoginContext = { stateTTL: 60, maxPendingLogins: 3 };
    vi.setSystemTime(1_000_000);
    const expired = await start(store, backing.load(), 'e'.repeat(43), ctx);
    const states: string[] = [];
    const loaded = backing.load();
    for (let i = 0; i < 3; i++) {
      vi.setSystemTime(1_000_000 + 50_000 + i * 1000);
      states.push(await start(store, backing.load(), `${i}`.repeat(43), ctx));
    }
    vi.setSystemTime(1_000_000 + 61_000);
    // `loaded` saw only the expired login; the stored session has it and the three newer ones.
    expect(pendingOf(loaded.session)).toEqual([expired]);
    const last = await start(store, loaded, 'l'.repeat(43), ctx);
    expect(pendingOf(backing.stored())).toEqual([states[1], states[2], last]);
  });

  it('fails with a 503 SessionStoreError and saves nothing when the stored session cannot be read; the next start goes on', async () => {
    const backing = fakeStore();
    const store = new SessionPendingLoginStore();
    backing.failReads(true);
    const err = await start(store, backing.load(), 'v'.repeat(43)).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'SessionStoreError', code: 'SESSION_STORE', status: 503 });
    expect(backing.counts).toEqual({ reads: 1, writes: 0 });
    backing.failReads(false);
    const state = await start(store, backing.load(), 'w'.repeat(43));
    expect(pendingOf(backing.stored())).toEqual([state]);
    expect(backing.counts).toEqual({ reads: 2, writes: 1 });
  });

  it('reads nothing back for a browser that sent no cookie (its session was made by this request), and does with one', async () => {
    const backing = fakeStore();
    const store = new SessionPendingLoginStore();
    const state = await start(store, { ...backing.load(), headers: {} }, 'n'.repeat(43));
    expect(backing.counts).toEqual({ reads: 0, writes: 1 });
    expect(pendingOf(backing.stored())).toEqual([state]);
    const next = await start(store, { ...backing.load(), headers: { cookie: 'connect.sid=s%3Asid.x' } }, 'm'.repeat(43));
    expect(backing.counts).toEqual({ reads: 1, writes: 2 });
    expect(pendingOf(backing.stored())).toEqual([state, next]);
  });

  it('keeps the loaded logins when the session cannot be re-read (no sessionStore: custom session middleware)', async () => {
    const backing = fakeStore();
    const store = new SessionPendingLoginStore();
    const first = backing.load();
    const second = backing.load();
    const plain = (req: FakeRequest): object => ({ session: req.session });
    const [a, b] = await Promise.all([start(store, plain(first), 'a'.repeat(43)), start(store, plain(second), 'b'.repeat(43))]);
    // Today's behaviour: the later save wins.
    expect(pendingOf(backing.stored())).toEqual([b]);
    expect(a).not.toBe(b);
    expect(backing.counts).toEqual({ reads: 0, writes: 2 });
  });
});
