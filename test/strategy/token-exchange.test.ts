import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MAX_TOKEN_ANSWER_BYTES, TokenErrorCode, exchangeCode, isTokenError } from 'passport-stackexchange-oauth2';
import { readTokenAnswer } from '../../src/strategy/token-exchange.js';
import type { TokenError, TokenExchangeRequest } from 'passport-stackexchange-oauth2';

interface Seen {
  method: string;
  headers: IncomingMessage['headers'];
  form: URLSearchParams;
}

type Answer = (res: ServerResponse) => void;

let server: Server;
let base: string;
let answer: Answer;
const seen: Seen[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', headers: req.headers, form: new URLSearchParams(body) });
      answer(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  seen.length = 0;
});

const json = (status: number, body: unknown): Answer => (res) => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
};
const text = (status: number, body: string, type = 'text/plain'): Answer => (res) => {
  res.writeHead(status, { 'content-type': type });
  res.end(body);
};

const SECRETS = { code: 'the-code-123', codeVerifier: 'v'.repeat(43), clientSecret: 'shh-secret' };

function request(overrides: Partial<TokenExchangeRequest> = {}): TokenExchangeRequest {
  return {
    tokenURL: `${base}/oauth/access_token/json`,
    clientID: '1234',
    clientSecret: SECRETS.clientSecret,
    code: SECRETS.code,
    redirectURI: 'http://localhost:3000/auth/callback',
    codeVerifier: SECRETS.codeVerifier,
    timeout: 2000,
    userAgent: 'my-app/1.0 passport-stackexchange-oauth2/0.1.0',
    ...overrides,
  };
}

async function failure(overrides: Partial<TokenExchangeRequest> = {}): Promise<TokenError> {
  const err = await exchangeCode(request(overrides)).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isTokenError(err)).toBe(true);
  const tokenError = err as TokenError;
  for (const secret of Object.values(SECRETS)) expect(tokenError.message).not.toContain(secret);
  return tokenError;
}

describe('exchangeCode', () => {
  it('posts the form with verifier, secret, grant type and headers, and reads expires', async () => {
    answer = json(200, { access_token: 'tok(en)', expires: 86400 });
    const before = Date.now();
    const tokens = await exchangeCode(request());
    expect(tokens).toMatchObject({ accessToken: 'tok(en)', expires: 86400, scope: [], raw: { access_token: 'tok(en)', expires: 86400 } });
    expect(tokens.expiresAt).toBeGreaterThanOrEqual(before + 86_400_000);
    expect(tokens.expiresAt).toBeLessThanOrEqual(Date.now() + 86_400_000);
    expect(seen).toHaveLength(1);
    const [sent] = seen;
    expect(sent?.method).toBe('POST');
    expect(sent?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(sent?.headers['accept']).toBe('application/json');
    expect(sent?.headers['user-agent']).toBe('my-app/1.0 passport-stackexchange-oauth2/0.1.0');
    expect(Object.fromEntries(sent?.form ?? [])).toEqual({
      grant_type: 'authorization_code',
      client_id: '1234',
      client_secret: SECRETS.clientSecret,
      code: SECRETS.code,
      redirect_uri: 'http://localhost:3000/auth/callback',
      code_verifier: SECRETS.codeVerifier,
    });
  });

  it('sends no client_secret field at all for a public client', async () => {
    answer = json(200, { access_token: 't', expires: 10 });
    const { clientSecret: _omitted, ...publicClient } = request();
    await exchangeCode(publicClient);
    expect(seen[0]?.form.has('client_secret')).toBe(false);
    expect(seen[0]?.form.get('code_verifier')).toBe(SECRETS.codeVerifier);
  });

  it('reads expires_in and a granted scope', async () => {
    answer = json(200, { access_token: 't', expires_in: 3600, token_type: 'Bearer', scope: 'read_inbox write_access' });
    const tokens = await exchangeCode(request());
    expect(tokens.expires).toBe(3600);
    expect(tokens.scope).toEqual(['read_inbox', 'write_access']);
  });

  it('gives no expiry without expires (no_expiry)', async () => {
    answer = json(200, { access_token: 't' });
    const tokens = await exchangeCode(request());
    expect(tokens.expiresAt).toBeNull();
    expect(tokens).not.toHaveProperty('expires');
  });

  it('reads a form-encoded answer (the /oauth/access_token endpoint)', async () => {
    answer = text(200, 'access_token=abc%28%29&expires=600');
    const tokens = await exchangeCode(request());
    expect(tokens.accessToken).toBe('abc()');
    expect(tokens.expires).toBe(600);
  });

  it.each([
    ['Stack Exchange JSON error', json(400, { error: { type: 'invalid_request', message: 'client_id not provided' } }), 'invalid_request', 400],
    ['numeric error type', json(400, { error: { type: 2, message: 'redirect_uri does not match' } }), '2', 400],
    ['RFC 6749 error', json(400, { error: 'invalid_grant', error_description: 'code reused' }), 'invalid_grant', 400],
    ['form-encoded error', text(400, 'error=invalid_request&error_description=bad'), 'invalid_request', 400],
    ['error in a 200', json(200, { error: { type: 'invalid_request' } }), 'invalid_request', 200],
    ['unsafe error type', json(400, { error: '<script>alert(1)</script>' }), undefined, 400],
  ])('turns a %s into TOKEN_REJECTED', async (_label, reply, providerError, status) => {
    answer = reply;
    const err = await failure();
    expect(err.code).toBe(TokenErrorCode.Rejected);
    expect(err.providerError).toBe(providerError);
    expect(err.providerStatus).toBe(status);
    expect(err.status).toBe(502);
    expect(err.message).not.toContain('client_id not provided');
  });

  it.each([
    ['a 500 page', text(500, 'Internal Server Error'), TokenErrorCode.HttpStatus],
    ['a 502 HTML page', text(502, '<html><body>Bad gateway</body></html>', 'text/html'), TokenErrorCode.HttpStatus],
    ['an HTML 200', text(200, '<!DOCTYPE html><html><body>Log in</body></html>', 'text/html'), TokenErrorCode.InvalidResponse],
    ['broken JSON', text(200, '{"access_token": "t"', 'application/json'), TokenErrorCode.InvalidResponse],
    ['a JSON array', json(200, ['t']), TokenErrorCode.InvalidResponse],
    ['no access_token', json(200, { expires: 86400 }), TokenErrorCode.MissingToken],
    ['a numeric access_token', json(200, { access_token: 12345 }), TokenErrorCode.MissingToken],
    ['an empty access_token', json(200, { access_token: '' }), TokenErrorCode.MissingToken],
    ['malformed expires', json(200, { access_token: 't', expires: 'soon' }), TokenErrorCode.InvalidResponse],
    ['negative expires_in', json(200, { access_token: 't', expires_in: -5 }), TokenErrorCode.InvalidResponse],
  ])('turns %s into a clean TokenError', async (_label, reply, code) => {
    answer = reply;
    expect((await failure()).code).toBe(code);
  });

  it('does not follow a redirect', async () => {
    answer = (res) => {
      res.writeHead(302, { location: `${base}/elsewhere` });
      res.end();
    };
    const err = await failure();
    expect(err).toMatchObject({ code: TokenErrorCode.HttpStatus, providerStatus: 302, status: 502 });
    expect(seen).toHaveLength(1);
  });

  it('times out on a hang, without retrying', async () => {
    answer = () => undefined;
    const err = await failure({ timeout: 100 });
    expect(err.code).toBe(TokenErrorCode.Timeout);
    expect(err.message).toContain('100 ms');
    expect(seen).toHaveLength(1);
  });

  it('times out when the body stalls after the headers', async () => {
    answer = (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"access_token":');
    };
    expect((await failure({ timeout: 100 })).code).toBe(TokenErrorCode.Timeout);
  });

  it('reports an unreachable endpoint as TOKEN_NETWORK', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect((await failure({ tokenURL: `http://127.0.0.1:${port}/oauth/access_token/json` })).code).toBe(TokenErrorCode.Network);
  });

  it('uses an injected fetch', async () => {
    const calls: string[] = [];
    const fake: typeof fetch = async (input) => {
      calls.push(input instanceof Request ? input.url : input.toString());
      return new Response(JSON.stringify({ access_token: 'injected' }), { headers: { 'content-type': 'application/json' } });
    };
    expect((await exchangeCode(request({ fetch: fake }))).accessToken).toBe('injected');
    expect(calls).toEqual([`${base}/oauth/access_token/json`]);
    expect(seen).toHaveLength(0);
  });

  it('stops reading an answer beyond 64 KiB and fails TOKEN_TOO_LARGE (streamed, no length)', async () => {
    let written = 0;
    let closed!: () => void;
    const socketClosed = new Promise<void>((resolve) => (closed = resolve));
    answer = (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.on('close', () => closed());
      const chunk = Buffer.alloc(16 * 1024, 'a');
      // Keeps writing while the client reads: a reader that stopped lets the socket's buffers fill.
      const pump = (): void => {
        while (!res.destroyed && written < 8 * 1024 * 1024) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.write('{"access_token":"');
      pump();
    };
    const err = await failure();
    expect(err.code).toBe(TokenErrorCode.TooLarge);
    expect(err.providerStatus).toBe(200);
    // The client cancelled the body: the connection closes long before the 8 MiB on offer are produced.
    await socketClosed;
    expect(written).toBeLessThan(4 * 1024 * 1024);
  });

  it('fails TOKEN_TOO_LARGE from a declared Content-Length without reading the body', async () => {
    answer = (res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(MAX_TOKEN_ANSWER_BYTES + 1) });
      res.write('{');
    };
    expect((await failure()).code).toBe(TokenErrorCode.TooLarge);
  });

  it('reads an answer of exactly 64 KiB', async () => {
    const padding = 'p'.repeat(MAX_TOKEN_ANSWER_BYTES - JSON.stringify({ access_token: 't', pad: '' }).length);
    answer = json(200, { access_token: 't', pad: padding });
    expect((await exchangeCode(request())).accessToken).toBe('t');
  });

  it.each([
    ['a 513-character token', 'a'.repeat(513)],
    ['a token with a space', 'abc def'],
    ['a token with a control character', 'abc\u0001'],
    ['a non-ASCII token', 'tökén'],
  ])('refuses %s as TOKEN_MALFORMED', async (_label, token) => {
    answer = json(200, { access_token: token });
    expect((await failure()).code).toBe(TokenErrorCode.MalformedToken);
  });

  it('accepts a 512-character visible-ASCII token', async () => {
    const token = '!~'.repeat(256);
    answer = json(200, { access_token: token });
    expect((await exchangeCode(request())).accessToken).toBe(token);
  });

  it.each([
    ['the reported 90-byte body', `a=${'&a='.repeat(28)}<`],
    ['a long run of pairs ending badly', `${'a=b&'.repeat(20_000)}<`],
    ['keys of dots and percent signs', `${'.%'.repeat(30_000)}=<`],
    ['many equals signs', `a${'='.repeat(60_000)}<`],
    ['numbers for expires', `access_token=t&expires=${'1'.repeat(60_000)}x`],
  ])('reads hostile form bodies in linear time: %s', (_label, body) => {
    // A backtracking pattern takes seconds on these; the reading is linear (timings live in the bench).
    expect(() => readTokenAnswer({ status: 200, contentType: 'text/plain', body })).toThrow(expect.objectContaining({ name: 'TokenError' }));
  });
});

