import { createServer, request } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { responseClosedSignal } from '../../src/util/response-closed.js';

/** Serves one request with `handle`, on a real socket. */
async function serveOnce(handle: (res: ServerResponse, signal: AbortSignal) => void): Promise<{ port: number; signal: Promise<AbortSignal>; close: () => void }> {
  let deliver: (signal: AbortSignal) => void = () => undefined;
  const signal = new Promise<AbortSignal>((resolve) => (deliver = resolve));
  const server = createServer((_req, res) => {
    const s = responseClosedSignal(res);
    handle(res, s);
    deliver(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, signal, close: () => server.close() };
}

describe('responseClosedSignal', () => {
  it('aborts when the client goes away before the answer is sent', async () => {
    const server = await serveOnce(() => undefined);
    const req = request({ port: server.port, host: '127.0.0.1', path: '/' });
    req.on('error', () => undefined);
    req.end();
    const signal = await server.signal;
    expect(signal.aborted).toBe(false);
    const aborted = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
    req.destroy();
    await aborted;
    expect(signal.aborted).toBe(true);
    expect(String(signal.reason)).toContain('closed the connection');
    server.close();
  });

  it('never aborts for an answer that was sent', async () => {
    const server = await serveOnce((res) => res.end('ok'));
    const body = await new Promise<string>((resolve, reject) => {
      request({ port: server.port, host: '127.0.0.1', path: '/' }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve(text));
      }).on('error', reject).end();
    });
    expect(body).toBe('ok');
    const signal = await server.signal;
    await new Promise((resolve) => setImmediate(resolve));
    expect(signal.aborted).toBe(false);
    server.close();
  });
});
