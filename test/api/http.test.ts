import { getEventListeners } from 'node:events';
import { inspect } from 'node:util';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendRequest, type HttpRequest } from '../../src/api/http.js';
import { StackExchangeNetworkError } from '../../src/errors/network-error.js';
import { localServer, type LocalServer } from './local-server.js';
import { rejectionWithin, until } from './settle-within.js';

const wrapper = Buffer.from(JSON.stringify({ items: [{ n: 1 }], has_more: false, quota_max: 10000, quota_remaining: 9999 }));
// 64 MiB of JSON whitespace, gzipped to about 64 KiB: a small gzip bomb.
const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
const big = Buffer.from(JSON.stringify({ items: [{ text: 'x'.repeat(2 * 1024 * 1024) }] }));
let server: LocalServer;

beforeAll(async () => {
  server = await localServer((req, res) => {
    const route = new URL(req.url ?? '/', 'http://x').pathname;
    switch (route) {
      case '/gzip':
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(gzipSync(wrapper));
        return;
      case '/deflate':
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'deflate' }).end(deflateSync(wrapper));
        return;
      case '/raw-deflate':
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'deflate' }).end(deflateRawSync(wrapper));
        return;
      case '/br':
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'br' }).end(brotliCompressSync(wrapper));
        return;
      case '/cut':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"items":', () => res.destroy());
        return;
      case '/empty-gzip':
        res.writeHead(400, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end();
        return;
      case '/bomb':
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(bomb);
        return;
      case '/big':
        res.writeHead(200, { 'content-type': 'application/json' }).end(big);
        return;
      case '/hang':
        return;
      case '/slow-body':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"items":');
        return;
      case '/html':
        res.writeHead(502, { 'content-type': 'text/html' }).end('<html>Bad gateway</html>');
        return;
      case '/redirect':
        res.writeHead(302, { location: 'http://evil.example/collect' }).end();
        return;
      default:
        res.writeHead(404).end();
    }
  });
});
afterAll(() => server.close());

function expectNoSecrets(error: unknown): void {
  const shown = `${inspect(error, { depth: 10 })}${JSON.stringify(error)}${String(error)}`;
  expect(shown).not.toContain('T0K-secret');
  expect(shown).not.toContain('K3Y-secret');
}

// Every test runs over both transports: node:http (the default) and an injected fetch.
describe.each([
  { name: 'node:http', transport: undefined },
  { name: 'fetch', transport: globalThis.fetch },
])('sendRequest over $name', ({ transport }: { transport: typeof fetch | undefined }) => {
  const request = (path: string, extra: Partial<HttpRequest> = {}): HttpRequest => ({
    url: `${server.url}${path}?key=K3Y-secret&access_token=T0K-secret`,
    method: 'GET',
    headers: { 'accept-encoding': 'gzip, deflate' },
    timeout: 2000,
    fetch: transport,
    apiMethod: '/me',
    maxBytes: 16 * 1024 * 1024,
    ...extra,
  });

  it.each(['/gzip', '/deflate', '/raw-deflate', '/br'])('decodes %s answers', async (path) => {
    const answer = await sendRequest(request(path));
    expect(answer).toEqual({ status: 200, body: JSON.parse(wrapper.toString()) as unknown });
    expect(server.seen.at(-1)?.headers['accept-encoding']).toBe('gzip, deflate');
  });

  it('times out on a server that never answers', async () => {
    const error = await sendRequest(request('/hang', { timeout: 150 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StackExchangeNetworkError);
    expect(error).toMatchObject({ code: 'NETWORK_TIMEOUT', method: '/me', status: 503, message: 'GET /me: no answer within 150 ms' });
    expect((error as Error).cause).toMatchObject({ name: 'TimeoutError' });
    expectNoSecrets(error);
  });

  it('times out on a body that never ends', async () => {
    const error = await sendRequest(request('/slow-body', { timeout: 150 })).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'NETWORK_TIMEOUT' });
    expectNoSecrets(error);
  });

  it('reads an answer up to maxBytes and refuses a longer one, compressed or not (NETWORK_TOO_LARGE, 502)', async () => {
    expect((await sendRequest(request('/big', { maxBytes: big.length }))).body).toEqual(JSON.parse(big.toString()));
    const tooBig = await sendRequest(request('/big', { maxBytes: big.length - 1 })).catch((e: unknown) => e);
    expect(tooBig).toBeInstanceOf(StackExchangeNetworkError);
    expect(tooBig).toMatchObject({ code: 'NETWORK_TOO_LARGE', status: 502, message: `GET /me: the answer is larger than ${big.length - 1} bytes (maxResponseBytes)` });
    expectNoSecrets(tooBig);
  });

  it('stops inflating a gzip bomb at maxBytes (memory and time: npm run bench)', async () => {
    const error = await sendRequest(request('/bomb', { maxBytes: 1024 * 1024 })).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'NETWORK_TOO_LARGE', status: 502 });
  });

  it('times out even when an injected fetch ignores the abort signal (never settles, or a body that never ends)', async () => {
    const deaf = (() => new Promise<Response>(() => undefined)) as typeof fetch;
    const error = await sendRequest(request('/gzip', { fetch: deaf, timeout: 100 })).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'NETWORK_TIMEOUT', message: 'GET /me: no answer within 100 ms' });
    expectNoSecrets(error);
    const endless = new ReadableStream<Uint8Array>({ start: (c) => c.enqueue(new TextEncoder().encode('{"items":')) });
    const deafBody = (async () => new Response(endless, { status: 200 })) as typeof fetch;
    const bodyError = await sendRequest(request('/gzip', { fetch: deafBody, timeout: 100 })).catch((e: unknown) => e);
    expect(bodyError).toMatchObject({ code: 'NETWORK_TIMEOUT' });
  });

  it('reads an empty body labelled gzip as empty (not JSON: NETWORK_FAILED 502, not a zlib error)', async () => {
    const error = await sendRequest(request('/empty-gzip')).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'NETWORK_FAILED', status: 502, message: 'GET /me: the answer is not JSON (HTTP 400, application/json)' });
  });

  it('fails (NETWORK_FAILED, 503) when the server drops the connection in the middle of the body', async () => {
    const error = await sendRequest(request('/cut')).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'NETWORK_FAILED', status: 503 });
    expect((error as Error).message).toMatch(/^GET \/me: the request failed \(.+\)$/);
    expectNoSecrets(error);
  });

  it('fails cleanly on HTML, redirects and refused connections, leaking nothing', async () => {
    const html = await sendRequest(request('/html')).catch((e: unknown) => e);
    expect(html).toMatchObject({ code: 'NETWORK_FAILED', status: 502, message: 'GET /me: the answer is not JSON (HTTP 502, text/html)' });
    const redirect = await sendRequest(request('/redirect')).catch((e: unknown) => e);
    expect(redirect).toMatchObject({ code: 'NETWORK_FAILED', status: 502, message: 'GET /me: unexpected redirect (HTTP 302)' });
    const closed = await localServer(() => undefined);
    const url = closed.url;
    await closed.close();
    const refused = await sendRequest({ ...request('/gzip'), url: `${url}/me?key=K3Y-secret&access_token=T0K-secret` }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'NETWORK_FAILED', status: 503, statusCode: 503, message: expect.stringMatching(/^GET \/me: the request failed \(connect ECONNREFUSED 127\.0\.0\.1:\d+\)$/) as unknown });
    for (const error of [html, redirect, refused]) expectNoSecrets(error);
  });

  it('sanitises causes from an injected fetch that puts the URL in its error', async () => {
    const leakyFetch = (async (input: string | URL | Request) => {
      const url = input instanceof Request ? input.url : input.toString();
      throw Object.assign(new TypeError(`fetch failed: ${url}`), { url, cause: new Error(`socket for ${url}`) });
    }) as typeof fetch;
    const error = await sendRequest(request('/gzip', { fetch: leakyFetch })).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'NETWORK_FAILED' });
    expect(inspect(error, { depth: 10 })).toContain('access_token=[REDACTED]');
    expectNoSecrets(error);
  });

  it('rejects with signal.reason, not a network error, when the caller aborts a hanging request', async () => {
    const controller = new AbortController();
    const seen = server.seen.length;
    const pending = sendRequest(request('/hang', { timeout: 60_000, signal: controller.signal }));
    await until(() => server.seen.length > seen);
    controller.abort();
    const error = await rejectionWithin(pending);
    expect(error).toBe(controller.signal.reason);
    expect(error).toBeInstanceOf(DOMException);
    expect(error).toMatchObject({ name: 'AbortError' });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('rejects with the caller’s own reason, also while the body is arriving', async () => {
    const controller = new AbortController();
    const seen = server.seen.length;
    const pending = sendRequest(request('/slow-body', { timeout: 60_000, signal: controller.signal }));
    await until(() => server.seen.length > seen);
    const reason = new Error('page closed');
    controller.abort(reason);
    expect(await rejectionWithin(pending)).toBe(reason);
  });

  it('rejects with the reason of an injected fetch that ignores the signal', async () => {
    const deaf = (() => new Promise<Response>(() => undefined)) as typeof fetch;
    const controller = new AbortController();
    const pending = sendRequest(request('/gzip', { fetch: deaf, timeout: 60_000, signal: controller.signal }));
    controller.abort('stop');
    expect(await rejectionWithin(pending)).toBe('stop');
  });

  it('sends nothing when the signal has already aborted', async () => {
    const seen = server.seen.length;
    const reason = new Error('cancelled');
    await expect(sendRequest(request('/gzip', { signal: AbortSignal.abort(reason) }))).rejects.toBe(reason);
    expect(server.seen).toHaveLength(seen);
  });

  it('still times out with a signal given, and leaves no listener on a signal reused for many requests', async () => {
    const controller = new AbortController();
    const timedOut = await sendRequest(request('/hang', { timeout: 100, signal: controller.signal })).catch((e: unknown) => e);
    expect(timedOut).toMatchObject({ code: 'NETWORK_TIMEOUT' });
    for (let i = 0; i < 20; i++) await sendRequest(request(i % 2 === 0 ? '/gzip' : '/deflate', { signal: controller.signal }));
    await sendRequest(request('/html', { signal: controller.signal })).catch(() => undefined);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(controller.signal.aborted).toBe(false);
  });
});
