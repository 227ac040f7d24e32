import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryApiLimits } from 'passport-stackexchange-oauth2';
import type { User } from 'passport-stackexchange-oauth2';
import { createSandbox } from 'passport-stackexchange-oauth2/sandbox';
import type { Sandbox } from 'passport-stackexchange-oauth2/sandbox';
import { startRouterApp } from '../helpers/router-app.js';
import type { RouterApp } from '../helpers/router-app.js';

let se: Sandbox;
let app: RouterApp;
const outcomes: string[] = [];
let queued = 0;

beforeAll(async () => {
  se = await createSandbox({ port: 0 });
  app = await startRouterApp(se, {
    // One request a minute, and a long maxWait and deadline: the second read queues instead of failing at once.
    router: { client: { retry: false, cache: false, apiLimits: new MemoryApiLimits({ maxRequests: 1, interval: 60_000 }), maxWait: 120_000, deadline: 120_000 } },
    routes: (server) => {
      server.get('/api/user', async (req, res) => {
        queued += 1;
        try {
          await req.stackexchange.get<User>('/users/{ids}', { ids: [Number(req.query['id'])], site: 'stackoverflow' });
          outcomes.push('answered');
          res.json({ ok: true });
        } catch (err) {
          outcomes.push(err instanceof Error ? err.message : String(err));
          if (!res.headersSent) res.status(503).end();
        }
      });
    },
  });
});
afterAll(async () => {
  await app.close();
  await se.close();
});

const apiCalls = (): number => se.requests.filter((r) => r.path.startsWith('/2.3/users/')).length;

describe('req.stackexchange for a request whose client went away', () => {
  it('leaves the 30/s queue, so nothing is sent for it', async () => {
    const first = await fetch(`${app.url}/api/user?id=1`);
    expect(first.status).toBe(200);
    expect(apiCalls()).toBe(1);

    // The second page load queues behind the spent window; its browser then goes away.
    const abandoned = request(`${app.url}/api/user?id=2`);
    abandoned.on('error', () => undefined);
    abandoned.end();
    await expect.poll(() => queued).toBe(2);
    abandoned.destroy();

    await expect.poll(() => outcomes.length).toBe(2);
    expect(outcomes[0]).toBe('answered');
    expect(outcomes[1]).toContain('closed the connection');
    // Only the first read reached Stack Exchange: the abandoned one left the queue unsent.
    expect(apiCalls()).toBe(1);
  });
});
