import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import session from 'express-session';
import passport from 'passport';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryApiLimits, RedisPendingLoginStore, StackExchangeStrategy } from 'passport-stackexchange-oauth2';
import type { PendingLoginStore } from 'passport-stackexchange-oauth2';
import { createSandbox } from 'passport-stackexchange-oauth2/sandbox';
import type { Sandbox } from 'passport-stackexchange-oauth2/sandbox';
import { connectRedis, deletePrefix, uniquePrefix } from '../relay/redis-helpers.js';
import type { TestRedisClient } from '../relay/redis-helpers.js';

// An app's own passport callback that throws (a bug of the app, e.g. reading info.state.returnTo of a
// failed login) must reach the app's error handler, whatever the pending-login store: never a hung
// request, never an unhandled rejection.

let se: Sandbox;
let redis: TestRedisClient;
const prefix = uniquePrefix('throwing-callback');

beforeAll(async () => {
  se = await createSandbox({ port: 0, maxRequestsPerSecond: Infinity });
  redis = await connectRedis();
});

afterAll(async () => {
  await deletePrefix(redis, prefix);
  await redis.quit();
  await se.close();
});

/** An app whose callback route's own code throws `when` it gets a user or a refusal. */
async function throwingApp(store: PendingLoginStore | undefined, when: 'user' | 'refusal'): Promise<{ agent: request.Agent; close: () => Promise<void> }> {
  const app = express();
  const server: Server = app.listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://localhost:${(server.address() as AddressInfo).port}`;
  const client = se.clients[0]!;
  const strategy = new StackExchangeStrategy({
    clientID: client.clientId,
    clientSecret: client.clientSecret,
    key: client.key,
    callbackURL: `${base}/cb`,
    authorizationURL: se.authorizationURL,
    tokenURL: se.tokenURL,
    apiURL: se.apiURL,
    apiLimits: new MemoryApiLimits(),
    ...(store === undefined ? {} : { store }),
  });
  const authenticator = new passport.Passport();
  authenticator.use(strategy);
  app.use(session({ secret: 'throwing-callback', resave: false, saveUninitialized: false }));
  app.get('/login', authenticator.authenticate('stackexchange') as RequestHandler);
  app.get('/cb', (req, res, next) => {
    (authenticator.authenticate('stackexchange', (err: unknown, user: unknown) => {
      if (err) return next(err);
      if ((when === 'user') === Boolean(user)) throw new Error('the app callback is broken');
      res.json({ ok: true });
    }) as RequestHandler)(req, res, next);
  });
  app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
    res.status(500).json({ error: err.message });
  });
  return { agent: request.agent(base), close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) };
}

const stores: Array<[string, () => PendingLoginStore | undefined]> = [
  ['the session store', () => undefined],
  ['RedisPendingLoginStore', () => new RedisPendingLoginStore({ client: redis, prefix })],
];

describe.each(stores)('a passport callback that throws, with %s', (_name, makeStore) => {
  it.each(['user', 'refusal'] as const)('reaches the app error handler on a %s', async (when) => {
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown): void => void rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    const { agent, close } = await throwingApp(makeStore(), when);
    try {
      const start = await agent.get('/login');
      const approved = await se.authorize(new URL(String(start.headers['location'])), { accountId: se.users[0]!.accountId });
      // A refusal: the same callback with a state this browser never started.
      if (when === 'refusal') approved.searchParams.set('state', 'x'.repeat(43));
      const res = await agent.get(`${approved.pathname}${approved.search}`).timeout(5000);
      expect([res.status, res.body]).toEqual([500, { error: 'the app callback is broken' }]);
      await new Promise((resolve) => setImmediate(resolve));
      expect(rejections).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
      await close();
    }
  });
});
