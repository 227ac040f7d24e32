import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExchangeTimeout, boundedExchange } from '../../src/util/bounded-exchange.js';

/**
 * A raw TCP server: every connection answers its first request with a keep-alive 200, and closes the
 * socket when a second request arrives on it (a server's idle close racing the client's reuse).
 */
let stale: net.Server;
let staleURL = '';
const staleSeen: string[] = [];
let connections = 0;

beforeAll(async () => {
  stale = net.createServer((socket) => {
    connections++;
    let requests = 0;
    socket.on('data', (data) => {
      requests++;
      staleSeen.push(data.toString('latin1').split('\r\n')[0] ?? '');
      if (requests === 1) socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n{}');
      else socket.destroy();
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => stale.listen(0, '127.0.0.1', resolve));
  staleURL = `http://127.0.0.1:${(stale.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => stale.close(() => resolve())));

describe('boundedExchange over node:http', () => {
  it('rejects a header Node refuses at once, and its timer never fires into the void later', async () => {
    const error = await boundedExchange({ url: `${staleURL}/x`, method: 'GET', headers: { 'user-agent': 'app ✓' }, timeout: 20, maxBytes: 100, fetch: undefined }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_INVALID_CHAR' });
    // Before: the 20 ms timer then touched a request never made and threw an uncaught ReferenceError.
    await new Promise((resolve) => setTimeout(resolve, 60));
  });

  it('sends a GET once more on a fresh connection when the server closed the reused keep-alive socket, never a POST', async () => {
    const before = { connections, seen: staleSeen.length };
    const get = (): Promise<unknown> => boundedExchange({ url: `${staleURL}/get`, method: 'GET', headers: {}, timeout: 2000, maxBytes: 100, fetch: undefined });
    expect(await get()).toEqual({ status: 200, contentType: 'application/json', body: '{}' });
    expect(await get()).toEqual({ status: 200, contentType: 'application/json', body: '{}' });
    // The second GET: once on the reused socket (closed by the server), once on a new connection.
    expect(staleSeen.slice(before.seen)).toEqual(['GET /get HTTP/1.1', 'GET /get HTTP/1.1', 'GET /get HTTP/1.1']);
    expect(connections - before.connections).toBe(2);

    // The POST reuses the kept-alive connection of the resent GET, which the server then closes: a
    // token request is never sent twice (its code is single use), so it fails.
    const error = await boundedExchange({ url: `${staleURL}/post`, method: 'POST', headers: {}, body: 'code=c', timeout: 2000, maxBytes: 100, fetch: undefined }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: expect.stringMatching(/^(ECONNRESET|EPIPE)$/) as unknown });
    expect(staleSeen.filter((line) => line.startsWith('POST'))).toEqual(['POST /post HTTP/1.1']);
  });
});

describe('boundedExchange decompression', () => {
  let server: http.Server;
  let url = '';
  // 8 MiB of spaces gzip to about 8 KiB: small enough for the synchronous first pass.
  const smallBomb = gzipSync(Buffer.alloc(8 * 1024 * 1024, 0x20));
  // 300 KiB of JSON: more than the synchronous pass inflates, within the caller's limit.
  const large = Buffer.from(JSON.stringify({ items: ['x'.repeat(300 * 1024)] }));

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const body = req.url === '/bomb' ? smallBomb : gzipSync(large);
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));

  it('stops a small gzip bomb at maxBytes', async () => {
    expect(smallBomb.length).toBeLessThan(16 * 1024);
    const answer = await boundedExchange({ url: `${url}/bomb`, method: 'GET', headers: {}, timeout: 5000, maxBytes: 1024 * 1024, fetch: undefined });
    expect(answer.body).toBeUndefined();
  });

  it('inflates an answer larger than the synchronous pass in full when the limit allows', async () => {
    const answer = await boundedExchange({ url: `${url}/large`, method: 'GET', headers: {}, timeout: 5000, maxBytes: 1024 * 1024, fetch: undefined });
    expect(answer.body).toBe(large.toString());
    const capped = await boundedExchange({ url: `${url}/large`, method: 'GET', headers: {}, timeout: 5000, maxBytes: 200 * 1024, fetch: undefined });
    expect(capped.body).toBeUndefined();
  });

  it('fails past its timeout with ExchangeTimeout', async () => {
    const hanging = http.createServer(() => undefined);
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const error = await boundedExchange({ url: `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/`, method: 'GET', headers: {}, timeout: 50, maxBytes: 100, fetch: undefined }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExchangeTimeout);
    expect(error).toMatchObject({ name: 'TimeoutError', message: 'no answer within 50 ms' });
    hanging.closeAllConnections();
    await new Promise<void>((resolve) => hanging.close(() => resolve()));
  });
});
