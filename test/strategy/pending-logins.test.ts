import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PENDING_LOGINS_KEY, SessionPendingLoginStore, isSessionStoreError, isStackExchangeError } from 'passport-stackexchange-oauth2';
import type { PendingLoginContext, PendingLoginState } from 'passport-stackexchange-oauth2';

interface FakeSession {
  [key: string]: unknown;
  saves: number;
  failSave?: boolean;
  save(cb: (err?: unknown) => void): void;
}

function fakeSession(): FakeSession {
  return {
    saves: 0,
    save(cb) {
      this.saves++;
      setImmediate(() => cb(this.failSave ? new Error('redis down') : undefined));
    },
  };
}

interface Store {
  inner: SessionPendingLoginStore;
  context: PendingLoginContext;
}

/** The store with the limits the strategy would pass (`stateTTL`, `maxPendingLogins`). */
const store = (stateTTL = 600, maxPendingLogins = 10): Store => ({ inner: new SessionPendingLoginStore(), context: { stateTTL, maxPendingLogins } });

function start(s: Store, req: { session?: object; sessionID?: string; sessionStore?: object }, verifier: string, meta?: object): Promise<string> {
  const state: PendingLoginState = { scope: [], ...(meta === undefined ? {} : { meta }) };
  return new Promise((resolve, reject) => s.inner.store(req, verifier, state, s.context, (err, handle) => (err ? reject(err) : resolve(handle as string))));
}

/** `[verifier, meta]` of a valid login, `[false, info]` otherwise. */
function finish(s: Store, req: { session?: object }, state: unknown): Promise<[string | false | undefined, unknown]> {
  return new Promise((resolve, reject) =>
    s.inner.verify(req, state as string, (err, verifier, info) => (err ? reject(err) : resolve([verifier, typeof verifier === 'string' ? (info as PendingLoginState).meta : info]))),
  );
}

const pending = (session: FakeSession) => session[PENDING_LOGINS_KEY] as Record<string, { verifier: string; state: PendingLoginState }> | undefined;

afterEach(() => {
  vi.useRealTimers();
});

describe('PendingLoginStore', () => {
  it('has the arities passport-oauth2 dispatches on (PKCE store, 3-argument verify)', () => {
    expect(store().inner.store.length).toBe(5);
    expect(store().inner.verify.length).toBe(3);
  });

  it('stores a login under a fresh 256-bit state, saves the session, and hands back verifier and metadata once', async () => {
    const s = store();
    const session = fakeSession();
    const state = await start(s, { session }, 'v'.repeat(43), { returnTo: '/q/1' });
    expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session.saves).toBe(1);
    expect(pending(session)?.[state]).toMatchObject({ verifier: 'v'.repeat(43), state: { meta: { returnTo: '/q/1' } } });
    expect(await finish(s, { session }, state)).toEqual(['v'.repeat(43), { returnTo: '/q/1' }]);
    // The callback writes nothing of its own: the login's (or the end of the request's) save does.
    expect(session.saves).toBe(1);
    expect(pending(session)).toBeUndefined();
    const [again, info] = await finish(s, { session }, state);
    expect(again).toBe(false);
    expect(info).toEqual({ message: expect.stringMatching(/unknown state/) as unknown, code: 'invalid_state' });
  });

  it('keeps several logins and completes them in any order', async () => {
    const s = store();
    const session = fakeSession();
    const a = await start(s, { session }, 'a'.repeat(43), { returnTo: '/a' });
    const b = await start(s, { session }, 'b'.repeat(43), { returnTo: '/b' });
    expect(a).not.toBe(b);
    expect(await finish(s, { session }, b)).toEqual(['b'.repeat(43), { returnTo: '/b' }]);
    expect(await finish(s, { session }, a)).toEqual(['a'.repeat(43), { returnTo: '/a' }]);
  });

  it.each([undefined, '', 'tampered', '__proto__', 'constructor', ['x'], 42])('fails state %j without touching the other logins', async (bad) => {
    const s = store();
    const session = fakeSession();
    const a = await start(s, { session }, 'a'.repeat(43));
    const before = structuredClone(pending(session));
    const savesBefore = session.saves;
    const [verifier, info] = await finish(s, { session }, bad);
    expect(verifier).toBe(false);
    expect(info).toMatchObject({ code: 'invalid_state' });
    expect(pending(session)).toEqual(before);
    expect(session.saves).toBe(savesBefore);
    expect((await finish(s, { session }, a))[0]).toBe('a'.repeat(43));
  });

  it('fails with no pending logins at all', async () => {
    expect((await finish(store(), { session: fakeSession() }, 'x'))[0]).toBe(false);
  });

  it('keeps at most maxPendingLogins, dropping the oldest', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const s = store(600, 3);
    const session = fakeSession();
    const states: string[] = [];
    for (let i = 0; i < 5; i++) {
      vi.setSystemTime(1_000_000 + i * 1000);
      states.push(await start(s, { session }, `${i}`.repeat(43)));
    }
    expect(Object.keys(pending(session) ?? {})).toEqual(states.slice(2));
    expect((await finish(s, { session }, states[0]))[0]).toBe(false);
    expect((await finish(s, { session }, states[4]))[0]).toBe('4'.repeat(43));
  });

  it('expires a login after stateTTL seconds, consuming it', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(5_000_000);
    const s = store(60);
    const session = fakeSession();
    const fresh = await start(s, { session }, 'f'.repeat(43));
    const old = await start(s, { session }, 'o'.repeat(43));
    vi.setSystemTime(5_000_000 + 60_000);
    expect((await finish(s, { session }, fresh))[0]).toBe('f'.repeat(43));
    vi.setSystemTime(5_000_000 + 60_001);
    const [verifier, info] = await finish(s, { session }, old);
    expect(verifier).toBe(false);
    expect(info).toEqual({ message: expect.stringMatching(/expired/) as unknown, code: 'invalid_state' });
    expect(pending(session)).toBeUndefined();
  });

  it('prunes expired logins when a new one starts', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_000_000);
    const s = store(10);
    const session = fakeSession();
    const old = await start(s, { session }, 'o'.repeat(43));
    vi.setSystemTime(1_000_000 + 11_000);
    const fresh = await start(s, { session }, 'f'.repeat(43));
    expect(Object.keys(pending(session) ?? {})).toEqual([fresh]);
    expect(old).not.toBe(fresh);
  });

  it('keeps its data under the sessionKey it is given', async () => {
    const s: Store = { inner: new SessionPendingLoginStore({ key: 'mine' }), context: { stateTTL: 600, maxPendingLogins: 10 } };
    const session = fakeSession();
    const state = await start(s, { session }, 'v'.repeat(43));
    expect(Object.keys(session['mine'] as object)).toEqual([state]);
    expect(session[PENDING_LOGINS_KEY]).toBeUndefined();
  });

  it('gives a session that holds only pending logins a cookie of stateTTL seconds', async () => {
    // As express-session's Session: `save` on the prototype, `cookie` and the data as own properties.
    const proto = { save: (cb: () => void) => setImmediate(cb) };
    const session = Object.assign(Object.create(proto) as object, { cookie: { maxAge: 86_400_000 } });
    await start(store(120), { session }, 'v'.repeat(43));
    expect(session.cookie.maxAge).toBe(120_000);
    const used = Object.assign(Object.create(proto) as object, { cookie: { maxAge: 86_400_000 }, cart: ['book'] });
    await start(store(120), { session: used }, 'v'.repeat(43));
    expect(used.cookie.maxAge).toBe(86_400_000);
  });

  it('reports a failed session save at the start as SESSION_STORE with status 503', async () => {
    const s = store();
    const session = fakeSession();
    session.failSave = true;
    const startError = await start(s, { session }, 'w'.repeat(43)).catch((err: unknown) => err);
    expect(isSessionStoreError(startError)).toBe(true);
    expect(startError).toMatchObject({ code: 'SESSION_STORE', status: 503 });
  });

  it('calls back once when a session store answers synchronously and the caller then throws: the throw is the caller\'s', () => {
    const s = store();
    const session = { save: (cb: (err?: unknown) => void) => cb() };
    const answers: unknown[] = [];
    const bug = new Error('the app threw while redirecting');
    expect(() =>
      s.inner.store({ session }, 'v'.repeat(43), { scope: [] }, s.context, (err, state) => {
        answers.push(err ?? state);
        throw bug;
      }),
    ).toThrow(bug);
    expect(answers).toEqual([expect.stringMatching(/^[\w-]{43}$/)]);
  });

  it('refuses a second callback of a state used in this process, for as long as its login would have lived', async () => {
    const s = store();
    const loaded = fakeSession();
    const state = await start(s, { session: loaded }, 'v'.repeat(43), { returnTo: '/a' });
    // Two requests of one browser, each with its own copy of the stored session (as express-session loads them).
    const first = { session: structuredClone({ ...loaded, save: undefined }), res: new EventEmitter() };
    const second = { session: structuredClone({ ...loaded, save: undefined }) };
    expect(await finish(s, first, state)).toEqual(['v'.repeat(43), { returnTo: '/a' }]);
    const [verifier, info] = await finish(s, second, state);
    expect(verifier).toBe(false);
    expect(info).toEqual({ message: expect.stringMatching(/already used/) as unknown, code: 'invalid_state' });
    // A start merging from a store that still holds the login (its removal is not saved yet) does not bring it back.
    const merging = fakeSession();
    const other = await start(s, { session: merging, sessionID: 'sid', sessionStore: { get: (_id: string, cb: (err: unknown, stored?: unknown) => void) => setImmediate(() => cb(null, structuredClone({ ...loaded, save: undefined }))) } }, 'w'.repeat(43));
    expect(Object.keys(pending(merging) ?? {})).toEqual([other]);
    // Also once the first answer is sent or its browser went away: a store that still holds the login
    // (its removal never saved) cannot hand it out again.
    first.res.emit('close');
    const third = { session: structuredClone({ ...loaded, save: undefined }) };
    expect((await finish(s, third, state))[0]).toBe(false);
  });

  it('lets the next start of a session through after 10 s when the session store never answers the first', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const s = store();
    let reads = 0;
    const sessionStore = {
      get(_sid: string, cb: (err: unknown, stored?: unknown) => void): void {
        reads++;
        // The first read never comes back (a stalled store); the next ones do.
        if (reads > 1) setImmediate(() => cb(null, null));
      },
    };
    const stalled = start(s, { session: fakeSession(), sessionID: 'sid', sessionStore }, 'a'.repeat(43));
    stalled.catch(() => undefined);
    const next = fakeSession();
    const queued = start(s, { session: next, sessionID: 'sid', sessionStore }, 'b'.repeat(43));
    await new Promise((resolve) => setImmediate(resolve));
    expect(reads).toBe(1);
    vi.advanceTimersByTime(10_000);
    const state = await queued;
    expect(reads).toBe(2);
    expect(Object.keys(pending(next) ?? {})).toEqual([state]);
  });

  it('needs a session', async () => {
    const err = await start(store(), {}, 'v'.repeat(43)).catch((e: unknown) => e);
    expect(isStackExchangeError(err) && err.code).toBe('SESSION_REQUIRED');
    const err2 = await finish(store(), {}, 'x').catch((e: unknown) => e);
    expect(isStackExchangeError(err2) && err2.code).toBe('SESSION_REQUIRED');
  });

  it('ignores a corrupt session value', async () => {
    const session = fakeSession();
    session[PENDING_LOGINS_KEY] = 'garbage';
    const s = store();
    const state = await start(s, { session }, 'v'.repeat(43));
    expect(Object.keys(pending(session) ?? {})).toEqual([state]);
  });
});
