import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from 'passport-stackexchange-oauth2/sandbox';
import { pickEncoding } from '../../src/sandbox/wrapper.js';
import { apiUrl, decodeRaw, rawGet } from './fixtures.js';

let se: Sandbox;

beforeAll(async () => {
  se = await createSandbox({ port: 0 });
});
afterAll(async () => {
  await se.close();
});

describe('API answers are always compressed', () => {
  const ok = () => apiUrl(se, '/users/1001', { site: 'stackoverflow', key: se.clients[0]?.key });

  it('gzip when the client asks for nothing (as Stack Exchange does)', async () => {
    const answer = await rawGet(ok());
    expect(answer.headers['content-encoding']).toBe('gzip');
    expect(answer.body.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(() => JSON.parse(answer.body.toString('utf8')) as unknown).toThrow();
    const body = decodeRaw(answer);
    expect(Object.keys(body)).toEqual(['items', 'has_more', 'quota_max', 'quota_remaining']);
  });

  it('deflate when only deflate is accepted; gzip when both are', async () => {
    const deflated = await rawGet(ok(), { 'accept-encoding': 'deflate' });
    expect(deflated.headers['content-encoding']).toBe('deflate');
    expect((decodeRaw(deflated).items as unknown[]).length).toBe(1);
    const both = await rawGet(ok(), { 'accept-encoding': 'deflate, gzip' });
    expect(both.headers['content-encoding']).toBe('gzip');
  });

  it('errors too: HTTP 400, compressed, error_id/error_name/error_message', async () => {
    const answer = await rawGet(apiUrl(se, '/users/1001', { key: 'bad((' }));
    expect(answer.status).toBe(400);
    expect(answer.headers['content-encoding']).toBe('gzip');
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(decodeRaw(answer)).toEqual({ error_id: 400, error_message: 'key: this is not a valid key', error_name: 'bad_parameter' });
  });
});

describe('pickEncoding', () => {
  it.each([
    [undefined, 'gzip'],
    ['', 'gzip'],
    ['identity', 'gzip'],
    ['gzip', 'gzip'],
    ['deflate', 'deflate'],
    ['br, deflate', 'deflate'],
    ['gzip;q=0, deflate', 'deflate'],
    ['gzip;q=0.5, deflate', 'gzip'],
  ])('%s → %s', (header, expected) => {
    expect(pickEncoding(header === undefined ? {} : { 'accept-encoding': header })).toBe(expected);
  });
});
