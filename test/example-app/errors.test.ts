import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { errorHandler, notFound } from '../../example-app/errors.js';
import { httpError } from '../../example-app/http-error.js';

/** A bare app whose only route fails with `error`, behind the example's 404 and error handlers. */
function failingApp(error: unknown, logged: string[]) {
  const app = express();
  // What stackExchangeAuth() sets; these pages only read it.
  app.use((req, _res, next) => {
    req.stackexchangeSession = { loggedIn: false, expiresAt: null, scope: [] };
    next();
  });
  app.get('/fail', () => {
    throw error;
  });
  app.use(notFound({ sandbox: false }));
  app.use(errorHandler({ sandbox: false, logError: (m) => logged.push(m) }));
  return app;
}

describe('errorHandler', () => {
  it('answers 500 with a fixed text, logs the error redacted, and leaks nothing to the page', async () => {
    const logged: string[] = [];
    const error = new Error('token request failed: access_token=SECRET123&code=CODE456');
    const res = await request(failingApp(error, logged)).get('/fail?code=CODE456').expect(500).expect('Content-Type', /html/);
    expect(res.text).toContain('Something went wrong');
    expect(res.text).not.toMatch(/SECRET123|CODE456|token request failed|at .*errors\.test/);
    expect(res.text).not.toContain('Sandbox mode');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain('GET /fail?code=[REDACTED] failed with 500: Error: token request failed');
    expect(logged[0]).not.toMatch(/SECRET123|CODE456/);
  });

  it.each([
    [403, 'Permission needed'],
    [429, 'Slow down'],
    [502, 'Stack Exchange answered unexpectedly'],
    [503, 'Temporarily unavailable'],
    [418, 'Bad request'],
    [599, 'Something went wrong'],
  ])('uses the status the error carries: %i', async (status, heading) => {
    const res = await request(failingApp(httpError(status, 'detail that must stay hidden'), [])).get('/fail').expect(status);
    expect(res.text).toContain(`<h1>${heading}</h1>`);
    expect(res.text).not.toContain('detail that must stay hidden');
  });

  it('reads statusCode too, and ignores statuses that are not errors', async () => {
    await request(failingApp(Object.assign(new Error('x'), { statusCode: 404 }), [])).get('/fail').expect(404);
    await request(failingApp(Object.assign(new Error('x'), { status: 302 }), [])).get('/fail').expect(500);
    await request(failingApp('a string', [])).get('/fail').expect(500);
  });

  it('turns 401 into a login prompt that returns to the page', async () => {
    const res = await request(failingApp(httpError(401, 'expired'), [])).get('/fail?x=1').expect(401);
    expect(res.text).toContain('Please log in');
    expect(res.text).toContain('href="/auth/start?returnTo=%2Ffail%3Fx%3D1"');
  });
});

describe('notFound', () => {
  it('answers 404 with the page', async () => {
    const res = await request(failingApp(new Error('unused'), [])).get('/nothing').expect(404);
    expect(res.text).toContain('Page not found');
  });
});
