import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from 'passport-stackexchange-oauth2/sandbox';

let se: Sandbox;
beforeAll(async () => {
  se = await createSandbox({ port: 0 });
});
afterAll(async () => {
  await se.close();
});

describe('the HTTP server', () => {
  it('serves an index page listing its URLs', async () => {
    const res = await fetch(se.url);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain(se.tokenURL);
    expect(html).toContain(se.apiURL);
  });

  it('answers 404 pages for unknown paths, escaping the path, and records them', async () => {
    se.reset();
    const res = await fetch(`${se.url}/x%3Cscript%3E?q=1`);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('<script>');
    expect(se.requests[0]).toMatchObject({ method: 'GET', path: '/x%3Cscript%3E', query: { q: '1' } });
  });

  it('pages carry no-store, no-referrer, frame and content security headers', async () => {
    const res = await fetch(se.authorizationURL);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('refuses bodies over 1 MiB with 413', async () => {
    const res = await fetch(se.tokenURL, { method: 'POST', body: 'a='.padEnd(1024 * 1024 + 10, 'x'), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.status).toBe(413);
    expect(se.requests.some((r) => r.form?.a !== undefined && String(r.form.a).length > 1024 * 1024)).toBe(false);
  });

  it('survives a client that disconnects mid-body', async () => {
    const port = Number(new URL(se.url).port);
    await new Promise<void>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write('POST /oauth/access_token/json HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nclient_id=');
        socket.destroy();
        resolve();
      });
    });
    expect((await fetch(se.url)).status).toBe(200);
  });
});
